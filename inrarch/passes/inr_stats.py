"""`inr-stats`: prints the work of every function — matrix-product multiply-adds and elementwise operations per
sample and in all, and op counts — to stderr (or, as JSON, to `file`). The IR is left unchanged."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from inrarch.stats import module_stats


@dataclass(frozen=True)
class InrStatsPass(ModulePass):
    """Prints multiply-adds per sample (matrix products, elementwise) and op counts of each function."""

    name = "inr-stats"

    file: str | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        stats = module_stats(op)
        if self.file:
            with open(self.file, "w") as f:
                json.dump([s.as_dict() for s in stats], f, indent=2)
            return
        for s in stats:
            print(s.report(), file=sys.stderr)
