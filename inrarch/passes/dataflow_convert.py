"""`dataflow-convert`: a derivative program (linalg / arith / math / tensor on batches) -> a `dataflow.graph`.

Samples are the streaming dimension: the function's input `tensor<N x d>` becomes a `dataflow.read` of an array
`memref<N x d>`, its results are written, one row of M values per sample, to an array `memref<N x M>`. Per
sample, each matrix product with a constant matrix becomes a `dataflow.matvec` whose weights are stationary
kernel state (transposes of constants are folded at compile time), each elementwise op a `dataflow.map` with one
op in its body (constant operands become body constants or per-feature column constants), and concatenations,
slices and the arrangement of the results become `dataflow.shuffle`s — only where a contiguous stream is needed.
A value used k times gets a `dataflow.fork`. Streams carry scalar tokens; FIFOs have depth 2 until
`dataflow-fifo-depth` sizes them. No kernel buffers a whole tensor: a shuffle holds one sample.

Options: `func` (the function to convert; default @forward, @main or the only one), `max-gb` (the most tensor data,
GiB at 8 bytes a number, the function may hold; larger ones are refused before any work; default 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import FloatAttr, MemRefType, ModuleOp, SymbolRefAttr, TensorType
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.passes import ModulePass

from inrarch.autodiff.graph import Builder, Node, topological_order
from inrarch.autodiff.lift import check_size, lift_function
from inrarch.analysis.model import order_kernels
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import (
    FifoOp,
    ForkOp,
    GraphOp,
    KernelOp,
    MapOp,
    MatVecOp,
    ReadOp,
    ShuffleOp,
    WriteOp,
    YieldOp,
    stream_type,
)
from inrarch.evaluator import find_function
from inrarch.ir_utils import numpy_to_dense
from inrarch.ops import BY_NAME

Ref = tuple[SSAValue, int] | float  # an element of a sample: (stream, index) or a constant


@dataclass(frozen=True)
class DataflowConvertPass(ModulePass):
    """Converts a derivative function into a dataflow graph of stream-connected kernels."""

    name = "dataflow-convert"

    func: str | None = None
    max_gb: int | float | None = None  # the most tensor data the function may hold (inrarch.autodiff.lift.MAX_GB)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        function = find_function(op, self.func)
        check_size(function, self.max_gb, "dataflow-convert")
        graph = convert_function(function)
        graph.location = function.location
        if "inr.derivative" in function.attributes:
            graph.derivative = function.attributes["inr.derivative"]
        function.parent_block().insert_op_before(graph, function)
        function.detach()
        function.erase()
        erase_unused_private_functions(op)


def erase_unused_private_functions(module: ModuleOp) -> None:
    """Erases the private functions nothing refers to any more (the INR and editor a converted edit called)."""
    while True:
        referenced = {
            attr.root_reference.data
            for inner in module.walk()
            for attr in (*inner.properties.values(), *inner.attributes.values())
            if isinstance(attr, SymbolRefAttr)
        }
        unused = [
            f for f in module.body.block.ops
            if isinstance(f, func.FuncOp) and f.sym_visibility is not None and f.sym_visibility.data == "private"
            and f.sym_name.data not in referenced
        ]  # fmt: skip
        if not unused:
            return
        for f in unused:
            f.detach()
            f.erase()


class _Converter:
    """Builds the graph's FIFOs and kernels as it visits the per-sample program; every stream gets one reader, then
    `add_forks` gives a stream read by several kernels a fork."""

    def __init__(self, graph: GraphOp, element_type: Attribute):
        self.graph = graph
        self.element_type = element_type
        self.fifos: list[FifoOp] = []
        self.kernels: list[KernelOp] = []
        self.layouts: dict[int, list[Ref]] = {}
        self.input_stream: SSAValue | None = None

    def stream(self, elements: int) -> SSAValue:
        fifo = FifoOp(stream_type(self.element_type, elements, 1), 2)
        self.fifos.append(fifo)
        return fifo.stream

    def add(self, kernel: KernelOp) -> KernelOp:
        self.kernels.append(kernel)
        return kernel

    def materialize(self, refs: list[Ref]) -> SSAValue:
        """A stream carrying exactly these elements per sample (a shuffle unless they already form one)."""
        first = refs[0]
        if not isinstance(first, float):
            stream = first[0]
            if len(refs) == stream.type.elements and all(
                not isinstance(r, float) and r[0] is stream and r[1] == i for i, r in enumerate(refs)
            ):
                return stream
        ins: list[SSAValue] = []
        for r in refs:
            if not isinstance(r, float) and all(r[0] is not s for s in ins):
                ins.append(r[0])
        if not ins:  # all constant: the input stream paces the shuffle
            assert self.input_stream is not None
            ins.append(self.input_stream)
        offsets, total = {}, 0
        for s in ins:
            offsets[s] = total
            total += s.type.elements
        select = [-1 if isinstance(r, float) else offsets[r[0]] + r[1] for r in refs]
        fill = [r if isinstance(r, float) else 0.0 for r in refs] if any(isinstance(r, float) for r in refs) else None
        out = self.stream(len(refs))
        self.add(ShuffleOp(ins, [out], select, fill))
        return out

    def elementwise(self, node: Node, args: list[Node]) -> list[Ref]:
        """One map whose body is the node's op: streams as inputs (each once), constants that vary per feature as
        column constants, the others as `arith.constant`s."""
        etype = self.element_type
        ins: list[SSAValue] = []
        cols: list[np.ndarray] = []
        operands: list[tuple[str, object]] = []  # ("in", k) | ("col", k) | ("const", value)
        for a in args:
            if a.is_const:
                value = np.broadcast_to(a.value, node.shape).reshape(-1)
                if value.size == 0 or np.all(value == value[0]):
                    operands.append(("const", float(value[0]) if value.size else 0.0))
                else:
                    cols.append(np.array(value))
                    operands.append(("col", len(cols) - 1))
                continue
            stream = self.materialize(self.layouts[a.uid])
            if stream not in ins:
                ins.append(stream)
            operands.append(("in", ins.index(stream)))
        block = Block(arg_types=[etype] * (len(ins) + len(cols)))
        consts: dict[float, SSAValue] = {}

        def value(kind: str, k) -> SSAValue:
            if kind == "in":
                return block.args[k]
            if kind == "col":
                return block.args[len(ins) + k]
            if k not in consts:
                c = arith.ConstantOp(FloatAttr(k, etype))
                block.add_op(c)
                consts[k] = c.result
            return consts[k]

        values = [value(kind, k) for kind, k in operands]
        if node.kind == "where":
            p, q, t, f = values
            cmp = arith.CmpfOp(p, q, node.attrs[0])
            result = arith.SelectOp(cmp.result, t, f)
            block.add_ops([cmp, result])
        else:
            result = BY_NAME[node.op].op.create(operands=values, result_types=[etype])
            block.add_op(result)
        block.add_op(YieldOp(result.results[0]))
        out = self.stream(int(np.prod(node.shape)))
        self.add(MapOp(ins, [out], Region(block), [numpy_to_dense(c, etype) for c in cols]))
        return [(out, i) for i in range(out.type.elements)]

    def visit(self, node: Node) -> list[Ref]:
        match node.kind:
            case "input":
                stream = self.stream(node.shape[0])
                self.input_stream = stream
                self.add(ReadOp(self.graph.block.args[0], stream))
                return [(stream, i) for i in range(node.shape[0])]
            case "const":
                return [float(v) for v in np.asarray(node.value).reshape(-1)]
            case "batch_const":
                raise CompileError(
                    "dataflow-convert: per-sample constant data (a constant batch whose rows differ) is not supported"
                )
            case "reshape":
                return self.layouts[node.args[0].uid]
            case "slice":
                _, start, size, stride = node.attrs
                return self.layouts[node.args[0].uid][start : start + size * stride : stride]
            case "concat":
                return [r for a in node.args for r in self.layouts[a.uid]]
            case "ew" | "where":
                return self.elementwise(node, list(node.args))
            case "matmul":
                source = self.materialize(self.layouts[node.args[0].uid])
                out = self.stream(node.shape[0])
                self.add(MatVecOp([source], [out], numpy_to_dense(node.value, self.element_type)))
                return [(out, i) for i in range(out.type.elements)]
        raise AssertionError(node.kind)

    def add_forks(self) -> list[ForkOp]:
        """A fork for every stream several kernels read (each reader then reads a branch of its own), in the order of
        the streams' writers. The writers' streams are named s1, s2, ... in that order, then the branches."""
        readers: dict[SSAValue, list[KernelOp]] = {}
        for k in self.kernels:
            for v in k.stream_inputs:
                readers.setdefault(v, []).append(k)
        produced = [v for k in self.kernels for v in k.stream_outputs]
        forks: list[ForkOp] = []
        branches: list[SSAValue] = []
        for v in produced:
            users = readers.get(v, [])
            if len(users) > 1:
                outs = [self.stream(v.type.elements) for _ in users]
                forks.append(ForkOp(v, outs))
                for user, out in zip(users, outs, strict=True):
                    user.operands[list(user.operands).index(v)] = out
                branches += outs
        for n, v in enumerate([*produced, *branches], start=1):
            v.name_hint = f"s{n}"
        return forks


def convert_function(function: func.FuncOp) -> GraphOp:
    in_type = function.function_type.inputs.data[0] if function.function_type.inputs else None
    if not isinstance(in_type, TensorType) or in_type.get_num_dims() != 2:
        raise CompileError(f"dataflow-convert: @{function.sym_name.data} must take one tensor<N x d>", function)
    samples, dims = in_type.get_shape()
    builder = Builder(samples)
    x, outputs = lift_function(builder, function)
    width = sum(int(np.prod(o.shape)) for o in outputs)
    etype = in_type.element_type
    graph = GraphOp(function.sym_name.data, [MemRefType(etype, [samples, dims]), MemRefType(etype, [samples, width])])
    graph.block.args[0].name_hint, graph.block.args[1].name_hint = "in", "out"
    conv = _Converter(graph, etype)
    for node in topological_order([x, *outputs]):
        conv.layouts[node.uid] = conv.visit(node)
    final = conv.materialize([r for o in outputs for r in conv.layouts[o.uid]])
    conv.add(WriteOp([final], graph.block.args[1]))
    forks = conv.add_forks()
    graph.block.add_ops([*conv.fifos, *conv.kernels, *forks])
    order_kernels(graph.block)
    return graph
