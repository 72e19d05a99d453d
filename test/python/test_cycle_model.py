"""The cycle model: closed forms on pipelines, an independent SimPy engine on small graphs (one reconvergent, with
a FIFO too shallow), deadlock reports, and the minimality of the depths dataflow-fifo-depth chooses."""

import numpy as np
import pytest

from inrarch.context import make_context, parse_module
from inrarch.analysis.cycle_model import SimKernel, SimStream, Simulator, simulate
from inrarch.analysis.simulate import sim_model
from inrarch.dialects.dataflow import GraphOp
from inrarch.passes.dataflow_fifo_depth import DataflowFifoDepthPass, late_kernels, fifo_groups
from simpy_engine import simpy_run

PIPELINE = """
!s = !dataflow.stream<f32, 1>
dataflow.graph @pipe(%in: memref<{n}x1xf32>, %out: memref<{n}x1xf32>) {{
  %a = dataflow.fifo depth {depth} : !s
  %b = dataflow.fifo depth {depth} : !s
  dataflow.read %in -> %a : memref<{n}x1xf32> -> !s
  dataflow.map ins(%a : !s) outs(%b : !s) attributes {{ii = {ii}}} {{
  ^bb0(%v: f32):
    {body}
    dataflow.yield %r : f32
  }}
  dataflow.write %b -> %out : !s -> memref<{n}x1xf32>
}}
"""

# Map bodies: a chain of k sines ending in %r.
SIN_CHAIN = {
    k: "\n    ".join(f"%{'r' if i == k - 1 else f'v{i + 1}'} = math.sin %v{i if i else ''} : f32" for i in range(k))
    for k in (1, 2, 3)
}

RECONVERGENT = """
!s = !dataflow.stream<f32, 4>
dataflow.graph @g(%in: memref<{n}x4xf32>, %out: memref<{n}x4xf32>) {{
  %x = dataflow.fifo depth 2 : !s
  %x_mv = dataflow.fifo depth 2 : !s
  %skip = dataflow.fifo depth {skip} : !s
  %a = dataflow.fifo depth 2 : !s
  %y = dataflow.fifo depth 2 : !s
  dataflow.read %in -> %x : memref<{n}x4xf32> -> !s
  dataflow.fork %x -> %x_mv, %skip : !s -> !s, !s
  dataflow.matvec ins(%x_mv : !s) outs(%a : !s) weights(dense<0.25> : tensor<4x4xf32>)
  dataflow.map ins(%a, %skip : !s, !s) outs(%y : !s) {{
  ^bb0(%p: f32, %q: f32):
    %r = arith.addf %p, %q : f32
    dataflow.yield %r : f32
  }}
  dataflow.write %y -> %out : !s -> memref<{n}x4xf32>
}}
"""

SHUFFLED = """
!s = !dataflow.stream<f32, 3>
dataflow.graph @sh(%in: memref<{n}x3xf32>, %out: memref<{n}x6xf32>) {{
  %x = dataflow.fifo depth 2 : !s
  %a = dataflow.fifo depth {d} : !s
  %b = dataflow.fifo depth {d} : !s
  %y = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 3>
  dataflow.read %in -> %x : memref<{n}x3xf32> -> !s
  dataflow.matvec ins(%x, %x_copy : !s, !s) outs(%a, %b : !s, !s) weights(dense<1.0> : tensor<3x3xf32>)
  dataflow.shuffle ins(%a, %b : !s, !s) outs(%y : !dataflow.stream<tensor<2xf32>, 3>) {{select = array<i64: 0, 3, 1, 4, 2, 5>}}
  dataflow.write %y -> %out : !dataflow.stream<tensor<2xf32>, 3> -> memref<{n}x6xf32>
}}
"""

SHUFFLED_FORKED = SHUFFLED.replace(
    "  dataflow.read %in -> %x : memref<{n}x3xf32> -> !s\n",
    "  %x0 = dataflow.fifo depth 2 : !s\n  %x_copy = dataflow.fifo depth 2 : !s\n"
    "  dataflow.read %in -> %x0 : memref<{n}x3xf32> -> !s\n"
    "  dataflow.fork %x0 -> %x, %x_copy : !s -> !s, !s\n",
)


def graph_of(text: str) -> GraphOp:
    module = parse_module(text)
    return next(op for op in module.walk() if isinstance(op, GraphOp))


def run(graph: GraphOp, samples: int | None = None):
    kernels, streams, _ = sim_model(graph)
    return simulate(kernels, streams, samples or graph.samples)


@pytest.mark.parametrize("n", [1, 2, 17, 64])
@pytest.mark.parametrize("ii,sines", [(1, 1), (1, 3), (2, 2), (3, 1), (5, 3)])
def test_pipeline_total_is_n_minus_one_intervals_plus_depth(n, ii, sines):
    """A map of `sines` chained sines, initiation interval II, between the memory reader and writer: N samples take
    (N-1)*II + its depth in whole iterations + the reader's (its m_axi latency 64 + 1) + one cycle per FIFO hop
    + the first cycle. The map's depth: 20 cycles per sine (the operator table), + 1 for the write, + II - 1 per
    operator of the chain when operators are shared over II cycles."""
    result = run(graph_of(PIPELINE.format(n=n, depth=64, ii=ii, body=SIN_CHAIN[sines])))
    depth = 20 * sines + 1 + (ii - 1) * sines
    lag = -(-depth // ii)
    assert result.deadlock is None
    assert result.cycles == (n - 1) * ii + lag * ii + (64 + 1) + 2 + 1


def test_slowest_stage_sets_the_interval():
    kernels = [
        SimKernel("src", 1, 1, [], [(0, [0])]),
        SimKernel("slow", 1, 4, [(0, [0])], [(1, [1])]),
        SimKernel("fast", 1, 2, [(1, [0])], [(2, [0])]),
        SimKernel("sink", 1, 1, [(2, [0])], []),
    ]
    streams = [SimStream(f"f{i}", 2, 1) for i in range(3)]
    result = simulate(kernels, streams, 50)
    assert result.interval == pytest.approx(4.0)
    assert result.deadlock is None


GRAPHS = [
    ("pipeline", PIPELINE.format(n=12, depth=1, ii=2, body=SIN_CHAIN[2])),
    ("reconvergent_deep", RECONVERGENT.format(n=10, skip=8)),
    ("reconvergent_just_enough", RECONVERGENT.format(n=10, skip=6)),
    ("reconvergent_deadlocks", RECONVERGENT.format(n=10, skip=5)),
    ("shuffle_members", SHUFFLED_FORKED.format(n=9, d=3)),
    ("shuffle_members_deadlocks", SHUFFLED_FORKED.format(n=9, d=1)),
]


@pytest.mark.parametrize("name,text", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_cycle_model_agrees_with_simpy(name, text):
    graph = graph_of(text)
    kernels, streams, _ = sim_model(graph)
    ours = simulate(kernels, streams, graph.samples)
    theirs, stuck = simpy_run(kernels, streams, graph.samples)
    assert ours.cycles == theirs
    assert (ours.deadlock is None) == (not stuck)
    if ours.deadlock is not None:
        assert set(ours.deadlock.kernels) <= stuck


def test_shallow_skip_fifo_deadlocks():
    """The matvec (4 x 4, one lane: 16 iterations per sample at II 2, its accumulators coming back every 4
    iterations against a 6-cycle recurrence) reads a sample's features at its iterations 0, 4, 8, 12 and writes
    the sample's first result at iteration 22 (test/passes/dataflow-fifo-depth/reconvergent.mlir derives it), after
    reading the next sample's features 0 and 1. Meanwhile the skip FIFO holds a sample's 4 features plus those 2:
    with 6 tokens the design runs at full speed, with 5 the fork stalls on it and the matvec never gets its
    input."""
    deep = run(graph_of(RECONVERGENT.format(n=10, skip=8)))
    enough = run(graph_of(RECONVERGENT.format(n=10, skip=6)))
    shallow = run(graph_of(RECONVERGENT.format(n=10, skip=5)))
    assert deep.deadlock is None and enough.deadlock is None
    assert enough.cycles == deep.cycles
    assert shallow.cycles is None
    assert shallow.deadlock.describe() == "deadlock: %skip (full), %a (empty), %x_mv (empty)"


def test_deadlock_names_the_fifos_of_the_cycle():
    result = run(graph_of(SHUFFLED_FORKED.format(n=4, d=1)))
    assert result.deadlock is not None
    fifos = dict(result.deadlock.fifos)
    assert set(fifos) <= {"%a", "%b", "%x", "%x_copy", "%x0"}
    assert "full" in fifos.values() and "empty" in fifos.values()


MINIMALITY_GRAPHS = [
    RECONVERGENT.format(n=12, skip=1),
    SHUFFLED_FORKED.format(n=10, d=1),
    PIPELINE.format(n=16, depth=1, ii=3, body=SIN_CHAIN[1]),
]


@pytest.mark.parametrize("text", MINIMALITY_GRAPHS, ids=["reconvergent", "shuffle", "pipeline"])
def test_chosen_depths_are_minimal(text):
    module = parse_module(text)
    DataflowFifoDepthPass(late=False).apply(make_context(), module)
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    kernels, streams, _ = sim_model(graph)
    sim = Simulator(kernels, streams)
    depths = [f.depth_value for f in graph.fifos()]
    unbounded = sim.run(graph.samples, [s.tokens_per_sample * graph.samples + 1 for s in streams])
    chosen = sim.run(graph.samples, depths)
    assert chosen.deadlock is None
    assert chosen.cycles == unbounded.cycles  # full throughput: as fast as with unbounded FIFOs
    for group in fifo_groups(graph):
        if depths[group[0]] == 1:
            continue
        lowered = list(depths)
        for i in group:
            lowered[i] -= 1
        result = sim.run(graph.samples, lowered)
        assert result.cycles is None or result.cycles > chosen.cycles, f"FIFO group {group} could be shallower"


def test_lp_bound_is_reported_and_below_the_balanced_schedule():
    module = parse_module(RECONVERGENT.format(n=12, skip=1))
    DataflowFifoDepthPass().apply(make_context(), module)
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    bound = graph.attributes["lp_bound_words"].value.data
    balanced = graph.attributes["lp_fifo_words"].value.data
    assert 0 < bound <= balanced
    assert np.isfinite(bound)


@pytest.mark.parametrize("text", MINIMALITY_GRAPHS, ids=["reconvergent", "shuffle", "pipeline"])
def test_default_depths_hold_when_kernels_write_late(text):
    """With the default sizing, every kernel writing later than modeled (all together, or any one alone) by
    late_by iterations still runs at its own full speed: no deadlock when Vitis schedules deeper pipelines."""
    module = parse_module(text)
    DataflowFifoDepthPass().apply(make_context(), module)
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    kernels, streams, _ = sim_model(graph)
    depths = [f.depth_value for f in graph.fifos()]
    unbounded = [s.tokens_per_sample * graph.samples + 1 for s in streams]
    for which in [set(range(len(kernels)))] + [{k} for k in range(len(kernels))]:
        sim = Simulator(late_kernels(kernels, which), streams)
        assert sim.run(graph.samples, depths).cycles == sim.run(graph.samples, unbounded).cycles, which
