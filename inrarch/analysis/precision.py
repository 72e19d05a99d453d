"""Fixed-point formats for a `dataflow.graph`: range analysis, word-length selection, and the graph's bit-exact
fixed-point semantics (what the printed ap_fixed C++ computes).

* Ranges: the graph runs in float64 on calibration inputs (the user's, or a grid of the input domain [-1, 1]^d);
  every stream, map-body value and function input records its extremes. Integer bits follow from the largest
  magnitude times a margin (2 by default: one bit of headroom). Accumulators are not calibrated: their integer
  bits come from a sound bound (every input at its format's largest magnitude, every weight of a column adding
  up), so a partial sum cannot overflow whatever the inputs.
* Formats: `auto` gives every stream and every map-body value W bits (integer bits from its own range: the
  precision is relative to each value's magnitude, which grows with the derivative order), weights 18 bits per
  layer (block scaling: one format per matvec) so that a multiply of a W <= 27-bit input fits one DSP48E2, and
  accumulators every product's bits exactly. W is the least width whose emulated outputs stay within the error
  budget (default 1e-3 of each output's largest magnitude vs float64, with a factor 2 of safety on a subset of the
  calibration points, then checked on all of them). From W, each width group (`width_keys`: the streams that must
  share a width, and each map's body) gets a width of its own (`_refine_widths`): a greedy descent on the design's
  DSP work (`dsp_work`), each group taken down to the DSP48E2's port widths (27, 18 bits) where that saves DSP and
  the emulation stays within the budget, the others given up to 2 bits of headroom where that lets more groups
  shrink. A uniform `ap_fixed<W,I>` gives every stream, value and weight that one format (accumulators stay exact).
* Streams of one matvec port are read as one C++ type: they share a width (the input port one, the output port
  another), and each member's output format is its input format shifted by the same number of integer bits (a
  power-of-two scaling, which the linear map commutes with). Fork outputs share their input's format.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import ArrayAttr, StringAttr
from xdsl.ir import Operation, SSAValue

from inrarch import ops
from inrarch.analysis.fixed import Fixed, col_formats, fifo_format, format_for, int_bits_for
from inrarch.analysis.functional import Semantics, kernel_order, matvec_values
from inrarch.analysis.fixed_body import (DOMAIN, FORMAT, BodyFormats, emulate, fixed_kind, set_format, table_domain,
                                         table_function)
from inrarch.diagnostics import CompileError
from inrarch.evaluator import constant_value, interpreter, run_op
from inrarch.dialects.dataflow import (
    FixedAttr,
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    WriteOp,
)
from inrarch.ir_utils import dense_to_numpy

WEIGHT_BITS = 18  # the DSP48E2's narrow port: an input of up to 27 bits times a weight of 18 bits is one DSP
MAX_WIDTH = 40
SEARCH_POINTS = 1024


def calibration_grid(dims: int, points: int = 4096) -> np.ndarray:
    """A regular grid of about `points` inputs over [-1, 1]^dims."""
    per_axis = max(2, round(points ** (1.0 / dims)))
    axes = np.meshgrid(*[np.linspace(-1.0, 1.0, per_axis)] * dims, indexing="ij")
    return np.stack([a.reshape(-1) for a in axes], axis=1)


@dataclass
class Ranges:
    """What a float64 run on the calibration inputs saw."""

    streams: dict[SSAValue, float] = field(default_factory=dict)  # largest magnitude per stream
    values: dict[Operation, float] = field(default_factory=dict)  # per map-body op
    domains: dict[Operation, tuple[float, float]] = field(default_factory=dict)  # function inputs
    output: np.ndarray | None = None


class _Run(Semantics):
    """One run of the graph on inputs [M, d]: float64 (recording ranges) or fixed point (from the formats the
    graph carries, counting overflows per site)."""

    def __init__(self, graph: GraphOp, fixed: bool, only: str | None = None):
        self.graph = graph
        self.fixed = fixed
        self.only = only  # fixed point at this error site alone (see `error_sites`), float64 elsewhere
        self.ranges = Ranges()
        self.overflows: Counter[str] = Counter()
        # float64: the reference evaluator
        self.interp = None if fixed and only is None else interpreter(graph, np.float64)[0]

    def _at(self, site: str) -> bool:
        """Whether the run rounds at `site` (every site, or the one it was asked for)."""
        return self.fixed and (self.only is None or self.only == site)

    def _quantize(self, f: Fixed | None, x: np.ndarray, site: str) -> np.ndarray:
        if not self.fixed or f is None or not self._at(site.rsplit(":", 1)[0] + ":out"):
            return x
        q, n = f.quantize(x)
        if n:
            self.overflows[site] += n
        return q

    def run(self, x: np.ndarray) -> np.ndarray:
        result = self.evaluate(self.graph, np.asarray(x, dtype=np.float64))
        self.ranges.output = result
        return result

    def stream(self, value: SSAValue, array: np.ndarray, site: str) -> np.ndarray:
        if self.fixed:
            return self._quantize(fifo_format(value.owner), array, site)
        self.ranges.streams[value] = float(np.max(np.abs(array))) if array.size else 0.0
        return array

    def map(self, kernel: MapOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        block = kernel.body.block
        env: dict[SSAValue, np.ndarray] = {}
        formats = BodyFormats(kernel) if self.fixed else None
        cols = [dense_to_numpy(c).astype(np.float64)[None, :] for c in kernel.const_rows]
        if formats is not None and self._at(f"{site}:values"):
            cols = [f.quantize(c)[0] for f, c in zip(col_formats(kernel), cols, strict=True)]
        for arg, val in zip(block.args, [*ins, *cols], strict=True):
            env[arg] = val
        yielded: list[np.ndarray] = []
        with np.errstate(all="ignore"):
            for n, op in enumerate(block.ops):
                args = [env[v] for v in op.operands]
                if op.name == "dataflow.yield":
                    yielded = args
                    break
                if formats is not None and self._at(_value_site(site, n, op)):
                    val, count = emulate(op, args, formats)
                    if count:
                        self.overflows[f"{site}:v{n}"] += count
                elif formats is not None:
                    (val,) = run_op(self.interp, op, args)
                else:
                    (val,) = run_op(self.interp, op, args)
                    if not isinstance(op, arith.CmpfOp):
                        self.ranges.values[op] = max(self.ranges.values.get(op, 0.0), _absmax(val))
                    entry = ops.info(op.name)
                    if entry is not None and entry.fixed == "table":
                        a = np.asarray(args[0])
                        finite = a[np.isfinite(a)]
                        if finite.size:
                            self.ranges.domains[op] = (float(finite.min()), float(finite.max()))
                env[op.results[0]] = val
        rows = ins[0].shape[0] if ins else None
        out = []
        for v in yielded:
            a = np.asarray(v, dtype=np.float64)
            if rows is not None:
                a = np.broadcast_to(a, (rows, kernel.stream.elements)).copy()
            out.append(a)
        return out

    def matvec(self, kernel: MatVecOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
        w = dense_to_numpy(kernel.weights).astype(np.float64)
        bias = dense_to_numpy(kernel.bias).astype(np.float64) if kernel.bias is not None else None
        if self._at(f"{site}:weights") and kernel.weight_format is not None:
            w = Fixed.of(kernel.weight_format).quantize(w)[0]
            if bias is not None:
                bias = Fixed.of(kernel.acc_format).quantize(bias)[0]
        return matvec_values(kernel, ins, w, bias)


def _value_site(site: str, n: int, op: Operation) -> str:
    """The error site of body op n of a map: its table, or the map's other roundings together."""
    entry = ops.info(op.name)
    return f"{site}:v{n}" if entry is not None and entry.fixed == "table" else f"{site}:values"


def _absmax(val) -> float:
    a = np.abs(np.asarray(val, dtype=np.float64))
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else 0.0


def record_ranges(graph: GraphOp, x: np.ndarray) -> Ranges:
    r = _Run(graph, fixed=False)
    r.run(x)
    return r.ranges


def run_fixed(graph: GraphOp, x: np.ndarray) -> tuple[np.ndarray, Counter[str]]:
    """The outputs of a graph carrying fixed-point formats, as its printed C++ computes them, and the overflows
    (values outside their format, function inputs outside their tables) per site."""
    r = _Run(graph, fixed=True)
    out = r.run(np.asarray(x, dtype=np.float64))
    element = graph.function_type.inputs.data[-1].element_type
    if "f32" in str(element):
        out = out.astype(np.float32).astype(np.float64)
    return out, r.overflows


# ---------------------------------------------------------------------------------------------------------------------
# Error attribution
# ---------------------------------------------------------------------------------------------------------------------

ATTRIBUTION_POINTS = 64  # calibration points each error site is measured on
TOP_SITES = 3  # the error sites an accepted design's report lists


@dataclass(frozen=True)
class Contribution:
    """The output error of one error site alone: the design in fixed point there, float64 everywhere else."""

    site: str  # k<kernel>_<op>:<what>: out (its results' rounding), weights, values (a map's other roundings), v<n>
    what: str  # in words
    where: str | None  # the source location of the op in the user's model, when the IR has one
    error: float  # max over outputs of max|out - float64| / max|float64|

    def describe(self) -> str:
        return f"{self.what} ({self.site}{', ' + self.where if self.where else ''}): {self.error:.2g}"


def _spread(x: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """About ATTRIBUTION_POINTS of the inputs, evenly spread over them (and their float64 outputs)."""
    step = max(1, len(x) // ATTRIBUTION_POINTS)
    return x[::step], ref[::step]


def error_sites(graph: GraphOp) -> list[tuple[str, str, Operation]]:
    """Every place the fixed-point design rounds, once: (site, what, op). Each kernel's results rounded to their
    streams' formats (a matvec's: its exact accumulator rounded), each matvec's weights, each function table, and
    each map's other roundings together."""
    from inrarch.analysis.fixed_body import table

    sites = []
    for k, kernel in enumerate(kernel_order(graph)):
        site = f"k{k}_{kernel.name.split('.')[1]}"
        if isinstance(kernel, MapOp):
            formats = BodyFormats(kernel)
            for n, op in enumerate(kernel.body.block.ops):
                if _value_site(site, n, op) != f"{site}:values":
                    t = table(op, formats)
                    sites.append((f"{site}:v{n}", f"the {op.name} table ({t.n} entries, order {t.order})", op))
            sites.append((f"{site}:values", "the rounding of a map's values", kernel))
        if isinstance(kernel, MatVecOp):
            sites.append((f"{site}:weights", f"a matvec's {kernel.weight_format.width.data}-bit weights", kernel))
        if isinstance(kernel, MapOp | MatVecOp | ReadOp | ShuffleOp) and kernel.stream_outputs:
            what = {"matvec": "a matvec's accumulator rounded to its outputs", "read": "the inputs' conversion"}
            sites.append((f"{site}:out", what.get(site.split("_", 1)[1], f"the rounding of a {kernel.name}'s results"),
                          kernel))  # fmt: skip
    return sites


def attribute_error(graph: GraphOp, x: np.ndarray, ref: np.ndarray | None = None) -> list[Contribution]:
    """Each error site's contribution on inputs x (largest first): the outputs' error with that site alone in
    fixed point, against float64 (`ref`, else computed)."""
    from inrarch.diagnostics import op_location

    x = np.asarray(x, dtype=np.float64)
    if ref is None:
        ref = record_ranges(graph, x).output
    out = []
    for site, what, op in error_sites(graph):
        y = _Run(graph, fixed=True, only=site).run(x)
        out.append(Contribution(site, what, op_location(op), float(np.max(output_errors(y, ref)))))
    return sorted(out, key=lambda c: -c.error)


# ---------------------------------------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------------------------------------


class _Groups:
    """Streams that must share one format (a fork's input and outputs)."""

    def __init__(self, graph: GraphOp):
        self.parent: dict[SSAValue, SSAValue] = {f.stream: f.stream for f in graph.fifos()}
        for k in graph.kernels():
            if isinstance(k, ForkOp):
                for v in k.outputs:
                    self.parent[self.find(v)] = self.find(k.input)

    def find(self, v: SSAValue) -> SSAValue:
        while self.parent[v] is not v:
            v = self.parent[v]
        return v


class _WidthGroups(_Groups):
    """Streams that must share one width: a fork's input and outputs (one format), and the members of each matvec
    port (one C++ type: each matvec reads its members in member 0's input format and writes them in member 0's
    output format)."""

    def __init__(self, graph: GraphOp):
        super().__init__(graph)
        for k in graph.kernels():
            if isinstance(k, MatVecOp):
                for port in (k.inputs, k.outputs):
                    for v in port[1:]:
                        a, b = self.find(v), self.find(port[0])
                        if a is not b:
                            self.parent[a] = b


def width_keys(graph: GraphOp) -> list[SSAValue | MapOp]:
    """What `apply_formats`'s per-group widths are keyed by, in graph order: the root stream of each width group
    (`_WidthGroups`), and each map (its body's values and constants)."""
    groups = _WidthGroups(graph)
    keys: list[SSAValue | MapOp] = []
    seen: set[SSAValue] = set()
    for k in kernel_order(graph):
        if isinstance(k, MapOp):
            keys.append(k)
        for v in k.stream_outputs:
            root = groups.find(v)
            if root not in seen:
                seen.add(root)
                keys.append(root)
    return keys


def _stream_int_bits(graph: GraphOp, ranges: Ranges, margin: float, uniform: Fixed | None) -> dict[SSAValue, int]:
    groups = _Groups(graph)
    bits: dict[SSAValue, int] = {}
    for f in graph.fifos():
        root = groups.find(f.stream)
        want = uniform.int_bits if uniform else int_bits_for(ranges.streams.get(f.stream, 0.0), margin)
        bits[root] = max(bits.get(root, -10**6), want)
    matvecs = [k for k in graph.kernels() if isinstance(k, MatVecOp)]
    for _ in range(20):  # the port rules, to a fixed point (integer bits only grow)
        changed = False
        for k in matvecs:
            biased = [m for m, on in enumerate(k.bias_members()) if on]
            same = sorted({0, *biased})
            top = max(bits[groups.find(k.inputs[m])] for m in same)
            for m in same:
                if bits[groups.find(k.inputs[m])] != top:
                    bits[groups.find(k.inputs[m])] = top
                    changed = True
            shift = max(bits[groups.find(o)] - bits[groups.find(i)] for i, o in zip(k.inputs, k.outputs, strict=True))
            for i, o in zip(k.inputs, k.outputs, strict=True):
                want = bits[groups.find(i)] + shift
                if bits[groups.find(o)] != want:
                    if bits[groups.find(o)] > want:
                        continue  # another member's shift decides; the next round raises the others
                    bits[groups.find(o)] = want
                    changed = True
        if not changed:
            break
    for k in matvecs:  # every member shifted alike
        shifts = {bits[groups.find(o)] - bits[groups.find(i)] for i, o in zip(k.inputs, k.outputs, strict=True)}
        if len(shifts) != 1:
            raise CompileError("dataflow-fixed-point: the members of a matvec cannot share a scaling", k)
    return {f.stream: bits[groups.find(f.stream)] for f in graph.fifos()}


class TooNarrow(Exception):
    """A width that cannot hold some value's integer bits (or would need an accumulator of over 64 bits)."""


def apply_formats(graph: GraphOp, ranges: Ranges, width: int, weight_bits: int, margin: float,
                  overflow: str = "wrap", uniform: Fixed | None = None,
                  widths: dict[SSAValue | MapOp, int] | None = None) -> None:  # fmt: skip
    """Gives every stream, map-body value, column constant, weight and accumulator of the graph its format
    (TooNarrow when a map-body value's width cannot hold its integer bits, or an accumulator would need over 64
    bits): `width` bits, or per width group the width `widths` gives (keys: `width_keys`). A stream's format keeps
    its integer bits whatever its width: a stream narrower than them has a least significant bit above 1
    (ap_fixed<W, I> with I > W), as the large Taylor coefficients of a matvec's members need: the members share
    one width and each is scaled by its own integer bits, so each keeps W - 1 bits below its own magnitude."""
    mode = "sat" if overflow == "saturate" else "wrap"
    widths = widths or {}

    def fmt(magnitude: float, w: int = width, m: float = margin) -> Fixed:
        if uniform is not None:
            return uniform
        if int_bits_for(magnitude, m) > w:
            raise TooNarrow
        return format_for(magnitude, w, m, mode)

    stream_bits = _stream_int_bits(graph, ranges, margin, uniform)
    groups = _WidthGroups(graph)
    stream_width = {f.stream: widths.get(groups.find(f.stream), width) for f in graph.fifos()}
    for f in graph.fifos():
        f.format = FixedAttr.of(uniform or Fixed(stream_width[f.stream], stream_bits[f.stream], "rnd", mode))
    exact = 1.0 + 2.0**-20  # constants: integer bits that hold the value itself
    for k in graph.kernels():
        if isinstance(k, MapOp):
            mw = widths.get(k, width)
            cols = [fmt(float(np.max(np.abs(dense_to_numpy(c)))), w=mw, m=exact) for c in k.const_rows]
            if cols:
                k.const_formats = ArrayAttr([FixedAttr.of(c) for c in cols])
            for op in k.body.block.ops:
                if op.name == "dataflow.yield" or isinstance(op, arith.CmpfOp):
                    continue
                if isinstance(op, arith.ConstantOp):
                    value = float(np.max(np.abs(constant_value(op.value, op.result.type))))
                    set_format(op, fmt(value, w=mw, m=exact))
                    continue
                domain = None
                if fixed_kind(op) == "table":
                    lo, hi = ranges.domains.get(op, (0.0, 0.0))
                    domain = table_domain(table_function(op), lo, hi, margin)
                set_format(op, fmt(ranges.values.get(op, 0.0), w=mw), domain)
        elif isinstance(k, MatVecOp):
            w = dense_to_numpy(k.weights).astype(np.float64)
            wf = uniform or format_for(float(np.max(np.abs(w))), weight_bits, exact, "wrap")
            x0 = fifo_format(k.inputs[0].owner)
            # Accumulators are exact by construction, uniform formats included: every product's bits, and the
            # integer bits of a sound bound on any partial sum.
            wq = wf.quantize(w)[0]
            bias = float(np.max(np.abs(dense_to_numpy(k.bias)))) if k.bias is not None else 0.0
            bound = 2.0 ** (x0.int_bits - 1) * float(np.max(np.sum(np.abs(wq), axis=0))) + bias
            frac = x0.frac + wf.frac
            int_bits = int_bits_for(bound, 1.0)
            if int_bits + frac > 64:  # an exact accumulator this wide is not offered
                raise TooNarrow
            acc = Fixed(int_bits + frac, int_bits, "rnd", "wrap")
            k.weight_format = FixedAttr.of(wf)
            k.acc_format = FixedAttr.of(acc)


def dsp_work(graph: GraphOp) -> int:
    """DSP48E2-cycles per sample of a graph carrying fixed-point formats: each matvec's multiply-adds times the DSP
    of one (`inrarch.analysis.fixed.mul_dsp` of its input and weight widths), each map's DSP operators (instances
    as its hardware facts count them at its present lanes and II: operators of one shape shared) times its cycles
    per sample. With the DSP budget fixed, the interval `dataflow-parallelize` reaches follows it."""
    from inrarch.targets.hls.facts import kernel_facts, mac_dsp, mac_format

    total = 0
    for k in graph.kernels():
        if isinstance(k, MatVecOp):
            total += k.macs_per_sample() * mac_dsp(mac_format(k))
        elif isinstance(k, MapOp):
            f = kernel_facts(k)
            total += f.dsp * f.steps * f.ii
    return total


# Widths below which a multiply operand takes fewer DSP48E2 tiles (its 18- and 27-bit ports, and 2 tiles of each).
DSP_STEPS = (44, 35, 27, 18)
HEADROOM = (0, 1, 2)  # bits the search may add to the other groups so that those on a DSP step can shrink
MIN_SAVING = 0.0025  # the least share of the DSP work a move must save to be tried (each try is an emulation)


def _refine_widths(graph: GraphOp, ranges: Ranges, width: int, wbits: int, margin: float, overflow: str,
                   meets) -> tuple[dict[SSAValue | MapOp, int] | None, int]:  # fmt: skip
    """Per-group widths from the uniform `width`: a greedy descent on the DSP work (`dsp_work`). Every group starts
    at width + h (h in HEADROOM); each move takes one group down to the widest DSP step below its width that saves
    at least MIN_SAVING of the work (largest saving first, graph order on ties), and is kept where the emulation
    still meets the budget (`meets`; a refused move is not tried again); then groups whose width saves no DSP come
    back down as far as the budget lets them. The least work wins (the least headroom on ties). Returns (widths,
    their work), or (None, the uniform work) where nothing is saved."""
    keys = width_keys(graph)
    known: dict[tuple, int | None] = {}

    def work(cfg: dict) -> int | None:
        key = tuple(cfg.get(k, width) for k in keys)
        if key not in known:
            try:
                apply_formats(graph, ranges, width, wbits, margin, overflow, widths=cfg)
                known[key] = dsp_work(graph)
            except TooNarrow:
                known[key] = None
        return known[key]

    uniform = work({})
    assert uniform is not None
    best: tuple[int, dict | None] = (uniform, None)
    for h in HEADROOM:
        cur = {key: width + h for key in keys}
        cost = work(cur)
        if cost is None or (h and not meets(cur)):
            continue
        tried: set[tuple[int, int]] = set()
        refused = False
        while True:
            moves = []
            for i, key in enumerate(keys):
                for step in (w for w in DSP_STEPS if w < cur[key] and (i, w) not in tried):
                    c = work({**cur, key: step})
                    if c is not None and cost - c >= MIN_SAVING * cost:
                        moves.append((c - cost, i, step))
                        break
            if not moves:
                break
            moves.sort()
            for _, i, step in moves:
                tried.add((i, step))
                cfg = {**cur, keys[i]: step}
                if meets(cfg):
                    cur, cost = cfg, work(cfg)
                    break
                refused = True
            else:
                break
        # The groups whose width saves no DSP: down a bit at a time, together, while the budget holds.
        idle = [key for key in keys if work({**cur, key: cur[key] - 1}) == cost]
        for _ in range(h + 2):
            cfg = {**cur, **{key: cur[key] - 1 for key in idle}}
            if not idle or work(cfg) is None or work(cfg) > cost or not meets(cfg):
                break
            cur, cost = cfg, work(cfg)
        if cost < best[0]:
            best = (cost, cur)
        if not refused:  # every move was kept: more headroom cannot save more
            break
    return best[1], best[0]


def clear_formats(graph: GraphOp) -> None:
    for f in graph.fifos():
        f.format = None
    for k in graph.kernels():
        if isinstance(k, MapOp):
            k.const_formats = None
            for op in k.body.block.ops:
                for name in (FORMAT, DOMAIN):
                    op.attributes.pop(name, None)
        elif isinstance(k, MatVecOp):
            k.weight_format = None
            k.acc_format = None


def output_errors(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per output column: max |out - ref| / max |ref| (0 where both are 0)."""
    scale = np.max(np.abs(ref), axis=0)
    err = np.max(np.abs(out - ref), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, err / np.where(scale > 0, scale, 1), np.where(err > 0, np.inf, 0.0))


@dataclass
class Choice:
    """What dataflow-fixed-point chose and what it measured on the calibration inputs."""

    precision: str
    width: int | None
    weight_bits: int | None
    points: int
    margin: float
    worst_error: float  # max over outputs of max|fixed - float64| / max|float64|
    overflows: dict[str, int]
    contributors: list[Contribution] = field(default_factory=list)  # the largest error sites (auto)
    groups: dict[int, int] = field(default_factory=dict)  # auto: width -> how many width groups (`width_keys`) have it

    def describe(self) -> str:
        if self.width is None:
            head = f"uniform {self.precision}"
        elif len(self.groups) > 1:
            per = ", ".join(f"{n} at {w}" for w, n in sorted(self.groups.items()))
            head = (f"auto: {min(self.groups)}-{max(self.groups)}-bit streams and values (per stream group and map: "
                    f"{per}, from a uniform {self.width}), {self.weight_bits}-bit weights")  # fmt: skip
        else:
            w = min(self.groups, default=self.width)  # every group at one width, the uniform search's or below
            head = f"auto: {w}-bit streams and values, {self.weight_bits}-bit weights"
        over = sum(self.overflows.values())
        tops = "".join(f"; error site {c.describe()}" for c in self.contributors)
        return (f"{head}; ranges from {self.points} calibration inputs (margin x{self.margin:g}), accumulators "
                f"from sound bounds; worst output error {self.worst_error:.3g} of max|float64|; {over} overflows"
                f"{tops}")  # fmt: skip


def choose_formats(graph: GraphOp, precision: Fixed | str, x: np.ndarray, error: float = 1e-3,
                   overflow: str = "error", margin: float = 2.0) -> Choice:  # fmt: skip
    """Gives the graph fixed-point formats (`precision`: `auto` or a uniform Fixed) from calibration inputs x
    ([M, d]); returns the choice and its emulated error and overflows on x."""
    if overflow not in ("error", "saturate", "wrap"):
        raise CompileError(f"dataflow-fixed-point: overflow must be error, saturate or wrap, got '{overflow}'")
    if not 0 < error < 1:
        raise CompileError(f"dataflow-fixed-point: error must lie in (0, 1), got {error}")
    if margin < 1:
        raise CompileError(f"dataflow-fixed-point: margin must be at least 1, got {margin}")
    x = np.asarray(x, dtype=np.float64)
    ranges = record_ranges(graph, x)
    ref = ranges.output
    if isinstance(precision, Fixed):
        fmt = precision if overflow != "saturate" else Fixed(precision.width, precision.int_bits, precision.rounding, "sat")
        try:
            apply_formats(graph, ranges, fmt.width, fmt.width, margin, overflow, uniform=fmt)
        except TooNarrow:
            clear_formats(graph)
            raise CompileError(f"dataflow-fixed-point: {precision} needs exact accumulators of over 64 bits; use "
                               "a narrower format or auto") from None  # fmt: skip
        out, over = run_fixed(graph, x)
        choice = Choice(str(fmt), None, None, len(x), margin, float(np.max(output_errors(out, ref))), dict(over))
    else:
        rng = np.random.default_rng(0)
        sub = x if len(x) <= SEARCH_POINTS else x[np.sort(rng.choice(len(x), SEARCH_POINTS, replace=False))]
        sub_ref = ref if len(x) <= SEARCH_POINTS else None
        if sub_ref is None:
            sub_ref = record_ranges(graph, sub).output

        def meets(width: int, wbits: int, xs: np.ndarray, r: np.ndarray, safety: float) -> bool:
            try:
                apply_formats(graph, ranges, width, wbits, margin, overflow)
            except TooNarrow:
                return False
            out, _ = run_fixed(graph, xs)
            return bool(np.all(output_errors(out, r) <= error * safety))

        def widest(wbits: int) -> int:
            """The widest W whose exact accumulators fit 64 bits (wider ones raise TooNarrow)."""
            for width in range(MAX_WIDTH, 7, -1):
                try:
                    apply_formats(graph, ranges, width, wbits, margin, overflow)
                    return width
                except TooNarrow:
                    continue
            return 0

        best = None
        tops: dict[int, int] = {}
        for wbits in (WEIGHT_BITS, 27):
            lo, hi = 8, tops.setdefault(wbits, widest(wbits))
            if hi < lo or not meets(hi, wbits, sub, sub_ref, 0.5):
                continue
            while lo < hi:
                mid = (lo + hi) // 2
                if meets(mid, wbits, sub, sub_ref, 0.5):
                    hi = mid
                else:
                    lo = mid + 1
            best = (lo, wbits)
            break
        def refuse(width: int, wbits: int, worst: float, what: str):
            """The refusal, naming the site that limits the widest format (its error alone, the rest in float64)."""
            apply_formats(graph, ranges, width, wbits, margin, overflow)
            top = attribute_error(graph, *_spread(sub, sub_ref))[0]
            clear_formats(graph)
            unfit = "".join(f"; {b}-bit weights leave no width whose exact accumulators fit 64 bits"
                            for b, w in tops.items() if w < 8)  # fmt: skip
            alone = f"the largest error site is {top.describe()} alone"
            if top.error < worst / 4:  # no one site accounts for the worst error
                alone += (", far below the worst: no one site explains it (rounding that moves a value across a point "
                          "where a derivative jumps, as at relu, abs or leaky_relu, or errors that only add up)")  # fmt: skip
            raise CompileError(f"dataflow-fixed-point: no format of up to {MAX_WIDTH} bits keeps every output within "
                               f"{error:g} of its largest magnitude on {what} (worst {worst:.3g} at {width} bits, "
                               f"{wbits}-bit weights{unfit}); {alone}; use precision=float")  # fmt: skip

        if best is None:
            width, wbits = max(((w, b) for b, w in tops.items() if w >= 8), default=(0, 0))
            if not width:
                clear_formats(graph)  # (some value needs more than MAX_WIDTH integer bits)
                raise CompileError(f"dataflow-fixed-point: no format of up to {MAX_WIDTH} bits holds the values' "
                                   "integer bits and exact accumulators of at most 64 bits; use precision=float")
            apply_formats(graph, ranges, width, wbits, margin, overflow)
            out, _ = run_fixed(graph, sub)
            refuse(width, wbits, float(np.max(output_errors(out, sub_ref))), "the calibration inputs")
        width, wbits = best

        def meets_widths(widths: dict) -> bool:
            try:
                apply_formats(graph, ranges, width, wbits, margin, overflow, widths=widths)
            except TooNarrow:
                return False
            out, _ = run_fixed(graph, sub)
            return bool(np.all(output_errors(out, sub_ref) <= error * 0.5))

        widths, _ = _refine_widths(graph, ranges, width, wbits, margin, overflow, meets_widths)
        while True:  # the whole calibration set, the whole budget
            apply_formats(graph, ranges, width, wbits, margin, overflow, widths=widths)
            out, over = run_fixed(graph, x)
            worst = float(np.max(output_errors(out, ref)))
            if worst <= error:
                break
            if widths is not None:  # the per-group widths fall back to the uniform width
                widths = None
                continue
            if width >= tops[wbits]:
                refuse(width, wbits, worst, "all calibration inputs")
            width += 1
        top = attribute_error(graph, *_spread(sub, sub_ref))[:TOP_SITES]
        groups = Counter((widths or {}).get(key, width) for key in width_keys(graph))
        choice = Choice("auto", width, wbits, len(x), margin, worst, dict(over), top, dict(groups))
    if choice.overflows and overflow == "error":
        site, count = max(choice.overflows.items(), key=lambda kv: kv[1])
        total = sum(choice.overflows.values())
        clear_formats(graph)
        raise CompileError(f"dataflow-fixed-point: {total} values overflow their formats on the calibration inputs "
                           f"(most at {site}: {count}); widen the format, or pass overflow=saturate or overflow=wrap")  # fmt: skip
    graph.precision = StringAttr(choice.describe())
    return choice


__all__ = ["Choice", "Contribution", "Ranges", "apply_formats", "attribute_error", "calibration_grid", "choose_formats",
           "clear_formats", "dsp_work", "error_sites", "output_errors", "record_ranges", "run_fixed",
           "width_keys"]  # fmt: skip
