"""Hardware facts of the kernels inrarch prints: the one source of every II, pipeline depth, schedule and resource
figure.

Each function below describes one kernel of the kernel library (`inrarch/targets/hls/lib/inrarch/kernels.h`) or one kernel the
HLS printer writes, for the parameters the printer prints. It says

* the loop the code runs: iterations per sample (`steps`), at which iterations it reads and writes its streams
  (`reads`, `writes`, the same offsets the cycle model, the FIFO sizing and the timed C-simulation use), and the
  iterations a loop runs after its last sample (`tail`);
* its initiation interval and what bounds it: loop-carried recurrences (cycles of the dependence cycle against the
  dependence distance in iterations, which the printed code states with `#pragma HLS DEPENDENCE ... distance`),
  memory ports (accesses per bank per iteration against the ports of the memory type the code binds with
  `BIND_STORAGE`), and operator sharing (instances the code limits with `#pragma HLS ALLOCATION`);
* its pipeline depth: the cycle, counted from an iteration's issue, at which its stream writes happen; the writes
  of iteration i are modeled as accesses of iteration i + ceil(depth / II) (`write_lag`) of a stall-all pipeline;
* its operator instances (every unrolled operator is an instance, shared only where the code says so) and its
  memories, hence DSP, BRAM18, LUT and FF.

Everything follows from documented Vitis HLS behaviour for the code the printer writes (no reassociation of
floating-point additions: the code writes its adder trees; two ports per BRAM: the code banks every array to the
accesses one iteration makes and binds its storage explicitly; ALLOCATION bounds instances), with the operator
latencies and costs of `inrarch.targets.hardware`. Where Vitis's choice is uncertain the pessimistic value is modeled
(BRAM read latency 2; the pipeline depth of a shared body is bounded by its critical path plus II - 1 cycles per
operator on its longest chain). All figures are modeled, none measured. LUT and FF counts are rough estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from math import ceil, gcd

from xdsl.ir import Dialect, SSAValue

from inrarch.analysis.fixed_body import BodyFormats, is_fixed_body, units
from inrarch.diagnostics import CompileError
from inrarch.ir_utils import op_type_registrar
from inrarch.dialects.dataflow import ForkOp, GraphOp, KernelOp, MapOp, MatVecOp, ReadOp, ShuffleOp, WriteOp
from inrarch.targets.hardware import (
    bram18_for,
    conversion_latency,
    FIFO_LATENCY,
    LUTRAM_MAX_WORDS,
    memory_read_latency,
    REFERENCE_MHZ,
    SRL_MAX_WORDS,
    logic_latency,
    operator,
    read_latency,
)

# ---------------------------------------------------------------------------------------------------------------------
# Memories, recurrences, loop II
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    """An array of a kernel as the printed code banks and binds it.

    `kind`: `rom` (one read port, `rom_1p`), `ram` (one read and one write port, `ram_s2p`), `ram2p` (two ports
    that each read or write, `ram_t2p`), or `registers` (completely partitioned: any number of accesses). `impl`: `bram`, `lutram` or `registers`. `reads` and
    `writes` count the accesses one iteration makes to one bank (at most)."""

    name: str
    kind: str
    impl: str
    banks: int
    words: int  # per bank
    bits: int
    reads: int = 1
    writes: int = 0

    @property
    def read_latency(self) -> int:
        return read_latency(self.impl)

    def port_ii(self) -> int:
        """Cycles per iteration its ports need: a ROM bank serves one read per cycle; a RAM bank one read and
        one write; registers any number."""
        if self.kind == "registers":
            return 1
        if self.kind == "rom":
            return max(1, self.reads)
        if self.kind == "ram2p":
            return max(1, ceil((self.reads + self.writes) / 2))
        return max(1, self.reads, self.writes)

    @property
    def bram18(self) -> int:
        if self.impl != "bram":
            return 0
        return self.banks * bram18_for(self.words, self.bits)

    @property
    def lut(self) -> int:
        if self.impl == "lutram":  # a LUT6 holds 64 x 1 bits as RAM (ROM: 64 x 1 as logic)
            return self.banks * ceil(self.words / 64) * self.bits
        return 0

    @property
    def ff(self) -> int:
        return self.banks * self.words * self.bits if self.impl == "registers" else 0


def memory(name: str, kind: str, banks: int, words: int, bits: int, reads: int = 1, writes: int = 0) -> Memory:
    """A memory bound to LUTRAM when a bank holds at most LUTRAM_MAX_WORDS words, to BRAM otherwise."""
    impl = "registers" if kind == "registers" else ("lutram" if words <= LUTRAM_MAX_WORDS else "bram")
    return Memory(name, kind, impl, banks, max(1, words), bits, reads, writes)


@dataclass(frozen=True)
class Recurrence:
    """A loop-carried dependence cycle: `cycles` from the read of a value to the write the next read of it needs,
    revisited every `distance` iterations. It allows an II of ceil((cycles + SLACK) / distance): one cycle of
    slack beyond the modeled latencies, for a register Vitis may add."""

    what: str
    cycles: int
    distance: int

    @property
    def ii(self) -> int:
        return max(1, ceil((self.cycles + SLACK) / self.distance))


SLACK = 1  # cycles of slack on every recurrence and on every store-to-load distance the code relies on


def loop_ii(recurrences: Sequence[Recurrence] = (), memories: Sequence[Memory] = (), sharing: int = 1,
            stream_accesses: int = 1) -> tuple[int, str]:  # fmt: skip
    """The II a pipelined loop reaches and what sets it: the largest of its recurrences, its memory ports, the
    cycles its shared operators need per iteration, and its accesses per stream per iteration (a FIFO takes one
    read and one write per cycle)."""
    bounds: list[tuple[int, str]] = [(1, "one iteration per cycle")]
    for r in recurrences:
        relation = "within" if r.ii == 1 else "over"
        bounds.append((r.ii, f"{r.what} recurrence of {r.cycles} cycles (+{SLACK} of slack) {relation} a distance of "
                             f"{r.distance} iterations"))
    for m in memories:
        if m.port_ii() > 1:
            bounds.append((m.port_ii(), f"ports of {m.name}: {m.reads} reads and {m.writes} writes per bank and iteration"))
    if sharing > 1:
        bounds.append((sharing, f"operator sharing: each shared operator serves up to {sharing} operations"))
    if stream_accesses > 1:
        bounds.append((stream_accesses, f"{stream_accesses} accesses to one stream per iteration"))
    ii = max(b[0] for b in bounds)
    reasons = [text for value, text in bounds if value == ii]
    return ii, reasons[-1]


def serial_accumulation(products: int, distance: int, acc_read: int, clock_mhz: float = REFERENCE_MHZ) -> Recurrence:
    """The recurrence of `acc += p_0; acc += p_1; ...` (one chain of fadds through the accumulator, as Vitis
    builds it without reassociation): read, `products` adds, write."""
    add = operator("arith.addf", clock_mhz).latency
    return Recurrence("serial accumulation", acc_read + products * add + 1, distance)


def tree_accumulation(distance: int, acc_read: int, add: str = "arith.addf",
                      clock_mhz: float = REFERENCE_MHZ) -> Recurrence:  # fmt: skip
    """The recurrence of `acc = acc + tree(p_0 .. p_k)` with an explicit adder tree: read, one add, write."""
    return Recurrence("accumulator", acc_read + operator(add, clock_mhz).latency + 1, distance)


@dataclass(frozen=True)
class MacFormat:
    """The numbers of a fixed-point matvec, in bits: input elements, weights, the accumulator (every product
    exact, the sum bounded: no rounding, no overflow inside) and output elements."""

    x: int
    w: int
    acc: int
    y: int

    @property
    def operators(self) -> tuple[str, str]:
        return f"fx.mul.{self.x}x{self.w}", f"fx.add.{self.acc}"


# ---------------------------------------------------------------------------------------------------------------------
# Kernel facts
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelFacts:
    kind: str
    ii: int
    ii_bound: str
    depth: int  # cycles from an iteration's issue to its stream writes
    steps: int  # loop iterations per sample
    reads: list[list[int]]  # per input stream: iteration offsets (within a sample) of its token reads
    writes: list[list[int]]  # per output stream: offsets of its token writes (write lag included)
    tail: int = 0  # iterations the loop runs after its last sample's `steps`
    operators: Mapping[str, int] = field(default_factory=dict)  # instances in the printed code
    memories: tuple[Memory, ...] = ()
    recurrences: tuple[Recurrence, ...] = ()
    extra_lut: int = 0
    extra_ff: int = 0
    params: Mapping[str, int] = field(default_factory=dict)  # derived constants the printer prints
    clock_mhz: float = REFERENCE_MHZ  # the clock its latencies are counted at
    compute_depth: int | None = None  # cycles from an iteration's issue to its result (None: `depth`)

    @property
    def full_depth(self) -> int:
        """Cycles from an iteration's issue to its computed result: the whole multiply-add pipeline of a matvec
        (whose stream writes, `depth`, come from a row buffer after it), the stream-write depth of other kernels."""
        return self.depth if self.compute_depth is None else self.compute_depth

    @property
    def write_lag(self) -> int:
        """Iterations from an iteration's issue to its stream writes."""
        return ceil(self.depth / self.ii)

    @property
    def dsp(self) -> int:
        return sum(operator(name).dsp * n for name, n in self.operators.items())

    @property
    def bram18(self) -> int:
        return sum(m.bram18 for m in self.memories) + sum(operator(name).bram18 * n for name, n in self.operators.items())

    @property
    def lut(self) -> int:
        return sum(operator(name).lut * n for name, n in self.operators.items()) + sum(m.lut for m in self.memories) \
            + self.extra_lut  # fmt: skip

    @property
    def ff(self) -> int:
        pipeline = sum(operator(name, self.clock_mhz).ff * n for name, n in self.operators.items())
        return pipeline + sum(m.ff for m in self.memories) + self.extra_ff

    def summary(self) -> str:
        return (f"II {self.ii} ({self.ii_bound}); depth {self.full_depth} cycles at {self.clock_mhz:g} MHz; "
                f"{self.dsp} DSP, {self.bram18} BRAM18, ~{self.lut} LUT, ~{self.ff} FF")  # fmt: skip


def _pow2_levels(n: int) -> int:
    return (n - 1).bit_length()


def _shared(count: int, lanes: int, ii: int) -> int:
    """Instances of an operator used `count` times per element on `lanes` lanes, shared over `ii` cycles."""
    return ceil(count * lanes / ii)


MAX_PAR_IN = 64  # input lanes of one matvec: one adder tree per output lane over at most this many products


def par_in_choices(rows: int) -> list[int]:
    """The input lane counts a matvec of `rows` rows may take: the divisors of its rows up to MAX_PAR_IN (each
    input token is cut into slices of par_in elements, so par_in divides the rows; the adder tree takes any
    count)."""
    return [d for d in range(1, min(rows, MAX_PAR_IN) + 1) if rows % d == 0]


def matvec_loop(members: int, rows: int, cols: int, par_in: int, par_out: int, bits: int = 32,
                mac: MacFormat | None = None, clock_mhz: float = REFERENCE_MHZ) -> tuple[int, int]:  # fmt: skip
    """(II, compute iterations per sample) of a matvec with these lanes: the II its accumulator recurrence allows
    (1 when a sample takes a single reduction step)."""
    rb, cb = rows // par_in, ceil(cols / par_out)
    ii = 1
    if rb > 1:
        acc = memory("acc", "ram", par_out, members * cb, mac.acc if mac else bits, reads=1, writes=1)
        ii = tree_accumulation(members * cb, acc.read_latency, lane_operators(mac)[1], clock_mhz).ii
    return ii, rb * members * cb


MATVEC_LANE_OPERATORS = ("arith.mulf", "arith.addf")  # per lane: a multiply, and an add of the tree or accumulator


def lane_operators(mac: MacFormat | None) -> tuple[str, str]:
    """The multiply and the add of one matvec lane (floating point, or fixed point of these widths)."""
    return mac.operators if mac is not None else MATVEC_LANE_OPERATORS


def mac_dsp(mac: MacFormat | None = None) -> int:
    """DSP of one multiply-add lane."""
    return sum(operator(name).dsp for name in lane_operators(mac))


def matvec_dsp(par_in: int, par_out: int, ii: int, mac: MacFormat | None = None) -> int:
    return sum(operator(name).dsp * _shared(1, par_in * par_out, ii) for name in lane_operators(mac))


def matvec_facts(members: int, rows: int, cols: int, vin: int, vout: int, par_in: int, par_out: int,
                 bits: int = 32, mac: MacFormat | None = None, clock_mhz: float = REFERENCE_MHZ) -> KernelFacts:  # fmt: skip
    """The printed matvec loop (each iteration `inrarch::matvec_iteration`): per sample, for each input token (vin
    features), each of its par_in-feature slices, each member, each block of par_out output columns, one iteration of par_in x par_out multiply-adds: an explicit
    adder tree over the par_in products of a column, then one add into that column's accumulator (initialised
    with the bias or 0 at the first slice). A member's finished columns go, at its last slice, into a row buffer
    banked lcm(par_out, vout) ways; the output phase sends one token of vout columns per iteration (output token
    major, member minor), `out_delay` iterations after the sample's last compute iteration, while the next
    sample is computed. In fixed point (`mac`) the multiplies are DSP48E2 multiplies of its widths, the adds LUT
    adders of the accumulator's width."""
    mul_op, add_op = lane_operators(mac)
    w_bits, acc_bits, y_bits = (mac.w, mac.acc, mac.y) if mac else (bits, bits, bits)
    g = members
    slices = vin // par_in
    rb = rows // par_in  # reduction steps (row blocks of par_in)
    cb = ceil(cols / par_out)
    compute = rb * g * cb
    ot = cols // vout
    nw = g * ot
    lanes = par_in * par_out
    # The weights: one bank per output lane, its word the par_in weights an iteration reads side by side
    # (ARRAY_RESHAPE), so that a block RAM's 36-bit shapes hold two 18-bit weights a word.
    w = memory("W", "rom", par_out, rb * cb, par_in * w_bits)
    bias = memory("bias", "rom", par_out, cb, acc_bits)
    mems = [w, bias]
    recurrences = []
    if rb > 1:
        acc = memory("acc", "ram", par_out, g * cb, acc_bits, reads=1, writes=1)
        mems.append(acc)
        recurrences.append(tree_accumulation(g * cb, acc.read_latency, add_op, clock_mhz))
    lcm = par_out * vout // gcd(par_out, vout)
    words_per_bank_row = ceil(cb * par_out / lcm)
    ii, bound = loop_ii(recurrences, mems)
    fadd, fmul = operator(add_op, clock_mhz).latency, operator(mul_op, clock_mhz).latency
    levels = _pow2_levels(par_in)
    chain = 2 + levels  # fmul, tree adds, accumulate
    rounding = logic_latency(1, clock_mhz) if mac else 0  # fixed point: the finished sum rounded, a stage of its own
    mac_depth = w.read_latency + fmul + levels * fadd + fadd + rounding + 1 + (ii - 1) * chain
    out_delay = ceil((mac_depth + SLACK) / ii)  # iterations from the last compute iteration to the first row read
    out_start = compute - 1 + out_delay
    steps = max(compute, nw)
    nb = (out_start + nw - 1 - (rb - 1) * g * cb) // steps + 1
    rowbuf = memory("rows", "ram", lcm, nb * g * words_per_bank_row, y_bits, reads=1, writes=1)
    mems.append(rowbuf)
    ii2, bound2 = loop_ii(recurrences, mems)
    assert ii2 == ii, (ii2, bound2)
    depth = rowbuf.read_latency + 1  # the row buffer's read, then the stream write
    lag = ceil(depth / ii)
    reads = [[((ib * slices) * g + m) * cb for ib in range(rows // vin)] for m in range(g)]
    writes = [[out_start + o * g + m + lag for o in range(ot)] for m in range(g)]
    tail = max(0, out_start + nw - steps)
    assert (ii, compute) == matvec_loop(g, rows, cols, par_in, par_out, bits, mac, clock_mhz)
    operators = {name: _shared(1, lanes, ii) for name in (mul_op, add_op)}
    # Registers: the members' input tokens; muxes: g*slices-to-1 per lane input, lcm/vout-to-1 per output element.
    extra_lut = par_in * bits * max(0, g * slices - 1) // 4 + vout * y_bits * max(0, lcm // vout - 1) // 4
    extra_ff = g * vin * bits + vout * y_bits
    params = {"G": g, "ROWS": rows, "COLS": cols, "VIN": vin, "VOUT": vout, "PI": par_in, "PO": par_out,
              "II": ii, "CB": cb, "RB": rb, "SLICES": slices, "COMPUTE": compute, "OT": ot, "NW": nw, "STEPS": steps,
              "OUT_START": out_start, "OUT_DELAY": out_delay, "NB": nb, "L": lcm, "LB": words_per_bank_row,
              "TAIL": tail, "LAG": lag, "ACC_DIST": g * cb}  # fmt: skip
    return KernelFacts("matvec", ii, bound, depth, steps, reads, writes, tail, operators, tuple(mems),
                       tuple(recurrences), extra_lut, extra_ff, params, clock_mhz, mac_depth)  # fmt: skip


@dataclass(frozen=True)
class BodyShape:
    """What the facts need of a map body: operations per element by operator name, the critical path in cycles
    (column constants arriving after a ROM read), and the most operators on one path."""

    counts: Mapping[str, int]
    critical_path: int
    chain_ops: int


LUT_ONLY = ("arith.negf", "arith.cmpf", "arith.select", "math.absf", "arith.maximumf", "arith.minimumf",
            "arith.constant")  # fmt: skip


def unshared(name: str) -> bool:
    """Operators the printed code does not limit with ALLOCATION (logic, and fixed-point adders, dividers and
    function tables): counted once per use and lane."""
    return name in LUT_ONLY or (name.startswith("fx.") and not name.startswith("fx.mul."))


def map_operators(counts: Mapping[str, int], lanes: int, ii: int) -> dict[str, int]:
    """Operator instances of a map body on `lanes` lanes: every DSP operator shared over `ii` cycles (the code
    limits them with ALLOCATION), LUT-only operators unshared."""
    return {name: count * lanes if unshared(name) or ii == 1 else _shared(count, lanes, ii)
            for name, count in counts.items()}  # fmt: skip


def map_facts(body: BodyShape, elements: int, width: int, lanes: int, ii: int, n_in: int, n_out: int,
              n_cols: int, bits: int = 32, clock_mhz: float = REFERENCE_MHZ) -> KernelFacts:  # fmt: skip
    """A printed `dataflow.map`: each iteration takes `lanes` consecutive elements of every input stream (a token
    of `width` elements is read at its first group and shifted through a register), computes the body on each
    lane, and writes the result token at its last group; `ii` cycles per iteration. With ii > 1 the code limits
    every DSP operator to ceil(operations x lanes / ii) instances (ALLOCATION): the body is acyclic, so a modulo
    schedule at that II exists; its depth is bounded by the critical path plus ii - 1 cycles per operator on the
    longest chain."""
    groups = width // lanes
    tokens = elements // width
    steps = elements // lanes
    operators = map_operators(body.counts, lanes, ii)
    mems = tuple(memory(f"col{i}", "rom", lanes, steps, bits) for i in range(n_cols))
    col_latency = mems[0].read_latency if mems else 0
    depth = body.critical_path + col_latency + 1 + (ii - 1) * body.chain_ops
    lag = ceil(depth / ii)
    reads = [[t * groups for t in range(tokens)] for _ in range(n_in)]
    writes = [[t * groups + groups - 1 + lag for t in range(tokens)] for _ in range(n_out)]
    bound_ii, bound = loop_ii((), mems, ii)
    assert bound_ii == ii
    extra_ff = (n_in + n_out) * width * bits
    extra_lut = (n_in + n_out) * (width - lanes) * bits // 4 if groups > 1 else 0  # shift-register muxes
    params = {"E": elements, "W": width, "P": lanes, "Q": groups, "R": tokens, "STEPS": steps, "II": ii, "LAG": lag}
    return KernelFacts("map", ii, bound, depth, steps, reads, writes, 0, operators, mems, (), extra_lut, extra_ff, params,
                       clock_mhz)  # fmt: skip


def fork_facts(tokens: int, outputs: int, width: int, bits: int = 32) -> KernelFacts:
    """A fork: one token per iteration, read, then written to every output stream one cycle later."""
    depth = 1
    return KernelFacts("fork", 1, loop_ii()[1], depth, tokens, [list(range(tokens))],
                       [[k + depth for k in range(tokens)] for _ in range(outputs)], 0, {}, (), (), 0,
                       width * bits, {"STEPS": tokens, "LAG": depth})  # fmt: skip


def read_facts(elements: int, width: int, bits: int = 32, fixed: bool = False,
               clock_mhz: float = REFERENCE_MHZ) -> KernelFacts:  # fmt: skip
    """Reads a sample's `elements` coordinates from memory, one word per cycle (a 32-bit m_axi port), and sends
    them as tokens of `width`; the data arrives MEMORY_READ_LATENCY cycles after the request, and is registered
    (floating point) or converted to its fixed-point format in FLOAT_TO_FIXED_LATENCY registered stages (decode,
    shift, round: what the RTL twin builds) before the stream write."""
    depth = memory_read_latency(clock_mhz) + (conversion_latency(True, clock_mhz) if fixed else 1)
    tokens = elements // width
    writes = [[t * width + width - 1 + depth for t in range(tokens)]]
    return KernelFacts("read", 1, "1 (one m_axi word per cycle)", depth, elements, [], writes, 0, {}, (), (), 0,
                       width * bits, {"STEPS": elements, "LAG": depth}, clock_mhz)  # fmt: skip


def write_facts(counts: Sequence[int], widths: Sequence[int], bits: int = 32, fixed: bool = False,
                clock_mhz: float = REFERENCE_MHZ) -> KernelFacts:  # fmt: skip
    """Writes each sample's outputs to memory, one word per cycle: the input streams one after another, a token
    read at its first element; in fixed point each element is converted to a float in FIXED_TO_FLOAT_LATENCY
    registered stages (magnitude, leading zeros, normalisation, rounding) before its memory write (the depth,
    which delays no stream access: it only ends the call later)."""
    depth = conversion_latency(False, clock_mhz) if fixed else 0
    reads, start = [], 0
    for count, width in zip(counts, widths, strict=True):
        reads.append([start + t * width for t in range(count)])
        start += count * width
    return KernelFacts("write", 1, "1 (one m_axi word per cycle)", depth, start, reads, [], 0, {}, (), (), 0,
                       max(widths) * bits, {"STEPS": start, "LAG": depth}, clock_mhz)  # fmt: skip


def shuffle_facts(in_counts: Sequence[int], out_counts: Sequence[int], in_elements: int, out_width: int,
                  bits: int = 32) -> KernelFacts:  # fmt: skip
    """A printed shuffle: reads a sample's input tokens (the streams one after another, one token per iteration)
    into a register buffer, then writes its output tokens, one per iteration, each element picked from the buffer
    by a constant selection. `nb` sample buffers let the next sample enter while one is sent."""
    n_reads, n_writes = sum(in_counts), sum(out_counts)
    steps = max(n_reads, n_writes)
    out_start = n_reads  # the last token is stored one cycle after its read; read the cycle after
    nb = (out_start + n_writes - 1) // steps + 1
    depth = 1
    reads, step = [], 0
    for count in in_counts:
        reads.append(list(range(step, step + count)))
        step += count
    writes, step = [], out_start + depth
    for count in out_counts:
        writes.append(list(range(step, step + count)))
        step += count
    tail = max(0, out_start + n_writes - steps)
    buffer = Memory("buf", "registers", "registers", 1, nb * in_elements, bits)
    mux_lut = n_writes * out_width * bits // 2 + out_width * bits * (nb - 1) // 4  # a selection per token and lane
    params = {"STEPS": steps, "OUT_START": out_start, "NB": nb, "TAIL": tail, "LAG": depth}
    return KernelFacts("shuffle", 1, "1 (one token per iteration, register buffer)", depth, steps, reads, writes,
                       tail, {}, (buffer,), (), mux_lut, 0, params)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------------
# FIFOs
# ---------------------------------------------------------------------------------------------------------------------


def fifo_impl(depth: int, width: int, bits: int = 32) -> str:
    """FIFOs of up to SRL_MAX_WORDS 32-bit words are shift registers (SRL), larger ones BRAM."""
    return "srl" if depth * width * bits <= SRL_MAX_WORDS * 32 else "bram"


def fifo_bram18(depth: int, width: int, bits: int = 32) -> int:
    if fifo_impl(depth, width, bits) == "srl":
        return 0
    return bram18_for(depth, width * bits)


def fifo_lut(depth: int, width: int, bits: int = 32) -> int:
    if fifo_impl(depth, width, bits) == "srl":
        return ceil(depth / 32) * width * bits + 20  # an SRLC32E per 32 entries and bit, plus control
    return 40


# ---------------------------------------------------------------------------------------------------------------------
# The kernel ops of the dataflow dialect: their facts, looked up by op type
# ---------------------------------------------------------------------------------------------------------------------
# The dialect is IR only; the hardware facts of its kernel ops are this interface. `kernel_facts(op)` finds the rule
# registered for the op's type (`@facts_rule(OpType)`) and gives it the op and the clock its latencies are counted
# at. A kernel op without a rule has no facts: the passes, the cycle model and the printer cannot use it
# (`kernels_without_facts` names such ops; test/python/test_extending.py checks the dataflow dialect has none).

KernelRule = Callable[[KernelOp, float], KernelFacts]
KERNEL_FACTS: dict[type[KernelOp], KernelRule] = {}


# `@facts_rule(OpType)`: registers the decorated function as the facts of `op_type`'s kernels.
facts_rule = op_type_registrar(KERNEL_FACTS)


def kernel_mhz(kernel: KernelOp) -> float:
    """The clock a kernel's latencies are counted at: its graph's target clock (the reference clock of the hardware
    model, 300 MHz, before dataflow-parallelize sets a target)."""
    graph = kernel.parent_op()
    target = graph.target if isinstance(graph, GraphOp) else None
    return target.clock_mhz.data if target is not None else REFERENCE_MHZ


def kernel_facts(kernel: KernelOp, clock_mhz: float | None = None) -> KernelFacts:
    """The hardware facts of `kernel` at `clock_mhz` (default: its graph's target clock)."""
    rule = KERNEL_FACTS.get(type(kernel))
    if rule is None:
        raise CompileError(f"{kernel.name} has no hardware facts (no @facts_rule in inrarch.targets.hls.facts)", kernel)
    return rule(kernel, clock_mhz or kernel_mhz(kernel))


def kernels_without_facts(dialect: Dialect) -> list[str]:
    """The names of `dialect`'s kernel ops that have no facts rule (none for the dataflow dialect)."""
    return [op.name for op in dialect.operations if issubclass(op, KernelOp) and op not in KERNEL_FACTS]


@dataclass
class KernelSchedule:
    """How a kernel's pipelined loop touches its streams, per sample (read by the cycle model and the FIFO-depth
    pass).

    The kernel runs one loop of `steps` iterations per sample, one iteration every `ii` cycles when nothing
    blocks; sample s occupies iterations s*steps .. s*steps+steps-1. `reads[k]` / `writes[k]` list, for the k-th
    input / output stream, the iteration offsets (relative to the sample's first iteration) of its token accesses,
    in token order. Offsets of writes may reach past `steps`: a write happens `write_lag` iterations after the
    iteration that computes it (the pipeline depth), while the next sample is already entering. The pipeline
    stalls as a whole when one access of an iteration blocks.
    """

    steps: int
    ii: int
    reads: list[list[int]] = field(default_factory=list)
    writes: list[list[int]] = field(default_factory=list)


def kernel_schedule(kernel: KernelOp) -> KernelSchedule:
    f = kernel_facts(kernel)
    return KernelSchedule(f.steps, f.ii, f.reads, f.writes)


def body_shape(map_op: MapOp, clock_mhz: float | None = None) -> BodyShape:
    """Operations per element, critical path (in cycles at `clock_mhz`, default the graph's target clock) and
    longest operator chain of a map's body (in fixed point: the operators of each op's fixed-point form,
    `inrarch.analysis.fixed_body`)."""
    clock = clock_mhz or kernel_mhz(map_op)
    counts: dict[str, int] = {}
    finish: dict[SSAValue, tuple[int, int]] = {}  # value -> (cycles, operators on the longest path)
    formats = BodyFormats(map_op) if is_fixed_body(map_op.body.block) else None
    for op in map_op.body.block.ops:
        if op.name in ("arith.constant", "dataflow.yield"):
            continue
        if formats is not None:
            names, latency = units(op, formats, clock)
        else:
            names, latency = [op.name], operator(op.name, clock).latency
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        start = max((finish.get(v, (0, 0)) for v in op.operands), default=(0, 0))
        for r in op.results:
            finish[r] = (start[0] + latency, start[1] + 1)
    yielded = [finish.get(v, (0, 0)) for v in map_op.body.block.last_op.operands]
    return BodyShape(counts, max((y[0] for y in yielded), default=0), max((y[1] for y in yielded), default=0))


def mac_format(matvec: MatVecOp) -> MacFormat | None:
    """The widths of a fixed-point matvec's numbers (None in floating point)."""
    if matvec.weight_format is None or matvec.acc_format is None:
        return None
    x, y = matvec.inputs[0].owner.bits, matvec.outputs[0].owner.bits
    return MacFormat(x, matvec.weight_format.width.data, matvec.acc_format.width.data, y)


@facts_rule(ReadOp)
def _read(op: ReadOp, clock_mhz: float) -> KernelFacts:
    out = op.output_types()[0]
    return read_facts(out.elements, out.width, op.element_bits, op.output.owner.format is not None, clock_mhz)


@facts_rule(WriteOp)
def _write(op: WriteOp, clock_mhz: float) -> KernelFacts:
    types = op.input_types()
    return write_facts([t.count for t in types], [t.width for t in types], op.element_bits,
                       any(v.owner.format is not None for v in op.inputs), clock_mhz)  # fmt: skip


@facts_rule(ForkOp)
def _fork(op: ForkOp, clock_mhz: float) -> KernelFacts:
    t = op.input_types()[0]
    return replace(fork_facts(t.count, len(op.outputs), t.width, op.element_bits), clock_mhz=clock_mhz)


@facts_rule(MapOp)
def _map(op: MapOp, clock_mhz: float) -> KernelFacts:
    t = op.stream
    return map_facts(body_shape(op, clock_mhz), t.elements, t.width, op.lanes_value, op.sharing_ii, len(op.inputs),
                     len(op.outputs), len(op.const_rows), op.element_bits, clock_mhz)  # fmt: skip


@facts_rule(MatVecOp)
def _matvec(op: MatVecOp, clock_mhz: float) -> KernelFacts:
    rows, cols = op.shape
    vin, vout = op.input_types()[0].width, op.output_types()[0].width
    return matvec_facts(op.members, rows, cols, vin, vout, op.par_in_value, op.par_out_value, op.element_bits,
                        mac_format(op), clock_mhz)  # fmt: skip


@facts_rule(ShuffleOp)
def _shuffle(op: ShuffleOp, clock_mhz: float) -> KernelFacts:
    ins, outs = op.input_types(), op.output_types()
    facts = shuffle_facts([t.count for t in ins], [t.count for t in outs], sum(t.elements for t in ins),
                          max(t.width for t in outs), op.element_bits)  # fmt: skip
    return replace(facts, clock_mhz=clock_mhz)


__all__ = ["FIFO_LATENCY", "BodyShape", "KernelFacts", "MacFormat", "Memory", "lane_operators", "mac_dsp",
           "Recurrence", "fifo_bram18", "fifo_impl", "fifo_lut", "fork_facts", "KERNEL_FACTS", "KernelSchedule",
           "body_shape", "facts_rule", "kernel_mhz", "kernel_facts", "kernel_schedule", "kernels_without_facts",
           "mac_format", "loop_ii", "map_facts", "matvec_facts", "memory", "read_facts", "serial_accumulation",
           "shuffle_facts", "tree_accumulation", "write_facts"]  # fmt: skip
