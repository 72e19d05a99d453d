"""Building blocks of inrarch's RTL (Amaranth): stall-all pipelines, FIFOs, memories, and fixed-point arithmetic
that computes exactly what the printed ap_fixed C++ computes (and `inrarch.analysis.precision.run_fixed` emulates).

Every kernel is one stall-all pipeline: all its registers and memory ports advance together on the kernel's
clock enable `ce`, which is low in a cycle where the iteration issuing in that cycle cannot read a token it needs
(its FIFO is empty) or the iteration at the write stage cannot write one (the FIFO is full). Values are placed in
time by *stages*: stage s of an iteration is the s-th enabled cycle after its issue. A `Timed` value is a signal
that holds, at stage `stage`, the value of the iteration at that stage; `Pipe.at` moves it to a later stage with a
chain of registers (shared by every later use). Operators are registered: a pipeline's depth is the number of
registers its values pass through, not a number read from the hardware model.

Fixed-point values are raw two's-complement integers whose format (`inrarch.analysis.fixed.Fixed`) is known when
the hardware is generated: `round_to` assigns an exact value (an integer with `frac` fractional bits) to a format
as ap_fixed does (AP_RND: floor(x + 1/2 lsb), AP_TRN: floor; AP_WRAP: the low W bits, AP_SAT: clamped).
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Array, Cat, Const, Elaboratable, Module, Mux, Shape, Signal, Value, signed, unsigned
from amaranth.lib.memory import Memory

from inrarch.analysis.fixed import Fixed, mul_dsp

LUT_MEMORY_WORDS = 64  # a memory bank of up to 64 words is built from LUTs: a registered read (1 cycle)
BRAM_READ_STAGES = 2  # a larger bank is a block RAM read with its output register (2 cycles)


def memory_stages(words: int) -> int:
    """Cycles from a memory bank's address to its data: LUT memories register the data once, block RAMs twice."""
    return 1 if words <= LUT_MEMORY_WORDS else BRAM_READ_STAGES


# ---------------------------------------------------------------------------------------------------------------------
# Pipelines
# ---------------------------------------------------------------------------------------------------------------------


class Pipe:
    """The registers of one kernel. The kernel's module is wrapped in `EnableInserter(ce)`, so every register made
    here (and every memory port of the module) advances only in enabled cycles."""

    def __init__(self, m: Module, prefix: str = ""):
        self.m = m
        self.prefix = prefix
        self._chains: dict[int, list[Value]] = {}
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{self.prefix}{hint}_{self._count}"

    def reg(self, value, name: str = "r", shape=None) -> Signal:
        """A register of `value` (one stage later). Single bits (the valid and write flags that travel with an
        iteration) are cleared by reset; wider values are data, which a valid flag qualifies: they have no reset
        (so they map to plain clock-enabled flip-flops and shift-register LUTs, as HLS datapaths do)."""
        value = Value.cast(value)
        shape = shape if shape is not None else value.shape()
        s = Signal(shape, name=self.name(name), reset_less=Shape.cast(shape).width > 1)
        self.m.d.sync += s.eq(value)
        return s

    def delay(self, value, cycles: int, name: str = "d") -> Value:
        """`value` delayed by `cycles` enabled cycles (a chain of registers, shared by every caller)."""
        value = Value.cast(value)
        if cycles == 0 or isinstance(value, Const):
            return value
        if cycles < 0:
            raise ValueError("a value cannot move to an earlier stage")
        chain = self._chains.setdefault(id(value), [value])
        while len(chain) <= cycles:
            chain.append(self.reg(chain[-1], name, value.shape()))
        return chain[cycles]


@dataclass
class Timed:
    """A value at a stage of the pipeline: `value` holds, in each cycle, what the iteration at `stage` computed."""

    value: Value
    stage: int
    fmt: Fixed | None = None  # the format of a fixed-point number (raw bits); None for control bits

    def at(self, pipe: Pipe, stage: int) -> Value:
        return pipe.delay(self.value, stage - self.stage)


# ---------------------------------------------------------------------------------------------------------------------
# Fixed point
# ---------------------------------------------------------------------------------------------------------------------


def round_to(value: Value, frac: int, fmt: Fixed) -> Value:
    """The raw bits of `fmt` for the exact value `value` x 2^-frac (a signed integer), as ap_fixed assigns it."""
    value = Value.cast(value)
    if not value.shape().signed:
        value = Cat(value, Const(0, 1)).as_signed()
    shift = frac - fmt.frac
    if shift <= 0:
        scaled = value << -shift
    elif fmt.rounding == "rnd":
        scaled = (value + (1 << (shift - 1))) >> shift
    else:
        scaled = value >> shift
    return saturate_or_wrap(scaled, fmt)


def saturate_or_wrap(value: Value, fmt: Fixed) -> Value:
    value = Value.cast(value)
    w = fmt.width
    if fmt.overflow == "sat" and len(value) > w:
        hi, lo = (1 << (w - 1)) - 1, -(1 << (w - 1))
        return Mux(value > hi, Const(hi, signed(w)), Mux(value < lo, Const(lo, signed(w)), value[:w].as_signed()))
    if len(value) >= w:
        return value[:w].as_signed()
    return value.as_signed() if value.shape().signed else Cat(value, Const(0, w - len(value))).as_signed()


def const_raw(value: float, fmt: Fixed) -> int:
    """The raw integer of `value` in `fmt` (as the printed code's constants are)."""
    import numpy as np

    q, _ = fmt.quantize(np.asarray(float(value)))
    return int(np.ldexp(float(q), fmt.frac))


def align(value: Value, frac: int, to: int) -> Value:
    """An exact value with `frac` fractional bits as one with `to` >= frac."""
    return Value.cast(value) << (to - frac)


def mul_stages(a_bits: int, b_bits: int) -> int:
    """Registers of a multiply: the DSP48E2's input, multiplier and output registers, and one more to add the
    partial products of a multiply that spans several DSPs (operands beyond its 27 x 18 signed ports)."""
    return 3 + (1 if mul_dsp(a_bits, b_bits) > 1 else 0)


def _port_pieces(v: Value, port: int) -> list[tuple[Value, int]]:
    """A signed operand cut for a signed `port`-bit multiplier input: (piece, its shift), the lower pieces unsigned
    (port - 1 bits), the top one signed (at most port bits), as `inrarch.analysis.fixed._pieces` counts them."""
    if len(v) <= port:
        return [(v, 0)]
    pieces, lo = [], 0
    while len(v) - lo > port:
        pieces.append((v[lo : lo + port - 1], lo))
        lo += port - 1
    return [*pieces, (v[lo:].as_signed(), lo)]


def multiply(pipe: Pipe, a: Value, b: Value, name: str = "mul") -> tuple[Value, int]:
    """a x b (exact), registered as DSP48E2 multiplies: (product, stages). A multiply beyond the 27 x 18 ports is
    built as the tiles `mul_dsp` counts (the orientation needing fewest, each piece product one DSP48E2, their
    shifted sum in the extra stage `mul_stages` counts), so that synthesis maps exactly those DSPs whatever its own
    tiling would be."""
    from inrarch.analysis.fixed import DSP_A, DSP_B, _pieces

    a, b = Value.cast(a), Value.cast(b)
    stages = mul_stages(len(a), len(b))
    ar, br = pipe.reg(a, name + "_a"), pipe.reg(b, name + "_b")
    if stages == 3 or not (a.shape().signed and b.shape().signed):
        p, made = pipe.reg(ar * br, name + "_m"), 2
    else:
        if _pieces(len(a), DSP_A) * _pieces(len(b), DSP_B) > _pieces(len(b), DSP_A) * _pieces(len(a), DSP_B):
            ar, br = br, ar  # the operand on the 27-bit port first
        parts = [(pipe.reg(x * y, name + "_m"), sx + sy) for x, sx in _port_pieces(ar, DSP_A)
                 for y, sy in _port_pieces(br, DSP_B)]  # fmt: skip
        total = parts[0][0] << parts[0][1]
        for part, shift in parts[1:]:
            total = total + (part << shift)
        p, made = pipe.reg(total, name + "_s", signed(len(a) + len(b))), 3
    for _ in range(stages - made):
        p = pipe.reg(p, name + "_p")
    return p, stages


def tree_sum(pipe: Pipe, values: list[Value], width: int, name: str = "tree") -> tuple[Value, int]:
    """The sum of `values` as a balanced tree of registered adds of `width`-bit signed results: (sum, stages)."""
    level = [Value.cast(v) for v in values]
    stages = 0
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(pipe.reg(level[i] + level[i + 1], name, signed(width)))
        if len(level) % 2:
            nxt.append(pipe.reg(level[-1], name, signed(width)))
        level = nxt
        stages += 1
    return level[0], stages


# ---------------------------------------------------------------------------------------------------------------------
# Memories
# ---------------------------------------------------------------------------------------------------------------------


def rom(m: Module, pipe: Pipe, name: str, contents: list[int], shape, addr: Value) -> tuple[Value, int]:
    """A read-only bank: (data of `addr`, stages). LUT banks register the data once, block RAMs twice."""
    contents = list(contents) or [0]
    mem = Memory(shape=shape, depth=len(contents), init=contents)
    m.submodules[pipe.name(name)] = mem
    port = mem.read_port()
    m.d.comb += port.addr.eq(addr)
    stages = memory_stages(len(contents))
    data = port.data
    for _ in range(stages - 1):
        data = pipe.reg(data, name + "_q")
    return data, stages


def wide_rom(m: Module, pipe: Pipe, name: str, lanes: list[list[int]], bits: int, addr: Value) -> tuple[list[Value], int]:
    """Read-only banks that are always read at the same address, as one memory whose word holds every bank's
    word (one read port, as each bank has): (each bank's data, signed `bits` bits, stages)."""
    words = max(len(c) for c in lanes) if lanes else 1
    mask = (1 << bits) - 1
    init = [sum((int(c[w]) & mask) << (i * bits) for i, c in enumerate(lanes) if w < len(c)) for w in range(words)]
    data, stages = rom(m, pipe, name, init, unsigned(bits * len(lanes)), addr)
    return [Value.cast(data)[i * bits : (i + 1) * bits].as_signed() for i in range(len(lanes))], stages


class WideRam:
    """`lanes` banks of one read and one write port each, always read at one address and written at one address
    (each lane with its own write enable): one memory whose word holds every bank's word. A read returns the data
    the memory held before the cycle's write (no bypass)."""

    def __init__(self, m: Module, pipe: Pipe, name: str, lanes: int, bits: int, words: int):
        self.lanes, self.bits = lanes, bits
        self.mem = Memory(shape=unsigned(lanes * bits), depth=max(1, words), init=[])
        m.submodules[pipe.name(name)] = self.mem
        self.rd = self.mem.read_port()
        self.wr = self.mem.write_port(granularity=bits)
        self.stages = memory_stages(words)
        self.pipe, self.name = pipe, name

    def read(self, m: Module, addr: Value) -> list[Value]:
        m.d.comb += self.rd.addr.eq(addr)
        data = self.rd.data
        for _ in range(self.stages - 1):
            data = self.pipe.reg(data, self.name + "_q")
        return [Value.cast(data)[i * self.bits : (i + 1) * self.bits].as_signed() for i in range(self.lanes)]

    def write(self, m: Module, addr: Value, lanes: list[Value], enables: list[Value]) -> None:
        m.d.comb += [self.wr.addr.eq(addr), self.wr.data.eq(Cat(*[Value.cast(v)[: self.bits] for v in lanes])),
                     self.wr.en.eq(Cat(*enables))]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------------
# FIFOs
# ---------------------------------------------------------------------------------------------------------------------


class Fifo(Elaboratable):
    """A FIFO of `depth` tokens of `width` bits: a token written in one cycle can be read from the next; a slot
    freed by a read can be written from the next cycle (no bypass in either direction). `level` is its occupancy."""

    def __init__(self, width: int, depth: int):
        self.width, self.depth = width, depth
        self.w_data = Signal(width)
        self.w_en = Signal()
        self.w_rdy = Signal()
        self.r_data = Signal(width)
        self.r_en = Signal()
        self.r_rdy = Signal()
        self.level = Signal(range(depth + 1))

    def elaborate(self, platform):
        m = Module()
        depth = self.depth
        m.d.comb += [self.w_rdy.eq(self.level != depth), self.r_rdy.eq(self.level != 0)]
        push = self.w_en & self.w_rdy
        pop = self.r_en & self.r_rdy
        with m.If(push & ~pop):
            m.d.sync += self.level.eq(self.level + 1)
        with m.Elif(pop & ~push):
            m.d.sync += self.level.eq(self.level - 1)
        if depth == 1:
            held = Signal(self.width)
            with m.If(push):
                m.d.sync += held.eq(self.w_data)
            m.d.comb += self.r_data.eq(held)
            return m
        mem = Memory(shape=self.width, depth=depth, init=[])
        m.submodules.storage = mem
        wr = mem.write_port()
        rd = mem.read_port(domain="comb")
        w_ptr = Signal(range(depth))
        r_ptr = Signal(range(depth))
        with m.If(push):
            m.d.sync += w_ptr.eq(Mux(w_ptr == depth - 1, 0, w_ptr + 1))
        with m.If(pop):
            m.d.sync += r_ptr.eq(Mux(r_ptr == depth - 1, 0, r_ptr + 1))
        m.d.comb += [wr.addr.eq(w_ptr), wr.data.eq(self.w_data), wr.en.eq(push), rd.addr.eq(r_ptr),
                     self.r_data.eq(rd.data)]  # fmt: skip
        return m


def elements(value: Value, count: int, bits: int) -> list[Value]:
    return [Value.cast(value)[e * bits : (e + 1) * bits].as_signed() for e in range(count)]


def choose(values: list[Value], index: Value) -> Value:
    """values[index] (a multiplexer); values[0] alone needs none."""
    if len(values) == 1:
        return values[0]
    return Array(values)[index]


def counter_step(m: Module, counter: Signal, limit: int, enable: Value) -> Value:
    """Counts 0 .. limit-1 and wraps on `enable`; returns the `counter == limit - 1` condition."""
    last = counter == limit - 1
    with m.If(enable):
        m.d.sync += counter.eq(Mux(last, 0, counter + 1))
    return last


# ---------------------------------------------------------------------------------------------------------------------
# Floating point at the design's edges
# ---------------------------------------------------------------------------------------------------------------------

FLOAT_FIELDS = {32: (8, 23), 64: (11, 52)}  # exponent and fraction bits of binary32 / binary64


FLOAT_TO_FIXED_STAGES = 3  # decode; shift; round and wrap (each registered)
FIXED_TO_FLOAT_STAGES = 4  # magnitude; leading zeros; normalise; round to nearest even (each registered)


def float_to_fixed(pipe: Pipe, word: Value, float_bits: int, fmt: Fixed) -> tuple[Value, int]:
    """An IEEE float (the design's input words) assigned to `fmt` as ap_fixed does: (raw bits, stages). The value
    M x 2^e (M the signed significand) is shifted to fmt's lsb and rounded (AP_RND: floor(x + 1/2), AP_TRN:
    floor), then wrapped or saturated. Infinities and NaNs are outside any format (their result is unspecified,
    as in C-simulation). Three registered stages: decode, shift, round."""
    ebits, mbits = FLOAT_FIELDS[float_bits]
    bias = (1 << (ebits - 1)) - 1
    sign = word[float_bits - 1]
    exp = word[mbits : mbits + ebits]
    normal = exp != 0
    sig = Cat(word[:mbits], normal)  # mbits + 1 bits
    # raw = signed significand x 2^shift, shift = e - bias - mbits + frac (subnormals: e = 1)
    shift = Cat(Mux(normal, exp, 1), Const(0, 1)).as_signed() - (bias + mbits - fmt.frac)
    w = fmt.width
    left_max = w + 1  # shifts of W or more leave no low bits (wrap) or overflow (sat)
    right_max = mbits + 3  # shifts beyond the significand leave 0 or -1 (floor) before rounding
    s_sig = pipe.reg(Mux(sign, -sig, sig), "f2x_sig", signed(mbits + 2))
    s_left = pipe.reg(Mux(shift > left_max, left_max, Mux(shift < 0, 0, shift)), "f2x_left",
                      unsigned(left_max.bit_length()))  # fmt: skip
    s_right = pipe.reg(Mux(shift < -right_max, right_max, Mux(shift > 0, 0, -shift)), "f2x_right",
                       unsigned(right_max.bit_length()))  # fmt: skip
    s_neg = pipe.reg(shift < 0, "f2x_neg")
    # Stage 2: the shift (the right shift keeps one more bit for rounding).
    left = s_sig << s_left
    right = (s_sig << 1) >> s_right
    wide = Mux(s_neg, right, left << 1)  # one fractional bit, for AP_RND's half
    t_wide = pipe.reg(wide, "f2x_wide", signed(len(Value.cast(wide))))
    # Stage 3: round (AP_RND adds half; the spare bit is the half) and wrap or saturate.
    rounded = (t_wide + 1) >> 1 if fmt.rounding == "rnd" else t_wide >> 1
    result = pipe.reg(saturate_or_wrap(rounded, fmt), "f2x_raw", signed(w))
    return result, FLOAT_TO_FIXED_STAGES


def fixed_to_float(pipe: Pipe, raw: Value, fmt: Fixed, float_bits: int) -> tuple[Value, int]:
    """A fixed-point value (raw bits of `fmt`) as an IEEE float, rounded to nearest, ties to even, as the printed
    code converts it (exactly to double, then to the output type): (word, stages). Four registered stages:
    magnitude, leading zeros, normalisation, rounding."""
    ebits, mbits = FLOAT_FIELDS[float_bits]
    bias = (1 << (ebits - 1)) - 1
    w = fmt.width
    if fmt.frac > bias - 1 or w - fmt.frac > bias:
        raise ValueError(f"{fmt} is outside the normal range of a {float_bits}-bit float")
    raw = Value.cast(raw)
    sign = raw[w - 1]
    mag = pipe.reg(Mux(sign, -raw, raw)[:w], "x2f_mag", unsigned(w))  # |raw| fits W unsigned bits
    s1 = pipe.delay(sign, 1)
    lz = Signal(range(w + 1), name=pipe.name("x2f_lzc"))  # leading zeros of mag (W when mag is 0)
    pipe.m.d.comb += lz.eq(w)
    for i in range(w):  # the highest set bit wins (last assignment)
        with pipe.m.If(mag[i]):
            pipe.m.d.comb += lz.eq(w - 1 - i)
    lz1 = pipe.reg(lz, "x2f_lz")
    mag2 = pipe.delay(mag, 1)
    norm = pipe.reg((mag2 << lz1)[:w], "x2f_norm", unsigned(w))  # msb at bit w-1
    lz2 = pipe.delay(lz1, 1)
    s3 = pipe.delay(s1, 2)
    zero = lz2 == w
    keep = mbits + 1  # significand bits with the hidden one
    if w > keep:
        top = norm[w - keep :]
        guard = norm[w - keep - 1]
        sticky = norm[: w - keep - 1].any() if w - keep - 1 > 0 else Const(0, 1)
        rounded = Value.cast(top + (guard & (sticky | top[0])))  # keep + 1 bits: a carry out renormalises
        carry = rounded[keep]
    else:
        rounded = Value.cast(norm << (keep - w))
        carry = Const(0, 1)
    frac_bits = Mux(carry, rounded[1 : mbits + 1], rounded[:mbits])
    exponent = (w - 1 - fmt.frac + bias) - lz2 + carry
    word = Mux(zero, Const(0, float_bits), Cat(frac_bits, exponent[:ebits], s3))
    out = pipe.reg(word, "x2f_word", unsigned(float_bits))
    return out, FIXED_TO_FLOAT_STAGES


__all__ = ["FIXED_TO_FLOAT_STAGES", "FLOAT_TO_FIXED_STAGES", "Fifo", "Pipe", "WideRam", "wide_rom", "Timed", "align", "choose", "const_raw",
           "counter_step", "elements", "fixed_to_float", "float_to_fixed", "memory_stages", "mul_stages",
           "multiply", "rom", "round_to", "saturate_or_wrap", "tree_sum"]  # fmt: skip
