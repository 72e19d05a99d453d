"""Everything inrarch knows about an elementwise op, in one entry per op, keyed by its xDSL op class.

An entry (`OpInfo`) gives
* its evaluation on numpy arrays (the reference evaluator and constant folding),
* its derivative rules: Taylor mode (jets of the operands -> jet of the result, with the `Taylor` engine of
  `inrarch.autodiff.taylor`) and reverse mode (adjoint of the result -> adjoints of the operands, with the graph
  `Builder`), its algebraic identities (x + 0 -> x, ...), whether it commutes;
* its hardware cost (`Cost`, keyword fields): latency in cycles, DSP, LUT and FF of one fully pipelined fp32 unit at
  300 MHz on UltraScale+, with the source of every figure (an fp32 multiply-add costs 5 DSP, fmul 3 and fadd 2);
  inrarch.targets.hardware derives the latency at other clocks;
* its C++: an expression over the operands (`{0} * {1}`), or a function of the kernel library (`fn:sin`: the
  printed code calls `inrarch_sin_f32`, a non-inlined wrapper of `hls::sin` in inrarch/targets/hls/lib/inrarch/kernels.h, which the
  C-simulation maps to the standard library in inrarch/targets/hls/lib/csim/hls_math.h); and the name Vitis's ALLOCATION pragma
  limits it by (`mul`: fmul / dmul);
* its PyTorch expression (the torch target's printed module);
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


# Sources of the cost figures (each `Cost` names the ones it uses).
VITIS_CORES = ("Vitis HLS's fp32 cores on UltraScale+ at its default Vitis-kernel clock of 300 MHz (UG1399: default "
               "period 3.33 ns): fadd/fsub `fulldsp` 4 cycles and 2 DSP, fmul `maxdsp` 3 cycles and 3 DSP, as the core "
               "names Vitis generates state them (fadd_32ns_32ns_32_5_full_dsp_1 with LATENCY 4, "
               "fmul_32ns_32ns_32_4_max_dsp_1 with LATENCY 3, in public Vitis HLS outputs); the latencies are "
               "pinned with config_op in every printed project")  # fmt: skip
CORE_FF = ("flip-flops: 1.3 x (32 per pipeline stage), the ratio by which public Vitis HLS reports of the fp32 cores "
           "exceed 32 per stage (issue 24's review); modeled")
HLS_MATH = ("hls_math fp32 functions (Vitis HLS math library, fully pipelined): latency and DSP are this model's "
            "estimates at 300 MHz; LUT: public Vitis reports give ~4,800 LUT for sinf (issue 24's review), 3.2x the "
            "earlier estimate of 1,500, and the same factor is applied to every function without a public figure "
            "(pessimistic); FF as CORE_FF")  # fmt: skip
DIVIDER = ("fdiv/fsqrt: Vitis's fabric (no DSP) implementations; latency and LUT are this model's estimates at 300 MHz "
           "(LUT x 1.3 with the cores' FF correction: pessimistic); FF as CORE_FF")  # fmt: skip
LOGIC = "LUT logic (sign flip, comparison, selection, min/max: a few LUT levels, registered); this model's estimate"


def core_ff(latency: int) -> int:
    """Flip-flops of an fp32 unit of `latency` stages (CORE_FF)."""
    return round(1.3 * 32 * latency)


@dataclass(frozen=True, kw_only=True)
class Cost:
    """One fully pipelined fp32 unit on UltraScale+ as Vitis HLS builds it, at the reference clock (300 MHz,
    inrarch.targets.hardware.REFERENCE_MHZ), with the source of its figures. At other clocks the latency follows
    inrarch.targets.hardware.latency_at: unchanged up to `closes_mhz`, the fastest clock this pipeline is taken to close
    at (the reference clock for the fp cores: Vitis chooses the fewest stages that meet the clock), beyond it more
    stages."""

    latency: int  # cycles from operands to result at the reference clock
    dsp: int  # DSP slices of one unit
    lut: int
    ff: int
    source: str
    closes_mhz: float = 300.0


@dataclass(frozen=True, kw_only=True)
class OpInfo:
    op: type[Operation]
    arity: int
    numpy: Callable[..., np.ndarray]
    cost: Cost
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
    """Its fixed-point form (inrarch.analysis.fixed): `add`, `sub`, `mul`, `div` (ap_fixed arithmetic), `logic`
    (negation, abs, min/max, comparison, selection: exact), `table` (a function table of the op's numpy
    evaluation over the input's calibrated range: every unary function, and powf with a constant exponent);
    None: no fixed-point form."""
    torch: str = ""
    """Its PyTorch expression over the operands (`{0} + {1}`, `torch.sin({0})`), printed by the torch target
    (inrarch.targets.pytorch); empty for arith.cmpf and arith.select, which that target prints from the predicate."""

    @property
    def latency(self) -> int:
        """Cycles at the reference clock (300 MHz)."""
        return self.cost.latency

    @property
    def dsp(self) -> int:
        return self.cost.dsp

    @property
    def lut(self) -> int:
        return self.cost.lut

    @property
    def ff(self) -> int:
        return self.cost.ff

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
    OpInfo(op=arith.AddfOp, arity=2, numpy=np.add, cpp="{0} + {1}", torch="{0} + {1}", allocation="add",
           cost=Cost(latency=4, dsp=2, lut=200, ff=core_ff(4), source=f"{VITIS_CORES}; LUT modeled; {CORE_FF}"),
           taylor=lambda T, j, n: T.add(j[0], j[1]), vjp=lambda b, v, g: [g, g], commutative=True,
           simplify=_simplify_add, fixed="add"),
    OpInfo(op=arith.SubfOp, arity=2, numpy=np.subtract, cpp="{0} - {1}", torch="{0} - {1}", allocation="sub",
           cost=Cost(latency=4, dsp=2, lut=200, ff=core_ff(4), source=f"{VITIS_CORES}; LUT modeled; {CORE_FF}"),
           taylor=lambda T, j, n: T.sub(j[0], j[1]), vjp=lambda b, v, g: [g, b.neg(g)], simplify=_simplify_sub,
           fixed="sub"),
    OpInfo(op=arith.MulfOp, arity=2, numpy=np.multiply, cpp="{0} * {1}", torch="{0} * {1}", allocation="mul",
           cost=Cost(latency=3, dsp=3, lut=100, ff=core_ff(3), source=f"{VITIS_CORES}; LUT modeled; {CORE_FF}"),
           taylor=lambda T, j, n: T.mul(j[0], j[1]),
           vjp=lambda b, v, g: [b.mul(g, v.args[1]), b.mul(g, v.args[0])], commutative=True,
           simplify=_simplify_mul, fixed="mul"),
    OpInfo(op=arith.DivfOp, arity=2, numpy=np.divide, cpp="{0} / {1}", torch="{0} / {1}", allocation="div",
           cost=Cost(latency=12, dsp=0, lut=1040, ff=core_ff(12), source=DIVIDER),
           taylor=lambda T, j, n: T.div(j[0], j[1]),
           vjp=lambda b, v, g: [b.div(g, v.args[1]), b.neg(b.div(b.mul(g, v), v.args[1]))], simplify=_simplify_div,
           fixed="div"),
    OpInfo(op=arith.NegfOp, arity=1, numpy=np.negative, cpp="-{0}", torch="-{0}",
           cost=Cost(latency=0, dsp=0, lut=0, ff=0, source="a sign-bit flip: wiring, no logic"),
           taylor=lambda T, j, n: T.neg(j[0]), vjp=lambda b, v, g: [b.neg(g)], simplify=_simplify_neg,
           aten=("aten.neg.default",), fixed="logic"),
    OpInfo(op=math.SinOp, arity=1, numpy=np.sin, cpp="fn:sin", torch="torch.sin({0})",
           cost=Cost(latency=20, dsp=8, lut=4800, ff=core_ff(20), source=HLS_MATH),
           taylor=lambda T, j, n: T.sin(j[0]), vjp=lambda b, v, g: [b.mul(g, b.unary("math.cos", v.args[0]))],
           aten=("aten.sin.default",), fixed="table"),
    OpInfo(op=math.CosOp, arity=1, numpy=np.cos, cpp="fn:cos", torch="torch.cos({0})",
           cost=Cost(latency=20, dsp=8, lut=4800, ff=core_ff(20), source=f"{HLS_MATH}; cosf shares sinf's code"),
           taylor=lambda T, j, n: T.cos(j[0]),
           vjp=lambda b, v, g: [b.neg(b.mul(g, b.unary("math.sin", v.args[0])))], aten=("aten.cos.default",),
           fixed="table"),
    OpInfo(op=math.ExpOp, arity=1, numpy=np.exp, cpp="fn:exp", torch="torch.exp({0})",
           cost=Cost(latency=12, dsp=7, lut=1920, ff=core_ff(12), source=HLS_MATH),
           taylor=lambda T, j, n: T.exp(j[0]), vjp=lambda b, v, g: [b.mul(g, v)], aten=("aten.exp.default",),
           fixed="table"),
    OpInfo(op=math.ExpM1Op, arity=1, numpy=np.expm1, cpp="fn:expm1", torch="torch.expm1({0})",
           cost=Cost(latency=14, dsp=7, lut=2240, ff=core_ff(14), source=HLS_MATH),
           taylor=lambda T, j, n: T.expm1(j[0]), vjp=lambda b, v, g: [b.mul(g, b.unary("math.exp", v.args[0]))],
           fixed="table"),
    OpInfo(op=math.LogOp, arity=1, numpy=np.log, cpp="fn:log", torch="torch.log({0})",
           cost=Cost(latency=14, dsp=6, lut=2880, ff=core_ff(14), source=HLS_MATH),
           taylor=lambda T, j, n: T.log(j[0]), vjp=lambda b, v, g: [b.div(g, v.args[0])],
           aten=("aten.log.default",), fixed="table"),
    OpInfo(op=math.Log1pOp, arity=1, numpy=np.log1p, cpp="fn:log1p", torch="torch.log1p({0})",
           cost=Cost(latency=16, dsp=6, lut=3200, ff=core_ff(16), source=HLS_MATH),
           taylor=lambda T, j, n: T.log1p(j[0]),
           vjp=lambda b, v, g: [b.div(g, b.add(b.const(1.0, v.shape), v.args[0]))], aten=("aten.log1p.default",),
           fixed="table"),
    OpInfo(op=math.TanhOp, arity=1, numpy=np.tanh, cpp="fn:tanh", torch="torch.tanh({0})",
           cost=Cost(latency=20, dsp=9, lut=3840, ff=core_ff(20), source=HLS_MATH),
           taylor=lambda T, j, n: T.tanh(j[0]),
           vjp=lambda b, v, g: [b.mul(g, b.sub(b.const(1.0, v.shape), b.mul(v, v)))], aten=("aten.tanh.default",),
           fixed="table"),
    OpInfo(op=math.ErfOp, arity=1, numpy=special.erf, cpp="fn:erf", torch="torch.erf({0})",
           cost=Cost(latency=22, dsp=10, lut=4480, ff=core_ff(22), source=HLS_MATH),
           taylor=lambda T, j, n: T.erf(j[0]),
           vjp=lambda b, v, g: [b.mul(g, b.scale(b.unary("math.exp", b.neg(b.mul(v.args[0], v.args[0]))),
                                                 2.0 / sqrt(pi)))], fixed="table"),
    OpInfo(op=math.SqrtOp, arity=1, numpy=np.sqrt, cpp="fn:sqrt", torch="torch.sqrt({0})",
           cost=Cost(latency=12, dsp=0, lut=910, ff=core_ff(12), source=DIVIDER),
           taylor=lambda T, j, n: T.sqrt(j[0]), vjp=lambda b, v, g: [b.div(g, b.scale(v, 2.0))],
           aten=("aten.sqrt.default",), fixed="table"),
    OpInfo(op=math.RsqrtOp, arity=1, numpy=lambda x: 1.0 / np.sqrt(x), cpp="fn:rsqrt", torch="torch.rsqrt({0})",
           cost=Cost(latency=14, dsp=0, lut=1170, ff=core_ff(14), source=DIVIDER),
           taylor=lambda T, j, n: T.rsqrt(j[0]), vjp=lambda b, v, g: [b.scale(b.mul(g, b.mul(v, b.mul(v, v))), -0.5)],
           fixed="table"),
    OpInfo(op=math.AbsFOp, arity=1, numpy=np.abs, cpp="hls::fabs({0})", torch="torch.abs({0})",
           cost=Cost(latency=0, dsp=0, lut=0, ff=0, source="clearing the sign bit: wiring, no logic"),
           taylor=lambda T, j, n: T.absf(j[0]),
           vjp=lambda b, v, g: [b.where("oge", v.args[0], b.zeros(v.shape), g, b.neg(g))],
           aten=("aten.abs.default",), fixed="logic"),
    OpInfo(op=math.PowFOp, arity=2, numpy=np.power, cpp="fn:pow", torch="torch.pow({0}, {1})",
           cost=Cost(latency=30, dsp=13, lut=5760, ff=core_ff(30), source=HLS_MATH),
           taylor=lambda T, j, n: T.power(j[0], _const_exponent(n[1]), T.b.ew("math.powf", n[0], n[1])),
           vjp=lambda b, v, g: [b.mul(g, b.mul(v.args[1], b.ew("math.powf", v.args[0],
                                                               b.ew("arith.subf", v.args[1], b.const(1.0, v.shape))))),
                                None], fixed="table"),
    # atan: w = 1 / (1 + u^2).
    OpInfo(op=math.AtanOp, arity=1, numpy=np.arctan, cpp="fn:atan", torch="torch.atan({0})",
           cost=Cost(latency=24, dsp=8, lut=5120, ff=core_ff(24), source=HLS_MATH),
           taylor=lambda T, j, n: T.chain_of(j[0], T.b.unary("math.atan", n[0]),
                                             T.div(T.one(n[0].shape), T.add(T.one(n[0].shape), T.mul(j[0], j[0])))),
           vjp=lambda b, v, g: [b.div(g, b.add(b.const(1.0, v.shape), b.mul(v.args[0], v.args[0])))],
           aten=("aten.atan.default",), fixed="table"),
    # Not differentiated as such (inr-autodiff turns comparisons and selections into `where` nodes), but printed
    # and counted. cmpf is printed with its select, as a conditional expression.
    OpInfo(op=arith.CmpfOp, arity=2, numpy=np.less, cpp="", fixed="logic",
           cost=Cost(latency=1, dsp=0, lut=70, ff=1, source=LOGIC)),
    OpInfo(op=arith.SelectOp, arity=3, numpy=np.where, cpp="", fixed="logic",
           cost=Cost(latency=0, dsp=0, lut=32, ff=0, source=f"{LOGIC}: a 32-bit 2-to-1 multiplexer, unregistered")),
    OpInfo(op=arith.MaximumfOp, arity=2, numpy=np.maximum, cpp="hls::fmax({0}, {1})", torch="torch.maximum({0}, {1})", fixed="logic",
           cost=Cost(latency=1, dsp=0, lut=100, ff=32, source=LOGIC)),
    OpInfo(op=arith.MinimumfOp, arity=2, numpy=np.minimum, cpp="hls::fmin({0}, {1})", torch="torch.minimum({0}, {1})", fixed="logic",
           cost=Cost(latency=1, dsp=0, lut=100, ff=32, source=LOGIC)),
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


__all__ = ["BY_NAME", "COMPARISONS", "Cost", "DIFFERENTIABLE", "ELEMENTWISE", "FUNCTIONS", "OpInfo", "PREDICATES",
           "PREDICATE_CODES", "compare", "info"]  # fmt: skip
