// One element of PyTorch 1.13's single-tensor Adam/AdamW update, written once for both
// devices (cpu/optim.cc, cuda/optim.cu). Every operation rounds on its own
// (rules/exact_arith.h), in the order of the separate ops the update is defined by
// (src/optim/adam.ts's composite form), so the fused pass gives the same bits as those ops.
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

// The update's constants, each already rounded to the parameter's dtype as a scalar
// operand of its op is.
template <class T>
struct AdamConstants {
  T decay;             // 1 - lr * weightDecay (AdamW)
  T weightDecay;       // Adam's coupled decay
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  T biasCorrection2Sqrt, eps, negStepSize;
  bool decoupled, coupled, maximize, amsgrad;
};

// The lists, in the adamStep entry's order: t[0] p, t[1] g, t[2] m (exp_avg), t[3] v
// (exp_avg_sq), t[4] the running maximum of v (amsgrad; null otherwise). Element i:
//   g = -g (maximize); p *= decay (AdamW) or g = p * wd + g (Adam)
//   m = m * beta1 + g * (1 - beta1);  v = v * beta2 + (g * (1 - beta2)) * g
//   vmax = maximum(vmax, v) (amsgrad)
//   p = p + (m * -stepSize) / (sqrt(v or vmax) / sqrt(bias correction 2) + eps)
template <class T>
struct AdamElement {
  AdamConstants<T> c;

  template <class Args>
  static AdamElement make(const Args& a) {
    AdamConstants<T> c;
    c.decay = T(1 - a.lr * a.weightDecay);
    c.weightDecay = T(a.weightDecay);
    c.beta1 = T(a.beta1);
    c.oneMinusBeta1 = T(1 - a.beta1);
    c.beta2 = T(a.beta2);
    c.oneMinusBeta2 = T(1 - a.beta2);
    c.biasCorrection2Sqrt = T(a.biasCorrection2Sqrt);
    c.eps = T(a.eps);
    c.negStepSize = T(-a.stepSize);
    c.decoupled = a.decoupled && a.weightDecay != 0;
    c.coupled = !a.decoupled && a.weightDecay != 0;
    c.maximize = a.maximize;
    c.amsgrad = a.maxExpAvgSqs.size != 0;
    return AdamElement{c};
  }
  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    T p = t[0][i], g = t[1][i], m = t[2][i], v = t[3][i];
    if (c.maximize) g = -g;
    if (c.decoupled) p = mul(p, c.decay);
    if (c.coupled) g = add(mul(p, c.weightDecay), g);
    m = add(mul(m, c.beta1), mul(g, c.oneMinusBeta1));
    v = add(mul(v, c.beta2), mul(mul(g, c.oneMinusBeta2), g));
    T second = v;
    if (c.amsgrad) {
      second = maximum(t[4][i], v);
      t[4][i] = second;
    }
    const T denom = add(div(root(second), c.biasCorrection2Sqrt), c.eps);
    t[0][i] = add(p, div(mul(m, c.negStepSize), denom));
    t[2][i] = m;
    t[3][i] = v;
  }
};

// The constants from the step's numbers, computed in double as PyTorch computes them and
// then rounded to T.

}  // namespace flint
