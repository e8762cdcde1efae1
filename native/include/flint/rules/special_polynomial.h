// torch.special's orthogonal polynomials of (x, n): Chebyshev T, U, V, W and their shifted
// forms, Hermite H and He, Laguerre L and Legendre P.
// Each follows the algorithm of PyTorch 1.13's CPU kernel term for term and in the same
// order of operations. PyTorch's x86 build contracts a * b + c into fused multiply-adds;
// compiled that way (-O2 -mfma) these give its double results bit for bit, and without FMA
// within a few ulps, more only where the value is a cancellation or a long recurrence.
// Float inputs are computed here in double and rounded once by the caller; PyTorch computes
// them in float, so float results differ from its by an ulp or two, and by much more near
// zeros, for large arguments of sin/cos, and where its float recurrences overflow (NaN
// there, ±inf here). Callable on both devices; no tables in static storage.
#pragma once
#include <math.h>
#include <stdint.h>

#include <limits>

#include "flint/rules/host_device.h"
#include "flint/rules/math.h"
#include "flint/rules/special.h"

namespace flint {
namespace special {

// ---- orthogonal polynomials of degree n -----------------------------------------------
// PyTorch's kernels take n in the result's dtype and convert it with static_cast<int64_t>,
// which on x86 truncates toward zero and gives INT64_MIN for NaN, ±inf and anything out of
// int64's range; a negative degree gives 0. This makes that conversion explicit (a plain
// cast of NaN is undefined behaviour, and CUDA's saturates instead).
FLINT_HOST_DEVICE int64_t polynomialDegree(double n) {
  if (!(n > -9223372036854775808.0 && n < 9223372036854775808.0)) return INT64_MIN;
  return (int64_t)n;
}

// 2n + 1 wrapping as PyTorch's int64 arithmetic does (n is at most 2^63 - 1024).
FLINT_HOST_DEVICE double oddDegreeValue(int64_t n) { return (double)(int64_t)((uint64_t)n * 2u + 1u); }

// The three-term recurrence r = 2y q - p from (p, q) = (1, q1), n - 1 steps. Once q is NaN
// every later value is NaN, so the loop stops there (PyTorch runs on; the result is the same).
FLINT_HOST_DEVICE double chebyshevRecurrence(double y, double q, int64_t n) {
  double p = 1.0, r = q;
  for (int64_t k = 2; k <= n; k++) {
    r = (y + y) * q - p;
    p = q;
    q = r;
    if (r != r) break;
  }
  return r;
}

// The endpoint of [-1, 1] that y is exactly at (+1 or -1), or 0: the unshifted kernels test
// |x| == 1, the shifted ones x == 1 and x == 0 (which are y = x + x - 1 = ±1, but for a tiny x
// y rounds to -1 as well; the recurrence then gives the same integers).
FLINT_HOST_DEVICE int chebyshevEndpoint(double x) { return ::fabs(x) == 1.0 ? (x > 0.0 ? 1 : -1) : 0; }
FLINT_HOST_DEVICE int shiftedChebyshevEndpoint(double x) { return x == 1.0 ? 1 : (x == 0.0 ? -1 : 0); }

// T_n(y): cos(n acos y) inside (-1, 1) once n > 6, the recurrence elsewhere.
FLINT_HOST_DEVICE double chebyshevTDegree(double y, int64_t n, int endpoint) {
  if (n < 0) return 0.0;
  if (endpoint != 0) return (endpoint > 0 || n % 2 == 0) ? 1.0 : -1.0;
  if (n > 6 && ::fabs(y) < 1.0) return ::cos((double)n * ::acos(y));
  if (n == 0) return 1.0;
  if (n == 1) return y;
  return chebyshevRecurrence(y, y, n);
}

// U_n(y): sin((n+1) t) / sin t with t = acos y inside (-1, 1) once n > trigAbove.
FLINT_HOST_DEVICE double chebyshevUDegree(double y, int64_t n, int endpoint, int64_t trigAbove) {
  if (n < 0) return 0.0;
  if (endpoint != 0) return (endpoint > 0 || n % 2 == 0) ? (double)(n + 1) : (double)(-(n + 1));
  if (n > trigAbove && ::fabs(y) < 1.0) {
    const double t = ::acos(y);
    if (::sin(t) != 0.0) return ::sin((double)(n + 1) * t) / ::sin(t);
    return (double)(n + 1) * ::cos((double)(n + 1) * t) / y;
  }
  if (n == 0) return 1.0;
  if (n == 1) return y + y;
  return chebyshevRecurrence(y, y + y, n);
}

// V_n(y): cos((n + 1/2) t) / cos(t / 2); the value at -1 where cos(t / 2) would be 0.
FLINT_HOST_DEVICE double chebyshevVDegree(double y, int64_t n, int endpoint, int64_t trigAbove) {
  if (n < 0) return 0.0;
  if (endpoint > 0) return 1.0;
  if (endpoint < 0) return n % 2 == 0 ? oddDegreeValue(n) : -oddDegreeValue(n);
  if (n > trigAbove && ::fabs(y) < 1.0) {
    const double t = ::acos(y);
    if (::sin(t / 2.0) != 1.0) return ::cos(((double)n + 0.5) * t) / ::cos(t / 2.0);
    return n % 2 == 0 ? oddDegreeValue(n) : -oddDegreeValue(n);
  }
  if (n == 0) return 1.0;
  if (n == 1) return y + y - 1.0;
  return chebyshevRecurrence(y, y + y - 1.0, n);
}

// W_n(y): sin((n + 1/2) t) / sin(t / 2). Where sin(t / 2) is too small for cos(t / 2) to
// differ from 1 (y within an ulp or two of 1), the unshifted kernel returns W_n(1) = 2n + 1
// but the shifted one (1.13's shifted_chebyshev_polynomial_w) returns ±1, the value at -1.
FLINT_HOST_DEVICE double chebyshevWDegree(double y, int64_t n, int endpoint, int64_t trigAbove, bool shifted) {
  if (n < 0) return 0.0;
  if (endpoint > 0) return oddDegreeValue(n);
  if (endpoint < 0) return n % 2 == 0 ? 1.0 : -1.0;
  if (n > trigAbove && ::fabs(y) < 1.0) {
    const double t = ::acos(y);
    if (::cos(t / 2.0) != 1.0) return ::sin(((double)n + 0.5) * t) / ::sin(t / 2.0);
    if (!shifted && y > 0.0) return oddDegreeValue(n);
    return n % 2 == 0 ? 1.0 : -1.0;
  }
  if (n == 0) return 1.0;
  if (n == 1) return y + y + 1.0;
  return chebyshevRecurrence(y, y + y + 1.0, n);
}

FLINT_HOST_DEVICE double chebyshevPolynomialT(double x, double n) {
  return chebyshevTDegree(x, polynomialDegree(n), chebyshevEndpoint(x));
}
FLINT_HOST_DEVICE double chebyshevPolynomialU(double x, double n) {
  return chebyshevUDegree(x, polynomialDegree(n), chebyshevEndpoint(x), 8);
}
FLINT_HOST_DEVICE double chebyshevPolynomialV(double x, double n) {
  return chebyshevVDegree(x, polynomialDegree(n), chebyshevEndpoint(x), 8);
}
FLINT_HOST_DEVICE double chebyshevPolynomialW(double x, double n) {
  return chebyshevWDegree(x, polynomialDegree(n), chebyshevEndpoint(x), 8, false);
}

// The shifted polynomials are the plain ones at y = 2x - 1 (rounded as PyTorch's x + x - 1).
// PyTorch switches to the trigonometric form after degree 6 for T, U and V, and after
// degree 4 for W.
FLINT_HOST_DEVICE double shiftedChebyshevPolynomialT(double x, double n) {
  return chebyshevTDegree(x + x - 1.0, polynomialDegree(n), shiftedChebyshevEndpoint(x));
}
FLINT_HOST_DEVICE double shiftedChebyshevPolynomialU(double x, double n) {
  return chebyshevUDegree(x + x - 1.0, polynomialDegree(n), shiftedChebyshevEndpoint(x), 6);
}
FLINT_HOST_DEVICE double shiftedChebyshevPolynomialV(double x, double n) {
  return chebyshevVDegree(x + x - 1.0, polynomialDegree(n), shiftedChebyshevEndpoint(x), 6);
}
FLINT_HOST_DEVICE double shiftedChebyshevPolynomialW(double x, double n) {
  return chebyshevWDegree(x + x - 1.0, polynomialDegree(n), shiftedChebyshevEndpoint(x), 4, true);
}

// Physicists' Hermite H_n: H_{k+1} = 2x H_k - 2k H_{k-1}.
FLINT_HOST_DEVICE double hermitePolynomialH(double x, double nIn) {
  const int64_t n = polynomialDegree(nIn);
  if (n < 0) return 0.0;
  if (n == 0) return 1.0;
  if (n == 1) return x + x;
  double p = 1.0, q = x + x, r = 0.0;
  // PyTorch counts k = 2, 4, ..., 2n - 2; j = k / 2 avoids overflowing 2n.
  for (int64_t j = 1; j < n; j++) {
    r = (x + x) * q - (double)(j + j) * p;
    p = q;
    q = r;
    if (r != r) break;
  }
  return r;
}

// Probabilists' Hermite He_n: He_{k+1} = x He_k - k He_{k-1}.
FLINT_HOST_DEVICE double hermitePolynomialHe(double x, double nIn) {
  const int64_t n = polynomialDegree(nIn);
  if (n < 0) return 0.0;
  if (n == 0) return 1.0;
  if (n == 1) return x;
  double p = 1.0, q = x, r = x;
  for (int64_t k = 1; k < n; k++) {
    r = x * q - (double)k * p;
    p = q;
    q = r;
    if (r != r) break;
  }
  return r;
}

// Laguerre L_n: (k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}; L_n(0) = 1 for every n >= 0.
FLINT_HOST_DEVICE double laguerrePolynomialL(double x, double nIn) {
  const int64_t n = polynomialDegree(nIn);
  if (n < 0) return 0.0;
  if (::fabs(x) == 0.0) return 1.0;
  if (n == 0) return 1.0;
  if (n == 1) return 1.0 - x;
  double p = 1.0, q = 1.0 - x, r = q;
  for (int64_t k = 1; k < n; k++) {
    r = (((double)(k + k) + (1.0 - x)) * q - (double)k * p) / (double)(k + 1);
    p = q;
    q = r;
    if (r != r) break;
  }
  return r;
}

// Legendre P_n: (k+1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}; P_n(±1) = (±1)^n.
FLINT_HOST_DEVICE double legendrePolynomialP(double x, double nIn) {
  const int64_t n = polynomialDegree(nIn);
  if (n < 0) return 0.0;
  if (::fabs(x) == 1.0) return (x > 0.0 || n % 2 == 0) ? 1.0 : -1.0;
  if (n == 0) return 1.0;
  if (n == 1) return x;
  double p = 1.0, q = x, r = x;
  for (int64_t k = 1; k < n; k++) {
    r = ((double)(k + k + 1) * x * q - (double)k * p) / (double)(k + 1);
    p = q;
    q = r;
    if (r != r) break;
  }
  return r;
}

}  // namespace special
}  // namespace flint
