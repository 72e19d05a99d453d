"""Fixed-point numbers as inrarch's designs compute them: formats, their exact emulation in numpy, the DSP cost of a
fixed-point multiply, and the interpolation tables that compute sin, cos, tanh, exp, ... in fixed point.

A format is Vitis's `ap_fixed<W, I, Q, O>`: W bits, I of them integer bits (sign included), values k * 2^-(W - I)
for integers k in [-2^(W-1), 2^(W-1)); Q the quantization when a value with more fractional bits is assigned
(`rnd`: AP_RND, round half up; `trn`: AP_TRN, floor), O what an assignment out of range does (`wrap`: AP_WRAP,
two's complement wrap-around; `sat`: AP_SAT, saturation). The C-simulation uses Xilinx's `ap_fixed.h` (Apache-2.0,
from the pinned hls4ml wheel), so its numbers are those of synthesis bit for bit; `quantize` reproduces the same
assignments on float64 arrays, exactly while the values involved have at most 53 significant bits.

Interpolation tables (`Table`): f on a domain [lo, lo + N h) with h = 2^-K, N entries f(lo + i h) and N slopes
(the next entry minus this one), y = tab[i] + slope[i] * t for the index i and fraction t of (x - lo) / h, both
cut from the bits of x - lo (no division, no multiply for the index). sin and cos are periodic tables: the phase
x / (2 pi) mod 1 is the low bits of x * (1 / (2 pi)) (one multiply by a 27-bit constant), and the table covers one
period. Inputs outside a table's domain are clamped to it and counted as overflows in C-simulation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil, floor, log2, pi

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


FX_MUL_LATENCY = 3  # a DSP48E2 multiply with its input, multiplier and output registers (one more per extra tile row)
FX_ADD_LATENCY = 1  # a LUT carry-chain adder, registered


def mul_latency(a_bits: int, b_bits: int) -> int:
    return FX_MUL_LATENCY + (1 if mul_dsp(a_bits, b_bits) > 1 else 0)


# ---------------------------------------------------------------------------------------------------------------------
# Interpolation tables
# ---------------------------------------------------------------------------------------------------------------------

PERIODIC = {"math.sin": np.sin, "math.cos": np.cos}
TABLE_MAX_LOG2 = 10  # at most 1,024 entries per table (one BRAM18 at up to 18 bits)
INV_2PI = Fixed(27, -1, "rnd", "wrap")  # 1 / (2 pi) = 0.159..., 27 bits: the DSP's wide port


@dataclass(frozen=True)
class Table:
    """The table of one fixed-point function op: `fn` (a numpy function), input and output formats, and
    `k` (step 2^-k), `lo` (the domain's start, a multiple of the step), `n` entries; periodic tables take the
    phase in `phase_bits` fractional bits."""

    name: str
    fn: object
    x: Fixed
    y: Fixed
    k: int
    lo: float
    n: int
    periodic: bool
    phase_bits: int = 0

    @property
    def entry(self) -> Fixed:
        """The format of the entries and slopes: the output's, two more fractional bits."""
        return Fixed(self.y.width + 2, self.y.int_bits, "rnd", "sat")

    @property
    def frac_bits(self) -> int:
        """Fractional bits of the interpolation fraction t."""
        return (self.phase_bits if self.periodic else self.x.frac) - self.k

    def points(self) -> np.ndarray:
        i = np.arange(self.n + 1, dtype=np.float64)
        return i * 2.0 * pi / self.n if self.periodic else self.lo + np.ldexp(i, -self.k)

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            values = np.asarray(self.fn(self.points()), dtype=np.float64)
        values = np.nan_to_num(values, nan=0.0, posinf=self.entry.max, neginf=self.entry.min)
        tab, _ = Fixed(self.entry.width, self.entry.int_bits, "rnd", "sat").quantize(values)
        return tab[:-1], self.entry.quantize(tab[1:] - tab[:-1])[0]

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """The C++ kernel's result on fixed-point inputs x (exact), and how many inputs were clamped."""
        tab, slope = self.entries()
        f = self.frac_bits
        if self.periodic:
            prod = x * INV_2PI.quantize(np.array(1.0 / (2.0 * pi)))[0]
            raw = np.mod(np.floor(np.ldexp(prod, self.phase_bits)), 2.0**self.phase_bits)
            clamped = 0
        else:
            raw = np.ldexp(x - self.lo, self.x.frac)  # exact: x and lo are multiples of the input's lsb
            top = np.ldexp(float(self.n), self.x.frac - self.k) - 1
            outside = (raw < 0) | (raw > top)
            clamped = int(np.count_nonzero(outside))
            raw = np.clip(raw, 0, top)
        idx = np.floor(np.ldexp(raw, -f)).astype(np.int64)
        t = np.ldexp(raw - np.ldexp(idx.astype(np.float64), f), -f)
        y, _ = self.y.quantize(tab[idx] + slope[idx] * t)
        return y, clamped


def make_table(name: str, fn, x: Fixed, y: Fixed, lo: float, hi: float) -> Table:
    """The table for op `name` over the inputs [lo, hi] (from calibration, margin included): the coarsest step
    whose interpolation error stays under half the output's lsb, within TABLE_MAX_LOG2 entries (the emulation
    measures the error that remains)."""
    periodic = name in PERIODIC
    target = y.lsb / 2
    if periodic:
        # Linear interpolation of sin over a period in N steps errs by at most (2 pi / N)^2 / 8.
        k = min(TABLE_MAX_LOG2, max(4, ceil(0.5 * log2((2 * pi) ** 2 / (8 * target)))))
        phase_bits = min(k + y.frac + 4, 40)
        return Table(name, fn, x, y, k, 0.0, 2**k, True, phase_bits)
    lo = max(lo, x.min)
    hi = min(hi, x.max)
    if hi <= lo:
        hi = lo + x.lsb
    grid = np.linspace(lo, hi, 4097)
    with np.errstate(all="ignore"):
        values = np.asarray(fn(grid), dtype=np.float64)
    second = np.nan_to_num(np.abs(np.diff(values, 2)) / (grid[1] - grid[0]) ** 2) if len(grid) > 2 else np.zeros(1)
    curvature = float(np.max(second)) if second.size else 0.0
    span = hi - lo
    k_max = x.frac - 1
    while k_max > -60 and ceil(span * 2.0**k_max) + 2 > 2**TABLE_MAX_LOG2:  # entries, with the aligned start
        k_max -= 1
    k = k_max
    if curvature > 0:
        k = min(k_max, max(ceil(0.5 * log2(curvature / (8 * target))), -60))
    start = floor(lo * 2.0**k) / 2.0**k
    n = max(2, ceil((hi - start) * 2.0**k) + 1)
    return Table(name, fn, x, y, k, start, n, False)


__all__ = ["DSP_A", "DSP_B", "FX_ADD_LATENCY", "FX_MUL_LATENCY", "Fixed", "INV_2PI", "PERIODIC", "Table",
           "format_for", "int_bits_for", "make_table", "mul_dsp", "mul_latency", "parse_precision"]  # fmt: skip
