// A small fork-join pool owned by one addon instance (so worker_threads each get their
// own). Elementwise kernels and reductions split large ranges across it; small ranges
// run inline, because waking threads costs more than a few thousand elements of work.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flint {

// PyTorch's grain: below about 32K elements one thread wins.
constexpr int64_t kParallelGrain = 32768;

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return (int)workers_.size() + 1; }
  // Runs fn(begin, end) over [0, n) split into at most size() chunks of at least
  // `grain` elements; the calling thread takes a chunk too. Exceptions propagate.
  void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void workerLoop(int index);
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t jobSize_ = 0;
  int chunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace flint
