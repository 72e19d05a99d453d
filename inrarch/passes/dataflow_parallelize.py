"""`dataflow-parallelize{target=u50 dsp=… bram=… uram=… clock-mhz=…}`: sizes every kernel for one common sample
interval T (cycles per sample), the shortest whose design fits the budget.

For a candidate T, every kernel gets the cheapest parameters whose loop passes a sample in at most T cycles, with
the II its hardware facts (`inrarch.targets.hls.facts`) give for them:

* a matvec, the lane shape par_in x par_out (par_in a divisor of its rows up to 64, par_out up to its columns)
  with the fewest DSP whose compute loop — members x rows/par_in x ceil(cols/par_out) iterations at the II its
  accumulator recurrence allows — takes at most T cycles;
* every stream, the narrowest token (elements per token, a divisor of its elements) that carries a sample in at
  most T tokens, feeds the par_in lanes of the matvec reading it, and lets the matvec writing it send its members'
  tokens in T cycles; streams joined by a map, a fork or a matvec port share one token type;
* a map, the lanes (a divisor of its token width) and the sharing II with the fewest DSP whose loop, elements /
  lanes iterations of II cycles, fits in T.

DSP use falls as T grows, so the pass binary-searches the shortest T within the DSP budget; the design must then
fit the BRAM budget (constant weights stay in BRAM or LUTRAM: UltraScale+ URAM has no initial contents). An
infeasible budget is an error that says what the design needs. The pass sets the kernels' properties and the
streams' token types in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, lcm, prod

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass

from inrarch.targets.hls.facts import (
    BodyShape,
    MacFormat,
    body_shape,
    mac_format,
    map_operators,
    matvec_dsp,
    matvec_loop,
    par_in_choices,
)
from inrarch.analysis.resources import graph_resources
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import (
    FifoOp,
    ForkOp,
    GraphOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    TargetAttr,
    WriteOp,
    consumer,
    producer,
    stream_type,
)
from inrarch.targets.hardware import REFERENCE_MHZ, Target, make_target, operator


@dataclass(frozen=True)
class DataflowParallelizePass(ModulePass):
    """Picks matvec lanes, map lanes and sharing, and token widths for one sample interval within a budget."""

    name = "dataflow-parallelize"

    target: str = "u50"
    dsp: int | None = None
    bram: int | None = None
    uram: int | None = None
    clock_mhz: int | float | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = make_target(self.target, self.dsp, self.bram, self.uram, self.clock_mhz)
        for graph in [g for g in op.walk() if isinstance(g, GraphOp)]:
            # The target first: every kernel's facts count their latencies at its clock.
            graph.target = TargetAttr(target.name, target.part, target.dsp, target.bram36, target.uram,
                                      target.clock_mhz)  # fmt: skip
            graph.interval = IntegerAttr(parallelize(graph, target), i64)


def _powers_of_two_dividing(n: int, limit: int) -> list[int]:
    out, p = [], 1
    while p <= min(n, limit):
        if n % p == 0:
            out.append(p)
        p *= 2
    return out


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def cheapest_lanes(members: int, rows: int, cols: int, interval: int, bits: int = 32,
                   mac: MacFormat | None = None, clock_mhz: float = REFERENCE_MHZ) -> tuple[int, int, int] | None:  # fmt: skip
    """(par_in, par_out, ii) with the fewest DSP (then lanes) whose compute loop takes at most `interval` cycles."""
    best = None
    for par_in in par_in_choices(rows):
        for par_out in range(1, cols + 1):
            ii, compute = matvec_loop(members, rows, cols, par_in, par_out, bits, mac, clock_mhz)
            if compute * ii > interval:
                continue
            key = (matvec_dsp(par_in, par_out, ii, mac), par_in * par_out, par_out)
            if best is None or key < best[0]:
                best = (key, (par_in, par_out, ii))
            break  # more par_out only costs more at this par_in
    return None if best is None else best[1]


def _token_width(elements: int, needed: int, multiple: int = 1) -> int:
    """The smallest width >= needed dividing `elements` and a multiple of `multiple` (the par_in of the matvecs
    reading the stream: a token is cut into par_in-element slices), powers of two first."""
    for w in _powers_of_two_dividing(elements, elements):
        if w >= needed and w % multiple == 0:
            return w
    for w in range(max(1, needed), elements + 1):
        if elements % w == 0 and w % multiple == 0:
            return w
    return elements


def _map_choice(shape: BodyShape, elements: int, width: int, interval: int) -> tuple[int, int, int] | None:
    """(dsp, lanes, ii) of the cheapest map configuration that passes a sample in `interval` cycles."""
    def dsp(lanes: int, ii: int) -> int:
        return sum(operator(name).dsp * n for name, n in map_operators(shape.counts, lanes, ii).items())

    best = None
    for lanes in _divisors(width):
        most = interval * lanes // elements
        if most < 1:
            continue
        least = dsp(lanes, most)
        lo, hi = 1, most  # the least sharing with that DSP (a shorter pipeline)
        while lo < hi:
            mid = (lo + hi) // 2
            if dsp(lanes, mid) == least:
                hi = mid
            else:
                lo = mid + 1
        if best is None or (least, lanes) < best[:2]:
            best = (least, lanes, lo)
    return best


@dataclass
class _Config:
    lanes: dict[MatVecOp, tuple[int, int, int]]
    maps: dict[MapOp, tuple[int, int, int]]
    widths: dict[SSAValue, int]
    dsp: int


class _Sizer:
    """The graph's structure, read once: clusters of streams sharing a token type, map bodies."""

    def __init__(self, graph: GraphOp):
        self.graph = graph
        self.kernels = list(graph.kernels())
        self.fifos = list(graph.fifos())
        self.shapes = {k: body_shape(k) for k in self.kernels if isinstance(k, MapOp)}
        self.bits = {k: k.element_bits for k in self.kernels}
        self.macs = {k: mac_format(k) for k in self.kernels if isinstance(k, MatVecOp)}
        self.clock = graph.target.clock_mhz.data if graph.target is not None else REFERENCE_MHZ
        parent: dict[SSAValue, SSAValue] = {f.stream: f.stream for f in self.fifos}

        def find(v: SSAValue) -> SSAValue:
            while parent[v] is not v:
                parent[v] = parent[parent[v]]
                v = parent[v]
            return v

        def join(values) -> None:
            values = list(values)
            for v in values[1:]:
                parent[find(v)] = find(values[0])

        for k in self.kernels:
            if isinstance(k, MapOp | ForkOp):
                join([*k.stream_inputs, *k.stream_outputs])
            elif isinstance(k, MatVecOp):
                join(k.inputs)
                join(k.outputs)
        groups: dict[SSAValue, list[SSAValue]] = {}
        for f in self.fifos:
            groups.setdefault(find(f.stream), []).append(f.stream)
        self.clusters = list(groups.values())
        self.slowest = max(
            [prod(matvec_loop(k.members, *k.shape, 1, 1, mac=self.macs[k], clock_mhz=self.clock))
             for k in self.kernels if isinstance(k, MatVecOp)]
            + [max(sum(t.elements for t in k.input_types()), sum(t.elements for t in k.output_types()))
               for k in self.kernels]
        )  # fmt: skip

    def configure(self, interval: int) -> _Config | None:
        """The cheapest configuration at `interval`, or None if some kernel cannot keep up."""
        lanes: dict[MatVecOp, tuple[int, int, int]] = {}
        dsp = 0
        for k in self.kernels:
            if isinstance(k, MatVecOp):
                choice = cheapest_lanes(k.members, *k.shape, interval, self.bits[k], self.macs[k], self.clock)
                if choice is None:
                    return None
                lanes[k] = choice
                dsp += matvec_dsp(choice[0], choice[1], choice[2], self.macs[k])
        widths: dict[SSAValue, int] = {}
        for cluster in self.clusters:
            elements = cluster[0].type.elements
            needed, multiple = max(1, ceil(elements / interval)), 1
            for v in cluster:
                user = consumer(v)
                if isinstance(user, MatVecOp):
                    needed = max(needed, lanes[user][0])
                    multiple = lcm(multiple, lanes[user][0])
                maker = producer(v)
                if isinstance(maker, MatVecOp):  # the members' tokens leave one per iteration
                    needed = max(needed, ceil(maker.members * elements * lanes[maker][2] / interval))
            width = _token_width(elements, needed, multiple)
            for v in cluster:
                widths[v] = width
        maps: dict[MapOp, tuple[int, int, int]] = {}
        for k in self.kernels:
            if isinstance(k, MapOp):
                stream = k.stream_inputs[0] if k.stream_inputs else k.stream_outputs[0]
                choice = _map_choice(self.shapes[k], k.stream.elements, widths[stream], interval)
                if choice is None:
                    return None
                maps[k] = choice
                dsp += choice[0]
            elif isinstance(k, ReadOp | WriteOp):
                if sum(v.type.elements for v in [*k.stream_inputs, *k.stream_outputs]) > interval:
                    return None  # one memory word per cycle
            elif isinstance(k, ShuffleOp | ForkOp):
                reads = sum(v.type.elements // widths[v] for v in k.stream_inputs)
                writes = sum(v.type.elements // widths[v] for v in k.stream_outputs)
                if max(reads, writes) > interval:
                    return None
        return _Config(lanes, maps, widths, dsp)

    def apply(self, config: _Config) -> None:
        for k, (par_in, par_out, _) in config.lanes.items():
            k.properties["par_in"] = IntegerAttr(par_in, i64)
            k.properties["par_out"] = IntegerAttr(par_out, i64)
        for k, (_, lanes, ii) in config.maps.items():
            k.properties["lanes"] = IntegerAttr(lanes, i64)
            k.properties["ii"] = IntegerAttr(ii, i64)
        for fifo in self.fifos:
            t = fifo.stream.type
            width = config.widths[fifo.stream]
            if width == t.width:
                continue
            new = FifoOp(stream_type(t.element_type, t.elements, width), fifo.depth_value)
            new.format = fifo.format
            new.stream.name_hint = fifo.stream.name_hint
            fifo.parent_block().insert_op_before(new, fifo)
            fifo.stream.replace_all_uses_with(new.stream)
            fifo.detach()
            fifo.erase()


def _bram36_at(graph: GraphOp, interval: int, target: Target) -> float:
    """BRAM36 of the graph sized for `interval` (on a copy; infinite where no configuration within the DSP budget
    keeps up)."""
    trial = graph.clone()
    sizer = _Sizer(trial)
    config = sizer.configure(interval)
    if config is None or config.dsp > target.dsp:
        return float("inf")
    sizer.apply(config)
    return graph_resources(trial).bram36


def parallelize(graph: GraphOp, target: Target) -> int:
    """Sizes the graph's kernels and streams for the shortest interval within the budget; returns it."""
    if target.dsp < 1:
        raise CompileError(f"dataflow-parallelize: the DSP budget must be positive, got {target.dsp}")
    sizer = _Sizer(graph)
    slowest = sizer.configure(sizer.slowest)
    assert slowest is not None
    if slowest.dsp > target.dsp:
        raise CompileError(
            f"dataflow-parallelize: the design needs at least {slowest.dsp} DSP (one multiply-add lane per matrix "
            f"kernel, maps at their slowest), the budget is {target.dsp}"
        )
    lo, hi = 1, sizer.slowest
    while lo < hi:
        mid = (lo + hi) // 2
        config = sizer.configure(mid)
        if config is not None and config.dsp <= target.dsp:
            hi = mid
        else:
            lo = mid + 1
    if _bram36_at(graph, lo, target) > target.bram36:
        # Fewer lanes need fewer banks: the shortest interval whose weights, buffers and FIFOs fit the BRAM budget
        # (a design whose multiplies the formats made cheap can have DSP for an interval its BRAM cannot bank).
        top = sizer.slowest
        if _bram36_at(graph, top, target) <= target.bram36:
            while lo < top:
                mid = (lo + top) // 2
                if _bram36_at(graph, mid, target) <= target.bram36:
                    top = mid
                else:
                    lo = mid + 1
    config = sizer.configure(lo)
    assert config is not None
    sizer.apply(config)
    resources = graph_resources(graph)
    if resources.bram36 > target.bram36:
        raise CompileError(
            f"dataflow-parallelize: the design needs {resources.bram36:g} BRAM36 at its interval of {lo} cycles "
            f"(weights, buffers and FIFOs), the budget is {target.bram36} BRAM36; constant weights are not placed "
            "in URAM, which UltraScale+ cannot initialise from the bitstream"
        )
    return lo
