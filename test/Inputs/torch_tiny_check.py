"""Runs a module printed by `inrarch-opt test/target/torch/tiny.mlir --inr-autodiff=order=2 -t 'torch{out=FILE}'`
(python torch_tiny_check.py FILE) against nested autograd of the same function written by hand in PyTorch, float64,
on 1,000 samples in chunks of 300; prints the largest error relative to the largest derivative."""

import importlib.util
import sys

import torch

spec = importlib.util.spec_from_file_location("printed", sys.argv[1])
printed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(printed)

w = torch.tensor([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]], dtype=torch.float64)
b = torch.tensor([0.5, -0.5, 1.0], dtype=torch.float64)
v = torch.tensor([[1.0], [2.0], [-1.5]], dtype=torch.float64)
x = (torch.rand(1000, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1).requires_grad_()
y = (torch.sin(x @ w + b) @ v)[:, 0]
(g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
second = [torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)[0] for i in range(2)]
# INSP layout: y, y_x0, y_x1, y_x0_x0, y_x0_x1, y_x1_x0, y_x1_x1.
reference = torch.stack([y, g[:, 0], g[:, 1], second[0][:, 0], second[0][:, 1], second[1][:, 0], second[1][:, 1]], 1)
program = printed.Program(chunk=300)
out = program(x.detach())
print("columns", " ".join(printed.COLUMNS))
print("shape", tuple(out.shape), out.dtype)
error = ((out - reference.detach()).abs().max() / reference.abs().max()).item()
print("within 1e-12" if error < 1e-12 else f"error {error:.3e}")
