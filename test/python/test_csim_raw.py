"""The raw-integer C-simulation (inrarch/targets/hls/lib/csim/ap_fixed_raw.h: int64_t / __int128 in place of Xilinx's ap_fixed)
gives the bits of Xilinx's ap_fixed.h, which synthesis computes with: every output word of a fixed-point design,
C-simulated both ways, is identical, and so is the fixed-point emulation (inrarch.analysis.precision.run_fixed),
a third witness written independently in numpy; the overflow counts per site agree too.

The default suite runs the elementwise zoo (matvecs; sin, exp, log, sqrt and pow tables; division by a tensor; a
shuffle) in auto formats (round half up) with saturation, on inputs beyond its calibration range so that values
saturate, and every operation of the library on random formats of both rounding and both overflow modes (about 45
CPU seconds together, most of it g++ on Xilinx's headers). `-m fixed_long` adds a SIREN of the benchmark's shape
(2 -> 16 x 3 -> 3, omega 30) at order 2 in INR-Arch's uniform ap_fixed<32,10> (truncation, wrap-around: its
order-2 streams pass 512 and wrap), the same SIREN in auto formats, in saturating ap_fixed<16,4>, the tanh MLP and
the benchmark SIREN itself."""

import numpy as np
import pytest
import torch

import inrarch
from inrarch.apps import models
from model_kinds import sample_input


def _same_bits(design, xs: np.ndarray, expect_overflows: bool) -> None:
    from inrarch.analysis.precision import run_fixed

    emulated, expected = run_fixed(design.graph, xs.astype(np.float64))
    raw = np.stack(design.csim(xs, overflow="ignore", jobs=2), axis=1)
    raw_overflows = dict(design.overflows)
    ap = np.stack(design.csim(xs, overflow="ignore", arithmetic="ap_fixed"), axis=1)
    assert raw.dtype == ap.dtype == np.float32 and raw.shape == ap.shape == emulated.shape
    # Every output word, bit for bit (NaN-free: the testbench refuses non-finite values).
    np.testing.assert_array_equal(raw.view(np.uint32), ap.view(np.uint32))
    np.testing.assert_array_equal(raw, emulated)
    assert raw_overflows == design.overflows
    assert sum(raw_overflows.values()) == sum(expected.values())
    assert (sum(expected.values()) > 0) == expect_overflows


@pytest.mark.fixed_long
def test_uniform_wrapping_siren_has_the_bits_of_ap_fixed():
    torch.manual_seed(0)
    model = models.siren(2, 16, 3, 3, omega=30.0)
    design = inrarch.compile(model, sample_input(16, 2), order=2, precision="ap_fixed<32,10>", overflow="wrap")
    assert design.report["precision"].startswith("uniform ap_fixed<32,10, trn, wrap>")
    _same_bits(design, sample_input(48, 2, seed=4).numpy(), expect_overflows=True)


def test_auto_saturating_elementwise_zoo_has_the_bits_of_ap_fixed():
    model = models.ElementwiseZoo()
    design = inrarch.compile(model, sample_input(16, 2), order=1, precision="auto", overflow="saturate")
    names = {op.name for op in design.graph.walk()}
    assert {"math.exp", "math.log", "math.sqrt", "arith.divf"} <= names
    assert design.report["precision"].startswith("auto") and design.overflow_policy == "saturate"
    xs = sample_input(48, 2, seed=5).numpy() * 4.0  # far beyond the calibration grid's [-1, 1]^2: values saturate
    _same_bits(design, xs, expect_overflows=True)


LONG = [
    ("siren-auto-order2", lambda: models.siren(2, 16, 3, 3, omega=30.0), 16, 2, "auto", "error", 1.0),
    ("siren-ap_fixed16-sat", lambda: models.siren(2, 16, 3, 3, omega=30.0), 16, 2, "ap_fixed<16,4>", "saturate", 1.0),
    ("mlp-tanh-auto", lambda: models.mlp("tanh"), 16, 2, "auto", "error", 1.0),
    ("benchmark-siren-auto-order1", models.benchmark_siren, 64, 1, "auto", "error", 1.0),
]


@pytest.mark.fixed_long
@pytest.mark.parametrize("name,factory,n,order,precision,overflow,reach", LONG, ids=[c[0] for c in LONG])
def test_more_designs_have_the_bits_of_ap_fixed(name, factory, n, order, precision, overflow, reach):
    torch.manual_seed(0)
    design = inrarch.compile(factory(), sample_input(n, 2), order=order, precision=precision, overflow=overflow)
    xs = sample_input(2 * n, 2, seed=6).numpy() * reach
    _same_bits(design, xs, expect_overflows=overflow == "saturate")


def _operations_program(seed: int, combos: int, values: int, coarse: bool = False) -> str:
    """A C++ program that applies every operation the printed designs use to `values` random raw values of
    `combos` random formats (signed and unsigned, 2-64 bits, integer bits from -2 to W + 2, both rounding and both
    overflow modes) and prints each result's bits: assignment from one format to another, a * b, a + b, a - b, -a,
    a / b, comparisons, conversion from and to double."""
    import random

    rng = random.Random(seed)

    def fmt(target: bool = False) -> str:
        # (A target keeps 4 fractional bits or more: Xilinx's C-simulation aborts on a rounding assignment that
        # drops more bits than its source has, which no design makes. `coarse`: targets whose least significant
        # bit is above 1 (I > W, as a stream of large Taylor coefficients has) from sources of 7 integer bits or
        # more, which keep the rounding within their bits.)
        if coarse:
            w = rng.randint(8 if target else 20, 40 if target else 64)
            i = rng.randint(w + 1, w + 6) if target else rng.randint(7, w + 2)
            return f"ap_fixed<{w}, {i}, {rng.choice(['AP_RND', 'AP_TRN'])}, {rng.choice(['AP_WRAP', 'AP_SAT'])}>"
        w = rng.randint(6 if target else 2, 64)
        i = rng.randint(-2, w - 4) if target else rng.randint(-2, w + 2)
        kind = "ap_fixed" if rng.random() < 0.8 else "ap_ufixed"
        return f"{kind}<{w}, {i}, {rng.choice(['AP_RND', 'AP_TRN'])}, {rng.choice(['AP_WRAP', 'AP_SAT'])}>"

    lines = ["#include <cstdint>", "#include <cstdio>", '#include "inrarch/fixed.h"',
             "static uint64_t state = 88172645463325252ULL;",
             "static uint64_t next() { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }",
             "template <typename T> static void put(const T& v) {",
             '  std::printf(" %llx", (unsigned long long)v.range(T::width - 1, 0).to_uint64()); }',
             "template <typename T> static T any() { T v; v.range(T::width - 1, 0) = next() >> (64 - T::width); return v; }",
             "int main() {"]  # fmt: skip
    for c in range(combos):
        a, b, r = fmt(), fmt(), fmt(target=True)
        same = a.startswith("ap_fixed<") == b.startswith("ap_fixed<")  # (mixed signedness: see ap_fixed_raw.h)
        lines += [f"  {{  // {a} and {b} to {r}", f"    typedef {a} A; typedef {b} B; typedef {r} R;",
                  f"    for (int k = 0; k < {values}; ++k) {{",
                  "      const A a = any<A>(); const B b = any<B>();",
                  f'      std::printf("{c}"); put(R(a)); put(R(a * b)); put(R(a + b)); put(R(a - b)); put(R(-a));',
                  "      if (b.to_double() != 0) put(R(a / b));",
                  '      std::printf(" %d%d%d", a < b, a == b, a >= b);' if same else "",
                  '      std::printf(" %d", a < 0);' if a.startswith("ap_fixed<") else "",
                  "      const double d = (double)(int64_t)next() * 0x1p-40 * (k % 3 ? 1.0 : 0x1p-20);",
                  '      put(R(d)); put(R(-d)); std::printf(" %a\\n", a.to_double());',
                  "    }", "  }"]  # fmt: skip
    return "\n".join([*lines, "  return 0;", "}", ""])


def test_every_operation_has_the_bits_of_ap_fixed(tmp_path):
    """The arithmetic itself, beyond the formats today's designs happen to use: 12 random format triples (products
    of up to 128 bits, shifts past 64 bits, saturation and wrap-around at every width, ties of both signs), and 6
    whose results have a least significant bit above 1 (I > W), the raw-integer build against Xilinx's, line by
    line."""
    import subprocess

    from inrarch.targets.hls.lib import HLS_LIB_DIR, ap_types_dir

    for coarse, combos in ((False, 12), (True, 6)):
        source = tmp_path / f"ops{int(coarse)}.cpp"
        source.write_text(_operations_program(seed=23, combos=combos, values=64, coarse=coarse))
        base = ["g++", "-O0", "-std=c++17", "-w", f"-I{HLS_LIB_DIR / 'csim'}", f"-I{HLS_LIB_DIR}", str(source)]
        outputs = []
        for name, extra in (("raw", ["-DINRARCH_CSIM_RAW_FIXED"]), ("ap", ["-isystem", str(ap_types_dir())])):
            binary = str(tmp_path / f"{name}{int(coarse)}")
            subprocess.run([*base, *extra, "-o", binary], check=True)
            outputs.append(subprocess.run([binary], capture_output=True, text=True, check=True).stdout)
        raw, ap = (o.splitlines() for o in outputs)
        assert len(raw) == len(ap) == combos * 64
        for line_raw, line_ap in zip(raw, ap, strict=True):
            assert line_raw == line_ap
