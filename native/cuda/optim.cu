// The optimizers' fused steps on the GPU, with the CPU's arithmetic (the same rules from
// flint/rules/, every operation rounded on its own), over the group's lists in a launch per
// kMaxRows tensors (multi_tensor.cuh).
#include "common.cuh"
#include "flint/rules/adam.h"
#include "flint/rules/sgd.h"
#include "flint/rules/adagrad.h"
#include "flint/rules/rmsprop.h"
#include "flint/rules/adadelta.h"
#include "flint/rules/adamax.h"
#include "flint/rules/nadam.h"
#include "flint/rules/radam.h"
#include "flint/rules/asgd.h"
#include "flint/rules/rprop.h"
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

void CudaBackend::adagradStepImpl(const AdagradStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.sums};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, AdagradElement<double>::make(a));
  else forEachElement<float>(context(), lists, AdagradElement<float>::make(a));
}

void CudaBackend::rmspropStepImpl(const RmspropStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.squareAvgs, a.momentumBuffers, a.gradAvgs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, RmspropElement<double>::make(a));
  else forEachElement<float>(context(), lists, RmspropElement<float>::make(a));
}

void CudaBackend::adadeltaStepImpl(const AdadeltaStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.squareAvgs, a.accDeltas};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, AdadeltaElement<double>::make(a));
  else forEachElement<float>(context(), lists, AdadeltaElement<float>::make(a));
}

void CudaBackend::adamaxStepImpl(const AdamaxStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expInfs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, AdamaxElement<double>::make(a));
  else forEachElement<float>(context(), lists, AdamaxElement<float>::make(a));
}

void CudaBackend::nadamStepImpl(const NadamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, NadamElement<double>::make(a));
  else forEachElement<float>(context(), lists, NadamElement<float>::make(a));
}

void CudaBackend::radamStepImpl(const RadamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, RadamElement<double>::make(a));
  else forEachElement<float>(context(), lists, RadamElement<float>::make(a));
}

void CudaBackend::asgdStepImpl(const AsgdStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.axs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, AsgdElement<double>::make(a));
  else forEachElement<float>(context(), lists, AsgdElement<float>::make(a));
}

void CudaBackend::rpropStepImpl(const RpropStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.prevs, a.stepSizes};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(context(), lists, RpropElement<double>::make(a));
  else forEachElement<float>(context(), lists, RpropElement<float>::make(a));
}

}  // namespace flint
