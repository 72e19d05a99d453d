"""One RTL generator per kernel op of the dataflow dialect, each a stall-all pipeline (see `hw`).

Every generator reads what it builds from the op: stream types and formats, a matvec's weights, lanes
(`par_in` x `par_out`) and members, a map's body, `lanes` and `ii` (the cycles over which it shares its
multipliers: a design choice of the op). Nothing is read from the hardware model (`inrarch.targets.hls.facts`):

* the II of a loop follows from what the generator builds: 1, or the cycles a matvec's accumulator needs between
  two visits of one address (its RAM's read stages + the add + the write) over the iterations between them;
* the pipeline depth is the number of registers the results pass through (`Kernel.depth`, the write stage);
* a map with ii > 1 builds ceil(uses x lanes / ii) multipliers of each width pair and schedules every multiply
  of an iteration on one of them (a modulo schedule of the body), so an iteration starts every ii cycles;
* memories have the ports they have: one read port per ROM bank, one read and one write port per RAM bank.

Each generator also records its structure (`ii`, `depth`, DSP multipliers, memory banks) for the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from math import ceil, gcd

import numpy as np
from amaranth.hdl import Array, Cat, Const, Elaboratable, EnableInserter, Module, Mux, Signal, Value, signed, unsigned
from xdsl.dialects import arith

from inrarch import ops
from inrarch.analysis.fixed import Fixed, col_formats
from inrarch.analysis.fixed_body import BodyFormats, divide_numerator, fixed_kind
from inrarch.analysis.fixed_body import table as body_table
from inrarch.analysis.fixed_body import table_multiplies
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import ForkOp, KernelOp, MapOp, MatVecOp, ReadOp, ShuffleOp, WriteOp, YieldOp
from inrarch.evaluator import constant_value
from inrarch.ir_utils import dense_to_numpy
from inrarch.targets.rtl.hw import (
    Pipe,
    Timed,
    WideRam,
    align,
    choose,
    const_raw,
    counter_step,
    elements,
    fixed_to_float,
    float_to_fixed,
    memory_stages,
    mul_stages,
    multiply,
    rom,
    round_to,
    tree_sum,
    wide_rom,
)


@dataclass
class Io:
    """A kernel's end of a stream: the token's bits, `ok` (an input FIFO holds a token / an output FIFO has room)
    and `strobe` (the kernel pops / pushes). Elements of `bits` bits, `width` per token, in format `fmt`."""

    data: Signal
    ok: Signal
    strobe: Signal
    width: int
    bits: int
    fmt: Fixed | None

    def element(self, value: Value, e: int) -> Value:
        return Value.cast(value)[e * self.bits : (e + 1) * self.bits].as_signed()


@dataclass
class Structure:
    """What a generator built: its II, the stage of its stream writes, multipliers and memory banks."""

    ii: int = 1
    depth: int = 0
    multipliers: dict[str, int] = field(default_factory=dict)  # "AxB" -> instances
    memories: list[tuple[str, int, int, int]] = field(default_factory=list)  # (name, banks, words, bits)
    notes: list[str] = field(default_factory=list)


class Kernel(Elaboratable):
    """A kernel op as a stall-all pipeline. Subclasses build their datapath in `build`, which returns the stream
    accesses that stall the pipeline: (input Io, the pop it needs this cycle), (output Io, the push it needs)."""

    def __init__(self, op: KernelOp, name: str, ins: list[Io], outs: list[Io], samples: int):
        self.op, self.name, self.ins, self.outs, self.samples = op, name, ins, outs, samples
        self.structure = Structure()
        self.ce = Signal(name="ce", attrs={"keep": 1})  # one clock enable, fanned out (synthesis keeps it)

    def elaborate(self, platform):
        m = Module()
        pipe = Pipe(m)
        try:
            reads, writes = self.build(m, pipe)
        except BaseException:
            m._MustUse__silence = True  # a kernel refused part-way is not a forgotten one
            raise
        stall = Const(0, 1)
        for io, need in [*reads, *writes]:
            m.d.comb += io.strobe.eq(need & self.ce)
            stall = stall | (need & ~io.ok)
        m.d.comb += self.ce.eq(~stall)
        return EnableInserter(self.ce)(m)

    def build(self, m: Module, pipe: Pipe) -> tuple[list[tuple[Io, Value]], list[tuple[Io, Value]]]:
        raise NotImplementedError

    @staticmethod
    def loop(m: Module, total: int, ii: int) -> tuple[Value, Value]:
        """The loop of `total` iterations, one issued every `ii` enabled cycles: (issue, phase), phase 0 being the
        cycle an iteration issues in."""
        g = Signal(range(total + 1), name="g")
        running = g != total
        if ii > 1:
            phase = Signal(range(ii), name="phase")
            m.d.sync += phase.eq(Mux(phase == ii - 1, 0, phase + 1))
            issue = running & (phase == 0)
        else:
            phase = Const(0, 1)
            issue = running
        with m.If(issue):
            m.d.sync += g.eq(g + 1)
        return issue, phase


# ---------------------------------------------------------------------------------------------------------------------
# read, write, fork
# ---------------------------------------------------------------------------------------------------------------------


class ReadRtl(Kernel):
    """Takes each sample's coordinates from the design's input stream, one float word per cycle, converts each to
    its stream's format and sends them as tokens (a token at its last element)."""

    def __init__(self, op, name, ins, outs, samples, float_bits: int):
        super().__init__(op, name, ins, outs, samples)
        self.float_bits = float_bits

    def build(self, m, pipe):
        (word,), (out,) = self.ins, self.outs
        per_sample = out.width * self.op.output_types()[0].count
        issue, _ = self.loop(m, self.samples * per_sample, 1)
        e = Signal(range(max(2, out.width)), name="e")
        last = counter_step(m, e, out.width, issue)
        raw, stages = float_to_fixed(pipe, word.data, self.float_bits, out.fmt)
        valid = pipe.delay(issue, stages)
        send = pipe.delay(issue & last, stages)
        token = Signal(out.width * out.bits, name="token")
        new = Cat(token[out.bits :], raw) if out.width > 1 else raw
        with m.If(valid):
            m.d.sync += token.eq(new)
        m.d.comb += out.data.eq(new)
        self.structure.depth = stages
        return [(word, issue)], [(out, send)]


class WriteRtl(Kernel):
    """Sends each sample's outputs as float words on the design's output stream, one per cycle: the input streams
    one after another, a token read at its first element."""

    def __init__(self, op, name, ins, outs, samples, float_bits: int):
        super().__init__(op, name, ins, outs, samples)
        self.float_bits = float_bits

    def build(self, m, pipe):
        (word,) = self.outs
        counts = [t.count for t in self.op.input_types()]
        per_sample = sum(c * io.width for c, io in zip(counts, self.ins, strict=True))
        issue, _ = self.loop(m, self.samples * per_sample, 1)
        o = Signal(range(per_sample), name="o")
        counter_step(m, o, per_sample, issue)
        int_bits = max(io.fmt.int_bits for io in self.ins)
        frac = max(io.fmt.frac for io in self.ins)
        common = Fixed(int_bits + frac, int_bits)
        value = Signal(signed(common.width), name="value")
        reads, start = [], 0
        for i, (io, count) in enumerate(zip(self.ins, counts, strict=True)):
            end = start + count * io.width
            active = (o >= start) & (o < end)
            e = Signal(range(max(2, io.width)), name=f"e{i}")
            counter_step(m, e, io.width, issue & active)
            held = Signal(io.width * io.bits, name=f"h{i}")
            current = Mux(e == 0, io.data, held) if io.width > 1 else io.data
            if io.width > 1:
                with m.If(issue & active):
                    m.d.sync += held.eq(current >> io.bits)
            with m.If(active):
                m.d.comb += value.eq(align(io.element(current, 0), io.fmt.frac, frac))
            reads.append((io, issue & active & (e == 0)))
            start = end
        result, stages = fixed_to_float(pipe, value, common, self.float_bits)
        m.d.comb += word.data.eq(result)
        self.structure.depth = stages
        return reads, [(word, pipe.delay(issue, stages))]


class ForkRtl(Kernel):
    """Copies every token to each output stream, one token per cycle, one register later."""

    def build(self, m, pipe):
        (inp,) = self.ins
        issue, _ = self.loop(m, self.samples * self.op.input_types()[0].count, 1)
        token = pipe.reg(inp.data, "token")
        send = pipe.delay(issue, 1)
        for out in self.outs:
            m.d.comb += out.data.eq(token)
        self.structure.depth = 1
        return [(inp, issue)], [(out, send) for out in self.outs]


# ---------------------------------------------------------------------------------------------------------------------
# shuffle
# ---------------------------------------------------------------------------------------------------------------------


class ShuffleRtl(Kernel):
    """Reads a sample's input tokens (the streams one after another, one token per iteration) into registers,
    then writes its output tokens, one per iteration, each element a constant selection (rounded to its output
    stream's format) or a constant; NB sample buffers let the next sample enter while one is sent."""

    def build(self, m, pipe):
        op: ShuffleOp = self.op
        ins, outs = op.input_types(), op.output_types()
        n_reads = sum(t.count for t in ins)
        n_writes = sum(t.count for t in outs)
        steps = max(n_reads, n_writes)
        out_start = n_reads  # a token read in iteration k is in the buffer from iteration k + 1
        depth = 1  # the selected token is registered, then written
        nb = (out_start + n_writes - 1) // steps + 1
        tail = max(0, out_start + n_writes - steps)
        issue, _ = self.loop(m, self.samples * steps + tail, 1)
        # Input side.
        s = Signal(range(self.samples + 1), name="s")
        o = Signal(range(steps), name="o")
        buf_index = Signal(range(max(2, nb)), name="nb")
        taking = issue & (s != self.samples)
        last = counter_step(m, o, steps, issue)
        with m.If(issue & last & (s != self.samples)):
            m.d.sync += s.eq(s + 1)
        counter_step(m, buf_index, nb, issue & last)
        element_fmt: list[Fixed] = []
        token_of: list[tuple[int, int]] = []  # input token k -> (stream, token within the stream)
        for i, t in enumerate(ins):
            element_fmt += [self.ins[i].fmt] * t.elements
            token_of += [(i, k) for k in range(t.count)]
        n_in = len(element_fmt)
        buffers = [[Signal(signed(f.width), name=f"buf{b}_{e}") for e, f in enumerate(element_fmt)] for b in range(nb)]
        reads = []
        for i, io in enumerate(self.ins):
            first = sum(t.count for t in ins[:i])
            active = (o >= first) & (o < first + ins[i].count)
            reads.append((io, taking & active))
        position = 0
        for k, (i, _) in enumerate(token_of):
            io = self.ins[i]
            for b in range(nb):
                with m.If(taking & (o == k) & (buf_index == b)):
                    m.d.sync += [buffers[b][position + e].eq(io.element(io.data, e)) for e in range(io.width)]
            position += io.width
        assert position == n_in
        # Output side.
        wait = Signal(range(out_start + 1), name="wait", init=out_start)
        ws = Signal(range(self.samples + 1), name="ws")
        wo = Signal(range(steps), name="wo")
        wnb = Signal(range(max(2, nb)), name="wnb")
        sending = Signal(name="sending")
        m.d.comb += sending.eq(issue & (wait == 0) & (ws != self.samples) & (wo < n_writes))
        with m.If(issue):
            with m.If(wait != 0):
                m.d.sync += wait.eq(wait - 1)
            with m.Else():
                wlast = wo == steps - 1
                m.d.sync += wo.eq(Mux(wlast, 0, wo + 1))
                with m.If(wlast):
                    m.d.sync += [ws.eq(Mux(ws == self.samples, ws, ws + 1)), wnb.eq(Mux(wnb == nb - 1, 0, wnb + 1))]
        select, fill = op.selection(), op.fill_values() or [0.0] * n_writes
        stream_of = [j for j, t in enumerate(outs) for _ in range(t.count)]
        width = max(t.width for t in outs)
        tokens = []
        elem = 0
        for k, j in enumerate(stream_of):
            io = self.outs[j]
            values = []
            for e in range(io.width):
                src = select[elem + e]
                if src < 0:
                    values.append(Const(const_raw(fill[elem + e], io.fmt), signed(io.bits)))
                else:
                    candidates = [round_to(buffers[b][src], element_fmt[src].frac, io.fmt) for b in range(nb)]
                    values.append(choose(candidates, wnb))
            tokens.append(Cat(*[v[: io.bits] for v in values]))
            elem += io.width
        token = pipe.reg(choose(tokens, wo), "token", unsigned(width * max(io.bits for io in self.outs)))
        sent = pipe.delay(sending, depth)
        sent_to = pipe.delay(wo, depth)
        writes = []
        for j, io in enumerate(self.outs):
            first = sum(t.count for t in outs[:j])
            m.d.comb += io.data.eq(token[: io.width * io.bits])
            writes.append((io, sent & (sent_to >= first) & (sent_to < first + outs[j].count)))
        self.structure.depth = depth
        self.structure.memories.append(("buf", 1, nb * n_in, max(f.width for f in element_fmt)))
        return reads, writes


# ---------------------------------------------------------------------------------------------------------------------
# matvec
# ---------------------------------------------------------------------------------------------------------------------


class MatvecRtl(Kernel):
    """Matrix-vector products with stationary weights shared by G members, par_in x par_out multiply lanes.

    The loop is the printed kernel's (each iteration `inrarch::matvec_iteration`): per sample, for each reduction
    step r (a par_in-feature slice of an input token), each member m, each block jb of par_out columns, one iteration: par_in x par_out
    multiplies (DSP48E2), an adder tree per column, one add into the column's accumulator (a RAM bank per column
    lane, starting from the bias or 0 at r = 0), at the last step a rounding to the output format and a write
    into the row buffer (lcm(par_out, token width) banks); an output phase sends one token per iteration while
    the next sample is computed. The weights are ROM banks (par_in x par_out, one read per iteration each).

    The II is the accumulator's recurrence: the next visit of an accumulator address (G x CB iterations later)
    must read what the previous visit wrote, so II >= (read stages + add + write) / (G x CB)."""

    # The lanes whose weights one ROM bank holds. A bank has one read port, so more than one lane per bank would
    # need more than one read per iteration: the generator refuses such a ROM rather than build one that cannot
    # keep the II (test_rtl builds one deliberately).
    WEIGHT_LANES_PER_BANK = 1

    def build(self, m, pipe):
        op: MatVecOp = self.op
        st = self.structure
        g_n = op.members
        rows, cols = op.shape
        vin, vout = self.ins[0].width, self.outs[0].width
        pi_n, po_n = op.par_in_value, op.par_out_value
        if self.WEIGHT_LANES_PER_BANK != 1:
            raise CompileError(f"{self.name}: its weight banks would serve {self.WEIGHT_LANES_PER_BANK} reads "
                               "per iteration with one port each: the RTL generator does not build such a ROM", op)  # fmt: skip
        slices = vin // pi_n
        rb, cb = rows // pi_n, ceil(cols / po_n)
        compute = rb * g_n * cb
        ot = cols // vout
        nw = g_n * ot
        lcm = po_n * vout // gcd(po_n, vout)
        wq_n, rq_n = lcm // po_n, lcm // vout
        lb = ceil(cb * po_n / lcm)
        wf, accf = Fixed.of(op.weight_format), Fixed.of(op.acc_format)
        yf = self.outs[0].fmt
        bits_x, bits_y = self.ins[0].bits, self.outs[0].bits
        # Stages of an iteration (from its issue).
        w_words = rb * cb
        lat_w = memory_stages(w_words)
        lat_mul = mul_stages(bits_x, wf.width)
        levels = (pi_n - 1).bit_length()
        s_tree = lat_w + lat_mul + levels  # the column sums of the iteration's products
        s_sum = s_tree + 1  # + the accumulator (or bias) registered
        s_y = s_sum + 1  # + the rounding to the output format, registered; the row-buffer write
        acc_words = g_n * cb
        lat_acc = memory_stages(acc_words)
        lat_bias = memory_stages(cb)
        dist = g_n * cb
        ii = 1
        if rb > 1:  # read (lat_acc), add and write before the next visit's read: dist x II >= lat_acc + 2
            ii = max(1, ceil((lat_acc + 2) / dist))
            st.notes.append(f"accumulator: {lat_acc}-stage read + add + write over a distance of {dist} iterations")
        out_delay = ceil((s_y + 1) / ii)  # the sample's last row-buffer write is readable this many iterations on
        out_start = compute - 1 + out_delay
        steps = max(compute, nw)
        nb = (out_start + nw - 1 - (rb - 1) * g_n * cb) // steps + 1
        tail = max(0, out_start + nw - steps)
        row_words = nb * g_n * lb
        lat_row = memory_stages(row_words)
        st.ii, st.depth = ii, lat_row
        st.multipliers[f"{bits_x}x{wf.width}"] = pi_n * po_n
        st.memories += [("W", pi_n * po_n, w_words, wf.width), ("bias", po_n, cb, accf.width),
                        ("rows", lcm, row_words, bits_y)]  # fmt: skip
        if rb > 1:
            st.memories.append(("acc", po_n, acc_words, accf.width))
        st.notes.append(f"out_start {out_start}, {nb} sample buffers")

        issue, _ = self.loop(m, self.samples * steps + tail, ii)

        # Compute-phase counters (the printed kernel's): sample s, iteration o, reduction step r (slice vi), member
        # m, column block jb (row-buffer site wq, word wl); addresses kept as running sums, no multiplier.
        s = Signal(range(self.samples + 1), name="s")
        o = Signal(range(steps), name="o")
        r = Signal(range(max(2, rb + 1)), name="r")
        vi = Signal(range(max(2, slices)), name="vi")
        mm = Signal(range(max(2, g_n)), name="m")
        jb = Signal(range(max(2, cb)), name="jb")
        wq = Signal(range(max(2, wq_n)), name="wq")
        wl = Signal(range(max(2, lb)), name="wl")
        wbase = Signal(range(max(2, (rb + 1) * cb)), name="wbase")  # r * CB
        abase = Signal(range(max(2, g_n * cb)), name="abase")  # m * CB
        mbase = Signal(range(max(2, g_n * lb)), name="mbase")  # m * LB
        nbase = Signal(range(max(2, nb * g_n * lb)), name="nbase")  # (sample buffer) * G * LB
        xsel = Signal(range(max(2, g_n * slices)), name="xsel")  # m * SLICES + vi
        computing = issue & (s != self.samples) & (o < compute)
        with m.If(issue):
            with m.If(jb == cb - 1):
                m.d.sync += [jb.eq(0), wq.eq(0), wl.eq(0)]
                with m.If(mm == g_n - 1):
                    next_vi = Mux(vi == slices - 1, 0, vi + 1)
                    m.d.sync += [mm.eq(0), abase.eq(0), mbase.eq(0), r.eq(Mux(r == rb, r, r + 1)),
                                 wbase.eq(Mux(r == rb, wbase, wbase + cb)), vi.eq(next_vi), xsel.eq(next_vi)]  # fmt: skip
                with m.Else():
                    m.d.sync += [mm.eq(mm + 1), abase.eq(abase + cb), mbase.eq(mbase + lb), xsel.eq(xsel + slices)]
            with m.Else():
                m.d.sync += jb.eq(jb + 1)
                with m.If(wq == wq_n - 1):
                    m.d.sync += [wq.eq(0), wl.eq(wl + 1)]
                with m.Else():
                    m.d.sync += wq.eq(wq + 1)
            with m.If(o == steps - 1):
                m.d.sync += [o.eq(0), r.eq(0), vi.eq(0), mm.eq(0), jb.eq(0), wq.eq(0), wl.eq(0), wbase.eq(0),
                             abase.eq(0), mbase.eq(0), xsel.eq(0), s.eq(Mux(s == self.samples, s, s + 1)),
                             nbase.eq(Mux(nbase == (nb - 1) * g_n * lb, 0, nbase + g_n * lb))]  # fmt: skip
            with m.Else():
                m.d.sync += o.eq(o + 1)

        # Input tokens: a member's token is read at its first iteration of each input token (vi == 0, jb == 0).
        reading = computing & (vi == 0) & (jb == 0)
        token = choose([io.data for io in self.ins], mm)
        held = [[Signal(signed(bits_x), name=f"x{mi}_{k}_{p}") for p in range(pi_n)] for mi in range(g_n)
                for k in range(slices)]  # fmt: skip
        slices_now = [elements(token[k * pi_n * bits_x : (k + 1) * pi_n * bits_x], pi_n, bits_x) for k in range(slices)]
        for mi in range(g_n):
            with m.If(reading & (mm == mi)):
                m.d.sync += [held[mi * slices + k][p].eq(slices_now[k][p]) for k in range(slices) for p in range(pi_n)]
        x_now = [Mux(reading, slices_now[0][p], choose([h[p] for h in held], xsel)) for p in range(pi_n)]

        # Weights: one ROM per output lane q, whose word at r * CB + jb holds W[r * PI + p][jb * PO + q] for every
        # input lane p side by side (the HLS kernel's ARRAY_RESHAPE of the same array).
        weights = np.zeros((rows, cb * po_n))
        weights[:, :cols] = dense_to_numpy(op.weights)
        w_raw = np.ldexp(wf.quantize(weights)[0], wf.frac).astype(np.int64)
        w_lanes = []
        for q in range(po_n):
            lanes_q = [[int(w_raw[rr * pi_n + p, j * po_n + q]) for rr in range(rb) for j in range(cb)]
                       for p in range(pi_n)]  # fmt: skip
            w_lanes += wide_rom(m, pipe, f"W{q}", lanes_q, wf.width, wbase + jb)[0]
        x_w = [pipe.delay(x, lat_w) for x in x_now]
        sums = []
        for q in range(po_n):
            products = [multiply(pipe, x_w[p], w_lanes[q * pi_n + p], f"mul{p}_{q}")[0] for p in range(pi_n)]
            total, _ = tree_sum(pipe, products, accf.width, f"tree{q}")
            sums.append(total)

        # Accumulate: start from the bias (or 0) at r = 0, else the accumulator.
        bias = np.zeros(cb * po_n)
        if op.bias is not None:
            bias[:cols] = dense_to_numpy(op.bias)
        b_raw = np.ldexp(accf.quantize(bias)[0], accf.frac).astype(np.int64)
        bias_on = op.bias_members()
        first = pipe.delay(computing & (r == 0), s_tree)
        final = pipe.delay(computing & (r == rb - 1), s_sum)
        use_bias = pipe.delay(Array([Const(int(b), 1) for b in bias_on])[mm] if g_n > 1 else Const(int(bias_on[0]), 1),
                              s_tree)  # fmt: skip
        acc_addr = abase + jb
        biases, _ = wide_rom(m, pipe, "bias", [[int(b_raw[j * po_n + q]) for j in range(cb)] for q in range(po_n)],
                             accf.width, pipe.delay(jb, s_tree - lat_bias))  # fmt: skip
        starts = [Mux(use_bias, b, 0) for b in biases]
        if rb > 1:
            acc = WideRam(m, pipe, "acc", po_n, accf.width, acc_words)
            previous = acc.read(m, pipe.delay(acc_addr, s_tree - lat_acc))
            starts = [Mux(first, b, a) for b, a in zip(starts, previous, strict=True)]
        accs = [pipe.reg(b + t, f"sum{q}", signed(accf.width)) for q, (b, t) in enumerate(zip(starts, sums, strict=True))]
        if rb > 1:
            keep = pipe.delay(computing, s_sum) & ~final
            acc.write(m, pipe.delay(acc_addr, s_sum), accs, [keep] * po_n)
        ys = [pipe.reg(round_to(a, accf.frac, yf), f"y{q}", signed(bits_y)) for q, a in enumerate(accs)]
        store = pipe.delay(final, 1)
        row_addr = pipe.delay(nbase + mbase + wl, s_y)
        store_q = pipe.delay(wq, s_y)
        row_buffer = WideRam(m, pipe, "rows", lcm, bits_y, row_words)
        row_buffer.write(m, row_addr, [ys[b % po_n] for b in range(lcm)],
                         [store & (store_q == b // po_n) for b in range(lcm)])  # fmt: skip

        # Output phase: sample ws, iteration wo, token (read site rq, word rl), member wm; addresses as running sums.
        wait = Signal(range(out_start + 1), name="wait", init=out_start)
        ws = Signal(range(self.samples + 1), name="ws")
        wo = Signal(range(steps), name="wo")
        rq = Signal(range(max(2, rq_n)), name="rq")
        rl = Signal(range(max(2, lb + 1)), name="rl")
        wm = Signal(range(max(2, g_n)), name="wm")
        wmbase = Signal(range(max(2, g_n * lb)), name="wmbase")  # wm * LB
        wnbase = Signal(range(max(2, nb * g_n * lb)), name="wnbase")  # (sample buffer) * G * LB
        sending = issue & (wait == 0) & (ws != self.samples) & (wo < nw)
        with m.If(issue):
            with m.If(wait != 0):
                m.d.sync += wait.eq(wait - 1)
            with m.Else():
                with m.If(sending):
                    with m.If(wm == g_n - 1):
                        m.d.sync += [wm.eq(0), wmbase.eq(0)]
                        with m.If(rq == rq_n - 1):
                            m.d.sync += [rq.eq(0), rl.eq(rl + 1)]
                        with m.Else():
                            m.d.sync += rq.eq(rq + 1)
                    with m.Else():
                        m.d.sync += [wm.eq(wm + 1), wmbase.eq(wmbase + lb)]
                with m.If(wo == steps - 1):
                    m.d.sync += [wo.eq(0), ws.eq(Mux(ws == self.samples, ws, ws + 1)), rq.eq(0), rl.eq(0), wm.eq(0),
                                 wmbase.eq(0), wnbase.eq(Mux(wnbase == (nb - 1) * g_n * lb, 0, wnbase + g_n * lb))]  # fmt: skip
                with m.Else():
                    m.d.sync += wo.eq(wo + 1)
        data = row_buffer.read(m, wnbase + wmbase + rl)
        site = pipe.delay(rq, lat_row)
        token_out = Cat(*[choose([data[qq * vout + e] for qq in range(rq_n)], site)[:bits_y] for e in range(vout)])
        sent = pipe.delay(sending, lat_row)
        sent_to = pipe.delay(wm, lat_row)
        writes = []
        for j, io in enumerate(self.outs):
            m.d.comb += io.data.eq(token_out)
            writes.append((io, sent & (sent_to == j) if g_n > 1 else sent))
        reads = [(io, reading & (mm == j) if g_n > 1 else reading) for j, io in enumerate(self.ins)]
        return reads, writes


# ---------------------------------------------------------------------------------------------------------------------
# map
# ---------------------------------------------------------------------------------------------------------------------


class Multipliers:
    """The multipliers of a map: at ii = 1 one per multiply; at ii > 1 ceil(uses / ii) per pair of operand widths,
    each serving at most one multiply per phase of the ii-cycle iteration (a modulo reservation table)."""

    def __init__(self, pipe: Pipe, ii: int, uses: dict[tuple[int, int], int]):
        self.pipe, self.ii = pipe, ii
        self.count = {key: ceil(n / ii) for key, n in uses.items()}
        self.busy: dict[tuple[int, int], set[tuple[int, int]]] = defaultdict(set)  # key -> {(instance, slot)}
        self.inputs: dict[tuple[tuple[int, int], int], dict[int, tuple[Value, Value]]] = defaultdict(dict)
        self.outputs: dict[tuple[tuple[int, int], int], tuple[Signal, Signal, Value, int]] = {}
        self.built = 0

    def multiply(self, a: Timed, b: Timed, name: str) -> Timed:
        """a x b (raw integers, exact): the product at its stage."""
        wa, wb = len(Value.cast(a.value)), len(Value.cast(b.value))
        start = max(a.stage, b.stage)
        if self.ii == 1:
            prod, stages = multiply(self.pipe, a.at(self.pipe, start), b.at(self.pipe, start), name)
            self.built += 1
            return Timed(prod, start + stages)
        key = (wa, wb)
        t = start
        while True:
            free = [k for k in range(self.count[key]) if (k, t % self.ii) not in self.busy[key]]
            if free:
                break
            t += 1
        k = free[0]
        self.busy[key].add((k, t % self.ii))
        self.inputs[(key, k)][t % self.ii] = (a.at(self.pipe, t), b.at(self.pipe, t))
        if (key, k) not in self.outputs:
            ia, ib = Signal(signed(wa), name=self.pipe.name(f"mx{wa}x{wb}_{k}_a")), \
                Signal(signed(wb), name=self.pipe.name(f"mx{wa}x{wb}_{k}_b"))  # fmt: skip
            prod, stages = multiply(self.pipe, ia, ib, f"mx{wa}x{wb}_{k}")
            self.outputs[(key, k)] = (ia, ib, prod, stages)
            self.built += 1
        _, _, prod, stages = self.outputs[(key, k)]
        return Timed(prod, t + stages)

    def finish(self, m: Module, phase: Value) -> None:
        """The operand multiplexers of shared multipliers, by phase."""
        for (key, k), (ia, ib, _, _) in self.outputs.items():
            slots = self.inputs[(key, k)]
            a_in = [slots[p][0] if p in slots else Const(0, signed(key[0])) for p in range(self.ii)]
            b_in = [slots[p][1] if p in slots else Const(0, signed(key[1])) for p in range(self.ii)]
            m.d.comb += [ia.eq(choose(a_in, phase)), ib.eq(choose(b_in, phase))]


def _mul_keys(op, formats: BodyFormats) -> list[tuple[int, int]]:
    """The (operand widths) of every multiply one element of a fixed-point body op makes."""
    kind = fixed_kind(op)
    if kind == "mul":
        a, b = (formats.of[v] for v in op.operands)
        return [(a.width, b.width)]
    if kind == "table":  # the multiplies the hardware facts count (table_multiplies), as operand widths
        muls = table_multiplies(body_table(op, formats))
        return [tuple(int(v) for v in mul.split(".")[2].split("x")) for mul in muls]
    return []


class MapRtl(Kernel):
    """An elementwise kernel: `lanes` elements per iteration, one iteration every `ii` cycles, the body's
    multipliers shared over those cycles. Each body op is built from registered operators with ap_fixed's
    semantics: the exact result (add, multiply, divide, table interpolation), then its rounding to the op's
    format in a stage of its own; logic ops (negation, abs, min/max, selection, comparison) in one stage."""

    def build(self, m, pipe):
        op: MapOp = self.op
        st = self.structure
        t = op.stream
        width, lanes, ii = t.width, op.lanes_value, op.sharing_ii
        groups, steps = width // lanes, t.elements // lanes
        st.ii = ii
        issue, phase = self.loop(m, self.samples * steps, ii)
        formats = BodyFormats(op)
        block = op.body.block
        n_in = len(op.inputs)
        q = Signal(range(max(2, groups)), name="q")
        last_group = counter_step(m, q, groups, issue)
        c = Signal(range(max(2, steps)), name="c")
        counter_step(m, c, steps, issue)
        reading = issue & (q == 0) if n_in else Const(0, 1)
        # Inputs: a token is read at its first group and shifted through a register.
        lane_inputs: list[list[Value]] = []
        for i, io in enumerate(self.ins):
            held = Signal(width * io.bits, name=f"a{i}")
            current = Mux(q == 0, io.data, held) if groups > 1 else io.data
            if groups > 1:
                with m.If(issue):
                    m.d.sync += held.eq(current >> (lanes * io.bits))
            lane_inputs.append([io.element(current, p) for p in range(lanes)])
        uses: dict[tuple[int, int], int] = defaultdict(int)
        for body_op in block.ops:
            if not isinstance(body_op, YieldOp | arith.ConstantOp | arith.CmpfOp):
                for key in _mul_keys(body_op, formats):
                    uses[key] += lanes
        muls = Multipliers(pipe, ii, uses)
        formats_of_cols = col_formats(op)
        cols, col_stages = [], 0
        if formats_of_cols:  # the column constants: one bank per constant and lane, all read at the element group c
            bits = max(f.width for f in formats_of_cols)
            banks = []
            for row, f in zip(op.const_rows, formats_of_cols, strict=True):
                raw = np.ldexp(f.quantize(dense_to_numpy(row).astype(np.float64))[0], f.frac).astype(np.int64)
                banks += [[int(raw[step * lanes + p]) for step in range(steps)] for p in range(lanes)]
            cols, col_stages = wide_rom(m, pipe, "cols", banks, bits, c)
            st.memories.append(("cols", len(banks), steps, bits))
        results: list[list[Timed]] = []
        for p in range(lanes):
            env: dict = {}
            for i, arg in enumerate(block.args[:n_in]):
                env[arg] = Timed(lane_inputs[i][p], 0, formats.of[arg])
            for i, f in enumerate(formats_of_cols):
                data = Value.cast(cols[i * lanes + p])[: f.width].as_signed()
                env[block.args[n_in + i]] = Timed(data, col_stages, f)
            for n, body_op in enumerate(block.ops):
                if isinstance(body_op, YieldOp):
                    results.append([env[v] for v in body_op.values])
                    break
                env[body_op.results[0]] = self._op(m, pipe, body_op, [env[v] for v in body_op.operands], formats,
                                                   muls, f"l{p}_v{n}", st, p)  # fmt: skip
        muls.finish(m, phase)
        for j, io in enumerate(self.outs):  # each result rounded to its stream's format (where they differ)
            for p in range(lanes):
                y = results[p][j]
                if y.fmt != io.fmt:
                    results[p][j] = self._round(pipe, y, y.fmt.frac, io.fmt, f"l{p}_out{j}")
        depth = max(r.stage for lane in results for r in lane)
        st.depth = depth
        for key, count in muls.count.items():
            st.multipliers[f"{key[0]}x{key[1]}"] = count if ii > 1 else uses[key]
        # Outputs: the lanes of the last group complete a token.
        valid = pipe.delay(issue, depth)
        send = pipe.delay(issue & last_group, depth)
        writes = []
        for j, io in enumerate(self.outs):
            lane_values = [results[p][j].at(pipe, depth)[: io.bits] for p in range(lanes)]
            if groups > 1:
                held = Signal(width * io.bits, name=f"r{j}")
                new = Cat(held[lanes * io.bits :], *lane_values)
                with m.If(valid):
                    m.d.sync += held.eq(new)
            else:
                new = Cat(*lane_values)
            m.d.comb += io.data.eq(new)
            writes.append((io, send))
        return [(io, reading) for io in self.ins], writes

    def _op(self, m, pipe: Pipe, op, args: list[Timed], formats: BodyFormats, muls: Multipliers, name: str,
            st: Structure, lane: int) -> Timed:  # fmt: skip
        if isinstance(op, arith.ConstantOp):
            f = formats.result(op)
            value = float(np.asarray(constant_value(op.value, op.result.type)).reshape(-1)[0])
            return Timed(Const(const_raw(value, f), signed(f.width)), 0, f)
        start = max(a.stage for a in args)
        vals = [a.at(pipe, start) for a in args]
        if isinstance(op, arith.CmpfOp):
            a, b = args
            frac = max(a.fmt.frac, b.fmt.frac)
            x, y = align(vals[0], a.fmt.frac, frac), align(vals[1], b.fmt.frac, frac)
            symbol = ops.COMPARISONS[ops.PREDICATES[op.predicate.value.data]][1]
            cond = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[symbol]
            return Timed(pipe.reg(cond, name), start + 1, None)
        r = formats.result(op)
        kind = fixed_kind(op)
        if kind == "logic":
            if op.name == "arith.select":
                cond, a, b = args
                value = Mux(vals[0], round_to(vals[1], a.fmt.frac, r), round_to(vals[2], b.fmt.frac, r))
            elif op.name == "arith.negf":
                value = round_to(-vals[0], args[0].fmt.frac, r)
            elif op.name == "math.absf":
                value = round_to(Mux(vals[0] < 0, -vals[0], vals[0]), args[0].fmt.frac, r)
            elif op.name in ("arith.maximumf", "arith.minimumf"):
                a, b = args
                frac = max(a.fmt.frac, b.fmt.frac)
                x, y = align(vals[0], a.fmt.frac, frac), align(vals[1], b.fmt.frac, frac)
                pick_x = x > y if op.name == "arith.maximumf" else x < y
                value = round_to(Mux(pick_x, x, y), frac, r)
            else:
                raise CompileError(f"the RTL generator has no fixed-point logic for {op.name}", op)
            return Timed(pipe.reg(value, name, signed(r.width)), start + 1, r)
        if kind in ("add", "sub"):
            a, b = args
            frac = max(a.fmt.frac, b.fmt.frac)
            x, y = align(vals[0], a.fmt.frac, frac), align(vals[1], b.fmt.frac, frac)
            exact = Timed(pipe.reg(x + y if kind == "add" else x - y, name + "_x"), start + 1)
            return self._round(pipe, exact, frac, r, name)
        if kind == "mul":
            a, b = args
            prod = muls.multiply(a, b, name)
            return self._round(pipe, prod, a.fmt.frac + b.fmt.frac, r, name)
        if kind == "div":
            return self._divide(pipe, args, r, name)
        if kind == "table":
            return self._table(m, pipe, op, args[0], formats, muls, r, name, st, lane)
        raise CompileError(f"the RTL generator has no fixed-point form {kind} for {op.name}", op)

    @staticmethod
    def _round(pipe: Pipe, exact: Timed, frac: int, r: Fixed, name: str) -> Timed:
        return Timed(pipe.reg(round_to(exact.value, frac, r), name + "_r", signed(r.width)), exact.stage + 1, r)

    def _divide(self, pipe: Pipe, args: list[Timed], r: Fixed, name: str) -> Timed:
        """ap_fixed's quotient: the dividend in `divide_numerator`'s format (truncated), divided by the divisor,
        truncated toward zero, then rounded to r. A restoring divider, one quotient bit per registered stage."""
        a, b = args
        n = divide_numerator(a.fmt, r)
        start = max(a.stage, b.stage)
        num = round_to(a.at(pipe, start), a.fmt.frac, n)  # trn, wrap: n's modes
        den = b.at(pipe, start)
        dividend = Mux(num < 0, -num, num)[: n.width] << b.fmt.frac
        nbits = n.width + b.fmt.frac
        divisor = Mux(den < 0, -den, den)[: b.fmt.width]
        negative = num[n.width - 1] ^ den[b.fmt.width - 1]
        rem = Const(0, b.fmt.width + 1)
        quotient = Const(0, 1)
        work = pipe.reg(Value.cast(dividend)[:nbits], name + "_n", unsigned(nbits))
        dv = pipe.reg(divisor, name + "_d", unsigned(b.fmt.width))
        neg = pipe.reg(negative, name + "_s")
        stage = start + 1
        rem_sig = pipe.reg(rem, name + "_rem", unsigned(b.fmt.width + 1))
        q_sig = pipe.reg(quotient, name + "_q", unsigned(1))
        for i in reversed(range(nbits)):
            trial = Cat(work[i], rem_sig)  # rem * 2 + next bit
            fits = trial >= dv
            new_rem = Mux(fits, trial - dv, trial)
            rem_sig = pipe.reg(new_rem, name + "_rem", unsigned(b.fmt.width + 1))
            q_sig = pipe.reg(Cat(fits, q_sig), name + "_q", unsigned(len(q_sig) + 1))
            work = pipe.reg(work, name + "_n")
            dv = pipe.reg(dv, name + "_d")
            neg = pipe.reg(neg, name + "_s")
            stage += 1
        magnitude = Cat(q_sig, Const(0, 1)).as_signed()
        signed_q = pipe.reg(Mux(neg, -magnitude, magnitude), name + "_quot")
        stage += 1
        return self._round(pipe, Timed(signed_q, stage), n.frac, r, name)

    def _table(self, m, pipe: Pipe, op, x: Timed, formats: BodyFormats, muls: Multipliers, r: Fixed, name: str,
               st: Structure, lane: int) -> Timed:  # fmt: skip
        """The printed tables (`inrarch::table_periodic` / `table_fn`, `inrarch.analysis.fixed.Table`): index and
        fraction from the input's bits (periodic: from the phase x / 2 pi, mirrored and negated by quadrant), the
        segment's polynomial, rounded to r."""
        t = body_table(op, formats)
        coefs = t.raw_coefficients()
        e, f = t.entry, t.frac_bits
        t1, t2 = t.t_bits[0], (t.t_bits[1] if t.order == 2 else 0)
        negate = None
        if t.periodic:
            pb = t.phase_bits
            inv = Timed(Const(t.inv_raw(), signed(t.inv.width)), x.stage)
            prod = muls.multiply(x, inv, name + "_ph")
            shift = t.x.frac + t.inv.frac - pb  # phase = floor(x / 2 pi * 2^pb) mod 2^pb
            raw = (Value.cast(prod.value) >> shift)[:pb]
            quadrant = (raw[pb - 2 :] + t.quadrant)[:2]
            position = Mux(quadrant[0], ~raw[: pb - 2], raw[: pb - 2])  # mirrored in odd quadrants
            phase = Timed(pipe.reg(position, name + "_u", unsigned(pb - 2)), prod.stage + 1)
            negate = Timed(pipe.reg(quadrant[1], name + "_neg"), prod.stage + 1)
        else:
            lo_raw = int(round(t.lo * 2.0**t.x.frac))
            top = (t.n << f) - 1
            u = x.at(pipe, x.stage) - lo_raw
            clamped = Mux(u < 0, 0, Mux(u > top, top, u))
            width = max(1, top.bit_length())
            phase = Timed(pipe.reg(clamped[:width], name + "_u", unsigned(width)), x.stage + 1)
        bits = Value.cast(phase.value)
        index = bits[f : f + max(1, (t.n - 1).bit_length())] if t.n > 1 else Const(0, 1)
        widths = [e.width, *t.coef_bits]
        offsets = [sum(widths[:j]) for j in range(len(widths))]
        words = [sum((int(c[w]) & ((1 << b) - 1)) << o for c, b, o in zip(coefs, widths, offsets, strict=True))
                 for w in range(t.n)]  # fmt: skip
        data, stages = rom(m, pipe, name + "_tab", words, unsigned(sum(widths)), index)
        fields = [Value.cast(data)[o : o + b].as_signed() for b, o in zip(widths, offsets, strict=True)]
        if lane == 0:
            st.memories.append((f"{op.name}:{name.split('_', 1)[1]}", 1, t.n, sum(widths)))
        at = phase.stage + stages

        def fraction(b: int) -> Timed:  # the top b bits of the fraction, as a signed multiplier operand
            return Timed(Cat(bits[f - b : f], Const(0, 1)).as_signed(), phase.stage)

        inner = Timed(fields[1], at)
        if t.order == 2:
            p2 = muls.multiply(Timed(fields[2], at), Timed(fraction(t2).at(pipe, at), at), name + "_c2")
            exact = (align(inner.at(pipe, p2.stage), 0, t2) + p2.value) >> t2  # floor to c0's fractional bits
            inner = Timed(pipe.reg(Value.cast(exact)[: t.inner_bits].as_signed(), name + "_in"), p2.stage + 1)
        step = muls.multiply(inner, Timed(fraction(t1).at(pipe, inner.stage), inner.stage), name + "_sl")
        total = align(Timed(fields[0], at).at(pipe, step.stage), e.frac, e.frac + t1) + step.value
        if negate is not None:
            total = Mux(negate.at(pipe, step.stage), -total, total)
        return self._round(pipe, Timed(pipe.reg(total, name + "_sum"), step.stage + 1), e.frac + t1, r, name)


GENERATORS = {ReadOp: ReadRtl, WriteOp: WriteRtl, ForkOp: ForkRtl, ShuffleOp: ShuffleRtl, MatVecOp: MatvecRtl,
              MapOp: MapRtl}  # fmt: skip

__all__ = ["GENERATORS", "Io", "Kernel", "Structure"]
