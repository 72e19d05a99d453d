"""Map bodies read as expression DAGs (`Expr`, hash-consed by `BodyBuilder`, so equal work is one node), which the
printer and `dataflow-fuse`'s affine analysis read; and the dataflow order of a graph's kernels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.ir import Block, SSAValue

from inrarch.dialects.dataflow import FifoOp, KernelOp, YieldOp, predecessors
from inrarch.ops import PREDICATES
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
# IR -> map bodies
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
# Kernel order
# ---------------------------------------------------------------------------------------------------------------------


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
