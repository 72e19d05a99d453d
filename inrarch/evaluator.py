"""A reference evaluator for the IR inrarch produces, on xDSL's interpreter framework: func, arith, math, tensor and
linalg (named ops and `linalg.generic`, elementwise, broadcasting or reducing) on numpy values, in float32 or
float64; dataflow graphs run with `inrarch.analysis.functional`.

Every pass is checked against it; researchers use it to run their own IR (`inrarch.evaluate(module, x)`), or extend
it like any xDSL interpreter: subclass `InterpreterFunctions` with `@register_impls` / `@impl(MyOp)` methods and
register them on `interpreter(module, dtype)`.

All floating-point values are computed in `dtype`, whatever their IR element type (`arith.extf` / `truncf` are
identity), so a float32 model can be evaluated in float64 to check derivatives tightly. The elementwise ops of the
op registry (`inrarch.ops`) evaluate with their entry's numpy function. `linalg.generic` runs its body once on whole
arrays (loops are array axes), so evaluation is vectorised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import arith, func, math, tensor
from xdsl.dialects.linalg import ops as linalg
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
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    ReturnedValues,
    impl,
    impl_callable,
    impl_terminator,
    register_impls,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr
from xdsl.utils.exceptions import InterpretationError

from inrarch import ops
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import YieldOp as DataflowYieldOp
from inrarch.dialects.inr import GradOp
from inrarch.ir_utils import dense_to_numpy, numpy_dtype


def cast(value, type: Attribute, dtype: np.dtype):
    """`value` in the evaluator's representation of `type`: floats in `dtype`, integers in their width."""
    element = type.get_element_type() if isinstance(type, TensorType) else type
    if isinstance(element, AnyFloat):
        return np.asarray(value, dtype=dtype) if isinstance(type, TensorType) else dtype.type(value)
    if isinstance(element, IntegerType):
        np_type = numpy_dtype(element)
        return np.asarray(value, dtype=np_type) if isinstance(type, TensorType) else np_type(value)
    return value


def constant_value(attr: Attribute, type: Attribute, dtype=np.float64):
    """The value of a constant attribute (dense, float or integer) of type `type`."""
    dtype = np.dtype(dtype)
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return cast(dense_to_numpy(attr), type, dtype)
    if isinstance(attr, FloatAttr | IntegerAttr):
        return cast(attr.value.data, type, dtype)
    raise CompileError(f"the evaluator cannot read constant {attr}")


def _shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, TensorType)
    shape = tuple(value.type.get_shape())
    if any(d < 0 for d in shape):
        raise CompileError(f"the evaluator needs static shapes, got {value.type}", value.owner)
    return shape


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


def _static_slices(op) -> tuple[slice, ...]:
    if op.offsets or op.sizes or op.strides:
        raise CompileError(f"the evaluator supports {op.name} with static offsets, sizes and strides", op)
    offsets, sizes, strides = (list(a.get_values()) for a in (op.static_offsets, op.static_sizes, op.static_strides))
    return tuple(slice(o, o + s * st, st) for o, s, st in zip(offsets, sizes, strides, strict=True))


class EvaluatorFunctions(InterpreterFunctions):
    """The evaluator's implementations: numpy values, floats in `dtype`."""

    def __init__(self, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self._index = []  # the loop indices of the linalg.generic bodies being run (innermost last)

    def cast(self, value, type: Attribute):
        return cast(value, type, self.dtype)

    def _result(self, op: Operation, value) -> tuple:
        return (self.cast(value, op.results[0].type),)

    # -- func ----------------------------------------------------------------------------------------------------------

    @impl_callable(func.FuncOp)
    def call_func(self, interpreter: Interpreter, op: func.FuncOp, args: tuple) -> tuple:
        return interpreter.run_ssacfg_region(op.body, args, op.sym_name.data)

    @impl(func.CallOp)
    def run_call(self, interpreter: Interpreter, op: func.CallOp, args: tuple) -> tuple:
        from inrarch.diagnostics import CompileError

        name = op.callee.string_value()
        calls = self.__dict__.setdefault("_calls", [])  # the calls being evaluated, outermost first
        if name in calls or name == _enclosing_function(op):
            chain = " -> ".join(f"@{n}" for n in ((*calls, name) if calls else (_enclosing_function(op), name)))
            raise CompileError(f"recursive call ({chain}): inrarch evaluates call graphs without cycles", op)
        calls.append(name)
        try:
            return interpreter.call_op(name, args)
        finally:
            calls.pop()

    @impl_terminator(func.ReturnOp)
    def run_return(self, interpreter: Interpreter, op: func.ReturnOp, args: tuple):
        return ReturnedValues(args), ()

    @impl_terminator(linalg.YieldOp)
    def run_linalg_yield(self, interpreter: Interpreter, op: linalg.YieldOp, args: tuple):
        return ReturnedValues(args), ()

    @impl_terminator(tensor.YieldOp)
    def run_tensor_yield(self, interpreter: Interpreter, op: tensor.YieldOp, args: tuple):
        return ReturnedValues(args), ()

    @impl_terminator(DataflowYieldOp)
    def run_dataflow_yield(self, interpreter: Interpreter, op: DataflowYieldOp, args: tuple):
        return ReturnedValues(args), ()

    # -- arith and math ----------------------------------------------------------------------------------------------

    @impl(arith.ConstantOp)
    def run_constant(self, interpreter: Interpreter, op: arith.ConstantOp, args: tuple) -> tuple:
        return (constant_value(op.value, op.result.type, self.dtype),)

    @impl(arith.CmpfOp)
    def run_cmpf(self, interpreter: Interpreter, op: arith.CmpfOp, args: tuple) -> tuple:
        code = ops.PREDICATES[op.predicate.value.data]
        a, b = args
        if code in ("false", "true"):
            return ((np.zeros if code == "false" else np.ones)(np.broadcast(a, b).shape, dtype=bool),)
        if code in ("ord", "uno"):
            ordered = ~(np.isnan(a) | np.isnan(b))
            return (ordered if code == "ord" else ~ordered,)
        return (ops.compare(code, a, b),)

    @impl(arith.CmpiOp)
    def run_cmpi(self, interpreter: Interpreter, op: arith.CmpiOp, args: tuple) -> tuple:
        fns = [np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal] * 2
        return (fns[op.predicate.value.data](*args),)

    @impl(arith.SelectOp)
    def run_select(self, interpreter: Interpreter, op: arith.SelectOp, args: tuple) -> tuple:
        cond, a, b = args
        return self._result(op, np.where(cond, a, b))

    # -- tensor --------------------------------------------------------------------------------------------------------

    @impl(tensor.EmptyOp)
    def run_empty(self, interpreter: Interpreter, op: tensor.EmptyOp, args: tuple) -> tuple:
        return self._result(op, np.zeros(_shape(op.results[0])))

    @impl(tensor.ExtractSliceOp)
    def run_extract_slice(self, interpreter: Interpreter, op: tensor.ExtractSliceOp, args: tuple) -> tuple:
        return (np.reshape(args[0][_static_slices(op)], _shape(op.result)),)

    @impl(tensor.InsertSliceOp)
    def run_insert_slice(self, interpreter: Interpreter, op: tensor.InsertSliceOp, args: tuple) -> tuple:
        result = np.array(args[1], copy=True)
        index = _static_slices(op)
        result[index] = np.reshape(args[0], result[index].shape)
        return (result,)

    @impl(tensor.ConcatOp)
    def run_concat(self, interpreter: Interpreter, op: tensor.ConcatOp, args: tuple) -> tuple:
        return (np.concatenate(args, axis=op.dim.value.data),)

    def _reshape(self, interpreter: Interpreter, op: Operation, args: tuple) -> tuple:
        return (np.reshape(args[0], _shape(op.results[0])),)

    run_collapse = impl(tensor.CollapseShapeOp)(_reshape)
    run_expand = impl(tensor.ExpandShapeOp)(_reshape)
    run_reshape = impl(tensor.ReshapeOp)(_reshape)
    run_tensor_cast = impl(tensor.CastOp)(_reshape)

    @impl(tensor.ExtractOp)
    def run_extract(self, interpreter: Interpreter, op: tensor.ExtractOp, args: tuple) -> tuple:
        return (args[0][tuple(int(i) for i in args[1:])],)

    @impl(tensor.FromElementsOp)
    def run_from_elements(self, interpreter: Interpreter, op: tensor.FromElementsOp, args: tuple) -> tuple:
        return self._result(op, np.reshape(np.array(args), _shape(op.results[0])))

    @impl(tensor.SplatOp)
    def run_splat(self, interpreter: Interpreter, op: tensor.SplatOp, args: tuple) -> tuple:
        return self._result(op, np.full(_shape(op.results[0]), args[0]))

    # -- linalg --------------------------------------------------------------------------------------------------------

    @impl(linalg.FillOp)
    def run_fill(self, interpreter: Interpreter, op: linalg.FillOp, args: tuple) -> tuple:
        return self._result(op, np.full(_shape(op.results[0]), args[0]))

    @impl(linalg.MatmulOp)
    def run_matmul(self, interpreter: Interpreter, op: linalg.MatmulOp, args: tuple) -> tuple:
        a, b, c = args
        return self._result(op, c + np.matmul(a, b))

    @impl(linalg.TransposeOp)
    def run_transpose(self, interpreter: Interpreter, op: linalg.TransposeOp, args: tuple) -> tuple:
        return (np.transpose(args[0], list(op.permutation.get_values())),)

    @impl(linalg.BroadcastOp)
    def run_broadcast(self, interpreter: Interpreter, op: linalg.BroadcastOp, args: tuple) -> tuple:
        value = args[0]
        for dim in sorted(op.dimensions.get_values()):
            value = np.expand_dims(value, dim)
        return (self.cast(np.broadcast_to(value, _shape(op.init)).copy(), op.init.type),)

    @impl(linalg.IndexOp)
    def run_index(self, interpreter: Interpreter, op: linalg.IndexOp, args: tuple) -> tuple:
        if not self._index:
            raise CompileError("linalg.index outside a linalg.generic body", op)
        return (self._index[-1](op.dim.value.data),)

    @impl(linalg.GenericOp)
    def run_generic(self, interpreter: Interpreter, op: linalg.GenericOp, args: tuple) -> tuple:
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

        def run(loop_values, accumulators, index_of):
            self._index.append(index_of)
            try:
                return interpreter.run_ssacfg_region(op.body, (*loop_values, *accumulators), "linalg.generic")
            finally:
                self._index.pop()

        def index_full(dim):
            shape = [1] * n_loops
            shape[dim] = bounds[dim]
            return np.arange(bounds[dim]).reshape(shape)

        if not reduction:
            outs = [to_loop_space(v, d, n_loops) for v, d in zip(args[n_in:], out_maps, strict=True)]
            values = run(ins, outs, index_full)
            return tuple(self.cast(np.transpose(np.broadcast_to(value, tuple(bounds)), dims).copy(), res.type)
                         for value, dims, res in zip(values, out_maps, op.results, strict=True))  # fmt: skip

        # Reductions: loop over the reduction indices, vectorized over the parallel ones.
        parallel_shape = [1 if i in reduction else bounds[i] for i in range(n_loops)]
        accs = [np.broadcast_to(to_loop_space(v, d, n_loops), parallel_shape).copy()
                for v, d in zip(args[n_in:], out_maps, strict=True)]  # fmt: skip
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
            results.append(self.cast(np.transpose(squeezed, order).reshape(_shape(res)), res.type))
        return tuple(results)

    @impl(linalg.ReduceOp)
    def run_reduce(self, interpreter: Interpreter, op: linalg.ReduceOp, args: tuple) -> tuple:
        raise CompileError("the evaluator does not support linalg.reduce yet; use linalg.generic", op)

    @impl(GradOp)
    def run_grad(self, interpreter: Interpreter, op: GradOp, args: tuple) -> tuple:
        raise CompileError("inr.grad must be expanded by the inr-autodiff pass before evaluation", op)


def _elementwise(fn: Callable):
    def run(self: EvaluatorFunctions, interpreter: Interpreter, op: Operation, args: tuple) -> tuple:
        return self._result(op, fn(*args))

    return run


def _named(fn: Callable):
    def run(self: EvaluatorFunctions, interpreter: Interpreter, op: Operation, args: tuple) -> tuple:
        return (self.cast(fn(*args[: len(op.inputs)]), op.outputs[0].type),)

    return run


# The elementwise ops of the op registry, with their entry's numpy function; other elementwise ops here.
_ELEMENTWISE: dict[type[Operation], Callable] = {
    **{entry.op: entry.numpy for entry in ops.ELEMENTWISE.values() if entry.op not in (arith.CmpfOp, arith.SelectOp)},
    arith.MaxnumfOp: np.fmax, arith.MinnumfOp: np.fmin, arith.AddiOp: np.add, arith.SubiOp: np.subtract,
    arith.MuliOp: np.multiply, arith.ExtFOp: lambda x: x, arith.TruncFOp: lambda x: x, arith.SIToFPOp: lambda x: x,
    arith.UIToFPOp: lambda x: x, arith.IndexCastOp: lambda x: x, math.TanOp: np.tan,
    math.FPowIOp: lambda x, n: np.power(x, n.astype(np.float64) if isinstance(n, np.ndarray) else float(n)),
}  # fmt: skip
_LINALG_NAMED: dict[type[Operation], Callable] = {
    linalg.AddOp: np.add, linalg.SubOp: np.subtract, linalg.MulOp: np.multiply, linalg.MaxOp: np.maximum,
    linalg.MinOp: np.minimum, linalg.ExpOp: np.exp, linalg.LogOp: np.log, linalg.SqrtOp: np.sqrt,
    linalg.CopyOp: lambda x: x, linalg.SelectOp: np.where,
}  # fmt: skip
for _op, _fn in _ELEMENTWISE.items():
    setattr(EvaluatorFunctions, f"run_{_op.name.replace('.', '_')}", impl(_op)(_elementwise(_fn)))
for _op, _fn in _LINALG_NAMED.items():
    setattr(EvaluatorFunctions, f"run_{_op.name.replace('.', '_')}", impl(_op)(_named(_fn)))
EvaluatorFunctions = register_impls(EvaluatorFunctions)


def interpreter(module: Operation, dtype=np.float64) -> tuple[Interpreter, EvaluatorFunctions]:
    """An xDSL interpreter of `module` with the evaluator's implementations registered."""
    functions = EvaluatorFunctions(dtype)
    interp = Interpreter(module if isinstance(module, ModuleOp) else _module_of(module))
    interp.register_implementations(functions)
    return interp, functions


def _module_of(op: Operation) -> Operation:
    while op.parent_op() is not None:
        op = op.parent_op()
    return op


def supports(op: Operation | type[Operation]) -> bool:
    """Whether the evaluator has an implementation of `op` (an op or an op class)."""
    return (op if isinstance(op, type) else type(op)) in _SUPPORTED


_SUPPORTED = {op for op, _ in EvaluatorFunctions._impls()}  # type: ignore[attr-defined]


def run_op(interp: Interpreter, op: Operation, args: Sequence[object], known: dict | None = None) -> tuple:
    """Runs one op on values, with located errors; `known` gives the values its regions capture from outside."""
    captured = {v: known[v] for inner in op.walk() if inner is not op for v in inner.operands
                if known and v in known and not _inside(v, op)}  # fmt: skip
    interp.push_scope(op.name)
    try:
        interp.set_values(captured.items())
        return interp.run_op(op, tuple(args))
    except InterpretationError as err:
        raise CompileError(f"the evaluator does not support {op.name}", op) from err
    finally:
        interp.pop_scope()


def _inside(value: SSAValue, op: Operation) -> bool:
    """Whether `value` is defined inside `op`'s regions."""
    owner = value.owner
    parent = owner.parent_op() if isinstance(owner, Operation) else owner.parent_block().parent_op()
    while parent is not None:
        if parent is op:
            return True
        parent = parent.parent_op()
    return False


def find_function(module: Operation, name: str | None = None) -> func.FuncOp:
    """The function to run: `name`; else among the public functions @forward or @main, else the last one."""
    functions = [op for op in module.walk() if isinstance(op, func.FuncOp) and op.body.blocks]
    if name is not None:
        for f in functions:
            if f.sym_name.data == name:
                return f
        raise CompileError(f"the module has no function @{name}")
    if not functions:
        raise CompileError("the module has no function with a body")
    public = [f for f in functions if f.sym_visibility is None or f.sym_visibility.data == "public"] or functions
    for preferred in ("forward", "main"):
        for f in public:
            if f.sym_name.data == preferred:
                return f
    return public[-1]


def run_function(module: ModuleOp | Operation, arrays, dtype=np.float64, func_name: str | None = None) -> list[np.ndarray]:
    """Runs a function of `module` on numpy arrays; its results as arrays of `dtype`."""
    function = find_function(module, func_name)
    block = function.body.block
    if len(arrays) != len(block.args):
        raise CompileError(f"@{function.sym_name.data} takes {len(block.args)} inputs, {len(arrays)} given", function)
    interp, functions = interpreter(module, dtype)
    args = []
    for arg, value in zip(block.args, arrays, strict=True):
        if isinstance(arg.type, TensorType) and tuple(np.shape(value)) != tuple(arg.type.get_shape()):
            raise CompileError(
                f"input #{arg.index} of @{function.sym_name.data} must have shape {list(arg.type.get_shape())}, "
                f"got {list(np.shape(value))}",
                function,
            )
        args.append(functions.cast(value, arg.type))
    unsupported = next((op for op in function.walk() if op is not function and not supports(op)), None)
    if unsupported is not None:
        raise CompileError(f"the evaluator does not support {unsupported.name}", unsupported)
    from inrarch.ir_utils import check_defined_before_use

    check_defined_before_use(module)  # (the functions it calls too)
    with np.errstate(all="ignore"):
        results = interp.call_op(function, tuple(args))
    return [np.asarray(r) for r in results]


__all__ = ["EvaluatorFunctions", "constant_value", "find_function", "interpreter", "map_dims", "run_function",
           "run_op", "supports", "to_loop_space"]  # fmt: skip


def _enclosing_function(op: Operation) -> str | None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, func.FuncOp):
        parent = parent.parent_op()
    return parent.sym_name.data if parent is not None else None
