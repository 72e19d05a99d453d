"""The op registry (inrarch.ops) is the one place an elementwise op is described: every entry is complete, and
every table that reads it (evaluator, derivative rules, IR emission, hardware costs, printer, C++ headers, the
importer) covers it. The worked example of README's "Extending", atan, goes end to end from its single entry."""

import inspect
import re

import numpy as np
import pytest
import torch
from torch import nn

import inrarch
import inrarch.analysis.fixed_body
import inrarch.targets.hls.printer
from inrarch import ops
from inrarch.autodiff.lower import EW_OPS
from inrarch.autodiff.rules import ELEMENTWISE
from inrarch.evaluator import supports
from inrarch.targets.hardware import OPERATORS
from inrarch.targets.hls.lib import HLS_LIB_DIR
from inrarch.importer import SUPPORTED_ATEN_OPS
from inrarch.apps.reference import insp_derivatives

ENTRIES = list(ops.ELEMENTWISE.values())
KERNELS_H = (HLS_LIB_DIR / "inrarch" / "kernels.h").read_text()
HLS_MATH_H = (HLS_LIB_DIR / "csim" / "hls_math.h").read_text()
FIXED_CPP_SOURCE = inspect.getsource(inrarch.analysis.fixed_body.cpp)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_every_entry_is_complete_everywhere(entry):
    assert entry.op.name == entry.name and callable(entry.numpy)
    assert entry.latency >= 0 and entry.dsp >= 0 and entry.lut >= 0
    assert OPERATORS[entry.name].latency == entry.latency and OPERATORS[entry.name].dsp == entry.dsp
    assert supports(entry.op)  # the reference evaluator
    if entry.taylor is not None:  # differentiable: both derivative rules, and emitted as IR
        assert entry.vjp is not None and ELEMENTWISE[entry.name] is entry and EW_OPS[entry.name] is entry.op
        assert entry.cpp  # printable in a map body
    if entry.function:  # its C++ is a kernel-library function: wrapped for ALLOCATION, and in the C-sim header
        assert re.search(rf"INRARCH_MATH1\({entry.function}\)|inrarch_{entry.function}_f32\(", KERNELS_H)
        assert re.search(rf"INRARCH_CSIM_MATH[12]\({entry.function}\)|float {entry.function}\(float", HLS_MATH_H)
    for name in entry.aten:
        assert name in SUPPORTED_ATEN_OPS
    # Fixed point: a form every fixed-point table reads (operators, emulation, C++); functions are tables.
    assert entry.fixed in ("add", "sub", "mul", "div", "logic", "table")
    assert (entry.fixed == "table") == (entry.function is not None)
    if entry.fixed != "table" and entry.name != "arith.cmpf":
        assert entry.name in FIXED_CPP_SOURCE  # spelled by inrarch.analysis.fixed_body.cpp
    args = [np.linspace(0.1, 0.9, 5)] * entry.arity
    assert np.shape(entry.numpy(*args)) == (5,)


class AtanNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.a = nn.Linear(2, 8)
        self.b = nn.Linear(8, 2)

    def forward(self, x):
        return self.b(torch.atan(3.0 * self.a(x)))


def test_atan_end_to_end_from_one_registry_entry():
    """atan was added with one registry entry (its numpy, Taylor and reverse rules, cost, C++ function and ATen
    name) and one line in each C++ header. It imports, differentiates to order 3 in both modes as PyTorch does,
    and its design compiles and C-simulates to the same numbers, the timed run at the model's cycles."""
    model = AtanNet().double()
    x = torch.linspace(-0.9, 0.9, 16, dtype=torch.float64).reshape(8, 2)
    reference = [r.numpy() for r in insp_derivatives(model, x, 3)]
    for mode in ("taylor", "reverse"):
        outputs = inrarch.evaluate(inrarch.differentiate(model, x, order=3, mode=mode), x.numpy())
        for out, ref in zip(outputs, reference, strict=True):
            assert np.abs(out - ref).max() <= 1e-8 * max(1.0, np.abs(ref).max())
    model32, x32 = AtanNet(), x.float()
    design = inrarch.compile(model32, x32, order=2)
    assert "inrarch_atan_f32(" in inrarch.targets.hls.printer.HlsPrinter(design.graph).print().source
    reference = [r.numpy() for r in insp_derivatives(AtanNet().double(), x, 2)]
    run = design.timed_csim(x32)
    assert run.cycles == design.report["modeled_cycles"]
    for out, ref in zip(design.csim(x32), reference, strict=True):
        assert np.abs(out - ref).max() <= 1e-3 * np.abs(ref).max() + 1e-6
