"""Operator latencies as functions of the clock, the clock estimate, and the report's columns, capacity and
bottleneck lines (issue 24; issue 27's capacity and bottleneck lines).

The latency rule (inrarch.targets.hardware.latency_at): a pipeline of c cycles that closes at f0 MHz keeps c cycles up to
f0 and needs ceil(c * f / f0) beyond; fp32 cores close at their 300 MHz figure, a DSP48E2 multiply keeps 3 stages to
500 MHz and takes a fourth beyond, LUT stages close at 450 MHz. The expected numbers below are that rule worked by
hand for the published 300 MHz figures (fadd 4, fmul 3)."""

import dataclasses
import re

import pytest
import torch

import inrarch
from inrarch import ops
from inrarch.apps import models
from inrarch.targets.hls.facts import kernel_facts
from inrarch.analysis.report import format_report
from inrarch.analysis.simulate import kernel_name
from inrarch.dialects.dataflow import MapOp, MatVecOp
from inrarch.targets.hardware import OPERATORS, latency_at, operator
from inrarch.targets.hls.printer import HlsPrinter
from inrarch.targets.hls.project import hls_config, run_hls_tcl


@pytest.mark.parametrize("name,cycles", [("arith.addf", {250: 4, 300: 4, 301: 5, 450: 6, 600: 8}),
                                         ("arith.mulf", {300: 3, 450: 5, 600: 6}),
                                         ("fx.mul.18x18", {300: 3, 500: 3, 600: 4, 775: 4}),
                                         ("fx.mul.32x32", {300: 4, 600: 5}),
                                         ("fx.add.40", {300: 1, 450: 1, 600: 2}),
                                         ("arith.negf", {300: 0, 900: 0})])  # fmt: skip
def test_a_higher_clock_lengthens_pipelines(name, cycles):
    assert {mhz: operator(name, mhz).latency for mhz in cycles} == cycles


def test_latency_table_points_and_extrapolation():
    points = ((200.0, 2), (400.0, 5))
    assert [latency_at(points, f) for f in (100, 200, 201, 400, 401, 800)] == [2, 2, 5, 5, 6, 10]


def test_flip_flops_follow_the_stages():
    fadd = OPERATORS["arith.addf"]
    assert operator("arith.addf", 600).ff == 2 * fadd.ff  # twice the stages, twice the registers


@pytest.fixture(scope="module")
def small():
    """A small SIREN's first-order design at 300 and 600 MHz (same budget)."""
    torch.manual_seed(0)
    x = torch.rand(16, 2) * 2 - 1
    return {mhz: inrarch.compile(models.siren(2, 16, 2, 2), x, order=1, clock_mhz=mhz) for mhz in (300.0, 600.0)}


def test_the_cycle_model_follows_the_clock(small):
    slow, fast = small[300.0].graph, small[600.0].graph
    depths = {mhz: {kernel_name(k, i): kernel_facts(k).full_depth for i, k in enumerate(d.graph.kernels())}
              for mhz, d in small.items()}  # fmt: skip
    assert depths[300.0].keys() == depths[600.0].keys()
    assert all(depths[600.0][k] >= depths[300.0][k] for k in depths[300.0])
    for kind in (MapOp, MatVecOp):  # every arithmetic kernel's pipeline is deeper at 600 MHz
        for i, (a, b) in enumerate(zip(slow.kernels(), fast.kernels(), strict=True)):
            if isinstance(a, kind):
                assert kernel_facts(b).full_depth > kernel_facts(a).full_depth, kernel_name(a, i)
    assert small[600.0].report["modeled_cycles"] > small[300.0].report["modeled_cycles"]
    # The report counts the operators at its clock.
    assert small[600.0].report["assumptions"]["operator_latency_cycles"]["arith.addf"] == 8
    assert small[300.0].report["assumptions"]["operator_latency_cycles"]["arith.addf"] == 4


def test_vitis_pins_follow_the_clock(small):
    printed = HlsPrinter(small[600.0].graph).print()
    tcl, cfg = run_hls_tcl(printed, "xcu50-fsvh2104-2-e", 600.0), hls_config(printed, "xcu50-fsvh2104-2-e", 600.0)
    assert "config_op fadd -impl fulldsp -latency 8" in tcl and "config_op fmul -impl maxdsp -latency 6" in tcl
    assert "syn.op=op:fadd impl:fulldsp latency:8" in cfg
    assert "create_clock -period 1.667" in tcl
    assert not re.search(r"config_op mul ", tcl)  # no integer multiply pin in floating point


def test_fixed_point_pins_the_integer_multiply():
    torch.manual_seed(1)
    x = torch.rand(16, 2) * 2 - 1
    for mhz, cycles in ((300.0, 3), (600.0, 4)):
        design = inrarch.compile(models.siren(2, 8, 1, 1), x, order=1, precision="ap_fixed<18,6>", overflow="wrap",
                                 clock_mhz=mhz)
        printed = HlsPrinter(design.graph).print()
        assert f"config_op mul -impl dsp -latency {cycles}" in run_hls_tcl(printed, "part", mhz)
        assert f"syn.op=op:mul impl:dsp latency:{cycles}" in hls_config(printed, "part", mhz)
        assert design.report["assumptions"]["fixed_mul_latency_cycles"] == cycles


@pytest.fixture(scope="module")
def bench1():
    torch.manual_seed(0)
    return inrarch.compile(models.benchmark_siren(), torch.rand(64, 2) * 2 - 1, order=1, dsp=3200)


def test_report_capacity_and_percentages(bench1):
    r = bench1.report
    cap = r["capacity"]
    assert cap["dsp"]["used"] == r["dsp"] and cap["dsp"]["budget"] == 3200 and cap["dsp"]["part"] == 5952
    assert cap["dsp"]["budget_pct"] == pytest.approx(100 * r["dsp"] / 3200)
    assert cap["ff"]["part"] == 1_743_000 and cap["lut"]["part"] == 872_000  # Alveo U50 (DS965)
    assert cap["lut"]["part_pct"] == pytest.approx(100 * r["lut"] / 872_000)
    text = format_report(r)
    assert f"DSP     {r['dsp']:,}: {100 * r['dsp'] / 3200:.1f}% of the budget of 3,200, " \
           f"{100 * r['dsp'] / 5952:.1f}% of the part's 5,952" in text  # fmt: skip
    assert f"FF      {r['ff']:,}: {100 * r['ff'] / 1_743_000:.1f}% of the part's 1,743,000" in text


def test_report_names_the_interval_limiting_kernel(bench1):
    r = bench1.report
    b = r["bottleneck"]
    slowest = max(r["kernel_facts"], key=lambda k: k["iterations_per_sample"] * k["ii"])
    assert b["kernel"] == slowest["kernel"] and b["kernel"].startswith("matvec")
    assert b["cycles_per_sample"] == r["interval_cycles"]  # the benchmark's interval is its largest matvec's loop
    assert b["cause"] == "DSP budget"
    assert f"bottleneck  {b['kernel']} sets the interval ({r['interval_cycles']:,} cycles/sample): DSP budget" \
        in format_report(r)  # fmt: skip


@pytest.mark.parametrize("dsp,kernel,cause", [(40, "matvec#3", "recurrence"), (200, "write#5", "memory ports")])
def test_the_bottleneck_names_what_cannot_go_faster(dsp, kernel, cause):
    """A small SIREN: at 40 DSP the last matvec's accumulator recurrence (II 3) sets the interval; at 200 DSP the
    output's memory port (one word per cycle, 3 words per sample) does, while a map sharing its operators over the
    same 3 cycles is not the cause."""
    torch.manual_seed(2)
    r = inrarch.compile(models.siren(2, 4, 1, 1), torch.rand(16, 2) * 2 - 1, order=1, dsp=dsp).report
    b = r["bottleneck"]
    assert (b["kernel"], b["cause"], b["cycles_per_sample"]) == (kernel, cause, r["interval_cycles"])
    facts = {k["kernel"]: k for k in r["kernel_facts"]}[kernel]
    if cause == "recurrence":
        assert facts["ii"] > 1 and facts["ii_bound"] in b["why"]


def test_report_compute_depth_of_a_matvec_is_its_whole_pipeline(bench1):
    for k, op in zip(bench1.report["kernel_facts"], bench1.graph.kernels(), strict=True):
        if isinstance(op, MatVecOp) and kernel_facts(op).params["RB"] > 1:
            f = kernel_facts(op)
            # read the weights, multiply, the adder tree, accumulate: more than the output phase's row-buffer read
            assert k["compute_depth_cycles"] >= 2 + 3 + 4 * (f.params["PI"].bit_length() - 1) + 4
            assert k["compute_depth_cycles"] > k["depth_cycles"] in (2, 3)  # row-buffer read (1-2), stream write
    lines = [ln for ln in format_report(bench1.report).splitlines() if ln.strip().startswith("matvec#3")]
    assert re.search(r"depth \d+ / \d+; \d+ DSP, \d+ BRAM18, ~[\d,]+ LUT, ~[\d,]+ FF; ~\d+ MHz", lines[0])


def test_clock_estimate_says_what_a_large_design_costs(bench1, small):
    c = bench1.report["clock"]
    # ~3,000 DSP exceed what one of the U50's two SLRs leaves the design: streams cross SLRs.
    assert c["slr_span"]["slrs"] == 2 and "SLR crossing" in c["limit"]
    assert c["estimated_mhz"] < c["requested_mhz"] == 300.0 and c["achievable_mhz"] == c["estimated_mhz"]
    ms = bench1.report["modeled_cycles"] / (c["achievable_mhz"] * 1e3)
    assert c["modeled_latency_ms_at_achievable"] == pytest.approx(ms, rel=1e-3)
    text = format_report(bench1.report)
    assert "clock       requested 300 MHz; estimated ~" in text and "the printed design takes" in text
    # A small design stays in one SLR and makes 300 MHz.
    s = small[300.0].report["clock"]
    assert s["slr_span"]["slrs"] == 1 and s["estimated_mhz"] > 300 and s["achievable_mhz"] == 300.0
    assert all(k["clock_estimate_mhz"] > 0 and k["clock_limit"] for k in small[300.0].report["kernel_facts"])


def test_every_op_states_the_source_of_its_costs():
    for entry in ops.ELEMENTWISE.values():
        c = entry.cost
        assert c.source.strip() and c.latency >= 0 and c.dsp >= 0 and c.lut >= 0 and c.ff >= 0, entry.name
        assert OPERATORS[entry.name].ff == c.ff
    assert ops.info("math.sin").lut == 4800  # public Vitis reports of sinf (issue 24)
    with pytest.raises(TypeError):  # keyword fields only
        ops.OpInfo(ops.info("arith.addf").op, 2, None, ops.info("arith.addf").cost, "")
    assert all(f.kw_only for f in dataclasses.fields(ops.OpInfo)) and all(f.kw_only for f in dataclasses.fields(ops.Cost))
