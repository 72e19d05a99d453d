"""PyTorch references for the derivative outputs: nested autograd exactly as INSP-Net computes its features."""

from __future__ import annotations

import copy

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from inrarch.dialects.inr import derivative_outputs

_aten = torch.ops.aten


def insp_derivatives(
    model: torch.nn.Module,
    x: torch.Tensor,
    order: int,
    layout: str = "insp",
    scale: float | None = None,
    first: int | None = None,
) -> list[torch.Tensor]:
    """The outputs of `inr.grad` computed with `torch.autograd.grad(t.sum(), x, create_graph=True)`, per level,
    in the same order (the first `first` of them when given); each a tensor of shape [N]."""
    x = x.detach().clone().requires_grad_(True)
    y = model(x)
    dims, channels = x.shape[1], y.shape[1]
    wanted = derivative_outputs(dims, channels, order, layout, first)
    # The derivatives to differentiate further: the proper prefixes of the wanted outputs' paths.
    prefixes = {(o.channel, o.sequence[:k]) for o in wanted for k in range(o.order)}
    by_path = {(c, ()): y[:, c] for c in range(channels)}
    level = [(c, ()) for c in range(channels)]
    for _ in range(order):
        next_level = []
        for c, seq in level:
            if (c, seq) not in prefixes:
                continue
            t = by_path[(c, seq)]
            g = None
            if t.requires_grad:  # a derivative that no longer depends on x (a linear model's second) is 0
                (g,) = torch.autograd.grad(t.sum(), x, create_graph=True, allow_unused=True)
            if g is None:
                g = torch.zeros_like(x)
            for j in range(dims):
                by_path[(c, seq + (j,))] = g[:, j]
                next_level.append((c, seq + (j,)))
        level = next_level
    factor = 1.0 if scale is None else scale
    return [by_path[(o.channel, o.sequence)].detach() * factor**o.order for o in wanted]


def edit_forward(model, editor, x, order: int, layout: str = "insp", scale: float | None = None,
                 first: int | None = None, chunk: int = 256) -> torch.Tensor:
    """INSP-Net's edit as INSP-Net runs it: the editor applied to the INR's nested-autograd derivative features
    (`insp_derivatives`, stacked [N, K]), `chunk` samples at a time (nested autograd keeps every level's graph:
    order 4 over 4,096 pixels at once needs tens of GB), in the networks' own dtype."""
    results = []
    for part in x.detach().split(chunk):
        features = torch.stack(insp_derivatives(model, part, order, layout, scale, first), dim=1)
        with torch.no_grad():
            results.append(editor(features))
    return torch.cat(results)


def edit_reference(
    model: torch.nn.Module,
    editor: torch.nn.Module,
    x: torch.Tensor,
    order: int,
    layout: str = "insp",
    scale: float | None = None,
    first: int | None = None,
    chunk: int = 256,
) -> torch.Tensor:
    """`edit_forward` in float64 on copies of both networks (the originals are left as they are)."""
    model = copy.deepcopy(model).double()
    editor = copy.deepcopy(editor).double()
    return edit_forward(model, editor, x.detach().double(), order, layout, scale, first, chunk)


class MatmulWork(TorchDispatchMode):
    """Counts the multiply-adds of the matrix products PyTorch runs (mm, addmm, bmm), and the ops it dispatches.

        with MatmulWork() as work:
            insp_derivatives(model, x, 2)
        work.macs
    """

    def __init__(self):
        super().__init__()
        self.macs = 0
        self.ops: dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        self.ops[str(packet)] = self.ops.get(str(packet), 0) + 1
        if packet is _aten.mm:
            self.macs += args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
        elif packet is _aten.addmm:
            self.macs += args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
        elif packet is _aten.bmm:
            self.macs += args[0].shape[0] * args[0].shape[1] * args[0].shape[2] * args[1].shape[2]
        return out
