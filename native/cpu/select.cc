// Order statistics of each row of a contiguous [rows, cols] view on the CPU: topk,
// kthvalue, median, nanmedian and mode with their indices. Each runs the algorithm
// PyTorch 1.13's CPU kernel runs (TopKImpl.h's partial_sort / nth_element, SortingUtils.h's
// quick select, Sorting.cpp's nth_element median and sorted-run mode), on the same
// (value, index) sequence, so that among equal values the same index comes out.
// Shapes and dtypes were checked where the call entered (core/sort_checks.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

template <class T>
bool isNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

template <class T>
using Elem = std::pair<T, int64_t>;

// topk_impl_loop: NaN counts as the largest value.
template <class T>
void topkRow(std::vector<Elem<T>>& q, int64_t k, bool largest, bool sorted) {
  if (k == 0) return;
  const auto greater = [](const Elem<T>& x, const Elem<T>& y) {
    return (isNan(x.first) && !isNan(y.first)) || x.first > y.first;
  };
  const auto less = [](const Elem<T>& x, const Elem<T>& y) {
    return (!isNan(x.first) && isNan(y.first)) || x.first < y.first;
  };
  const int64_t n = (int64_t)q.size();
  if (k * 64 <= n) {
    if (largest) std::partial_sort(q.begin(), q.begin() + k, q.end(), greater);
    else std::partial_sort(q.begin(), q.begin() + k, q.end(), less);
  } else if (largest) {
    std::nth_element(q.begin(), q.begin() + k - 1, q.end(), greater);
    if (sorted) std::sort(q.begin(), q.begin() + k - 1, greater);
  } else {
    std::nth_element(q.begin(), q.begin() + k - 1, q.end(), less);
    if (sorted) std::sort(q.begin(), q.begin() + k - 1, less);
  }
}

// quick_select_template with kthvalue's "greater or NaN" order: afterwards q[k] holds the
// k-th smallest (0-based).
template <class T>
void quickSelect(std::vector<Elem<T>>& q, int64_t k) {
  const auto gtOrNan = [](T x, T y) { return (isNan(x) && !isNan(y)) || x > y; };
  const auto swap = [&](int64_t i, int64_t j) { std::swap(q[(size_t)i], q[(size_t)j]); };
  const auto at = [&](int64_t i) { return q[(size_t)i].first; };
  int64_t L = 0, R = (int64_t)q.size() - 1;
  while (true) {
    if (R <= L) return;
    if (R == L + 1) {
      if (gtOrNan(at(L), at(R))) swap(L, R);
      return;
    }
    const int64_t P = L + (R - L) / 2;
    swap(P, L + 1);
    if (gtOrNan(at(L + 1), at(R))) swap(L + 1, R);
    if (gtOrNan(at(L), at(R))) swap(L, R);
    if (gtOrNan(at(L + 1), at(L))) swap(L + 1, L);
    int64_t i = L + 1, j = R;
    const T pivot = at(L);
    while (true) {
      do i++;
      while (gtOrNan(pivot, at(i)));
      do j--;
      while (gtOrNan(at(j), pivot));
      if (j < i) break;
      swap(i, j);
    }
    swap(L, j);
    if (j <= k) L = i;
    if (j >= k) R = j - 1;
  }
}

// median_with_indices_impl: the first NaN for median; otherwise nth_element over the
// positions, by value and then position (so the index is the stable order's), NaN last
// for nanmedian.
template <class T>
Elem<T> medianOf(const T* x, int64_t n, bool ignoreNan, std::vector<int64_t>& idx) {
  if (!ignoreNan) {
    const T* nan = std::find_if(x, x + n, [](T v) { return isNan(v); });
    if (nan != x + n) return {*nan, nan - x};
  }
  idx.resize((size_t)n);
  std::iota(idx.begin(), idx.end(), int64_t(0));
  auto nth = idx.begin();
  if (!ignoreNan) {
    nth += (n - 1) / 2;
    std::nth_element(idx.begin(), nth, idx.end(),
                     [x](int64_t i, int64_t j) { return x[i] < x[j] || (x[i] == x[j] && i < j); });
  } else {
    const int64_t nans = std::count_if(x, x + n, [](T v) { return isNan(v); });
    nth += (n - nans - 1) / 2;
    std::nth_element(idx.begin(), nth, idx.end(),
                     [x](int64_t i, int64_t j) {
                       return x[i] < x[j] || (x[i] == x[j] && i < j) || (isNan(x[j]) && !isNan(x[i]));
                     });
  }
  return {x[*nth], *nth};
}

// mode: std::sort of (value, index) by value, then the longest run (the first, so the
// smallest value, on a tie), reported with the index that ends the run.
template <class T>
Elem<T> modeOf(std::vector<Elem<T>>& q) {
  std::sort(q.begin(), q.end(), [](const Elem<T>& a, const Elem<T>& b) { return a.first < b.first; });
  Elem<T> best{T(0), 0};
  int64_t run = 0, longest = 0;
  const size_t n = q.size();
  for (size_t i = 0; i < n; i++) {
    run++;
    if (i == n - 1 || q[i].first != q[i + 1].first) {
      if (run > longest) {
        best = q[i];
        longest = run;
      }
      run = 0;
    }
  }
  return best;
}

template <class T>
void selectRows(ThreadPool& pool, const SelectArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const int64_t width = args.values.shape[1];
  const T* in = (const T*)args.input.data;
  T* values = (T*)args.values.data;
  int64_t* indices = (int64_t*)args.indices.data;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    std::vector<Elem<T>> q;
    std::vector<int64_t> idx;
    for (int64_t r = b; r < e; r++) {
      const T* x = in + r * cols;
      T* v = values + r * width;
      int64_t* ix = indices + r * width;
      if (args.op == SelectOp::Median || args.op == SelectOp::NanMedian) {
        const Elem<T> m = medianOf(x, cols, args.op == SelectOp::NanMedian, idx);
        v[0] = m.first;
        ix[0] = m.second;
        continue;
      }
      q.resize((size_t)cols);
      for (int64_t c = 0; c < cols; c++) q[(size_t)c] = {x[c], c};
      if (args.op == SelectOp::Topk) {
        topkRow(q, args.k, args.largest, args.sorted);
        for (int64_t j = 0; j < width; j++) {
          v[j] = q[(size_t)j].first;
          ix[j] = q[(size_t)j].second;
        }
      } else if (args.op == SelectOp::Kth) {
        quickSelect(q, args.k - 1);
        v[0] = q[(size_t)(args.k - 1)].first;
        ix[0] = q[(size_t)(args.k - 1)].second;
      } else {
        const Elem<T> m = modeOf(q);
        v[0] = m.first;
        ix[0] = m.second;
      }
    }
  });
}

}  // namespace

void CpuBackend::selectRun(const SelectArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: selectRows<double>(pool(), args); break;
    case DType::Int64: selectRows<int64_t>(pool(), args); break;
    default: selectRows<float>(pool(), args); break;
  }
}

}  // namespace flint
