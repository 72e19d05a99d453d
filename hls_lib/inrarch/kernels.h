// inrarch's HLS kernel library: the generic dataflow processes its printed designs instantiate.
//
// Every process runs one pipelined loop over "iterations", several per sample, and touches its streams at the
// iterations its schedule gives (the `schedule()` of the matching dataflow op; inrarch's cycle model uses the
// same schedules). Results of a pipelined computation leave LAG iterations after their inputs entered, as they
// do in hardware, so the C-simulation sees the FIFO accesses in the order the hardware performs them.
//
// Written for Vitis HLS (pragmas) and compiled here with g++ for C-simulation.
#ifndef INRARCH_KERNELS_H
#define INRARCH_KERNELS_H

#include <hls_stream.h>

namespace inrarch {

// A stream token: V consecutive features of one sample.
template <typename T, int V>
struct Tok {
  T v[V];
};

// Reads D features of each sample from memory and sends them as D/V tokens.
template <typename T, int D, int V>
void read_rows(const T* in, hls::stream<Tok<T, V>>& out, int samples) {
  static_assert(D % V == 0, "tokens split rows evenly");
  for (long g = 0; g < static_cast<long>(samples) * (D / V); ++g) {
#pragma HLS PIPELINE II = 1
    Tok<T, V> t;
    for (int e = 0; e < V; ++e) {
#pragma HLS UNROLL
      t.v[e] = in[g * V + e];
    }
    out.write(t);
  }
}

// Copies each token of `in` to every output stream.
template <typename Tk>
void fork_one(const Tk&) {}
template <typename Tk, typename S, typename... Rest>
void fork_one(const Tk& t, S& out, Rest&... rest) {
  out.write(t);
  fork_one(t, rest...);
}
template <typename S, typename... Outs>
void fork(long tokens, S& in, Outs&... outs) {
  for (long g = 0; g < tokens; ++g) {
#pragma HLS PIPELINE II = 1
    auto t = in.read();
    fork_one(t, outs...);
  }
}

// Matrix-vector products with stationary weights W (ROWS x COLS) shared by G members: out[m] = in[m] W (+ bias
// where bias_on[m]). Per sample the loop runs, for each input token (VIN features) and each of its PI-feature
// slices, for each member, for each block of PO output columns, one iteration of PI x PO multiply-adds. The
// member's input token is read at its first iteration. A member's result row is complete after its last input
// slice; the rows of a sample leave LAG iterations after the sample's last iteration, one token per iteration
// (output token major, member minor), while the next sample is computed. NB result rows are in flight.
template <typename T, int G, int ROWS, int COLS, int VIN, int VOUT, int PI, int PO, int LAG_STEPS, int DIN, int DOUT>
void matvec(hls::stream<Tok<T, VIN>, DIN> (&in)[G], hls::stream<Tok<T, VOUT>, DOUT> (&out)[G],
            const T (&W)[ROWS][COLS], const T (&bias)[COLS], const bool (&bias_on)[G], int samples) {
  constexpr int SLICES = VIN / PI;
  constexpr int IB = ROWS / VIN;
  constexpr int CB = (COLS + PO - 1) / PO;
  constexpr int COMPUTE = IB * SLICES * G * CB;
  constexpr int OT = COLS / VOUT;
  constexpr int NW = G * OT;
  constexpr int STEPS = COMPUTE > NW ? COMPUTE : NW;
  constexpr int LAG = COMPUTE + LAG_STEPS;
  constexpr int NB = (LAG + NW + STEPS - 1) / STEPS + 1;
  constexpr int TAIL = LAG + NW > STEPS ? LAG + NW - STEPS : 0;
  T acc[G][CB * PO];
  T rows[NB][G][COLS];
  Tok<T, VIN> x[G] = {};
#pragma HLS ARRAY_PARTITION variable = acc cyclic factor = PO dim = 2
#pragma HLS ARRAY_PARTITION variable = x complete dim = 1
  const long total = static_cast<long>(samples) * STEPS + TAIL;
  for (long g = 0; g < total; ++g) {
#pragma HLS PIPELINE
#pragma HLS DEPENDENCE variable = acc type = inter dependent = true distance = G * CB
    const long s = g / STEPS;
    const int o = static_cast<int>(g % STEPS);
    if (s < samples && o < COMPUTE) {
      const int jb = o % CB;
      const int m = (o / CB) % G;
      const int vi = (o / (CB * G)) % SLICES;
      const int ib = o / (CB * G * SLICES);
      if (vi == 0 && jb == 0) x[m] = in[m].read();
      for (int po = 0; po < PO; ++po) {
#pragma HLS UNROLL
        const int c = jb * PO + po;
        if (c < COLS) {
          T sum = (ib == 0 && vi == 0) ? T(0) : acc[m][c];
          for (int pi = 0; pi < PI; ++pi) {
#pragma HLS UNROLL
            sum += x[m].v[vi * PI + pi] * W[ib * VIN + vi * PI + pi][c];
          }
          acc[m][c] = sum;
          if (ib == IB - 1 && vi == SLICES - 1) rows[s % NB][m][c] = bias_on[m] ? sum + bias[c] : sum;
        }
      }
    }
    const long w = g - LAG;
    if (w >= 0) {
      const long sw = w / STEPS;
      const int mo = static_cast<int>(w % STEPS);
      if (sw < samples && mo < NW) {
        const int m = mo % G;
        const int ot = mo / G;
        Tok<T, VOUT> t;
        for (int e = 0; e < VOUT; ++e) {
#pragma HLS UNROLL
          t.v[e] = rows[sw % NB][m][ot * VOUT + e];
        }
        out[m].write(t);
      }
    }
  }
}

}  // namespace inrarch

#endif  // INRARCH_KERNELS_H
