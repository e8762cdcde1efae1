// The optimizers' fused steps on the CPU (declared in entries.mjs; shapes and dtypes were
// checked where the call entered): each is its rule from flint/rules/ run over the group's
// lists in one pass (multi_tensor.h), instead of a parameter-sized temporary per op.
#include "cpu_backend.h"
#include "flint/rules/adam.h"
#include "flint/rules/sgd.h"
#include "multi_tensor.h"

namespace flint {

void CpuBackend::adamStepImpl(const AdamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs, a.maxExpAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, adamElement<double>(a));
  else forEachElement<float>(pool(), lists, adamElement<float>(a));
}

void CpuBackend::sgdStepImpl(const SgdStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.momentumBuffers};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, sgdElement<double>(a));
  else forEachElement<float>(pool(), lists, sgdElement<float>(a));
}

}  // namespace flint
