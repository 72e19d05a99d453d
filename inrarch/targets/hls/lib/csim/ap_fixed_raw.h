// Raw-integer ap_fixed / ap_int for inrarch's g++ C-simulation (-DINRARCH_CSIM_RAW_FIXED, see inrarch/fixed.h).
//
// The same numbers as Xilinx's ap_fixed.h and ap_int.h, for the subset inrarch's printed fixed-point designs and
// kernel library use, computed on plain integers: a value of ap_fixed<W, I> is held as its exact integer
// V = value x 2^(W - I) in an int64_t (W <= 64; unsigned W <= 63) or an __int128 (wider intermediates: products of
// two 40-bit values, the one-bit-wider sums of 64-bit accumulators). Xilinx's headers hold every value in a
// general multi-word integer class, which is what makes their C-simulation slow.
//
// What is reproduced, bit for bit (test/python/test_csim_raw.py compares every output word of the two builds and
// of the emulation, inrarch.analysis.precision.run_fixed):
//   * result formats of +, -, *, / and unary - (ap_fixed_base::RType: plus, minus, mult, div), computed exactly;
//     the quotient truncated toward zero on the dividend shifted by the divisor's fractional bits, as Xilinx's
//     C-simulation divides;
//   * assignment to a format: AP_RND (round half up: floor(v + 1/2)) or AP_TRN (floor) on the bits dropped, then
//     AP_WRAP (two's complement wrap-around) or AP_SAT (saturation) — the modes inrarch prints; other modes do not
//     compile here (build with Xilinx's headers for them);
//   * conversion from double and float (the exact binary value, then the target's modes) and to double (round to
//     nearest even, as ap_fixed_base::to_double);
//   * comparisons (exact) of values of one signedness (Xilinx's compare a signed with an unsigned value as
//     ap_private does, not by value: such a comparison does not compile here, and no design makes one), range(hi,
//     lo) reads and writes, ap_int from integers (wrap-around).
// Not reproduced: to_float (Xilinx's aborts on some values; the printed code converts through to_double), and the
// aborts of Xilinx's C-simulation on a rounding assignment that drops more bits than its source holds.
// Synthesis and Vitis's own C-simulation never include this header: inrarch/fixed.h includes it only when the
// g++ build defines INRARCH_CSIM_RAW_FIXED and __SYNTHESIS__ is not defined.
#ifndef INRARCH_AP_FIXED_RAW_H
#define INRARCH_AP_FIXED_RAW_H

#ifdef __SYNTHESIS__
#error "ap_fixed_raw.h is for g++ C-simulation only; synthesis uses Xilinx's ap_fixed.h"
#endif

#include <cmath>
#include <cstdint>
#include <type_traits>

enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

namespace inrarch_raw {

typedef __int128 i128;
typedef unsigned __int128 u128;

constexpr int max_of(int a, int b) { return a > b ? a : b; }

// The integer type holding an exact value of `bits` bits (signedness `s`).
template <int bits, bool s>
struct Store {
  static_assert(bits >= 1 && bits + (s ? 0 : 1) <= 128,
                "the raw-integer C-simulation holds values of up to 128 bits (signed); build with Xilinx's "
                "ap_fixed.h (without INRARCH_CSIM_RAW_FIXED) for wider ones");
  typedef typename std::conditional<(bits + (s ? 0 : 1) <= 64), int64_t, i128>::type type;
};

template <typename T>
struct Bits {
  static constexpr int value = sizeof(T) * 8;
};
// The unsigned type of int64_t or i128 (std::make_unsigned knows no __int128 under -std=c++17).
template <typename T>
struct Unsigned {
  typedef typename std::conditional<(sizeof(T) <= 8), uint64_t, u128>::type type;
};

// 2^e as a double, exactly (|e| < 1023).
constexpr double pow2(int e) { return e == 0 ? 1.0 : e > 0 ? 2.0 * pow2(e - 1) : 0.5 * pow2(e + 1); }

// The largest and least value of a W-bit integer (signed or not), in T.
template <typename T, int W, bool S>
constexpr T hi_of() {
  return S ? static_cast<T>((static_cast<u128>(1) << (W - 1)) - 1) : static_cast<T>((static_cast<u128>(1) << W) - 1);
}
template <typename T, int W, bool S>
constexpr T lo_of() {
  return S ? static_cast<T>(-static_cast<i128>((static_cast<u128>(1) << (W - 1)) - 1) - 1) : static_cast<T>(0);
}

// An exact integer r (in T) assigned to W bits: saturated (AP_SAT) or wrapped (AP_WRAP).
template <int W, bool S, ap_o_mode O, typename T>
inline typename Store<W, S>::type fit(T r) {
  typedef typename Store<W, S>::type R;
  constexpr int B = Bits<T>::value;
  if constexpr (O == AP_SAT) {
    static_assert(W + (S ? 0 : 1) <= B, "saturation needs a wider intermediate");
    if constexpr (W + (S ? 0 : 1) < B) {
      constexpr T hi = hi_of<T, W, S>(), lo = lo_of<T, W, S>();
      r = r > hi ? hi : (r < lo ? lo : r);
    }
    return static_cast<R>(r);
  } else if constexpr (W >= B) {
    return static_cast<R>(r);
  } else {
    typedef typename Unsigned<T>::type U;
    constexpr int up = B - W;
    if constexpr (S) return static_cast<R>(static_cast<T>(static_cast<U>(r) << up) >> up);
    return static_cast<R>(static_cast<T>(static_cast<U>(r) & (static_cast<U>(~static_cast<U>(0)) >> up)));
  }
}

// m x 2^sh (m an exact integer, |m| < 2^126, sh >= 0) assigned to W bits by O, without forming values beyond
// 128 bits: saturation decides before shifting; wrap-around keeps the low bits.
template <int W, bool S, ap_o_mode O>
inline typename Store<W, S>::type fit_shifted(i128 m, int sh) {
  if (sh == 0) return fit<W, S, O>(m);
  if constexpr (O == AP_SAT) {
    constexpr i128 hi = hi_of<i128, W, S>();
    constexpr u128 neg_lo = S ? (static_cast<u128>(1) << (W - 1)) : 0;  // -lo
    const i128 vmax = sh >= 127 ? 0 : (hi >> sh);
    const i128 vmin = sh >= 127 ? 0 : -static_cast<i128>(neg_lo >> sh);
    if (m > vmax) return fit<W, S, O>(hi);
    if (m < vmin) return fit<W, S, O>(lo_of<i128, W, S>());
    return fit<W, S, O>(static_cast<i128>(static_cast<u128>(m) << sh));
  } else {
    return fit<W, S, O>(sh >= 128 ? static_cast<i128>(0) : static_cast<i128>(static_cast<u128>(m) << sh));
  }
}

// A value v x 2^-F2 (v an exact integer of W2 bits, signedness S2) assigned to ap_fixed_base<W, I, S, Q, O>: its
// bits below the target's lsb dropped (AP_TRN: floor) or rounded (AP_RND: floor(v + 1/2)), then fit to W bits.
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int W2, int F2, bool S2, typename T2>
inline typename Store<W, S>::type convert(T2 v) {
  static_assert(Q == AP_RND || Q == AP_TRN, "the raw-integer C-simulation supports AP_RND and AP_TRN");
  static_assert(O == AP_WRAP || O == AP_SAT, "the raw-integer C-simulation supports AP_WRAP and AP_SAT");
  constexpr int F = W - I;
  if constexpr (F2 >= F) {
    constexpr int sh = F2 - F;
    typedef typename std::conditional<(max_of(W + 1, W2 + 1) <= 64), int64_t, i128>::type T;
    constexpr int B = Bits<T>::value;
    const T x = static_cast<T>(v);
    if constexpr (sh == 0) {
      return fit<W, S, O>(x);
    } else if constexpr (sh >= B) {
      return fit<W, S, O>(static_cast<T>(Q == AP_RND ? 0 : (x < 0 ? -1 : 0)));
    } else {
      T r = x >> sh;
      if constexpr (Q == AP_RND) r += (x >> (sh - 1)) & 1;
      return fit<W, S, O>(r);
    }
  } else {
    constexpr int sh = F - F2;
    constexpr int wide = max_of(W + 1, W2 + 1 + sh);
    if constexpr (wide <= 128) {
      typedef typename std::conditional<(wide <= 64), int64_t, i128>::type T;
      typedef typename Unsigned<T>::type U;
      return fit<W, S, O>(static_cast<T>(static_cast<U>(static_cast<T>(v)) << sh));
    } else {
      return fit_shifted<W, S, O>(static_cast<i128>(v), sh);
    }
  }
}

// The exact integers a and b (fractional bits FA, FB) aligned to max(FA, FB) fractional bits in T.
template <typename T, int FA, int FB, typename A>
inline T align(A a) {
  typedef typename Unsigned<T>::type U;
  constexpr int s = (FA < FB ? FB - FA : 0);
  static_assert(s < Bits<T>::value, "aligned operands fit their intermediate");
  return static_cast<T>(static_cast<U>(static_cast<T>(a)) << s);
}

}  // namespace inrarch_raw

template <int W, int I, bool S, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed_base;
template <int W, bool S>
struct ap_int_base;

// A bit range [lo, hi] of a value, read as an unsigned integer or written from one (range(hi, lo)).
template <typename P>
struct raw_range_ref {
  P* p;
  int hi, lo;
  inrarch_raw::u128 get() const {
    const int n = hi - lo + 1;
    const inrarch_raw::u128 mask = n >= 128 ? ~static_cast<inrarch_raw::u128>(0)
                                            : ((static_cast<inrarch_raw::u128>(1) << n) - 1);
    return (static_cast<inrarch_raw::u128>(static_cast<inrarch_raw::i128>(p->V)) >> lo) & mask;
  }
  void set(inrarch_raw::u128 x) {
    const int n = hi - lo + 1;
    const inrarch_raw::u128 mask = n >= 128 ? ~static_cast<inrarch_raw::u128>(0)
                                            : ((static_cast<inrarch_raw::u128>(1) << n) - 1);
    inrarch_raw::u128 bits = static_cast<inrarch_raw::u128>(static_cast<inrarch_raw::i128>(p->V));
    bits = (bits & ~(mask << lo)) | ((x & mask) << lo);
    p->V = inrarch_raw::fit<P::width, P::is_signed, AP_WRAP>(static_cast<inrarch_raw::i128>(bits));
  }
  template <int W2, bool S2>
  raw_range_ref& operator=(const ap_int_base<W2, S2>& x) {
    set(static_cast<inrarch_raw::u128>(static_cast<inrarch_raw::i128>(x.V)));
    return *this;
  }
  raw_range_ref& operator=(unsigned long long x) {
    set(x);
    return *this;
  }
  raw_range_ref& operator=(long long x) {
    set(static_cast<inrarch_raw::u128>(static_cast<inrarch_raw::i128>(x)));
    return *this;
  }
  raw_range_ref& operator=(unsigned long x) { return *this = static_cast<unsigned long long>(x); }
  raw_range_ref& operator=(long x) { return *this = static_cast<long long>(x); }
  raw_range_ref& operator=(unsigned x) { return *this = static_cast<unsigned long long>(x); }
  raw_range_ref& operator=(int x) { return *this = static_cast<long long>(x); }
  unsigned long long to_uint64() const { return static_cast<unsigned long long>(get()); }
  long long to_int64() const { return static_cast<long long>(get()); }
  int length() const { return hi - lo + 1; }
};

// ap_int<W> / ap_uint<W>: an integer of W bits; assignments wrap around.
template <int W, bool S>
struct ap_int_base {
  typedef typename inrarch_raw::Store<W, S>::type T;
  static const int width = W;
  static const bool is_signed = S;
  T V;

  ap_int_base() : V(0) {}
  template <int W2, bool S2>
  ap_int_base(const ap_int_base<W2, S2>& o)
      : V(inrarch_raw::fit<W, S, AP_WRAP>(static_cast<inrarch_raw::i128>(o.V))) {}
  template <typename P>
  ap_int_base(const raw_range_ref<P>& r)
      : V(inrarch_raw::fit<W, S, AP_WRAP>(static_cast<inrarch_raw::i128>(r.get()))) {}
#define INRARCH_RAW_INT_CTOR(C) \
  ap_int_base(C x) : V(inrarch_raw::fit<W, S, AP_WRAP>(static_cast<inrarch_raw::i128>(x))) {}
  INRARCH_RAW_INT_CTOR(bool)
  INRARCH_RAW_INT_CTOR(char)
  INRARCH_RAW_INT_CTOR(signed char)
  INRARCH_RAW_INT_CTOR(unsigned char)
  INRARCH_RAW_INT_CTOR(short)
  INRARCH_RAW_INT_CTOR(unsigned short)
  INRARCH_RAW_INT_CTOR(int)
  INRARCH_RAW_INT_CTOR(unsigned)
  INRARCH_RAW_INT_CTOR(long)
  INRARCH_RAW_INT_CTOR(unsigned long)
  INRARCH_RAW_INT_CTOR(long long)
  INRARCH_RAW_INT_CTOR(unsigned long long)
#undef INRARCH_RAW_INT_CTOR

  long long to_int64() const { return static_cast<long long>(V); }
  unsigned long long to_uint64() const { return static_cast<unsigned long long>(V); }
  int to_int() const { return static_cast<int>(V); }
  unsigned to_uint() const { return static_cast<unsigned>(V); }
  double to_double() const { return static_cast<double>(V); }
  raw_range_ref<ap_int_base> range(int hi, int lo) const {
    return raw_range_ref<ap_int_base>{const_cast<ap_int_base*>(this), hi, lo};
  }
  raw_range_ref<ap_int_base> range() const { return range(W - 1, 0); }
  template <int W2, bool S2>
  bool operator==(const ap_int_base<W2, S2>& o) const {
    return static_cast<inrarch_raw::i128>(V) == static_cast<inrarch_raw::i128>(o.V);
  }
  template <int W2, bool S2>
  bool operator!=(const ap_int_base<W2, S2>& o) const {
    return static_cast<inrarch_raw::i128>(V) != static_cast<inrarch_raw::i128>(o.V);
  }
};

// ap_fixed<W, I, Q, O> / ap_ufixed: V = value x 2^(W - I), exactly, within the format's range.
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed_base {
  static_assert(N == 0, "the raw-integer C-simulation supports no saturation bits (N = 0)");
  typedef typename inrarch_raw::Store<W, S>::type T;
  static const int width = W;
  static const int iwidth = I;
  static const bool is_signed = S;
  static const ap_q_mode qmode = Q;
  static const ap_o_mode omode = O;
  static constexpr int F = W - I;
  T V;

  // The formats of operator results (Xilinx's ap_fixed_base::RType), exact.
  template <int W2, int I2, bool S2>
  struct RType {
    enum {
      F2 = W2 - I2,
      mult_w = W + W2,
      mult_i = I + I2,
      mult_s = S || S2,
      plus_i = inrarch_raw::max_of(I + (S2 && !S), I2 + (S && !S2)) + 1,
      plus_w = plus_i + inrarch_raw::max_of(F, F2),
      plus_s = S || S2,
      minus_i = plus_i,
      minus_w = plus_w,
      minus_s = true,
      div_w = S2 + W + inrarch_raw::max_of(F2, 0),
      div_i = S2 + I + F2,
      div_s = S || S2
    };
    typedef ap_fixed_base<mult_w, mult_i, mult_s> mult;
    typedef ap_fixed_base<plus_w, plus_i, plus_s> plus;
    typedef ap_fixed_base<minus_w, minus_i, minus_s> minus;
    typedef ap_fixed_base<div_w, div_i, div_s> div;
  };

  ap_fixed_base() : V(0) {}
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o)
      : V(inrarch_raw::convert<W, I, S, Q, O, W2, W2 - I2, S2>(o.V)) {}
  template <int W2, bool S2>
  ap_fixed_base(const ap_int_base<W2, S2>& o) : V(inrarch_raw::convert<W, I, S, Q, O, W2, 0, S2>(o.V)) {}
  template <typename P>
  ap_fixed_base(const raw_range_ref<P>& r) : ap_fixed_base(ap_int_base<P::width, false>(r)) {}
#define INRARCH_RAW_FIXED_CTOR(C)                                                              \
  ap_fixed_base(C x)                                                                           \
      : V(inrarch_raw::convert<W, I, S, Q, O, (int)sizeof(C) * 8, 0, std::is_signed<C>::value>( \
            static_cast<inrarch_raw::i128>(x))) {}
  INRARCH_RAW_FIXED_CTOR(bool)
  INRARCH_RAW_FIXED_CTOR(char)
  INRARCH_RAW_FIXED_CTOR(signed char)
  INRARCH_RAW_FIXED_CTOR(unsigned char)
  INRARCH_RAW_FIXED_CTOR(short)
  INRARCH_RAW_FIXED_CTOR(unsigned short)
  INRARCH_RAW_FIXED_CTOR(int)
  INRARCH_RAW_FIXED_CTOR(unsigned)
  INRARCH_RAW_FIXED_CTOR(long)
  INRARCH_RAW_FIXED_CTOR(unsigned long)
  INRARCH_RAW_FIXED_CTOR(long long)
  INRARCH_RAW_FIXED_CTOR(unsigned long long)
#undef INRARCH_RAW_FIXED_CTOR

  // The exact binary value of d (d = m 2^(e - 53), m an integer of 53 bits), then the target's modes, as Xilinx's
  // ap_fixed_base(double). A NaN or an infinity gives 0.
  ap_fixed_base(double d) : V(0) {
    if (!std::isfinite(d) || d == 0.0) return;
    int e;
    const int64_t m = static_cast<int64_t>(std::frexp(d, &e) * 9007199254740992.0);  // exact: |m| < 2^53
    const int sh = e - 53 + F;                                                         // V = m 2^sh
    if (sh >= 0) {
      V = inrarch_raw::fit_shifted<W, S, O>(m, sh);
    } else {
      const int s = -sh;
      int64_t r;
      if (s >= 63) {
        r = Q == AP_RND ? 0 : (m < 0 ? -1 : 0);
      } else {
        r = m >> s;
        if (Q == AP_RND) r += (m >> (s - 1)) & 1;
      }
      V = inrarch_raw::fit<W, S, O>(static_cast<inrarch_raw::i128>(r));
    }
  }
  ap_fixed_base(float f) : ap_fixed_base(static_cast<double>(f)) {}

  double to_double() const {
    constexpr double scale = inrarch_raw::pow2(-F);
    return static_cast<double>(V) * scale;
  }
  // The integer part, truncated toward zero (as C converts a double).
  long long to_int64() const {
    const inrarch_raw::i128 v = V;
    if constexpr (F <= 0) {
      return static_cast<long long>(static_cast<inrarch_raw::i128>(static_cast<inrarch_raw::u128>(v) << -F));
    } else if constexpr (F >= 127) {
      return 0;
    } else {
      inrarch_raw::i128 q = v >> F;
      if (v < 0 && static_cast<inrarch_raw::i128>(static_cast<inrarch_raw::u128>(q) << F) != v) q += 1;
      return static_cast<long long>(q);
    }
  }
  unsigned long long to_uint64() const { return static_cast<unsigned long long>(to_int64()); }
  int to_int() const { return static_cast<int>(to_int64()); }
  unsigned to_uint() const { return static_cast<unsigned>(to_int64()); }

  raw_range_ref<ap_fixed_base> range(int hi, int lo) const {
    return raw_range_ref<ap_fixed_base>{const_cast<ap_fixed_base*>(this), hi, lo};
  }
  raw_range_ref<ap_fixed_base> range() const { return range(W - 1, 0); }

  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  typename RType<W2, I2, S2>::mult operator*(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b) const {
    typedef typename RType<W2, I2, S2>::mult R;
    R r;
    r.V = static_cast<typename R::T>(V) * static_cast<typename R::T>(b.V);
    return r;
  }
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  typename RType<W2, I2, S2>::plus operator+(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b) const {
    typedef typename RType<W2, I2, S2>::plus R;
    typedef typename R::T RT;
    R r;
    r.V = inrarch_raw::align<RT, F, W2 - I2>(V) + inrarch_raw::align<RT, W2 - I2, F>(b.V);
    return r;
  }
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  typename RType<W2, I2, S2>::minus operator-(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b) const {
    typedef typename RType<W2, I2, S2>::minus R;
    typedef typename R::T RT;
    R r;
    r.V = inrarch_raw::align<RT, F, W2 - I2>(V) - inrarch_raw::align<RT, W2 - I2, F>(b.V);
    return r;
  }
  // Xilinx's C-simulation divides the dividend's integer, shifted by the divisor's fractional bits, by the
  // divisor's (truncating toward zero), into the div format.
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
  typename RType<W2, I2, S2>::div operator/(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b) const {
    typedef typename RType<W2, I2, S2>::div R;
    constexpr int F2 = W2 - I2;
    constexpr int up = F2 > 0 ? F2 : 0;
    constexpr int W1 = inrarch_raw::max_of(W + up + ((S2 && !S) ? 1 : 0), W2 + ((S && !S2) ? 1 : 0));
    static_assert(W1 <= 127, "the raw-integer C-simulation divides dividends of up to 127 bits; build with Xilinx's "
                             "ap_fixed.h (without INRARCH_CSIM_RAW_FIXED) for wider ones");
    typedef typename std::conditional<(W1 + 1 <= 64), int64_t, inrarch_raw::i128>::type D;
    typedef typename inrarch_raw::Unsigned<D>::type U;
    const D dividend = static_cast<D>(static_cast<U>(static_cast<D>(V)) << up);
    R r;
    r.V = inrarch_raw::fit<R::width, R::is_signed, AP_WRAP>(static_cast<D>(dividend / static_cast<D>(b.V)));
    return r;
  }
  ap_fixed_base<W + 1, I + 1, true> operator-() const {
    ap_fixed_base<W + 1, I + 1, true> r;
    r.V = -static_cast<typename ap_fixed_base<W + 1, I + 1, true>::T>(V);
    return r;
  }
  bool operator!() const { return V == 0; }

#define INRARCH_RAW_CMP(OP)                                                                                    \
  template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>                                       \
  bool operator OP(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& b) const {                                     \
    static_assert(S == S2, "Xilinx's ap_fixed compares a signed and an unsigned value as ap_private does, not "    \
                           "by value; the raw-integer C-simulation compares values of one signedness only");     \
    constexpr int F2 = W2 - I2;                                                                                \
    constexpr int wide = inrarch_raw::max_of(W + (F2 > F ? F2 - F : 0), W2 + (F > F2 ? F - F2 : 0)) + 2;       \
    typedef typename std::conditional<(wide <= 64), int64_t, inrarch_raw::i128>::type C;                      \
    return inrarch_raw::align<C, F, F2>(V) OP inrarch_raw::align<C, F2, F>(b.V);                              \
  }                                                                                                            \
  bool operator OP(double d) const { return to_double() OP d; }                                                \
  bool operator OP(int i) const { return *this OP ap_fixed_base<32, 32, true>(i); }                            \
  bool operator OP(long i) const { return *this OP ap_fixed_base<64, 64, true>(i); }                           \
  bool operator OP(long long i) const { return *this OP ap_fixed_base<64, 64, true>(i); }
  INRARCH_RAW_CMP(<)
  INRARCH_RAW_CMP(>)
  INRARCH_RAW_CMP(<=)
  INRARCH_RAW_CMP(>=)
  INRARCH_RAW_CMP(==)
  INRARCH_RAW_CMP(!=)
#undef INRARCH_RAW_CMP

};

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
using ap_fixed = ap_fixed_base<W, I, true, Q, O, N>;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
using ap_ufixed = ap_fixed_base<W, I, false, Q, O, N>;
template <int W>
using ap_int = ap_int_base<W, true>;
template <int W>
using ap_uint = ap_int_base<W, false>;

#endif  // INRARCH_AP_FIXED_RAW_H
