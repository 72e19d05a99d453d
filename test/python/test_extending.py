"""The extensions README's "Extending" walks through, done here as a researcher outside the package would do them.

- A dataflow pass in a module of its own (a rewrite pattern on the dialect's ops, asking the dialect's stream API
  who writes a stream), registered by one entry in the pass registry and run by `inrarch-opt`.
- A kernel op of its own (`ext.reduce`: the sum of a sample's elements), with every rule it needs registered here
  and no file of the package edited (each registration a monkeypatch of the registry its decorator fills, so
  nothing leaks between tests): the coverage check names it while it has no hardware facts; with its
  `@facts_rule` the cycle model runs the graph from those facts alone, and the HLS printer names what it needs
  next; with its `@print_rule` the float design is C-simulated with g++ (per-sample sums within float32 rounding,
  the timed C-simulation's cycles and FIFO occupancies equal to the model's). A fixed-point variant of the graph
  (stream formats in the IR) needs its `@semantics_rule` (the fixed-point emulation) and a `Kernel` subclass in the
  RTL `GENERATORS`: the same print rule's C-simulation (raw-integer and Xilinx ap_fixed) and the Verilator
  simulation equal the semantics bit for bit, and those equal a sum rounded by hand.

A math activation is one registry entry and a line in each C++ header: done for real as `math.atan`, checked end to
end by test_ops.test_atan_end_to_end_from_one_registry_entry.
"""

from __future__ import annotations

import importlib
import re
from math import ceil
from pathlib import Path

import numpy as np
import pytest
from amaranth.hdl import Mux, Signal, signed
from xdsl.ir import Dialect
from xdsl.irdl import ParsePropInAttrDict, irdl_op_definition, operand_def

import inrarch.opt
from inrarch.context import make_context, parse_module
from inrarch.design import Design
from inrarch.targets.hls.facts import (
    KERNEL_FACTS,
    KernelFacts,
    kernel_facts,
    kernels_without_facts,
    loop_ii,
    Recurrence,
    serial_accumulation,
)
from inrarch.analysis.fixed import Fixed, fifo_format
from inrarch.analysis.functional import SEMANTICS_RULES, Semantics
from inrarch.analysis.precision import run_fixed
from inrarch.analysis.simulate import model_run
from inrarch.diagnostics import CompileError
from inrarch.dialects.dataflow import DATAFLOW, GraphOp, KernelOp, StreamType
from inrarch.targets.hardware import operator
from inrarch.targets.hls import pragmas
from inrarch.targets.hls.printer import PRINT_RULES, HlsPrinter
from inrarch.targets.rtl.hw import counter_step, round_to
from inrarch.targets.rtl.kernels import GENERATORS, Kernel
from inrarch.targets.rtl.project import load, measure, write_rtl

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


def acc_bits(op: ReduceOp) -> int:
    """Fixed point: the accumulator's width, enough for the exact sum of a sample's elements."""
    return op.input.owner.bits + (op.input_types()[0].elements - 1).bit_length()


def reduce_facts(op: ReduceOp, clock_mhz: float) -> KernelFacts:
    """One element per iteration added to an accumulator (a loop-carried add: an fadd, or in fixed point an exact
    add of acc_bits), the sum written after the last."""
    n = op.input_types()[0].elements
    if op.input.owner.format is None:
        add = "arith.addf"
        recurrence = serial_accumulation(1, 1, 0, clock_mhz)
    else:
        add = f"fx.add.{acc_bits(op)}"
        recurrence = Recurrence("accumulator", operator(add, clock_mhz).latency, 1)
    ii, bound = loop_ii([recurrence])
    depth = operator(add, clock_mhz).latency + 1
    return KernelFacts("reduce", ii, bound, depth, n, [list(range(n))], [[n - 1 + ceil(depth / ii)]],
                       operators={add: 1}, recurrences=(recurrence,), clock_mhz=clock_mhz)  # fmt: skip


def sum_graph(text: str = GRAPH) -> GraphOp:
    ctx = make_context()
    ctx.load_dialect(EXT)
    module = parse_module(text, "sum.mlir", ctx)
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
    with pytest.raises(CompileError, match=r"^the HLS printer cannot print ext\.reduce: register its C\+\+ with "
                                           r"@print_rule\(ReduceOp\)"):  # fmt: skip
        HlsPrinter(graph).print()


def print_reduce(printer: HlsPrinter, name: str, op: ReduceOp, facts: KernelFacts) -> tuple[str, str, str]:
    """The C++ of ext.reduce, written to its facts: one element a loop iteration (`facts.ii` cycles), the sum
    written after the sample's last element (`facts.write_lag` iterations later in the timed C-simulation). In fixed
    point the accumulator is an exact ap_fixed of acc_bits, rounded once, to the output stream's format."""
    t = printer.scalar
    if printer.fixed:
        f = fifo_format(op.input.owner)
        t = Fixed(acc_bits(op), f.int_bits + acc_bits(op) - f.width).cpp()
    params = printer.stream_params([op.input], "in") + printer.stream_params([op.output], "out")
    body = "\n".join([
        f"static void {name}({', '.join(params)}) {{",
        *printer.facts_comment(facts),
        f"  constexpr int E = {facts.steps};  // elements per sample, one per iteration",
        f"  {t} acc = 0;",
        "  int e = 0;  // element of the sample",
        *printer.pipelined_loop(facts.ii, facts.write_lag, "static_cast<long>(SAMPLES) * E"),
        f"    const {t} s = (e == 0 ? {t}(0) : acc) + {printer.from_stream(op.input, 'in0.read().v[0]')};",
        "    acc = s;",
        "    if (e == E - 1) {",
        f"      {printer.tok(op.output)} r;",
        f"      r.v[0] = {printer.to_stream(op.output, 's', f'{name}:out0')};",
        "      out0.write(r);",
        "    }",
        "    e = e == E - 1 ? 0 : e + 1;",
        "  }",
        "  INRARCH_PIPELINE_END();",
        "}"])  # fmt: skip
    return body, f"{printer.ref(op.input)}, {printer.ref(op.output)}", name


def test_a_new_kernel_op_is_printed_and_c_simulated_from_its_rules(monkeypatch):
    monkeypatch.setitem(KERNEL_FACTS, ReduceOp, reduce_facts)  # @facts_rule(ReduceOp) of inrarch.targets.hls.facts
    monkeypatch.setitem(PRINT_RULES, ReduceOp, print_reduce)  # @print_rule(ReduceOp) of inrarch.targets.hls.printer
    graph = sum_graph()
    printed = HlsPrinter(graph).print()
    assert pragmas.check(printed.source) == []
    (reduce,) = [k for k in graph.kernels() if isinstance(k, ReduceOp)]
    ii = kernel_facts(reduce).ii
    assert f"#pragma HLS PIPELINE II = {ii} style = stp" in printed.source
    x = np.random.default_rng(0).uniform(-1, 1, (SAMPLES, ELEMENTS)).astype(np.float32)
    design = Design(graph.parent_op(), {"element": "f32"}, [])
    (out,) = design.csim(x)
    exact = x.astype(np.float64).sum(axis=1)
    # A float32 sum of ELEMENTS terms, added in order, is within ELEMENTS roundings of the sum of magnitudes.
    assert np.all(np.abs(out - exact) <= ELEMENTS * np.finfo(np.float32).eps * np.abs(x).sum(axis=1))
    assert not np.array_equal(out, np.zeros_like(out))
    timed = design.timed_csim(x)
    modeled, streams = model_run(graph)
    assert timed.outputs[0].tolist() == out.tolist()
    assert timed.cycles == modeled.cycles
    names = HlsPrinter(graph).fifo_names()
    assert timed.max_occupancy == {names[v]: n for v, n in zip(streams, modeled.max_occupancy, strict=True)}


def reduce_values(semantics: Semantics, op: ReduceOp, ins: list[np.ndarray], site: str) -> list[np.ndarray]:
    """The exact sum of each sample's elements (the fixed-point accumulator has acc_bits: no rounding inside);
    its output stream rounds it to the stream's format."""
    return [ins[0].sum(axis=1, keepdims=True)]


class ReduceRtl(Kernel):
    """ext.reduce as a stall-all pipeline: one element a cycle added into an acc_bits register (0 at a sample's
    first element), the sum rounded to the output format and registered, written one cycle after the last."""

    def build(self, m, pipe):
        (inp,), (out,) = self.ins, self.outs
        n = self.op.input_types()[0].elements
        issue, _ = self.loop(m, self.samples * n, 1)
        e = Signal(range(max(2, n)), name="e")
        last = counter_step(m, e, n, issue)
        acc = Signal(signed(acc_bits(self.op)), name="acc")
        total = Mux(e == 0, 0, acc) + inp.element(inp.data, 0)
        with m.If(issue):
            m.d.sync += acc.eq(total)
        m.d.comb += out.data.eq(pipe.reg(round_to(total, inp.fmt.frac, out.fmt), "sum"))
        self.structure.depth = 1
        return [(inp, issue)], [(out, pipe.delay(issue & last, 1))]


FIXED_GRAPH = GRAPH.replace("fifo depth 2 :", "fifo depth 2 format <16, 2> :", 1).replace(
    "fifo depth 2 :", "fifo depth 2 format <16, 5> :", 1)  # inputs in [-2, 2), lsb 2^-14; sums in [-16, 16), lsb 2^-11


def test_a_new_kernel_op_in_fixed_point_c_simulated_and_in_rtl_from_its_rules(monkeypatch, tmp_path):
    monkeypatch.setitem(KERNEL_FACTS, ReduceOp, reduce_facts)  # @facts_rule(ReduceOp) of inrarch.targets.hls.facts
    graph = sum_graph(FIXED_GRAPH)
    assert "format <16, 2>" in str(graph) and "format <16, 5>" in str(graph)
    x = np.random.default_rng(1).uniform(-1, 1, (2 * SAMPLES, ELEMENTS)).astype(np.float32).astype(np.float64)
    with pytest.raises(CompileError, match=r"^no semantics for ext\.reduce: register its arithmetic with "
                                           r"@semantics_rule\(ReduceOp\)"):  # fmt: skip
        run_fixed(graph, x)
    monkeypatch.setitem(SEMANTICS_RULES, ReduceOp, reduce_values)  # @semantics_rule(ReduceOp), analysis.functional
    with pytest.raises(CompileError, match=r"^the RTL generator has no kernel for ext\.reduce: register a Kernel "
                                           r"subclass for ReduceOp in GENERATORS"):  # fmt: skip
        write_rtl(graph, str(tmp_path / "none"))
    monkeypatch.setitem(GENERATORS, ReduceOp, ReduceRtl)  # its entry in GENERATORS of inrarch.targets.rtl.kernels
    # The fixed-point semantics, by hand: each input rounded half up to 2^-14, the sum exact, rounded half up to 2^-11.
    raw = np.floor(x * 2.0**14 + 0.5)
    by_hand = np.floor(raw.sum(axis=1, keepdims=True) / 8 + 0.5) / 2.0**11
    expected, overflows = run_fixed(graph, x)
    assert not overflows and np.array_equal(expected, by_hand)
    assert not np.array_equal(by_hand, np.floor(x.sum(axis=1, keepdims=True) * 2.0**11 + 0.5) / 2.0**11)
    # The same print rule in fixed point: the C-simulation's words equal the semantics', its timing the model's.
    monkeypatch.setitem(PRINT_RULES, ReduceOp, print_reduce)
    design = Design(graph.parent_op(), {"element": "f32"}, [])
    for arithmetic in ("raw", "ap_fixed"):  # inrarch's raw-integer ap_fixed, and Xilinx's ap_fixed.h
        (csim,) = design.csim(x, arithmetic=arithmetic)
        assert np.array_equal(csim, expected[:, 0]), arithmetic
    timed = design.timed_csim(x[:SAMPLES])
    assert np.array_equal(timed.outputs[0], expected[:SAMPLES, 0])
    assert timed.cycles == model_run(graph)[0].cycles
    project = write_rtl(graph, str(tmp_path / "rtl"), inputs=x)  # two calls of SAMPLES samples
    sim = measure(project, sim=True, synth=False, progress=lambda _: None)["sim"]
    assert sim["mismatches"] == 0 and sim["values"] == 2 * SAMPLES  # Verilator's words equal the semantics'
    (reduce,) = [k for k in load(project)["kernels"] if k["op"] == "ext.reduce"]
    assert reduce["rtl"]["ii"] == 1 < reduce["model"]["ii"]  # the model's cycle of slack on every recurrence
    # The model is a promise the RTL keeps: a call takes at most the modeled cycles and at least one cycle an element.
    model = load(project)["model"]["cycles"]
    assert sim["cycles"][0] == sim["cycles"][1]
    assert SAMPLES * ELEMENTS < sim["cycles"][0] <= model
