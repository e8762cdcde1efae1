// One element of PyTorch 1.13's single-tensor Adagrad update, for both devices, rounded as
// src/optim/adagrad.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] sum. Element i, with clr = lr / (1 + (step - 1) * lrDecay):
//   g = effective gradient;  sum = sum + g * g;  p = p + (g * -clr) / (sqrt(sum) + eps)
template <class T>
struct AdagradElement {
  T negClr, eps, weightDecay;
  bool decay, maximize;

  template <class Args>
  static AdagradElement make(const Args& a) {
    return {T(-a.clr), T(a.eps), T(a.weightDecay), a.weightDecay != 0, a.maximize};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, maximize);
    const T sum = add(t[2][i], mul(g, g));
    t[2][i] = sum;
    t[0][i] = add(p, div(mul(g, negClr), add(root(sum), eps)));
  }
};

}  // namespace flint
