/* The inner loop of inrarch's cycle model (inrarch/dataflow/cycle_model.py explains the model): solves the
 * max-plus equations of the kernels' stream accesses in dependence order, as soon as possible.
 *
 * Kernel k's iterations that touch streams are plan[k_start[k] .. k_start[k+1]); iteration i is the global loop
 * iteration iter_g[i] of its kernel and makes the accesses acc[acc_start[i] .. acc_start[i+1]) (stream, write?,
 * token). An iteration issues at the earliest cycle at least ii cycles per iteration after the previous one at
 * which every access can proceed: a read of token j needs write_t[j] + 1 <= t, a write of token j into a FIFO of
 * depth D needs read_t[j - D] + 1 <= t. Times are -1 until solved. Returns the iterations left unsolved (0 unless
 * the design deadlocks). */
#include <stdint.h>

int64_t inrarch_cycle_model(int64_t n_kernels, const int64_t* k_start, const int64_t* ii, const int64_t* iter_g,
                            const int64_t* acc_start, const int32_t* acc_stream, const int8_t* acc_write,
                            const int64_t* acc_token, const int64_t* depth, const int64_t* token_base,
                            int64_t* write_t, int64_t* read_t, int64_t* position, int64_t* last_time,
                            int64_t* last_g, int64_t* blocked_writes) {
  int64_t remaining = k_start[n_kernels] - k_start[0];
  for (int64_t k = 0; k < n_kernels; ++k) remaining -= position[k] - k_start[k];
  int progress = 1;
  while (progress && remaining > 0) {
    progress = 0;
    for (int64_t k = 0; k < n_kernels; ++k) {
      int64_t pos = position[k];
      const int64_t end = k_start[k + 1];
      if (pos >= end) continue;
      int64_t t_prev = last_time[k], g_prev = last_g[k];
      int first = pos == k_start[k];
      while (pos < end) {
        const int64_t g = iter_g[pos];
        int64_t t = first ? g * ii[k] : t_prev + (g - g_prev) * ii[k];
        const int64_t pace = t;
        int ready = 1;
        for (int64_t j = acc_start[pos]; j < acc_start[pos + 1]; ++j) {
          const int32_t s = acc_stream[j];
          const int64_t token = acc_token[j];
          if (acc_write[j]) {
            if (token >= depth[s]) {
              const int64_t freed = read_t[token_base[s] + token - depth[s]];
              if (freed < 0) {
                ready = 0;
                break;
              }
              if (freed + 1 > t) t = freed + 1;
            }
          } else {
            const int64_t written = write_t[token_base[s] + token];
            if (written < 0) {
              ready = 0;
              break;
            }
            if (written + 1 > t) t = written + 1;
          }
        }
        if (!ready) break;
        for (int64_t j = acc_start[pos]; j < acc_start[pos + 1]; ++j) {
          const int32_t s = acc_stream[j];
          const int64_t token = acc_token[j];
          if (acc_write[j]) {
            write_t[token_base[s] + token] = t;
            if (t > pace && token >= depth[s] && read_t[token_base[s] + token - depth[s]] + 1 == t) {
              blocked_writes[s] += 1;
            }
          } else {
            read_t[token_base[s] + token] = t;
          }
        }
        t_prev = t;
        g_prev = g;
        first = 0;
        ++pos;
        --remaining;
        progress = 1;
      }
      position[k] = pos;
      last_time[k] = t_prev;
      last_g[k] = g_prev;
    }
  }
  return remaining;
}
