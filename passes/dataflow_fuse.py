"""`dataflow-fuse`: fewer processes and FIFOs, same results, same throughput.

1. Epilogues join their matrix kernel: a map that only scales and/or offsets a matvec's output per feature
   (`x * a + b`, the bias add, SIREN's omega) folds into the weights and bias. A scale folds only when every
   matvec with the same weights takes it, so those can still share one weight store.
2. Matvecs with identical weights and no path between them become one matvec whose members share the
   stationary weights (in Taylor mode: one per layer, its members the Taylor coefficients).
3. Elementwise maps become one map per level: the maps that the same number of other kernels separate from the
   inputs (and that carry the same stream type) merge, which keeps the graph acyclic. Merged bodies share
   common subexpressions.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from inrarch.dataflow.model import (
    BodyBuilder,
    Design,
    Expr,
    Kernel,
    Stream,
    from_graph,
    replace_graph,
    to_graph,
)
from inrarch.dialects.dataflow import GraphOp
from inrarch.postorder import postorder


@dataclass(frozen=True)
class DataflowFusePass(ModulePass):
    """Folds affine epilogues into matvecs, shares weights across matvecs, and merges elementwise maps."""

    name = "dataflow-fuse"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            design = from_graph(graph)
            fuse(design)
            replace_graph(graph, to_graph(design))


def fuse(design: Design) -> None:
    absorb_epilogues(design)
    group_matvecs(design)
    fuse_maps(design)
    separate_matvec_ports(design)


# ---------------------------------------------------------------------------------------------------------------------
# Epilogues
# ---------------------------------------------------------------------------------------------------------------------


def _affine(expr: Expr, cols: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(a, b) with expr = in0 * a + b per feature, or None if expr is not affine in its single input."""
    match expr.kind:
        case "in":
            return np.ones(width), np.zeros(width)
        case "const":
            return np.zeros(width), np.full(width, expr.attr)
        case "col":
            return np.zeros(width), np.asarray(cols[expr.attr], dtype=np.float64)
        case "op":
            parts = [_affine(a, cols, width) for a in expr.args]
            if any(p is None for p in parts):
                return None
            match expr.attr, parts:
                case "arith.addf", [(a1, b1), (a2, b2)]:
                    return a1 + a2, b1 + b2
                case "arith.subf", [(a1, b1), (a2, b2)]:
                    return a1 - a2, b1 - b2
                case "arith.negf", [(a1, b1)]:
                    return -a1, -b1
                case "arith.mulf", [(a1, b1), (a2, b2)] if not np.any(a1) or not np.any(a2):
                    return a1 * b2 + a2 * b1, b1 * b2
    return None


def _epilogue(design: Design, mv: Kernel, consumers) -> tuple[Kernel, np.ndarray, np.ndarray] | None:
    """The map that alone reads `mv`'s output and computes an affine function of it, with (scale, offset)."""
    out = mv.outs[0]
    users = consumers.get(id(out), [])
    if len(users) != 1:
        return None
    e = users[0]
    if e.kind != "map" or len(e.ins) != 1 or len(e.outs) != 1 or e.ins[0] is not out:
        return None
    affine = _affine(e.results[0], e.cols, out.elements)
    if affine is None:
        return None
    return e, affine[0], affine[1]


def _replace_stream(design: Design, old: Stream, new: Stream) -> None:
    for k in design.kernels:
        k.ins = [new if s is old else s for s in k.ins]


def absorb_epilogues(design: Design) -> None:
    changed = True
    while changed:
        changed = False
        consumers = design.consumers()
        groups: dict[bytes, list[Kernel]] = {}
        for k in design.kernels:
            if k.kind == "matvec" and len(k.ins) == 1:
                groups.setdefault(k.weights.tobytes() + str(k.weights.shape).encode(), []).append(k)
        for members in groups.values():
            epilogues = [_epilogue(design, mv, consumers) for mv in members]
            scales = [e[1] for e in epilogues if e is not None]
            uniform = len(scales) == len(members) and all(np.array_equal(s, scales[0]) for s in scales)
            for mv, found in zip(members, epilogues, strict=True):
                if found is None:
                    continue
                epilogue, scale, offset = found
                if not uniform and not np.all(scale == 1):
                    continue  # a per-member scale would split the shared weights
                bias = mv.bias if mv.bias is not None else np.zeros(mv.weights.shape[1])
                mv.weights = mv.weights * scale[None, :]
                mv.bias = bias * scale + offset
                if not np.any(mv.bias):
                    mv.bias = None
                mv.bias_on = [mv.bias is not None]
                old_out, new_out = mv.outs[0], epilogue.outs[0]
                mv.outs = [new_out]
                design.kernels.remove(epilogue)
                _replace_stream(design, old_out, new_out)
                changed = True
            if changed:
                break


# ---------------------------------------------------------------------------------------------------------------------
# Shared weights
# ---------------------------------------------------------------------------------------------------------------------


def _kernel_graph(design: Design) -> nx.DiGraph:
    g = nx.DiGraph()
    producer = design.producer()
    for k in design.kernels:
        g.add_node(id(k))
        for s in k.ins:
            p = producer.get(id(s))
            if p is not None:
                g.add_edge(id(p), id(k))
    return g


def _independent(g: nx.DiGraph, a: Kernel, b: Kernel) -> bool:
    return not nx.has_path(g, id(a), id(b)) and not nx.has_path(g, id(b), id(a))


def group_matvecs(design: Design) -> None:
    by_weights: dict[bytes, list[Kernel]] = {}
    for k in design.kernels:
        if k.kind == "matvec":
            by_weights.setdefault(k.weights.tobytes() + str(k.weights.shape).encode(), []).append(k)
    g = _kernel_graph(design)  # kept up to date: a merged matvec's node is contracted into its head's
    for members in by_weights.values():
        heads: list[Kernel] = []
        for m in members:
            for head in heads:
                if _compatible_bias(head, m) and _independent(g, head, m):
                    head_on = head.bias_on if head.bias is not None else [False] * len(head.ins)
                    m_on = m.bias_on if m.bias is not None else [False] * len(m.ins)
                    head.bias = head.bias if head.bias is not None else m.bias
                    head.bias_on = head_on + m_on if head.bias is not None else []
                    head.ins += m.ins
                    head.outs += m.outs
                    design.kernels.remove(m)
                    nx.contracted_nodes(g, id(head), id(m), self_loops=False, copy=False)
                    break
            else:
                heads.append(m)


def _compatible_bias(a: Kernel, b: Kernel) -> bool:
    return a.bias is None or b.bias is None or np.array_equal(a.bias, b.bias)


# ---------------------------------------------------------------------------------------------------------------------
# Elementwise maps
# ---------------------------------------------------------------------------------------------------------------------


def _levels(design: Design) -> dict[int, int]:
    """Per kernel, the most non-map kernels on a path from the inputs to it (itself excluded)."""
    producer = design.producer()
    graph = _kernel_graph(design)
    by_id = {id(k): k for k in design.kernels}
    level: dict[int, int] = {}
    for node in nx.topological_sort(graph):
        kernel = by_id[node]
        level[node] = max(
            (level[id(p)] + (p.kind != "map") for p in (producer.get(id(s)) for s in kernel.ins) if p is not None),
            default=0,
        )
    return level


def fuse_maps(design: Design) -> None:
    """Merges the maps of equal level and stream type into one map each. A path between two such maps cannot
    pass through a kernel that is not a map (that would raise the level of its end), so it runs through maps of
    the same group only, and merging the group keeps the graph acyclic."""
    level = _levels(design)
    groups: dict[tuple, list[Kernel]] = {}
    for k in design.kernels:
        if k.kind == "map":
            groups.setdefault((level[id(k)], k.outs[0].elements, k.outs[0].width), []).append(k)
    consumers = design.consumers()
    for members in groups.values():
        if len(members) > 1:
            merged = _merge_group(members, consumers)
            index = min(design.kernels.index(m) for m in members)
            for m in members:
                design.kernels.remove(m)
            design.kernels.insert(index, merged)


def _merge_group(members: list[Kernel], consumers: dict[int, list[Kernel]]) -> Kernel:
    """One map computing every member; streams between members stay inside its body."""
    inside = {id(m) for m in members}
    producer = {id(s): m for m in members for s in m.outs}
    order = postorder(members, lambda m: [producer[id(s)] for s in m.ins if id(s) in producer])
    body = BodyBuilder()
    ins: list[Stream] = []
    cols: list[np.ndarray] = []
    values: dict[int, Expr] = {}

    def input_expr(s: Stream) -> Expr:
        if id(s) in values:
            return values[id(s)]
        ins.append(s)
        values[id(s)] = body.input(len(ins) - 1)
        return values[id(s)]

    def col_expr(c: np.ndarray) -> Expr:
        for i, existing in enumerate(cols):
            if np.array_equal(existing, c):
                return body.col(i)
        cols.append(c)
        return body.col(len(cols) - 1)

    outs, results = [], []
    for m in order:
        inputs = [input_expr(s) for s in m.ins]
        m_cols = [col_expr(c) for c in m.cols]
        memo: dict[int, Expr] = {}
        for s, r in zip(m.outs, m.results, strict=True):
            values[id(s)] = body.rebuild(r, inputs, m_cols, memo)
            if any(id(u) not in inside for u in consumers.get(id(s), [])):
                outs.append(s)
                results.append(values[id(s)])
    return Kernel("map", ins, outs, body=body, results=results, cols=cols)


def separate_matvec_ports(design: Design) -> None:
    """A stream from one matvec straight into another gets a pass-through map between them: the member streams
    of a matvec port are one array of streams in the printed C++, and a stream can belong to one array only."""
    producer = design.producer()
    for k in list(design.kernels):
        if k.kind != "matvec":
            continue
        for i, s in enumerate(k.ins):
            if producer.get(id(s)) is not None and producer[id(s)].kind == "matvec":
                body = BodyBuilder()
                copy = Stream(s.elements, s.width)
                design.kernels.insert(design.kernels.index(k), Kernel("map", [s], [copy], body=body,
                                                                       results=[body.input(0)]))  # fmt: skip
                k.ins[i] = copy
