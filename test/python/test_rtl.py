"""The RTL twin of fixed-point designs (inrarch.targets.rtl): Verilator runs equal the fixed-point semantics (and
so the C-simulation) bit for bit, cycles beside the cycle model's, Yosys cells beside the hardware facts, and a
broken kernel that cannot reach the II its facts claim runs slower in RTL instead of echoing the model.

Whole-benchmark runs (minutes each) are marked `rtl_long` and run with `pytest -m rtl_long`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from model_kinds import MODEL_KINDS, sample_input

import inrarch
from inrarch.apps import models
from inrarch.analysis.precision import run_fixed
from inrarch.diagnostics import CompileError
from inrarch.targets.rtl.project import load, measure, report_lines, write_rtl

KINDS = dict((name, (factory, d)) for name, factory, d in MODEL_KINDS)

# Ten designs over every kernel kind and every fixed-point op form: tables (sin, cos, tanh, exp, log, sqrt, erf,
# ...), division, logic (ReLU's comparison and selection, abs), products, shuffles; 1-3 inputs; orders 1-2. Most at
# their least DSP budget (one lane per matvec, maps sharing their multipliers over the longest II: the modulo
# schedule at work, and small designs that build quickly); two with several matvec lanes and map lanes.
# The default suite runs five of them: SIREN (sin/cos tables; the C-simulation's words), the elementwise zoo
# (exp, log, sqrt, products, concatenation and slicing), sigmoid (division), ReLU at order 2 (logic, several matvec
# lanes) and Fourier features. The other five build the same forms in other mixes (the tanh and erf
# tables, residual sums, three inputs, SIREN at order 2) and run with `pytest -m rtl_long`, as do the whole-benchmark runs.
DEFAULT = [("siren", 1, 60), ("elementwise", 1, 16), ("mlp_sigmoid", 1, 16), ("mlp_relu", 2, 40), ("fourier", 1, 10)]
LONG = [("siren", 2, 24), ("mlp_tanh", 2, 12), ("mlp_gelu", 1, 14), ("residual", 1, 16), ("siren_3d", 1, 11)]
DESIGNS = DEFAULT + [pytest.param(*d, marks=pytest.mark.rtl_long) for d in LONG]
IDS = [f"{n}-order{o}" for n, o, _ in DEFAULT + LONG]


def _design(name: str, order: int, dsp: int, samples: int = 8):
    factory, d = KINDS[name]
    model = factory()
    x = sample_input(samples, d)
    return inrarch.compile(model, x, order=order, dsp=dsp, precision="auto"), x


@pytest.mark.parametrize("name,order,dsp", DESIGNS, ids=IDS)
def test_rtl_bit_exact_and_cycles(tmp_path, name, order, dsp):
    design, x = _design(name, order, dsp)
    # Two calls: the design is reset between them, and both must be exact.
    inputs = np.concatenate([x.numpy(), sample_input(x.shape[0], x.shape[1], seed=1).numpy()])
    project = design.write_rtl(str(tmp_path / "rtl"), inputs=inputs)
    measured = measure(project, sim=True, synth=False, progress=lambda _: None)
    sim = measured["sim"]
    # Bit for bit: the RTL's float words equal the fixed-point semantics' (run_fixed, which the C-simulation
    # equals bit for bit), for every output of every sample of both calls.
    expected, _ = run_fixed(design.graph, inputs.astype(np.float32).astype(np.float64))
    assert sim["mismatches"] == 0 and sim["values"] == expected.size
    if (name, order) == ("siren", 1):  # the C-simulation (Xilinx's ap_fixed.h) gives the words the RTL gave
        csim = np.stack(design.csim(inputs), axis=1)
        words = np.fromfile(str(tmp_path / "rtl" / "data" / "expected.bin"), dtype=np.float32).reshape(csim.shape)
        assert np.array_equal(csim, words)
    # The model is a promise the RTL must keep: the same kernels at the same IIs, connected by FIFOs of the same
    # depths, so a call takes at most the model's cycles (first input word to last output word). The model keeps
    # pessimism where Vitis's schedule is uncertain (a cycle of slack on the accumulator recurrence and before the
    # row-buffer read, a shared map's depth bounded by ii - 1 cycles for every operator on its longest chain),
    # which the RTL does not need: it is faster by those cycles, a few percent of these short calls.
    d = load(project)
    model = d["model"]["cycles"]
    for cycles in sim["cycles"]:
        assert 0.85 * model <= cycles <= model, (cycles, model)
    assert sim["cycles"][0] == sim["cycles"][1]  # a reset design repeats its call exactly
    # The edges' conversions have the depths the facts state: the read's (less the modeled memory latency, which
    # the RTL's input stream does not have) and the write's; every kernel keeps its modeled II or better.
    from inrarch.targets.hardware import MEMORY_READ_LATENCY

    for k in d["kernels"]:
        if k["op"] == "dataflow.read":
            assert k["rtl"]["depth"] == k["model"]["depth"] - MEMORY_READ_LATENCY
        if k["op"] == "dataflow.write":
            assert k["rtl"]["depth"] == k["model"]["depth"]
        assert k["rtl"]["ii"] <= k["model"]["ii"]


def test_streams_coarser_than_one_bit_exact(tmp_path):
    """A stream may hold values beyond its width's integer range with a least significant bit above 1
    (ap_fixed<W, I> with I > W): a SIREN whose first layer's omega is 30,000 has order-1 coefficients near 2^19,
    and auto gives the matvec's input group 18 bits (1 DSP per multiply-add). The RTL, the raw-integer C-simulation
    and Xilinx's ap_fixed C-simulation all equal the fixed-point semantics bit for bit."""
    from inrarch.analysis.fixed import Fixed

    model = models.siren(2, 8, 2, 1, omega=30.0, first_omega=3e4)
    x = sample_input(8, 2)
    design = inrarch.compile(model, x, order=1, dsp=20, precision="auto")
    coarse = [Fixed.of(f.format) for f in design.graph.fifos() if Fixed.of(f.format).int_bits > Fixed.of(f.format).width]
    assert coarse and all(f.width == 18 for f in coarse), coarse
    inputs = np.concatenate([x.numpy(), sample_input(8, 2, seed=1).numpy()])
    expected, _ = run_fixed(design.graph, inputs.astype(np.float32).astype(np.float64))
    raw = np.stack(design.csim(inputs), axis=1)
    ap = np.stack(design.csim(inputs, arithmetic="ap_fixed"), axis=1)
    np.testing.assert_array_equal(raw, expected)
    np.testing.assert_array_equal(raw.view(np.uint32), ap.view(np.uint32))
    project = design.write_rtl(str(tmp_path / "rtl"), inputs=inputs)
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    assert sim["mismatches"] == 0 and sim["values"] == expected.size


def test_wide_multiplies_are_the_dsp_tiles_the_facts_count(tmp_path):
    """A multiply beyond the DSP48E2's 27 x 18 ports is built as the tiles `mul_dsp` counts: a 20 x 28 multiply (a
    sin table's phase in the benchmark's first map) is 2 DSP48E2 (the 20-bit operand on the 27-bit port, the 28-bit
    one in two pieces on the 18-bit port), where Yosys's own tiling of `a * b` puts the wider operand on the 27-bit
    port and splits both (4, measured: 21 DSP for that map's 15 modeled). Exact products on random and extreme
    operands in Amaranth's simulator; Yosys maps each module into exactly the modeled DSP48E2s."""
    import random

    from amaranth.back import rtlil
    from amaranth.hdl import Elaboratable, Module, Signal, signed
    from amaranth.sim import Simulator

    from inrarch.analysis.fixed import mul_dsp
    from inrarch.targets.rtl.hw import Pipe, multiply
    from inrarch.targets.rtl.yosys import synthesize

    class Mul(Elaboratable):
        def __init__(self, wa: int, wb: int):
            self.a, self.b, self.p = Signal(signed(wa)), Signal(signed(wb)), Signal(signed(wa + wb))
            self.stages = 0

        def elaborate(self, platform):
            m = Module()
            p, self.stages = multiply(Pipe(m), self.a, self.b)
            m.d.comb += self.p.eq(p)
            return m

    for wa, wb in [(20, 28), (35, 20)]:
        rng = random.Random(wa * wb)
        cases = [(rng.randint(-(2 ** (wa - 1)), 2 ** (wa - 1) - 1), rng.randint(-(2 ** (wb - 1)), 2 ** (wb - 1) - 1))
                 for _ in range(30)] + [(-(2 ** (wa - 1)), -(2 ** (wb - 1))), (2 ** (wa - 1) - 1, -(2 ** (wb - 1)))]  # fmt: skip
        dut, got = Mul(wa, wb), []
        sim = Simulator(dut)
        sim.add_clock(1e-6)

        async def bench(ctx, dut=dut, cases=cases, got=got):
            for x, y in cases:
                ctx.set(dut.a, x)
                ctx.set(dut.b, y)
                for _ in range(dut.stages):
                    await ctx.tick()
                got.append(ctx.get(dut.p))

        sim.add_testbench(bench)
        sim.run()
        assert got == [x * y for x, y in cases]
        top = Mul(wa, wb)
        path = tmp_path / f"mul{wa}x{wb}.il"
        path.write_text(rtlil.convert(top, name="top", ports=[top.a, top.b, top.p]))
        assert mul_dsp(wa, wb) == 2
        assert synthesize(str(path), "top", str(tmp_path / f"y{wa}x{wb}"), timeout=300).dsp == 2


def test_rtl_refuses_float_designs(tmp_path):
    model = models.siren(2, 8, 2, 1, omega=10.0)
    x = sample_input(4, 2)
    design = inrarch.compile(model, x, order=1, dsp=100)
    with pytest.raises(CompileError, match="RTL needs a fixed-point design"):
        design.write_rtl(str(tmp_path / "rtl"))
    with pytest.raises(CompileError, match="RTL needs a fixed-point design"):
        inrarch.compile(model, x, order=1, dsp=100, out_dir=str(tmp_path / "p"), emit="rtl")
    assert not (tmp_path / "p").exists()


# A matvec whose accumulator is revisited every iteration: one member, one column block (par_out = its 2 columns),
# 8 reduction steps. Its accumulator (2 words: LUT RAM, read in 1 cycle) must be read, added to and written before
# the next iteration reads it: 3 cycles in the RTL, so II 3; the facts add a cycle of slack for Vitis: II 4.
ACCUMULATOR_BOUND = """
dataflow.graph @acc(%in: memref<16x8xf32>, %out: memref<16x2xf32>) {
  %x = dataflow.fifo depth 2 : !dataflow.stream<f32, 8>
  %y = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.read %in -> %x : memref<16x8xf32> -> !dataflow.stream<f32, 8>
  dataflow.matvec ins(%x : !dataflow.stream<f32, 8>) outs(%y : !dataflow.stream<tensor<2xf32>, 1>) weights(dense<[[0.5, -0.25], [0.125, 0.75], [-0.5, 0.25], [1.0, 0.5], [0.25, -1.0], [0.75, 0.125], [-0.125, 0.5], [0.5, 0.5]]> : tensor<8x2xf32>) {par_out = 2}
  dataflow.write %y -> %out : !dataflow.stream<tensor<2xf32>, 1> -> memref<16x2xf32>
}
"""


def _accumulator_design():
    from inrarch.context import make_context, parse_module
    from inrarch.passes.dataflow_fixed_point import DataflowFixedPointPass

    module = parse_module(ACCUMULATOR_BOUND)
    DataflowFixedPointPass().apply(make_context(), module)
    return next(op for op in module.walk() if op.name == "dataflow.graph")


def test_broken_recurrence_runs_slower_in_rtl(tmp_path, monkeypatch):
    """Facts that claim an accumulator needs no cycles between visits (a broken kernel: a recurrence longer than its
    distance) make the model promise II 1; the RTL, built from its real accumulator RAM, runs at II 3 and shows it,
    instead of printing the model's figure."""
    from inrarch.targets.hls import facts
    from inrarch.targets.rtl.compare import model_span

    honest = model_span(_accumulator_design()).cycles
    monkeypatch.setattr(facts, "tree_accumulation",
                        lambda distance, acc_read, add="arith.addf", clock_mhz=None: facts.Recurrence("accumulator", 0,
                                                                                                       distance))  # fmt: skip
    graph = _accumulator_design()
    matvec = next(op for op in graph.kernels() if op.name == "dataflow.matvec")
    assert facts.kernel_facts(matvec).ii == 1  # the broken promise
    broken = model_span(graph).cycles
    project = write_rtl(graph, str(tmp_path / "rtl"))
    d = load(project)
    assert [k["rtl"]["ii"] for k in d["kernels"] if k["op"] == "dataflow.matvec"] == [3]
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    assert sim["mismatches"] == 0
    cycles = sim["cycles"][0]
    # 16 samples x 8 iterations: at II 3 the matvec alone needs 384 cycles; the broken model promises about a third.
    assert cycles >= 16 * 8 * 3 and cycles > 2 * broken, (cycles, broken)
    assert cycles <= honest  # the honest facts (II 4) still bound the RTL


def test_rom_with_too_few_ports_is_refused(tmp_path, monkeypatch):
    """A weight ROM bank shared by two lanes would need two reads per iteration through its one port: the generator
    refuses to build it (it cannot keep II 1) rather than print a design that claims it."""
    from inrarch.targets.rtl.kernels import MatvecRtl

    monkeypatch.setattr(MatvecRtl, "WEIGHT_LANES_PER_BANK", 2)
    with pytest.raises(CompileError, match="weight banks would serve 2 reads per iteration with one port each"):
        write_rtl(_accumulator_design(), str(tmp_path / "rtl"))
    assert not (tmp_path / "rtl").exists()


def test_yosys_cells_match_the_facts(tmp_path):
    """Yosys (synth_xilinx -family xcup) maps each kernel of a small tanh MLP to the DSP48E2 slices and block RAMs
    its facts count: a 20-bit x 18-bit multiply per matvec lane is one DSP48E2; the map's multiplies (tanh's slope x
    fraction and the Taylor products), shared over its II, are one DSP each, as many as the facts allocate; the tanh
    table (entries and slopes side by side, 2 x 18 bits) fits one BRAM18 per lane in its 512 x 36 shape."""
    from inrarch.targets.rtl.yosys import synthesize

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    design = inrarch.compile(model, sample_input(8, 2), order=1, dsp=60, precision="auto")
    project = design.write_rtl(str(tmp_path / "rtl"))
    d = load(project)
    netlist = str(tmp_path / "rtl" / "rtl" / f"{d['top']}.il")
    checked = 0
    for k in d["kernels"]:
        if k["op"] not in ("dataflow.matvec", "dataflow.map"):
            continue
        got = synthesize(netlist, k["module"], str(tmp_path / "yosys" / k["name"]))
        assert (got.dsp, got.bram18) == (k["model"]["dsp"], k["model"]["bram18"]), (k["name"], got.cells)
        assert got.dsp > 0
        checked += 1
    assert checked == 3
    # A kernel Yosys does not finish within the time given is reported as not measured, and the run goes on.
    measured = measure(project, sim=False, synth=True, kernels=[d["kernels"][1]["name"]], progress=lambda _: None,
                       synth_timeout=0.01)  # fmt: skip
    assert measured["synth"] == {d["kernels"][1]["name"]: {"timed_out": 0.01}}
    assert any("Yosys did not finish within 0.01 s: not measured" in ln for ln in report_lines(d, measured))


@pytest.mark.rtl_long
@pytest.mark.parametrize("order", [1, 2])
def test_benchmark_in_rtl(tmp_path, order):
    """The benchmark SIREN (2 -> 256 x 4 -> 3), 64 samples, 3,200 DSP, precision auto: its RTL's outputs equal the
    fixed-point semantics bit for bit, and its cycles are within 2% of the model's (about 5 minutes per order:
    Verilog generation, a Verilator build of some 3,000 multipliers, one call)."""
    torch.manual_seed(0)
    x = torch.rand(64, 2) * 2 - 1
    design = inrarch.compile(models.benchmark_siren(), x, order=order, dsp=3200, precision="auto")
    project = design.write_rtl(str(tmp_path / "rtl"), inputs=x)
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    assert sim["mismatches"] == 0
    model = load(project)["model"]["cycles"]
    assert abs(sim["cycles"][0] - model) <= 0.02 * model, (sim["cycles"][0], model)


@pytest.mark.rtl_long
@pytest.mark.parametrize("name,order", [(n, o) for n, _, _ in MODEL_KINDS for o in (1, 2)],
                         ids=[f"{n}-order{o}" for n, _, _ in MODEL_KINDS for o in (1, 2)])
def test_every_kind_bit_exact(tmp_path, name, order):
    """Every model kind of the tests at orders 1-2 in auto (about half a minute each): RTL = fixed-point semantics."""
    design, x = _design(name, order, 400)
    project = design.write_rtl(str(tmp_path / "rtl"), inputs=x)
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    assert sim["mismatches"] == 0 and sim["cycles"][0] <= load(project)["model"]["cycles"]


@pytest.mark.rtl_long
def test_second_order_quarter_wave_tables_bit_exact(tmp_path):
    """A budget of 2e-6 needs 27-bit formats, where sin and cos take second-order quarter-wave tables (c0 + floor(c1 +
    c2 t') t, the phase mirrored and negated by quadrant; the default designs' formats take first-order ones): the
    RTL equals the fixed-point semantics and the C-simulation bit for bit."""
    from inrarch.analysis.fixed_body import BodyFormats, table
    from inrarch.dialects.dataflow import MapOp

    model = models.siren(2, 8, 2, 1, omega=10.0)
    x = sample_input(8, 2)
    design = inrarch.compile(model, x, order=1, dsp=40, precision="auto", error=2e-6)
    tables = [table(op, BodyFormats(k)) for k in design.graph.kernels() if isinstance(k, MapOp)
              for op in k.body.block.ops if op.name in ("math.sin", "math.cos")]  # fmt: skip
    assert tables and all(t.order == 2 and t.periodic for t in tables)
    inputs = np.concatenate([x.numpy(), sample_input(8, 2, seed=1).numpy()])
    project = design.write_rtl(str(tmp_path / "rtl"), inputs=inputs)
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    expected, _ = run_fixed(design.graph, inputs.astype(np.float32).astype(np.float64))
    assert sim["mismatches"] == 0 and sim["values"] == expected.size
    np.testing.assert_array_equal(np.stack(design.csim(inputs), axis=1), expected)
