// One element of PyTorch 1.13's single-tensor Adamax update, for both devices, rounded as
// src/optim/adamax.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] expAvg, t[3] expInf. Element i, with clr = lr / (1 - beta1^t):
//   g = effective gradient;  m = m * beta1 + g * (1 - beta1)
//   u = maximum(u * beta2, |g| + eps);  p = p + (m * -clr) / u
template <class T>
struct AdamaxElement {
  T negClr, beta1, oneMinusBeta1, beta2, eps, weightDecay;
  bool decay, maximize;

  template <class Args>
  static AdamaxElement make(const Args& a) {
    return {T(-a.clr), T(a.beta1), T(1 - a.beta1), T(a.beta2), T(a.eps), T(a.weightDecay), a.weightDecay != 0, a.maximize};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, maximize);
    const T m = add(mul(t[2][i], beta1), mul(g, oneMinusBeta1));
    t[2][i] = m;
    const T u = maximum(mul(t[3][i], beta2), add(math::fabs(g), eps));
    t[3][i] = u;
    t[0][i] = add(p, div(mul(m, negClr), u));
  }
};

}  // namespace flint
