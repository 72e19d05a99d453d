// RUN: inrarch-opt %s --inr-autodiff=order=2 | filecheck %s
// RUN: inrarch-opt %s --inr-autodiff=order=2 | filecheck %s --check-prefix=MATMULS
// RUN: inrarch-opt %s --inr-autodiff=order=2,layout=unique --inr-stats 2>&1 >/dev/null | filecheck %s --check-prefix=STATS

// A 2-layer tanh network in the form the importer produces (weight transposes, broadcast bias in a generic),
// differentiated as a plain forward function to order 2.
func.func @forward(%x: tensor<16x2xf32>) -> tensor<16x1xf32> {
  %w1 = arith.constant dense<[[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]]> : tensor<2x3xf32>
  %b1 = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %w2 = arith.constant dense<[[1.0, -2.0, 0.5]]> : tensor<1x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<16x3xf32>
  %acc1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<16x3xf32>) -> tensor<16x3xf32>
  %z = linalg.matmul ins(%x, %w1 : tensor<16x2xf32>, tensor<2x3xf32>) outs(%acc1 : tensor<16x3xf32>) -> tensor<16x3xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%z, %b1 : tensor<16x3xf32>, tensor<3xf32>) outs(%e1 : tensor<16x3xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<16x3xf32>
  %e2 = tensor.empty() : tensor<3x1xf32>
  %w2t = linalg.transpose ins(%w2 : tensor<1x3xf32>) outs(%e2 : tensor<3x1xf32>) permutation = [1, 0]
  %e3 = tensor.empty() : tensor<16x1xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<16x1xf32>) -> tensor<16x1xf32>
  %y = linalg.matmul ins(%h, %w2t : tensor<16x3xf32>, tensor<3x1xf32>) outs(%acc2 : tensor<16x1xf32>) -> tensor<16x1xf32>
  func.return %y : tensor<16x1xf32>
}

// The forward function is replaced by @forward_grad; tanh is evaluated once, its derivative 1 - t^2 once, and
// the output layer is applied to each of the 6 Taylor coefficients of the hidden layer (|a| <= 2, d = 2) with
// the same transposed-at-compile-time weights.
// CHECK-NOT:     func.func @forward(
// CHECK-LABEL: func.func @forward_grad(%{{.*}}: tensor<16x2xf32>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK-DAG:     %[[W2T:.*]] = arith.constant dense<{{\[}}[1.000000e+00], [-2.000000e+00], [5.000000e-01]]> : tensor<3x1xf32>
// CHECK-DAG:     %[[T:.*]] = math.tanh %{{.*}} : tensor<16x3xf32>
// CHECK-DAG:     %[[TT:.*]] = arith.mulf %[[T]], %[[T]] : tensor<16x3xf32>
// CHECK-DAG:     %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<16x3xf32>
// CHECK-DAG:     %[[W:.*]] = arith.subf %[[ONE]], %[[TT]] : tensor<16x3xf32>
// CHECK:         func.return

// MATMULS-COUNT-1: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<2x3xf32>)
// MATMULS-COUNT-6: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x3xf32>, tensor<3x1xf32>)
// MATMULS-NOT:     linalg.matmul
// MATMULS-NOT:     linalg.transpose

// 2 x 3 + 6 x 3 multiply-adds per sample: the first layer's derivative coefficients are constants.
// STATS: work of @forward_grad (16 samples):
// STATS-NEXT:   matrix-product multiply-adds: 24 per sample, 384 in all
