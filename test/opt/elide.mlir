// Large constants elided as MLIR's --mlir-elide-elementsattrs-if-larger=N elides them: a dense attribute of more
// than N elements prints as dense_resource<__elided__> with its type; splats and smaller ones print in full. Without
// the flag, IR written to a file or a pipe is printed in full (test_opt_terminal.py: elided on a terminal).
// RUN: inrarch-opt %s --mlir-elide-elementsattrs-if-larger=4 | filecheck %s
// RUN: inrarch-opt %s | filecheck %s --check-prefix=FULL
// RUN: inrarch-opt %s --mlir-elide-elementsattrs-if-larger=4 -o %t && filecheck %s < %t
// RUN: inrarch-opt %s --mlir-elide-elementsattrs-if-larger=0 | filecheck %s --check-prefix=ZERO
// The IR between passes too, with the same limit.
// RUN: inrarch-opt %s --mlir-elide-elementsattrs-if-larger=4 -p canonicalize,cse --print-between-passes | filecheck %s --check-prefix=BETWEEN
// RUN: not inrarch-opt %s --mlir-elide-elementsattrs-if-larger=-1 2>&1 | filecheck %s --check-prefix=NEGATIVE
// RUN: not inrarch-opt %s --mlir-elide-elementsattrs-if-larger=some 2>&1 | filecheck %s --check-prefix=WORD

func.func @f() -> (tensor<2x3xf32>, tensor<4xf32>, tensor<8xf32>, tensor<3x3xi32>) {
  %big = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %small = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %splat = arith.constant dense<7.0> : tensor<8xf32>
  %ints = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9]]> : tensor<3x3xi32>
  func.return %big, %small, %splat, %ints : tensor<2x3xf32>, tensor<4xf32>, tensor<8xf32>, tensor<3x3xi32>
}

// CHECK:      arith.constant dense_resource<__elided__> : tensor<2x3xf32>
// CHECK-NEXT: arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-NEXT: arith.constant dense<7.000000e+00> : tensor<8xf32>
// CHECK-NEXT: arith.constant dense_resource<__elided__> : tensor<3x3xi32>

// FULL:      arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// FULL:      arith.constant dense<{{\[\[}}1, 2, 3], [4, 5, 6], [7, 8, 9]]> : tensor<3x3xi32>
// FULL-NOT:  __elided__

// ZERO:      arith.constant dense_resource<__elided__> : tensor<2x3xf32>
// ZERO-NEXT: arith.constant dense_resource<__elided__> : tensor<4xf32>
// ZERO-NEXT: arith.constant dense<7.000000e+00> : tensor<8xf32>

// BETWEEN:      IR after canonicalize:
// BETWEEN:      arith.constant dense_resource<__elided__> : tensor<2x3xf32>
// BETWEEN:      func.func @f
// BETWEEN:      arith.constant dense_resource<__elided__> : tensor<2x3xf32>

// NEGATIVE: error: argument --mlir-elide-elementsattrs-if-larger: expects an integer >= 0, got -1
// WORD: error: argument --mlir-elide-elementsattrs-if-larger: expects an integer, got 'some'
