"""Registry of inrarch's dialects, passes and targets, seen by `inrarch-opt` and, through the `xdsl.universe`
entry point, by plain `xdsl-opt`. Entries are factories so that nothing is imported until it is used."""

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe
from xdsl.utils.target import Target

import inrarch.xdsl_guards  # noqa: F401  (guards over xDSL behaviour, see the module)


def _inr() -> Dialect:
    from inrarch.dialects.inr import INR

    return INR


def _dataflow() -> Dialect:
    from inrarch.dialects.dataflow import DATAFLOW

    return DATAFLOW


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    return {"inr": _inr, "dataflow": _dataflow}


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> factory. One pass a file in `passes/` (installed as `inrarch.passes`)."""

    def lazy(module: str, cls: str):
        def factory():
            from importlib import import_module

            return getattr(import_module(f"inrarch.passes.{module}"), cls)

        return factory

    return {
        "inr-fold-constants": lazy("fold_constants", "FoldConstantsPass"),
        "inr-autodiff": lazy("inr_autodiff", "InrAutodiffPass"),
        "inr-stats": lazy("inr_stats", "InrStatsPass"),
        "dataflow-convert": lazy("dataflow_convert", "DataflowConvertPass"),
        "dataflow-fuse": lazy("dataflow_fuse", "DataflowFusePass"),
        "dataflow-fixed-point": lazy("dataflow_fixed_point", "DataflowFixedPointPass"),
        "dataflow-parallelize": lazy("dataflow_parallelize", "DataflowParallelizePass"),
        "dataflow-fifo-depth": lazy("dataflow_fifo_depth", "DataflowFifoDepthPass"),
        "dataflow-report": lazy("dataflow_report", "DataflowReportPass"),
        "dataflow-lower": lazy("dataflow_lower", "DataflowLowerPass"),
        "dataflow-fifo-margin": lazy("dataflow_fifo_margin", "DataflowFifoMarginPass"),
    }


def get_all_targets() -> dict[str, Callable[[], type[Target]]]:
    def hls():
        from inrarch.targets.hls.target import HlsTarget

        return HlsTarget

    def rtl():
        from inrarch.targets.rtl.target import RtlTarget

        return RtlTarget

    def torch():
        from inrarch.targets.pytorch import TorchTarget

        return TorchTarget

    return {"hls": hls, "rtl": rtl, "torch": torch}


INRARCH_UNIVERSE = Universe(
    all_dialects=get_all_dialects(),
    all_passes=get_all_passes(),
    all_targets=get_all_targets(),
)
