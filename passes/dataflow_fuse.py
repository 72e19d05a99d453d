"""`dataflow-fuse`: fewer processes and FIFOs, same results, same throughput, as rewrites of the dataflow ops.

1. `AbsorbEpilogues`: a map that only scales and/or offsets a matvec's output per feature (`x * a + b`, the bias
   add, SIREN's omega) folds into the weights and bias. A scale folds only when every matvec with the same weights
   takes it, so those can still share one weight store.
2. `GroupMatvecs`: matvecs with identical weights and no path between them become one matvec whose members share
   the stationary weights (in Taylor mode: one per layer, its members the Taylor coefficients).
3. `FuseMaps`: elementwise maps become one map per level: the maps that the same number of other kernels separate
   from the inputs (and that carry the same stream type) merge, which keeps the graph acyclic. Streams between
   merged maps disappear, a stream they read through several fork branches is read once (forks left with one
   branch go), and the merged body shares common subexpressions (xDSL's CSE).
4. `SeparateMatvecPorts`: a stream from one matvec straight into another gets a pass-through map between them:
   the member streams of a matvec port are one array of streams in the printed C++, and a stream belongs to one
   array only.

Forks are seen through: a stream's logical producer and consumers are those beyond its forks. The kernels end in
dataflow order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx
import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp
from xdsl.ir import Block, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint
from xdsl.transforms.common_subexpression_elimination import cse

from inrarch.dataflow.model import Expr, body_from_block, order_kernels
from inrarch.dialects.dataflow import FifoOp, ForkOp, GraphOp, KernelOp, MapOp, MatVecOp, YieldOp
from inrarch.ir_utils import dense_to_numpy, numpy_to_dense
from inrarch.postorder import postorder


@dataclass(frozen=True)
class DataflowFusePass(ModulePass):
    """Folds affine epilogues into matvecs, shares weights across matvecs, and merges elementwise maps."""

    name = "dataflow-fuse"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            region = graph.body
            PatternRewriteWalker(AbsorbEpilogues()).rewrite_region(region)
            PatternRewriteWalker(GroupMatvecs(kernel_graph(graph)), apply_recursively=False).rewrite_region(region)
            fuse_maps(graph)
            PatternRewriteWalker(SeparateMatvecPorts(), apply_recursively=False).rewrite_region(region)
            order_kernels(graph.block)


# ---------------------------------------------------------------------------------------------------------------------
# Streams seen through forks
# ---------------------------------------------------------------------------------------------------------------------


def producer(v: SSAValue) -> KernelOp | None:
    return next((u.operation for u in v.uses if isinstance(u.operation, KernelOp) and v in u.operation.stream_outputs),
                None)  # fmt: skip


def consumer(v: SSAValue) -> KernelOp | None:
    return next((u.operation for u in v.uses if isinstance(u.operation, KernelOp) and v in u.operation.stream_inputs),
                None)  # fmt: skip


def source(v: SSAValue) -> SSAValue:
    """The stream `v` copies, beyond any forks."""
    while isinstance(p := producer(v), ForkOp):
        v = p.input
    return v


def sinks(v: SSAValue) -> list[tuple[KernelOp, SSAValue]]:
    """The kernels reading `v`, beyond any forks, each with the stream value it reads."""
    c = consumer(v)
    if isinstance(c, ForkOp):
        return [s for out in c.outputs for s in sinks(out)]
    return [(c, v)] if c is not None else []


def kernel_graph(graph: GraphOp) -> nx.DiGraph:
    """The kernels (forks included) as a directed graph of their streams."""
    g = nx.DiGraph()
    for k in graph.kernels():
        g.add_node(k)
        for v in k.stream_inputs:
            if (p := producer(v)) is not None:
                g.add_edge(p, k)
    return g


def _erase_stream(v: SSAValue, rewriter: PatternRewriter | None = None) -> None:
    fifo = v.owner
    assert isinstance(fifo, FifoOp) and not fifo.stream.uses, fifo
    if rewriter is not None:
        rewriter.erase(fifo)
    else:
        fifo.detach()
        fifo.erase()


def _drop_branch(fork: ForkOp, branch: SSAValue) -> None:
    """Removes one output of a fork; a fork left with one output goes, its reader taking the fork's input."""
    outputs = [o for o in fork.outputs if o is not branch]
    if len(outputs) >= 2:
        new = ForkOp(fork.input, outputs)
        fork.parent_block().insert_op_before(new, fork)
    else:
        (last,) = outputs
        last.replace_all_uses_with(fork.input)
        new = None
    fork.detach()
    fork.erase()
    _erase_stream(branch)
    if new is None:
        _erase_stream(last)


# ---------------------------------------------------------------------------------------------------------------------
# 1. Epilogues
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


def _weights_key(mv: MatVecOp) -> bytes:
    """The weights' values (a splat and its expanded form have one key)."""
    return _values_key(mv.weights)


@lru_cache(maxsize=4096)
def _values_key(weights: DenseIntOrFPElementsAttr) -> bytes:
    w = dense_to_numpy(weights)
    return w.tobytes() + str(w.shape).encode()


def _epilogue(mv: MatVecOp) -> tuple[MapOp, np.ndarray, np.ndarray] | None:
    """The map that alone reads `mv`'s output and computes an affine function of it, with (scale, offset)."""
    out = mv.outputs[0]
    e = consumer(out)
    if not isinstance(e, MapOp) or len(e.inputs) != 1 or len(e.outputs) != 1 or e.inputs[0] is not out:
        return None
    _, (result,) = body_from_block(e.body.block, 1)
    cols = [dense_to_numpy(c).astype(np.float64) for c in e.const_rows]
    affine = _affine(result, cols, out.type.elements)
    return None if affine is None else (e, affine[0], affine[1])


@dataclass
class AbsorbEpilogues(RewritePattern):
    """For the one-member matvecs sharing `op`'s weights: folds each one's affine epilogue into its weights and bias,
    a scale only if all of them take the same one. `groups` indexes the one-member matvecs of each graph by their
    weights, built on first use and kept up to date."""

    groups: dict[GraphOp, dict[bytes, list[MatVecOp]]] = field(default_factory=dict)

    def _group(self, graph: GraphOp, key: bytes) -> list[MatVecOp]:
        if graph not in self.groups:
            index: dict[bytes, list[MatVecOp]] = {}
            for k in graph.kernels():
                if isinstance(k, MatVecOp) and k.members == 1:
                    index.setdefault(_weights_key(k), []).append(k)
            self.groups[graph] = index
        return self.groups[graph].setdefault(key, [])

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MatVecOp, rewriter: PatternRewriter) -> None:
        if op.members != 1:
            return
        key = _weights_key(op)
        graph = op.parent_op()
        assert isinstance(graph, GraphOp)
        group = self._group(graph, key)
        members = list(group)
        epilogues = [_epilogue(mv) for mv in members]
        scales = [e[1] for e in epilogues if e is not None]
        uniform = len(scales) == len(members) and all(np.array_equal(s, scales[0]) for s in scales)
        for mv, found in zip(members, epilogues, strict=True):
            if found is None or (not uniform and not np.all(found[1] == 1)):
                continue
            epilogue, scale, offset = found
            element = mv.weights.get_type().get_element_type()
            cols = mv.shape[1]
            bias = dense_to_numpy(mv.bias) if mv.bias is not None else np.zeros(cols)
            new_bias = bias * scale + offset
            old_out, new_out = mv.outputs[0], epilogue.outputs[0]
            new = MatVecOp(mv.inputs, [new_out], numpy_to_dense(dense_to_numpy(mv.weights) * scale[None, :], element),
                           numpy_to_dense(new_bias, element) if np.any(new_bias) else None,
                           [True] if np.any(new_bias) else None, mv.par_in_value, mv.par_out_value)  # fmt: skip
            rewriter.insert(new, InsertPoint.before(mv))
            rewriter.erase(epilogue)
            rewriter.erase(mv)
            _erase_stream(old_out, rewriter)
            group.remove(mv)
            self._group(graph, _weights_key(new)).append(new)


# ---------------------------------------------------------------------------------------------------------------------
# 2. Shared weights
# ---------------------------------------------------------------------------------------------------------------------


def _bias_on(mv: MatVecOp) -> list[bool]:
    return mv.bias_members() if mv.bias is not None else [False] * mv.members


@dataclass
class GroupMatvecs(RewritePattern):
    """Merges `op` into the first earlier matvec with its weights, a compatible bias and no path to or from it.
    `graph` (kernels and streams) is kept up to date: a merged matvec's node is contracted into its head's."""

    graph: nx.DiGraph
    heads: dict[bytes, list[MatVecOp]] = field(default_factory=dict)

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MatVecOp, rewriter: PatternRewriter) -> None:
        heads = self.heads.setdefault(_weights_key(op), [])
        for i, head in enumerate(heads):
            if not _compatible_bias(head, op) or _reaches(self.graph, head, op) or _reaches(self.graph, op, head):
                continue
            bias = head.bias if head.bias is not None else op.bias
            bias_on = _bias_on(head) + _bias_on(op) if bias is not None else None
            merged = MatVecOp([*head.inputs, *op.inputs], [*head.outputs, *op.outputs], head.weights, bias, bias_on,
                              head.par_in_value, head.par_out_value)  # fmt: skip
            rewriter.insert(merged, InsertPoint.before(head))
            nx.contracted_nodes(self.graph, head, op, self_loops=False, copy=False)
            nx.relabel_nodes(self.graph, {head: merged}, copy=False)
            rewriter.erase(op)
            rewriter.erase(head)
            heads[i] = merged
            return
        heads.append(op)


def _reaches(g: nx.DiGraph, a: KernelOp, b: KernelOp) -> bool:
    """A path from `a` to `b` (nx.has_path formats both ops into its exception when there is none: slow)."""
    return any(n is b for n in nx.dfs_preorder_nodes(g, a))


def _compatible_bias(a: MatVecOp, b: MatVecOp) -> bool:
    return a.bias is None or b.bias is None or np.array_equal(dense_to_numpy(a.bias), dense_to_numpy(b.bias))


# ---------------------------------------------------------------------------------------------------------------------
# 3. Elementwise maps
# ---------------------------------------------------------------------------------------------------------------------


def levels(graph: GraphOp) -> dict[KernelOp, int]:
    """Per kernel, the most non-map kernels on a path from the inputs to it (itself excluded; forks unseen)."""
    level: dict[KernelOp, int] = {}
    for k in nx.topological_sort(kernel_graph(graph)):
        if isinstance(k, ForkOp):
            continue
        sources = [producer(source(v)) for v in k.stream_inputs]
        level[k] = max((level[p] + (not isinstance(p, MapOp)) for p in sources if p is not None), default=0)
    return level


def fuse_maps(graph: GraphOp) -> None:
    """Merges the maps of equal level and stream type into one map each. A path between two such maps cannot
    pass through a kernel that is not a map (that would raise the level of its end), so it runs through maps of
    the same group only, and merging the group keeps the graph acyclic."""
    level = levels(graph)
    groups: dict[tuple, list[MapOp]] = {}
    for k in graph.kernels():
        if isinstance(k, MapOp):
            t = k.stream
            groups.setdefault((level[k], t.elements, t.width), []).append(k)
    for members in groups.values():
        if len(members) > 1:
            _merge_group(members)


def _merge_group(members: list[MapOp]) -> None:
    """One map computing every member; streams between members stay inside its body."""
    inside = set(members)
    made_by = {v: m for m in members for v in m.outputs}
    order = postorder(members, lambda m: [made_by[source(v)] for v in m.inputs if source(v) in made_by])
    element = members[0].stream.element_type
    block = Block()
    read_of: dict[SSAValue, SSAValue] = {}  # logical source -> the stream value the merged map reads
    in_args: dict[SSAValue, SSAValue] = {}  # logical source -> its block argument (inputs come first)
    redundant: list[SSAValue] = []  # fork branches other members read an already read source through
    cols: list[np.ndarray] = []
    col_args: list[SSAValue] = []
    value_of: dict[SSAValue, SSAValue] = {}  # a member's output stream -> the body value computing it
    outs: list[SSAValue] = []
    results: list[SSAValue] = []
    for m in order:
        mapping: dict[SSAValue, SSAValue] = {}
        for arg, v in zip(m.body.block.args[: len(m.inputs)], m.inputs, strict=True):
            src = source(v)
            if src in made_by:
                mapping[arg] = value_of[src]
            elif src not in in_args:
                read_of[src] = v
                in_args[src] = block.insert_arg(element, len(in_args))
                mapping[arg] = in_args[src]
            else:
                redundant.append(v)
                mapping[arg] = in_args[src]
        for arg, row in zip(m.body.block.args[len(m.inputs) :], m.const_rows, strict=True):
            values = dense_to_numpy(row)
            index = next((i for i, c in enumerate(cols) if np.array_equal(c, values)), None)
            if index is None:
                cols.append(values)
                col_args.append(block.insert_arg(element, len(block.args)))
                index = len(cols) - 1
            mapping[arg] = col_args[index]
        for inner in m.body.block.ops:
            if isinstance(inner, YieldOp):
                for v, y in zip(m.outputs, inner.values, strict=True):
                    value_of[v] = mapping.get(y, y)
                break
            clone = inner.clone(value_mapper=mapping)
            block.add_op(clone)
            for old, new in zip(inner.results, clone.results, strict=True):
                mapping[old] = new
        for v in m.outputs:
            if any(k not in inside for k, _ in sinks(v)):
                outs.append(v)
                results.append(value_of[v])
    block.add_op(YieldOp(*results))
    merged = MapOp(list(read_of.values()), outs, Region(block), [numpy_to_dense(c, element) for c in cols])
    first = next(op for op in members[0].parent_block().ops if op in inside)
    first.parent_block().insert_op_before(merged, first)
    for m in members:
        m.detach()
        m.erase()
    # Second reads of one source, and streams now inside the merged map, go (with forks left with one branch).
    for branch in redundant:
        _drop_branch(producer(branch), branch)
    for v in value_of:
        if v in outs:
            _drop_inner_branches(v)
        else:
            _drop_internal(v)
    cse(merged.body)


def _drop_inner_branches(v: SSAValue) -> None:
    """Fork branches of `v` that led to merged members (none read them now) go."""
    fork = consumer(v)
    if isinstance(fork, ForkOp):
        for out in list(fork.outputs):
            if consumer(out) is None:
                _drop_branch(fork, out)
                fork = consumer(v)
                if not isinstance(fork, ForkOp):
                    break


def _drop_internal(v: SSAValue) -> None:
    """A member's output every reader of which was merged: its forks and FIFOs go."""
    fork = consumer(v)
    if isinstance(fork, ForkOp):
        branches = list(fork.outputs)
        fork.detach()
        fork.erase()
        for b in branches:
            _erase_stream(b)
    _erase_stream(v)


# ---------------------------------------------------------------------------------------------------------------------
# 4. Matvec ports
# ---------------------------------------------------------------------------------------------------------------------


class SeparateMatvecPorts(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MatVecOp, rewriter: PatternRewriter) -> None:
        for i, v in enumerate(op.inputs):
            if isinstance(producer(v), MatVecOp):
                t = v.type
                fifo = FifoOp(t, 2)
                body = Block(arg_types=[t.element_type])
                body.add_op(YieldOp(body.args[0]))
                copy = MapOp([v], [fifo.stream], Region(body))
                rewriter.insert(fifo, InsertPoint.before(op))
                rewriter.insert(copy, InsertPoint.before(op))
                op.operands[i] = fifo.stream
                rewriter.notify_op_modified(op)
