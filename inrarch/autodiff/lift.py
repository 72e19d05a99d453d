"""Lifting a function on batches into a per-sample program, checking that it treats samples independently.

`lift(function)` reads `f : tensor<N x d> -> tensor<N x m>` and returns per-sample nodes for its results. Values
that depend on the input are batches whose dimension 0 is the sample; everything else is constant data, computed
at compile time with the evaluator's handlers. An op that would combine different samples (a reduction over
dimension 0, a matmul with the batch on the right, a transpose or concatenation across dimension 0, ...) is
rejected with an error naming it; so is an op with no derivative rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import AffineMapAttr, TensorType
from xdsl.ir import Operation, SSAValue

from inrarch.autodiff.graph import Builder, Node
from inrarch.autodiff.rules import ELEMENTWISE
from inrarch.ops import PREDICATES
from inrarch.diagnostics import CompileError
from inrarch.evaluator import constant_value, interpreter, map_dims, run_op, supports, to_loop_space



@dataclass
class _Condition:
    """An i1 value from arith.cmpf, consumed by a select."""

    predicate: str
    lhs: Node
    rhs: Node


class Lifter:
    def __init__(self, builder: Builder, function: func.FuncOp, callers: tuple[str, ...] = ()):
        self.b = builder
        self.function = function
        self.fname = function.sym_name.data
        self.callers = (*callers, self.fname)  # the functions being inlined, outermost first
        self.data: dict[SSAValue, np.ndarray] = {}  # input-independent values
        self.nodes: dict[SSAValue, Node | _Condition] = {}  # per-sample values
        self.interpreter, _ = interpreter(function, np.float64)

    # -- errors ------------------------------------------------------------------------------------------------------

    def mixes_samples(self, op: Operation, why: str) -> CompileError:
        return CompileError(
            f"@{self.fname} mixes samples: {op.name} {why}; inr.grad needs a function that treats the samples "
            "(dimension 0) independently",
            op,
        )

    def unsupported(self, op: Operation, why: str = "") -> CompileError:
        return CompileError(f"no derivative rule for {op.name}{': ' + why if why else ''}", op)

    # -- values ------------------------------------------------------------------------------------------------------

    def per_sample(self, value: SSAValue, shape: tuple[int, ...], op: Operation) -> Node:
        """`value` as a per-sample node of `shape` (constant data is broadcast or split into rows)."""
        if value in self.nodes:
            node = self.nodes[value]
            if isinstance(node, _Condition):
                raise self.unsupported(op, "an i1 condition used outside arith.select")
            return node
        data = self.data[value]
        if data.shape == shape or data.size == 1:
            return self.b.const(np.broadcast_to(data.reshape(data.shape if data.shape == shape else ()), shape))
        if data.shape == (self.b.samples, *shape):
            return self.b.batch_const(data)
        raise self.unsupported(op, f"operand of shape {list(data.shape)} where {list(shape)} per sample is needed")

    def sample_shape(self, value: SSAValue, op: Operation) -> tuple[int, ...]:
        t = value.type
        if not isinstance(t, TensorType):
            raise self.unsupported(op, f"operand type {t}")
        shape = tuple(t.get_shape())
        if not shape or shape[0] != self.b.samples:
            raise self.mixes_samples(op, f"produces {t}, whose dimension 0 is not the {self.b.samples} samples")
        if len(shape) > 2:
            raise self.unsupported(op, f"per-sample values must be scalars or rows, got {t}")
        return shape[1:]

    # -- driver ------------------------------------------------------------------------------------------------------

    def lift(self, arg_nodes: list[Node]) -> list[Node]:
        block = self.function.body.block
        for arg, node in zip(block.args, arg_nodes, strict=True):
            self.nodes[arg] = node
        for op in block.ops:
            if isinstance(op, func.ReturnOp):
                return [self.result(v, op) for v in op.operands]
            self.visit(op)
        raise CompileError(f"@{self.fname} has no func.return", self.function)

    def result(self, value: SSAValue, op: Operation) -> Node:
        node = self.nodes.get(value)
        if isinstance(node, Node):
            return node
        if node is not None:
            raise self.unsupported(op, "an i1 result")
        return self.b.batch_const(self.data[value])

    def visit(self, op: Operation) -> None:
        operands = list(op.operands)
        for k, v in enumerate(operands):
            if v not in self.nodes and v not in self.data:  # (xDSL's verifier does not check dominance)
                raise CompileError(f"{op.name}: operand #{k} is used before it is defined; a value must be defined "
                                   "above its uses", op)  # fmt: skip
        depends = [v in self.nodes for v in operands] + [
            v in self.nodes for inner in op.walk() if inner is not op for v in inner.operands
        ]
        if not any(depends):
            self.fold(op)
            return
        handler = _LIFT.get(op.name)
        if handler is None:
            if op.name in ELEMENTWISE or op.name in ("arith.cmpf", "arith.select", "arith.maximumf",
                                                     "arith.minimumf", "math.fpowi", "arith.extf", "arith.truncf"):
                handler = Lifter.lift_tensor_elementwise
            else:
                raise self.unsupported(op)
        handler(self, op)

    def fold(self, op: Operation) -> None:
        if not supports(op):
            raise self.unsupported(op)
        values = run_op(self.interpreter, op, [self.data[v] for v in op.operands], self.data)
        for res, value in zip(op.results, values, strict=True):
            self.data[res] = np.asarray(value, dtype=np.float64) if np.asarray(value).dtype != bool else np.asarray(value)
            data = self.data[res]
            if data.dtype != bool and not np.isfinite(data).all():
                where = [int(i) for i in np.argwhere(~np.isfinite(data))[0]]
                what = "constant" if op.name == "arith.constant" else f"constant computed by {op.name}"
                raise CompileError(f"the {what} holds {int((~np.isfinite(data)).sum())} non-finite value(s) (first: "
                                   f"{data[tuple(where)]} at {where}): inrarch computes derivatives of finite weights "
                                   "only", op)  # fmt: skip

    # -- elementwise -------------------------------------------------------------------------------------------------

    def scalar_op(self, op: Operation, args: list, shape: tuple[int, ...]):
        """Applies the scalar op `op` to per-sample operands (nodes or conditions), giving a node or condition."""
        name = op.name
        if name == "arith.cmpf":
            return _Condition(PREDICATES[op.predicate.value.data], args[0], args[1])
        if name == "arith.select":
            cond, a, c = args
            if not isinstance(cond, _Condition):
                raise self.unsupported(op, "a select whose condition is not an arith.cmpf")
            return self.b.where(cond.predicate, cond.lhs, cond.rhs, a, c)
        if name in ("arith.maximumf", "arith.maxnumf"):
            return self.b.where("oge", args[0], args[1], args[0], args[1])
        if name in ("arith.minimumf", "arith.minnumf"):
            return self.b.where("ole", args[0], args[1], args[0], args[1])
        if name in ("arith.extf", "arith.truncf", "arith.sitofp"):
            return args[0]
        if name == "math.fpowi":
            exponent = args[1]
            return self.b.ew("math.powf", args[0], exponent)
        if name in ELEMENTWISE:
            if any(isinstance(a, _Condition) for a in args):
                raise self.unsupported(op, "an i1 condition used outside arith.select")
            return self.b.ew(name, *args)
        raise self.unsupported(op)

    def lift_tensor_elementwise(self, op: Operation) -> None:
        shape = self.sample_shape(op.results[0], op)
        args = []
        for v in op.operands:
            if v in self.nodes:
                args.append(self.nodes[v])
            else:
                args.append(self.per_sample(v, shape, op))
        self.nodes[op.results[0]] = self.scalar_op(op, args, shape)

    def lift_generic(self, op: Operation) -> None:
        iterators = [str(it.data) for it in op.iterator_types.data]
        maps: list[AffineMapAttr] = list(op.indexing_maps.data)
        n_in = len(op.inputs)
        if len(op.outputs) != 1 or len(op.results) != 1:
            raise self.unsupported(op, "linalg.generic with several outputs")
        out_dims = self._dims(maps[n_in], op)
        if not out_dims or out_dims[0] != 0:
            raise self.mixes_samples(op, "does not keep the samples in dimension 0 of its result")
        if any("reduction" in it for it in iterators):
            if "reduction" in iterators[0]:
                raise self.mixes_samples(op, "reduces over the samples")
            raise self.unsupported(op, "linalg.generic with reduction iterators")
        if out_dims != list(range(len(iterators))):
            raise self.unsupported(op, "linalg.generic whose result map is not the identity")
        shape = self.sample_shape(op.results[0], op)
        block = op.body.block
        env: dict[SSAValue, object] = {}
        for k, (operand, arg) in enumerate(zip(op.inputs, block.args, strict=False)):
            dims = self._dims(maps[k], op)
            if operand in self.nodes:
                if dims != out_dims:
                    if 0 not in dims:
                        raise self.mixes_samples(op, f"reads input #{k} without its sample dimension")
                    raise self.unsupported(op, f"input #{k} is broadcast or transposed within a sample")
                env[arg] = self.nodes[operand]
            elif self.data[operand].dtype == bool:
                raise self.unsupported(op, "an input-independent i1 operand")
            else:
                env[arg] = self._broadcast_data(self.data[operand], dims, op, shape)
        for inner in block.ops:
            if inner.name == "linalg.yield":
                self.nodes[op.results[0]] = env[inner.operands[0]]  # a node, or a condition for a later select
                return
            args = []
            for v in inner.operands:
                if v in env:
                    args.append(env[v])
                elif v in self.data:
                    args.append(self.b.const(np.broadcast_to(self.data[v], shape)))
                else:
                    raise self.unsupported(inner, "an operand defined outside the generic that depends on the input")
            if inner.name not in ELEMENTWISE and inner.name not in (
                "arith.cmpf", "arith.select", "arith.maximumf", "arith.minimumf", "arith.maxnumf", "arith.minnumf",
                "arith.extf", "arith.truncf", "arith.sitofp", "math.fpowi"):  # fmt: skip
                if inner.name == "arith.constant":
                    env[inner.results[0]] = self.b.const(
                        np.broadcast_to(constant_value(inner.value, inner.results[0].type), shape)
                    )
                    continue
                raise self.unsupported(inner)
            env[inner.results[0]] = self.scalar_op(inner, args, shape)
        raise self.unsupported(op, "a body without linalg.yield")

    def _dims(self, map_attr: AffineMapAttr, op: Operation) -> list[int | None]:
        try:
            return map_dims(map_attr, op)
        except CompileError:
            raise self.unsupported(op, f"indexing map {map_attr.data}") from None

    def _broadcast_data(self, data: np.ndarray, dims: list[int | None], op: Operation, shape) -> Node:
        """Constant operand of a generic, indexed by `dims`, as a per-sample node of `shape`."""
        in_loops = to_loop_space(data, dims, 1 + len(shape))
        return self.b.batch_const(np.broadcast_to(in_loops, (self.b.samples, *shape)))

    # -- linear and structural ops -----------------------------------------------------------------------------------

    def lift_matmul(self, op: Operation) -> None:
        a, w, c = op.operands
        if w in self.nodes:
            raise self.mixes_samples(op, "has the batch as its right-hand operand, summing over samples")
        if a not in self.nodes:
            raise self.unsupported(op, "left operand")
        x = self.nodes[a]
        y = self.b.matmul(x, self.data[w])
        init = self.per_sample(c, y.shape, op)
        self.nodes[op.results[0]] = self.b.add(y, init)

    def lift_fill(self, op: Operation) -> None:
        raise self.unsupported(op, "a fill with an input-dependent value")

    def lift_transpose(self, op: Operation) -> None:
        perm = list(op.permutation.get_values())
        if perm[0] != 0:
            raise self.mixes_samples(op, "moves the sample dimension")
        self.nodes[op.results[0]] = self.nodes[op.operands[0]]

    def lift_concat(self, op: Operation) -> None:
        dim = op.dim.value.data
        if dim == 0:
            raise self.mixes_samples(op, "concatenates along the samples")
        shape = self.sample_shape(op.results[0], op)
        parts = []
        for v in op.operands:
            part_shape = self.sample_shape(v, op)
            parts.append(self.per_sample(v, part_shape, op))
        self.nodes[op.results[0]] = self.b.concat(parts)
        assert self.nodes[op.results[0]].shape == shape

    def lift_extract_slice(self, op: Operation) -> None:
        if op.offsets or op.sizes or op.strides:
            raise self.unsupported(op, "dynamic offsets")
        offsets, sizes, strides = (list(a.get_values()) for a in (op.static_offsets, op.static_sizes, op.static_strides))
        if offsets[0] != 0 or sizes[0] != self.b.samples or strides[0] != 1:
            raise self.mixes_samples(op, "selects a subset of the samples")
        source = self.nodes[op.source]
        result_shape = self.sample_shape(op.result, op)
        if len(offsets) == 1:
            self.nodes[op.result] = source
            return
        node = self.b.slice(source, offsets[1], sizes[1], strides[1], keep_dim=bool(result_shape))
        self.nodes[op.result] = node

    def lift_reshape(self, op: Operation) -> None:
        src_shape = self.sample_shape(op.operands[0], op)
        shape = self.sample_shape(op.results[0], op)
        if int(np.prod(src_shape)) != int(np.prod(shape)):
            raise self.unsupported(op)
        self.nodes[op.results[0]] = self.b.reshape(self.nodes[op.operands[0]], shape)

    def lift_broadcast(self, op: Operation) -> None:
        raise self.unsupported(op, "a broadcast of an input-dependent value")

    def lift_call(self, op: Operation) -> None:
        from xdsl.traits import SymbolTable

        callee = SymbolTable.lookup_symbol(op, op.callee)
        if not isinstance(callee, func.FuncOp) or not callee.body.blocks:
            raise self.unsupported(op, f"callee {op.callee} has no body")
        if callee.sym_name.data in self.callers:
            chain = " -> ".join(f"@{n}" for n in (*self.callers, callee.sym_name.data))
            raise CompileError(f"recursive call ({chain}): inrarch inlines calls and needs a call graph without cycles",
                               op)  # fmt: skip
        inner = Lifter(self.b, callee, self.callers)
        args = []
        for v in op.operands:
            if v in self.nodes:
                args.append(self.nodes[v])
            else:
                inner.data[callee.body.block.args[len(args)]] = self.data[v]
                args.append(None)
        block = callee.body.block
        for arg, node in zip(block.args, args, strict=True):
            if node is not None:
                inner.nodes[arg] = node
        for inner_op in block.ops:
            if isinstance(inner_op, func.ReturnOp):
                for res, v in zip(op.results, inner_op.operands, strict=True):
                    if v in inner.nodes:
                        self.nodes[res] = inner.nodes[v]
                    else:
                        self.data[res] = inner.data[v]
                return
            inner.visit(inner_op)


_LIFT = {
    "linalg.generic": Lifter.lift_generic,
    "linalg.matmul": Lifter.lift_matmul,
    "linalg.fill": Lifter.lift_fill,
    "linalg.transpose": Lifter.lift_transpose,
    "linalg.broadcast": Lifter.lift_broadcast,
    "tensor.concat": Lifter.lift_concat,
    "tensor.extract_slice": Lifter.lift_extract_slice,
    "tensor.collapse_shape": Lifter.lift_reshape,
    "tensor.expand_shape": Lifter.lift_reshape,
    "tensor.reshape": Lifter.lift_reshape,
    "tensor.cast": Lifter.lift_reshape,
    "func.call": Lifter.lift_call,
}


# The most tensor data (GiB, at 8 bytes a number) a function may hold before inrarch reads it: batch-sized constants
# (fills, broadcasts) are evaluated, and a typo such as tensor<100000000x1xf32> would otherwise take the machine's
# memory. Passes that read functions take it as their `max-gb` option.
MAX_GB = 1.0


def check_size(function: func.FuncOp, max_gb: float | None, who: str) -> None:
    """Refuses a function whose tensors would hold more than max_gb GiB, naming its largest tensor."""
    limit = MAX_GB if max_gb is None else max_gb
    if not limit > 0:
        raise CompileError(f"{who}: option max-gb must be positive, got {max_gb}")
    values = [*function.args, *(r for op in function.walk() for r in op.results)]
    sizes = [(int(np.prod(v.type.get_shape(), dtype=np.float64)) * 8, v) for v in values
             if isinstance(v.type, TensorType) and -1 not in v.type.get_shape()]  # fmt: skip
    total = sum(size for size, _ in sizes)
    if total > limit * 2**30:
        size, value = max(sizes, key=lambda sv: sv[0])
        where = value.owner if isinstance(value.owner, Operation) else function
        raise CompileError(f"{who}: @{function.sym_name.data} holds about {total / 2**30:.3g} GiB of tensors "
                           f"(largest: {value.type}, {size / 2**30:.3g} GiB), over the {limit:g} GiB limit; "
                           "raise it with the option max-gb", where)  # fmt: skip


def lift_function(builder: Builder, function: func.FuncOp) -> tuple[Node, list[Node]]:
    """(input node, result nodes) of `function : tensor<N x d> -> ...` as a per-sample program."""
    if function.is_declaration:
        raise CompileError(f"@{function.sym_name.data} is a declaration without a body", function)
    block = function.body.block
    if len(block.args) != 1:
        raise CompileError(f"@{function.sym_name.data} must take one tensor<N x d> argument", function)
    arg_type = block.args[0].type
    if not isinstance(arg_type, TensorType) or arg_type.get_num_dims() != 2 or -1 in arg_type.get_shape():
        raise CompileError(
            f"@{function.sym_name.data} must take a statically shaped tensor<N x d>, got {arg_type}", function
        )
    if 0 in arg_type.get_shape():
        raise CompileError(f"@{function.sym_name.data} takes {arg_type}: a design needs at least one sample of at "
                           "least one coordinate", function)  # fmt: skip
    dims = arg_type.get_shape()[1]
    x = builder.input(dims)
    lifter = Lifter(builder, function)
    return x, lifter.lift([x])
