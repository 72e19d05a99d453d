"""The printed HLS C++ under C-simulation (g++), against PyTorch's nested autograd in float64; the C-simulation
headers' own checks (deadlock, empty reads, leftover tokens); strict compilation; errors of the printer."""

import copy
import os
import subprocess
import sys

import numpy as np
import pytest

import inrarch
from inrarch.apps import models
from inrarch.analysis.simulate import model_run, stream_name
from inrarch.design import Design
from inrarch.dialects.dataflow import GraphOp
from inrarch.context import make_context, parse_module
from inrarch.passes.dataflow_fifo_depth import DataflowFifoDepthPass, fifo_groups
from xdsl.dialects.builtin import IntegerAttr, i64
from inrarch.diagnostics import CompileError
from inrarch.targets.hls.printer import HlsPrinter
from inrarch.targets.hls.lib import HLS_LIB_DIR
from inrarch.apps.reference import insp_derivatives
from model_kinds import MODEL_KINDS, sample_input

STRICT = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas", "-O1"]


def check_csim(design, model, x, order, layout="insp", threaded_too=True, timed=False):
    reference = [r.numpy() for r in insp_derivatives(copy.deepcopy(model).double(), x.double(), order, layout)]
    design.build_modes(["sequential", *(["threaded"] if threaded_too else []), *(["timed"] if timed else [])])
    runs = {"sequential": design.csim(x)}
    if threaded_too:
        runs["threaded"] = design.csim(x, threaded=True)
    if timed:
        runs["timed"] = check_timed(design, x)
    for mode, outputs in runs.items():
        assert len(outputs) == len(reference)
        for k, (out, ref) in enumerate(zip(outputs, reference, strict=True)):
            assert np.abs(out - ref).max() <= 1e-3 * np.abs(ref).max() + 1e-30, f"output {k}, {mode}"


def check_timed(design, x):
    """The timed C-simulation of the printed code against the cycle model: the same cycles per call and, FIFO by
    FIFO, the same maximum occupancy. Returns the timed run's outputs."""
    run = design.timed_csim(x)
    model, values = model_run(design.graph)
    names = HlsPrinter(design.graph).fifo_names()
    assert run.cycles == model.cycles
    modeled = {names[v]: occupancy for v, occupancy in zip(values, model.max_occupancy, strict=True)}
    assert run.max_occupancy == modeled
    assert run.depths == {names[v]: v.owner.depth_value for v in values}
    return run.outputs


@pytest.fixture(scope="module")
def benchmark():
    model = models.benchmark_siren()
    return model, sample_input(64, 2)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_benchmark_siren(benchmark, order):
    model, x = benchmark
    design = inrarch.compile(model, x, order=order, dsp=3200)
    check_csim(design, model, x, order, timed=True)


@pytest.mark.parametrize("name,factory,d", MODEL_KINDS, ids=[k[0] for k in MODEL_KINDS])
@pytest.mark.parametrize("order", [1, 2])
def test_model_kinds(name, factory, d, order):
    model = factory()
    x = sample_input(16, d)
    check_csim(inrarch.compile(model, x, order=order), model, x, order, timed=order == 1)


def test_reverse_mode_design_and_unique_layout():
    model = models.siren(2, 12, 2, 2, omega=10.0)
    x = sample_input(16, 2)
    design = inrarch.compile(model, x, order=2, mode="reverse", layout="unique")
    check_csim(design, model, x, 2, layout="unique", threaded_too=False)


def test_batches_of_samples_run_through_one_binary():
    model = models.siren(2, 8, 2, 1)
    x = sample_input(16 * 3, 2)
    design = inrarch.compile(model, x[:16], order=1)
    check_csim(design, model, x, 1, threaded_too=False)


@pytest.mark.parametrize(
    "model,d", [(models.benchmark_siren(), 2), (models.ElementwiseZoo(), 2), (models.FourierFeatureMLP(), 2)],
    ids=["benchmark", "elementwise", "fourier"],
)
def test_printed_cpp_compiles_with_strict_warnings(model, d):
    design = inrarch.compile(model, sample_input(64, d), order=2)
    design.build_modes(["sequential", "threaded", "timed"], cxx_flags=STRICT)


def test_project_files(tmp_path):
    model = models.siren(2, 8, 2, 3)
    x = sample_input(16, 2)
    out = tmp_path / "prj"
    design = inrarch.compile(model, x, order=2, out_dir=str(out))
    names = set(os.listdir(out))
    assert {"forward_grad.cpp", "forward_grad.h", "forward_grad_constants.h", "testbench.cpp", "Makefile",
            "run_hls.tcl", "hls_config.cfg", "data", "hls_lib", "report.txt"} <= names  # fmt: skip
    assert "set_top forward_grad" in (out / "run_hls.tcl").read_text()
    assert "syn.top=forward_grad" in (out / "hls_config.cfg").read_text()
    assert design.out_dir == str(out)
    # The testbench compares with PyTorch's golden data itself.
    proc = subprocess.run(["make", "-s", "-C", str(out), "csim-threaded"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PASS: 21 outputs x 16 samples")
    proc = subprocess.run([sys.executable, "-m", "inrarch.cli", "csim", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0 and "PASS" in proc.stdout


DEADLOCK = r"""
#include <hls_stream.h>
#include "inrarch/dataflow.h"
// producer fills `a` (depth 2) before it writes `b`; consumer reads `b` before it reads `a`: each waits for the
// other as soon as `a` is full.
static void producer(hls::stream<int, 2>& a, hls::stream<int>& b) {
  for (int i = 0; i < 3; ++i) a.write(i);
  b.write(0);
}
static void consumer(hls::stream<int, 2>& a, hls::stream<int>& b) {
  (void)b.read();
  for (int i = 0; i < 3; ++i) (void)a.read();
}
static void top() {
#pragma HLS DATAFLOW
  hls::stream<int, 2> a("a");
  hls::stream<int> b("b");
  INRARCH_PROCESS("producer", producer(a, b));
  INRARCH_PROCESS("consumer", consumer(a, b));
  INRARCH_DATAFLOW_RUN();
}
int main() {
  top();
  return 0;
}
"""


def build_and_run(tmp_path, source: str, threaded: bool):
    src = tmp_path / "design.cpp"
    src.write_text(source)
    binary = tmp_path / ("threaded" if threaded else "sequential")
    flags = ["-DINRARCH_CSIM_THREADED", "-pthread"] if threaded else []
    subprocess.run(["g++", *STRICT, *flags, f"-I{HLS_LIB_DIR / 'csim'}", f"-I{HLS_LIB_DIR}", str(src), "-o",
                    str(binary)], check=True)  # fmt: skip
    return subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)


def test_threaded_mode_reports_a_deadlock_naming_the_fifos(tmp_path):
    proc = build_and_run(tmp_path, DEADLOCK, threaded=True)
    assert proc.returncode == 3
    assert proc.stderr.startswith("csim error: deadlock: every process is blocked:")
    assert "producer waits on FIFO a (full)" in proc.stderr
    assert "consumer waits on FIFO b (empty)" in proc.stderr


def test_sequential_mode_does_not_see_that_deadlock(tmp_path):
    """Why the threaded mode exists: run one after another over unbounded streams, as Vitis C-simulation runs
    processes, the same design completes."""
    proc = build_and_run(tmp_path, DEADLOCK, threaded=False)
    assert proc.returncode == 0, proc.stderr


SEQUENTIAL_ERRORS = r"""
#include <hls_stream.h>
int main(int argc, char**) {
  hls::stream<float> s("s");
  if (argc > 1) {
    s.write(1.0f);  // left in the stream at the end
    return 0;
  }
  return static_cast<int>(s.read());  // read from an empty stream
}
"""


def test_sequential_mode_rejects_empty_reads_and_leftover_tokens(tmp_path):
    src = tmp_path / "seq.cpp"
    src.write_text(SEQUENTIAL_ERRORS)
    binary = tmp_path / "seq"
    subprocess.run(["g++", *STRICT, f"-I{HLS_LIB_DIR / 'csim'}", str(src), "-o", str(binary)], check=True)
    empty = subprocess.run([str(binary)], capture_output=True, text=True)
    assert empty.returncode == 2 and "read from empty FIFO s" in empty.stderr
    left = subprocess.run([str(binary), "x"], capture_output=True, text=True)
    assert left.returncode == 2 and "FIFO s holds 1 token(s) at the end" in left.stderr


def test_printer_rejects_an_op_it_cannot_print_and_writes_nothing(tmp_path):
    text = """
!s = !dataflow.stream<f32, 1>
dataflow.graph @g(%in: memref<2x1xf32>, %out: memref<2x1xf32>) {
  %a = dataflow.fifo depth 2 : !s
  %b = dataflow.fifo depth 2 : !s
  dataflow.read %in -> %a : memref<2x1xf32> -> !s
  dataflow.map ins(%a : !s) outs(%b : !s) {
  ^bb0(%v: f32):
    %r = math.cbrt %v : f32
    dataflow.yield %r : f32
  }
  dataflow.write %b -> %out : !s -> memref<2x1xf32>
}
"""
    (tmp_path / "g.mlir").write_text(text)
    out = tmp_path / "prj"
    proc = subprocess.run([sys.executable, "-m", "inrarch.opt", str(tmp_path / "g.mlir"), "-t", f'hls{{out="{out}"}}'],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: the hardware model has no operator math.cbrt"
    assert not out.exists() and os.listdir(tmp_path) == ["g.mlir"]


def test_missing_output_parent_is_an_error(tmp_path):
    with pytest.raises(CompileError, match="its parent directory .* does not exist"):
        inrarch.compile(models.siren(2, 4, 1, 1), sample_input(4, 2), order=1, out_dir=str(tmp_path / "no" / "prj"))


def test_gxx_failure_is_one_line(tmp_path):
    design = inrarch.compile(models.siren(2, 4, 1, 1), sample_input(4, 2), order=1)
    with pytest.raises(CompileError, match="^g\\+\\+ failed to build the C-simulation: "):
        design.build(cxx_flags=["--no-such-flag"])


def test_csim_rejects_inputs_of_the_wrong_shape():
    design = inrarch.compile(models.siren(2, 4, 1, 1), sample_input(4, 2), order=1)
    with pytest.raises(CompileError, match=r"csim needs inputs of shape \[B\*4, 2\], got \[5, 2\]"):
        design.csim(np.zeros((5, 2)))


def test_inrarch_opt_writes_a_project_whose_csim_passes(tmp_path):
    module_text = str(inrarch.differentiate(models.siren(2, 8, 2, 2), sample_input(8, 2), order=1))
    (tmp_path / "d.mlir").write_text(module_text)
    out = tmp_path / "prj"
    proc = subprocess.run([sys.executable, "-m", "inrarch.opt", str(tmp_path / "d.mlir"), "--dataflow-lower=quiet=true",
                           "-t", f'hls{{out="{out}"}}', "-o", str(tmp_path / "main.cpp")],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "main.cpp").read_text() == (out / "forward_grad.cpp").read_text()
    run = subprocess.run(["make", "-s", "-C", str(out), "csim"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("PASS"), run.stdout + run.stderr



def _lowered(design, fifos):
    """A copy of the design with the given FIFOs (by index) one token shallower."""
    module = design.module.clone()
    graph = next(op for op in module.walk() if isinstance(op, GraphOp))
    for i, fifo in enumerate(graph.fifos()):
        if i in fifos:
            fifo.properties["depth"] = IntegerAttr(fifo.depth_value - 1, i64)
    return Design(module, design.report, design.outputs), graph


def test_one_token_below_the_chosen_depth_stalls_or_deadlocks_as_modeled():
    """dataflow-fifo-depth trims every FIFO (or matvec port, whose streams share one C++ type) to the least depth
    that keeps the modeled cycles. One token less must cost cycles or deadlock, and the timed C-simulation of the
    printed code must show exactly what the cycle model predicts: on a compiled SIREN, and on the reconvergent
    graph of test/passes/dataflow-fifo-depth (its skip FIFO one token short deadlocks). Both are sized without the
    margin for deeper pipelines (late=false), so that every depth is the least the model allows."""
    x = sample_input(16, 2)
    siren = inrarch.compile(models.siren(2, 16, 2, 2), x, order=1)
    DataflowFifoDepthPass(late=False).apply(make_context(), siren.module)  # the least depths, without margin
    siren.report["modeled_cycles"] = siren.graph.attributes["modeled_cycles"].value.data
    module = parse_module(RECONVERGENT_GRAPH)
    DataflowFifoDepthPass(late=False).apply(make_context(), module)
    reconvergent = Design(module, {"element": "f32"}, [])
    outcomes = []
    for design, inputs in ((siren, x), (reconvergent, np.linspace(-1, 1, 16 * 4).reshape(16, 4))):
        base = design.graph.attributes["modeled_cycles"].value.data
        for group in fifo_groups(design.graph):
            if min(f.depth_value for i, f in enumerate(design.graph.fifos()) if i in group) < 2:
                continue
            lowered, graph = _lowered(design, set(group))
            predicted, values = model_run(graph)
            names = HlsPrinter(graph).fifo_names()
            if predicted.deadlock is not None:
                with pytest.raises(CompileError, match="deadlock: every process is blocked") as err:
                    lowered.timed_csim(inputs)
                by_name = {stream_name(v, i): names[v] for i, v in enumerate(values)}
                assert all(f"FIFO {by_name[name]} " in str(err.value) for name, _ in predicted.deadlock.fifos)
                outcomes.append("deadlock")
            else:
                run = lowered.timed_csim(inputs)
                assert run.cycles == predicted.cycles > base
                outcomes.append("stall")
    assert outcomes.count("stall") >= 2 and outcomes.count("deadlock") >= 1


RECONVERGENT_GRAPH = """
!s = !dataflow.stream<f32, 4>
dataflow.graph @g(%in: memref<16x4xf32>, %out: memref<16x4xf32>) {
  %x = dataflow.fifo depth 2 : !s
  %x_mv = dataflow.fifo depth 1 : !s
  %skip = dataflow.fifo depth 1 : !s
  %a = dataflow.fifo depth 1 : !s
  %y = dataflow.fifo depth 1 : !s
  dataflow.read %in -> %x : memref<16x4xf32> -> !s
  dataflow.fork %x -> %x_mv, %skip : !s -> !s, !s
  dataflow.matvec ins(%x_mv : !s) outs(%a : !s) weights(dense<0.25> : tensor<4x4xf32>)
  dataflow.map ins(%a, %skip : !s, !s) outs(%y : !s) {
  ^bb0(%p: f32, %q: f32):
    %r = arith.addf %p, %q : f32
    dataflow.yield %r : f32
  }
  dataflow.write %y -> %out : !s -> memref<16x4xf32>
}
"""
