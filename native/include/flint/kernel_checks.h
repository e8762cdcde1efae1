// The checks that the generated kernel entries (kernels.generated.h) run before a device
// sees their views: each view is contiguous (or, declared `rows`, has contiguous rows), has
// the entry's dtype and the declared shape,
// with every named size (R, C, ...) equal wherever it appears. A kernel can then index its
// views by those sizes alone without reading outside them.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "flint/layout.h"
#include "flint/status.h"

namespace flint {

class KernelShapes {
 public:
  static constexpr int kMaxSymbols = 16;
  KernelShapes(const char* kernel, int symbols) : kernel_(kernel) {
    if (symbols > kMaxSymbols) throw Error(std::string(kernel) + ": too many named sizes");
  }
  // A size given as a number, not a name, in a declared shape.
  static constexpr int fixed(int64_t size) { return -1 - (int)size; }

  // The view that sets the entry's dtype: float32 or float64, or float16 and bfloat16 too
  // for entries declared `halfFloats`.
  void floating(const char* name, const TensorView& view, bool halfFloats = false) const {
    if (view.dtype == DType::Float32 || view.dtype == DType::Float64) return;
    if (halfFloats && (view.dtype == DType::Float16 || view.dtype == DType::BFloat16)) return;
    fail(std::string(name) + (halfFloats ? " must be a floating dtype, got " : " must be float32 or float64, got ") +
         dtypeName(view.dtype));
  }

  // `view` is contiguous, of `dtype`, and its dims are `dims` (named sizes by index, or
  // fixed()). `element` is the view's place in a list argument (-1: not in a list).
  void view(const char* name, const TensorView& view, DType dtype, std::initializer_list<int> dims, int64_t element = -1) {
    const auto named = [&] { return element < 0 ? std::string(name) : std::string(name) + "[" + std::to_string(element) + "]"; };
    if (view.dtype != dtype) fail(named() + " must be " + dtypeName(dtype) + ", got " + dtypeName(view.dtype));
    if (view.ndim != (int)dims.size()) {
      fail(named() + " must have " + std::to_string(dims.size()) + " dims, got " + std::to_string(view.ndim));
    }
    if (!view.isContiguous()) fail(named() + " must be contiguous");
    dimensions(named(), view, dims);
  }

  // A view declared `rows` (entries.mjs): as view(), but only each row (the last dim) need
  // be contiguous. The reader has checked that every stride is >= 0 and that the view lies
  // inside its storage, so a kernel that steps by the strides stays inside it too.
  void rowsView(const char* name, const TensorView& view, DType dtype, std::initializer_list<int> dims) {
    if (view.dtype != dtype) fail(std::string(name) + " must be " + dtypeName(dtype) + ", got " + dtypeName(view.dtype));
    if (view.ndim != (int)dims.size()) {
      fail(std::string(name) + " must have " + std::to_string(dims.size()) + " dims, got " + std::to_string(view.ndim));
    }
    if (view.ndim > 0 && view.shape[view.ndim - 1] > 1 && view.strides[view.ndim - 1] != 1) {
      fail(std::string(name) + "'s rows must be contiguous (last stride 1), got stride " + std::to_string(view.strides[view.ndim - 1]));
    }
    dimensions(name, view, dims);
  }

 private:
  void dimensions(const std::string& named, const TensorView& view, std::initializer_list<int> dims) {
    int d = 0;
    for (int symbol : dims) {
      const int64_t size = view.shape[d];
      if (symbol < 0) {
        if (size != -1 - symbol) fail(named + " has size " + std::to_string(size) + " in dim " + std::to_string(d));
      } else if (!bound_[symbol]) {
        bound_[symbol] = true;
        sizes_[symbol] = size;
      } else if (sizes_[symbol] != size) {
        fail(named + "'s dim " + std::to_string(d) + " is " + std::to_string(size) +
             ", but another view has " + std::to_string(sizes_[symbol]) + " there");
      }
      d++;
    }
  }

 public:
  // The list arguments of an entry have one length, that of its first list (`expected`);
  // an optional list may instead be empty (absent).
  void listLength(const char* name, const ViewList& list, int64_t expected, bool optional) const {
    if (list.size == expected || (optional && list.size == 0)) return;
    fail(std::string(name) + " has " + std::to_string(list.size) + " tensors, but the first list has " + std::to_string(expected));
  }

  // A kernel that reads `source` for every element of `target` (resampling) needs a source
  // with elements whenever the target has some: its shape check alone allows a 0-sized dim.
  void readsFrom(const char* target, const TensorView& t, const char* source, const TensorView& s) const {
    if (t.numel() > 0 && s.numel() == 0) fail(std::string(target) + " has elements but " + source + " has none");
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(std::string(kernel_) + ": " + message); }
  const char* kernel_;
  int64_t sizes_[kMaxSymbols] = {};
  bool bound_[kMaxSymbols] = {};
};

}  // namespace flint
