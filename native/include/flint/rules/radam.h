// One element of PyTorch 1.13's single-tensor RAdam update, for both devices, rounded as
// src/optim/radam.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] expAvg, t[3] expAvgSq. Element i:
//   g = p * wd + g;  m = m * beta1 + g * (1 - beta1);  v = v * beta2 + (g * (1 - beta2)) * g
//   update = (m / bias correction 1) * lr
//   rectified (rho_t > 5): update = (update * (sqrt(bc2) / (sqrt(v) + eps))) * rect
//   p = p + update * -1
template <class T>
struct RadamElement {
  T lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, biasCorrection1, biasCorrection2Sqrt, rect;
  bool decay, rectified;

  template <class Args>
  static RadamElement make(const Args& a) {
    return {T(a.lr), T(a.beta1), T(1 - a.beta1), T(a.beta2), T(1 - a.beta2), T(a.eps), T(a.weightDecay),
            T(a.biasCorrection1), T(a.biasCorrection2Sqrt), T(a.rect), a.weightDecay != 0, a.rectified};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, false);
    const T m = add(mul(t[2][i], beta1), mul(g, oneMinusBeta1));
    const T v = add(mul(t[3][i], beta2), mul(mul(g, oneMinusBeta2), g));
    t[2][i] = m;
    t[3][i] = v;
    T update = mul(div(m, biasCorrection1), lr);
    if (rectified) update = mul(mul(update, div(biasCorrection2Sqrt, add(root(v), eps))), rect);
    t[0][i] = add(p, mul(update, T(-1)));
  }
};

}  // namespace flint
