// A strided view of bytes: what every kernel receives. Shape and strides are counted in
// elements, as PyTorch counts them; `data` already includes the storage offset.
#pragma once
#include <cstdint>

#include "flint/dtype.h"

namespace flint {

constexpr int kMaxDims = 16;

struct TensorView {
  char* data = nullptr;
  DType dtype = DType::Float32;
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];

  TensorView() : shape{}, strides{} {}
  // Leaves shape and strides past what the caller sets undefined. For the per-op flat
  // paths, which set one dim: zeroing 256 bytes costs more than a tiny op's arithmetic.
  // Nothing may read shape[d] or strides[d] at d >= ndim.
  struct Unzeroed {};
  explicit TensorView(Unzeroed) {}

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
  }
  // Row-major with no gaps; an empty view always is, whatever its strides (as PyTorch).
  bool isContiguous() const {
    int64_t expected = 1;
    bool contiguous = true;
    for (int i = ndim - 1; i >= 0; i--) {
      if (shape[i] == 0) return true;
      if (shape[i] != 1 && strides[i] != expected) contiguous = false;
      expected *= shape[i];
    }
    return contiguous;
  }
  size_t itemsize() const { return itemSize(dtype); }
};

// A list of views, one per tensor (an optimizer's parameters): what a kernel entry's list
// argument (`params: inout[] [N]`) becomes. The views live in the entry's call, which
// outlasts the kernel call.
struct ViewList {
  const TensorView* data = nullptr;
  int64_t size = 0;
  const TensorView& operator[](int64_t i) const { return data[i]; }
};

}  // namespace flint
