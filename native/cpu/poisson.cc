// torch.poisson on the CPU: PyTorch 1.13's sample_poisson per rate, in order, on the
// generator, so that seeded runs give PyTorch's counts. Rates >= 10 use Hoermann's
// transformed rejection (PTRS); smaller ones multiply uniforms until they fall below
// exp(-rate).
#include <cmath>

#include "cpu_backend.h"
#include "flint/rules/convert.h"

namespace flint {

namespace {

int64_t samplePoisson(double rate, CpuGenerator& gen) {
  if (rate >= 10) {
    const double slam = std::sqrt(rate);
    const double loglam = std::log(rate);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const double u = gen.uniformDouble(0, 1) - 0.5;
      const double v = gen.uniformDouble(0, 1);
      const double us = 0.5 - std::fabs(u);
      const int64_t k = (int64_t)std::floor((2 * a / us + b) * u + rate + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= -rate + k * loglam - std::lgamma((double)k + 1)) {
        return k;
      }
    }
  }
  if (rate == 0) return 0;
  const double enlam = std::exp(-rate);
  int64_t x = 0;
  double prod = 1.0;
  for (;;) {
    prod *= gen.uniformDouble(0, 1);
    if (prod > enlam) x += 1;
    else return x;
  }
}

}  // namespace

void CpuBackend::poissonRun(const PoissonArgs& args) {
  const int64_t n = args.rates.shape[0];
  FLINT_DISPATCH_FLOATING(args.rates.dtype, "poisson", [&] {
    const scalar_t* rates = (const scalar_t*)args.rates.data;
    scalar_t* out = (scalar_t*)args.out.data;
    for (int64_t i = 0; i < n; i++) {
      const double rate = convertValue<double, scalar_t>(rates[i]);
      FLINT_CHECK(rate >= 0, "invalid Poisson rate, expected rate to be non-negative");
      out[i] = convertValue<scalar_t, int64_t>(samplePoisson(rate, generator_));
    }
  });
}

}  // namespace flint
