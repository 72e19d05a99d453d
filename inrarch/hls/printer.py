"""HLS C++ from a `dataflow.graph`: one process function per kernel, the top function with its INTERFACE
pragmas and `#pragma HLS DATAFLOW`, one `hls::stream<T, DEPTH>` per FIFO (depth as in the dialect), weights and
other constants in a header.

Processes follow the schedules of their dataflow ops (`KernelSchedule`): the loop iterations at which they read
and write streams are those the cycle model uses, so C-simulation with bounded FIFOs sees the same access order.
A matvec's member streams are C++ arrays of streams (the library kernel indexes them), so the streams of one
matvec port share a type and thus a depth; `dataflow-fifo-depth` sizes them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil

import numpy as np
from xdsl.dialects.builtin import Float64Type, MemRefType
from xdsl.ir import SSAValue

from inrarch.dataflow.model import Expr, _body_from_block, expr_nodes
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
    pipeline_steps,
)
from inrarch.ir_utils import dense_to_numpy

_BINARY = {"arith.addf": "+", "arith.subf": "-", "arith.mulf": "*", "arith.divf": "/"}
_UNARY = {
    "math.sin": "hls::sin", "math.cos": "hls::cos", "math.exp": "hls::exp", "math.expm1": "hls::expm1",
    "math.log": "hls::log", "math.log1p": "hls::log1p", "math.tanh": "hls::tanh", "math.erf": "hls::erf",
    "math.sqrt": "hls::sqrt", "math.rsqrt": "hls::rsqrt", "math.absf": "hls::fabs",
}  # fmt: skip
_COMPARE = {"oeq": "==", "ogt": ">", "oge": ">=", "olt": "<", "ole": "<=", "one": "!=", "ueq": "==", "ugt": ">",
            "uge": ">=", "ult": "<", "ule": "<=", "une": "!="}  # fmt: skip


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


class HlsPrinter:
    def __init__(self, graph: GraphOp, top: str | None = None):
        self.graph = graph
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

    def ref(self, v: SSAValue) -> str:
        if v in self.arrays:
            array, m = self.arrays[v]
            return f"{array.name}[{m}]"
        return self.names[v]

    def tok(self, t: StreamType) -> str:
        return f"Tok<{self.scalar}, {t.width}>"

    def stream_type(self, v: SSAValue) -> str:
        return f"hls::stream<{self.tok(v.type)}, {v.owner.depth_value}>"

    def lit(self, value: float) -> str:
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

    def const_array(self, name: str, values: np.ndarray, ctype: str | None = None) -> str:
        ctype = ctype or self.scalar
        values = np.asarray(values)
        dims = "".join(f"[{d}]" for d in values.shape)
        if ctype in ("float", "double"):
            flat = ", ".join(self.lit(v) for v in values.reshape(-1))
        elif ctype == "bool":
            flat = ", ".join("true" if v else "false" for v in values.reshape(-1))
        else:
            flat = ", ".join(str(int(v)) for v in values.reshape(-1))
        self.constants.append(f"static const {ctype} {name}{dims} = {{{flat}}};")
        return name

    # -- kernels -----------------------------------------------------------------------------------------------------

    def process(self, k: int, kernel: KernelOp) -> tuple[str, str, str]:
        """(function definition, call arguments, process name) of kernel #k."""
        name = f"k{k}_{kernel.name.split('.')[1]}"
        match kernel:
            case ReadOp():
                return self._read(name, kernel)
            case WriteOp():
                return self._write(name, kernel)
            case ForkOp():
                return self._fork(name, kernel)
            case MapOp():
                return self._map(name, kernel)
            case MatVecOp():
                return self._matvec(name, k, kernel)
            case ShuffleOp():
                return self._shuffle(name, kernel)
        raise CompileError(f"the HLS printer cannot print {kernel.name}", kernel)

    def _params(self, values, direction: str) -> list[str]:
        return [f"hls::stream<{self.tok(v.type)}>& {direction}{i}" for i, v in enumerate(values)]

    def _read(self, name: str, op: ReadOp):
        t = op.output_types()[0]
        body = (f"static void {name}(const {self.scalar}* in, hls::stream<{self.tok(t)}>& out0) {{\n"
                f"  inrarch::read_rows<{self.scalar}, {self.in_cols}, {t.width}>(in, out0, SAMPLES);\n}}")  # fmt: skip
        return body, f"in, {self.ref(op.output)}", name

    def _write(self, name: str, op: WriteOp):
        types = op.input_types()
        total = sum(t.count for t in types)
        lines = [f"static void {name}({', '.join(self._params(op.inputs, 'in'))}, {self.scalar}* out) {{",
                 f"  for (long g = 0; g < static_cast<long>(SAMPLES) * {total}; ++g) {{",
                 "#pragma HLS PIPELINE II = 1",
                 f"    const long s = g / {total};",
                 f"    const int o = static_cast<int>(g % {total});"]  # fmt: skip
        start = col = 0
        for i, t in enumerate(types):
            cond = "if" if i == 0 else "} else if"
            lines += [f"    {cond} (o < {start + t.count}) {{",
                      f"      const {self.tok(t)} t = in{i}.read();",
                      f"      for (int e = 0; e < {t.width}; ++e) out[s * {self.out_cols} + {col} + (o - {start}) * "
                      f"{t.width} + e] = t.v[e];"]  # fmt: skip
            start += t.count
            col += t.elements
        lines += ["    }", "  }", "}"]
        args = ", ".join(self.ref(v) for v in op.inputs) + ", out"
        return "\n".join(lines), args, name

    def _fork(self, name: str, op: ForkOp):
        t = op.input_types()[0]
        params = [f"hls::stream<{self.tok(t)}>& in0"] + self._params(op.outputs, "out")
        outs = ", ".join(f"out{i}" for i in range(len(op.outputs)))
        body = (f"static void {name}({', '.join(params)}) {{\n"
                f"  inrarch::fork(static_cast<long>(SAMPLES) * {t.count}, in0, {outs});\n}}")  # fmt: skip
        args = ", ".join(self.ref(v) for v in [op.input, *op.outputs])
        return body, args, name

    def _expr_code(self, body_results: list[Expr], cols: list[str], lines: list[str]) -> list[str]:
        """C++ statements for one lane; returns the expressions of the results."""
        values: dict[int, str] = {}

        def code(e: Expr) -> str:
            match e.kind:
                case "in":
                    return f"a{e.attr}.v[e]"
                case "col":
                    return f"{cols[e.attr]}[t * W + e]"
                case "const":
                    return self.lit(e.attr)
            return values[e.uid]

        for n, e in enumerate(expr_nodes(body_results)):
            if e.kind == "op":
                args = [code(a) for a in e.args]
                if e.attr in _BINARY:
                    expr = f"{args[0]} {_BINARY[e.attr]} {args[1]}"
                elif e.attr == "arith.negf":
                    expr = f"-{args[0]}"
                elif e.attr == "math.powf":
                    expr = f"hls::pow({args[0]}, {args[1]})"
                elif e.attr in _UNARY:
                    expr = f"{_UNARY[e.attr]}({args[0]})"
                else:
                    raise CompileError(f"the HLS printer has no C++ for {e.attr}")
            elif e.kind == "where":
                p, q, a, b = (code(x) for x in e.args)
                expr = f"({p} {_COMPARE[e.attr]} {q}) ? {a} : {b}"
            else:
                continue
            values[e.uid] = f"v{n}"
            lines.append(f"        const {self.scalar} v{n} = {expr};")
        return [code(r) for r in body_results]

    def _map(self, name: str, op: MapOp):
        t = op.stream
        lag = pipeline_steps(op.latency_value, op.ii_value)
        _, results = _body_from_block(op.body.block, len(op.inputs))
        cols = [self.const_array(f"{name}_col{i}", dense_to_numpy(c)) for i, c in enumerate(op.const_rows)]
        tok = self.tok(t)
        n_out = len(op.outputs)
        params = self._params(op.inputs, "in") + self._params(op.outputs, "out")
        lines = [f"static void {name}({', '.join(params)}) {{",
                 f"  constexpr int R = {t.count};  // tokens per sample",
                 f"  constexpr int W = {t.width};  // features per token",
                 f"  constexpr int LAG = {lag};  // iterations from a token's read to its result's write"]  # fmt: skip
        if lag:
            lines += [f"  {tok} ring{j}[LAG + 1];" for j in range(n_out)]
        total = f"static_cast<long>(SAMPLES) * R{' + LAG' if lag else ''}"
        lines += [f"  for (long g = 0; g < {total}; ++g) {{",
                  f"#pragma HLS PIPELINE II = {op.ii_value}",
                  "    if (g < static_cast<long>(SAMPLES) * R) {"]  # fmt: skip
        if cols:  # the feature position selects the column constants
            lines.append("      const int t = static_cast<int>(g % R);")
        lines += [f"      const {tok} a{i} = in{i}.read();" for i in range(len(op.inputs))]
        lines += [f"      {tok} r{j};" for j in range(n_out)]
        lines += ["      for (int e = 0; e < W; ++e) {", "#pragma HLS UNROLL"]
        outs = self._expr_code(results, cols, lines)
        lines += [f"        r{j}.v[e] = {o};" for j, o in enumerate(outs)]
        lines.append("      }")
        if lag:
            lines += [f"      ring{j}[g % (LAG + 1)] = r{j};" for j in range(n_out)]
            lines += ["    }", "    if (g >= LAG) {"]
            lines += [f"      out{j}.write(ring{j}[(g - LAG) % (LAG + 1)]);" for j in range(n_out)]
        else:
            lines += [f"      out{j}.write(r{j});" for j in range(n_out)]
        lines += ["    }", "  }", "}"]
        args = ", ".join(self.ref(v) for v in [*op.inputs, *op.outputs])
        return "\n".join(lines), args, name

    def _matvec(self, name: str, k: int, op: MatVecOp):
        ins, outs = op.input_types(), op.output_types()
        rows, cols = op.shape
        w = self.const_array(f"{name}_W", dense_to_numpy(op.weights))
        bias = dense_to_numpy(op.bias) if op.bias is not None else np.zeros(cols)
        b = self.const_array(f"{name}_bias", bias)
        on = self.const_array(f"{name}_bias_on", np.array(op.bias_members()), "bool")
        lag = pipeline_steps(op.latency_value, op.ii_value)
        din = op.inputs[0].owner.depth_value
        dout = op.outputs[0].owner.depth_value
        g = op.members
        params = (f"hls::stream<{self.tok(ins[0])}, {din}> (&in)[{g}], "
                  f"hls::stream<{self.tok(outs[0])}, {dout}> (&out)[{g}]")  # fmt: skip
        body = "\n".join([
            f"static void {name}({params}) {{",
            f"  // {g} member(s) x {rows}x{cols} weights, {op.par_in_value} x {op.par_out_value} multiply-add lanes,"
            f" II {op.ii_value}",
            f"#pragma HLS ARRAY_PARTITION variable = {w} cyclic factor = {op.par_in_value} dim = 1",
            f"#pragma HLS ARRAY_PARTITION variable = {w} cyclic factor = {op.par_out_value} dim = 2",
            *(["#pragma HLS BIND_STORAGE variable = " + w + " type = rom_2p impl = uram"]
              if op.attributes.get("storage") is not None and op.attributes["storage"].data == "uram" else []),
            f"  inrarch::matvec<{self.scalar}, {g}, {rows}, {cols}, {ins[0].width}, {outs[0].width}, "
            f"{op.par_in_value}, {op.par_out_value}, {lag}>(in, out, {w}, {b}, {on}, SAMPLES);",
            "}",
        ])  # fmt: skip
        return body, f"k{k}_in, k{k}_out", name

    def _shuffle(self, name: str, op: ShuffleOp):
        ins, outs = op.input_types(), op.output_types()
        n_in = sum(t.elements for t in ins)
        r_in = sum(t.count for t in ins)
        r_out = sum(t.count for t in outs)
        steps = max(r_in, r_out)
        lag = pipeline_steps(op.latency_value, op.ii_value)
        first_write = r_in + lag
        nb = ceil((first_write + r_out) / steps) + 1
        select = op.selection()
        fill = op.fill_values() or [0.0] * len(select)
        src = self.const_array(f"{name}_src", np.array(select, dtype=np.int64), "int")
        fil = self.const_array(f"{name}_fill", np.array(fill))
        params = self._params(op.inputs, "in") + self._params(op.outputs, "out")
        tail = max(0, first_write + r_out - steps)
        lines = [f"static void {name}({', '.join(params)}) {{",
                 f"  constexpr int S = {steps};  // iterations per sample",
                 f"  constexpr int FIRST_WRITE = {first_write};",
                 f"  {self.scalar} buf[{nb}][{n_in}];",
                 f"  for (long g = 0; g < static_cast<long>(SAMPLES) * S + {tail}; ++g) {{",
                 f"#pragma HLS PIPELINE II = {op.ii_value}",
                 "    const long s = g / S;",
                 "    const int o = static_cast<int>(g % S);"]  # fmt: skip
        start = elem = 0
        for i, t in enumerate(ins):
            cond = "if" if i == 0 else "} else if"
            lines += [f"    {cond} (s < SAMPLES && o < {start + t.count}) {{",
                      f"      const {self.tok(t)} t = in{i}.read();",
                      f"      for (int e = 0; e < {t.width}; ++e) buf[s % {nb}][{elem} + (o - {start}) * {t.width} + e]"
                      " = t.v[e];"]  # fmt: skip
            start += t.count
            elem += t.elements
        lines += ["    }",
                  "    const long w = g - FIRST_WRITE;",
                  "    if (w >= 0 && w / S < SAMPLES && w % S < " + str(r_out) + ") {",
                  "      const long sw = w / S;",
                  "      const int m = static_cast<int>(w % S);"]  # fmt: skip
        start = elem = 0
        for j, t in enumerate(outs):
            cond = "if" if j == 0 else "} else if"
            lines += [f"      {cond} (m < {start + t.count}) {{",
                      f"        {self.tok(t)} t;",
                      f"        for (int e = 0; e < {t.width}; ++e) {{",
                      f"          const int k = {elem} + (m - {start}) * {t.width} + e;",
                      f"          t.v[e] = {src}[k] >= 0 ? buf[sw % {nb}][{src}[k]] : {fil}[k];",
                      "        }",
                      f"        out{j}.write(t);"]  # fmt: skip
            start += t.count
            elem += t.elements
        lines += ["      }", "    }", "  }", "}"]
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
               "",
               "using inrarch::Tok;",
               "",
               "namespace {",
               ""]  # fmt: skip
        for body, _, _ in processes:
            src += [body, ""]
        src += ["}  // namespace", "",
                f'extern "C" void {ident}(const {self.scalar}* in, {self.scalar}* out) {{',
                f"#pragma HLS INTERFACE m_axi port = in offset = slave bundle = gmem0 depth = {self.samples * self.in_cols}",
                f"#pragma HLS INTERFACE m_axi port = out offset = slave bundle = gmem1 depth = {self.samples * self.out_cols}",
                "#pragma HLS INTERFACE s_axilite port = in",
                "#pragma HLS INTERFACE s_axilite port = out",
                "#pragma HLS INTERFACE s_axilite port = return",
                "#pragma HLS DATAFLOW"]  # fmt: skip
        for array in self.port_arrays:
            first = array.streams[0]
            src.append(f"  {self.stream_type(first)} {array.name}[{len(array.streams)}];")
            for m, v in enumerate(array.streams):
                src.append(f"#pragma HLS STREAM variable = {array.name}[{m}] depth = {v.owner.depth_value}")
            src.append(f'  INRARCH_NAME_STREAMS({array.name}, "{array.name}");')
        for fifo in self.fifos:
            if fifo.stream in self.arrays:
                continue
            name = self.names[fifo.stream]
            src.append(f'  {self.stream_type(fifo.stream)} {name}("{name}");')
            src.append(f"#pragma HLS STREAM variable = {name} depth = {fifo.depth_value}")
        for _, args, pname in processes:
            src.append(f'  INRARCH_PROCESS("{pname}", {pname}({args}));')
        src += ["  INRARCH_DATAFLOW_RUN();", "}", ""]
        header = "\n".join([
            f"// {ident}: the top function of an inrarch design.",
            f"#ifndef {ident.upper()}_H",
            f"#define {ident.upper()}_H",
            "",
            f"constexpr int SAMPLES = {self.samples};  // samples per call",
            f"constexpr int IN_COLS = {self.in_cols};  // input coordinates per sample",
            f"constexpr int OUT_COLS = {self.out_cols};  // outputs per sample",
            f"typedef {self.scalar} {ident}_t;",
            "",
            f'extern "C" void {ident}(const {self.scalar}* in, {self.scalar}* out);',
            "",
            "#endif",
            "",
        ])  # fmt: skip
        constants = "\n".join([f"// Constants of {ident}: weights, biases, column constants, shuffle tables.",
                               f"#ifndef {ident.upper()}_CONSTANTS_H", f"#define {ident.upper()}_CONSTANTS_H",
                               "#include <cmath>", "", *self.constants, "", "#endif", ""])  # fmt: skip
        return Printed("\n".join(src), header, constants, ident, self.scalar, self.samples, self.in_cols,
                       self.out_cols, len(self.kernels), len(self.fifos))  # fmt: skip


def find_graph(module) -> GraphOp:
    graphs = [op for op in module.walk() if isinstance(op, GraphOp)]
    if not graphs:
        raise CompileError("the HLS printer needs a dataflow.graph (run --dataflow-lower first)")
    if len(graphs) > 1:
        raise CompileError("the HLS printer prints one dataflow.graph per module, found several")
    return graphs[0]
