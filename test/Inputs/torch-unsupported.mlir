// An op the torch target does not print (test/target/torch/tiny.mlir).
func.func @f(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %y = math.floor %x : tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}
