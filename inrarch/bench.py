"""`inrarch bench`: inrarch beside PyTorch and INR-Arch on the benchmark SIREN (2 -> 256 x 4 -> 3, 64 samples,
INSP layout), every figure of a row measured or counted in the same run.

Sections:
  work     matrix-product multiply-adds of the derivative program: inrarch Taylor mode, inrarch nested reverse
           mode, PyTorch nested autograd (counted by intercepting its matrix products, on the meta device so
           nothing is computed), and the compile time of inr-autodiff + canonicalize + CSE.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Published figures of INR-Arch (arXiv 2308.05930, its repository's results table), 64 points.
INR_ARCH = {
    "fpga_ms": {1: 1.8284, 2: 2.5448},
    "cpu_ms": {1: 3.3371, 2: 12.1731},
    "gpu_ms": {1: 2.8040, 2: 9.2184},
    "fifo_words": {1: 178_289},
    "dsp": 3199,
}
PYTORCH_META_MAX_ORDER = 6  # beyond, PyTorch's work is extrapolated at its exact 4x per order


@dataclass
class WorkRow:
    order: int
    outputs: int
    taylor_macs: int
    taylor_elementwise: int
    compile_s: float
    reverse_macs: int | None = None
    pytorch_macs: int | None = None
    pytorch_extrapolated: bool = False


@dataclass
class BenchResult:
    samples: int
    work: list[WorkRow] = field(default_factory=list)


def _grad_stats(module):
    from inrarch.stats import module_stats

    return [s for s in module_stats(module) if s.function.endswith("_grad")][0]


def count_pytorch_macs(model, samples: int, order: int) -> int:
    import torch

    from inrarch.reference import MatmulWork, insp_derivatives

    meta_model = model.to("meta")
    x = torch.empty(samples, 2, device="meta")
    with MatmulWork() as work:
        insp_derivatives(meta_model, x, order)
    return work.macs


def work_section(samples: int = 64, orders=range(1, 9), reverse_orders=range(1, 5), log=print) -> list[WorkRow]:
    import torch

    from inrarch import models
    from inrarch.api import differentiate
    from inrarch.dialects.inr import derivative_output_count
    from inrarch.importer import import_model

    model = models.benchmark_siren()
    x = torch.rand(samples, 2) * 2 - 1
    forward = import_model(model, x)
    rows = []
    for order in orders:
        start = time.perf_counter()
        taylor = _grad_stats(differentiate(forward, order=order))
        compile_s = time.perf_counter() - start
        row = WorkRow(order, derivative_output_count(2, 3, order, "insp"), taylor.matmul_macs,
                      taylor.elementwise_ops, compile_s)  # fmt: skip
        if order in reverse_orders:
            row.reverse_macs = _grad_stats(differentiate(forward, order=order, mode="reverse")).matmul_macs
        if order <= PYTORCH_META_MAX_ORDER:
            row.pytorch_macs = count_pytorch_macs(models.benchmark_siren(), samples, order)
        else:
            previous = rows[-1].pytorch_macs
            row.pytorch_macs, row.pytorch_extrapolated = previous * 4, True
        rows.append(row)
        log(f"  order {order}: work counted, inr-autodiff {compile_s:.2f} s")
    return rows


def _m(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.1f} M"


def work_table(rows: list[WorkRow]) -> str:
    lines = [
        "| order | outputs | inrarch Taylor | inrarch reverse | PyTorch nested autograd | PyTorch / Taylor | "
        "Taylor elementwise ops | inr-autodiff compile |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        torch_text = _m(r.pytorch_macs) + (" (extrapolated, 4x/order)" if r.pytorch_extrapolated else "")
        ratio = f"{r.pytorch_macs / r.taylor_macs:.1f}x" if r.pytorch_macs else "—"
        lines.append(
            f"| {r.order} | {r.outputs} | {_m(r.taylor_macs)} | {_m(r.reverse_macs)} | {torch_text} | {ratio} | "
            f"{_m(r.taylor_elementwise)} | {r.compile_s:.2f} s |"
        )
    return "\n".join(lines)
