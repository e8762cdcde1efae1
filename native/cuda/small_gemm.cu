// Products of one or two rows with a transposed weight (Linear's `x @ W.t()` on a batch of
// 1–2 rows, seed_mlp's shape), as the CPU's smallRowsTransB does. cuBLAS spends several
// microseconds of host time per call on such a product, for a few thousand multiply-adds;
// this is one plain launch. One warp computes one output: its lanes stride over k, then
// a shuffle tree sums them. It reads addmm's bias itself (GemmArgs::bias), saving the launch
// that would fill C with it first.
#include "common.cuh"

namespace flint {

namespace {

constexpr int kWarpsPerBlock = 4;

template <class T>
__global__ void smallRowsKernel(GemmArgs g, int64_t outputs) {
  const int64_t output = (int64_t)blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
  if (output >= outputs) return;
  const int lane = threadIdx.x % 32;
  const int64_t j = output % g.n;
  const int64_t rest = output / g.n;
  const int64_t i = rest % g.m;
  const int64_t batch = rest / g.m;
  const T* a = (const T*)g.a + batch * g.strideA + i * g.lda;
  const T* b = (const T*)g.b + batch * g.strideB + j * g.ldb;
  T sum = 0;
  for (int64_t p = lane; p < g.k; p += 32) sum += a[p] * b[p];
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
  if (lane == 0) {
    T* c = (T*)g.c + batch * g.strideC + i * g.ldc + j;
    // beta == 0 never reads C, which may hold NaN (BLAS's rule). A bias stands in for C.
    const T prior = g.beta == 0 ? T(0) : g.bias != nullptr ? ((const T*)g.bias)[i * g.biasStrideM + j * g.biasStrideN] : *c;
    *c = (T)g.alpha * sum + (g.beta == 0 ? T(0) : (T)g.beta * prior);
  }
}

}  // namespace

bool cudaSmallRowsApplies(const GemmArgs& g) {
  return !g.transA && g.transB && g.m <= 2 && g.m * g.n * g.k <= (int64_t(1) << 16) &&
         (g.dtype == DType::Float32 || g.dtype == DType::Float64);
}

bool cudaSmallRowsGemm(CudaContext& ctx, const GemmArgs& g) {
  if (!cudaSmallRowsApplies(g)) return false;
  const int64_t outputs = g.batch * g.m * g.n;
  const unsigned blocks = (unsigned)((outputs + kWarpsPerBlock - 1) / kWarpsPerBlock);
  if (g.dtype == DType::Float32) smallRowsKernel<float><<<blocks, kWarpsPerBlock * 32, 0, ctx.stream>>>(g, outputs);
  else smallRowsKernel<double><<<blocks, kWarpsPerBlock * 32, 0, ctx.stream>>>(g, outputs);
  FLINT_CUDA_LAUNCH_CHECK();
  return true;
}

}  // namespace flint
