"""The hardware model: targets, and one table of operator latencies and costs, as functions of the clock.

Every cycle and resource figure inrarch prints is modeled from this table, not measured. The latencies are
pipeline depths in cycles for single-precision floating point on an AMD UltraScale+ part as Vitis HLS implements it
with DSP blocks, given at the reference clock of 300 MHz (Vitis's default kernel clock) by the op registry
(`inrarch.ops`, each figure with its source) and derived at other clocks by `latency_at` from a table of points per
operator. An fp32 multiply-add costs 5 DSP (fmul 3, fadd 2), the figure INR-Arch's comparison uses.

Latency against the clock (`latency_at`): an operator's table lists (clock MHz, cycles) points, each a pipeline and
the fastest clock it is taken to close at. At a clock at or below a point, that point's cycles hold; a slower clock
keeps them (pessimistic: Vitis may choose fewer stages there). Beyond the last point the same logic is cut into
proportionally shorter stages, rounded up. The fp32 cores close at the clock their latency is published for (Vitis
picks the fewest stages that meet the clock, so a faster clock needs more). A DSP48E2 multiply keeps its 3 stages
(input, multiplier and output registers, UG579) to 500 MHz, then takes a fabric register before its inputs (4) up
to the DSP48E2's fully pipelined Fmax of the -2 speed grade, 775 MHz (DS923); both parts inrarch targets are -2.
LUT logic (fixed-point adds, comparisons, rounding, conversions) is taken to close one stage at 450 MHz (a carry
chain of up to ~48 bits and a LUT level; modeled). Memory-read latency is counted in nanoseconds above 300 MHz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import ceil

from inrarch.diagnostics import CompileError
from inrarch.ops import BY_NAME

REFERENCE_MHZ = 300.0  # the clock every figure of the op registry is given at
DSP_STAGES_MHZ = 500.0  # a DSP48E2 multiply closes in 3 stages up to here, with a fabric input register beyond
DSP_FMAX_MHZ = 775.0  # DSP48E2 fully pipelined, -2 speed grade (DS923)
LOGIC_STAGE_MHZ = 450.0  # one registered stage of LUT logic (an adder's carry chain, a comparison): modeled


def latency_at(points: Sequence[tuple[float, int]], clock_mhz: float) -> int:
    """Cycles of an operator at `clock_mhz` from its table of (clock MHz, cycles) points, in ascending clock: the
    cycles of the first point at or above the clock; beyond the last, its logic cut into proportionally shorter
    stages, rounded up."""
    for mhz, cycles in points:
        if clock_mhz <= mhz:
            return cycles
    mhz, cycles = points[-1]
    return ceil(cycles * clock_mhz / mhz - 1e-9)


def logic_latency(cycles: int, clock_mhz: float) -> int:
    """Cycles of `cycles` registered stages of LUT logic (each closing at LOGIC_STAGE_MHZ) at `clock_mhz`."""
    return latency_at(((LOGIC_STAGE_MHZ, cycles),), clock_mhz) if cycles else 0


@dataclass(frozen=True)
class Operator:
    latency: int  # cycles from operands to result at the clock the operator was asked for
    dsp: int  # DSP slices of one fully pipelined unit
    lut: int = 0  # a rough LUT count, for ops built from logic
    bram18: int = 0  # BRAM18 of the unit's own tables (fixed-point function tables)
    ff: int = -1  # flip-flops of one unit (-1: 32 per pipeline stage)
    points: tuple[tuple[float, int], ...] = ()  # (clock MHz, cycles): the latency table; () = latency at any clock

    def __post_init__(self):
        if self.ff < 0:
            object.__setattr__(self, "ff", 32 * self.latency)

    def at(self, clock_mhz: float) -> Operator:
        """The unit at `clock_mhz`: its latency from its table, its flip-flops in proportion to its stages."""
        if not self.points:
            return self
        latency = latency_at(self.points, clock_mhz)
        ff = self.ff * latency // self.latency if self.latency else self.ff
        return replace(self, latency=latency, ff=ff)


def _registry_operator(name: str) -> Operator:
    c = BY_NAME[name].cost
    points = ((c.closes_mhz, c.latency),) if c.latency else ()
    return Operator(c.latency, c.dsp, c.lut, 0, c.ff, points)


# fp32, UltraScale+, at the reference clock (300 MHz): each op's entry in the op registry (inrarch.ops), and constants.
OPERATORS: dict[str, Operator] = {name: _registry_operator(name) for name in BY_NAME}
OPERATORS["arith.constant"] = Operator(0, 0, 0)
MAC_DSP = OPERATORS["arith.mulf"].dsp + OPERATORS["arith.addf"].dsp  # 5
MEMORY_READ_LATENCY = 64  # cycles from an m_axi read request to its data at 300 MHz (modeled; ~213 ns)
FIFO_LATENCY = 1  # cycles from a write to the token being readable
# Fixed-point designs convert at their edges: a float coordinate to its format (decode, shift, round) and an output
# to a float (magnitude, leading zeros, normalisation, round to nearest even), each stage registered, as the RTL twin
# builds them (inrarch.targets.rtl.hw; test_rtl checks the two agree at 300 MHz).
FLOAT_TO_FIXED_LATENCY = 3
FIXED_TO_FLOAT_LATENCY = 4
SRL_MAX_WORDS = 1024  # FIFOs up to this many 32-bit words are built from LUTs (SRL), larger ones from BRAM
LUTRAM_MAX_WORDS = 64  # memory banks up to this many words are bound to LUTRAM, larger ones to BRAM
# Read latency in cycles by storage: BRAM with its output register (the pessimistic choice of Vitis's 1 or 2),
# LUTRAM with a registered output, registers.
READ_LATENCY = {"bram": 2, "lutram": 1, "registers": 0}


def memory_read_latency(clock_mhz: float = REFERENCE_MHZ) -> int:
    """Cycles from an m_axi read request to its data: MEMORY_READ_LATENCY at 300 MHz and below, the same time in
    cycles of a faster clock."""
    return latency_at(((REFERENCE_MHZ, MEMORY_READ_LATENCY),), clock_mhz)


def conversion_latency(to_fixed: bool, clock_mhz: float = REFERENCE_MHZ) -> int:
    """Cycles of a fixed-point design's edge conversion (float to fixed, or fixed to float) at `clock_mhz`."""
    return logic_latency(FLOAT_TO_FIXED_LATENCY if to_fixed else FIXED_TO_FLOAT_LATENCY, clock_mhz)


def operator(name: str, clock_mhz: float = REFERENCE_MHZ) -> Operator:
    """The unit of operator `name` at `clock_mhz` (its latency from its table of points)."""
    if name.startswith("fx."):
        return fixed_operator(name, clock_mhz)
    try:
        return OPERATORS[name].at(clock_mhz)
    except KeyError:
        raise CompileError(f"the hardware model has no operator {name}") from None


# The shapes (words x bits) of one UltraScale+ BRAM18 (UG573): a memory takes the shape that needs fewest of them.
BRAM18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))


def bram18_for(words: int, bits: int) -> int:
    """BRAM18 of one memory of `words` x `bits` in the BRAM18 shape that needs fewest (as Yosys maps them: checked
    against its synth_xilinx on 1024 x 22/36/44, 2048 x 20, 4096 x 18, 512 x 44 and 724 x 36)."""
    return min(ceil(words / d) * ceil(bits / w) for d, w in BRAM18_SHAPES)


def _rom_cost(entries: int, bits: int) -> tuple[int, int]:
    """(BRAM18, LUT) of one ROM of `entries` words: LUTRAM up to LUTRAM_MAX_WORDS words, else block RAM."""
    if entries <= LUTRAM_MAX_WORDS:
        return 0, ceil(entries / 64) * bits
    return bram18_for(entries, bits), 0


def dsp_mul_latency(a_bits: int, b_bits: int, clock_mhz: float = REFERENCE_MHZ) -> int:
    """Cycles of an a x b DSP48E2 multiply at `clock_mhz`: its 300 MHz stages (inrarch.analysis.fixed.mul_latency),
    one more beyond DSP_STAGES_MHZ (a fabric register before the DSP's inputs), and beyond the DSP48E2's Fmax the
    same logic in shorter stages (unreachable in practice: the clock estimate caps there)."""
    from inrarch.analysis.fixed import mul_latency

    base = mul_latency(a_bits, b_bits)
    return latency_at(((DSP_STAGES_MHZ, base), (DSP_FMAX_MHZ, base + 1)), clock_mhz)


def fixed_operator(name: str, clock_mhz: float = REFERENCE_MHZ) -> Operator:
    """The unit of a fixed-point operator at `clock_mhz`, by the name the hardware facts give it (widths in bits):
    `fx.mul.AxB` (a DSP48E2 multiply, tiled 27 x 18), `fx.add.W` (a LUT adder), `fx.lut.W` (negation, comparison,
    selection, min/max, abs: logic), `fx.div.Q.D` (a LUT divider of a Q-bit dividend by a D-bit divisor, one quotient
    bit per registered stage, between a register of the operands and one of the signed quotient), and
    `fx.table.X.E.S.T.N.C.Q.U` (a function table, `inrarch.analysis.fixed.Table`: input X bits, N entries of
    coefficients side by side in one memory of (E + S + Q)-bit words, c0 E bits, c1 S bits multiplied by T fraction
    bits, and at second order (Q > 0) c2 Q bits by U fraction bits, then an add; C > 0 for a periodic table, which
    first multiplies the input by 1 / (2 pi) of C bits and mirrors the quarter period). A table's latency includes
    its multiplies, its DSP are counted apart (as the `fx.mul` operators they are, which the code shares like the
    body's other multiplies). LUT stages follow
    `logic_latency`, multiplies `dsp_mul_latency`."""
    from inrarch.analysis.fixed import FX_ADD_LATENCY, mul_dsp

    parts = name.split(".")
    try:
        kind, args = parts[1], parts[2:]
        if kind == "mul":
            a, b = (int(v) for v in args[0].split("x"))
            return Operator(dsp_mul_latency(a, b, clock_mhz), mul_dsp(a, b), 0 if mul_dsp(a, b) == 1 else a + b)
        if kind == "add":
            return Operator(logic_latency(FX_ADD_LATENCY, clock_mhz), 0, int(args[0]))
        if kind == "lut":
            return Operator(logic_latency(1, clock_mhz), 0, int(args[0]))
        if kind == "div":  # Q quotient bits (the dividend's bits), a D-bit divisor: one quotient bit per stage
            q, d = int(args[0]), int(args[1])
            return Operator(logic_latency(q + 2, clock_mhz), 0, q * (d + 1) + 2 * q)
        if kind == "table":
            x, e, sl, t, n, inv, q, u = (int(v) for v in args)
            bram, lut = _rom_cost(n, e + sl + q)  # coefficients side by side: one memory of (E + S + Q)-bit words
            inner = max(sl, q) + 1 if q else sl
            latency = logic_latency(1 + FX_ADD_LATENCY, clock_mhz) + READ_LATENCY["bram" if bram else "lutram"] \
                + dsp_mul_latency(inner, t + 1, clock_mhz)  # fmt: skip
            if q:  # c2 x t', then c1 + that, registered
                latency += dsp_mul_latency(q, u + 1, clock_mhz) + logic_latency(FX_ADD_LATENCY, clock_mhz)
            if inv:
                latency += dsp_mul_latency(x, inv, clock_mhz)
            return Operator(latency, 0, lut + e + x, bram)
    except (ValueError, IndexError):
        pass
    raise CompileError(f"the hardware model has no operator {name}")


def read_latency(impl: str) -> int:
    return READ_LATENCY[impl]


@dataclass(frozen=True)
class Target:
    name: str
    part: str
    dsp: int
    bram36: int
    uram: int
    lut: int
    clock_mhz: float = 300.0
    ff: int = 0  # flip-flops of the part
    slrs: int = 1  # super logic regions (dies) of the part

    def describe(self) -> str:
        return (
            f"{self.name} ({self.part}): {self.dsp} DSP, {self.bram36} BRAM36, {self.uram} URAM, "
            f"{self.lut // 1000}K LUT, {self.clock_mhz:g} MHz"
        )


TARGETS = {
    # The Alveo data sheet (DS965): U50 872K LUT, 1,743K registers, 5,952 DSP, 1,344 BRAM36, 640 URAM, 2 SLRs;
    # U280 1,304K LUT, 2,607K registers, 9,024 DSP, 2,016 BRAM36, 960 URAM, 3 SLRs.
    "u50": Target("u50", "xcu50-fsvh2104-2-e", dsp=5952, bram36=1344, uram=640, lut=872_000, ff=1_743_000, slrs=2),
    "u280": Target("u280", "xcu280-fsvh2892-2L-e", dsp=9024, bram36=2016, uram=960, lut=1_304_000, ff=2_607_000,
                   slrs=3),
}


def part_target(name: str) -> Target:
    """The whole part of a target name (`u50`, `u50-budget`, `custom`): its capacities, not a budget."""
    base = TARGETS.get(name.removesuffix("-budget"))
    return base if base is not None else Target("custom", "custom", dsp=0, bram36=0, uram=0, lut=0)


MAX_CLOCK_MHZ = 1000.0  # beyond any fabric clock of these parts


def make_target(
    name: str = "u50",
    dsp: int | None = None,
    bram: int | None = None,
    uram: int | None = None,
    clock_mhz: float | None = None,
) -> Target:
    """A named target, with any of its budgets (or the clock) replaced; every option checked."""
    for option, value, least in (("dsp", dsp, 1), ("bram", bram, 0), ("uram", uram, 0)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < least):
            raise CompileError(f"dataflow-parallelize: option {option} must be an integer >= {least}, got {value}")
    if clock_mhz is not None and not (isinstance(clock_mhz, int | float) and 0 < clock_mhz <= MAX_CLOCK_MHZ):
        raise CompileError(f"dataflow-parallelize: option clock-mhz must lie in (0, {MAX_CLOCK_MHZ}], got {clock_mhz}")
    base = TARGETS.get(name)
    if base is None:
        if name != "custom":
            raise CompileError(f"unknown target '{name}' (choose {', '.join(TARGETS)} or custom)")
        base = Target("custom", "custom", dsp=dsp or 0, bram36=bram or 0, uram=uram or 0, lut=10**9, ff=10**9)
    return Target(
        base.name if dsp is None and bram is None and uram is None else f"{base.name}-budget",
        base.part,
        dsp if dsp is not None else base.dsp,
        bram if bram is not None else base.bram36,
        uram if uram is not None else base.uram,
        base.lut,
        clock_mhz if clock_mhz is not None else base.clock_mhz,
        base.ff,
        base.slrs,
    )


def operator_table_text(clock_mhz: float = REFERENCE_MHZ) -> str:
    rows = [f"{name:<16} latency {op.at(clock_mhz).latency:>2} cycles at {clock_mhz:g} MHz, {op.dsp:>2} DSP"
            for name, op in OPERATORS.items() if op.latency or op.dsp]  # fmt: skip
    return "\n".join(rows)
