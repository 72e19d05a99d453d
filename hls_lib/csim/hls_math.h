// C-simulation stand-in for Vitis HLS's <hls_math.h>: the single-precision functions inrarch's printed kernels
// call, mapped to the C++ standard library. Vitis builds use Vitis's own header.
#ifndef INRARCH_CSIM_HLS_MATH_H
#define INRARCH_CSIM_HLS_MATH_H

#include <cmath>

namespace hls {
inline float sin(float x) { return std::sin(x); }
inline float cos(float x) { return std::cos(x); }
inline float exp(float x) { return std::exp(x); }
inline float expm1(float x) { return std::expm1(x); }
inline float log(float x) { return std::log(x); }
inline float log1p(float x) { return std::log1p(x); }
inline float tanh(float x) { return std::tanh(x); }
inline float erf(float x) { return std::erf(x); }
inline float sqrt(float x) { return std::sqrt(x); }
inline float rsqrt(float x) { return 1.0f / std::sqrt(x); }
inline float fabs(float x) { return std::fabs(x); }
inline float atan(float x) { return std::atan(x); }
inline float fmax(float x, float y) { return std::fmax(x, y); }
inline float fmin(float x, float y) { return std::fmin(x, y); }
inline float pow(float x, float y) { return std::pow(x, y); }
inline double sin(double x) { return std::sin(x); }
inline double cos(double x) { return std::cos(x); }
inline double exp(double x) { return std::exp(x); }
inline double expm1(double x) { return std::expm1(x); }
inline double log(double x) { return std::log(x); }
inline double log1p(double x) { return std::log1p(x); }
inline double tanh(double x) { return std::tanh(x); }
inline double erf(double x) { return std::erf(x); }
inline double sqrt(double x) { return std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline double fabs(double x) { return std::fabs(x); }
inline double atan(double x) { return std::atan(x); }
inline double fmax(double x, double y) { return std::fmax(x, y); }
inline double fmin(double x, double y) { return std::fmin(x, y); }
inline double pow(double x, double y) { return std::pow(x, y); }
}  // namespace hls

#endif  // INRARCH_CSIM_HLS_MATH_H
