// The gradients of the activation UnaryOps (Softplus ... Hardtanh, Gelu, GeluTanh), written once for both
// devices (cpu/activation_backward.cc, cuda/activation_backward.cu): gradInput =
// gradOutput * f'(input), with PyTorch's conventions at the kinks (its *_backward kernels).
#pragma once
#include <string>
#include <type_traits>

#include "flint/rules/unary.h"

namespace flint {

// The UnaryOps that have a rule here; activationBackward refuses the others.
#define FLINT_ACTIVATION_GRAD_OPS(X) \
  X(Softplus) X(Elu) X(Selu) X(Celu) X(Hardsigmoid) X(Hardswish) X(Mish) X(LogSigmoid) X(Hardshrink) X(Softshrink) X(Threshold) X(Hardtanh) \
  X(Gelu) X(GeluTanh)

template <UnaryOp OP, class T>
FLINT_HOST_DEVICE T activationGrad(T g, T x, const UnaryParams<T>& p) {
  static_assert(std::is_floating_point_v<T>, "activation gradients are float32/float64");
  if constexpr (OP == UnaryOp::Softplus) {  // p0 beta, p1 threshold
    const T z = math::exp(x * p.lo);
    return (x * p.lo) > p.hi ? g : g * z / (z + T(1));
  } else if constexpr (OP == UnaryOp::Elu) {  // p0 alpha
    return x <= T(0) ? g * p.lo * math::exp(x) : g;
  } else if constexpr (OP == UnaryOp::Selu) {
    return x <= T(0) ? g * T(kSeluAlpha * kSeluScale) * math::exp(x) : g * T(kSeluScale);
  } else if constexpr (OP == UnaryOp::Celu) {  // p0 alpha; negcoef * input_scale = 1
    return x <= T(0) ? g * math::exp(x * T(1.0 / p.p0)) : g;
  } else if constexpr (OP == UnaryOp::Hardsigmoid) {
    // PyTorch multiplies by the float 1/6 (1.0f / 6.0f), in float64 too.
    return (x > T(-3) && x < T(3)) ? g * T(1.0f / 6.0f) : T(0);
  } else if constexpr (OP == UnaryOp::Hardswish) {
    // At x == 3 exactly, g: PyTorch's vectorised kernel (what tensors of more than a few
    // elements take); its scalar tail gives 1.5 g there.
    return x < T(-3) ? T(0) : (x < T(3) ? g * (x / T(3) + T(0.5)) : g);
  } else if constexpr (OP == UnaryOp::Mish) {
    const T sigmoid = T(1) / (T(1) + math::exp(-x));
    const T t = math::tanh(math::log1p(math::exp(x)));
    return g * (t + x * sigmoid * (T(1) - t * t));
  } else if constexpr (OP == UnaryOp::LogSigmoid) {
    const T z = math::exp(-math::fabs(x));
    return x < T(0) ? g * (T(1) - z / (T(1) + z)) : g * (z / (T(1) + z));
  } else if constexpr (OP == UnaryOp::Hardshrink || OP == UnaryOp::Softshrink) {  // p0 lambda
    return (x >= -p.lo && x <= p.lo) ? T(0) : g;
  } else if constexpr (OP == UnaryOp::Threshold) {  // p0 threshold
    return x <= p.lo ? T(0) : g;
  } else if constexpr (OP == UnaryOp::Hardtanh) {  // p0 min, p1 max: 0 at the bounds too
    return (x <= p.lo || x >= p.hi) ? T(0) : g;
  } else if constexpr (OP == UnaryOp::Gelu) {
    // Φ(x) + x φ(x), with PyTorch's constants (kAlpha = M_2_SQRTPI * M_SQRT1_2 * 0.5).
    const T cdf = T(0.5) * (T(1) + math::erf(x * T(0.70710678118654752440)));
    const T pdf = T(1.12837916709551257390 * 0.70710678118654752440 * 0.5) * math::exp(x * x * T(-0.5));
    return g * (cdf + x * pdf);
  } else if constexpr (OP == UnaryOp::GeluTanh) {
    // PyTorch's GeluBackward with approximate='tanh': kBeta = M_SQRT2 * M_2_SQRTPI * 0.5.
    const T beta = T(1.41421356237309504880 * 1.12837916709551257390 * 0.5);
    const T kappa = T(0.044715);
    const T xSq = x * x;
    const T tanhInner = math::tanh(beta * (x + kappa * xSq * x));
    const T left = T(0.5) * x;
    const T right = T(1) + tanhInner;
    const T leftDerivative = T(0.5) * right;
    const T rightDerivative = left * (T(1) - tanhInner * tanhInner) * beta * (T(1) + T(3) * kappa * xSq);
    return g * (leftDerivative + rightDerivative);
  } else {
    static_assert(rules::kNoRule<OP>, "a UnaryOp listed in FLINT_ACTIVATION_GRAD_OPS without a rule");
  }
}

// f(std::integral_constant<UnaryOp, OP>{}) for an op with a gradient rule; throws otherwise.
template <class F>
void dispatchActivationGrad(UnaryOp op, F&& f) {
  switch (op) {
#define FLINT_RULES_DISPATCH(OP) \
  case UnaryOp::OP:              \
    return f(std::integral_constant<UnaryOp, UnaryOp::OP>{});
    FLINT_ACTIVATION_GRAD_OPS(FLINT_RULES_DISPATCH)
#undef FLINT_RULES_DISPATCH
    default: break;
  }
  throw Error("activationBackward: unary op " + std::to_string((int)op) + " has no activation gradient");
}

}  // namespace flint
