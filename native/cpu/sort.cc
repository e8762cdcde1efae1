// The sort of each row of a contiguous [rows, cols] view, with the source positions, on
// the CPU, in PyTorch's CPU order. Shapes and dtypes were checked where the call entered (core/sort_checks.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
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

// PyTorch's KeyValueCompAsc / KeyValueCompDesc on (value, index) pairs.
template <class T>
struct Ascending {
  bool operator()(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) const {
    return (!isNan(a.first) && isNan(b.first)) || a.first < b.first;
  }
};
template <class T>
struct Descending {
  bool operator()(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) const {
    return (isNan(a.first) && !isNan(b.first)) || a.first > b.first;
  }
};

// PyTorch's CPU sort moves (value, index) pairs with std::stable_sort, or std::sort when
// not asked to be stable; sorting the same pairs with the same comparator here gives the
// same order of equal values (std::sort is deterministic for a given sequence).
template <class T, class Compare>
void sortPairs(std::vector<std::pair<T, int64_t>>& row, bool stable) {
  if (stable) std::stable_sort(row.begin(), row.end(), Compare());
  else std::sort(row.begin(), row.end(), Compare());
}

template <class T>
void sortRows(ThreadPool& pool, const SortArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  T* values = (T*)args.values.data;
  int64_t* indices = (int64_t*)args.indices.data;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    std::vector<std::pair<T, int64_t>> row((size_t)cols);
    for (int64_t r = b; r < e; r++) {
      for (int64_t c = 0; c < cols; c++) row[(size_t)c] = {in[r * cols + c], c};
      if (args.descending) sortPairs<T, Descending<T>>(row, args.stable);
      else sortPairs<T, Ascending<T>>(row, args.stable);
      for (int64_t c = 0; c < cols; c++) {
        values[r * cols + c] = row[(size_t)c].first;
        indices[r * cols + c] = row[(size_t)c].second;
      }
    }
  });
}

}  // namespace

void CpuBackend::sortRun(const SortArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: sortRows<double>(pool(), args); break;
    case DType::Int64: sortRows<int64_t>(pool(), args); break;
    default: sortRows<float>(pool(), args); break;
  }
}

}  // namespace flint
