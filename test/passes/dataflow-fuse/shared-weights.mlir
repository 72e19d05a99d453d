// RUN: inrarch-opt %s --dataflow-fuse | filecheck %s

// Two matvecs with the same weights and no path between them become one kernel with two members; the maps that
// scale their results differently stay maps (a per-member scale would split the shared weights) and merge side
// by side into one map.
!s2 = !dataflow.stream<f32, 2>
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x4xf32>) {
  %x = dataflow.fifo depth 2 : !s2
  %x0 = dataflow.fifo depth 2 : !s2
  %x1 = dataflow.fifo depth 2 : !s2
  %sq = dataflow.fifo depth 2 : !s2
  %a = dataflow.fifo depth 2 : !s2
  %b = dataflow.fifo depth 2 : !s2
  %a2 = dataflow.fifo depth 2 : !s2
  %b3 = dataflow.fifo depth 2 : !s2
  %y = dataflow.fifo depth 2 : !dataflow.stream<f32, 4>
  dataflow.read %in -> %x : memref<4x2xf32> -> !s2
  dataflow.fork %x -> %x0, %x1 : !s2 -> !s2, !s2
  dataflow.map ins(%x1 : !s2) outs(%sq : !s2) {
  ^bb0(%v: f32):
    %r = arith.mulf %v, %v : f32
    dataflow.yield %r : f32
  }
  dataflow.matvec ins(%x0 : !s2) outs(%a : !s2) weights(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>)
  dataflow.matvec ins(%sq : !s2) outs(%b : !s2) weights(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>)
  dataflow.map ins(%a : !s2) outs(%a2 : !s2) {
  ^bb0(%v: f32):
    %c = arith.constant 2.0 : f32
    %r = arith.mulf %v, %c : f32
    dataflow.yield %r : f32
  }
  dataflow.map ins(%b : !s2) outs(%b3 : !s2) {
  ^bb0(%v: f32):
    %c = arith.constant 3.0 : f32
    %r = arith.mulf %v, %c : f32
    dataflow.yield %r : f32
  }
  dataflow.shuffle ins(%a2, %b3 : !s2, !s2) outs(%y : !dataflow.stream<f32, 4>) {select = array<i64: 0, 1, 2, 3>}
  dataflow.write %y -> %out : !dataflow.stream<f32, 4> -> memref<4x4xf32>
}

// CHECK-LABEL: dataflow.graph @g
// CHECK-COUNT-1: dataflow.matvec ins(%{{.*}}, %{{.*}} : !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>) outs(%[[A:.*]], %[[B:.*]] : !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>) weights(dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>)
// CHECK-NOT:     dataflow.matvec
// CHECK:         dataflow.map ins(%[[A]], %[[B]] : !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>) outs(%{{.*}}, %{{.*}} : !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>)
// CHECK-DAG:       arith.constant 2.000000e+00 : f32
// CHECK-DAG:       arith.constant 3.000000e+00 : f32
