"""Work counts of a function: multiply-adds per sample of its matrix products and of its elementwise ops, and op
counts. Shown by `inrarch-opt --inr-stats` and used by the benchmark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import TensorType
from xdsl.ir import Operation

_ELEMENTWISE_DIALECTS = ("arith.", "math.")
_FREE = {"arith.constant", "arith.extf", "arith.truncf", "arith.sitofp", "arith.index_cast"}


@dataclass
class WorkStats:
    function: str
    samples: int
    matmul_macs_per_sample: int = 0
    elementwise_ops_per_sample: int = 0
    ops: Counter = field(default_factory=Counter)

    @property
    def matmul_macs(self) -> int:
        return self.matmul_macs_per_sample * self.samples

    @property
    def elementwise_ops(self) -> int:
        return self.elementwise_ops_per_sample * self.samples

    def as_dict(self) -> dict:
        return {
            "function": self.function,
            "samples": self.samples,
            "matmul_macs_per_sample": self.matmul_macs_per_sample,
            "matmul_macs": self.matmul_macs,
            "elementwise_ops_per_sample": self.elementwise_ops_per_sample,
            "elementwise_ops": self.elementwise_ops,
            "ops": dict(sorted(self.ops.items())),
        }

    def report(self) -> str:
        lines = [
            f"work of @{self.function} ({self.samples} samples):",
            f"  matrix-product multiply-adds: {self.matmul_macs_per_sample:,} per sample, {self.matmul_macs:,} in all",
            f"  elementwise operations:       {self.elementwise_ops_per_sample:,} per sample, "
            f"{self.elementwise_ops:,} in all",
            "  ops: " + ", ".join(f"{name} {count}" for name, count in sorted(self.ops.items())),
        ]
        return "\n".join(lines)


def _per_sample(value_type) -> int:
    if not isinstance(value_type, TensorType):
        return 1
    shape = value_type.get_shape()
    return int(np.prod(shape[1:])) if len(shape) > 1 else 1


def function_stats(function: func.FuncOp) -> WorkStats:
    args = function.body.block.args
    samples = args[0].type.get_shape()[0] if args and isinstance(args[0].type, TensorType) else 1
    stats = WorkStats(function.sym_name.data, samples)
    for op in function.body.walk():
        if op.parent_op() is not function:
            continue
        stats.ops[op.name] += 1
        _count(op, stats)
    return stats


def _count(op: Operation, stats: WorkStats) -> None:
    if op.name == "linalg.matmul":
        a, b = op.operands[0].type, op.operands[1].type
        stats.matmul_macs_per_sample += a.get_shape()[1] * b.get_shape()[1]
    elif op.name == "linalg.generic":
        body_ops = [o for o in op.body.block.ops if o.name.startswith(_ELEMENTWISE_DIALECTS) and o.name not in _FREE]
        stats.elementwise_ops_per_sample += len(body_ops) * _per_sample(op.results[0].type)
    elif op.name.startswith(_ELEMENTWISE_DIALECTS) and op.name not in _FREE and op.results:
        if isinstance(op.results[0].type, TensorType):
            stats.elementwise_ops_per_sample += _per_sample(op.results[0].type)


def module_stats(module: Operation) -> list[WorkStats]:
    return [function_stats(f) for f in module.walk() if isinstance(f, func.FuncOp) and f.body.blocks]
