// RUN: inrarch-opt %s --inr-autodiff | filecheck %s

// y = x0 * x1 on 2-D input, order 2, unique layout: y, dy/dx0 = x1, dy/dx1 = x0, d2y/dx0^2 = 0,
// d2y/dx0dx1 = 1, d2y/dx1^2 = 0. The constant derivatives are splat constants, computed at compile time.
func.func @f(%x: tensor<4x2xf32>) -> tensor<4x1xf32> {
  %a = tensor.extract_slice %x[0, 0] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4x1xf32>
  %b = tensor.extract_slice %x[0, 1] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4x1xf32>
  %p = arith.mulf %a, %b : tensor<4x1xf32>
  func.return %p : tensor<4x1xf32>
}

func.func @g(%x: tensor<4x2xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %d:6 = inr.grad @f(%x) order 2 layout <unique> : (tensor<4x2xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  func.return %d#0, %d#1, %d#2, %d#3, %d#4, %d#5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @g(%x: tensor<4x2xf32>)
// CHECK-DAG:     %[[X0:.*]] = tensor.extract_slice %x[0, 0] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4x1xf32>
// CHECK-DAG:     %[[X1:.*]] = tensor.extract_slice %x[0, 1] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4x1xf32>
// CHECK-DAG:     %[[P:.*]] = arith.mulf %[[X0]], %[[X1]] : tensor<4x1xf32>
// CHECK-DAG:     %[[Y:.*]] = tensor.extract_slice %[[P]][0, 0] [4, 1] [1, 1] : tensor<4x1xf32> to tensor<4xf32>
// CHECK-DAG:     %[[DX0:.*]] = tensor.extract_slice %x[0, 1] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4xf32>
// CHECK-DAG:     %[[DX1:.*]] = tensor.extract_slice %x[0, 0] [4, 1] [1, 1] : tensor<4x2xf32> to tensor<4xf32>
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG:     %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK:         func.return %[[Y]], %[[DX0]], %[[DX1]], %[[ZERO]], %[[ONE]], %[[ZERO]]
