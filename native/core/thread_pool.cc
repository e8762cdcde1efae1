#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace flint {

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long a thread polls for its next job or for the workers' results before it sleeps on
// a condition variable. A training step is a chain of parallel regions a few microseconds
// apart, and waking a sleeping thread costs tens of microseconds on a virtual machine (an
// interprocessor interrupt to an idle vCPU), more than many of the regions themselves.
// OpenMP runtimes spin for the same reason (GOMP_SPINCOUNT); this bound keeps an idle
// process from holding its cores for long.
constexpr auto kSpin = std::chrono::microseconds(200);

// Polls `done` until it returns true or kSpin has passed (not at all when `spin` is false);
// says which.
template <class Done>
bool spinUntil(bool spin, const Done& done) {
  if (!spin) return done();
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    for (int i = 0; i < 64; i++) {
      if (done()) return true;
      cpuRelax();
    }
    if (std::chrono::steady_clock::now() - start > kSpin) return done();
  }
}

}  // namespace

int ThreadPool::availableCpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return (int)std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) : spin_(threads <= availableCpus()) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

static void chunkBounds(int64_t n, int chunks, int64_t index, int64_t* begin, int64_t* end) {
  int64_t per = n / chunks, extra = n % chunks;
  *begin = index * per + std::min<int64_t>(index, extra);
  *end = *begin + per + (index < extra ? 1 : 0);
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int chunks = (int)std::min<int64_t>(size(), std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  parallelChunks(chunks, fn, n);
}

void ThreadPool::runClaims(uint64_t generation, const std::function<void(int64_t, int64_t)>& job, int64_t n, int chunks) {
  uint64_t word = claim_.load(std::memory_order_acquire);
  while ((word >> 32) == generation && (int64_t)(word & 0xffffffffu) < chunks) {
    if (!claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel)) continue;
    try {
      int64_t begin, end;
      chunkBounds(n, chunks, (int64_t)(word & 0xffffffffu), &begin, &end);
      job(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Under the mutex, so that a caller between its check and its wait cannot miss it.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
    word = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::parallelChunks(int chunks, const std::function<void(int64_t, int64_t)>& fn, int64_t n) {
  chunks = std::min(chunks, size());
  if (chunks <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    jobSize_ = n;
    chunks_ = chunks;
    remaining_.store(chunks);
    error_ = nullptr;
    generation = (uint32_t)((claim_.load() >> 32) + 1);  // wraps with the word's 32 bits
    claim_.store(generation << 32, std::memory_order_release);
  }
  wake_.notify_all();
  runClaims(generation, fn, n, chunks);
  if (!spinUntil(spin_, [this] { return remaining_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return remaining_.load() == 0; });
  }
  std::lock_guard<std::mutex> lock(mutex_);
  job_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  const auto fresh = [&] { return stopping_.load(std::memory_order_relaxed) || (claim_.load(std::memory_order_acquire) >> 32) != seen; };
  while (true) {
    const std::function<void(int64_t, int64_t)>* job;
    int64_t n;
    int chunks;
    spinUntil(spin_, fresh);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, fresh);
      if (stopping_.load()) return;
      seen = claim_.load() >> 32;
      job = job_;
      n = jobSize_;
      chunks = chunks_;
    }
    if (job != nullptr) runClaims(seen, *job, n, chunks);
  }
}

}  // namespace flint
