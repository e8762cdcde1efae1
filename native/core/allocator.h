// The CPU allocator: 64-byte aligned blocks, with a cache of large blocks.
//
// Why a cache: a training loop that makes a fresh 64 MB tensor each step would otherwise
// hand the block back to the kernel (glibc munmaps large blocks) and page-fault the whole
// block again on the next step. PyTorch's CPU allocator pays that cost; we keep freed
// large blocks in size classes and hand them out again.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace flint {

struct AllocatorStats {
  int64_t liveBlocks = 0;      // blocks handed out and not yet returned
  int64_t allocatedBytes = 0;  // bytes in those blocks (as requested, rounded to 64)
  int64_t peakAllocatedBytes = 0;
  int64_t cachedBytes = 0;     // bytes held in the cache, free for reuse
};

class CpuCachingAllocator {
 public:
  explicit CpuCachingAllocator(size_t maxCachedBytes = size_t(2) << 30);
  ~CpuCachingAllocator();
  CpuCachingAllocator(const CpuCachingAllocator&) = delete;
  CpuCachingAllocator& operator=(const CpuCachingAllocator&) = delete;

  // Returns nullptr only when the system is out of memory.
  void* allocate(size_t nbytes, size_t* blockBytes);
  void deallocate(void* ptr, size_t blockBytes);
  void emptyCache();
  AllocatorStats stats();

  // Blocks below this size go straight to the system allocator, which is fast for them.
  static constexpr size_t kCacheThreshold = size_t(1) << 20;

 private:
  static size_t roundSize(size_t nbytes);
  std::mutex mutex_;
  std::multimap<size_t, void*> freeBlocks_;  // block size -> block
  size_t maxCachedBytes_;
  AllocatorStats stats_;
};

}  // namespace flint
