// torch.special's Bessel functions: J0, J1, Y0, Y1 (Cephes), the modified I0, I1, K0, K1 and
// the scaled K0, K1, spherical_bessel_j0 and airy_ai.
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
#include "flint/rules/special_gamma.h"

namespace flint {
namespace special {

// ---- Bessel functions of the first and second kind (Cephes j0, j1, y0, y1) -------------
// Rational approximations up to 5; beyond, the Hankel asymptotic form
// sqrt(2 / (pi x)) (P cos(x - phase) - (5/x) Q sin(x - phase)) with P, Q rational in 25/x^2.

// The P and Q of the asymptotic form for order 0 (shared by J0 and Y0), in w = 25 / x^2.
FLINT_HOST_DEVICE void besselPQ0(double w, double& pOverQ, double& qOverQ) {
  const double PP[] = {7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
                       5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
                       9.99999999999999997821e-01};
  const double PQ[] = {9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
                       5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
                       1.00000000000000000218e+00};
  const double QP[] = {-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
                       -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
                       -5.14105326766599330220e+01, -6.05014350600728481186e+00};
  const double QQ[] = {6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
                       7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
                       2.42005740240291393179e+02};
  pOverQ = hornerFromZero(w, PP, 7) / hornerFromZero(w, PQ, 7);
  qOverQ = hornerFromZero(w, QP, 8) / hornerFromZero(w, QQ, 7);
}

// The same for order 1 (J1 and Y1).
FLINT_HOST_DEVICE void besselPQ1(double w, double& pOverQ, double& qOverQ) {
  const double PP[] = {7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
                       5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
                       1.00000000000000000254e+00};
  const double PQ[] = {5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
                       5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
                       9.99999999999999997461e-01};
  const double QP[] = {5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
                       3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
                       2.11688757100572135698e+02, 2.52070205858023719784e+01};
  const double QQ[] = {7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
                       9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
                       3.36093607810698293419e+02};
  pOverQ = hornerFromZero(w, PP, 7) / hornerFromZero(w, PQ, 7);
  qOverQ = hornerFromZero(w, QP, 8) / hornerFromZero(w, QQ, 7);
}

constexpr double kSqrt2OverPi = 0.797884560802865355879892119868763737;
constexpr double kPiOver4 = 0.785398163397448309615660845819875721;
constexpr double kThreePiOver4 = 2.356194490192344928846982537459627163;
constexpr double kTwoOverPi = 0.636619772367581343075535053490057448;

FLINT_HOST_DEVICE double besselJ0(double x) {
  const double RP[] = {-4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14,
                       9.70862251047306323952e+15};
  const double RQ[] = {4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07,
                       1.11855537045356834862e+10, 2.11277520115489217587e+12, 3.10518229857422583814e+14,
                       3.18121955943204943306e+16, 1.71086294081043136091e+18};
  if (x < 0.0) x = -x;
  if (x <= 5.0) {
    if (x < 0.00001) return 1.0 - x * x / 4.0;
    const double z = x * x;
    // The factors (x^2 - r1)(x^2 - r2) put the first two zeros in exactly.
    return (z - 5.78318596294678452118e+00) * (z - 3.04712623436620863991e+01) * hornerFromZero(z, RP, 4) /
           hornerFromZero(z, RQ, 8);
  }
  double p, q;
  besselPQ0(25.0 / (x * x), p, q);
  return (p * ::cos(x - kPiOver4) - 5.0 / x * q * ::sin(x - kPiOver4)) * kSqrt2OverPi / ::sqrt(x);
}

// J1 for x >= 0 (and NaN); J1 is odd.
FLINT_HOST_DEVICE double besselJ1NonNegative(double x) {
  const double RP[] = {-8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13,
                       3.68295732863852883286e+15};
  const double RQ[] = {6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07,
                       2.21511595479792499675e+10, 4.74914122079991414898e+12, 7.84369607876235854894e+14,
                       8.95222336184627338078e+16, 5.32278620332680085395e+18};
  if (x <= 5.0) {
    const double z = x * x;
    return hornerFromZero(z, RP, 4) / hornerFromZero(z, RQ, 8) * x * (z - 1.46819706421238932572e+01) *
           (z - 4.92184563216946036703e+01);
  }
  double p, q;
  besselPQ1(5.0 / x * (5.0 / x), p, q);
  return (p * ::cos(x - kThreePiOver4) - 5.0 / x * q * ::sin(x - kThreePiOver4)) * kSqrt2OverPi / ::sqrt(x);
}

FLINT_HOST_DEVICE double besselJ1(double x) { return x < 0.0 ? -besselJ1NonNegative(-x) : besselJ1NonNegative(x); }

FLINT_HOST_DEVICE double besselY0(double x) {
  const double YP[] = {1.55924367855235737965e+04,  -1.46639295903971606143e+07, 5.43526477051876500413e+09,
                       -9.82136065717911466409e+11, 8.75906394395366999549e+13,  -3.46628303384729719441e+15,
                       4.42733268572569800351e+16,  -1.84950800436986690637e+16};
  const double YQ[] = {1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
                       8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
                       2.50596256172653059228e+17};
  if (x <= 5.0) {
    if (x == 0.0) return -std::numeric_limits<double>::infinity();
    if (x < 0.0) return math::quietNaN<double>();
    const double z = x * x;
    return hornerFromZero(z, YP, 8) / hornerFromZero(z, YQ, 7) + (kTwoOverPi * ::log(x) * besselJ0(x));
  }
  double p, q;
  besselPQ0(25.0 / (x * x), p, q);
  return (p * ::sin(x - kPiOver4) + 5.0 / x * q * ::cos(x - kPiOver4)) * kSqrt2OverPi / ::sqrt(x);
}

FLINT_HOST_DEVICE double besselY1(double x) {
  const double YP[] = {1.26320474790178026440e+09,  -6.47355876379160291031e+11, 1.14509511541823727583e+14,
                       -8.12770255501325109621e+15, 2.02439475713594898196e+17,  -7.78877196265950026825e+17};
  const double YQ[] = {5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
                       1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
                       6.87141087355300489866e+16, 3.97270608116560655612e+18};
  if (x <= 5.0) {
    if (x == 0.0) return -std::numeric_limits<double>::infinity();
    if (x <= 0.0) return math::quietNaN<double>();
    const double z = x * x;
    return x * (hornerFromZero(z, YP, 6) / hornerFromZero(z, YQ, 8)) +
           (kTwoOverPi * (besselJ1(x) * ::log(x) - 1.0 / x));
  }
  double p, q;
  besselPQ1(5.0 / x * (5.0 / x), p, q);
  return (p * ::sin(x - kThreePiOver4) + 5.0 / x * q * ::cos(x - kThreePiOver4)) * kSqrt2OverPi / ::sqrt(x);
}

// ---- modified Bessel functions --------------------------------------------------------
// I0 is special.h's i0, operation for operation what PyTorch's modified_bessel_i0 computes.
FLINT_HOST_DEVICE double modifiedBesselI0(double x) { return i0(x); }

// I1: special.h's series, but multiplied in modified_bessel_i1's order below 8 (series, then
// |x|, then exp), which rounds differently from torch.special.i1's.
FLINT_HOST_DEVICE double modifiedBesselI1(double x) {
  const double ax = ::fabs(x);
  if (ax <= 8.0) {
    const double out = i1eSeries(ax, false) * ax * ::exp(ax);
    return x < 0.0 ? -out : out;
  }
  const double out = ::exp(ax) * i1eSeries(ax, true) / ::sqrt(ax);
  return x < 0.0 ? -out : out;
}

// Cephes' k0/k1: below 2 a Chebyshev series in x^2 - 2 plus the log(x/2) I term; above 2,
// exp(-x) / sqrt(x) times a series in 8/x - 2 (the scaled forms drop the exp(-x)).
FLINT_HOST_DEVICE double besselK0SmallSeries(double x) {
  const double A[] = {1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
                      1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
                      1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
                      -5.35327393233902768720e-01};
  return chebyshevSeries(x * x - 2.0, A, 10);
}
FLINT_HOST_DEVICE double besselK0LargeSeries(double x) {
  const double B[] = {5.30043377268626276149e-18,  -1.64758043015242134646e-17, 5.21039150503902756861e-17,
                      -1.67823109680541210385e-16, 5.51205597852431940784e-16,  -1.84859337734377901440e-15,
                      6.34007647740507060557e-15,  -2.22751332699166985548e-14, 8.03289077536357521100e-14,
                      -2.98009692317273043925e-13, 1.14034058820847496303e-12,  -4.51459788337394416547e-12,
                      1.85594911495471785253e-11,  -7.95748924447710747776e-11, 3.57739728140030116597e-10,
                      -1.69753450938905987466e-09, 8.57403401741422608519e-09,  -4.66048989768794782956e-08,
                      2.76681363944501510342e-07,  -1.83175552271911948767e-06, 1.39498137188764993662e-05,
                      -1.28495495816278026384e-04, 1.56988388573005337491e-03,  -3.14481013119645005427e-02,
                      2.44030308206595545468e+00};
  return chebyshevSeries(8.0 / x - 2.0, B, 25);
}
FLINT_HOST_DEVICE double besselK1SmallSeries(double x) {
  const double A[] = {-7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,
                      -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,
                      -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,
                      -3.53155960776544875667e-01, 1.52530022733894777053e+00};
  return chebyshevSeries(x * x - 2.0, A, 11);
}
FLINT_HOST_DEVICE double besselK1LargeSeries(double x) {
  const double B[] = {-5.75674448366501715755e-18, 1.79405087314755922667e-17,  -5.68946255844285935196e-17,
                      1.83809354436663880070e-16,  -6.05704724837331885336e-16, 2.03870316562433424052e-15,
                      -7.01983709041831346144e-15, 2.47715442448130437068e-14,  -8.97670518232499435011e-14,
                      3.34841966607842919884e-13,  -1.28917396095102890680e-12, 5.13963967348173025100e-12,
                      -2.12996783842756842877e-11, 9.21831518760500529508e-11,  -4.19035475934189648750e-10,
                      2.01504975519703286596e-09,  -1.03457624656780970260e-08, 5.74108412545004946722e-08,
                      -3.50196060308781257119e-07, 2.40648494783721712015e-06,  -1.93619797416608296024e-05,
                      1.95215518471351631108e-04,  -2.85781685962277938680e-03, 1.03923736576817238437e-01,
                      2.72062619048444266945e+00};
  return chebyshevSeries(8.0 / x - 2.0, B, 25);
}

FLINT_HOST_DEVICE double modifiedBesselK0(double x) {
  if (x == 0.0) return std::numeric_limits<double>::infinity();
  if (x < 0.0) return math::quietNaN<double>();
  if (x <= 2.0) return besselK0SmallSeries(x) - ::log(0.5 * x) * modifiedBesselI0(x);
  return ::exp(-x) * besselK0LargeSeries(x) / ::sqrt(x);
}
FLINT_HOST_DEVICE double modifiedBesselK1(double x) {
  if (x == 0.0) return std::numeric_limits<double>::infinity();
  if (x < 0.0) return math::quietNaN<double>();
  if (x <= 2.0) return ::log(0.5 * x) * modifiedBesselI1(x) + besselK1SmallSeries(x) / x;
  return ::exp(-x) * besselK1LargeSeries(x) / ::sqrt(x);
}
// exp(x) K0(x) and exp(x) K1(x).
FLINT_HOST_DEVICE double scaledModifiedBesselK0(double x) {
  if (x == 0.0) return std::numeric_limits<double>::infinity();
  if (x < 0.0) return math::quietNaN<double>();
  if (x <= 2.0) return (besselK0SmallSeries(x) - ::log(0.5 * x) * modifiedBesselI0(x)) * ::exp(x);
  return besselK0LargeSeries(x) / ::sqrt(x);
}
FLINT_HOST_DEVICE double scaledModifiedBesselK1(double x) {
  if (x == 0.0) return std::numeric_limits<double>::infinity();
  if (x < 0.0) return math::quietNaN<double>();
  if (x <= 2.0) return (::log(0.5 * x) * modifiedBesselI1(x) + besselK1SmallSeries(x) / x) * ::exp(x);
  return besselK1LargeSeries(x) / ::sqrt(x);
}

// ---- sin(x) / x and the Airy function -------------------------------------------------
// Below 1/2 the Taylor series (sin(x)/x loses nothing there, but this is what PyTorch
// evaluates); 0 at ±inf, where sin is NaN.
FLINT_HOST_DEVICE double sphericalBesselJ0(double x) {
  if (::isinf(x)) return 0.0;
  if (::fabs(x) < 0.5) {
    const double z = x * x;
    return 1.0 + z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362880.0 +
                                   z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0))))));
  }
  return ::sin(x) / x;
}

// Ai(x) as PyTorch's airy_ai: the oscillatory asymptotic form below -2.09, the exponentially
// small one from 2.09 (and 0 past 103.892, where it underflows), the Maclaurin series between.
// As in PyTorch (and unlike Cephes), the leading 1 of the denominators AFD and AGD below -2.09
// is left out; ±inf give NaN.
FLINT_HOST_DEVICE double airyAi(double x) {
  const double AN[] = {3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,
                       1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,
                       1.40264691163389668864e+01, 9.99999999999999995305e-01};
  const double AD[] = {5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,
                       1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,
                       1.40959135607834029598e+01, 1.00000000000000000470e+00};
  const double AFN[] = {-1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,
                        -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,
                        -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08};
  const double AFD[] = {1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,
                        9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,
                        4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07};
  const double AGN[] = {1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,
                        9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,
                        5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,
                        8.11789239554389293311e-08, 3.41551784765923618484e-10};
  const double AGD[] = {9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,
                        5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,
                        4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,
                        4.91834570062930015649e-09};
  const double invSqrtPi = 5.64189583547756286948e-01;
  if (::isinf(x)) return math::quietNaN<double>();
  if (x > 103.892) return 0.0;
  if (x < -2.09) {
    const double z = 1.0 / (-2.0 * x * ::sqrt(-x) / 3.0);
    const double zz = z * z;
    const double afn = hornerFromZero(zz, AFN, 9);
    const double afd = hornerFromZero(zz, AFD, 9);
    const double agn = hornerFromZero(zz, AGN, 11);
    const double agd = hornerFromZero(zz, AGD, 10);
    const double t = -2.0 * x * ::sqrt(-x) / 3.0 + 0.25 * kPi;
    return invSqrtPi / ::sqrt(::sqrt(-x)) * (::sin(t) * (1.0 + z * z * afn / afd) - ::cos(t) * (z * agn / agd));
  }
  if (x >= 2.09) {
    // PyTorch also runs the Maclaurin series up to 8.3203353 but returns this value.
    const double zeta = 2.0 * x * ::sqrt(x) / 3.0;
    const double w = 1.0 / zeta;
    const double an = hornerFromZero(w, AN, 8);
    const double ad = hornerFromZero(w, AD, 8);
    return invSqrtPi * (an / ad) / (2.0 * ::sqrt(::sqrt(x)) * ::exp(zeta));
  }
  // Ai(x) = c1 f(x) - c2 g(x), f and g the two power series in x^3.
  double f = 1.0, g = x, k = 1.0;
  double m = 1.0, n = x, t = 1.0;
  const double z = x * x * x;
  while (t > std::numeric_limits<double>::epsilon()) {
    m *= z;
    k += 1.0;
    m /= k;
    n *= z;
    k += 1.0;
    n /= k;
    m /= k;
    f += m;
    k += 1.0;
    n /= k;
    g += n;
    t = ::fabs(m / f);
  }
  return 0.355028053887817239260 * f - 0.258819403792806798405 * g;
}

}  // namespace special
}  // namespace flint
