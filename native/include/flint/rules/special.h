// The special functions of torch.special that libm lacks: digamma, trigamma, the Hurwitz
// zeta function (for polygamma of order >= 2) and erfinv. Each is the algorithm PyTorch's
// kernels use (Cephes' series for digamma and zeta, and an initial rational approximation
// refined by two Newton steps for erfinv), in the same precision, so that values agree with
// PyTorch's to the last bits or nearly; lgamma and erfc come from libm (flint/rules/math.h).
// Callable on both devices; no tables in static storage, so nothing here needs device
// globals.
#pragma once
#include <math.h>

#include <limits>
#include <type_traits>

#include "flint/rules/host_device.h"
#include "flint/rules/math.h"

namespace flint {
namespace special {

constexpr double kPi = 3.14159265358979323846;

// psi(x) = d/dx log Gamma(x): reflection below 0, the recurrence up to 10, then the
// asymptotic series (Cephes' psi). ±0 gives ∓inf and negative integers NaN, as SciPy.
template <class T>
FLINT_HOST_DEVICE T digammaPositive(T x) {
  T result = 0;
  while (x < T(10)) {
    result -= T(1) / x;
    x += T(1);
  }
  if (x == T(10)) return result + T(2.25175258906672110764);  // psi(10)
  T y = 0;
  if (x < T(1.0e17)) {
    const T z = T(1) / (x * x);
    // Cephes' A[], highest order first, by Horner's rule.
    T poly = T(8.33333333333333333333E-2);
    poly = poly * z + T(-2.10927960927960927961E-2);
    poly = poly * z + T(7.57575757575757575758E-3);
    poly = poly * z + T(-4.16666666666666666667E-3);
    poly = poly * z + T(3.96825396825396825397E-3);
    poly = poly * z + T(-8.33333333333333333333E-3);
    poly = poly * z + T(8.33333333333333333333E-2);
    y = z * poly;
  }
  return result + math::log(x) - (T(0.5) / x) - y;
}

template <class T>
FLINT_HOST_DEVICE T digamma(T x) {
  if (x == T(0)) return math::copysign(std::numeric_limits<T>::infinity(), -x);
  if (x < T(0)) {
    if (x == math::trunc(x)) return math::quietNaN<T>();
    // tan(pi * frac(x)) is more accurate than tan(pi * x) once |x| > 1; the term is
    // computed in double for both dtypes, as PyTorch does.
    const double r = double(x) - ::trunc(double(x));
    const T reflection = T(kPi / ::tan(kPi * r));
    return digammaPositive(T(1) - x) - reflection;
  }
  return digammaPositive(x);
}

// psi'(x): reflection below 1/2, six steps of the recurrence, then the asymptotic series.
template <class T>
FLINT_HOST_DEVICE T trigamma(T x) {
  T sign = 1;
  T result = 0;
  if (x < T(0.5)) {
    sign = -1;
    const T s = math::sin(T(kPi) * x);
    result -= (T(kPi) * T(kPi)) / (s * s);
    x = T(1) - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += T(1) / (x * x);
    x += T(1);
  }
  const T ixx = T(1) / (x * x);
  result += (T(1) + T(1) / (T(2) * x) + ixx * (T(1.0 / 6) - ixx * (T(1.0 / 30) - ixx * T(1.0 / 42)))) / x;
  return sign * result;
}

// The Hurwitz zeta function sum_k (k + q)^-x (Cephes' zeta: direct sum, then the
// Euler-Maclaurin tail), accumulated in double as PyTorch's CPU kernel does for float.
FLINT_HOST_DEVICE double hurwitzZeta(double x, double q) {
  const double machep = 1.11022302462515654042E-16;
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  if (x < 1.0) return math::quietNaN<double>();
  if (q <= 0.0) {
    if (q == ::floor(q)) return std::numeric_limits<double>::infinity();
    if (x != ::floor(x)) return math::quietNaN<double>();
  }
  // The direct sum steps from q up to 9 one at a time: for a large negative q that is
  // |q| steps (PyTorch's kernel runs for hours at -1e15). Past -2^24 flint gives NaN.
  if (q < -16777216.0) return math::quietNaN<double>();
  double s = ::pow(q, -x);
  double a = q;
  double b = 0.0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i += 1;
    a += 1.0;
    b = ::pow(a, -x);
    s += b;
    if (-machep * s < b && b < machep * s) return s;
  }
  // Bernoulli-number denominators (2k)! / B_2k of the tail's series.
  const double A[12] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                        -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                        1.8152105401943546773e17, -7.1661652561756670113e18};
  const double w = a;
  s += b * w / (x - 1.0);
  s -= 0.5 * b;
  a = 1.0;
  double k = 0.0;
  for (int j = 0; j < 12; j++) {
    a *= x + k;
    b /= w;
    double t = a * b / A[j];
    s = s + t;
    t = ::fabs(t / s);
    if (t < machep) return s;
    k += 1.0;
    a *= x + k;
    b /= w;
    k += 1.0;
  }
  return s;
}

// polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x); n = 0 and 1 have their own series.
template <class T>
FLINT_HOST_DEVICE T polygamma(int n, T x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  const T factorial = math::exp(math::lgamma(T(n) + T(1)));
  return ((n % 2) ? T(1) : T(-1)) * factorial * T(hurwitzZeta(double(n + 1), double(x)));
}

// The inverse of erf on (-1, 1): a rational first guess, then two Newton steps. CUDA has
// it as an intrinsic, which PyTorch's CUDA kernel calls.
template <class T>
FLINT_HOST_DEVICE T erfinv(T y) {
#ifdef __CUDA_ARCH__
  return ::erfinv(y);
#else
  const T yAbs = math::fabs(y);
  if (yAbs > T(1)) return math::quietNaN<T>();
  if (yAbs == T(1)) return math::copysign(std::numeric_limits<T>::infinity(), y);
  T x;
  if (yAbs <= T(0.7)) {
    const T z = y * y;
    const T num = ((T(-0.140543331) * z + T(0.914624893)) * z + T(-1.645349621)) * z + T(0.886226899);
    const T dem = (((T(0.012229801) * z + T(-0.329097515)) * z + T(1.442710462)) * z + T(-2.118377725)) * z + T(1);
    x = y * num / dem;
  } else {
    const T z = math::sqrt(-math::log((T(1) - yAbs) / T(2)));
    const T num = ((T(1.641345311) * z + T(3.429567803)) * z + T(-1.624906493)) * z + T(-1.970840454);
    const T dem = (T(1.637067800) * z + T(3.543889200)) * z + T(1);
    x = math::copysign(num, y) / dem;
  }
  const T twoOverSqrtPi = T(2) / T(1.77245385090551602730);  // static_cast<T>(sqrt(pi)), as PyTorch
  x = x - (math::erf(x) - y) / (twoOverSqrtPi * math::exp(-x * x));
  x = x - (math::erf(x) - y) / (twoOverSqrtPi * math::exp(-x * x));
  return x;
#endif
}

}  // namespace special
}  // namespace flint
