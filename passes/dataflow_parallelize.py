"""`dataflow-parallelize{target=u50 dsp=… bram=… uram=… clock-mhz=…}`: sizes every kernel for one common sample
interval T (cycles per sample), the shortest whose design fits the budget.

For a candidate T, each matvec gets the cheapest lane shape par_in x par_out (5 DSP per multiply-add lane) whose
loop — members * ceil(rows/par_in) * ceil(cols/par_out) iterations, at the initiation interval its accumulators
allow — takes at most T cycles; each map gets the largest initiation interval that still passes its tokens in T
(so its operators are shared); streams get the narrowest tokens (elements per token) that carry their features
in T and feed the matvecs' par_in lanes. DSP use falls as T grows, so the pass binary-searches the shortest T
within the DSP budget, then checks BRAM (weights move to URAM when BRAM runs out). An infeasible budget is an
error that says what the design needs. Operator latencies and costs come from `inrarch.hardware`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from inrarch.dataflow.model import Design, Stream, from_graph, replace_graph, to_graph
from inrarch.dataflow.resources import accumulator_ii, design_resources, matvec_cycles
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import GraphOp
from inrarch.hardware import Target, mac_latency, make_target


@dataclass(frozen=True)
class DataflowParallelizePass(ModulePass):
    """Picks matvec lanes, map initiation intervals and token widths for one sample interval within a budget."""

    name = "dataflow-parallelize"

    target: str = "u50"
    dsp: int | None = None
    bram: int | None = None
    uram: int | None = None
    clock_mhz: int | float | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = make_target(self.target, self.dsp, self.bram, self.uram, self.clock_mhz)
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            design = from_graph(graph)
            plan = parallelize(design, target)
            new_graph = to_graph(design)
            replace_graph(graph, new_graph)
            new_graph.attributes.update(plan.attributes())


@dataclass
class Plan:
    interval: int
    dsp: int
    bram36: float
    uram: int
    target: Target
    uram_matvecs: set[int] = field(default_factory=set)

    def attributes(self):
        from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, f64, i64

        return {
            "interval": IntegerAttr(self.interval, i64),
            "target": StringAttr(self.target.name),
            "part": StringAttr(self.target.part),
            "clock_mhz": FloatAttr(self.target.clock_mhz, f64),
            "budget_dsp": IntegerAttr(self.target.dsp, i64),
            "budget_bram36": IntegerAttr(self.target.bram36, i64),
            "budget_uram": IntegerAttr(self.target.uram, i64),
        }


def _powers_of_two_dividing(n: int, limit: int) -> list[int]:
    out, p = [], 1
    while p <= min(n, limit):
        if n % p == 0:
            out.append(p)
        p *= 2
    return out


def cheapest_lanes(members: int, rows: int, cols: int, interval: int) -> tuple[int, int] | None:
    """(par_in, par_out) with the fewest lanes whose loop takes at most `interval` cycles per sample."""
    best: tuple[int, int, int] | None = None
    for par_in in _powers_of_two_dividing(rows, 64):
        lo, hi = 1, cols
        if matvec_cycles(members, rows, cols, par_in, hi) > interval:
            continue
        while lo < hi:  # cycles do not increase with par_out
            mid = (lo + hi) // 2
            if matvec_cycles(members, rows, cols, par_in, mid) <= interval:
                hi = mid
            else:
                lo = mid + 1
        lanes = par_in * lo
        if best is None or lanes < best[0]:
            best = (lanes, par_in, lo)
    return None if best is None else (best[1], best[2])


def _clusters(design: Design) -> list[list[Stream]]:
    """Streams that must share one token type: those joined by a map."""
    parent: dict[int, int] = {}
    streams: dict[int, Stream] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in design.kernels:
        for s in [*k.ins, *k.outs]:
            parent.setdefault(id(s), id(s))
            streams[id(s)] = s
        if k.kind == "map":
            ids = [id(s) for s in [*k.ins, *k.outs]]
            for i in ids[1:]:
                parent[find(i)] = find(ids[0])
    groups: dict[int, list[Stream]] = {}
    for i, s in streams.items():
        groups.setdefault(find(i), []).append(s)
    return list(groups.values())


def _token_width(elements: int, needed: int) -> int:
    """The smallest width >= needed dividing `elements` (powers of two first)."""
    for w in _powers_of_two_dividing(elements, elements):
        if w >= needed:
            return w
    for w in range(max(1, needed), elements + 1):
        if elements % w == 0:
            return w
    return elements


def configure(design: Design, interval: int) -> bool:
    """Sizes the design for `interval`; False if some kernel cannot keep up at any size."""
    consumers = design.consumers()
    for k in design.kernels:
        if k.kind == "matvec":
            rows, cols = k.weights.shape
            lanes = cheapest_lanes(len(k.ins), rows, cols, interval)
            if lanes is None:
                return False
            k.par_in, k.par_out = lanes
            k.ii = accumulator_ii(len(k.ins), cols, k.par_out)
            k.latency = mac_latency(k.par_in)
    for cluster in _clusters(design):
        elements = cluster[0].elements
        needed = max(1, ceil(elements / interval))
        for s in cluster:
            for user in consumers.get(id(s), []):
                if user.kind == "matvec":
                    needed = max(needed, user.par_in)
        width = _token_width(elements, needed)
        for s in cluster:
            s.width = width
    for k in design.kernels:
        assert k.kind != "matvec" or k.ins[0].width % k.par_in == 0  # widths are powers of two >= par_in
        if k.kind == "map":
            tokens = k.outs[0].elements // k.outs[0].width
            k.ii = max(1, interval // tokens)
        if k.kind in ("shuffle", "write", "read"):  # one token per iteration; a shuffle overlaps reads and writes
            reads = sum(s.elements // s.width for s in k.ins)
            writes = sum(s.elements // s.width for s in k.outs)
            if max(reads, writes) > interval:
                return False
    return True


def _fits(design: Design, target: Target) -> bool:
    return design_resources(design).dsp <= target.dsp


def parallelize(design: Design, target: Target) -> Plan:
    if target.dsp < 1:
        raise CompileError(f"dataflow-parallelize: the DSP budget must be positive, got {target.dsp}")
    slowest = max(
        [matvec_cycles(len(k.ins), *k.weights.shape, 1, 1) for k in design.kernels if k.kind == "matvec"]
        + [max(sum(s.elements for s in k.ins), sum(s.elements for s in k.outs)) for k in design.kernels]
    )
    configure(design, slowest)
    least = design_resources(design).dsp
    if least > target.dsp:
        raise CompileError(
            f"dataflow-parallelize: the design needs at least {least} DSP (one multiply-add lane per matrix "
            f"kernel, maps at their slowest), the budget is {target.dsp}"
        )
    lo, hi = 1, slowest
    while lo < hi:
        mid = (lo + hi) // 2
        if configure(design, mid) and _fits(design, target):
            hi = mid
        else:
            lo = mid + 1
    assert configure(design, lo)
    plan = Plan(lo, 0, 0.0, 0, target)
    resources = design_resources(design)
    if resources.bram36 > target.bram36:
        # Move the largest weight stores to URAM until BRAM fits.
        matvecs = sorted((k for k in design.kernels if k.kind == "matvec"), key=lambda k: -k.weights.size)
        for k in matvecs:
            plan.uram_matvecs.add(id(k))
            resources = design_resources(design, plan.uram_matvecs)
            if resources.bram36 <= target.bram36:
                break
    for k in design.kernels:
        if id(k) in plan.uram_matvecs:
            k.storage = "uram"
    if resources.bram36 > target.bram36 or resources.uram > target.uram:
        raise CompileError(
            f"dataflow-parallelize: the design needs {resources.bram36:g} BRAM36 and {resources.uram} URAM at its "
            f"interval of {lo} cycles, the budget is {target.bram36} BRAM36 and {target.uram} URAM"
        )
    plan.dsp, plan.bram36, plan.uram = resources.dsp, resources.bram36, resources.uram
    return plan

