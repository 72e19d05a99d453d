"""The design report: kernels, streams, FIFO memory, resources and modeled performance of a `dataflow.graph`.

Every performance and resource figure is modeled (the cycle model and the operator table of inrarch.targets.hardware);
the report says so and lists what it assumes.
"""

from __future__ import annotations

import json
from collections import Counter
from math import ceil


from inrarch.analysis.clock import design_clock
from inrarch.analysis.cycle_model import Simulator
from inrarch.analysis.resources import graph_resources
from inrarch.analysis.simulate import kernel_name, sim_model
from inrarch.dialects.dataflow import GraphOp, MatVecOp
from inrarch.targets.hls.facts import MAX_PAR_IN, KernelFacts, kernel_facts, mac_dsp, mac_format, par_in_choices
from inrarch.analysis.fixed import DSP_A, DSP_B, FX_ADD_LATENCY, Fixed, fifo_format, mul_dsp, mul_dsp_why
from inrarch.targets.hardware import (MAC_DSP, OPERATORS, READ_LATENCY, Target, dsp_mul_latency, logic_latency, make_target,
                              operator, part_target)  # fmt: skip


def _capacity(resources, target: Target, part: Target) -> dict:
    """Every resource against the budget (DSP, BRAM36: dataflow-parallelize's) and the part, in percent."""
    rows = {"dsp": (resources.dsp, target.dsp, part.dsp), "bram36": (resources.bram36, target.bram36, part.bram36),
            "uram": (0, target.uram, part.uram), "lut": (resources.lut, None, part.lut),
            "ff": (resources.ff, None, part.ff)}  # fmt: skip
    return {name: {"used": used, "budget": budget, "part": cap,
                   "budget_pct": 100.0 * used / budget if budget else None,
                   "part_pct": 100.0 * used / cap if cap else None}
            for name, (used, budget, cap) in rows.items()}  # fmt: skip


def _lanes_at_most(op: MatVecOp) -> bool:
    """Whether a matvec has every lane its shape allows (more DSP would not shorten its loop)."""
    rows, cols = op.shape
    return op.par_in_value == max(par_in_choices(rows)) and op.par_out_value >= cols


def _bottleneck(graph: GraphOp, named: list[tuple[str, KernelFacts]], dsp: int, budget: int) -> dict:
    """The kernel whose loop takes the most cycles per sample (the one that sets the sample interval), and why.
    Among kernels equally slow, the one that cannot go faster names the cause: a memory port (one word per cycle)
    before a recurrence or a port-bound II, before lanes the DSP budget limits, before a map whose operators share
    over the interval (it shares because the interval allows it)."""

    def rank(nf: tuple[str, KernelFacts]) -> tuple[int, int]:
        f = nf[1]
        fixed = 3 if f.kind in ("read", "write") else 2 if f.ii > 1 and "sharing" not in f.ii_bound else 1
        return f.steps * f.ii, fixed if f.ii == 1 or "sharing" not in f.ii_bound else 0

    index, (name, f) = max(enumerate(named), key=lambda i_nf: rank(i_nf[1]))
    op = list(graph.kernels())[index]
    if f.kind in ("read", "write"):
        cause, why = "memory ports", f"one m_axi word per cycle: {f.steps} words per sample"
    elif f.ii > 1:
        cause = ("recurrence" if "recurrence" in f.ii_bound else "memory ports" if "ports" in f.ii_bound
                 else "operator sharing" if "sharing" in f.ii_bound else "stream accesses")  # fmt: skip
        if cause == "operator sharing" and f.kind == "map":
            cause = "a map's operator sharing"
        why = f"II {f.ii}: {f.ii_bound}"
        if "sharing" in f.ii_bound and graph.target is not None:
            why += f" (the sharing the DSP budget allows: {dsp} of {budget} DSP used)"
    elif isinstance(op, MatVecOp) and _lanes_at_most(op):
        rows, cols = op.shape
        cause = "a matvec's lanes at their most"
        why = (f"{f.steps} iterations per sample at II 1: {op.members} members x {rows} rows / {op.par_in_value} "
               f"input lanes x {ceil(cols / op.par_out_value)} column blocks; input lanes divide the rows (at most "
               f"{MAX_PAR_IN}), output lanes are at most the {cols} columns")  # fmt: skip
    elif graph.target is not None:
        cause = "DSP budget"
        why = (f"{f.steps} iterations per sample at II 1 on its lanes; a shorter interval needs more lanes than the "
               f"DSP budget leaves ({dsp} of {budget} DSP used)")  # fmt: skip
    else:
        cause, why = "lanes as given", f"{f.steps} iterations per sample at II {f.ii} (no target: not sized)"
    return {"kernel": name, "cycles_per_sample": f.steps * f.ii, "cause": cause, "why": why}


def design_report(graph: GraphOp) -> dict:
    samples = graph.samples
    if graph.target is not None:
        t = graph.target
        target = Target(t.target.data, t.part.data, t.dsp.data, t.bram36.data, t.uram.data, 0, t.clock_mhz.data)
    else:
        target = make_target()
    kernels, streams, _ = sim_model(graph)
    result = Simulator(kernels, streams).run(samples, occupancy=True)
    resources = graph_resources(graph)
    part = part_target(target.name)
    clocks, design_estimate, span = design_clock(graph, resources, part)
    achievable = min(target.clock_mhz, design_estimate.mhz)
    fifos = list(graph.fifos())
    fifo_words = sum(f.depth_value * f.stream.type.width for f in fifos)
    macs = sum(k.macs_per_sample() for k in graph.kernels() if isinstance(k, MatVecOp))
    lanes = sum(k.parallelism for k in graph.kernels() if isinstance(k, MatVecOp))
    kernels_facts = [(kernel_name(k, i), kernel_facts(k)) for i, k in enumerate(graph.kernels())]
    buffers = sum(m.banks * m.words for _, f in kernels_facts for m in f.memories
                  if m.name not in ("W", "bias") and not m.name.startswith("col"))  # fmt: skip
    clock_hz = target.clock_mhz * 1e6
    matvecs = [k for k in graph.kernels() if isinstance(k, MatVecOp)]
    # DSP per multiply-add: 5 in fp32; in fixed point the DSP48E2 tiles of the widest matvec's multiply.
    lane_dsps = [mac_dsp(mac_format(k)) for k in matvecs]
    lane_dsp = max(lane_dsps, default=MAC_DSP)
    fixed = graph.precision is not None
    if len(set(lane_dsps)) > 1:  # fixed-point matvecs of different widths: each multiply-add at its own DSP
        dsp_bound_cycles = samples * sum(k.macs_per_sample() * d for k, d in zip(matvecs, lane_dsps)) / target.dsp
    else:
        dsp_bound_cycles = macs * samples / (target.dsp // lane_dsp)
    multiplies = [{"kernel": kernel_name(k, i), "x_bits": m.x, "w_bits": m.w, "dsp": mul_dsp(m.x, m.w),
                   "why": mul_dsp_why(m.x, m.w)}
                  for i, k in enumerate(graph.kernels()) if isinstance(k, MatVecOp) and (m := mac_format(k))]  # fmt: skip
    report: dict = {
        "design": graph.sym_name.data,
        "samples": samples,
        "derivative": {"order": graph.derivative.order.data, "layout": graph.derivative.layout.data,
                       "mode": graph.derivative.mode.data} if graph.derivative is not None else {},  # fmt: skip
        "kernels": dict(Counter(k.name.split(".")[1] for k in graph.kernels())),
        "processes": sum(1 for _ in graph.kernels()),
        "streams": len(fifos),
        "fifo_words": fifo_words,
        "fifo_bits": sum(f.depth_value * f.stream.type.width * f.bits for f in fifos),
        "precision": graph.precision.data if fixed else "float",
        "formats": {"streams": dict(Counter(str(fifo_format(f)) for f in fifos)),
                    "weights": [str(Fixed.of(k.weight_format)) for k in matvecs],
                    "accumulators": [str(Fixed.of(k.acc_format)) for k in matvecs]} if fixed else None,  # fmt: skip
        "fifo_words_lp_schedule": graph.lp_fifo_words.value.data if graph.lp_fifo_words else None,
        # The LP's stall-free balanced schedule, and the least FIFO words any stall-free schedule at this interval
        # needs; the final depths can be lower, where the cycle model shows a stall costs no cycles.
        "fifo_words_lp_stall_free_bound": graph.lp_bound_words.value.data if graph.lp_bound_words else None,
        "kernel_buffer_words": buffers,
        "weight_words": sum(k.shape[0] * k.shape[1] for k in graph.kernels() if isinstance(k, MatVecOp)),
        "matmul_macs_per_sample": macs,
        "mac_lanes": lanes,
        "matvec_multiplies": multiplies,  # fixed point: per matvec, the DSP of one multiply and why
        "dsp": resources.dsp,
        "bram36": resources.bram36,
        "uram": 0,
        "lut": resources.lut,
        "ff": resources.ff,
        "kernel_facts": [
            {"kernel": name, "ii": f.ii, "ii_bound": f.ii_bound, "depth_cycles": f.depth,
             "compute_depth_cycles": f.full_depth, "iterations_per_sample": f.steps, "dsp": f.dsp,
             "bram18": f.bram18, "lut": f.lut, "ff": f.ff, "operators": dict(f.operators),
             "clock_estimate_mhz": round(c.mhz, 1), "clock_limit": c.limit}
            for (name, f), c in zip(kernels_facts, clocks, strict=True)
        ],
        "capacity": _capacity(resources, target, part),
        "bottleneck": _bottleneck(graph, kernels_facts, resources.dsp, target.dsp),
        # The printed design is pipelined for the requested clock: it runs at that clock or, where the estimate
        # is lower, at the estimate with the same cycles.
        "clock": {"requested_mhz": target.clock_mhz, "estimated_mhz": round(design_estimate.mhz, 1),
                  "achievable_mhz": round(achievable, 1), "limit": design_estimate.limit, "slr_span": span,
                  "modeled_latency_ms_at_achievable": result.cycles / (achievable * 1e3) if result.cycles else None,
                  "latency_at_achievable_over_dsp_bound": result.cycles * target.clock_mhz / achievable
                  / dsp_bound_cycles if result.cycles and dsp_bound_cycles else None,
                  "source": "inrarch.analysis.clock: a structural estimate (control and token fan-out, broadcast "
                            "across the DSP array, adder stages, DSP48E2 Fmax, SLR crossing), not Vivado timing"},
        "budget": {"dsp": target.dsp, "bram36": target.bram36, "uram": target.uram},
        "interval_cycles": graph.interval.value.data if graph.interval else None,
        "modeled_cycles": result.cycles,
        "modeled_latency_ms": result.cycles / clock_hz * 1e3 if result.cycles else None,
        "modeled_samples_per_s": samples / (result.cycles / clock_hz) if result.cycles else None,
        "steady_interval_cycles": result.interval,
        "dsp_bound_ms": dsp_bound_cycles / clock_hz * 1e3,
        "latency_over_dsp_bound": (result.cycles / dsp_bound_cycles) if result.cycles and dsp_bound_cycles else None,
        "deadlock_free": result.deadlock is None,
        "deadlock": result.deadlock.describe() if result.deadlock else None,
        "assumptions": {
            "modeled": True,
            "clock_mhz": target.clock_mhz,
            "part": target.part,
            "target": target.name,
            "mac_dsp": lane_dsp,
            "numbers": "fixed point (ap_fixed, formats above; DSP48E2 27x18 tiling)" if fixed else "floating point",
            "operator_latency_cycles": {n: operator(n, target.clock_mhz).latency for n, o in OPERATORS.items()
                                        if o.latency},
            "fixed_mul_latency_cycles": dsp_mul_latency(DSP_A, DSP_B, target.clock_mhz),
            "fixed_add_latency_cycles": logic_latency(FX_ADD_LATENCY, target.clock_mhz),
            "operator_dsp": {n: o.dsp for n, o in OPERATORS.items() if o.dsp},
            "memory_read_latency_cycles": dict(READ_LATENCY),
            "source": "cycle model of inrarch (event-level, bounded FIFOs) over the kernels' hardware facts "
            "(inrarch.targets.hls.facts); operator table inrarch.targets.hardware; LUT and FF rough estimates",
        },
    }
    return report


def format_report(r: dict) -> str:
    a = r["assumptions"]
    lines = [
        f"design @{r['design']}: {r['samples']} samples"
        + (f", order {r['derivative']['order']}" if r["derivative"].get("order") else ""),
        f"  kernels     {r['processes']} processes: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(r["kernels"].items())),
        *([f"  precision   {r['precision']}"] if r.get("formats") else []),
        f"  streams     {r['streams']} FIFOs, {r['fifo_words']:,} words = {r['fifo_bits'] / 8 / 1024:,.1f} KiB (weights apart)"
        + (
            f"; LP balanced schedule {r['fifo_words_lp_schedule']:,.0f}, LP bound for stall-free schedules "
            f"{r['fifo_words_lp_stall_free_bound']:,.0f}"
            if r.get("fifo_words_lp_schedule") is not None
            else ""
        ),
        f"  buffers     {r['kernel_buffer_words']:,} words inside kernels (matvec accumulators, shuffle rows); "
        f"weights {r['weight_words']:,} words",
        f"  work        {r['matmul_macs_per_sample']:,} matrix multiply-adds per sample on {r['mac_lanes']} lanes",
        *(f"  multiply    {m['kernel']}: input x weight bits {m['why']}" for m in r.get("matvec_multiplies") or []),
        f"  resources   {r['dsp']} DSP, {r['bram36']:g} BRAM36, ~{r['lut'] / 1000:.0f}K LUT, ~{r['ff'] / 1000:.0f}K FF "
        f"(modeled; budget {r['budget']['dsp']} DSP, {r['budget']['bram36']} BRAM36; no URAM: constant weights "
        "cannot be initialised in URAM)",
        *(f"    {_capacity_line(name, c)}" for name, c in r["capacity"].items()),
        f"  kernels     II and what sets it; compute depth and stream-write depth (cycles at {a['clock_mhz']:g} MHz); "
        "DSP, BRAM18, LUT, FF; clock estimate and its limit (hardware facts of the printed code):",
        *(f"    {k['kernel']:<12} II {k['ii']}: {k['ii_bound']}; depth {k['compute_depth_cycles']} / "
          f"{k['depth_cycles']}; {k['dsp']} DSP, {k['bram18']} BRAM18, ~{k['lut']:,} LUT, ~{k['ff']:,} FF; "
          f"~{k['clock_estimate_mhz']:.0f} MHz ({k['clock_limit']})" for k in r["kernel_facts"]),
        f"  bottleneck  {r['bottleneck']['kernel']} sets the interval ({r['bottleneck']['cycles_per_sample']:,} "
        f"cycles/sample): {r['bottleneck']['cause']}: {r['bottleneck']['why']}",
    ]
    if r["modeled_cycles"]:
        lines += [
            f"  latency     {r['modeled_cycles']:,} cycles = {r['modeled_latency_ms']:.4g} ms modeled at "
            f"{a['clock_mhz']:g} MHz; interval {r['interval_cycles']} cycles/sample; "
            f"{r['modeled_samples_per_s']:,.0f} samples/s modeled",
            f"  DSP bound   {r['dsp_bound_ms']:.4g} ms (all multiply-adds on {r['budget']['dsp']} DSP at "
            + (f"{a['mac_dsp']} DSP each)" if len({m['dsp'] for m in r.get("matvec_multiplies") or []}) <= 1
               else "each matvec's DSP per multiply-add above)")
            + (f"; modeled latency / bound = {r['latency_over_dsp_bound']:.2f}" if r["latency_over_dsp_bound"]
               else "; no matrix products"),
            "  deadlock    none (cycle model with the printed FIFO depths)",
        ]
    c = r["clock"]
    lines.append(f"  clock       requested {c['requested_mhz']:g} MHz; estimated ~{c['estimated_mhz']:.0f} MHz "
                 f"(modeled, {c['limit']}); design spans {c['slr_span']['slrs']} SLR(s)")
    if r["modeled_cycles"]:
        lines.append(f"              at {c['achievable_mhz']:g} MHz the printed design takes {c['modeled_latency_ms_at_achievable']:.4g} ms "
                     f"({r['modeled_cycles']:,} cycles), {c['latency_at_achievable_over_dsp_bound']:.2f}x the DSP bound at "
                     f"{c['requested_mhz']:g} MHz" if c["latency_at_achievable_over_dsp_bound"] else
                     f"              at {c['achievable_mhz']:g} MHz the printed design takes "
                     f"{c['modeled_latency_ms_at_achievable']:.4g} ms")  # fmt: skip
    else:
        lines.append(f"  DEADLOCK    {r['deadlock']}")
    if r.get("formats"):
        lines.append(
            f"  model       {a['part']}, {a['clock_mhz']:g} MHz; fixed-point operators of inrarch.targets.hardware (DSP48E2 "
            f"multiply {a['fixed_mul_latency_cycles']} cycles, LUT add {a['fixed_add_latency_cycles']}); all figures "
            "modeled, none measured"
        )
    else:
        lines.append(
            f"  model       {a['part']}, {a['clock_mhz']:g} MHz; fp32 operator latencies/DSP from inrarch.targets.hardware "
            f"(fmul {a['operator_latency_cycles']['arith.mulf']} cycles, fadd {a['operator_latency_cycles']['arith.addf']} "
            "cycles); all figures modeled, none measured"
        )
    return "\n".join(lines)


def _capacity_line(name: str, c: dict) -> str:
    used = f"{c['used']:,.0f}" if name != "bram36" else f"{c['used']:g}"
    budget = f"{c['budget_pct']:.1f}% of the budget of {c['budget']:,}, " if c["budget"] else ""
    part = f"{c['part_pct']:.1f}% of the part's {c['part']:,}" if c["part"] else "the part's capacity unknown"
    return f"{name.upper():<7} {used}: {budget}{part}"


def dump(report: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
