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

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class SimKernel:
    """A kernel for the simulator: its schedule and which streams it reads and writes (indices into streams)."""

    name: str
    steps: int
    ii: int
    reads: list[tuple[int, list[int]]]  # (stream, offsets of its token accesses within a sample)
    writes: list[tuple[int, list[int]]]


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
    write_times: list[list[int]] = field(default_factory=list)
    read_times: list[list[int]] = field(default_factory=list)
    blocked_writes: dict[int, int] = field(default_factory=dict)  # stream index -> writes that waited for room

    interval: float | None = None  # steady-state cycles per sample, measured at the output kernel


def _expand(kernel: SimKernel, samples: int) -> list[tuple[int, list[tuple[int, bool, int]]]]:
    """The kernel's iterations that touch streams, in order: (global iteration, [(stream, is_write, token)])."""
    events: dict[int, list[tuple[int, bool, int]]] = {}
    for is_write, accesses in ((False, kernel.reads), (True, kernel.writes)):
        for stream, offsets in accesses:
            per_sample = len(offsets)
            for s in range(samples):
                base = s * kernel.steps
                for t, off in enumerate(offsets):
                    events.setdefault(base + off, []).append((stream, is_write, s * per_sample + t))
    return sorted(events.items())


class Simulator:
    """The cycle model of one design; runs it for any FIFO depths (the access plans are built once)."""

    def __init__(self, kernels: Sequence[SimKernel], streams: Sequence[SimStream]):
        self.kernels = list(kernels)
        self.streams = list(streams)
        self._plans: dict[int, list] = {}
        n = len(streams)
        self.producer = [-1] * n
        self.consumer = [-1] * n
        for k, kernel in enumerate(kernels):
            for stream, _ in kernel.writes:
                self.producer[stream] = k
            for stream, _ in kernel.reads:
                self.consumer[stream] = k

    def plans(self, samples: int) -> list:
        if samples not in self._plans:
            self._plans[samples] = [_expand(k, samples) for k in self.kernels]
        return self._plans[samples]

    def run(self, samples: int, depths: Sequence[int] | None = None, occupancy: bool = False) -> SimResult:
        kernels, streams = self.kernels, self.streams
        depth = list(depths) if depths is not None else [s.depth for s in streams]
        n_streams = len(streams)
        write_t: list[list[int | None]] = [[None] * (s.tokens_per_sample * samples) for s in streams]
        read_t: list[list[int | None]] = [[None] * (s.tokens_per_sample * samples) for s in streams]
        plans = self.plans(samples)
        position = [0] * len(kernels)
        last_time = [0] * len(kernels)
        last_iter = [0] * len(kernels)
        blocked_writes = [0] * n_streams
        remaining = sum(len(p) for p in plans)
        progress = True
        while progress and remaining:
            progress = False
            for k, plan in enumerate(plans):
                pos = position[k]
                if pos >= len(plan):
                    continue
                ii = kernels[k].ii
                t_prev, g_prev = last_time[k], last_iter[k]
                first = pos == 0
                while pos < len(plan):
                    g, accesses = plan[pos]
                    t = g * ii if first else t_prev + (g - g_prev) * ii
                    pace = t
                    ready = True
                    for stream, is_write, token in accesses:
                        if is_write:
                            d = depth[stream]
                            if token >= d:
                                freed = read_t[stream][token - d]
                                if freed is None:
                                    ready = False
                                    break
                                if freed + 1 > t:
                                    t = freed + 1
                        else:
                            written = write_t[stream][token]
                            if written is None:
                                ready = False
                                break
                            if written + 1 > t:
                                t = written + 1
                    if not ready:
                        break
                    for stream, is_write, token in accesses:
                        if is_write:
                            write_t[stream][token] = t
                            d = depth[stream]
                            if t > pace and token >= d and read_t[stream][token - d] + 1 == t:
                                blocked_writes[stream] += 1
                        else:
                            read_t[stream][token] = t
                    t_prev, g_prev, first = t, g, False
                    pos += 1
                    remaining -= 1
                    progress = True
                position[k], last_time[k], last_iter[k] = pos, t_prev, g_prev

        result = SimResult(samples, None)
        result.blocked_writes = {i: c for i, c in enumerate(blocked_writes) if c}
        if remaining:
            result.deadlock = _find_deadlock(kernels, streams, plans, position, write_t, read_t, self.producer,
                                             self.consumer, depth)  # fmt: skip
            return result
        result.cycles = max((last_time[k] for k, plan in enumerate(plans) if plan), default=0) + 1
        result.write_times = write_t  # type: ignore[assignment]
        result.read_times = read_t  # type: ignore[assignment]
        if occupancy:
            result.max_occupancy = [_max_occupancy(write_t[i], read_t[i]) for i in range(len(streams))]  # type: ignore[arg-type]
        result.interval = _interval(kernels, plans, write_t, read_t, samples)
        return result


def simulate(kernels: Sequence[SimKernel], streams: Sequence[SimStream], samples: int) -> SimResult:
    """Runs the cycle model once, with the streams' own depths."""
    return Simulator(kernels, streams).run(samples, occupancy=True)


def _max_occupancy(writes: list[int], reads: list[int]) -> int:
    """Most slots in use at once: a slot is taken by a write and free again the cycle after the read of its
    token, so a read and a write in the same cycle both count."""
    events = sorted([(t, 1) for t in writes] + [(t, -1) for t in reads], key=lambda e: (e[0], -e[1]))
    level = peak = 0
    for _, delta in events:
        level += delta
        peak = max(peak, level)
    return peak


def _interval(kernels, plans, write_t, read_t, samples: int) -> float | None:
    """Cycles per sample in steady state: the slope of the last kernel's per-sample completion over the second
    half of the run."""
    if samples < 4:
        return None
    # The sink is the kernel that finishes last; measure its per-sample progress through its reads.
    best = None
    for kernel in kernels:
        if kernel.writes or not kernel.reads:
            continue
        stream, offsets = kernel.reads[0]
        per = len(offsets)
        times = [read_t[stream][s * per + per - 1] for s in range(samples)]
        half = samples // 2
        slope = (times[-1] - times[half]) / (samples - 1 - half)
        best = slope if best is None else max(best, slope)
    return best


def _find_deadlock(kernels, streams, plans, position, write_t, read_t, producer, consumer, depth) -> Deadlock:
    waits: dict[int, tuple[int, int, str]] = {}  # kernel -> (kernel it waits on, stream, state)
    for k, plan in enumerate(plans):
        if position[k] >= len(plan):
            continue
        _, accesses = plan[position[k]]
        for stream, is_write, token in accesses:
            if is_write:
                d = depth[stream]
                if token >= d and read_t[stream][token - d] is None:
                    waits[k] = (consumer[stream], stream, "full")
                    break
            elif write_t[stream][token] is None:
                waits[k] = (producer[stream], stream, "empty")
                break
    # Follow the waits from any blocked kernel until a kernel repeats: that loop is the deadlock.
    start = next(iter(waits))
    seen: list[int] = []
    k = start
    while k in waits and k not in seen:
        seen.append(k)
        k = waits[k][0]
    loop = seen[seen.index(k):] if k in seen else seen
    fifos = [(streams[waits[j][1]].name, waits[j][2]) for j in loop]
    return Deadlock(fifos, [kernels[j].name for j in loop])
