"""Fixed-point designs (dataflow-fixed-point): formats, the DSP rule, the emulation against the ap_fixed
C-simulation, the error budget against PyTorch float64, and overflow detection."""

import re

import numpy as np
import pytest
import torch
from model_kinds import MODEL_KINDS, sample_input

import inrarch
from inrarch.apps import models
from inrarch.apps.reference import insp_derivatives
from inrarch.analysis.fixed import Fixed, fifo_format, make_table, mul_dsp, parse_precision
from inrarch.analysis.precision import calibration_grid, output_errors, run_fixed
from inrarch.diagnostics import CompileError
from inrarch.targets.hardware import operator


def _reference(model, x, order):
    return np.stack([r.numpy() for r in insp_derivatives(model.double(), torch.as_tensor(x).double(), order, "insp")],
                    axis=1)  # fmt: skip


def test_dsp_tiling_rule():
    # A DSP48E2 multiplies 27 x 18 signed bits. A wider signed operand splits into a signed top piece and
    # unsigned lower pieces of one bit less (26 on the 27-bit port, 17 on the 18-bit port); the multiply costs
    # the product of the pieces, in the better orientation.
    assert mul_dsp(27, 18) == 1 and mul_dsp(18, 27) == 1 and mul_dsp(16, 16) == 1
    assert mul_dsp(20, 18) == 1  # 20 bits on the 27-bit port
    assert mul_dsp(28, 18) == 2  # 28 = 27 + 1: two pieces on the 27-bit port, or 28 on 18: 1 + ceil(10/17) = 2
    assert mul_dsp(27, 19) == 2  # 19 on the 18-bit port: 2 pieces; 27 on the 18-bit port: 2 pieces
    assert mul_dsp(32, 32) == 4  # 2 x 2 pieces either way
    assert mul_dsp(53, 18) == 2 and mul_dsp(54, 18) == 3  # 27 + 26 bits on the wide port, then a third piece
    assert mul_dsp(35, 35) == 4  # 35 on 27: 2 pieces; 35 on 18: 1 + ceil(17/17) = 2
    # The operator table reads the same rule, and adds in fixed point cost no DSP.
    assert operator("fx.mul.20x18").dsp == 1 and operator("fx.mul.28x18").dsp == 2
    assert operator("fx.add.40").dsp == 0


def test_quantize_modes():
    f = Fixed(8, 4)  # lsb 1/16, range [-8, 8 - 1/16]
    q, n = f.quantize(np.array([0.03, 0.04, -0.03, 1.0 + 1 / 32, 7.99, 8.5, -9.0]))
    # AP_RND rounds half up: 0.03 -> 0 (0.48 lsb), 0.04 -> 1/16 (0.64 lsb), -0.03 -> 0, 1 + 1/32 -> 1 + 1/16
    # (exactly half, up); 7.99 -> 8 - 1/16 + ... 7.99 * 16 = 127.84 -> 128, past the top: wraps to -8.
    assert list(q[:4]) == [0.0, 0.0625, 0.0, 1.0625]
    assert q[4] == -8.0 and q[5] == -7.5 and q[6] == 7.0  # 8.5 -> 136 - 256 = -120 / 16; -9 -> -144 + 256 = 112
    assert n == 3
    sat, n = Fixed(8, 4, "trn", "sat").quantize(np.array([0.06, -0.01, 9.0, -9.0]))
    assert list(sat) == [0.0, -0.0625, 8 - 1 / 16, -8.0] and n == 2  # AP_TRN floors
    assert str(parse_precision("ap_fixed<32,10>")) == "ap_fixed<32,10, trn, wrap>"
    with pytest.raises(CompileError, match="precision must be float, auto or ap_fixed"):
        parse_precision("fixed16")


# (op, numpy function, calibrated domain, integer bits of the output)
TABLE_CASES = [("math.sin", np.sin, -100.0, 100.0, 2), ("math.cos", np.cos, -100.0, 100.0, 2),
               ("math.tanh", np.tanh, -3.0, 3.0, 2), ("math.exp", np.exp, -4.0, 2.0, 4),
               ("math.log", np.log, 0.05, 8.0, 4), ("math.log1p", np.log1p, 0.0, 40.0, 4),
               ("math.erf", None, -4.0, 4.0, 2)]  # fmt: skip


@pytest.mark.parametrize("width", [20, 24, 29])
@pytest.mark.parametrize("name,fn,lo,hi,int_bits", TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_table_error_bound(name, fn, lo, hi, int_bits, width):
    # Every table is sized to its output's lsb: the polynomial errs by a quarter lsb, the fraction's cut by an
    # eighth, the coefficients' rounding by up to 3/8 (3 coefficients: 3/16, plus 1/8 for the floor of the inner
    # sum), the phase by 1/8 and 1 / (2 pi) by 1/4 (periodic), then the result is rounded (1/2): at most 1.5 lsb
    # from float64 at any width, where a 1,024-entry linear table's floor stayed at 4.7e-6 (sin: 300 lsb at 29 bits).
    from scipy.special import erf

    fn = fn or erf
    x_fmt, y_fmt = Fixed(width + 4, 8), Fixed(width, int_bits)
    t = make_table(name, fn, x_fmt, y_fmt, lo, hi)
    x = x_fmt.quantize(np.linspace(lo, hi, 100001))[0]
    y, clamped = t.evaluate(x)
    assert clamped == 0
    assert np.max(np.abs(y - fn(x))) <= 1.5 * y_fmt.lsb
    assert t.n <= 2**14 and t.order in (1, 2)
    if t.periodic:
        assert t.n <= 2**10  # a quarter period, second order beyond 1,024 entries
    if width <= 24 and name not in ("math.log", "math.log1p"):  # the multiply of the fraction: one DSP48E2
        assert mul_dsp(t.inner_bits, t.t_bits[0] + 1) == 1
    # Inputs outside a non-periodic table's domain are clamped and counted.
    if not t.periodic:
        assert t.evaluate(np.array([hi + 4.0]))[1] == 1


def test_sin_and_cos_share_one_table():
    # cos u = sin(u + pi / 2): cos reads sin's quarter-wave table a quadrant on; the memory contents are the same,
    # and an order-2 table over a quarter period needs far fewer entries than linear interpolation over a period.
    x_fmt, y_fmt = Fixed(33, 8), Fixed(29, 2)
    s = make_table("math.sin", np.sin, x_fmt, y_fmt, -50.0, 50.0)
    c = make_table("math.cos", np.cos, x_fmt, y_fmt, -50.0, 50.0)
    assert (s.quadrant, c.quadrant) == (0, 1) and s.order == c.order == 2
    for a, b in zip(s.raw_coefficients(), c.raw_coefficients(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert s.n <= 1024  # linear over one period would need (2 pi) / sqrt(8 lsb / 4), about 740,000 entries
    x = x_fmt.quantize(np.array([0.0, np.pi / 2, np.pi, 1.5 * np.pi, -np.pi / 2]))[0]
    np.testing.assert_allclose(c.evaluate(x)[0], np.cos(x), atol=1.5 * y_fmt.lsb)
    np.testing.assert_allclose(s.evaluate(x)[0], np.sin(x), atol=1.5 * y_fmt.lsb)


@pytest.fixture(scope="module")
def small_design():
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    x = sample_input(32, 2)
    return model, x, inrarch.compile(model, x, order=2, precision="auto")


def test_auto_matches_pytorch_and_its_emulation(small_design):
    model, x, design = small_design
    assert design.fixed and design.report["precision"].startswith("auto")
    xs = sample_input(64, 2, seed=3)
    ref = _reference(model, xs, 2)
    emulated, overflows = run_fixed(design.graph, xs.numpy().astype(np.float64))
    assert not overflows
    for threaded in (False, True):
        out = np.stack(design.csim(xs.numpy(), threaded=threaded), axis=1)
        # Bit for bit: the emulation is the ap_fixed arithmetic the C++ performs (then a float32 output).
        np.testing.assert_array_equal(out, emulated)
        assert np.max(output_errors(out, ref)) <= 1e-3
        assert design.overflows == {}
    timed = design.timed_csim(x.numpy())
    assert timed.cycles == design.report["modeled_cycles"]


def test_too_narrow_format_overflows():
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    x = sample_input(32, 2)
    # Order-2 derivatives of sin(30 x) reach hundreds: ap_fixed<16,4> (|v| < 8) overflows; by default that is an
    # error naming where.
    with pytest.raises(CompileError, match=r"values overflow their formats on the calibration inputs \(most at k\d+_"):
        inrarch.compile(model, x, order=2, precision="ap_fixed<16,4>")
    # Asked to wrap, the design is built and the C-simulation counts the same overflows the emulation does.
    design = inrarch.compile(model, x, order=2, precision="ap_fixed<16,4>", overflow="wrap")
    _, expected = run_fixed(design.graph, x.numpy().astype(np.float64))
    design.csim(x.numpy())
    assert sum(design.overflows.values()) == sum(expected.values()) > 0


def test_fixed_point_dsp_counts(small_design):
    # A fixed-point multiply-add of an auto design is one DSP (inputs <= 27 bits, weights 18), not fp32's 5.
    _, _, design = small_design
    assert design.report["assumptions"]["mac_dsp"] == 1
    for kernel in design.report["kernel_facts"]:
        for name in kernel["operators"]:
            assert not name.startswith("arith.")  # every operator is a fixed-point one


def test_calibration_grid():
    g = calibration_grid(2, 4096)
    assert g.shape == (4096, 2) and g.min() == -1 and g.max() == 1
    assert calibration_grid(3, 4096).shape == (16**3, 3)


@pytest.mark.parametrize("order", [1, pytest.param(2, marks=pytest.mark.fixed_long)])
@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
def test_every_kind_meets_the_budget(name, factory, d, order):
    """Auto formats for every model kind at orders 1-2 keep each output within 1e-3 of its largest magnitude vs
    PyTorch float64, in bit-accurate C-simulation, sequential and threaded, on inputs not used to calibrate. The
    default suite runs order 1 of every kind (order 2 in fixed point: the benchmark SIREN below, and the RTL
    designs); `pytest -m fixed_long` runs order 2 of every kind too (about 7 minutes of CPU)."""
    torch.manual_seed(0)
    model = factory()
    design = inrarch.compile(model, sample_input(16, d), order=order, precision="auto")
    xs = sample_input(64, d, seed=1)
    ref = _reference(model, xs, order)
    design.build_modes(["sequential", "threaded"])
    for threaded in (False, True):
        out = np.stack(design.csim(xs.numpy(), threaded=threaded), axis=1)
        assert np.max(output_errors(out, ref)) <= 1e-3, name
        assert design.overflows == {}


@pytest.mark.parametrize("order", [1, pytest.param(2, marks=pytest.mark.fixed_long)])
def test_mish_meets_the_budget(order):
    """A mish MLP (nn.Mish, which inrarch decomposes into x tanh(softplus(x)): exp and log1p tables, a tanh table)
    meets the default budget in auto formats, in bit-accurate C-simulation against PyTorch float64."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Mish(), torch.nn.Linear(32, 32), torch.nn.Mish(),
                                torch.nn.Linear(32, 3))  # fmt: skip
    design = inrarch.compile(model, sample_input(16, 2), order=order, precision="auto")
    xs = sample_input(64, 2, seed=1)
    out = np.stack(design.csim(xs.numpy()), axis=1)
    assert np.max(output_errors(out, _reference(model, xs, order))) <= 1e-3
    assert design.overflows == {}


@pytest.mark.parametrize("order", [1, 2])
def test_benchmark_siren_auto(order):
    """The benchmark SIREN (2 -> 256 x 4 -> 3, 64 samples, 3,200 DSP) in auto fixed point: one DSP per
    multiply-add, the issue's modeled targets (order 1 <= 0.06 ms, order 2 <= 0.12 ms), and C-simulated outputs
    within 1e-3 of PyTorch float64 on random inputs of the domain, sequential and threaded, with no overflow."""
    model = models.benchmark_siren()
    x = torch.rand(64, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    design = inrarch.compile(model, x, order=order, dsp=3200, precision="auto")
    r = design.report
    assert r["assumptions"]["mac_dsp"] == 1 and r["dsp"] <= 3200
    assert r["modeled_latency_ms"] <= 0.06 * order
    xs = torch.rand(128, 2, generator=torch.Generator().manual_seed(5)) * 2 - 1
    ref = _reference(model, xs, order)
    design.build_modes(["sequential", "threaded"])
    for threaded in (False, True):
        out = np.stack(design.csim(xs.numpy(), threaded=threaded), axis=1)
        assert np.max(output_errors(out, ref)) <= 1e-3
        assert design.overflows == {}


def test_saturation_is_asked_for_and_counted():
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    x = sample_input(32, 2)
    design = inrarch.compile(model, x, order=2, precision="ap_fixed<16,4>", overflow="saturate")
    assert all(fifo_format(f).overflow == "sat" for f in design.graph.fifos())
    emulated, expected = run_fixed(design.graph, x.numpy().astype(np.float64))
    out = np.stack(design.csim(x.numpy()), axis=1)
    np.testing.assert_array_equal(out, emulated)  # saturating arithmetic, bit for bit
    assert sum(design.overflows.values()) == sum(expected.values()) > 0


def test_unreachable_budget_is_an_error():
    # 1e-12 of each output's largest magnitude needs about 40 fractional bits beyond the 18-bit weights' own
    # error: no width up to 40 bits meets it, and the design is refused with one line (no formats left behind).
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    with pytest.raises(CompileError, match=r"no format of up to 40 bits keeps every output within 1e-12"):
        inrarch.compile(model, sample_input(16, 2), order=1, precision="auto", error=1e-12)


def test_refusal_names_the_limiting_table(monkeypatch):
    # Tables held to 4 segments per quarter period cannot follow sin to 1e-3 through three sine layers at omega 30,
    # whatever the width: the refusal names the site that limits it, a sin table, where the model wrote it, and
    # its error alone (the rest of the design in float64), most of the design's error.
    from inrarch.analysis import fixed, fixed_body

    monkeypatch.setattr(fixed, "TABLE_MAX_LOG2", 2)
    monkeypatch.setattr(fixed_body, "_TABLES", {})
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    with pytest.raises(CompileError) as err:
        inrarch.compile(model, sample_input(16, 2), order=1, precision="auto")
    message = str(err.value)
    assert "no format of up to 40 bits keeps every output within 0.001" in message
    m = re.search(r"the largest error site is the math\.(sin|cos) table \(4 entries, order \d\) \(k\d+_map:v\d+, "
                  r"[^)]*inrarch/apps/models\.py:\d+:\d+\): ([0-9.e-]+) alone", message)  # fmt: skip
    worst = re.search(r"\(worst ([0-9.e-]+) at 40 bits", message)
    assert m and worst and float(m.group(2)) > 0.5 * float(worst.group(1)), message  # the table makes most of it


def test_accepted_design_lists_its_error_sites(small_design):
    # The report of an accepted auto design names its largest error sites, each measured alone: every one within
    # the worst error's order of magnitude or below, and the sites partition the design's roundings.
    from inrarch.analysis.precision import attribute_error, error_sites

    model, x, design = small_design
    text = design.report["precision"]
    assert text.count("; error site ") == 3
    sites = [s for s, _, _ in error_sites(design.graph)]
    assert len(sites) == len(set(sites))
    kinds = {s.split(":")[1][0] for s in sites}
    assert kinds >= {"o", "w", "v"}  # results' rounding, weights, values and tables
    xs = sample_input(32, 2, seed=4).numpy().astype(np.float64)
    top = attribute_error(design.graph, xs)
    errors = [c.error for c in top]
    assert {c.site for c in top} == set(sites) and errors == sorted(errors, reverse=True)
    assert top[0].error < 1e-3  # an accepted design: no site alone breaks the budget
    weights = [c for c in top if c.site.endswith(":weights")]
    assert weights and all(c.error > 0 for c in weights)  # 18-bit weights do err, and the run says how much


def test_widths_per_stream_group(small_design):
    """auto gives each stream group (a fork's streams; a matvec port's members, one C++ type) and each map's body
    its own width: from the least uniform width that meets the budget, groups whose narrowing saves DSP48E2 tiles
    shrink wherever the emulation stays within budget. In this SIREN some matvec outputs, read by the next map's
    multiplies, go to 18 bits (an 18 x 22 multiply is one DSP, a 22 x 22 one two) while streams of other ranges
    and sensitivities keep 22: less DSP work than the uniform width's, the budget still met (C-simulation = the
    emulation, bit for bit: test_auto_matches_pytorch_and_its_emulation runs this design)."""
    from inrarch.analysis.precision import apply_formats, dsp_work, record_ranges
    from inrarch.dialects.dataflow import MatVecOp

    _, _, design = small_design
    graph = design.graph
    widths = {fifo_format(f).width for f in graph.fifos()}
    assert min(widths) <= 18 and max(widths) >= 22, widths
    for k in graph.kernels():
        if isinstance(k, MatVecOp):
            for port in (k.inputs, k.outputs):
                assert len({fifo_format(v.owner).width for v in port}) == 1  # one C++ type per port
    m = re.search(r"from a uniform (\d+)\), (\d+)-bit weights", design.report["precision"])
    assert m, design.report["precision"]
    uniform = graph.clone()
    apply_formats(uniform, record_ranges(uniform, calibration_grid(2)), int(m.group(1)), int(m.group(2)), 2.0)
    assert {fifo_format(f).width for f in uniform.fifos()} == {max(widths)}
    assert dsp_work(graph) < dsp_work(uniform)


def test_report_says_dsp_per_multiply(small_design):
    # The report says, per matvec, its input and weight widths and the DSP48E2s one multiply takes, and why.
    from inrarch.analysis.fixed import mul_dsp_why
    from inrarch.analysis.report import format_report
    from inrarch.dialects.dataflow import MatVecOp

    _, _, design = small_design
    lines = [line for line in format_report(design.report).splitlines() if line.startswith("  multiply ")]
    matvecs = [k for k in design.graph.kernels() if isinstance(k, MatVecOp)]
    assert len(lines) == len(matvecs) == len(design.report["matvec_multiplies"])
    for k, line in zip(matvecs, lines, strict=True):
        x, w = fifo_format(k.inputs[0].owner).width, k.weight_format.width.data
        assert line.endswith(f": input x weight bits {x}x{w}: 1 DSP (within the DSP48E2's 27x18 ports)"), line
    assert mul_dsp_why(28, 18) == "28x18: 2 DSP (28 bits in 2 piece(s) on the 27-bit port x 18 in 1 on the 18-bit port)"
    assert mul_dsp_why(18, 30) == "18x30: 2 DSP (30 bits in 2 piece(s) on the 27-bit port x 18 in 1 on the 18-bit port)"


@pytest.mark.fixed_long
def test_benchmark_siren_order3_one_dsp_per_multiply():
    """The benchmark SIREN at order 3 (64 samples, 3,200 DSP): a uniform width needs 28 bits (2 DSP per
    multiply-add, 0.328 ms modeled); with a width per stream group the matvecs of the hidden and last layers read
    inputs of at most 27 bits (1 DSP each; the first layer's, 2 rows, 0.1% of the multiply-adds, saves too little
    to be tried) and the modeled latency is within 0.16 ms, the outputs within 1e-3 of PyTorch float64 on random
    inputs of the domain (the emulation, which C-simulation matches bit for bit)."""
    from inrarch.dialects.dataflow import MatVecOp

    model = models.benchmark_siren()
    x = torch.rand(64, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    design = inrarch.compile(model, x, order=3, dsp=3200, precision="auto")
    r = design.report
    assert r["dsp"] <= 3200 and r["modeled_latency_ms"] <= 0.16, r["modeled_latency_ms"]
    matvecs = [k for k in design.graph.kernels() if isinstance(k, MatVecOp)]
    for k, m in zip(matvecs, r["matvec_multiplies"], strict=True):
        assert m["dsp"] == 1 or k.shape[0] == 2, m
    xs = torch.rand(128, 2, generator=torch.Generator().manual_seed(5)) * 2 - 1
    out, overflows = run_fixed(design.graph, xs.numpy().astype(np.float64))
    assert not overflows
    assert np.max(output_errors(out, _reference(model, xs, 3))) <= 1e-3


class _DefaultInitSine(torch.nn.Module):
    """sin(30 (x W^T + b)) with PyTorch's default Linear initialisation (not SIREN's): derivatives grow fast."""

    def __init__(self, i: int, o: int):
        super().__init__()
        self.linear = torch.nn.Linear(i, o)

    def forward(self, x):
        return torch.sin(30.0 * self.linear(x))


def _default_init_siren():
    torch.manual_seed(0)
    return torch.nn.Sequential(_DefaultInitSine(2, 256), *[_DefaultInitSine(256, 256) for _ in range(3)],
                               torch.nn.Linear(256, 3))  # fmt: skip


@pytest.mark.fixed_long
def test_default_initialised_siren_order1_meets_the_budget():
    """The benchmark's shape with PyTorch's default initialisation and omega 30 on every layer: at order 1 auto
    formats meet the 1e-3 budget (27-bit weights, streams up to 30 bits)."""
    model = _default_init_siren()
    design = inrarch.compile(model, sample_input(64, 2), order=1, precision="auto")
    xs = sample_input(64, 2, seed=1)
    out = np.stack(design.csim(xs.numpy()), axis=1)
    assert np.max(output_errors(out, _reference(model, xs, 1))) <= 1e-3


def test_default_initialised_siren_order2_refusal_names_its_limits():
    """At order 2 the same model cannot meet 1e-3 within exact 64-bit accumulators: 18-bit weights alone are off by
    0.4 of the largest output, and 27-bit weights need accumulators wider than 64 bits. The refusal says both and
    where the weights are."""
    with pytest.raises(CompileError) as err:
        inrarch.compile(_default_init_siren(), sample_input(64, 2), order=2, precision="auto")
    message = err.value.message
    assert "27-bit weights leave no width whose exact accumulators fit 64 bits" in message
    assert re.search(r"the largest error site is a matvec's 18-bit weights \(k\d+_matvec:weights, .*test_fixed.py:\d+",
                     message), message  # fmt: skip


def test_refusal_says_when_no_one_site_explains_the_error():
    """A model with kinks (abs, relu, leaky_relu: derivatives that jump where a value crosses 0), drawn by the
    fixed-point fuzzer: rounding that moves a value across a kink changes a derivative by a whole slope, so no width
    meets 1e-3 (worst 0.05 at 40 bits), while the largest site alone is off by 3e-5. The refusal says that no one
    site explains it rather than blaming that site."""
    from inrarch.apps.fuzz import Spec, build_model, inputs

    spec = Spec.parse('{"dims":3,"widths":[26,20,9,21],"activations":["cos","abs","relu","leaky_relu"],'
                      '"omegas":[1.0,1.0,1.0,1.0],"residual":[false,false,false,false],"fourier":5,"outputs":3,'
                      '"batch":32,"order":1,"seed":822073490,"dsp":1000,"kind":"fixed_budget"}')  # fmt: skip
    with pytest.raises(CompileError) as err:
        inrarch.compile(build_model(spec), inputs(spec, dtype=torch.float32), order=1, dsp=1000, precision="auto")
    assert "far below the worst: no one site explains it" in err.value.message
