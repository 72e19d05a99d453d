"""Import through torch-mlir and the reference evaluator, checked against PyTorch's forward."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from inrarch.context import make_context
from inrarch.diagnostics import CompileError
from inrarch.api import evaluate
from inrarch.importer import import_model
from inrarch.passes.fold_constants import FoldConstantsPass
from model_kinds import MODEL_KINDS, sample_input


def _rel_err(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
@pytest.mark.parametrize("n", [1, 5, 16])
def test_import_and_evaluate_match_pytorch(name, factory, d, n):
    model = factory()
    x = sample_input(n, d)
    module = import_model(model, x)
    ref64 = model.double()(x.double()).detach().numpy()
    out64 = evaluate(module, x.double().numpy(), dtype=np.float64)
    assert len(out64) == 1 and out64[0].shape == ref64.shape
    assert _rel_err(out64[0], ref64) < 1e-6
    model = model.float()
    ref32 = model(x.float()).detach().numpy()
    out32 = evaluate(module, x.numpy(), dtype=np.float32)[0]
    assert out32.dtype == np.float32
    assert _rel_err(out32, ref32) < 1e-5


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS[:4], ids=[k[0] for k in MODEL_KINDS[:4]])
def test_fold_constants_keeps_values_and_removes_transposes(name, factory, d):
    model = factory()
    x = sample_input(6, d)
    module = import_model(model, x)
    FoldConstantsPass().apply(make_context(), module)
    module.verify()
    names = {op.name for op in module.walk()}
    assert "linalg.transpose" not in names and "linalg.fill" not in names
    ref = model.double()(x.double()).detach().numpy()
    assert _rel_err(evaluate(module, x.double().numpy())[0], ref) < 1e-6


def test_float64_models_import_as_f64():
    from inrarch.apps import models

    model = models.mlp("tanh", dtype=torch.float64)
    x = sample_input(4, 2, dtype=torch.float64)
    module = import_model(model, x)
    assert "tensor<4x2xf64>" in str(module)
    assert _rel_err(evaluate(module, x.numpy())[0], model(x).detach().numpy()) < 1e-12


class _LayerNorm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 4)

    def forward(self, x):
        return torch.nn.functional.layer_norm(self.linear(x), (4,))  # line checked below


def test_unsupported_op_names_op_and_source_line():
    import inspect

    line = inspect.getsource(_LayerNorm).splitlines()
    lineno = inspect.getsourcelines(_LayerNorm)[1] + next(i for i, s in enumerate(line) if "layer_norm" in s)
    with pytest.raises(CompileError) as err:
        import_model(_LayerNorm(), torch.zeros(4, 2))
    assert err.value.diagnostic() == f"error: unsupported op torch.aten.layer_norm at {__file__}:{lineno}"


@pytest.mark.parametrize(
    "model,x,message",
    [
        (torch.nn.Linear(2, 3), torch.zeros(4, 2, dtype=torch.int64), "non-float inputs are not supported"),
        (torch.nn.Linear(2, 3), torch.zeros(4), "the example input must have shape [N, d]"),
        (torch.nn.Linear(2, 3), (torch.zeros(4, 2), torch.zeros(4, 2)), "models with several inputs are not supported"),
        ("not a model", torch.zeros(4, 2), "import_model needs a torch.nn.Module"),
    ],
)
def test_bad_inputs_are_explained(model, x, message):
    with pytest.raises(CompileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        import_model(model, x)


def test_evaluate_rejects_wrong_input_shape():
    module = import_model(torch.nn.Linear(2, 3), torch.zeros(4, 2))
    with pytest.raises(CompileError, match=r"input #0 of @forward must have shape \[4, 2\], got \[5, 2\]"):
        evaluate(module, np.zeros((5, 2)))


def test_eval_cli_matches_python(tmp_path):
    from inrarch.apps import models

    model = models.siren(2, 8, 2, 3)
    x = sample_input(6, 2)
    (tmp_path / "forward.mlir").write_text(str(import_model(model, x)))
    np.save(tmp_path / "x.npy", x.double().numpy())
    proc = subprocess.run(
        [sys.executable, "-m", "inrarch.cli", "eval", str(tmp_path / "forward.mlir"), "--input",
         str(tmp_path / "x.npy"), "-o", str(tmp_path / "out.npz")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = np.load(tmp_path / "out.npz")["output0"]
    assert _rel_err(out, model.double()(x.double()).detach().numpy()) < 1e-6


class _MishLayer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 4)

    def forward(self, x):
        return torch.nn.functional.mish(self.linear(x))  # line checked below


def test_mish_is_decomposed_and_located_in_the_users_model():
    """mish, which torch-mlir does not lower, is decomposed into x tanh(softplus(x)) before it sees it: the module
    matches PyTorch and its ops keep the line of the user's model that applied it."""
    import inspect

    from inrarch.diagnostics import op_location

    line = inspect.getsource(_MishLayer).splitlines()
    lineno = inspect.getsourcelines(_MishLayer)[1] + next(i for i, s in enumerate(line) if "mish" in s)
    model = _MishLayer()
    x = sample_input(8, 2)
    module = import_model(model, x)
    located = {op_location(op) for op in module.walk() if op.name.startswith(("linalg.", "arith.", "math."))}
    located = {loc for loc in located if loc is not None and not loc.startswith("<torch-mlir")}  # (no debug location)
    assert located and all(loc.startswith(f"{__file__}:{lineno}:") for loc in located), located
    assert _rel_err(evaluate(module, x.numpy())[0], model(x).detach().numpy()) < 1e-6
