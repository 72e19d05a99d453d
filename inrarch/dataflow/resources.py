"""Resource and throughput model of kernels: DSP, BRAM and URAM estimates and cycles per sample, from the
operator table of `inrarch.hardware`. All figures are modeled."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from inrarch.dataflow.model import Design, Kernel, body_op_counts
from inrarch.hardware import BRAM18_WORDS, MAC_DSP, OPERATORS, SRL_MAX_WORDS, URAM_WORDS

LUTRAM_MAX_WORDS = 64  # memories up to this many words per bank are built from LUTs


@dataclass
class Resources:
    dsp: int = 0
    bram18: int = 0
    uram: int = 0

    @property
    def bram36(self) -> float:
        return self.bram18 / 2

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.dsp + other.dsp, self.bram18 + other.bram18, self.uram + other.uram)


def bram18_for(words_per_bank: int, banks: int) -> int:
    if words_per_bank <= LUTRAM_MAX_WORDS:
        return 0
    return banks * ceil(words_per_bank / BRAM18_WORDS)


def accumulator_ii(members: int, cols: int, par_out: int) -> int:
    """Initiation interval of a matvec loop: an accumulator is revisited every members*ceil(cols/par_out)
    iterations and must not be revisited before the add that updates it has finished."""
    distance = members * ceil(cols / par_out)
    return max(1, ceil(OPERATORS["arith.addf"].latency / distance))


def matvec_cycles(members: int, rows: int, cols: int, par_in: int, par_out: int) -> int:
    """Loop iterations (times ii) per sample of a matvec."""
    compute = members * ceil(rows / par_in) * ceil(cols / par_out)
    return compute * accumulator_ii(members, cols, par_out)


def matvec_resources(k: Kernel, uram: bool = False) -> Resources:
    rows, cols = k.weights.shape
    banks = k.par_in * k.par_out
    words = ceil(rows / k.par_in) * ceil(cols / k.par_out)
    weights = Resources(0, 0, banks * ceil(words / URAM_WORDS)) if uram else Resources(0, bram18_for(words, banks), 0)
    # Accumulators and the output buffer of one sample, partitioned by par_out.
    acc_words = 2 * len(k.ins) * ceil(cols / k.par_out)
    return Resources(MAC_DSP * banks, bram18_for(acc_words, k.par_out), 0) + weights


def map_resources(k: Kernel, width: int) -> Resources:
    dsp = 0
    for name, count in body_op_counts(k.results).items():
        op = OPERATORS.get(name)
        if op is not None and op.dsp:
            dsp += ceil(count * width / k.ii) * op.dsp
    cols = sum(bram18_for(ceil(len(c) / width), width) for c in k.cols)
    return Resources(dsp, cols, 0)


def fifo_bram18(depth: int, width: int) -> int:
    words = depth * width
    if words <= SRL_MAX_WORDS:
        return 0
    return ceil(words / BRAM18_WORDS)


def design_resources(design: Design, uram_matvecs: set[int] = frozenset()) -> Resources:
    total = Resources()
    for k in design.kernels:
        if k.kind == "matvec":
            total = total + matvec_resources(k, id(k) in uram_matvecs)
        elif k.kind == "map":
            total = total + map_resources(k, k.outs[0].width)
        elif k.kind == "shuffle":
            words = sum(s.elements for s in k.ins) + sum(s.elements for s in k.outs)
            total = total + Resources(0, bram18_for(words, 1), 0)
    for k in design.kernels:
        for s in k.outs:
            total = total + Resources(0, fifo_bram18(s.depth, s.width), 0)
    return total
