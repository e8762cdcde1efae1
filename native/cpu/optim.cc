// The optimizers' fused per-parameter updates on the CPU (declared in entries.mjs; shapes
// and dtypes were checked where the call entered). One pass over the parameter instead of
// the nine element-wise ops (and a temporary) of the composite update.
#include "flint/rules/adam.h"
#include "cpu_backend.h"

namespace flint {

namespace {

template <class T>
void adamStepTyped(ThreadPool& pool, const AdamStepArgs& a) {
  const int64_t n = a.param.shape[0];
  T* p = (T*)a.param.data;
  T* m = (T*)a.expAvg.data;
  T* v = (T*)a.expAvgSq.data;
  const T* g = (const T*)a.grad.data;
  const AdamConstants<T> c = adamConstants<T>(a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.decoupled, a.maximize, a.stepSize,
                                              a.biasCorrection2Sqrt);
  pool.parallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) adamUpdate<T>(p[i], m[i], v[i], g[i], c);
  });
}

}  // namespace

void CpuBackend::adamStepImpl(const AdamStepArgs& args) {
  if (args.param.dtype == DType::Float64) adamStepTyped<double>(pool(), args);
  else adamStepTyped<float>(pool(), args);
}

}  // namespace flint
