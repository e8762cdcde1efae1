#include "thread_pool.h"

#include <algorithm>

namespace flint {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

static void chunkBounds(int64_t n, int chunks, int index, int64_t* begin, int64_t* end) {
  int64_t per = n / chunks, extra = n % chunks;
  *begin = index * per + std::min<int64_t>(index, extra);
  *end = *begin + per + (index < extra ? 1 : 0);
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int chunks = (int)std::min<int64_t>(size(), std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    jobSize_ = n;
    chunks_ = chunks;
    pending_ = chunks - 1;
    error_ = nullptr;
    generation_++;
  }
  wake_.notify_all();
  std::exception_ptr callerError;
  try {
    int64_t begin, end;
    chunkBounds(n, chunks, 0, &begin, &end);
    fn(begin, end);
  } catch (...) {
    callerError = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  job_ = nullptr;
  if (callerError) std::rethrow_exception(callerError);
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::workerLoop(int index) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(int64_t, int64_t)>* job;
    int64_t n;
    int chunks;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
      n = jobSize_;
      chunks = chunks_;
    }
    if (job == nullptr || index >= chunks) continue;
    try {
      int64_t begin, end;
      chunkBounds(n, chunks, index, &begin, &end);
      (*job)(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_--;
    }
    done_.notify_one();
  }
}

}  // namespace flint
