"""Resources of a `dataflow.graph`: the sum of its kernels' hardware facts (`inrarch.targets.hls.facts.kernel_facts`) and its FIFOs.
All figures are modeled (DSP and BRAM from the operator table and the memories the code binds; LUT and FF rough)."""

from __future__ import annotations

from dataclasses import dataclass

from inrarch.targets.hls.facts import fifo_bram18, fifo_lut, kernel_facts
from inrarch.dialects.dataflow import GraphOp


@dataclass
class Resources:
    dsp: int = 0
    bram18: int = 0
    lut: int = 0
    ff: int = 0

    @property
    def bram36(self) -> float:
        return self.bram18 / 2

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.dsp + other.dsp, self.bram18 + other.bram18, self.lut + other.lut, self.ff + other.ff)


def graph_resources(graph: GraphOp) -> Resources:
    total = Resources()
    for kernel in graph.kernels():
        f = kernel_facts(kernel)
        total = total + Resources(f.dsp, f.bram18, f.lut, f.ff)
    for fifo in graph.fifos():
        t = fifo.stream.type
        bits = fifo.bits
        total = total + Resources(0, fifo_bram18(fifo.depth_value, t.width, bits), fifo_lut(fifo.depth_value, t.width, bits))
    return total
