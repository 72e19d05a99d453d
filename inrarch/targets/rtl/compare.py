"""The model's figures in the RTL's terms, to set beside what the RTL measures.

The RTL's top takes its input words as a stream (no memory latency) and sends its output words as a stream; its
cycles run from the first input word accepted to the last output word sent. The cycle model's call starts with the
read kernel's m_axi requests, whose data arrives MEMORY_READ_LATENCY cycles later, and ends at the write kernel's
last stream access. So the model's figure for the same span is the cycle model of the same graph with that latency
taken out of the read kernel, from its first word to the write kernel's last word (the last token's other
elements leave one per cycle after its read, each after the write kernel's conversion depth).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inrarch.analysis.cycle_model import Simulator
from inrarch.targets.hls.facts import fifo_bram18, fifo_lut, kernel_facts
from inrarch.analysis.simulate import sim_model
from inrarch.dialects.dataflow import GraphOp, ReadOp, WriteOp
from inrarch.targets.hardware import MEMORY_READ_LATENCY


@dataclass
class ModelSpan:
    cycles: int  # the cycle model's cycles from the first input word to the last output word
    max_occupancy: list[int] = field(default_factory=list)  # per FIFO, in the graph's order


def model_span(graph: GraphOp) -> ModelSpan:
    kernels, streams, _ = sim_model(graph)
    ops = list(graph.kernels())
    read = next(i for i, op in enumerate(ops) if isinstance(op, ReadOp))
    write = next(i for i, op in enumerate(ops) if isinstance(op, WriteOp))
    k = kernels[read]
    k.writes = [(s, [o - MEMORY_READ_LATENCY for o in offs]) for s, offs in k.writes]
    k.lag -= MEMORY_READ_LATENCY
    result = Simulator(kernels, streams).run_exact(graph.samples, np.array([s.depth for s in streams]), True)
    if result.deadlock is not None:
        raise ValueError(f"the cycle model deadlocks: {result.deadlock.describe()}")
    plans, _, read_t = result._times  # type: ignore[attr-defined]
    stream, offsets = kernels[write].reads[-1]
    per = len(offsets)
    last_token = int(plans.token_base[stream]) + per * graph.samples - 1
    width = ops[write].input_types()[-1].width
    depth = kernel_facts(ops[write]).depth  # the conversion of each word before it leaves
    return ModelSpan(int(read_t[last_token]) + width + depth, list(result.max_occupancy))


@dataclass
class KernelModel:
    """A kernel's modeled facts (inrarch.targets.hls.facts), in the report's terms."""

    ii: int
    depth: int
    dsp: int
    bram18: int
    lut: int
    ff: int


def kernel_models(graph: GraphOp) -> list[KernelModel]:
    out = []
    for op in graph.kernels():
        f = kernel_facts(op)
        out.append(KernelModel(f.ii, f.depth, f.dsp, f.bram18, f.lut, f.ff))
    return out


def fifo_model(graph: GraphOp) -> list[tuple[int, int]]:
    """(BRAM18, LUT) the model counts for each FIFO."""
    out = []
    for f in graph.fifos():
        t = f.stream.type
        out.append((fifo_bram18(f.depth_value, t.width, f.bits), fifo_lut(f.depth_value, t.width, f.bits)))
    return out


__all__ = ["KernelModel", "ModelSpan", "fifo_model", "kernel_models", "model_span"]
