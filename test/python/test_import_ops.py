"""Every ATen op the importer accepts, imported in float64 and evaluated against PyTorch at 1e-12: the numerics of
each op (its torch-mlir lowering and inrarch's evaluation) are right, with no constant rounded on the way (the
tanh-approximate GELU was off by 2e-5 before inrarch decomposed it itself)."""

import numpy as np
import pytest
import torch
from torch import nn

from inrarch.api import evaluate
from inrarch.importer import SUPPORTED_ATEN_OPS, import_model

F = nn.functional
W = torch.linspace(-1.0, 1.0, 8, dtype=torch.float64).reshape(2, 4)

# name -> function of the [N, 4] hidden features (h = a linear map of the input, then the op)
OPS = {
    "sin": torch.sin, "cos": torch.cos, "atan": torch.atan, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "exp": torch.exp,
    "log": lambda h: torch.log(h * h + 1), "log1p": lambda h: torch.log1p(h * h), "sqrt": lambda h: torch.sqrt(h * h + 1),
    "abs": torch.abs, "neg": torch.neg, "softplus": F.softplus, "gelu": F.gelu,
    "gelu_tanh": lambda h: F.gelu(h, approximate="tanh"), "relu": F.relu, "silu": F.silu, "elu": F.elu,
    "leaky_relu": lambda h: F.leaky_relu(h, 0.2), "add": lambda h: h + torch.sin(h), "add_scalar": lambda h: torch.ops.aten.add.Scalar(h, 0.5),
    "sub": lambda h: h - h * h, "sub_scalar": lambda h: torch.ops.aten.sub.Scalar(h, 0.5), "rsub": lambda h: 1.5 - h, "mul": lambda h: h * h,
    "mul_scalar": lambda h: torch.ops.aten.mul.Scalar(h, 3.0), "div": lambda h: h / (h * h + 1), "div_scalar": lambda h: torch.ops.aten.div.Scalar(h, 3.0),
    "pow": lambda h: h**3, "cat": lambda h: torch.cat([h, torch.sin(h)], dim=1), "slice": lambda h: h[:, 1:3],
    "clone": lambda h: h.clone() * 2, "alias": lambda h: torch.ops.aten.alias(h) + 1,
}  # fmt: skip
# ops with a constant matrix m ([4, 4]) and vector v ([4])
OPS.update({
    "matmul": lambda h, m, v: h @ m, "mm": lambda h, m, v: torch.mm(h, m), "addmm": lambda h, m, v: torch.addmm(v, h, m),
    "t": lambda h, m, v: h @ m.t(), "transpose": lambda h, m, v: h @ m.transpose(0, 1),
    "permute": lambda h, m, v: h @ m.permute(1, 0),
})  # fmt: skip
WITH_CONSTANTS = {"matmul", "mm", "addmm", "t", "transpose", "permute"}


class OpNet(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.first = nn.Linear(2, 4).double()
        self.name = name
        self.register_buffer("m", torch.linspace(-1.0, 2.0, 16, dtype=torch.float64).reshape(4, 4))
        self.register_buffer("v", torch.linspace(0.5, -0.5, 4, dtype=torch.float64))
        with torch.no_grad():
            self.first.weight.copy_(W.t())
            self.first.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.05], dtype=torch.float64))

    def forward(self, x):
        h = self.first(x)
        return OPS[self.name](h, self.m, self.v) if self.name in WITH_CONSTANTS else OPS[self.name](h)


def _x():
    return torch.linspace(-0.9, 0.9, 32, dtype=torch.float64).reshape(16, 2)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_pytorch_in_float64(name):
    model = OpNet(name)
    x = _x()
    module = import_model(model, x)
    ours = evaluate(module, x.numpy(), dtype=np.float64)[0]
    ref = model(x).detach().numpy()
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= 1e-12 * max(1.0, np.abs(ref).max())


def test_the_cases_cover_every_supported_op():
    seen = set()
    for name in OPS:
        program = torch.export.export(OpNet(name), (_x(),))
        seen |= {str(n.target) for n in program.graph.nodes if n.op == "call_function"}
    assert SUPPORTED_ATEN_OPS <= seen, sorted(SUPPORTED_ATEN_OPS - seen)
