// The CPU's asynchronous mode (torch.setAsyncCpu): one thread that runs the kernels the
// JS thread queued, in order, so that the JS thread returns from each op at once and its
// event loop stays free. Reads and anything that touches host memory wait for the queue
// first (CpuBackend::beginInline); a task's error is kept and thrown by the next wait,
// naming the op, as CUDA's asynchronous errors surface at the next synchronization.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace flint {

class CpuQueue {
 public:
  CpuQueue();
  ~CpuQueue();  // runs what is queued, then joins the thread
  CpuQueue(const CpuQueue&) = delete;
  CpuQueue& operator=(const CpuQueue&) = delete;

  // Queues `task`; blocks while kMaxPending tasks wait, so that a JS loop that never reads
  // cannot queue without bound (and allocate every queued op's output meanwhile).
  void push(const char* op, std::function<void()> task);
  // Waits until every queued task has run; then throws the first error a task threw since
  // the last drain, if any.
  void drain();
  // Waits until every queued task has run, leaving any error for the next drain.
  void waitIdle();
  // The first error since the last drain ("" when none), taken: a later drain will not see it.
  std::string takeError();
  bool onQueueThread() const { return std::this_thread::get_id() == thread_.get_id(); }
  int64_t pending();

  static constexpr size_t kMaxPending = 4096;

 private:
  struct Task {
    const char* op;
    std::function<void()> run;
  };
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;     // the queue thread: a task arrived, or stop
  std::condition_variable settled_;  // the JS thread: a task finished
  std::deque<Task> tasks_;
  bool running_ = false;  // a task is being run (it has left tasks_)
  bool stopping_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace flint
