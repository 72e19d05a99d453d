"""The bundled PyTorch INR models, importable as `inrarch.models` (Python) and `inrarch.models:FACTORY` (the CLI's
model argument, e.g. `inrarch import inrarch.models:benchmark_siren --input-shape 64,2`). They live in
`inrarch.apps.models`."""

from inrarch.apps.models import (
    Cos,
    ElementwiseZoo,
    FourierFeatureMLP,
    ResidualSiren,
    SineLayer,
    benchmark_siren,
    mlp,
    siren,
)

__all__ = ["Cos", "ElementwiseZoo", "FourierFeatureMLP", "ResidualSiren", "SineLayer", "benchmark_siren", "mlp", "siren"]
