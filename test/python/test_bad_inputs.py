"""Bad input, case by case, over every command: exit status 1, one line on stderr naming the problem (never a
traceback, never a torch log line), and not one file in the working folder created, changed or removed."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

INPUTS = os.path.join(os.path.dirname(__file__), "..", "Inputs")

FACTORIES = '''
import sys
import torch
from torch import nn
from inrarch.apps.models import siren


def tiny():
    return siren(2, 4, 1, 1)


def raises():
    raise ValueError("no weights here")


def exits():
    sys.exit(3)


class BN(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.bn(self.l(x))


def bn():
    return BN()


def linear():
    return nn.Linear(2, 3)


def nan_weight():
    model = siren(2, 4, 1, 1)
    with torch.no_grad():
        model[0].linear.weight[1, 0] = float("nan")
    return model
'''

FWD8 = """func.func @forward(%arg0: tensor<8x1xf32>) -> tensor<8x1xf32> {{
  {body}
  return %0 : tensor<8x1xf32>
}}
"""

OPT = [sys.executable, "-m", "inrarch.opt"]
CLI = [sys.executable, "-m", "inrarch.cli"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A folder with valid inputs, a valid project, and the user's own files."""
    root = tmp_path_factory.mktemp("bad")
    (root / "models.py").write_text(FACTORIES)
    run = lambda *cmd: subprocess.run(cmd, cwd=root, check=True, capture_output=True)  # noqa: E731
    run(*CLI, "import", "models.py:tiny", "--input-shape", "4,2", "-o", "fwd.mlir")
    run(*OPT, "fwd.mlir", "--inr-autodiff=order=1", "--dataflow-lower=quiet=true", "-o", "design.mlir")
    run(*CLI, "compile", "models.py:tiny", "--order", "1", "--input-shape", "4,2", "-o", "prj")
    for name, change in (("prj_golden", "golden"), ("prj_header", "header"), ("prj_input", "input"),
                         ("prj_nan", "nan")):
        shutil.copytree(root / "prj", root / name)
        if change == "golden":  # truncated golden data
            data = (root / name / "data" / "golden.bin").read_bytes()
            (root / name / "data" / "golden.bin").write_bytes(data[:10])
        elif change == "nan":  # golden data with a NaN: never a pass
            golden = np.fromfile(root / name / "data" / "golden.bin", dtype=np.float32)
            golden[5] = np.nan
            golden.tofile(root / name / "data" / "golden.bin")
        elif change == "header":
            os.remove(root / name / "forward_grad.h")
        else:  # an input file cut inside a sample
            (root / name / "data" / "input.bin").write_bytes((root / "prj" / "data" / "input.bin").read_bytes()[:6])
    (root / "garbage.mlir").write_bytes(bytes(range(128, 256)) * 3)
    (root / "truncated.mlir").write_text('%c = arith.constant dense<"0x' + "6D409DBA72C1813B" * 12 + "\n")
    (root / "syntax.mlir").write_text("func.func @f( {\n")
    (root / "empty.mlir").write_text("")
    # NaN as MLIR writes it: a hexadecimal float literal (the bits of a quiet NaN)
    (root / "nan.mlir").write_text(FWD8.format(body="%c = arith.constant dense<0x7FC00000> : tensor<8x1xf32>\n"
                                               "  %0 = arith.addf %arg0, %c : tensor<8x1xf32>"))  # fmt: skip
    (root / "recursive.mlir").write_text(FWD8.format(body="%0 = func.call @forward(%arg0) : (tensor<8x1xf32>) -> "
                                                     "tensor<8x1xf32>"))  # fmt: skip
    (root / "zero.mlir").write_text(FWD8.format(body="%0 = math.sin %arg0 : tensor<8x1xf32>").replace("8x1", "0x1"))
    (root / "huge.mlir").write_text(FWD8.format(body="%0 = math.sin %arg0 : tensor<8x1xf32>").replace("8x1",
                                                                                                    "200000000x1"))
    (root / "huge-literal.mlir").write_text(FWD8.format(
        body="%c = arith.constant dense<0.0> : tensor<300000000x1xf32>\n  %0 = math.sin %arg0 : tensor<8x1xf32>"))
    (root / "use-before-def.mlir").write_text(FWD8.format(
        body="%0 = math.sin %c : tensor<8x1xf32>\n  %c = arith.constant dense<1.0> : tensor<8x1xf32>"))
    (root / "cut-matmul.mlir").write_text("func.func @forward(%arg0: tensor<8x2xf32>) -> tensor<8x3xf32> {\n"
                                          "  %0 = linalg.matmul")
    (root / "declaration.mlir").write_text(
        "func.func private @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32>\n"
        "func.func @g(%x: tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {\n"
        "  %d:3 = inr.grad @f(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, "
        "tensor<8xf32>)\n"
        "  func.return %d#0, %d#1, %d#2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>\n}\n")
    (root / "deep.mlir").write_text("func.func @forward(%arg0: tensor<8x1xf32>) -> tensor<8x1xf32> {\n"
                                    + "scf.execute_region {\n" * 20000)  # fmt: skip
    # a design edited after dataflow-fifo-depth sized it (every FIFO one token deeper), stamp left as it was
    text = (root / "design.mlir").read_text()
    assert "derived_from" in text
    import re as _re

    (root / "stale.mlir").write_text(_re.sub(r"depth (\d+) :", lambda m: f"depth {int(m.group(1)) + 1} :", text))
    np.save(root / "x8.npy", np.zeros((8, 1), dtype=np.float32))
    (root / "afile").write_text("a user's file\n")
    os.symlink("afile", root / "alink")
    (root / "userdir").mkdir()
    (root / "userdir" / "keep.txt").write_text("keep me\n")
    (root / "userdir" / "Makefile").write_text("all:\n")
    np.save(root / "x.npy", np.zeros((4, 2)))
    np.save(root / "x_shape.npy", np.zeros((4, 3)))
    np.save(root / "x_int.npy", np.zeros((4, 2), dtype=np.int64))
    (root / "x_text.npy").write_text("not an array\n")
    return root


def snapshot(root):
    out = {}
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "build"]  # the projects' own C-simulation builds and outputs
        for name in names:
            if name == "csim_output.bin":
                continue
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out


CASES = [
    # inrarch-opt
    ("opt-missing-file", [*OPT, "nosuch.mlir"], r"^error: cannot open nosuch.mlir: No such file or directory$"),
    ("opt-binary", [*OPT, "garbage.mlir"], r"^garbage.mlir:1:1: error: the input is not UTF-8 text \(byte 0x80\)$"),
    ("opt-truncated-literal", [*OPT, "truncated.mlir"], r"^truncated.mlir:1:27: error: unterminated string literal$"),
    ("opt-syntax", [*OPT, "syntax.mlir"], r"^syntax.mlir:1:15: error: Expected argument or type$"),
    ("opt-empty", [*OPT, "empty.mlir"], r"^empty.mlir:1:1: error: the input is empty$"),
    ("opt-unknown-pass", [*OPT, "fwd.mlir", "--no-such-pass"], r"^error: unknown pass or option: --no-such-pass$"),
    ("opt-option-type", [*OPT, "fwd.mlir", "--inr-autodiff=order=abc"],
     r"^error: invalid pass pipeline: inr-autodiff: option order expects an integer, got 'abc'$"),
    ("opt-order-range", [*OPT, "fwd.mlir", "--inr-autodiff=order=100"],
     r"^error: inr-autodiff: order must be an integer in \[1, 16\], got 100$"),
    ("opt-layout", [*OPT, "fwd.mlir", "--inr-autodiff=order=1,layout=wide"],
     r"^error: inr-autodiff: unknown layout 'wide' \(choose insp or unique\)$"),
    ("opt-clock", [*OPT, "fwd.mlir", "--inr-autodiff=order=1", "--dataflow-lower=clock-mhz=-100"],
     r"^error: dataflow-parallelize: option clock-mhz must lie in \(0, 1000.0\], got -100$"),
    ("opt-dsp", [*OPT, "design.mlir", "--dataflow-parallelize=dsp=0"],
     r"^error: dataflow-parallelize: option dsp must be an integer >= 1, got 0$"),
    ("opt-samples", [*OPT, "design.mlir", "--dataflow-fifo-depth=samples=0"],
     r"^error: dataflow-fifo-depth: option samples must be an integer >= 1, got 0$"),
    ("opt-unknown-target", [*OPT, "fwd.mlir", "-t", "nosuch"], r"^error: unknown target 'nosuch' \(choose from hls,"),
    ("opt-hls-needs-graph", [*OPT, "fwd.mlir", "-t", "hls"], r"^error: the HLS printer needs a dataflow.graph"),
    ("opt-hls-into-file", [*OPT, "design.mlir", "-t", 'hls{out="afile"}'],
     r"^error: cannot write the project to .*afile: it exists and is not a folder$"),
    ("opt-hls-into-user-folder", [*OPT, "design.mlir", "-t", 'hls{out="userdir"}'],
     r"^error: cannot write the project to .*userdir: the folder exists and holds files inrarch did not write"),
    ("opt-hls-over-project", [*OPT, "design.mlir", "-t", 'hls{out="prj"}'],
     r"^error: .*prj holds an inrarch project: pass --force"),
    ("import-onto-link", [*CLI, "import", "models.py:tiny", "--input-shape", "4,2", "-o", "alink"],
     r"^error: cannot write alink: it is a link or a special file, which inrarch never replaces$"),
    ("import-onto-device", [*CLI, "import", "models.py:tiny", "--input-shape", "4,2", "-o", "/dev/null"],
     r"^error: cannot write /dev/null: it is a link or a special file, which inrarch never replaces$"),
    ("opt-onto-link", [*OPT, "fwd.mlir", "-o", "alink"],
     r"^error: cannot write alink: it is a link or a special file, which inrarch never replaces$"),
    ("opt-output-dir-missing", [*OPT, "fwd.mlir", "-o", "nodir/out.mlir"],
     r"^error: cannot write nodir/out.mlir: No such file or directory$"),
    # inrarch import
    ("import-missing-file", [*CLI, "import", "nosuch.py:tiny", "--input-shape", "4,2"],
     r"^error: cannot open nosuch.py: No such file or directory$"),
    ("import-missing-factory", [*CLI, "import", "models.py:nosuch", "--input-shape", "4,2"],
     r"^error: models.py has no callable named nosuch$"),
    ("import-factory-raises", [*CLI, "import", "models.py:raises", "--input-shape", "4,2"],
     r"^error: models.py:raises raised ValueError: no weights here$"),
    ("import-factory-exits", [*CLI, "import", "models.py:exits", "--input-shape", "4,2"],
     r"^error: models.py:exits called sys.exit\(3\) instead of returning a model$"),
    ("import-not-a-module", [*CLI, "import", f"{INPUTS}/models.py:not_a_module", "--input-shape", "4,2"],
     r"must return a torch.nn.Module, it returned Tensor$"),
    ("import-two-inputs", [*CLI, "import", f"{INPUTS}/models.py:two_inputs", "--input-shape", "4,2"],
     r"^error: models with several inputs are not supported"),
    ("import-batchnorm", [*CLI, "import", "models.py:bn", "--input-shape", "4,2"],
     r"^error: unsupported layer torch.nn.BatchNorm1d \(bn\): batch normalisation is not supported"),
    ("import-layer-norm", [*CLI, "import", f"{INPUTS}/models.py:layer_norm_net", "--input-shape", "4,2"],
     r"^error: unsupported op torch.aten.layer_norm at .*models.py:\d+$"),
    ("import-shape-mismatch", [*CLI, "import", "models.py:linear", "--input-shape", "8,3"],
     r"^error: the model does not run on an input of shape \[8, 3\]: RuntimeError: mat1 and mat2 shapes"),
    ("import-shape-one-number", [*CLI, "import", "models.py:tiny", "--input-shape", "8"],
     r"^error: --input-shape must be N,d \(samples, coordinates\), got '8'$"),
    ("import-shape-words", [*CLI, "import", "models.py:tiny", "--input-shape", "a,b"],
     r"^error: --input-shape must be integers separated by commas, got 'a,b'$"),
    ("import-shape-dynamic", [*CLI, "import", "models.py:tiny", "--input-shape=?,2"],
     r"^error: dynamic shapes are not supported"),
    ("import-output-dir-missing", [*CLI, "import", "models.py:tiny", "--input-shape", "4,2", "-o", "nodir/f.mlir"],
     r"^error: cannot write nodir/f.mlir: directory .*nodir does not exist$"),
    # inrarch eval
    ("eval-wrong-shape", [*CLI, "eval", "fwd.mlir", "--input", "x_shape.npy"],
     r"^fwd.mlir:2:3: error: input #0 of @forward must have shape \[4, 2\], got \[4, 3\]$"),
    ("eval-wrong-dtype", [*CLI, "eval", "fwd.mlir", "--input", "x_int.npy"],
     r"^error: x_int.npy holds int64 values; inrarch evaluates float arrays"),
    ("eval-not-npy", [*CLI, "eval", "fwd.mlir", "--input", "x_text.npy"], r"^error: cannot read x_text.npy as a .npy"),
    ("eval-missing-npy", [*CLI, "eval", "fwd.mlir", "--input", "nosuch.npy"],
     r"^error: cannot open nosuch.npy: No such file or directory$"),
    ("eval-binary-mlir", [*CLI, "eval", "garbage.mlir", "--input", "x.npy"], r"^garbage.mlir:1:1: error: the input is"),
    ("eval-output-is-folder", [*CLI, "eval", "fwd.mlir", "--input", "x.npy", "-o", "userdir"],
     r"^error: cannot write userdir: it is a folder$"),
    # inrarch compile
    ("compile-order-0", [*CLI, "compile", "models.py:tiny", "--order", "0", "--input-shape", "4,2", "-o", "p"],
     r"^error: inr-autodiff: --order must be an integer in \[1, 16\], got 0$"),
    ("compile-into-user-folder", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "-o", "userdir"],
     r"holds files inrarch did not write"),
    ("compile-into-cwd", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "-o", "."],
     r"holds files inrarch did not write"),
    ("compile-into-file", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "-o", "afile"],
     r"it exists and is not a folder$"),
    ("compile-parent-is-file", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "-o", "afile/p"],
     r"^error: cannot write .*afile/p: its parent directory .*afile does not exist$"),
    ("compile-rtl-float", [*CLI, "compile", "models.py:tiny", "--order", "1", "--input-shape", "4,2", "--emit", "rtl",
                           "-o", "p"], r"^error: RTL needs a fixed-point design: pass --precision auto"),
    ("opt-nan-constant", [*OPT, "nan.mlir", "--inr-autodiff=order=1"],
     r"^nan.mlir:2:3: error: the constant holds 8 non-finite value\(s\) \(first: nan at \[0, 0\]\): inrarch computes"),
    ("opt-recursive-call", [*OPT, "recursive.mlir", "--inr-autodiff=order=1"],
     r"^recursive.mlir:2:3: error: recursive call \(@forward -> @forward\): inrarch inlines calls"),
    ("eval-recursive-call", [*CLI, "eval", "recursive.mlir", "--input", "x8.npy"],
     r"^recursive.mlir:2:3: error: recursive call \(@forward -> @forward\): inrarch evaluates call graphs"),
    ("opt-zero-samples", [*OPT, "zero.mlir", "--inr-autodiff=order=1"],
     r"^zero.mlir:1:1: error: @forward takes tensor<0x1xf32>: a design needs at least one sample"),
    ("opt-too-large", [*OPT, "huge.mlir", "--inr-autodiff=order=1"],
     r"^huge.mlir:1:1: error: inr-autodiff: @forward holds about 2.98 GiB of tensors \(largest: "
     r"tensor<200000000x1xf32>, 1.49 GiB\), over the 1 GiB limit; raise it with the option max-gb$"),
    ("opt-huge-literal", [*OPT, "huge-literal.mlir"],
     r"^huge-literal.mlir:2:36: error: a dense literal of 300,000,000 elements \(tensor<300000000x1xf32>\): inrarch "
     r"reads up to 16,777,216$"),
    ("opt-use-before-def", [*OPT, "use-before-def.mlir", "--inr-autodiff=order=1"],
     r"^use-before-def.mlir:2:3: error: math.sin: operand #0 is used before it is defined"),
    ("eval-use-before-def", [*CLI, "eval", "use-before-def.mlir", "--input", "x8.npy"],
     r"^use-before-def.mlir:2:3: error: math.sin: operand #0 is used before it is defined"),
    ("opt-cut-in-an-op", [*OPT, "cut-matmul.mlir"],
     r"^cut-matmul.mlir:2:3: error: cannot parse this operation \(IndexError: list index out of range\): its syntax"),
    ("opt-grad-of-declaration", [*OPT, "declaration.mlir", "--inr-autodiff"],
     r"^declaration.mlir:3:3: error: inr-autodiff: the callee @f is a declaration without a body"),
    ("opt-deep-nesting", [*OPT, "deep.mlir"],
     r"^deep.mlir:101:20: error: the input nests more than 100 levels deep, more than inrarch reads$"),
    ("opt-path-in-option", [*OPT, "fwd.mlir", "--inr-autodiff=order=1", "--dataflow-lower=precision=auto,calibration=/x.npy"],
     r"^error: invalid pass pipeline: Unknown token at column \d+ \(quote paths and other text in pass options"),
    ("opt-stale-design", [*OPT, "stale.mlir", "-t", "hls"],
     r"^stale.mlir:\d+:\d+: error: hls: the design changed after dataflow-fifo-depth sized its FIFOs"),
    ("import-nan-weight", [*CLI, "import", "models.py:nan_weight", "--input-shape", "4,2"],
     r"^error: parameter 0.linear.weight holds 1 non-finite value\(s\) \(first: nan at \[1, 0\]\)"),
    ("edit-not-a-picture", [*CLI, "edit", "--image", "stereo_motorcycle", "-o", "e"],
     r"^error: 'stereo_motorcycle' is not a picture"),
    ("edit-unknown-image", [*CLI, "edit", "--image", "nosuch", "-o", "e"], r"^error: unknown image 'nosuch'"),
    ("demo-bad-precision", [*CLI, "demo", "--precision", "ap_fixed<99,2>", "-o", "d"],
     r"^error: precision ap_fixed<99,2>: W must lie in \[2, 64\]"),
    ("demo-dsp-0", [*CLI, "demo", "--dsp", "0", "-o", "d"], r"^error: --dsp must be an integer >= 1, got 0$"),
    ("edit-bad-precision", [*CLI, "edit", "--precision", "ap_fixed<99,2>", "-o", "e"],
     r"^error: precision ap_fixed<99,2>: W must lie in \[2, 64\]"),
    ("opt-rtl-float", [*OPT, "design.mlir", "-t", "rtl"], r"^design.mlir:\d+:\d+: error: RTL needs a fixed-point design"),
    ("rtl-not-a-project", [*CLI, "rtl", "userdir"], r"^error: userdir is not an inrarch RTL project"),
    ("rtl-hls-project", [*CLI, "rtl", "prj"], r"^error: prj is not an inrarch RTL project"),
    ("compile-over-project", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "-o", "prj"],
     r"holds an inrarch project: pass --force"),
    ("compile-dsp-0", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "--dsp", "0", "-o", "p"],
     r"error: dataflow-parallelize: --dsp must be an integer >= 1, got 0$"),
    ("compile-clock", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "--clock-mhz", "0", "-o", "p"],
     r"error: dataflow-parallelize: --clock-mhz must lie in \(0, 1000.0\], got 0.0$"),
    ("compile-overflow", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "--order", "1", "--precision",
                          "ap_fixed<6,1>", "-o", "p"],
     r"overflow their formats .*; widen the format, or pass --overflow saturate or --overflow wrap$"),
    ("compile-target", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "--target", "u99", "-o", "p"],
     r"^error: unknown target 'u99' \(choose u50, u280 or custom\)$"),
    ("compile-budget-too-small", [*CLI, "compile", "models.py:tiny", "--input-shape", "4,2", "--target", "custom",
                                  "--dsp", "3", "-o", "p"], r"^error: dataflow-parallelize: the design needs at least"),
    # inrarch csim, graph, fuzz
    ("csim-not-a-project", [*CLI, "csim", "userdir"], r"^error: userdir is not an inrarch project \(no .inrarch-project\)"),
    ("csim-truncated-golden", [*CLI, "csim", "prj_golden"],
     r"^error: C-simulation failed: testbench: data/golden.bin holds 2 values, the design wrote 12$"),
    ("csim-nan-golden", [*CLI, "csim", "prj_nan"],
     r"^error: C-simulation failed: output 2 \(y0_x1\): 0 design values and 1 golden values are not finite: FAIL$"),
    ("csim-missing-header", [*CLI, "csim", "prj_header"], r"^error: prj_header lacks forward_grad.h, which inrarch"),
    ("csim-cut-input", [*CLI, "csim", "prj_input", "--timed"],
     r"^error: C-simulation failed: testbench: data/input.bin must hold a multiple of 4 samples of 2 values$"),
    ("graph-no-graph", [*CLI, "graph", "fwd.mlir", "-o", "g.png"], r"needs a dataflow.graph"),
    ("graph-missing-file", [*CLI, "graph", "nosuch.mlir"], r"^error: cannot open nosuch.mlir: No such file"),
    ("fuzz-bad-replay", [*CLI, "fuzz", "--replay", '{"dims": 2'], r"^error: --replay needs a case as the fuzzer"),
]


@pytest.mark.parametrize("name,argv,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_touches_nothing(work, name, argv, message):
    before = snapshot(work)
    proc = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=300)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    import re

    assert re.search(message, lines[0]), lines[0]
    assert snapshot(work) == before
    assert not [n for n in os.listdir(work) if "partial" in n]


def test_the_table_is_large():
    assert len(CASES) >= 40
