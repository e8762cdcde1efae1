// A block of device memory. Views share one Storage; the JS side holds a reference
// through an External handle, and native work in flight holds its own, so the block is
// returned to its allocator only when both are done with it.
#pragma once
#include <atomic>
#include <cstddef>

namespace flint {

class Backend;

struct Storage {
  Backend* backend;  // owns the allocator this block came from
  void* data;
  size_t nbytes;
  int deviceIndex;
  std::atomic<int> refs{1};

  Storage(Backend* owner, void* ptr, size_t size, int device)
      : backend(owner), data(ptr), nbytes(size), deviceIndex(device) {}
};

// Drops one reference; frees through the owning backend at zero.
void releaseStorage(Storage* storage);
inline void retainStorage(Storage* storage) { storage->refs.fetch_add(1, std::memory_order_relaxed); }

}  // namespace flint
