// RUN: inrarch-opt %s --inr-autodiff="order=4 first=5" | filecheck %s
// RUN: not inrarch-opt %s --inr-autodiff="order=1 first=4" 2>&1 | filecheck %s --check-prefix=TOO-MANY

// Differentiating a plain function with `first`: @f_grad returns the first 5 outputs of the order-4 INSP list of
// a one-channel, one-coordinate function (y, y', y'', y''', y''''), recorded as `first 5` on the function.
func.func @f(%x: tensor<8x1xf64>) -> tensor<8x1xf64> {
  %s = math.sin %x : tensor<8x1xf64>
  func.return %s : tensor<8x1xf64>
}

// CHECK:      func.func @f_grad(%{{.*}}: tensor<8x1xf64>) -> (tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>)
// CHECK-SAME: attributes {inr.derivative = #inr.derivative<order 4, layout insp, mode taylor, first 5>}

// Order 1 of one channel over one coordinate has 2 outputs.
// TOO-MANY: first-created.mlir:{{[0-9]+}}:1: error: inr-autodiff: order 1 of 1 output(s) over 1 coordinate(s) gives 2 derivatives in the insp layout; it cannot keep the first 4
