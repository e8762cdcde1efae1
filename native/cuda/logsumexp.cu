// logsumexp over the rows of a contiguous [rows, cols] view, and its backward, on the GPU,
// with the CPU's conventions (native/cpu/logsumexp.cc): a +inf or -inf max shifts by 0, a
// NaN anywhere in a row gives NaN, sums run in double. One block per row (grid-stride over
// rows): the rows logsumexp sees are whole reductions, usually long.
#include <algorithm>
#include <cmath>
#include <limits>

#include "common.cuh"

namespace flint {

namespace {

// Block-wide max (kMax) or sum, returned to every thread; `smem` holds one value per warp.
template <bool kMax, class X>
__device__ X blockReduce(X v, X* smem) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int m = 16; m > 0; m >>= 1) {
    const X other = __shfl_xor_sync(0xffffffffu, v, m);
    v = kMax ? (v < other ? other : v) : v + other;
  }
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  v = smem[0];
  for (int w = 1; w < warps; w++) v = kMax ? (v < smem[w] ? smem[w] : v) : v + smem[w];
  __syncthreads();
  return v;
}

template <class T>
__global__ void logsumexpKernel(const T* __restrict__ in, T* __restrict__ out, int64_t rows, int64_t cols) {
  __shared__ double sums[kBlockThreads / 32];
  __shared__ T maxes[kBlockThreads / 32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = in + r * cols;
    T maxValue = -std::numeric_limits<T>::infinity();
    double nan = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const T v = x[c];
      if (isnan(v)) nan = 1;
      else if (v > maxValue) maxValue = v;
    }
    maxValue = blockReduce<true>(maxValue, maxes);
    nan = blockReduce<true>(nan, sums);
    const T shift = isinf(maxValue) ? T(0) : maxValue;
    double total = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) total += exp((double)(x[c] - shift));
    total = blockReduce<false>(total, sums);
    if (threadIdx.x == 0) out[r] = nan != 0 ? std::numeric_limits<T>::quiet_NaN() : (T)log(total) + shift;
  }
}

template <class T>
__global__ void logsumexpBackwardKernel(const T* __restrict__ grad, const T* __restrict__ in, const T* __restrict__ result,
                                        T* __restrict__ gradInput, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = i / cols;
    gradInput[i] = grad[r] * exp(in[i] - result[r]);
  }
}

template <class T>
void logsumexpTyped(CudaContext& ctx, const LogsumexpArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (rows == 0) return;
  const unsigned blocks = (unsigned)std::min<int64_t>(rows, (int64_t)ctx.smCount * 16);
  logsumexpKernel<T><<<blocks, kBlockThreads, 0, ctx.stream>>>((const T*)a.input.data, (T*)a.out.data, rows, cols);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void logsumexpBackwardTyped(CudaContext& ctx, const LogsumexpBackwardArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (rows * cols == 0) return;
  logsumexpBackwardKernel<T><<<gridFor(ctx, rows * cols), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.gradOutput.data, (const T*)a.input.data, (const T*)a.result.data, (T*)a.gradInput.data, rows, cols);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::logsumexpImpl(const LogsumexpArgs& args) {
  if (args.input.dtype == DType::Float64) logsumexpTyped<double>(context(), args);
  else logsumexpTyped<float>(context(), args);
}

void CudaBackend::logsumexpBackwardImpl(const LogsumexpBackwardArgs& args) {
  if (args.input.dtype == DType::Float64) logsumexpBackwardTyped<double>(context(), args);
  else logsumexpBackwardTyped<float>(context(), args);
}

}  // namespace flint
