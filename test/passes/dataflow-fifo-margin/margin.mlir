// RUN: inrarch-opt %s --dataflow-fifo-margin=tokens=3 | filecheck %s
// RUN: not inrarch-opt %s --dataflow-fifo-margin=tokens=-1 2>&1 | filecheck %s --check-prefix=NEGATIVE

// Every FIFO gets 3 more tokens; nothing else changes.
!s = !dataflow.stream<f32, 2>
dataflow.graph @g(%in: memref<4x2xf32>, %out: memref<4x2xf32>) {
  %a = dataflow.fifo depth 1 : !s
  %b = dataflow.fifo depth 5 : !s
  dataflow.read %in -> %a : memref<4x2xf32> -> !s
  dataflow.map ins(%a : !s) outs(%b : !s) {
  ^bb0(%v: f32):
    dataflow.yield %v : f32
  }
  dataflow.write %b -> %out : !s -> memref<4x2xf32>
}

// CHECK:      %a = dataflow.fifo depth 4 : !dataflow.stream<f32, 2>
// CHECK-NEXT: %b = dataflow.fifo depth 8 : !dataflow.stream<f32, 2>
// CHECK-NEXT: dataflow.read %in -> %a

// NEGATIVE: error: dataflow-fifo-margin: option tokens must be an integer >= 0, got -1
