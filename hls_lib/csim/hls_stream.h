// C-simulation stand-in for Vitis HLS's <hls_stream.h>, used by inrarch's g++ builds only (Vitis builds use
// Vitis's own header). hls::stream<T> and hls::stream<T, DEPTH>, with two modes:
//
// * sequential (default): dataflow processes run one after another, as Vitis C-simulation runs them; a stream
//   is unbounded. Reading an empty stream, or leaving tokens in a stream when it goes out of scope, is an error
//   that names the stream and stops the program (exit status 2).
// * threaded (-DINRARCH_CSIM_THREADED, see inrarch/dataflow.h): one thread per process; a stream holds at most
//   DEPTH tokens (2 when not given) and blocks writers when full and readers when empty. When every live
//   process is blocked the design has deadlocked: the program names each blocked process and the FIFO it waits
//   on (empty or full) and exits with status 3. The check is exact: it needs no timeout.
#ifndef INRARCH_CSIM_HLS_STREAM_H
#define INRARCH_CSIM_HLS_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#ifdef INRARCH_CSIM_THREADED
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace inrarch {
namespace csim {

[[noreturn]] inline void fail(int status, const std::string& message) {
  std::fprintf(stderr, "csim error: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(status);
}

#ifdef INRARCH_CSIM_THREADED
inline thread_local std::string current_process = "main";

// One lock guards every stream and the set of blocked processes. A process counts as blocked from the moment it
// finds its FIFO empty (or full) until a write (or read) of that FIFO releases it, so when every live process
// is blocked, none can ever be released: a deadlock, detected exactly.
struct Scheduler {
  struct Wait {
    std::string process;
    const void* fifo;
    const std::string* fifo_name;
    bool want_data;  // waiting for a token (FIFO empty) rather than for room (FIFO full)
    bool released = false;
  };
  std::mutex lock;
  std::condition_variable changed;
  int live = 0;
  std::vector<Wait*> waits;

  static Scheduler& get() {
    static Scheduler s;
    return s;
  }

  void check_deadlock() {
    if (live > 0 && static_cast<int>(waits.size()) == live) {
      std::string message = "deadlock: every process is blocked:";
      for (const Wait* w : waits) {
        message += " " + w->process + " waits on FIFO " + *w->fifo_name + (w->want_data ? " (empty);" : " (full);");
      }
      fail(3, message);
    }
  }

  // With `lock` held: wait until an access to `fifo` releases this process.
  void block(std::unique_lock<std::mutex>& held, const void* fifo, const std::string& name, bool want_data) {
    Wait w{current_process, fifo, &name, want_data};
    waits.push_back(&w);
    check_deadlock();
    while (!w.released) changed.wait(held);
  }

  // With `lock` held: a token was written to (or read from) `fifo`; release the processes waiting for it.
  void release(const void* fifo, bool data_arrived) {
    bool any = false;
    for (auto it = waits.begin(); it != waits.end();) {
      if ((*it)->fifo == fifo && (*it)->want_data == data_arrived) {
        (*it)->released = true;
        it = waits.erase(it);
        any = true;
      } else {
        ++it;
      }
    }
    if (any) changed.notify_all();
  }
};
#endif

}  // namespace csim
}  // namespace inrarch

namespace hls {

template <typename T, int DEPTH = 0>
class stream;

// stream<T> (depth 0: the default depth of 2) is the base of every stream<T, DEPTH>, so kernels take
// hls::stream<T>& whatever the depth of the FIFO they are given, as with Vitis's header.
template <typename T>
class stream<T, 0> {
 public:
  stream() : name_("fifo"), capacity_(2) {}
  explicit stream(const char* name) : name_(name), capacity_(2) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (!data_.empty()) {
      inrarch::csim::fail(2, "FIFO " + name_ + " holds " + std::to_string(data_.size()) +
                                 " token(s) at the end: a process wrote more than its consumer read");
    }
  }

  T read() {
#ifdef INRARCH_CSIM_THREADED
    auto& sched = inrarch::csim::Scheduler::get();
    std::unique_lock<std::mutex> held(sched.lock);
    while (data_.empty()) sched.block(held, this, name_, true);
    T value = data_.front();
    data_.pop_front();
    sched.release(this, false);
    return value;
#else
    if (data_.empty()) {
      inrarch::csim::fail(2, "read from empty FIFO " + name_ +
                                 ": a process read a token its producer never wrote (in process order)");
    }
    T value = data_.front();
    data_.pop_front();
    return value;
#endif
  }

  void read(T& value) { value = read(); }

  void write(const T& value) {
#ifdef INRARCH_CSIM_THREADED
    auto& sched = inrarch::csim::Scheduler::get();
    std::unique_lock<std::mutex> held(sched.lock);
    while (static_cast<int>(data_.size()) >= capacity_) sched.block(held, this, name_, false);
    data_.push_back(value);
    sched.release(this, true);
#else
    data_.push_back(value);
#endif
  }

  bool empty() const { return data_.empty(); }
  bool full() const { return static_cast<int>(data_.size()) >= capacity_; }
  int size() const { return static_cast<int>(data_.size()); }
  stream& operator<<(const T& value) {
    write(value);
    return *this;
  }
  stream& operator>>(T& value) {
    value = read();
    return *this;
  }
  const std::string& name() const { return name_; }
  // C-simulation only: names the elements of stream arrays in diagnostics.
  void set_name(const std::string& name) { name_ = name; }

 protected:
  stream(const char* name, int capacity) : name_(name), capacity_(capacity) {}

 private:
  std::string name_;
  int capacity_;
  std::deque<T> data_;
};

template <typename T, int DEPTH>
class stream : public stream<T, 0> {
 public:
  stream() : stream<T, 0>("fifo", DEPTH) {}
  explicit stream(const char* name) : stream<T, 0>(name, DEPTH) {}
};

}  // namespace hls

#endif  // INRARCH_CSIM_HLS_STREAM_H
