// RUN: inrarch-opt %s --split-input-file -t torch | filecheck %s

// A constant with one row per sample ties its first dimension to the batch: the program runs at the IR's 4
// samples only (forward refuses other sizes), and the table stays a buffer of its static shape.
// CHECK:       COLUMNS = None
// CHECK-NEXT:  BATCH = 4
// CHECK:       'c0': ('float32', (4, 2),
// CHECK:       def f_table(self, [[X:a[0-9]+]]):
// CHECK-NEXT:    [[Y:v[0-9]+]] = [[X]] + self.c0
// CHECK:         return [[Y]],

// A splat of the batch's shape is a number: broadcasting makes any batch size work (BATCH None).
// CHECK:       BATCH = None
// CHECK:       def f_scaled(self, [[X2:a[0-9]+]]):
// CHECK-NEXT:    [[Y2:v[0-9]+]] = [[X2]] * 3.0

func.func @table(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %c = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %y = arith.addf %x, %c : tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}

// -----
func.func @scaled(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %c = arith.constant dense<3.0> : tensor<4x2xf32>
  %y = arith.mulf %x, %c : tensor<4x2xf32>
  func.return %y : tensor<4x2xf32>
}
