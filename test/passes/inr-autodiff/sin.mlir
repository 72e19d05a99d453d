// RUN: inrarch-opt %s --inr-autodiff | filecheck %s
// RUN: inrarch-opt %s --inr-autodiff=mode=reverse | filecheck %s --check-prefix=REVERSE

// y = sin(3x): y' = 3 cos(3x), y'' = -9 sin(3x), y''' = -27 cos(3x). One sin and one cos of 3x, each derivative
// a single multiply by a folded constant.
func.func @f(%x: tensor<8x1xf64>) -> tensor<8x1xf64> {
  %c3 = arith.constant dense<3.0> : tensor<8x1xf64>
  %u = arith.mulf %x, %c3 : tensor<8x1xf64>
  %s = math.sin %u : tensor<8x1xf64>
  func.return %s : tensor<8x1xf64>
}

func.func @g(%x: tensor<8x1xf64>) -> (tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>) {
  %d:4 = inr.grad @f(%x) order 3 layout <insp> : (tensor<8x1xf64>) -> (tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>)
  func.return %d#0, %d#1, %d#2, %d#3 : tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>
}

// CHECK-LABEL: func.func @g(%x: tensor<8x1xf64>)
// CHECK-DAG:     %[[C3:.*]] = arith.constant dense<3.000000e+00> : tensor<8x1xf64>
// CHECK-DAG:     %[[CM9:.*]] = arith.constant dense<-9.000000e+00> : tensor<8x1xf64>
// CHECK-DAG:     %[[CM27:.*]] = arith.constant dense<-2.700000e+01> : tensor<8x1xf64>
// CHECK-DAG:     %[[U:.*]] = arith.mulf %x, %[[C3]] : tensor<8x1xf64>
// CHECK-DAG:     %[[SIN:.*]] = math.sin %[[U]] : tensor<8x1xf64>
// CHECK-DAG:     %[[COS:.*]] = math.cos %[[U]] : tensor<8x1xf64>
// CHECK-DAG:     %[[D1:.*]] = arith.mulf %[[COS]], %[[C3]] : tensor<8x1xf64>
// CHECK-DAG:     %[[D2:.*]] = arith.mulf %[[SIN]], %[[CM9]] : tensor<8x1xf64>
// CHECK-DAG:     %[[D3:.*]] = arith.mulf %[[COS]], %[[CM27]] : tensor<8x1xf64>
// CHECK-DAG:     %[[Y0:.*]] = tensor.extract_slice %[[SIN]][0, 0] [8, 1] [1, 1] : tensor<8x1xf64> to tensor<8xf64>
// CHECK-DAG:     %[[Y1:.*]] = tensor.extract_slice %[[D1]][0, 0] [8, 1] [1, 1] : tensor<8x1xf64> to tensor<8xf64>
// CHECK-DAG:     %[[Y2:.*]] = tensor.extract_slice %[[D2]][0, 0] [8, 1] [1, 1] : tensor<8x1xf64> to tensor<8xf64>
// CHECK-DAG:     %[[Y3:.*]] = tensor.extract_slice %[[D3]][0, 0] [8, 1] [1, 1] : tensor<8x1xf64> to tensor<8xf64>
// CHECK:         func.return %[[Y0]], %[[Y1]], %[[Y2]], %[[Y3]]
// CHECK-NOT:     inr.grad

// Nested reverse mode differentiates the program of each derivative again: sin and cos of 3x reappear.
// REVERSE-LABEL: func.func @g
// REVERSE-NOT:     inr.grad
// REVERSE:         math.sin
// REVERSE:         math.cos
// REVERSE:         func.return
