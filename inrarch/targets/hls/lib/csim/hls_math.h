// C-simulation stand-in for Vitis HLS's <hls_math.h>: the functions inrarch's printed kernels call, in single and
// double precision, mapped to the C++ standard library. Vitis builds use Vitis's own header.
#ifndef INRARCH_CSIM_HLS_MATH_H
#define INRARCH_CSIM_HLS_MATH_H

#include <cmath>

namespace hls {
// One line per function: its float and double overloads.
#define INRARCH_CSIM_MATH1(fn)                              \
  inline float fn(float x) { return std::fn(x); }           \
  inline double fn(double x) { return std::fn(x); }
#define INRARCH_CSIM_MATH2(fn)                                      \
  inline float fn(float x, float y) { return std::fn(x, y); }       \
  inline double fn(double x, double y) { return std::fn(x, y); }
INRARCH_CSIM_MATH1(sin)
INRARCH_CSIM_MATH1(cos)
INRARCH_CSIM_MATH1(exp)
INRARCH_CSIM_MATH1(expm1)
INRARCH_CSIM_MATH1(log)
INRARCH_CSIM_MATH1(log1p)
INRARCH_CSIM_MATH1(tanh)
INRARCH_CSIM_MATH1(erf)
INRARCH_CSIM_MATH1(sqrt)
INRARCH_CSIM_MATH1(fabs)
INRARCH_CSIM_MATH1(atan)
INRARCH_CSIM_MATH2(fmax)
INRARCH_CSIM_MATH2(fmin)
INRARCH_CSIM_MATH2(pow)
inline float rsqrt(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
#undef INRARCH_CSIM_MATH1
#undef INRARCH_CSIM_MATH2
}  // namespace hls

#endif  // INRARCH_CSIM_HLS_MATH_H
