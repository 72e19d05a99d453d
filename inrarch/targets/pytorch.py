"""The `torch` target: a function of linalg / arith / math / tensor ops on tensors (the derivative program that
inr-autodiff makes, for instance) printed as a self-contained Python module of PyTorch code.

`inrarch-opt f.mlir --inr-autodiff=order=2 -t torch` prints it; `-t 'torch{out=FILE}'` writes it to FILE. The module
defines `Program`, an `nn.Module` whose `forward(x)` runs the function on a batch of samples `x` of any size, on
x's device and in x's dtype, `chunk` samples at a time; a derivative program returns its outputs as one [N, K] tensor
whose columns are named by `Program.columns` (the layout order of `inr.grad`). `inrarch.taylor_module(model, order)`
builds the same module for a PyTorch model.

The printed code is the IR's program, op for op: each tensor op becomes one PyTorch call on whole batches (no loop
over samples or Taylor coefficients), values are deleted after their last use, splat constants stay Python numbers
(folded where all operands are), broadcasts stay broadcastable views, and weights are buffers (base64 in the file).

The batch: the function's first input is [N, ...]; every dimension the ops tie to its first one (a union-find over
the dimensions of all values: elementwise operands, matmul rows, generic loops, slices that keep a whole dimension,
...) is printed as `n`, the size of the batch at run time; all others keep their static sizes. A program in which a
non-splat constant has a batch dimension (a per-sample table), or whose results do not all have it, runs only at
the IR's batch size.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, func, math, tensor
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue
from xdsl.utils.target import Target

from inrarch import ops
from inrarch.diagnostics import CompileError
from inrarch.ir_utils import dense_to_numpy

# The elementwise ops outside the op registry (whose entries carry their PyTorch expression, `OpInfo.torch`) that
# the evaluator runs, as PyTorch expressions over their operands.
_TORCH: dict[str, str] = {
    "arith.maxnumf": "torch.fmax({0}, {1})", "arith.minnumf": "torch.fmin({0}, {1})",
    "arith.addi": "{0} + {1}", "arith.subi": "{0} - {1}", "arith.muli": "{0} * {1}", "math.tan": "torch.tan({0})",
    "math.fpowi": "torch.pow({0}, {1})", "arith.extf": "{0}", "arith.truncf": "{0}",
}  # fmt: skip
_OTHER_NUMPY = {
    "arith.maxnumf": np.fmax, "arith.minnumf": np.fmin, "arith.addi": np.add, "arith.subi": np.subtract,
    "arith.muli": np.multiply, "math.tan": np.tan, "math.fpowi": np.power, "arith.extf": lambda x: x,
    "arith.truncf": lambda x: x,
}  # fmt: skip
_LINALG_NAMED: dict[str, str] = {
    "linalg.add": "arith.addf", "linalg.sub": "arith.subf", "linalg.mul": "arith.mulf", "linalg.div": "arith.divf",
    "linalg.max": "arith.maximumf", "linalg.min": "arith.minimumf", "linalg.exp": "math.exp", "linalg.log": "math.log",
    "linalg.sqrt": "math.sqrt", "linalg.copy": "arith.extf", "linalg.select": "arith.select",
}  # fmt: skip


def torch_expression(name: str) -> str | None:
    """The PyTorch expression of an elementwise op (`{0} + {1}`), None for ops the target does not print."""
    entry = ops.info(name)
    if entry is not None and entry.torch:
        return entry.torch
    return _TORCH.get(name)


def _fold(name: str, args: list):
    """An elementwise op on Python numbers, computed when the program is printed."""
    if name == "arith.cmpf":
        raise AssertionError  # folded by the caller, which knows the predicate
    entry = ops.info(name)
    fn = entry.numpy if entry is not None else _OTHER_NUMPY[name]
    with np.errstate(all="ignore"):
        return np.asarray(fn(*[np.float64(a) if isinstance(a, float) else a for a in args])).item()


class _Dims:
    """Union-find over (value, dimension) pairs and generic loops: which dimensions are one and the same."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def same(self, a: SSAValue, b: SSAValue):
        """Ties every dimension of two values of equal rank."""
        if isinstance(a.type, TensorType) and isinstance(b.type, TensorType):
            if a.type.get_num_dims() == b.type.get_num_dims():
                for i in range(a.type.get_num_dims()):
                    self.union((a, i), (b, i))


def _rank(value: SSAValue) -> int:
    return value.type.get_num_dims() if isinstance(value.type, TensorType) else 0


def _map_loops(map_attr, op) -> list[int | None]:
    from inrarch.evaluator import map_dims

    return map_dims(map_attr, op)


def _slice_index(offsets, sizes, strides, full: tuple[int, ...], kept) -> list[str]:
    """The Python index of a static slice, one entry per dimension of the full tensor: an integer where the slice
    drops the dimension (`kept[i] is None`), `:` where it takes all of it, else start:stop(:step)."""
    index = []
    for i, (o, s, st) in enumerate(zip(offsets, sizes, strides, strict=True)):
        if kept[i] is None:
            index.append(str(o))
        elif o == 0 and st == 1 and s == full[i]:
            index.append(":")
        else:
            index.append(f"{o}:{o + s * st}:{st}" if st != 1 else f"{o}:{o + s}")
    return index


def _kept_dims(source: tuple[int, ...], sizes: list[int], result: tuple[int, ...]) -> list[int | None]:
    """For each source dimension of a (rank-reducing) slice, the result dimension it becomes, or None (dropped)."""
    kept: list[int | None] = []
    r = 0
    dropped_budget = len(sizes) - len(result)
    for size in sizes:
        if r < len(result) and result[r] == size and not (size == 1 and dropped_budget > 0 and
                                                          len(sizes) - len(kept) - 1 < len(result) - r):  # fmt: skip
            kept.append(r)
            r += 1
        elif size == 1 and dropped_budget > 0:
            kept.append(None)
            dropped_budget -= 1
        else:
            kept.append(r)
            r += 1
    return kept


def _static_slice(op) -> tuple[list[int], list[int], list[int]]:
    if op.offsets or op.sizes or op.strides:
        raise CompileError(f"the torch target supports {op.name} with static offsets, sizes and strides", op)
    return tuple(list(a.get_values()) for a in (op.static_offsets, op.static_sizes, op.static_strides))  # type: ignore


def analyse_dims(functions: list[func.FuncOp], dims: _Dims) -> None:
    """Ties the dimensions the ops of `functions` make equal (see the module's docstring)."""
    by_name = {f.sym_name.data: f for f in functions}
    for function in functions:
        for op in function.walk():
            if op is function:
                continue
            name = op.name
            if isinstance(op, linalg.MatmulOp):
                a, b = op.inputs
                (c,) = op.outputs
                r = op.results[0]
                for x, y in (((a, 0), (c, 0)), ((c, 0), (r, 0)), ((a, 1), (b, 0)), ((b, 1), (c, 1)), ((c, 1), (r, 1))):
                    dims.union(x, y)
            elif isinstance(op, linalg.GenericOp):
                for value, map_attr in zip([*op.inputs, *op.outputs], op.indexing_maps.data, strict=True):
                    for i, loop in enumerate(_map_loops(map_attr, op)):
                        if loop is not None:
                            dims.union((value, i), (op, "loop", loop))
                out_maps = op.indexing_maps.data[len(op.inputs):]
                for value, map_attr in zip(op.results, out_maps, strict=True):
                    for i, loop in enumerate(_map_loops(map_attr, op)):
                        if loop is not None:
                            dims.union((value, i), (op, "loop", loop))
            elif isinstance(op, linalg.BroadcastOp):
                added = set(op.dimensions.get_values())
                kept = [i for i in range(_rank(op.init)) if i not in added]
                for i, j in enumerate(kept):
                    dims.union((op.input, i), (op.init, j))
                dims.same(op.init, op.results[0])
            elif isinstance(op, linalg.TransposeOp):
                perm = list(op.permutation.get_values())
                for i, p in enumerate(perm):
                    dims.union((op.res[0], i), (op.inputs[0], p))
                dims.same(op.outputs[0], op.res[0])
            elif isinstance(op, linalg.FillOp):
                dims.same(op.outputs[0], op.results[0])
            elif name in _LINALG_NAMED:
                for v in [*op.operands[1:], *op.results]:
                    dims.same(op.operands[0], v)
            elif isinstance(op, tensor.ExtractSliceOp | tensor.InsertSliceOp):
                offsets, sizes, strides = _static_slice(op)
                whole, part = (op.source, op.result) if isinstance(op, tensor.ExtractSliceOp) else (op.dest, op.source)
                full = tuple(whole.type.get_shape())
                for i, k in enumerate(_kept_dims(full, sizes, tuple(part.type.get_shape()))):
                    if k is not None and offsets[i] == 0 and strides[i] == 1 and sizes[i] == full[i]:
                        dims.union((whole, i), (part, k))
                if isinstance(op, tensor.InsertSliceOp):
                    dims.same(op.dest, op.result)
            elif isinstance(op, tensor.ConcatOp):
                axis = op.dim.value.data
                for v in [*op.inputs, op.results[0]]:
                    for i in range(_rank(v)):
                        if i != axis:
                            dims.union((v, i), (op.inputs[0], i))
            elif isinstance(op, tensor.CollapseShapeOp | tensor.ExpandShapeOp):
                small, big = (op.result, op.src) if isinstance(op, tensor.CollapseShapeOp) else (op.src, op.result)
                shape = tuple(big.type.get_shape())
                for i, group in enumerate(op.reassociation):
                    members = [j for j in group.get_values() if shape[j] != 1]
                    if len(members) == 1:
                        dims.union((small, i), (big, members[0]))
            elif isinstance(op, tensor.CastOp):
                dims.same(op.source, op.dest)
            elif isinstance(op, func.CallOp):
                callee = by_name.get(op.callee.string_value())
                if callee is not None:
                    for arg, operand in zip(callee.body.block.args, op.arguments, strict=True):
                        dims.same(arg, operand)
                    ret = callee.body.block.last_op
                    for value, result in zip(ret.operands, op.results, strict=True):
                        dims.same(value, result)
            elif op.results and isinstance(op.results[0].type, TensorType):
                # Elementwise ops (arith, math, select): operands and result of one shape.
                for v in op.operands:
                    dims.same(v, op.results[0])


@dataclass
class _Val:
    """A value as the printed code holds it: a full tensor, a view broadcastable to its shape, or a Python number."""

    expr: str
    form: str  # "full" | "bcast" | "scalar" | "empty"
    shape: tuple  # ints and "n"
    number: float | int | bool | None = None


def _number(value) -> str:
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, int | np.integer):
        return repr(int(value))
    value = float(value)
    if np.isnan(value):
        return "float('nan')"
    if np.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)


def _shape_text(shape: tuple) -> str:
    return "(" + "".join(f"{d}, " for d in shape) + ")" if len(shape) != 1 else f"({shape[0]},)"


@dataclass
class TorchProgram:
    """The printed PyTorch module of one function of `module` (and the functions it calls)."""

    source: str
    constants: dict[str, np.ndarray]
    function: str
    columns: list[str] | None
    batch: int | None  # None: any batch size; else the one batch size the program runs at
    samples: int  # the IR's batch size

    def module_text(self) -> str:
        """The self-contained module: the source with its constants embedded (base64 of their bytes)."""
        lines = ["_CONSTANTS = {"]
        for name, array in self.constants.items():
            data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")
            lines.append(f"    {name!r}: ({array.dtype.name!r}, {tuple(array.shape)!r}, {data!r}),")
        lines.append("}")
        return self.source.replace("_CONSTANTS = {}  # filled by module_text()", "\n".join(lines))

    def build(self, chunk: int = 4096):
        """The `Program` module of the source, with the constants as buffers (not through text)."""
        import torch

        namespace: dict = {"__name__": f"inrarch_torch_{self.function}"}
        exec(compile(self.source, f"<inrarch torch target: @{self.function}>", "exec"), namespace)
        constants = {k: torch.from_numpy(np.ascontiguousarray(v).copy()) for k, v in self.constants.items()}
        return namespace["Program"](constants=constants, chunk=chunk)


@dataclass
class _Printer:
    dims: _Dims
    batch_key: object
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[SSAValue, _Val] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    fixed_batch: bool = False
    counter: int = 0

    # -- names and shapes ------------------------------------------------------------------------------------------

    def fresh(self, prefix: str = "v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def shape(self, value: SSAValue) -> tuple:
        assert isinstance(value.type, TensorType)
        static = tuple(value.type.get_shape())
        if any(d < 0 for d in static):
            raise CompileError(f"the torch target needs static shapes, got {value.type}", value.owner)
        if self.batch_key is None:
            return static
        batch = self.dims.find(self.batch_key)
        return tuple("n" if self.dims.find((value, i)) == batch else d for i, d in enumerate(static))

    def free_result(self, value: SSAValue, first: SSAValue | None) -> bool:
        """Whether a result is a number (a splat) whose first dimension has the static size of the batch."""
        val = self.values.get(value)
        return (val is not None and val.form == "scalar" and self.batch_key is not None and first is not None
                and first is self.batch_key[0] and isinstance(value.type, TensorType) and _rank(value) >= 1
                and value.type.get_shape()[0] == first.type.get_shape()[0])  # fmt: skip

    def is_batch(self, value: SSAValue, i: int) -> bool:
        return self.batch_key is not None and self.dims.find((value, i)) == self.dims.find(self.batch_key)

    def emit(self, text: str) -> None:
        self.lines.append(text)

    def define(self, result: SSAValue, expr: str, form: str = "full") -> _Val:
        name = self.fresh()
        self.emit(f"{name} = {expr}")
        val = _Val(name, form, self.shape(result) if isinstance(result.type, TensorType) else ())
        self.values[result] = val
        return val

    def full(self, value: SSAValue) -> str:
        """`value` as a tensor of exactly its shape."""
        val = self.values[value]
        if val.form == "full":
            return val.expr
        if val.form == "bcast":
            return f"{val.expr}.expand{_shape_text(val.shape)}"
        if val.form == "scalar":
            if not isinstance(value.type, TensorType):
                return f"torch.tensor({_number(val.number)}, dtype=_dtype, device=_device)"
            return f"torch.full({_shape_text(val.shape)}, {_number(val.number)}, dtype=_dtype, device=_device)"
        raise CompileError("the torch target reads an uninitialised tensor.empty", value.owner)

    def operand(self, value: SSAValue) -> str:
        """`value` for an elementwise expression (numbers and broadcastable views as they are)."""
        val = self.values[value]
        if val.form == "scalar":
            return _number(val.number)
        if val.form == "empty":
            raise CompileError("the torch target reads an uninitialised tensor.empty", value.owner)
        return val.expr

    # -- ops -------------------------------------------------------------------------------------------------------

    def op(self, op: Operation) -> None:
        name = op.name
        method = getattr(self, "op_" + name.replace(".", "_"), None)
        if method is not None:
            method(op)
        elif name in _LINALG_NAMED:
            self.elementwise(op, _LINALG_NAMED[name], list(op.operands[: len(op.inputs)]), op.results[0])
        elif torch_expression(name) is not None or name in ("arith.cmpf", "arith.select"):
            self.elementwise(op, name, list(op.operands), op.results[0])
        else:
            raise CompileError(f"the torch target does not support {name}", op)

    def elementwise(self, op: Operation, name: str, operands: list[SSAValue], result: SSAValue) -> None:
        vals = [self.values[v] for v in operands]
        if any(v.form == "empty" for v in vals):
            raise CompileError("the torch target reads an uninitialised tensor.empty", op)
        if all(v.form == "scalar" for v in vals):
            if name == "arith.cmpf":
                number = bool(ops.compare(ops.PREDICATES[op.predicate.value.data], *[v.number for v in vals]))
            elif name == "arith.select":
                number = vals[1].number if vals[0].number else vals[2].number
            else:
                number = _fold(name, [v.number for v in vals])
            shape = self.shape(result) if isinstance(result.type, TensorType) else ()
            self.values[result] = _Val("", "scalar", shape, number)
            return
        args = [self.operand(v) for v in operands]
        if name == "arith.cmpf":
            predicate = ops.PREDICATES[op.predicate.value.data]
            if predicate in ("false", "true", "ord", "uno"):
                raise CompileError(f"the torch target does not support arith.cmpf {predicate}", op)
            expr = f"({args[0]} {ops.COMPARISONS[predicate][1]} {args[1]})"
        elif name == "arith.select":
            cond = args[0]
            if vals[0].form == "scalar":
                cond = f"torch.tensor({cond}, device=_device)"
            expr = f"torch.where({cond}, {args[1]}, {args[2]})"
        else:
            template = torch_expression(name)
            unary_fn = template.startswith("torch.") and len(vals) == 1
            if unary_fn and vals[0].form == "scalar":  # (unreachable: all-scalar operands fold above)
                args = [self.full(operands[0])]
            expr = template.format(*[f"({a})" if a.startswith("-") else a for a in args])
        form = "full" if any(v.form == "full" for v in vals) else "bcast"
        if form == "bcast" and isinstance(result.type, TensorType):
            # Broadcastable operands of the result's rank make a broadcastable result; check the rank.
            if any(v.form == "bcast" and len(v.shape) != _rank(result) for v in vals):
                form = "full"
                expr = f"({expr}).expand{_shape_text(self.shape(result))}"
        self.define(result, expr, form)

    def op_arith_constant(self, op: arith.ConstantOp) -> None:
        attr, result = op.value, op.result
        if isinstance(attr, FloatAttr | IntegerAttr):
            value = attr.value.data
            self.values[result] = _Val("", "scalar", (), float(value) if isinstance(attr, FloatAttr) else int(value))
            return
        if not isinstance(attr, DenseIntOrFPElementsAttr):
            raise CompileError(f"the torch target cannot read constant {attr}", op)
        array = dense_to_numpy(attr)
        flat = array.reshape(-1)
        if flat.size and np.all(flat == flat[0]) and not np.isnan(flat[0]) or flat.size == 1:
            number = flat[0].item()
            self.values[result] = _Val("", "scalar", self.shape(result), number)
            return
        if any(self.is_batch(result, i) for i in range(array.ndim)):
            self.fixed_batch = True
        name = f"c{len(self.constants)}"
        self.constants[name] = array
        self.values[result] = _Val(f"self.{name}", "full", tuple(array.shape))

    def op_tensor_empty(self, op: tensor.EmptyOp) -> None:
        self.values[op.results[0]] = _Val("", "empty", self.shape(op.results[0]))

    def op_tensor_splat(self, op) -> None:
        val = self.values[op.operands[0]]
        if val.form == "scalar":
            self.values[op.results[0]] = _Val("", "scalar", self.shape(op.results[0]), val.number)
        else:
            self.define(op.results[0], f"{val.expr}.expand{_shape_text(self.shape(op.results[0]))}", "bcast")

    def op_linalg_fill(self, op: linalg.FillOp) -> None:
        val = self.values[op.inputs[0]]
        shape = self.shape(op.results[0])
        if val.form == "scalar":
            self.values[op.results[0]] = _Val("", "scalar", shape, val.number)
        else:
            self.define(op.results[0], f"{val.expr}.expand{_shape_text(shape)}", "bcast")

    def op_linalg_matmul(self, op: linalg.MatmulOp) -> None:
        a, b = (self.full(v) for v in op.inputs)
        init = self.values[op.outputs[0]]
        product = f"{a} @ {b}"
        if init.form == "scalar" and init.number == 0:
            expr = product
        elif init.form == "empty":
            raise CompileError("the torch target reads an uninitialised tensor.empty", op)
        else:
            expr = f"{self.operand(op.outputs[0])} + {product}"
        self.define(op.results[0], expr)

    def op_linalg_broadcast(self, op: linalg.BroadcastOp) -> None:
        val = self.values[op.input]
        shape = self.shape(op.init)
        if val.form == "scalar":
            self.values[op.results[0]] = _Val("", "scalar", shape, val.number)
            return
        expr = val.expr
        view = ["None" if i in set(op.dimensions.get_values()) else ":" for i in range(len(shape))]
        self.define(op.results[0], f"{expr}[{', '.join(view)}]", "bcast")

    def op_linalg_transpose(self, op: linalg.TransposeOp) -> None:
        perm = list(op.permutation.get_values())
        self.define(op.res[0], f"{self.full(op.inputs[0])}.permute({', '.join(map(str, perm))})")

    def op_linalg_generic(self, op: linalg.GenericOp) -> None:
        iterators = [str(it.data) for it in op.iterator_types.data]
        n_loops = len(iterators)
        n_in = len(op.inputs)
        maps = [_map_loops(m, op) for m in op.indexing_maps.data]
        bounds: list = [1] * n_loops
        for value, loops in zip([*op.inputs, *op.outputs], maps, strict=True):
            for i, loop in enumerate(loops):
                if loop is not None:
                    bounds[loop] = self.shape(value)[i]
        reduction = [i for i, it in enumerate(iterators) if "reduction" in it]
        block = op.body.block

        def in_loop_space(value: SSAValue, loops: list) -> str:
            """`value` viewed over all loops (size 1 along the loops it does not use)."""
            val = self.values[value]
            if val.form == "scalar":
                return _number(val.number)
            text = self.full(value)
            keep = [i for i, d in enumerate(loops) if d is not None]
            if len(keep) != len(loops):
                text = f"{text}.reshape{_shape_text(tuple(self.shape(value)[i] for i in keep))}"
            order = [loops[i] for i in keep]
            perm = sorted(range(len(order)), key=lambda k: order[k])
            if perm != list(range(len(order))):
                text = f"{text}.permute({', '.join(map(str, perm))})"
            present = sorted(order)
            index = ["None"] * n_loops
            for loop in present:
                index[loop] = ":"
            if len(present) != n_loops:
                text = f"{text}[{', '.join(index)}]"
            name = self.fresh()
            self.emit(f"{name} = {text}")
            return name

        args = [in_loop_space(v, m) for v, m in zip(op.inputs, maps[:n_in], strict=True)]
        for arg, text, value in zip(block.args[:n_in], args, op.inputs, strict=True):
            form = "scalar" if self.values[value].form == "scalar" else "bcast"
            self.values[arg] = _Val(text, form, (), self.values[value].number)
        yield_op = block.last_op
        accumulate: list[bool] = []
        if reduction:
            # Sum reductions only: the body yields acc + f(ins), f not reading acc.
            for i, out_arg in enumerate(block.args[n_in:]):
                y = yield_op.operands[i]
                owner = y.owner
                ok = isinstance(owner, arith.AddfOp) and out_arg in owner.operands and sum(
                    1 for u in out_arg.uses) == 1  # fmt: skip
                if not ok:
                    raise CompileError("the torch target supports reductions of the form acc + f(ins) only", op)
                accumulate.append(True)
        else:
            for out_arg in block.args[n_in:]:
                if out_arg.uses:
                    raise CompileError("the torch target supports parallel linalg.generic bodies that do not read "
                                       "their outputs", op)  # fmt: skip
        for inner in block.ops:
            if inner is yield_op:
                break
            if reduction and isinstance(inner, arith.AddfOp) and any(a in inner.operands for a in block.args[n_in:]):
                continue
            if isinstance(inner, linalg.IndexOp):
                dim = inner.dim.value.data
                shape = ["1"] * n_loops
                shape[dim] = str(bounds[dim])
                name = self.fresh()
                self.emit(f"{name} = torch.arange({bounds[dim]}, device=_device).reshape({', '.join(shape)})")
                self.values[inner.results[0]] = _Val(name, "bcast", ())
                continue
            self.op(inner)
            for r in inner.results:
                if self.values[r].form == "full":
                    self.values[r].form = "bcast"
        loop_shape = tuple(bounds)
        for i, (result, out_map) in enumerate(zip(op.results, maps[n_in:], strict=True)):
            y = yield_op.operands[i]
            if reduction:
                owner = y.owner
                y = next(v for v in owner.operands if v is not block.args[n_in + i])
            val = self.values[y]
            if val.form == "scalar":
                text = f"torch.full({_shape_text(loop_shape)}, {_number(val.number)}, dtype=_dtype, device=_device)"
            else:
                text = f"{val.expr}.expand{_shape_text(loop_shape)}"
            if reduction:
                text = f"{text}.sum(dim=({', '.join(map(str, reduction))},))"
                init = self.operand(op.outputs[i])
                kept = [loop for loop in out_map if loop is not None]
                remaining = [loop for loop in range(n_loops) if loop not in reduction]
                perm = [remaining.index(loop) for loop in kept]
                if perm != list(range(len(perm))):
                    text = f"{text}.permute({', '.join(map(str, perm))})"
                text = f"{init} + {text}.reshape{_shape_text(self.shape(result))}"
            else:
                kept = [loop for loop in out_map if loop is not None]
                if kept != list(range(n_loops)):
                    text = f"{text}.permute({', '.join(map(str, kept))})" if len(kept) == n_loops else text
                text = f"{text}.reshape{_shape_text(self.shape(result))}"
            self.define(result, text)

    def op_linalg_yield(self, op) -> None:
        raise AssertionError("handled by op_linalg_generic")

    def op_tensor_extract_slice(self, op: tensor.ExtractSliceOp) -> None:
        offsets, sizes, strides = _static_slice(op)
        source = self.values[op.source]
        result_shape = self.shape(op.result)
        if source.form == "scalar":
            self.values[op.result] = _Val("", "scalar", result_shape, source.number)
            return
        full = tuple(op.source.type.get_shape())
        kept = _kept_dims(full, sizes, tuple(op.result.type.get_shape()))
        index = _slice_index(offsets, sizes, strides, full, kept)
        while index and index[-1] == ":":
            index.pop()
        text = self.full(op.source)
        self.define(op.result, f"{text}[{', '.join(index)}]" if index else text)

    def op_tensor_insert_slice(self, op: tensor.InsertSliceOp) -> None:
        offsets, sizes, strides = _static_slice(op)
        full = tuple(op.dest.type.get_shape())
        kept = _kept_dims(full, sizes, tuple(op.source.type.get_shape()))
        index = _slice_index(offsets, sizes, strides, full, kept)
        name = self.define(op.result, f"{self.full(op.dest)}.clone()").expr
        self.emit(f"{name}[{', '.join(index)}] = {self.operand(op.source)}")

    def op_tensor_concat(self, op: tensor.ConcatOp) -> None:
        parts = ", ".join(self.full(v) for v in op.inputs)
        self.define(op.results[0], f"torch.cat([{parts}], dim={op.dim.value.data})")

    def _reshape(self, op) -> None:
        source = self.values[op.operands[0]]
        shape = self.shape(op.results[0])
        if source.form == "scalar":
            self.values[op.results[0]] = _Val("", "scalar", shape, source.number)
            return
        self.define(op.results[0], f"{self.full(op.operands[0])}.reshape{_shape_text(shape)}")

    op_tensor_collapse_shape = _reshape
    op_tensor_expand_shape = _reshape
    op_tensor_cast = _reshape

    def op_tensor_reshape(self, op) -> None:
        self._reshape(op)

    def op_tensor_extract(self, op: tensor.ExtractOp) -> None:
        indices = [self.operand(v) for v in op.indices]
        self.define(op.results[0], f"{self.full(op.tensor)}[{', '.join(indices)}]")

    def op_func_call(self, op: func.CallOp) -> None:
        args = ", ".join(self.full(v) if isinstance(v.type, TensorType) else self.operand(v) for v in op.arguments)
        callee = op.callee.string_value()
        results = [self.fresh() for _ in op.results]
        if results:
            self.emit(f"{', '.join(results)}{',' if len(results) == 1 else ''} = self.f_{callee}({args})")
        else:
            self.emit(f"self.f_{callee}({args})")
        for name, r in zip(results, op.results, strict=True):
            self.values[r] = _Val(name, "full", self.shape(r) if isinstance(r.type, TensorType) else ())

    # -- functions -------------------------------------------------------------------------------------------------

    def function(self, function: func.FuncOp) -> list[str]:
        """The method `f_<name>` of one function: its lines."""
        self.lines = []
        block = function.body.block
        params = []
        for arg in block.args:
            name = self.fresh("a")
            params.append(name)
            self.values[arg] = _Val(name, "full", self.shape(arg) if isinstance(arg.type, TensorType) else ())
        first_tensor = next((p for p, a in zip(params, block.args, strict=True) if isinstance(a.type, TensorType)), None)
        body_start = len(self.lines)
        ret = block.last_op
        for op in block.ops:
            if op is ret:
                break
            self.op(op)
        for v in ret.operands:
            if self.free_result(v, block.args[0] if block.args else None):
                # A splat result of the input's batch size (a derivative that is constant, ReLU's second): it
                # holds no per-sample data, so it takes the batch size of the call.
                val = self.values[v]
                self.values[v] = _Val(val.expr, val.form, ("n", *val.shape[1:]), val.number)
        results = [self.full(v) if isinstance(v.type, TensorType) else self.operand(v) for v in ret.operands]
        self.emit(f"return {', '.join(results)}{',' if len(results) == 1 else ''}" if results else "return ()")
        body = self.lines[body_start:]
        prologue = []
        text = "\n".join(body)
        if first_tensor is not None:
            if any(k in text for k in ("_dtype", "_device")):
                prologue.append(f"_dtype, _device = {first_tensor}.dtype, {first_tensor}.device")
            if _uses_name(text, "n"):
                prologue.append(f"n = {first_tensor}.shape[0]")
        elif "_dtype" in text or "_device" in text:
            prologue.append("_dtype, _device = torch.get_default_dtype(), torch.device('cpu')")
        body = _free_dead(prologue + body)
        head = f"def f_{function.sym_name.data}(self{''.join(', ' + p for p in params)}):"
        return [head, *("    " + line for line in body)]


def _uses_name(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w.]){name}(?![\w])", text) is not None


def _free_dead(lines: list[str]) -> list[str]:
    """Adds `del` after the line that last reads each local tensor `vN` / `aN` (a long derivative program holds
    hundreds of batch-sized tensors otherwise)."""
    import re

    names = re.compile(r"(?<![\w.])([va]\d+)(?![\w])")
    last: dict[str, int] = {}
    for i, line in enumerate(lines):
        for name in names.findall(line):
            last[name] = i
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if line.startswith("return"):
            continue
        dead = sorted({n for n in names.findall(line) if last[n] == i})
        if dead:
            out.append(f"del {', '.join(dead)}")
    return out


_TEMPLATE = '''"""{doc}"""

import base64

import torch

COLUMNS = {columns}
BATCH = {batch}  # None: any batch size; else the only one the program runs at
SAMPLES = {samples}  # the batch size of the IR

_CONSTANTS = {{}}  # filled by module_text()


def _constant(dtype, shape, data):
    return torch.frombuffer(bytearray(base64.b64decode(data)), dtype=getattr(torch, dtype)).reshape(shape).clone()


class Program(torch.nn.Module):
    """@{function}: forward(x) runs it on x ([N, ...], {batch_note}) on x's device and in x's floating dtype,
    `chunk` samples at a time.{columns_note}"""

    columns = COLUMNS

    def __init__(self, constants=None, chunk=4096):
        super().__init__()
        if constants is None:
            constants = {{k: _constant(*v) for k, v in _CONSTANTS.items()}}
        for name, value in constants.items():
            self.register_buffer(name, value)
        self.chunk = chunk

    def _follow(self, x):
        """Moves the constants to x's device and floating dtype (once, on the first call that differs)."""
        value = next(iter(self._buffers.values()), None)
        if value is not None and (value.device != x.device or x.is_floating_point() and value.dtype != x.dtype):
            self.to(device=x.device, dtype=x.dtype if x.is_floating_point() else None)

    def forward(self, x):
        self._follow(x)
        if BATCH is not None:
            if x.shape[0] != BATCH:
                raise ValueError(f"this program runs at {{BATCH}} samples only (a constant of the IR holds one row per "
                                 f"sample, or a result has no batch dimension), got {{x.shape[0]}}")
            return self.run(x)
        if x.shape[0] <= self.chunk:
            return self.run(x)
        parts = [self.run(part) for part in x.split(self.chunk)]
        if isinstance(parts[0], tuple):
            return tuple(torch.cat(p) for p in zip(*parts))
        return torch.cat(parts)

    def run(self, x):
        """One chunk."""
        {run}

{methods}
'''


def print_torch(module: ModuleOp, function: str | None = None, columns: list[str] | None = None) -> TorchProgram:
    """The PyTorch module of `function` of `module` (default: the function the evaluator runs) and its callees."""
    from inrarch.evaluator import find_function

    top = find_function(module, function)
    functions = [op for op in module.walk() if isinstance(op, func.FuncOp) and op.body.blocks]
    dims = _Dims()
    analyse_dims(functions, dims)
    first = top.body.block.args[0] if top.body.block.args else None
    batch_key = (first, 0) if first is not None and _rank(first) >= 1 else None
    printer = _Printer(dims, batch_key)
    methods: list[str] = []
    reached = _callees(top, {f.sym_name.data: f for f in functions})
    for f in reached:
        methods.extend("    " + line for line in printer.function(f))
        methods.append("")
    samples = first.type.get_shape()[0] if batch_key is not None else 1
    results = list(top.function_type.outputs.data)
    all_batched = batch_key is not None and all(
        isinstance(r, TensorType) for r in results) and all(
        printer.is_batch(v, 0) or printer.free_result(v, first) for v in top.body.block.last_op.operands)  # fmt: skip
    if batch_key is None or not all_batched:
        batch = samples
    else:
        batch = samples if printer.fixed_batch else None
    if len(top.body.block.args) != 1:
        raise CompileError(f"the torch target prints functions of one input tensor; @{top.sym_name.data} takes "
                           f"{len(top.body.block.args)}", top)  # fmt: skip
    stack = results and all(isinstance(r, TensorType) and r.get_num_dims() == 1 for r in results)
    call = f"self.f_{top.sym_name.data}(x)"
    if stack:
        run = f"return torch.stack({call}, dim=1)"
    elif len(results) == 1:
        run = f"return {call}[0]"
    else:
        run = f"return {call}"
    if columns is None:
        columns = _columns_of(top)
    if stack and columns is not None and len(columns) != len(results):
        columns = None
    doc = (f"@{top.sym_name.data} as PyTorch, printed by inrarch's torch target from its IR "
           f"({len(printer.constants)} constant tensors). Program()(x) computes it; see Program.")
    source = _TEMPLATE.format(
        doc=doc, columns=repr(columns) if stack else "None", batch=batch, samples=samples,
        function=top.sym_name.data, batch_note="any N" if batch is None else f"N = {batch} only",
        columns_note=" The results of a derivative program: one [N, K] tensor, columns named by COLUMNS."
        if stack else "", run=run, methods="\n".join(methods).rstrip() + "\n")  # fmt: skip
    return TorchProgram(source, printer.constants, top.sym_name.data, columns, batch, samples)


def _callees(top: func.FuncOp, by_name: dict[str, func.FuncOp]) -> list[func.FuncOp]:
    order: list[func.FuncOp] = []
    stack = [top]
    while stack:
        f = stack.pop()
        if f in order:
            continue
        order.append(f)
        for op in f.walk():
            if isinstance(op, func.CallOp):
                callee = by_name.get(op.callee.string_value())
                if callee is None:
                    raise CompileError(f"the torch target needs the body of @{op.callee.string_value()}", op)
                if callee is top or callee in stack:
                    pass
                stack.append(callee)
        if len(order) > len(by_name):
            raise CompileError("recursive calls: the torch target prints call graphs without cycles", top)
    return order


def _columns_of(function: func.FuncOp) -> list[str] | None:
    """The names of a derivative program's results (from its `inr.derivative` attribute), or None where they do not
    follow from it (a program that keeps the first K outputs)."""
    attr = function.attributes.get("inr.derivative")
    if attr is None:
        return None
    from inrarch.dialects.inr import derivative_outputs

    if attr.first_value is not None:  # the channel count is not known after a cut
        return None
    order, layout = attr.order.data, attr.layout.data
    (in_type,) = function.function_type.inputs.data
    dims = in_type.get_shape()[1] if isinstance(in_type, TensorType) and in_type.get_num_dims() == 2 else None
    if dims is None:
        return None
    count = len(function.function_type.outputs.data)
    per_channel = len(derivative_outputs(dims, 1, order, layout))
    if count % per_channel:
        return None
    return [o.name for o in derivative_outputs(dims, count // per_channel, order, layout)]


@dataclass(frozen=True)
class TorchTarget(Target):
    """`-t torch` prints the PyTorch module of the module's public function; `-t 'torch{out=FILE}'` writes it to
    FILE (a new file, or one inrarch's torch target wrote)."""

    name = "torch"

    out: str | None = None
    func: str | None = None

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        text = print_torch(module, self.func).module_text()
        if self.out:
            write_torch_file(self.out, text)
            output.write(f"# inrarch: wrote the PyTorch module to {self.out}\n")
            return
        output.write(text)


def write_torch_file(path: str, text: str) -> None:
    """Writes the module to `path` atomically; refuses to replace a file the torch target did not write."""
    import os

    from inrarch.files import write_file

    if os.path.lexists(path):
        try:
            with open(path, encoding="utf-8") as f:
                head = f.read(400)
        except (OSError, UnicodeDecodeError):
            head = ""
        if not os.path.isfile(path) or os.path.islink(path) or "printed by inrarch's torch target" not in head:
            raise CompileError(f"{path} exists and is not a module inrarch's torch target wrote: not replaced")
    write_file(path, text.encode("utf-8"))


__all__ = ["TorchProgram", "TorchTarget", "print_torch", "torch_expression"]
