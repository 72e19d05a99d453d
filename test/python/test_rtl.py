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
from inrarch.dataflow.precision import run_fixed
from inrarch.diagnostics import CompileError
from inrarch.targets.rtl.project import load, measure, write_rtl

KINDS = dict((name, (factory, d)) for name, factory, d in MODEL_KINDS)

# Ten designs over every kernel kind and every fixed-point op form: tables (sin, cos, tanh, exp, log, sqrt, erf,
# ...), division, logic (ReLU's comparison and selection, abs), products, shuffles; 1-3 inputs; orders 1-2.
DESIGNS = [
    ("siren", 1, 60), ("siren", 2, 200), ("mlp_tanh", 2, 100), ("mlp_sigmoid", 1, 100), ("mlp_gelu", 1, 100),
    ("mlp_relu", 2, 100), ("elementwise", 1, 60), ("residual", 1, 200), ("fourier", 1, 200), ("siren_3d", 1, 100),
]  # fmt: skip


def _design(name: str, order: int, dsp: int, samples: int = 8):
    factory, d = KINDS[name]
    model = factory()
    x = sample_input(samples, d)
    return inrarch.compile(model, x, order=order, dsp=dsp, precision="auto"), x


@pytest.mark.parametrize("name,order,dsp", DESIGNS, ids=[f"{n}-order{o}" for n, o, _ in DESIGNS])
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
    # The model is a promise the RTL must keep: the same kernels at the same IIs, connected by FIFOs of the same
    # depths, so a call takes at most the model's cycles (first input word to last output word). The model keeps
    # pessimism where Vitis's schedule is uncertain (a cycle of slack on the accumulator recurrence and before the
    # row-buffer read, a shared map's depth bounded by ii - 1 cycles for every operator on its longest chain),
    # which the RTL does not need: it is faster by those cycles, a few percent of these short calls.
    model = load(project)["model"]["cycles"]
    for cycles in sim["cycles"]:
        assert 0.85 * model <= cycles <= model, (cycles, model)
    assert sim["cycles"][0] == sim["cycles"][1]  # a reset design repeats its call exactly


def test_rtl_refuses_float_designs(tmp_path):
    model = models.siren(2, 8, 2, 1, omega=10.0)
    x = sample_input(4, 2)
    design = inrarch.compile(model, x, order=1, dsp=100)
    with pytest.raises(CompileError, match="RTL needs a fixed-point design"):
        design.write_rtl(str(tmp_path / "rtl"))
    with pytest.raises(CompileError, match="RTL needs a fixed-point design"):
        inrarch.compile(model, x, order=1, dsp=100, out_dir=str(tmp_path / "p"), emit="rtl")
    assert not (tmp_path / "p").exists()
