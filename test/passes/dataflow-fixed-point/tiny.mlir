// RUN: inrarch-opt %s -p dataflow-fixed-point | filecheck %s
// RUN: inrarch-opt %s -p 'dataflow-fixed-point{precision="ap_fixed<32,10>" overflow=wrap}' | filecheck %s --check-prefix=UNIFORM
// RUN: not inrarch-opt %s -p 'dataflow-fixed-point{precision="ap_fixed<8,2>"}' 2>&1 | filecheck %s --check-prefix=OVERFLOW
// RUN: inrarch-opt %s -p dataflow-fixed-point | inrarch-opt | filecheck %s

// y = W2 (x1 * sin(30 (W1 x + 1/2))) on the default calibration grid of [-1, 1]^2 (4,096 points).
//
// auto: every stream and body value gets the least uniform width W whose emulated outputs stay within 1e-3 of
// their largest magnitude (21 bits here), then a width per stream group and map where a narrower one saves DSP:
// none here (an 18-bit %x1s would make sin(u) x x1 an 18 x 21 multiply of its own, where the map, at ii = 2,
// shares one 21 x 21 multiplier between its two multiplies: more DSP, not less). Integer bits from its calibrated
// magnitude times 2 (one bit of headroom): the coordinates reach 1, 2 needs I = 3 (|v| < 4); z = W1 x + 1/2 reaches 4 + 8 + 1/2 = 12.5, 25 needs I = 6,
// which is also x's 3 plus the matvec's shift of 3; u = 30 z reaches 375 (I = 11); sin and x1 * sin reach 1
// (I = 2). The weights get 18 bits with the integer bits of their largest (8: I = 5, as 8 itself must fit), the
// accumulator every product bit (x: 18 fractional bits, W1: 13) and a sound bound: 4 (x's largest magnitude)
// times the largest column sum |4| + |8| = 12, plus 1/2: 48.5, I = 7, so 7 + 31 = 38 bits. The sin table covers a
// calibrated input range [-345, 375] (z from -11.5 to 12.5) widened by the margin around its middle (its domain; sin is periodic and ignores it).
// CHECK:       precision = "auto: 21-bit streams and values, 18-bit weights; ranges from 4096 calibration inputs (margin x2), accumulators from sound bounds;
// CHECK:       %x = dataflow.fifo depth 2 format <21, 3>
// CHECK:       %z = dataflow.fifo depth 2 format <21, 6>
// CHECK:       %h = dataflow.fifo depth 2 format <21, 2>
// CHECK:       dataflow.matvec ins(%x0 {{.*}} weight_format = #dataflow.fixed<18, 5>, acc_format = #dataflow.fixed<38, 7>}
// CHECK:       const_formats = [#dataflow.fixed<21, 6>]
// CHECK:         arith.mulf %{{.*}}, %{{.*}} {format = #dataflow.fixed<21, 11>} : f32
// CHECK-NEXT:    math.sin %{{.*}} {format = #dataflow.fixed<21, 2>, domain = array<f64: -7.050000e+02, 7.350000e+02>} : f32
// CHECK-NEXT:    arith.mulf %{{.*}}, %{{.*}} {format = #dataflow.fixed<21, 2>} : f32

// A uniform format (INR-Arch's ap_fixed<32,10>, Vitis's defaults: truncation, wrap-around) for every stream, value
// and weight; accumulators stay exact: 22 + 22 fractional bits, and a bound of 2^9 (x's format's largest magnitude)
// x 12 + 1/2 = 6144.5, I = 14: 58 bits.
// UNIFORM:     precision = "uniform ap_fixed<32,10, trn, wrap>;
// UNIFORM:     %z = dataflow.fifo depth 2 format <32, 10, trn, wrap>
// UNIFORM:     weight_format = #dataflow.fixed<32, 10, trn, wrap>, acc_format = #dataflow.fixed<58, 14>

// ap_fixed<8,2> holds |v| < 2: z (up to 12.5) and 30 z overflow; without overflow=saturate or wrap that is an error.
// OVERFLOW:    error: dataflow-fixed-point: {{[0-9]+}} values overflow their formats on the calibration inputs (most at k{{[0-9]+}}_{{.*}}); widen the format, or pass overflow=saturate or overflow=wrap

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
