// RUN: inrarch-opt %s --dataflow-fuse | filecheck %s

// read -> matvec -> (+ bias) -> (* 2) -> fork -> sin, cos -> (*) -> write.
// The affine epilogue folds into the matvec (weights and bias times 2); sin, cos and the product become one map
// that reads the matvec's stream once, so the fork disappears.
!s2 = !dataflow.stream<f32, 2>
!s3 = !dataflow.stream<f32, 3>
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x3xf32>) {
  %x = dataflow.fifo depth 2 : !s2
  %z = dataflow.fifo depth 2 : !s3
  %zb = dataflow.fifo depth 2 : !s3
  %u = dataflow.fifo depth 2 : !s3
  %u0 = dataflow.fifo depth 2 : !s3
  %u1 = dataflow.fifo depth 2 : !s3
  %s = dataflow.fifo depth 2 : !s3
  %c = dataflow.fifo depth 2 : !s3
  %y = dataflow.fifo depth 2 : !s3
  dataflow.read %in -> %x : memref<4x2xf32> -> !s2
  dataflow.matvec ins(%x : !s2) outs(%z : !s3) weights(dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>)
  dataflow.map ins(%z : !s3) outs(%zb : !s3) consts [dense<[0.5, 1.0, 1.5]> : tensor<3xf32>] {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %b : f32
    dataflow.yield %r : f32
  }
  dataflow.map ins(%zb : !s3) outs(%u : !s3) {
  ^bb0(%a: f32):
    %two = arith.constant 2.0 : f32
    %r = arith.mulf %a, %two : f32
    dataflow.yield %r : f32
  }
  dataflow.fork %u -> %u0, %u1 : !s3 -> !s3, !s3
  dataflow.map ins(%u0 : !s3) outs(%s : !s3) {
  ^bb0(%a: f32):
    %r = math.sin %a : f32
    dataflow.yield %r : f32
  }
  dataflow.map ins(%u1 : !s3) outs(%c : !s3) {
  ^bb0(%a: f32):
    %r = math.cos %a : f32
    dataflow.yield %r : f32
  }
  dataflow.map ins(%s, %c : !s3, !s3) outs(%y : !s3) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.mulf %a, %b : f32
    dataflow.yield %r : f32
  }
  dataflow.write %y -> %out : !s3 -> memref<4x3xf32>
}

// CHECK-LABEL: dataflow.graph @g
// CHECK:         dataflow.read %in -> %[[X:[a-z0-9]*]] :
// CHECK-NEXT:    dataflow.matvec ins(%[[X]] : !dataflow.stream<f32, 2>) outs(%[[U:.*]] : !dataflow.stream<f32, 3>) weights(dense<{{\[}}[2.000000e+00, 4.000000e+00, 6.000000e+00], [8.000000e+00, 1.000000e+01, 1.200000e+01]]> : tensor<2x3xf32>) bias(dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>) {bias_on = array<i64: 1>
// CHECK-NEXT:    dataflow.map ins(%[[U]] : !dataflow.stream<f32, 3>) outs(%[[Y:.*]] : !dataflow.stream<f32, 3>)
// CHECK-NEXT:    ^{{.*}}(%[[A:.*]]: f32):
// CHECK-DAG:       %[[SIN:.*]] = math.sin %[[A]] : f32
// CHECK-DAG:       %[[COS:.*]] = math.cos %[[A]] : f32
// CHECK:           %[[P:.*]] = arith.mulf %[[SIN]], %[[COS]] : f32
// CHECK-NEXT:      dataflow.yield %[[P]] : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    dataflow.write %[[Y]] -> %out
// CHECK-NOT:     dataflow.fork
