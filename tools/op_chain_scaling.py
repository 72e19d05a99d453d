"""How inrarch-opt scales with a program's length: a chain of N elementwise ops (alternating multiply and add by a
constant) parsed and printed, differentiated (`--inr-autodiff=order=1`) and lowered to a dataflow design
(`--dataflow-lower`, with a DSP budget large enough for one lane per op), for N doubling from 1,000. Prints the CPU
time (user + system, so that other jobs on the machine change it little) and peak memory per N, and the time per op:
flat per-op times mean linear scaling.

    .venv/bin/python tools/op_chain_scaling.py [--sizes 1000,2000,4000,8000,16000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile


def chain(n: int) -> str:
    lines = ["func.func @f(%x: tensor<8x1xf32>) -> tensor<8x1xf32> {",
             "  %c = arith.constant dense<0.5> : tensor<8x1xf32>"]  # fmt: skip
    prev = "%x"
    for i in range(n):
        op = "arith.addf" if i % 2 else "arith.mulf"
        lines.append(f"  %v{i} = {op} {prev}, %c : tensor<8x1xf32>")
        prev = f"%v{i}"
    lines += [f"  func.return {prev} : tensor<8x1xf32>", "}"]
    return "\n".join(lines) + "\n"


def run(args: list[str]) -> tuple[float, float]:
    """CPU seconds of the command and the largest peak resident memory of any command so far, in MiB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"op_chain_scaling: {' '.join(args[1:])} failed: {done.stderr.strip().splitlines()[-1:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,16000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    opt = os.path.join(os.path.dirname(sys.executable), "inrarch-opt")
    steps = {
        "parse+print": [],
        "inr-autodiff": ["--inr-autodiff=order=1"],
        "+ dataflow-lower": ["--inr-autodiff=order=1", "--dataflow-lower=dsp=1000000 quiet=true"],
    }
    print(f"inrarch-opt on a chain of N elementwise ops (CPU seconds on this machine, {os.cpu_count()} cores)")
    print(f"| N | {' | '.join(f'{s} CPU s (ms/op)' for s in steps)} | peak MiB |")
    print("|---:|" + "---:|" * (len(steps) + 1))
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = os.path.join(tmp, f"chain{n}.mlir")
            with open(path, "w") as f:
                f.write(chain(n))
            cells, peak = [], 0.0
            for extra in steps.values():
                cpu, mem = run([opt, path, *extra])
                cells.append(f"{cpu:.2f} ({1000 * cpu / n:.2f})")
                peak = max(peak, mem)
            print(f"| {n:,} | {' | '.join(cells)} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()
