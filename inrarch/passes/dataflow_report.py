"""`dataflow-report{file=…}`: prints the design report of every dataflow graph — kernels, streams, FIFO words,
DSP / BRAM / URAM estimates, modeled cycles, latency and throughput at the clock, and the DSP bound, each labelled
as modeled — to stderr, and writes it as JSON to `file` when given. The IR is left unchanged."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from inrarch.analysis.report import design_report, dump, format_report
from inrarch.dialects.dataflow import GraphOp


@dataclass(frozen=True)
class DataflowReportPass(ModulePass):
    """Prints the modeled report of each dataflow graph (stderr; JSON to `file`)."""

    name = "dataflow-report"

    file: str | None = None
    quiet: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.quiet and not self.file:
            return  # nothing asked for: skip the simulation the report needs
        reports = [design_report(g) for g in op.walk() if isinstance(g, GraphOp)]
        if not self.quiet:
            for r in reports:
                print(format_report(r), file=sys.stderr)
        if self.file:
            dump(reports[0] if len(reports) == 1 else reports, self.file)
