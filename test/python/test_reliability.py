"""Reliability, third round: what a careless or hostile user found, each now handled as a serious tool would. (The
one-line diagnostics of the command-line tools are in test_bad_inputs.py; the folder guarantees in
test_project_folders.py.)"""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import inrarch
from inrarch.apps import models
from inrarch.context import parse_module
from inrarch.diagnostics import CompileError
from model_kinds import sample_input

FWD = """func.func @forward(%arg0: tensor<4x1xf32>) -> tensor<4x1xf32> {{
  %c = arith.constant {const} : tensor<4x1xf32>
  %0 = arith.addf %arg0, %c : tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}}
"""


def _run(text, x):
    return inrarch.evaluate(parse_module(text), x)[0]


def test_hexadecimal_float_literals_are_bit_patterns():
    """MLIR reads a hexadecimal element of a float tensor as the float's bits: 0x3F800000 is 1.0, 0x40400000 is 3.0
    and 0xBF000000 is -0.5 in f32 (sign 1, exponent 126), as xDSL already reads a scalar `0x3F800000 : f32`."""
    x = np.zeros((4, 1), dtype=np.float32)
    out = _run(FWD.format(const="dense<[[0x3F800000], [0x40400000], [0xBF000000], [0x00000000]]>"), x)
    assert out.reshape(-1).tolist() == [1.0, 3.0, -0.5, 0.0]
    f64 = FWD.replace("xf32", "xf64").format(const="dense<0x3FF8000000000000>")  # 1.5 in f64, splat
    assert _run(f64, x.astype(np.float64)).reshape(-1).tolist() == [1.5] * 4
    with pytest.raises(CompileError, match="hexadecimal float literal should not have a leading minus sign"):
        parse_module(FWD.format(const="dense<-0x3F800000>"))
    with pytest.raises(CompileError, match="hexadecimal float constant does not fit in f32"):
        parse_module(FWD.format(const="dense<0x3F80000000>"))


def test_a_byte_order_mark_reads_as_space():
    text = "\ufeff" + FWD.format(const="dense<2.0>")
    assert _run(text, np.ones((4, 1), dtype=np.float32)).reshape(-1).tolist() == [3.0] * 4


def test_inrarch_models_is_a_module_the_cli_imports():
    proc = subprocess.run([sys.executable, "-m", "inrarch.cli", "import", "inrarch.models:siren", "--input-shape",
                           "4,2"], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "func.func @forward(%arg0: tensor<4x2xf32>) -> tensor<4x3xf32>" in proc.stdout
    import inrarch.models

    assert inrarch.models.benchmark_siren is models.benchmark_siren


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused_with_the_parameter_name(value):
    model = models.mlp("tanh", 2, 8, 1, 1)
    with torch.no_grad():
        model[2].weight[0, 3] = value
    with pytest.raises(CompileError, match=rf"parameter 2.weight holds 1 non-finite value\(s\) \(first: {value} at "
                                           r"\[0, 3\]\)"):  # fmt: skip
        inrarch.compile(model, sample_input(8, 2), order=1, precision="auto")


@pytest.mark.parametrize("kw,message", [
    ({"precision": None}, r"precision must be float, auto or ap_fixed<W,I>, got None"),
    ({"precision": 123}, r"precision must be float, auto or ap_fixed<W,I>, got 123"),
    ({"precision": "auto", "calibration": np.zeros((0, 2))}, r"calibration inputs must have shape \[M, 2\] with M >= 1"),
    ({"precision": "auto", "calibration": "nosuch.npy"}, r"calibration file nosuch.npy not found"),
    ({"precision": "auto", "calibration": np.array([[0.0, np.nan]])}, r"calibration inputs hold non-finite values"),
    ({"precision": "auto", "calibration": [["a", "b"]]}, r"calibration must be an array of inputs \[M, d\]"),
])  # fmt: skip
def test_python_api_arguments_are_checked(kw, message):
    with pytest.raises(CompileError, match=message):
        inrarch.compile(models.mlp("tanh", 2, 8, 1, 1), sample_input(8, 2), order=1, **kw)


def test_calibration_as_a_path_and_saturation_reported_as_asked(tmp_path):
    model = models.mlp("tanh", 2, 8, 1, 1)
    path = tmp_path / "cal.npy"
    np.save(path, sample_input(64, 2, seed=3).numpy())
    d = inrarch.compile(model, sample_input(8, 2), order=1, precision="auto", calibration=str(path))
    assert "ranges from 64 calibration inputs" in d.report["precision"]
    d = inrarch.compile(model, sample_input(8, 2), order=1, precision="ap_fixed<8,2>", overflow="saturate")
    assert d.report["precision"].startswith("uniform ap_fixed<8,2, trn, sat>")


def test_fixed_point_csim_outside_the_calibration_range_is_not_silent():
    """A SIREN's first layer sees its inputs scaled by omega: calibrated on [-1, 1]^2, the read stream's format holds
    |x| < 2 (margin x2); inputs 20 times larger leave it. A design compiled with overflow="error" raises, naming
    the site; asked, it warns or stays quiet; in range, nothing is said."""
    torch.manual_seed(0)
    design = inrarch.compile(models.siren(2, 16, 2, 1, omega=30.0), sample_input(16, 2), order=1, precision="auto")
    x = sample_input(16, 2, seed=1).numpy()
    design.csim(x)
    assert design.overflows == {}
    with pytest.raises(CompileError, match=r"^\d+ values left their fixed-point formats in the C-simulation \(most "
                                           r"at read: \d+\), as inputs outside the calibration range do; pass"):  # fmt: skip
        design.csim(20 * x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        design.csim(20 * x, overflow="warn")
    assert any("left their fixed-point formats" in str(w.message) for w in caught)
    design.csim(20 * x, overflow="ignore")
    assert sum(design.overflows.values()) > 0


def test_version_and_bare_command():
    version = subprocess.run([sys.executable, "-m", "inrarch.cli", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == "inrarch 0.1.0"
    bare = subprocess.run([sys.executable, "-m", "inrarch.cli"], capture_output=True, text=True)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: inrarch") and "compile" in bare.stdout


@pytest.mark.parametrize("layout", ["insp", "unique"])
def test_output_columns_are_named_and_described(tmp_path, layout):
    """outputs.json names every column of a design; each entry's channel and path are the derivative the evaluator
    computes in that column (checked against PyTorch's nested autograd along the path), and `inrarch eval` prints
    the same names."""
    import json

    model = models.mlp("tanh", 2, 8, 1, 2)
    x = sample_input(4, 2)
    design = inrarch.compile(model, x, order=2, layout=layout, out_dir=str(tmp_path / "p"))
    manifest = json.loads((tmp_path / "p" / "outputs.json").read_text())
    columns = manifest["columns"]
    assert [c["name"] for c in columns] == design.columns
    assert len(columns) == (2 * (1 + 2 + 4) if layout == "insp" else 2 * (1 + 2 + 3))
    assert manifest["note"].startswith(f"layout {layout}: {len(columns)} columns, 12 distinct")
    header = next(h for h in (tmp_path / "p").glob("*.h") if not h.name.endswith("_constants.h")).read_text()
    # the header's comments name the same columns
    named = re.findall(r"^//\s+(\d+)  (y\S+)  ", header, re.M)
    assert named == [(str(i), name) for i, name in enumerate(design.columns)]
    assert "// Order-k columns are unscaled." in header
    assert ("(the partial of column" in header) == (layout == "insp")
    module = inrarch.differentiate(model, x, order=2, layout=layout)
    values = inrarch.evaluate(module, x.numpy())
    xr = x.double().requires_grad_(True)
    y = models.mlp("tanh", 2, 8, 1, 2).double()(xr)
    for c, value in zip(columns, values, strict=True):
        d = y[:, c["channel"]]
        for i in c["path"]:
            d = torch.autograd.grad(d.sum(), xr, create_graph=True)[0][:, i]
        assert sum(c["multi_index"]) == c["order"] == len(c["path"])
        np.testing.assert_allclose(value, d.detach().numpy(), rtol=1e-4, atol=1e-6, err_msg=c["name"])
    mlir = tmp_path / "d.mlir"
    mlir.write_text(str(module))
    np.save(tmp_path / "x.npy", x.numpy())
    out = subprocess.run([sys.executable, "-m", "inrarch.cli", "eval", str(mlir), "--input", str(tmp_path / "x.npy")],
                         capture_output=True, text=True)  # fmt: skip
    printed = [ln.split()[2].rstrip(":") for ln in out.stdout.splitlines() if ln.startswith("output ")]
    assert printed == design.columns
