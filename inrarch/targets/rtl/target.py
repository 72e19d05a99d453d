"""The `rtl` target of inrarch-opt: `-t rtl` prints the Verilog of a fixed-point design; `-t 'rtl{out=DIR}'` writes
the RTL project (Verilog, Verilator harness, input data and bit-exact expected outputs, rtl.json) to a new or empty
folder, or, with `force=true`, over the files of an earlier inrarch project there. `inrarch rtl DIR --sim --synth`
then measures it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from inrarch.targets.hls.printer import find_graph


@dataclass(frozen=True)
class RtlTarget(Target):
    name = "rtl"

    out: str | None = None
    force: bool = False

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        from inrarch.targets.rtl.top import DesignRtl, check_fixed

        from inrarch.analysis.derived import check_printable

        graph = find_graph(module)
        check_fixed(graph)
        check_printable(graph, "rtl")
        if self.out:
            from inrarch.targets.rtl.project import write_rtl

            path = write_rtl(graph, self.out, self.force)
            output.write(f"// inrarch: wrote the RTL project to {path} (measure it: inrarch rtl {self.out})\n")
            return
        output.write(DesignRtl(graph).verilog())
