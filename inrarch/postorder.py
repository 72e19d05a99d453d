"""Depth-first postorder over DAGs, shared by the per-sample programs, map bodies and kernel ordering."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def postorder(roots: Iterable[T], children: Callable[[T], Iterable[T]], key: Callable[[T], Hashable] = id) -> list[T]:
    """Every node reachable from `roots`, each after all its children (iterative, so deep graphs are fine)."""
    order: list[T] = []
    seen: set[Hashable] = set()
    for root in roots:
        stack: list[tuple[T, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if key(node) in seen:
                continue
            seen.add(key(node))
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(list(children(node))) if key(c) not in seen)
    return order
