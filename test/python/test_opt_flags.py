"""The MLIR-style pass flags of inrarch-opt become one xDSL pipeline in command-line order."""

import subprocess
import sys

import pytest

from inrarch.diagnostics import CompileError
from inrarch.opt import translate_pass_flags

PASSES = {"inr-autodiff", "dataflow-lower", "cse", "canonicalize"}


def test_flags_keep_command_line_order():
    rest, spec = translate_pass_flags(
        ["in.mlir", "--inr-autodiff=order=3,mode=taylor", "-p", "cse", "--dataflow-lower", "-o", "x"], PASSES
    )
    assert rest == ["in.mlir", "-o", "x"]
    assert spec == "inr-autodiff{order=3 mode=taylor},cse,dataflow-lower"


def test_space_separated_options_and_list_values():
    _, spec = translate_pass_flags(["--inr-autodiff=order=2 layout=unique", "--cse"], PASSES)
    assert spec == "inr-autodiff{order=2 layout=unique},cse"
    _, spec = translate_pass_flags(["--inr-autodiff=values=1,2,3,order=2"], PASSES)
    assert spec == "inr-autodiff{values=1,2,3 order=2}"


def test_unknown_flags_are_left_for_the_argument_parser():
    rest, spec = translate_pass_flags(["--no-such-pass", "--split-input-file"], PASSES)
    assert rest == ["--no-such-pass", "--split-input-file"] and spec == ""


def test_dangling_pipeline_flag_is_an_error():
    with pytest.raises(CompileError, match="-p needs a pass pipeline"):
        translate_pass_flags(["-p"], PASSES)


def test_internal_errors_are_one_line(tmp_path):
    # A file that is not UTF-8 text: a clean one-line error, not a traceback.
    bad = tmp_path / "bad.mlir"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    proc = subprocess.run([sys.executable, "-m", "inrarch.opt", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
