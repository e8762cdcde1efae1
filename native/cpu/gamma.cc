// torch._standard_gamma and torch.binomial on the CPU, and the reparameterized gradients of
// Gamma and Dirichlet (Beta) samples, which torch.distributions' rsample needs.
//
// Sampling: Marsaglia and Tsang's squeeze-and-reject method, with alpha < 1 boosted by
// u^(1/alpha); per element, in order, on the backend's generator, drawing uniforms and
// normals exactly as PyTorch's CPU kernel does, and with its mix of float and double
// arithmetic, so that seeded runs give PyTorch's samples.
//
// Gradients: d(sample)/d(alpha) at fixed CDF, by the approximations of Jankowiak and
// Obermeyer (2018), "Pathwise derivatives beyond the reparameterization trick", which
// PyTorch also uses: series for small samples, saddle-point expansions for large
// concentrations, and fitted rational corrections elsewhere. flint evaluates them in
// double for both dtypes (PyTorch keeps a few float32 branches in float).
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu_backend.h"
#include "flint/rules/convert.h"
#include "flint/rules/special.h"

namespace flint {

namespace {

// One Gamma(alpha, 1) draw, before the clamp to the dtype's smallest normal. `alpha` stays
// in T where PyTorch's kernel keeps it in scalar_t (the boost and the 1/3 shift).
template <class T>
double sampleGamma(T alpha, CpuGenerator& gen) {
  double scale = 1.0;
  if (alpha < T(1)) {
    if (alpha == T(0)) return 0.0;
    scale *= std::pow(1.0 - gen.uniformDouble(0, 1), (double)(T(1) / alpha));
    alpha += T(1);
  }
  const double d = (double)(alpha - T(1.0f / 3.0f));
  const double c = 1.0 / std::sqrt(9.0 * d);
  // The squeeze's constant is float in PyTorch's kernel, widened to double.
  const double squeeze = (double)0.0331f;
  for (;;) {
    double x, y;
    do {
      x = gen.normalDouble(0, 1);
      y = 1.0 + c * x;
    } while (y <= 0);
    const double v = y * y * y;
    const double u = 1.0 - gen.uniformDouble(0, 1);
    const double xx = x * x;
    if (u < 1.0 - squeeze * xx * xx) return scale * d * v;
    if (std::log(u) < 0.5 * xx + d * (1.0 - v + std::log(v))) return scale * d * v;
  }
}

// The tail of Stirling's series for log(k!), from a table up to 9.
double stirlingTail(double k) {
  static constexpr double kTail[10] = {0.0810614667953272,  0.0413406959554092,  0.0276779256849983, 0.02079067210376509,
                                       0.0166446911898211,  0.0138761288230707,  0.0118967099458917, 0.0104112652619720,
                                       0.00925546218271273, 0.00833056343336287};
  if (k <= 9) return kTail[(size_t)k];
  const double kp1sq = (k + 1) * (k + 1);
  return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

// Binomial(count, prob) for small count * prob: count the geometric waiting times that fit
// in `count` trials. `prob` stays in T for the log1p, as in PyTorch's kernel.
template <class T>
T binomialInversion(T count, T prob, CpuGenerator& gen) {
  double geomSum = 0;
  T numGeom = 0;
  const double logprob = (double)std::log1p(-prob);
  for (;;) {
    const double u = gen.uniformDouble(0, 1);
    geomSum += std::ceil(std::log(u) / logprob);
    if (geomSum > count) break;
    numGeom = numGeom + T(1);
  }
  return numGeom;
}

// Binomial(count, prob <= 1/2) for count * prob >= 10: Hoermann's transformed rejection
// with squeeze (BTRS), with PyTorch's constants and its mix of T and double arithmetic.
template <class T>
T binomialBtrs(T count, T prob, CpuGenerator& gen) {
  const double stddev = (double)std::sqrt(count * prob * (T(1) - prob));
  const double b = 1.15 + 2.53 * stddev;
  const double a = -0.0873 + 0.0248 * b + 0.01 * (double)prob;
  const double c = (double)(count * prob) + 0.5;
  const double vr = 0.92 - 4.2 / b;
  const double r = (double)(prob / (T(1) - prob));
  const double alpha = (2.83 + 5.1 / b) * stddev;
  const double m = (double)std::floor((count + T(1)) * prob);
  for (;;) {
    const double u = gen.uniformDouble(0, 1) - 0.5;
    double v = gen.uniformDouble(0, 1);
    const double us = 0.5 - std::fabs(u);
    const T k = (T)std::floor((2 * a / us + b) * u + c);
    if (k < 0 || k > count) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = std::log(v * alpha / (a / (us * us) + b));
    const double cnt = (double)count;
    const double kk = (double)k;
    const double upperbound = (m + 0.5) * std::log((m + 1) / (r * (cnt - m + 1))) +
                              (double)(count + T(1)) * std::log((cnt - m + 1) / (double)(count - k + T(1))) +
                              (kk + 0.5) * std::log(r * (double)(count - k + T(1)) / (kk + 1)) + stirlingTail(m) +
                              stirlingTail(cnt - m) - stirlingTail(kk) - stirlingTail((double)(count - k));
    if (v <= upperbound) return k;
  }
}

// One Binomial(count, prob) draw as PyTorch's sample_binomial: by the smaller of p and
// 1 - p, inversion below a mean of 10 and BTRS above; NaN for a NaN probability.
template <class T>
T sampleBinomial(T count, T prob, CpuGenerator& gen) {
  if (count <= 0 || prob <= 0) return 0;
  if (prob >= 1) return count;
  // A NaN or infinite count would never fill the inversion loop's trials (PyTorch's kernel
  // hangs there); it is its own answer.
  if (!std::isfinite(count)) return count;
  if (prob <= 0.5) return count * prob >= 10 ? binomialBtrs(count, prob, gen) : binomialInversion(count, prob, gen);
  if (prob > 0.5) {
    const T q = T(1) - prob;
    return count - (count * q >= 10 ? binomialBtrs(count, q, gen) : binomialInversion(count, q, gen));
  }
  return std::numeric_limits<T>::quiet_NaN();
}

// -(d/d alpha CDF(x; alpha)) / pdf(x; alpha) for x ~ Gamma(alpha, 1).
// The branch bounds are float constants widened to double, as in PyTorch's kernel (0.8f is
// 0.800000011920929), so that samples at the edges take the same branch.
double gammaSampleGrad(double alpha, double x) {
  if (x < (double)0.8f) {
    // Taylor series of the lower incomplete gamma function and of its alpha-derivative.
    double numer = 1;
    double denom = alpha;
    double series1 = numer / denom;
    double series2 = numer / (denom * denom);
    for (int i = 1; i <= 5; ++i) {
      numer *= -x / (double)i;
      denom += 1;
      series1 += numer / denom;
      series2 += numer / (denom * denom);
    }
    const double powXAlpha = std::pow(x, alpha);
    const double pdf = std::pow(x, alpha - 1) * std::exp(-x);
    const double cdf = powXAlpha * series1;
    const double cdfAlpha = (std::log(x) - special::digamma(alpha)) * cdf - powXAlpha * series2;
    const double result = -cdfAlpha / pdf;
    return std::isnan(result) ? 0.0 : result;
  }
  if (alpha > 8.0) {
    // Rice's saddle-point expansion; near the mean its singular terms cancel, so a
    // polynomial stands in for them there.
    if ((double)0.9f * alpha <= x && x <= (double)1.1f * alpha) {
      const double numer1 = 1 + 24 * alpha * (1 + 12 * alpha);
      const double numer2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x);
      const double denom = 1244160 * (alpha * alpha) * (alpha * alpha);
      return numer1 * numer2 / denom;
    }
    const double denom = std::sqrt(8 * alpha);
    const double term2 = denom / (alpha - x);
    const double term3 = std::pow(x - alpha - alpha * std::log(x / alpha), -1.5);
    const double term23 = x < alpha ? term2 - term3 : term2 + term3;
    const double term1 = std::log(x / alpha) * term23 - std::sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x));
    const double stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha));
    return -stirling * (x * term1) / denom;
  }
  // A rational function of u = log(x / alpha) and v = log(alpha), fitted to the gradient.
  const double u = std::log(x / alpha);
  const double v = std::log(alpha);
  static constexpr double kFit[3][8] = {
      {0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084},
      {0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623},
      {0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07},
  };
  double inV[8];
  for (int i = 0; i < 8; ++i) inV[i] = kFit[0][i] + u * (kFit[1][i] + u * kFit[2][i]);
  const double p = inV[0] + v * (inV[1] + v * (inV[2] + v * inV[3]));
  const double q = inV[4] + v * (inV[5] + v * (inV[6] + v * inV[7]));
  return std::exp(p / q);
}

// The Beta(alpha, beta) gradient in alpha for x near 0: a Taylor series.
double betaGradAlphaNearZero(double x, double alpha, double beta) {
  const double factor = special::digamma(alpha) - special::digamma(alpha + beta) - std::log(x);
  double numer = 1;
  double series = numer / alpha * (factor + 1 / alpha);
  for (int i = 1; i <= 10; ++i) {
    numer *= (i - beta) * x / i;
    const double denom = alpha + i;
    series += numer / denom * (factor + 1 / denom);
  }
  const double result = x * std::pow(1 - x, -beta) * series;
  return std::isnan(result) ? 0.0 : result;
}

// The Beta(alpha, beta) gradient in beta for x near 0: a Taylor series.
double betaGradBetaNearZero(double x, double alpha, double beta) {
  const double factor = special::digamma(alpha + beta) - special::digamma(beta);
  double numer = 1, betas = 1, dbetas = 0, series = factor / alpha;
  for (int i = 1; i <= 8; ++i) {
    numer *= -x / i;
    dbetas = dbetas * (beta - i) + betas;
    betas = betas * (beta - i);
    series += numer / (alpha + i) * (dbetas + factor * betas);
  }
  const double result = -std::pow(1 - x, 1 - beta) * series;
  return std::isnan(result) ? 0.0 : result;
}

// The Beta gradient in alpha when alpha and beta are both large: Rice's saddle point,
// with a polynomial near the mean where the expansion is singular.
double betaGradAlphaLarge(double x, double alpha, double beta) {
  const double total = alpha + beta;
  const double mean = alpha / total;
  const double std = std::sqrt(alpha * beta / (total + 1)) / total;
  if (mean - 0.1 * std <= x && x <= mean + 0.1 * std) {
    const double b2 = beta * beta;
    const double poly = 47 * x * b2 * b2 +
                        alpha * ((43 + 20 * (16 + 27 * beta) * x) * b2 * beta +
                                 alpha * (3 * (59 + 180 * beta - 90 * x) * b2 +
                                          alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))));
    const double prefactorNum = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total);
    const double prefactorDen = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total);
    return prefactorNum / (1 - x) * poly / prefactorDen;
  }
  const double prefactor = -x / std::sqrt(2 * alpha * beta / total);
  const double stirling = (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta)) /
                          (1 + 1 / (12 * total) + 1 / (288 * total * total));
  const double term1Num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta);
  const double axbx = alpha * (x - 1) + beta * x;
  const double term1Den = std::sqrt(2 * alpha / beta) * std::pow(total, 1.5) * axbx * axbx;
  const double term1 = term1Num / term1Den;
  const double term2 = 0.5 * std::log(alpha / (total * x));
  const double term3 = std::sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1));
  const double term4Base = beta * std::log(beta / (total * (1 - x))) + alpha * std::log(alpha / (total * x));
  const double term4 = std::pow(term4Base, -1.5);
  const double term1234 = term1 + term2 * (term3 + (x < mean ? term4 : -term4));
  return stirling * prefactor * term1234;
}

// -(d/d alpha CDF(x; alpha, total - alpha)) / pdf / (1 - x) for x ~ Beta(alpha, total -
// alpha): one coordinate of a Dirichlet sample's gradient, through its Beta marginal.
double dirichletSampleGrad(double x, double alpha, double total) {
  const double beta = total - alpha;
  const double boundary = total * x * (1 - x);
  if (x <= 0.5 && boundary < 2.5) return betaGradAlphaNearZero(x, alpha, beta);
  if (x >= 0.5 && boundary < 0.75) return -betaGradBetaNearZero(1 - x, beta, alpha);
  if (alpha > 6 && beta > 6) return betaGradAlphaLarge(x, alpha, beta);
  // A rational correction, fitted in (log x, log alpha - log x, log total - ...), to the
  // analytic approximation x (psi(total) - psi(alpha)) / beta.
  static constexpr double kFit[2][3][3][4] = {
      {{{1.003668233, -0.01061107488, -0.0657888334, 0.01201642863},
        {0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033},
        {-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013}},
       {{0.221950385, -0.3187676331, 0.01799915743, 0.01074823814},
        {-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057},
        {0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05}},
       {{-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565},
        {0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181},
        {0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05}}},
      {{{1, -0.02924021934, -0.04438342661, 0.007285809825},
        {0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521},
        {-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149}},
       {{0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273},
        {0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956},
        {-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05}},
       {{0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05},
        {0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05},
        {-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06}}},
  };
  const double u = std::log(x);
  const double a = std::log(alpha) - u;
  const double b = std::log(total) - a;
  const double powU[3] = {1, u, u * u};
  const double powA[3] = {1, a, a * a};
  double p = 0.0;
  double q = 0.0;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      const double ua = powU[i] * powA[j];
      const double* cp = kFit[0][i][j];
      const double* cq = kFit[1][i][j];
      p += ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])));
      q += ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])));
    }
  }
  const double approx = x * (special::digamma(total) - special::digamma(alpha)) / beta;
  return p / q * approx;
}

}  // namespace

void CpuBackend::standardGammaRun(const StandardGammaArgs& args) {
  const int64_t n = args.alpha.shape[0];
  FLINT_DISPATCH_FLOATING(args.alpha.dtype, "standardGamma", [&] {
    const scalar_t* alpha = (const scalar_t*)args.alpha.data;
    scalar_t* out = (scalar_t*)args.out.data;
    for (int64_t i = 0; i < n; i++) {
      const scalar_t a = alpha[i];
      FLINT_CHECK(a >= scalar_t(0), "torch._standard_gamma: expected every concentration to be non-negative");
      const scalar_t sample = (scalar_t)sampleGamma<scalar_t>(a, generator_);
      out[i] = std::max(std::numeric_limits<scalar_t>::min(), sample);
    }
  });
}

void CpuBackend::binomialRun(const BinomialArgs& args) {
  const int64_t n = args.count.shape[0];
  FLINT_DISPATCH_FLOATING(args.count.dtype, "binomial", [&] {
    const scalar_t* count = (const scalar_t*)args.count.data;
    const scalar_t* prob = (const scalar_t*)args.prob.data;
    scalar_t* out = (scalar_t*)args.out.data;
    for (int64_t i = 0; i < n; i++) out[i] = sampleBinomial<scalar_t>(count[i], prob[i], generator_);
  });
}

void CpuBackend::standardGammaGradRun(const StandardGammaGradArgs& args) {
  const int64_t n = args.alpha.shape[0];
  FLINT_DISPATCH_FLOATING(args.alpha.dtype, "standardGammaGrad", [&] {
    const scalar_t* alpha = (const scalar_t*)args.alpha.data;
    const scalar_t* sample = (const scalar_t*)args.sample.data;
    scalar_t* out = (scalar_t*)args.out.data;
    for (int64_t i = 0; i < n; i++) out[i] = (scalar_t)gammaSampleGrad((double)alpha[i], (double)sample[i]);
  });
}

void CpuBackend::dirichletGradRun(const DirichletGradArgs& args) {
  const int64_t n = args.x.shape[0];
  FLINT_DISPATCH_FLOATING(args.x.dtype, "dirichletGrad", [&] {
    const scalar_t* x = (const scalar_t*)args.x.data;
    const scalar_t* alpha = (const scalar_t*)args.alpha.data;
    const scalar_t* total = (const scalar_t*)args.total.data;
    scalar_t* out = (scalar_t*)args.out.data;
    for (int64_t i = 0; i < n; i++) out[i] = (scalar_t)dirichletSampleGrad((double)x[i], (double)alpha[i], (double)total[i]);
  });
}

}  // namespace flint
