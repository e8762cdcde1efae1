// Inclusive scans along each row of a contiguous [rows, cols] view on the GPU, with the
// CPU's rules (native/cpu/scan.cc): float sums and products accumulate in double, cummax
// and cummin move to the later index on a tie and to every NaN. One thread walks one row.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "common.cuh"

namespace flint {

namespace {

template <class T>
__device__ __forceinline__ bool nanValue(T v) {
  if constexpr (std::is_floating_point_v<T>) return isnan(v);
  else return false;
}

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T>
__device__ T logAddExp(T a, T b) {
  if (isnan(a) || isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  const T hi = a < b ? b : a, lo = a < b ? a : b;
  if (isinf(hi)) return hi;
  return hi + log1p(exp(lo - hi));
}

template <class T>
__global__ void scanKernel(ScanOp op, const T* __restrict__ in, T* __restrict__ out, int64_t* __restrict__ indices,
                           int64_t rows, int64_t cols) {
  for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < rows; r += (int64_t)gridDim.x * blockDim.x) {
    const T* x = in + r * cols;
    T* y = out + r * cols;
    if (op == ScanOp::Sum || op == ScanOp::Prod) {
      const bool isSum = op == ScanOp::Sum;
      Acc<T> total = isSum ? 0 : 1;
      for (int64_t c = 0; c < cols; c++) {
        total = isSum ? total + (Acc<T>)x[c] : total * (Acc<T>)x[c];
        y[c] = (T)total;
      }
    } else if (op == ScanOp::Max || op == ScanOp::Min) {
      const bool isMax = op == ScanOp::Max;
      int64_t* idx = indices + r * cols;
      T best = x[0];
      int64_t at = 0;
      for (int64_t c = 0; c < cols; c++) {
        const T v = x[c];
        if (nanValue(v) || (!nanValue(best) && (isMax ? v >= best : v <= best))) {
          best = v;
          at = c;
        }
        y[c] = best;
        idx[c] = at;
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      T total = -std::numeric_limits<T>::infinity();
      for (int64_t c = 0; c < cols; c++) y[c] = total = logAddExp(total, x[c]);
    }
  }
}

template <class T>
void scanTyped(CudaContext& ctx, const ScanArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (rows * cols == 0) return;
  scanKernel<T><<<gridFor(ctx, rows), kBlockThreads, 0, ctx.stream>>>(
      a.op, (const T*)a.input.data, (T*)a.out.data, (int64_t*)a.indices.data, rows, cols);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::scanImpl(const ScanArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: scanTyped<double>(context(), args); break;
    case DType::Int64: scanTyped<int64_t>(context(), args); break;
    default: scanTyped<float>(context(), args); break;
  }
}

}  // namespace flint
