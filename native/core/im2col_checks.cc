// The checks of convolution's im2col and col2im (Im2colArgs in backend.h): the geometry's
// numbers are in range, and the columns' shape is exactly the one the image, kernel,
// stride, padding and dilation give, so that no kernel index can leave either view.
#include <string>

#include "checks.h"

namespace flint {

namespace {

// Kernel, stride and dilation are at least 1 and padding at least 0; all are bounded so
// that every product below stays far inside int64.
constexpr int64_t kMaxGeometry = int64_t(1) << 30;

void checkRange(int64_t value, int64_t low, const char* op, const char* what) {
  FLINT_CHECK(value >= low && value <= kMaxGeometry,
              std::string(op) + ": " + what + " must be in [" + std::to_string(low) + ", 2^30], got " +
                  std::to_string(value));
}

// The output size of one spatial dim, or -1 when the dilated kernel does not fit.
int64_t outputSize(int64_t input, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
  const int64_t span = dilation * (kernel - 1) + 1;
  const int64_t padded = input + 2 * padding;
  if (padded < span) return -1;
  return (padded - span) / stride + 1;
}

}  // namespace

void checkIm2colArgs(const Im2colArgs& a, bool col2im) {
  const char* op = col2im ? "col2im" : "im2col";
  const int64_t kernel[3] = {a.kernelD, a.kernelH, a.kernelW};
  const int64_t stride[3] = {a.strideD, a.strideH, a.strideW};
  const int64_t padding[3] = {a.paddingD, a.paddingH, a.paddingW};
  const int64_t dilation[3] = {a.dilationD, a.dilationH, a.dilationW};
  for (int d = 0; d < 3; d++) {
    checkRange(kernel[d], 1, op, "kernel size");
    checkRange(stride[d], 1, op, "stride");
    checkRange(padding[d], 0, op, "padding");
    checkRange(dilation[d], 1, op, "dilation");
  }
  const TensorView& image = a.image;
  const TensorView& columns = a.columns;
  FLINT_CHECK(image.ndim == 5 && image.isContiguous(), std::string(op) + ": expected a contiguous [N, C, D, H, W] image");
  FLINT_CHECK(columns.ndim == 3 && (columns.strides[2] == 1 || columns.shape[2] <= 1),
              std::string(op) + ": expected [N, K, L] columns with contiguous rows");
  FLINT_CHECK(columns.dtype == image.dtype, std::string(op) + ": the columns must be " + dtypeName(image.dtype) + ", got " +
                                                dtypeName(columns.dtype));
  const bool floating = image.dtype == DType::Float32 || image.dtype == DType::Float64;
  const bool half = image.dtype == DType::Float16 || image.dtype == DType::BFloat16;
  FLINT_CHECK(floating || (half && !col2im),
              std::string(op) + ": expected a float32 or float64" + (col2im ? "" : ", float16 or bfloat16") + " image, got " +
                  dtypeName(image.dtype));
  // The image's sizes are bounded by its storage (checked when its view was read), but
  // not each by 2^30: multiply in the order that keeps every partial product small.
  int64_t rows = image.shape[1], cols = 1;
  for (int d = 0; d < 3; d++) {
    FLINT_CHECK(image.shape[2 + d] <= kMaxGeometry, std::string(op) + ": an image dim is larger than 2^30");
    const int64_t o = outputSize(image.shape[2 + d], kernel[d], stride[d], padding[d], dilation[d]);
    FLINT_CHECK(o >= 1, std::string(op) + ": the dilated kernel is larger than the padded image");
    FLINT_CHECK(rows <= kMaxGeometry && cols <= kMaxGeometry, std::string(op) + ": the columns are too large");
    rows *= kernel[d];
    cols *= o;
  }
  FLINT_CHECK(columns.shape[0] == image.shape[0] && columns.shape[1] == rows && columns.shape[2] == cols,
              std::string(op) + ": expected columns of shape [" + std::to_string(image.shape[0]) + ", " +
                  std::to_string(rows) + ", " + std::to_string(cols) + "], got [" + std::to_string(columns.shape[0]) +
                  ", " + std::to_string(columns.shape[1]) + ", " + std::to_string(columns.shape[2]) + "]");
}

}  // namespace flint
