// One element of PyTorch 1.13's single-tensor Rprop update, for both devices, rounded as
// src/optim/rprop.ts's separate ops are (rules/exact_arith.h), with flint's sign (0 at NaN)
// and clamp (NaN passes) rules.
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// Lists: t[0] p, t[1] g, t[2] prev, t[3] stepSize. Element i:
//   g = -g (maximize);  s = sign(g * prev) mapped > 0 to etaplus, < 0 to etaminus, 0 to 1
//   stepSize = clamp(stepSize * s, min, max);  g = 0 where s == etaminus
//   p = p + (sign(g) * -1) * stepSize;  prev = g
template <class T>
struct RpropElement {
  T etaminus, etaplus, stepSizeMin, stepSizeMax;
  bool maximize;

  template <class Args>
  static RpropElement make(const Args& a) {
    return {T(a.etaminus), T(a.etaplus), T(a.stepSizeMin), T(a.stepSizeMax), a.maximize};
  }

  static FLINT_HOST_DEVICE T sign(T x) { return T((x > T(0)) - (x < T(0))); }

  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    T g = maximize ? -t[1][i] : t[1][i];
    T s = sign(mul(g, t[2][i]));
    s = s > T(0) ? etaplus : s < T(0) ? etaminus : T(1);
    T step = mul(t[3][i], s);
    if (step == step) {  // clamp_(min, max): NaN passes, a NaN bound is none, max wins over min
      if (stepSizeMin == stepSizeMin && step < stepSizeMin) step = stepSizeMin;
      if (stepSizeMax == stepSizeMax && step > stepSizeMax) step = stepSizeMax;
    }
    t[3][i] = step;
    if (s == etaminus) g = T(0);
    t[0][i] = add(t[0][i], mul(mul(sign(g), T(-1)), step));
    t[2][i] = g;
  }
};

}  // namespace flint
