// One element of PyTorch 1.13's single-tensor Adam/AdamW update, written once for both
// devices (cpu/optim.cc, cuda/optim.cu). Every operation rounds on its own, in the order of
// the separate ops the update is defined by (src/optim/adam.ts's composite form), so the
// fused pass gives the same bits as those ops: no contraction into FMAs (the host builds
// with -std=c++17, which turns contraction off; the device spells each operation with its
// round-to-nearest intrinsic, since nvcc contracts by default).
#pragma once

#include <cmath>

#include "flint/rules/host_device.h"

namespace flint {

// The update's constants, each already rounded to the parameter's dtype as a scalar
// operand of its op is.
template <class T>
struct AdamConstants {
  T decay;             // 1 - lr * weightDecay (AdamW)
  T weightDecay;       // Adam's coupled decay
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  T biasCorrection2Sqrt, eps, negStepSize;
  bool decoupled, coupled, maximize;
};

namespace adam_ops {
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
}  // namespace adam_ops

// p, m (exp_avg) and v (exp_avg_sq) updated in place from the gradient g:
//   g = -g (maximize); p *= decay (AdamW) or g = p * wd + g (Adam)
//   m = m * beta1 + g * (1 - beta1);  v = v * beta2 + (g * (1 - beta2)) * g
//   p = p + (m * -stepSize) / (sqrt(v) / sqrt(bias correction 2) + eps)
template <class T>
FLINT_HOST_DEVICE void adamUpdate(T& p, T& m, T& v, T g, const AdamConstants<T>& c) {
  using namespace adam_ops;
  if (c.maximize) g = -g;
  if (c.decoupled) p = mul(p, c.decay);
  if (c.coupled) g = add(mul(p, c.weightDecay), g);
  m = add(mul(m, c.beta1), mul(g, c.oneMinusBeta1));
  v = add(mul(v, c.beta2), mul(mul(g, c.oneMinusBeta2), g));
  const T denom = add(div(root(v), c.biasCorrection2Sqrt), c.eps);
  p = add(p, div(mul(m, c.negStepSize), denom));
}

// The constants from the step's numbers, computed in double as PyTorch computes them and
// then rounded to T.
template <class T>
AdamConstants<T> adamConstants(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool maximize,
                               double stepSize, double biasCorrection2Sqrt) {
  AdamConstants<T> c;
  c.decay = T(1 - lr * weightDecay);
  c.weightDecay = T(weightDecay);
  c.beta1 = T(beta1);
  c.oneMinusBeta1 = T(1 - beta1);
  c.beta2 = T(beta2);
  c.oneMinusBeta2 = T(1 - beta2);
  c.biasCorrection2Sqrt = T(biasCorrection2Sqrt);
  c.eps = T(eps);
  c.negStepSize = T(-stepSize);
  c.decoupled = decoupled && weightDecay != 0;
  c.coupled = !decoupled && weightDecay != 0;
  c.maximize = maximize;
  return c;
}

}  // namespace flint
