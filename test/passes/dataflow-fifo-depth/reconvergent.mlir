// RUN: inrarch-opt %s --dataflow-fifo-depth=late=false --dataflow-report 2>%t.report | filecheck %s
// RUN: inrarch-opt %s --dataflow-fifo-depth | filecheck %s --check-prefix=LATE
// RUN: filecheck %s --check-prefix=REPORT < %t.report

// x -> fork -> { matvec, skip } -> map(matvec + skip) -> write: a reconvergent graph. The matvec has one lane:
// 4 reduction steps x 4 column blocks = 16 iterations per sample. A column's accumulator comes back every 4
// iterations and its recurrence (LUTRAM read 1 + fadd 4 + write 1) takes 6 cycles, so its II is 2. It reads
// feature k of a sample at iteration 4k, and writes the sample's first result at iteration 22: its last compute
// iteration (15), then ceil(11 / 2) = 6 iterations for the multiply-add pipeline (weight read 1 + fmul 3 + fadd 4
// + store 1, plus 1 cycle per operator of the chain at II 2), then 1 to read its row buffer. By then it has read
// features 0 and 1 of the next sample (iterations 16 and 20). The map reads skip[s][0] with a[s][0], so the skip
// FIFO must hold the 4 features of sample s and those 2: with 5 the fork blocks on feature 1 of sample s + 1, the
// matvec never gets it, and the design deadlocks.
!s = !dataflow.stream<f32, 4>
dataflow.graph @g(%in: memref<16x4xf32>, %out: memref<16x4xf32>) attributes {interval = 16 : i64} {
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

// CHECK-LABEL: dataflow.graph @g
// CHECK-SAME:    lp_bound_words
// CHECK-SAME:    modeled_cycles
// CHECK:         %skip = dataflow.fifo depth 6 : !dataflow.stream<f32, 4>

// By default the depths also hold if a kernel's writes come later than modeled, by max(2, 25% of its pipeline
// depth) iterations: the matvec's first result may then leave at iteration 24, the iteration that reads feature 2
// of the next sample, so the skip FIFO holds 4 + 3 features.
// LATE:          %skip = dataflow.fifo depth 7 : !dataflow.stream<f32, 4>

// REPORT: streams     5 FIFOs
// REPORT: deadlock    none (cycle model with the printed FIFO depths)
