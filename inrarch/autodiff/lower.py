"""Emission of a per-sample program as IR on batches: linalg / arith / math / tensor on `tensor<N x ...>`.

Elementwise nodes become arith / math ops on tensors; a constant row used by a batch op becomes a
`linalg.broadcast` of a dense row (a splat becomes a splat constant); `where` nodes become a `linalg.generic`
(cmpf + select); matrix products `linalg.matmul` with a constant right-hand side; concatenations and slices of
features `tensor.concat` / `tensor.extract_slice`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.builder import Builder as IRBuilder
from xdsl.builder import InsertPoint
from xdsl.dialects import arith, math, tensor
from xdsl.dialects.builtin import AffineMapAttr, ArrayAttr, DenseArrayBase, IntegerAttr, TensorType, i64
from xdsl.dialects.linalg.attrs import IteratorTypeAttr
from xdsl.dialects.linalg.ops import BroadcastOp, GenericOp, MatmulOp, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineMap

from inrarch.autodiff.graph import Node, topological_order
from inrarch.ir_utils import numpy_to_dense
from inrarch.ops import DIFFERENTIABLE

EW_OPS: dict[str, type[Operation]] = {name: info.op for name, info in DIFFERENTIABLE.items()}



class Lowerer:
    """Emits nodes before an insertion point; each node once."""

    def __init__(self, samples: int, element_type: Attribute, insert_point: InsertPoint, x: SSAValue | None):
        self.samples = samples
        self.element_type = element_type
        self.ir = IRBuilder(insert_point)
        self.x = x
        self.values: dict[int, SSAValue] = {}
        self._constants: dict[tuple, SSAValue] = {}

    def type_of(self, shape: Sequence[int]) -> TensorType:
        return TensorType(self.element_type, [self.samples, *shape])

    def emit(self, outputs: Sequence[Node]) -> list[SSAValue]:
        for node in topological_order(outputs):
            if node.uid not in self.values:
                self.values[node.uid] = self._lower(node)
        return [self.values[o.uid] for o in outputs]

    def constant(self, value: np.ndarray, type: TensorType) -> SSAValue:
        key = (tuple(type.get_shape()), np.ascontiguousarray(value, dtype=np.float64).tobytes())
        if key not in self._constants:
            self._constants[key] = self.ir.insert(arith.ConstantOp(numpy_to_dense(value, self.element_type), type)).result
        return self._constants[key]

    def _lower(self, node: Node) -> SSAValue:
        args = [self.values[a.uid] for a in node.args]
        rtype = self.type_of(node.shape)
        match node.kind:
            case "input":
                assert self.x is not None
                return self.x
            case "const":
                value = np.asarray(node.value)
                if value.size == 0 or np.all(value == value.flat[0]):
                    return self.constant(np.full(rtype.get_shape(), value.flat[0] if value.size else 0.0), rtype)
                row = self.constant(value, TensorType(self.element_type, list(node.shape)))
                empty = self.ir.insert(tensor.EmptyOp([], rtype)).tensor
                return self.ir.insert(
                    BroadcastOp(row, empty, DenseArrayBase.from_list(i64, [0]), rtype)
                ).result[0]
            case "batch_const":
                return self.constant(node.value, rtype)
            case "ew":
                op_cls = EW_OPS[node.op]
                return self.ir.insert(op_cls.create(operands=args, result_types=[rtype])).results[0]
            case "where":
                return self._where(node.attrs[0], args, rtype)
            case "matmul":
                weights = self.constant(node.value, TensorType(self.element_type, list(node.value.shape)))
                zero = self.constant(np.zeros(rtype.get_shape()), rtype)
                return self.ir.insert(MatmulOp([args[0], weights], [zero], [rtype])).results[0]
            case "concat":
                return self.ir.insert(tensor.ConcatOp(args, 1, rtype)).result
            case "slice":
                _, start, size, stride = node.attrs
                return self.ir.insert(
                    tensor.ExtractSliceOp(args[0], [0, start], [self.samples, size], [1, stride], rtype)
                ).result
            case "reshape":
                reassoc = ArrayAttr([ArrayAttr([IntegerAttr(0, i64), IntegerAttr(1, i64)])])
                if node.shape == ():
                    return self.ir.insert(tensor.CollapseShapeOp(operands=[args[0]], result_types=[rtype],
                                                                 properties={"reassociation": reassoc})).result
                return self.ir.insert(tensor.ExpandShapeOp(args[0], [], reassoc, rtype.get_shape(), rtype)).result
        raise AssertionError(node.kind)

    def _where(self, predicate: str, args: list[SSAValue], rtype: TensorType) -> SSAValue:
        scalar = self.element_type
        block = Block(arg_types=[scalar] * 5)
        p, q, a, b, _ = block.args
        cond = arith.CmpfOp(p, q, predicate)
        sel = arith.SelectOp(cond.result, a, b)
        block.add_ops([cond, sel, YieldOp(sel.result)])
        rank = len(rtype.get_shape())
        identity = AffineMapAttr(AffineMap.identity(rank))
        empty = self.ir.insert(tensor.EmptyOp([], rtype)).tensor
        op = GenericOp(
            args,
            [empty],
            Region(block),
            [identity] * 5,
            [IteratorTypeAttr.parallel()] * rank,
            [rtype],
        )
        return self.ir.insert(op).results[0]
