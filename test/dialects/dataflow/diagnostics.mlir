// RUN: inrarch-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics --allow-unregistered-dialect | filecheck %s
// One case per verifier error of the dataflow dialect, in xDSL's --verify-diagnostics form (the message first).

dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.fork %a -> %b : !dataflow.stream<f32, 2> -> !dataflow.stream<f32, 2>
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.fork needs at least two output streams

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %d = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.fork %a -> %b, %d : !dataflow.stream<f32, 2> -> !dataflow.stream<f32, 2>, !dataflow.stream<tensor<2xf32>, 1>
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.fork output type !dataflow.stream<tensor<2xf32>, 1> differs from its input type !dataflow.stream<f32, 2>

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 0 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}FIFO depth must be at least 1, got 0

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}stream %b must have exactly one producer and one consumer, it has 0 and 0

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%a : !dataflow.stream<f32, 2>) {
  ^bb0(%v: f32):
    dataflow.yield %v : f32
  }
}
// CHECK: {{^}}stream %a must have exactly one producer and one consumer, it has 2 and 2

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>, %extra: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}array argument #2 must be used by exactly one dataflow.read or dataflow.write

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<5x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<5x2xf32>
}
// CHECK: {{^}}dataflow.graph arguments must all have the same number of samples

// -----
dataflow.graph @g(%in: tensor<4x2xf32>) {
}
// CHECK: {{^}}dataflow.graph arguments must be 2-D memrefs (samples x values), got tensor<4x2xf32>

// -----
dataflow.graph @g() {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
}
// CHECK: {{^}}dataflow.graph needs at least one array argument

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %c = arith.constant 1.0 : f32
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.graph holds only FIFOs and kernels, found arith.constant

// -----
func.func @f(%in: memref<4x2xf32>, %a: !dataflow.stream<f32, 2>) {
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  func.return
}
// CHECK: {{^}}'dataflow.read' expects parent op 'dataflow.graph'

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  %b = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<tensor<2xf32>, 1>
  dataflow.map ins(%a : !dataflow.stream<tensor<2xf32>, 1>) outs(%b : !dataflow.stream<tensor<2xf32>, 1>) attributes {lanes = 3} {
  ^bb0(%x: f32):
    dataflow.yield %x : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<tensor<2xf32>, 1> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map lanes (3) must divide the token width (2)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) attributes {ii = 0} {
  ^bb0(%x: f32):
    dataflow.yield %x : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map ii must be at least 1, got 0

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 3>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 3>
  dataflow.write %a -> %out : !dataflow.stream<f32, 3> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.read of memref<4x2xf32> must send 2 elements per sample, its stream carries 3

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f64, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f64, 2>
  dataflow.write %a -> %out : !dataflow.stream<f64, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.read element types differ: f32 and f64

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x3xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x3xf32>
}
// CHECK: {{^}}dataflow.write to memref<4x3xf32> must receive 3 elements per sample, its streams carry 2

// -----
dataflow.graph @g(%out: memref<4x2xf32>) {
  dataflow.write -> %out : -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.write needs at least one input stream

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf64>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf64>
}
// CHECK: {{^}}dataflow.write element types must match the destination's

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {
  ^bb0(%v: f32):
    %w = math.sin %v : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}Operation math.sin terminates block in single-block region but is not a terminator

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {
  ^bb0(%v: f32, %c: f32):
    dataflow.yield %v : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map body must take 1 arguments of type f32 (one per input stream, then one per column constant)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {
  ^bb0(%v: f32):
    dataflow.yield %v, %v : f32, f32
  }
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map body must yield 1 values of type f32, one per output stream

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) consts [dense<1.0> : tensor<3xf32>] {
  ^bb0(%v: f32, %c: f32):
    dataflow.yield %v : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map column constants must have one value per element of a sample (2), got shape [3]

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.map ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<tensor<2xf32>, 1>) {
  ^bb0(%v: f32):
    dataflow.yield %v : f32
  }
  dataflow.write %b -> %out : !dataflow.stream<tensor<2xf32>, 1> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.map input and output streams must all have the same type, got !dataflow.stream<f32, 2>, !dataflow.stream<tensor<2xf32>, 1>

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
  "dataflow.map"(%a) <{operandSegmentSizes = array<i32: 1, 0>}> ({
  ^bb0(%v: f32):
    dataflow.yield
  }) : (!dataflow.stream<f32, 2>) -> ()
}
// CHECK: {{^}}dataflow.map needs at least one output stream

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  "dataflow.matvec"(%a) <{weights = dense<1.0> : tensor<2x2xf32>, operandSegmentSizes = array<i32: 1, 0>}> : (!dataflow.stream<f32, 2>) -> ()
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec needs as many output streams as input streams, at least one

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<4xf32>)
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec weights must be a 2-D tensor (inputs x outputs)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<3x2xf32>)
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec weights 3x2 do not match streams of 2 input and 2 output elements per sample

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<2x2xf32>) bias(dense<1.0> : tensor<3xf32>) {bias_on = array<i64: 1>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec bias must have 2 elements

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<2x2xf32>) bias(dense<1.0> : tensor<2xf32>) {bias_on = array<i64: 1, 0>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec bias_on must give one flag per input stream

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<2x2xf32>) {par_in = 2}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec par_in (2) must divide the input token width (1)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.matvec ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<2x2xf32>) {par_out = 3}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.matvec par_out (3) must lie in [1, 2]

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x4xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %c = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %d = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.fork %a -> %b, %c : !dataflow.stream<f32, 2> -> !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>
  dataflow.matvec ins(%b, %c : !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>) outs(%d, %e : !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<f32, 2>) weights(dense<1.0> : tensor<2x2xf32>)
  %e = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.write %d, %e -> %out : !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<f32, 2> -> memref<4x4xf32>
}
// CHECK: {{^}}dataflow.matvec output streams must all have the same type, got !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<f32, 2>

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.shuffle ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {select = array<i64: 0>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.shuffle select must have one entry per output element (2), got 1

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.shuffle ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {select = array<i64: 0, 2>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.shuffle select entries must lie in [0, 2), or be -1 (a constant)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.shuffle ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {select = array<i64: 0, -1>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.shuffle select entries of -1 need a fill

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.shuffle ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f32, 2>) {select = array<i64: 0, -1>, fill = array<f64: 0.0>}
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.shuffle fill must have one value per output element (2)

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  "dataflow.shuffle"(%a) <{select = array<i64>, operandSegmentSizes = array<i32: 1, 0>}> : (!dataflow.stream<f32, 2>) -> ()
  dataflow.write %b -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.shuffle needs input and output streams

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf64>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f64, 2>
  dataflow.shuffle ins(%a : !dataflow.stream<f32, 2>) outs(%b : !dataflow.stream<f64, 2>) {select = array<i64: 0, 1>}
  dataflow.write %b -> %out : !dataflow.stream<f64, 2> -> memref<4x2xf64>
}
// CHECK: {{^}}dataflow.shuffle streams must share one element type

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<i32, 2>
}
// CHECK: {{^}}stream token must be a float or a 1-D float tensor, got i32

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 0>
}
// CHECK: {{^}}a stream carries at least one token per sample

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<tensor<2x2xf32>, 1>
}
// CHECK: {{^}}stream token must be a float or a 1-D float tensor, got tensor<2x2xf32>

// -----
"dataflow.graph"() <{sym_name = "g", function_type = (memref<4x2xf32>) -> ()}> ({
^bb0(%in: memref<4x3xf32>):
}) : () -> ()
// CHECK: {{^}}dataflow.graph block arguments must match its function type

// -----
dataflow.graph @g(%in: memref<4x2xf32>) -> memref<4x2xf32> {
}
// CHECK: {{^}}a dataflow.graph returns nothing: its outputs are written to its array arguments

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = "test.stream"() : () -> !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.read streams must be defined by dataflow.fifo

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x4xf32>) {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  %b = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %c = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  %d = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  %e = dataflow.fifo depth 2 : !dataflow.stream<tensor<2xf32>, 1>
  dataflow.fork %a -> %b, %c : !dataflow.stream<f32, 2> -> !dataflow.stream<f32, 2>, !dataflow.stream<f32, 2>
  dataflow.matvec ins(%b, %d : !dataflow.stream<f32, 2>, !dataflow.stream<tensor<2xf32>, 1>) outs(%c, %e : !dataflow.stream<f32, 2>, !dataflow.stream<tensor<2xf32>, 1>) weights(dense<1.0> : tensor<2x2xf32>)
  dataflow.write %d, %e -> %out : !dataflow.stream<tensor<2xf32>, 1>, !dataflow.stream<tensor<2xf32>, 1> -> memref<4x4xf32>
}
// CHECK: {{^}}dataflow.matvec input streams must all have the same type, got !dataflow.stream<f32, 2>, !dataflow.stream<tensor<2xf32>, 1>

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) attributes {target = #dataflow.target<"u50", "xcu50-fsvh2104-2-e", dsp 3200, bram36 1344, uram 640, clock -5.0>} {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}#dataflow.target clock must lie in (0, 1000] MHz, got -5.0

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) attributes {interval = 0 : i64} {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}dataflow.graph interval must be at least 1, got 0

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) attributes {target = "u50"} {
  %a = dataflow.fifo depth 2 : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}{{.*}}target{{.*}}

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 format <80, 3> : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}#dataflow.fixed needs 2 <= W <= 64 and I <= W + 64, got <80, 3>

// -----
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 2 format <16, 3, nearest, wrap> : !dataflow.stream<f32, 2>
  dataflow.read %in -> %a : memref<4x2xf32> -> !dataflow.stream<f32, 2>
  dataflow.write %a -> %out : !dataflow.stream<f32, 2> -> memref<4x2xf32>
}
// CHECK: {{^}}#dataflow.fixed modes are rnd or trn, then wrap or sat
