func.func @f(%x: tensor<8x2xf32>) -> tensor<8x1xf32> {
  %e = tensor.empty() : tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}
func.func @g(%x: tensor<8x2xf32>) -> tensor<8xf32> {
  %d = inr.grad @f(%x) order 1 layout <insp> : (tensor<8x2xf32>) -> tensor<8xf32>
  func.return %d : tensor<8xf32>
}
