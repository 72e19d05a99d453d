"""The cycle model's view of a `dataflow.graph`: its kernels' schedules and its FIFOs."""

from __future__ import annotations

from xdsl.ir import SSAValue

from inrarch.analysis.cycle_model import SimKernel, SimResult, SimStream, Simulator
from inrarch.targets.hls.facts import kernel_facts
from inrarch.dialects.dataflow import GraphOp, KernelOp


def stream_name(value: SSAValue, index: int) -> str:
    return f"%{value.name_hint}" if value.name_hint else f"fifo#{index}"


def kernel_name(kernel: KernelOp, index: int) -> str:
    return f"{kernel.name.split('.')[-1]}#{index}"


def sim_model(graph: GraphOp, depths: dict[SSAValue, int] | None = None) -> tuple[list[SimKernel], list[SimStream], list[SSAValue]]:
    fifos = list(graph.fifos())
    index = {f.stream: i for i, f in enumerate(fifos)}
    streams = []
    for i, f in enumerate(fifos):
        depth = depths.get(f.stream, f.depth_value) if depths else f.depth_value
        streams.append(SimStream(stream_name(f.stream, i), depth, f.stream.type.count, f.stream.type.width))
    kernels = []
    for k, kernel in enumerate(graph.kernels()):
        facts = kernel_facts(kernel)
        reads = [(index[v], offs) for v, offs in zip(kernel.stream_inputs, facts.reads, strict=True)]
        writes = [(index[v], offs) for v, offs in zip(kernel.stream_outputs, facts.writes, strict=True)]
        kernels.append(SimKernel(kernel_name(kernel, k), facts.steps, facts.ii, reads, writes, facts.write_lag))
    return kernels, streams, [f.stream for f in fifos]


def model_run(graph: GraphOp) -> tuple[SimResult, list[SSAValue]]:
    """The cycle model of the graph with its FIFOs' depths, with occupancies; and the streams in its order."""
    kernels, streams, values = sim_model(graph)
    return Simulator(kernels, streams).run(graph.samples, occupancy=True), values
