"""Fixed-point numbers as inrarch's designs compute them: formats, their exact emulation in numpy, the DSP cost of a
fixed-point multiply, and the interpolation tables that compute sin, cos, tanh, exp, ... in fixed point.

A format is Vitis's `ap_fixed<W, I, Q, O>`: W bits, I of them integer bits (sign included), values k * 2^-(W - I)
for integers k in [-2^(W-1), 2^(W-1)); Q the quantization when a value with more fractional bits is assigned
(`rnd`: AP_RND, round half up; `trn`: AP_TRN, floor), O what an assignment out of range does (`wrap`: AP_WRAP,
two's complement wrap-around; `sat`: AP_SAT, saturation). The C-simulation uses Xilinx's `ap_fixed.h` (Apache-2.0,
from the pinned hls4ml wheel), so its numbers are those of synthesis bit for bit; `quantize` reproduces the same
assignments on float64 arrays, exactly while the values involved have at most 53 significant bits.

Interpolation tables (`Table`): f as a polynomial of the fraction t of a segment (first order, or second order
where a linear table would need over 1,024 entries), the segment's index and t cut from the bits of the input (no
division, no multiply for the index); sin and cos share one quarter-wave table of sin (the phase x / (2 pi) mod 1
is the low bits of x times 1 / (2 pi): one multiply). Tables are sized to their output's lsb (segments, coefficient
and fraction widths), so their error shrinks with the output's width. Inputs outside a table's domain are clamped
to it and counted as overflows in C-simulation; the emulation is integer arithmetic, exact at every width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from math import ceil, floor, log2, pi, sqrt

import numpy as np

from inrarch.diagnostics import CompileError

# ---------------------------------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------------------------------

_CPP_Q = {"rnd": "AP_RND", "trn": "AP_TRN"}
_CPP_O = {"wrap": "AP_WRAP", "sat": "AP_SAT"}


@dataclass(frozen=True)
class Fixed:
    width: int
    int_bits: int
    rounding: str = "rnd"
    overflow: str = "wrap"

    def __post_init__(self):
        if self.width < 2 or self.width > 64:
            raise CompileError(f"fixed-point widths must lie in [2, 64], got {self.width}")
        if self.rounding not in _CPP_Q or self.overflow not in _CPP_O:
            raise CompileError(f"unknown fixed-point modes {self.rounding}, {self.overflow}")

    @classmethod
    def of(cls, attr) -> Fixed:
        """The format a `#dataflow.fixed` attribute states (`inrarch.dialects.dataflow.FixedAttr`)."""
        return cls(attr.width.data, attr.int_bits.data, attr.rounding.data, attr.overflow.data)

    @property
    def frac(self) -> int:
        return self.width - self.int_bits

    @property
    def lsb(self) -> float:
        return 2.0**-self.frac

    @property
    def max(self) -> float:
        return 2.0 ** (self.int_bits - 1) - self.lsb

    @property
    def min(self) -> float:
        return -(2.0 ** (self.int_bits - 1))

    def cpp(self) -> str:
        return f"ap_fixed<{self.width}, {self.int_bits}, {_CPP_Q[self.rounding]}, {_CPP_O[self.overflow]}>"

    def __str__(self) -> str:
        modes = "" if (self.rounding, self.overflow) == ("rnd", "wrap") else f", {self.rounding}, {self.overflow}"
        return f"ap_fixed<{self.width},{self.int_bits}{modes}>"

    def quantize(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """(x assigned to this format, how many values lay outside its range), as ap_fixed assigns."""
        x = np.asarray(x, dtype=np.float64)
        scaled = np.ldexp(x, self.frac)
        raw = np.floor(scaled + 0.5) if self.rounding == "rnd" else np.floor(scaled)
        lo, hi = -(2.0 ** (self.width - 1)), 2.0 ** (self.width - 1) - 1
        outside = (raw < lo) | (raw > hi)
        count = int(np.count_nonzero(outside))
        if count:
            if self.overflow == "sat":
                raw = np.clip(raw, lo, hi)
            else:
                raw = np.mod(raw - lo, 2.0**self.width) + lo
        return np.ldexp(raw, -self.frac), count


def fifo_format(fifo) -> Fixed | None:
    """The format a `dataflow.fifo` stores its stream's values in (None in floating point)."""
    return Fixed.of(fifo.format) if fifo.format is not None else None


def col_formats(map_op) -> list[Fixed]:
    """The formats of a `dataflow.map`'s column constants (none in floating point)."""
    return [Fixed.of(a) for a in map_op.const_formats.data] if map_op.const_formats is not None else []


_FORMAT = re.compile(r"^\s*ap_fixed\s*<\s*(\d+)\s*,\s*(-?\d+)\s*>\s*$")


def parse_precision(text: str) -> Fixed | str:
    """`float`, `auto`, or a uniform `ap_fixed<W,I>` (Vitis's defaults AP_TRN, AP_WRAP, as INR-Arch uses it)."""
    if not isinstance(text, str):
        raise CompileError(f"precision must be float, auto or ap_fixed<W,I>, got {text!r}")
    if text in ("float", "auto"):
        return text
    m = _FORMAT.match(text)
    if not m:
        raise CompileError(f"precision must be float, auto or ap_fixed<W,I>, got '{text}'")
    width, int_bits = int(m.group(1)), int(m.group(2))
    if not 2 <= width <= 64 or int_bits > width:
        raise CompileError(f"precision {text}: W must lie in [2, 64] and I must not exceed W")
    return Fixed(width, int_bits, "trn", "wrap")


def int_bits_for(magnitude: float, margin: float) -> int:
    """Integer bits (sign included) that hold every value of absolute value up to magnitude x margin."""
    m = float(magnitude) * margin
    if not np.isfinite(m):
        raise CompileError("a value of the design is not finite on the calibration inputs")
    if m <= 0:
        return 1
    return floor(log2(m)) + 2


def format_for(magnitude: float, width: int, margin: float, overflow: str = "wrap") -> Fixed:
    return Fixed(width, int_bits_for(magnitude, margin), "rnd", overflow)


# ---------------------------------------------------------------------------------------------------------------------
# DSP cost
# ---------------------------------------------------------------------------------------------------------------------

DSP_A, DSP_B = 27, 18  # the DSP48E2's signed multiplier ports


def _pieces(bits: int, port: int) -> int:
    """Pieces a signed `bits`-bit operand splits into on a signed `port`-bit multiplier input: the top piece signed
    (port bits), the lower ones unsigned (port - 1 bits each)."""
    return 1 if bits <= port else 1 + ceil((bits - port) / (port - 1))


def mul_dsp(a_bits: int, b_bits: int) -> int:
    """DSP48E2 slices of one a x b signed multiply: its 27 x 18 tiling, the better orientation (a multiply whose
    operands fit 27 x 18 costs one)."""
    return min(_pieces(a_bits, DSP_A) * _pieces(b_bits, DSP_B), _pieces(b_bits, DSP_A) * _pieces(a_bits, DSP_B))


def mul_dsp_why(a_bits: int, b_bits: int) -> str:
    """Why an a x b multiply takes `mul_dsp` DSP48E2s, in words (e.g. `27x18: 1 DSP`)."""
    n = mul_dsp(a_bits, b_bits)
    if n == 1:
        return f"{a_bits}x{b_bits}: 1 DSP (within the DSP48E2's {DSP_A}x{DSP_B} ports)"
    # The orientation that costs n, the wider operand on the 27-bit port where both do.
    wide, narrow = max(a_bits, b_bits), min(a_bits, b_bits)
    if _pieces(wide, DSP_A) * _pieces(narrow, DSP_B) != n:
        wide, narrow = narrow, wide
    return (f"{a_bits}x{b_bits}: {n} DSP ({wide} bits in {_pieces(wide, DSP_A)} piece(s) on the {DSP_A}-bit port x "
            f"{narrow} in {_pieces(narrow, DSP_B)} on the {DSP_B}-bit port)")  # fmt: skip


FX_MUL_LATENCY = 3  # a DSP48E2 multiply with its input, multiplier and output registers (one more per extra tile row)
FX_ADD_LATENCY = 1  # a LUT carry-chain adder, registered


def mul_latency(a_bits: int, b_bits: int) -> int:
    return FX_MUL_LATENCY + (1 if mul_dsp(a_bits, b_bits) > 1 else 0)


# ---------------------------------------------------------------------------------------------------------------------
# Interpolation tables
# ---------------------------------------------------------------------------------------------------------------------

PERIODIC = {"math.sin": 0, "math.cos": 1}  # sin's table, read a quarter period on for cos (cos u = sin(u + pi/2))
TABLE_MAX_LOG2 = 14  # at most 16,384 entries per table (block RAM)
LINEAR_MAX_LOG2 = 10  # linear interpolation up to 1,024 entries; beyond, second order (far fewer entries suffice)
# The table's own error, in lsb of its output, before the result is rounded to it (another half lsb):
INTERPOLATION_LSB = 1 / 4  # the interpolating polynomial between exact points (from the function's derivatives)
FRACTION_LSB = 1 / 8  # the interpolation fraction cut to the bits the coefficients need
PHASE_LSB = 1 / 8  # periodic: the phase's truncation and its mirroring in odd quadrants
CONSTANT_LSB = 1 / 4  # periodic: the rounding of 1 / (2 pi)
INV_2PI_MIN = 27  # 1 / (2 pi) gets at least the DSP's wide port, more where the input's range needs it


def round_raw(fmt: Fixed, raw: np.ndarray, frac: int) -> tuple[np.ndarray, int]:
    """An exact value raw x 2^-frac (int64 integers) assigned to fmt, as ap_fixed assigns it: (the values, how many
    lay outside fmt's range). Integer arithmetic throughout, so exact at any width up to 63 bits."""
    raw = np.asarray(raw, dtype=np.int64)
    shift = frac - fmt.frac
    if shift <= 0:
        r = raw << -shift
    elif fmt.rounding == "rnd":
        r = (raw + (1 << (shift - 1))) >> shift  # half up: floor(v + 1/2)
    else:
        r = raw >> shift
    lo, hi = -(1 << (fmt.width - 1)), (1 << (fmt.width - 1)) - 1
    outside = (r < lo) | (r > hi)
    count = int(np.count_nonzero(outside))
    if count:
        if fmt.overflow == "sat":
            r = np.clip(r, lo, hi)
        else:
            r = ((r - lo) & ((1 << fmt.width) - 1)) + lo
    return np.ldexp(r.astype(np.float64), -fmt.frac), count


def _raw(x: np.ndarray, fmt: Fixed) -> np.ndarray:
    """The raw integers of values of fmt."""
    return np.round(np.ldexp(np.asarray(x, dtype=np.float64), fmt.frac)).astype(np.int64)


def _signed_bits(raw: np.ndarray) -> int:
    largest = int(np.max(np.abs(raw))) if raw.size else 0
    return max(2, largest.bit_length() + 1)


@dataclass(frozen=True)
class Table:
    """The table of one fixed-point function op: a polynomial in the fraction t in [0, 1) of a segment, its index i
    and t cut from the bits of the input (no division, no multiply for the index):

        order 1: f = c0[i] + c1[i] t                      (c1: the next entry minus this one)
        order 2: f = c0[i] + floor(c1[i] + c2[i] t') t    (the parabola through the segment's ends and middle)

    * `fn`, a numpy function, is tabulated on n segments: from lo in steps 2^-k (non-periodic), or over a quarter
      period (periodic: sin's table, n = 2^k). Coefficients are rounded to the fractional bits of `entry` (the
      output's format with 2 more fractional bits, 3 at order 2), each at the width its largest magnitude needs
      (`coef_bits`: narrow multiplies); products are exact, the inner sum of order 2 is cut to those fractional
      bits (floor), and t, t' are the top `t_bits` of the fraction.
    * Non-periodic: u = x - lo in the input's lsb, clamped to the table (clamped inputs counted as overflows); the
      fraction has `frac_bits` = x.frac - k bits.
    * Periodic: the phase (x / 2 pi mod 1 turn) is the low `phase_bits` bits of x times 1 / (2 pi) in the format
      `inv` (a multiply); its top 2 bits are the quadrant (plus `quadrant`: 1 for cos), the rest r the position in
      it, mirrored (r -> 2^(phase_bits - 2) - 1 - r) in odd quadrants and the result negated in quadrants 2 and 3
      (sin's quarter-wave symmetry); r's top k bits index the table, the next ones are the fraction.

    The sizes follow from the error the table may add to its output's rounding (half an lsb): segments so that the
    polynomial errs by INTERPOLATION_LSB at most, the fraction's bits by FRACTION_LSB, the phase by PHASE_LSB and
    1 / (2 pi) by CONSTANT_LSB (of the output's lsb): the table's error shrinks with its output's width."""

    name: str
    fn: object
    x: Fixed
    y: Fixed
    k: int
    lo: float
    n: int
    periodic: bool
    order: int = 1
    phase_bits: int = 0
    quadrant: int = 0
    coef_bits: tuple[int, ...] = ()  # c1 (and c2) widths; c0 is `entry`
    t_bits: tuple[int, ...] = ()  # fraction bits multiplying c1 (and c2)
    inv: Fixed | None = None

    @property
    def entry(self) -> Fixed:
        """The format of c0: the output's, 2 (order 2: 3) more fractional bits."""
        extra = 2 if self.order == 1 else 3
        return Fixed(self.y.width + extra, self.y.int_bits, "rnd", "sat")

    def coef(self, j: int) -> Fixed:
        """The format of c_j (j >= 1): the entries' fractional bits, the integer bits its magnitude needs."""
        bits = self.coef_bits[j - 1]
        return Fixed(bits, bits - self.entry.frac, "rnd", "sat")

    @property
    def inner_bits(self) -> int:
        """The width of the multiplier of t: c1, or floor(c1 + c2 t') at order 2."""
        return max(self.coef_bits) + 1 if self.order == 2 else self.coef_bits[0]

    @property
    def word_bits(self) -> int:
        """Bits of one memory word: every coefficient side by side."""
        return self.entry.width + sum(self.coef_bits)

    @property
    def frac_bits(self) -> int:
        """Bits of the input (or phase) below the index: the whole interpolation fraction."""
        return (self.phase_bits - 2 if self.periodic else self.x.frac) - self.k

    def points(self, m: int = 1) -> np.ndarray:
        """The segments' ends (m = 1), or ends and middles (m = 2)."""
        i = np.arange(self.n * m + 1, dtype=np.float64) / m
        return i * (pi / 2) / self.n if self.periodic else self.lo + np.ldexp(i, -self.k)

    def raw_coefficients(self) -> list[np.ndarray]:
        """[c0, c1] or [c0, c1, c2], one integer per segment, all with `entry`'s fractional bits."""
        fn = np.sin if self.periodic else self.fn
        e = self.entry
        with np.errstate(all="ignore"):
            values = np.asarray(fn(self.points(self.order)), dtype=np.float64)
        values = np.nan_to_num(values, nan=0.0, posinf=e.max, neginf=e.min)
        if self.order == 1:
            tab = _raw(e.quantize(values)[0], e)
            return [tab[:-1], tab[1:] - tab[:-1]]
        f0, fm, f1 = values[:-1:2], values[1::2], values[2::2]
        c2 = 2.0 * (f0 - 2.0 * fm + f1)
        c1 = f1 - f0 - c2
        return [_raw(e.quantize(f0)[0], e), *(np.round(np.ldexp(c, e.frac)).astype(np.int64) for c in (c1, c2))]

    def inv_raw(self) -> int:
        assert self.inv is not None
        return int(_raw(self.inv.quantize(np.array(1.0 / (2.0 * pi)))[0], self.inv))

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """The C++ kernel's result on fixed-point inputs x (exact: integer arithmetic), and how many inputs were
        clamped."""
        coefs = self.raw_coefficients()
        f = self.frac_bits
        rx = _raw(x, self.x)
        clamped = 0
        if self.periodic:
            assert self.inv is not None
            pb = self.phase_bits
            shift = self.x.frac + self.inv.frac - pb
            # floor(x c 2^pb) mod 2^pb: bits [shift, shift + pb) of the product, exact in 64-bit wrapping arithmetic
            prod = rx.astype(np.uint64) * np.uint64(self.inv_raw() % 2**64)
            raw = ((prod >> np.uint64(shift)) & np.uint64((1 << pb) - 1)).astype(np.int64)
            quadrant = ((raw >> (pb - 2)) + self.quadrant) & 3
            r = raw & ((1 << (pb - 2)) - 1)
            r = np.where(quadrant & 1, ((1 << (pb - 2)) - 1) - r, r)
        else:
            r = rx - int(round(self.lo * 2.0**self.x.frac))  # exact: lo is a multiple of the input's lsb
            top = (self.n << f) - 1
            outside = (r < 0) | (r > top)
            clamped = int(np.count_nonzero(outside))
            r = np.clip(r, 0, top)
        idx = r >> f
        low = r & ((1 << f) - 1)
        t1 = low >> (f - self.t_bits[0])
        inner = coefs[1][idx]
        if self.order == 2:
            t2 = low >> (f - self.t_bits[1])
            inner = ((inner << self.t_bits[1]) + coefs[2][idx] * t2) >> self.t_bits[1]  # floor
        v = (coefs[0][idx] << self.t_bits[0]) + inner * t1
        if self.periodic:
            v = np.where(quadrant >= 2, -v, v)
        y, _ = round_raw(self.y, v, self.entry.frac + self.t_bits[0])
        return y, clamped


def _t_bits(coef: np.ndarray, t: Table, share: float) -> int:
    """Fraction bits that keep the cut's error, max|coef| x 2^-bits, under `share` of the output's lsb (at most
    62 - E: the exact sum c0 x 2^bits + inner x t stays within 63 bits)."""
    largest = float(np.max(np.abs(coef))) * t.entry.lsb if coef.size else 0.0
    if largest <= 0:
        return 1
    return int(min(t.frac_bits, 62 - t.entry.width, max(1, ceil(log2(largest / (share * t.y.lsb))))))


def _finish(t: Table) -> Table:
    """The table with its coefficient widths and fraction bits, from its coefficients."""
    coefs = t.raw_coefficients()
    t = replace(t, coef_bits=tuple(_signed_bits(c) for c in coefs[1:]))
    if t.order == 1:
        return replace(t, t_bits=(_t_bits(coefs[1], t, FRACTION_LSB),))
    inner = np.abs(coefs[1]) + np.abs(coefs[2])
    return replace(t, t_bits=(_t_bits(inner, t, FRACTION_LSB / 2), _t_bits(coefs[2], t, FRACTION_LSB / 2)))


def _segments_log2(size: float, bound: float, order: int, target: float) -> float:
    """log2 of the segments over `size` that keep the interpolation error under target, where `bound` bounds the
    function's derivative of order + 1: linear interpolation errs by f2 h^2 / 8, the parabola through a segment's
    ends and middle by f3 h^3 sqrt(3) / 216 (f2, f3: the bounds of the second and third derivatives)."""
    if bound <= 0:
        return 0.0
    if order == 1:
        return log2(size / sqrt(8 * target / bound))
    return log2(size / (216 * target / (sqrt(3) * bound)) ** (1 / 3))


def _derivative_bound(fn, lo: float, hi: float, order: int) -> float:
    """max |f^(order + 1)| on [lo, hi], by finite differences on a fine grid."""
    grid = np.linspace(lo, hi, 8193)
    with np.errstate(all="ignore"):
        values = np.asarray(fn(grid), dtype=np.float64)
    h = grid[1] - grid[0]
    d = np.nan_to_num(np.abs(np.diff(values, order + 1) / h ** (order + 1)), nan=0.0, posinf=0.0)
    return float(np.max(d)) if d.size else 0.0


def _one_dsp(make, k: int, k_max: int) -> Table:
    """make(k), or with its segments halved until its multiply of t is one DSP48E2 where that happens within
    2^LINEAR_MAX_LOG2 entries (each halving takes a bit off the coefficient and one off the fraction)."""
    first = t = make(k)
    while mul_dsp(t.inner_bits, t.t_bits[0] + 1) > 1:
        k += 1
        if k > k_max:
            return first
        t = make(k)
        if t.n > 2**LINEAR_MAX_LOG2:
            return first
    return t


def make_table(name: str, fn, x: Fixed, y: Fixed, lo: float, hi: float) -> Table:
    """The table for op `name` over the inputs [lo, hi] (from calibration, margin included), sized to its output's
    lsb (see Table): linear interpolation where up to 2^LINEAR_MAX_LOG2 entries suffice, else second order; at
    most 2^TABLE_MAX_LOG2 entries, beyond which the emulation measures the error that remains."""
    target = INTERPOLATION_LSB * y.lsb
    if name in PERIODIC:
        # sin's derivatives are bounded by 1; a quarter period in 2^k segments.
        order = 1 if _segments_log2(pi / 2, 1.0, 1, target) <= LINEAR_MAX_LOG2 else 2
        k = min(TABLE_MAX_LOG2, max(4, ceil(_segments_log2(pi / 2, 1.0, order, target))))
        # The phase's lsb moves sin by up to 2 pi 2^-pb (twice, where mirrored): under PHASE_LSB of the output.
        phase_bits = ceil(log2(2 * 2 * pi / (PHASE_LSB * y.lsb)))
        # 1 / (2 pi) rounded to 2^-(f + 1) moves the phase of |x| < 2^(I - 1) by 2 pi 2^(I - 2 - f).
        f = ceil(log2(2 * pi * 2.0 ** (x.int_bits - 2) / (CONSTANT_LSB * y.lsb)))
        f = min(max(f, INV_2PI_MIN + 1), 64 - x.frac)  # the product's bits must fit 64 (exact emulation)
        phase_bits = max(min(phase_bits, x.frac + f), k + 3)
        inv = Fixed(f - 1, -1, "rnd", "wrap")  # 0.159... < 2^-2: I = -1
        return _one_dsp(lambda k: _finish(Table(name, np.sin, x, y, k, 0.0, 2**k, True, order, max(phase_bits, k + 3),
                                                PERIODIC[name], inv=inv)), k, TABLE_MAX_LOG2)  # fmt: skip
    lo = max(lo, x.min)
    hi = min(hi, x.max)
    if hi <= lo:
        hi = lo + x.lsb
    span = hi - lo
    k_max = x.frac - 1
    while k_max > -60 and ceil(span * 2.0**k_max) + 2 > 2**TABLE_MAX_LOG2:  # entries, with the aligned start
        k_max -= 1
    order = 1
    need = _segments_log2(1.0, _derivative_bound(fn, lo, hi, 1), 1, target)  # log2 of segments per unit
    if need + log2(span) > LINEAR_MAX_LOG2:
        order = 2
        need = _segments_log2(1.0, _derivative_bound(fn, lo, hi, 2), 2, target)

    def make(k: int) -> Table:
        start = floor(lo * 2.0**k) / 2.0**k
        n = max(2, ceil((hi - start) * 2.0**k) + 1)
        return _finish(Table(name, fn, x, y, k, start, n, False, order))

    return _one_dsp(make, min(k_max, max(ceil(need), -60)), k_max)


__all__ = ["DSP_A", "DSP_B", "FX_ADD_LATENCY", "FX_MUL_LATENCY", "LINEAR_MAX_LOG2", "PERIODIC", "TABLE_MAX_LOG2",
           "Fixed", "Table", "format_for", "int_bits_for", "make_table", "mul_dsp", "mul_dsp_why", "mul_latency", "parse_precision",
           "round_raw"]  # fmt: skip
