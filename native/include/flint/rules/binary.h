// The value of every BinaryOp, written once for both devices (cpu/elementwise.cc,
// cuda/elementwise_binary.cu), with PyTorch's semantics: maximum/minimum propagate NaN,
// remainder takes the divisor's sign, floor_divide floors, integers wrap (INT_MIN / -1
// included, as on x86), comparisons write bool.
//
// Coverage is checked as for the unary ops (flint/rules/unary.h): FLINT_BINARY_OPS names
// every op, the dispatchers instantiate binaryValue for each, and binaryValue ends in a
// static_assert.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "flint/backend.h"
#include "flint/rules/convert.h"
#include "flint/rules/math.h"
#include "flint/rules/special.h"
#include "flint/rules/special_gamma.h"
#include "flint/rules/special_polynomial.h"

namespace flint {

// Every BinaryOp, in enum order.
#define FLINT_BINARY_OPS(X)                                                                   \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum) X(Eq) X(Ne) X(Gt) X(Ge) X(Lt) X(Le) \
  X(LogicalAnd) X(LogicalOr) X(Atan2) X(Remainder) X(FloorDivide) X(Hypot) X(Logaddexp)          \
  X(Logaddexp2) X(Xlogy) X(Fmod) X(Copysign) X(Gcd) X(Lcm) X(Nextafter) X(BitwiseAnd) X(BitwiseOr)     \
  X(BitwiseXor) X(LeftShift) X(RightShift) X(Igamma) X(Igammac) X(Zeta) X(ChebyshevT) X(ChebyshevU)    \
  X(ChebyshevV) X(ChebyshevW) X(ShiftedChebyshevT) X(ShiftedChebyshevU) X(ShiftedChebyshevV)          \
  X(ShiftedChebyshevW) X(HermiteH) X(HermiteHe) X(LaguerreL) X(LegendreP)

namespace rules {
#define FLINT_RULES_LISTED(OP) \
  case BinaryOp::OP:           \
    return true;
constexpr bool isListed(BinaryOp op) {
  switch (op) {
    FLINT_BINARY_OPS(FLINT_RULES_LISTED)
    default: return false;
  }
}
#undef FLINT_RULES_LISTED
constexpr bool everyBinaryOpListed() {
  for (int i = 0; i < EnumInfo<BinaryOp>::count; i++) {
    if (!isListed((BinaryOp)i)) return false;
  }
  return true;
}
// gcd of the magnitudes by Euclid's algorithm, in the unsigned type so that INT_MIN's
// magnitude is representable; the result converts back wrapping, as PyTorch's abs() wraps.
template <class T>
FLINT_HOST_DEVICE T gcdValue(T a, T b) {
  using U = std::make_unsigned_t<T>;
  U x = U(a), y = U(b);
  // An unsigned T is its own magnitude (and nvcc warns on `a < 0` for one).
  if constexpr (std::is_signed_v<T>) {
    if (a < 0) x = U(U(0) - U(a));
    if (b < 0) y = U(U(0) - U(b));
  }
  while (x != 0) {
    const U c = x;
    x = U(y % x);
    y = c;
  }
  return T(y);
}

}  // namespace rules
static_assert(rules::everyBinaryOpListed(), "FLINT_BINARY_OPS must name every BinaryOp");

constexpr bool binaryTakesIntegers(BinaryOp op) {
  switch (op) {
    case BinaryOp::Atan2:
    case BinaryOp::Hypot:
    case BinaryOp::Logaddexp:
    case BinaryOp::Logaddexp2:
    case BinaryOp::Xlogy:
    case BinaryOp::Copysign:
    case BinaryOp::Nextafter:
    case BinaryOp::Igamma:
    case BinaryOp::Igammac:
    case BinaryOp::Zeta:
    case BinaryOp::ChebyshevT:
    case BinaryOp::ChebyshevU:
    case BinaryOp::ChebyshevV:
    case BinaryOp::ChebyshevW:
    case BinaryOp::ShiftedChebyshevT:
    case BinaryOp::ShiftedChebyshevU:
    case BinaryOp::ShiftedChebyshevV:
    case BinaryOp::ShiftedChebyshevW:
    case BinaryOp::HermiteH:
    case BinaryOp::HermiteHe:
    case BinaryOp::LaguerreL:
    case BinaryOp::LegendreP: return false;
    default: return true;
  }
}

// The integer-only ops: the bit operations, gcd and lcm.
constexpr bool binaryTakesFloats(BinaryOp op) {
  switch (op) {
    case BinaryOp::Gcd:
    case BinaryOp::Lcm:
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
    case BinaryOp::LeftShift:
    case BinaryOp::RightShift: return false;
    default: return true;
  }
}

// Whether binaryValue<OP, T> exists: the dispatchers instantiate only these.
template <BinaryOp OP, class T>
constexpr bool binaryDefinedFor() {
  if constexpr (std::is_floating_point_v<T>) return binaryTakesFloats(OP);
  else return binaryTakesIntegers(OP);
}

// Throws unless `op` is defined for `dtype` (a compute dtype).
inline void checkBinaryDType(BinaryOp op, DType dtype) {
  if (isFloatingDType(dtype) ? !binaryTakesFloats(op) : !binaryTakesIntegers(op)) {
    throw Error("binary op " + std::to_string((int)op) + " is not implemented for " + dtypeName(dtype));
  }
}

template <BinaryOp OP, class T>
using BinaryOut = std::conditional_t<isCompareOp(OP), bool, T>;

// Errors that depend on the data. The CPU throws at once; a GPU kernel cannot, so it sets
// a deferred bit that the next synchronization reports with the same message, and the
// element gets PyTorch's CUDA value. An `Errors` policy has `raise(ValueError) const`.
enum class ValueError : int { IntegerDivisionByZero, NegativeIntegerPower };
inline const char* valueErrorMessage(ValueError error) {
  return error == ValueError::IntegerDivisionByZero ? "ZeroDivisionError: integer division by zero"
                                                    : "Integers to negative integer powers are not allowed.";
}

namespace rules {

// Integer division that cannot trap: INT_MIN / -1 wraps, as PyTorch's does on x86.
template <class T>
FLINT_HOST_DEVICE T divideWrapping(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    if (b == T(-1)) return T(-a);
  }
  return T(a / b);
}

template <class T, class Errors>
FLINT_HOST_DEVICE bool zeroDivisor(T y, const Errors& errors) {
  if constexpr (std::is_integral_v<T>) {
    if (y == T(0)) {
      errors.raise(ValueError::IntegerDivisionByZero);
      return true;
    }
  }
  return false;
}

template <class T, class Errors>
FLINT_HOST_DEVICE T integerPow(T base, T exponent, const Errors& errors) {
  if constexpr (std::is_signed_v<T>) {
    if (exponent < 0) {
      if (base == 1) return T(1);
      if (base == -1) return (exponent % 2 == 0) ? T(1) : T(-1);
      errors.raise(ValueError::NegativeIntegerPower);
      return T(0);
    }
  }
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = T(result * base);
    base = T(base * base);
    exponent = T(exponent >> 1);
  }
  return result;
}

}  // namespace rules

template <BinaryOp OP, class T, class Errors>
FLINT_HOST_DEVICE BinaryOut<OP, T> binaryValue(T x, T y, const Errors& errors) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  constexpr bool kBool = std::is_same_v<T, bool>;
  static_assert(binaryDefinedFor<OP, T>(), "a BinaryOp instantiated for a dtype it does not take");
  if constexpr (OP == BinaryOp::Add) {
    if constexpr (kBool) return x || y;
    else return T(x + y);
  } else if constexpr (OP == BinaryOp::Sub) {
    return T(x - y);
  } else if constexpr (OP == BinaryOp::Mul) {
    if constexpr (kBool) return x && y;
    else return T(x * y);
  } else if constexpr (OP == BinaryOp::Div) {
    if (rules::zeroDivisor(y, errors)) return T(0);
    return rules::divideWrapping(x, y);
  } else if constexpr (OP == BinaryOp::Pow) {
    if constexpr (kFloat) return math::pow(x, y);
    else return rules::integerPow(x, y, errors);
  } else if constexpr (OP == BinaryOp::Maximum) {
    if constexpr (kFloat) {
      if (x != x || y != y) return math::quietNaN<T>();
    }
    return x > y ? x : y;
  } else if constexpr (OP == BinaryOp::Minimum) {
    if constexpr (kFloat) {
      if (x != x || y != y) return math::quietNaN<T>();
    }
    return x < y ? x : y;
  } else if constexpr (OP == BinaryOp::Eq) {
    return x == y;
  } else if constexpr (OP == BinaryOp::Ne) {
    return x != y;
  } else if constexpr (OP == BinaryOp::Gt) {
    return x > y;
  } else if constexpr (OP == BinaryOp::Ge) {
    return x >= y;
  } else if constexpr (OP == BinaryOp::Lt) {
    return x < y;
  } else if constexpr (OP == BinaryOp::Le) {
    return x <= y;
  } else if constexpr (OP == BinaryOp::LogicalAnd) {
    return x != T(0) && y != T(0);
  } else if constexpr (OP == BinaryOp::LogicalOr) {
    return x != T(0) || y != T(0);
  } else if constexpr (OP == BinaryOp::Atan2) {
    return math::atan2(x, y);
  } else if constexpr (OP == BinaryOp::Remainder) {  // Python's: the result takes the divisor's sign
    if constexpr (kFloat) {
      const T r = math::fmod(x, y);
      return (r != 0 && ((r < 0) != (y < 0))) ? T(r + y) : r;
    } else {
      if (rules::zeroDivisor(y, errors)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (y == T(-1)) return T(0);  // and INT_MIN % -1 would trap
      }
      T r = T(x % y);
      if constexpr (std::is_signed_v<T>) {
        if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y);
      }
      return r;
    }
  } else if constexpr (OP == BinaryOp::FloorDivide) {
    if constexpr (kFloat) {
      return math::floor(x / y);
    } else {
      if (rules::zeroDivisor(y, errors)) return T(0);
      T q = rules::divideWrapping(x, y);
      if constexpr (std::is_signed_v<T>) {
        // y == -1 divides exactly (and INT_MIN % -1 would trap).
        if (y != T(-1) && (x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1);
      }
      return q;
    }
  } else if constexpr (OP == BinaryOp::Hypot) {
    return math::hypot(x, y);
  } else if constexpr (OP == BinaryOp::Logaddexp || OP == BinaryOp::Logaddexp2) {
    // PyTorch's: equal infinities give that infinity (not inf - inf = NaN); otherwise
    // max + log1p(exp(-|x - y|)), in base 2 for Logaddexp2.
    constexpr bool kBase2 = OP == BinaryOp::Logaddexp2;
    const T inf = std::numeric_limits<T>::infinity();
    if ((x == inf || x == -inf) && x == y) return x;
    const T m = x > y ? x : y;
    const T d = math::fabs(x - y);
    if (d != d) return math::quietNaN<T>();
    if constexpr (kBase2) return m + math::log1p(math::exp2(-d)) * T(1.44269504088896340736);  // 1/ln 2
    else return m + math::log1p(math::exp(-d));
  } else if constexpr (OP == BinaryOp::Xlogy) {  // 0 where x == 0, unless y is NaN
    if (y != y) return math::quietNaN<T>();
    if (x == T(0)) return T(0);
    return x * math::log(y);
  } else if constexpr (OP == BinaryOp::Fmod) {  // C's: the result takes the dividend's sign
    if constexpr (kFloat) {
      return math::fmod(x, y);
    } else {
      if (rules::zeroDivisor(y, errors)) return T(0);
      if constexpr (kBool) return T(0);
      else if constexpr (std::is_signed_v<T>) {
        if (y == T(-1)) return T(0);  // and INT_MIN % -1 would trap
      }
      if constexpr (!kBool) return T(x % y);
    }
  } else if constexpr (OP == BinaryOp::Copysign) {
    return math::copysign(x, y);
  } else if constexpr (OP == BinaryOp::Gcd || OP == BinaryOp::Lcm) {
    // Integers only (TypeScript refuses bool, as PyTorch does).
    if constexpr (kBool) {
      return T(0);
    } else {
      const T g = rules::gcdValue(x, y);
      if constexpr (OP == BinaryOp::Gcd) {
        return g;
      } else {
        // |x / g * y|, wrapping on overflow as PyTorch's int arithmetic does.
        if (g == T(0)) return T(0);
        using U = std::make_unsigned_t<T>;
        const T product = T(U(rules::divideWrapping(x, g)) * U(y));
        if constexpr (std::is_signed_v<T>) {
          if (product < 0) return T(U(0) - U(product));
        }
        return product;
      }
    }
  } else if constexpr (OP == BinaryOp::Nextafter) {
    return math::nextafter(x, y);
  } else if constexpr (OP == BinaryOp::Igamma) {  // the special functions compute in double
    return T(special::gammainc(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::Igammac) {
    return T(special::gammaincc(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::Zeta) {
    return T(special::hurwitzZeta(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ChebyshevT) {
    return T(special::chebyshevPolynomialT(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ChebyshevU) {
    return T(special::chebyshevPolynomialU(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ChebyshevV) {
    return T(special::chebyshevPolynomialV(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ChebyshevW) {
    return T(special::chebyshevPolynomialW(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ShiftedChebyshevT) {
    return T(special::shiftedChebyshevPolynomialT(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ShiftedChebyshevU) {
    return T(special::shiftedChebyshevPolynomialU(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ShiftedChebyshevV) {
    return T(special::shiftedChebyshevPolynomialV(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::ShiftedChebyshevW) {
    return T(special::shiftedChebyshevPolynomialW(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::HermiteH) {
    return T(special::hermitePolynomialH(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::HermiteHe) {
    return T(special::hermitePolynomialHe(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::LaguerreL) {
    return T(special::laguerrePolynomialL(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::LegendreP) {
    return T(special::legendrePolynomialP(double(x), double(y)));
  } else if constexpr (OP == BinaryOp::BitwiseAnd) {
    return T(x & y);
  } else if constexpr (OP == BinaryOp::BitwiseOr) {
    return T(x | y);
  } else if constexpr (OP == BinaryOp::BitwiseXor) {
    return T(x ^ y);
  } else if constexpr (OP == BinaryOp::LeftShift || OP == BinaryOp::RightShift) {
    if constexpr (kBool) {
      // As uint8 (TypeScript promotes bool operands to an integer type first, as PyTorch does).
      return binaryValue<OP, uint8_t>(uint8_t(x), uint8_t(y), errors) != 0;
    } else {
      // PyTorch 2.x's definition where C++ has none: a shift by a negative amount or by the
      // width or more gives 0 to the left, and the sign's fill to the right.
      constexpr int kBits = int(sizeof(T) * 8);
      bool outOfRange = y >= T(kBits);
      if constexpr (std::is_signed_v<T>) outOfRange = outOfRange || y < T(0);
      using U = std::make_unsigned_t<T>;
      if constexpr (OP == BinaryOp::LeftShift) {
        return outOfRange ? T(0) : T(U(U(x) << int(y)));
      } else {
        if (outOfRange) {
          if constexpr (std::is_signed_v<T>) return x < T(0) ? T(-1) : T(0);
          else return T(0);
        }
        return T(x >> int(y));
      }
    }
  } else {
    static_assert(rules::kNoRule<OP>, "a BinaryOp without a value rule in flint/rules/binary.h");
  }
}

// index_add's and scatter_add's `+=`: integers wrap, bool is `or`, half and bfloat16 add
// in float and round once.
template <class T>
FLINT_HOST_DEVICE T accumulateValue(T current, T value) {
  if constexpr (IsReduced<T>::value) return fromFloat<T>(toFloat(current) + toFloat(value));
  else if constexpr (std::is_same_v<T, bool>) return current || value;
  else return T(current + value);
}

// scatter_reduce_'s combine of the current value and a scattered one: sum, product, amax
// and amin (a NaN on either side wins, as PyTorch's). Bool: sum and amax are `or`,
// product and amin `and`.
template <class T>
FLINT_HOST_DEVICE T scatterCombine(BinaryOp op, T current, T value) {
  if constexpr (IsReduced<T>::value) {
    return fromFloat<T>(scatterCombine<float>(op, toFloat(current), toFloat(value)));
  } else if constexpr (std::is_same_v<T, bool>) {
    return (op == BinaryOp::Add || op == BinaryOp::Maximum) ? (current || value) : (current && value);
  } else {
    if (op == BinaryOp::Add) return T(current + value);
    if (op == BinaryOp::Mul) return T(current * value);
    if constexpr (std::is_floating_point_v<T>) {
      if (current != current || value != value) return T(current + value);
    }
    if (op == BinaryOp::Maximum) return current > value ? current : value;
    return current < value ? current : value;
  }
}

// As dispatchUnaryOp (flint/rules/unary.h): f(std::integral_constant<BinaryOp, OP>{}).
template <class F>
void dispatchBinaryOp(BinaryOp op, F&& f) {
  switch (op) {
#define FLINT_RULES_DISPATCH(OP) \
  case BinaryOp::OP:             \
    return f(std::integral_constant<BinaryOp, BinaryOp::OP>{});
    FLINT_BINARY_OPS(FLINT_RULES_DISPATCH)
#undef FLINT_RULES_DISPATCH
  }
  throw Error("unknown binary op " + std::to_string((int)op));
}

}  // namespace flint
