"""`dataflow-lower`: the whole dataflow pipeline with defaults, from a derivative program to a sized design:
`dataflow-convert`, `dataflow-fuse`, `dataflow-fixed-point` (unless `precision=float`, the default),
`dataflow-parallelize`, `dataflow-fifo-depth`, `dataflow-report`.

Options are those of the steps: `target` (u50, u280 or custom), `dsp`, `bram`, `uram`, `clock-mhz`, `func`,
`precision` (float, auto or ap_fixed<W,I>), `error`, `overflow`, `calibration`, `max-gb`, `report` (a JSON file
for the report; the readable report goes to stderr unless `quiet`)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline

from inrarch.analysis.fixed import parse_precision
from inrarch.targets.hardware import make_target
from inrarch.passes.dataflow_fixed_point import DataflowFixedPointPass
from inrarch.passes.dataflow_convert import DataflowConvertPass
from inrarch.passes.dataflow_fifo_depth import DataflowFifoDepthPass
from inrarch.passes.dataflow_fuse import DataflowFusePass
from inrarch.passes.dataflow_parallelize import DataflowParallelizePass
from inrarch.passes.dataflow_report import DataflowReportPass


@dataclass(frozen=True)
class DataflowLowerPass(ModulePass):
    """Lowers a derivative program to a sized dataflow design (convert, fuse, parallelize, FIFO depths, report)."""

    name = "dataflow-lower"

    target: str = "u50"
    dsp: int | None = None
    bram: int | None = None
    uram: int | None = None
    clock_mhz: int | float | None = None
    func: str | None = None
    report: str | None = None
    quiet: bool = False
    precision: str = "float"
    error: float = 1e-3
    overflow: str = "error"
    calibration: str | None = None
    max_gb: int | float | None = None

    def passes(self) -> tuple[ModulePass, ...]:
        """The pipeline this pass stands for (inrarch-opt runs these in its place, so `--time-passes` and
        `--print-between-passes` see every step)."""
        make_target(self.target, self.dsp, self.bram, self.uram, self.clock_mhz)  # options checked before any work
        fixed = parse_precision(self.precision) != "float"  # checked before any work too
        return (
            DataflowConvertPass(self.func, self.max_gb),
            DataflowFusePass(),
            *([DataflowFixedPointPass(self.precision, self.error, self.overflow, calibration=self.calibration)]
              if fixed else []),  # fmt: skip
            DataflowParallelizePass(self.target, self.dsp, self.bram, self.uram, self.clock_mhz),
            DataflowFifoDepthPass(),
            DataflowReportPass(self.report, self.quiet),
        )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PassPipeline(self.passes()).apply(ctx, op)
