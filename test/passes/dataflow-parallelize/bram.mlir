// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=640,bram=1344,uram=0 | filecheck %s --check-prefix=DSP
// RUN: inrarch-opt %s --dataflow-parallelize=target=custom,dsp=640,bram=66,uram=0 | filecheck %s --check-prefix=BRAM
// RUN: not inrarch-opt %s --dataflow-parallelize=target=custom,dsp=640,bram=40,uram=0 2>&1 | filecheck %s --check-prefix=TOOFEW

// One 256x256 fp32 matvec. 640 DSP buy 128 multiply-add lanes (64 x 2): 512 cycles per sample, but the weights
// banked 128 ways, with the accumulators and row buffers, need 67 BRAM36. Where the BRAM budget cannot bank them,
// dataflow-parallelize takes the shortest interval whose memories fit instead of giving up: with 66 BRAM36,
// 16 lanes and 4,096 cycles. The weights alone (65,536 words of 32 bits) need more than 40 BRAM36 at any interval.
!x = !dataflow.stream<f32, 256>
dataflow.graph @g(%in: memref<4x256xf32>, %out: memref<4x256xf32>) {
  %x = dataflow.fifo depth 2 : !x
  %y = dataflow.fifo depth 2 : !x
  dataflow.read %in -> %x : memref<4x256xf32> -> !x
  dataflow.matvec ins(%x : !x) outs(%y : !x) weights(dense<0.5> : tensor<256x256xf32>)
  dataflow.write %y -> %out : !x -> memref<4x256xf32>
}

// DSP:    interval = 512 : i64
// DSP:    dataflow.matvec {{.*}} {par_in = 64 : i64, par_out = 2 : i64}
// BRAM:   interval = 4096 : i64
// BRAM:   dataflow.matvec {{.*}} {par_in = 16 : i64}
// TOOFEW: error: dataflow-parallelize: the design needs {{[0-9.]+}} BRAM36 at its interval of {{[0-9]+}} cycles (weights, buffers and FIFOs), the budget is 40 BRAM36
