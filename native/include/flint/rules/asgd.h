// One element of PyTorch 1.13's single-tensor ASGD update, for both devices, rounded as
// src/optim/asgd.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] ax. Element i, with the parameter's eta and mu:
//   g = effective gradient;  p = p * (1 - lambd * eta);  p = p + g * -eta
//   ax = ax + (p - ax) * mu, or p when mu is 1
template <class T>
struct AsgdElement {
  T decayFactor, negEta, mu, weightDecay;
  bool averaging, decay, maximize;

  template <class Args>
  static AsgdElement make(const Args& a) {
    return {T(1 - a.lambd * a.eta), T(-a.eta), T(a.mu), T(a.weightDecay), a.mu != 1, a.weightDecay != 0, a.maximize};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, maximize);
    p = add(mul(p, decayFactor), mul(g, negEta));
    t[0][i] = p;
    const T ax = t[2][i];
    t[2][i] = averaging ? add(ax, mul(add(p, -ax), mu)) : p;
  }
};

}  // namespace flint
