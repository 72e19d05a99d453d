// RUN: not inrarch-opt %s -t hls 2>&1 | filecheck %s --check-prefix=DEADLOCK
// RUN: inrarch-opt %s -p dataflow-fifo-depth | filecheck %s --check-prefix=SIZED
// RUN: inrarch-opt %s -p dataflow-fifo-depth | inrarch-opt -p 'dataflow-fifo-margin{tokens=1}' | filecheck %s --check-prefix=DROPPED
// RUN: inrarch-opt %s -p dataflow-fifo-depth | sed 's/depth 1 :/depth 9 :/' | not inrarch-opt -t hls 2>&1 | filecheck %s --check-prefix=STALE

// The graph of print.mlir with the bypass FIFO %x1 two tokens deep: the fork's second output waits while the
// matvec and the map fill their pipelines, the fork blocks, and nothing moves. The cycle model finds the deadlock,
// and the printer refuses the design rather than print C++ that hangs.
// DEADLOCK: error: hls: the design deadlocks with its FIFO depths (deadlock: %x1 (full)
// DEADLOCK-SAME: run dataflow-fifo-depth to size them

// dataflow-fifo-depth sizes the FIFOs, models the cycles, and stamps the graph with a digest of what those figures
// hold for.
// SIZED: dataflow.graph @tiny
// SIZED-SAME: modeled_cycles = [[CYCLES:[0-9]+]] : i64
// SIZED-SAME: derived_from = "[[STAMP:[0-9a-f]+]]"

// A pass that changes the graph afterwards (one more token per FIFO) makes the figures untrue: inrarch-opt drops
// them (the report models the design again when asked).
// DROPPED: dataflow.graph @tiny
// DROPPED-NOT: modeled_cycles
// DROPPED-NOT: derived_from
// DROPPED: dataflow.fifo

// A graph edited by hand after the sizing (a depth-1 FIFO made 9 deep) keeps the old stamp: printing it is refused.
// STALE: error: hls: the design changed after dataflow-fifo-depth sized its FIFOs and modeled its cycles; run
// STALE-SAME: dataflow-fifo-depth again before printing it

!s = !dataflow.stream<f32, 4>
!v = !dataflow.stream<tensor<2xf32>, 2>
dataflow.graph @tiny(%in: memref<8x4xf32>, %out: memref<8x4xf32>) {
  %x = dataflow.fifo depth 3 : !s
  %x0 = dataflow.fifo depth 5 : !s
  %x1 = dataflow.fifo depth 2 : !s
  %h = dataflow.fifo depth 4 : !v
  %y = dataflow.fifo depth 2 : !v
  %z = dataflow.fifo depth 6 : !s
  dataflow.read %in -> %x : memref<8x4xf32> -> !s
  dataflow.fork %x -> %x0, %x1 : !s -> !s, !s
  dataflow.matvec ins(%x0 : !s) outs(%h : !v) weights(dense<0.5> : tensor<4x4xf32>) bias(dense<1.0> : tensor<4xf32>) {bias_on = array<i64: 1>, par_out = 2}
  dataflow.map ins(%h : !v) outs(%y : !v) consts [dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>] attributes {lanes = 1, ii = 3} {
  ^bb0(%a: f32, %c: f32):
    %s = math.sin %a : f32
    %p = arith.mulf %s, %c : f32
    dataflow.yield %p : f32
  }
  dataflow.shuffle ins(%y, %x1 : !v, !s) outs(%z : !s) {select = array<i64: 3, 2, 1, 4>}
  dataflow.write %z -> %out : !s -> memref<8x4xf32>
}
