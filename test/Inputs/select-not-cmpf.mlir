!s = !dataflow.stream<f32, 4>
dataflow.graph @body(%in: memref<8x4xf32>, %out: memref<8x4xf32>) {
  %x = dataflow.fifo depth 2 : !s
  %y = dataflow.fifo depth 2 : !s
  dataflow.read %in -> %x : memref<8x4xf32> -> !s
  dataflow.map ins(%x : !s) outs(%y : !s) attributes {lanes = 1, ii = 1} {
  ^bb0(%a: f32):
    %c = arith.constant true
    %r = arith.select %c, %a, %a : f32
    dataflow.yield %r : f32
  }
  dataflow.write %y -> %out : !s -> memref<8x4xf32>
}
