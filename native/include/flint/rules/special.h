// The special functions of torch.special that libm lacks: digamma, trigamma, the Hurwitz
// zeta function (for polygamma of order >= 2), erfinv, the modified Bessel functions i0/i1
// (and their scaled forms), erfcx and log_ndtr. Each is the algorithm PyTorch's
// kernels use (Cephes' series for digamma and zeta, and an initial rational approximation
// refined by two Newton steps for erfinv), in the same precision, so that values agree with
// PyTorch's to the last bits or nearly; lgamma and erfc come from libm (flint/rules/math.h).
// Callable on both devices; no tables in static storage, so nothing here needs device
// globals.
#pragma once
#include <math.h>

#include <limits>
#include <cmath>
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


// ---- modified Bessel functions of the first kind (Cephes' Chebyshev expansions) ----------
// i0e/i1e are exp(-|x|) I0(x) and exp(-|x|) I1(x). The expansions cover [0, 8] in x/2 - 2
// and (8, inf) in 32/x - 2. float computes in double and rounds once (PyTorch's float tables
// are these, truncated, so its float values differ from ours by rounding only).

FLINT_HOST_DEVICE double chebyshevSeries(double x, const double* coef, int len) {
  double b0 = coef[0], b1 = 0, b2 = 0;
  for (int i = 1; i < len; i++) {
    b2 = b1;
    b1 = b0;
    b0 = x * b1 - b2 + coef[i];
  }
  return 0.5 * (b0 - b2);
}

// The series of exp(-x) I0(x): below 8 (30 terms) and in 32/x - 2 above (25 terms, times sqrt(x)).
FLINT_HOST_DEVICE double i0eSeries(double x, bool large) {
  const double small[] = {
      -4.41534164647933937950E-18, 3.33079451882223809783E-17,  -2.43127984654795469359E-16, 1.71539128555513303061E-15,
      -1.16853328779934516808E-14, 7.67618549860493561688E-14,  -4.85644678311192946090E-13, 2.95505266312963983461E-12,
      -1.72682629144155570723E-11, 9.67580903537323691224E-11,  -5.18979560163526290666E-10, 2.65982372468238665035E-9,
      -1.30002500998624804212E-8,  6.04699502254191894932E-8,   -2.67079385394061173391E-7,  1.11738753912010371815E-6,
      -4.41673835845875056359E-6,  1.64484480707288970893E-5,   -5.75419501008210370398E-5,  1.88502885095841655729E-4,
      -5.76375574538582365885E-4,  1.63947561694133579842E-3,   -4.32430999505057594430E-3,  1.05464603945949983183E-2,
      -2.37374148058994688156E-2,  4.93052842396707084878E-2,   -9.49010970480476444210E-2,  1.71620901522208775349E-1,
      -3.04682672343198398683E-1,  6.76795274409476084995E-1};
  const double big[] = {
      -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,  3.46122286769746109310E-17,
      -2.82762398051658348494E-16, -3.42548561967721913462E-16, 1.77256013305652638360E-15,  3.81168066935262242075E-15,
      -9.55484669882830764870E-15, -4.15056934728722208663E-14, 1.54008621752140982691E-14,  3.85277838274214270114E-13,
      7.18012445138366623367E-13,  -1.79417853150680611778E-12, -1.32158118404477131188E-11, -3.14991652796324136454E-11,
      1.18891471078464383424E-11,  4.94060238822496958910E-10,  3.39623202570838634515E-9,   2.26666899049817806459E-8,
      2.04891858946906374183E-7,   2.89137052083475648297E-6,   6.88975834691682398426E-5,   3.36911647825569408990E-3,
      8.04490411014108831608E-1};
  return large ? chebyshevSeries(32.0 / x - 2.0, big, 25) : chebyshevSeries(x / 2.0 - 2.0, small, 30);
}

// The series of exp(-x) I1(x) / x below 8 (29 terms) and of exp(-x) sqrt(x) I1(x) above (25).
FLINT_HOST_DEVICE double i1eSeries(double x, bool large) {
  const double small[] = {
      2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16, -1.10559694773538630805E-15,
      7.60068429473540693410E-15, -5.04218550472791168711E-14, 3.22379336594557470981E-13, -1.98397439776494371520E-12,
      1.17361862988909016308E-11, -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
      9.38153738649577178388E-9,  -4.44505912879632808065E-8,  2.00329475355213526229E-7,  -8.56872026469545474066E-7,
      3.47025130813767847674E-6,  -1.32731636560394358279E-5,  4.78156510755005422638E-5,  -1.61760815825896745588E-4,
      5.12285956168575772895E-4,  -1.51357245063125314899E-3,  4.15642294431288815669E-3,  -1.05640848946261981558E-2,
      2.47264490306265168283E-2,  -5.29459812080949914269E-2,  1.02643658689847095384E-1,  -1.76416518357834055153E-1,
      2.52587186443633654823E-1};
  const double big[] = {
      7.51729631084210481353E-18,  4.41434832307170791151E-18,  -4.65030536848935832153E-17, -3.20952592199342395980E-17,
      2.96262899764595013876E-16,  3.30820231092092828324E-16,  -1.88035477551078244854E-15, -3.81440307243700780478E-15,
      1.04202769841288027642E-14,  4.27244001671195135429E-14,  -2.10154184277266431302E-14, -4.08355111109219731823E-13,
      -7.19855177624590851209E-13, 2.03562854414708950722E-12,  1.41258074366137813316E-11,  3.25260358301548823856E-11,
      -1.89749581235054123450E-11, -5.58974346219658380687E-10, -3.83538038596423702205E-9,  -2.63146884688951950684E-8,
      -2.51223623787020892529E-7,  -3.88256480887769039346E-6,  -1.10588938762623716291E-4,  -9.76109749136146840777E-3,
      7.78576235018280120474E-1};
  return large ? chebyshevSeries(32.0 / x - 2.0, big, 25) : chebyshevSeries(x / 2.0 - 2.0, small, 29);
}

// I0(x), even; computed as PyTorch orders it: exp(x) times the series (over sqrt(x) above 8).
FLINT_HOST_DEVICE double i0(double v) {
  const double x = ::fabs(v);
  if (x <= 8.0) return ::exp(x) * i0eSeries(x, false);
  return ::exp(x) * i0eSeries(x, true) / ::sqrt(x);
}
FLINT_HOST_DEVICE double i0e(double v) {
  const double x = ::fabs(v);
  if (x <= 8.0) return i0eSeries(x, false);
  return i0eSeries(x, true) / ::sqrt(x);
}
// I1(x), odd.
FLINT_HOST_DEVICE double i1(double v) {
  const double x = ::fabs(v);
  const double out = x <= 8.0 ? ::exp(x) * x * i1eSeries(x, false) : (::exp(x) * i1eSeries(x, true)) / ::sqrt(x);
  return v < 0 ? -out : out;
}
FLINT_HOST_DEVICE double i1e(double v) {
  const double x = ::fabs(v);
  const double out = x <= 8.0 ? i1eSeries(x, false) * x : i1eSeries(x, true) / ::sqrt(x);
  return v < 0 ? -out : out;
}

// ---- the normal distribution's tails ---------------------------------------------------
// erfcx(x) = exp(x^2) erfc(x), the scaled complementary error function. PyTorch evaluates
// Steven G. Johnson's Faddeeva Chebyshev tables; this is a shorter route to the same double
// accuracy: exp(x^2) with x^2 split exactly by fma (so its rounding is not amplified by the
// exponent), times libm's erfc, and the asymptotic series where erfc underflows.
FLINT_HOST_DEVICE double expSquare(double x) {
  const double hi = x * x;
  const double lo = ::fma(x, x, -hi);
  return ::exp(hi) * (1.0 + lo);
}
FLINT_HOST_DEVICE double erfcxNonnegative(double x) {
  if (x < 25.0) return expSquare(x) * ::erfc(x);
  if (x > 1e300) return 0.0;
  // 1/(x sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2x^2)^k; eight terms reach double precision here.
  const double inv = 1.0 / (2.0 * x * x);
  double term = 1.0, sum = 1.0;
  for (int k = 1; k <= 8; k++) {
    term *= -(2.0 * k - 1.0) * inv;
    sum += term;
  }
  return sum / (x * 1.77245385090551602730);
}
FLINT_HOST_DEVICE double erfcx(double x) {
  if (x != x) return x;
  if (x >= 0) return erfcxNonnegative(x);
  // erfcx(-y) = 2 exp(y^2) - erfcx(y); infinite once exp(x^2) overflows.
  if (x < -26.7) return std::numeric_limits<double>::infinity();
  return 2.0 * expSquare(x) - erfcxNonnegative(-x);
}
// log Phi(x), the log of the standard normal CDF, accurate in the far left tail (PyTorch's
// calc_log_ndtr).
FLINT_HOST_DEVICE double logNdtr(double x) {
  const double t = x * 0.70710678118654752440;
  if (x < -1.0) return ::log(erfcx(-t) / 2.0) - t * t;
  return ::log1p(-::erfc(t) / 2.0);
}

}  // namespace special
}  // namespace flint
