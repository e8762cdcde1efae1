// A stable sort of each row of a contiguous [rows, cols] view, with the source positions,
// on the GPU: NaN greatest, ties in input order (the CPU's stable order, native/cpu/sort.cc;
// an unstable sort may order ties any way, and is stable here too). A bottom-up merge
// sort: every pass merges pairs of sorted runs of every row at once, each element finding
// its place by binary search in the partner run (flint/rules/sort_order.h), so a row of n
// costs n log^2 n comparisons spread over all elements, ping-ponging with scratch memory.
#include <cstdint>

#include "common.cuh"
#include "flint/rules/sort_order.h"

namespace flint {

namespace {

template <class T>
__global__ void sortInitKernel(const T* __restrict__ in, T* __restrict__ values, int64_t* __restrict__ indices,
                               int64_t n, int64_t cols) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    values[e] = in[e];
    indices[e] = e % cols;
  }
}

template <class T>
__global__ void mergePassKernel(const T* __restrict__ srcValues, const int64_t* __restrict__ srcIndices,
                                T* __restrict__ dstValues, int64_t* __restrict__ dstIndices, int64_t n, int64_t cols,
                                int64_t width, bool descending) {
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = e / cols, p = e - r * cols;
    const T* row = srcValues + r * cols;
    const int64_t q = r * cols + rules::mergedPosition(row, cols, p, width, descending);
    dstValues[q] = row[p];
    dstIndices[q] = srcIndices[e];
  }
}

template <class T>
void sortTyped(CudaContext& ctx, const SortArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1], n = rows * cols;
  if (n == 0) return;
  int passes = 0;
  for (int64_t w = 1; w < cols; w *= 2) passes++;
  ScratchBuffer scratchValues(ctx, passes ? (size_t)n * sizeof(T) : 1);
  ScratchBuffer scratchIndices(ctx, passes ? (size_t)n * sizeof(int64_t) : 1);
  T* values[2] = {(T*)a.values.data, (T*)scratchValues.data()};
  int64_t* indices[2] = {(int64_t*)a.indices.data, (int64_t*)scratchIndices.data()};
  // Start where an even number of passes ends in the outputs.
  int at = passes % 2;
  const unsigned grid = gridFor(ctx, n);
  sortInitKernel<T><<<grid, kBlockThreads, 0, ctx.stream>>>((const T*)a.input.data, values[at], indices[at], n, cols);
  FLINT_CUDA_LAUNCH_CHECK();
  for (int64_t w = 1; w < cols; w *= 2) {
    mergePassKernel<T><<<grid, kBlockThreads, 0, ctx.stream>>>(values[at], indices[at], values[1 - at], indices[1 - at], n,
                                                                cols, w, a.descending);
    FLINT_CUDA_LAUNCH_CHECK();
    at = 1 - at;
  }
}

}  // namespace

// Order statistics with PyTorch's CPU tie-breaking are a CPU kernel: on CUDA, topk,
// kthvalue, median and mode are read from this sort (src/ops/sort.ts), as PyTorch's own
// CUDA kernels also break ties their own way.
void CudaBackend::selectImpl(const SelectArgs&) {
  throw Error("select: not implemented on CUDA (topk, kthvalue, median and mode use the sort there)");
}

void CudaBackend::sortImpl(const SortArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: sortTyped<double>(context(), args); break;
    case DType::Int64: sortTyped<int64_t>(context(), args); break;
    default: sortTyped<float>(context(), args); break;
  }
}

}  // namespace flint
