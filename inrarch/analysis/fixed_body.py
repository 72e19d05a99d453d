"""Map bodies in fixed point: for each op of a `dataflow.map` body, its operators (hardware facts), its exact
emulation in numpy and its C++, from the op's fixed-point form in its registry entry (`OpInfo.fixed`).

A fixed-point body carries a `format` attribute (`#dataflow.fixed<W, I>`) on every op with a value result: the
format the value is rounded to (with an overflow check in C-simulation). Function ops also carry a `domain`
(`array<f64: lo, hi>`, the calibrated input range with its margin), from which `inrarch.analysis.fixed.make_table`
derives their table. Operands of an op are exact inputs: `a + b`, `a * b` are computed at full precision (as
ap_fixed's operators do) and rounded once, to the result's format.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import DenseArrayBase, f64
from xdsl.ir import Operation, SSAValue

from inrarch import ops
from inrarch.analysis.fixed import Fixed, Table, col_formats, fifo_format, make_table
from inrarch.diagnostics import CompileError
from inrarch.targets.hardware import REFERENCE_MHZ, logic_latency, operator

FORMAT = "format"
DOMAIN = "domain"


def op_format(op: Operation) -> Fixed | None:
    attr = op.attributes.get(FORMAT)
    return Fixed.of(attr) if attr is not None else None


def set_format(op: Operation, f: Fixed, domain: tuple[float, float] | None = None) -> None:
    from inrarch.dialects.dataflow import FixedAttr

    op.attributes[FORMAT] = FixedAttr.of(f)
    if domain is not None:
        op.attributes[DOMAIN] = DenseArrayBase.from_list(f64, [float(domain[0]), float(domain[1])])


def is_fixed_body(block) -> bool:
    return any(FORMAT in op.attributes for op in block.ops)


def fixed_kind(op: Operation) -> str:
    entry = ops.info(op.name)
    if entry is None or entry.fixed is None:
        raise CompileError(f"{op.name} has no fixed-point form (use precision=float)", op)
    return entry.fixed


class BodyFormats:
    """The format of every value of a fixed-point map body (block arguments: the input streams' and the column
    constants' formats)."""

    def __init__(self, map_op):
        block = map_op.body.block
        n_in = len(map_op.inputs)
        cols = col_formats(map_op)
        self.of: dict[SSAValue, Fixed] = {}
        for i, arg in enumerate(block.args):
            f = fifo_format(map_op.inputs[i].owner) if i < n_in else cols[i - n_in]
            if f is None:
                raise CompileError("a fixed-point map reads a stream without a format", map_op)
            self.of[arg] = f
        for op in block.ops:
            f = op_format(op)
            if f is not None:
                for r in op.results:
                    self.of[r] = f

    def result(self, op: Operation) -> Fixed:
        f = self.of.get(op.results[0])
        if f is None:
            raise CompileError(f"{op.name} in a fixed-point map has no format", op)
        return f


def constant_exponent(op: Operation) -> float:
    owner = op.operands[1].owner
    if not isinstance(owner, arith.ConstantOp):
        raise CompileError("powf has a fixed-point form only with a constant exponent", op)
    from inrarch.evaluator import constant_value

    return float(constant_value(owner.value, owner.result.type))


def table_function(op: Operation):
    """The numpy function an op's table holds (powf: of its constant exponent)."""
    if op.name == "math.powf":
        c = constant_exponent(op)
        return lambda v: np.power(v, c)
    return ops.info(op.name).numpy


def table_domain(fn, lo: float, hi: float, margin: float) -> tuple[float, float]:
    """A table's domain from its calibrated inputs [lo, hi]: widened by `margin` about the middle, but on each side
    only halfway to where the function stops being finite (log1p below -1, log below 0, ...), whose derivatives no
    table can follow."""
    mid, half = (lo + hi) / 2, max((hi - lo) / 2, 1e-9)
    ends = []
    for inner, outer in ((lo, mid - half * margin), (hi, mid + half * margin)):
        grid = np.linspace(inner, outer, 257)
        with np.errstate(all="ignore"):
            finite = np.isfinite(np.asarray(fn(grid), dtype=np.float64))
        bad = np.flatnonzero(~finite)
        ends.append(outer if not bad.size or bad[0] == 0 else (inner + grid[bad[0] - 1]) / 2)
    return ends[0], ends[1]


_TABLES: dict[tuple, Table] = {}


def table(op: Operation, formats: BodyFormats) -> Table:
    domain = op.attributes.get(DOMAIN)
    if domain is None:
        raise CompileError(f"{op.name} in a fixed-point map has no domain", op)
    lo, hi = domain.get_values()
    x, y = formats.of[op.operands[0]], formats.result(op)
    key = (op.name, constant_exponent(op) if op.name == "math.powf" else None, x, y, lo, hi)
    if key not in _TABLES:  # (the emulation, the facts and the printers ask for the same tables again and again)
        if len(_TABLES) > 4096:
            _TABLES.clear()
        _TABLES[key] = make_table(op.name, table_function(op), x, y, lo, hi)
    return _TABLES[key]


ROUND_LATENCY = 1  # the rounding of an exact result to its format (AP_RND: an add of half an lsb), registered


def units(op: Operation, formats: BodyFormats, clock_mhz: float = REFERENCE_MHZ) -> tuple[list[str], int]:
    """(operator names, one instance each per element; latency in cycles at `clock_mhz`) of one body op. Arithmetic
    results are rounded to their formats in a stage of their own (ROUND_LATENCY), modeled apart from the operator."""
    names, latency = _units(op, formats, clock_mhz)
    if names and fixed_kind(op) in ("add", "sub", "mul", "div", "table"):
        latency += logic_latency(ROUND_LATENCY, clock_mhz)
    return names, latency


def _units(op: Operation, formats: BodyFormats, clock_mhz: float) -> tuple[list[str], int]:

    if isinstance(op, arith.ConstantOp):
        return [], 0
    kind = fixed_kind(op)
    if isinstance(op, arith.CmpfOp):
        width = max(formats.of[v].width for v in op.operands)
        return [f"fx.lut.{width}"], operator(f"fx.lut.{width}", clock_mhz).latency
    r = formats.result(op)
    args = [formats.of[v] for v in op.operands if v in formats.of]
    match kind:
        case "add" | "sub":
            a, b = args
            name = f"fx.add.{max(a.frac, b.frac) + max(a.int_bits, b.int_bits) + 1}"
            return [name], operator(name, clock_mhz).latency
        case "mul":
            a, b = args
            name = f"fx.mul.{a.width}x{b.width}"
            return [name], operator(name, clock_mhz).latency
        case "div":
            a, b = args
            name = f"fx.div.{divide_numerator(a, r).width + b.frac}.{b.width}"
            return [name], operator(name, clock_mhz).latency
        case "logic":
            return [f"fx.lut.{r.width}"], operator(f"fx.lut.{r.width}", clock_mhz).latency
        case "table":
            t = table(op, formats)
            return [table_unit(t), *table_multiplies(t)], operator(table_unit(t), clock_mhz).latency
    raise CompileError(f"no fixed-point form {kind} for {op.name}", op)


def table_unit(t: Table) -> str:
    """The operator name of a table (`inrarch.targets.hardware.fixed_operator`): input bits; c0, c1 and fraction bits;
    entries; the width of 1 / (2 pi) of a periodic table (0: none); c2 and its fraction bits (0: linear)."""
    q, u = (t.coef_bits[1], t.t_bits[1]) if t.order == 2 else (0, 0)
    inv = t.inv.width if t.periodic and t.inv is not None else 0
    return f"fx.table.{t.x.width}.{t.entry.width}.{t.coef_bits[0]}.{t.t_bits[0]}.{t.n}.{inv}.{q}.{u}"


def table_multiplies(t: Table) -> list[str]:
    """The multiplies one lookup makes: c2 x t' (order 2), then (c1 or the inner sum) x t, and for a periodic table
    first the input x 1 / (2 pi)."""
    muls = [f"fx.mul.{t.coef_bits[1]}x{t.t_bits[1] + 1}"] if t.order == 2 else []
    muls.append(f"fx.mul.{t.inner_bits}x{t.t_bits[0] + 1}")
    if t.periodic and t.inv is not None:
        muls.append(f"fx.mul.{t.x.width}x{t.inv.width}")
    return muls


def divide_numerator(a: Fixed, r: Fixed) -> Fixed:
    """The dividend's format for a quotient of r's precision: a's integer bits, one fractional bit more than r
    (ap_fixed's quotient keeps the dividend's fractional bits, truncated toward zero)."""
    return Fixed(a.int_bits + r.frac + 1, a.int_bits, "trn", "wrap")


def emulate(op: Operation, args: list[np.ndarray], formats: BodyFormats) -> tuple[np.ndarray, int]:
    """The op's fixed-point result on the operands' (exact fixed-point) values, and its overflow count."""
    if isinstance(op, arith.ConstantOp):
        from inrarch.evaluator import constant_value

        return formats.result(op).quantize(np.asarray(constant_value(op.value, op.result.type)))
    if isinstance(op, arith.CmpfOp):
        return ops.compare(ops.PREDICATES[op.predicate.value.data], args[0], args[1]), 0
    r = formats.result(op)
    kind = fixed_kind(op)
    with np.errstate(all="ignore"):
        match kind:
            case "div":
                n = divide_numerator(formats.of[op.operands[0]], r)
                num, _ = n.quantize(args[0])
                q = np.trunc(np.ldexp(num / args[1], n.frac))
                return r.quantize(np.ldexp(np.nan_to_num(q), -n.frac))
            case "table":
                y, clamped = table(op, formats).evaluate(args[0])
                return y, clamped
            case _:
                return r.quantize(ops.info(op.name).numpy(*args))


def cpp(op: Operation, args: list[str], formats: BodyFormats, tables: dict[Operation, str]) -> str:
    """The C++ expression of the op's exact result (the caller rounds it to the result's format)."""
    if isinstance(op, arith.CmpfOp):
        return f"({args[0]} {ops.COMPARISONS[ops.PREDICATES[op.predicate.value.data]][1]} {args[1]})"
    r = formats.result(op).cpp()
    match op.name:
        case "arith.addf":
            return f"({args[0]} + {args[1]})"
        case "arith.subf":
            return f"({args[0]} - {args[1]})"
        case "arith.mulf":
            return f"({args[0]} * {args[1]})"
        case "arith.divf":
            n = divide_numerator(formats.of[op.operands[0]], formats.result(op))
            return f"({n.cpp()}({args[0]}) / {args[1]})"
        case "arith.negf":
            return f"(-{args[0]})"
        case "math.absf":
            return f"({args[0]} < 0 ? {r}(-{args[0]}) : {r}({args[0]}))"
        case "arith.maximumf":
            return f"({args[0]} > {args[1]} ? {r}({args[0]}) : {r}({args[1]}))"
        case "arith.minimumf":
            return f"({args[0]} < {args[1]} ? {r}({args[0]}) : {r}({args[1]}))"
        case "arith.select":
            return f"({args[0]} ? {r}({args[1]}) : {r}({args[2]}))"
    if fixed_kind(op) == "table":
        t = table(op, formats)
        name = tables[op]
        coefs = ", ".join(t.coef(j).cpp() for j in range(1, t.order + 1))
        tb = ", ".join(str(b) for b in t.t_bits)
        head = f"{r}, {t.entry.cpp()}, {t.n}, {t.frac_bits}, {t.order}, inrarch::Coefs<{coefs}>, inrarch::Bits<{tb}>"
        if t.periodic:
            return f"inrarch::table_periodic<{head}, {t.phase_bits}, {t.quadrant}, {t.inv.cpp()}>({args[0]}, {name})"
        lo = int(round(t.lo * 2.0**t.x.frac))
        return f"inrarch::table_fn<{head}>({args[0]}, {lo}LL, {name}, \"{name.split('[')[0]}\")"
    raise CompileError(f"the HLS printer has no fixed-point C++ for {op.name}", op)


__all__ = ["DOMAIN", "FORMAT", "BodyFormats", "cpp", "emulate", "is_fixed_body", "op_format", "set_format", "table",
           "table_domain", "table_function", "table_multiplies", "table_unit", "units"]  # fmt: skip
