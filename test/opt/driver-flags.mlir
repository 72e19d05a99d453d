// xDSL's driver flags work in inrarch-opt as in xdsl-opt (on stdout, in xDSL's words): --time-passes times each
// pass (dataflow-lower as its steps), and inrarch-opt adds parsing, printing and the total; --print-between-passes
// shows the IR between them. Plain xdsl-opt reports
// inrarch's errors as diagnostics (CompileError is a DiagnosticException).
// RUN: inrarch-opt %s --inr-autodiff=order=1 --dataflow-lower=quiet=true --time-passes -o %t | filecheck %s --check-prefix=TIME
// RUN: inrarch-opt %s --inr-autodiff=order=1 --dataflow-convert --print-between-passes -o %t | filecheck %s --check-prefix=BETWEEN
// RUN: xdsl-opt %s -p 'inr-autodiff{order=1 layout=wide}' --verify-diagnostics | filecheck %s --check-prefix=XDSL

func.func @forward(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %zero = arith.constant dense<0.0> : tensor<4x3xf32>
  %z = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%zero : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s = math.sin %z : tensor<4x3xf32>
  func.return %s : tensor<4x3xf32>
}

// TIME:      Parse took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass inr-autodiff took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass dataflow-convert took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass dataflow-fuse took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass dataflow-parallelize took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass dataflow-fifo-depth took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Pass dataflow-report took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Print took {{[0-9.e+-]+}} seconds
// TIME-NEXT: Total took {{[0-9.e+-]+}} seconds (parse, passes with verification, print)

// BETWEEN:      IR after inr-autodiff:
// BETWEEN-NEXT: builtin.module {
// BETWEEN:        func.func @forward_grad

// XDSL: inr-autodiff: unknown layout 'wide' (choose insp or unique)
