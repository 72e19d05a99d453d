// RUN: inrarch-opt %s | inrarch-opt | filecheck %s
// RUN: inrarch-opt %s --print-op-generic | inrarch-opt | filecheck %s
// RUN: inrarch-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// A two-layer network y = W2 (x1 * sin(W1 x + b)), streamed sample by sample.
// The design parameters the passes record are declared attributes of the graph.
// CHECK-LABEL: dataflow.graph @tiny(%in: memref<4x2xf32>, %out: memref<4x4xf32>) attributes {derivative = #inr.derivative<order 1, layout insp, mode taylor>, target = #dataflow.target<"u50-budget", "xcu50-fsvh2104-2-e", dsp 3200, bram36 1344, uram 640, clock 300.0>, interval = 4 : i64, modeled_cycles = 120 : i64, lp_fifo_words = 1.250000e+01 : f64} {
// CHECK-NEXT:    %x = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
// CHECK-NEXT:    %x0 = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
// CHECK-NEXT:    %x1 = dataflow.fifo depth 3 : !dataflow.stream<tensor<2xf32>, 1>
// CHECK-NEXT:    %z = dataflow.fifo depth 2 : !dataflow.stream<f32, 4>
// CHECK-NEXT:    %x1s = dataflow.fifo depth 5 : !dataflow.stream<f32, 4>
// CHECK-NEXT:    %h = dataflow.fifo depth 2 : !dataflow.stream<f32, 4>
// CHECK-NEXT:    %y = dataflow.fifo depth 2 : !dataflow.stream<tensor<3xf32>, 1>
// CHECK-NEXT:    %yy = dataflow.fifo depth 1 : !dataflow.stream<f32, 4>
// CHECK-NEXT:    dataflow.read %in -> %x : memref<4x2xf32> -> !dataflow.stream<tensor<2xf32>, 1>
// CHECK-NEXT:    dataflow.fork %x -> %x0, %x1 : !dataflow.stream<tensor<2xf32>, 1> -> !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<tensor<2xf32>, 1>
// CHECK-NEXT:    dataflow.matvec ins(%x0 : !dataflow.stream<tensor<2xf32>, 1>) outs(%z : !dataflow.stream<f32, 4>) weights(dense<{{.*}}> : tensor<2x4xf32>) bias(dense<5.000000e-01> : tensor<4xf32>) {bias_on = array<i64: 1>, par_in = 2 : i64, par_out = 2 : i64}
// CHECK-NEXT:    dataflow.shuffle ins(%x1 : !dataflow.stream<tensor<2xf32>, 1>) outs(%x1s : !dataflow.stream<f32, 4>) {select = array<i64: 1, 1, 1, 1>}
// CHECK-NEXT:    dataflow.map ins(%z, %x1s : !dataflow.stream<f32, 4>, !dataflow.stream<f32, 4>) outs(%h : !dataflow.stream<f32, 4>) consts [dense<3.000000e+01> : tensor<4xf32>] attributes {ii = 2 : i64} {
// CHECK-NEXT:    ^bb0(%z_1: f32, %s: f32, %omega: f32):
// CHECK-NEXT:      %u = arith.mulf %z_1, %omega : f32
// CHECK-NEXT:      %v = math.sin %u : f32
// CHECK-NEXT:      %w = arith.mulf %v, %s : f32
// CHECK-NEXT:      dataflow.yield %w : f32
// CHECK-NEXT:    }
// CHECK-NEXT:    dataflow.matvec ins(%h : !dataflow.stream<f32, 4>) outs(%y : !dataflow.stream<tensor<3xf32>, 1>) weights(dense<2.500000e-01> : tensor<4x3xf32>)
// CHECK-NEXT:    dataflow.shuffle ins(%y : !dataflow.stream<tensor<3xf32>, 1>) outs(%yy : !dataflow.stream<f32, 4>) {select = array<i64: 0, 1, 2, 2>}
// CHECK-NEXT:    dataflow.write %yy -> %out : !dataflow.stream<f32, 4> -> memref<4x4xf32>
// CHECK-NEXT:  }

// GENERIC: "dataflow.graph"() <{sym_name = "tiny", function_type = (memref<4x2xf32>, memref<4x4xf32>) -> ()}>
// GENERIC: "dataflow.fifo"() <{depth = 2 : i64}> : () -> !dataflow.stream<tensor<2xf32>, 1>
// GENERIC: "dataflow.matvec"(%x0, %z) <{weights = {{.*}}, bias = dense<5.000000e-01> : tensor<4xf32>, bias_on = array<i64: 1>, par_in = 2 : i64, par_out = 2 : i64, operandSegmentSizes = array<i32: 1, 1>}>
// GENERIC: "dataflow.map"(%z, %x1s, %h) <{consts = [dense<3.000000e+01> : tensor<4xf32>], lanes = 1 : i64, ii = 2 : i64, operandSegmentSizes = array<i32: 2, 1>}>
// GENERIC: "dataflow.yield"(%w) : (f32) -> ()

dataflow.graph @tiny(%in: memref<4x2xf32>, %out: memref<4x4xf32>) attributes {derivative = #inr.derivative<order 1, layout insp, mode taylor>, target = #dataflow.target<"u50-budget", "xcu50-fsvh2104-2-e", dsp 3200, bram36 1344, uram 640, clock 300.0>, interval = 4 : i64, modeled_cycles = 120 : i64, lp_fifo_words = 12.5 : f64} {
  %x = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  %x0 = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  %x1 = dataflow.fifo depth 3 : !dataflow.stream<tensor<2xf32>, 1>
  %z = dataflow.fifo depth 2 : !dataflow.stream<f32, 4>
  %x1s = dataflow.fifo depth 5 : !dataflow.stream<f32, 4>
  %h = dataflow.fifo depth 2 : !dataflow.stream<f32, 4>
  %y = dataflow.fifo depth 2 : !dataflow.stream<tensor<3xf32>, 1>
  %yy = dataflow.fifo depth 1 : !dataflow.stream<f32, 4>
  dataflow.read %in -> %x : memref<4x2xf32> -> !dataflow.stream<tensor<2xf32>, 1>
  dataflow.fork %x -> %x0, %x1 : !dataflow.stream<tensor<2xf32>, 1> -> !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<tensor<2xf32>, 1>
  dataflow.matvec ins(%x0 : !dataflow.stream<tensor<2xf32>, 1>) outs(%z : !dataflow.stream<f32, 4>) weights(dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>) bias(dense<0.5> : tensor<4xf32>) {bias_on = array<i64: 1>, par_in = 2, par_out = 2}
  dataflow.shuffle ins(%x1 : !dataflow.stream<tensor<2xf32>, 1>) outs(%x1s : !dataflow.stream<f32, 4>) {select = array<i64: 1, 1, 1, 1>}
  dataflow.map ins(%z, %x1s : !dataflow.stream<f32, 4>, !dataflow.stream<f32, 4>) outs(%h : !dataflow.stream<f32, 4>) consts [dense<30.0> : tensor<4xf32>] attributes {lanes = 1, ii = 2} {
  ^bb0(%z_1: f32, %s: f32, %omega: f32):
    %u = arith.mulf %z_1, %omega : f32
    %v = math.sin %u : f32
    %w = arith.mulf %v, %s : f32
    dataflow.yield %w : f32
  }
  dataflow.matvec ins(%h : !dataflow.stream<f32, 4>) outs(%y : !dataflow.stream<tensor<3xf32>, 1>) weights(dense<0.25> : tensor<4x3xf32>)
  dataflow.shuffle ins(%y : !dataflow.stream<tensor<3xf32>, 1>) outs(%yy : !dataflow.stream<f32, 4>) {select = array<i64: 0, 1, 2, 2>}
  dataflow.write %yy -> %out : !dataflow.stream<f32, 4> -> memref<4x4xf32>
}
