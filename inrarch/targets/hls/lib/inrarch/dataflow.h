// Dataflow processes of inrarch's printed designs. Under Vitis HLS (and in sequential C-simulation) a process
// is a plain function call in the DATAFLOW region; with -DINRARCH_CSIM_THREADED or -DINRARCH_CSIM_TIMED
// (C-simulation with g++), every process of the region becomes a thread, registered before any starts, and
// INRARCH_DATAFLOW_RUN() runs them and waits for all. A timed run then prints the call's cycles and each FIFO's
// most tokens held at once (lines starting with "timed-csim:").
//
// INRARCH_PIPELINE(II, LAG) / INRARCH_ITERATION() / INRARCH_PIPELINE_END() mark a pipelined loop for the timed
// C-simulation (its II, and the iterations from an iteration to its stream writes); they are empty otherwise.
#ifndef INRARCH_DATAFLOW_H
#define INRARCH_DATAFLOW_H

#include <hls_stream.h>

#include <string>

#if defined(INRARCH_CSIM_THREADED) && !defined(__SYNTHESIS__)
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace inrarch {
namespace csim {

class Region {
 public:
  void add(const char* name, std::function<void()> body) { processes_.emplace_back(name, std::move(body)); }

  void run() {
    Scheduler& sched = Scheduler::get();
    {
      std::lock_guard<std::mutex> held(sched.lock);
      sched.live = static_cast<int>(processes_.size());
    }
#ifdef INRARCH_CSIM_TIMED
    Timing::get().last_cycle = -1;
#endif
    std::vector<std::thread> threads;
    for (auto& p : processes_) {
      threads.emplace_back([&p, &sched] {
        current_process = p.first;
        p.second();
        std::lock_guard<std::mutex> held(sched.lock);
        --sched.live;
        sched.check_deadlock();
      });
    }
    for (auto& t : threads) t.join();
    processes_.clear();
#ifdef INRARCH_CSIM_TIMED
    report();
#endif
  }

 private:
#ifdef INRARCH_CSIM_TIMED
  static void report() {
    auto& timing = Timing::get();
    std::lock_guard<std::mutex> held(timing.lock);
    std::printf("timed-csim: cycles %ld\n", timing.last_cycle + 1);
    for (const TimedPort* p : timing.ports) {
      std::printf("timed-csim: fifo %s depth %d max_occupancy %ld tokens %zu\n", p->port_name().c_str(),
                  p->port_depth(), max_occupancy(p->write_stamps, p->read_stamps), p->write_stamps.size());
    }
    std::fflush(stdout);
  }
#endif
  std::vector<std::pair<std::string, std::function<void()>>> processes_;
};

inline Region& region() {
  static Region r;
  return r;
}

}  // namespace csim
}  // namespace inrarch

#define INRARCH_PROCESS(name, call) ::inrarch::csim::region().add(name, [&]() { call; })
#define INRARCH_DATAFLOW_RUN() ::inrarch::csim::region().run()
#else
#define INRARCH_PROCESS(name, call) call
#define INRARCH_DATAFLOW_RUN()
#endif

#if defined(INRARCH_CSIM_TIMED) && !defined(__SYNTHESIS__)
#define INRARCH_PIPELINE(ii, lag) ::inrarch::csim::Pipeline inrarch_pipeline_((ii), (lag))
#define INRARCH_ITERATION() inrarch_pipeline_.iteration()
#define INRARCH_PIPELINE_END() inrarch_pipeline_.end()
#else
#define INRARCH_PIPELINE(ii, lag)
#define INRARCH_ITERATION()
#define INRARCH_PIPELINE_END()
#endif

// Names the elements of a stream array in C-simulation diagnostics (nothing under Vitis).
#if defined(INRARCH_CSIM_HLS_STREAM_H) && !defined(__SYNTHESIS__)
#define INRARCH_NAME_STREAMS(array, name)                                                  \
  for (int inrarch_i = 0; inrarch_i < static_cast<int>(sizeof(array) / sizeof(array[0])); ++inrarch_i) \
  array[inrarch_i].set_name(std::string(name) + "[" + std::to_string(inrarch_i) + "]")
#else
#define INRARCH_NAME_STREAMS(array, name)
#endif

#endif  // INRARCH_DATAFLOW_H
