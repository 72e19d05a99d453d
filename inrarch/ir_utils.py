"""Small helpers between xDSL IR and numpy."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    TensorType,
    f32,
    f64,
)
from xdsl.ir import Attribute

_NUMPY_OF = {Float16Type: np.float16, Float32Type: np.float32, Float64Type: np.float64}


def numpy_dtype(element_type: Attribute) -> type:
    for cls, dtype in _NUMPY_OF.items():
        if isinstance(element_type, cls):
            return dtype
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        return {1: np.bool_, 8: np.int8, 16: np.int16, 32: np.int32, 64: np.int64}[width]
    raise ValueError(f"no numpy type for {element_type}")


def dense_to_numpy(attr: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The values of a dense elements attribute as an array of its shape."""
    ttype = attr.get_type()
    shape = tuple(ttype.get_shape())
    dtype = numpy_dtype(ttype.get_element_type())
    if dtype is np.bool_:
        flat = np.array(attr.get_values(), dtype=np.bool_)
    else:
        flat = np.frombuffer(attr.data.data, dtype=dtype)
    size = int(np.prod(shape, dtype=np.int64))
    if flat.size == 1 and size != 1:
        return np.full(shape, flat[0], dtype=dtype)
    return flat.reshape(shape).copy()


def numpy_to_dense(array: np.ndarray, element_type: Attribute | None = None) -> DenseIntOrFPElementsAttr:
    """A dense elements attribute of `array`'s shape; floats are stored as `element_type` (default: by dtype)."""
    array = np.asarray(array)
    if element_type is None:
        element_type = f64 if array.dtype == np.float64 else f32
    data = np.ascontiguousarray(array, dtype=numpy_dtype(element_type))
    return DenseIntOrFPElementsAttr(TensorType(element_type, list(array.shape)), BytesAttr(data.tobytes()))


def check_defined_before_use(op) -> None:
    """Raises a located CompileError at the first operation (in `op`, a function or module) that uses a value its
    block has not defined yet. xDSL's verifier does not check that definitions dominate uses; inrarch's evaluator
    and lifter rely on it."""
    from inrarch.diagnostics import CompileError

    def walk(region, visible: set) -> None:
        for block in region.blocks:
            seen = visible | set(block.args)
            for inner in block.ops:
                for k, v in enumerate(inner.operands):
                    if v not in seen:
                        raise CompileError(f"{inner.name}: operand #{k} is used before it is defined; a value must "
                                           "be defined above its uses", inner)  # fmt: skip
                for r in inner.regions:
                    walk(r, seen)
                seen.update(inner.results)

    for region in op.regions:
        walk(region, set())


def op_type_registrar(table: dict):
    """A decorator factory that records the decorated function in `table` under an op type:
    `rule = op_type_registrar(TABLE)`, then `@rule(MyOp)` (the kernel ops' facts, print and semantics rules)."""

    def rule(op_type):
        def register(fn):
            table[op_type] = fn
            return fn

        return register

    return rule

