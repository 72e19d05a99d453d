"""HLS C++ from a `dataflow.graph`: one process function per kernel, the top function with its INTERFACE
pragmas and `#pragma HLS DATAFLOW`, one `hls::stream<T, DEPTH>` per FIFO (depth as in the dialect), weights and
other constants in a header.

Processes follow the schedules of their dataflow ops (`KernelSchedule`): the loop iterations at which they read
and write streams are those the cycle model uses, so C-simulation with bounded FIFOs sees the same access order.
A matvec's member streams are C++ arrays of streams (the library kernel indexes them), so the streams of one
matvec port share a type and thus a depth; `dataflow-fifo-depth` sizes them together.

Every pragma is printed in a form UG1399 documents, with literal arguments (`inrarch.targets.hls.pragmas` is that
grammar, with the source of each form; test_pragmas.py holds the printed designs and the kernel library to it).
Where a pragma's number depends on the kernel (a matvec's II and dependence distances), the pipelined loop is
printed in the kernel's process, around the library's `inrarch::matvec_iteration`, rather than left to the
library template, whose pragmas could only name its template constants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import Float64Type, MemRefType
from xdsl.ir import SSAValue
from xdsl.transforms.common_subexpression_elimination import cse
from xdsl.transforms.dead_code_elimination import region_dce

from inrarch import ops
from inrarch.targets.hls.facts import KernelFacts, Memory, fifo_impl, kernel_facts, memory
from inrarch.analysis.fixed import Fixed, col_formats, fifo_format
from inrarch.analysis.fixed_body import BodyFormats
from inrarch.analysis.fixed_body import cpp as fixed_cpp
from inrarch.analysis.fixed_body import table as fixed_table
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import (
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    StreamType,
    WriteOp,
    YieldOp,
)
from inrarch.dialects.inr import DerivativeOutput, derivative_output_count, derivative_outputs
from inrarch.evaluator import constant_value
from inrarch.ir_utils import dense_to_numpy, op_type_registrar



def c_identifier(text: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return ident if ident and not ident[0].isdigit() else f"_{ident}"


@dataclass
class PortArray:
    """The streams of one matvec port, declared as one C++ array."""

    name: str
    streams: list[SSAValue]


@dataclass
class Printed:
    source: str
    header: str
    constants: str
    top: str
    element: str
    samples: int
    in_cols: int
    out_cols: int
    processes: int
    fifos: int
    fixed: bool = False  # ap_fixed inside: C-simulation needs the ap_types headers
    columns: list[str] | None = None  # the name of each output column, when the design says (see output_comments)


def graph_outputs(graph: GraphOp) -> list[DerivativeOutput] | None:
    """The derivative each output column of `graph` holds, from its `#inr.derivative` attribute and shapes: every
    output of the layout for as many channels as the columns make. None when the graph does not say (no attribute,
    or the first K outputs of a layout, whose channel count the graph does not record)."""
    attr = graph.derivative
    in_type = graph.function_type.inputs.data[0]
    out_type = graph.function_type.inputs.data[-1]
    if attr is None or attr.first_value is not None or not isinstance(in_type, MemRefType):
        return None
    assert isinstance(out_type, MemRefType)
    dims, cols = in_type.get_shape()[1], out_type.get_shape()[1]
    per_channel = derivative_output_count(dims, 1, attr.order.data, attr.layout.data)
    if cols % per_channel:
        return None
    return derivative_outputs(dims, cols // per_channel, attr.order.data, attr.layout.data)


def _partial(o: DerivativeOutput) -> str:
    """`d^2 y0 / dx0 dx1`: the partial derivative a column holds, from its multi-index."""
    if not o.order:
        return f"y{o.channel}"
    parts = [f"dx{i}" + (f"^{a}" if a > 1 else "") for i, a in enumerate(o.index) if a]
    return f"d{'^' + str(o.order) if o.order > 1 else ''} y{o.channel} / {' '.join(parts)}"


def output_comments(outputs: list[DerivativeOutput | str], layout: str | None, scale: float | None,
                    scale_known: bool) -> list[str]:  # fmt: skip
    """Header comment lines naming every output column: its name (DerivativeOutput.name), the partial derivative it
    holds, and for the INSP layout's repeats the column that holds the same partial first."""
    width = max(len(o if isinstance(o, str) else o.name) for o in outputs)
    lines = ["// Output columns: out[sample * OUT_COLS + column] holds"]
    first: dict[tuple[int, tuple[int, ...]], int] = {}
    for c, o in enumerate(outputs):
        if isinstance(o, str):
            lines.append(f"//   {c:>{len(str(len(outputs) - 1))}}  {o}")
            continue
        key = (o.channel, o.index)
        again = f"  (the partial of column {first[key]} again)" if key in first else ""
        first.setdefault(key, c)
        lines.append(f"//   {c:>{len(str(len(outputs) - 1))}}  {o.name:<{width}}  {_partial(o)}{again}".rstrip())
    derivatives = [o for o in outputs if not isinstance(o, str)]
    if derivatives and any(o.order for o in derivatives):
        if scale_known:
            lines.append("// Order-k columns are unscaled." if scale is None else
                         f"// Order-k columns are multiplied by scale**k, scale = {scale!r}.")  # fmt: skip
        else:
            lines += ["// Order-k columns carry scale**k when the derivatives were taken with a scale",
                      "// (inr-autodiff{scale=s}; the graph does not record it)."]
    if len(first) < len(derivatives):
        lines += [f"// Layout {layout}: {len(derivatives)} columns hold {len(first)} distinct partial derivatives, each "
                  "once per", "// differentiation path; layout unique keeps one column per partial."]  # fmt: skip
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# The C++ of kernel ops outside the dataflow dialect, looked up by op type
# ---------------------------------------------------------------------------------------------------------------------
# `HlsPrinter.process` prints the dataflow dialect's kernels itself; for any other kernel op it calls the rule
# registered for the op's type (`@print_rule(OpType)`). A rule is written like the printer's own `_fork` or `_map`:
# it is given the printer (its helpers: `stream_params`, `facts_comment`, `pipelined_loop`, `tok`, `ref`, `scalar`,
# `from_stream` / `to_stream` in fixed point), the process name, the op and its hardware facts (`kernel_facts`), and
# returns (the process's C++ definition, its call arguments, the process name). The loop it prints runs as its facts
# say (II, iterations per sample, write lag), between INRARCH_PIPELINE(II, LAG) / INRARCH_ITERATION() /
# INRARCH_PIPELINE_END(), so that the timed C-simulation checks the code against the cycle model.

PrintRule = Callable[["HlsPrinter", str, KernelOp, KernelFacts], tuple[str, str, str]]
PRINT_RULES: dict[type[KernelOp], PrintRule] = {}


# `@print_rule(OpType)`: registers the decorated function as the C++ printer of `op_type`'s kernels.
print_rule = op_type_registrar(PRINT_RULES)


class HlsPrinter:
    """Prints `graph`. The header names the output columns: `outputs` (one entry per column, a DerivativeOutput or
    a name) when the caller knows them (`inrarch.compile`), else the graph's `#inr.derivative` attribute
    (graph_outputs); `scale` is the derivatives' scale when `scale_known` (the graph does not record it)."""

    def __init__(self, graph: GraphOp, top: str | None = None, outputs: list[DerivativeOutput | str] | None = None,
                 scale: float | None = None, scale_known: bool = False):  # fmt: skip
        self.graph = graph
        self.outputs = outputs if outputs is not None else graph_outputs(graph)
        self.scale, self.scale_known = scale, scale_known
        self.top = c_identifier(top or graph.sym_name.data)
        in_type = graph.function_type.inputs.data[0]
        out_type = graph.function_type.inputs.data[-1]
        assert isinstance(in_type, MemRefType) and isinstance(out_type, MemRefType)
        self.double = isinstance(in_type.element_type, Float64Type)
        self.scalar = "double" if self.double else "float"
        self.samples = graph.samples
        self.in_cols = in_type.get_shape()[1]
        self.out_cols = out_type.get_shape()[1]
        self.kernels = list(graph.kernels())
        self.fifos = list(graph.fifos())
        # Fixed-point designs: streams carry raw ap_int<W> elements, W the width of each stream's format.
        self.fixed = any(f.format is not None for f in self.fifos)
        if self.fixed and any(f.format is None for f in self.fifos):
            raise CompileError("hls printer: every stream of a fixed-point design must have a format", graph)
        self.names: dict[SSAValue, str] = {}
        self.arrays: dict[SSAValue, tuple[PortArray, int]] = {}
        self.port_arrays: list[PortArray] = []
        self.constants: list[str] = []
        self._assign_names()

    # -- names -------------------------------------------------------------------------------------------------------

    def _assign_names(self) -> None:
        used: set[str] = set()
        for i, fifo in enumerate(self.fifos):
            base = c_identifier(fifo.stream.name_hint or f"s{i}")
            name = base
            k = 1
            while name in used:
                name = f"{base}_{k}"
                k += 1
            used.add(name)
            self.names[fifo.stream] = name
        for k, kernel in enumerate(self.kernels):
            if isinstance(kernel, MatVecOp):
                for port, streams in (("in", kernel.inputs), ("out", kernel.outputs)):
                    array = PortArray(f"k{k}_{port}", list(streams))
                    for m, v in enumerate(streams):
                        if v in self.arrays:
                            raise CompileError(
                                f"hls printer: stream {self.names[v]} connects two matvec ports directly; run "
                                "dataflow-fuse, which puts a map between them", kernel)  # fmt: skip
                        self.arrays[v] = (array, m)
                    self.port_arrays.append(array)

    def fifo_names(self) -> dict[SSAValue, str]:
        """The C++ name of every FIFO (an element of a port array, or a stream variable)."""
        return {f.stream: self.ref(f.stream) for f in self.fifos}

    def ref(self, v: SSAValue) -> str:
        if v in self.arrays:
            array, m = self.arrays[v]
            return f"{array.name}[{m}]"
        return self.names[v]

    def scalar_of(self, v: SSAValue) -> str:
        """The C++ type of one element of stream v: its format's raw bits (fixed point), or the float type."""
        return f"ap_int<{v.owner.bits}>" if self.fixed else self.scalar

    def tok(self, v: SSAValue) -> str:
        return f"Tok<{self.scalar_of(v)}, {v.type.width}>"

    @staticmethod
    def fmt(v: SSAValue) -> str:
        """The C++ format of a fixed-point stream's values."""
        return fifo_format(v.owner).cpp()

    def from_stream(self, v: SSAValue, raw: str) -> str:
        """An element of stream v as a number of its format (fixed point), or as it is."""
        return f"inrarch::from_raw<{self.fmt(v)}>({raw})" if self.fixed else raw

    def to_stream(self, v: SSAValue, value: str, site: str) -> str:
        """A value as an element of stream v: rounded to its format, raw bits (fixed point)."""
        return f"inrarch::to_raw(inrarch::q<{self.fmt(v)}>({value}, \"{site}\"))" if self.fixed else value

    def fifo_impl(self, v: SSAValue) -> str:
        t = v.type
        return fifo_impl(v.owner.depth_value, t.width, v.owner.bits)

    def stream_type(self, v: SSAValue) -> str:
        return f"hls::stream<{self.tok(v)}, {v.owner.depth_value}>"

    def lit(self, value: float) -> str:
        if self.fixed:  # fixed-point constants are printed exactly (the values of their formats)
            return repr(float(value))
        if np.isnan(value):
            return "std::numeric_limits<double>::quiet_NaN()" if self.double else "NAN"
        if np.isinf(value):
            return ("-" if value < 0 else "") + ("HUGE_VAL" if self.double else "HUGE_VALF")
        if self.double:
            return repr(float(value))
        text = f"{np.float32(value).item():.9g}"
        if "e" not in text and "." not in text:
            text += ".0"
        return text + "f"

    @staticmethod
    def _int(v: float) -> str:
        return f"{int(v)}LL" if abs(v) >= 2**31 else str(int(v))

    def const_macro(self, name: str, values: np.ndarray, fmt: Fixed | None = None) -> str:
        """The initializer of a constant array, as a macro of the constants header; returns the macro's name. The
        array itself is defined by the process that uses it, where its partitioning is declared. With a
        fixed-point format: the values' raw integers (`inrarch::Raw` arrays, read with `inrarch::from_int`)."""
        macro = name.upper() + "_INIT"
        if fmt is not None:
            raw = np.ldexp(fmt.quantize(np.asarray(values, dtype=np.float64))[0], fmt.frac).reshape(-1)
            flat = ", ".join(self._int(v) for v in raw)
        else:
            flat = ", ".join(self.lit(v) for v in np.asarray(values).reshape(-1))
        self.constants.append(f"#define {macro} {{{flat}}}")
        return macro

    # -- kernels -----------------------------------------------------------------------------------------------------

    def process(self, k: int, kernel: KernelOp) -> tuple[str, str, str]:
        """(function definition, call arguments, process name) of kernel #k."""
        name = f"k{k}_{kernel.name.split('.')[1]}"
        facts = kernel_facts(kernel)
        match kernel:
            case ReadOp():
                return self._read(name, kernel, facts)
            case WriteOp():
                return self._write(name, kernel, facts)
            case ForkOp():
                return self._fork(name, kernel, facts)
            case MapOp():
                return self._map(name, kernel, facts)
            case MatVecOp():
                return self._matvec(name, k, kernel, facts)
            case ShuffleOp():
                return self._shuffle(name, kernel, facts)
        rule = PRINT_RULES.get(type(kernel))
        if rule is not None:
            return rule(self, name, kernel, facts)
        op_type = type(kernel).__name__
        raise CompileError(f"the HLS printer cannot print {kernel.name}: register its C++ with @print_rule({op_type}) "
                           "(inrarch.targets.hls.printer)", kernel)  # fmt: skip

    def stream_params(self, values, direction: str) -> list[str]:
        """The parameters of a process for streams `values`: `hls::stream<Tok<T, W>>& in0`, ..."""
        return [f"hls::stream<{self.tok(v)}>& {direction}{i}" for i, v in enumerate(values)]

    @staticmethod
    def facts_comment(facts: KernelFacts) -> list[str]:
        """The comment lines that open a process: its II and what bounds it, depth, iterations and resources."""
        ops = ", ".join(f"{n} {name.split('.')[1]}" for name, n in facts.operators.items() if n)
        return [f"  // II {facts.ii}: {facts.ii_bound}.",
                f"  // Pipeline depth {facts.depth} cycles; {facts.steps} iterations per sample; "
                f"{facts.dsp} DSP, {facts.bram18} BRAM18 (modeled){'; operators: ' + ops if ops else ''}."]  # fmt: skip

    def _storage(self, var: str, mem: Memory, partition_dims: list[int], reshape_dims: tuple[int, ...] = ()) -> list[str]:
        """Partitions `var` into its banks (the dimensions that index banks, completely), reshapes the dimensions
        read together into a bank's word (`reshape_dims`: those elements side by side in one wider word), and binds
        its storage."""
        # Partitions first: a complete partition of the last dimensions leaves the earlier ones numbered as declared
        # whichever way Vitis numbers the dimensions of an array already transformed.
        lines = [f"#pragma HLS ARRAY_PARTITION variable = {var} type = complete dim = {d}" for d in partition_dims]
        lines += [f"#pragma HLS ARRAY_RESHAPE variable = {var} type = complete dim = {d}" for d in reshape_dims]
        if mem.kind != "registers":
            kind = "rom_1p" if mem.kind == "rom" else "ram_s2p"
            lines.append(f"#pragma HLS BIND_STORAGE variable = {var} type = {kind} impl = {mem.impl} "
                         f"latency = {mem.read_latency}")  # fmt: skip
        return lines

    def _allocations(self, facts: KernelFacts) -> list[str]:
        """ALLOCATION limits for the operators a loop shares over its II (none at II 1); fixed-point multiplies
        of every width under one limit (Vitis names them all `mul`)."""
        if facts.ii == 1:
            return []
        limits: dict[str, int] = {}
        for op_name, count in facts.operators.items():
            target = self._allocation(op_name)
            if target is not None:
                limits[target] = limits.get(target, 0) + count
        return [f"#pragma HLS ALLOCATION {target} limit = {count}" for target, count in limits.items()]

    def pipelined_loop(self, ii: int, lag: int, trip: str, indent: str = "  ",
                       pragmas: tuple[str, ...] = ()) -> list[str]:  # fmt: skip
        """The head of a pipelined loop: its pragmas (PIPELINE, then `pragmas`) with literal arguments."""
        return [f"{indent}INRARCH_PIPELINE({ii}, {lag});",
                f"{indent}for (long g = 0; g < {trip}; ++g) {{",
                f"#pragma HLS PIPELINE II = {ii} style = stp",
                *pragmas,
                f"{indent}  INRARCH_ITERATION();"]  # fmt: skip

    def _read(self, name: str, op: ReadOp, facts: KernelFacts):
        t = op.output_types()[0]
        conv = f"inrarch::FromReal<{self.fmt(op.output)}>" if self.fixed else f"inrarch::Same<{self.scalar}>"
        body = "\n".join([
            f"static void {name}(const {self.scalar}* in, hls::stream<{self.tok(op.output)}>& out0) {{",
            *self.facts_comment(facts),
            f"  inrarch::read_rows<{self.scalar}, {conv}, {self.in_cols}, {t.width}, {facts.write_lag}>(in, out0, SAMPLES);",
            "}"])  # fmt: skip
        return body, f"in, {self.ref(op.output)}", name

    def _write(self, name: str, op: WriteOp, facts: KernelFacts):
        types = op.input_types()
        total = sum(t.elements for t in types)
        lines = [f"static void {name}({', '.join(self.stream_params(op.inputs, 'in'))}, {self.scalar}* out) {{",
                 *self.facts_comment(facts),
                 f"  constexpr int E = {total};  // elements per sample, one per iteration"]  # fmt: skip
        for i, t in enumerate(types):
            if t.width > 1:
                lines += [f"  {self.scalar_of(op.inputs[i])} h{i}[{t.width}];  // the current token of in{i}, shifted out",
                          f"#pragma HLS ARRAY_PARTITION variable = h{i} type = complete",
                          f"  int e{i} = 0;"]  # fmt: skip
        lines.append("  int o = 0;  // element of the sample")
        lines += self.pipelined_loop(1, facts.write_lag, "static_cast<long>(SAMPLES) * E")
        lines.append(f"    {self.scalar} v;")
        end = 0
        for i, t in enumerate(types):
            end += t.elements
            cond = "if" if i == 0 else "} else if"
            lines.append(f"    {cond} (o < {end}) {{")
            real = (lambda e, i=i: f"inrarch::to_real<{self.scalar}, {self.fmt(op.inputs[i])}>({e})") if self.fixed \
                else (lambda e: e)  # fmt: skip
            if t.width == 1:
                lines.append(f"      v = {real(f'in{i}.read().v[0]')};")
            else:
                lines += [f"      if (e{i} == 0) {{",
                          f"        const {self.tok(op.inputs[i])} t = in{i}.read();",
                          f"        for (int k = 0; k < {t.width}; ++k) h{i}[k] = t.v[k];",
                          "      }",
                          f"      v = {real(f'h{i}[0]')};",
                          f"      for (int k = 0; k + 1 < {t.width}; ++k) h{i}[k] = h{i}[k + 1];",
                          f"      e{i} = e{i} == {t.width - 1} ? 0 : e{i} + 1;"]  # fmt: skip
        lines += ["    }", "    out[g] = v;", "    o = o == E - 1 ? 0 : o + 1;", "  }", "  INRARCH_PIPELINE_END();", "}"]
        args = ", ".join(self.ref(v) for v in op.inputs) + ", out"
        return "\n".join(lines), args, name

    def _fork(self, name: str, op: ForkOp, facts: KernelFacts):
        t = op.input_types()[0]
        params = [f"hls::stream<{self.tok(op.input)}>& in0"] + self.stream_params(op.outputs, "out")
        outs = ", ".join(f"out{i}" for i in range(len(op.outputs)))
        body = "\n".join([f"static void {name}({', '.join(params)}) {{",
                          *self.facts_comment(facts),
                          f"  inrarch::fork<{facts.write_lag}>(static_cast<long>(SAMPLES) * {t.count}, in0, {outs});",
                          "}"])  # fmt: skip
        args = ", ".join(self.ref(v) for v in [op.input, *op.outputs])
        return body, args, name

    def _call(self, name: str, args: list[str]) -> str:
        """The C++ of op `name` on the operand expressions: its registry entry's spelling (inrarch.ops)."""
        entry = ops.info(name)
        if entry is None or not entry.cpp:
            raise CompileError(f"the HLS printer has no C++ for {name}")
        if entry.function:
            return f"{self._function(entry.function)}({', '.join(args)})"
        return entry.cpp.format(*args)

    def _function(self, function: str) -> str:
        return f"inrarch_{function}_{'f64' if self.double else 'f32'}"

    def _allocation(self, name: str) -> str | None:
        """What an ALLOCATION pragma limits for operator `name` (its registry entry): `operation instances = <op>`
        or `function instances = <function>`. The word `function` / `operation` comes first: UG1399 (pragma HLS
        allocation: "The <type> as operation or function must follow the allocation keyword"), and Vitis's front
        end reads that word right after ALLOCATION and ignores the pragma with a warning otherwise (hls-llvm-project,
        clang/lib/Parse/ParseXlxPragma.cpp, HandleAllocationPragma); `type = ...` is the Tcl / config-file form."""
        if name.startswith("fx.mul."):
            return "operation instances = mul"
        entry = ops.info(name)
        if entry is not None and entry.allocation:
            return f"operation instances = {('d' if self.double else 'f') + entry.allocation}"
        if entry is not None and entry.function:
            return f"function instances = {self._function(entry.function)}"
        return None

    def _lane_code(self, op: MapOp, lines: list[str]) -> list[str]:
        """C++ statements for one lane (inputs x0.., column constants c0..): one per op of the map body, in block
        order, on a CSE'd copy of the body (equal work printed once, unused ops dropped); constants are literals
        and a comparison is printed inside the select it feeds. Returns the yielded values."""
        body = op.body.clone()
        cse(body)
        region_dce(body)
        block = body.block
        values: dict[SSAValue, str] = {}
        conds: dict[SSAValue, tuple[str, str, str]] = {}
        n_in = len(op.inputs)
        for i, arg in enumerate(block.args):
            values[arg] = f"x{i}" if i < n_in else f"c{i - n_in}"
        for n, body_op in enumerate(block.ops):
            if isinstance(body_op, YieldOp):
                return [values[v] for v in body_op.values]
            if isinstance(body_op, arith.ConstantOp):
                values[body_op.result] = self.lit(float(constant_value(body_op.value, body_op.result.type)))
                continue
            if isinstance(body_op, arith.CmpfOp):
                conds[body_op.result] = (ops.PREDICATES[body_op.predicate.value.data], values[body_op.lhs],
                                         values[body_op.rhs])  # fmt: skip
                continue
            if isinstance(body_op, arith.SelectOp):
                if body_op.cond not in conds:
                    raise CompileError("the HLS printer selects only on an arith.cmpf of the same map body", body_op)
                pred, p, q = conds[body_op.cond]
                expr = f"({p} {ops.COMPARISONS[pred][1]} {q}) ? {values[body_op.lhs]} : {values[body_op.rhs]}"
            else:
                expr = self._call(body_op.name, [values[v] for v in body_op.operands])
            values[body_op.results[0]] = f"v{n}"
            lines.append(f"      const {self.scalar} v{n} = {expr};")
        raise CompileError("map body without dataflow.yield", op)

    def _lane_code_fixed(self, name: str, op: MapOp, lines: list[str], head: list[str]) -> list[str]:
        """Fixed-point lane code: one statement per body op, its exact result rounded to the op's format
        (`inrarch::q`, which counts overflows in C-simulation); function tables defined in `head`, one copy per
        lane. Returns the yielded values."""
        block = op.body.block
        formats = BodyFormats(op)
        values: dict[SSAValue, str] = {}
        n_in = len(op.inputs)
        for i, arg in enumerate(block.args):
            values[arg] = f"x{i}" if i < n_in else f"c{i - n_in}"
        tables: dict = {}
        lanes = op.lanes_value
        for n, body_op in enumerate(block.ops):
            if isinstance(body_op, YieldOp):
                return [values[v] for v in body_op.values]
            site = f"{name}:v{n}"
            if isinstance(body_op, arith.ConstantOp):
                f = formats.result(body_op)
                value = float(f.quantize(np.asarray(constant_value(body_op.value, body_op.result.type)))[0])
                lines.append(f"      const {f.cpp()} v{n} = {value!r};")
            elif isinstance(body_op, arith.CmpfOp):
                lines.append(f"      const bool v{n} = {fixed_cpp(body_op, [values[v] for v in body_op.operands], formats, tables)};")
            else:
                f = formats.result(body_op)
                if body_op.name.startswith("math.") and ops.info(body_op.name).fixed == "table":
                    t = fixed_table(body_op, formats)
                    var = f"{name}_v{n}_tab"
                    tables[body_op] = f"{var}[p]"
                    coefs = t.raw_coefficients()
                    rows = ", ".join("{" + ", ".join(self._int(c) for c in row) + "}"
                                     for row in zip(*coefs, strict=True))  # fmt: skip
                    self.constants.append(f"#define {var.upper()}_INIT {{{rows}}}")
                    copies = ", ".join([f"{var.upper()}_INIT"] * lanes)
                    # The coefficients side by side: one memory of (E + S + Q)-bit words, one read per lookup.
                    entry = ", ".join(str(b) for b in (t.entry.width, *t.coef_bits))
                    head.append(f"  static const inrarch::TabEntry<{entry}> {var}[{lanes}][{t.n}] = {{{copies}}};")
                    head.append(f"#pragma HLS AGGREGATE variable = {var} compact = bit")
                    head += self._storage(var, memory(var, "rom", lanes, t.n, t.word_bits), [1])
                expr = fixed_cpp(body_op, [values[v] for v in body_op.operands], formats, tables)
                lines.append(f"      const {f.cpp()} v{n} = inrarch::q<{f.cpp()}>({expr}, \"{site}\");")
            values[body_op.results[0]] = f"v{n}"
        raise CompileError("map body without dataflow.yield", op)

    def _map(self, name: str, op: MapOp, facts: KernelFacts):
        t = op.stream
        prm = facts.params
        w, lanes, groups, steps = t.width, prm["P"], prm["Q"], prm["STEPS"]
        n_in, n_out = len(op.inputs), len(op.outputs)
        params = self.stream_params(op.inputs, "in") + self.stream_params(op.outputs, "out")
        lines = [f"static void {name}({', '.join(params)}) {{",
                 *self.facts_comment(facts),
                 f"  constexpr int W = {w};  // features per token",
                 f"  constexpr int P = {lanes};  // lanes: elements per iteration",
                 f"  constexpr int STEPS = {steps};  // iterations per sample"]  # fmt: skip
        col_fmts = col_formats(op) if self.fixed else [None] * len(op.const_rows)
        for i, (c, mem, f) in enumerate(zip(op.const_rows, facts.memories, col_fmts, strict=True)):
            table = self.const_macro(f"{name}_col{i}", dense_to_numpy(c).reshape(steps, lanes), f)
            ctype = f"inrarch::Raw<{f.width}>::T" if f else self.scalar
            lines.append(f"  static const {ctype} col{i}[STEPS][P] = {table};")
            lines += self._storage(f"col{i}", mem, [2])
        lines += self._allocations(facts)
        table_lines: list[str] = []
        lines.append("  // (function tables)")
        tables_at = len(lines) - 1
        for prefix, streams in (("a", op.inputs), ("r", op.outputs)):
            for j, v in enumerate(streams):
                lines += [f"  {self.scalar_of(v)} {prefix}{j}[W];",
                          f"#pragma HLS ARRAY_PARTITION variable = {prefix}{j} type = complete"]  # fmt: skip
        if groups > 1:
            lines.append("  int q = 0;  // element group of the token")
        if op.const_rows:
            lines.append("  int c = 0;  // element group of the sample")
        lines += self.pipelined_loop(facts.ii, facts.write_lag, "static_cast<long>(SAMPLES) * STEPS")
        read_cond = "q == 0" if groups > 1 else "true"
        if n_in:
            lines.append(f"    if ({read_cond}) {{" if groups > 1 else "    {")
            for i in range(n_in):
                lines += [f"      const {self.tok(op.inputs[i])} t{i} = in{i}.read();",
                          f"      for (int e = 0; e < W; ++e) a{i}[e] = t{i}.v[e];"]  # fmt: skip
            lines.append("    }")
        lines += [f"    {self.scalar_of(v)} y{j}[P];" for j, v in enumerate(op.outputs)]
        lines += ["    for (int p = 0; p < P; ++p) {", "#pragma HLS UNROLL"]
        if self.fixed:
            lines += [f"      const {self.fmt(v)} x{i} = {self.from_stream(v, f'a{i}[p]')};" for i, v in enumerate(op.inputs)]
            lines += [f"      const {f.cpp()} c{i} = inrarch::from_int<{f.cpp()}>(col{i}[c][p]);"
                      for i, f in enumerate(col_fmts)]  # fmt: skip
            outs = self._lane_code_fixed(name, op, lines, table_lines)
            outs = [self.to_stream(v, o, f"{name}:out{j}") for j, (v, o) in enumerate(zip(op.outputs, outs, strict=True))]
        else:
            lines += [f"      const {self.scalar} x{i} = a{i}[p];" for i in range(n_in)]
            lines += [f"      const {self.scalar} c{i} = col{i}[c][p];" for i in range(len(op.const_rows))]
            outs = self._lane_code(op, lines)
        lines += [f"      y{j}[p] = {o};" for j, o in enumerate(outs)]
        lines.append("    }")
        lines[tables_at : tables_at + 1] = table_lines
        if groups > 1:
            lines.append("    for (int e = 0; e + P < W; ++e) {")
            lines += [f"      a{i}[e] = a{i}[e + P];" for i in range(n_in)]
            lines += [f"      r{j}[e] = r{j}[e + P];" for j in range(n_out)]
            lines.append("    }")
        lines += [f"    for (int p = 0; p < P; ++p) r{j}[W - P + p] = y{j}[p];" for j in range(n_out)]
        lines.append(f"    if ({'q == ' + str(groups - 1) if groups > 1 else 'true'}) {{")
        for j in range(n_out):
            lines += [f"      {self.tok(op.outputs[j])} t;",
                      f"      for (int e = 0; e < W; ++e) t.v[e] = r{j}[e];",
                      f"      out{j}.write(t);"] if n_out == 1 else [
                      "      {",
                      f"        {self.tok(op.outputs[j])} t;",
                      f"        for (int e = 0; e < W; ++e) t.v[e] = r{j}[e];",
                      f"        out{j}.write(t);",
                      "      }"]  # fmt: skip
        lines.append("    }")
        if groups > 1:
            lines.append(f"    q = q == {groups - 1} ? 0 : q + 1;")
        if op.const_rows:
            lines.append("    c = c == STEPS - 1 ? 0 : c + 1;")
        lines += ["  }", "  INRARCH_PIPELINE_END();", "}"]
        args = ", ".join(self.ref(v) for v in [*op.inputs, *op.outputs])
        return "\n".join(lines), args, name

    def _matvec(self, name: str, k: int, op: MatVecOp, facts: KernelFacts):
        prm = facts.params
        rows, cols = op.shape
        rb, cb, pi, po, nb, lb, lw, g = prm["RB"], prm["CB"], prm["PI"], prm["PO"], prm["NB"], prm["LB"], prm["L"], prm["G"]
        weights = np.zeros((rows, cb * po))
        weights[:, :cols] = dense_to_numpy(op.weights)
        blocked = weights.reshape(rb, pi, cb, po).transpose(0, 2, 1, 3).reshape(rb * cb, pi, po)
        bias = np.zeros(cb * po)
        if op.bias is not None:
            bias[:cols] = dense_to_numpy(op.bias)
        mems = {m.name: m for m in facts.memories}
        wf = accf = None
        if self.fixed:
            wf, accf = Fixed.of(op.weight_format), Fixed.of(op.acc_format)
            numbers = (f"inrarch::FixedMac<{self.fmt(op.inputs[0])}, {wf.cpp()}, {accf.cpp()}, "
                       f"{self.fmt(op.outputs[0])}>")  # fmt: skip
            tw, tb, tacc = f"inrarch::Raw<{wf.width}>::T", f"inrarch::Raw<{accf.width}>::T", accf.cpp()
        else:
            numbers = f"inrarch::FloatMac<{self.scalar}>"
            tw = tb = tacc = self.scalar
        w_init = self.const_macro(f"{name}_W", blocked, wf)
        b_init = self.const_macro(f"{name}_bias", bias.reshape(cb, po), accf)
        on = ", ".join("true" if b else "false" for b in op.bias_members())
        din = op.inputs[0].owner.depth_value
        dout = op.outputs[0].owner.depth_value
        ins, outs = op.input_types(), op.output_types()
        cfg = f"{name}_cfg"
        constants = ["G", "ROWS", "COLS", "VIN", "VOUT", "PI", "PO", "II", "CB", "RB", "STEPS", "OUT_START", "TAIL",
                     "NB", "L", "LB", "LAG"]  # fmt: skip
        params = (f"hls::stream<{self.tok(op.inputs[0])}, {din}> (&in)[{g}], "
                  f"hls::stream<{self.tok(op.outputs[0])}, {dout}> (&out)[{g}]")  # fmt: skip
        acc_mem = mems.get("acc", Memory("acc", "ram", "lutram", po, g * cb, 32))
        # The loop's dependence distances (the library checks them against C): an accumulator's revisit, and the
        # least distance from a row-buffer write to its read.
        acc_dist = g * cb
        row_dist = prm["OUT_START"] - rb * g * cb + 1
        slices = prm["VIN"] // pi
        body = "\n".join([
            f"struct {cfg} : {numbers} {{  // from the kernel's hardware facts",
            *(f"  static constexpr int {c} = {prm[c]};" for c in constants),
            f"  static constexpr int DIN = {din};",
            f"  static constexpr int DOUT = {dout};",
            f"  static constexpr int ACC_DIST = {acc_dist};",
            f"  static constexpr int ROW_DIST = {row_dist};",
            f'  static const char* site() {{ return "{name}"; }}',
            "};",
            f"static void {name}({params}) {{",
            f"  // {g} member(s) x {rows}x{cols} weights, {pi} x {po} multiply-add lanes.",
            *self.facts_comment(facts),
            f"  static const {tw} W[{rb * cb}][{pi}][{po}] = {w_init};",
            *self._storage("W", mems["W"], [3], reshape_dims=(2,)),
            f"  static const {tb} bias[{cb}][{po}] = {b_init};",
            *self._storage("bias", mems["bias"], [2]),
            f"  static const bool bias_on[{g}] = {{{on}}};",
            f"  {tacc} acc[{g * cb}][{po}];",
            *self._storage("acc", acc_mem, [2]),
            f"  {self.scalar_of(op.outputs[0])} rows[{nb * g * lb}][{lw}];",
            *self._storage("rows", mems["rows"], [2]),
            *self._allocations(facts),
            f"  {cfg}::TX x[{g * slices}][{pi}] = {{}};  // the members' current input tokens, {pi}-feature slices",
            "#pragma HLS ARRAY_PARTITION variable = x type = complete dim = 0",
            f"  inrarch::MatvecState<{cfg}> st;",
            # The loop is printed here, not in the library template, so that its pragmas carry literals.
            *self.pipelined_loop(prm["II"], prm["LAG"], f"static_cast<long>(SAMPLES) * {prm['STEPS']} + {prm['TAIL']}",
                                 pragmas=(
                f"#pragma HLS DEPENDENCE variable = acc type = inter dependent = true distance = {acc_dist}",
                f"#pragma HLS DEPENDENCE variable = rows type = inter dependent = true distance = {row_dist}",
                "#pragma HLS DEPENDENCE variable = rows type = intra dependent = false")),
            f"    inrarch::matvec_iteration<{cfg}>(st, x, in, out, W, bias, bias_on, acc, rows, SAMPLES);",
            "  }",
            "  INRARCH_PIPELINE_END();",
            "}",
        ])  # fmt: skip
        return body, f"k{k}_in, k{k}_out", name

    def _shuffle(self, name: str, op: ShuffleOp, facts: KernelFacts):
        ins, outs = op.input_types(), op.output_types()
        prm = facts.params
        n_in = sum(t.elements for t in ins)
        select = op.selection()
        fill = op.fill_values() or [0.0] * len(select)
        params = self.stream_params(op.inputs, "in") + self.stream_params(op.outputs, "out")
        buffer = self.scalar
        if self.fixed:  # a format that holds every input's values exactly
            int_bits = max(fifo_format(v.owner).int_bits for v in op.inputs)
            frac = max(fifo_format(v.owner).frac for v in op.inputs)
            buffer = f"ap_fixed<{int_bits + frac}, {int_bits}>"
        out_values = [v for v, t in zip(op.outputs, outs, strict=True) for _ in range(t.elements)]
        lines = [f"static void {name}({', '.join(params)}) {{",
                 *self.facts_comment(facts),
                 f"  constexpr int STEPS = {prm['STEPS']};  // iterations per sample",
                 f"  constexpr int NB = {prm['NB']};  // sample buffers",
                 f"  {buffer} buf[NB][{n_in}];",
                 "#pragma HLS ARRAY_PARTITION variable = buf type = complete dim = 0",
                 "  int s = 0, o = 0, nb = 0, pos = 0;  // input side: sample, iteration, buffer, element",
                 f"  int wait = {prm['OUT_START']};  // iterations before the first output token",
                 "  int ws = 0, wo = 0, wnb = 0;  // output side: sample, iteration (= output token), buffer"]  # fmt: skip
        lines += self.pipelined_loop(1, facts.write_lag, f"static_cast<long>(SAMPLES) * STEPS + {prm['TAIL']}")
        end = 0
        lines.append("    if (s < SAMPLES) {")
        for i, t in enumerate(ins):
            end += t.count
            cond = "if" if i == 0 else "} else if"
            lines += [f"      {cond} (o < {end}) {{",
                      f"        const {self.tok(op.inputs[i])} t = in{i}.read();",
                      f"        for (int e = 0; e < {t.width}; ++e) buf[nb][pos + e] = {self.from_stream(op.inputs[i], 't.v[e]')};",
                      f"        pos += {t.width};"]  # fmt: skip
        lines += ["      }",
                  "    }",
                  "    if (wait > 0) {",
                  "      --wait;",
                  "    } else {",
                  "      if (ws < SAMPLES) {",
                  "        switch (wo) {"]  # fmt: skip
        token = elem = 0
        for j, t in enumerate(outs):
            for _ in range(t.count):
                lines += [f"          case {token}: {{", f"            {self.tok(op.outputs[j])} t;"]
                for e in range(t.width):
                    src = select[elem + e]
                    value = f"buf[wnb][{src}]" if src >= 0 else self.lit(fill[elem + e])
                    if self.fixed:
                        value = self.to_stream(out_values[elem + e], value, f"{name}:out{j}")
                    lines.append(f"            t.v[{e}] = {value};")
                lines += [f"            out{j}.write(t);", "            break;", "          }"]
                token += 1
                elem += t.width
        lines += ["          default:",
                  "            break;",
                  "        }",
                  "      }",
                  "      if (wo == STEPS - 1) {",
                  "        wo = 0;",
                  "        ++ws;",
                  "        wnb = wnb == NB - 1 ? 0 : wnb + 1;",
                  "      } else {",
                  "        ++wo;",
                  "      }",
                  "    }",
                  "    if (o == STEPS - 1) {",
                  "      o = pos = 0;",
                  "      ++s;",
                  "      nb = nb == NB - 1 ? 0 : nb + 1;",
                  "    } else {",
                  "      ++o;",
                  "    }",
                  "  }",
                  "  INRARCH_PIPELINE_END();",
                  "}"]  # fmt: skip
        args = ", ".join(self.ref(v) for v in [*op.inputs, *op.outputs])
        return "\n".join(lines), args, name

    # -- files -------------------------------------------------------------------------------------------------------

    def print(self) -> Printed:
        processes = [self.process(k, kernel) for k, kernel in enumerate(self.kernels)]
        ident = self.top
        attrs = self.graph.attributes
        interval = attrs.get("interval")
        cycles = attrs.get("modeled_cycles")
        summary = [f"// {ident}: generated by inrarch from dataflow.graph @{self.graph.sym_name.data}.",
                   f"// {len(self.kernels)} processes, {len(self.fifos)} FIFOs, {self.samples} samples per call,",
                   f"// input {self.samples}x{self.in_cols}, output {self.samples}x{self.out_cols} ({self.scalar})."]  # fmt: skip
        if interval is not None and cycles is not None:
            summary.append(f"// Modeled (inrarch cycle model, not measured): {cycles.value.data} cycles per call, "
                           f"interval {interval.value.data} cycles per sample.")  # fmt: skip
        src = [*summary,
               "#include <hls_math.h>",
               "#include <hls_stream.h>",
               "",
               f'#include "{ident}.h"',
               f'#include "{ident}_constants.h"',
               '#include "inrarch/dataflow.h"',
               '#include "inrarch/kernels.h"',
               *(['#include "inrarch/fixed.h"'] if self.fixed else []),
               "",
               "using inrarch::Tok;",
               "",
               "namespace {",
               ""]  # fmt: skip
        for body, _, _ in processes:
            src += [body, ""]
        src += ["}  // namespace", "",
                f'extern "C" void {ident}(const {self.scalar}* in, {self.scalar}* out) {{',
                f"#pragma HLS INTERFACE mode = m_axi port = in offset = slave bundle = gmem0 depth = {self.samples * self.in_cols}",
                f"#pragma HLS INTERFACE mode = m_axi port = out offset = slave bundle = gmem1 depth = {self.samples * self.out_cols}",
                "#pragma HLS INTERFACE mode = s_axilite port = in",
                "#pragma HLS INTERFACE mode = s_axilite port = out",
                "#pragma HLS INTERFACE mode = s_axilite port = return",
                "#pragma HLS DATAFLOW"]  # fmt: skip
        for array in self.port_arrays:
            first = array.streams[0]
            src.append(f"  {self.stream_type(first)} {array.name}[{len(array.streams)}];")
            src.append(f"#pragma HLS STREAM variable = {array.name} depth = {first.owner.depth_value}")
            src.append(f"#pragma HLS BIND_STORAGE variable = {array.name} type = fifo impl = {self.fifo_impl(first)}")
            src.append(f'  INRARCH_NAME_STREAMS({array.name}, "{array.name}");')
        for fifo in self.fifos:
            if fifo.stream in self.arrays:
                continue
            name = self.names[fifo.stream]
            src.append(f'  {self.stream_type(fifo.stream)} {name}("{name}");')
            src.append(f"#pragma HLS STREAM variable = {name} depth = {fifo.depth_value}")
            src.append(f"#pragma HLS BIND_STORAGE variable = {name} type = fifo impl = {self.fifo_impl(fifo.stream)}")
        for _, args, pname in processes:
            src.append(f'  INRARCH_PROCESS("{pname}", {pname}({args}));')
        src += ["  INRARCH_DATAFLOW_RUN();", "}", ""]
        columns: list[str] = []
        if self.outputs is not None and len(self.outputs) == self.out_cols:
            layout = self.graph.derivative.layout.data if self.graph.derivative is not None else None
            columns = output_comments(self.outputs, layout, self.scale, self.scale_known)
        header = "\n".join([
            f"// {ident}: the top function of an inrarch design.",
            f"#ifndef {ident.upper()}_H",
            f"#define {ident.upper()}_H",
            "",
            f"constexpr int SAMPLES = {self.samples};  // samples per call",
            f"constexpr int IN_COLS = {self.in_cols};  // input coordinates per sample",
            f"constexpr int OUT_COLS = {self.out_cols};  // outputs per sample",
            *columns,
            f"typedef {self.scalar} {ident}_t;",
            *([f"#define INRARCH_FIXED 1  // fixed point inside: {self.graph.precision.data if self.graph.precision else ''}"]
              if self.fixed else []),  # fmt: skip
            "",
            f'extern "C" void {ident}(const {self.scalar}* in, {self.scalar}* out);',
            "",
            "#endif",
            "",
        ])  # fmt: skip
        constants = "\n".join([f"// Constants of {ident}: initializers of the weights, biases and column constants that",
                               "// its processes define (and partition) where they use them.",
                               f"#ifndef {ident.upper()}_CONSTANTS_H", f"#define {ident.upper()}_CONSTANTS_H",
                               "#include <cmath>", "#include <limits>", "", *self.constants, "", "#endif", ""])  # fmt: skip
        return Printed("\n".join(src), header, constants, ident, self.scalar, self.samples, self.in_cols,
                       self.out_cols, len(self.kernels), len(self.fifos), self.fixed,
                       [o if isinstance(o, str) else o.name for o in self.outputs] if columns else None)  # fmt: skip


def find_graph(module) -> GraphOp:
    graphs = [op for op in module.walk() if isinstance(op, GraphOp)]
    if not graphs:
        raise CompileError("the HLS printer needs a dataflow.graph (run --dataflow-lower first)")
    if len(graphs) > 1:
        raise CompileError("the HLS printer prints one dataflow.graph per module, found several")
    return graphs[0]
