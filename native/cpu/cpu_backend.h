// The CPU backend: one instance per addon instance. It owns the caching allocator, the
// thread pool and the random generator, so nothing here is process-global.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../core/allocator.h"
#include "../core/thread_pool.h"
#include "flint/backend.h"
#include "cpu_queue.h"
#include "onednn_convolution.h"
#include "onednn_gemm.h"
#include "onednn_matmul.h"
#include "random.h"

namespace flint {

// A kernel's arguments with their own copies of its lists of views: the lists point into
// the calling entry's arrays, which are gone by the time the CPU's queue runs the kernel.
// The storages need no hold: a freed block is reused only by ops queued after it.
template <class Args>
struct OwnedLists {
  Args args;
  std::vector<std::vector<TensorView>> lists;
  explicit OwnedLists(const Args& original) : args(original) {
    // Moving an inner vector keeps its buffer, so the pointers stay valid as `lists` grows.
    args.forEachList([this](ViewList& list) {
      lists.emplace_back(list.data, list.data + list.size);
      list.data = lists.back().data();
    });
  }
  OwnedLists(const OwnedLists&) = delete;
  OwnedLists& operator=(const OwnedLists&) = delete;
};

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads);
  DeviceType type() const override { return DeviceType::CPU; }

  Storage* allocate(size_t nbytes) override;
  void deallocate(Storage* storage) override;
  MemoryInfo memoryInfo() override;
  void emptyCache() override {
    allocator_.emptyCache();
    std::lock_guard<std::mutex> lock(onednnMutex_);
    if (onednn_ != nullptr) onednn_->releaseWorkspace();
    if (floatGemm_ != nullptr) floatGemm_->releaseMemory();
  }
  void resetPeakMemory() override { allocator_.resetPeak(); }
  void manualSeed(uint64_t seed) override { generator_.seed(seed); }
  std::vector<uint8_t> rngState() override;
  void setRngState(const uint8_t* bytes, size_t size) override;

  ThreadPool& pool() { return *pool_; }
  void setThreads(int threads) { pool_ = std::make_unique<ThreadPool>(threads); }

  void retire() override;

  // oneDNN's convolutions, loaded on first use (im2col.cc); throws flint::Error saying why
  // when oneDNN is not there.
  OnednnConvolutions& onednn();
  // oneDNN's int8 matmul, loaded on first use (quantized_linear.cc); null when oneDNN is
  // not there.
  OnednnInt8Matmul* int8Matmul();
  // oneDNN's float32 product, loaded on first use (matmul.cc); null when oneDNN is not
  // there or FLINT_ONEDNN_MATMUL=0 turns it off.
  OnednnFloatGemm* floatGemm();

  // The asynchronous mode (cpu_queue.h). While it is on, the view kernels below are queued
  // to the queue's thread unless the calling thread is inside beginInline/endInline (an
  // entry point that touches host memory, after waiting for the queue) or is the queue's
  // thread itself (a kernel that calls another).
  void setAsync(bool enabled);
  bool isAsync() const { return queue_ != nullptr; }
  int64_t pendingTasks() { return queue_ ? queue_->pending() : 0; }
  // Waits for the queue (throwing a queued op's error) and runs the caller's work inline
  // until the matching endInline.
  void beginInline();
  void endInline() { inlineDepth_--; }
  PendingRead* readAsyncImpl(const Storage* src, size_t srcOffsetBytes, size_t nbytes) override;
  // Runs `task` after what is queued: queued in the asynchronous mode, else now. For work
  // that must keep host bytes alive until it runs (fromBuffer's copy of them).
  void enqueue(const char* op, std::function<void()> task);

 protected:
  FLINT_BACKEND_HOST_IMPLS(FLINT_BACKEND_OVERRIDE)

// Each view kernel's Impl queues its Run (or runs it at once); the Runs are the kernels,
// one family per file: elementwise.cc, reduce.cc, matmul.cc, index.cc, random.cc,
// softmax_cross_entropy.cc, layer_norm.cc, ...; memory in cpu_backend.cc.
#define FLINT_CPU_QUEUED_IMPL(RET, NAME, PARAMS, ARGS)                  \
  void NAME##Impl PARAMS override {                                       \
    if (queueing()) {                                                     \
      queue_->push(#NAME, [=] { NAME##Run ARGS; });                       \
    } else {                                                              \
      NAME##Run ARGS;                                                     \
    }                                                                     \
  }                                                                       \
  void NAME##Run PARAMS;
  FLINT_BACKEND_VIEW_IMPLS(FLINT_CPU_QUEUED_IMPL)
#undef FLINT_CPU_QUEUED_IMPL
// A kernel whose arguments hold lists (pointers into the caller's arrays) is queued with
// copies of them (OwnedLists), so that an optimizer's fused step does not wait for the queue.
#define FLINT_CPU_QUEUED_KERNEL(name, Args)                                    \
  void name##Impl(const Args& args) override {                                 \
    if (!queueing()) {                                                         \
      name##Run(args);                                                         \
    } else if (Args::kHasLists) {                                              \
      auto owned = std::make_shared<OwnedLists<Args>>(args);                   \
      queue_->push(#name, [this, owned] { name##Run(owned->args); });          \
    } else {                                                                   \
      queue_->push(#name, [this, args] { name##Run(args); });                  \
    }                                                                          \
  }                                                                            \
  void name##Run(const Args& args);
  FLINT_GENERATED_KERNELS(FLINT_CPU_QUEUED_KERNEL)
#undef FLINT_CPU_QUEUED_KERNEL

 private:
  // Whether a view kernel called now goes to the queue.
  bool queueing() const { return queue_ != nullptr && !queue_->onQueueThread() && inlineDepth_.load(std::memory_order_relaxed) == 0; }

  std::unique_ptr<CpuQueue> queue_;
  std::atomic<int> inlineDepth_{0};
  // Counted on the JS thread and, for a handle released elsewhere (a read or a collective
  // finishing), on other threads.
  std::atomic<int64_t> liveStorages_{0};
  bool retired_ = false;
  CpuCachingAllocator allocator_;
  std::unique_ptr<ThreadPool> pool_;
  CpuGenerator generator_;
  // Loaded at most once: a failure is remembered (each try would cost a dlopen).
  std::mutex onednnMutex_;
  std::unique_ptr<OnednnConvolutions> onednn_;
  std::string onednnError_;
  std::unique_ptr<OnednnInt8Matmul> int8Matmul_;
  bool int8MatmulTried_ = false;
  std::unique_ptr<OnednnFloatGemm> floatGemm_;
  bool floatGemmTried_ = false;

 protected:
  double queryImpl(BackendQuery query) override;
};

}  // namespace flint
