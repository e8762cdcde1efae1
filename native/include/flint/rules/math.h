// float and double overloads of the libm functions that the value rules use, callable on
// both devices: templates then get expf for float, as PyTorch's kernels do, and never a
// double round trip. On the host these are the compiler's builtins, exactly what
// std::exp(float) and friends compile to.
#pragma once
#include <math.h>

#include <limits>
#include <type_traits>

#include "flint/rules/host_device.h"

namespace flint {
namespace math {

#define FLINT_MATH1(NAME)                                                  \
  FLINT_HOST_DEVICE float NAME(float x) { return ::NAME##f(x); }           \
  FLINT_HOST_DEVICE double NAME(double x) { return ::NAME(x); }
#define FLINT_MATH2(NAME)                                                          \
  FLINT_HOST_DEVICE float NAME(float x, float y) { return ::NAME##f(x, y); }       \
  FLINT_HOST_DEVICE double NAME(double x, double y) { return ::NAME(x, y); }
FLINT_MATH1(fabs) FLINT_MATH1(exp) FLINT_MATH1(log) FLINT_MATH1(sqrt) FLINT_MATH1(sin) FLINT_MATH1(cos)
FLINT_MATH1(tanh) FLINT_MATH1(log1p) FLINT_MATH1(expm1) FLINT_MATH1(floor) FLINT_MATH1(ceil) FLINT_MATH1(trunc)
FLINT_MATH1(erf) FLINT_MATH1(erfc)
FLINT_MATH1(tan) FLINT_MATH1(asin) FLINT_MATH1(acos) FLINT_MATH1(atan) FLINT_MATH1(sinh) FLINT_MATH1(cosh)
FLINT_MATH1(asinh) FLINT_MATH1(acosh) FLINT_MATH1(atanh) FLINT_MATH1(log2) FLINT_MATH1(log10) FLINT_MATH1(exp2)
FLINT_MATH2(pow) FLINT_MATH2(atan2) FLINT_MATH2(fmod) FLINT_MATH2(hypot) FLINT_MATH2(copysign) FLINT_MATH2(nextafter)
#undef FLINT_MATH1
// log|Gamma(x)|. On the host, the reentrant form: plain lgamma writes the global signgam,
// a race between pool threads.
// float goes through double and is rounded once: glibc's lgammaf is off by an ulp at many
// points (lgammaf(201) = 863.23193 where the rounded value is 863.23199), and PyTorch's CPU
// kernel (Sleef) gives the rounded one.
FLINT_HOST_DEVICE float lgamma(float x) {
#ifdef __CUDA_ARCH__
  return ::lgammaf(x);
#else
  int sign;
  return (float)::lgamma_r((double)x, &sign);
#endif
}
FLINT_HOST_DEVICE double lgamma(double x) {
#ifdef __CUDA_ARCH__
  return ::lgamma(x);
#else
  int sign;
  return ::lgamma_r(x, &sign);
#endif
}
#undef FLINT_MATH2

// Half to even, as torch.round. The host uses nearbyint, which leaves the FPU's inexact
// flag alone; a GPU has no such flag, and rint is its native instruction.
FLINT_HOST_DEVICE float roundHalfEven(float x) {
#ifdef __CUDA_ARCH__
  return ::rintf(x);
#else
  return ::nearbyintf(x);
#endif
}
FLINT_HOST_DEVICE double roundHalfEven(double x) {
#ifdef __CUDA_ARCH__
  return ::rint(x);
#else
  return ::nearbyint(x);
#endif
}

template <class T>
FLINT_HOST_DEVICE bool isNaN(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}

// The canonical quiet NaN (what T(NAN) gives on the CPU), never an operand's payload.
template <class T>
FLINT_HOST_DEVICE T quietNaN() {
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, float>) return __int_as_float(0x7fc00000);
  else return __longlong_as_double(0x7ff8000000000000LL);
#else
  return std::numeric_limits<T>::quiet_NaN();
#endif
}

}  // namespace math
}  // namespace flint
