// Bad input: one diagnostic line, exit status 1, no traceback, no output file.
// RUN: not inrarch-opt %s --no-such-pass 2>&1 | filecheck %s --check-prefix=UNKNOWN
// UNKNOWN-NOT: Traceback
// UNKNOWN: error: unknown pass or option: --no-such-pass

// RUN: not inrarch-opt %s -p 'cse{nonsense=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// OPTION-NOT: Traceback
// OPTION: error: invalid pass pipeline: {{.*}}nonsense

// RUN: not inrarch-opt %inputs/malformed.mlir 2>&1 | filecheck %s --check-prefix=PARSE
// PARSE-NOT: Traceback
// PARSE: malformed.mlir:3:23: error: {{.*}}

// RUN: not inrarch-opt %inputs/bad-grad.mlir 2>&1 | filecheck %s --check-prefix=VERIFY
// VERIFY-NOT: Traceback
// VERIFY: bad-grad.mlir:6:3: error: 'inr.grad' with 1 channels, 2 coordinates, order 1 and layout insp has 3 results, got 1

// RUN: rm -f %t.out
// RUN: not inrarch-opt %inputs/bad-grad.mlir -o %t.out
// RUN: not ls %t.out

// RUN: not inrarch-opt %inputs/no-such-file.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING-NOT: Traceback
// MISSING: error: cannot open {{.*}}no-such-file.mlir: No such file or directory

// RUN: not inrarch-opt %s -t nowhere 2>&1 | filecheck %s --check-prefix=TARGET
// TARGET-NOT: Traceback
// TARGET: error: unknown target 'nowhere'

// Plain xdsl-opt sees the project's dialects through the xdsl.universe entry point.
// RUN: xdsl-opt %inputs/bad-grad.mlir --verify-diagnostics | filecheck %s --check-prefix=XDSL
// XDSL-NOT: Traceback
// XDSL: 'inr.grad' with 1 channels, 2 coordinates, order 1 and layout insp has 3 results, got 1

func.func @ok() {
  func.return
}
