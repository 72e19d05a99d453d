"""`dataflow-fifo-margin{tokens=N}`: N more tokens in every FIFO, for a designer who wants room beyond the margin
dataflow-fifo-depth already keeps for deeper Vitis pipelines (for instance before a first co-simulation). The
worked example of a pass in README's "Extending": one file, one line in `inrarch/universe.py`, one lit test
(`test/passes/dataflow-fifo-margin/`); the change is a rewrite pattern on the dialect's ops."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import FifoOp


@dataclass(frozen=True)
class AddTokens(RewritePattern):
    tokens: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: FifoOp, rewriter: PatternRewriter) -> None:
        op.properties["depth"] = IntegerAttr(op.depth_value + self.tokens, i64)
        rewriter.notify_op_modified(op)


@dataclass(frozen=True)
class DataflowFifoMarginPass(ModulePass):
    """Adds `tokens` to the depth of every FIFO."""

    name = "dataflow-fifo-margin"

    tokens: int = 1

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if not isinstance(self.tokens, int) or self.tokens < 0:
            raise CompileError(f"dataflow-fifo-margin: option tokens must be an integer >= 0, got {self.tokens}")
        PatternRewriteWalker(AddTokens(self.tokens), apply_recursively=False).rewrite_module(op)
