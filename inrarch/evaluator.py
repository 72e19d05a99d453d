"""A reference evaluator for the IR inrarch produces: func, arith, math, tensor and linalg (named ops and
`linalg.generic`, elementwise, broadcasting or reducing), on tensors, in float32 or float64 with numpy.

Every pass is checked against it; researchers use it to run their own IR:

    outputs = inrarch.evaluate(module, x)               # float64
    outputs = inrarch.evaluate(module, x, dtype=np.float32)

All floating-point values are computed in `dtype`, whatever their IR element type (`arith.extf` / `truncf` are
identity), so a float32 model can be evaluated in float64 to check derivatives tightly. Handlers live in one table,
`HANDLERS`, keyed by op name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import special
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    AffineMapAttr,
    AnyFloat,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr
from xdsl.traits import SymbolTable

from inrarch import ops
from inrarch.diagnostics import CompileError
from inrarch.ir_utils import dense_to_numpy, numpy_dtype

Env = dict[SSAValue, object]


class Evaluator:
    def __init__(self, module: Operation, dtype: type):
        self.module = module
        self.dtype = np.dtype(dtype)

    # -- values ------------------------------------------------------------------------------------------------------

    def cast(self, value, type: Attribute):
        """Brings a computed value to the evaluator's representation of `type`."""
        element = type.get_element_type() if isinstance(type, TensorType) else type
        if isinstance(element, AnyFloat):
            return np.asarray(value, dtype=self.dtype) if isinstance(type, TensorType) else self.dtype.type(value)
        if isinstance(element, IntegerType):
            np_type = numpy_dtype(element)
            return np.asarray(value, dtype=np_type) if isinstance(type, TensorType) else np_type(value)
        return value

    def attr_value(self, attr: Attribute, type: Attribute):
        if isinstance(attr, DenseIntOrFPElementsAttr):
            return self.cast(dense_to_numpy(attr), type)
        if isinstance(attr, FloatAttr):
            return self.cast(attr.value.data, type)
        if isinstance(attr, IntegerAttr):
            return self.cast(attr.value.data, type)
        raise CompileError(f"the evaluator cannot read constant {attr}")

    # -- functions ---------------------------------------------------------------------------------------------------

    def call(self, function: func.FuncOp, args: Sequence[object]) -> list[object]:
        block = function.body.block
        if len(args) != len(block.args):
            raise CompileError(
                f"@{function.sym_name.data} takes {len(block.args)} inputs, {len(args)} given", function
            )
        env: Env = {}
        for arg, value in zip(block.args, args, strict=True):
            if isinstance(arg.type, TensorType) and tuple(np.shape(value)) != tuple(arg.type.get_shape()):
                raise CompileError(
                    f"input #{arg.index} of @{function.sym_name.data} must have shape "
                    f"{list(arg.type.get_shape())}, got {list(np.shape(value))}",
                    function,
                )
            env[arg] = self.cast(value, arg.type)
        return self.run_block(block, env)

    def run_block(self, block: Block, env: Env) -> list[object]:
        for op in block.ops:
            if op.name in ("func.return", "linalg.yield", "dataflow.yield", "tensor.yield"):
                return [env[v] for v in op.operands]
            handler = HANDLERS.get(op.name)
            if handler is None:
                raise CompileError(f"the evaluator does not support {op.name}", op)
            results = handler(self, op, [env[v] for v in op.operands], env)
            for res, value in zip(op.results, results, strict=True):
                env[res] = value
        return []

    def lookup_function(self, name: str) -> func.FuncOp:
        found = SymbolTable.lookup_symbol(self.module, name)
        if not isinstance(found, func.FuncOp):
            raise CompileError(f"no function @{name} in the module")
        return found


# ---------------------------------------------------------------------------------------------------------------------
# Handlers: (evaluator, op, operand values, environment) -> result values
# ---------------------------------------------------------------------------------------------------------------------

Handler = Callable[[Evaluator, Operation, list, Env], Sequence[object]]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str):
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def _elementwise(name: str, fn: Callable):
    HANDLERS[name] = lambda ev, op, args, env: [ev.cast(fn(*args), op.results[0].type)]


# The elementwise ops of the op registry (inrarch.ops) evaluate with their entry's numpy function; the others here.
for _entry in ops.ELEMENTWISE.values():
    if _entry.op not in (arith.CmpfOp, arith.SelectOp):  # handled below, with their predicates and i1 values
        _elementwise(_entry.name, _entry.numpy)

for _name, _fn in {
    "arith.maxnumf": np.fmax,
    "arith.minnumf": np.fmin,
    "arith.addi": np.add,
    "arith.subi": np.subtract,
    "arith.muli": np.multiply,
    "arith.extf": lambda x: x,
    "arith.truncf": lambda x: x,
    "arith.sitofp": lambda x: x,
    "arith.uitofp": lambda x: x,
    "arith.index_cast": lambda x: x,
    "math.tan": np.tan,
    "math.fpowi": lambda x, n: np.power(x, n.astype(np.float64) if isinstance(n, np.ndarray) else float(n)),
}.items():
    _elementwise(_name, _fn)


@handles("arith.cmpf")
def _cmpf(ev, op, args, env):
    code = ops.PREDICATES[op.predicate.value.data]
    a, b = args
    if code == "false":
        return [np.zeros(np.broadcast(a, b).shape, dtype=bool)]
    if code == "true":
        return [np.ones(np.broadcast(a, b).shape, dtype=bool)]
    if code in ("ord", "uno"):
        ordered = ~(np.isnan(a) | np.isnan(b))
        return [ordered if code == "ord" else ~ordered]
    return [ops.compare(code, a, b)]


@handles("arith.cmpi")
def _cmpi(ev, op, args, env):
    codes = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]
    fns = [np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal] * 2
    return [fns[codes.index(codes[op.predicate.value.data])](*args)]


@handles("arith.select")
def _select(ev, op, args, env):
    cond, a, b = args
    return [ev.cast(np.where(cond, a, b), op.results[0].type)]


@handles("arith.constant")
def _constant(ev, op, args, env):
    return [ev.attr_value(op.value, op.results[0].type)]


@handles("func.call")
def _call(ev, op, args, env):
    return ev.call(ev.lookup_function(op.callee.string_value()), args)


# -- tensor ------------------------------------------------------------------------------------------------------------


def _shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, TensorType)
    shape = tuple(value.type.get_shape())
    if any(d < 0 for d in shape):
        raise CompileError(f"the evaluator needs static shapes, got {value.type}", value.owner)
    return shape


@handles("tensor.empty")
def _empty(ev, op, args, env):
    return [ev.cast(np.zeros(_shape(op.results[0])), op.results[0].type)]


@handles("tensor.extract_slice")
def _extract_slice(ev, op, args, env):
    if op.offsets or op.sizes or op.strides:
        raise CompileError("the evaluator supports tensor.extract_slice with static offsets, sizes and strides", op)
    offsets, sizes, strides = (list(a.get_values()) for a in (op.static_offsets, op.static_sizes, op.static_strides))
    index = tuple(slice(o, o + s * st, st) for o, s, st in zip(offsets, sizes, strides, strict=True))
    return [np.reshape(args[0][index], _shape(op.result))]


@handles("tensor.insert_slice")
def _insert_slice(ev, op, args, env):
    if op.offsets or op.sizes or op.strides:
        raise CompileError("the evaluator supports tensor.insert_slice with static offsets, sizes and strides", op)
    offsets, sizes, strides = (list(a.get_values()) for a in (op.static_offsets, op.static_sizes, op.static_strides))
    result = np.array(args[1], copy=True)
    index = tuple(slice(o, o + s * st, st) for o, s, st in zip(offsets, sizes, strides, strict=True))
    result[index] = np.reshape(args[0], result[index].shape)
    return [result]


@handles("tensor.concat")
def _concat(ev, op, args, env):
    return [np.concatenate(args, axis=op.dim.value.data)]


@handles("tensor.collapse_shape", "tensor.expand_shape", "tensor.reshape", "tensor.cast")
def _reshape(ev, op, args, env):
    return [np.reshape(args[0], _shape(op.results[0]))]


@handles("tensor.extract")
def _extract(ev, op, args, env):
    return [args[0][tuple(int(i) for i in args[1:])]]


@handles("tensor.from_elements")
def _from_elements(ev, op, args, env):
    return [ev.cast(np.reshape(np.array(args), _shape(op.results[0])), op.results[0].type)]


@handles("tensor.splat")
def _splat(ev, op, args, env):
    return [ev.cast(np.full(_shape(op.results[0]), args[0]), op.results[0].type)]


@handles("arith.index_cast")
def _index_cast(ev, op, args, env):
    return [args[0]]


# -- linalg ------------------------------------------------------------------------------------------------------------


@handles("linalg.fill")
def _fill(ev, op, args, env):
    return [ev.cast(np.full(_shape(op.results[0]), args[0]), op.results[0].type)]


@handles("linalg.matmul")
def _matmul(ev, op, args, env):
    a, b, c = args
    return [ev.cast(c + np.matmul(a, b), op.results[0].type)]


@handles("linalg.transpose")
def _transpose(ev, op, args, env):
    return [np.transpose(args[0], list(op.permutation.get_values()))]


@handles("linalg.broadcast")
def _broadcast(ev, op, args, env):
    out_shape = _shape(op.init)
    value = args[0]
    for dim in sorted(op.dimensions.get_values()):
        value = np.expand_dims(value, dim)
    return [ev.cast(np.broadcast_to(value, out_shape).copy(), op.init.type)]


for _name, _fn in {
    "linalg.add": np.add, "linalg.sub": np.subtract, "linalg.mul": np.multiply, "linalg.div": np.divide,
    "linalg.max": np.maximum, "linalg.min": np.minimum, "linalg.exp": np.exp, "linalg.log": np.log,
    "linalg.sqrt": np.sqrt, "linalg.copy": lambda x: x, "linalg.select": np.where,
}.items():  # fmt: skip
    HANDLERS[_name] = (lambda fn: lambda ev, op, args, env: [ev.cast(fn(*args[: len(op.inputs)]), op.outputs[0].type)])(_fn)


def map_dims(map_attr: AffineMapAttr, op: Operation) -> list[int | None]:
    """For each result of an indexing map, the loop it reads (None for a constant 0 index)."""
    dims: list[int | None] = []
    for expr in map_attr.data.results:
        if isinstance(expr, AffineDimExpr):
            dims.append(expr.position)
        elif isinstance(expr, AffineConstantExpr) and expr.value == 0:
            dims.append(None)
        else:
            raise CompileError(f"the evaluator supports projected-permutation indexing maps, got {map_attr}", op)
    return dims


def to_loop_space(value, dims: list[int | None], n_loops: int):
    """Views an operand indexed by `dims` as an array over all loops (size 1 along loops it does not use)."""
    value = np.asarray(value)
    keep = [i for i, d in enumerate(dims) if d is not None]
    value = value.reshape([value.shape[i] for i in keep]) if len(keep) != value.ndim else value
    order = [dims[i] for i in keep]
    value = np.transpose(value, np.argsort(order)) if order else value
    shape = [1] * n_loops
    for axis, loop in enumerate(sorted(order)):
        shape[loop] = value.shape[axis]
    return value.reshape(shape)


@handles("linalg.generic")
def _generic(ev, op, args, env):
    maps = [map_dims(m, op) for m in op.indexing_maps.data]
    iterators = [str(it.data) for it in op.iterator_types.data]
    n_loops = len(iterators)
    bounds = [1] * n_loops
    for value, dims in zip(args, maps, strict=True):
        for size, loop in zip(np.shape(value), dims, strict=True):
            if loop is not None:
                bounds[loop] = size
    n_in = len(op.inputs)
    ins = [to_loop_space(v, d, n_loops) for v, d in zip(args[:n_in], maps[:n_in], strict=True)]
    out_maps = maps[n_in:]
    reduction = [i for i, it in enumerate(iterators) if "reduction" in it]
    block = op.body.block

    def run(loop_values, accumulators, index_of):
        env2 = dict(env)
        for arg, value in zip(block.args, [*loop_values, *accumulators], strict=True):
            env2[arg] = value
        env2["__linalg_index__"] = index_of
        return ev.run_block(block, env2)

    def index_full(dim):
        shape = [1] * n_loops
        shape[dim] = bounds[dim]
        return np.arange(bounds[dim]).reshape(shape)

    if not reduction:
        outs = [to_loop_space(v, d, n_loops) for v, d in zip(args[n_in:], out_maps, strict=True)]
        values = run(ins, outs, index_full)
        full = tuple(bounds)
        results = []
        for value, dims, res in zip(values, out_maps, op.results, strict=True):
            value = np.broadcast_to(value, full)
            results.append(ev.cast(np.transpose(value, dims).copy(), res.type))
        return results

    # Reductions: loop over the reduction indices, vectorized over the parallel ones.
    parallel_shape = [1 if i in reduction else bounds[i] for i in range(n_loops)]
    accs = [np.broadcast_to(to_loop_space(v, d, n_loops), parallel_shape).copy() for v, d in zip(args[n_in:], out_maps, strict=True)]
    for index in np.ndindex(*[bounds[i] for i in reduction]):
        sel = [slice(None)] * n_loops
        for loop, i in zip(reduction, index, strict=True):
            sel[loop] = slice(i, i + 1)
        loop_vals = [v[tuple(s if v.shape[k] > 1 else slice(None) for k, s in enumerate(sel))] for v in ins]

        def index_at(dim, _index=index):
            if dim in reduction:
                return np.full([1] * n_loops, _index[reduction.index(dim)])
            return index_full(dim)

        accs = [np.broadcast_to(a, parallel_shape).copy() for a in run(loop_vals, accs, index_at)]
    results = []
    for acc, dims, res in zip(accs, out_maps, op.results, strict=True):
        kept = [d for d in dims if d is not None]
        squeezed = np.squeeze(acc, axis=tuple(reduction))
        remaining = [i for i in range(n_loops) if i not in reduction]
        order = [remaining.index(d) for d in kept]
        results.append(ev.cast(np.transpose(squeezed, order).reshape(_shape(res)), res.type))
    return results


@handles("linalg.index")
def _index(ev, op, args, env):
    return [env["__linalg_index__"](op.dim.value.data)]


@handles("linalg.reduce")
def _reduce(ev, op, args, env):
    raise CompileError("the evaluator does not support linalg.reduce yet; use linalg.generic", op)


@handles("inr.grad")
def _grad(ev, op, args, env):
    raise CompileError("inr.grad must be expanded by the inr-autodiff pass before evaluation", op)


# ---------------------------------------------------------------------------------------------------------------------


def find_function(module: Operation, name: str | None = None) -> func.FuncOp:
    """The function to run: `name`; else among the public functions @forward or @main, else the last one."""
    functions = [op for op in module.walk() if isinstance(op, func.FuncOp) and op.body.blocks]
    if name is not None:
        for f in functions:
            if f.sym_name.data == name:
                return f
        names = ", ".join("@" + f.sym_name.data for f in functions)
        raise CompileError(f"no function @{name} in the module (it has {names})")
    if not functions:
        raise CompileError("the module has no function with a body")
    public = [f for f in functions if f.sym_visibility is None or f.sym_visibility.data == "public"] or functions
    for preferred in ("forward", "main"):
        for f in public:
            if f.sym_name.data == preferred:
                return f
    return public[-1]


def run_function(module: ModuleOp | Operation, arrays, dtype=np.float64, func: str | None = None) -> list[np.ndarray]:
    """Runs a function of `module` on numpy arrays; its results as arrays of `dtype`."""
    ev = Evaluator(module, dtype)
    function = find_function(module, func)
    with np.errstate(all="ignore"):
        results = ev.call(function, arrays)
    return [np.asarray(r) for r in results]


__all__ = ["find_function", "HANDLERS", "handles", "run_function"]
