"""inrarch-opt behaves as xdsl-opt on what xDSL defines (issue 28), one test per cause found by running xDSL's suite:
each runs both drivers on the same input and compares; inrarch's own additions (one-line located diagnostics outside
the diagnostics modes, atomic -o) are checked beside."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
XDSL = [str(BIN / "xdsl-opt")]
INRARCH = [sys.executable, "-m", "inrarch.opt"]

EMPTY_BLOCK = '"func.func"() <{sym_name = "f", function_type = () -> ()}> ({\n^bb0:\n}) : () -> ()\n'
BAD_ADD = """func.func @f(%a: i32, %b: i64) -> i32 {
  %c = "arith.addi"(%a, %b) : (i32, i64) -> i32
  func.return %c : i32
}
"""
GOOD = "func.func @g() {\n  func.return\n}\n"
PARSE_ERROR = "func.func @h( {\n"


def run(driver, *args, stdin=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "INRARCH_DEBUG"}
    return subprocess.run([*driver, *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)  # fmt: skip


def both(*args, stdin=None, cwd=None):
    return run(XDSL, *args, stdin=stdin, cwd=cwd), run(INRARCH, *args, stdin=stdin, cwd=cwd)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path.name


def test_1_invalid_ir_is_refused(tmp_path):
    """Verification is xDSL's whole `module.verify()`, blocks included: an empty block where a terminator is needed
    is refused (it was accepted, exit 0)."""
    f = write(tmp_path, "empty_block.mlir", EMPTY_BLOCK)
    x, i = both(f, cwd=tmp_path)
    assert x.returncode == i.returncode == 1
    assert i.stdout == ""
    # inrarch's form outside the diagnostics modes: one located line
    assert i.stderr.splitlines() == [
        "empty_block.mlir:1:1: error: Operation func.func contains empty block in single-block region that expects "
        "at least a terminator"
    ]
    x, i = both(f, "--verify-diagnostics", cwd=tmp_path)
    assert (x.returncode, x.stdout) == (i.returncode, i.stdout) == (0, x.stdout)
    assert "contains empty block" in i.stdout


def test_2_verify_diagnostics_prints_as_xdsl(tmp_path):
    """--verify-diagnostics prints, on stdout, the message, its notes and the annotated generic IR, as xdsl-opt;
    --syntax-highlight colours them as xdsl-opt does."""
    f = write(tmp_path, "bad_add.mlir", BAD_ADD)
    x, i = both(f, "--verify-diagnostics", cwd=tmp_path)
    assert (i.returncode, i.stdout, i.stderr) == (x.returncode, x.stdout, x.stderr)
    assert i.returncode == 0 and '"arith.addi"' in i.stdout and "^^^" in i.stdout
    x, i = both(f, "--verify-diagnostics", "--syntax-highlight", cwd=tmp_path)
    assert (i.returncode, i.stdout) == (x.returncode, x.stdout)
    assert "\x1b[" in i.stdout
    # a parse error with --parsing-diagnostics: the source line and a caret, as xdsl-opt
    f = write(tmp_path, "parse.mlir", PARSE_ERROR)
    x, i = both(f, "--parsing-diagnostics", cwd=tmp_path)
    assert (i.returncode, i.stdout) == (x.returncode, x.stdout) == (0, x.stdout)
    assert i.stdout.splitlines()[:2] == ["parse.mlir:1:15", "func.func @h( {"]


def test_3_parsing_diagnostics_per_chunk(tmp_path):
    """--parsing-diagnostics prints each chunk's parse diagnostic and goes on (exit 0), as xdsl-opt."""
    f = write(tmp_path, "chunks.mlir", f"{PARSE_ERROR}// -----\n{GOOD}// -----\n%x = arith.constant 1 : i32 i32\n")
    x, i = both(f, "--split-input-file", "--parsing-diagnostics", cwd=tmp_path)
    assert (i.returncode, i.stdout, i.stderr) == (x.returncode, x.stdout, x.stderr)
    assert i.returncode == 0 and i.stdout.count("// -----") == 2 and "func.func @g()" in i.stdout
    assert "chunks.mlir:8:1" in i.stdout  # the third chunk's error, at its line in the file


def test_4_errors_xdsl_raises_are_not_swallowed(tmp_path):
    """--verify-diagnostics reports verifier diagnostics only: a parse error (without --parsing-diagnostics) and an
    exception of a pass end the run with status 1, as in xdsl-opt; a target's DiagnosticException is reported
    (status 0), as in xdsl-opt."""
    f = write(tmp_path, "parse.mlir", PARSE_ERROR)
    x, i = both(f, "--verify-diagnostics", cwd=tmp_path)
    assert x.returncode == i.returncode == 1 and i.stdout == ""
    assert "Expected argument or type" in i.stderr
    g = write(tmp_path, "good.mlir", GOOD)
    x, i = both(g, "-p", 'mlir-opt{executable="/nonexistent/mlir-opt"}', "--verify-diagnostics", cwd=tmp_path)
    assert x.returncode == i.returncode == 1
    assert "ValueError: /nonexistent/mlir-opt is not available" in i.stderr
    bad_visibility = ('"x86_func.func"() ({\n"x86_func.ret"() : () -> ()\n}) '
                      '{sym_name = "v", function_type = () -> (), sym_visibility = "invalid_visibility"} : () -> ()\n')
    t = write(tmp_path, "target.mlir", bad_visibility)
    x, i = both("-t", "riscv-asm", t, "--verify-diagnostics", cwd=tmp_path)
    assert (i.returncode, i.stdout) == (x.returncode, x.stdout) == (0, x.stdout)
    assert 'Unexpected visibility invalid_visibility for function "v"' in i.stdout


def test_5_split_input_file_streams_chunks(tmp_path):
    """With --split-input-file the chunks before a failing one are printed (streamed, as xdsl-opt); with -o FILE
    inrarch writes the file only when every chunk succeeded (atomically), and leaves no file otherwise."""
    f = write(tmp_path, "split.mlir", f"{GOOD}// -----\n{PARSE_ERROR}")
    x, i = both(f, "--split-input-file", cwd=tmp_path)
    assert x.returncode == i.returncode == 1
    assert i.stdout == x.stdout and "func.func @g()" in i.stdout
    assert i.stderr.splitlines() == ["split.mlir:5:15: error: Expected argument or type"]
    i = run(INRARCH, f, "--split-input-file", "-o", "out.mlir", cwd=tmp_path)
    assert i.returncode == 1 and not (tmp_path / "out.mlir").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    g = write(tmp_path, "ok.mlir", f"{GOOD}// -----\n{GOOD}")
    x, i = both(g, "--split-input-file", cwd=tmp_path)
    assert (i.returncode, i.stdout) == (x.returncode, x.stdout) == (0, x.stdout)
    assert run(INRARCH, g, "--split-input-file", "-o", "out.mlir", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out.mlir").read_text() == x.stdout


def test_6_warnings_unknown_pass_and_version(tmp_path):
    """DeprecationWarnings are shown, as xdsl-opt's main() does; an unknown pass is named without a made-up
    '(in the options of ...)'; --version names inrarch-opt and xDSL's version."""
    g = write(tmp_path, "good.mlir", GOOD)
    x, i = both(g, "-p", "test-deprecation", cwd=tmp_path)
    assert (i.returncode, i.stdout, i.stderr) == (x.returncode, x.stdout, x.stderr)
    assert "DeprecationWarning" in i.stderr
    i = run(INRARCH, g, "-p", "cse,no-such-pass", cwd=tmp_path)
    assert i.returncode == 1
    assert i.stderr.splitlines() == ["error: invalid pass pipeline: Unrecognized passes: ['no-such-pass']"]
    x, i = both("--version")
    assert x.returncode == i.returncode == 0
    assert i.stdout.startswith("inrarch-opt (inrarch ") and i.stdout.split()[-1] == x.stdout.split()[-1]


@pytest.mark.parametrize("flags", [[], ["--print-op-generic"], ["--print-debuginfo"], ["-p", "canonicalize,cse"]])
def test_successful_compiles_are_identical(tmp_path, flags):
    """The program printed is xdsl-opt's, byte for byte: inrarch's parser records source positions for its own
    diagnostics, but --print-debuginfo shows only the locations the input wrote."""
    text = ('func.func @f(%a: i32) -> i32 {\n  %c = arith.constant 0 : i32 loc("here.py":3:4)\n'
            "  %s = arith.addi %a, %c : i32\n  %t = arith.addi %a, %c : i32\n  %u = arith.muli %s, %t : i32\n"
            "  func.return %u : i32\n}\n")  # fmt: skip
    f = write(tmp_path, "prog.mlir", text)
    x, i = both(f, *flags, cwd=tmp_path)
    assert (i.returncode, i.stdout, i.stderr) == (x.returncode, x.stdout, x.stderr) == (0, x.stdout, "")
