// RUN: inrarch-opt %s --dataflow-convert | filecheck %s

// Outputs that are slices, repeats and constants are gathered by one shuffle before the write; the slice that
// feeds a map is materialized by its own shuffle.
func.func @g(%x: tensor<4x2xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %a = tensor.extract_slice %x[0, 1] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4xf32>
  %b = math.exp %a : tensor<4xf32>
  %one = arith.constant dense<1.0> : tensor<4xf32>
  func.return %b, %a, %one, %b : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x4xf32>)
// CHECK:         dataflow.read %in -> %[[X:[a-z0-9_]+]] :
// CHECK:         dataflow.fork %[[X]] -> %[[X0:.*]], %[[X1:.*]] :
// CHECK:         dataflow.shuffle ins(%[[X0]] : !dataflow.stream<f32, 2>) outs(%[[A:.*]] : !dataflow.stream<f32, 1>) {select = array<i64: 1>}
// CHECK:         dataflow.map ins(%[[A]] : !dataflow.stream<f32, 1>) outs(%[[B:.*]] : !dataflow.stream<f32, 1>)
// CHECK:           math.exp
// CHECK:         dataflow.shuffle ins(%[[B]], %[[X1]] : !dataflow.stream<f32, 1>, !dataflow.stream<f32, 2>) outs(%[[Y:.*]] : !dataflow.stream<f32, 4>) {select = array<i64: 0, 2, -1, 0>, fill = array<f64: 0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00>}
// CHECK:         dataflow.write %[[Y]] -> %out : !dataflow.stream<f32, 4> -> memref<4x4xf32>
