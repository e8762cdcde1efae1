// Entry points for the fused neural-network kernels: softmax, log-softmax and the
// cross-entropy / NLL loss, forward and backward.
#include <optional>

#include "ops.h"
#include "views.h"

namespace flint {

namespace {

LossReduction reductionArg(const Napi::Value& value) {
  const int32_t code = value.As<Napi::Number>().Int32Value();
  FLINT_CHECK(code >= 0 && code <= 2, "unknown loss reduction");
  return (LossReduction)code;
}

Storage* optionalStorage(const Napi::Value& value) {
  return value.IsNull() || value.IsUndefined() ? nullptr : unwrapStorage(value);
}

void checkSame(const Storage* a, const Storage* b) {
  if (b != nullptr && a->backend != b->backend) {
    throw Error("Expected all tensors to be on the same device, but found at least two devices");
  }
}

}  // namespace

// softmax(out|null, in, log)   meta: [out, in], both [outer, size, inner]
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[1]);
  OutputTarget out = prepareNewOutput(env, info[0], reader, *input->backend);
  checkSame(out.storage, input);
  SoftmaxArgs args{out.view, reader.view(input), info[2].As<Napi::Boolean>()};
  input->backend->softmax(args);
  return finishOutput(env, out);
}

// softmaxBackward(gradInput|null, gradOutput, output, log)   meta: [gradInput, gradOutput, output]
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* gradOutput = unwrapStorage(info[1]);
  Storage* output = unwrapStorage(info[2]);
  checkSame(gradOutput, output);
  OutputTarget gradInput = prepareNewOutput(env, info[0], reader, *output->backend);
  checkSame(gradInput.storage, output);
  TensorView gradOutputView = reader.view(gradOutput);
  TensorView outputView = reader.view(output);
  SoftmaxBackwardArgs args{gradInput.view, gradOutputView, outputView, info[3].As<Napi::Boolean>()};
  output->backend->softmaxBackward(args);
  return finishOutput(env, gradInput);
}

// crossEntropy(loss|null, logProbs|null, input, target, weight|null, ignoreIndex, smoothing,
//              fromLogits, reduction, totalWeight|null) -> [loss, logProbs|null, totalWeight]
// meta: [loss, logProbs (fromLogits only), totalWeight ([] float64), input, target, weight (if given)]
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[2]);
  Storage* target = unwrapStorage(info[3]);
  Storage* weight = optionalStorage(info[4]);
  checkSame(input, target);
  checkSame(input, weight);
  const bool fromLogits = info[7].As<Napi::Boolean>();
  CrossEntropyArgs args{};
  OutputTarget loss = prepareNewOutput(env, info[0], reader, *input->backend);
  std::optional<OutputTarget> logProbs;
  if (fromLogits) logProbs.emplace(prepareNewOutput(env, info[1], reader, *input->backend));
  OutputTarget totalWeight = prepareNewOutput(env, info[9], reader, *input->backend);
  args.loss = loss.view;
  if (fromLogits) args.logProbs = logProbs->view;
  args.totalWeight = totalWeight.view;
  args.input = reader.view(input);
  args.target = reader.view(target);
  if (weight != nullptr) args.weight = reader.view(weight);
  args.ignoreIndex = integerArg(info[5], "ignore_index");
  args.labelSmoothing = info[6].As<Napi::Number>().DoubleValue();
  FLINT_CHECK(args.labelSmoothing >= 0 && args.labelSmoothing <= 1, "label_smoothing must be between 0.0 and 1.0");
  args.fromLogits = fromLogits;
  args.reduction = reductionArg(info[8]);
  input->backend->crossEntropy(args);
  Napi::Array result = Napi::Array::New(env, 3);
  result.Set(0u, finishOutput(env, loss));
  result.Set(1u, fromLogits ? finishOutput(env, *logProbs) : env.Null());
  result.Set(2u, finishOutput(env, totalWeight));
  return result;
}

// crossEntropyBackward(gradInput|null, gradLoss, logProbs, target, weight|null, ignoreIndex,
//                      smoothing, fromLogits, reduction, totalWeight)
// meta: [gradInput, gradLoss, logProbs, target, weight (if given), totalWeight]
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* gradLoss = unwrapStorage(info[1]);
  Storage* logProbs = unwrapStorage(info[2]);
  Storage* target = unwrapStorage(info[3]);
  Storage* weight = optionalStorage(info[4]);
  Storage* totalWeight = unwrapStorage(info[9]);
  checkSame(logProbs, totalWeight);
  checkSame(logProbs, gradLoss);
  checkSame(logProbs, target);
  checkSame(logProbs, weight);
  OutputTarget gradInput = prepareNewOutput(env, info[0], reader, *logProbs->backend);
  CrossEntropyBackwardArgs args{};
  args.gradInput = gradInput.view;
  args.gradLoss = reader.view(gradLoss);
  args.logProbs = reader.view(logProbs);
  args.target = reader.view(target);
  if (weight != nullptr) args.weight = reader.view(weight);
  args.ignoreIndex = integerArg(info[5], "ignore_index");
  args.labelSmoothing = info[6].As<Napi::Number>().DoubleValue();
  args.fromLogits = info[7].As<Napi::Boolean>();
  args.reduction = reductionArg(info[8]);
  args.totalWeight = reader.view(totalWeight);
  logProbs->backend->crossEntropyBackward(args);
  return finishOutput(env, gradInput);
}

}  // namespace flint

namespace flint {

// layerNorm(out|null, mean|null, rstd|null, input, weight|null, bias|null, eps) -> [out, mean, rstd]
// meta: [out, mean, rstd, input, weight (if given), bias (if given)]
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[3]);
  Storage* weight = optionalStorage(info[4]);
  Storage* bias = optionalStorage(info[5]);
  checkSame(input, weight);
  checkSame(input, bias);
  OutputTarget out = prepareNewOutput(env, info[0], reader, *input->backend);
  OutputTarget mean = prepareNewOutput(env, info[1], reader, *input->backend);
  OutputTarget rstd = prepareNewOutput(env, info[2], reader, *input->backend);
  LayerNormArgs args{};
  args.out = out.view;
  args.mean = mean.view;
  args.rstd = rstd.view;
  args.input = reader.view(input);
  if (weight != nullptr) args.weight = reader.view(weight);
  if (bias != nullptr) args.bias = reader.view(bias);
  args.eps = info[6].As<Napi::Number>().DoubleValue();
  input->backend->layerNorm(args);
  Napi::Array result = Napi::Array::New(env, 3);
  result.Set(0u, finishOutput(env, out));
  result.Set(1u, finishOutput(env, mean));
  result.Set(2u, finishOutput(env, rstd));
  return result;
}

// layerNormBackward(gradOutput, input, mean, rstd, weight|null, wantInput, wantWeight, wantBias)
//   -> [gradInput|null, gradWeight|null, gradBias|null]
// meta: [gradInput (if wanted), gradWeight (if wanted), gradBias (if wanted), gradOutput, input,
//        mean, rstd, weight (if given)]
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* gradOutput = unwrapStorage(info[0]);
  Storage* input = unwrapStorage(info[1]);
  Storage* mean = unwrapStorage(info[2]);
  Storage* rstd = unwrapStorage(info[3]);
  Storage* weight = optionalStorage(info[4]);
  checkSame(input, gradOutput);
  checkSame(input, mean);
  checkSame(input, rstd);
  checkSame(input, weight);
  Backend& backend = *input->backend;
  std::optional<OutputTarget> gradInput, gradWeight, gradBias;
  if (info[5].As<Napi::Boolean>()) gradInput.emplace(prepareNewOutput(env, env.Null(), reader, backend));
  if (info[6].As<Napi::Boolean>()) gradWeight.emplace(prepareNewOutput(env, env.Null(), reader, backend));
  if (info[7].As<Napi::Boolean>()) gradBias.emplace(prepareNewOutput(env, env.Null(), reader, backend));
  LayerNormBackwardArgs args{};
  if (gradInput) args.gradInput = gradInput->view;
  if (gradWeight) args.gradWeight = gradWeight->view;
  if (gradBias) args.gradBias = gradBias->view;
  args.gradOutput = reader.view(gradOutput);
  args.input = reader.view(input);
  args.mean = reader.view(mean);
  args.rstd = reader.view(rstd);
  if (weight != nullptr) args.weight = reader.view(weight);
  backend.layerNormBackward(args);
  Napi::Array result = Napi::Array::New(env, 3);
  result.Set(0u, gradInput ? finishOutput(env, *gradInput) : env.Null());
  result.Set(1u, gradWeight ? finishOutput(env, *gradWeight) : env.Null());
  result.Set(2u, gradBias ? finishOutput(env, *gradBias) : env.Null());
  return result;
}

// biasActivation(out|null, input, bias, activation) -> out (new) or undefined (in place)
// meta: [out, input, bias]
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[1]);
  Storage* bias = unwrapStorage(info[2]);
  checkSame(input, bias);
  OutputTarget out = prepareOutput(env, info[0], reader, *input->backend);
  checkSame(input, out.storage);
  const int32_t activation = info[3].As<Napi::Number>().Int32Value();
  FLINT_CHECK(activation == 0 || activation == 1, "unknown activation");
  ScratchCopies scratch(*input->backend);
  TensorView inputView = scratch.separate(out.storage, out.view, input, reader.view(input), true);
  TensorView biasView = scratch.separate(out.storage, out.view, bias, reader.view(bias), false);
  BiasActivationArgs args{out.view, inputView, biasView, (Activation)activation};
  input->backend->biasActivation(args);
  return finishOutput(env, out);
}

}  // namespace flint
