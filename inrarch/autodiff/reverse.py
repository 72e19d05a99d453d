"""Nested reverse mode, as PyTorch's `autograd.grad(t.sum(), x, create_graph=True)` and INR-Arch compute input
derivatives: each derivative of order k is obtained by back-propagating through the whole program that computes
its parent of order k-1. Its work grows about 4x per order; it is kept for comparison with Taylor mode and as an
independent cross-check of it."""

from __future__ import annotations

from inrarch.autodiff.graph import Builder, Node, topological_order
from inrarch.autodiff.rules import ELEMENTWISE, where_vjp
from inrarch.diagnostics import CompileError


def gradient(b: Builder, output: Node, x: Node) -> Node:
    """d output / d x per sample, for a scalar per-sample `output` (shape ()) and the input row x."""
    order = topological_order([output])
    depends: set[int] = set()
    for node in order:
        if node is x or any(a.uid in depends for a in node.args):
            depends.add(node.uid)
    if output.uid not in depends:
        return b.zeros(x.shape)
    adjoint: dict[int, Node] = {output.uid: b.const(1.0, output.shape)}
    for node in reversed(order):
        g = adjoint.pop(node.uid, None) if node is not x else None
        if g is None or node.uid not in depends:
            continue
        for arg, ga in zip(node.args, _vjp(b, node, g), strict=True):
            if ga is None or arg.uid not in depends:
                continue
            adjoint[arg.uid] = b.add(adjoint.get(arg.uid), ga)
    return adjoint.get(x.uid) or b.zeros(x.shape)


def _vjp(b: Builder, node: Node, g: Node) -> list[Node | None]:
    match node.kind:
        case "ew":
            return list(ELEMENTWISE[node.op].vjp(b, node, g))
        case "where":
            return where_vjp(b, node, g)
        case "matmul":
            return [b.matmul(g, node.value.T)]
        case "concat":
            parts, offset = [], 0
            for arg in node.args:
                parts.append(b.slice(g, offset, arg.shape[0]))
                offset += arg.shape[0]
            return parts
        case "slice":
            (src,) = node.args
            _, start, size, stride = node.attrs
            if stride != 1:
                raise CompileError("reverse mode does not support strided slices; use mode=taylor")
            piece = b.reshape(g, (size,))
            parts = []
            if start:
                parts.append(b.zeros((start,)))
            parts.append(piece)
            if src.shape[0] - start - size:
                parts.append(b.zeros((src.shape[0] - start - size,)))
            return [b.concat(parts)]
        case "reshape":
            return [b.reshape(g, node.args[0].shape)]
    raise CompileError(f"reverse mode has no rule for {node.kind}")
