// The value of every UnaryOp, written once for both devices: the CPU kernels
// (cpu/elementwise.cc) and the CUDA kernels (cuda/elementwise.cu) instantiate
// unaryValue<OP, T> inside their loops, with PyTorch's semantics (sign(NaN) = 0, relu and
// clamp pass NaN through, round is half to even, ...).
//
// Coverage is checked by the compiler: FLINT_UNARY_OPS must name every op of the enum
// (static_asserts below), the dispatchers instantiate unaryValue for every name on it,
// and unaryValue ends in a static_assert, so an op without a rule does not build.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "flint/backend.h"
#include "flint/rules/convert.h"
#include "flint/rules/math.h"
#include "flint/rules/special.h"
#include "flint/rules/special_bessel.h"
#include "flint/rules/special_gamma.h"

namespace flint {

// Every UnaryOp, in enum order.
#define FLINT_UNARY_OPS(X)                                                                       \
  X(Neg) X(Abs) X(Exp) X(Log) X(Sqrt) X(Sin) X(Cos) X(Relu) X(Sigmoid) X(Tanh) X(Clamp) X(Sign) \
  X(Log1p) X(Expm1) X(Floor) X(Ceil) X(Round) X(Rsqrt) X(Reciprocal) X(LogicalNot) X(Gelu)      \
  X(GeluTanh) X(Silu) X(LeakyRelu) X(Erf) X(Square) X(Trunc) X(Tan) X(Asin) X(Acos) X(Atan) X(Sinh)  \
  X(Cosh) X(Asinh) X(Acosh) X(Atanh) X(Log2) X(Log10) X(Exp2) X(Frac) X(Softplus) X(Elu) X(Selu)   \
  X(Celu) X(Hardsigmoid) X(Hardswish) X(Mish) X(LogSigmoid) X(Hardshrink) X(Softshrink)            \
  X(Threshold) X(Hardtanh) X(Lgamma) X(Digamma) X(Polygamma) X(Erfc) X(Erfinv)     \
  X(I0) X(I0e) X(I1) X(I1e) X(Erfcx) X(LogNdtr) X(BitwiseNot) X(Ndtri) X(BesselJ0) X(BesselJ1)          \
  X(BesselY0) X(BesselY1) X(ModifiedBesselI1) X(ModifiedBesselK0) X(ModifiedBesselK1)              \
  X(ScaledModifiedBesselK0) X(ScaledModifiedBesselK1) X(SphericalBesselJ0) X(AiryAi)

namespace rules {
#define FLINT_RULES_LISTED(OP) \
  case UnaryOp::OP:            \
    return true;
constexpr bool isListed(UnaryOp op) {
  switch (op) {
    FLINT_UNARY_OPS(FLINT_RULES_LISTED)
    default: return false;
  }
}
#undef FLINT_RULES_LISTED
constexpr bool everyUnaryOpListed() {
  for (int i = 0; i < EnumInfo<UnaryOp>::count; i++) {
    if (!isListed((UnaryOp)i)) return false;
  }
  return true;
}
}  // namespace rules
static_assert(rules::everyUnaryOpListed(), "FLINT_UNARY_OPS must name every UnaryOp");

// The ops defined on integer (and bool) tensors; the rest take float32/float64 only.
constexpr bool unaryTakesIntegers(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Relu:
    case UnaryOp::Clamp:
    case UnaryOp::Sign:
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round:
    case UnaryOp::Trunc:
    case UnaryOp::LogicalNot:
    case UnaryOp::Square:
    case UnaryOp::Threshold:
    case UnaryOp::Hardtanh:
    case UnaryOp::BitwiseNot: return true;
    default: return false;
  }
}

// The integer-only op: bitwise not.
constexpr bool unaryTakesFloats(UnaryOp op) { return op != UnaryOp::BitwiseNot; }

// Whether unaryValue<OP, T> exists: the dispatchers instantiate only these.
template <UnaryOp OP, class T>
constexpr bool unaryDefinedFor() {
  if constexpr (std::is_floating_point_v<T>) return unaryTakesFloats(OP);
  else return unaryTakesIntegers(OP);
}

// Throws unless `op` is defined for `dtype` (a compute dtype).
inline void checkUnaryDType(UnaryOp op, DType dtype) {
  if (isFloatingDType(dtype) ? !unaryTakesFloats(op) : !unaryTakesIntegers(op)) {
    throw Error("unary op " + std::to_string((int)op) + " is not implemented for " +
                (isFloatingDType(dtype) ? "floating-point" : "integer") + " tensors");
  }
}

// The optional parameters: clamp's bounds (NaN: no bound) and leaky relu's slope, with
// p0/p1 converted to T once, outside the loop. A NaN bound is never converted to an
// integer type (it is not used there).
template <class T>
struct UnaryParams {
  double p0, p1;
  T lo, hi;
};
template <class T>
UnaryParams<T> unaryParams(double p0, double p1) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  return {p0, p1, (kFloat || p0 == p0) ? convertValue<T, double>(p0) : T(0),
          (kFloat || p1 == p1) ? convertValue<T, double>(p1) : T(0)};
}

// SELU's constants, as PyTorch's (torch.nn.functional.selu).
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// min(max(x, 0), 6) with NaN passing, the inner clip of hardsigmoid and hardswish.
template <class T>
FLINT_HOST_DEVICE T hardClip(T x) {
  return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
}

template <UnaryOp OP, class T>
FLINT_HOST_DEVICE T unaryValue(T x, const UnaryParams<T>& p) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  static_assert(unaryDefinedFor<OP, T>(), "a UnaryOp instantiated for a dtype it does not take");
  if constexpr (OP == UnaryOp::Neg) {
    return T(-x);
  } else if constexpr (OP == UnaryOp::Abs) {
    if constexpr (kFloat) return math::fabs(x);
    else if constexpr (std::is_signed_v<T>) return x < 0 ? T(-x) : x;
    else return x;
  } else if constexpr (OP == UnaryOp::Exp) {
    return math::exp(x);
  } else if constexpr (OP == UnaryOp::Log) {
    return math::log(x);
  } else if constexpr (OP == UnaryOp::Sqrt) {
    return math::sqrt(x);
  } else if constexpr (OP == UnaryOp::Sin) {
    return math::sin(x);
  } else if constexpr (OP == UnaryOp::Cos) {
    return math::cos(x);
  } else if constexpr (OP == UnaryOp::Relu) {
    if constexpr (kFloat) return x < T(0) ? T(0) : x;  // NaN compares false and passes; no branch
    else return x > 0 ? x : T(0);
  } else if constexpr (OP == UnaryOp::Sigmoid) {
    return T(1) / (T(1) + math::exp(-x));
  } else if constexpr (OP == UnaryOp::Tanh) {
    return math::tanh(x);
  } else if constexpr (OP == UnaryOp::Clamp) {
    if constexpr (kFloat) {
      if (x != x) return x;  // NaN propagates, as in PyTorch
      T v = x;
      if (p.p0 == p.p0 && v < p.lo) v = p.lo;
      if (p.p1 == p.p1 && v > p.hi) v = p.hi;
      return v;
    } else {  // compared in double, so that a fractional bound cuts where it should
      T v = x;
      if (p.p0 == p.p0 && (double)v < p.p0) v = p.lo;
      if (p.p1 == p.p1 && (double)v > p.p1) v = p.hi;
      return v;
    }
  } else if constexpr (OP == UnaryOp::Sign) {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_unsigned_v<T>) return T(x > 0);
    else return T((x > 0) - (x < 0));  // PyTorch's: 0 at NaN
  } else if constexpr (OP == UnaryOp::Log1p) {
    return math::log1p(x);
  } else if constexpr (OP == UnaryOp::Expm1) {
    return math::expm1(x);
  } else if constexpr (OP == UnaryOp::Floor) {
    if constexpr (kFloat) return math::floor(x);
    else return x;
  } else if constexpr (OP == UnaryOp::Ceil) {
    if constexpr (kFloat) return math::ceil(x);
    else return x;
  } else if constexpr (OP == UnaryOp::Round) {
    if constexpr (kFloat) return math::roundHalfEven(x);
    else return x;
  } else if constexpr (OP == UnaryOp::Trunc) {
    if constexpr (kFloat) return math::trunc(x);
    else return x;
  } else if constexpr (OP == UnaryOp::Rsqrt) {
    return T(1) / math::sqrt(x);  // not CUDA's rsqrt(): that one is approximate
  } else if constexpr (OP == UnaryOp::Reciprocal) {
    return T(1) / x;
  } else if constexpr (OP == UnaryOp::LogicalNot) {
    return T(x == T(0));
  } else if constexpr (OP == UnaryOp::BitwiseNot) {
    if constexpr (std::is_same_v<T, bool>) return !x;
    else return T(~x);
  } else if constexpr (OP == UnaryOp::Gelu) {
    return T(0.5) * x * (T(1) + math::erf(x * T(0.70710678118654752440)));  // 1/sqrt(2)
  } else if constexpr (OP == UnaryOp::GeluTanh) {
    // sqrt(2/pi), folded in double and then rounded to T, as PyTorch's M_2_SQRTPI * M_SQRT1_2
    const T inner = T(1.12837916709551257390 * 0.70710678118654752440) * (x + T(0.044715) * x * x * x);
    return T(0.5) * x * (T(1) + math::tanh(inner));
  } else if constexpr (OP == UnaryOp::Silu) {
    return x / (T(1) + math::exp(-x));
  } else if constexpr (OP == UnaryOp::LeakyRelu) {
    return x > 0 ? x : x * p.lo;
  } else if constexpr (OP == UnaryOp::Erf) {
    return math::erf(x);
  } else if constexpr (OP == UnaryOp::Erfc) {
    return math::erfc(x);
  } else if constexpr (OP == UnaryOp::Erfinv) {
    return special::erfinv(x);
  } else if constexpr (OP == UnaryOp::I0) {
    return T(special::i0(double(x)));  // float in double, rounded once
  } else if constexpr (OP == UnaryOp::I0e) {
    return T(special::i0e(double(x)));
  } else if constexpr (OP == UnaryOp::I1) {
    return T(special::i1(double(x)));
  } else if constexpr (OP == UnaryOp::I1e) {
    return T(special::i1e(double(x)));
  } else if constexpr (OP == UnaryOp::Erfcx) {
    return T(special::erfcx(double(x)));
  } else if constexpr (OP == UnaryOp::LogNdtr) {
    return T(special::logNdtr(double(x)));
  } else if constexpr (OP == UnaryOp::Ndtri) {
    return T(special::ndtri(double(x)));
  } else if constexpr (OP == UnaryOp::BesselJ0) {
    return T(special::besselJ0(double(x)));
  } else if constexpr (OP == UnaryOp::BesselJ1) {
    return T(special::besselJ1(double(x)));
  } else if constexpr (OP == UnaryOp::BesselY0) {
    return T(special::besselY0(double(x)));
  } else if constexpr (OP == UnaryOp::BesselY1) {
    return T(special::besselY1(double(x)));
  } else if constexpr (OP == UnaryOp::ModifiedBesselI1) {
    return T(special::modifiedBesselI1(double(x)));
  } else if constexpr (OP == UnaryOp::ModifiedBesselK0) {
    return T(special::modifiedBesselK0(double(x)));
  } else if constexpr (OP == UnaryOp::ModifiedBesselK1) {
    return T(special::modifiedBesselK1(double(x)));
  } else if constexpr (OP == UnaryOp::ScaledModifiedBesselK0) {
    return T(special::scaledModifiedBesselK0(double(x)));
  } else if constexpr (OP == UnaryOp::ScaledModifiedBesselK1) {
    return T(special::scaledModifiedBesselK1(double(x)));
  } else if constexpr (OP == UnaryOp::SphericalBesselJ0) {
    return T(special::sphericalBesselJ0(double(x)));
  } else if constexpr (OP == UnaryOp::AiryAi) {
    return T(special::airyAi(double(x)));
  } else if constexpr (OP == UnaryOp::Lgamma) {
    return math::lgamma(x);
  } else if constexpr (OP == UnaryOp::Digamma) {
    return special::digamma(x);
  } else if constexpr (OP == UnaryOp::Polygamma) {  // p0 the order n >= 0
    // TypeScript refuses other orders; the range test keeps the int conversion defined.
    if (!(p.p0 >= 0 && p.p0 <= 1e6)) return math::quietNaN<T>();
    return special::polygamma(int(p.p0), x);
  } else if constexpr (OP == UnaryOp::Square) {
    return T(x * x);
  } else if constexpr (OP == UnaryOp::Tan) {
    return math::tan(x);
  } else if constexpr (OP == UnaryOp::Asin) {
    return math::asin(x);
  } else if constexpr (OP == UnaryOp::Acos) {
    return math::acos(x);
  } else if constexpr (OP == UnaryOp::Atan) {
    return math::atan(x);
  } else if constexpr (OP == UnaryOp::Sinh) {
    return math::sinh(x);
  } else if constexpr (OP == UnaryOp::Cosh) {
    return math::cosh(x);
  } else if constexpr (OP == UnaryOp::Asinh) {
    return math::asinh(x);
  } else if constexpr (OP == UnaryOp::Acosh) {
    return math::acosh(x);
  } else if constexpr (OP == UnaryOp::Atanh) {
    return math::atanh(x);
  } else if constexpr (OP == UnaryOp::Log2) {
    return math::log2(x);
  } else if constexpr (OP == UnaryOp::Log10) {
    return math::log10(x);
  } else if constexpr (OP == UnaryOp::Exp2) {
    return math::exp2(x);
  } else if constexpr (OP == UnaryOp::Frac) {
    return x - math::trunc(x);  // PyTorch's: inf gives NaN, -0.5 gives -0.5
  } else if constexpr (OP == UnaryOp::Softplus) {  // p0 beta, p1 threshold
    const T bx = x * p.lo;
    return bx > p.hi ? x : math::log1p(math::exp(bx)) / p.lo;
  } else if constexpr (OP == UnaryOp::Elu) {  // p0 alpha
    // `+ 0` turns expm1(-0.0) = -0.0 into PyTorch's +0.0 (it computes exp(x) - 1).
    return x <= T(0) ? math::expm1(x) * p.lo + T(0) : x;
  } else if constexpr (OP == UnaryOp::Selu) {
    return x <= T(0) ? math::expm1(x) * T(kSeluAlpha * kSeluScale) + T(0) : x * T(kSeluScale);
  } else if constexpr (OP == UnaryOp::Celu) {  // p0 alpha: elu with input scale 1/alpha
    return x <= T(0) ? math::expm1(x * T(1.0 / p.p0)) * p.lo + T(0) : x;
  } else if constexpr (OP == UnaryOp::Hardsigmoid) {
    return hardClip(x + T(3)) / T(6);
  } else if constexpr (OP == UnaryOp::Hardswish) {
    return x * hardClip(x + T(3)) / T(6);
  } else if constexpr (OP == UnaryOp::Mish) {
    return x * math::tanh(math::log1p(math::exp(x)));
  } else if constexpr (OP == UnaryOp::LogSigmoid) {  // min(0, x) - log1p(exp(-|x|)), stable both ways
    return (x < T(0) ? x : T(0)) - math::log1p(math::exp(-math::fabs(x)));
  } else if constexpr (OP == UnaryOp::Hardshrink) {  // p0 lambda; NaN passes
    return (x >= -p.lo && x <= p.lo) ? T(0) : x;
  } else if constexpr (OP == UnaryOp::Softshrink) {  // p0 lambda; NaN gives 0, as PyTorch
    return x > p.lo ? T(x - p.lo) : (x < -p.lo ? T(x + p.lo) : T(0));
  } else if constexpr (OP == UnaryOp::Threshold) {  // p0 threshold, p1 value; NaN passes
    return x <= p.lo ? p.hi : x;
  } else if constexpr (OP == UnaryOp::Hardtanh) {  // p0 min, p1 max; NaN passes, as clamp
    if (x != x) return x;
    return x < p.lo ? p.lo : (x > p.hi ? p.hi : x);
  } else {
    static_assert(rules::kNoRule<OP>, "a UnaryOp without a value rule in flint/rules/unary.h");
  }
}

// Calls f(std::integral_constant<UnaryOp, OP>{}) for the run-time op, so that the loop or
// kernel inside f is compiled once per op with the rule folded in. Host side: the choice
// is made once per call, never per element.
template <class F>
void dispatchUnaryOp(UnaryOp op, F&& f) {
  switch (op) {
#define FLINT_RULES_DISPATCH(OP) \
  case UnaryOp::OP:              \
    return f(std::integral_constant<UnaryOp, UnaryOp::OP>{});
    FLINT_UNARY_OPS(FLINT_RULES_DISPATCH)
#undef FLINT_RULES_DISPATCH
  }
  throw Error("unknown unary op " + std::to_string((int)op));
}

}  // namespace flint
