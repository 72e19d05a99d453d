"""The dataflow order of a graph's kernels."""

from __future__ import annotations

from collections.abc import Iterable

from xdsl.ir import Block

from inrarch.dialects.dataflow import FifoOp, KernelOp, predecessors
from inrarch.postorder import postorder

# ---------------------------------------------------------------------------------------------------------------------
# Kernel order
# ---------------------------------------------------------------------------------------------------------------------


def dataflow_order(kernels: Iterable[KernelOp]) -> list[KernelOp]:
    """The kernels, each after the kernels writing its input streams (depth first from the first kernel given, so
    the order follows the IR's). In a graph with a cycle of streams some kernel comes before one of its writers."""
    return postorder(kernels, predecessors)


def order_kernels(block: Block) -> None:
    """Puts FIFOs first and kernels in dataflow (topological) order, for readable IR."""
    fifos = [op for op in block.ops if isinstance(op, FifoOp)]
    kernels = [op for op in block.ops if isinstance(op, KernelOp)]
    ordered = dataflow_order(kernels)
    for op in [*fifos, *kernels]:
        op.detach()
    block.add_ops([*fifos, *ordered])
