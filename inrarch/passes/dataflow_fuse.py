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

Every pattern reads what it needs from the IR when it matches (the dialect's stream API: `producer`, `consumer`,
`source`, `sinks`, `reaches`) and changes it only through the rewriter; none keeps state between matches. Forks are
seen through: a stream's logical producer and consumers are those beyond its forks. The kernels end in dataflow
order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, ModuleOp
from xdsl.ir import Block, BlockArgument, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint

from inrarch.analysis.model import order_kernels
from inrarch.dialects.dataflow import (
    FifoOp,
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    YieldOp,
    consumer,
    drop_fork_branch,
    erase_stream,
    merge_maps,
    producer,
    reaches,
    source,
)
from inrarch.evaluator import constant_value
from inrarch.ir_utils import dense_to_numpy, numpy_to_dense
from inrarch.postorder import postorder


@dataclass(frozen=True)
class DataflowFusePass(ModulePass):
    """Folds affine epilogues into matvecs, shares weights across matvecs, and merges elementwise maps."""

    name = "dataflow-fuse"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        keys = WeightKeys()  # this run's memo of weight values; dropped with the run
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            region = graph.body
            PatternRewriteWalker(AbsorbEpilogues(keys)).rewrite_region(region)
            PatternRewriteWalker(GroupMatvecs(keys), apply_recursively=False).rewrite_region(region)
            PatternRewriteWalker(FuseMaps()).rewrite_region(region)
            PatternRewriteWalker(SeparateMatvecPorts(), apply_recursively=False).rewrite_region(region)
            order_kernels(graph.block)


@dataclass
class WeightKeys:
    """Matvec weights by value (a splat and its expanded form have one key), each attribute's key computed once per
    pass run: a memo of a function of the IR, which no pattern's decision depends on beyond that function."""

    memo: dict[DenseIntOrFPElementsAttr, bytes] = field(default_factory=dict)

    def __call__(self, mv: MatVecOp) -> bytes:
        if (key := self.memo.get(mv.weights)) is None:
            w = dense_to_numpy(mv.weights)
            key = self.memo[mv.weights] = w.tobytes() + str(w.shape).encode()
        return key


def _matvecs(graph: GraphOp) -> list[MatVecOp]:
    return [k for k in graph.kernels() if isinstance(k, MatVecOp)]


# ---------------------------------------------------------------------------------------------------------------------
# 1. Epilogues
# ---------------------------------------------------------------------------------------------------------------------


def _affine(value: SSAValue, cols: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(a, b) with `value` = in0 * a + b per feature, for a value of a one-input map body (block arguments: the
    input, then the column constants), or None if it is not affine in the input."""
    if isinstance(value, BlockArgument):
        if value.index == 0:
            return np.ones(width), np.zeros(width)
        return np.zeros(width), np.asarray(cols[value.index - 1], dtype=np.float64)
    op = value.owner
    if isinstance(op, arith.ConstantOp):
        return np.zeros(width), np.full(width, float(constant_value(op.value, op.result.type)))
    if not isinstance(op, arith.AddfOp | arith.SubfOp | arith.NegfOp | arith.MulfOp):
        return None
    parts = [_affine(v, cols, width) for v in op.operands]
    if any(p is None for p in parts):
        return None
    match op, parts:
        case arith.AddfOp(), [(a1, b1), (a2, b2)]:
            return a1 + a2, b1 + b2
        case arith.SubfOp(), [(a1, b1), (a2, b2)]:
            return a1 - a2, b1 - b2
        case arith.NegfOp(), [(a1, b1)]:
            return -a1, -b1
        case arith.MulfOp(), [(a1, b1), (a2, b2)] if not np.any(a1) or not np.any(a2):
            return a1 * b2 + a2 * b1, b1 * b2
    return None


def _epilogue(mv: MatVecOp) -> tuple[MapOp, np.ndarray, np.ndarray] | None:
    """The map that alone reads `mv`'s output and computes an affine function of it, with (scale, offset)."""
    out = mv.outputs[0]
    e = consumer(out)
    if not isinstance(e, MapOp) or len(e.inputs) != 1 or len(e.outputs) != 1 or e.inputs[0] is not out:
        return None
    end = e.body.block.last_op
    assert isinstance(end, YieldOp)
    (result,) = end.values
    cols = [dense_to_numpy(c).astype(np.float64) for c in e.const_rows]
    affine = _affine(result, cols, out.type.elements)
    return None if affine is None else (e, affine[0], affine[1])


@dataclass
class AbsorbEpilogues(RewritePattern):
    """For the one-member matvecs sharing `op`'s weights: folds each one's affine epilogue into its weights and bias,
    a scale only if all of them take the same one."""

    weights: WeightKeys

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MatVecOp, rewriter: PatternRewriter) -> None:
        if op.members != 1:
            return
        graph = op.parent_op()
        assert isinstance(graph, GraphOp)
        key = self.weights(op)
        members = [mv for mv in _matvecs(graph) if mv.members == 1 and self.weights(mv) == key]
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
            erase_stream(old_out, rewriter)


# ---------------------------------------------------------------------------------------------------------------------
# 2. Shared weights
# ---------------------------------------------------------------------------------------------------------------------


def _bias_on(mv: MatVecOp) -> list[bool]:
    return mv.bias_members() if mv.bias is not None else [False] * mv.members


@dataclass
class GroupMatvecs(RewritePattern):
    """Merges `op` into the first matvec before it in the graph with its weights, a compatible bias and no path to
    or from it."""

    weights: WeightKeys

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MatVecOp, rewriter: PatternRewriter) -> None:
        graph = op.parent_op()
        assert isinstance(graph, GraphOp)
        key = self.weights(op)
        for head in _matvecs(graph):
            if head is op:
                return
            if self.weights(head) != key or not _compatible_bias(head, op) or reaches(head, op) or reaches(op, head):
                continue
            bias = head.bias if head.bias is not None else op.bias
            bias_on = _bias_on(head) + _bias_on(op) if bias is not None else None
            merged = MatVecOp([*head.inputs, *op.inputs], [*head.outputs, *op.outputs], head.weights, bias, bias_on,
                              head.par_in_value, head.par_out_value)  # fmt: skip
            rewriter.insert(merged, InsertPoint.before(head))
            rewriter.erase(op)
            rewriter.erase(head)
            return


def _compatible_bias(a: MatVecOp, b: MatVecOp) -> bool:
    return a.bias is None or b.bias is None or np.array_equal(dense_to_numpy(a.bias), dense_to_numpy(b.bias))


# ---------------------------------------------------------------------------------------------------------------------
# 3. Elementwise maps
# ---------------------------------------------------------------------------------------------------------------------


def _origins(k: KernelOp) -> list[KernelOp]:
    """The kernels beyond any forks that write `k`'s inputs."""
    return [p for v in k.stream_inputs if (p := producer(source(v))) is not None]


def levels(graph: GraphOp) -> dict[KernelOp, int]:
    """Per kernel, the most non-map kernels on a path from the inputs to it (itself excluded; forks unseen)."""
    level: dict[KernelOp, int] = {}
    for k in postorder([k for k in graph.kernels() if not isinstance(k, ForkOp)], _origins):
        level[k] = max((level[p] + (not isinstance(p, MapOp)) for p in _origins(k)), default=0)
    return level


class FuseMaps(RewritePattern):
    """Merges `op` with the other maps of its level and stream type into one map. A path between two such maps
    cannot pass through a kernel that is not a map (that would raise the level of its end), so it runs through maps
    of the same group only, and merging the group keeps the graph acyclic; merging leaves every level as it was."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: MapOp, rewriter: PatternRewriter) -> None:
        graph = op.parent_op()
        assert isinstance(graph, GraphOp)
        kind = (op.stream.elements, op.stream.width)
        maps = [k for k in graph.kernels() if isinstance(k, MapOp) and (k.stream.elements, k.stream.width) == kind]
        if len(maps) < 2:
            return
        level = levels(graph)
        members = [m for m in maps if level[m] == level[op]]
        if len(members) < 2:
            return
        made_by = {v: m for m in members for v in m.outputs}
        ordered = postorder(members, lambda m: [made_by[source(v)] for v in m.inputs if source(v) in made_by])
        merge = merge_maps(ordered)
        rewriter.insert(merge.op, InsertPoint.before(members[0]))
        for m in members:
            rewriter.erase(m)
        # Second reads of one source, and streams now inside the merged map, go (with forks left with one branch).
        for branch in merge.second_reads:
            fork = producer(branch)
            assert isinstance(fork, ForkOp)
            drop_fork_branch(fork, branch, rewriter)
        for v in merge.exported:
            _drop_unread_branches(v, rewriter)
        for v in merge.internal:
            _drop_internal(v, rewriter)


def _drop_unread_branches(v, rewriter: PatternRewriter) -> None:
    """Fork branches of `v` that led to merged members (none read them now) go."""
    fork = consumer(v)
    if isinstance(fork, ForkOp):
        for out in list(fork.outputs):
            if consumer(out) is None:
                drop_fork_branch(fork, out, rewriter)
                fork = consumer(v)
                if not isinstance(fork, ForkOp):
                    break


def _drop_internal(v, rewriter: PatternRewriter) -> None:
    """A member's output every reader of which was merged: its forks and FIFOs go."""
    fork = consumer(v)
    if isinstance(fork, ForkOp):
        branches = list(fork.outputs)
        rewriter.erase(fork)
        for b in branches:
            erase_stream(b, rewriter)
    erase_stream(v, rewriter)


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
