// RUN: not inrarch-opt %s 2>&1 | filecheck %s
// A file cut inside a long string literal (a weight blob as inrarch prints them) is reported at once, at the
// literal's opening quote; xDSL 0.74's lexer alone backtracks exponentially in the literal's length here.
// CHECK: unterminated-string.mlir:[[# @LINE + 1]]:27: error: unterminated string literal
%c = arith.constant dense<"0x6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A6D409DBA72C1813BD61E25BB0CF284BB2585A
