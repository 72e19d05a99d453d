// RUN: inrarch-opt %s --dataflow-convert | filecheck %s

// y = [sin(x W) * x0, x W] per sample: x W is used twice (fork), x's first column is sliced out for the product
// and x W feeds both a map and the output.
func.func @f(%x: tensor<4x2xf32>) -> (tensor<4x3xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %zero = arith.constant dense<0.0> : tensor<4x3xf32>
  %z = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%zero : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s = math.sin %z : tensor<4x3xf32>
  %half = arith.constant dense<0.5> : tensor<4x3xf32>
  %h = arith.mulf %s, %half : tensor<4x3xf32>
  %y = arith.addf %h, %z : tensor<4x3xf32>
  func.return %y : tensor<4x3xf32>
}

// CHECK-LABEL: dataflow.graph @f(%in: memref<4x2xf32>, %out: memref<4x3xf32>) {
// CHECK-DAG:     %[[X:.*]] = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
// CHECK-DAG:     %[[Z:.*]] = dataflow.fifo depth 2 : !dataflow.stream<f32, 3>
// CHECK:         dataflow.read %in -> %[[X]] : memref<4x2xf32> -> !dataflow.stream<f32, 2>
// CHECK-NEXT:    dataflow.matvec ins(%[[X]] : !dataflow.stream<f32, 2>) outs(%[[Z]] : !dataflow.stream<f32, 3>) weights(dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>)
// The matvec result is read twice: a fork copies it.
// CHECK-NEXT:    dataflow.fork %[[Z]] -> %[[Z0:.*]], %[[Z1:.*]] : !dataflow.stream<f32, 3> -> !dataflow.stream<f32, 3>, !dataflow.stream<f32, 3>
// One map per elementwise op, constants in the body.
// CHECK-NEXT:    dataflow.map ins(%[[Z0]] : !dataflow.stream<f32, 3>) outs(%[[S:.*]] : !dataflow.stream<f32, 3>)
// CHECK:           math.sin
// CHECK:         dataflow.map ins(%[[S]] : !dataflow.stream<f32, 3>) outs(%[[H:.*]] : !dataflow.stream<f32, 3>)
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.mulf
// CHECK:         dataflow.map ins(%[[Z1]], %[[H]] : !dataflow.stream<f32, 3>, !dataflow.stream<f32, 3>) outs(%[[Y:.*]] : !dataflow.stream<f32, 3>)
// CHECK:           arith.addf
// The result is written as it is: no shuffle.
// CHECK:         dataflow.write %[[Y]] -> %out : !dataflow.stream<f32, 3> -> memref<4x3xf32>
// CHECK-NOT:     dataflow.shuffle
