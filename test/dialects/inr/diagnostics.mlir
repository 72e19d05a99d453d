// RUN: inrarch-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s
// One case per verifier error of inr.grad, in xDSL's --verify-diagnostics form (the message, then the generic IR
// annotated at the op) or, for a parse error, its --parsing-diagnostics form (location, source line, caret, message).

func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @f(%x) order 0 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' order must lie in [1, 16], got 0

// -----
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @missing(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' callee @missing does not exist

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<4x2xf32>) {
  %d:3 = inr.grad @f(%x) order 1 layout <insp> : (tensor<4x2xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' callee @f must take one argument of the input type tensor<4x2xf32>, it takes (tensor<8x2xf32>)

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<4x1xf32> {
  %e = tensor.empty() : tensor<4x1xf32>
  func.return %e : tensor<4x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @f(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' callee @f must return tensor<8xMxf32>, it returns tensor<4x1xf32>

// -----
func.func @f(%x: tensor<8x2xf32>) -> (tensor<8x1xf32>, tensor<8x1xf32>) {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e, %e : tensor<8x1xf32>, tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @f(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' callee @f must return one tensor<N x m>

// -----
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @h(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
dataflow.graph @h(%in: memref<8x2xf32>) {
}
// CHECK: {{^}}'inr.grad' callee @h is not a func.func

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:2 = inr.grad @f(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' with 1 channels, 2 coordinates, order 1 and layout insp has 3 results, got 2

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:6 = inr.grad @f(%x) order 2 layout <unique> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x1xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' result #5 must be tensor<8xf32>, got tensor<8x1xf32>

// -----
func.func @f(%x: tensor<8xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8xf32>) {
  %d:3 = inr.grad @f(%x) order 1 layout <insp> : (tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' input must be a 2-D float tensor (samples x coordinates), got tensor<8xf32>

// -----
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @f(%x) order 1 layout <sideways> : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK:      diagnostics.mlir:99:42
// CHECK-NEXT: layout <sideways>
// CHECK-NEXT: ^^^^^^^^
// CHECK-NEXT: Expected `insp`, or `unique`.

// -----
func.func @bad(%x: tensor<8x2xf32>) -> tensor<8x2xf32> attributes {inr.derivative = #inr.derivative<order 0, layout insp, mode taylor>} {
  func.return %x : tensor<8x2xf32>
}
// CHECK: {{^}}#inr.derivative order must lie in [1, 16], got 0

// -----
func.func @bad(%x: tensor<8x2xf32>) -> tensor<8x2xf32> attributes {inr.derivative = #inr.derivative<order 2, layout insp, mode sideways>} {
  func.return %x : tensor<8x2xf32>
}
// CHECK: {{^}}#inr.derivative mode must be taylor or reverse, got sideways

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:2 = inr.grad @f(%x) order 1 layout <insp> first 0 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' keeps the first K results, K >= 1; got first 0

// -----
// One channel, two coordinates, order 1: three results, not four.
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:4 = inr.grad @f(%x) order 1 layout <insp> first 4 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' with 1 channels, 2 coordinates, order 1 and layout insp has 3 results; it cannot keep the first 4

// -----
func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) {
  %d:3 = inr.grad @f(%x) order 2 layout <insp> first 2 : (tensor<8x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  func.return
}
// CHECK: {{^}}'inr.grad' with 1 channels, 2 coordinates, order 2 and layout insp first 2 has 2 results, got 3

// -----
func.func @bad(%x: tensor<8x2xf32>) -> tensor<8x2xf32> attributes {inr.derivative = #inr.derivative<order 2, layout insp, mode taylor, first 0>} {
  func.return %x : tensor<8x2xf32>
}
// CHECK: diagnostics.mlir:154:143
// CHECK: #inr.derivative keeps the first K outputs, K >= 1
