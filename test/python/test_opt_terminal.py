"""inrarch-opt elides large constants when the IR goes to a terminal (MLIR's --mlir-elide-elementsattrs-if-larger,
default 16 elements there) and prints them in full to a file or a pipe (test/opt/elide.mlir)."""

import os
import pty
import subprocess
import sys

IR = """func.func @f() -> (tensor<4x8xf32>, tensor<4xf32>) {
  %w = arith.constant dense<1.5> : tensor<4x8xf32>
  %v = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %big = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]> : tensor<4x8xf32>
  %s = arith.addf %w, %big : tensor<4x8xf32>
  func.return %s, %v : tensor<4x8xf32>, tensor<4xf32>
}
"""


def on_terminal(*args, cwd):
    """Runs inrarch-opt with its stdout on a pseudo-terminal; returns (exit status, what it printed there)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "inrarch.opt", *args], stdout=slave, stderr=subprocess.PIPE,
                            cwd=cwd)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the child exited
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=120)
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n")


def test_terminal_elides_files_and_pipes_do_not(tmp_path):
    (tmp_path / "f.mlir").write_text(IR)
    rc, shown = on_terminal("f.mlir", cwd=tmp_path)
    assert rc == 0
    assert "arith.constant dense_resource<__elided__> : tensor<4x8xf32>" in shown  # 32 elements > 16
    assert "dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>" in shown
    assert "dense<1.500000e+00> : tensor<4x8xf32>" in shown  # a splat is one value: never elided
    # the same run with -o: the file holds every value (the terminal gets nothing to elide)
    rc, shown = on_terminal("f.mlir", "-o", "out.mlir", cwd=tmp_path)
    assert rc == 0 and shown == ""
    written = (tmp_path / "out.mlir").read_text()
    assert "__elided__" not in written and "7.000000e+00]]> : tensor<4x8xf32>" in written
    # a pipe: in full, as xdsl-opt prints it
    piped = subprocess.run([sys.executable, "-m", "inrarch.opt", "f.mlir"], cwd=tmp_path, capture_output=True,
                           text=True)  # fmt: skip
    assert piped.stdout == written
    # the flag wins on a terminal too; the IR between passes is elided there as well
    rc, shown = on_terminal("f.mlir", "--mlir-elide-elementsattrs-if-larger=100", cwd=tmp_path)
    assert "__elided__" not in shown
    rc, shown = on_terminal("f.mlir", "-p", "cse,canonicalize", "--print-between-passes", "-o", "o2.mlir",
                            cwd=tmp_path)  # fmt: skip
    assert rc == 0 and shown.startswith("IR after cse:") and "dense_resource<__elided__> : tensor<4x8xf32>" in shown
    assert "__elided__" not in (tmp_path / "o2.mlir").read_text()
