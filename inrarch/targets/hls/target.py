"""The `hls` target of inrarch-opt: `-t hls` prints the design's main C++ source; `-t 'hls{out=DIR}'` also writes
the whole Vitis project (testbench golden data from the graph's own semantics on seeded random inputs) to a new or
empty folder, or, with `force=true`, over the files of an earlier inrarch project there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from inrarch.targets.hls.printer import HlsPrinter, find_graph


@dataclass(frozen=True)
class HlsTarget(Target):
    name = "hls"

    out: str | None = None
    top: str | None = None
    force: bool = False

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from inrarch.analysis.derived import check_printable

        graph = find_graph(module)
        run = check_printable(graph, "hls")
        printer = HlsPrinter(graph, self.top)
        printed = printer.print()
        if self.out:
            from inrarch.analysis.functional import run_graph
            from inrarch.analysis.report import design_report, format_report
            from inrarch.targets.hls.project import modeled_timing, write_project

            rng = np.random.default_rng(0)
            x = rng.uniform(-1, 1, (printed.samples, printed.in_cols))
            golden = run_graph(graph, x)
            report = design_report(graph)
            write_project(self.out, printed, x, golden, report["assumptions"]["part"],
                          report["assumptions"]["clock_mhz"], format_report(report),
                          {"modeled_timing.json": modeled_timing(graph, printer, run)}, self.force)  # fmt: skip
        output.write(printed.source)
