"""The cycle model: closed forms on pipelines, an independent SimPy engine on small graphs (one reconvergent, with
a FIFO too shallow), deadlock reports, and the minimality of the depths dataflow-fifo-depth chooses."""

import numpy as np
import pytest

from inrarch.context import make_context, parse_module
from inrarch.dataflow.cycle_model import SimKernel, SimStream, Simulator, simulate
from inrarch.dataflow.simulate import sim_model
from inrarch.dialects.dataflow import GraphOp
from inrarch.passes.dataflow_fifo_depth import DataflowFifoDepthPass, fifo_groups
from simpy_engine import simpy_run

PIPELINE = """
!s = !dataflow.stream<f32, 1>
dataflow.graph @pipe(%in: memref<{n}x1xf32>, %out: memref<{n}x1xf32>) {{
  %a = dataflow.fifo depth {depth} : !s
  %b = dataflow.fifo depth {depth} : !s
  dataflow.read %in -> %a : memref<{n}x1xf32> -> !s
  dataflow.map ins(%a : !s) outs(%b : !s) attributes {{ii = {ii}, latency = {latency}}} {{
  ^bb0(%v: f32):
    %r = math.sin %v : f32
    dataflow.yield %r : f32
  }}
  dataflow.write %b -> %out : !s -> memref<{n}x1xf32>
}}
"""

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
  dataflow.matvec ins(%x_mv : !s) outs(%a : !s) weights(dense<0.25> : tensor<4x4xf32>) {{latency = 8}}
  dataflow.map ins(%a, %skip : !s, !s) outs(%y : !s) attributes {{latency = 5}} {{
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
  dataflow.matvec ins(%x, %x_copy : !s, !s) outs(%a, %b : !s, !s) weights(dense<1.0> : tensor<3x3xf32>) {{latency = 6}}
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
@pytest.mark.parametrize("ii,latency", [(1, 0), (1, 7), (2, 9), (3, 3), (5, 24)])
def test_pipeline_total_is_n_minus_one_intervals_plus_depth(n, ii, latency):
    """A pipelined kernel with initiation interval II between two FIFOs: N tokens take (N-1)*II + depth cycles,
    depth = its pipeline depth in whole iterations (ceil(latency/II)*II) + one cycle per FIFO hop + the first
    cycle."""
    result = run(graph_of(PIPELINE.format(n=n, depth=64, ii=ii, latency=latency)))
    lag = -(-latency // ii)
    assert result.deadlock is None
    assert result.cycles == (n - 1) * ii + (lag * ii + 3)


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
    ("pipeline", PIPELINE.format(n=12, depth=1, ii=2, latency=9)),
    ("reconvergent_deep", RECONVERGENT.format(n=10, skip=8)),
    ("reconvergent_just_enough", RECONVERGENT.format(n=10, skip=7)),
    ("reconvergent_deadlocks", RECONVERGENT.format(n=10, skip=6)),
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
    """The matvec (4 x 4, one lane: 16 iterations per sample, results 8 iterations after the last) reads the next
    sample's features at its iterations 16, 20 and 24 and writes its first result at iteration 24, in the same
    pipeline step as the third read. Meanwhile the skip FIFO holds a sample's 4 features plus those 3: with 7
    tokens the design runs at full speed, with 6 the fork stalls on it and the matvec never gets its input."""
    deep = run(graph_of(RECONVERGENT.format(n=10, skip=8)))
    enough = run(graph_of(RECONVERGENT.format(n=10, skip=7)))
    shallow = run(graph_of(RECONVERGENT.format(n=10, skip=6)))
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
    PIPELINE.format(n=16, depth=1, ii=3, latency=10),
]


@pytest.mark.parametrize("text", MINIMALITY_GRAPHS, ids=["reconvergent", "shuffle", "pipeline"])
def test_chosen_depths_are_minimal(text):
    module = parse_module(text)
    DataflowFifoDepthPass().apply(make_context(), module)
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
