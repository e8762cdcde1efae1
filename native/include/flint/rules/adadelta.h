// One element of PyTorch 1.13's single-tensor Adadelta update, for both devices, rounded as
// src/optim/adadelta.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] squareAvg, t[3] accDelta. Element i:
//   g = effective gradient;  sq = sq * rho + (g * (1 - rho)) * g
//   delta = (sqrt(acc + eps) / sqrt(sq + eps)) * g
//   acc = acc * rho + (delta * (1 - rho)) * delta;  p = p + delta * -lr
template <class T>
struct AdadeltaElement {
  T negLr, rho, oneMinusRho, eps, weightDecay;
  bool decay, maximize;

  template <class Args>
  static AdadeltaElement make(const Args& a) {
    return {T(-a.lr), T(a.rho), T(1 - a.rho), T(a.eps), T(a.weightDecay), a.weightDecay != 0, a.maximize};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, maximize);
    const T sq = add(mul(t[2][i], rho), mul(mul(g, oneMinusRho), g));
    t[2][i] = sq;
    const T std = root(add(sq, eps));
    const T acc = t[3][i];
    const T delta = mul(div(root(add(acc, eps)), std), g);
    t[3][i] = add(mul(acc, rho), mul(mul(delta, oneMinusRho), delta));
    t[0][i] = add(p, mul(delta, negLr));
  }
};

}  // namespace flint
