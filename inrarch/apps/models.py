"""PyTorch INR models: the benchmark SIREN and the other supported model kinds (MLPs with the usual activations,
residual connections, Fourier-feature encodings). Used by the tests, the benchmark and the demo, and as factories
for `inrarch import FILE.py:FACTORY`."""

from __future__ import annotations

import math

import torch
from torch import nn


class SineLayer(nn.Module):
    """sin(omega * (x W^T + b)) with SIREN's initialisation (Sitzmann et al., 2020)."""

    def __init__(self, in_features: int, out_features: int, omega: float = 30.0, first: bool = False):
        super().__init__()
        self.omega = omega
        self.linear = nn.Linear(in_features, out_features)
        bound = 1.0 / in_features if first else math.sqrt(6.0 / in_features) / omega
        with torch.no_grad():
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega * self.linear(x))


def siren(
    in_features: int = 2,
    hidden: int = 256,
    layers: int = 4,
    out_features: int = 3,
    omega: float = 30.0,
    first_omega: float | None = None,
    seed: int | None = 0,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """A SIREN: `layers` sine layers of width `hidden` and a linear output layer."""
    if seed is not None:
        torch.manual_seed(seed)
    mods: list[nn.Module] = [SineLayer(in_features, hidden, first_omega or omega, first=True)]
    mods += [SineLayer(hidden, hidden, omega) for _ in range(layers - 1)]
    mods.append(nn.Linear(hidden, out_features))
    with torch.no_grad():
        bound = math.sqrt(6.0 / hidden) / omega
        mods[-1].weight.uniform_(-bound, bound)
    return nn.Sequential(*mods).to(dtype)


def benchmark_siren(seed: int | None = 0, dtype: torch.dtype = torch.float32) -> nn.Sequential:
    """The benchmark model: SIREN 2 -> 256 -> 256 -> 256 -> 256 -> 3, omega 30 on every sine layer."""
    return siren(2, 256, 4, 3, omega=30.0, seed=seed, dtype=dtype)


class Activation(nn.Module):
    """One of the importer's activations (inrarch.importer.activations: every one-operand registry op and the ATen
    activations torch-mlir expands), by name."""

    def __init__(self, name: str):
        super().__init__()
        from inrarch.importer import activations

        known = activations()
        if name not in known:
            raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(known))}")
        self.name, self.fn = name, known[name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return self.name


class Cos(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cos(x)


def mlp(
    activation: str = "tanh",
    in_features: int = 2,
    hidden: int = 32,
    layers: int = 3,
    out_features: int = 3,
    seed: int | None = 0,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """An MLP with `layers` hidden layers and the named activation (any of inrarch.importer.activations(): tanh,
    sigmoid, softplus, gelu, relu, silu, elu, cos, sin, atan, ...)."""
    if seed is not None:
        torch.manual_seed(seed)
    mods: list[nn.Module] = []
    width = in_features
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), Activation(activation)]
        width = hidden
    mods.append(nn.Linear(width, out_features))
    return nn.Sequential(*mods).to(dtype)


class ResidualSiren(nn.Module):
    """A SIREN whose hidden layers add skip connections: h <- h + sin(omega (h W + b))."""

    def __init__(self, in_features=2, hidden=32, layers=3, out_features=3, omega=3.0, seed: int | None = 0):
        super().__init__()
        if seed is not None:
            torch.manual_seed(seed)
        self.first = SineLayer(in_features, hidden, omega, first=True)
        self.blocks = nn.ModuleList(SineLayer(hidden, hidden, omega) for _ in range(layers - 1))
        self.out = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.first(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


class FourierFeatureMLP(nn.Module):
    """Fourier features [sin(2 pi x B), cos(2 pi x B)] (Tancik et al., 2020) followed by a tanh MLP."""

    def __init__(self, in_features=2, features=16, scale=1.0, hidden=32, out_features=3, seed: int | None = 0):
        super().__init__()
        if seed is not None:
            torch.manual_seed(seed)
        self.register_buffer("B", scale * torch.randn(in_features, features))
        self.net = nn.Sequential(nn.Linear(2 * features, hidden), nn.Tanh(), nn.Linear(hidden, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = 2 * math.pi * x @ self.B
        return self.net(torch.cat([torch.sin(p), torch.cos(p)], dim=-1))


class ElementwiseZoo(nn.Module):
    """Elementwise arithmetic by constants and by tensors: add, sub, mul, div, neg, pow, exp, log, sqrt, and a
    feature concatenation and slice."""

    def __init__(self, in_features=2, hidden=8, out_features=2, seed: int | None = 0):
        super().__init__()
        if seed is not None:
            torch.manual_seed(seed)
        self.a = nn.Linear(in_features, hidden)
        self.b = nn.Linear(hidden, hidden)
        self.out = nn.Linear(2 * hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.a(x)
        v = torch.sin(u) * 0.5 + 1.5  # mul/add by constants
        w = self.b(v) - u / 3.0  # sub and div by a constant
        q = w / (1.0 + u * u)  # div by a tensor
        r = torch.exp(-q) + torch.log(v) - torch.sqrt(v) + q**2
        s = torch.cat([r, w * v], dim=-1)[:, : 2 * u.shape[1]]
        return self.out(s)
