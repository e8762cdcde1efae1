// The optimizers' fused steps on the CPU (declared in entries.mjs; shapes and dtypes were
// checked where the call entered): each is its rule from flint/rules/ run over the group's
// lists in one pass (multi_tensor.h), instead of a parameter-sized temporary per op.
#include "cpu_backend.h"
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

void CpuBackend::adagradStepImpl(const AdagradStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.sums};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, AdagradElement<double>::make(a));
  else forEachElement<float>(pool(), lists, AdagradElement<float>::make(a));
}

void CpuBackend::rmspropStepImpl(const RmspropStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.squareAvgs, a.momentumBuffers, a.gradAvgs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, RmspropElement<double>::make(a));
  else forEachElement<float>(pool(), lists, RmspropElement<float>::make(a));
}

void CpuBackend::adadeltaStepImpl(const AdadeltaStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.squareAvgs, a.accDeltas};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, AdadeltaElement<double>::make(a));
  else forEachElement<float>(pool(), lists, AdadeltaElement<float>::make(a));
}

void CpuBackend::adamaxStepImpl(const AdamaxStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expInfs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, AdamaxElement<double>::make(a));
  else forEachElement<float>(pool(), lists, AdamaxElement<float>::make(a));
}

void CpuBackend::nadamStepImpl(const NadamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, NadamElement<double>::make(a));
  else forEachElement<float>(pool(), lists, NadamElement<float>::make(a));
}

void CpuBackend::radamStepImpl(const RadamStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.expAvgs, a.expAvgSqs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, RadamElement<double>::make(a));
  else forEachElement<float>(pool(), lists, RadamElement<float>::make(a));
}

void CpuBackend::asgdStepImpl(const AsgdStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.axs};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, AsgdElement<double>::make(a));
  else forEachElement<float>(pool(), lists, AsgdElement<float>::make(a));
}

void CpuBackend::rpropStepImpl(const RpropStepArgs& a) {
  const ViewList lists[] = {a.params, a.grads, a.prevs, a.stepSizes};
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(pool(), lists, RpropElement<double>::make(a));
  else forEachElement<float>(pool(), lists, RpropElement<float>::make(a));
}

}  // namespace flint
