// PyTorch's sort order, and one step of a stable bottom-up merge sort written per element,
// for the GPU sort (native/cuda/sort.cu); host-compilable, so the same code can be checked
// on the CPU.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "flint/rules/host_device.h"

namespace flint {
namespace rules {

template <class T>
FLINT_HOST_DEVICE bool isNanValue(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// Whether `a` sorts strictly before `b`: NaN is the greatest value (last ascending, first
// descending), as PyTorch's KeyValueCompAsc / KeyValueCompDesc order it.
template <class T>
FLINT_HOST_DEVICE bool sortsBefore(T a, T b, bool descending) {
  const bool an = isNanValue(a), bn = isNanValue(b);
  return descending ? (an && !bn) || a > b : (!an && bn) || a < b;
}

// Where the element at `p` of a row moves when the sorted runs of `width` elements that
// pair up ([2j * width, (2j + 1) * width) with the next) are merged, stably: an element of
// a left run goes after the left elements before it and the right elements that sort
// strictly before it; one of a right run after every left element that does not sort
// after it. Binary searches, as each run is sorted. `row` holds the row's `cols` values.
template <class T>
FLINT_HOST_DEVICE int64_t mergedPosition(const T* row, int64_t cols, int64_t p, int64_t width, bool descending) {
  const int64_t run = p / width;
  const int64_t leftStart = (run - (run & 1)) * width;
  const int64_t rightStart = leftStart + width;
  if (rightStart >= cols) return p;  // a left run with no partner stays
  const int64_t rightEnd = rightStart + width < cols ? rightStart + width : cols;
  const T v = row[p];
  if ((run & 1) == 0) {
    // the first right element that does not sort before v
    int64_t lo = rightStart, hi = rightEnd;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (sortsBefore(row[mid], v, descending)) lo = mid + 1;
      else hi = mid;
    }
    return p + (lo - rightStart);
  }
  // the first left element that sorts after v
  int64_t lo = leftStart, hi = rightStart;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (!sortsBefore(v, row[mid], descending)) lo = mid + 1;
    else hi = mid;
  }
  return leftStart + (p - rightStart) + (lo - leftStart);
}

}  // namespace rules
}  // namespace flint
