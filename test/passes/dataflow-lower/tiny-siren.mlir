// The whole pipeline on an imported SIREN (2 -> 4 -> 4 -> 3, two sine layers), order 2, 16 samples.
// RUN: inrarch import %inputs/models.py:tiny_siren --input-shape 16,2 -o %t.mlir
// RUN: inrarch-opt %t.mlir --inr-autodiff=order=2 --dataflow-lower 2>%t.report | filecheck %s
// RUN: filecheck %s --check-prefix=REPORT < %t.report
// RUN: inrarch-opt %t.mlir -p 'inr-autodiff{order=2},dataflow-convert,dataflow-fuse,dataflow-parallelize,dataflow-fifo-depth' | filecheck %s

// Taylor mode with d = 2 and n = 2 propagates 6 coefficients (|a| <= 2). The first layer's derivative
// coefficients are constants, so its matvec has one member (with the bias); the sine layer's map turns it into 6
// coefficient streams; the next layers apply their weights to all 6 in one shared-weight matvec each, the bias
// only to the value (member 0). The pure second derivatives are 2! times their coefficients: a map scales those
// two. A shuffle arranges the 21 INSP outputs (3 + 6 + 12) and the writer stores them.
// CHECK:       dataflow.graph @forward_grad(%in: memref<16x2xf32>, %out: memref<16x21xf32>) attributes {derivative = #inr.derivative<order 2, layout insp, mode taylor>
// CHECK:         dataflow.read %in -> %[[X:.*]] : memref<16x2xf32>
// CHECK-NEXT:    dataflow.matvec ins(%[[X]] : {{.*}}) outs(%[[Z:[a-z0-9]*]] : {{.*}}) weights({{.*}} : tensor<2x4xf32>) bias({{.*}} : tensor<4xf32>) {{{.*}}bias_on = array<i64: 1>
// CHECK-NEXT:    dataflow.map ins(%[[Z]] : {{[^)]*}}) outs(%{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}} : {{.*}}) consts
// CHECK:           math.sin
// CHECK:           math.cos
// CHECK:         dataflow.matvec ins(%{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}} : {{.*}} weights({{.*}} : tensor<4x4xf32>) bias({{.*}}bias_on = array<i64: 1, 0, 0, 0, 0, 0>
// CHECK:         dataflow.map ins({{[^:]*}} : {{[^)]*}}) outs(%{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}}, %{{[a-z0-9]*}} : {{.*}})
// CHECK:         dataflow.matvec ins({{.*}} weights({{.*}} : tensor<4x3xf32>) bias({{.*}}bias_on = array<i64: 1, 0, 0, 0, 0, 0>
// CHECK-NEXT:    dataflow.map ins(%{{[a-z0-9]*}}, %{{[a-z0-9]*}} : {{[^)]*}}) outs(
// CHECK:           arith.constant 2.000000e+00 : f32
// CHECK:         dataflow.shuffle ins({{.*}}) outs(%[[Y:[a-z0-9]*]] : !dataflow.stream<{{.*}}>)
// CHECK-NEXT:    dataflow.write %[[Y]] -> %out : !dataflow.stream<{{.*}}> -> memref<16x21xf32>

// REPORT: design @forward_grad: 16 samples, order 2
// REPORT: kernels     9 processes: 3 map, 3 matvec, 1 read, 1 shuffle, 1 write
// REPORT: work        176 matrix multiply-adds per sample
// REPORT: latency     {{.*}} ms modeled at 300 MHz
// REPORT: deadlock    none
// REPORT: all figures modeled, none measured
