"""A per-sample tensor program: the form the derivative builders work on.

A function that treats samples independently is, per sample, a DAG of `Node`s over small per-sample shapes
(`()` for a scalar, `(C,)` for a feature row). Nodes are hash-consed and folded as they are built (`Builder`):
the same operation on the same operands is built once, and operations on constants are computed with numpy at
compile time, so derivative programs carry no duplicate or constant work into the IR.

Node kinds:
  input                 the function argument (one row of d coordinates)
  const                 a value that is the same for every sample (`value`, of the node's shape)
  batch_const           input-independent data that differs per sample (`value` of shape [N, *shape])
  ew    (op)            an elementwise op of the op registry (`inrarch.ops`), operands of equal shape
  where (predicate)     select(p <predicate> q, a, b), elementwise; args (p, q, a, b)
  matmul (weights)      x @ W for a constant matrix W
  concat                feature concatenation
  slice (start, size, stride)
  reshape               between () and (1,)
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from inrarch.ops import DIFFERENTIABLE, compare
from inrarch.postorder import postorder

Shape = tuple[int, ...]


@dataclass(eq=False)
class Node:
    kind: str
    args: tuple[Node, ...]
    shape: Shape
    attrs: tuple = ()
    value: np.ndarray | None = None
    uid: int = field(default=0)

    @property
    def is_const(self) -> bool:
        return self.kind == "const"

    @property
    def op(self) -> str:
        return self.attrs[0]

    def __repr__(self) -> str:
        return f"Node#{self.uid}({self.kind} {self.attrs[:1]} {self.shape})"


def _array_key(value: np.ndarray) -> tuple:
    value = np.asarray(value, dtype=np.float64)
    return (value.shape, np.ascontiguousarray(value).tobytes())  # (ascontiguousarray makes 0-d arrays 1-d)


class Builder:
    """Builds nodes with hash-consing and constant folding."""

    def __init__(self, samples: int):
        self.samples = samples
        self._cache: dict[tuple, Node] = {}
        self._count = 0

    @contextmanager
    def separate(self):
        """Nodes built inside are shared only among themselves, as in one autograd graph of its own."""
        outer, self._cache = self._cache, {}
        try:
            yield
        finally:
            self._cache = outer

    def _make(self, kind: str, args: Sequence[Node], shape: Shape, attrs: tuple = (), value=None, key=None) -> Node:
        key = key if key is not None else (kind, tuple(a.uid for a in args), shape, attrs)
        found = self._cache.get(key)
        if found is not None:
            return found
        self._count += 1
        node = Node(kind, tuple(args), tuple(shape), attrs, value, self._count)
        self._cache[key] = node
        return node

    # -- leaves ------------------------------------------------------------------------------------------------------

    def input(self, dims: int) -> Node:
        return self._make("input", (), (dims,))

    def const(self, value, shape: Shape | None = None) -> Node:
        value = np.asarray(value, dtype=np.float64)
        if shape is not None:
            value = np.broadcast_to(value, shape)
        value = np.array(value)
        return self._make("const", (), value.shape, value=value, key=("const",) + _array_key(value))

    def batch_const(self, value: np.ndarray) -> Node:
        value = np.array(value, dtype=np.float64)
        rows = value.reshape(value.shape[0], -1)
        if np.all(rows == rows[:1]):
            return self.const(value[0])
        return self._make("batch_const", (), value.shape[1:], value=value, key=("batch_const",) + _array_key(value))

    def zeros(self, shape: Shape) -> Node:
        return self.const(np.zeros(shape))

    # -- operations --------------------------------------------------------------------------------------------------

    def ew(self, op: str, *args: Node) -> Node:
        rule = DIFFERENTIABLE[op]
        shape = args[0].shape
        assert all(a.shape == shape for a in args), (op, [a.shape for a in args])
        if all(a.is_const for a in args):
            with np.errstate(all="ignore"):
                return self.const(rule.numpy(*(a.value for a in args)))
        simplified = rule.simplify(self, args) if rule.simplify else None
        if simplified is not None:
            return simplified
        if rule.commutative:
            args = tuple(sorted(args, key=lambda a: (a.is_const, a.uid)))  # constants last, as canonical IR has them
        return self._make("ew", args, shape, (op,))

    def where(self, predicate: str, p: Node, q: Node, a: Node, b: Node) -> Node:
        if a is b:
            return a
        if p.is_const and q.is_const:
            mask = compare(predicate, p.value, q.value)
            if np.all(mask):
                return a
            if not np.any(mask):
                return b
            if a.is_const and b.is_const:
                return self.const(np.where(mask, a.value, b.value))
        return self._make("where", (p, q, a, b), a.shape, (predicate,))

    def matmul(self, x: Node, weights: np.ndarray) -> Node:
        weights = np.asarray(weights, dtype=np.float64)
        assert x.shape == (weights.shape[0],), (x.shape, weights.shape)
        if x.is_const:
            return self.const(x.value @ weights)
        if not np.any(weights):
            return self.zeros((weights.shape[1],))
        return self._make(
            "matmul", (x,), (weights.shape[1],), ("matmul",) + _array_key(weights), value=weights
        )

    def concat(self, parts: Sequence[Node]) -> Node:
        if len(parts) == 1:
            return parts[0]
        if all(p.is_const for p in parts):
            return self.const(np.concatenate([p.value for p in parts]))
        return self._make("concat", tuple(parts), (sum(p.shape[0] for p in parts),))

    def slice(self, x: Node, start: int, size: int, stride: int = 1, keep_dim: bool = True) -> Node:
        """Elements start, start+stride, ... (size of them); without keep_dim a single element as shape ()."""
        shape = (size,) if keep_dim else ()
        if keep_dim and start == 0 and size == x.shape[0] and stride == 1:
            return x
        if x.is_const:
            part = x.value[start : start + size * stride : stride]
            return self.const(part if keep_dim else part.reshape(()))
        if x.kind == "slice":  # a slice of a slice is one slice of the source
            _, inner_start, _, inner_stride = x.attrs
            return self.slice(x.args[0], inner_start + start * inner_stride, size, stride * inner_stride, keep_dim)
        if x.kind == "concat" and stride == 1:  # a slice of one concatenated part is that part's slice
            offset = 0
            for part in x.args:
                if offset <= start and start + size <= offset + part.shape[0]:
                    return self.slice(part, start - offset, size, 1, keep_dim)
                offset += part.shape[0]
        return self._make("slice", (x,), shape, ("slice", start, size, stride))

    def reshape(self, x: Node, shape: Shape) -> Node:
        if x.shape == shape:
            return x
        if x.is_const:
            return self.const(x.value.reshape(shape))
        if x.kind == "reshape" and x.args[0].shape == shape:
            return x.args[0]
        return self._make("reshape", (x,), shape, ("reshape",))

    # -- arithmetic helpers (None stands for zero) -------------------------------------------------------------------

    def add(self, a: Node | None, b: Node | None) -> Node | None:
        if a is None:
            return b
        if b is None:
            return a
        return self.ew("arith.addf", a, b)

    def sub(self, a: Node | None, b: Node | None) -> Node | None:
        if b is None:
            return a
        if a is None:
            return self.ew("arith.negf", b)
        return self.ew("arith.subf", a, b)

    def mul(self, a: Node | None, b: Node | None) -> Node | None:
        if a is None or b is None:
            return None
        return self.ew("arith.mulf", a, b)

    def scale(self, a: Node | None, factor: float) -> Node | None:
        if a is None or factor == 0:
            return None
        if factor == 1:
            return a
        if factor == -1:
            return self.ew("arith.negf", a)
        return self.ew("arith.mulf", a, self.const(factor, a.shape))

    def div(self, a: Node | None, b: Node) -> Node | None:
        if a is None:
            return None
        return self.ew("arith.divf", a, b)

    def neg(self, a: Node | None) -> Node | None:
        return None if a is None else self.ew("arith.negf", a)

    def total(self, terms: Sequence[Node | None]) -> Node | None:
        acc = None
        for t in terms:
            acc = self.add(acc, t)
        return acc

    def unary(self, op: str, a: Node) -> Node:
        return self.ew(op, a)


def topological_order(outputs: Sequence[Node]) -> list[Node]:
    """Every node reachable from `outputs`, operands before users."""
    return postorder(outputs, lambda n: n.args, lambda n: n.uid)
