"""The extensions README's "Extending" walks through, done here as a researcher outside the package would do them.

- A dataflow pass in a module of its own (a rewrite pattern on the dialect's ops, asking the dialect's stream API
  who writes a stream), registered by one entry in the pass registry and run by `inrarch-opt`.
- A kernel op of its own (`ext.reduce`: the sum of a sample's elements): the coverage check names it while it has
  no hardware facts; with one `@facts_rule` the cycle model runs the graph from those facts alone, and the HLS
  printer names it as the next thing it needs.

A math activation is one registry entry and a line in each C++ header: done for real as `math.atan`, checked end to
end by test_ops.test_atan_end_to_end_from_one_registry_entry.
"""

from __future__ import annotations

import importlib
import re
from math import ceil
from pathlib import Path

import pytest
from xdsl.ir import Dialect
from xdsl.irdl import ParsePropInAttrDict, irdl_op_definition, operand_def

import inrarch.opt
from inrarch.context import make_context, parse_module
from inrarch.targets.hls.facts import (
    KERNEL_FACTS,
    KernelFacts,
    kernel_facts,
    kernels_without_facts,
    loop_ii,
    serial_accumulation,
)
from inrarch.analysis.simulate import model_run
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import DATAFLOW, GraphOp, KernelOp, StreamType
from inrarch.targets.hardware import operator
from inrarch.targets.hls.printer import HlsPrinter
from inrarch.targets.rtl.kernels import GENERATORS

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------------------------------
# A pass
# ---------------------------------------------------------------------------------------------------------------------

PASS_MODULE = '''
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

from inrarch.dialects.dataflow import FifoOp, ForkOp, producer


@dataclass(frozen=True)
class DeepenForkBranches(RewritePattern):
    tokens: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: FifoOp, rewriter: PatternRewriter) -> None:
        if isinstance(producer(op.stream), ForkOp):
            op.properties["depth"] = IntegerAttr(op.depth_value + self.tokens, i64)
            rewriter.notify_op_modified(op)


@dataclass(frozen=True)
class ForkMarginPass(ModulePass):
    """`tokens` more room in every FIFO a fork writes."""

    name = "fork-margin"

    tokens: int = 1

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(DeepenForkBranches(self.tokens), apply_recursively=False).rewrite_module(op)
'''


def test_a_pass_in_a_module_of_its_own(tmp_path, monkeypatch, capsys):
    (tmp_path / "fork_margin.py").write_text(PASS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    ours = importlib.import_module("fork_margin")
    registry = inrarch.opt.get_all_passes  # the one line in inrarch/universe.py, made here
    monkeypatch.setattr(inrarch.opt, "get_all_passes", lambda: {**registry(), "fork-margin": lambda: ours.ForkMarginPass})
    source = ROOT / "test" / "dialects" / "dataflow" / "roundtrip.mlir"
    inrarch.opt.main([str(source), "-p", "fork-margin{tokens=3}"])
    fifo = r"%(\w+) = dataflow\.fifo depth (\d+)"
    after = {name: int(d) for name, d in re.findall(fifo, capsys.readouterr().out)}
    text = source.read_text().split("\n// GENERIC")[-1]  # the input graph, after the CHECK lines
    before = {name: int(d) for name, d in re.findall(fifo, text) if not name.endswith("_")}
    branches = re.search(r"dataflow\.fork %\w+ -> (%\w+), (%\w+)", text).groups()
    assert set(branches) == {"%x0", "%x1"}
    assert after == {name: d + 3 if f"%{name}" in branches else d for name, d in before.items()}


# ---------------------------------------------------------------------------------------------------------------------
# A kernel op
# ---------------------------------------------------------------------------------------------------------------------


@irdl_op_definition
class ReduceOp(KernelOp):
    """Sums the elements of each sample into one element."""

    name = "ext.reduce"

    input = operand_def(StreamType)
    output = operand_def(StreamType)

    assembly_format = "$input `->` $output attr-dict `:` type($input) `->` type($output)"
    irdl_options = (ParsePropInAttrDict(),)

    @property
    def stream_inputs(self):
        return (self.input,)

    @property
    def stream_outputs(self):
        return (self.output,)


EXT = Dialect("ext", [ReduceOp])

SAMPLES, ELEMENTS = 16, 8
GRAPH = f"""
dataflow.graph @sum(%in: memref<{SAMPLES}x{ELEMENTS}xf32>, %out: memref<{SAMPLES}x1xf32>) {{
  %x = dataflow.fifo depth 2 : !dataflow.stream<f32, {ELEMENTS}>
  %s = dataflow.fifo depth 2 : !dataflow.stream<f32, 1>
  dataflow.read %in -> %x : memref<{SAMPLES}x{ELEMENTS}xf32> -> !dataflow.stream<f32, {ELEMENTS}>
  ext.reduce %x -> %s : !dataflow.stream<f32, {ELEMENTS}> -> !dataflow.stream<f32, 1>
  dataflow.write %s -> %out : !dataflow.stream<f32, 1> -> memref<{SAMPLES}x1xf32>
}}
"""


def reduce_facts(op: ReduceOp, clock_mhz: float) -> KernelFacts:
    """One element per iteration added to an accumulator (a loop-carried fadd), the sum written after the last."""
    n = op.input_types()[0].elements
    recurrence = serial_accumulation(1, 1, 0, clock_mhz)
    ii, bound = loop_ii([recurrence])
    depth = operator("arith.addf", clock_mhz).latency + 1
    return KernelFacts("reduce", ii, bound, depth, n, [list(range(n))], [[n - 1 + ceil(depth / ii)]],
                       operators={"arith.addf": 1}, recurrences=(recurrence,), clock_mhz=clock_mhz)  # fmt: skip


def sum_graph() -> GraphOp:
    ctx = make_context()
    ctx.load_dialect(EXT)
    module = parse_module(GRAPH, "sum.mlir", ctx)
    return next(op for op in module.walk() if isinstance(op, GraphOp))


def test_every_kernel_op_has_facts_and_an_rtl_generator():
    kernels = [op for op in DATAFLOW.operations if issubclass(op, KernelOp)]
    assert len(kernels) == 6
    assert kernels_without_facts(DATAFLOW) == []
    assert [op.name for op in kernels if op not in GENERATORS] == []


def test_a_new_kernel_op_is_named_until_it_has_facts(monkeypatch):
    assert kernels_without_facts(EXT) == ["ext.reduce"]
    graph = sum_graph()
    (reduce,) = [k for k in graph.kernels() if isinstance(k, ReduceOp)]
    with pytest.raises(CompileError, match=r"^ext\.reduce has no hardware facts"):
        kernel_facts(reduce)
    with pytest.raises(CompileError, match=r"^ext\.reduce has no hardware facts"):
        model_run(graph)

    monkeypatch.setitem(KERNEL_FACTS, ReduceOp, reduce_facts)  # the @facts_rule(ReduceOp) of inrarch/targets/hls/facts.py
    assert kernels_without_facts(EXT) == []
    facts = kernel_facts(reduce)
    add = operator("arith.addf").latency
    assert facts.ii == add + 2  # the accumulator's fadd, its write and a cycle of slack, per element
    result, _ = model_run(graph)
    # The reduction bounds the design: ELEMENTS iterations of facts.ii cycles per sample, from the first element's
    # arrival (the read's memory latency) to the last sum's write (a few iterations of the reduction later).
    assert result.interval == ELEMENTS * facts.ii
    busy = kernel_facts(next(graph.kernels())).depth + SAMPLES * ELEMENTS * facts.ii
    assert busy < result.cycles <= busy + 2 * facts.ii
    with pytest.raises(CompileError, match=r"the HLS printer cannot print ext\.reduce"):
        HlsPrinter(graph).print()
