"""Fuzzing inrarch with random row-wise models.

A case is a random model (input dimension 1-3, 1-4 hidden layers of width 4-48, any supported activation, sin with
omega 0.5-30, residual connections, Fourier features, 1-4 outputs), a batch of 4-32 samples, a derivative order
1-4, and, for some cases, a DSP budget from tight to huge. Each case checks

* the derivatives inrarch computes (inr-autodiff, evaluated in float64) against PyTorch's nested autograd:
  |inrarch - PyTorch| <= 1e-8 x max(1, max |PyTorch|), per output;
* for compiled cases, the design's sequential, threaded and timed C-simulations against PyTorch in float64
  (|C-sim - PyTorch| <= 1e-3 x max|PyTorch of that output| + 1e-5 x max over the outputs of that order), and the
  timed C-simulation's cycles and FIFO occupancies against the cycle model's.

An infeasible budget is a correct outcome when inrarch says so (`rejected`). Each case runs in a child process with
a time limit, so a crash or a hang is recorded, not suffered. One generator (`spec_from`) serves both hypothesis
(the test suite's bounded run) and numpy (`inrarch fuzz --cases N`), so every failure has a one-line reproducer:
`inrarch fuzz --replay '<spec>'`.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

# What a case tries: `model` (the derivatives and, compiled, the C-simulations against PyTorch), `nonfinite` (the
# model with a NaN or an Inf in one parameter: refused at import, naming it), `fixed_range` (an auto fixed-point
# design C-simulated on inputs outside its calibration range: the overflow is reported, or, with none, the outputs
# stay within the error budget), `folder` (a project written, tampered with by a user or an attacker, and written
# again: nothing outside the files inrarch lists changes), `mlir` (a small derivative program mutated into
# adversarial MLIR through inrarch-opt: a result or a one-line diagnostic, never an internal error or a hang),
# `fixed_budget` (an auto fixed-point design at orders 1-3, C-simulated on inputs it was not calibrated on: within the
# error budget of PyTorch float64, or refused with a refusal that names its largest error site).
KINDS = ("model", "nonfinite", "fixed_range", "folder", "mlir", "fixed_budget")



def activation_names() -> tuple[str, ...]:
    """The activations a case draws from: the importer's (every one-operand op of the registry and the ATen
    activations torch-mlir expands; inrarch.importer.activations) and the tanh-approximated GELU."""
    from inrarch.importer import activations

    return (*activations(), "gelu_tanh")


BUDGETS = (30, 100, 300, 1000, 3200, 5952)


@dataclass(frozen=True)
class Spec:
    """One fuzz case: a model, its input batch and what to do with it."""

    dims: int
    widths: tuple[int, ...]
    activations: tuple[str, ...]
    omegas: tuple[float, ...]
    residual: tuple[bool, ...]
    fourier: int  # Fourier feature pairs before the first layer (0: none)
    outputs: int
    batch: int
    order: int
    seed: int
    dsp: int | None = None  # compile with this DSP budget (None: derivatives only)
    kind: str = "model"  # what the case tries (KINDS)

    def text(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @staticmethod
    def parse(text: str) -> Spec:
        data = json.loads(text)
        for key in ("widths", "activations", "omegas", "residual"):
            data[key] = tuple(data[key])
        return Spec(**data)


def spec_from(draw, compile_case: bool | None = None, kind: str = "model") -> Spec:
    """A random case of `kind` from `draw`, an object with integer(lo, hi), real(lo, hi), choice(seq) and
    boolean()."""
    dims = draw.integer(1, 3)
    layers = draw.integer(1, 4)
    widths = tuple(draw.integer(4, 48) for _ in range(layers))
    names = activation_names()
    activations = tuple(draw.choice(names) for _ in range(layers))
    omegas = tuple(round(draw.real(0.5, 30.0), 3) if a == "sin" else 1.0 for a in activations)
    residual = tuple(i > 0 and widths[i] == widths[i - 1] and draw.boolean() for i in range(layers))
    fourier = draw.choice((0, 0, 0, draw.integer(2, 8)))
    compile_case = draw.boolean() if compile_case is None else compile_case
    compile_case = compile_case or kind in ("fixed_range", "folder", "fixed_budget")
    order = draw.integer(1, 3 if kind == "fixed_budget" else 2 if compile_case else 4)
    budgets = BUDGETS if kind == "model" else BUDGETS[2:]
    return Spec(dims, widths, activations, omegas, residual, fourier, draw.integer(1, 4), draw.integer(4, 32), order,
                draw.integer(0, 2**31 - 1), draw.choice(budgets) if compile_case else None, kind)  # fmt: skip


class NumpyDraw:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def real(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def boolean(self) -> bool:
        return bool(self.rng.integers(2))


# ---------------------------------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------------------------------


def build_model(spec: Spec):
    import torch
    from torch import nn

    from inrarch.importer import activations

    torch.manual_seed(spec.seed)

    def activation(name: str, omega: float):
        match name:
            case "sin":
                return lambda z: torch.sin(omega * z)
            case "cos":
                return torch.cos
            case "gelu_tanh":
                return lambda z: nn.functional.gelu(z, approximate="tanh")
            case "leaky_relu":
                return lambda z: nn.functional.leaky_relu(z, 0.1)
            case "exp":
                return lambda z: torch.exp(0.5 * z)
        return activations()[name]

    class FuzzModel(nn.Module):
        def __init__(self):
            super().__init__()
            features = spec.dims
            if spec.fourier:
                self.register_buffer("B", torch.randn(spec.dims, spec.fourier) * 2.0)
                features = 2 * spec.fourier
            self.hidden = nn.ModuleList()
            for width in spec.widths:
                layer = nn.Linear(features, width)
                bound = math.sqrt(6 / features) / 2  # keeps high orders of sin(omega z) within float32's range
                nn.init.uniform_(layer.weight, -bound, bound)
                self.hidden.append(layer)
                features = width
            self.acts = [activation(a, w) for a, w in zip(spec.activations, spec.omegas, strict=True)]
            self.out = nn.Linear(features, spec.outputs)

        def forward(self, x):
            h = torch.cat([torch.sin(x @ self.B), torch.cos(x @ self.B)], dim=1) if spec.fourier else x
            for layer, act, res in zip(self.hidden, self.acts, spec.residual, strict=True):
                z = act(layer(h))
                h = h + z if res else z
            return self.out(h)

    return FuzzModel()


def inputs(spec: Spec, dtype=None):
    import torch

    g = torch.Generator().manual_seed(spec.seed % 100_003)
    x = (torch.rand(spec.batch, spec.dims, generator=g, dtype=torch.float64) * 2 - 1) * 0.9
    return x if dtype is None else x.to(dtype)


# ---------------------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # pass, rejected, mismatch, deadlock, crash, hang
    detail: str = ""
    seconds: float = 0.0
    compiled: bool = False


class Mismatch(Exception):
    pass


def check_case(spec: Spec) -> Outcome:
    """Runs one case in this process."""
    checks = {"model": check_model, "nonfinite": check_nonfinite, "fixed_range": check_fixed_range,
              "folder": check_folder, "mlir": check_mlir, "fixed_budget": check_fixed_budget}  # fmt: skip
    if spec.kind not in checks:
        raise ValueError(f"unknown kind '{spec.kind}' (one of {', '.join(KINDS)})")
    return checks[spec.kind](spec)


def check_model(spec: Spec) -> Outcome:
    import copy

    import inrarch
    from inrarch.diagnostics import CompileError
    from inrarch.apps.reference import insp_derivatives

    model = build_model(spec)
    x64 = inputs(spec)
    reference = [r.detach().numpy() for r in insp_derivatives(copy.deepcopy(model).double(), x64, spec.order)]
    module = inrarch.differentiate(copy.deepcopy(model).double(), x64, order=spec.order)
    ours = inrarch.evaluate(module, x64.numpy())
    for k, (a, b) in enumerate(zip(ours, reference, strict=True)):
        if not np.all(np.abs(a - b) <= 1e-8 * max(1.0, float(np.abs(b).max()))):
            raise Mismatch(f"derivative output {k}: max error {np.abs(a - b).max():.3e}, max|ref| {np.abs(b).max():.3e}")
    if spec.dsp is None:
        return Outcome("pass")
    x32 = inputs(spec, dtype=__import__("torch").float32)
    try:
        design = inrarch.compile(model, x32, order=spec.order, dsp=spec.dsp)
    except CompileError as err:
        if "the design needs at least" in err.message or "BRAM36" in err.message:
            return Outcome("rejected", err.message, compiled=False)
        raise
    reference32 = [r.detach().numpy() for r in insp_derivatives(copy.deepcopy(model).double(), x32.double(), spec.order)]
    orders = [o.order for o in design.outputs]
    scale = {o: max(float(np.abs(r).max()) for r, oo in zip(reference32, orders, strict=True) if oo == o)
             for o in set(orders)}  # fmt: skip
    design.build_modes(["sequential", "threaded", "timed"])
    runs = {"sequential": design.csim(x32), "threaded": design.csim(x32, threaded=True)}
    timed = design.timed_csim(x32)
    runs["timed"] = timed.outputs
    for mode, outs in runs.items():
        for k, (a, b) in enumerate(zip(outs, reference32, strict=True)):
            tol = 1e-3 * float(np.abs(b).max()) + 1e-5 * scale[orders[k]] + 1e-30
            if not np.abs(a - b).max() <= tol:
                raise Mismatch(f"{mode} C-simulation, output {k}: max error {np.abs(a - b).max():.3e} > {tol:.3e}")
    if timed.cycles != design.report["modeled_cycles"]:
        raise Mismatch(f"timed C-simulation {timed.cycles} cycles, cycle model {design.report['modeled_cycles']}")
    from inrarch.analysis.simulate import model_run
    from inrarch.targets.hls.printer import HlsPrinter

    model_result, values = model_run(design.graph)
    names = HlsPrinter(design.graph).fifo_names()
    for v, occupancy in zip(values, model_result.max_occupancy, strict=True):
        if timed.max_occupancy.get(names[v]) != occupancy:
            raise Mismatch(f"FIFO {names[v]}: timed occupancy {timed.max_occupancy.get(names[v])}, model {occupancy}")
    return Outcome("pass", compiled=True)


def check_nonfinite(spec: Spec) -> Outcome:
    """A NaN or an Inf in one parameter: PyTorch's outputs are not finite, so inrarch must refuse the model, naming
    the parameter (never return finite, plausible numbers)."""
    import torch

    import inrarch
    from inrarch.diagnostics import CompileError

    rng = np.random.default_rng(spec.seed)
    model = build_model(spec)
    params = list(model.named_parameters())
    name, param = params[int(rng.integers(len(params)))]
    index = tuple(int(rng.integers(n)) for n in param.shape)
    value = float(rng.choice([np.nan, np.inf, -np.inf]))
    with torch.no_grad():
        param[index] = value
    x = inputs(spec, dtype=torch.float32)
    try:
        if spec.dsp is None:
            inrarch.differentiate(model, x, order=spec.order)
        else:
            inrarch.compile(model, x, order=spec.order, dsp=spec.dsp)
    except CompileError as err:
        if f"parameter {name} holds" in err.message and "non-finite" in err.message:
            return Outcome("pass", compiled=spec.dsp is not None)
        raise Mismatch(f"{value} in {name}{list(index)}: refused with another message: {err.message}") from None
    raise Mismatch(f"{value} in {name}{list(index)}: inrarch accepted the model")


def _float64_derivatives(model, x: np.ndarray, order: int) -> np.ndarray:
    """PyTorch float64 nested autograd's derivatives of `model` at x, as one [N, K] array (INSP layout)."""
    import copy

    import torch

    from inrarch.apps.reference import insp_derivatives

    outs = insp_derivatives(copy.deepcopy(model).double(), torch.as_tensor(x, dtype=torch.float64), order)
    return np.stack([r.numpy() for r in outs], axis=1)


def check_fixed_range(spec: Spec) -> Outcome:
    """An auto fixed-point design (calibrated on [-1, 1]^d) C-simulated on inputs scaled by 1.5-20: either the
    C-simulation reports the values that left their formats, or, with none, every output stays within the error
    budget of PyTorch float64 (1e-3 of its largest magnitude, as in range). Never a silent wrong answer."""
    import torch

    import inrarch
    from inrarch.analysis.precision import output_errors
    from inrarch.diagnostics import CompileError

    model = build_model(spec)
    x = inputs(spec, dtype=torch.float32)
    try:
        design = inrarch.compile(model, x, order=spec.order, dsp=spec.dsp, precision="auto")
    except CompileError as err:
        if "the design needs at least" in err.message or "BRAM36" in err.message or "no format" in err.message:
            return Outcome("rejected", err.message)
        raise
    scale = float(np.random.default_rng(spec.seed).uniform(1.5, 20.0))
    far = (x * scale).numpy()
    try:
        out = np.stack(design.csim(far), axis=1)
    except CompileError as err:
        if "left their fixed-point formats" in err.message:
            return Outcome("pass", compiled=True)
        raise
    ref = _float64_derivatives(model, far, spec.order)
    worst = float(np.max(output_errors(out, ref)))
    if not worst <= 1e-3:
        raise Mismatch(f"inputs x{scale:.2f}: no overflow reported, yet an output is off by {worst:.3g} of its "
                       "largest magnitude")  # fmt: skip
    return Outcome("pass", compiled=True)


def check_fixed_budget(spec: Spec) -> Outcome:
    """An auto fixed-point design (error budget 1e-3, calibrated on a grid of [-1, 1]^d) C-simulated on random
    inputs of [-1, 1]^d: every output within 1e-3 of its largest magnitude in PyTorch float64, no overflow; or a
    refusal that names the error site that limits it (or a budget the design does not fit)."""
    import torch

    import inrarch
    from inrarch.analysis.precision import output_errors
    from inrarch.diagnostics import CompileError

    model = build_model(spec)
    x = inputs(spec, dtype=torch.float32)
    try:
        design = inrarch.compile(model, x, order=spec.order, dsp=spec.dsp, precision="auto")
    except CompileError as err:
        if "the largest error site is" in err.message or "exact accumulators" in err.message:
            return Outcome("rejected", err.message)
        if "the design needs at least" in err.message or "BRAM36" in err.message:
            return Outcome("rejected", err.message)
        raise Mismatch(f"refused without naming its limiting site: {err.message}") from None
    calls = -(-64 // spec.batch)  # at least 64 held-out samples, whole calls of the design's batch
    held_out = (torch.rand(calls * spec.batch, spec.dims, generator=torch.Generator().manual_seed(spec.seed)) * 2
                - 1).numpy()  # fmt: skip
    try:
        out = np.stack(design.csim(held_out), axis=1)
    except CompileError as err:  # values outside their formats on inputs of the calibrated domain
        raise Mismatch(f"accepted, yet on held-out inputs of [-1, 1]^d: {err.message}") from None
    ref = _float64_derivatives(model, held_out, spec.order)
    worst = float(np.max(output_errors(out, ref)))
    if design.overflows or not worst <= 1e-3:
        raise Mismatch(f"accepted, yet on held-out inputs an output is off by {worst:.3g} of its largest magnitude "
                       f"({sum(design.overflows.values())} overflows)")  # fmt: skip
    return Outcome("pass", compiled=True)


def check_folder(spec: Spec) -> Outcome:
    """A project compiled into a folder, then changed as a user or an attacker might (user files, links to files
    and folders outside, removed files, marker entries leaving the folder), then compiled again with force: every
    file and link outside the folder, and every one inside that the marker did not list, is unchanged."""
    import os
    import tempfile

    import torch

    import inrarch
    from inrarch.diagnostics import CompileError
    from inrarch.targets.hls.project import MARKER

    rng = np.random.default_rng(spec.seed)
    model = build_model(spec)
    x = inputs(spec, dtype=torch.float32)
    with tempfile.TemporaryDirectory(prefix="inrarch-fuzz-") as tmp:
        outside = os.path.join(tmp, "outside")
        os.makedirs(os.path.join(outside, "d"))
        for name, text in (("o.txt", "o"), ("d/f.txt", "f"), ("d/forward_grad.cpp", "cpp")):
            with open(os.path.join(outside, name), "w") as f:
                f.write(f"the user's {text}")
        project = os.path.join(tmp, "p")
        try:
            inrarch.compile(model, x, order=spec.order, dsp=spec.dsp, out_dir=project)
        except CompileError as err:
            if "the design needs at least" in err.message or "BRAM36" in err.message:
                return Outcome("rejected", err.message)
            raise
        names = sorted(os.path.relpath(os.path.join(b, n), project) for b, _, ns in os.walk(project) for n in ns)
        targets = [os.path.join(outside, "o.txt"), os.path.join(outside, "d"), outside, "/dev/null", "nowhere",
                   os.path.join(outside, "d", "forward_grad.cpp")]  # fmt: skip
        for _ in range(int(rng.integers(1, 7))):
            what = int(rng.integers(4))
            name = names[int(rng.integers(len(names)))] if rng.integers(3) else "data"
            path = os.path.join(project, name)
            if what == 0:  # a marker entry: outside, absolute, or a folder
                entry = str(rng.choice(["../o.txt", "../outside/o.txt", "data/../../outside/o.txt", outside,
                                        os.path.join(outside, "o.txt"), "data", ".", "hls_lib"]))  # fmt: skip
                with open(os.path.join(project, MARKER), "a") as f:
                    f.write(entry + "\n")
            elif what == 1 and os.path.isfile(path) and not os.path.islink(path):  # a listed file becomes a link
                os.remove(path)
                os.symlink(str(rng.choice(targets)), path)
            elif what == 2 and os.path.isdir(path) and not os.path.islink(path):  # a folder becomes a link
                import shutil

                shutil.rmtree(path)
                os.symlink(str(rng.choice(targets[:3])), path)
            elif what == 3 and os.path.isdir(os.path.dirname(path)) and not os.path.islink(os.path.dirname(path)):
                with open(os.path.join(os.path.dirname(path), "user-notes.txt"), "w") as f:
                    f.write("the user's notes")
        marker = os.path.join(project, MARKER)
        listed = set()
        if os.path.isfile(marker) and not os.path.islink(marker):  # (the tampering may have made it a link)
            with open(marker) as f:
                listed = {ln.strip() for ln in f if ln.strip()}
        before_outside = _tree(outside)
        before_inside = {k: v for k, v in _tree(project).items() if k not in listed and k != MARKER and v[0] != "dir"}
        try:
            inrarch.compile(model, x, order=spec.order, dsp=spec.dsp, out_dir=project, force=True)
        except CompileError:
            pass  # refusing is fine; touching is not
        if _tree(outside) != before_outside:
            raise Mismatch("a file outside the project folder changed")
        after = _tree(project)
        changed = [k for k, v in before_inside.items() if after.get(k) != v]
        if changed:
            raise Mismatch(f"{changed[0]} in the folder changed, and inrarch's marker did not list it")
    return Outcome("pass", compiled=True)


def _tree(root: str) -> dict:
    from inrarch.files import tree

    return tree(root)


_MLIR = """func.func @forward(%arg0: tensor<{n}x{d}xf32>) -> tensor<{n}x{m}xf32> {{
  %w = arith.constant dense<{w}> : tensor<{d}x{m}xf32>
  %z = arith.constant dense<0.0> : tensor<{n}x{m}xf32>
  %0 = linalg.matmul ins(%arg0, %w : tensor<{n}x{d}xf32>, tensor<{d}x{m}xf32>) outs(%z : tensor<{n}x{m}xf32>) -> tensor<{n}x{m}xf32>
  %1 = math.{act} %0 : tensor<{n}x{m}xf32>
  return %1 : tensor<{n}x{m}xf32>
}}
"""
_MUTATIONS = ("none", "truncate", "delete", "duplicate_line", "nan_hex", "inf", "huge", "zero", "bom", "nest",
              "recursion", "unknown_op", "type_swap", "swap_lines", "garbage_byte")  # fmt: skip


def mutate_mlir(spec: Spec) -> tuple[str, bytes]:
    """A small forward program, mutated: (the mutation, the file's bytes)."""
    rng = np.random.default_rng(spec.seed)
    n, d, m = spec.batch, spec.dims, spec.outputs
    act = str(rng.choice(["sin", "tanh", "exp", "cos"]))
    text = _MLIR.format(n=n, d=d, m=m, w=float(rng.uniform(-1, 1)), act=act)
    mutation = str(rng.choice(_MUTATIONS))
    lines = text.split("\n")
    match mutation:
        case "truncate":
            text = text[: int(rng.integers(1, len(text)))]
        case "delete":
            i = int(rng.integers(len(text)))
            text = text[:i] + text[i + 1 :]
        case "duplicate_line":
            i = int(rng.integers(1, len(lines) - 2))
            text = "\n".join(lines[: i + 1] + lines[i:])
        case "nan_hex":
            text = text.replace(f"dense<{text.split('dense<')[1].split('>')[0]}>", str(rng.choice(["dense<0x7FC00000>",
                                "dense<0xFF800000>", "dense<-0x3F800000>", "dense<0x3F80000000>"])), 1)  # fmt: skip
        case "inf":
            text = text.replace("dense<0.0>", "dense<0x7F800000>")
        case "huge":
            text = text.replace(f"tensor<{n}x", "tensor<300000000x")
        case "zero":
            text = text.replace(f"tensor<{n}x", "tensor<0x")
        case "bom":
            text = "\ufeff" + text
        case "nest":
            text = lines[0] + "\n" + "scf.execute_region {\n" * int(rng.integers(50, 5000)) + "\n".join(lines[1:])
        case "recursion":
            text = text.replace(f"%1 = math.{act} %0", "%1 = func.call @forward(%arg0)").replace(
                f": tensor<{n}x{m}xf32>\n  return", f": (tensor<{n}x{d}xf32>) -> tensor<{n}x{m}xf32>\n  return")
        case "unknown_op":
            text = text.replace(f"math.{act}", "math.frobnicate")
        case "type_swap":
            text = text.replace("xf32>", "xf64>", int(rng.integers(1, 6)))
        case "swap_lines":
            i = int(rng.integers(1, len(lines) - 3))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            text = "\n".join(lines)
    data = text.encode()
    if mutation == "garbage_byte":
        i = int(rng.integers(len(data)))
        data = data[:i] + bytes([int(rng.integers(128, 256))]) + data[i:]
    return mutation, data


def check_mlir(spec: Spec) -> Outcome:
    """Adversarial MLIR through `inrarch-opt --inr-autodiff=order=N --dataflow-lower`: a design, or exit status 1
    with one located or one-line diagnostic on stderr; never an internal error, a traceback, a hang or a file
    outside the output."""
    import os
    import re
    import subprocess
    import sys
    import tempfile

    mutation, data = mutate_mlir(spec)
    with tempfile.TemporaryDirectory(prefix="inrarch-fuzz-") as tmp:
        with open(os.path.join(tmp, "in.mlir"), "wb") as f:
            f.write(data)
        cmd = [sys.executable, "-m", "inrarch.opt", "in.mlir", f"--inr-autodiff=order={spec.order}",
               "--dataflow-lower=quiet=true", "-o", "out.mlir"]  # fmt: skip
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600)
        lines = proc.stderr.splitlines()
        files = sorted(os.listdir(tmp))
    if proc.returncode == 0:
        if files != ["in.mlir", "out.mlir"]:
            raise Mismatch(f"{mutation}: left {files}")
        return Outcome("pass", f"{mutation}: a design")
    if proc.returncode != 1 or len(lines) != 1 or "internal error" in proc.stderr or "Traceback" in proc.stderr:
        raise Mismatch(f"{mutation}: status {proc.returncode}, stderr {proc.stderr.strip()[:300]!r}")
    if re.search(r"<\w+\[|object at 0x|name_hint|KeyError", lines[0]):  # Python's words, not a diagnostic
        raise Mismatch(f"{mutation}: an internal error dressed as a diagnostic: {lines[0][:300]!r}")
    if files != ["in.mlir"]:
        raise Mismatch(f"{mutation}: refused, yet left {files}")
    return Outcome("pass", f"{mutation}: {lines[0][:120]}")


def _child(spec_text: str, queue) -> None:
    spec = Spec.parse(spec_text)
    try:
        outcome = check_case(spec)
    except Mismatch as err:
        outcome = Outcome("mismatch", str(err), compiled=spec.dsp is not None)
    except Exception as err:  # noqa: BLE001 - a crash of the compiler is what the fuzzer looks for
        message = str(err).strip().splitlines()[0] if str(err).strip() else ""
        status = "deadlock" if "deadlock" in message else "crash"
        last = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
        where = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
        outcome = Outcome(status, f"{type(err).__name__}: {message}{where}", compiled=spec.dsp is not None)
    queue.put(asdict(outcome))


_PRELOAD = ["torch", "inrarch.apps.fuzz", "inrarch.design", "inrarch.importer", "inrarch.evaluator", "inrarch.apps.reference",
            "inrarch.passes.dataflow_lower", "inrarch.passes.inr_autodiff", "inrarch.targets.hls.printer", "inrarch.targets.hls.project",
            "inrarch.analysis.simulate", "inrarch.analysis.report"]  # fmt: skip


def _context():
    """A fork server started before any thread pool (torch's OpenMP pool does not survive a fork), with the
    compiler loaded once: every case forks from it, so a run's cases run the same code."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def run_case(spec: Spec, timeout: float = 600.0) -> Outcome:
    """Runs one case in a child process; a case that takes longer than `timeout` seconds is a hang."""
    ctx = _context()
    queue = ctx.Queue()
    start = time.perf_counter()
    child = ctx.Process(target=_child, args=(spec.text(), queue))
    child.start()
    child.join(timeout)
    seconds = time.perf_counter() - start
    if child.is_alive():
        child.kill()
        child.join()
        return Outcome("hang", f"no result after {timeout:g} s", seconds, spec.dsp is not None)
    if queue.empty():
        return Outcome("crash", f"the case's process ended with status {child.exitcode}", seconds, spec.dsp is not None)
    outcome = Outcome(**queue.get())
    outcome.seconds = seconds
    return outcome


# ---------------------------------------------------------------------------------------------------------------------
# A run
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Report:
    seed: int
    results: list[tuple[Spec, Outcome]] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(o.status for _, o in self.results)

    def table(self) -> str:
        c = self.counts()
        compiled = sum(1 for _, o in self.results if o.compiled)
        by_order = Counter(s.order for s, _ in self.results)
        lines = [
            "| cases | compiled (C-sim: sequential, threaded, timed) | passes | rejected budgets | mismatches | "
            "deadlocks | crashes | hangs |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {len(self.results)} | {compiled} | {c['pass']} | {c['rejected']} | {c['mismatch']} | "
            f"{c['deadlock']} | {c['crash']} | {c['hang']} |",
            "",
            "Cases by derivative order: " + ", ".join(f"{o}: {n}" for o, n in sorted(by_order.items())) + ".",
        ]
        kinds = Counter(s.kind for s, _ in self.results)
        if set(kinds) != {"model"}:
            lines += ["", "| kind | cases | passes | rejected | failures |", "|---|---:|---:|---:|---:|"]
            for kind in KINDS:
                rs = [o for s, o in self.results if s.kind == kind]
                if rs:
                    ok = sum(o.status == "pass" for o in rs)
                    rej = sum(o.status == "rejected" for o in rs)
                    lines.append(f"| {kind} | {len(rs)} | {ok} | {rej} | {len(rs) - ok - rej} |")
        failures = [(s, o) for s, o in self.results if o.status not in ("pass", "rejected")]
        if failures:
            lines += ["", "Failures (reproduce with `inrarch fuzz --replay '<spec>'`):", ""]
            lines += [f"- {o.status}: {o.detail}\n  `{s.text()}`" for s, o in failures]
        return "\n".join(lines)


def run(cases: int, seed: int = 0, compile_fraction: float = 1 / 3, timeout: float = 600.0, log=print,
        kinds: tuple[str, ...] = ("model",)) -> Report:
    """`cases` cases, their kinds in turn from `kinds`; of the `model` and `nonfinite` cases, `compile_fraction`
    compiled."""
    rng = np.random.default_rng(seed)
    report = Report(seed)
    compiled_every = max(1, round(1 / compile_fraction)) if compile_fraction > 0 else 0
    for i in range(cases):
        kind = kinds[i % len(kinds)]
        j = i // len(kinds)
        spec = spec_from(NumpyDraw(rng), compile_case=bool(compiled_every) and j % compiled_every == 0, kind=kind)
        outcome = run_case(spec, timeout)
        report.results.append((spec, outcome))
        log(f"  case {i + 1}/{cases} ({spec.kind}): order {spec.order}, {len(spec.widths)} layer(s) "
            f"{'/'.join(spec.activations)}{', dsp ' + str(spec.dsp) if spec.dsp else ''}: {outcome.status} "
            f"({outcome.seconds:.1f} s){' ' + outcome.detail if outcome.detail else ''}")  # fmt: skip
    return report
