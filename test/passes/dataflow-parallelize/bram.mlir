// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=5120,bram=1344,uram=0 --dataflow-report 2>&1 | filecheck %s --check-prefix=DSP
// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=5120,bram=100,uram=0 --dataflow-report 2>&1 | filecheck %s --check-prefix=BRAM
// RUN: not inrarch-opt %s --dataflow-parallelize=target=custom,dsp=5120,bram=40,uram=0 2>&1 | filecheck %s --check-prefix=TOOFEW

// One 256x256 fp32 matvec. Its weights are one memory per output lane whose word holds the par_in weights an
// iteration reads (ARRAY_RESHAPE): 65,536 words of 32 bits, 2 Mbit, need 57 BRAM36 or more however they are
// banked. The DSP budget buys at most 256 lanes (a par_in of 64, the adder tree's most, times 4 output lanes:
// 1,280 DSP at 5 per fp32 multiply-add), 256 cycles per sample; their 4 banks of 2,048-bit words take 57 BRAM18
// each, 116 BRAM36 with the accumulators. Where the BRAM budget cannot hold that, dataflow-parallelize takes the
// shortest interval whose memories fit instead of giving up: with 100 BRAM36, 16 x 13 lanes and 320 cycles
// (13 banks of 320 words of 512 bits, 15 BRAM18 each: 97.5 BRAM36). With 40 it refuses.
!x = !dataflow.stream<f32, 256>
dataflow.graph @g(%in: memref<4x256xf32>, %out: memref<4x256xf32>) {
  %x = dataflow.fifo depth 2 : !x
  %y = dataflow.fifo depth 2 : !x
  dataflow.read %in -> %x : memref<4x256xf32> -> !x
  dataflow.matvec ins(%x : !x) outs(%y : !x) weights(dense<0.5> : tensor<256x256xf32>)
  dataflow.write %y -> %out : !x -> memref<4x256xf32>
}

// (dataflow-report writes to stderr while the pass runs, before the IR is printed.)
// DSP:    resources   1280 DSP, 116 BRAM36
// DSP:    interval = 256 : i64
// DSP:    dataflow.matvec {{.*}} {par_in = 64 : i64, par_out = 4 : i64}
// BRAM:   resources   1040 DSP, 97.5 BRAM36
// BRAM:   interval = 320 : i64
// BRAM:   dataflow.matvec {{.*}} {par_in = 16 : i64, par_out = 13 : i64}
// TOOFEW: error: dataflow-parallelize: the design needs {{[0-9.]+}} BRAM36 at its interval of {{[0-9]+}} cycles (weights, buffers and FIFOs), the budget is 40 BRAM36
