// Indexing along one dimension: index_select, index_put/index_add, gather, scatter and
// nonzero. The shapes were checked by Backend (core/checks.cc); every index value is
// bounds-checked here, because an out-of-range index from JS must become an Error,
// never a stray write.
#include <cstring>
#include <string>
#include <vector>

#include "flint/rules/binary.h"
#include "flint/rules/convert.h"
#include "cpu_backend.h"

namespace flint {

namespace {

TensorView selectView(const TensorView& view, int dim, int64_t i) {
  TensorView out = view;
  out.data = view.data + i * view.strides[dim] * (int64_t)view.itemsize();
  for (int d = dim; d < view.ndim - 1; d++) {
    out.shape[d] = view.shape[d + 1];
    out.strides[d] = view.strides[d + 1];
  }
  out.ndim = view.ndim - 1;
  return out;
}

// Index values are never wrapped here: PyTorch refuses negative indices in these ops
// (advanced indexing wraps them before it gets here).
void checkIndexValue(int64_t value, int64_t size, int dim) {
  if (value < 0 || value >= size) {
    throw Error("index " + std::to_string(value) + " is out of bounds for dimension " + std::to_string(dim) +
                " with size " + std::to_string(size));
  }
}

int64_t indexAt(const TensorView& index, int64_t position) {
  return *(const int64_t*)(index.data + position * index.strides[0] * 8);
}

// Offset in elements of a multi-index under some strides, skipping `skipDim`.
int64_t offsetOf(const int64_t* coords, const TensorView& view, int skipDim) {
  int64_t offset = 0;
  for (int d = 0; d < view.ndim; d++) {
    if (d != skipDim) offset += coords[d] * view.strides[d];
  }
  return offset;
}

// Calls fn(coords) for every multi-index of `shapeView`, in row-major order.
template <class F>
void forEachIndex(const TensorView& shapeView, F fn) {
  int64_t n = shapeView.numel();
  if (n == 0) return;
  int64_t coords[kMaxDims] = {};
  for (int64_t i = 0; i < n; i++) {
    fn(coords);
    for (int d = shapeView.ndim - 1; d >= 0; d--) {
      if (++coords[d] < shapeView.shape[d]) break;
      coords[d] = 0;
    }
  }
}

}  // namespace

void CpuBackend::indexSelectRun(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  for (int64_t i = 0; i < index.shape[0]; i++) {
    const int64_t source = indexAt(index, i);
    if (source < 0 || source >= in.shape[dim]) throw Error("index out of range in self");
    castRun(selectView(out, dim, i), selectView(in, dim, source));
  }
}

void CpuBackend::indexPutRun(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                              bool accumulate) {
  for (int64_t i = 0; i < index.shape[0]; i++) {
    const int64_t target = indexAt(index, i);
    checkIndexValue(target, out.shape[dim], dim);
    TensorView destination = selectView(out, dim, target);
    if (accumulate) binaryRun(BinaryOp::Add, destination, destination, selectView(src, dim, i));
    else castRun(destination, selectView(src, dim, i));
  }
}

void CpuBackend::gatherRun(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  const size_t item = in.itemsize();
  forEachIndex(index, [&](const int64_t* coords) {
    int64_t position = offsetOf(coords, index, -1);
    const int64_t value = *(const int64_t*)(index.data + position * 8);
    checkIndexValue(value, in.shape[dim], dim);
    const char* source = in.data + (offsetOf(coords, in, dim) + value * in.strides[dim]) * item;
    char* destination = out.data + offsetOf(coords, out, -1) * item;
    std::memcpy(destination, source, item);
  });
}

namespace {

template <class T>
void scatterTyped(const TensorView& out, int dim, const TensorView& index, const TensorView& src, bool accumulate) {
  forEachIndex(index, [&](const int64_t* coords) {
    const int64_t value = *(const int64_t*)(index.data + offsetOf(coords, index, -1) * 8);
    checkIndexValue(value, out.shape[dim], dim);
    T* destination = (T*)(out.data) + offsetOf(coords, out, dim) + value * out.strides[dim];
    const T source = *((const T*)src.data + offsetOf(coords, src, -1));
    *destination = accumulate ? accumulateValue<T>(*destination, source) : source;
  });
}

template <class T>
void scatterReduceTyped(BinaryOp op, const TensorView& out, int dim, const TensorView& index, const TensorView& src) {
  forEachIndex(index, [&](const int64_t* coords) {
    const int64_t value = *(const int64_t*)(index.data + offsetOf(coords, index, -1) * 8);
    checkIndexValue(value, out.shape[dim], dim);
    T* destination = (T*)(out.data) + offsetOf(coords, out, dim) + value * out.strides[dim];
    *destination = scatterCombine<T>(op, *destination, *((const T*)src.data + offsetOf(coords, src, -1)));
  });
}

}  // namespace

void CpuBackend::scatterReduceRun(BinaryOp op, const TensorView& out, int dim, const TensorView& index,
                                   const TensorView& src) {
  FLINT_DISPATCH_ALL(out.dtype, "scatter_reduce", [&] { scatterReduceTyped<scalar_t>(op, out, dim, index, src); });
}

void CpuBackend::scatterRun(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                             bool accumulate) {
  FLINT_DISPATCH_ALL(out.dtype, "scatter", [&] { scatterTyped<scalar_t>(out, dim, index, src, accumulate); });
}

int64_t CpuBackend::nonzeroImpl(Storage** result, const TensorView& in) {
  if (queueing()) queue_->drain();  // the count is read now, so the input must be written
  std::vector<int64_t> coordinates;
  int64_t count = 0;
  const size_t item = in.itemsize();
  FLINT_DISPATCH_ALL(in.dtype, "nonzero", [&] {
    forEachIndex(in, [&](const int64_t* coords) {
      scalar_t value = *(const scalar_t*)(in.data + offsetOf(coords, in, -1) * item);
      if (convertValue<bool, scalar_t>(value)) {
        coordinates.insert(coordinates.end(), coords, coords + in.ndim);
        count++;
      }
    });
  });
  Storage* storage = allocate(coordinates.size() * sizeof(int64_t));
  if (!coordinates.empty()) std::memcpy(storage->data, coordinates.data(), coordinates.size() * sizeof(int64_t));
  *result = storage;
  return count;
}

}  // namespace flint
