// RUN: inrarch-opt %s --inr-autodiff | filecheck %s
// RUN: inrarch-opt %s --inr-autodiff=mode=reverse | filecheck %s --check-prefix=REVERSE

// `first 3` keeps y, y', y'' of y = sin(3x) (the layout's first three of four): the third derivative
// -27 cos(3x) is never built. The derivatives feed further computation in the same function (y' + y''), so the
// function returns no derivative list and carries no #inr.derivative.
func.func @f(%x: tensor<8x1xf64>) -> tensor<8x1xf64> {
  %c3 = arith.constant dense<3.0> : tensor<8x1xf64>
  %u = arith.mulf %x, %c3 : tensor<8x1xf64>
  %s = math.sin %u : tensor<8x1xf64>
  func.return %s : tensor<8x1xf64>
}

func.func @g(%x: tensor<8x1xf64>) -> tensor<8xf64> {
  %d:3 = inr.grad @f(%x) order 3 layout <insp> first 3 : (tensor<8x1xf64>) -> (tensor<8xf64>, tensor<8xf64>, tensor<8xf64>)
  %s = arith.addf %d#1, %d#2 : tensor<8xf64>
  func.return %s : tensor<8xf64>
}

// CHECK-LABEL: func.func @g(%x: tensor<8x1xf64>) -> tensor<8xf64> {
// CHECK-NOT:     -2.700000e+01
// CHECK-DAG:     %[[CM9:.*]] = arith.constant dense<-9.000000e+00> : tensor<8x1xf64>
// CHECK-DAG:     %[[SIN:.*]] = math.sin %{{.*}} : tensor<8x1xf64>
// CHECK-DAG:     %[[COS:.*]] = math.cos %{{.*}} : tensor<8x1xf64>
// CHECK-DAG:     %[[D2:.*]] = arith.mulf %[[SIN]], %[[CM9]] : tensor<8x1xf64>
// CHECK-NOT:     -2.700000e+01
// CHECK:         %[[SUM:.*]] = arith.addf %{{.*}}, %{{.*}} : tensor<8xf64>
// CHECK-NEXT:    func.return %[[SUM]] : tensor<8xf64>
// CHECK-NOT:     inr.grad

// Nested reverse mode back-propagates only the derivatives whose own derivatives are kept.
// REVERSE-LABEL: func.func @g(%x: tensor<8x1xf64>) -> tensor<8xf64> {
// REVERSE-NOT:     inr.grad
// REVERSE:         func.return
