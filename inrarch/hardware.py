"""The hardware model: targets, and one table of operator latencies and costs.

Every cycle and resource figure inrarch prints is modeled from this table, not measured. The latencies are
pipeline depths in cycles at the target clock (300 MHz by default) for single-precision floating point on an
AMD UltraScale+ part as Vitis HLS implements it with DSP blocks; they are estimates of this model. An fp32
multiply-add costs 5 DSP (fmul 3, fadd 2), the figure INR-Arch's comparison uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from inrarch.diagnostics import CompileError
from inrarch.ops import BY_NAME


@dataclass(frozen=True)
class Operator:
    latency: int  # cycles from operands to result
    dsp: int  # DSP slices of one fully pipelined unit
    lut: int = 0  # a rough LUT count, for ops built from logic
    bram18: int = 0  # BRAM18 of the unit's own tables (fixed-point function tables)


# fp32, UltraScale+, 300 MHz (modeled estimates): each op's entry in the op registry (inrarch.ops), and constants.
OPERATORS: dict[str, Operator] = {name: Operator(i.latency, i.dsp, i.lut) for name, i in BY_NAME.items()}
OPERATORS["arith.constant"] = Operator(0, 0, 0)
MAC_DSP = OPERATORS["arith.mulf"].dsp + OPERATORS["arith.addf"].dsp  # 5
MEMORY_READ_LATENCY = 64  # cycles from an m_axi read request to its data (modeled)
FIFO_LATENCY = 1  # cycles from a write to the token being readable
# Fixed-point designs convert at their edges: a float coordinate to its format (decode, shift, round) and an output
# to a float (magnitude, leading zeros, normalisation, round to nearest even), each stage registered, as the RTL twin
# builds them (inrarch.targets.rtl.hw; test_rtl checks the two agree).
FLOAT_TO_FIXED_LATENCY = 3
FIXED_TO_FLOAT_LATENCY = 4
SRL_MAX_WORDS = 1024  # FIFOs up to this many 32-bit words are built from LUTs (SRL), larger ones from BRAM
LUTRAM_MAX_WORDS = 64  # memory banks up to this many words are bound to LUTRAM, larger ones to BRAM
# Read latency in cycles by storage: BRAM with its output register (the pessimistic choice of Vitis's 1 or 2),
# LUTRAM with a registered output, registers.
READ_LATENCY = {"bram": 2, "lutram": 1, "registers": 0}


def operator(name: str) -> Operator:
    if name.startswith("fx."):
        return fixed_operator(name)
    try:
        return OPERATORS[name]
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


def fixed_operator(name: str) -> Operator:
    """The unit of a fixed-point operator, by the name the hardware facts give it (widths in bits):
    `fx.mul.AxB` (a DSP48E2 multiply, tiled 27 x 18), `fx.add.W` (a LUT adder), `fx.lut.W` (negation, comparison,
    selection, min/max, abs: logic), `fx.div.Q.D` (a LUT divider of a Q-bit dividend by a D-bit divisor, one quotient
    bit per registered stage, between a register of the operands and one of the signed quotient), and
    `fx.table.X.E.T.N.P` (a function table: input X bits, entries and slopes of E bits side by side in one memory of
    2E-bit words, T interpolation-fraction bits, N entries, P = 1 for a periodic table, which first multiplies the input by 1 / (2 pi), 27 bits). A
    table's latency includes its multiplies, its DSP are counted apart (as the `fx.mul` operators they are, which
    the code shares like the body's other multiplies)."""
    from inrarch.dataflow.fixed import FX_ADD_LATENCY, mul_dsp, mul_latency

    parts = name.split(".")
    try:
        kind, args = parts[1], parts[2:]
        if kind == "mul":
            a, b = (int(v) for v in args[0].split("x"))
            return Operator(mul_latency(a, b), mul_dsp(a, b), 0 if mul_dsp(a, b) == 1 else a + b)
        if kind == "add":
            return Operator(FX_ADD_LATENCY, 0, int(args[0]))
        if kind == "lut":
            return Operator(1, 0, int(args[0]))
        if kind == "div":  # Q quotient bits (the dividend's bits), a D-bit divisor: one quotient bit per stage
            q, d = int(args[0]), int(args[1])
            return Operator(q + 2, 0, q * (d + 1) + 2 * q)
        if kind == "table":
            x, e, t, n, periodic = (int(v) for v in args)
            bram, lut = _rom_cost(n, 2 * e)  # entries and slopes side by side: one memory of 2E-bit words
            latency = 1 + READ_LATENCY["bram" if bram else "lutram"] + mul_latency(e, t + 1) + FX_ADD_LATENCY
            if periodic:
                latency += mul_latency(x, 27)
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

    def describe(self) -> str:
        return (
            f"{self.name} ({self.part}): {self.dsp} DSP, {self.bram36} BRAM36, {self.uram} URAM, "
            f"{self.lut // 1000}K LUT, {self.clock_mhz:g} MHz"
        )


TARGETS = {
    "u50": Target("u50", "xcu50-fsvh2104-2-e", dsp=5952, bram36=1344, uram=640, lut=872_000),
    "u280": Target("u280", "xcu280-fsvh2892-2L-e", dsp=9024, bram36=2016, uram=960, lut=1_304_000),
}


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
        base = Target("custom", "custom", dsp=dsp or 0, bram36=bram or 0, uram=uram or 0, lut=10**9)
    return Target(
        base.name if dsp is None and bram is None and uram is None else f"{base.name}-budget",
        base.part,
        dsp if dsp is not None else base.dsp,
        bram if bram is not None else base.bram36,
        uram if uram is not None else base.uram,
        base.lut,
        clock_mhz if clock_mhz is not None else base.clock_mhz,
    )


def operator_table_text() -> str:
    rows = [f"{name:<16} latency {op.latency:>2} cycles, {op.dsp:>2} DSP" for name, op in OPERATORS.items()
            if op.latency or op.dsp]  # fmt: skip
    return "\n".join(rows)
