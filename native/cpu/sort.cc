// A stable sort of each row of a contiguous [rows, cols] view, with the source positions,
// on the CPU. Shapes and dtypes were checked where the call entered (core/sort_checks.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

// PyTorch's orders: NaN is greater than every number, so it comes last ascending and
// first descending; with std::stable_sort, equal values (and NaNs) keep their order.
template <class T>
bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

template <class T>
void sortRows(ThreadPool& pool, const SortArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  T* values = (T*)args.values.data;
  int64_t* indices = (int64_t*)args.indices.data;
  const bool descending = args.descending;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    std::vector<int64_t> order((size_t)cols);
    for (int64_t r = b; r < e; r++) {
      const T* x = in + r * cols;
      std::iota(order.begin(), order.end(), int64_t(0));
      if (descending) {
        std::stable_sort(order.begin(), order.end(), [x](int64_t i, int64_t j) {
          return (isNan(x[i]) && !isNan(x[j])) || x[i] > x[j];
        });
      } else {
        std::stable_sort(order.begin(), order.end(), [x](int64_t i, int64_t j) {
          return (!isNan(x[i]) && isNan(x[j])) || x[i] < x[j];
        });
      }
      for (int64_t c = 0; c < cols; c++) {
        values[r * cols + c] = x[order[(size_t)c]];
        indices[r * cols + c] = order[(size_t)c];
      }
    }
  });
}

}  // namespace

void CpuBackend::sortImpl(const SortArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: sortRows<double>(pool(), args); break;
    case DType::Int64: sortRows<int64_t>(pool(), args); break;
    default: sortRows<float>(pool(), args); break;
  }
}

}  // namespace flint
