// One element of PyTorch 1.13's single-tensor SGD update, for both devices, rounded as the
// separate ops of src/optim/sgd.ts's composite form are (rules/exact_arith.h).
#pragma once

#include "flint/rules/exact_arith.h"

namespace flint {

template <class T>
struct SgdConstants {
  T negLr, weightDecay, momentum, oneMinusDampening;
  bool negLrIsOne, oneMinusDampeningIsOne;
  bool maximize, decay, hasMomentum, nesterov, firstStep;
};

// The lists, in the sgdStep entry's order: t[0] p, t[1] g, t[2] the momentum buffer (null
// without momentum). Element i:
//   d = -g (maximize) or g;  d = p * wd + d (weight decay)
//   buf = d on the first step, else buf * momentum + d * (1 - dampening)
//   d = buf * momentum + d (Nesterov) or buf
//   p = p + d * -lr
template <class T>
struct SgdElement {
  SgdConstants<T> c;

  template <class Args>
  static SgdElement make(const Args& a) {
    SgdConstants<T> c;
    c.negLr = T(-a.lr);
    c.negLrIsOne = -a.lr == 1;
    c.weightDecay = T(a.weightDecay);
    c.momentum = T(a.momentum);
    c.oneMinusDampening = T(1 - a.dampening);
    c.oneMinusDampeningIsOne = 1 - a.dampening == 1;
    c.maximize = a.maximize;
    c.decay = a.weightDecay != 0;
    c.hasMomentum = a.momentumBuffers.size != 0;  // the caller passes buffers exactly when momentum != 0
    c.nesterov = a.nesterov;
    c.firstStep = a.firstStep;
    return SgdElement{c};
  }
  FLINT_HOST_DEVICE void operator()(T* const* t, int64_t i) const {
    using namespace exact;
    const T p = t[0][i];
    T d = t[1][i];
    if (c.maximize) d = -d;
    if (c.decay) d = add(mul(p, c.weightDecay), d);
    if (c.hasMomentum) {
      T buf = c.firstStep ? d : addScaled(mul(t[2][i], c.momentum), d, c.oneMinusDampening, c.oneMinusDampeningIsOne);
      t[2][i] = buf;
      d = c.nesterov ? add(mul(buf, c.momentum), d) : buf;
    }
    t[0][i] = addScaled(p, d, c.negLr, c.negLrIsOne);
  }
};


}  // namespace flint
