#include "cpu_backend.h"

#include <cstring>
#include <string>

namespace flint {

CpuBackend::CpuBackend(int threads) : pool_(std::make_unique<ThreadPool>(threads)) {}

Storage* CpuBackend::allocate(size_t nbytes) {
  size_t blockBytes = 0;
  void* data = allocator_.allocate(nbytes, &blockBytes);
  if (data == nullptr) {
    throw OutOfMemory("[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory: you tried to "
                      "allocate " + std::to_string(nbytes) + " bytes.");
  }
  liveStorages_++;
  return new Storage(this, data, blockBytes, 0);
}

void CpuBackend::deallocate(Storage* storage) {
  allocator_.deallocate(storage->data, storage->nbytes);
  delete storage;
  if (--liveStorages_ == 0 && retired_) delete this;
}

void CpuBackend::copyFromHost(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) {
  FLINT_CHECK(dstOffsetBytes + nbytes <= dst->nbytes, "copyFromHost: write past the end of the storage");
  if (nbytes) std::memcpy((char*)dst->data + dstOffsetBytes, src, nbytes);
}

void CpuBackend::copyToHost(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  FLINT_CHECK(srcOffsetBytes + nbytes <= src->nbytes, "copyToHost: read past the end of the storage");
  if (nbytes) std::memcpy(dst, (const char*)src->data + srcOffsetBytes, nbytes);
}

MemoryInfo CpuBackend::memoryInfo() {
  const AllocatorStats stats = allocator_.stats();
  MemoryInfo info;
  info.allocatedBytes = stats.allocatedBytes;
  info.peakAllocatedBytes = stats.peakAllocatedBytes;
  info.reservedBytes = stats.allocatedBytes + stats.cachedBytes;
  info.liveStorages = liveStorages_;
  return info;
}

void CpuBackend::fill(const TensorView& out, double value) { cpuFill(*pool_, out, value); }
void CpuBackend::cast(const TensorView& out, const TensorView& in) { cpuCast(*pool_, out, in); }
void CpuBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  cpuUnary(*pool_, op, out, in, p0, p1);
}
void CpuBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  cpuBinary(*pool_, op, out, a, b);
}
void CpuBackend::binaryScalar(BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                              bool scalarFirst) {
  cpuBinaryScalar(*pool_, op, out, a, scalar, scalarFirst);
}
void CpuBackend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  cpuWhere(*pool_, out, cond, a, b);
}
void CpuBackend::reduce(const ReduceArgs& args) { cpuReduce(*pool_, args); }
void CpuBackend::gemm(const GemmArgs& args) { cpuGemm(args); }

}  // namespace flint
