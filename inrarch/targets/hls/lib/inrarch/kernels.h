// inrarch's HLS kernel library: the generic dataflow processes its printed designs instantiate (the printer
// writes the design-specific ones, maps, shuffles and the memory writer, in the same idioms).
//
// Every process runs one pipelined loop (`PIPELINE II = ... style = stp`: a stall-all pipeline) over
// "iterations", several per sample, and touches its streams at the iterations inrarch's hardware facts give
// (`inrarch/targets/hls/facts.py`; the cycle model uses the same offsets). The code is written so that the II the
// facts state holds by construction, whatever Vitis decides on its own:
//   * sums are explicit balanced adder trees; an accumulator is revisited every ACC_DIST iterations, which the
//     DEPENDENCE pragma states, so its recurrence (read, one add, write) needs ACC_DIST x II cycles at most;
//   * every array is partitioned where it is defined (by the printed process) so that one iteration touches each
//     bank at most once per port, and bound to its memory type explicitly (BIND_STORAGE);
//   * loop control uses counters: no division or modulo by a variable or a non-power-of-two constant;
//   * pragma arguments are literals, in the forms UG1399 documents (test/python/test_pragmas.py checks every
//     pragma printed or included against them): a loop whose II or dependence distances depend on the
//     kernel's configuration is printed per kernel with its numbers (the matvec's, around matvec_iteration).
// The results of an iteration are written in that iteration; the pipeline delays them by its depth, which the
// timed C-simulation (-DINRARCH_CSIM_TIMED, see dataflow.h) reproduces from the LAG each loop declares.
//
// Written for Vitis HLS (pragmas) and compiled here with g++ for C-simulation.
#ifndef INRARCH_KERNELS_H
#define INRARCH_KERNELS_H

#include <hls_math.h>
#include <hls_stream.h>

#include "inrarch/dataflow.h"

// Math functions as the printed maps call them: one non-inlined, pipelined (a call per cycle) function per
// operator, so that an ALLOCATION pragma (`#pragma HLS ALLOCATION function instances = inrarch_sin_f32 limit = N`:
// the word `function` right after ALLOCATION, as UG1399 requires) bounds their instances and each shared
// instance serves one call per cycle.
#define INRARCH_MATH1(fn)                                                 \
  inline float inrarch_##fn##_f32(float x) {                              \
    _Pragma("HLS INLINE off") _Pragma("HLS PIPELINE II = 1") return hls::fn(x); \
  }                                                                       \
  inline double inrarch_##fn##_f64(double x) {                            \
    _Pragma("HLS INLINE off") _Pragma("HLS PIPELINE II = 1") return hls::fn(x); \
  }
INRARCH_MATH1(sin)
INRARCH_MATH1(cos)
INRARCH_MATH1(exp)
INRARCH_MATH1(expm1)
INRARCH_MATH1(log)
INRARCH_MATH1(log1p)
INRARCH_MATH1(tanh)
INRARCH_MATH1(erf)
INRARCH_MATH1(sqrt)
INRARCH_MATH1(rsqrt)
INRARCH_MATH1(atan)
#undef INRARCH_MATH1
inline float inrarch_pow_f32(float x, float y) {
#pragma HLS INLINE off
#pragma HLS PIPELINE II = 1
  return hls::pow(x, y);
}
inline double inrarch_pow_f64(double x, double y) {
#pragma HLS INLINE off
#pragma HLS PIPELINE II = 1
  return hls::pow(x, y);
}

namespace inrarch {

// A stream token: V consecutive features of one sample.
template <typename T, int V>
struct Tok {
  T v[V];
};

// The sum of p[OFF] .. p[OFF + N - 1] as a balanced tree of adds (Vitis keeps the association as written).
template <typename T, int N, int OFF = 0>
struct Tree {
  template <int M>
  static T sum(const T (&p)[M]) {
#pragma HLS INLINE
    return Tree<T, N / 2, OFF>::sum(p) + Tree<T, N - N / 2, OFF + N / 2>::sum(p);
  }
};
template <typename T, int OFF>
struct Tree<T, 1, OFF> {
  template <int M>
  static T sum(const T (&p)[M]) {
#pragma HLS INLINE
    return p[OFF];
  }
};

// read_rows's conversion in floating-point designs: none.
template <typename T>
struct Same {
  typedef T S;
  static T in(const T& x) {
#pragma HLS INLINE
    return x;
  }
};

// The numbers of a floating-point matvec: T throughout (fixed.h has the fixed-point FixedMac).
template <typename T>
struct FloatMac {
  typedef T SX;
  typedef T TX;
  typedef T TW;
  typedef T TB;
  typedef T TACC;
  typedef T SY;
  static T x(const T& v) {
#pragma HLS INLINE
    return v;
  }
  static T w(const T& v) {
#pragma HLS INLINE
    return v;
  }
  static T b(const T& v) {
#pragma HLS INLINE
    return v;
  }
  static T y(const T& v, const char*) {
#pragma HLS INLINE
    return v;
  }
};

// Reads D coordinates of each sample from memory, one word per iteration (sequential addresses: one burst), and
// sends them as tokens of V (each coordinate converted by Cv::in), each written at the iteration of its last
// element (plus the pipeline's LAG).
template <typename T, typename Cv, int D, int V, int LAG>
void read_rows(const T* in, hls::stream<Tok<typename Cv::S, V>>& out, int samples) {
#pragma HLS INLINE
  static_assert(D % V == 0, "tokens split rows evenly");
  Tok<typename Cv::S, V> t;
  int e = 0;
  const long total = static_cast<long>(samples) * D;
  INRARCH_PIPELINE(1, LAG);
  for (long g = 0; g < total; ++g) {
#pragma HLS PIPELINE II = 1 style = stp
    INRARCH_ITERATION();
    for (int k = 0; k + 1 < V; ++k) {
#pragma HLS UNROLL
      t.v[k] = t.v[k + 1];
    }
    t.v[V - 1] = Cv::in(in[g]);
    if (e == V - 1) {
      out.write(t);
      e = 0;
    } else {
      ++e;
    }
  }
  INRARCH_PIPELINE_END();
}

// Copies each token of `in` to every output stream: one token per iteration.
template <typename Tk>
void write_all(const Tk&) {}
template <typename Tk, typename S, typename... Rest>
void write_all(const Tk& t, S& out, Rest&... rest) {
#pragma HLS INLINE
  out.write(t);
  write_all(t, rest...);
}
template <int LAG, typename S, typename... Outs>
void fork(long tokens, S& in, Outs&... outs) {
#pragma HLS INLINE
  INRARCH_PIPELINE(1, LAG);
  for (long g = 0; g < tokens; ++g) {
#pragma HLS PIPELINE II = 1 style = stp
    INRARCH_ITERATION();
    const auto t = in.read();
    write_all(t, outs...);
  }
  INRARCH_PIPELINE_END();
}

// Matrix-vector products with stationary weights shared by G members: out[m] = in[m] W (+ bias where bias_on[m]).
//
// C is the printed configuration (all constants from the kernel's hardware facts): G members, ROWS x COLS
// weights, input tokens of VIN and output tokens of VOUT features, PI x PO multiply-add lanes, II, and the
// derived CB = ceil(COLS / PO) column blocks, RB = ROWS / PI reduction steps, STEPS iterations per sample,
// OUT_START, TAIL, NB sample buffers, L row-buffer banks (lcm(PO, VOUT)), LB row-buffer words per bank and
// member, LAG (iterations from the row buffer's read to the stream write), and the dependence distances its loop
// states: ACC_DIST = G * CB (an accumulator's revisit) and ROW_DIST = OUT_START - RB * G * CB + 1 (the least
// distance from a row-buffer write to its read).
//
// The pipelined loop itself is printed, one per kernel (the printer's `_matvec`): its PIPELINE and DEPENDENCE
// pragmas carry the II and the distances as literals. UG1399 documents literals, #define values and const /
// constexpr constants as pragma arguments ("Using #define with Pragma Directives"), not values that depend on a
// template parameter, and Vitis's front end parses DEPENDENCE's distance under a "TODO, rewrite it support
// template argument expression" (hls-llvm-project, clang/lib/Parse/ParseXlxPragma.cpp,
// HandleXlxDependencePragma). A macro cannot help inside the template (it is expanded once, where the template is
// defined, not per instantiation). So the loop is
//
//   TX x[G * (VIN / PI)][PI] = {};  // registers (partitioned completely); zeroed, as g++ cannot tell it is
//                                   // written before it is read
//   inrarch::MatvecState<C> st;
//   for (long g = 0; g < samples * STEPS + TAIL; ++g) {
//     #pragma HLS PIPELINE II = <II> style = stp  (+ DEPENDENCE acc / rows, distances <ACC_DIST> / <ROW_DIST>)
//     inrarch::matvec_iteration<C>(st, x, in, out, W, bias, bias_on, acc, rows, samples);
//   }
//
// and matvec_iteration (inlined) is one iteration: its state (st) the loop's counters.
//
// Per sample the loop runs, for each reduction step r (an input token's PI-feature slice), each member m, each
// column block jb, one iteration: PI x PO products, for each of the PO columns an adder tree over its PI products
// and one add into the column's accumulator, which starts from the bias (or 0) at r = 0. A member's token is read
// at its first iteration of each input token. At r = RB - 1 the finished columns go to the row buffer (bank
// (jb % (L / PO)) * PO + po, one write site per bank). The output phase of a sample starts OUT_START iterations
// after the sample's first iteration (the last accumulation has left the pipeline) and sends one token per
// iteration, output token major, member minor (bank (ot % (L / VOUT)) * VOUT + e, one read site per bank),
// while the next sample is computed.
//
// The arrays are defined by the printed process (partitioned and bound there):
//   W[RB * CB][PI][PO] (ROM, PO banks, the PI weights an iteration reads reshaped into one word),
//   bias[CB][PO] (ROM, PO banks), acc[G * CB][PO] (RAM, PO banks, distance
//   G * CB), rows[NB * G * LB][L] (RAM, L banks), x[G * VIN / PI][PI] (registers: the members' current input
//   tokens, PI-feature slices).
// C also gives the numbers (FloatMac, or fixed.h's FixedMac): stream elements SX / SY, inputs TX (C::x converts
// a stream element), stored weights TW and bias TB (C::w and C::b read them: raw integers in fixed point),
// accumulator TACC (products and sums exact in fixed point), and C::y, the rounding of a finished sum to an
// output element.
template <typename C>
struct MatvecState {
  static constexpr int XS = C::G * (C::VIN / C::PI);  // x's slices: G members x VIN / PI
  // Compute phase: sample s, iteration o, reduction step r (slice vi), member m, column block jb.
  int s = 0, o = 0, r = 0, vi = 0, m = 0, jb = 0;
  int xsel = 0;              // m * SLICES + vi
  int wbase = 0, abase = 0;  // r * CB, m * CB
  int wq = 0, wl = 0;        // jb % WQ, jb / WQ
  int nbase = 0, mbase = 0;  // (sample buffer) * G * LB, m * LB
  // Output phase: sample ws, iteration wo, token wot (read site rq, word rl), member wm.
  int wait = C::OUT_START;
  int ws = 0, wo = 0, wot = 0, rq = 0, rl = 0, wm = 0, wnbase = 0, wmbase = 0;
};

template <typename C>
void matvec_iteration(MatvecState<C>& st, typename C::TX (&x)[MatvecState<C>::XS][C::PI],
                      hls::stream<Tok<typename C::SX, C::VIN>, C::DIN> (&in)[C::G],
                      hls::stream<Tok<typename C::SY, C::VOUT>, C::DOUT> (&out)[C::G],
                      const typename C::TW (&W)[C::RB * C::CB][C::PI][C::PO],
                      const typename C::TB (&bias)[C::CB][C::PO], const bool (&bias_on)[C::G],
                      typename C::TACC (&acc)[C::G * C::CB][C::PO], typename C::SY (&rows)[C::NB * C::G * C::LB][C::L],
                      int samples) {
#pragma HLS INLINE
  typedef typename C::TACC TACC;
  typedef typename C::SY SY;
  constexpr int G = C::G, PI = C::PI, PO = C::PO, VIN = C::VIN, VOUT = C::VOUT;
  constexpr int CB = C::CB, RB = C::RB, SLICES = VIN / PI, L = C::L, LB = C::LB, NB = C::NB;
  constexpr int COMPUTE = RB * G * CB;
  constexpr int OT = C::COLS / VOUT;
  constexpr int NW = G * OT;
  constexpr int STEPS = C::STEPS;
  constexpr int WQ = L / PO;    // row-buffer write sites per lane
  constexpr int RQ = L / VOUT;  // row-buffer read sites per token element
  static_assert(CB == (C::COLS + PO - 1) / PO && RB == C::ROWS / PI && VIN % PI == 0, "lane shape");
  static_assert(STEPS == (COMPUTE > NW ? COMPUTE : NW) && L % PO == 0 && L % VOUT == 0, "schedule");
  static_assert(C::OUT_START >= COMPUTE && C::TAIL == (C::OUT_START + NW > STEPS ? C::OUT_START + NW - STEPS : 0),
                "output phase");
  static_assert(C::ACC_DIST == G * CB && C::ROW_DIST == C::OUT_START - COMPUTE + 1, "the printed distances");

  int &s = st.s, &o = st.o, &r = st.r, &vi = st.vi, &m = st.m, &jb = st.jb;
  int &xsel = st.xsel, &wbase = st.wbase, &abase = st.abase, &wq = st.wq, &wl = st.wl;
  int &nbase = st.nbase, &mbase = st.mbase;
  int &wait = st.wait, &ws = st.ws, &wo = st.wo, &wot = st.wot, &rq = st.rq, &rl = st.rl, &wm = st.wm;
  int &wnbase = st.wnbase, &wmbase = st.wmbase;

  if (s < samples && o < COMPUTE) {
    if (vi == 0 && jb == 0) {
      const Tok<typename C::SX, VIN> t = in[m].read();
      for (int k = 0; k < SLICES; ++k) {
#pragma HLS UNROLL
        for (int pi = 0; pi < PI; ++pi) {
#pragma HLS UNROLL
          x[xsel + k][pi] = C::x(t.v[k * PI + pi]);
        }
      }
    }
    TACC sums[PO];
#pragma HLS ARRAY_PARTITION variable = sums type = complete
    for (int po = 0; po < PO; ++po) {
#pragma HLS UNROLL
      TACC p[PI];
#pragma HLS ARRAY_PARTITION variable = p type = complete
      for (int pi = 0; pi < PI; ++pi) {
#pragma HLS UNROLL
        p[pi] = x[xsel][pi] * C::w(W[wbase + jb][pi][po]);
      }
      const TACC start = r == 0 ? (bias_on[m] ? C::b(bias[jb][po]) : TACC(0)) : acc[abase + jb][po];
      sums[po] = start + Tree<TACC, PI>::sum(p);
      if (r != RB - 1) acc[abase + jb][po] = sums[po];
    }
    if (r == RB - 1) {
      for (int q = 0; q < WQ; ++q) {
#pragma HLS UNROLL
        if (wq == q) {
          for (int po = 0; po < PO; ++po) {
#pragma HLS UNROLL
            rows[nbase + mbase + wl][q * PO + po] = C::y(sums[po], C::site());
          }
        }
      }
    }
  }
  // Output phase.
  if (wait > 0) {
    --wait;
  } else {
    if (ws < samples && wo < NW) {
      Tok<SY, VOUT> t;
      for (int e = 0; e < VOUT; ++e) {
#pragma HLS UNROLL
        SY v = rows[wnbase + wmbase + rl][e];
        for (int q = 1; q < RQ; ++q) {
#pragma HLS UNROLL
          if (rq == q) v = rows[wnbase + wmbase + rl][q * VOUT + e];
        }
        t.v[e] = v;
      }
      out[wm].write(t);
      if (wm == G - 1) {  // next token
        wm = 0;
        wmbase = 0;
        ++wot;
        if (rq == RQ - 1) {
          rq = 0;
          ++rl;
        } else {
          ++rq;
        }
      } else {
        ++wm;
        wmbase += LB;
      }
    }
    if (wo == STEPS - 1) {  // next sample
      wo = 0;
      ++ws;
      wot = rq = rl = wm = wmbase = 0;
      wnbase = wnbase == (NB - 1) * G * LB ? 0 : wnbase + G * LB;
    } else {
      ++wo;
    }
  }
  // Advance the compute position.
  if (jb == CB - 1) {
    jb = wq = wl = 0;
    if (m == G - 1) {
      m = mbase = abase = 0;
      wbase += CB;
      if (vi == SLICES - 1) {
        vi = 0;
      } else {
        ++vi;
      }
      xsel = vi;
      ++r;
    } else {
      ++m;
      mbase += LB;
      abase += CB;
      xsel += SLICES;
    }
  } else {
    ++jb;
    if (wq == WQ - 1) {
      wq = 0;
      ++wl;
    } else {
      ++wq;
    }
  }
  if (o == STEPS - 1) {  // next sample
    o = r = vi = m = jb = xsel = wbase = abase = wq = wl = mbase = 0;
    ++s;
    nbase = nbase == (NB - 1) * G * LB ? 0 : nbase + G * LB;
  } else {
    ++o;
  }
}

}  // namespace inrarch

#endif  // INRARCH_KERNELS_H
