// RUN: inrarch-opt %s --inr-autodiff=order=2 -t torch | filecheck %s
// RUN: inrarch-opt %s --inr-autodiff=order=2 -t 'torch{out="%t.py"}' | filecheck %s --check-prefix=WROTE
// RUN: python %inputs/torch_tiny_check.py %t.py | filecheck %s --check-prefix=RESULT
// RUN: echo "not a module" > %t.txt && not inrarch-opt %s -t 'torch{out="%t.txt"}' 2>&1 | filecheck %s --check-prefix=KEEP
// RUN: not inrarch-opt %inputs/torch-unsupported.mlir -t torch 2>&1 | filecheck %s --check-prefix=FLOOR

// The order-2 derivative program of y = sin(x W + b) V as a PyTorch module: the weights embedded as base64, the
// output names of the INSP layout, any batch size (the IR's 4 samples only as SAMPLES), one PyTorch call per op.
// CHECK:       import torch
// CHECK:       COLUMNS = ['y0', 'y0_x0', 'y0_x1', 'y0_x0_x0', 'y0_x0_x1', 'y0_x1_x0', 'y0_x1_x1']
// CHECK-NEXT:  BATCH = None
// CHECK-NEXT:  SAMPLES = 4
// CHECK:       'c0': ('float32', (2, 3), 'AACAPwAAAMAAAAA/AACAPgAAQEAAAIC/'),
// CHECK:       class Program(torch.nn.Module):
// CHECK:       def run(self, x):
// CHECK:         return torch.stack(self.f_tiny_grad(x), dim=1)
// CHECK:       def f_tiny_grad(self, [[X:a[0-9]+]]):

// The primal: z = x W + b with the bias a broadcastable view, sin z, then its matmul with V; column 0 is y.
// CHECK-NEXT:    [[XW:v[0-9]+]] = [[X]] @ self.c0
// CHECK-NEXT:    del [[X]]
// CHECK-NEXT:    [[B:v[0-9]+]] = self.c1[None, :]
// CHECK-NEXT:    [[Z:v[0-9]+]] = [[XW]] + [[B]]
// CHECK-NEXT:    del
// CHECK-NEXT:    [[S:v[0-9]+]] = torch.sin([[Z]])
// CHECK-NEXT:    [[Y:v[0-9]+]] = [[S]] @ self.c2
// CHECK-NEXT:    [[Y0:v[0-9]+]] = [[Y]][:, 0]

// First derivatives: cos z times a row of W (folded by inr-autodiff into a constant), through V.
// CHECK:         [[C:v[0-9]+]] = torch.cos([[Z]])
// CHECK:         = [[C]] * v{{[0-9]+}}
// CHECK:         @ self.c2

// Second derivatives: -sin z times products of W's rows; the Taylor coefficient of a pure second derivative is
// half of it (times 2.0).
// CHECK:         = [[S]] * v{{[0-9]+}}
// CHECK:         * 2.0
// CHECK:         return [[Y0]], v{{[0-9]+}}, v{{[0-9]+}}, [[D00:v[0-9]+]], [[D01:v[0-9]+]], [[D01]], v{{[0-9]+}}

// WROTE: # inrarch: wrote the PyTorch module to {{.*}}.py
// RESULT: columns y0 y0_x0 y0_x1 y0_x0_x0 y0_x0_x1 y0_x1_x0 y0_x1_x1
// RESULT-NEXT: shape (1000, 7) torch.float64
// RESULT-NEXT: within 1e-12
// KEEP: error: {{.*}}.txt exists and is not a module inrarch's torch target wrote: not replaced
// FLOOR: torch-unsupported.mlir:3:3: error: the torch target does not support math.floor

func.func @tiny(%x: tensor<4x2xf32>) -> tensor<4x1xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]]> : tensor<2x3xf32>
  %zero = arith.constant dense<0.0> : tensor<4x3xf32>
  %h = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%zero : tensor<4x3xf32>) -> tensor<4x3xf32>
  %b = arith.constant dense<[0.5, -0.5, 1.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<4x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<4x3xf32>) dimensions = [0]
  %z = arith.addf %h, %bb : tensor<4x3xf32>
  %s = math.sin %z : tensor<4x3xf32>
  %v = arith.constant dense<[[1.0], [2.0], [-1.5]]> : tensor<3x1xf32>
  %zero1 = arith.constant dense<0.0> : tensor<4x1xf32>
  %y = linalg.matmul ins(%s, %v : tensor<4x3xf32>, tensor<3x1xf32>) outs(%zero1 : tensor<4x1xf32>) -> tensor<4x1xf32>
  func.return %y : tensor<4x1xf32>
}
