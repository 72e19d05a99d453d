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
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, SymbolRefAttr, TensorType
from xdsl.passes import ModulePass

from inrarch.autodiff.graph import Builder, Node, topological_order
from inrarch.autodiff.lift import check_size, lift_function
from inrarch.dataflow.model import BodyBuilder, Design, Expr, Kernel, Stream, to_graph
from inrarch.diagnostics import CompileError
from inrarch.evaluator import find_function

Ref = tuple[Stream, int] | float  # an element of a sample: (stream, index) or a constant


@dataclass(frozen=True)
class DataflowConvertPass(ModulePass):
    """Converts a derivative function into a dataflow graph of stream-connected kernels."""

    name = "dataflow-convert"

    func: str | None = None
    max_gb: int | float | None = None  # the most tensor data the function may hold (inrarch.autodiff.lift.MAX_GB)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        function = find_function(op, self.func)
        check_size(function, self.max_gb, "dataflow-convert")
        graph = to_graph(convert_function(function))
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
    def __init__(self, design: Design):
        self.design = design
        self.layouts: dict[int, list[Ref]] = {}
        self.input_stream: Stream | None = None

    def add(self, kernel: Kernel) -> Kernel:
        self.design.kernels.append(kernel)
        return kernel

    def materialize(self, refs: list[Ref]) -> Stream:
        """A stream carrying exactly these elements per sample (a shuffle unless they already form one)."""
        first = refs[0]
        if not isinstance(first, float):
            stream = first[0]
            if len(refs) == stream.elements and all(
                not isinstance(r, float) and r[0] is stream and r[1] == i for i, r in enumerate(refs)
            ):
                return stream
        ins: list[Stream] = []
        for r in refs:
            if not isinstance(r, float) and all(r[0] is not s for s in ins):
                ins.append(r[0])
        if not ins:  # all constant: the input stream paces the shuffle
            assert self.input_stream is not None
            ins.append(self.input_stream)
        offsets, total = {}, 0
        for s in ins:
            offsets[id(s)] = total
            total += s.elements
        select = [-1 if isinstance(r, float) else offsets[id(r[0])] + r[1] for r in refs]
        fill = [r if isinstance(r, float) else 0.0 for r in refs] if any(isinstance(r, float) for r in refs) else []
        out = Stream(len(refs))
        self.add(Kernel("shuffle", ins, [out], select=select, fill=fill))
        return out

    def elementwise(self, node: Node, args: list[Node]) -> list[Ref]:
        body = BodyBuilder()
        ins: list[Stream] = []
        cols: list[np.ndarray] = []
        exprs: list[Expr] = []
        for a in args:
            if a.is_const:
                value = np.broadcast_to(a.value, node.shape).reshape(-1)
                if value.size == 0 or np.all(value == value[0]):
                    exprs.append(body.const(float(value[0]) if value.size else 0.0))
                else:
                    cols.append(np.array(value))
                    exprs.append(body.col(len(cols) - 1))
                continue
            stream = self.materialize(self.layouts[a.uid])
            for k, s in enumerate(ins):
                if s is stream:
                    exprs.append(body.input(k))
                    break
            else:
                ins.append(stream)
                exprs.append(body.input(len(ins) - 1))
        if node.kind == "where":
            result = body.where(node.attrs[0], *exprs)
        else:
            result = body.op(node.op, *exprs)
        out = Stream(int(np.prod(node.shape)))
        self.add(Kernel("map", ins, [out], body=body, results=[result], cols=cols))
        return [(out, i) for i in range(out.elements)]

    def visit(self, node: Node) -> list[Ref]:
        match node.kind:
            case "input":
                stream = Stream(node.shape[0])
                self.input_stream = stream
                self.add(Kernel("read", [], [stream]))
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
                out = Stream(node.shape[0])
                self.add(Kernel("matvec", [source], [out], weights=node.value))
                return [(out, i) for i in range(out.elements)]
        raise AssertionError(node.kind)


def convert_function(function: func.FuncOp) -> Design:
    in_type = function.function_type.inputs.data[0] if function.function_type.inputs else None
    if not isinstance(in_type, TensorType) or in_type.get_num_dims() != 2:
        raise CompileError(f"dataflow-convert: @{function.sym_name.data} must take one tensor<N x d>", function)
    samples, dims = in_type.get_shape()
    builder = Builder(samples)
    x, outputs = lift_function(builder, function)
    widths = [int(np.prod(o.shape)) for o in outputs]
    design = Design(function.sym_name.data, samples, in_type.element_type, dims, sum(widths))
    conv = _Converter(design)
    for node in topological_order([x, *outputs]):
        conv.layouts[node.uid] = conv.visit(node)
    refs = [r for o in outputs for r in conv.layouts[o.uid]]
    final = conv.materialize(refs)
    design.kernels.append(Kernel("write", [final], []))
    return design
