// The imported IR of a tiny SIREN (2 -> 4 -> 4 -> 3, sin(30 x) after each hidden layer): nn.Linear arrives as a
// weight transpose, a zero-filled matmul and a broadcast bias add; the activation as a scalar multiply and math.sin.
// RUN: inrarch import %inputs/models.py:tiny_siren --input-shape 8,2 | filecheck %s
// RUN: inrarch import %inputs/models.py:tiny_siren --input-shape 8,2 -o %t.mlir && inrarch-opt %t.mlir --inr-fold-constants | filecheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @forward(%arg0: tensor<8x2xf32>) -> tensor<8x3xf32>
// CHECK-DAG:     %[[OMEGA:.*]] = arith.constant 3.000000e+01 : f32
// CHECK-DAG:     %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xf32>
// CHECK:         %[[W1T:.*]] = linalg.transpose ins(%[[W1]]{{ *}}:{{ *}}tensor<4x2xf32>) outs(%{{.*}}{{ *}}:{{ *}}tensor<2x4xf32>) permutation = [1, 0]
// CHECK:         %[[ZERO:.*]] = linalg.fill
// CHECK:         %[[Z1:.*]] = linalg.matmul ins(%arg0, %[[W1T]] : tensor<8x2xf32>, tensor<2x4xf32>) outs(%[[ZERO]] : tensor<8x4xf32>)
// CHECK:         %[[B1:.*]] = linalg.generic {{.*}} ins(%[[Z1]], %{{.*}} : tensor<8x4xf32>, tensor<4xf32>)
// CHECK:           arith.addf
// CHECK:         %[[S1:.*]] = linalg.generic {{.*}} ins(%[[B1]] : tensor<8x4xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[OMEGA]] : f32
// CHECK:         %[[H1:.*]] = linalg.generic {{.*}} ins(%[[S1]] : tensor<8x4xf32>)
// CHECK:           math.sin
// CHECK:         linalg.transpose
// CHECK:         linalg.matmul ins(%[[H1]], %{{.*}} : tensor<8x4xf32>, tensor<4x4xf32>)
// CHECK:           math.sin
// CHECK:         linalg.transpose ins(%{{.*}}{{ *}}:{{ *}}tensor<3x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<4x3xf32>)
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<3xf32>)
// CHECK:         func.return %[[Y]] : tensor<8x3xf32>

// After folding, the transposes and zero fills are constants.
// FOLD-LABEL: func.func @forward
// FOLD-NOT:     linalg.transpose
// FOLD-NOT:     linalg.fill
// FOLD:         %[[W1T:.*]] = arith.constant dense<{{.*}}> : tensor<2x4xf32>
// FOLD:         %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<8x4xf32>
// FOLD:         linalg.matmul ins(%arg0, %[[W1T]] : tensor<8x2xf32>, tensor<2x4xf32>) outs(%[[ZERO]] : tensor<8x4xf32>)
// FOLD:         func.return
