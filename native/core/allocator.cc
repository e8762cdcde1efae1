#include "allocator.h"

#include <cstdint>
#include <cstdlib>

namespace flint {

CpuCachingAllocator::CpuCachingAllocator(size_t maxCachedBytes) : maxCachedBytes_(maxCachedBytes) {}

CpuCachingAllocator::~CpuCachingAllocator() { emptyCache(); }

size_t CpuCachingAllocator::roundSize(size_t nbytes) {
  if (nbytes == 0) nbytes = 64;  // a real, freeable block even for empty tensors
  // No request this large can succeed; keep the rounding below from wrapping to a small
  // size (and a small free list). aligned_alloc fails on it, as it should.
  if (nbytes > (SIZE_MAX >> 2)) return SIZE_MAX & ~size_t(63);
  size_t rounded = (nbytes + 63) & ~size_t(63);
  if (rounded <= 1024) return rounded;
  // Size classes of 1/8 of the enclosing power of two (at least 64 bytes), so that a
  // block freed by one step is reused by the next even when sizes differ slightly.
  size_t power = size_t(1) << (63 - __builtin_clzll(rounded));
  size_t granule = power / 8;
  return (rounded + granule - 1) / granule * granule;
}

void* CpuCachingAllocator::allocate(size_t nbytes, size_t* blockBytes, bool emptyOnFailure) {
  size_t size = roundSize(nbytes);
  *blockBytes = size;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<void*>* blocks = nullptr;
    if (size <= kSmallBlockLimit) {
      blocks = &smallFreeBlocks_[size / 64 - 1];
    } else {
      auto it = freeBlocks_.find(size);
      if (it != freeBlocks_.end()) blocks = &it->second;
    }
    if (blocks != nullptr && !blocks->empty()) {
      void* ptr = blocks->back();
      blocks->pop_back();
      if (size >= kCacheThreshold) stats_.cachedBytes -= (int64_t)size;
      else smallCachedBytes_ -= size;
      stats_.liveBlocks++;
      stats_.allocatedBytes += (int64_t)size;
      if (stats_.allocatedBytes > stats_.peakAllocatedBytes) stats_.peakAllocatedBytes = stats_.allocatedBytes;
      return ptr;
    }
  }
  void* ptr = std::aligned_alloc(64, size);
  if (ptr == nullptr) {
    if (!emptyOnFailure) return nullptr;
    emptyCache();  // give the cache back and try once more before failing
    ptr = std::aligned_alloc(64, size);
    if (ptr == nullptr) return nullptr;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.liveBlocks++;
  stats_.allocatedBytes += (int64_t)size;
  if (stats_.allocatedBytes > stats_.peakAllocatedBytes) stats_.peakAllocatedBytes = stats_.allocatedBytes;
  return ptr;
}

// With the mutex held: caches the block (a deallocation) and says so, or does nothing.
bool CpuCachingAllocator::cacheLocked(void* ptr, size_t blockBytes) {
  if (blockBytes >= kCacheThreshold) {
    if ((size_t)stats_.cachedBytes + blockBytes > maxCachedBytes_) return false;
    stats_.cachedBytes += (int64_t)blockBytes;
  } else {
    if (smallCachedBytes_ + blockBytes > kMaxSmallCachedBytes) return false;
    smallCachedBytes_ += blockBytes;
  }
  freeListLocked(blockBytes).push_back(ptr);
  stats_.liveBlocks--;
  stats_.allocatedBytes -= (int64_t)blockBytes;
  return true;
}

bool CpuCachingAllocator::tryCache(void* ptr, size_t blockBytes) {
  if (ptr == nullptr) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return cacheLocked(ptr, blockBytes);
}

void CpuCachingAllocator::deallocate(void* ptr, size_t blockBytes) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cacheLocked(ptr, blockBytes)) return;
  stats_.liveBlocks--;
  stats_.allocatedBytes -= (int64_t)blockBytes;
  std::free(ptr);
}

void CpuCachingAllocator::emptyCache() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& entry : freeBlocks_) {
    for (void* ptr : entry.second) std::free(ptr);
  }
  freeBlocks_.clear();
  for (auto& blocks : smallFreeBlocks_) {
    for (void* ptr : blocks) std::free(ptr);
    blocks.clear();
  }
  stats_.cachedBytes = 0;
  smallCachedBytes_ = 0;
}

AllocatorStats CpuCachingAllocator::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace flint
