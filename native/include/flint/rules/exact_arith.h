// Arithmetic that rounds after every operation, on both devices: the optimizers' fused
// updates (rules/adam.h, rules/sgd.h, ...) must give the bits of the separate element-wise
// ops they replace, so no two operations may contract into one FMA. The host builds with
// -std=c++17, which turns contraction off; the device spells each operation with its
// round-to-nearest intrinsic, since nvcc contracts by default.
#pragma once

#include <cmath>

#include "flint/rules/host_device.h"
#include "flint/rules/math.h"

namespace flint {
namespace exact {
#ifdef __CUDA_ARCH__
__device__ __forceinline__ float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float div(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ float root(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double div(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double root(double a) { return __dsqrt_rn(a); }
#else
template <class T>
inline T mul(T a, T b) { return a * b; }
template <class T>
inline T add(T a, T b) { return a + b; }
template <class T>
inline T div(T a, T b) { return a / b; }
template <class T>
inline T root(T a) { return std::sqrt(a); }
#endif

// torch.maximum: the canonical NaN if either is NaN (BinaryOp::Maximum's rule).
template <class T>
FLINT_HOST_DEVICE T maximum(T a, T b) {
  if (a != a || b != b) return math::quietNaN<T>();
  return a > b ? a : b;
}

// `x + alpha * y` as add(y, alpha=alpha) computes it; alpha exactly 1 skips the product,
// as the composite update's addScaled_ does (the product would be exact anyway).
template <class T>
FLINT_HOST_DEVICE T addScaled(T x, T y, T alpha, bool alphaIsOne) {
  return alphaIsOne ? add(x, y) : add(x, mul(y, alpha));
}

// The gradient most update rules read: negated under maximize, then p * weightDecay + g
// (grad.add(param, alpha=weight_decay)), as src/optim/update-ops.ts's effectiveGrad.
template <class T>
FLINT_HOST_DEVICE T effectiveGrad(T g, T p, T weightDecay, bool decay, bool maximize) {
  if (maximize) g = -g;
  return decay ? add(mul(p, weightDecay), g) : g;
}
}  // namespace exact
}  // namespace flint
