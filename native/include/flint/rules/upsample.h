// F.interpolate's source-index rules, written once for both devices so that the CPU and
// CUDA kernels read the same input elements with the same weights. They follow PyTorch
// 1.13's CPU kernels (ATen/native/UpSample.h), including the float arithmetic of nearest's
// scale and the special cases that make equal sizes (and nearest's 2x) a plain copy.
// `T` is the arithmetic type: float for float32 data, double for float64. A scale of 0 or
// less stands for "no scale factor given" (PyTorch's empty optional<double>).
#pragma once
#include <cmath>
#include <cstdint>

#include "flint/rules/host_device.h"

namespace flint {
namespace upsample {

FLINT_HOST_DEVICE int64_t clampIndex(int64_t i, int64_t size) { return i < 0 ? 0 : (i >= size ? size - 1 : i); }

// floor(real) within [lo, hi], decided before the conversion: a NaN, an infinity or a huge
// value (a scale near 0 or 1/0 reaching the native entry) must not be cast to int64 (that
// is undefined) nor index outside the input. For the coordinates PyTorch's rules produce
// from sane scales this is exactly min(floor(real), hi).
template <class F>
FLINT_HOST_DEVICE int64_t floorClamped(F real, int64_t lo, int64_t hi) {
  if (!(real < (F)hi)) return hi;
  if (real < (F)lo) return lo;
  return (int64_t)floor(real);
}

// compute_scales_value<float>: 1/scale when a scale factor was given, else in/out.
FLINT_HOST_DEVICE float nearestScale(double scale, int64_t in, int64_t out) {
  return scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out;
}

// nearest_idx (floor(dst * scale), with equal sizes and 2x as exact copies) and
// nearest_exact_idx (floor((dst + 0.5) * scale), the half-pixel rule), clamped to in - 1.
FLINT_HOST_DEVICE int64_t nearestIndex(int64_t dst, int64_t in, int64_t out, double scale, bool exact) {
  if (!exact) {
    if (out == in) return dst;
    if (out == 2 * in) return dst >> 1;
  }
  const float s = nearestScale(scale, in, out);
  const float real = exact ? (float)(((double)dst + 0.5) * (double)s) : (float)dst * s;
  return floorClamped<float>(floorf(real), 0, in - 1);
}

// area_pixel_compute_scale: the step between output and input coordinates.
template <class T>
FLINT_HOST_DEVICE T areaScale(int64_t in, int64_t out, bool alignCorners, double scale) {
  if (alignCorners) return out > 1 ? (T)(in - 1) / (T)(out - 1) : T(0);
  return scale > 0 ? (T)(1.0 / scale) : (T)in / (T)out;
}

// area_pixel_compute_source_index: align_corners maps corner to corner; otherwise pixel
// centres (half-pixel offsets), clamped at 0 except for cubic, whose weights need the
// negative coordinate.
template <class T>
FLINT_HOST_DEVICE T sourceIndex(T scale, int64_t dst, bool alignCorners, bool cubic) {
  if (alignCorners) return scale * (T)dst;
  const T src = (T)((double)scale * ((double)dst + 0.5) - 0.5);
  return (!cubic && src < T(0)) ? T(0) : src;
}

// guard_index_and_lambda: the integer part (at most in - 1) and the fraction in [0, 1].
template <class T>
FLINT_HOST_DEVICE void guardIndex(T real, int64_t in, int64_t& index, T& lambda) {
  // Cubic coordinates go as low as -0.5 - 0.5 * scale; its taps are clamped to the border.
  index = floorClamped<T>(real, -2, in - 1);
  T l = real - (T)index;
  lambda = l < T(0) ? T(0) : (l > T(1) ? T(1) : l);
}

// The two taps of linear interpolation along one dim (compute_source_index_and_lambda).
template <class T>
struct LinearTap {
  int64_t i0, i1;
  T l0, l1;
};

template <class T>
FLINT_HOST_DEVICE LinearTap<T> linearTap(int64_t dst, int64_t in, int64_t out, bool alignCorners, T ratio) {
  LinearTap<T> tap;
  if (out == in) {
    tap.i0 = tap.i1 = dst;
    tap.l0 = T(1);
    tap.l1 = T(0);
    return tap;
  }
  const T real = sourceIndex<T>(ratio, dst, alignCorners, false);
  guardIndex<T>(real, in, tap.i0, tap.l1);
  if (tap.i0 < 0) tap.i0 = 0;  // unreachable from linear's coordinates (never below 0); kept for safety
  tap.i1 = tap.i0 + (tap.i0 < in - 1 ? 1 : 0);
  tap.l0 = T(1) - tap.l1;
  return tap;
}

// Keys' cubic convolution with A = -0.75 (get_cubic_upsample_coefficients): the weights of
// the taps at floor - 1 .. floor + 2 for the fraction t.
template <class T>
FLINT_HOST_DEVICE void cubicCoefficients(T t, T (&w)[4]) {
  const T A = T(-0.75);
  const T x1 = t, x2 = T(1) - t;
  const T y0 = x1 + T(1), y3 = x2 + T(1);
  w[0] = ((A * y0 - T(5) * A) * y0 + T(8) * A) * y0 - T(4) * A;
  w[1] = ((A + T(2)) * x1 - (A + T(3))) * x1 * x1 + T(1);
  w[2] = ((A + T(2)) * x2 - (A + T(3))) * x2 * x2 + T(1);
  w[3] = ((A * y3 - T(5) * A) * y3 + T(8) * A) * y3 - T(4) * A;
}

// The four taps of bicubic interpolation along one dim, their reads clamped to the border.
template <class T>
struct CubicTap {
  int64_t i[4];
  T w[4];
};

template <class T>
FLINT_HOST_DEVICE CubicTap<T> cubicTap(int64_t dst, int64_t in, bool alignCorners, T ratio) {
  CubicTap<T> tap;
  const T real = sourceIndex<T>(ratio, dst, alignCorners, true);
  int64_t index;
  T t;
  guardIndex<T>(real, in, index, t);
  cubicCoefficients<T>(t, tap.w);
  for (int k = 0; k < 4; k++) tap.i[k] = clampIndex(index - 1 + k, in);
  return tap;
}

}  // namespace upsample
}  // namespace flint
