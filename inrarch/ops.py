"""Everything inrarch knows about an elementwise op, in one entry per op, keyed by its xDSL op class.

An entry (`OpInfo`) gives
* its evaluation on numpy arrays (the reference evaluator and constant folding),
* its derivative rules: Taylor mode (jets of the operands -> jet of the result, with the `Taylor` engine of
  `inrarch.autodiff.taylor`) and reverse mode (adjoint of the result -> adjoints of the operands, with the graph
  `Builder`), its algebraic identities (x + 0 -> x, ...), whether it commutes;
* its hardware cost: latency in cycles, DSP and (rough) LUT of one fully pipelined fp32 unit at 300 MHz on
  UltraScale+ (modeled estimates: an fp32 multiply-add costs 5 DSP, fmul 3 and fadd 2);
* its C++: an expression over the operands (`{0} * {1}`), or a function of the kernel library (`fn:sin`: the
  printed code calls `inrarch_sin_f32`, a non-inlined wrapper of `hls::sin` in hls_lib/inrarch/kernels.h, which the
  C-simulation maps to the standard library in hls_lib/csim/hls_math.h); and the name Vitis's ALLOCATION pragma
  limits it by (`mul`: fmul / dmul);
* the ATen ops PyTorch models express it with, where one maps to it alone (the importer accepts those).

Adding an elementwise activation end to end: one entry here, and, if its C++ is a function, one line in each of
the two C++ headers (see `math.atan`). `test/python/test_ops.py` checks every entry is complete everywhere.
Piecewise ops (ReLU, max, softplus's threshold, abs) use their almost-everywhere derivatives: the branch is
chosen by the values, each derivative coefficient follows it (`where` nodes of the derivative graph).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import pi, sqrt

import numpy as np
from scipy import special
from xdsl.dialects import arith, math
from xdsl.ir import Operation


@dataclass(frozen=True)
class OpInfo:
    op: type[Operation]
    arity: int
    numpy: Callable[..., np.ndarray]
    latency: int  # cycles from operands to result
    dsp: int  # DSP slices of one unit
    lut: int  # a rough LUT count of one unit
    cpp: str  # "{0} + {1}" (operands by position) or "fn:<name>" (a kernel-library function)
    allocation: str | None = None  # Vitis ALLOCATION operation name, without its f / d prefix
    taylor: Callable | None = None
    """(Taylor engine, operand jets, operand nodes) -> jet of the result; None: not differentiated as such."""
    vjp: Callable | None = None
    """(builder, the op's node, adjoint of its result) -> adjoint of each operand (None: no contribution)."""
    commutative: bool = False
    simplify: Callable | None = None
    """(builder, operand nodes) -> a simpler node, or None."""
    aten: tuple[str, ...] = ()
    fixed: str | None = None
    """Its fixed-point form (inrarch.dataflow.fixed): `add`, `sub`, `mul`, `div` (ap_fixed arithmetic), `logic`
    (negation, abs, min/max, comparison, selection: exact), `table` (a function table of the op's numpy
    evaluation over the input's calibrated range: every unary function, and powf with a constant exponent);
    None: no fixed-point form."""

    @property
    def name(self) -> str:
        return self.op.name

    @property
    def function(self) -> str | None:
        """The kernel-library function name (`sin`), for ops whose C++ is a function."""
        return self.cpp[3:] if self.cpp.startswith("fn:") else None


# ---------------------------------------------------------------------------------------------------------------------
# Algebraic identities applied while building derivative graphs
# ---------------------------------------------------------------------------------------------------------------------


def _is(node, value: float) -> bool:
    return node.is_const and bool(np.all(node.value == value))


def _simplify_add(b, args):
    x, y = args
    if _is(x, 0):
        return y
    if _is(y, 0):
        return x
    return None


def _simplify_sub(b, args):
    x, y = args
    if _is(y, 0):
        return x
    if x is y:
        return b.zeros(x.shape)
    return None


def _const_factor(node):
    """(c, x) when node is c * x with a constant c, else (None, node)."""
    if node.kind == "ew" and node.op == "arith.mulf":
        p, q = node.args
        if p.is_const:
            return p, q
        if q.is_const:
            return q, p
    return None, node


def _simplify_mul(b, args):
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


def _simplify_div(b, args):
    x, y = args
    if _is(x, 0):
        return b.zeros(x.shape)
    if _is(y, 1):
        return x
    return None


def _simplify_neg(b, args):
    (x,) = args
    if x.kind == "ew" and x.op == "arith.negf":
        return x.args[0]
    c, inner = _const_factor(x)
    if c is not None:
        return b.ew("arith.mulf", b.const(-c.value), inner)
    return None


def _const_exponent(node) -> float:
    if not node.is_const or not np.all(node.value == node.value.flat[0]):
        raise ValueError("exponent must be a constant")
    return float(node.value.flat[0])


# ---------------------------------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------------------------------

_ENTRIES = [
    OpInfo(arith.AddfOp, 2, np.add, 4, 2, 200, "{0} + {1}", "add", lambda T, j, n: T.add(j[0], j[1]),
           lambda b, v, g: [g, g], True, _simplify_add, fixed="add"),
    OpInfo(arith.SubfOp, 2, np.subtract, 4, 2, 200, "{0} - {1}", "sub", lambda T, j, n: T.sub(j[0], j[1]),
           lambda b, v, g: [g, b.neg(g)], False, _simplify_sub, fixed="sub"),
    OpInfo(arith.MulfOp, 2, np.multiply, 3, 3, 100, "{0} * {1}", "mul", lambda T, j, n: T.mul(j[0], j[1]),
           lambda b, v, g: [b.mul(g, v.args[1]), b.mul(g, v.args[0])], True, _simplify_mul, fixed="mul"),
    OpInfo(arith.DivfOp, 2, np.divide, 12, 0, 800, "{0} / {1}", "div", lambda T, j, n: T.div(j[0], j[1]),
           lambda b, v, g: [b.div(g, v.args[1]), b.neg(b.div(b.mul(g, v), v.args[1]))], False, _simplify_div, fixed="div"),
    OpInfo(arith.NegfOp, 1, np.negative, 0, 0, 0, "-{0}", None, lambda T, j, n: T.neg(j[0]),
           lambda b, v, g: [b.neg(g)], simplify=_simplify_neg, aten=("aten.neg.default",), fixed="logic"),
    OpInfo(math.SinOp, 1, np.sin, 20, 8, 1500, "fn:sin", None, lambda T, j, n: T.sin(j[0]),
           lambda b, v, g: [b.mul(g, b.unary("math.cos", v.args[0]))], aten=("aten.sin.default",), fixed="table"),
    OpInfo(math.CosOp, 1, np.cos, 20, 8, 1500, "fn:cos", None, lambda T, j, n: T.cos(j[0]),
           lambda b, v, g: [b.neg(b.mul(g, b.unary("math.sin", v.args[0])))], aten=("aten.cos.default",), fixed="table"),
    OpInfo(math.ExpOp, 1, np.exp, 12, 7, 600, "fn:exp", None, lambda T, j, n: T.exp(j[0]),
           lambda b, v, g: [b.mul(g, v)], aten=("aten.exp.default",), fixed="table"),
    OpInfo(math.ExpM1Op, 1, np.expm1, 14, 7, 700, "fn:expm1", None, lambda T, j, n: T.expm1(j[0]),
           lambda b, v, g: [b.mul(g, b.unary("math.exp", v.args[0]))], fixed="table"),
    OpInfo(math.LogOp, 1, np.log, 14, 6, 900, "fn:log", None, lambda T, j, n: T.log(j[0]),
           lambda b, v, g: [b.div(g, v.args[0])], aten=("aten.log.default",), fixed="table"),
    OpInfo(math.Log1pOp, 1, np.log1p, 16, 6, 1000, "fn:log1p", None, lambda T, j, n: T.log1p(j[0]),
           lambda b, v, g: [b.div(g, b.add(b.const(1.0, v.shape), v.args[0]))], aten=("aten.log1p.default",), fixed="table"),
    OpInfo(math.TanhOp, 1, np.tanh, 20, 9, 1200, "fn:tanh", None, lambda T, j, n: T.tanh(j[0]),
           lambda b, v, g: [b.mul(g, b.sub(b.const(1.0, v.shape), b.mul(v, v)))], aten=("aten.tanh.default",), fixed="table"),
    OpInfo(math.ErfOp, 1, special.erf, 22, 10, 1400, "fn:erf", None, lambda T, j, n: T.erf(j[0]),
           lambda b, v, g: [b.mul(g, b.scale(b.unary("math.exp", b.neg(b.mul(v.args[0], v.args[0]))),
                                             2.0 / sqrt(pi)))], fixed="table"),  # fmt: skip
    OpInfo(math.SqrtOp, 1, np.sqrt, 12, 0, 700, "fn:sqrt", None, lambda T, j, n: T.sqrt(j[0]),
           lambda b, v, g: [b.div(g, b.scale(v, 2.0))], aten=("aten.sqrt.default",), fixed="table"),
    OpInfo(math.RsqrtOp, 1, lambda x: 1.0 / np.sqrt(x), 14, 0, 900, "fn:rsqrt", None, lambda T, j, n: T.rsqrt(j[0]),
           lambda b, v, g: [b.scale(b.mul(g, b.mul(v, b.mul(v, v))), -0.5)], fixed="table"),
    OpInfo(math.AbsFOp, 1, np.abs, 0, 0, 0, "hls::fabs({0})", None, lambda T, j, n: T.absf(j[0]),
           lambda b, v, g: [b.where("oge", v.args[0], b.zeros(v.shape), g, b.neg(g))], aten=("aten.abs.default",), fixed="logic"),
    OpInfo(math.PowFOp, 2, np.power, 30, 13, 1800, "fn:pow", None,
           lambda T, j, n: T.power(j[0], _const_exponent(n[1]), T.b.ew("math.powf", n[0], n[1])),
           lambda b, v, g: [b.mul(g, b.mul(v.args[1], b.ew("math.powf", v.args[0],
                                                           b.ew("arith.subf", v.args[1], b.const(1.0, v.shape))))),
                            None], fixed="table"),  # fmt: skip
    # atan: w = 1 / (1 + u^2).
    OpInfo(math.AtanOp, 1, np.arctan, 24, 8, 1600, "fn:atan", None,
           lambda T, j, n: T.chain_of(j[0], T.b.unary("math.atan", n[0]),
                                      T.div(T.one(n[0].shape), T.add(T.one(n[0].shape), T.mul(j[0], j[0])))),
           lambda b, v, g: [b.div(g, b.add(b.const(1.0, v.shape), b.mul(v.args[0], v.args[0])))],
           aten=("aten.atan.default",), fixed="table"),  # fmt: skip
    # Not differentiated as such (inr-autodiff turns comparisons and selections into `where` nodes), but printed
    # and counted.
    OpInfo(arith.CmpfOp, 2, np.less, 1, 0, 70, "", fixed="logic"),  # printed with its select, as a conditional expression
    OpInfo(arith.SelectOp, 3, np.where, 0, 0, 32, "", fixed="logic"),
    OpInfo(arith.MaximumfOp, 2, np.maximum, 1, 0, 100, "hls::fmax({0}, {1})", fixed="logic"),
    OpInfo(arith.MinimumfOp, 2, np.minimum, 1, 0, 100, "hls::fmin({0}, {1})", fixed="logic"),
]  # fmt: skip

ELEMENTWISE: dict[type[Operation], OpInfo] = {info.op: info for info in _ENTRIES}
BY_NAME: dict[str, OpInfo] = {info.name: info for info in _ENTRIES}
DIFFERENTIABLE: dict[str, OpInfo] = {info.name: info for info in _ENTRIES if info.taylor is not None}
FUNCTIONS: tuple[str, ...] = tuple(info.function for info in _ENTRIES if info.function)


def info(name: str) -> OpInfo | None:
    return BY_NAME.get(name)


# arith.cmpf predicates: by code (xDSL's list), and the ordered / unordered comparisons as numpy and C++ compute them.
PREDICATES: list[str] = list(arith.CMPF_COMPARISON_OPERATIONS)
PREDICATE_CODES: dict[str, int] = {name: code for code, name in enumerate(PREDICATES)}
COMPARISONS: dict[str, tuple[Callable, str]] = {
    "oeq": (np.equal, "=="), "ogt": (np.greater, ">"), "oge": (np.greater_equal, ">="), "olt": (np.less, "<"),
    "ole": (np.less_equal, "<="), "one": (np.not_equal, "!="), "ueq": (np.equal, "=="), "ugt": (np.greater, ">"),
    "uge": (np.greater_equal, ">="), "ult": (np.less, "<"), "ule": (np.less_equal, "<="), "une": (np.not_equal, "!="),
}  # fmt: skip


def compare(predicate: str, p, q):
    """The comparison `predicate` (an arith.cmpf predicate) of numpy values."""
    return COMPARISONS[predicate][0](p, q)


__all__ = ["BY_NAME", "COMPARISONS", "DIFFERENTIABLE", "ELEMENTWISE", "FUNCTIONS", "OpInfo", "PREDICATES",
           "PREDICATE_CODES", "compare", "info"]  # fmt: skip
