// Element-wise updates over lists of tensors (an optimizer's parameters with their
// gradients and state) in one pass: the lists' elements are seen as one concatenated range,
// split across the pool, so a group of many small parameters costs one parallel region
// rather than one per tensor. `f(t, i)` updates element i of tensor row t, where t[k] is the
// data of list k's tensor (null for an absent list); the entry's checks guarantee that the
// lists' tensors of one row are contiguous and of one size.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "flint/layout.h"
#include "../core/thread_pool.h"

namespace flint {

template <class T, int Depth, class F>
void forEachElement(ThreadPool& pool, const ViewList (&lists)[Depth], const F& f) {
  const int64_t count = lists[0].size;
  std::vector<int64_t> starts((size_t)count + 1, 0);  // where each row begins in the concatenation
  for (int64_t r = 0; r < count; r++) starts[r + 1] = starts[r] + lists[0][r].numel();
  const auto rows = [&](int64_t begin, int64_t end) {
    int64_t r = std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin() - 1;
    for (; begin < end; r++) {
      const int64_t stop = std::min(end, starts[r + 1]);
      if (stop == begin) continue;  // an empty tensor
      T* t[Depth];
      for (int k = 0; k < Depth; k++) t[k] = lists[k].size == 0 ? nullptr : (T*)lists[k][r].data;
      for (int64_t i = begin - starts[r], n = stop - starts[r]; i < n; i++) f(t, i);
      begin = stop;
    }
  };
  const int64_t total = starts[count];
  if (total < kParallelGrain) rows(0, total);
  else pool.parallelFor(total, kParallelGrain, rows);
}

}  // namespace flint
