// MLIR-style pass flags and xDSL pipelines, in command-line order.
// RUN: inrarch-opt %s --canonicalize --cse | filecheck %s
// RUN: inrarch-opt %s -p canonicalize,cse | filecheck %s
// RUN: inrarch-opt %s --canonicalize -p cse | filecheck %s
// RUN: inrarch-opt %s --canonicalize --cse -o %t && filecheck %s < %t
// RUN: xdsl-opt %s -p canonicalize,cse | filecheck %s

// CHECK-LABEL: func.func @twice
// CHECK-NEXT:    %[[S:.*]] = math.sin %x : tensor<4x3xf32>
// CHECK-NEXT:    %[[A:.*]] = arith.addf %[[S]], %[[S]] : tensor<4x3xf32>
// CHECK-NEXT:    func.return %[[A]]
func.func @twice(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %a = math.sin %x : tensor<4x3xf32>
  %b = math.sin %x : tensor<4x3xf32>
  %unused = math.cos %x : tensor<4x3xf32>
  %c = arith.addf %a, %b : tensor<4x3xf32>
  func.return %c : tensor<4x3xf32>
}

// The help lists inrarch's own passes.
// RUN: inrarch-opt --help | filecheck %s --check-prefix=HELP
// HELP: inrarch's passes
// HELP: --inr-fold-constants
