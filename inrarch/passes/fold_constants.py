"""`inr-fold-constants`: folds every computation that does not depend on a function's arguments into
`arith.constant` — weight transposes, scaled weights, matmul initial values — so that the derivative and dataflow
passes see weights as plain constants. Imported models need it: torch-mlir transposes each `nn.Linear` weight at
run time. Folding never enlarges the IR: a result is folded only when it is a splat or no larger than the largest
constant it is computed from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.transforms.dead_code_elimination import region_dce

from inrarch.evaluator import constant_value, interpreter, run_op, supports
from inrarch.ir_utils import dense_to_numpy, numpy_to_dense

# Ops whose results are values, computed from their operands (and body) only.
_NOT_FOLDED = {"arith.constant", "func.return", "func.call", "inr.grad", "tensor.empty"}


def _captures_only_constants(op: Operation, known: dict[SSAValue, np.ndarray]) -> bool:
    """Values used inside `op`'s regions but defined outside must be known constants."""
    inside = {res for inner in op.walk() for res in inner.results} | {
        arg for region in op.regions for block in region.blocks for arg in block.args
    }
    return all(v in inside or v in known for inner in op.walk() if inner is not op for v in inner.operands)


@dataclass(frozen=True)
class FoldConstantsPass(ModulePass):
    """Folds argument-independent computations (weight transposes, scaled weights) into constants."""

    name = "inr-fold-constants"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in [f for f in op.walk() if isinstance(f, func.FuncOp)]:
            fold_function(function)


def fold_function(function: func.FuncOp) -> None:
    interp, _ = interpreter(function, np.float64)
    known: dict[SSAValue, np.ndarray] = {}
    for inner in list(function.body.walk()):
        if inner.parent_op() is not function:
            continue  # ops in nested bodies are folded with their parent
        if isinstance(inner, arith.ConstantOp) and isinstance(inner.result.type, TensorType):
            known[inner.result] = dense_to_numpy(inner.value)
            continue
        if inner.name == "tensor.empty":
            known[inner.results[0]] = np.zeros(inner.results[0].type.get_shape())
            continue
        if isinstance(inner, arith.ConstantOp):
            known[inner.result] = constant_value(inner.value, inner.result.type)
            continue
        if inner.name in _NOT_FOLDED or not supports(inner) or not inner.results:
            continue
        if not all(v in known for v in inner.operands) or not _captures_only_constants(inner, known):
            continue
        if not all(isinstance(r.type, TensorType) for r in inner.results):
            continue
        values = run_op(interp, inner, [known[v] for v in inner.operands], known)
        largest = max(
            (np.size(known[v]) for v in inner.operands if getattr(v.owner, "name", "") != "tensor.empty"), default=0
        )
        new_ops = []
        for res, value in zip(inner.results, values, strict=True):
            value = np.asarray(value)
            splat = value.size > 0 and np.all(value == value.flat[0])
            if not splat and value.size > largest:
                break
            const = arith.ConstantOp(numpy_to_dense(value, res.type.get_element_type()), res.type)
            const.location = inner.location
            new_ops.append((res, const, value))
        else:
            for res, const, value in new_ops:
                function.body.block.insert_op_before(const, inner)
                res.replace_all_uses_with(const.result)
                known[const.result] = value
            inner.detach()
            inner.erase()
    region_dce(function.body)
