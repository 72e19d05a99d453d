"""inr-autodiff against PyTorch nested autograd, in float64: Taylor and reverse mode, both layouts."""

import numpy as np
import pytest
import torch

from inrarch.apps import models
from inrarch.api import differentiate
from inrarch.context import make_context
from inrarch.diagnostics import CompileError
from inrarch.api import evaluate
from inrarch.importer import import_model
from inrarch.apps.reference import MatmulWork, insp_derivatives
from inrarch.stats import module_stats
from model_kinds import MODEL_KINDS, sample_input


def check_against_pytorch(model, d, order, mode="taylor", layout="insp", n=12, tol=1e-8, scale=None):
    model = model.double()
    x = sample_input(n, d, dtype=torch.float64)
    module = differentiate(model, x, order=order, mode=mode, layout=layout, scale=scale)
    outputs = evaluate(module, x.numpy(), dtype=np.float64)
    reference = insp_derivatives(model, x, order, layout, scale)
    assert len(outputs) == len(reference)
    for k, (out, ref) in enumerate(zip(outputs, reference, strict=True)):
        ref = ref.numpy()
        assert out.shape == ref.shape
        assert np.abs(out - ref).max() <= tol * max(np.abs(ref).max(), 1e-30), f"output {k}"
    return module


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("mode", ["taylor", "reverse"])
def test_benchmark_siren(order, mode):
    check_against_pytorch(models.benchmark_siren(), 2, order, mode, n=8)


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_model_kinds_taylor(name, factory, d, order):
    check_against_pytorch(factory(), d, order)


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
def test_model_kinds_reverse(name, factory, d):
    check_against_pytorch(factory(), d, 2, mode="reverse")


@pytest.mark.parametrize("mode", ["taylor", "reverse"])
@pytest.mark.parametrize("layout", ["insp", "unique"])
def test_layouts_and_scale(mode, layout):
    check_against_pytorch(models.siren(2, 12, 2, 2, omega=5.0), 2, 3, mode, layout, scale=1 / 189)


def test_one_dimensional_siren_to_order_six():
    check_against_pytorch(models.siren(1, 16, 3, 2, omega=10.0), 1, 6)


@pytest.mark.parametrize("mode", ["taylor", "reverse"])
def test_three_dimensional_input_to_order_three(mode):
    check_against_pytorch(models.siren(3, 12, 2, 2, omega=8.0), 3, 3, mode)


def test_taylor_work_is_the_polynomial_bound():
    """Matrix-product multiply-adds of the benchmark SIREN (64 samples) in Taylor mode: one matrix-vector product
    per Taylor coefficient ((n+1)(n+2)/2 of them) per hidden and output layer; the first layer's derivative
    coefficients are constants."""
    model = models.benchmark_siren()
    x = sample_input(64, 2)
    module = import_model(model, x)
    for order in (1, 2, 3, 4):
        grad = [s for s in module_stats(differentiate(module, order=order)) if s.function == "forward_grad"][0]
        coefficients = (order + 1) * (order + 2) // 2
        expected = 64 * (2 * 256 + coefficients * (3 * 256 * 256 + 256 * 3))
        assert grad.matmul_macs == expected
    assert [round(64 * (512 + c * 197376) / 1e6, 1) for c in (3, 6, 10, 15)] == [37.9, 75.8, 126.4, 189.5]


def test_reverse_mode_work_matches_pytorch_nested_autograd():
    model = models.benchmark_siren()
    x = sample_input(64, 2)
    module = import_model(model, x)
    for order in (1, 2):
        with MatmulWork() as torch_work:
            insp_derivatives(model, x, order)
        ours = [s for s in module_stats(differentiate(module, order=order, mode="reverse"))
                if s.function == "forward_grad"][0]  # fmt: skip
        assert abs(ours.matmul_macs - torch_work.macs) <= 0.01 * torch_work.macs


def test_inr_grad_in_user_module_is_expanded_in_place():
    from inrarch.context import parse_module

    module = parse_module("""
func.func private @f(%x: tensor<5x1xf64>) -> tensor<5x1xf64> {
  %e = math.exp %x : tensor<5x1xf64>
  func.return %e : tensor<5x1xf64>
}
func.func @main(%x: tensor<5x1xf64>) -> tensor<5xf64> {
  %d:3 = inr.grad @f(%x) order 2 layout <insp> : (tensor<5x1xf64>) -> (tensor<5xf64>, tensor<5xf64>, tensor<5xf64>)
  %s = arith.addf %d#0, %d#2 : tensor<5xf64>
  func.return %s : tensor<5xf64>
}
""")
    from inrarch.passes.inr_autodiff import InrAutodiffPass

    InrAutodiffPass().apply(make_context(), module)
    x = np.linspace(-1, 1, 5).reshape(5, 1)
    (out,) = evaluate(module, x)
    np.testing.assert_allclose(out, 2 * np.exp(x[:, 0]), rtol=1e-14)


def test_row_mixing_model_is_rejected():
    class Mixer(torch.nn.Module):
        def forward(self, x):
            return torch.sin(x @ (x.t() @ x))  # x^T x sums over the samples

    with pytest.raises(CompileError, match="@forward mixes samples: linalg.transpose moves the sample dimension"):
        differentiate(Mixer(), torch.zeros(4, 2), order=1)


def test_every_activation_is_differentiated_in_an_mlp():
    """Every activation the importer lists (each one-operand registry op torch.export records as its own ATen op, and
    the ATen activations torch-mlir expands) in a small MLP (models.mlp builds it by name, as the fuzzer does):
    derivatives to order 2 equal PyTorch's nested autograd. The list is read from the registry, so a new one-operand
    entry with an ATen name is differentiated here without a test to edit."""
    from inrarch.importer import activations

    names = sorted(activations())
    assert {"tanh", "sin", "atan", "log", "sqrt", "sigmoid", "gelu", "relu"} <= set(names)
    for name in names:
        check_against_pytorch(models.mlp(name, in_features=2, hidden=6, layers=1, out_features=1), 2, 2, n=6)
