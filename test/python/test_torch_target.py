"""The derivative program as PyTorch (inrarch.targets.pytorch, inrarch.taylor_module / derivatives) against PyTorch
nested autograd: every model kind at orders 1-4 in float64, first=K and scale, the unique layout, chunked batches,
float32, torch.compile, and the table of elementwise ops against the op registry's numpy functions."""

import numpy as np
import pytest
import torch

import inrarch
from inrarch import ops
from inrarch.api import differentiate
from inrarch.apps import models
from inrarch.apps.reference import insp_derivatives
from inrarch.diagnostics import CompileError
from inrarch.importer import import_model
from inrarch.targets.pytorch import print_torch, torch_expression
from model_kinds import MODEL_KINDS, sample_input


def assert_matches(out: torch.Tensor, reference: list[torch.Tensor], tol: float) -> None:
    """Every column within tol of the largest reference value (the issue's float64 / float32 criteria)."""
    ref = torch.stack(reference, dim=1).double()
    assert out.shape == ref.shape
    scale = ref.abs().max().item()
    error = (out.double() - ref).abs().max(dim=0).values
    assert (error <= tol * scale).all(), f"columns {torch.nonzero(error > tol * scale).flatten().tolist()}"


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
def test_every_model_kind_orders_1_to_4_float64(name, factory, d):
    model = factory().double()
    x = sample_input(5, d, torch.float64)
    imported = import_model(model, x)
    for order in (1, 2, 3, 4):
        program = print_torch(differentiate(imported, order=order)).build()
        assert program.columns is not None and len(program.columns) == sum(d**k for k in range(order + 1)) * (
            model(x).shape[1])  # fmt: skip
        # The program runs at any batch size: here 7 samples, not the 5 it was imported at.
        x7 = sample_input(7, d, torch.float64, seed=1)
        assert_matches(program(x7), insp_derivatives(model, x7, order), 1e-10)


def test_columns_are_the_insp_layout():
    program = inrarch.taylor_module(models.siren(2, 8, 1, 1, omega=10.0), order=2)
    assert program.columns == ["y0", "y0_x0", "y0_x1", "y0_x0_x0", "y0_x0_x1", "y0_x1_x0", "y0_x1_x1"]


def test_first_k_and_scale():
    model = models.siren(2, 16, 2, 3, omega=30.0).double()
    x = sample_input(6, 2, torch.float64)
    program = inrarch.taylor_module(model, order=3, first=25, scale=1 / 30)
    assert len(program.columns) == 25 and program.columns[3] == "y0_x0" and program.columns[-1] == "y0_x0_x1_x1"
    assert_matches(program(x), insp_derivatives(model, x, 3, scale=1 / 30, first=25), 1e-10)


def test_unique_layout():
    model = models.mlp("tanh", in_features=3, out_features=2).double()
    x = sample_input(6, 3, torch.float64)
    out = inrarch.derivatives(model, x, order=3, layout="unique")
    assert out.shape == (6, 2 * 20)
    assert_matches(out, insp_derivatives(model, x, 3, "unique"), 1e-10)


def test_chunked_large_batch():
    """A batch much larger than the chunk runs chunk by chunk (the last one short) to the same values."""
    model = models.siren(2, 16, 2, 1, omega=30.0).double()
    x = sample_input(3000, 2, torch.float64)
    program = inrarch.taylor_module(model, order=3, chunk=700)
    chunked = program(x)
    program.chunk = 8192
    whole = program(x)
    assert torch.equal(chunked, whole)
    assert_matches(chunked, insp_derivatives(model, x, 3), 1e-10)


def test_float32_within_1e_5_of_max():
    model = models.siren(2, 32, 3, 3, omega=30.0)
    x = sample_input(64, 2)
    out = inrarch.taylor_module(model, order=3)(x)
    assert out.dtype == torch.float32
    assert_matches(out, insp_derivatives(model.double(), x.double(), 3), 1e-5)


def test_derivatives_in_the_input_dtype():
    """A float32 model at float64 samples: derivatives imports a float64 copy and computes in float64 (the model
    is left in float32)."""
    model = models.mlp("gelu")
    x = sample_input(9, 2, torch.float64)
    out = inrarch.derivatives(model, x, order=2)
    assert out.dtype == torch.float64 and next(model.parameters()).dtype == torch.float32
    assert_matches(out, insp_derivatives(model.double(), x, 2), 1e-10)


def test_module_follows_the_input_dtype():
    model = models.siren(2, 8, 2, 1, omega=10.0).double()
    program = inrarch.taylor_module(model, order=2)
    x = sample_input(4, 2)
    assert program(x).dtype == torch.float32 and program(x.double()).dtype == torch.float64


def test_traceable_by_torch_compile():
    """torch.compile captures the program whole (backend eager: the graph, without inductor's minutes of codegen;
    `pytest -m torch_compile` runs the inductor test)."""
    import torch._dynamo

    model = models.siren(2, 8, 2, 1, omega=10.0).double()
    x = sample_input(16, 2, torch.float64)
    program = inrarch.taylor_module(model, order=2)
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(program)(x)
    assert explanation.graph_break_count == 0 and explanation.graph_count == 1
    compiled = torch.compile(program, backend="eager", fullgraph=True)
    assert torch.equal(compiled(x), program(x))


@pytest.mark.torch_compile
def test_inductor_compiled_matches_nested_autograd():
    model = models.siren(2, 16, 2, 1, omega=30.0).double()
    x = sample_input(32, 2, torch.float64)
    compiled = torch.compile(inrarch.taylor_module(model, order=3))
    assert_matches(compiled(x), insp_derivatives(model, x, 3), 1e-10)


@pytest.mark.cuda  # run on a GPU machine with `pytest -m cuda`; without a device it fails, never skips
def test_cuda_follows_the_input_device():
    model = models.siren(2, 16, 2, 1, omega=30.0).double()
    x = sample_input(100, 2, torch.float64)
    out = inrarch.taylor_module(model, order=3)(x.cuda())
    assert out.device.type == "cuda"
    assert_matches(out.cpu(), insp_derivatives(model, x, 3), 1e-10)


def test_a_model_without_linear_needs_an_example_input():
    with pytest.raises(CompileError, match="taylor_module needs an example_input for a model without a Linear"):
        inrarch.taylor_module(torch.nn.Tanh(), order=1)


@pytest.mark.parametrize("entry", [e for e in ops.ELEMENTWISE.values() if e.name not in ("arith.cmpf", "arith.select")],
                         ids=lambda e: e.name)  # fmt: skip
def test_every_registry_op_has_a_torch_expression(entry):
    """Each elementwise entry of the registry carries its PyTorch expression, which the torch target prints and which
    computes the entry's numpy function."""
    expression = entry.torch
    assert expression and torch_expression(entry.name) == expression
    rng = np.random.default_rng(0)
    args = [rng.uniform(0.2, 1.5, 11) for _ in range(entry.arity)]
    got = eval(expression.format(*(f"a{i}" for i in range(entry.arity))),
               {"torch": torch, **{f"a{i}": torch.from_numpy(a) for i, a in enumerate(args)}})  # fmt: skip
    np.testing.assert_allclose(got.numpy(), entry.numpy(*args), rtol=1e-12)


def test_work_per_call_is_the_taylor_programs():
    """The module multiplies exactly the matrices of inr-autodiff's Taylor program (its counted work: the bound the
    README quotes), nothing more."""
    from inrarch.apps.reference import MatmulWork
    from inrarch.stats import module_stats

    model = models.siren(2, 32, 3, 3, omega=30.0)
    x = sample_input(64, 2)
    for order in (2, 4):
        stats = [s for s in module_stats(differentiate(model, x, order=order)) if s.function.endswith("_grad")][0]
        program = inrarch.taylor_module(model, order=order)
        with torch.no_grad(), MatmulWork() as work:
            program(x)
        assert work.macs == stats.matmul_macs > 0


def test_gpu_estimate_follows_its_stated_model():
    """The bench's GPU column is an estimate (no GPU at hand): per matmul, two kernel launches plus the longer of its
    multiply-adds at the GEMM efficiency and its fp32 bytes at the memory bandwidth. One [64, 256] x [256, 256] matmul
    of a 64-sample program, run at 4,096 samples on the default assumptions (67 TFLOP/s at 50%, 4.8 TB/s, 4 us a
    launch): 2 * 4,096 * 256 * 256 = 536,870,912 flops take 16.03 us; 4 * (4,096 * 256 * 2 + 256 * 256) =
    8,650,752 bytes take 1.80 us; with 8 us of launches, 24.03 us. At 64 samples the flops take 0.25 us and the
    launches dominate: 8.25 us."""
    from inrarch.apps.bench import GpuAssumptions, MatmulShape, gpu_estimate_ms

    one = [MatmulShape(64, 256, 256, batched=True)]
    assert gpu_estimate_ms(one, 64, 4096) == pytest.approx(0.02403, abs=1e-5)
    assert gpu_estimate_ms(one, 64, 64) == pytest.approx(0.00825, abs=1e-5)
    assert gpu_estimate_ms(one, 64, 64, GpuAssumptions(launch_us=0.0)) == pytest.approx(0.000250, abs=1e-6)


def test_gpu_estimate_counts_the_benchmark_programs_matmuls():
    """The benchmark SIREN has 5 Linear layers (2 -> 256, three 256 -> 256, 256 -> 3). Its order-1 Taylor program
    multiplies the values through all 5 and each of the 2 input directions through the last 4 (the first layer's
    derivative is a column of its weights, no matmul): 13 matmuls. Order 2 adds the 3 second-order coefficients
    (x0x0, x0x1, x1x1) through the last 4: 25."""
    from inrarch.apps.bench import benchmark_matmuls

    assert len(benchmark_matmuls(1)) == 13
    assert len(benchmark_matmuls(2)) == 25
    assert {(m.k, m.n) for m in benchmark_matmuls(1)} == {(2, 256), (256, 256), (256, 3)}
