// RUN: inrarch-opt %s | inrarch-opt | filecheck %s
// RUN: inrarch-opt %s --print-op-generic | inrarch-opt | filecheck %s
// RUN: inrarch-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

func.func @siren(%x: tensor<8x2xf32>) -> tensor<8x3xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x3xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<8x3xf32>) -> tensor<8x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x2xf32>, tensor<2x3xf32>) outs(%acc : tensor<8x3xf32>) -> tensor<8x3xf32>
  func.return %y : tensor<8x3xf32>
}

// CHECK-LABEL: func.func @first_order
// CHECK: = inr.grad @siren(%{{.*}}) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// GENERIC: "inr.grad"(%{{.*}}) <{callee = @siren, order = 1 : i64, layout = #inr.layout<insp>}>
func.func @first_order(%x: tensor<8x2xf32>) -> tensor<8xf32> {
  %d:9 = inr.grad @siren(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return %d#4 : tensor<8xf32>
}

// Order 2, unique layout: 3 channels x 6 distinct partials; INSP's per-order scale.
// CHECK-LABEL: func.func @second_order_unique
// CHECK: inr.grad @siren(%{{.*}}) order 2 layout <unique> scale 5.000000e-01 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// GENERIC: "inr.grad"(%{{.*}}) <{callee = @siren, order = 2 : i64, layout = #inr.layout<unique>, scale = 5.000000e-01 : f64}>
func.func @second_order_unique(%x: tensor<8x2xf32>) -> tensor<8xf32> {
  %d:18 = inr.grad @siren(%x) order 2 layout <unique> scale 0.5 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return %d#17 : tensor<8xf32>
}

// INSP-Net's feature subset: the first K results of the layout (here 5 of the 21 of order 2), consumed by further
// computation in the same function.
// CHECK-LABEL: func.func @first_five
// CHECK: inr.grad @siren(%{{.*}}) order 2 layout <insp> first 5 scale 5.000000e-01 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// GENERIC: "inr.grad"(%{{.*}}) <{callee = @siren, order = 2 : i64, layout = #inr.layout<insp>, first = 5 : i64, scale = 5.000000e-01 : f64}>
func.func @first_five(%x: tensor<8x2xf32>) -> tensor<8xf32> {
  %d:5 = inr.grad @siren(%x) order 2 layout <insp> first 5 scale 0.5 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  %s = arith.addf %d#0, %d#4 : tensor<8xf32>
  func.return %s : tensor<8xf32>
}

// What a derivative program computes, as inr-autodiff records it on the function it creates.
// CHECK-LABEL: func.func @recorded
// CHECK-SAME:  attributes {inr.derivative = #inr.derivative<order 3, layout unique, mode reverse>}
func.func @recorded(%x: tensor<8x2xf32>) -> tensor<8x2xf32> attributes {inr.derivative = #inr.derivative<order 3, layout unique, mode reverse>} {
  func.return %x : tensor<8x2xf32>
}

// CHECK-LABEL: func.func @recorded_first
// CHECK-SAME:  attributes {inr.derivative = #inr.derivative<order 4, layout insp, mode taylor, first 65>}
func.func @recorded_first(%x: tensor<8x2xf32>) -> tensor<8x2xf32> attributes {inr.derivative = #inr.derivative<order 4, layout insp, mode taylor, first 65>} {
  func.return %x : tensor<8x2xf32>
}
