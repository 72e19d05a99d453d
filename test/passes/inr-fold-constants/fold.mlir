// RUN: inrarch-opt %s --inr-fold-constants | filecheck %s

// CHECK-LABEL: func.func @weights
// Transposes, fills and scaling of constants become constants; the argument-dependent matmul stays.
// CHECK-NEXT:    %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 6.000000e+00], [4.000000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT:    %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<3x2xf32>
// CHECK-NEXT:    %[[Y:.*]] = linalg.matmul ins(%x, %[[W]] : tensor<3x2xf32>, tensor<2x2xf32>) outs(%[[Z]] : tensor<3x2xf32>)
// CHECK-NEXT:    func.return %[[Y]]
func.func @weights(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %two = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
  %scaled = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%wt : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %two : f32
    linalg.yield %m : f32
  } -> tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<3x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %scaled : tensor<3x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}

// A broadcast of a constant row to the batch is not folded: it would enlarge the IR.
// CHECK-LABEL: func.func @no_blowup
// CHECK:         linalg.broadcast
func.func @no_blowup(%x: tensor<64x3xf32>) -> tensor<64x3xf32> {
  %row = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<64x3xf32>
  %b = linalg.broadcast ins(%row : tensor<3xf32>) outs(%e : tensor<64x3xf32>) dimensions = [0]
  %y = arith.addf %x, %b : tensor<64x3xf32>
  func.return %y : tensor<64x3xf32>
}
