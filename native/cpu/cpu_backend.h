// The CPU backend: one instance per addon instance. It owns the caching allocator, the
// thread pool and the random generator, so nothing here is process-global.
#pragma once
#include <vector>
#include <memory>

#include "../core/allocator.h"
#include "../core/thread_pool.h"
#include "flint/backend.h"
#include "random.h"

namespace flint {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads);
  DeviceType type() const override { return DeviceType::CPU; }

  Storage* allocate(size_t nbytes) override;
  void deallocate(Storage* storage) override;
  MemoryInfo memoryInfo() override;
  void emptyCache() override { allocator_.emptyCache(); }
  void resetPeakMemory() override { allocator_.resetPeak(); }
  void manualSeed(uint64_t seed) override { generator_.seed(seed); }
  std::vector<uint8_t> rngState() override;
  void setRngState(const uint8_t* bytes, size_t size) override;

  ThreadPool& pool() { return *pool_; }
  void setThreads(int threads) { pool_ = std::make_unique<ThreadPool>(threads); }
  CpuCachingAllocator& allocator() { return allocator_; }
  int64_t liveStorages() const { return liveStorages_; }

  void retire() override {
    retired_ = true;
    if (liveStorages_ == 0) delete this;
  }

 protected:
  // Each kernel family in its own file: elementwise.cc, reduce.cc, matmul.cc, index.cc,
  // random.cc, softmax_cross_entropy.cc, layer_norm.cc; memory in cpu_backend.cc.
  FLINT_BACKEND_IMPLS(FLINT_BACKEND_OVERRIDE)
  FLINT_GENERATED_KERNELS(FLINT_KERNEL_OVERRIDE)

 private:
  int64_t liveStorages_ = 0;
  bool retired_ = false;
  CpuCachingAllocator allocator_;
  std::unique_ptr<ThreadPool> pool_;
  CpuGenerator generator_;
};

}  // namespace flint
