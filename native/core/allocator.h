// The CPU allocator: 64-byte aligned blocks, cached by size class.
//
// Why a cache: a training loop that makes a fresh 64 MB tensor each step would otherwise
// hand the block back to the kernel (glibc munmaps large blocks) and page-fault the whole
// block again on the next step. PyTorch's CPU allocator pays that cost; we keep freed
// blocks in size classes and hand them out again. Small blocks are cached too: a tiny op
// (a 2x20 add) is otherwise dominated by glibc's memalign and free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
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

  // Returns nullptr only when the system is out of memory; first, unless told not to
  // (`emptyOnFailure`), it gives the cache back to the system and tries once more.
  void* allocate(size_t nbytes, size_t* blockBytes, bool emptyOnFailure = true);
  void deallocate(void* ptr, size_t blockBytes);
  // deallocate when the block goes into the cache; false (and nothing done) when it would
  // go back to the system instead.
  bool tryCache(void* ptr, size_t blockBytes);
  void emptyCache();
  AllocatorStats stats();
  void resetPeak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peakAllocatedBytes = stats_.allocatedBytes;
  }

  // Blocks of at least this size count as large (reported as cached bytes).
  static constexpr size_t kCacheThreshold = size_t(1) << 20;
  // How many bytes of small blocks may sit in the cache.
  static constexpr size_t kMaxSmallCachedBytes = size_t(64) << 20;

 private:
  static size_t roundSize(size_t nbytes);
  bool cacheLocked(void* ptr, size_t blockBytes);
  // Blocks up to this size are rounded to 64 bytes and have a free list each in an array:
  // the per-op path of a tiny tensor notices a hash lookup's division.
  static constexpr size_t kSmallBlockLimit = 1024;
  std::vector<void*>& freeListLocked(size_t blockBytes) {
    return blockBytes <= kSmallBlockLimit ? smallFreeBlocks_[blockBytes / 64 - 1] : freeBlocks_[blockBytes];
  }
  std::mutex mutex_;
  std::vector<void*> smallFreeBlocks_[kSmallBlockLimit / 64];  // (block size / 64 - 1) -> free blocks
  std::unordered_map<size_t, std::vector<void*>> freeBlocks_;  // larger block size -> free blocks
  size_t maxCachedBytes_;
  size_t smallCachedBytes_ = 0;
  AllocatorStats stats_;
};

}  // namespace flint
