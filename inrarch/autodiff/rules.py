"""The derivative rules, by op name: a view of the op registry (`inrarch.ops`, one entry per elementwise op with
its numpy evaluation, Taylor and reverse rules, hardware cost and C++), and the rules of `where` nodes (comparisons
and selections, which inr-autodiff differentiates branch by branch)."""

from __future__ import annotations

import numpy as np

from inrarch.autodiff.graph import Builder, Node
from inrarch.ops import DIFFERENTIABLE, OpInfo, compare  # noqa: F401  (compare: the rule of `where` nodes)


# The derivative rules of the elementwise ops, by op name: the differentiable entries of the op registry.
ELEMENTWISE: dict[str, OpInfo] = DIFFERENTIABLE




def where_vjp(b: Builder, v: Node, g: Node) -> list[Node | None]:
    predicate = v.attrs[0]
    p, q, _, _ = v.args
    zero = b.zeros(v.shape)
    return [None, None, b.where(predicate, p, q, g, zero), b.where(predicate, p, q, zero, g)]
