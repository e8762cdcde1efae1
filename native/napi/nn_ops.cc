// The fused neural-network kernels: softmax, log-softmax, the cross-entropy / NLL loss,
// layer normalization and the bias + activation epilogue. Their arguments are unpacked
// by the generated code (native/napi/entries.mjs); what is left here is what no
// declaration says: which views must be present together, and aliasing.
#include "arguments.h"
#include "entries.generated.h"

namespace flint {
namespace entry {

void softmax(SoftmaxCall& call) { call.backend->softmax(SoftmaxArgs{call.out.view, call.input.view, call.log}); }

void softmaxBackward(SoftmaxBackwardCall& call) {
  call.backend->softmaxBackward(
      SoftmaxBackwardArgs{call.gradInput.view, call.gradOutput.view, call.output.view, call.log});
}

void crossEntropy(CrossEntropyCall& call) {
  // The log-probabilities are written for the backward only when the input is logits.
  FLINT_CHECK((call.logProbs.storage != nullptr) == call.fromLogits,
              "internal: crossEntropy writes logProbs exactly when fromLogits");
  CrossEntropyArgs args{};
  args.loss = call.loss.view;
  args.logProbs = call.logProbs.view;
  args.totalWeight = call.totalWeight.view;
  args.input = call.input.view;
  args.target = call.target.view;
  args.weight = call.weight.view;
  args.ignoreIndex = call.ignoreIndex;
  args.labelSmoothing = call.labelSmoothing;
  args.fromLogits = call.fromLogits;
  args.reduction = call.reduction;
  call.backend->crossEntropy(args);
}

void crossEntropyBackward(CrossEntropyBackwardCall& call) {
  CrossEntropyBackwardArgs args{};
  args.gradInput = call.gradInput.view;
  args.gradLoss = call.gradLoss.view;
  args.logProbs = call.logProbs.view;
  args.target = call.target.view;
  args.weight = call.weight.view;
  args.ignoreIndex = call.ignoreIndex;
  args.labelSmoothing = call.labelSmoothing;
  args.fromLogits = call.fromLogits;
  args.reduction = call.reduction;
  args.totalWeight = call.totalWeight.view;
  call.backend->crossEntropyBackward(args);
}

void layerNorm(LayerNormCall& call) {
  LayerNormArgs args{};
  args.out = call.out.view;
  args.mean = call.mean.view;
  args.rstd = call.rstd.view;
  args.input = call.input.view;
  args.weight = call.weight.view;
  args.bias = call.bias.view;
  args.eps = call.eps;
  call.backend->layerNorm(args);
}

void layerNormBackward(LayerNormBackwardCall& call) {
  LayerNormBackwardArgs args{};
  args.gradInput = call.gradInput.view;
  args.gradWeight = call.gradWeight.view;
  args.gradBias = call.gradBias.view;
  args.gradOutput = call.gradOutput.view;
  args.input = call.input.view;
  args.mean = call.mean.view;
  args.rstd = call.rstd.view;
  args.weight = call.weight.view;
  call.backend->layerNormBackward(args);
}

void biasActivation(BiasActivationCall& call) {
  // `out` may be `input` (in place); any other overlap is read from a copy.
  ScratchCopies scratch(*call.backend);
  TensorView input = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, true);
  TensorView bias = scratch.separate(call.out.storage, call.out.view, call.bias.storage, call.bias.view, false);
  call.backend->biasActivation(BiasActivationArgs{call.out.view, input, bias, call.activation});
}

}  // namespace entry
}  // namespace flint
