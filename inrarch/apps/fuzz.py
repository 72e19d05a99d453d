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

ACTIVATIONS = ("sin", "cos", "tanh", "sigmoid", "softplus", "gelu", "gelu_tanh", "silu", "elu", "relu",
               "leaky_relu", "exp")  # fmt: skip
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

    def text(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @staticmethod
    def parse(text: str) -> Spec:
        data = json.loads(text)
        for key in ("widths", "activations", "omegas", "residual"):
            data[key] = tuple(data[key])
        return Spec(**data)


def spec_from(draw, compile_case: bool | None = None) -> Spec:
    """A random case from `draw`, an object with integer(lo, hi), real(lo, hi), choice(seq) and boolean()."""
    dims = draw.integer(1, 3)
    layers = draw.integer(1, 4)
    widths = tuple(draw.integer(4, 48) for _ in range(layers))
    activations = tuple(draw.choice(ACTIVATIONS) for _ in range(layers))
    omegas = tuple(round(draw.real(0.5, 30.0), 3) if a == "sin" else 1.0 for a in activations)
    residual = tuple(i > 0 and widths[i] == widths[i - 1] and draw.boolean() for i in range(layers))
    fourier = draw.choice((0, 0, 0, draw.integer(2, 8)))
    compile_case = draw.boolean() if compile_case is None else compile_case
    order = draw.integer(1, 2 if compile_case else 4)
    return Spec(dims, widths, activations, omegas, residual, fourier, draw.integer(1, 4), draw.integer(4, 32), order,
                draw.integer(0, 2**31 - 1), draw.choice(BUDGETS) if compile_case else None)  # fmt: skip


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
        return getattr(nn.functional, name) if hasattr(nn.functional, name) else getattr(torch, name)

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
    from inrarch.dataflow.simulate import model_run
    from inrarch.hls.printer import HlsPrinter

    model_result, values = model_run(design.graph)
    names = HlsPrinter(design.graph).fifo_names()
    for v, occupancy in zip(values, model_result.max_occupancy, strict=True):
        if timed.max_occupancy.get(names[v]) != occupancy:
            raise Mismatch(f"FIFO {names[v]}: timed occupancy {timed.max_occupancy.get(names[v])}, model {occupancy}")
    return Outcome("pass", compiled=True)


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
            "inrarch.passes.dataflow_lower", "inrarch.passes.inr_autodiff", "inrarch.hls.printer", "inrarch.hls.project",
            "inrarch.dataflow.simulate", "inrarch.dataflow.report"]  # fmt: skip


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
        failures = [(s, o) for s, o in self.results if o.status not in ("pass", "rejected")]
        if failures:
            lines += ["", "Failures (reproduce with `inrarch fuzz --replay '<spec>'`):", ""]
            lines += [f"- {o.status}: {o.detail}\n  `{s.text()}`" for s, o in failures]
        return "\n".join(lines)


def run(cases: int, seed: int = 0, compile_fraction: float = 1 / 3, timeout: float = 600.0, log=print) -> Report:
    rng = np.random.default_rng(seed)
    report = Report(seed)
    compiled_every = max(1, round(1 / compile_fraction)) if compile_fraction > 0 else 0
    for i in range(cases):
        spec = spec_from(NumpyDraw(rng), compile_case=bool(compiled_every) and i % compiled_every == 0)
        outcome = run_case(spec, timeout)
        report.results.append((spec, outcome))
        log(f"  case {i + 1}/{cases}: order {spec.order}, {len(spec.widths)} layer(s) "
            f"{'/'.join(spec.activations)}{', dsp ' + str(spec.dsp) if spec.dsp else ''}: {outcome.status} "
            f"({outcome.seconds:.1f} s){' ' + outcome.detail if outcome.status not in ('pass',) else ''}")  # fmt: skip
    return report
