"""A Vitis HLS project from a printed design: sources, constants, testbench with golden data, `run_hls.tcl`,
`hls_config.cfg` (Vitis 2023.2+), a Makefile for C-simulation with g++, and a copy of inrarch's kernel library.

Projects are written to a temporary sibling directory and renamed into place at the end, so a failed build never
leaves a directory that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np

from inrarch.diagnostics import CompileError
from inrarch.hls.printer import Printed

HLS_LIB_PARTS = ("csim", "inrarch")


def testbench(p: Printed) -> str:
    t = p.element
    return f"""// Testbench of {p.top}: reads inputs (and golden outputs) from binary files, runs the design in batches
// of SAMPLES samples, writes the outputs, and compares them with the golden ones when given.
//   csim [input.bin output.bin [golden.bin [tolerance]]]   (defaults: data/input.bin csim_output.bin
//                                                             data/golden.bin 1e-3)
// A column passes when max|out - golden| <= tolerance * max|golden| over the samples. Exit status 0: pass.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "{p.top}.h"

static std::vector<{t}> load(const char* path, bool required) {{
  std::vector<{t}> data;
  FILE* f = std::fopen(path, "rb");
  if (!f) {{
    if (required) {{
      std::fprintf(stderr, "testbench: cannot open %s\\n", path);
      std::exit(2);
    }}
    return data;
  }}
  {t} value;
  while (std::fread(&value, sizeof(value), 1, f) == 1) data.push_back(value);
  std::fclose(f);
  return data;
}}

int main(int argc, char** argv) {{
  const char* input_path = argc > 1 ? argv[1] : "data/input.bin";
  const char* output_path = argc > 2 ? argv[2] : "csim_output.bin";
  const char* golden_path = argc > 3 ? argv[3] : (argc > 1 ? nullptr : "data/golden.bin");
  const double tolerance = argc > 4 ? std::atof(argv[4]) : 1e-3;
  std::vector<{t}> in = load(input_path, true);
  if (in.empty() || in.size() % (static_cast<size_t>(SAMPLES) * IN_COLS) != 0) {{
    std::fprintf(stderr, "testbench: %s must hold a multiple of %d samples of %d values\\n", input_path, SAMPLES,
                 IN_COLS);
    return 2;
  }}
  const size_t batches = in.size() / (static_cast<size_t>(SAMPLES) * IN_COLS);
  std::vector<{t}> out(batches * SAMPLES * OUT_COLS);
  for (size_t b = 0; b < batches; ++b) {{
    {p.top}(in.data() + b * SAMPLES * IN_COLS, out.data() + b * SAMPLES * OUT_COLS);
  }}
  FILE* f = std::fopen(output_path, "wb");
  if (!f || std::fwrite(out.data(), sizeof({t}), out.size(), f) != out.size()) {{
    std::fprintf(stderr, "testbench: cannot write %s\\n", output_path);
    return 2;
  }}
  std::fclose(f);
  if (!golden_path) return 0;
  std::vector<{t}> golden = load(golden_path, true);
  if (golden.size() != out.size()) {{
    std::fprintf(stderr, "testbench: %s holds %zu values, the design wrote %zu\\n", golden_path, golden.size(),
                 out.size());
    return 2;
  }}
  int failed = 0;
  double worst = 0.0;
  for (int c = 0; c < OUT_COLS; ++c) {{
    double err = 0.0, ref = 0.0;
    for (size_t s = 0; s < batches * SAMPLES; ++s) {{
      const double g = golden[s * OUT_COLS + c];
      err = std::fmax(err, std::fabs(out[s * OUT_COLS + c] - g));
      ref = std::fmax(ref, std::fabs(g));
    }}
    const double rel = ref > 0 ? err / ref : err;
    worst = std::fmax(worst, rel);
    if (!(err <= tolerance * ref) && !(ref == 0 && err <= tolerance)) {{
      std::printf("output %d: max|err| %.3e, max|golden| %.3e: FAIL\\n", c, err, ref);
      ++failed;
    }}
  }}
  std::printf("%s: %d outputs x %zu samples, worst max|err|/max|golden| = %.3e (tolerance %.1e)\\n",
              failed ? "FAIL" : "PASS", OUT_COLS, batches * SAMPLES, worst, tolerance);
  return failed ? 1 : 0;
}}
"""


def modeled_timing(graph, printer) -> str:
    """The cycle model's figures for the project (`modeled_timing.json`), FIFOs by their C++ names, for
    `inrarch csim --timed` to compare with the timed C-simulation."""
    import json

    from inrarch.dataflow.simulate import model_run

    result, values = model_run(graph)
    names = printer.fifo_names()
    fifos = {names[v]: {"depth": v.owner.depth_value, "max_occupancy": occ}
             for v, occ in zip(values, result.max_occupancy or [None] * len(values), strict=True)}  # fmt: skip
    return json.dumps({"modeled": True, "cycles": result.cycles, "deadlock": result.deadlock.describe()
                       if result.deadlock else None, "fifos": fifos}, indent=1) + "\n"  # fmt: skip


def makefile(p: Printed) -> str:
    return f"""# C-simulation of {p.top} with g++ (no Vitis needed): `make csim`, `make csim-threaded` (one thread per
# dataflow process, bounded FIFOs of the printed depths, exact deadlock detection), or `make csim-timed` (the
# processes as cycle-stepped stall-all pipelines: cycles per call and each FIFO's most tokens held).
CXX ?= g++
CXXFLAGS ?= -O2 -std=c++17 -ffp-contract=off -Wall -Wextra -Wno-unknown-pragmas
INCLUDES = -Ihls_lib/csim -Ihls_lib
SOURCES = {p.top}.cpp testbench.cpp
HEADERS = {p.top}.h {p.top}_constants.h $(wildcard hls_lib/*/*.h)

build/csim: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) $(INCLUDES) $(SOURCES) -o $@

build/csim-threaded: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) -DINRARCH_CSIM_THREADED -pthread $(INCLUDES) $(SOURCES) -o $@

build/csim-timed: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) -DINRARCH_CSIM_TIMED -pthread $(INCLUDES) $(SOURCES) -o $@

csim: build/csim
\t./build/csim

csim-threaded: build/csim-threaded
\t./build/csim-threaded

csim-timed: build/csim-timed
\t./build/csim-timed

clean:
\trm -rf build

.PHONY: csim csim-threaded csim-timed clean
"""


def run_hls_tcl(p: Printed, part: str, clock_mhz: float) -> str:
    period = 1000.0 / clock_mhz
    return f"""# Vitis HLS (classic flow): vitis_hls -f run_hls.tcl
open_project -reset {p.top}_prj
set_top {p.top}
add_files {p.top}.cpp -cflags "-Ihls_lib -std=c++14"
add_files -tb testbench.cpp -cflags "-Ihls_lib"
add_files -tb data
open_solution -reset solution1 -flow_target vitis
set_part {{{part}}}
create_clock -period {period:.3f} -name default
csim_design -argv "data/input.bin build_csim_output.bin data/golden.bin"
csynth_design
cosim_design -argv "data/input.bin build_cosim_output.bin data/golden.bin"
exit
"""


def hls_config(p: Printed, part: str, clock_mhz: float) -> str:
    return f"""# Vitis 2023.2+ unified flow: v++ -c --mode hls --config hls_config.cfg --work_dir {p.top}_work
part={part}

[hls]
flow_target=vitis
package.output.format=xo
syn.file={p.top}.cpp
syn.cflags=-Ihls_lib
syn.top={p.top}
tb.file=testbench.cpp
tb.file=data
tb.cflags=-Ihls_lib
csim.argv=data/input.bin csim_output.bin data/golden.bin
cosim.argv=data/input.bin cosim_output.bin data/golden.bin
clock={clock_mhz:g}MHz
"""


def write_project(
    out_dir: str,
    printed: Printed,
    inputs: np.ndarray,
    golden: np.ndarray | None,
    part: str,
    clock_mhz: float,
    report_text: str = "",
    extra_files: dict[str, str] | None = None,
) -> str:
    """Writes the project to `out_dir` (replacing it); returns its absolute path."""
    from inrarch.hls_lib import HLS_LIB_DIR

    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    if not os.path.isdir(parent):
        raise CompileError(f"cannot write {out_dir}: its parent directory {parent} does not exist")
    tmp = tempfile.mkdtemp(prefix=os.path.basename(out_dir) + ".partial-", dir=parent)
    try:
        files = {
            f"{printed.top}.cpp": printed.source,
            f"{printed.top}.h": printed.header,
            f"{printed.top}_constants.h": printed.constants,
            "testbench.cpp": testbench(printed),
            "Makefile": makefile(printed),
            "run_hls.tcl": run_hls_tcl(printed, part, clock_mhz),
            "hls_config.cfg": hls_config(printed, part, clock_mhz),
        }
        if report_text:
            files["report.txt"] = report_text + "\n"
        files.update(extra_files or {})
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        os.makedirs(os.path.join(tmp, "data"))
        dtype = np.float64 if printed.element == "double" else np.float32
        np.asarray(inputs, dtype=dtype).tofile(os.path.join(tmp, "data", "input.bin"))
        if golden is not None:
            np.asarray(golden, dtype=dtype).tofile(os.path.join(tmp, "data", "golden.bin"))
        for part_dir in HLS_LIB_PARTS:
            shutil.copytree(HLS_LIB_DIR / part_dir, os.path.join(tmp, "hls_lib", part_dir))
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
