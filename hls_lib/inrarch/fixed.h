// inrarch's fixed-point kernels: what its fixed-point designs (dataflow-fixed-point) print on top of kernels.h.
//
// Every number is an ap_fixed of the format inrarch chose (inrarch/dataflow/fixed.py documents the arithmetic,
// which its emulation reproduces bit for bit). Streams carry raw W-bit integers (`ap_int<W>`): the streams of a
// matvec port share one C++ type while their values have formats of their own (a power-of-two apart), so each
// kernel reads a token's raw bits in the format of its stream (`from_raw`) and writes the raw bits of its result
// (`to_raw`), which costs no logic.
//
// `q<R>(x, site)` assigns x to format R (R's rounding and overflow modes). In C-simulation it also counts, per site,
// the values outside R's range (wrapped or saturated); the testbench prints the counts (`report_overflows`). Under
// synthesis (__SYNTHESIS__) it is the assignment alone.
//
// Functions (sin, cos, tanh, exp, ...) are interpolation tables computed with ap_fixed arithmetic only, so
// C-simulation and hardware agree bit for bit (no call to a math library whose C and RTL results differ).
#ifndef INRARCH_FIXED_H
#define INRARCH_FIXED_H

#include <ap_fixed.h>
#include <ap_int.h>

#ifndef __SYNTHESIS__
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#endif

namespace inrarch {

#ifndef __SYNTHESIS__
inline std::map<std::string, long long>& overflow_counts() {
  static std::map<std::string, long long> counts;
  return counts;
}
inline std::mutex& overflow_mutex() {
  static std::mutex m;
  return m;
}
inline void count_overflow(const char* site) {
  std::lock_guard<std::mutex> lock(overflow_mutex());
  ++overflow_counts()[site];
}
// One line per site with overflows: `inrarch-overflow: <site> <count>`.
inline void report_overflows() {
  for (const auto& kv : overflow_counts()) std::printf("inrarch-overflow: %s %lld\n", kv.first.c_str(), kv.second);
}
template <typename X>
inline double as_double(const X& x) {
  return x.to_double();
}
inline double as_double(float x) { return x; }
inline double as_double(double x) { return x; }
#endif

template <typename R, typename X>
inline R q(const X& x, const char* site) {
#pragma HLS INLINE
#ifndef __SYNTHESIS__
  const double d = as_double(x);
  const double hi = std::ldexp(1.0, R::iwidth - 1) - std::ldexp(1.0, R::iwidth - R::width);
  if (d > hi || d < -std::ldexp(1.0, R::iwidth - 1)) count_overflow(site);
#else
  (void)site;
#endif
  return R(x);
}

// Constant arrays (weights, column constants, function tables) hold raw integers: W-bit words for synthesis, a
// plain integer in C-simulation, where g++ compiles large aggregate initializers of class type very slowly. The
// values are the same; `from_int` reads one in its format.
#ifdef __SYNTHESIS__
template <int W>
struct Raw {
  typedef ap_int<W> T;
};
#else
template <int W>
struct Raw {
  static_assert(W <= 64, "raw constants of at most 64 bits");
  typedef long long T;
};
#endif

template <typename T>
inline T from_raw(const ap_int<T::width>& r) {
#pragma HLS INLINE
  T v;
  v.range(T::width - 1, 0) = r;
  return v;
}

template <typename T>
inline ap_int<T::width> to_raw(const T& v) {
#pragma HLS INLINE
  ap_int<T::width> r = v.range(T::width - 1, 0);
  return r;
}

template <typename T, typename I>
inline T from_int(const I& r) {
#pragma HLS INLINE
  return from_raw<T>(ap_int<T::width>(r));
}

// A stream element of format Q read as a real number (the memory writer's conversion).
template <typename T, typename Q>
inline T to_real(const ap_int<Q::width>& r) {
#pragma HLS INLINE
  return T(from_raw<Q>(r).to_double());
}

// read_rows's conversion: a real coordinate to the raw bits of format Q.
template <typename Q>
struct FromReal {
  typedef ap_int<Q::width> S;
  template <typename T>
  static S in(const T& x) {
#pragma HLS INLINE
    return to_raw(q<Q>(x, "read"));
  }
};

// The numbers of a fixed-point matvec: inputs read in QX (member 0's input format), weights QW, exact
// accumulation in QACC, results rounded to QY (member 0's output format).
template <typename QX, typename QW, typename QACC, typename QY>
struct FixedMac {
  typedef ap_int<QX::width> SX;
  typedef QX TX;
  typedef typename Raw<QW::width>::T TW;
  typedef typename Raw<QACC::width>::T TB;
  typedef QACC TACC;
  typedef ap_int<QY::width> SY;
  static TX x(const SX& v) {
#pragma HLS INLINE
    return from_raw<QX>(v);
  }
  static QW w(const TW& r) {
#pragma HLS INLINE
    return from_int<QW>(r);
  }
  static QACC b(const TB& r) {
#pragma HLS INLINE
    return from_int<QACC>(r);
  }
  static SY y(const TACC& v, const char* site) {
#pragma HLS INLINE
    return to_raw(q<QY>(v, site));
  }
};

// One point of an interpolation table: the value there and the slope to the next point, side by side in one word
// of memory (the printed code aggregates the struct: one memory of 2E-bit words, one read per lookup).
template <int E>
struct TabEntry {
  typename Raw<E>::T tab;
  typename Raw<E>::T slope;
};

// f(x) by linear interpolation in a table of N entries f(lo + i 2^-K) and slopes (entry i+1 minus entry i):
// u = x - lo, whose raw bits (F fractional bits) split into the index (high bits) and the T = F - K low bits of
// the fraction t in [0, 1): R(tab[i] + slope[i] * t). Inputs outside [lo, lo + N 2^-K) are clamped to the table
// and counted as overflows in C-simulation.
template <typename R, typename QE, int N, int T, typename QX, typename QL>
inline R table_fn(const QX& x, const QL lo, const TabEntry<QE::width> (&table)[N], const char* site) {
#pragma HLS INLINE
  typedef ap_fixed<QX::width + 2, QX::iwidth + 2> U;
  const U u = U(x) - U(lo);
  ap_int<U::width> raw = u.range(U::width - 1, 0);
  const long long top = (static_cast<long long>(N) << T) - 1;
  if (raw < 0) {
    raw = 0;
#ifndef __SYNTHESIS__
    count_overflow(site);
#endif
  } else if (raw.to_int64() > top) {
    raw = top;
#ifndef __SYNTHESIS__
    count_overflow(site);
#endif
  }
#ifdef __SYNTHESIS__
  (void)site;
#endif
  const int i = (raw >> T).to_int();
  ap_ufixed<T, 0> t;
  t.range(T - 1, 0) = raw.range(T - 1, 0);
  const TabEntry<QE::width> e = table[i];
  return R(from_int<QE>(e.tab) + from_int<QE>(e.slope) * t);
}

// sin / cos: the phase x / (2 pi) mod 1 is the low PB bits of x * (1 / (2 pi)) (an ap_ufixed<PB, 0> keeps the
// fraction: AP_TRN, AP_WRAP); its top K bits index a table over one period, the other PB - K the fraction.
template <typename R, typename QE, int N, int K, int PB, typename QX>
inline R table_periodic(const QX& x, const TabEntry<QE::width> (&table)[N]) {
#pragma HLS INLINE
  const ap_fixed<27, -1, AP_RND, AP_WRAP> inv_2pi = 0.15915494309189535;
  const ap_ufixed<PB, 0> phase = x * inv_2pi;
  const ap_uint<PB> raw = phase.range(PB - 1, 0);
  const int i = (raw >> (PB - K)).to_int();
  ap_ufixed<PB - K, 0> t;
  t.range(PB - K - 1, 0) = raw.range(PB - K - 1, 0);
  const TabEntry<QE::width> e = table[i];
  return R(from_int<QE>(e.tab) + from_int<QE>(e.slope) * t);
}

}  // namespace inrarch

#endif  // INRARCH_FIXED_H
