"""A Python model of a dataflow design, the builder `dataflow-convert` lowers into.

`to_graph` writes a Design as a `dataflow.graph`, inserting a `dataflow.fork` for every stream read more than once;
the passes after it rewrite that IR in place.
Map bodies are expression DAGs (`Expr`), hash-consed by `BodyBuilder`, so merged maps share common work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import FloatAttr, MemRefType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from inrarch.ops import BY_NAME, PREDICATES
from inrarch.dialects.dataflow import (
    FifoOp,
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    WriteOp,
    YieldOp,
    predecessors,
    stream_type,
)
from inrarch.ir_utils import numpy_to_dense
from inrarch.postorder import postorder

# ---------------------------------------------------------------------------------------------------------------------
# Map bodies
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Expr:
    """A scalar expression of a map body: `in` (input k), `col` (column constant k), `const` (value), `op`
    (an elementwise op by name), `where` (select(p <pred> q, a, b))."""

    kind: str
    args: tuple[Expr, ...] = ()
    attr: object = None
    uid: int = 0


class BodyBuilder:
    def __init__(self):
        self._cache: dict[tuple, Expr] = {}

    def make(self, kind: str, args: Sequence[Expr] = (), attr: object = None) -> Expr:
        key = (kind, tuple(a.uid for a in args), attr)
        if key not in self._cache:
            self._cache[key] = Expr(kind, tuple(args), attr, len(self._cache) + 1)
        return self._cache[key]

    def input(self, k: int) -> Expr:
        return self.make("in", (), k)

    def col(self, k: int) -> Expr:
        return self.make("col", (), k)

    def const(self, value: float) -> Expr:
        return self.make("const", (), float(value))

    def op(self, name: str, *args: Expr) -> Expr:
        return self.make("op", args, name)

    def where(self, predicate: str, p: Expr, q: Expr, a: Expr, b: Expr) -> Expr:
        return self.make("where", (p, q, a, b), predicate)

    def rebuild(self, expr: Expr, inputs: Sequence[Expr], cols: Sequence[Expr], memo: dict[int, Expr]) -> Expr:
        """`expr` with its inputs and column constants replaced."""
        if expr.uid in memo:
            return memo[expr.uid]
        match expr.kind:
            case "in":
                out = inputs[expr.attr]
            case "col":
                out = cols[expr.attr]
            case "const":
                out = self.const(expr.attr)
            case _:
                out = self.make(expr.kind, [self.rebuild(a, inputs, cols, memo) for a in expr.args], expr.attr)
        memo[expr.uid] = out
        return out


def expr_nodes(outputs: Sequence[Expr]) -> list[Expr]:
    """The nodes reachable from outputs, operands first."""
    return postorder(outputs, lambda e: e.args, lambda e: e.uid)


# ---------------------------------------------------------------------------------------------------------------------
# Design
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Stream:
    elements: int  # per sample
    width: int = 1  # elements per token
    depth: int = 2
    name: str | None = None


@dataclass(eq=False)
class Kernel:
    kind: str  # read, write, map, matvec, shuffle
    ins: list[Stream] = field(default_factory=list)
    outs: list[Stream] = field(default_factory=list)
    # map
    body: BodyBuilder | None = None
    results: list[Expr] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    lanes: int = 1
    ii: int = 1
    # matvec
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    bias_on: list[bool] = field(default_factory=list)
    par_in: int = 1
    par_out: int = 1
    # shuffle
    select: list[int] = field(default_factory=list)
    fill: list[float] = field(default_factory=list)


@dataclass
class Design:
    name: str
    samples: int
    element_type: Attribute
    in_elements: int
    out_elements: int
    kernels: list[Kernel] = field(default_factory=list)

    def consumers(self) -> dict[int, list[Kernel]]:
        out: dict[int, list[Kernel]] = {}
        for k in self.kernels:
            for s in k.ins:
                out.setdefault(id(s), []).append(k)
        return out

    def producer(self) -> dict[int, Kernel]:
        return {id(s): k for k in self.kernels for s in k.outs}


# ---------------------------------------------------------------------------------------------------------------------
# IR -> Design
# ---------------------------------------------------------------------------------------------------------------------



def body_from_block(block: Block, n_inputs: int) -> tuple[BodyBuilder, list[Expr]]:
    from inrarch.evaluator import constant_value

    b = BodyBuilder()
    env: dict[SSAValue, Expr] = {}
    conds: dict[SSAValue, tuple[str, Expr, Expr]] = {}
    for i, arg in enumerate(block.args):
        env[arg] = b.input(i) if i < n_inputs else b.col(i - n_inputs)
    for op in block.ops:
        if isinstance(op, YieldOp):
            return b, [env[v] for v in op.values]
        if isinstance(op, arith.ConstantOp):
            env[op.result] = b.const(float(constant_value(op.value, op.result.type)))
        elif isinstance(op, arith.CmpfOp):
            conds[op.result] = (PREDICATES[op.predicate.value.data], env[op.lhs], env[op.rhs])
        elif isinstance(op, arith.SelectOp):
            pred, p, q = conds[op.cond]
            env[op.result] = b.where(pred, p, q, env[op.lhs], env[op.rhs])
        else:
            env[op.results[0]] = b.op(op.name, *(env[v] for v in op.operands))
    raise ValueError("map body without dataflow.yield")


# ---------------------------------------------------------------------------------------------------------------------
# Design -> IR
# ---------------------------------------------------------------------------------------------------------------------


def _emit_body(kernel: Kernel, element_type: Attribute) -> Region:
    block = Block(arg_types=[element_type] * (len(kernel.ins) + len(kernel.cols)))
    values: dict[int, SSAValue] = {}
    consts: dict[float, SSAValue] = {}
    ops: list[Operation] = []

    def value(e: Expr) -> SSAValue:
        if e.kind == "in":
            return block.args[e.attr]
        if e.kind == "col":
            return block.args[len(kernel.ins) + e.attr]
        if e.kind == "const":
            if e.attr not in consts:
                c = arith.ConstantOp(FloatAttr(e.attr, element_type))
                ops.append(c)
                consts[e.attr] = c.result
            return consts[e.attr]
        return values[e.uid]

    for e in expr_nodes(kernel.results):
        if e.kind == "op":
            op = BY_NAME[e.attr].op.create(operands=[value(a) for a in e.args], result_types=[element_type])
            ops.append(op)
            values[e.uid] = op.results[0]
        elif e.kind == "where":
            p, q, a, b = (value(x) for x in e.args)
            cmp = arith.CmpfOp(p, q, e.attr)
            sel = arith.SelectOp(cmp.result, a, b)
            ops += [cmp, sel]
            values[e.uid] = sel.result
    # Constants and inputs yielded directly are fine too.
    results = [value(r) for r in kernel.results]
    block.add_ops([*ops, YieldOp(*results)])
    return Region(block)


def to_graph(design: Design) -> GraphOp:
    etype = design.element_type
    in_mem = MemRefType(etype, [design.samples, design.in_elements])
    out_mem = MemRefType(etype, [design.samples, design.out_elements])
    graph = GraphOp(design.name, [in_mem, out_mem])
    block = graph.block
    block.args[0].name_hint = "in"
    block.args[1].name_hint = "out"
    consumers = design.consumers()
    fifo_ops: list[Operation] = []
    kernel_ops: list[Operation] = []
    produced: dict[int, SSAValue] = {}  # stream -> value its producer writes
    read_by: dict[tuple[int, int], SSAValue] = {}  # (stream, consumer kernel index) -> value it reads
    taken = {s.name for k in design.kernels for s in k.outs if s.name}
    counter = 0

    def new_fifo(s: Stream, hint: str | None) -> SSAValue:
        nonlocal counter
        if hint is None:  # a fresh name, distinct from the names streams already carry
            counter += 1
            while f"s{counter}" in taken:
                counter += 1
            hint = f"s{counter}"
            taken.add(hint)
        fifo = FifoOp(stream_type(etype, s.elements, s.width), s.depth)
        fifo.stream.name_hint = hint
        fifo_ops.append(fifo)
        return fifo.stream

    kernel_index = {id(k): i for i, k in enumerate(design.kernels)}
    for k in design.kernels:
        for s in k.outs:
            produced[id(s)] = new_fifo(s, s.name)
    forks: list[Operation] = []
    for k in design.kernels:
        for s in k.outs:
            users = consumers.get(id(s), [])
            if len(users) > 1:
                outs = [new_fifo(Stream(s.elements, s.width, 2), None) for _ in users]
                forks.append(ForkOp(produced[id(s)], outs))
                for u, o in zip(users, outs, strict=True):
                    read_by[(id(s), kernel_index[id(u)])] = o
            elif users:
                read_by[(id(s), kernel_index[id(users[0])])] = produced[id(s)]
    for i, k in enumerate(design.kernels):
        ins = [read_by[(id(s), i)] for s in k.ins]
        outs = [produced[id(s)] for s in k.outs]
        kernel_ops.append(_emit_kernel(k, ins, outs, block, etype))
    block.add_ops(fifo_ops + kernel_ops + forks)
    order_kernels(block)
    return graph


def dataflow_order(kernels: Iterable[KernelOp]) -> list[KernelOp]:
    """The kernels, each after the kernels writing its input streams (depth first from the first kernel given, so
    the order follows the IR's). In a graph with a cycle of streams some kernel comes before one of its writers."""
    return postorder(kernels, predecessors)


def order_kernels(block: Block) -> None:
    """Puts FIFOs first and kernels in dataflow (topological) order, for readable IR."""
    fifos = [op for op in block.ops if isinstance(op, FifoOp)]
    kernels = [op for op in block.ops if isinstance(op, KernelOp)]
    ordered = dataflow_order(kernels)
    for op in [*fifos, *kernels]:
        op.detach()
    block.add_ops([*fifos, *ordered])


def _emit_kernel(k: Kernel, ins: list[SSAValue], outs: list[SSAValue], block: Block, etype: Attribute) -> KernelOp:
    match k.kind:
        case "read":
            op: KernelOp = ReadOp(block.args[0], outs[0])
        case "write":
            op = WriteOp(ins, block.args[1])
        case "map":
            cols = [numpy_to_dense(c, etype) for c in k.cols]
            op = MapOp(ins, outs, _emit_body(k, etype), cols, k.lanes, k.ii)
        case "matvec":
            bias = numpy_to_dense(k.bias, etype) if k.bias is not None else None
            op = MatVecOp(ins, outs, numpy_to_dense(k.weights, etype), bias, k.bias_on or None, k.par_in, k.par_out)
        case "shuffle":
            op = ShuffleOp(ins, outs, k.select, k.fill or None)
        case _:
            raise AssertionError(k.kind)
    return op

