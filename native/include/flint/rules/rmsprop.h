// One element of PyTorch 1.13's single-tensor RMSprop update, for both devices, rounded as
// src/optim/rmsprop.ts's separate ops are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] squareAvg, t[3] momentumBuffer (momentum > 0, else null),
// t[4] gradAvg (centered, else null). Element i:
//   g = effective gradient;  sq = sq * alpha + (g * (1 - alpha)) * g
//   centered: ga = ga * alpha + g * (1 - alpha);  avg = sqrt(sq + (-ga) * ga) + eps
//   else avg = sqrt(sq) + eps
//   momentum: buf = buf * momentum + g / avg;  p = p + buf * -lr
//   else p = p + (g * -lr) / avg
template <class T>
struct RmspropElement {
  T negLr, alpha, oneMinusAlpha, eps, weightDecay, momentum;
  bool decay, maximize, hasMomentum, centered;

  template <class Args>
  static RmspropElement make(const Args& a) {
    return {T(-a.lr), T(a.alpha), T(1 - a.alpha), T(a.eps), T(a.weightDecay), T(a.momentum),
            a.weightDecay != 0, a.maximize, a.momentumBuffers.size != 0, a.gradAvgs.size != 0};
  }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    const T g = effectiveGrad(t[1][i], p, weightDecay, decay, maximize);
    const T sq = add(mul(t[2][i], alpha), mul(mul(g, oneMinusAlpha), g));
    t[2][i] = sq;
    T avg;
    if (centered) {
      const T ga = add(mul(t[4][i], alpha), mul(g, oneMinusAlpha));
      t[4][i] = ga;
      avg = root(add(sq, mul(-ga, ga)));
    } else {
      avg = root(sq);
    }
    avg = add(avg, eps);
    if (hasMomentum) {
      const T buf = add(mul(t[3][i], momentum), div(g, avg));
      t[3][i] = buf;
      t[0][i] = add(p, mul(buf, negLr));
    } else {
      t[0][i] = add(p, div(mul(g, negLr), avg));
    }
  }
};

}  // namespace flint
