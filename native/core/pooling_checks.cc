// The window numbers of the pooling kernel entries (entries.mjs: maxPool, avgPool,
// avgPoolBackward), checked once for every device after their shapes. The kernels skip
// what falls outside the input, so these bounds are what keeps their index arithmetic
// in int64 range and their loops finite; PyTorch's own argument rules (padding at most half
// the kernel, output sizes) are worded in TypeScript.
#include <string>

#include "checks.h"

namespace flint {

namespace {

constexpr int64_t kMaxWindow = int64_t(1) << 31;

void checkRange(const char* op, const char* what, int64_t value, int64_t low) {
  FLINT_CHECK(value >= low && value < kMaxWindow, std::string(op) + ": " + what + " must be in [" + std::to_string(low) +
                                                      ", 2^31), got " + std::to_string(value));
}

// Output positions times strides, plus dilated kernel extents, then stay below 2^63.
void checkOutputSizes(const char* op, const TensorView& out) {
  for (int d = 1; d < out.ndim; d++) checkRange(op, "output size", out.shape[d], 0);
}

template <class Args>
void checkWindow(const char* op, const Args& a) {
  checkRange(op, "kernel size", a.kD, 1);
  checkRange(op, "kernel size", a.kH, 1);
  checkRange(op, "kernel size", a.kW, 1);
  checkRange(op, "stride", a.sD, 1);
  checkRange(op, "stride", a.sH, 1);
  checkRange(op, "stride", a.sW, 1);
  checkRange(op, "padding", a.pD, 0);
  checkRange(op, "padding", a.pH, 0);
  checkRange(op, "padding", a.pW, 0);
}

}  // namespace

void checkPoolValues(const MaxPoolArgs& a) {
  checkWindow("maxPool", a);
  checkOutputSizes("maxPool", a.out);
  checkRange("maxPool", "dilation", a.dD, 1);
  checkRange("maxPool", "dilation", a.dH, 1);
  checkRange("maxPool", "dilation", a.dW, 1);
}

void checkPoolValues(const MaxPoolValuesArgs& a) {
  checkWindow("maxPoolValues", a);
  checkOutputSizes("maxPoolValues", a.out);
  checkRange("maxPoolValues", "dilation", a.dD, 1);
  checkRange("maxPoolValues", "dilation", a.dH, 1);
  checkRange("maxPoolValues", "dilation", a.dW, 1);
}

void checkPoolValues(const AvgPoolArgs& a) {
  checkWindow("avgPool", a);
  checkOutputSizes("avgPool", a.out);
  checkRange("avgPool", "divisorOverride", a.divisorOverride, 0);
}

void checkPoolValues(const AvgPoolBackwardArgs& a) {
  checkWindow("avgPoolBackward", a);
  checkOutputSizes("avgPoolBackward", a.gradOutput);
  checkRange("avgPoolBackward", "divisorOverride", a.divisorOverride, 0);
}

}  // namespace flint
