"""The RTL of a fixed-point `dataflow.graph`: one FIFO per `dataflow.fifo` (the IR's depth and format), one
generator per kernel op (`kernels.GENERATORS`), connected as the graph says, in a top module whose ports are the
design's input and output streams of float words (as the HLS top reads and writes its arrays) and, for
simulation, each FIFO's occupancy.

Top ports: `clk`, `rst`; `in_data`, `in_valid`, `in_accept` (the read kernel takes the word in that cycle);
`out_data`, `out_valid` (the write kernel sends a word in that cycle), `out_ready`; `level_<n>` per FIFO n.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.back import rtlil, verilog
from amaranth.hdl import Elaboratable, Module, Signal
from xdsl.dialects.builtin import Float64Type, MemRefType

from inrarch.analysis.fixed import fifo_format
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import FifoOp, GraphOp, KernelOp
from inrarch.targets.hls.printer import c_identifier
from inrarch.targets.rtl.hw import Fifo
from inrarch.targets.rtl.kernels import GENERATORS, Io, Kernel


def check_fixed(graph: GraphOp) -> None:
    """RTL needs a fixed-point design: every stream with a format."""
    if any(f.format is None for f in graph.fifos()):
        raise CompileError("RTL needs a fixed-point design: compile with precision=auto or ap_fixed<W,I> "
                           "(--precision auto, --dataflow-lower=precision=auto)", graph)  # fmt: skip


@dataclass
class FifoInfo:
    name: str  # the stream's name in the HLS C++ (and the level port's suffix)
    depth: int
    tokens: int  # tokens per sample
    bits: int  # bits per token


class DesignRtl(Elaboratable):
    def __init__(self, graph: GraphOp):
        self._MustUse__silence = True  # (a design refused below is not an unused one)
        check_fixed(graph)
        self._MustUse__silence = False
        self.graph = graph
        in_type = graph.function_type.inputs.data[0]
        assert isinstance(in_type, MemRefType)
        self.float_bits = 64 if isinstance(in_type.element_type, Float64Type) else 32
        self.samples = graph.samples
        self.in_cols = in_type.get_shape()[1]
        self.out_cols = graph.function_type.inputs.data[-1].get_shape()[1]
        self.top = c_identifier(graph.sym_name.data)
        self.in_data = Signal(self.float_bits, name="in_data")
        self.in_valid = Signal(name="in_valid")
        self.in_accept = Signal(name="in_accept")
        self.out_data = Signal(self.float_bits, name="out_data")
        self.out_valid = Signal(name="out_valid")
        self.out_ready = Signal(name="out_ready")
        self.fifo_ops: list[FifoOp] = list(graph.fifos())
        self.fifos: dict = {}
        self.infos: list[FifoInfo] = []
        used: set[str] = set()
        for i, f in enumerate(self.fifo_ops):
            t = f.stream.type
            bits = f.format.width.data
            self.fifos[f.stream] = Fifo(t.width * bits, f.depth_value)
            base = c_identifier(f.stream.name_hint or f"s{i}")
            name, k = base, 1
            while name in used:
                name, k = f"{base}_{k}", k + 1
            used.add(name)
            self.infos.append(FifoInfo(name, f.depth_value, t.count, t.width * bits))
        self.levels = [Signal(range(info.depth + 1), name=f"level_{info.name}") for info in self.infos]
        self.kernels: list[Kernel] = []
        try:
            for k, op in enumerate(graph.kernels()):
                self.kernels.append(self._kernel(k, op))
        except BaseException:
            for part in (self, *self.kernels, *self.fifos.values()):  # a design refused part-way is not a forgotten one
                part._MustUse__silence = True
            raise

    def _io(self, value, reading: bool) -> Io:
        f = value.owner
        fifo = self.fifos[value]
        t = value.type
        if reading:
            return Io(fifo.r_data, fifo.r_rdy, fifo.r_en, t.width, f.format.width.data, fifo_format(f))
        return Io(fifo.w_data, fifo.w_rdy, fifo.w_en, t.width, f.format.width.data, fifo_format(f))

    def _kernel(self, k: int, op: KernelOp) -> Kernel:
        generator = GENERATORS.get(type(op))
        if generator is None:
            raise CompileError(f"the RTL generator has no kernel for {op.name}: register a Kernel subclass for "
                               f"{type(op).__name__} in GENERATORS (inrarch.targets.rtl.kernels)", op)  # fmt: skip
        name = f"k{k}_{op.name.split('.')[1]}"
        ins = [self._io(v, True) for v in op.stream_inputs]
        outs = [self._io(v, False) for v in op.stream_outputs]
        extra = {}
        if op.name == "dataflow.read":
            ins = [Io(self.in_data, self.in_valid, self.in_accept, 1, self.float_bits, None)]
            extra["float_bits"] = self.float_bits
        elif op.name == "dataflow.write":
            outs = [Io(self.out_data, self.out_ready, self.out_valid, 1, self.float_bits, None)]
            extra["float_bits"] = self.float_bits
        return generator(op, name, ins, outs, self.samples, **extra)

    def elaborate(self, platform):
        m = Module()
        for (value, fifo), info, level in zip(self.fifos.items(), self.infos, self.levels, strict=True):
            m.submodules[f"fifo_{info.name}"] = fifo
            m.d.comb += level.eq(fifo.level)
        for kernel in self.kernels:
            m.submodules[kernel.name] = kernel
        return m

    def ports(self) -> list[Signal]:
        return [self.in_data, self.in_valid, self.in_accept, self.out_data, self.out_valid, self.out_ready,
                *self.levels]  # fmt: skip

    def rtlil(self) -> str:
        """The design in Yosys's RTLIL (Amaranth's back end): the top module `<graph name>` and one module per kernel
        and FIFO. Yosys reads it in moments, where its Verilog front end takes minutes on the designs' wide
        memories and constants."""
        try:
            return rtlil.convert(self, name=self.top, ports=self.ports(), emit_src=False)
        except BaseException:
            for part in (*self.kernels, *self.fifos.values()):  # a design refused part-way is not a forgotten one
                part._MustUse__silence = True
            raise

    def verilog(self, rtlil_text: str | None = None) -> str:
        """The design as one Verilog file, written by Amaranth's bundled Yosys from its RTLIL (given, or made)."""
        # amaranth.back.verilog.convert is rtlil.convert followed by this conversion (amaranth 0.5, pinned).
        return verilog._convert_rtlil_text(rtlil_text if rtlil_text is not None else self.rtlil())


__all__ = ["DesignRtl", "FifoInfo", "check_fixed"]
