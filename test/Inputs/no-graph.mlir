func.func @f(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  func.return %x : tensor<4x2xf32>
}
