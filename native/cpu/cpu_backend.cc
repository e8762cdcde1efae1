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

void CpuBackend::copyFromHostImpl(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) {
  if (nbytes) std::memcpy((char*)dst->data + dstOffsetBytes, src, nbytes);
}

void CpuBackend::copyToHostImpl(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
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

}  // namespace flint
