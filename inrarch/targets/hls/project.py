"""A Vitis HLS project from a printed design: sources, constants, testbench with golden data, `run_hls.tcl`,
`hls_config.cfg` (Vitis 2023.2+), a Makefile for C-simulation with g++, and a copy of inrarch's kernel library.

Projects are written to a temporary sibling directory and moved into place at the end, so a failed build never
leaves a directory that looks complete. inrarch never deletes or overwrites a file it did not write: a project goes
to a new or empty folder, or replaces, with `force`, the files an earlier inrarch project listed in its marker.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np

from inrarch.diagnostics import CompileError
from inrarch.targets.hls.printer import Printed

HLS_LIB_PARTS = ("csim", "inrarch")


def testbench(p: Printed) -> str:
    t = p.element
    names = p.columns or [f"output{c}" for c in range(p.out_cols)]
    names_init = ", ".join(f'"{n}"' for n in names)
    return f"""// Testbench of {p.top}: reads inputs (and golden outputs) from binary files, runs the design in batches
// of SAMPLES samples, writes the outputs, and compares them with the golden ones when given.
//   csim [input.bin output.bin [golden.bin [tolerance]]]   (defaults: data/input.bin csim_output.bin
//                                                             data/golden.bin 1e-3)
// A column passes when max|out - golden| <= tolerance * max|golden| over the samples. Exit status 0: pass.
// The design keeps no state between calls, so a sequential g++ C-simulation runs blocks of calls on threads
// (INRARCH_CSIM_JOBS of them, default the machine's cores); the outputs are those of one call after another.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>
#if !defined(INRARCH_CSIM_THREADED) && !defined(INRARCH_CSIM_TIMED) && defined(INRARCH_CSIM_HLS_STREAM_H)
#include <atomic>
#include <thread>
#define INRARCH_TB_JOBS 1
#endif

#include "{p.top}.h"
#ifdef INRARCH_FIXED
#include "inrarch/fixed.h"
#endif

static const char* const OUT_NAMES[OUT_COLS] = {{{names_init}}};  // the header's comments say what each holds

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
#ifdef INRARCH_TB_JOBS
  const char* jobs_env = std::getenv("INRARCH_CSIM_JOBS");
  size_t jobs = jobs_env ? static_cast<size_t>(std::atol(jobs_env)) : std::thread::hardware_concurrency();
  jobs = jobs < 1 ? 1 : (jobs > batches ? batches : jobs);
  std::atomic<size_t> next(0);
  auto work = [&]() {{
    for (size_t b = next++; b < batches; b = next++) {{
      {p.top}(in.data() + b * SAMPLES * IN_COLS, out.data() + b * SAMPLES * OUT_COLS);
    }}
  }};
  std::vector<std::thread> pool;
  for (size_t j = 1; j < jobs; ++j) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
#else
  for (size_t b = 0; b < batches; ++b) {{
    {p.top}(in.data() + b * SAMPLES * IN_COLS, out.data() + b * SAMPLES * OUT_COLS);
  }}
#endif
#ifdef INRARCH_FIXED
  inrarch::report_overflows();
#endif
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
    size_t bad_out = 0, bad_golden = 0;  // values that are not finite: never a pass
    for (size_t s = 0; s < batches * SAMPLES; ++s) {{
      const double g = golden[s * OUT_COLS + c], o = out[s * OUT_COLS + c];
      if (!std::isfinite(o)) ++bad_out;
      if (!std::isfinite(g)) ++bad_golden;
      if (std::isfinite(o) && std::isfinite(g)) {{
        err = std::fmax(err, std::fabs(o - g));
        ref = std::fmax(ref, std::fabs(g));
      }}
    }}
    const double rel = ref > 0 ? err / ref : err;
    worst = std::fmax(worst, rel);
    if (bad_out || bad_golden) {{
      std::printf("output %d (%s): %zu design values and %zu golden values are not finite: FAIL\\n", c, OUT_NAMES[c],
                  bad_out, bad_golden);
      ++failed;
    }} else if (!(err <= tolerance * ref) && !(ref == 0 && err <= tolerance)) {{
      std::printf("output %d (%s): max|err| %.3e, max|golden| %.3e: FAIL\\n", c, OUT_NAMES[c], err, ref);
      ++failed;
    }} else {{
      continue;
    }}
    int shown = 0;  // the first values out of tolerance: sample, design, golden
    for (size_t s = 0; s < batches * SAMPLES && shown < 3; ++s) {{
      const double g = golden[s * OUT_COLS + c], o = out[s * OUT_COLS + c];
      if (!std::isfinite(o) || !std::isfinite(g) || std::fabs(o - g) > tolerance * (ref > 0 ? ref : 1.0)) {{
        std::printf("  sample %zu: design %.9g, golden %.9g\\n", s, o, g);
        ++shown;
      }}
    }}
  }}
  std::printf("%s: %d outputs x %zu samples, worst max|err|/max|golden| = %.3e (tolerance %.1e)\\n",
              failed ? "FAIL" : "PASS", OUT_COLS, batches * SAMPLES, worst, tolerance);
  return failed ? 1 : 0;
}}
"""


def modeled_timing(graph, printer, run=None) -> str:
    """The cycle model's figures for the project (`modeled_timing.json`), FIFOs by their C++ names, for
    `inrarch csim --timed` to compare with the timed C-simulation."""
    import json

    from inrarch.analysis.simulate import model_run

    result, values = run if run is not None else model_run(graph)  # (the printer's check may have run it)
    names = printer.fifo_names()
    fifos = {names[v]: {"depth": v.owner.depth_value, "max_occupancy": occ}
             for v, occ in zip(values, result.max_occupancy or [None] * len(values), strict=True)}  # fmt: skip
    return json.dumps({"modeled": True, "cycles": result.cycles, "deadlock": result.deadlock.describe()
                       if result.deadlock else None, "fifos": fifos}, indent=1) + "\n"  # fmt: skip


# Fixed-point designs: Xilinx's ap_types headers (a copy in the project) as system headers, whose own warnings
# g++ would otherwise print.
FIXED_INCLUDES = " -isystem hls_lib/ap_types -Wno-uninitialized -Wno-maybe-uninitialized"
# inrarch's g++ C-simulation of fixed-point designs: the raw-integer ap_fixed (hls_lib/csim/ap_fixed_raw.h).
RAW_FIXED = "-DINRARCH_CSIM_RAW_FIXED"


def makefile(p: Printed) -> str:
    fixed_note = ap_fixed_rules = ap_fixed_goal = ""
    if p.fixed:
        fixed_note = ("\n# Fixed point: these compute with the raw-integer ap_fixed of hls_lib/csim/ap_fixed_raw.h "
                      "(INRARCH_CSIM_RAW_FIXED);\n# `make csim-ap-fixed` runs the same C-simulation with Xilinx's "
                      "ap_fixed.h (hls_lib/ap_types), as synthesis\n# computes: the same bits, slower.")  # fmt: skip
        ap_fixed_rules = (f"\nbuild/csim-ap-fixed: $(SOURCES) $(HEADERS)\n\tmkdir -p build\n"
                          f"\t$(CXX) $(CXXFLAGS) -pthread -Ihls_lib/csim -Ihls_lib{FIXED_INCLUDES} $(SOURCES) -o $@\n")
        ap_fixed_goal = "\ncsim-ap-fixed: build/csim-ap-fixed\n\t./build/csim-ap-fixed\n"
    return f"""# C-simulation of {p.top} with g++ (no Vitis needed): `make csim` (calls one after another; blocks of calls on
# INRARCH_CSIM_JOBS threads, default the machine's cores), `make csim-threaded` (one thread per dataflow process,
# bounded FIFOs of the printed depths, exact deadlock detection), or `make csim-timed` (the processes as
# cycle-stepped stall-all pipelines: cycles per call and each FIFO's most tokens held).{fixed_note}
CXX ?= g++
CXXFLAGS ?= {"-O3" if p.fixed else "-O2"} -std=c++17 -ffp-contract=off -Wall -Wextra -Wno-unknown-pragmas
INCLUDES = -Ihls_lib/csim -Ihls_lib{" " + RAW_FIXED if p.fixed else ""}
SOURCES = {p.top}.cpp testbench.cpp
HEADERS = {p.top}.h {p.top}_constants.h $(wildcard hls_lib/*/*.h)

build/csim: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) -pthread $(INCLUDES) $(SOURCES) -o $@

build/csim-threaded: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) -DINRARCH_CSIM_THREADED -pthread $(INCLUDES) $(SOURCES) -o $@

build/csim-timed: $(SOURCES) $(HEADERS)
\tmkdir -p build
\t$(CXX) $(CXXFLAGS) -DINRARCH_CSIM_TIMED -pthread $(INCLUDES) $(SOURCES) -o $@
{ap_fixed_rules}
csim: build/csim
\t./build/csim

csim-threaded: build/csim-threaded
\t./build/csim-threaded

csim-timed: build/csim-timed
\t./build/csim-timed
{ap_fixed_goal}
clean:
\trm -rf build

.PHONY: csim csim-threaded csim-timed{" csim-ap-fixed" if p.fixed else ""} clean
"""


def config_ops(p: Printed, flavour: str, clock_mhz: float = 300.0) -> str:
    """Pins the operators to the implementation and latency of inrarch's operator table at `clock_mhz`, so the
    recurrences, depths and DSP counts of the facts hold: fmul on DSPs (3 DSP), fadd on DSPs (2 DSP), and the
    integer multiply of fixed-point designs on DSP48E2s at its one-tile latency (a multiply wider than one 27 x 18
    tile gets the same pin; the facts count it one cycle longer, the conservative side)."""
    from inrarch.targets.hardware import dsp_mul_latency, operator
    from inrarch.analysis.fixed import DSP_A, DSP_B

    prefix = "d" if p.element == "double" else "f"
    pins = [(f"{prefix}add", "fulldsp", operator("arith.addf", clock_mhz).latency),
            (f"{prefix}sub", "fulldsp", operator("arith.subf", clock_mhz).latency),
            (f"{prefix}mul", "maxdsp", operator("arith.mulf", clock_mhz).latency)]  # fmt: skip
    if p.fixed:
        pins.append(("mul", "dsp", dsp_mul_latency(DSP_A, DSP_B, clock_mhz)))
    if flavour == "tcl":
        return "\n".join(f"config_op {op} -impl {impl} -latency {lat}" for op, impl, lat in pins)
    return "\n".join(f"syn.op=op:{op} impl:{impl} latency:{lat}" for op, impl, lat in pins)


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
# The operator implementations and latencies inrarch's hardware facts assume (inrarch/targets/hardware.py).
{config_ops(p, "tcl", clock_mhz)}
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
# The operator implementations and latencies inrarch's hardware facts assume (inrarch/targets/hardware.py).
{config_ops(p, "cfg", clock_mhz)}
"""


MARKER = ".inrarch-project"


def manifest(path: str) -> list[str] | None:
    """The files an inrarch project folder says inrarch wrote, or None if `path` is not an inrarch project."""
    marker = os.path.join(path, MARKER)
    if not os.path.isfile(marker):
        return None
    with open(marker) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


def check_project_dir(out_dir: str, force: bool = False) -> str:
    """Checks that a project may be written to `out_dir` without touching anything inrarch did not write; returns
    its absolute path. A new or empty folder is fine; an inrarch project (its marker file) only with `force`."""
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    if not os.path.isdir(parent):
        raise CompileError(f"cannot write {out_dir}: its parent directory {parent} does not exist")
    if os.path.lexists(out_dir):
        if not os.path.isdir(out_dir) or os.path.islink(out_dir):
            raise CompileError(f"cannot write the project to {out_dir}: it exists and is not a folder")
        if os.listdir(out_dir):
            if manifest(out_dir) is None:
                raise CompileError(f"cannot write the project to {out_dir}: the folder exists and holds files inrarch "
                                   f"did not write (no {MARKER}); choose a new or empty folder")  # fmt: skip
            if not force:
                raise CompileError(f"{out_dir} holds an inrarch project: pass --force (force=True) to replace the "
                                   "files inrarch wrote there")  # fmt: skip
    if not os.access(parent, os.W_OK):
        raise CompileError(f"cannot write {out_dir}: its parent directory {parent} is not writable")
    return out_dir


def write_project(
    out_dir: str,
    printed: Printed,
    inputs: np.ndarray,
    golden: np.ndarray | None,
    part: str,
    clock_mhz: float,
    report_text: str = "",
    extra_files: dict[str, str] | None = None,
    force: bool = False,
) -> str:
    """Writes the project to `out_dir`; returns its absolute path.

    Never deletes or overwrites a file inrarch did not write: the folder must be new, empty, or an inrarch project
    (its marker file lists the files inrarch wrote) and `force` given; then only those files are replaced, and
    anything the user added stays. The project is written to a temporary sibling first and moved into place, with
    the marker last, so a failed write never leaves a folder that looks complete."""
    from inrarch.targets.hls.lib import HLS_LIB_DIR, ap_types_dir

    files: dict[str, str | bytes] = {
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
    dtype = np.float64 if printed.element == "double" else np.float32
    files["data/input.bin"] = np.asarray(inputs, dtype=dtype).tobytes()
    if golden is not None:
        files["data/golden.bin"] = np.asarray(golden, dtype=dtype).tobytes()
    trees = {f"hls_lib/{part_dir}": (HLS_LIB_DIR / part_dir, None) for part_dir in HLS_LIB_PARTS}
    if printed.fixed:
        trees["hls_lib/ap_types"] = (ap_types_dir(), shutil.ignore_patterns("hls_stream.h", "hls_math.h", "__pycache__"))
    return write_folder(out_dir, files, trees, force)


def write_folder(out_dir: str, files: dict[str, str | bytes], trees: dict | None = None, force: bool = False) -> str:
    """Writes an inrarch project folder: `files` (relative path -> text or bytes) and copies of `trees` (relative
    path -> (source folder, shutil ignore function)); returns its absolute path.

    Never deletes or overwrites a file inrarch did not write: the folder must be new, empty, or an inrarch project
    (its marker file lists the files inrarch wrote) and `force` given; then only those files are replaced, and
    anything the user added stays. The project is written to a temporary sibling first and moved into place, with
    the marker last, so a failed write never leaves a folder that looks complete."""
    out_dir = check_project_dir(out_dir, force)
    parent = os.path.dirname(out_dir)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out_dir) + ".partial-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)
        for name, content in files.items():
            path = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb" if isinstance(content, bytes) else "w") as f:
                f.write(content)
        for name, (source, ignore) in (trees or {}).items():
            shutil.copytree(source, os.path.join(tmp, name), ignore=ignore)
        written = sorted(os.path.relpath(os.path.join(root, name), tmp)
                         for root, _, names in os.walk(tmp) for name in names)  # fmt: skip
        marker = "# written by inrarch: the files of this project; inrarch replaces only these (with --force)\n"
        marker += "".join(f"{name}\n" for name in written)
        if not os.path.exists(out_dir):
            with open(os.path.join(tmp, MARKER), "w") as f:
                f.write(marker)
            os.rename(tmp, out_dir)
            return out_dir
        _replace_files(out_dir, tmp, written, marker)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _replace_files(out_dir: str, tmp: str, written: list[str], marker: str) -> None:
    """Moves the new project's files over an empty folder or an inrarch project: the old marker goes first (the
    folder no longer looks complete), then the files inrarch wrote before and does not write now, then the new
    files move in, the marker last. The marker is the user's file too: an entry that leaves the folder, passes
    through a symbolic link, or names anything but a regular file is never deleted or written through."""
    from inrarch.files import inside

    old = manifest(out_dir) or []
    for name in written:
        path = inside(out_dir, name)
        if path is None:
            raise CompileError(f"cannot replace the project in {out_dir}: the way to {name} there passes through a "
                               "symbolic link or a file")  # fmt: skip
        if os.path.lexists(path) and (name not in old or os.path.islink(path) or not os.path.isfile(path)):
            what = "was not written by inrarch" if name not in old else "is no longer a regular file inrarch wrote"
            raise CompileError(f"cannot replace the project in {out_dir}: {name} there {what}")
    marker_path = os.path.join(out_dir, MARKER)
    if os.path.lexists(marker_path):
        if os.path.islink(marker_path) or not os.path.isfile(marker_path):
            raise CompileError(f"cannot replace the project in {out_dir}: its {MARKER} is not a regular file")
        os.remove(marker_path)
    for name in old:
        path = inside(out_dir, name)
        if name not in written and path is not None and os.path.isfile(path) and not os.path.islink(path):
            os.remove(path)
    for name in written:
        target = os.path.join(out_dir, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(os.path.join(tmp, name), target)
    with open(marker_path, "w") as f:
        f.write(marker)
