#include "views.h"

#include <cmath>
#include <string>

namespace flint {

double MetaReader::next() {
  if (cursor_ >= length_) throw Error("internal: meta buffer overrun");
  return meta_[cursor_++];
}

int64_t MetaReader::nextInt() {
  double value = next();
  // One range test and one round trip instead of isfinite/floor: this runs ~10 times a call.
  if (!(value >= -9.0e15 && value <= 9.0e15)) throw Error("internal: bad integer in meta buffer");
  const int64_t integer = (int64_t)value;
  if ((double)integer != value) throw Error("internal: non-integer in meta buffer");
  return integer;
}

void checkBounds(const TensorView& view, int64_t offset, const Storage* storage) {
  int64_t numel = 1, extent = offset;
  for (int d = 0; d < view.ndim; d++) {
    if (view.shape[d] < 0) throw Error("negative dimension " + std::to_string(view.shape[d]));
    if (view.strides[d] < 0) throw Error("negative strides are not supported");
    numel *= view.shape[d];
    if (view.shape[d] > 0) extent += (view.shape[d] - 1) * view.strides[d];
  }
  if (offset < 0) throw Error("negative storage offset");
  if (numel == 0) return;
  const int64_t needed = (extent + 1) * (int64_t)view.itemsize();
  if (needed > (int64_t)storage->nbytes) {
    throw Error("view needs " + std::to_string(needed) + " bytes but its storage holds " +
                std::to_string(storage->nbytes));
  }
}

TensorView MetaReader::view(Storage* storage, int64_t* offsetOut) {
  TensorView view;
  int64_t dtype = nextInt();
  if (!isValidDType((int32_t)dtype)) throw Error("unknown dtype code " + std::to_string(dtype));
  view.dtype = (DType)dtype;
  int64_t offset = nextInt();
  int64_t ndim = nextInt();
  if (ndim < 0 || ndim > kMaxDims) throw Error("tensors may have at most " + std::to_string(kMaxDims) + " dims");
  view.ndim = (int)ndim;
  for (int d = 0; d < view.ndim; d++) view.shape[d] = nextInt();
  for (int d = 0; d < view.ndim; d++) view.strides[d] = nextInt();
  if (offsetOut) *offsetOut = offset;
  if (storage != nullptr) {
    checkBounds(view, offset, storage);
    view.data = (char*)storage->data + offset * (int64_t)view.itemsize();
  }
  return view;
}

OutputTarget prepareOutput(Napi::Env env, const Napi::Value& handle, MetaReader& reader, Backend& backend) {
  OutputTarget target;
  if (handle.IsNull() || handle.IsUndefined() || releasedHandle(handle) != nullptr) {
    target.recycle = handle;
    int64_t offset = 0;
    target.view = reader.view(nullptr, &offset);
    if (offset != 0 || !target.view.isContiguous()) throw Error("internal: a new output must be contiguous");
    target.storage = backend.allocate((size_t)target.view.numel() * target.view.itemsize());
    target.view.data = (char*)target.storage->data;
    target.allocated = true;
  } else {
    target.storage = unwrapStorage(handle);
    target.view = reader.view(target.storage);
  }
  return target;
}

Napi::Value finishOutput(Napi::Env env, const OutputTarget& target) {
  if (!target.allocated) return env.Undefined();
  target.handedOff = true;
  return outputHandle(env, target.recycle, target.storage);
}

}  // namespace flint
