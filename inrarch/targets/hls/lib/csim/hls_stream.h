// C-simulation stand-in for Vitis HLS's <hls_stream.h>, used by inrarch's g++ builds only (Vitis builds use
// Vitis's own header). hls::stream<T> and hls::stream<T, DEPTH>, with three modes:
//
// * sequential (default): dataflow processes run one after another, as Vitis C-simulation runs them; a stream
//   is unbounded. Reading an empty stream, or leaving tokens in a stream when it goes out of scope, is an error
//   that names the stream and stops the program (exit status 2).
// * threaded (-DINRARCH_CSIM_THREADED, see inrarch/dataflow.h): one thread per process; a stream holds at most
//   DEPTH tokens (2 when not given) and blocks writers when full and readers when empty. When every live
//   process is blocked the design has deadlocked: the program names each blocked process and the FIFO it waits
//   on (empty or full) and exits with status 3. The check is exact: it needs no timeout.
// * timed (-DINRARCH_CSIM_TIMED, implies threaded): the printed code runs as the hardware's stall-all pipelines
//   would, cycle-exact for the pipelines the code declares (INRARCH_PIPELINE(II, LAG) before a loop,
//   INRARCH_ITERATION() at the top of its body, INRARCH_PIPELINE_END() after it). Each iteration issues II
//   cycles after the previous one unless one of its stream accesses cannot proceed, and then the whole pipeline
//   waits: a read needs its token written at least one cycle before; a write of token i into a FIFO of depth D
//   needs token i - D read at least one cycle before. A write happens LAG iterations after the iteration that
//   executes it (the pipeline's depth); after the last iteration the pipeline drains. Every access of an
//   iteration happens at its issue cycle. Each process computes its own cycles from the time stamps of the
//   tokens it reads and the slots it frees, so the simulation runs on threads without a global clock and gives
//   the as-soon-as-possible schedule exactly; a deadlock is reported as in threaded mode. At the end of a
//   dataflow region it prints the cycles of the call and each FIFO's most tokens held at once.
#ifndef INRARCH_CSIM_HLS_STREAM_H
#define INRARCH_CSIM_HLS_STREAM_H

#if defined(INRARCH_CSIM_TIMED) && !defined(INRARCH_CSIM_THREADED)
#define INRARCH_CSIM_THREADED
#endif

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#ifdef INRARCH_CSIM_THREADED
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
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

#ifdef INRARCH_CSIM_TIMED
// A stream as the timed simulation sees it, whatever its token type.
class TimedPort {
 public:
  virtual ~TimedPort() = default;
  virtual const std::string& port_name() const = 0;
  virtual int port_depth() const = 0;
  // With the scheduler's lock held: whether the oldest pending write is due at `slot`.
  virtual bool write_due(long slot) const = 0;
  virtual bool has_pending() const = 0;
  // With the lock held: waits until the oldest pending write has room; returns the cycle it may happen from.
  virtual long wait_room(std::unique_lock<std::mutex>& held) = 0;
  // With the lock held: the slot's accesses happen at cycle t.
  virtual void commit_read(long t) = 0;
  virtual void commit_write(long t) = 0;
  std::vector<long> write_stamps, read_stamps;  // cycle of each token's write and read
};

struct Timing {
  std::mutex lock;
  std::vector<TimedPort*> ports;  // every live stream, in construction order
  long last_cycle = -1;           // latest access of the current region
  static Timing& get() {
    static Timing t;
    return t;
  }
};

// The most tokens a FIFO holds at once: a slot is taken by a write and free again the cycle after the read of
// its token (a read and a write in the same cycle both count).
inline long max_occupancy(const std::vector<long>& writes, const std::vector<long>& reads) {
  std::vector<std::pair<long, int>> events;
  for (long t : writes) events.emplace_back(t, 0);
  for (long t : reads) events.emplace_back(t, 1);
  std::sort(events.begin(), events.end());
  long level = 0, peak = 0;
  for (const auto& e : events) {
    level += e.second == 0 ? 1 : -1;
    peak = std::max(peak, level);
  }
  return peak;
}

// The timing of one pipelined loop of one process (see the top of this file).
class Pipeline {
 public:
  Pipeline(int ii, int lag) : ii_(ii), lag_(lag), outer_(current()) { current() = this; }
  ~Pipeline() { current() = outer_; }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  static Pipeline*& current() {
    static thread_local Pipeline* p = nullptr;
    return p;
  }

  // The start of a loop iteration: the previous one's accesses happen now.
  void iteration() {
    if (slot_ >= 0) commit();
    ++slot_;
    pace_ = slot_ == 0 ? 0 : issue_ + ii_;
    bound_ = pace_;
  }

  // After the loop: the last iteration's accesses, then the pipeline drains its pending writes.
  void end() {
    if (slot_ >= 0) commit();
    while (std::any_of(outputs_.begin(), outputs_.end(), [](TimedPort* p) { return p->has_pending(); })) {
      ++slot_;
      pace_ = issue_ + ii_;
      bound_ = pace_;
      commit();
    }
  }

  long slot() const { return slot_; }
  int lag() const { return lag_; }
  void constrain(long t) { bound_ = std::max(bound_, t); }
  void read(TimedPort* port) { reads_.push_back(port); }
  void writer(TimedPort* port) {
    if (std::find(outputs_.begin(), outputs_.end(), port) == outputs_.end()) outputs_.push_back(port);
  }

 private:
  // The current iteration's accesses: its reads and the writes due now (pending writes belong to this thread).
  void commit() {
    bool writes_due = false;
    for (TimedPort* p : outputs_) writes_due = writes_due || p->write_due(slot_);
    if (reads_.empty() && !writes_due) {
      issue_ = pace_;
      return;
    }
    auto& sched = Scheduler::get();
    std::unique_lock<std::mutex> held(sched.lock);
    std::vector<TimedPort*> writes;
    for (TimedPort* p : outputs_) {
      if (p->write_due(slot_)) {
        constrain(p->wait_room(held));
        writes.push_back(p);
      }
    }
    issue_ = bound_;
    for (TimedPort* p : reads_) p->commit_read(issue_);
    for (TimedPort* p : writes) {
      p->commit_write(issue_);
      if (p->write_due(slot_)) fail(2, "timed C-simulation: two writes to FIFO " + p->port_name() + " in one iteration");
    }
    reads_.clear();
    auto& timing = Timing::get();
    if (issue_ > timing.last_cycle) timing.last_cycle = issue_;
  }

  int ii_, lag_;
  Pipeline* outer_;
  long slot_ = -1;
  long pace_ = 0, bound_ = 0, issue_ = 0;
  std::vector<TimedPort*> reads_, outputs_;
};

inline Pipeline& pipeline_of_access(const std::string& fifo) {
  Pipeline* p = Pipeline::current();
  if (!p) fail(2, "timed C-simulation: FIFO " + fifo + " accessed outside a pipelined loop (INRARCH_PIPELINE)");
  return *p;
}
#endif

}  // namespace csim
}  // namespace inrarch

namespace hls {

template <typename T, int DEPTH = 0>
class stream;

// stream<T> (depth 0: the default depth of 2) is the base of every stream<T, DEPTH>, so kernels take
// hls::stream<T>& whatever the depth of the FIFO they are given, as with Vitis's header.
template <typename T>
class stream<T, 0>
#ifdef INRARCH_CSIM_TIMED
    : public inrarch::csim::TimedPort
#endif
{
 public:
  stream() : stream("fifo", 2) {}
  explicit stream(const char* name) : stream(name, 2) {}
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
#ifdef INRARCH_CSIM_TIMED
    {
      auto& timing = inrarch::csim::Timing::get();
      std::lock_guard<std::mutex> held(timing.lock);
      timing.ports.erase(std::remove(timing.ports.begin(), timing.ports.end(), this), timing.ports.end());
    }
#endif
    if (!data_.empty()) {
      inrarch::csim::fail(2, "FIFO " + name_ + " holds " + std::to_string(data_.size()) +
                                 " token(s) at the end: a process wrote more than its consumer read");
    }
  }

  T read() {
#if defined(INRARCH_CSIM_TIMED)
    auto& pipe = inrarch::csim::pipeline_of_access(name_);
    auto& sched = inrarch::csim::Scheduler::get();
    std::unique_lock<std::mutex> held(sched.lock);
    while (static_cast<int>(data_.size()) <= tentative_) sched.block(held, this, name_, true);
    const T value = data_[tentative_];
    pipe.constrain(write_stamps[reads_ + tentative_] + 1);
    ++tentative_;
    pipe.read(this);
    return value;
#elif defined(INRARCH_CSIM_THREADED)
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
#if defined(INRARCH_CSIM_TIMED)
    auto& pipe = inrarch::csim::pipeline_of_access(name_);
    pending_.emplace_back(pipe.slot() + pipe.lag(), value);  // touched by this (the producer's) thread only
    pipe.writer(this);
#elif defined(INRARCH_CSIM_THREADED)
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

#ifdef INRARCH_CSIM_TIMED
  const std::string& port_name() const override { return name_; }
  int port_depth() const override { return capacity_; }
  bool write_due(long slot) const override { return !pending_.empty() && pending_.front().first == slot; }
  bool has_pending() const override { return !pending_.empty(); }
  long wait_room(std::unique_lock<std::mutex>& held) override {
    const long token = writes_;
    if (token < capacity_) return 0;
    auto& sched = inrarch::csim::Scheduler::get();
    while (reads_ <= token - capacity_) sched.block(held, this, name_, false);
    return read_stamps[token - capacity_] + 1;
  }
  void commit_read(long t) override {
    data_.pop_front();
    --tentative_;
    ++reads_;
    read_stamps.push_back(t);
    inrarch::csim::Scheduler::get().release(this, false);
  }
  void commit_write(long t) override {
    data_.push_back(pending_.front().second);
    pending_.pop_front();
    ++writes_;
    write_stamps.push_back(t);
    inrarch::csim::Scheduler::get().release(this, true);
  }
#endif

 protected:
  stream(const char* name, int capacity) : name_(name), capacity_(capacity) {
#ifdef INRARCH_CSIM_TIMED
    auto& timing = inrarch::csim::Timing::get();
    std::lock_guard<std::mutex> held(timing.lock);
    timing.ports.push_back(this);
#endif
  }

 private:
  std::string name_;
  int capacity_;
  std::deque<T> data_;
#ifdef INRARCH_CSIM_TIMED
  std::deque<std::pair<long, T>> pending_;  // written by the code, waiting for their pipeline slot
  int tentative_ = 0;                       // tokens read by the current iteration, not yet committed
  long writes_ = 0, reads_ = 0;             // committed accesses
#endif
};

template <typename T, int DEPTH>
class stream : public stream<T, 0> {
 public:
  stream() : stream<T, 0>("fifo", DEPTH) {}
  explicit stream(const char* name) : stream<T, 0>(name, DEPTH) {}
};

}  // namespace hls

#endif  // INRARCH_CSIM_HLS_STREAM_H
