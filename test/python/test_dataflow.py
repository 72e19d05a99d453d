"""The dataflow pipeline: it computes what the derivative program computes, and the benchmark design meets the
modeled targets (the figures are the deterministic output of the cycle model, not timings of this machine)."""

import json
from math import lcm

import numpy as np
import pytest
import torch

from inrarch.apps import models
from inrarch.api import differentiate
from inrarch.context import make_context
from inrarch.analysis.report import design_report
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp
from inrarch.api import evaluate
from inrarch.importer import import_model
from inrarch.passes.dataflow_convert import DataflowConvertPass
from inrarch.passes.dataflow_fuse import DataflowFusePass
from inrarch.passes.dataflow_lower import DataflowLowerPass
from model_kinds import MODEL_KINDS, sample_input


def graph_of(module) -> GraphOp:
    return next(op for op in module.walk() if isinstance(op, GraphOp))


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
def test_dataflow_design_computes_the_derivatives(name, factory, d):
    model = factory().double()
    x = sample_input(12, d, dtype=torch.float64)
    module = differentiate(model, x, order=2)
    expected = evaluate(module, x.numpy())
    DataflowLowerPass(quiet=True).apply(make_context(), module)
    module.verify()
    (written,) = evaluate(module, x.numpy())
    assert written.shape == (12, len(expected))
    for i, e in enumerate(expected):
        assert np.abs(written[:, i] - e).max() <= 1e-12 * max(1.0, np.abs(e).max())
    report = design_report(graph_of(module))
    assert report["deadlock_free"] and report["modeled_cycles"] > 0


def test_fusion_leaves_one_map_and_one_shared_matvec_per_layer():
    model = models.siren(2, 16, 3, 3)
    module = differentiate(model, sample_input(8, 2), order=3)
    DataflowConvertPass().apply(make_context(), module)
    before = sum(1 for _ in graph_of(module).kernels())
    DataflowFusePass().apply(make_context(), module)
    kinds = [k.name for k in graph_of(module).kernels()]
    assert kinds.count("dataflow.matvec") == 4  # first layer, two hidden layers, output layer
    assert kinds.count("dataflow.map") == 4  # one per sine layer and the output scaling
    assert kinds.count("dataflow.fork") == 0
    assert len(kinds) < before / 5
    members = [len(k.stream_inputs) for k in graph_of(module).kernels() if k.name == "dataflow.matvec"]
    assert members == [1, 10, 10, 10]  # 10 Taylor coefficients for d = 2, n = 3


@pytest.fixture(scope="module")
def benchmark_forward():
    return import_model(models.benchmark_siren(), sample_input(64, 2))


@pytest.mark.parametrize("order,latency_ms", [(1, 0.26), (2, 0.51)])
def test_benchmark_meets_the_modeled_targets(benchmark_forward, order, latency_ms, tmp_path):
    module = differentiate(benchmark_forward, order=order)
    report_file = tmp_path / "report.json"
    DataflowLowerPass(dsp=3200, report=str(report_file), quiet=True).apply(make_context(), module)
    report = json.loads(report_file.read_text())
    assert report["assumptions"]["modeled"] is True and report["assumptions"]["clock_mhz"] == 300
    assert report["deadlock_free"]
    assert report["modeled_latency_ms"] <= latency_ms
    assert report["latency_over_dsp_bound"] <= 1.3
    assert report["dsp"] <= 3200 and report["bram36"] <= 1344 and report["uram"] <= 640
    assert report["fifo_words_lp_stall_free_bound"] <= report["fifo_words_lp_schedule"]
    if order == 1:
        assert report["fifo_words"] <= 8900


def test_infeasible_budget_says_what_it_needs(benchmark_forward):
    module = differentiate(benchmark_forward, order=1)
    with pytest.raises(CompileError, match=r"the design needs at least \d+ DSP .*the budget is 10$"):
        DataflowLowerPass(dsp=10, quiet=True).apply(make_context(), module)


def test_matvec_input_lanes_divide_the_rows_and_tokens_hold_them():
    """A matvec's input lanes (par_in) are any divisor of its rows up to 64, not only powers of two: a 12-row,
    1-column matvec takes all 12 products of a sample in one iteration (one adder tree of 12), where powers of two
    stopped at 4 (3 reduction steps). A stream read by it then carries tokens of a multiple of its lanes: a 48-element
    stream feeding 12 lanes gets 12-element tokens, not the 16 that divide 48 and exceed 12."""
    from inrarch.targets.hls.facts import par_in_choices
    from inrarch.passes.dataflow_parallelize import _token_width, cheapest_lanes

    assert par_in_choices(12) == [1, 2, 3, 4, 6, 12]
    assert par_in_choices(256)[-1] == 64 and par_in_choices(48)[-1] == 48
    par_in, par_out, ii = cheapest_lanes(members=1, rows=12, cols=1, interval=1)
    assert (par_in, par_out, ii) == (12, 1, 1)
    assert _token_width(48, 12, 12) == 12
    assert _token_width(48, 12) == 16  # without a reader's lanes: powers of two first
    assert _token_width(48, 24, lcm(12, 16)) == 48
