"""Functional semantics of a `dataflow.graph`: what it computes, on whole batches, without timing. The reference
against which the dataflow passes (and the C-simulation) are checked. One walk over the graph (`Semantics.evaluate`)
for every number type: floating point here, bit-exact fixed point in inrarch.analysis.precision."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.ir import SSAValue

from inrarch.diagnostics import CompileError
from inrarch.analysis.model import dataflow_order
from inrarch.dialects.dataflow import (
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    WriteOp,
    predecessors,
)
from inrarch.evaluator import interpreter
from inrarch.ir_utils import dense_to_numpy, op_type_registrar


class Semantics:
    """What one run of a graph does at its compute kernels. The walk over the graph (`evaluate`: kernels in dataflow
    order; reads, writes, forks and shuffles) is the same for every number type; a subclass gives the maps' and
    matvecs' arithmetic and what happens to each stream's value (float64 records ranges, fixed point rounds it to
    its format: inrarch.analysis.precision)."""

    dtype = np.float64

    def map(self, kernel: MapOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        raise NotImplementedError

    def matvec(self, kernel: MatVecOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        raise NotImplementedError

    def stream(self, value: SSAValue, array: np.ndarray, site: str) -> np.ndarray:
        """The array a kernel's output stream `value` carries (site: `k3_map:out0`)."""
        return array

    def evaluate(self, graph: GraphOp, x: np.ndarray) -> np.ndarray:
        """The array the graph writes (`[N, M]`) for the input array `x` (`[N, d]`)."""
        values: dict[SSAValue, np.ndarray] = {}
        result = None
        for k, kernel in enumerate(kernel_order(graph)):
            site = f"k{k}_{kernel.name.split('.')[1]}"
            ins = [values.pop(v) for v in kernel.stream_inputs]  # (a stream has one consumer)
            match kernel:
                case ReadOp():
                    outs = [x]
                case WriteOp():
                    result = np.concatenate(ins, axis=1)
                    outs = []
                case ForkOp():
                    outs = [ins[0]] * len(kernel.outputs)
                case MapOp():
                    outs = self.map(kernel, ins, site)
                case MatVecOp():
                    outs = self.matvec(kernel, ins, site)
                case ShuffleOp():
                    outs = shuffle_values(kernel, ins, self.dtype)
                case _:
                    rule = SEMANTICS_RULES.get(type(kernel))
                    if rule is None:
                        raise CompileError(f"no semantics for {kernel.name}: register its arithmetic with "
                                           f"@semantics_rule({type(kernel).__name__}) (inrarch.analysis.functional)",
                                           kernel)  # fmt: skip
                    outs = rule(self, kernel, ins, site)
            for j, (v, val) in enumerate(zip(kernel.stream_outputs, outs, strict=True)):
                values[v] = self.stream(v, np.asarray(val, dtype=self.dtype), f"{site}:out{j}")
        assert result is not None
        return result


# The arithmetic of kernel ops outside the dataflow dialect, looked up by op type: `Semantics.evaluate` calls the rule
# registered for the op's type (`@semantics_rule(OpType)`) with the semantics (its `dtype`), the op, its input
# arrays ([N, elements] each, already in their streams' formats in fixed point) and its site; the rule returns its
# output arrays, exact or in `dtype`. Each output is then what its stream carries (`Semantics.stream`: rounded to
# the stream's format in fixed point, its range recorded in float64), so a rule whose hardware computes exactly
# and rounds once, at its output stream, is one rule for floating and fixed point.

SemanticsRule = Callable[[Semantics, KernelOp, list[np.ndarray], str], list[np.ndarray]]
SEMANTICS_RULES: dict[type[KernelOp], SemanticsRule] = {}


# `@semantics_rule(OpType)`: registers the decorated function as the arithmetic of that op type's kernels.
semantics_rule = op_type_registrar(SEMANTICS_RULES)


class FloatSemantics(Semantics):
    """The graph in floating point (`dtype`): map bodies by inrarch's evaluator, matvecs as matrix products."""

    def __init__(self, graph: GraphOp, dtype=np.float64):
        self.dtype = dtype
        self.interp, _ = interpreter(graph, dtype)

    def map(self, kernel: MapOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        cols = [dense_to_numpy(c).astype(self.dtype)[None, :] for c in kernel.const_rows]
        return [np.broadcast_to(np.asarray(o, dtype=self.dtype), ins[0].shape).copy()
                for o in self.interp.run_ssacfg_region(kernel.body, (*ins, *cols), "dataflow.map")]  # fmt: skip

    def matvec(self, kernel: MatVecOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        w = dense_to_numpy(kernel.weights).astype(self.dtype)
        bias = dense_to_numpy(kernel.bias).astype(self.dtype) if kernel.bias is not None else None
        return matvec_values(kernel, ins, w, bias)


def run_graph(graph: GraphOp, x: np.ndarray, dtype=np.float64) -> np.ndarray:
    """The array the graph writes (`[N, M]`) for the input array `x` (`[N, d]`), in floating point."""
    x = np.asarray(x, dtype=dtype)
    if x.shape != (graph.samples, graph.function_type.inputs.data[0].get_shape()[1]):
        raise CompileError(f"@{graph.sym_name.data} reads an array of shape "
                           f"{list(graph.function_type.inputs.data[0].get_shape())}, got {list(x.shape)}")  # fmt: skip
    return FloatSemantics(graph, dtype).evaluate(graph, x)


def kernel_order(graph: GraphOp) -> list[KernelOp]:
    """The graph's kernels, each after the producers of its input streams."""
    order = dataflow_order(graph.kernels())
    position = {k: i for i, k in enumerate(order)}
    if any(position[p] > position[k] for k in order for p in predecessors(k)):
        raise CompileError(f"@{graph.sym_name.data} has a cycle of kernels", graph)
    return order


def matvec_values(kernel: MatVecOp, ins: list[np.ndarray], w: np.ndarray, bias: np.ndarray | None) -> list[np.ndarray]:
    """A matvec's output arrays for its members' input arrays, with weights w (and bias) as given."""
    return [i @ w + (bias if on else 0) for i, on in zip(ins, kernel.bias_members(), strict=True)]


def shuffle_values(kernel: ShuffleOp, ins: list[np.ndarray], dtype=np.float64) -> list[np.ndarray]:
    """A shuffle's output arrays ([N, elements] each) from its input arrays."""
    flat = np.concatenate(ins, axis=1)
    fill = kernel.fill_values()
    picked = np.stack([flat[:, s] if s >= 0 else np.full(flat.shape[0], fill[e], dtype=dtype)
                       for e, s in enumerate(kernel.selection())], axis=1)  # fmt: skip
    outs, start = [], 0
    for t in kernel.output_types():
        outs.append(picked[:, start : start + t.elements])
        start += t.elements
    return outs
