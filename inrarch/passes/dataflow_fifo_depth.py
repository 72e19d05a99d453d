"""`dataflow-fifo-depth`: FIFO depths for full throughput, deadlock-free, with little memory.

1. Latency balancing as a difference-constraint LP (solved exactly with scipy's HiGHS; the constraint matrix is
   totally unimodular, so the optimum is integral). Every kernel v gets a start offset S_v and runs its schedule
   periodically at the design's sample interval T. For a stream u -> v, token i is written at S_u + w_i and read
   at S_v + r_i, both known from the kernels' schedules (`KernelSchedule`) — which also captures the rate terms of
   kernels that consume a whole token run before they emit (shuffles, matvecs). The data constraint is
   S_v - S_u >= max_i(w_i - r_i) + 1; the depth a stream then needs is the most tokens it holds at once, which
   grows with S_v - S_u at the stream's rate. The LP minimises sum(words per cycle * (S_v - S_u)) with the sink
   at its earliest start.
2. The cycle model checks the result against the latency the design reaches with unbounded FIFOs; where it
   falls short (stalls the balanced schedule does not show), depths are raised to that run's occupancies.
3. Each depth is then trimmed to the least that keeps that latency, until lowering any one depth by one would
   deadlock or cost cycles.

4. Depths robust to deeper pipelines than modeled: the operator table is an estimate and Vitis may schedule a
   process deeper. Every kernel's writes, all together and each alone, are made `late_by` iterations later
   (max(2, 25% of its modeled depth)), and FIFOs that then block are grown until each such scenario runs at its own
   full speed, so it cannot deadlock either.

Options: `samples` trims with a shorter run (default: min(N, 24) samples) before the final check at N;
`trim=false` keeps the LP's depths (still raised where the check needs it); `late=false` sizes for the modeled
depths only (the least FIFOs; no margin for a deeper Vitis schedule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil

import numpy as np
from scipy.optimize import linprog
from xdsl.context import Context
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, f64, i64
from xdsl.passes import ModulePass

from inrarch.analysis.derived import stamp
from inrarch.analysis.cycle_model import SimKernel, SimStream, Simulator
from inrarch.analysis.simulate import sim_model
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp, MatVecOp
from inrarch.targets.hardware import FIFO_LATENCY


@dataclass(frozen=True)
class DataflowFifoDepthPass(ModulePass):
    """Sizes FIFOs by latency balancing (an LP) and trims them against the cycle model."""

    name = "dataflow-fifo-depth"

    samples: int | None = None
    trim: bool = True
    late: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.samples is not None and (not isinstance(self.samples, int) or self.samples < 1):
            raise CompileError(f"dataflow-fifo-depth: option samples must be an integer >= 1, got {self.samples}")
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            result = size_fifos(graph, self.samples, self.trim, self.late)
            for fifo, depth in zip(graph.fifos(), result.depths, strict=True):
                fifo.properties["depth"] = IntegerAttr(depth, i64)
            graph.attributes["lp_fifo_words"] = FloatAttr(result.lp_words, f64)
            graph.attributes["lp_bound_words"] = FloatAttr(result.lp_bound_words, f64)
            graph.attributes["modeled_cycles"] = IntegerAttr(result.cycles, i64)
            stamp(graph)  # what these figures hold for (inrarch.analysis.derived)


@dataclass
class DepthResult:
    depths: list[int]
    lp_depths: list[int]
    lp_words: float  # FIFO words of the LP's balanced schedule
    lp_bound_words: float  # least FIFO words of any stall-free schedule at this interval (a bound for the LP)
    cycles: int  # modeled cycles with the final depths
    ideal_cycles: int  # modeled cycles with unbounded FIFOs


def period(kernels: list[SimKernel]) -> int:
    return max(k.steps * k.ii for k in kernels)


def _token_times(offsets: list[int], ii: int, T: int, periods: int) -> np.ndarray:
    base = np.asarray(offsets, dtype=np.int64) * ii
    return np.concatenate([base + p * T for p in range(periods)])


def depth_needed(writes: np.ndarray, reads: np.ndarray, delta: int) -> int:
    """Least depth with which a write of token i never waits, when reads happen `delta` later than listed."""
    r = reads + delta
    # Token i may be written once token i - D has been read at least one cycle earlier.
    j = np.searchsorted(r + FIFO_LATENCY, writes, side="right") - 1  # last token read in time for write i
    need = np.arange(len(writes)) - j
    return int(max(1, need.max()))


def balance(kernels: list[SimKernel], streams: list[SimStream]) -> tuple[np.ndarray, list[int], float, float]:
    """Solves the latency-balancing LP: (start offsets, depths, FIFO words of that schedule, and the least FIFO
    words any stall-free periodic schedule at this interval needs — each stream at its smallest delay)."""
    T = period(kernels)
    n = len(kernels)
    producer = {s: k for k, kernel in enumerate(kernels) for s, _ in kernel.writes}
    edges = []
    for v, kv in enumerate(kernels):
        for stream, r_off in kv.reads:
            u = producer[stream]
            w_off = next(offs for s, offs in kernels[u].writes if s == stream)
            w = _token_times(w_off, kernels[u].ii, T, 3)
            r = _token_times(r_off, kv.ii, T, 3)
            edges.append((u, v, stream, int(np.max(w - r)) + FIFO_LATENCY, w, r))
    # Objective: words held per cycle of extra delay on each stream (its tokens per period times their width).
    c = np.zeros(n)
    A, b = [], []
    for u, v, stream, lat, _, _ in edges:
        weight = streams[stream].tokens_per_sample * streams[stream].width / T
        c[v] += weight
        c[u] -= weight
        row = np.zeros(n)
        row[u], row[v] = 1, -1  # S_u - S_v <= -lat
        A.append(row)
        b.append(-lat)
    earliest = _longest_paths(n, [(u, v, lat) for u, v, _, lat, _, _ in edges])
    bounds = [(0, earliest[v]) if not k.writes else (0, None) for v, k in enumerate(kernels)]
    res = linprog(c, A_ub=np.array(A) if A else None, b_ub=np.array(b) if b else None, bounds=bounds, method="highs")
    if res.status != 0:
        raise CompileError(f"dataflow-fifo-depth: the balancing LP failed: {res.message}")
    start = np.rint(res.x).astype(np.int64)
    depths = [1] * len(streams)
    words = bound = 0.0
    for u, v, stream, lat, w, r in edges:
        depths[stream] = depth_needed(w, r, int(start[v] - start[u]))
        words += depths[stream] * streams[stream].width
        bound += depth_needed(w, r, lat) * streams[stream].width  # depth only grows with the delay
    return start, depths, words, bound


def _longest_paths(n: int, edges: list[tuple[int, int, int]]) -> list[int]:
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, lat in edges:
        if g.has_edge(u, v):
            g[u][v]["lat"] = max(g[u][v]["lat"], lat)
        else:
            g.add_edge(u, v, lat=lat)
    if not nx.is_directed_acyclic_graph(g):
        raise CompileError("dataflow-fifo-depth: the kernels form a cycle; only acyclic dataflow graphs are supported")
    dist = [0] * n
    for v in nx.topological_sort(g):
        for u in g.predecessors(v):
            dist[v] = max(dist[v], dist[u] + g[u][v]["lat"])
    return dist


def fifo_groups(graph: GraphOp) -> list[list[int]]:
    """FIFOs that share one depth: the member streams of a matvec port, which the HLS printer declares as one
    array of streams (one C++ type, so one depth). Every other FIFO is a group of its own."""
    index = {f.stream: i for i, f in enumerate(graph.fifos())}
    grouped: set[int] = set()
    groups: list[list[int]] = []
    for kernel in graph.kernels():
        if isinstance(kernel, MatVecOp):
            for port in (kernel.inputs, kernel.outputs):
                members = [index[v] for v in port if index[v] not in grouped]
                if members:
                    groups.append(members)
                    grouped.update(members)
    groups += [[i] for i in range(len(index)) if i not in grouped]
    return groups


def _tie(depths: list[int], groups: list[list[int]]) -> list[int]:
    depths = list(depths)
    for g in groups:
        d = max(depths[i] for i in g)
        for i in g:
            depths[i] = d
    return depths


LATE_FRACTION = 0.25  # a kernel's writes may come this share of its modeled pipeline depth later,
LATE_MIN = 2  # and at least this many iterations


def late_by(kernel: SimKernel) -> int:
    """Iterations by which the sizing lets `kernel`'s writes come later than modeled."""
    return max(LATE_MIN, ceil(LATE_FRACTION * kernel.lag))


def late_kernels(kernels: list[SimKernel], which: set[int]) -> list[SimKernel]:
    """The kernels with the writes of those in `which` later by `late_by` iterations."""
    out = []
    for k, kernel in enumerate(kernels):
        if k in which and kernel.writes:
            delta = late_by(kernel)
            kernel = replace(kernel, writes=[(s, [o + delta for o in offs]) for s, offs in kernel.writes])
        out.append(kernel)
    return out


ROBUST_SAMPLES = 256  # the one-late-kernel scenarios of longer calls run on this many samples (periodic after)


def robust(kernels: list[SimKernel], streams: list[SimStream], groups: list[list[int]], depths: list[int],
           samples: int, each_kernel: bool = True) -> list[int]:  # fmt: skip
    """Depths that also keep full throughput (and so never deadlock) when every kernel, or any one kernel, writes
    `late_by` iterations later than its modeled pipeline depth says: the Vitis schedule of a process may be
    deeper than the operator table's (a stall-all pipeline cannot deliver results early, so a shallow FIFO on a
    reconvergent path would hang the design). FIFOs that block are grown until each scenario runs at its own
    full speed."""
    depths = list(depths)
    unbounded = [s.tokens_per_sample * samples + 1 for s in streams]
    group_of = {i: g for g in groups for i in g}
    scenarios = [set(range(len(kernels)))]
    if each_kernel:
        scenarios += [{k} for k, kernel in enumerate(kernels) if kernel.writes]
    for which in scenarios:
        sim = Simulator(late_kernels(kernels, which), streams)
        ideal = sim.run(samples, unbounded, occupancy=True)
        if ideal.cycles is None:
            continue  # cannot happen: later writes with unbounded FIFOs still complete
        for _ in range(64):
            result = sim.run(samples, depths)
            if result.cycles == ideal.cycles:
                break
            if result.deadlock is not None:
                names = {name for name, state in result.deadlock.fifos if state == "full"}
                blocked = {i for i, s in enumerate(streams) if s.name in names}
            else:
                blocked = set(result.blocked_writes)
            grown = False
            for i in blocked:
                for j in group_of[i]:
                    if depths[j] < ideal.max_occupancy[j]:
                        depths[j] = min(ideal.max_occupancy[j], depths[j] + max(1, depths[j] // 4))
                        grown = True
            if not grown:
                depths = [max(d, o) for d, o in zip(depths, ideal.max_occupancy, strict=True)]
        else:
            depths = [max(d, o) for d, o in zip(depths, ideal.max_occupancy, strict=True)]
        depths = _tie(depths, groups)
    return depths


def size_fifos(graph: GraphOp, samples: int | None = None, trim: bool = True, late: bool = True) -> DepthResult:
    kernels, streams, _ = sim_model(graph)
    groups = fifo_groups(graph)
    n_samples = graph.samples
    _, lp_depths, lp_words, lp_bound = balance(kernels, streams)
    lp_depths = _tie(lp_depths, groups)
    sim = Simulator(kernels, streams)
    ideal = sim.run(n_samples, [s.tokens_per_sample * n_samples + 1 for s in streams], occupancy=True)
    if ideal.cycles is None:
        raise CompileError(f"dataflow-fifo-depth: the design deadlocks even with unbounded FIFOs: "
                           f"{ideal.deadlock.describe()}")  # fmt: skip
    occupancy = _tie([max(1, o) for o in ideal.max_occupancy], groups)
    depths = list(lp_depths)
    if sim.run(n_samples, depths).cycles != ideal.cycles:
        depths = [max(a, b) for a, b in zip(depths, occupancy, strict=True)]
    if trim:
        depths = _trim(sim, groups, depths, min(n_samples, samples or 24), n_samples, ideal.cycles, occupancy)
    if late:
        # A call of many samples repeats one periodic schedule after its transient: the scenario of each kernel
        # late runs on the first ROBUST_SAMPLES samples, the all-late one on the whole call (both at full speed).
        depths = robust(kernels, streams, groups, depths, min(n_samples, ROBUST_SAMPLES))
        if n_samples > ROBUST_SAMPLES:
            depths = robust(kernels, streams, groups, depths, n_samples, each_kernel=False)
    final = sim.run(n_samples, depths).cycles
    assert final == ideal.cycles, (final, ideal.cycles)
    return DepthResult(depths, lp_depths, lp_words, lp_bound, final, ideal.cycles)


def _trim(sim: Simulator, groups: list[list[int]], depths: list[int], short: int, full: int, ideal_full: int,
          occupancy: list[int]) -> list[int]:  # fmt: skip
    """Lowers depths (a group at a time) while the latency holds: guided by a shorter run, then checked (and
    settled) on the full one."""
    streams = sim.streams
    ideal_short = sim.run(short, [s.tokens_per_sample * short + 1 for s in streams]).cycles
    order = sorted(groups, key=lambda g: -sum(depths[i] * streams[i].width for i in g))

    def with_depth(depths: list[int], group: list[int], d: int) -> list[int]:
        trial = list(depths)
        for i in group:
            trial[i] = d
        return trial

    def minimal(depths: list[int], n: int, target: int, search: bool) -> list[int]:
        changed = True
        while changed:
            changed = False
            for group in order:
                current = depths[group[0]]
                lo, hi = (1 if search else max(1, current - 1)), current
                while lo < hi:
                    mid = (lo + hi) // 2
                    if sim.run(n, with_depth(depths, group, mid)).cycles == target:
                        hi = mid
                    else:
                        lo = mid + 1
                if lo < current:
                    depths = with_depth(depths, group, lo)
                    changed = True
            search = False
        return depths

    depths = minimal(list(depths), short, ideal_short, True)
    while True:  # the full run may need more than the short one showed
        result = sim.run(full, depths)
        if result.cycles == ideal_full:
            break
        blocked = set(result.blocked_writes) if result.cycles is not None else set(range(len(depths)))
        grown = False
        for group in groups:
            if blocked & set(group) and depths[group[0]] < occupancy[group[0]]:
                depths = with_depth(depths, group, min(occupancy[group[0]], max(depths[group[0]] + 1,
                                                                                 depths[group[0]] * 2)))  # fmt: skip
                grown = True
        if not grown:  # the unbounded run's occupancies reproduce its schedule, and so its latency
            depths = [max(a, b) for a, b in zip(depths, occupancy, strict=True)]
            assert sim.run(full, depths).cycles == ideal_full
            break
    return minimal(depths, full, ideal_full, False) if full == short else depths
