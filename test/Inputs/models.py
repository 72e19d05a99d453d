"""Model factories for the lit tests (`inrarch import %inputs/models.py:NAME`)."""

import torch
from torch import nn

from inrarch.apps.models import siren


def tiny_siren():
    return siren(in_features=2, hidden=4, layers=2, out_features=3, omega=30.0, seed=1)


class LayerNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 4)

    def forward(self, x):
        return nn.functional.layer_norm(self.linear(x), (4,))


def layer_norm_net():
    return LayerNormNet()


class TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


def two_inputs():
    return TwoInputs()


def not_a_module():
    return torch.zeros(3)
