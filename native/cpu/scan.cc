// Inclusive scans along each row of a contiguous [rows, cols] view on the CPU: cumsum,
// cumprod, cummax, cummin (with indices) and logcumsumexp. Shapes and dtypes were checked
// where the call entered (core/sort_checks.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cpu_backend.h"

namespace flint {

namespace {

template <class T>
bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Floats accumulate in double, as PyTorch's CPU cumsum/cumprod do (acc_type<float> on the
// CPU is double); int64 wraps in int64.
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// log(exp(a) + exp(b)) without overflow; -inf + -inf stays -inf, a NaN propagates.
template <class T>
T logAddExp(T a, T b) {
  if (isNan(a) || isNan(b)) return std::numeric_limits<T>::quiet_NaN();
  const T hi = std::max(a, b), lo = std::min(a, b);
  if (std::isinf(hi)) return hi;  // +inf wins; with hi == -inf both are -inf
  return hi + std::log1p(std::exp(lo - hi));
}

template <class T>
void scanRow(ScanOp op, const T* x, T* out, int64_t* idx, int64_t cols) {
  if (cols == 0) return;
  switch (op) {
    case ScanOp::Sum: {
      Acc<T> total = 0;
      for (int64_t c = 0; c < cols; c++) out[c] = (T)(total += (Acc<T>)x[c]);
      break;
    }
    case ScanOp::Prod: {
      Acc<T> total = 1;
      for (int64_t c = 0; c < cols; c++) out[c] = (T)(total *= (Acc<T>)x[c]);
      break;
    }
    case ScanOp::Max:
    case ScanOp::Min: {
      // PyTorch's cummax_cummin_helper: a NaN always takes over; otherwise a value at least
      // as great (cummax) or as small (cummin) does, so ties move to the later index.
      const bool isMax = op == ScanOp::Max;
      T best = x[0];
      int64_t at = 0;
      for (int64_t c = 0; c < cols; c++) {
        const T v = x[c];
        if (isNan(v) || (!isNan(best) && (isMax ? v >= best : v <= best))) {
          best = v;
          at = c;
        }
        out[c] = best;
        idx[c] = at;
      }
      break;
    }
    case ScanOp::LogSumExp: {
      if constexpr (std::is_floating_point_v<T>) {
        T total = -std::numeric_limits<T>::infinity();
        for (int64_t c = 0; c < cols; c++) out[c] = total = logAddExp(total, x[c]);
      }
      break;
    }
  }
}

template <class T>
void scanRows(ThreadPool& pool, const ScanArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  T* out = (T*)args.out.data;
  int64_t* idx = (int64_t*)args.indices.data;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) scanRow<T>(args.op, in + r * cols, out + r * cols, idx ? idx + r * cols : nullptr, cols);
  });
}

}  // namespace

void CpuBackend::scanImpl(const ScanArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: scanRows<double>(pool(), args); break;
    case DType::Int64: scanRows<int64_t>(pool(), args); break;
    default: scanRows<float>(pool(), args); break;
  }
}

}  // namespace flint
