// RUN: inrarch-opt %s --dataflow-parallelize=dsp=40 | filecheck %s --check-prefix=DSP40
// RUN: inrarch-opt %s --dataflow-parallelize=dsp=20 | filecheck %s --check-prefix=DSP20
// RUN: not inrarch-opt %s --dataflow-parallelize=dsp=4 2>&1 | filecheck %s --check-prefix=TOOFEW
// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=40,bram=10,uram=0,clock-mhz=250 | filecheck %s --check-prefix=CUSTOM

// One 16x16 matvec (256 multiply-adds per sample, 5 DSP per multiply-add lane, fadd latency 4).
// 40 DSP buy 8 lanes: 256 / 8 = 32 cycles per sample. With one input column per lane (par_in 1) the
// accumulators of 16 / 8 column blocks would be revisited every 2 iterations, too soon for the 4-cycle adder
// (II 2); the cheapest 8-lane shape that reaches 32 is par_in 2 x par_out 4 (8 iterations x 4 blocks, each
// accumulator revisited every 4 iterations), so the input stream carries 2 features per token.
// 20 DSP buy 4 lanes: 64 cycles, par_in 1 x par_out 4 (16 x 4 iterations, II 1), scalar tokens.
// Pipeline latency: weight read 1 + fmul 3 + fadd 4 per adder-tree level over par_in + accumulate fadd 4.
!x = !dataflow.stream<f32, 16>
dataflow.graph @g(%in: memref<4x16xf32>, %out: memref<4x16xf32>) {
  %x = dataflow.fifo depth 2 : !x
  %y = dataflow.fifo depth 2 : !x
  dataflow.read %in -> %x : memref<4x16xf32> -> !x
  dataflow.matvec ins(%x : !x) outs(%y : !x) weights(dense<0.5> : tensor<16x16xf32>)
  dataflow.write %y -> %out : !x -> memref<4x16xf32>
}

// DSP40:      dataflow.graph @g(%in: memref<4x16xf32>, %out: memref<4x16xf32>) attributes {interval = 32 : i64
// DSP40-SAME:   budget_dsp = 40 : i64
// DSP40:        dataflow.read %in -> %[[X:.*]] : memref<4x16xf32> -> !dataflow.stream<tensor<2xf32>, 8>
// DSP40-NEXT:   dataflow.matvec ins(%[[X]] : !dataflow.stream<tensor<2xf32>, 8>) outs(%[[Y:.*]] : !dataflow.stream<f32, 16>) weights({{.*}}) {par_in = 2 : i64, par_out = 4 : i64, latency = 12 : i64}

// DSP20:      attributes {interval = 64 : i64
// DSP20:        dataflow.matvec ins(%{{.*}} : !dataflow.stream<f32, 16>) outs(%{{.*}} : !dataflow.stream<f32, 16>) weights({{.*}}) {par_out = 4 : i64, latency = 8 : i64}

// TOOFEW: error: dataflow-parallelize: the design needs at least 5 DSP (one multiply-add lane per matrix kernel, maps at their slowest), the budget is 4

// A custom budget and clock are recorded for the report.
// CUSTOM: attributes {interval = 32 : i64, target = "custom-budget", part = "custom", clock_mhz = 2.500000e+02 : f64, budget_dsp = 40 : i64, budget_bram36 = 10 : i64, budget_uram = 0 : i64}
