"""`inrarch.compile`: a PyTorch INR to a dataflow design, its report, its Vitis project and its C-simulation.

    design = inrarch.compile(model, x, order=2, dsp=3200, out_dir="out/")
    design.report["modeled_latency_ms"]
    outputs = design.csim(x)            # list of [N] arrays, one per derivative output (layout order)
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from inrarch.context import make_context
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp
from inrarch.dialects.inr import DerivativeOutput, derivative_outputs
from inrarch.targets.hls.project import FIXED_INCLUDES

CXX_FLAGS = ["-O2", "-std=c++17", "-ffp-contract=off", "-Wall", "-Wextra", "-Wno-unknown-pragmas"]
# Fixed-point designs: -O3, under which the raw-integer arithmetic runs about twice as fast as under -O2 (the
# 4,096-pixel fixed-point edit: 16 s of CPU against 28 s); floating-point designs gain little and build longer.
CXX_FLAGS_FIXED = ["-O3", *CXX_FLAGS[1:]]


@dataclass
class TimedRun:
    """A timed C-simulation of one call: the outputs, the cycles of the call, and per FIFO the most tokens it held
    at once (by the FIFO's name in the printed C++)."""

    outputs: list[np.ndarray]
    cycles: int
    max_occupancy: dict[str, int]
    depths: dict[str, int]


_MODES = {"sequential": ["-pthread"], "threaded": ["-DINRARCH_CSIM_THREADED", "-pthread"],
          "timed": ["-DINRARCH_CSIM_TIMED", "-pthread"]}  # fmt: skip
# The numbers of a fixed-point design's C-simulation: `raw`, the raw-integer ap_fixed of inrarch/targets/hls/lib/csim/ap_fixed_raw.h
# (int64_t / __int128), or `ap_fixed`, Xilinx's ap_fixed.h (the hls4ml wheel's copy), which synthesis uses. Both give
# the same bits (test/python/test_csim_raw.py); raw is many times faster.
ARITHMETIC = ("raw", "ap_fixed")
RAW_FIXED = "-DINRARCH_CSIM_RAW_FIXED"


def parse_timed(stdout: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """(cycles, max occupancy by FIFO, depth by FIFO) from a timed C-simulation's output (its first call)."""
    cycles = None
    occupancy: dict[str, int] = {}
    depths: dict[str, int] = {}
    for line in stdout.splitlines():
        if not line.startswith("timed-csim: "):
            continue
        words = line.split()
        if words[1] == "cycles":
            if cycles is not None:
                break
            cycles = int(words[2])
        elif words[1] == "fifo":
            occupancy[words[2]] = int(words[6])
            depths[words[2]] = int(words[4])
    if cycles is None:
        raise CompileError("the timed C-simulation printed no cycle count")
    return cycles, occupancy, depths


def parse_overflows(stdout: str) -> dict[str, int]:
    """Overflow counts per site from a fixed-point C-simulation's output (`inrarch-overflow: SITE COUNT`)."""
    counts: dict[str, int] = {}
    for line in stdout.splitlines():
        if line.startswith("inrarch-overflow: "):
            _, site, count = line.split()
            counts[site] = counts.get(site, 0) + int(count)
    return counts


def overflow_message(overflows: dict[str, int]) -> str:
    site, count = max(overflows.items(), key=lambda kv: kv[1])
    return (f"{sum(overflows.values())} values left their fixed-point formats in the C-simulation (most at {site}: "
            f"{count}), as inputs outside the calibration range do")  # fmt: skip


@dataclass
class Design:
    module: ModuleOp
    report: dict
    outputs: list[DerivativeOutput]
    out_dir: str | None = None
    _binaries: dict[tuple[str, str], str] = field(default_factory=dict)
    _scratch: str | None = None
    overflows: dict[str, int] = field(default_factory=dict)
    """Fixed-point designs: the values outside their formats per site in the last C-simulation run."""
    overflow_policy: str = "error"
    """What `compile(overflow=...)` asked for: `error` designs raise when a C-simulation's values leave their formats
    (inputs outside the calibration range), `saturate` and `wrap` designs warn."""

    @property
    def columns(self) -> list[str]:
        """The name of each output column, in order (`outputs.json` in the project describes them)."""
        return [o if isinstance(o, str) else o.name for o in self.outputs]

    @property
    def graph(self) -> GraphOp:
        return next(op for op in self.module.walk() if isinstance(op, GraphOp))

    @property
    def samples(self) -> int:
        return self.graph.samples

    @property
    def fixed(self) -> bool:
        """Whether the design computes in fixed point (its streams carry formats)."""
        return any(f.format is not None for f in self.graph.fifos())

    def _project(self) -> str:
        if self.out_dir is not None:
            return self.out_dir
        if self._scratch is None:
            from inrarch.targets.hls.printer import HlsPrinter
            from inrarch.targets.hls.project import write_project

            self._scratch = tempfile.mkdtemp(prefix="inrarch-csim-")
            printed = HlsPrinter(self.graph, outputs=self.outputs).print()
            write_project(os.path.join(self._scratch, "project"), printed,
                          np.zeros((printed.samples, printed.in_cols)), None, "", 300.0)  # fmt: skip
        return os.path.join(self._scratch, "project")

    def build(self, threaded: bool = False, cxx_flags: list[str] | None = None, mode: str | None = None,
              arithmetic: str = "raw") -> str:  # fmt: skip
        """Builds the C-simulation binary once per mode (`sequential`, `threaded` or `timed`) and arithmetic (see
        ARITHMETIC; fixed-point designs) with g++; returns its path."""
        mode = mode or ("threaded" if threaded else "sequential")
        return self.build_modes([mode], cxx_flags, arithmetic)[mode]

    def build_modes(self, modes, cxx_flags: list[str] | None = None, arithmetic: str = "raw") -> dict[str, str]:
        """Builds the binaries of several modes at once (one g++ each, side by side); returns their paths."""
        if arithmetic not in ARITHMETIC:
            raise CompileError(f"csim: arithmetic must be raw or ap_fixed, got {arithmetic!r}")
        project = self._project()
        top = self.graph.sym_name.data
        running: dict[str, tuple[subprocess.Popen, str]] = {}
        suffix = "-ap-fixed" if arithmetic == "ap_fixed" and self.fixed else ""
        for mode in modes:
            if (mode, suffix) in self._binaries and cxx_flags is None:
                continue
            binary = os.path.join(project, "build", ("csim" if mode == "sequential" else f"csim-{mode}") + suffix)
            os.makedirs(os.path.dirname(binary), exist_ok=True)
            command = [shutil.which("g++") or "g++", *(cxx_flags or (CXX_FLAGS_FIXED if self.fixed else CXX_FLAGS)),
                       *_MODES[mode]]  # fmt: skip
            if self.fixed:
                command += [RAW_FIXED] if arithmetic == "raw" else FIXED_INCLUDES.split()
            command += ["-Ihls_lib/csim", "-Ihls_lib", f"{top}.cpp", "testbench.cpp", "-o", binary]
            try:
                proc = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)  # fmt: skip
            except FileNotFoundError as err:
                raise CompileError("g++ is needed for the C-simulation and was not found") from err
            running[mode] = (proc, binary)
        failure = None
        for mode, (proc, binary) in running.items():
            _, stderr = proc.communicate()
            if proc.returncode != 0:
                first = next((ln for ln in stderr.splitlines() if "error" in ln), stderr.strip()[:200])
                failure = failure or f"g++ failed to build the C-simulation: {first}"
            elif cxx_flags is None:
                self._binaries[mode, suffix] = binary
        if failure:
            raise CompileError(failure)
        if cxx_flags is not None:
            return {mode: binary for mode, (_, binary) in running.items()}
        return {mode: self._binaries[mode, suffix] for mode in modes}

    def write_rtl(self, out_dir: str, force: bool = False, inputs=None) -> str:
        """Writes the design's RTL project (Verilog, Verilator harness, data, rtl.json; see
        `inrarch.targets.rtl.project`) to `out_dir`; returns its path. Fixed-point designs only. `inputs` ([B*N, d],
        default a seeded uniform draw of one call) become its data, with the bit-exact outputs they give."""
        from inrarch.targets.rtl.project import write_rtl

        if inputs is not None and hasattr(inputs, "detach"):
            inputs = inputs.detach().cpu().numpy()
        return write_rtl(self.graph, out_dir, force, inputs)

    def csim(self, x, threaded: bool = False, overflow: str | None = None, arithmetic: str = "raw",
             jobs: int | None = None) -> list[np.ndarray]:  # fmt: skip
        """Runs the C-simulation on x ([B*N, d], any multiple of the design's N samples); returns one array of
        B*N values per output, in layout order. In fixed point, values that leave their formats (counted per site
        in `overflows`) raise a CompileError naming the site (`overflow="raise"`, the default of a design compiled
        with overflow="error"), warn (`"warn"`, the default of saturate and wrap designs) or pass (`"ignore"`).

        Fixed-point designs compute with the raw-integer ap_fixed (`arithmetic="raw"`, the default) or Xilinx's
        ap_fixed.h (`"ap_fixed"`): the same bits. Sequentially (not `threaded`), the calls run on `jobs` threads
        (default: the machine's cores; the testbench's INRARCH_CSIM_JOBS), each a block of calls."""
        if overflow not in (None, "raise", "warn", "ignore"):
            raise CompileError(f"csim: overflow must be raise, warn or ignore, got {overflow!r}")
        if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
            raise CompileError(f"csim: jobs must be a positive integer, got {jobs!r}")
        outputs = self._run(x, "threaded" if threaded else "sequential", arithmetic, jobs)[0]
        policy = overflow or ("raise" if self.overflow_policy == "error" else "warn")
        if self.overflows and policy != "ignore":
            message = overflow_message(self.overflows)
            if policy == "raise":
                raise CompileError(message + "; pass overflow='warn' or 'ignore' to csim to accept them")
            import warnings

            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return outputs

    def timed_csim(self, x) -> TimedRun:
        """Runs the timed C-simulation (the printed code as cycle-stepped stall-all pipelines, FIFOs of the
        printed depths) on one call's inputs x ([N, d]); returns the outputs, the cycles and the FIFOs' maximum
        occupancies."""
        n = self.samples
        if np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x).shape[0] != n:
            raise CompileError(f"timed_csim runs one call: it needs inputs of shape [{n}, d]")
        outputs, stdout = self._run(x, "timed")
        cycles, occupancy, depths = parse_timed(stdout)
        return TimedRun(outputs, cycles, occupancy, depths)

    def _run(self, x, mode: str, arithmetic: str = "raw", jobs: int | None = None) -> tuple[list[np.ndarray], str]:
        x = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x)
        n, d = self.samples, self.graph.function_type.inputs.data[0].get_shape()[1]
        if x.ndim != 2 or x.shape[1] != d or x.shape[0] % n:
            raise CompileError(f"csim needs inputs of shape [B*{n}, {d}], got {list(x.shape)}")
        binary = self.build(mode=mode, arithmetic=arithmetic)
        env = None if jobs is None else {**os.environ, "INRARCH_CSIM_JOBS": str(jobs)}
        double = self.report.get("element") == "f64"
        dtype = np.float64 if double else np.float32
        with tempfile.TemporaryDirectory(prefix="inrarch-run-") as tmp:
            in_path, out_path = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
            np.asarray(x, dtype=dtype).tofile(in_path)
            proc = subprocess.run([binary, in_path, out_path], capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                message = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
                raise CompileError(f"C-simulation failed: {message[0] if message else proc.returncode}")
            out = np.fromfile(out_path, dtype=dtype).reshape(x.shape[0], -1)
        self.overflows = parse_overflows(proc.stdout)
        return [out[:, i] for i in range(out.shape[1])], proc.stdout


def compile(
    model,
    example_input,
    order: int = 2,
    layout: str = "insp",
    mode: str = "taylor",
    target: str = "u50",
    dsp: int | None = None,
    clock_mhz: float = 300.0,
    out_dir: str | None = None,
    scale: float | None = None,
    golden: bool = True,
    force: bool = False,
    first: int | None = None,
    editor=None,
    precision: str = "float",
    error: float = 1e-3,
    overflow: str = "error",
    calibration=None,
    emit: str = "hls",
) -> Design:
    """Compiles the derivatives of `model` (at `example_input`'s shape [N, d]) to a dataflow design: every output
    of `layout` through `order` (the first `first` of them when given), each order-k derivative scaled by
    `scale`**k. With `editor` (a torch.nn.Module [N, K] -> [N, c] over those K derivatives, as INSP-Net's editor
    networks), the design computes the edit: the INR, its derivatives and the editor in one dataflow design (see
    `inrarch.api.edit_program`), whose outputs are the editor's.

    `precision`: `float` (the model's floating-point type), `auto` (fixed-point formats chosen per stream and
    value by `dataflow-fixed-point` from calibration inputs, `calibration` [M, d], default a grid of [-1, 1]^d,
    so that every output stays within `error` of its largest magnitude vs float64), or a uniform `ap_fixed<W,I>`;
    `overflow` (`error`, `saturate` or `wrap`) says what overflows on the calibration inputs do.

    `emit`: what `out_dir` receives, `hls` (the Vitis project) or `rtl` (the RTL project of a fixed-point design:
    Verilog, a Verilator harness, `example_input` and its bit-exact outputs; see `inrarch.targets.rtl.project`).

    With `out_dir`, writes the Vitis project there, with the example input and PyTorch's results (nested autograd,
    float64) as the testbench's golden data. `out_dir` must be new or empty, or an earlier inrarch project and
    `force` given (see `inrarch.targets.hls.project.write_project`): inrarch never touches a file it did not write."""
    from inrarch.api import differentiate, edit_program
    from inrarch.analysis.report import design_report, format_report
    from inrarch.passes.dataflow_lower import DataflowLowerPass

    if emit not in ("hls", "rtl"):
        raise CompileError(f"emit must be hls or rtl, got '{emit}'")
    if emit == "rtl" and precision == "float":
        raise CompileError("RTL needs a fixed-point design: pass --precision auto or ap_fixed<W,I> "
                           "(precision='auto' in Python)")  # fmt: skip
    if out_dir is not None:
        from inrarch.targets.hls.project import check_project_dir

        check_project_dir(out_dir, force)  # before the work, not after

    if editor is None:
        module = differentiate(model, example_input, order=order, layout=layout, mode=mode, scale=scale, first=first)
    else:
        program = edit_program(model, editor, example_input, order, layout, scale, first)
        module = differentiate(program, order=order, layout=layout, mode=mode)
    with tempfile.TemporaryDirectory(prefix="inrarch-calibration-") as tmp:
        path = None
        if isinstance(calibration, (str, os.PathLike)):
            path = os.fspath(calibration)  # a .npy file, read by the pass
        elif calibration is not None:
            path = os.path.join(tmp, "calibration.npy")
            cal = calibration.detach().cpu().numpy() if hasattr(calibration, "detach") else calibration
            try:
                cal = np.asarray(cal, dtype=np.float64)
            except (TypeError, ValueError) as err:
                raise CompileError(f"calibration must be an array of inputs [M, d] or a .npy file: {err}") from None
            np.save(path, cal)
        DataflowLowerPass(target=target, dsp=dsp, clock_mhz=clock_mhz, quiet=True, precision=precision, error=error,
                          overflow=overflow, calibration=path).apply(make_context(), module)  # fmt: skip
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    report = design_report(graph)
    in_type = graph.function_type.inputs.data[0]
    report["element"] = "f64" if "f64" in str(in_type.element_type) else "f32"
    dims = in_type.get_shape()[1]
    n_out = graph.function_type.inputs.data[-1].get_shape()[1]
    if editor is not None:
        outputs = [f"edit{c}" for c in range(n_out)]
    elif first is not None:  # the INR's channels, from one sample
        import torch

        with torch.no_grad():
            channels = model(torch.as_tensor(example_input)[:1]).shape[1]
        outputs = derivative_outputs(dims, channels, order, layout, first)
    else:
        outputs = _outputs(dims, n_out, order, layout)
    design = Design(module, report, outputs, overflow_policy=overflow)
    if out_dir is not None and emit == "rtl":
        design.out_dir = design.write_rtl(out_dir, force, example_input)
    elif out_dir is not None:
        from inrarch.targets.hls.printer import HlsPrinter
        from inrarch.targets.hls.project import write_project
        import torch

        from inrarch.apps.reference import edit_reference, insp_derivatives

        x = example_input.detach() if hasattr(example_input, "detach") else torch.as_tensor(example_input)
        reference = None
        if golden and editor is None:
            ref = insp_derivatives(copy.deepcopy(model).double(), x.double(), order, layout, scale, first)
            reference = np.stack([r.numpy() for r in ref], axis=1)
        elif golden:
            reference = edit_reference(model, editor, x, order, layout, scale, first).numpy()
        from inrarch.targets.hls.project import modeled_timing

        printer = HlsPrinter(graph, outputs=outputs, scale=scale, scale_known=True)
        printed = printer.print()
        design.out_dir = write_project(out_dir, printed, x.numpy(), reference, report["assumptions"]["part"],
                                       report["assumptions"]["clock_mhz"], format_report(report),
                                       {"modeled_timing.json": modeled_timing(graph, printer),
                                        "outputs.json": output_manifest(outputs, layout, scale)}, force)  # fmt: skip
    return design


def output_manifest(outputs: list, layout: str = "insp", scale: float | None = None) -> str:
    """`outputs.json`: one entry per output column of the design, in order: its name, and for a derivative the
    output channel, order, multi-index (how often each input coordinate is differentiated), path (the coordinates
    in the order the INSP layout takes them) and the scale it carries (scale**order)."""
    import json

    columns = []
    for i, o in enumerate(outputs):
        if isinstance(o, str):
            columns.append({"column": i, "name": o})
            continue
        columns.append({"column": i, "name": o.name, "channel": o.channel, "order": o.order,
                        "multi_index": list(o.index), "path": list(o.sequence),
                        "scale": 1.0 if scale is None else float(scale) ** o.order})  # fmt: skip
    distinct = {(c.get("channel"), tuple(c.get("multi_index", ()))) for c in columns if "channel" in c}
    note = (f"layout {layout}: {len(columns)} columns, {len(distinct)} distinct partial derivatives"
            + ("; the insp layout repeats a partial once per path (layout='unique' keeps one of each)"
               if layout == "insp" and len(distinct) < len(columns) else ""))  # fmt: skip
    return json.dumps({"columns": columns, "note": note}, indent=1) + "\n"


def _outputs(dims: int, n_out: int, order: int, layout: str) -> list[DerivativeOutput]:
    """The derivative outputs of a design with n_out output columns (every output of the layout)."""
    per_channel = len(derivative_outputs(dims, 1, order, layout))
    return derivative_outputs(dims, n_out // per_channel, order, layout)
