// A small fork-join pool owned by one addon instance (so worker_threads each get their
// own). Elementwise kernels, reductions and matrix products split large ranges across it;
// small ranges run inline, because waking threads costs more than a few thousand elements
// of work.
#pragma once
#include <atomic>
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
  // The processors this process may run on (its affinity mask), the default pool size.
  static int availableCpus();
  // Runs fn(begin, end) over [0, n) split into at most size() chunks of at least
  // `grain` elements; the calling thread takes a chunk too. Exceptions propagate.
  void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
  // Runs fn(begin, end) over [0, n) split into exactly min(chunks, size()) chunks (for a
  // caller that sizes its own work units). Chunks are claimed, not assigned: a thread that
  // is late (descheduled, or busy elsewhere) leaves its chunk to the others.
  void parallelChunks(int chunks, const std::function<void(int64_t, int64_t)>& fn, int64_t n);

 private:
  void workerLoop();
  // Runs the chunks of generation `generation` that nobody has claimed yet.
  void runClaims(uint64_t generation, const std::function<void(int64_t, int64_t)>& job, int64_t n, int chunks);
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  // The current job; written under the mutex, and read under it by a worker that saw a new
  // generation.
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t jobSize_ = 0;
  int chunks_ = 0;
  // The job's generation (high 32 bits) and the next unclaimed chunk (low 32 bits), in one
  // word, so that a thread that arrives late can never claim a chunk of a later job.
  alignas(64) std::atomic<uint64_t> claim_{0};
  alignas(64) std::atomic<int> remaining_{0};  // chunks not yet finished
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
  // Whether waiting threads poll before they sleep: only while every thread can have a core.
  bool spin_ = true;
};

}  // namespace flint
