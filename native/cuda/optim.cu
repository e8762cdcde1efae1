// The optimizers' fused per-parameter updates on the GPU, with the CPU's arithmetic
// (flint/rules/adam.h, every operation rounded on its own): one thread per element,
// grid-stride.
#include "common.cuh"
#include "flint/rules/adam.h"

namespace flint {

namespace {

template <class T>
__global__ void adamStepKernel(T* p, T* m, T* v, const T* g, int64_t n, AdamConstants<T> c) {
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < n; k += (int64_t)gridDim.x * blockDim.x) {
    adamUpdate<T>(p[k], m[k], v[k], g[k], c);
  }
}

template <class T>
void adamStepTyped(CudaContext& ctx, const AdamStepArgs& a) {
  const int64_t n = a.param.shape[0];
  if (n == 0) return;
  const AdamConstants<T> c = adamConstants<T>(a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.decoupled, a.maximize, a.stepSize,
                                              a.biasCorrection2Sqrt);
  adamStepKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((T*)a.param.data, (T*)a.expAvg.data, (T*)a.expAvgSq.data,
                                                                       (const T*)a.grad.data, n, c);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::adamStepImpl(const AdamStepArgs& args) {
  if (args.param.dtype == DType::Float64) adamStepTyped<double>(context(), args);
  else adamStepTyped<float>(context(), args);
}

}  // namespace flint
