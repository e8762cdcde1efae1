// The activations' gradients on the CPU: one contiguous pass, the rule of
// flint/rules/activation_grad.h inlined per op. Shapes and dtypes were checked where the
// call entered (kernels.generated.h).
#include "flint/rules/activation_grad.h"
#include "cpu_backend.h"

namespace flint {

namespace {

template <class T>
void activationBackwardTyped(ThreadPool& pool, const ActivationBackwardArgs& a) {
  const int64_t n = a.input.shape[0];
  const T* g = (const T*)a.gradOutput.data;
  const T* x = (const T*)a.input.data;
  T* gi = (T*)a.gradInput.data;
  const UnaryParams<T> params = unaryParams<T>(a.p0, a.p1);
  dispatchActivationGrad(a.op, [&](auto rule) {
    constexpr UnaryOp OP = decltype(rule)::value;
    pool.parallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) gi[i] = activationGrad<OP, T>(g[i], x[i], params);
    });
  });
}

}  // namespace

void CpuBackend::activationBackwardRun(const ActivationBackwardArgs& args) {
  if (args.input.dtype == DType::Float64) activationBackwardTyped<double>(pool(), args);
  else activationBackwardTyped<float>(pool(), args);
}

}  // namespace flint
