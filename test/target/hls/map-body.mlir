// The HLS printer reads a map body's ops: one statement per op in block order, on a CSE'd copy of the body (the two
// equal sines are printed once, the unused exp not at all), constants as literals, a select on an arith.cmpf as
// C++'s conditional; a select on anything else is an error. (The kernel's facts comment counts the body as written;
// compiled bodies are CSE'd when maps merge, so the two agree there.)
// RUN: inrarch-opt %s -t hls | filecheck %s
// RUN: not inrarch-opt %inputs/select-not-cmpf.mlir -t hls 2>&1 | filecheck %s --check-prefix=NOTCMP

!s = !dataflow.stream<f32, 4>
dataflow.graph @body(%in: memref<8x4xf32>, %out: memref<8x4xf32>) {
  %x = dataflow.fifo depth 2 : !s
  %y = dataflow.fifo depth 2 : !s
  dataflow.read %in -> %x : memref<8x4xf32> -> !s
  dataflow.map ins(%x : !s) outs(%y : !s) attributes {lanes = 1, ii = 1} {
  ^bb0(%a: f32):
    %s1 = math.sin %a : f32
    %s2 = math.sin %a : f32
    %dead = math.exp %a : f32
    %half = arith.constant 0.5 : f32
    %m = arith.mulf %s1, %half : f32
    %t = arith.addf %m, %s2 : f32
    %c = arith.cmpf ogt, %a, %half : f32
    %r = arith.select %c, %t, %a : f32
    dataflow.yield %r : f32
  }
  dataflow.write %y -> %out : !s -> memref<8x4xf32>
}

// CHECK:            for (int p = 0; p < P; ++p) {
// CHECK-NEXT:       #pragma HLS UNROLL
// CHECK-NEXT:             const float x0 = a0[p];
// CHECK-NEXT:             const float [[S:v[0-9]+]] = inrarch_sin_f32(x0);
// CHECK-NEXT:             const float [[M:v[0-9]+]] = [[S]] * 0.5f;
// CHECK-NEXT:             const float [[T:v[0-9]+]] = [[M]] + [[S]];
// CHECK-NEXT:             const float [[R:v[0-9]+]] = (x0 > 0.5f) ? [[T]] : x0;
// CHECK-NEXT:             y0[p] = [[R]];
// CHECK-NEXT:           }
// CHECK-NOT:  inrarch_exp

// NOTCMP: select-not-cmpf.mlir:{{[0-9]+}}:{{[0-9]+}}: error: the HLS printer selects only on an arith.cmpf of the same map body
