"""The model kinds inrarch supports, shared by the import, autodiff and C-simulation tests: (name, factory, d)."""

import torch

from inrarch.apps import models

MODEL_KINDS = [
    ("siren", lambda: models.siren(2, 16, 3, 3, omega=30.0), 2),
    ("siren_deep_narrow", lambda: models.siren(2, 8, 5, 2, omega=10.0, first_omega=20.0), 2),
    ("mlp_tanh", lambda: models.mlp("tanh"), 2),
    ("mlp_sigmoid", lambda: models.mlp("sigmoid"), 2),
    ("mlp_softplus", lambda: models.mlp("softplus"), 2),
    ("mlp_gelu", lambda: models.mlp("gelu"), 2),
    ("mlp_relu", lambda: models.mlp("relu"), 2),
    ("mlp_cos", lambda: models.mlp("cos"), 2),
    ("elementwise", lambda: models.ElementwiseZoo(), 2),
    ("residual", lambda: models.ResidualSiren(), 2),
    ("fourier", lambda: models.FourierFeatureMLP(), 2),
    ("siren_1d", lambda: models.siren(1, 16, 2, 2, omega=10.0), 1),
    ("siren_3d", lambda: models.siren(3, 16, 2, 4, omega=10.0), 3),
    ("mlp_tanh_3d_1out", lambda: models.mlp("tanh", in_features=3, out_features=1), 3),
]


def sample_input(n: int, d: int, dtype=torch.float32, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, d, generator=g, dtype=dtype) * 2 - 1) * 0.9
