// RUN: inrarch-opt %s --dataflow-parallelize=dsp=40 | filecheck %s --check-prefix=DSP40
// RUN: inrarch-opt %s --dataflow-parallelize=dsp=20 | filecheck %s --check-prefix=DSP20
// RUN: not inrarch-opt %s --dataflow-parallelize=dsp=4 2>&1 | filecheck %s --check-prefix=TOOFEW
// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=40,bram=10,uram=0,clock-mhz=250 | filecheck %s --check-prefix=CUSTOM
// RUN: not inrarch-opt %s --dataflow-parallelize=clock-mhz=-100 2>&1 | filecheck %s --check-prefix=CLOCK
// RUN: not inrarch-opt %s --dataflow-parallelize=clock-mhz=0 2>&1 | filecheck %s --check-prefix=CLOCK0
// RUN: not inrarch-opt %s --dataflow-parallelize=dsp=-5 2>&1 | filecheck %s --check-prefix=NEGDSP
// RUN: not inrarch-opt %s --dataflow-lower=bram=-1 2>&1 | filecheck %s --check-prefix=NEGBRAM

// One 16x16 matvec (256 multiply-adds per sample, 5 DSP per multiply-add lane: fmul 3 + fadd 2).
// 40 DSP buy 8 lanes: 256 / 8 = 32 cycles per sample. Shapes with one iteration per cycle need each column's
// accumulator to come back no sooner than its recurrence allows (LUTRAM read 1 + fadd 4 + write 1 = 6 cycles):
// par_in 2 x par_out 4 revisits it every 16 / 4 = 4 iterations (II 2, 64 cycles: too slow); par_in 4 x par_out 2
// (distance 8) and par_in 8 x par_out 1 (distance 16) both reach II 1 and 32 cycles, and the narrower output
// (fewer row-buffer banks) wins: par_in 8, so the input stream carries 8 features per token.
// 20 DSP buy 4 lanes: 64 cycles, par_in 4 x par_out 1 (4 reduction steps x 16 blocks, distance 16, II 1).
!x = !dataflow.stream<f32, 16>
dataflow.graph @g(%in: memref<4x16xf32>, %out: memref<4x16xf32>) {
  %x = dataflow.fifo depth 2 : !x
  %y = dataflow.fifo depth 2 : !x
  dataflow.read %in -> %x : memref<4x16xf32> -> !x
  dataflow.matvec ins(%x : !x) outs(%y : !x) weights(dense<0.5> : tensor<16x16xf32>)
  dataflow.write %y -> %out : !x -> memref<4x16xf32>
}

// DSP40:      dataflow.graph @g(%in: memref<4x16xf32>, %out: memref<4x16xf32>) attributes
// DSP40-SAME:   target = #dataflow.target<"u50-budget", "xcu50-fsvh2104-2-e", dsp 40, bram36 1344, uram 640, clock 300.0>, interval = 32 : i64
// DSP40:        dataflow.read %in -> %[[X:.*]] : memref<4x16xf32> -> !dataflow.stream<tensor<8xf32>, 2>
// DSP40-NEXT:   dataflow.matvec ins(%[[X]] : !dataflow.stream<tensor<8xf32>, 2>) outs(%[[Y:.*]] : !dataflow.stream<f32, 16>) weights({{.*}}) {par_in = 8 : i64}

// DSP20:      attributes {{{.*}}interval = 64 : i64
// DSP20:        dataflow.matvec ins(%{{.*}} : !dataflow.stream<tensor<4xf32>, 4>) outs(%{{.*}} : !dataflow.stream<f32, 16>) weights({{.*}}) {par_in = 4 : i64}

// TOOFEW: error: dataflow-parallelize: the design needs at least 5 DSP (one multiply-add lane per matrix kernel, maps at their slowest), the budget is 4

// A custom budget and clock are recorded for the report.
// CUSTOM: attributes {target = #dataflow.target<"custom-budget", "custom", dsp 40, bram36 10, uram 0, clock 250.0>, interval = 32 : i64}

// Every option is checked, with its name and accepted range.
// CLOCK: error: dataflow-parallelize: option clock-mhz must lie in (0, 1000.0], got -100
// CLOCK0: error: dataflow-parallelize: option clock-mhz must lie in (0, 1000.0], got 0
// NEGDSP: error: dataflow-parallelize: option dsp must be an integer >= 1, got -5
// NEGBRAM: error: dataflow-parallelize: option bram must be an integer >= 0, got -1
