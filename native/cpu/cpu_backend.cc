#include "cpu_backend.h"

#include <cblas.h>

#include <cstring>
#include <mutex>
#include <string>

namespace flint {

CpuBackend::CpuBackend(int threads) : pool_(std::make_unique<ThreadPool>(threads)) {
  // The pool splits matrix products itself (pooledBlas in matmul.cc), so OpenBLAS runs
  // each call on the calling thread: its own threads would otherwise spin beside the
  // pool's, two sets of workers on the same cores. The setting is the process's, and the
  // same for every instance, so it is made once.
  static std::once_flag blasThreads;
  std::call_once(blasThreads, [] { openblas_set_num_threads(1); });
}

Storage* CpuBackend::allocate(size_t nbytes) {
  size_t blockBytes = 0;
  // While ops are queued, a cached block may still be in use by one of them: it must not
  // go back to the system (emptyCache) before the queue has run.
  const bool queued = queueing();
  void* data = allocator_.allocate(nbytes, &blockBytes, !queued);
  if (data == nullptr && queued) {
    queue_->waitIdle();
    data = allocator_.allocate(nbytes, &blockBytes, true);
  }
  if (data == nullptr) {
    throw OutOfMemory("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory: you tried to "
                      "allocate " + std::to_string(nbytes) + " bytes.");
  }
  liveStorages_++;
  return new Storage(this, data, blockBytes, 0);
}

// In the asynchronous mode a freed block goes back to the cache at once, although queued
// ops may still use it, as CUDA's caching allocator reuses a block on its stream: whoever
// gets it next writes it only through the queue (or after waiting for it), so after those
// ops. Host memory is never written directly in that mode (copyFromHost and fromBuffer
// queue their copies). A block that would go back to the system waits for the queue.
void CpuBackend::deallocate(Storage* storage) {
  void* data = storage->data;
  const size_t bytes = storage->nbytes;
  delete storage;
  if (!queueing()) {
    allocator_.deallocate(data, bytes);
  } else if (!allocator_.tryCache(data, bytes)) {
    queue_->push("free", [this, data, bytes] { allocator_.deallocate(data, bytes); });
  }
  if (--liveStorages_ == 0 && retired_) delete this;
}

void CpuBackend::enqueue(const char* op, std::function<void()> task) {
  if (queueing()) queue_->push(op, std::move(task));
  else task();
}

void CpuBackend::retire() {
  // The queue's thread must be gone before the instance is: what is queued runs first.
  queue_.reset();
  retired_ = true;
  if (liveStorages_ == 0) delete this;
}

void CpuBackend::setAsync(bool enabled) {
  if (enabled == (queue_ != nullptr)) return;
  if (enabled) {
    queue_ = std::make_unique<CpuQueue>();
    return;
  }
  std::unique_ptr<CpuQueue> queue = std::move(queue_);
  queue->drain();  // throws a queued op's error; the queue's thread still stops
}

void CpuBackend::beginInline() {
  if (queue_ != nullptr && !queue_->onQueueThread()) queue_->drain();
  inlineDepth_++;
}

void CpuBackend::copyFromHostImpl(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  if (queueing()) {
    // The caller's bytes may be gone when the queue gets here: take a copy.
    auto bytes = std::make_shared<std::vector<char>>((const char*)src, (const char*)src + nbytes);
    char* to = (char*)dst->data + dstOffsetBytes;
    queue_->push("copyFromHost", [to, bytes] { std::memcpy(to, bytes->data(), bytes->size()); });
    return;
  }
  std::memcpy((char*)dst->data + dstOffsetBytes, src, nbytes);
}

void CpuBackend::copyToHostImpl(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  if (queueing()) queue_->drain();
  if (nbytes) std::memcpy(dst, (const char*)src->data + srcOffsetBytes, nbytes);
}

namespace {

// `await t.data()` in the asynchronous mode: the copy is queued behind the ops before it,
// and wait() (on a libuv thread) blocks until it has run. An error a queued op left is
// this read's to report.
class CpuPendingRead final : public PendingRead {
 public:
  explicit CpuPendingRead(size_t nbytes) : bytes_(nbytes) {}
  void wait() override {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return finished_; });
    if (!error_.empty()) throw Error("an op that ran asynchronously on the CPU (torch.setAsyncCpu) failed: " + error_);
  }
  const void* host() const override { return bytes_.data(); }
  void finish(const void* from, std::string error) {
    if (error.empty() && !bytes_.empty()) std::memcpy(bytes_.data(), from, bytes_.size());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::move(error);
      finished_ = true;
    }
    done_.notify_all();
  }

 private:
  std::vector<char> bytes_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  std::string error_;
};

}  // namespace

PendingRead* CpuBackend::readAsyncImpl(const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  if (!queueing()) return nullptr;  // nothing to wait for: the caller copies now
  auto* read = new CpuPendingRead(nbytes);
  CpuQueue* queue = queue_.get();
  // The caller (ReadWorker) holds the read until wait() has returned, and the storage too.
  const char* from = (const char*)src->data + srcOffsetBytes;
  queue_->push("read", [read, queue, from] { read->finish(from, queue->takeError()); });
  return read;
}

MemoryInfo CpuBackend::memoryInfo() {
  const AllocatorStats stats = allocator_.stats();
  MemoryInfo info;
  info.allocatedBytes = stats.allocatedBytes;
  info.peakAllocatedBytes = stats.peakAllocatedBytes;
  info.reservedBytes = stats.allocatedBytes + stats.cachedBytes;
  // oneDNN's workspace is held for reuse as the cache's blocks are (onednn_convolution.cc).
  std::lock_guard<std::mutex> lock(onednnMutex_);
  if (onednn_ != nullptr) info.reservedBytes += (int64_t)onednn_->workspaceBytes();
  info.liveStorages = liveStorages_;
  return info;
}

}  // namespace flint
