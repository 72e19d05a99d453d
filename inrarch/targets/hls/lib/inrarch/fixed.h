// inrarch's fixed-point kernels: what its fixed-point designs (dataflow-fixed-point) print on top of kernels.h.
//
// Every number is an ap_fixed of the format inrarch chose (inrarch/analysis/fixed.py documents the arithmetic,
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
//
// inrarch's g++ C-simulation builds define INRARCH_CSIM_RAW_FIXED: ap_fixed and ap_int are then the raw-integer
// classes of inrarch/targets/hls/lib/csim/ap_fixed_raw.h (int64_t / __int128, the same bits as Xilinx's headers, many times
// faster). Synthesis and Vitis's C-simulation (no such macro) use Xilinx's ap_fixed.h, as does a g++ build
// without the macro (`make csim-ap-fixed`).
#ifndef INRARCH_FIXED_H
#define INRARCH_FIXED_H

#if defined(INRARCH_CSIM_RAW_FIXED) && !defined(__SYNTHESIS__)
#include <ap_fixed_raw.h>
#else
#include <ap_fixed.h>
#include <ap_int.h>
#endif

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

// The coefficient formats of a table: c1 (and c2 at second order).
template <typename Q1, typename Q2 = void>
struct Coefs {
  typedef Q1 C1;
  typedef Q2 C2;
  static const int W2 = Q2::width;
};
template <typename Q1>
struct Coefs<Q1, void> {
  typedef Q1 C1;
  typedef Q1 C2;
  static const int W2 = 0;
};
// The fraction bits multiplying c1 (and c2).
template <int B1, int B2 = 1>
struct Bits {
  static const int T1 = B1;
  static const int T2 = B2;
};

// One segment of an interpolation table: its coefficients side by side in one word of memory (the printed code
// aggregates the struct: one memory of (E + S + Q)-bit words, one read per lookup).
template <int E, int S, int Q = 0>
struct TabEntry {
  typename Raw<E>::T c0;
  typename Raw<S>::T c1;
  typename Raw<Q>::T c2;
};
template <int E, int S>
struct TabEntry<E, S, 0> {
  typename Raw<E>::T c0;
  typename Raw<S>::T c1;
};

template <int E, int S, int Q>
inline typename Raw<Q>::T table_c2(const TabEntry<E, S, Q>& e) {
#pragma HLS INLINE
  return e.c2;
}
template <int E, int S>
inline long long table_c2(const TabEntry<E, S, 0>&) {
#pragma HLS INLINE
  return 0;  // (never used: a first-order table has no c2)
}

// The polynomial of a segment at the fraction `low` (F bits), rounded to R (negated first when `negate`), as
// inrarch.analysis.fixed.Table documents it: order 1, c0 + c1 t; order 2, c0 + floor(c1 + c2 t') t, t and t' the
// top B::T1 and B::T2 bits of the fraction. Exact ap_fixed operators, one assignment at the end.
template <typename R, typename QE, int F, int ORDER, typename C, typename B, typename ENTRY>
inline R table_point(const ENTRY& e, unsigned long long low, bool negate) {
#pragma HLS INLINE
  ap_ufixed<B::T1, 0> t;
  t.range(B::T1 - 1, 0) = low >> (F - B::T1);
  if (ORDER == 1) {
    const auto v = from_int<QE>(e.c0) + from_int<typename C::C1>(e.c1) * t;
    return negate ? R(-v) : R(v);
  } else {
    ap_ufixed<B::T2, 0> t2;
    t2.range(B::T2 - 1, 0) = low >> (F - B::T2);
    const int IW = (C::C1::width > C::W2 ? C::C1::width : C::W2) + 1;
    typedef ap_fixed<IW, IW - (QE::width - QE::iwidth), AP_TRN, AP_WRAP> TI;  // floor to c0's fractional bits
    const TI inner = from_int<typename C::C1>(e.c1) + from_int<typename C::C2>(table_c2(e)) * t2;
    const auto v = from_int<QE>(e.c0) + inner * t;
    return negate ? R(-v) : R(v);
  }
}

// f(x) by a table of N segments from lo in steps 2^-K: u = x - lo in x's lsb (LO is lo's raw value), whose bits
// split into the index (above the low F = x.frac - K bits) and the fraction. Inputs outside [lo, lo + N 2^-K) are
// clamped to the table and counted as overflows in C-simulation.
template <typename R, typename QE, int N, int F, int ORDER, typename C, typename B, typename QX, typename ENTRY>
inline R table_fn(const QX& x, long long lo, const ENTRY (&table)[N], const char* site) {
#pragma HLS INLINE
  const ap_int<QX::width> xr = x.range(QX::width - 1, 0);
  long long u = xr.to_int64() - lo;
  const long long top = (static_cast<long long>(N) << F) - 1;
  if (u < 0 || u > top) {
    u = u < 0 ? 0 : top;
#ifndef __SYNTHESIS__
    count_overflow(site);
#endif
  }
#ifdef __SYNTHESIS__
  (void)site;
#endif
  const int i = static_cast<int>(u >> F);
  const unsigned long long low = static_cast<unsigned long long>(u) & ((1ULL << F) - 1);
  return table_point<R, QE, F, ORDER, C, B>(table[i], low, false);
}

// sin / cos by quarter-wave symmetry: the phase x / (2 pi) mod 1 is the low PB bits of x * c (c = 1 / (2 pi) in QC;
// an ap_ufixed<PB, 0> keeps the fraction: AP_TRN, AP_WRAP); its top 2 bits plus QUAD (1: cos) are the quadrant, the
// other PB - 2 the position r in it, mirrored (2^(PB-2) - 1 - r) in odd quadrants; r's top bits index the table of
// sin over a quarter period (N segments, F bits below the index) and the value is negated in quadrants 2 and 3.
template <typename R, typename QE, int N, int F, int ORDER, typename C, typename B, int PB, int QUAD, typename QC,
          typename QX, typename ENTRY>
inline R table_periodic(const QX& x, const ENTRY (&table)[N]) {
#pragma HLS INLINE
  const QC c = 0.15915494309189535;  // 1 / (2 pi) as a double, rounded to QC
  const ap_ufixed<PB, 0> phase = x * c;
  const unsigned long long raw = phase.range(PB - 1, 0).to_uint64();
  const unsigned quadrant = static_cast<unsigned>((raw >> (PB - 2)) + QUAD) & 3u;
  const unsigned long long mask = (1ULL << (PB - 2)) - 1;
  const unsigned long long r = (quadrant & 1u) ? mask - (raw & mask) : (raw & mask);
  const int i = static_cast<int>(r >> F);
  return table_point<R, QE, F, ORDER, C, B>(table[i], r & ((1ULL << F) - 1), quadrant >= 2);
}

}  // namespace inrarch

#endif  // INRARCH_FIXED_H
