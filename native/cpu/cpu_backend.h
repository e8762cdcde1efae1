// The CPU backend: one instance per addon instance. It owns the caching allocator, the
// thread pool and the random generator, so nothing here is process-global.
#pragma once
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
  void copyFromHost(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) override;
  void copyToHost(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) override;
  MemoryInfo memoryInfo() override;
  void emptyCache() override { allocator_.emptyCache(); }
  void resetPeakMemory() override { allocator_.resetPeak(); }

  void fill(const TensorView& out, double value) override;
  void fillUniform(const TensorView& out, double low, double high) override;
  void fillNormal(const TensorView& out, double mean, double stddev) override;
  void fillRandomInt(const TensorView& out, int64_t low, int64_t high) override;
  void fillBernoulli(const TensorView& out, double p) override;
  void manualSeed(uint64_t seed) override { generator_.seed(seed); }

  void cast(const TensorView& out, const TensorView& in) override;
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) override;
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) override;
  void binaryScalar(BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                    bool scalarFirst) override;
  void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) override;
  void reduce(const ReduceArgs& args) override;
  void gemm(const GemmArgs& args) override;
  void indexSelect(const TensorView& out, const TensorView& in, int dim, const TensorView& index) override;
  void indexPut(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                bool accumulate) override;
  void gather(const TensorView& out, const TensorView& in, int dim, const TensorView& index) override;
  void scatter(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
               bool accumulate) override;
  int64_t nonzero(Storage** out, const TensorView& in) override;
  void axpy(const TensorView& out, const TensorView& x, double alpha) override;
  void softmax(const SoftmaxArgs& args) override;
  void softmaxBackward(const SoftmaxBackwardArgs& args) override;
  void crossEntropy(const CrossEntropyArgs& args) override;
  void crossEntropyBackward(const CrossEntropyBackwardArgs& args) override;
  // layer_norm.cc
  void layerNorm(const LayerNormArgs& args) override;
  void layerNormBackward(const LayerNormBackwardArgs& args) override;
  void biasActivation(const BiasActivationArgs& args) override;

  ThreadPool& pool() { return *pool_; }
  void setThreads(int threads) { pool_ = std::make_unique<ThreadPool>(threads); }
  CpuCachingAllocator& allocator() { return allocator_; }
  int64_t liveStorages() const { return liveStorages_; }

  void retire() override {
    retired_ = true;
    if (liveStorages_ == 0) delete this;
  }

 protected:
  FLINT_GENERATED_KERNELS(FLINT_KERNEL_OVERRIDE)

 private:
  int64_t liveStorages_ = 0;
  bool retired_ = false;
  CpuCachingAllocator allocator_;
  std::unique_ptr<ThreadPool> pool_;
  CpuGenerator generator_;
};

// Kernel families, each in its own file; CpuBackend forwards to them.
void cpuCast(ThreadPool& pool, const TensorView& out, const TensorView& in);
void cpuFill(ThreadPool& pool, const TensorView& out, double value);
void cpuUnary(ThreadPool& pool, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1);
void cpuBinary(ThreadPool& pool, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);
void cpuBinaryScalar(ThreadPool& pool, BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                     bool scalarFirst);
void cpuWhere(ThreadPool& pool, const TensorView& out, const TensorView& cond, const TensorView& a,
              const TensorView& b);
void cpuReduce(ThreadPool& pool, const ReduceArgs& args);
void cpuGemm(const GemmArgs& args);

}  // namespace flint
