// Reads view descriptions that the TypeScript side packed into the meta buffer, and
// checks them against their storage, so no kernel can be pointed outside its memory.
#pragma once
#include <napi.h>

#include <vector>

#include "flint/layout.h"
#include "instance.h"

namespace flint {

class MetaReader {
 public:
  explicit MetaReader(AddonInstance& instance) : meta_(instance.meta), length_(instance.metaLength) {}
  double next();
  int64_t nextInt();
  // Reads [dtype, offset, ndim, shape..., strides...] and binds it to `storage`.
  // A null storage means "allocate a contiguous output for this view".
  TensorView view(Storage* storage, int64_t* offsetOut = nullptr);
  // The layout of an optional view: JS writes -1 for an absent one (storage == nullptr),
  // which gives a TensorView with no data.
  TensorView optionalView(Storage* storage);
  // Whether the next view is marked absent (-1), consuming the mark if so.
  bool absent();

 private:
  const double* meta_;
  size_t length_;
  size_t cursor_ = 0;
};

// An input view and the storage it lies in (both null for an absent optional input).
struct Input {
  Storage* storage = nullptr;
  TensorView view;
};

// A list argument's inputs (`params: inout[] [N]`), and their views as the kernel sees them.
struct InputList {
  std::vector<Input> items;
  std::vector<TensorView> views;
  ViewList list() const { return {views.data(), (int64_t)views.size()}; }
};
// The storages of a list argument: a JS array of live storage handles.
InputList inputListArg(const Napi::Value& value, const char* what);
// Its first storage, which sets the call's device: the list must not be empty.
Storage* firstStorage(const InputList& list, const char* what);
// Reads the list's length (which must match its handles) and each view, bounds-checked.
void readInputList(MetaReader& reader, InputList& list, const char* what);

// A JS number that must be a whole number of at most 2^53 in size (an index, a bound, a
// count): anything else is an Error naming `what`, never an undefined float-to-int cast.
int64_t integerArg(const Napi::Value& value, const char* what);
// The same rule for a number already read (a double that must hold a whole number).
int64_t wholeNumber(double value, const char* what);

// Bytes [offset, offset + length) of a storage, from JS numbers that must be whole,
// non-negative and inside it: the raw-bytes counterpart of checkBounds.
struct ByteRange {
  size_t offset, length;
};
ByteRange checkedByteRange(const Napi::Value& offset, const Napi::Value& length, const Storage* storage,
                           const char* what);

// Checks that a view lies inside its storage.
void checkBounds(const TensorView& view, int64_t offset, const Storage* storage);

// The output handle argument is a live storage (write in place), or null/undefined or a
// released handle (allocate a new contiguous output on `backend`, returned to JS).
// An allocated output is released if the call throws before it reaches JS.
struct OutputTarget {
  Storage* storage = nullptr;
  bool allocated = false;
  mutable bool handedOff = false;
  TensorView view;
  Napi::Value recycle;  // a released handle to reuse for the new output, if JS gave one
  OutputTarget() = default;
  // For the flat paths, which set the view's one dim themselves (see TensorView::Unzeroed).
  explicit OutputTarget(TensorView::Unzeroed unzeroed) : view(unzeroed) {}
  OutputTarget(const OutputTarget&) = delete;
  OutputTarget(OutputTarget&& other) noexcept
      : storage(other.storage), allocated(other.allocated), handedOff(other.handedOff), view(other.view),
        recycle(other.recycle) {
    other.allocated = false;
  }
  OutputTarget& operator=(OutputTarget&& other) noexcept {
    if (this != &other) {
      if (allocated && !handedOff) releaseStorage(storage);
      storage = other.storage, allocated = other.allocated, handedOff = other.handedOff;
      view = other.view, recycle = other.recycle;
      other.allocated = false;
    }
    return *this;
  }
  ~OutputTarget() {
    if (allocated && !handedOff) releaseStorage(storage);
  }
};
// Copies of inputs that share memory with the output they are read into. A kernel that
// writes its output while it reads an input from the same bytes would read values it has
// already overwritten (or that another thread is overwriting), so such an input is read
// from a contiguous copy instead. The copies are released with this object, after the
// kernel is queued (device allocators are stream-ordered, so that is safe there too).
// TypeScript refuses the overlaps PyTorch refuses first; this keeps the rest exact.
class ScratchCopies {
 public:
  explicit ScratchCopies(Backend& backend) : backend_(backend) {}
  ~ScratchCopies();
  ScratchCopies(const ScratchCopies&) = delete;
  ScratchCopies& operator=(const ScratchCopies&) = delete;
  // `in`, or a contiguous copy of it when it shares bytes with `out`. `elementwise` says
  // the kernel reads each input element only where it writes the same output element,
  // so an input that is exactly the output view is safe as it is.
  TensorView separate(const Storage* outStorage, const TensorView& out, const Storage* inStorage,
                      const TensorView& in, bool elementwise);

 private:
  Backend& backend_;
  Storage* copies_[4] = {};
  int count_ = 0;
};

OutputTarget prepareOutput(Napi::Env env, const Napi::Value& handle, MetaReader& reader, Backend& backend);
// prepareOutput for the fused kernels, which always write a new output: they read
// whole rows before writing, so an output aliasing an input is refused, not copied.
OutputTarget prepareNewOutput(Napi::Env env, const Napi::Value& handle, MetaReader& reader, Backend& backend);
Napi::Value finishOutput(Napi::Env env, const OutputTarget& target);

}  // namespace flint
