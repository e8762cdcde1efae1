// The activations' gradients on the GPU, with the CPU's rules (flint/rules/activation_grad.h):
// one grid-stride pass over contiguous views, compiled once per op.
#include "flint/rules/activation_grad.h"
#include "common.cuh"

namespace flint {

namespace {

template <UnaryOp OP, class T>
__global__ void activationBackwardKernel(const T* __restrict__ g, const T* __restrict__ x, T* __restrict__ gi, int64_t n,
                                         UnaryParams<T> params) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    gi[i] = activationGrad<OP, T>(g[i], x[i], params);
  }
}

template <class T>
void activationBackwardTyped(CudaContext& ctx, const ActivationBackwardArgs& a) {
  const int64_t n = a.input.shape[0];
  const UnaryParams<T> params = unaryParams<T>(a.p0, a.p1);
  dispatchActivationGrad(a.op, [&](auto rule) {
    if (n == 0) return;
    activationBackwardKernel<decltype(rule)::value, T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
        (const T*)a.gradOutput.data, (const T*)a.input.data, (T*)a.gradInput.data, n, params);
    FLINT_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

void CudaBackend::activationBackwardImpl(const ActivationBackwardArgs& args) {
  if (args.input.dtype == DType::Float64) activationBackwardTyped<double>(context(), args);
  else activationBackwardTyped<float>(context(), args);
}

}  // namespace flint
