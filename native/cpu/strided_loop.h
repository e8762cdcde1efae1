// Iteration over K strided views that share one shape (the first view's). Dimensions of
// size 1 are dropped and adjacent dimensions that are contiguous in every view are
// merged, so a contiguous tensor becomes one long row and the inner loop stays tight.
#pragma once
#include <cstdint>

#include "flint/layout.h"

namespace flint {

template <int K>
struct StridedLoop {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[K][kMaxDims];  // in bytes
  char* base[K];

  explicit StridedLoop(const TensorView* const (&views)[K]) {
    const TensorView& first = *views[0];
    for (int k = 0; k < K; k++) base[k] = views[k]->data;
    for (int d = 0; d < first.ndim; d++) {
      if (first.shape[d] == 1) continue;
      shape[ndim] = first.shape[d];
      for (int k = 0; k < K; k++) strides[k][ndim] = views[k]->strides[d] * (int64_t)views[k]->itemsize();
      ndim++;
    }
    // Merge dim d into d-1 when every view steps through them as one.
    int merged = 0;
    for (int d = 0; d < ndim; d++) {
      bool canMerge = merged > 0;
      for (int k = 0; k < K && canMerge; k++) {
        canMerge = strides[k][merged - 1] == strides[k][d] * shape[d];
      }
      if (canMerge) {
        shape[merged - 1] *= shape[d];
        for (int k = 0; k < K; k++) strides[k][merged - 1] = strides[k][d];
      } else {
        shape[merged] = shape[d];
        for (int k = 0; k < K; k++) strides[k][merged] = strides[k][d];
        merged++;
      }
    }
    ndim = merged;
    if (ndim == 0) {  // a single element
      ndim = 1;
      shape[0] = 1;
      for (int k = 0; k < K; k++) strides[k][0] = 0;
    }
  }

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    return n;
  }

  // Calls row(ptrs, count, innerStrides) for runs along the innermost dimension that
  // cover linear elements [begin, end) in row-major order.
  template <class Row>
  void run(int64_t begin, int64_t end, Row&& row) const {
    if (begin >= end) return;
    // ndim is at most kMaxDims by construction; the clamp (one compare per call) says so
    // to the compiler, which otherwise warns that index[] might be overrun.
    const int dims = ndim < kMaxDims ? ndim : kMaxDims;
    int64_t index[kMaxDims];
    int64_t rest = begin;
    for (int d = dims - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    char* ptrs[K];
    for (int k = 0; k < K; k++) {
      ptrs[k] = base[k];
      for (int d = 0; d < dims; d++) ptrs[k] += index[d] * strides[k][d];
    }
    const int last = dims > 0 ? dims - 1 : 0;
    int64_t inner[K];
    for (int k = 0; k < K; k++) inner[k] = strides[k][last];
    int64_t position = begin;
    while (position < end) {
      int64_t count = shape[last] - index[last];
      if (count > end - position) count = end - position;
      row(ptrs, count, inner);
      position += count;
      if (position >= end) break;
      // advance the multi-index by `count` along the last dim, carrying into outer dims
      for (int k = 0; k < K; k++) ptrs[k] += count * inner[k];
      index[last] += count;
      for (int d = last; d > 0 && index[d] == shape[d]; d--) {
        for (int k = 0; k < K; k++) ptrs[k] -= shape[d] * strides[k][d];
        index[d] = 0;
        index[d - 1]++;
        for (int k = 0; k < K; k++) ptrs[k] += strides[k][d - 1];
      }
    }
  }
};

}  // namespace flint
