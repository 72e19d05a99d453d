// RUN: inrarch-opt %s --dataflow-fifo-depth --dataflow-report 2>%t.report | filecheck %s
// RUN: filecheck %s --check-prefix=REPORT < %t.report

// x -> fork -> { matvec, skip } -> map(matvec + skip) -> write: a reconvergent graph. The matvec (one lane, 16
// iterations per sample) emits a sample's first result 8 iterations after its last, at iteration 24, in the same
// pipeline step as it reads the third feature of the next sample (iterations 16, 20, 24). So the skip FIFO must
// hold 4 + 3 features: with fewer the fork stalls on it and the matvec never gets its input, a deadlock.
!s = !dataflow.stream<f32, 4>
dataflow.graph @g(%in: memref<16x4xf32>, %out: memref<16x4xf32>) attributes {interval = 16 : i64} {
  %x = dataflow.fifo depth 2 : !s
  %x_mv = dataflow.fifo depth 1 : !s
  %skip = dataflow.fifo depth 1 : !s
  %a = dataflow.fifo depth 1 : !s
  %y = dataflow.fifo depth 1 : !s
  dataflow.read %in -> %x : memref<16x4xf32> -> !s
  dataflow.fork %x -> %x_mv, %skip : !s -> !s, !s
  dataflow.matvec ins(%x_mv : !s) outs(%a : !s) weights(dense<0.25> : tensor<4x4xf32>) {latency = 8}
  dataflow.map ins(%a, %skip : !s, !s) outs(%y : !s) attributes {latency = 5} {
  ^bb0(%p: f32, %q: f32):
    %r = arith.addf %p, %q : f32
    dataflow.yield %r : f32
  }
  dataflow.write %y -> %out : !s -> memref<16x4xf32>
}

// CHECK-LABEL: dataflow.graph @g
// CHECK-SAME:    lp_bound_words
// CHECK-SAME:    modeled_cycles
// CHECK:         %skip = dataflow.fifo depth {{([7-9]|[1-9][0-9]+)}} : !dataflow.stream<f32, 4>

// REPORT: streams     5 FIFOs
// REPORT: deadlock    none (cycle model with the printed FIFO depths)
