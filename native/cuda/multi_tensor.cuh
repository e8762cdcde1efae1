// Element-wise updates over lists of tensors (an optimizer's parameters with their
// gradients and state) in as few launches as the kernel-parameter space allows: up to
// kMaxRows tensor rows travel by value in one launch, blockIdx.y picks the row and the
// x blocks stride over its elements. A group of a hundred parameters is two launches where
// the per-parameter form was a hundred. `f(t, i)` is the same rule object the CPU runs
// (cpu/multi_tensor.h): t[k] is list k's data for the row, null for an absent list.
#pragma once
#include <algorithm>
#include <cstdint>

#include "common.cuh"
#include "flint/layout.h"

namespace flint {

// Rows per launch: five lists of 48 pointers plus the sizes stay well inside the 4 KiB
// that every supported architecture gives kernel parameters.
constexpr int kMaxRows = 48;

template <class T, int Depth>
struct RowTable {
  T* data[kMaxRows][Depth];
  int64_t size[kMaxRows];
};

template <class T, int Depth, class F>
__global__ void forEachElementKernel(RowTable<T, Depth> table, F f) {
  const int row = blockIdx.y;
  const int64_t n = table.size[row];
  T* const* t = table.data[row];
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) f(t, i);
}

template <class T, int Depth, class F>
void forEachElement(CudaContext& ctx, const ViewList (&lists)[Depth], const F& f) {
  const int64_t count = lists[0].size;
  for (int64_t first = 0; first < count; first += kMaxRows) {
    RowTable<T, Depth> table{};
    const int rows = (int)std::min<int64_t>(kMaxRows, count - first);
    int64_t largest = 0;
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < Depth; k++) table.data[r][k] = lists[k].size == 0 ? nullptr : (T*)lists[k][first + r].data;
      table.size[r] = lists[0][first + r].numel();
      largest = std::max(largest, table.size[r]);
    }
    if (largest == 0) continue;
    // Each row gets the blocks its largest member needs, capped so that the whole launch
    // stays a few waves; rows smaller than the largest leave some blocks idle.
    const unsigned blocks = std::max(1u, gridFor(ctx, largest) / (unsigned)std::max(1, rows / 8));
    forEachElementKernel<T, Depth, F><<<dim3(blocks, rows), kBlockThreads, 0, ctx.stream>>>(table, f);
    FLINT_CUDA_LAUNCH_CHECK();
  }
}

}  // namespace flint
