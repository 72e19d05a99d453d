"""The cycle model of a dataflow design: an event-level simulation with bounded FIFOs.

Each kernel runs its pipelined loop as its `KernelSchedule` describes: iteration g (counted over all samples)
issues at the earliest cycle that is at least `ii` cycles after the previous one and at which every stream access
of that iteration can proceed — the pipeline stalls as a whole when one of them cannot. A read of token i needs
token i written at least one cycle before; a write of token i into a FIFO of depth D needs token i-D read at least
one cycle before. These rules are max-plus equations over the access events; solving them in dependence order
gives the as-soon-as-possible schedule, exactly. When no event can be solved while some remain, the design
deadlocks: every blocked kernel waits on a FIFO that is empty (its producer is blocked) or full (its consumer is
blocked), and those waits close a cycle, which the model reports.

All figures are modeled cycles, not measurements.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class SimKernel:
    """A kernel for the simulator: its schedule and which streams it reads and writes (indices into streams)."""

    name: str
    steps: int
    ii: int
    reads: list[tuple[int, list[int]]]  # (stream, offsets of its token accesses within a sample)
    writes: list[tuple[int, list[int]]]
    lag: int = 0  # iterations from an iteration to its writes (its pipeline depth), part of the write offsets


@dataclass
class SimStream:
    name: str
    depth: int
    tokens_per_sample: int
    width: int = 1  # elements per token


@dataclass
class Deadlock:
    """FIFOs in the wait cycle, each with the state that blocks: `empty` (reader waits) or `full` (writer waits)."""

    fifos: list[tuple[str, str]]
    kernels: list[str]

    def describe(self) -> str:
        return "deadlock: " + ", ".join(f"{name} ({state})" for name, state in self.fifos)


@dataclass
class SimResult:
    samples: int
    cycles: int | None
    deadlock: Deadlock | None = None
    max_occupancy: list[int] = field(default_factory=list)  # per stream, in the order of the streams
    # stream index -> writes that waited for room (in the simulated samples: a prefix when extrapolated)
    blocked_writes: dict[int, int] = field(default_factory=dict)
    interval: float | None = None  # steady-state cycles per sample, measured at the output kernel
    extrapolated_from: int | None = None  # the simulated prefix, when the run was extrapolated (see Simulator.run)


def _expand(kernel: SimKernel, samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The kernel's iterations that touch streams, in order: (their global iteration numbers, the index of each
    one's first access), and the accesses (stream, is write, token), reads of an iteration before its writes."""
    g_parts, s_parts, w_parts, t_parts = [], [], [], []
    base = np.arange(samples, dtype=np.int64)[:, None]
    for is_write, accesses in ((False, kernel.reads), (True, kernel.writes)):
        for stream, offsets in accesses:
            offs = np.asarray(offsets, dtype=np.int64)[None, :]
            per = offs.shape[1]
            g_parts.append((base * kernel.steps + offs).reshape(-1))
            t_parts.append((base * per + np.arange(per, dtype=np.int64)[None, :]).reshape(-1))
            s_parts.append(np.full(samples * per, stream, dtype=np.int32))
            w_parts.append(np.full(samples * per, is_write, dtype=np.int8))
    if not g_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int8), empty
    g = np.concatenate(g_parts)
    order = np.argsort(g, kind="stable")
    g = g[order]
    iters, first = np.unique(g, return_index=True)
    acc_start = np.append(first, len(g)).astype(np.int64)
    return iters, acc_start, np.concatenate(s_parts)[order], np.concatenate(w_parts)[order], np.concatenate(t_parts)[order]


class _Plans:
    """Every kernel's accesses for a number of samples, as the flat arrays the native loop reads."""

    def __init__(self, kernels: Sequence[SimKernel], streams: Sequence[SimStream], samples: int):
        parts = [_expand(k, samples) for k in kernels]
        self.k_start = np.zeros(len(kernels) + 1, dtype=np.int64)
        np.cumsum([len(p[0]) for p in parts], out=self.k_start[1:])
        self.iter_g = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        offsets = np.cumsum([0] + [len(p[2]) for p in parts])
        self.acc_start = np.concatenate([p[1][:-1] + offsets[i] for i, p in enumerate(parts)] + [offsets[-1:]])
        self.acc_start = self.acc_start.astype(np.int64)
        self.acc_stream = np.concatenate([p[2] for p in parts]).astype(np.int32)
        self.acc_write = np.concatenate([p[3] for p in parts]).astype(np.int8)
        self.acc_token = np.concatenate([p[4] for p in parts]).astype(np.int64)
        self.tokens = np.array([s.tokens_per_sample * samples for s in streams], dtype=np.int64)
        self.token_base = np.zeros(len(streams) + 1, dtype=np.int64)
        np.cumsum(self.tokens, out=self.token_base[1:])
        self.ii = np.array([k.ii for k in kernels], dtype=np.int64)

    def accesses(self, i: int) -> list[tuple[int, bool, int]]:
        """The accesses of iteration i (an index into the flat arrays)."""
        lo, hi = self.acc_start[i], self.acc_start[i + 1]
        return [(int(s), bool(w), int(t)) for s, w, t in
                zip(self.acc_stream[lo:hi], self.acc_write[lo:hi], self.acc_token[lo:hi], strict=True)]  # fmt: skip


class Simulator:
    """The cycle model of one design; runs it for any FIFO depths (the access plans are built once per number of
    samples). Runs longer than a few dozen samples are simulated until their schedule is periodic and extrapolated
    exactly (see `run`)."""

    def __init__(self, kernels: Sequence[SimKernel], streams: Sequence[SimStream]):
        self.kernels = list(kernels)
        self.streams = list(streams)
        self._plans: dict[int, _Plans] = {}
        n = len(streams)
        self.producer = [-1] * n
        self.consumer = [-1] * n
        for k, kernel in enumerate(kernels):
            for stream, _ in kernel.writes:
                self.producer[stream] = k
            for stream, _ in kernel.reads:
                self.consumer[stream] = k
        # The most samples whose accesses one iteration of a kernel can mix (a matvec computes a sample while it
        # sends the previous one): an access of sample s at offset o happens at iteration s * steps + o.
        self.skew = []
        for k in kernels:
            offsets = [o for _, offs in [*k.reads, *k.writes] for o in offs]
            self.skew.append(-(-(max(offsets) - min(offsets) + 1) // k.steps) if offsets else 1)

    def plans(self, samples: int) -> _Plans:
        if samples not in self._plans:
            self._plans[samples] = _Plans(self.kernels, self.streams, samples)
        return self._plans[samples]

    def _solve(self, samples: int, depth: np.ndarray) -> tuple[_Plans, np.ndarray, np.ndarray, dict]:
        plans = self.plans(samples)
        total = int(plans.token_base[-1])
        write_t = np.full(total, -1, dtype=np.int64)
        read_t = np.full(total, -1, dtype=np.int64)
        n_k = len(self.kernels)
        state = {"position": plans.k_start[:-1].copy(), "last_time": np.zeros(n_k, dtype=np.int64),
                 "last_g": np.zeros(n_k, dtype=np.int64), "blocked": np.zeros(len(self.streams), dtype=np.int64)}  # fmt: skip
        state["remaining"] = _native().inrarch_cycle_model(
            n_k, _ptr(plans.k_start), _ptr(plans.ii), _ptr(plans.iter_g), _ptr(plans.acc_start),
            _ptr(plans.acc_stream), _ptr(plans.acc_write), _ptr(plans.acc_token), _ptr(depth),
            _ptr(plans.token_base), _ptr(write_t), _ptr(read_t), _ptr(state["position"]), _ptr(state["last_time"]),
            _ptr(state["last_g"]), _ptr(state["blocked"]),
        )  # fmt: skip
        return plans, write_t, read_t, state

    def run_exact(self, samples: int, depth: np.ndarray, occupancy: bool) -> SimResult:
        """The cycle model of every one of `samples` samples, simulated (no extrapolation)."""
        plans, write_t, read_t, state = self._solve(samples, depth)
        result = SimResult(samples, None)
        result.blocked_writes = {i: int(c) for i, c in enumerate(state["blocked"]) if c}
        if state["remaining"]:
            result.deadlock = _find_deadlock(self, plans, state["position"], write_t, read_t, depth)
            return result
        has_plan = plans.k_start[1:] > plans.k_start[:-1]
        result.cycles = int(state["last_time"][has_plan].max()) + 1 if has_plan.any() else 1
        if occupancy:
            result.max_occupancy = [_max_occupancy(write_t[lo:hi], read_t[lo:hi])
                                    for lo, hi in zip(plans.token_base[:-1], plans.token_base[1:], strict=True)]  # fmt: skip
        result.interval = _interval(self, plans, read_t, samples)
        result._times = (plans, write_t, read_t)  # type: ignore[attr-defined]
        return result

    def run(self, samples: int, depths: Sequence[int] | None = None, occupancy: bool = False) -> SimResult:
        """The cycle model of `samples` samples with these FIFO depths (default: the streams' own).

        Every kernel repeats the same schedule per sample, so the max-plus system is shift-invariant: an event's
        time is a max over earlier events (the kernel's previous iteration, the write of the token a read takes,
        the read that frees a write's slot) plus constants, each within a window of W samples (FIFO depth in
        samples plus the kernels' iteration skew). If, in a simulated prefix of n samples, every access of W + 1
        consecutive samples happens exactly P cycles after the same access of the sample before, the schedule is
        periodic from there on, and a run of N > n samples differs from it only by (N - n) periods in the middle:
        its last samples (whose iterations no longer meet later samples' accesses) replay the prefix's last ones,
        shifted. So cycles(N) = cycles(n) + (N - n) P, with the same FIFO occupancies and the same deadlock-freedom;
        the prefix must end at least as many samples after the periodic window as the finite run's end can reach
        back (the sum of the kernels' skews). Without such a window the run is simulated whole."""
        depth = np.array(list(depths) if depths is not None else [s.depth for s in self.streams], dtype=np.int64)
        window = max([-(-int(d) // max(1, s.tokens_per_sample)) for d, s in zip(depth, self.streams, strict=True)]
                     + [0]) + max(self.skew + [1]) + 1  # fmt: skip
        reach = sum(self.skew) + 1
        n = 4 * window + reach + 8
        while n < samples:
            prefix = self.run_exact(n, depth, occupancy)
            if prefix.deadlock is not None:
                return self.run_exact(samples, depth, occupancy)  # report the deadlock of the run asked for
            period = _periodic_window(prefix, self.streams, n, window, reach)
            if period is not None:
                prefix.samples = samples
                prefix.cycles += (samples - n) * period
                prefix.interval = float(period)
                prefix.extrapolated_from = n
                return prefix
            n *= 2
        return self.run_exact(samples, depth, occupancy)


def _periodic_window(result: SimResult, streams, n: int, window: int, reach: int) -> int | None:
    """The period P if every access of `window` + 1 consecutive samples, ending `reach` samples before the end of
    the run, happens P cycles after the same access one sample earlier; else None."""
    plans, write_t, read_t = result._times  # type: ignore[attr-defined]
    last = n - reach - 1  # the last sample the end of the run cannot have influenced
    first = last - window
    if first < 1:
        return None
    period = None
    for i, s in enumerate(streams):
        per = s.tokens_per_sample
        lo = int(plans.token_base[i])
        for times in (write_t, read_t):
            block = times[lo : lo + per * n].reshape(n, per)[first - 1 : last + 1]
            diffs = np.diff(block, axis=0)
            if diffs.size == 0:
                continue
            p = int(diffs.flat[0])
            if period is None:
                period = p
            if p != period or not np.all(diffs == period):
                return None
    return period


def simulate(kernels: Sequence[SimKernel], streams: Sequence[SimStream], samples: int) -> SimResult:
    """Runs the cycle model once, with the streams' own depths."""
    return Simulator(kernels, streams).run(samples, occupancy=True)


def _max_occupancy(writes: np.ndarray, reads: np.ndarray) -> int:
    """Most slots in use at once: a slot is taken by a write and free again the cycle after the read of its
    token, so a read and a write in the same cycle both count."""
    times = np.concatenate([writes, reads])
    kinds = np.concatenate([np.zeros(len(writes), dtype=np.int8), np.ones(len(reads), dtype=np.int8)])
    order = np.lexsort((kinds, times))  # writes before reads at the same cycle
    level = np.cumsum(np.where(kinds[order] == 0, 1, -1))
    return int(level.max()) if len(level) else 0


def _interval(sim: Simulator, plans: _Plans, read_t: np.ndarray, samples: int) -> float | None:
    """Cycles per sample in steady state: the slope of the sink's per-sample completion over the second half of the
    run."""
    if samples < 4:
        return None
    best = None
    for kernel in sim.kernels:
        if kernel.writes or not kernel.reads:
            continue
        stream, offsets = kernel.reads[0]
        per = len(offsets)
        lo = int(plans.token_base[stream])
        times = read_t[lo : lo + per * samples].reshape(samples, per)[:, -1]
        half = samples // 2
        slope = (times[-1] - times[half]) / (samples - 1 - half)
        best = slope if best is None else max(best, slope)
    return best


def _find_deadlock(sim: Simulator, plans: _Plans, position, write_t, read_t, depth) -> Deadlock:
    waits: dict[int, tuple[int, int, str]] = {}  # kernel -> (kernel it waits on, stream, state)
    for k in range(len(sim.kernels)):
        if position[k] >= plans.k_start[k + 1]:
            continue
        for stream, is_write, token in plans.accesses(int(position[k])):
            base = int(plans.token_base[stream])
            if is_write:
                d = int(depth[stream])
                if token >= d and read_t[base + token - d] < 0:
                    waits[k] = (sim.consumer[stream], stream, "full")
                    break
            elif write_t[base + token] < 0:
                waits[k] = (sim.producer[stream], stream, "empty")
                break
    # Follow the waits from any blocked kernel until a kernel repeats: that loop is the deadlock.
    start = next(iter(waits))
    seen: list[int] = []
    k = start
    while k in waits and k not in seen:
        seen.append(k)
        k = waits[k][0]
    loop = seen[seen.index(k):] if k in seen else seen
    fifos = [(sim.streams[waits[j][1]].name, waits[j][2]) for j in loop]
    return Deadlock(fifos, [sim.kernels[j].name for j in loop])


# ---------------------------------------------------------------------------------------------------------------------
# The native loop: built once per machine with the C compiler inrarch needs anyway (for C-simulation).
# ---------------------------------------------------------------------------------------------------------------------

_LIB = None


def _ptr(array: np.ndarray):
    return array.ctypes.data_as(ctypes.c_void_p)


def _native():
    global _LIB
    if _LIB is None:
        _LIB = _load_native()
    return _LIB


def _load_native():
    import hashlib
    import os
    import shutil
    import subprocess
    import tempfile

    from inrarch.diagnostics import CompileError

    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cycle_model.c")
    with open(source, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    cache = os.environ.get("INRARCH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "inrarch")
    try:
        os.makedirs(cache, exist_ok=True)
    except OSError:
        cache = os.path.join(tempfile.gettempdir(), f"inrarch-cache-{os.getuid()}")
        os.makedirs(cache, exist_ok=True)
    library = os.path.join(cache, f"cycle_model-{digest}.so")
    if not os.path.exists(library):
        compiler = shutil.which("gcc") or shutil.which("cc") or shutil.which("g++")
        if compiler is None:
            raise CompileError("inrarch's cycle model needs a C compiler (gcc), as the C-simulation does")
        fd, tmp = tempfile.mkstemp(prefix=".cycle_model-", suffix=".so", dir=cache)
        os.close(fd)
        proc = subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-x", "c", source, "-o", tmp],
                              capture_output=True, text=True)  # fmt: skip
        if proc.returncode != 0:
            os.remove(tmp)
            raise CompileError(f"building inrarch's cycle model failed: {proc.stderr.strip().splitlines()[0]}")
        os.replace(tmp, library)
    lib = ctypes.CDLL(library)
    fn = lib.inrarch_cycle_model
    fn.restype = ctypes.c_int64
    fn.argtypes = [ctypes.c_int64] + [ctypes.c_void_p] * 15
    return lib
