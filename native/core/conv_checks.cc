// The geometry of the convolution entries (entries.mjs: convolution,
// convolutionBackwardInput, convolutionBackwardWeight), checked once for every device after
// their shapes: that the output's size is the one the image, kernel, stride, padding and
// dilation give, that the channels divide into the groups, and that every size fits the
// 32-bit integers cuDNN's descriptors take (oneDNN, on the CPU, is held to the same).
// PyTorch's own wording of bad arguments is in
// TypeScript (src/nn/functional/conv-args.ts); these keep the native side safe on its own.
#include <string>

#include "checks.h"

namespace flint {

namespace {

constexpr int64_t kInt32Limit = int64_t(1) << 31;

void checkRange(const char* op, const std::string& what, int64_t value, int64_t low) {
  FLINT_CHECK(value >= low && value < kInt32Limit,
              std::string(op) + ": " + what + " must be in [" + std::to_string(low) + ", 2^31), got " + std::to_string(value));
}

void checkElements(const char* op, const char* what, const TensorView& view) {
  FLINT_CHECK(view.numel() < kInt32Limit, std::string(op) + ": " + what + " has " + std::to_string(view.numel()) +
                                              " elements; cuDNN's descriptors take fewer than 2^31");
}

template <class Args>
void checkGeometry(const char* op, const Args& a, const TensorView& image, const TensorView& output,
                   const TensorView& weight) {
  const int64_t stride[3] = {a.strideD, a.strideH, a.strideW};
  const int64_t padding[3] = {a.paddingD, a.paddingH, a.paddingW};
  const int64_t dilation[3] = {a.dilationD, a.dilationH, a.dilationW};
  checkRange(op, "groups", a.groups, 1);
  for (int d = 0; d < 3; d++) {
    checkRange(op, "stride", stride[d], 1);
    checkRange(op, "padding", padding[d], 0);
    checkRange(op, "dilation", dilation[d], 1);
  }
  checkElements(op, "the image", image);
  checkElements(op, "the output", output);
  checkElements(op, "the weight", weight);
  const int64_t channels = image.shape[1], outChannels = weight.shape[0];
  FLINT_CHECK(weight.shape[1] * a.groups == channels,
              std::string(op) + ": the weight takes " + std::to_string(weight.shape[1]) + " channels per group over " +
                  std::to_string(a.groups) + " groups, but the image has " + std::to_string(channels));
  FLINT_CHECK(outChannels % a.groups == 0, std::string(op) + ": " + std::to_string(outChannels) +
                                               " output channels do not divide into " + std::to_string(a.groups) + " groups");
  for (int d = 0; d < 3; d++) {
    const int64_t size = image.shape[2 + d], kernel = weight.shape[2 + d];
    checkRange(op, "kernel size", kernel, 1);
    // Each term is below 2^31, so the sum stays far from int64's limits.
    const int64_t span = size + 2 * padding[d] - dilation[d] * (kernel - 1) - 1;
    const int64_t expected = span < 0 ? 0 : span / stride[d] + 1;
    FLINT_CHECK(span >= 0 && output.shape[2 + d] == expected,
                std::string(op) + ": spatial dim " + std::to_string(d) + " of the output is " +
                    std::to_string(output.shape[2 + d]) + ", but an image of " + std::to_string(size) +
                    " with this kernel, stride, padding and dilation gives " +
                    (span < 0 ? std::string("none (the kernel does not fit)") : std::to_string(expected)));
  }
}

}  // namespace

void checkConvolution(const ConvolutionArgs& a) { checkGeometry("convolution", a, a.input, a.out, a.weight); }

void checkConvolution(const ConvolutionBackwardInputArgs& a) {
  checkGeometry("convolutionBackwardInput", a, a.gradInput, a.gradOutput, a.weight);
}

void checkConvolution(const ConvolutionBackwardWeightArgs& a) {
  checkGeometry("convolutionBackwardWeight", a, a.input, a.gradOutput, a.gradWeight);
}

}  // namespace flint
