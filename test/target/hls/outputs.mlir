// The header of a project names every output column from the graph's #inr.derivative attribute: channel and
// differentiation path (the name outputs.json and `inrarch eval` use), the partial derivative it holds, and, in the
// INSP layout, which columns repeat a partial.
// RUN: rm -rf %t.insp && inrarch-opt %s -t 'hls{out="%t.insp"}' > /dev/null
// RUN: filecheck %s --check-prefix=INSP < %t.insp/tiny.h
// RUN: filecheck %s --check-prefix=BENCH < %t.insp/testbench.cpp
// The unique layout (order 2, one channel: 6 columns) keeps one column per partial.
// RUN: rm -rf %t.unique && sed -e 's/layout insp/layout unique/' -e 's/8x7xf32/8x6xf32/g' -e 's/f32, 7>/f32, 6>/' \
// RUN:   -e 's/0, 1, 0, 1, 0, 1, 0>/0, 1, 0, 1, 0, 1>/' %s | inrarch-opt -t 'hls{out="%t.unique"}' > /dev/null
// RUN: filecheck %s --check-prefix=UNIQUE < %t.unique/tiny.h
// Without the attribute, or with the first K outputs of a layout (whose channel count the graph does not record),
// the header names nothing rather than guess, and the testbench numbers the columns.
// RUN: rm -rf %t.none && sed -e 's/ attributes {derivative = [^}]*}//' %s | inrarch-opt -t 'hls{out="%t.none"}' > /dev/null
// RUN: filecheck %s --check-prefix=NONE < %t.none/tiny.h
// RUN: filecheck %s --check-prefix=NONE-BENCH < %t.none/testbench.cpp
// RUN: rm -rf %t.first && sed -e 's/mode taylor>/mode taylor, first 7>/' %s | inrarch-opt -t 'hls{out="%t.first"}' > /dev/null
// RUN: filecheck %s --check-prefix=NONE < %t.first/tiny.h

!s2 = !dataflow.stream<f32, 2>
!s7 = !dataflow.stream<f32, 7>
dataflow.graph @tiny(%in: memref<8x2xf32>, %out: memref<8x7xf32>) attributes {derivative = #inr.derivative<order 2, layout insp, mode taylor>} {
  %x = dataflow.fifo depth 2 : !s2
  %y = dataflow.fifo depth 2 : !s7
  dataflow.read %in -> %x : memref<8x2xf32> -> !s2
  dataflow.shuffle ins(%x : !s2) outs(%y : !s7) {select = array<i64: 0, 1, 0, 1, 0, 1, 0>}
  dataflow.write %y -> %out : !s7 -> memref<8x7xf32>
}

// INSP:      constexpr int OUT_COLS = 7;  // outputs per sample
// INSP-NEXT: // Output columns: out[sample * OUT_COLS + column] holds
// INSP-NEXT: //   0  y0        y0
// INSP-NEXT: //   1  y0_x0     d y0 / dx0
// INSP-NEXT: //   2  y0_x1     d y0 / dx1
// INSP-NEXT: //   3  y0_x0_x0  d^2 y0 / dx0^2
// INSP-NEXT: //   4  y0_x0_x1  d^2 y0 / dx0 dx1
// INSP-NEXT: //   5  y0_x1_x0  d^2 y0 / dx0 dx1  (the partial of column 4 again)
// INSP-NEXT: //   6  y0_x1_x1  d^2 y0 / dx1^2
// INSP-NEXT: // Order-k columns carry scale**k when the derivatives were taken with a scale
// INSP-NEXT: // (inr-autodiff{scale=s}; the graph does not record it).
// INSP-NEXT: // Layout insp: 7 columns hold 6 distinct partial derivatives, each once per
// INSP-NEXT: // differentiation path; layout unique keeps one column per partial.
// INSP-NEXT: typedef float tiny_t;

// The C-simulation's verdicts name a failing column by the same names.
// BENCH: static const char* const OUT_NAMES[OUT_COLS] = {"y0", "y0_x0", "y0_x1", "y0_x0_x0", "y0_x0_x1", "y0_x1_x0", "y0_x1_x1"};
// BENCH: std::printf("output %d (%s): max|err| %.3e, max|golden| %.3e: FAIL\n", c, OUT_NAMES[c], err, ref);

// UNIQUE:      // Output columns: out[sample * OUT_COLS + column] holds
// UNIQUE-NEXT: //   0  y0        y0
// UNIQUE-NEXT: //   1  y0_x0     d y0 / dx0
// UNIQUE-NEXT: //   2  y0_x1     d y0 / dx1
// UNIQUE-NEXT: //   3  y0_x0_x0  d^2 y0 / dx0^2
// UNIQUE-NEXT: //   4  y0_x0_x1  d^2 y0 / dx0 dx1
// UNIQUE-NEXT: //   5  y0_x1_x1  d^2 y0 / dx1^2
// UNIQUE-NOT:  again
// UNIQUE-NOT:  distinct
// UNIQUE:      typedef float tiny_t;

// NONE:      constexpr int OUT_COLS = 7;  // outputs per sample
// NONE-NEXT: typedef float tiny_t;
// NONE-BENCH: static const char* const OUT_NAMES[OUT_COLS] = {"output0", "output1", "output2", "output3", "output4", "output5", "output6"};
