// What each ReduceOp accumulates and how two partial results combine, written once for
// both devices: cpu/reduce.cc scans runs in order and merges per-thread partials,
// cuda/reduce.cu combines lanes, warps and blocks in tree order. The rules below give
// the same answer either way.
#pragma once
#include <cstdint>
#include <type_traits>

#include "flint/backend.h"
#include "flint/rules/math.h"

namespace flint {

enum class ReduceFamily : int { Sum, Prod, Extreme, Logical, None };
struct ReduceRule {
  ReduceFamily family;
  bool wantMax;     // Extreme: max/argmax, not min/argmin
  bool storeIndex;  // Extreme: argmax/argmin write the position, not the value
  bool all;         // Logical: all, not any
};

constexpr ReduceRule reduceRule(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return {ReduceFamily::Sum, false, false, false};
    case ReduceOp::Prod: return {ReduceFamily::Prod, false, false, false};
    case ReduceOp::Max: return {ReduceFamily::Extreme, true, false, false};
    case ReduceOp::Min: return {ReduceFamily::Extreme, false, false, false};
    case ReduceOp::ArgMax: return {ReduceFamily::Extreme, true, true, false};
    case ReduceOp::ArgMin: return {ReduceFamily::Extreme, false, true, false};
    case ReduceOp::Any: return {ReduceFamily::Logical, false, false, false};
    case ReduceOp::All: return {ReduceFamily::Logical, false, false, true};
  }
  return {ReduceFamily::None, false, false, false};
}

namespace rules {
constexpr bool everyReduceOpHasRule() {
  for (int i = 0; i < EnumInfo<ReduceOp>::count; i++) {
    if (reduceRule((ReduceOp)i).family == ReduceFamily::None) return false;
  }
  return true;
}
}  // namespace rules
static_assert(rules::everyReduceOpHasRule(), "every ReduceOp needs a case in reduceRule (flint/rules/reduce.h)");

// Sum and prod accumulate in double for floating inputs, so that a float32 sum carries
// only its final rounding, and in int64 (wrapping) for integers and bool, as PyTorch.
template <class T>
using ReduceWide = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <ReduceFamily F, class T>
FLINT_HOST_DEVICE ReduceWide<T> wideIdentity() {
  static_assert(F == ReduceFamily::Sum || F == ReduceFamily::Prod, "sum and prod only");
  return ReduceWide<T>(F == ReduceFamily::Prod ? 1 : 0);
}
template <ReduceFamily F, class A>
FLINT_HOST_DEVICE A wideCombine(A a, A b) {
  static_assert(F == ReduceFamily::Sum || F == ReduceFamily::Prod, "sum and prod only");
  if constexpr (F == ReduceFamily::Prod) return a * b;
  else return a + b;
}

// any / all: the identity, and the combine of two partial answers.
FLINT_HOST_DEVICE bool logicalIdentity(bool all) { return all; }
FLINT_HOST_DEVICE bool logicalCombine(bool all, bool a, bool b) { return all ? (a && b) : (a || b); }

// max, min, argmax, argmin: a value and its position in the reduced range.
template <class T>
struct Extreme {
  T value;
  int64_t index;  // -1: nothing seen yet
};

// One step of an in-order scan: does `v`, seen after `best`, replace it? The first NaN
// wins and stays, and among equal values the first stays, as in PyTorch.
template <class T>
FLINT_HOST_DEVICE bool replacesInScan(T best, T v, bool wantMax) {
  return !math::isNaN(best) && (math::isNaN(v) || (wantMax ? v > best : v < best));
}

// The scan's answer in any order of combination: NaN beats numbers, and ties (two NaNs
// included) go to the lower index.
template <class T>
FLINT_HOST_DEVICE Extreme<T> combineExtreme(Extreme<T> a, Extreme<T> b, bool wantMax) {
  if (a.index < 0) return b;
  if (b.index < 0) return a;
  const bool aNaN = math::isNaN(a.value), bNaN = math::isNaN(b.value);
  bool takeB;
  if (aNaN || bNaN) takeB = aNaN && bNaN ? b.index < a.index : bNaN;
  else if (a.value == b.value) takeB = b.index < a.index;
  else takeB = wantMax ? b.value > a.value : b.value < a.value;
  return takeB ? b : a;
}

}  // namespace flint
