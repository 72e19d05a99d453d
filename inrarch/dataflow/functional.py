"""Functional semantics of a `dataflow.graph`: what it computes, on whole batches, without timing. The reference
against which the dataflow passes (and the C-simulation) are checked."""

from __future__ import annotations

import numpy as np
from xdsl.ir import SSAValue

from inrarch.diagnostics import CompileError
from inrarch.dataflow.model import dataflow_order
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
from inrarch.ir_utils import dense_to_numpy


def run_graph(graph: GraphOp, x: np.ndarray, dtype=np.float64) -> np.ndarray:
    """The array the graph writes (`[N, M]`) for the input array `x` (`[N, d]`)."""
    interp, _ = interpreter(graph, dtype)
    x = np.asarray(x, dtype=dtype)
    if x.shape != (graph.samples, graph.function_type.inputs.data[0].get_shape()[1]):
        raise CompileError(f"@{graph.sym_name.data} reads an array of shape "
                           f"{list(graph.function_type.inputs.data[0].get_shape())}, got {list(x.shape)}")  # fmt: skip
    values: dict[SSAValue, np.ndarray] = {}
    result = None
    for kernel in kernel_order(graph):
        ins = [values[v] for v in kernel.stream_inputs]
        match kernel:
            case ReadOp():
                outs = [x]
            case WriteOp():
                result = np.concatenate(ins, axis=1)
                outs = []
            case ForkOp():
                outs = [ins[0]] * len(kernel.outputs)
            case MapOp():
                cols = [dense_to_numpy(c).astype(dtype)[None, :] for c in kernel.const_rows]
                outs = [np.broadcast_to(np.asarray(o, dtype=dtype), ins[0].shape).copy()
                        for o in interp.run_ssacfg_region(kernel.body, (*ins, *cols), "dataflow.map")]  # fmt: skip
            case MatVecOp():
                w = dense_to_numpy(kernel.weights).astype(dtype)
                bias = dense_to_numpy(kernel.bias).astype(dtype) if kernel.bias is not None else None
                outs = matvec_values(kernel, ins, w, bias)
            case ShuffleOp():
                outs = shuffle_values(kernel, ins, dtype)
            case _:
                raise CompileError(f"no functional semantics for {kernel.name}", kernel)
        for v, val in zip(kernel.stream_outputs, outs, strict=True):
            values[v] = np.asarray(val, dtype=dtype)
    assert result is not None
    return result


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
