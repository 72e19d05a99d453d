// RUN: inrarch-opt %s -p dataflow-fixed-point -t rtl | filecheck %s
// RUN: not inrarch-opt %s -t rtl 2>&1 | filecheck %s --check-prefix=FLOAT

// The RTL of a fixed-point design (the graph of test/passes/dataflow-fixed-point/tiny.mlir, with the formats that
// pass chooses: 21-bit streams): a top module named after the graph, with the input and output streams of float
// words and one occupancy port per FIFO (as wide as its depth needs), and one module per FIFO and per kernel.
// CHECK:       module tiny(
// CHECK-DAG:   input [31:0] in_data;
// CHECK-DAG:   output in_accept;
// CHECK-DAG:   output [31:0] out_data;
// CHECK-DAG:   output out_valid;
// CHECK-DAG:   input out_ready;
// CHECK-DAG:   output [2:0] level_x1s;
// CHECK-DAG:   output level_yy;

// A FIFO holds its IR depth in tokens: %x1s is 5 tokens deep, each one 21-bit element.
// CHECK:       module \tiny.fifo_x1s
// CHECK:         reg [20:0] storage [4:0];

// The first matvec has par_in x par_out = 2 x 2 lanes: four multipliers of a 21-bit input by an 18-bit weight.
// CHECK:       module \tiny.k2_matvec
// CHECK-COUNT-4: $signed(mul{{[01]}}_{{[01]}}_a_{{[0-9]+}}) * $signed(mul{{[01]}}_{{[01]}}_b_{{[0-9]+}});
// CHECK-NOT:   $signed(mul2_

// The map computes one element every ii = 2 cycles, so its multiplies share multipliers: per element it makes
// two 21 x 21 multiplies (30 z and sin(u) x1), the sin table's phase multiply (21 x 32: 1 / 2 pi to the bits
// the input's range and the output's lsb need) and its interpolation (a 13-bit slope, no wider than the slopes
// need, x a 14-bit fraction): ceil(2 / 2) + 1 + 1 = three multipliers, not four. A multiply beyond the DSP48E2's
// 27 x 18 ports is written as the tiles the facts count: the 21 x 21 and the 21 x 32 each as one operand on the
// 27-bit port times the other's low 17 bits (unsigned) and times its signed top bits, two DSP48E2 each.
// CHECK:       module \tiny.k4_map
// CHECK-DAG:   $signed(mx21x21_0_a_{{[0-9]+}}) * $signed({ 1'h0, mx21x21_0_b_{{[0-9]+}}[16:0] });
// CHECK-DAG:   $signed(mx21x21_0_a_{{[0-9]+}}) * $signed(mx21x21_0_b_{{[0-9]+}}[20:17]);
// CHECK-DAG:   $signed(mx21x32_0_a_{{[0-9]+}}) * $signed({ 1'h0, mx21x32_0_b_{{[0-9]+}}[16:0] });
// CHECK-DAG:   $signed(mx21x32_0_a_{{[0-9]+}}) * $signed(mx21x32_0_b_{{[0-9]+}}[31:17]);
// CHECK-DAG:   $signed(mx13x14_0_a_{{[0-9]+}}) * $signed(mx13x14_0_b_{{[0-9]+}});
// CHECK-NOT:   mx21x21_1_a
// CHECK:       module \tiny.k5_matvec

// A floating-point design has no RTL.
// FLOAT:       error: RTL needs a fixed-point design: compile with precision=auto or ap_fixed<W,I>

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
