// The optimizers' fused steps on the GPU, with the CPU's arithmetic (the same rules from
// flint/rules/, every operation rounded on its own), over the group's lists in a launch per
// kMaxRows tensors (multi_tensor.cuh).
#include "common.cuh"
#include "flint/rules/adam.h"
#include "flint/rules/sgd.h"
#include "multi_tensor.cuh"

namespace flint {

void CudaBackend::adamStepImpl(const AdamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs, a.maxExpAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, adamElement<double>(a));
  else forEachElement<float>(context(), lists, adamElement<float>(a));
}

void CudaBackend::sgdStepImpl(const SgdStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.momentumBuffers};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, sgdElement<double>(a));
  else forEachElement<float>(context(), lists, sgdElement<float>(a));
}

}  // namespace flint
