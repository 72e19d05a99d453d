"""A clock estimate per kernel and per design: the fastest clock each kernel's structure is modeled to close at,
and what limits it.

Vitis HLS pipelines every operator for the requested clock (with its clock uncertainty, 27% of the period by
default for Vitis kernels, UG1399), so the operators themselves meet it: inrarch's facts count their latencies at
that clock (inrarch.targets.hardware.latency_at). What HLS does not see is placement: the nets whose delay grows with the
design's size. This model estimates them as register-to-register paths on an UltraScale+ -2 part:

* control fan-out: a kernel is a stall-all pipeline; its enable (FIFO empty/full in, two LUT levels) reaches every
  pipeline register of the kernel (its FF count);
* token width fan-out: a stream's read enable reaches every bit of the token it pops (width x bits);
* broadcast: a matvec's lane input (a g*slices-to-1 multiplexer of the members' token slices) drives par_out
  multipliers spread over an array of the kernel's DSPs (the wire across the array grows with its side, the square
  root of its DSP count);
* adder stage: a fixed-point add of the accumulator's width in one registered stage (a carry chain);
* hard blocks: a kernel with DSPs runs at most at the DSP48E2's fully pipelined Fmax (DS923, -2 grade);
* SLR crossing: a design whose resources exceed what one super logic region offers (its share of the part, less
  SHELL_SHARE for the platform shell and placement headroom) spans SLRs; a stream between kernels then crosses an
  SLR boundary on SLLs, adding SLL_NS to its handshake path (the stream with the widest token: largest fan-out).

The path delays use the constants below: a structural estimate of this model (not calibrated against Vivado's
timing, which inrarch cannot run here), on the pessimistic side where a choice was open. Every figure built on it
is labelled modeled.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, log2, sqrt

from inrarch.targets.hardware import DSP_FMAX_MHZ, Target

REGISTER_NS = 0.45  # clock-to-out, setup and clock skew of a register-to-register path
LEVEL_NS = 0.5  # one LUT level with its local routing
FANOUT_NS = 0.1  # per doubling of a net's loads (Vivado replicates high fan-out drivers: a tree of nets)
SPAN_NS = 0.02  # per square root of a DSP array's size: the wire across the array
CARRY8_NS = 0.06  # one CARRY8 (8 bits of a carry chain)
SLL_NS = 1.0  # an SLR crossing over super long lines, unregistered
SHELL_SHARE = 0.8  # of one SLR's resources left to the design (the shell and placement headroom take the rest)
ENABLE_LEVELS = 2  # LUT levels from FIFO status to a pipeline's enable


@dataclass(frozen=True)
class ClockLimit:
    mhz: float
    what: str


@dataclass(frozen=True)
class ClockEstimate:
    """The fastest clock a kernel (or the design) is modeled to close at, its limiting path, and every path."""

    mhz: float
    limit: str
    limits: tuple[ClockLimit, ...]


def _mhz(ns: float) -> float:
    return 1000.0 / ns


def _fanout_ns(loads: int) -> float:
    return FANOUT_NS * log2(max(2, loads))


def _estimate(limits: list[ClockLimit]) -> ClockEstimate:
    worst = min(limits, key=lambda lim: lim.mhz)
    return ClockEstimate(worst.mhz, worst.what, tuple(limits))


def kernel_clock(kernel) -> ClockEstimate:
    """The clock estimate of one kernel op of a dataflow graph (its facts at its graph's clock)."""
    from inrarch.targets.hls.facts import kernel_facts, mac_format
    from inrarch.dialects.dataflow import MatVecOp

    f = kernel_facts(kernel)
    limits = [ClockLimit(_mhz(REGISTER_NS + ENABLE_LEVELS * LEVEL_NS + _fanout_ns(f.ff)),
                         f"control fan-out: the pipeline's enable to ~{f.ff:,} registers")]  # fmt: skip
    streams = [*kernel.stream_inputs, *kernel.stream_outputs]
    if streams:
        bits = max(v.type.width * v.owner.bits for v in streams)
        limits.append(ClockLimit(_mhz(REGISTER_NS + ENABLE_LEVELS * LEVEL_NS + _fanout_ns(bits)),
                                 f"token width fan-out: a stream's read enable to {bits:,} bits"))  # fmt: skip
    if isinstance(kernel, MatVecOp):
        p = f.params
        sources = p["G"] * p["SLICES"]
        levels = max(1, ceil(log2(sources) / 2)) if sources > 1 else 0  # a LUT6 selects 1 of 4
        ns = REGISTER_NS + levels * LEVEL_NS + _fanout_ns(p["PO"]) + SPAN_NS * sqrt(f.dsp)
        limits.append(ClockLimit(_mhz(ns), f"broadcast: a {sources}-to-1 lane input to {p['PO']} multipliers "
                                           f"across an array of {f.dsp:,} DSP"))  # fmt: skip
        mac = mac_format(kernel)
        if mac is not None:
            ns = REGISTER_NS + LEVEL_NS + CARRY8_NS * ceil(mac.acc / 8)
            limits.append(ClockLimit(_mhz(ns), f"adder stage: a {mac.acc}-bit carry chain per adder-tree level"))
    if f.dsp:
        limits.append(ClockLimit(DSP_FMAX_MHZ, "DSP48E2 fully pipelined Fmax (-2 grade)"))
    return _estimate(limits)


def slr_capacity(part: Target) -> dict[str, float]:
    """What one SLR offers the design: its share of the part's resources, less the shell's."""
    return {"dsp": part.dsp / part.slrs * SHELL_SHARE, "bram36": part.bram36 / part.slrs * SHELL_SHARE,
            "lut": part.lut / part.slrs * SHELL_SHARE, "ff": part.ff / part.slrs * SHELL_SHARE}  # fmt: skip


def design_clock(graph, resources, part: Target) -> tuple[list[ClockEstimate], ClockEstimate, dict]:
    """(per-kernel estimates, the design's estimate, its SLR span) of a dataflow graph whose total resources are
    `resources` on `part`."""
    from inrarch.analysis.simulate import kernel_name

    ops = list(graph.kernels())
    kernels = [kernel_clock(k) for k in ops]
    limits = [ClockLimit(e.mhz, f"{kernel_name(k, i)}: {e.limit}") for i, (k, e) in enumerate(zip(ops, kernels))]
    span = {"slrs": 1, "by": None}
    if part.slrs > 1:
        one = slr_capacity(part)
        used = {"dsp": resources.dsp, "bram36": resources.bram36, "lut": resources.lut, "ff": resources.ff}
        need = {name: used[name] / one[name] for name in used if one[name]}
        by = max(need, key=need.get)
        slrs = min(part.slrs, max(1, ceil(need[by] - 1e-9)))
        span = {"slrs": slrs, "by": by, "share_of_one_slr": round(need[by], 3)}
        if slrs > 1:
            bits = max((f.stream.type.width * f.bits for f in graph.fifos()), default=32)
            ns = REGISTER_NS + ENABLE_LEVELS * LEVEL_NS + SLL_NS + _fanout_ns(bits)
            limits.append(ClockLimit(_mhz(ns), f"SLR crossing: the design's {by.upper()} need {need[by]:.2f} SLRs' "
                                               f"share, so streams cross SLRs (the widest token {bits:,} bits)"))  # fmt: skip
    return kernels, _estimate(limits), span


__all__ = ["ClockEstimate", "ClockLimit", "design_clock", "kernel_clock", "slr_capacity"]
