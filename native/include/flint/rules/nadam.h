// One element of PyTorch 1.13's single-tensor NAdam update, for both devices, rounded as
// src/optim/nadam.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] expAvg, t[3] expAvgSq. Element i, with the step's momentum
// products folded into gradScale = -lr (1 - mu) / (1 - mu_product) and
// avgScale = -lr mu_next / (1 - mu_product mu_next):
//   g = p * wd + g;  m = m * beta1 + g * (1 - beta1);  v = v * beta2 + (g * (1 - beta2)) * g
//   denom = sqrt(v / bias correction 2) + eps
//   p = p + (g * gradScale) / denom;  p = p + (m * avgScale) / denom
template <class T>
struct NadamElement {
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, biasCorrection2, gradScale, avgScale;
  bool decay;

  template <class Args>
  static NadamElement make(const Args& a) {
    return {T(a.beta1), T(1 - a.beta1), T(a.beta2), T(1 - a.beta2), T(a.eps), T(a.weightDecay),
            T(a.biasCorrection2), T(a.gradScale), T(a.avgScale), a.weightDecay != 0};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, false);
    const T m = add(mul(t[2][i], beta1), mul(g, oneMinusBeta1));
    const T v = add(mul(t[3][i], beta2), mul(mul(g, oneMinusBeta2), g));
    t[2][i] = m;
    t[3][i] = v;
    const T denom = add(root(div(v, biasCorrection2)), eps);
    p = add(p, div(mul(g, gradScale), denom));
    t[0][i] = add(p, div(mul(m, avgScale), denom));
  }
};

}  // namespace flint
