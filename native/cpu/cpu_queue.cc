#include "cpu_queue.h"

#include <exception>

#include "flint/status.h"

namespace flint {

CpuQueue::CpuQueue() : thread_([this] { loop(); }) {}

CpuQueue::~CpuQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void CpuQueue::push(const char* op, std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  settled_.wait(lock, [this] { return tasks_.size() < kMaxPending; });
  tasks_.push_back(Task{op, std::move(task)});
  lock.unlock();
  wake_.notify_one();
}

void CpuQueue::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and nothing left to run
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    running_ = true;
    lock.unlock();
    std::string failure;
    try {
      task.run();
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown native error";
    }
    task.run = nullptr;  // what the task captured goes now, outside the lock
    lock.lock();
    running_ = false;
    if (!failure.empty() && error_.empty()) error_ = std::string(task.op) + ": " + failure;
    settled_.notify_all();
  }
}

std::string CpuQueue::takeError() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string error;
  error.swap(error_);
  return error;
}

void CpuQueue::waitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  settled_.wait(lock, [this] { return tasks_.empty() && !running_; });
}

void CpuQueue::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  settled_.wait(lock, [this] { return tasks_.empty() && !running_; });
  if (error_.empty()) return;
  std::string error;
  error.swap(error_);
  lock.unlock();
  throw Error("an op that ran asynchronously on the CPU (torch.setAsyncCpu) failed: " + error);
}

int64_t CpuQueue::pending() {
  std::lock_guard<std::mutex> lock(mutex_);
  return (int64_t)tasks_.size() + (running_ ? 1 : 0);
}

}  // namespace flint
