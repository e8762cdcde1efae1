// A stable sort of each row of a contiguous [rows, cols] view, with the source positions,
// on the GPU: NaN greatest, ties in input order (the CPU's stable order, native/cpu/sort.cc;
// an unstable sort may order ties any way, and is stable here too).
// Each element finds its own rank (how many elements of its row come before it), so the
// sort is stable by construction and needs no scratch memory; the cost is cols^2 per row,
// spread over every element of every row at once.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "common.cuh"

namespace flint {

namespace {

template <class T>
__device__ __forceinline__ bool nanValue(T v) {
  if constexpr (std::is_floating_point_v<T>) return isnan(v);
  else return false;
}

// Whether a (at position i) sorts before b (at position j), ties broken by position.
template <class T>
__device__ __forceinline__ bool before(T a, int64_t i, T b, int64_t j, bool descending) {
  const bool an = nanValue(a), bn = nanValue(b);
  if (an || bn) {
    if (an && bn) return i < j;
    return descending ? an : bn;
  }
  if (a == b) return i < j;
  return descending ? a > b : a < b;
}

template <class T>
__global__ void sortRanksKernel(const T* __restrict__ in, T* __restrict__ values, int64_t* __restrict__ indices,
                                int64_t rows, int64_t cols, bool descending) {
  const int64_t n = rows * cols;
  for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = e / cols, i = e - r * cols;
    const T* x = in + r * cols;
    const T v = x[i];
    int64_t rank = 0;
    for (int64_t j = 0; j < cols; j++) rank += before(x[j], j, v, i, descending) ? 1 : 0;
    values[r * cols + rank] = v;
    indices[r * cols + rank] = i;
  }
}

template <class T>
void sortTyped(CudaContext& ctx, const SortArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (rows * cols == 0) return;
  sortRanksKernel<T><<<gridFor(ctx, rows * cols), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.input.data, (T*)a.values.data, (int64_t*)a.indices.data, rows, cols, a.descending);
  FLINT_CUDA_LAUNCH_CHECK();
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
