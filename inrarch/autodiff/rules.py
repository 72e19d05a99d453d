"""The derivative rules, by op name: a view of the op registry (`inrarch.ops`, one entry per elementwise op with
its numpy evaluation, Taylor and reverse rules, hardware cost and C++), and the rules of `where` nodes (comparisons
and selections, which inr-autodiff differentiates branch by branch)."""

from __future__ import annotations

import numpy as np

from inrarch.autodiff.graph import Builder, Node
from inrarch.ops import DIFFERENTIABLE, OpInfo


# The derivative rules of the elementwise ops, by op name: the differentiable entries of the op registry.
ELEMENTWISE: dict[str, OpInfo] = DIFFERENTIABLE


# Comparisons deciding `where` (select) nodes; the predicates of arith.cmpf.
_COMPARE = {
    "oeq": np.equal, "ogt": np.greater, "oge": np.greater_equal, "olt": np.less, "ole": np.less_equal,
    "one": np.not_equal, "ueq": np.equal, "ugt": np.greater, "uge": np.greater_equal, "ult": np.less,
    "ule": np.less_equal, "une": np.not_equal,
}  # fmt: skip


def compare(predicate: str, p, q):
    return _COMPARE[predicate](p, q)


def where_vjp(b: Builder, v: Node, g: Node) -> list[Node | None]:
    predicate = v.attrs[0]
    p, q, _, _ = v.args
    zero = b.zeros(v.shape)
    return [None, None, b.where(predicate, p, q, g, zero), b.where(predicate, p, q, zero, g)]
