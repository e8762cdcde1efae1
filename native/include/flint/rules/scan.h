// The rules of the cumulative scans (cumsum, cumprod, cummax, cummin, logcumsumexp), written
// once for both devices: the running state one element at a time (the CPU's and the GPU's
// per-row walk), and how the state of a stretch of a row continues from the state before
// it (the GPU's split of a long row into chunks).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "flint/enums.generated.h"
#include "flint/rules/host_device.h"
#include "flint/rules/math.h"
#include "flint/rules/sort_order.h"

namespace flint {
namespace rules {

// Floats accumulate sums and products in double, as PyTorch's CPU cumsum/cumprod do
// (acc_type<float> is double there); int64 wraps in int64.
template <class T>
using ScanAcc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// The running state after some elements: `acc` for Sum and Prod, `value` and `index` for
// Max, Min (the running extreme and where it was) and LogSumExp (the running value).
// `empty` until the first element.
template <class T>
struct ScanState {
  ScanAcc<T> acc;
  T value;
  int64_t index;
  bool empty;
};

template <class T>
FLINT_HOST_DEVICE ScanState<T> scanStart(ScanOp op) {
  ScanState<T> s{};
  s.acc = op == ScanOp::Prod ? ScanAcc<T>(1) : ScanAcc<T>(0);
  s.value = T(0);
  if constexpr (std::is_floating_point_v<T>) {
    if (op == ScanOp::LogSumExp) s.value = -std::numeric_limits<T>::infinity();
  }
  s.index = 0;
  s.empty = true;
  return s;
}

// log(exp(a) + exp(b)) without overflow; +inf wins, -inf with -inf stays -inf, NaN spreads.
template <class T>
FLINT_HOST_DEVICE T logAddExp(T a, T b) {
  if (isNanValue(a) || isNanValue(b)) return math::quietNaN<T>();
  const T hi = a < b ? b : a, lo = a < b ? a : b;
  if (hi == std::numeric_limits<T>::infinity() || hi == -std::numeric_limits<T>::infinity()) return hi;
  return hi + math::log1p(math::exp(lo - hi));
}

// Whether `v` takes over from the running extreme `best`: PyTorch's cummax_cummin_helper,
// where a NaN always does and otherwise a value at least as great (max) or as small (min),
// so that ties move to the later index.
template <class T>
FLINT_HOST_DEVICE bool takesOver(bool isMax, T v, T best) {
  return isNanValue(v) || (!isNanValue(best) && (isMax ? v >= best : v <= best));
}

// The state after one more element `x`, at position `c` of the row.
template <class T>
FLINT_HOST_DEVICE void scanStep(ScanOp op, ScanState<T>& s, T x, int64_t c) {
  if (op == ScanOp::Sum) {
    s.acc += (ScanAcc<T>)x;
  } else if (op == ScanOp::Prod) {
    s.acc *= (ScanAcc<T>)x;
  } else if (op == ScanOp::Max || op == ScanOp::Min) {
    if (s.empty || takesOver(op == ScanOp::Max, x, s.value)) {
      s.value = x;
      s.index = c;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    s.value = logAddExp(s.value, x);
  }
  s.empty = false;
}

// The scan's value in the state, in the row's dtype.
template <class T>
FLINT_HOST_DEVICE T scanValue(ScanOp op, const ScanState<T>& s) {
  return op == ScanOp::Sum || op == ScanOp::Prod ? (T)s.acc : s.value;
}

// The state of `before` followed by a stretch whose own state (scanned from scanStart) is
// `after`. Extremes: a NaN in the later stretch is the later NaN; else a NaN before stays;
// else the later extreme wins ties, as one walk would have it.
template <class T>
FLINT_HOST_DEVICE ScanState<T> scanCombine(ScanOp op, const ScanState<T>& before, const ScanState<T>& after) {
  if (after.empty) return before;
  if (before.empty) return after;
  ScanState<T> s = after;
  if (op == ScanOp::Sum) s.acc = before.acc + after.acc;
  else if (op == ScanOp::Prod) s.acc = before.acc * after.acc;
  else if (op == ScanOp::Max || op == ScanOp::Min) {
    if (!isNanValue(after.value) && (isNanValue(before.value) || !takesOver(op == ScanOp::Max, after.value, before.value))) s = before;
  } else if constexpr (std::is_floating_point_v<T>) {
    s.value = logAddExp(before.value, after.value);
  }
  return s;
}

}  // namespace rules
}  // namespace flint
