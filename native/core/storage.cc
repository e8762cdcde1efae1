#include "flint/backend.h"
#include "flint/storage.h"

namespace flint {

void releaseStorage(Storage* storage) {
  if (storage->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) storage->backend->deallocate(storage);
}

const char* dtypeName(DType dtype) {
  static const char* const names[kNumDTypes] = {"float32", "float64", "int64", "int32",    "uint8",
                                                "bool",    "float16", "bfloat16", "int16", "int8"};
  int code = (int)dtype;
  return code >= 0 && code < kNumDTypes ? names[code] : "unknown";
}

}  // namespace flint
