"""The native, periodic-extrapolating cycle model gives the designs the pure-Python model of the previous version
gave, and dataflow-fuse as rewrites of the dataflow ops gives the designs its earlier version on a copy of the
graph gave: the same FIFO depths (in any FIFO order), modeled cycles, FIFO words, DSP and BRAM, for the benchmark
SIREN at orders 1-4 and every model kind at orders 1-2. test/Inputs/designs.json holds that model's figures: written with the pure-Python
Simulator of commit a540dd2 (inrarch/analysis/cycle_model.py there) in place of the native one, every other part of
the compiler as here. Entries a later change altered on purpose (its commit says why) are written by
tools/designs_reference.py, which checks each design's cycles against the independent SimPy engine of
simpy_engine.py first: the 3-input kinds, whose matvecs took input lanes of any divisor of their rows (not only
powers of two) from dataflow-parallelize, and got faster. A run of many samples, extrapolated, equals its exact
simulation."""

import json
import os

import pytest

import inrarch
from inrarch.apps import models
from inrarch.analysis.cycle_model import Simulator
from inrarch.analysis.simulate import sim_model
from model_kinds import MODEL_KINDS, sample_input

with open(os.path.join(os.path.dirname(__file__), "..", "Inputs", "designs.json")) as f:
    BEFORE = json.load(f)

CONFIGS = [(f"benchmark-order{o}", models.benchmark_siren, 64, 2, o, 3200) for o in (1, 2, 3, 4)] + [
    (f"{name}-order{o}", factory, 16, d, o, None) for name, factory, d in MODEL_KINDS for o in (1, 2)
]


@pytest.mark.parametrize("key,factory,n,d,order,dsp", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_same_design_as_before(key, factory, n, d, order, dsp):
    design = inrarch.compile(factory(), sample_input(n, d), order=order, dsp=dsp)
    got = {"depths": sorted(f.depth_value for f in design.graph.fifos()),
           "modeled_cycles": design.report["modeled_cycles"], "dsp": design.report["dsp"],
           "bram36": design.report["bram36"], "fifo_words": design.report["fifo_words"]}
    before = dict(BEFORE[key], depths=sorted(BEFORE[key]["depths"]))  # the same depths, whatever the FIFOs' order
    assert got == before


def test_extrapolated_runs_equal_exact_ones():
    """Many samples: simulated until periodic, then extrapolated (Simulator.run) — the same cycles and occupancies
    as simulating every sample."""
    design = inrarch.compile(models.siren(2, 16, 2, 2), sample_input(16, 2), order=2)
    kernels, streams, _ = sim_model(design.graph)
    sim = Simulator(kernels, streams)
    for samples in (100, 257, 1000):
        fast = sim.run(samples, occupancy=True)
        exact = sim.run_exact(samples, sim_depths(streams), occupancy=True)
        assert fast.extrapolated_from is not None and fast.extrapolated_from < samples
        assert (fast.cycles, fast.max_occupancy) == (exact.cycles, exact.max_occupancy)
        assert fast.interval == pytest.approx(exact.interval, rel=0.05)


def sim_depths(streams):
    import numpy as np

    return np.array([s.depth for s in streams], dtype=np.int64)
