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

namespace {

// One rule over the group's lists, in the parameters' dtype (float32 or float64, as checked).
template <template <class> class Element, size_t Depth, class Args>
void runRule(ThreadPool& device, const ViewList (&lists)[Depth], const Args& a) {
  if (a.params[0].dtype == DType::Float64) forEachElement<double>(device, lists, Element<double>::make(a));
  else forEachElement<float>(device, lists, Element<float>::make(a));
}

}  // namespace

void CpuBackend::adamStepRun(const AdamStepArgs& a) {
  runRule<AdamElement>(pool(), {a.params, a.grads, a.expAvgs, a.expAvgSqs, a.maxExpAvgSqs}, a);
}

void CpuBackend::sgdStepRun(const SgdStepArgs& a) {
  runRule<SgdElement>(pool(), {a.params, a.grads, a.momentumBuffers}, a);
}

void CpuBackend::adagradStepRun(const AdagradStepArgs& a) {
  runRule<AdagradElement>(pool(), {a.params, a.grads, a.sums}, a);
}

void CpuBackend::rmspropStepRun(const RmspropStepArgs& a) {
  runRule<RmspropElement>(pool(), {a.params, a.grads, a.squareAvgs, a.momentumBuffers, a.gradAvgs}, a);
}

void CpuBackend::adadeltaStepRun(const AdadeltaStepArgs& a) {
  runRule<AdadeltaElement>(pool(), {a.params, a.grads, a.squareAvgs, a.accDeltas}, a);
}

void CpuBackend::adamaxStepRun(const AdamaxStepArgs& a) {
  runRule<AdamaxElement>(pool(), {a.params, a.grads, a.expAvgs, a.expInfs}, a);
}

void CpuBackend::nadamStepRun(const NadamStepArgs& a) {
  runRule<NadamElement>(pool(), {a.params, a.grads, a.expAvgs, a.expAvgSqs}, a);
}

void CpuBackend::radamStepRun(const RadamStepArgs& a) {
  runRule<RadamElement>(pool(), {a.params, a.grads, a.expAvgs, a.expAvgSqs}, a);
}

void CpuBackend::asgdStepRun(const AsgdStepArgs& a) {
  runRule<AsgdElement>(pool(), {a.params, a.grads, a.axs}, a);
}

void CpuBackend::rpropStepRun(const RpropStepArgs& a) {
  runRule<RpropElement>(pool(), {a.params, a.grads, a.prevs, a.stepSizes}, a);
}

}  // namespace flint
