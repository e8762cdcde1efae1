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

namespace {

// One rule over the group's lists, in the parameters' dtype (float32 or float64, as checked).
template <template <class> class Element, size_t Depth, class Args>
void runRule(CudaContext& device, const ViewList (&lists)[Depth], const Args& a) {
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(device, lists, Element<double>::make(a));
  else forEachElement<float>(device, lists, Element<float>::make(a));
}

}  // namespace

void CudaBackend::adamStepImpl(const AdamStepArgs& a) {
  runRule<AdamElement>(context(), {a.params, a.grads, a.expAvgs, a.expAvgSqs, a.maxExpAvgSqs}, a);
}

void CudaBackend::sgdStepImpl(const SgdStepArgs& a) {
  runRule<SgdElement>(context(), {a.params, a.grads, a.momentumBuffers}, a);
}

void CudaBackend::adagradStepImpl(const AdagradStepArgs& a) {
  runRule<AdagradElement>(context(), {a.params, a.grads, a.sums}, a);
}

void CudaBackend::rmspropStepImpl(const RmspropStepArgs& a) {
  runRule<RmspropElement>(context(), {a.params, a.grads, a.squareAvgs, a.momentumBuffers, a.gradAvgs}, a);
}

void CudaBackend::adadeltaStepImpl(const AdadeltaStepArgs& a) {
  runRule<AdadeltaElement>(context(), {a.params, a.grads, a.squareAvgs, a.accDeltas}, a);
}

void CudaBackend::adamaxStepImpl(const AdamaxStepArgs& a) {
  runRule<AdamaxElement>(context(), {a.params, a.grads, a.expAvgs, a.expInfs}, a);
}

void CudaBackend::nadamStepImpl(const NadamStepArgs& a) {
  runRule<NadamElement>(context(), {a.params, a.grads, a.expAvgs, a.expAvgSqs}, a);
}

void CudaBackend::radamStepImpl(const RadamStepArgs& a) {
  runRule<RadamElement>(context(), {a.params, a.grads, a.expAvgs, a.expAvgSqs}, a);
}

void CudaBackend::asgdStepImpl(const AsgdStepArgs& a) {
  runRule<AsgdElement>(context(), {a.params, a.grads, a.axs}, a);
}

void CudaBackend::rpropStepImpl(const RpropStepArgs& a) {
  runRule<RpropElement>(context(), {a.params, a.grads, a.prevs, a.stepSizes}, a);
}

}  // namespace flint
