"""The derivative rules: one entry per elementwise op, keyed by its MLIR name.

Each entry gives everything the derivative builders need for that op: how to compute it on constants (numpy),
its Taylor-mode rule (jets of the operands -> jet of the result), its reverse-mode rule (adjoint of the result ->
adjoints of the operands) and the op that computes it on tensors in the emitted IR. To support a new elementwise
op, add one entry here (and, if the importer meets it inside a `linalg.generic` body, nothing else).

Piecewise ops (ReLU, max, softplus's threshold, abs) use their almost-everywhere derivatives: the branch is chosen
by the values, each derivative coefficient follows it (`where`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import pi, sqrt

import numpy as np
from scipy import special

from inrarch.autodiff.graph import Builder, Node
from inrarch.autodiff.taylor import Jet, Taylor


@dataclass(frozen=True)
class ElementwiseRule:
    arity: int
    numpy: Callable[..., np.ndarray]
    taylor: Callable[[Taylor, Sequence[Jet], Sequence[Node]], Jet]
    """(engine, operand jets, operand nodes) -> jet of the result."""
    vjp: Callable[[Builder, Node, Node], Sequence[Node | None]]
    """(builder, the op's node, adjoint of its result) -> adjoint of each operand (None: no contribution)."""
    commutative: bool = False
    simplify: Callable[[Builder, Sequence[Node]], Node | None] | None = None
    """Algebraic identities applied while building (x + 0 -> x, x * 1 -> x, ...)."""


def _is(node: Node, value: float) -> bool:
    return node.is_const and bool(np.all(node.value == value))


def _simplify_add(b: Builder, args):
    x, y = args
    if _is(x, 0):
        return y
    if _is(y, 0):
        return x
    return None


def _simplify_sub(b: Builder, args):
    x, y = args
    if _is(y, 0):
        return x
    if x is y:
        return b.zeros(x.shape)
    return None


def _const_factor(node: Node) -> tuple[Node | None, Node]:
    """(c, x) when node is c * x with a constant c, else (None, node)."""
    if node.kind == "ew" and node.op == "arith.mulf":
        p, q = node.args
        if p.is_const:
            return p, q
        if q.is_const:
            return q, p
    return None, node


def _simplify_mul(b: Builder, args):
    x, y = args
    if _is(x, 0) or _is(y, 0):
        return b.zeros(x.shape)
    if _is(x, 1):
        return y
    if _is(y, 1):
        return x
    if x.is_const or y.is_const:  # c1 * (c2 * z) -> (c1 c2) * z, so scalings of a value stay one multiply
        c, other = (x, y) if x.is_const else (y, x)
        inner_c, inner = _const_factor(other)
        if inner_c is not None:
            return b.ew("arith.mulf", b.const(c.value * inner_c.value), inner)
        if other.kind == "ew" and other.op == "arith.negf":
            return b.ew("arith.mulf", b.const(-c.value), other.args[0])
    return None


def _simplify_div(b: Builder, args):
    x, y = args
    if _is(x, 0):
        return b.zeros(x.shape)
    if _is(y, 1):
        return x
    return None


def _simplify_neg(b: Builder, args):
    (x,) = args
    if x.kind == "ew" and x.op == "arith.negf":
        return x.args[0]
    c, inner = _const_factor(x)
    if c is not None:
        return b.ew("arith.mulf", b.const(-c.value), inner)
    return None


def _const_exponent(node: Node) -> float:
    if not node.is_const or not np.all(node.value == node.value.flat[0]):
        raise ValueError("exponent must be a constant")
    return float(node.value.flat[0])


ELEMENTWISE: dict[str, ElementwiseRule] = {
    "arith.addf": ElementwiseRule(
        2, np.add, lambda T, j, n: T.add(j[0], j[1]), lambda b, v, g: [g, g], True, _simplify_add
    ),
    "arith.subf": ElementwiseRule(
        2, np.subtract, lambda T, j, n: T.sub(j[0], j[1]), lambda b, v, g: [g, b.neg(g)], False, _simplify_sub
    ),
    "arith.mulf": ElementwiseRule(
        2,
        np.multiply,
        lambda T, j, n: T.mul(j[0], j[1]),
        lambda b, v, g: [b.mul(g, v.args[1]), b.mul(g, v.args[0])],
        True,
        _simplify_mul,
    ),
    "arith.divf": ElementwiseRule(
        2,
        np.divide,
        lambda T, j, n: T.div(j[0], j[1]),
        lambda b, v, g: [b.div(g, v.args[1]), b.neg(b.div(b.mul(g, v), v.args[1]))],
        False,
        _simplify_div,
    ),
    "arith.negf": ElementwiseRule(1, np.negative, lambda T, j, n: T.neg(j[0]), lambda b, v, g: [b.neg(g)],
                                  simplify=_simplify_neg),  # fmt: skip
    "math.sin": ElementwiseRule(
        1, np.sin, lambda T, j, n: T.sin(j[0]), lambda b, v, g: [b.mul(g, b.unary("math.cos", v.args[0]))]
    ),
    "math.cos": ElementwiseRule(
        1, np.cos, lambda T, j, n: T.cos(j[0]), lambda b, v, g: [b.neg(b.mul(g, b.unary("math.sin", v.args[0])))]
    ),
    "math.exp": ElementwiseRule(1, np.exp, lambda T, j, n: T.exp(j[0]), lambda b, v, g: [b.mul(g, v)]),
    "math.expm1": ElementwiseRule(
        1, np.expm1, lambda T, j, n: T.expm1(j[0]), lambda b, v, g: [b.mul(g, b.unary("math.exp", v.args[0]))]
    ),
    "math.log": ElementwiseRule(1, np.log, lambda T, j, n: T.log(j[0]), lambda b, v, g: [b.div(g, v.args[0])]),
    "math.log1p": ElementwiseRule(
        1,
        np.log1p,
        lambda T, j, n: T.log1p(j[0]),
        lambda b, v, g: [b.div(g, b.add(b.const(1.0, v.shape), v.args[0]))],
    ),
    "math.tanh": ElementwiseRule(
        1,
        np.tanh,
        lambda T, j, n: T.tanh(j[0]),
        lambda b, v, g: [b.mul(g, b.sub(b.const(1.0, v.shape), b.mul(v, v)))],
    ),
    "math.erf": ElementwiseRule(
        1,
        special.erf,
        lambda T, j, n: T.erf(j[0]),
        lambda b, v, g: [
            b.mul(g, b.scale(b.unary("math.exp", b.neg(b.mul(v.args[0], v.args[0]))), 2.0 / sqrt(pi)))
        ],
    ),
    "math.sqrt": ElementwiseRule(
        1, np.sqrt, lambda T, j, n: T.sqrt(j[0]), lambda b, v, g: [b.div(g, b.scale(v, 2.0))]
    ),
    "math.rsqrt": ElementwiseRule(
        1,
        lambda x: 1.0 / np.sqrt(x),
        lambda T, j, n: T.rsqrt(j[0]),
        lambda b, v, g: [b.scale(b.mul(g, b.mul(v, b.mul(v, v))), -0.5)],
    ),
    "math.absf": ElementwiseRule(
        1,
        np.abs,
        lambda T, j, n: T.absf(j[0]),
        lambda b, v, g: [b.where("oge", v.args[0], b.zeros(v.shape), g, b.neg(g))],
    ),
    "math.powf": ElementwiseRule(
        2,
        np.power,
        lambda T, j, n: T.power(j[0], _const_exponent(n[1]), T.b.ew("math.powf", n[0], n[1])),
        lambda b, v, g: [
            b.mul(g, b.mul(v.args[1], b.ew("math.powf", v.args[0], b.ew("arith.subf", v.args[1], b.const(1.0, v.shape))))),
            None,
        ],
    ),
}


# Comparisons deciding `where` (select) nodes; the predicates of arith.cmpf.
_COMPARE = {
    "oeq": np.equal, "ogt": np.greater, "oge": np.greater_equal, "olt": np.less, "ole": np.less_equal,
    "one": np.not_equal, "ueq": np.equal, "ugt": np.greater, "uge": np.greater_equal, "ult": np.less,
    "ule": np.less_equal, "une": np.not_equal,
}  # fmt: skip


def compare(predicate: str, p, q):
    return _COMPARE[predicate](p, q)


def where_vjp(b: Builder, v: Node, g: Node) -> list[Node | None]:
    predicate = v.attrs[0]
    p, q, _, _ = v.args
    zero = b.zeros(v.shape)
    return [None, None, b.where(predicate, p, q, g, zero), b.where(predicate, p, q, zero, g)]
