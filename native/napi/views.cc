#include "views.h"

#include <cmath>
#include <string>

#include "../core/checks.h"

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

int64_t integerArg(const Napi::Value& value, const char* what) {
  // One napi call that also says whether it is a number: each call costs about 10 ns,
  // which the per-op path (a dozen arguments) notices.
  double v = 0;
  if (napi_get_value_double(value.Env(), value, &v) != napi_ok) throw Error(std::string(what) + " must be an integer");
  return wholeNumber(v, what);
}

int64_t wholeNumber(double v, const char* what) {
  if (!(v >= -9.0e15 && v <= 9.0e15) || (double)(int64_t)v != v) {
    throw Error(std::string(what) + " must be an integer, but got " + std::to_string(v));
  }
  return (int64_t)v;
}

ByteRange checkedByteRange(const Napi::Value& offset, const Napi::Value& length, const Storage* storage,
                           const char* what) {
  const int64_t start = integerArg(offset, what), count = integerArg(length, what);
  // Both are at most 2^53, so the sum cannot overflow.
  if (start < 0 || count < 0 || start + count > (int64_t)storage->nbytes) {
    throw Error(std::string(what) + ": bytes [" + std::to_string(start) + ", " + std::to_string(start + count) +
                ") lie outside a storage of " + std::to_string(storage->nbytes) + " bytes");
  }
  return {(size_t)start, (size_t)count};
}

void checkBounds(const TensorView& view, int64_t offset, const Storage* storage) {
  if (offset < 0) throw Error("negative storage offset " + std::to_string(offset));
  const int64_t span = viewSpanBytes(view, offset);
  if (span > (int64_t)storage->nbytes) {
    throw Error("view needs " + std::to_string(span) + " bytes but its storage holds " +
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

InputList inputListArg(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw Error(std::string(what) + ": expected an array of tensors");
  Napi::Array array = value.As<Napi::Array>();
  InputList list;
  const uint32_t length = array.Length();
  list.items.resize(length);
  for (uint32_t i = 0; i < length; i++) list.items[i].storage = unwrapStorage(array.Get(i));
  return list;
}

Storage* firstStorage(const InputList& list, const char* what) {
  if (list.items.empty()) throw Error(std::string(what) + ": expected at least one tensor");
  return list.items[0].storage;
}

void readInputList(MetaReader& reader, InputList& list, const char* what) {
  const int64_t count = reader.nextInt();
  if (count != (int64_t)list.items.size()) {
    throw Error(std::string(what) + ": " + std::to_string(list.items.size()) + " handles but " + std::to_string(count) + " views");
  }
  list.views.resize(list.items.size());
  for (size_t i = 0; i < list.items.size(); i++) {
    list.items[i].view = reader.view(list.items[i].storage);
    list.views[i] = list.items[i].view;
  }
}

bool MetaReader::absent() {
  if (cursor_ < length_ && meta_[cursor_] == -1) {
    cursor_++;
    return true;
  }
  return false;
}

TensorView MetaReader::optionalView(Storage* storage) {
  const bool marked = absent();
  if (marked != (storage == nullptr)) throw Error("internal: an optional view and its storage disagree");
  return marked ? TensorView{} : view(storage);
}

OutputTarget prepareOutput(Napi::Env env, const Napi::Value& handle, MetaReader& reader, Backend& backend) {
  OutputTarget target;
  if (handle.IsNull() || handle.IsUndefined() || releasedHandle(handle) != nullptr) {
    target.recycle = handle;
    int64_t offset = 0;
    target.view = reader.view(nullptr, &offset);
    const int64_t nbytes = viewSpanBytes(target.view, 0);
    if (offset != 0 || !target.view.isContiguous()) throw Error("internal: a new output must be contiguous");
    target.storage = backend.allocate((size_t)nbytes);
    target.view.data = (char*)target.storage->data;
    target.allocated = true;
  } else {
    target.storage = unwrapStorage(handle);
    target.view = reader.view(target.storage);
  }
  return target;
}

namespace {

// The byte range [begin, end) a checked view spans; empty views span nothing.
void byteRange(const TensorView& view, const char** begin, const char** end) {
  int64_t last = 0;
  for (int d = 0; d < view.ndim; d++) {
    if (view.shape[d] == 0) {
      *begin = *end = view.data;
      return;
    }
    last += (view.shape[d] - 1) * view.strides[d];
  }
  *begin = view.data;
  *end = view.data + (last + 1) * (int64_t)view.itemsize();
}

bool sameView(const TensorView& a, const TensorView& b) {
  if (a.data != b.data || a.dtype != b.dtype || a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; d++) {
    if (a.shape[d] != b.shape[d] || (a.shape[d] != 1 && a.strides[d] != b.strides[d])) return false;
  }
  return true;
}

}  // namespace

ScratchCopies::~ScratchCopies() {
  for (int i = 0; i < count_; i++) releaseStorage(copies_[i]);
}

TensorView ScratchCopies::separate(const Storage* outStorage, const TensorView& out, const Storage* inStorage,
                                   const TensorView& in, bool elementwise) {
  if (outStorage != inStorage) return in;
  if (elementwise && sameView(out, in)) return in;
  const char *outBegin, *outEnd, *inBegin, *inEnd;
  byteRange(out, &outBegin, &outEnd);
  byteRange(in, &inBegin, &inEnd);
  if (outBegin >= outEnd || inBegin >= inEnd || inEnd <= outBegin || outEnd <= inBegin) return in;
  FLINT_CHECK(count_ < 4, "internal: too many overlapping inputs");
  TensorView copy = in;
  int64_t stride = 1;
  for (int d = copy.ndim - 1; d >= 0; d--) {
    copy.strides[d] = stride;
    stride *= copy.shape[d];
  }
  Storage* storage = backend_.allocate((size_t)viewSpanBytes(copy, 0));
  copies_[count_++] = storage;
  copy.data = (char*)storage->data;
  backend_.cast(copy, in);
  return copy;
}

OutputTarget prepareNewOutput(Napi::Env env, const Napi::Value& handle, MetaReader& reader, Backend& backend) {
  FLINT_CHECK(handle.IsNull() || handle.IsUndefined() || releasedHandle(handle) != nullptr,
              "internal: this kernel writes a new output and takes no output storage");
  return prepareOutput(env, handle, reader, backend);
}

Napi::Value finishOutput(Napi::Env env, const OutputTarget& target) {
  if (!target.allocated) return env.Undefined();
  target.handedOff = true;
  return outputHandle(env, target.recycle, target.storage);
}

}  // namespace flint
