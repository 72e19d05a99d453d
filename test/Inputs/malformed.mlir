// A missing operand.
func.func @f(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %0 = arith.addf %x, : tensor<4x2xf32>
  func.return %0 : tensor<4x2xf32>
}
