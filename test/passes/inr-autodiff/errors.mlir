// Bad input to inr-autodiff: one located line, exit status 1.
// RUN: not inrarch-opt %s --inr-autodiff=order=0 2>&1 | filecheck %s --check-prefix=ORDER0
// ORDER0: error: inr-autodiff: order must be an integer in [1, 16], got 0
// RUN: not inrarch-opt %s --inr-autodiff=order=-2 2>&1 | filecheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: inr-autodiff: order must be an integer in [1, 16], got -2
// RUN: not inrarch-opt %s --inr-autodiff=order=2.5 2>&1 | filecheck %s --check-prefix=FRACTION
// FRACTION: error: invalid pass pipeline: inr-autodiff: option order expects an integer, got 2.5
// RUN: not inrarch-opt %s --inr-autodiff=order=100 2>&1 | filecheck %s --check-prefix=HUGE
// HUGE: error: inr-autodiff: order must be an integer in [1, 16], got 100
// RUN: not inrarch-opt %s --inr-autodiff=order=2,mode=sideways 2>&1 | filecheck %s --check-prefix=MODE
// MODE: error: inr-autodiff: unknown mode 'sideways' (choose taylor or reverse)
// RUN: not inrarch-opt %s --inr-autodiff 2>&1 | filecheck %s --check-prefix=NOORDER
// NOORDER: error: inr-autodiff: the module has no inr.grad; give order=N to differentiate a function
// RUN: not inrarch-opt %inputs/mixes-samples.mlir --inr-autodiff=order=1 2>&1 | filecheck %s --check-prefix=MIX
// MIX-NOT: Traceback
// MIX: mixes-samples.mlir:5:3: error: @forward mixes samples: linalg.matmul has the batch as its right-hand operand, summing over samples; inr.grad needs a function that treats the samples (dimension 0) independently
// RUN: not inrarch-opt %inputs/no-rule.mlir --inr-autodiff=order=2 2>&1 | filecheck %s --check-prefix=RULE
// RULE-NOT: Traceback
// RULE: no-rule.mlir:4:3: error: no derivative rule for math.cbrt

func.func @forward(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  func.return %x : tensor<4x2xf32>
}
