#include "checks.h"

#include <string>

namespace flint {

namespace {

void checkFloating(DType dtype, const std::string& message) {
  FLINT_CHECK(dtype == DType::Float32 || dtype == DType::Float64, message);
}

void checkSoftmaxView(const TensorView& v, const char* what) {
  FLINT_CHECK(v.ndim == 3 && v.isContiguous(), std::string(what) + ": expected a contiguous [outer, size, inner] view");
}

void checkLossViews(const TensorView& input, const TensorView& target, const TensorView& weight) {
  FLINT_CHECK(input.ndim == 2 && input.isContiguous(), "cross_entropy: expected contiguous [rows, classes] scores");
  FLINT_CHECK(target.ndim == 1 && target.isContiguous() && target.dtype == DType::Int64 &&
                  target.shape[0] == input.shape[0],
              "cross_entropy: expected an int64 target with one class index per row");
  FLINT_CHECK(weight.data == nullptr || (weight.ndim == 1 && weight.isContiguous() && weight.dtype == input.dtype &&
                                         weight.shape[0] == input.shape[1]),
              "cross_entropy: weight must be a contiguous 1-D tensor with one value per class");
}

void checkTotalWeight(const TensorView& v, const char* op) {
  FLINT_CHECK(v.data != nullptr && v.dtype == DType::Float64 && v.numel() == 1,
              std::string(op) + ": expected a float64 scalar for the total weight");
}

void checkMatrix(const TensorView& v, const TensorView& like, const char* op, const char* what) {
  FLINT_CHECK(v.ndim == 2 && v.isContiguous() && v.shape[0] == like.shape[0] && v.shape[1] == like.shape[1] &&
                  v.dtype == like.dtype,
              std::string(op) + ": " + what + " must be a contiguous [rows, cols] tensor like the input");
}

void checkVector(const TensorView& v, const TensorView& like, int64_t size, const char* op, const char* what) {
  FLINT_CHECK(v.isContiguous() && v.numel() == size && v.dtype == like.dtype,
              std::string(op) + ": " + what + " must be a contiguous tensor of " + std::to_string(size) +
                  " values with the input's dtype");
}

void checkRowsInput(const TensorView& input, const char* op) {
  checkFloating(input.dtype, std::string(op) + ": expected a float32 or float64 input, got " + dtypeName(input.dtype));
  FLINT_CHECK(input.ndim == 2 && input.isContiguous(), std::string(op) + ": expected a contiguous [rows, cols] input");
}

}  // namespace

DType reduceOutputDType(ReduceOp op, DType input) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod: return isFloatingDType(input) ? input : DType::Int64;
    case ReduceOp::ArgMax:
    case ReduceOp::ArgMin: return DType::Int64;
    case ReduceOp::Any:
    case ReduceOp::All: return DType::Bool;
    default: return input;
  }
}

void checkReduceArgs(const ReduceArgs& args) {
  FLINT_CHECK(args.reduceDims >= 0 && args.reduceDims <= args.input.ndim, "reduce: bad number of reduced dims");
  const DType expected = reduceOutputDType(args.op, args.input.dtype);
  FLINT_CHECK(args.output.dtype == expected, std::string("reduce: output dtype must be ") + dtypeName(expected));
  FLINT_CHECK(args.output.isContiguous(), "reduce: output must be contiguous");
}

void checkSoftmaxArgs(const SoftmaxArgs& args) {
  checkSoftmaxView(args.in, "softmax");
  checkSoftmaxView(args.out, "softmax");
  FLINT_CHECK(args.in.numel() == args.out.numel() && args.in.dtype == args.out.dtype, "softmax: output mismatch");
  checkFloating(args.in.dtype, "softmax: expected a float32 or float64 tensor");
}

void checkSoftmaxBackwardArgs(const SoftmaxBackwardArgs& args) {
  checkSoftmaxView(args.gradInput, "softmax backward");
  checkSoftmaxView(args.gradOutput, "softmax backward");
  checkSoftmaxView(args.output, "softmax backward");
  FLINT_CHECK(args.gradOutput.numel() == args.output.numel() && args.gradInput.numel() == args.output.numel() &&
                  args.gradOutput.dtype == args.output.dtype && args.gradInput.dtype == args.output.dtype,
              "softmax backward: shape or dtype mismatch");
  checkFloating(args.output.dtype, "softmax backward: expected a float32 or float64 tensor");
}

void checkCrossEntropyArgs(const CrossEntropyArgs& args) {
  checkLossViews(args.input, args.target, args.weight);
  const int64_t lossNumel = args.reduction == LossReduction::None ? args.input.shape[0] : 1;
  FLINT_CHECK(args.loss.isContiguous() && args.loss.numel() == lossNumel && args.loss.dtype == args.input.dtype,
              "cross_entropy: loss output mismatch");
  FLINT_CHECK(!args.fromLogits || (args.logProbs.isContiguous() && args.logProbs.numel() == args.input.numel() &&
                                   args.logProbs.dtype == args.input.dtype),
              "cross_entropy: log-probability output mismatch");
  checkTotalWeight(args.totalWeight, "cross_entropy");
  checkFloating(args.input.dtype, "cross_entropy: expected float32 or float64 scores");
}

void checkCrossEntropyBackwardArgs(const CrossEntropyBackwardArgs& args) {
  checkLossViews(args.logProbs, args.target, args.weight);
  const int64_t lossNumel = args.reduction == LossReduction::None ? args.logProbs.shape[0] : 1;
  FLINT_CHECK(args.gradLoss.isContiguous() && args.gradLoss.numel() == lossNumel &&
                  args.gradLoss.dtype == args.logProbs.dtype,
              "cross_entropy backward: gradient shape mismatch");
  FLINT_CHECK(args.gradInput.isContiguous() && args.gradInput.numel() == args.logProbs.numel() &&
                  args.gradInput.dtype == args.logProbs.dtype,
              "cross_entropy backward: output mismatch");
  checkTotalWeight(args.totalWeight, "cross_entropy backward");
  checkFloating(args.logProbs.dtype, "cross_entropy backward: expected float32 or float64");
}

void checkLayerNormArgs(const LayerNormArgs& args) {
  const char* op = "layer_norm";
  checkRowsInput(args.input, op);
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  checkMatrix(args.out, args.input, op, "the output");
  if (args.weight.data != nullptr) checkVector(args.weight, args.input, cols, op, "weight");
  if (args.bias.data != nullptr) checkVector(args.bias, args.input, cols, op, "bias");
  checkVector(args.mean, args.input, rows, op, "mean");
  checkVector(args.rstd, args.input, rows, op, "rstd");
}

void checkLayerNormBackwardArgs(const LayerNormBackwardArgs& args) {
  const char* op = "layer_norm backward";
  checkRowsInput(args.input, op);
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  checkMatrix(args.gradOutput, args.input, op, "gradOutput");
  if (args.gradInput.data != nullptr) checkMatrix(args.gradInput, args.input, op, "gradInput");
  if (args.gradWeight.data != nullptr) checkVector(args.gradWeight, args.input, cols, op, "gradWeight");
  if (args.gradBias.data != nullptr) checkVector(args.gradBias, args.input, cols, op, "gradBias");
  if (args.weight.data != nullptr) checkVector(args.weight, args.input, cols, op, "weight");
  checkVector(args.mean, args.input, rows, op, "mean");
  checkVector(args.rstd, args.input, rows, op, "rstd");
}

void checkBiasActivationArgs(const BiasActivationArgs& args) {
  const char* op = "bias_activation";
  checkRowsInput(args.input, op);
  checkMatrix(args.out, args.input, op, "the output");
  checkVector(args.bias, args.input, args.input.shape[1], op, "bias");
  FLINT_CHECK(args.activation == Activation::None || args.activation == Activation::Relu,
              "bias_activation: unknown activation " + std::to_string((int)args.activation));
}

}  // namespace flint
