"""The derivative outputs of `inr.grad`, per sample, in Taylor or nested reverse mode."""

from __future__ import annotations

from inrarch.autodiff.graph import Builder, Node, topological_order
from inrarch.autodiff.reverse import gradient
from inrarch.autodiff.rules import ELEMENTWISE
from inrarch.autodiff.taylor import Jet, Taylor, index_factorial
from inrarch.diagnostics import CompileError
from inrarch.dialects.inr import DerivativeOutput, derivative_outputs

MODES = ("taylor", "reverse")


def taylor_jets(b: Builder, x: Node, outputs: list[Node], order: int) -> tuple[Taylor, list[Jet]]:
    """Propagates the jets of the input through the per-sample program."""
    T = Taylor(b, x.shape[0], order)
    jets: dict[int, Jet] = {}
    for node in topological_order(outputs):
        args = [jets[a.uid] for a in node.args]
        match node.kind:
            case "input":
                jet = T.input_jet(node)
            case "const" | "batch_const":
                jet = T.const_jet(node)
            case "ew":
                jet = ELEMENTWISE[node.op].taylor(T, args, list(node.args))
            case "where":
                jet = T.where(node.attrs[0], *args)
            case "matmul":
                jet = T.map(args[0], lambda c, w=node.value: b.matmul(c, w))
            case "concat":
                jet = {}
                for a in T.indices:
                    if all(a not in j for j in args):
                        continue
                    jet[a] = b.concat([j.get(a) or b.zeros(arg.shape) for j, arg in zip(args, node.args, strict=True)])
            case "slice":
                _, start, size, stride = node.attrs
                keep = bool(node.shape)
                jet = T.map(args[0], lambda c: b.slice(c, start, size, stride, keep))
            case "reshape":
                jet = T.map(args[0], lambda c, s=node.shape: b.reshape(c, s))
            case _:
                raise CompileError(f"Taylor mode has no rule for {node.kind}")
        jets[node.uid] = jet
    return T, [jets[o.uid] for o in outputs]


def derivative_nodes(
    b: Builder,
    x: Node,
    y: Node,
    order: int,
    layout: str,
    mode: str = "taylor",
    scale: float | None = None,
    share: bool = True,
    first: int | None = None,
) -> tuple[list[DerivativeOutput], list[Node]]:
    """The per-sample nodes of every output of `inr.grad` (in layout order; the first `first` of them when given)
    for y = f(x), y of shape (m,).

    In reverse mode without `share`, each backward pass builds its own nodes, as each `autograd.grad` call of
    PyTorch builds its own graph; with `share`, identical computations of different passes are built once."""
    if mode not in MODES:
        raise CompileError(f"unknown mode '{mode}' (choose taylor or reverse)")
    dims, channels = x.shape[0], y.shape[0]
    outputs = derivative_outputs(dims, channels, order, layout, first)
    factor = 1.0 if scale is None else scale
    if mode == "taylor":
        T, (jet,) = taylor_jets(b, x, [y], order)
        # Partial derivative = a! * coefficient (scaled as a whole row, so constant factors merge).
        partials = {a: b.scale(c, float(index_factorial(a)) * factor ** sum(a)) for a, c in jet.items()}
        nodes = []
        for out in outputs:
            coef = partials.get(out.index)
            nodes.append(b.slice(coef, out.channel, 1, keep_dim=False) if coef is not None else b.zeros(()))
        return outputs, nodes
    # Nested reverse mode, INSP order: each derivative of a level is back-propagated to give the next level.
    level = [b.slice(y, c, 1, keep_dim=False) for c in range(channels)]
    by_path: dict[tuple[int, tuple[int, ...]], Node] = {(c, ()): t for c, t in enumerate(level)}
    paths = [(c, ()) for c in range(channels)]
    for _ in range(order):
        next_paths = []
        for (c, seq), t in zip(paths, level, strict=True):
            if share:
                g = gradient(b, t, x)
            else:
                with b.separate():
                    g = gradient(b, t, x)
            for j in range(dims):
                by_path[(c, seq + (j,))] = b.slice(g, j, 1, keep_dim=False)
                next_paths.append((c, seq + (j,)))
        paths = next_paths
        level = [by_path[p] for p in paths]
    nodes = [b.scale(by_path[(out.channel, out.sequence)], factor**out.order) or b.zeros(()) for out in outputs]
    return outputs, nodes
