// Everything the addon owns lives in one AddonInstance per JS environment (main thread
// or worker), stored with napi_set_instance_data. There is no process-global state.
#pragma once
#include <napi.h>

#include <memory>

#include "../cpu/cpu_backend.h"
#include "flint/backend.h"

namespace flint {

struct AddonInstance {
  CpuBackend* cpu = nullptr;  // retired, not deleted, on teardown (see CpuBackend::retire)
  // The scratch buffer that carries shapes, strides and offsets from JS for each call,
  // so that a call passes a few handles instead of arrays that cost a napi call each.
  Napi::Reference<Napi::Float64Array> metaRef;
  double* meta = nullptr;
  size_t metaLength = 0;
  int64_t externalBytes = 0;  // what we told V8 we hold

  Backend& backend(int deviceType);
  ~AddonInstance() {
    if (cpu) cpu->retire();
  }
};

// What a JS storage handle (an External) points to. `storage` is null once disposed.
struct StorageHandle {
  Storage* storage;
};

AddonInstance& instanceOf(Napi::Env env);
Napi::Value wrapStorage(Napi::Env env, Storage* storage);
// A handle whose storage was released, which JS hands back for reuse as the output
// handle of a new tensor: reusing it skips creating an External (and the GC work and
// malloc churn each one costs), which dominates small ops. Returns null otherwise.
StorageHandle* releasedHandle(const Napi::Value& value);
// Attaches a new storage to a released handle and returns that same handle.
Napi::Value attachStorage(Napi::Env env, const Napi::Value& value, StorageHandle* handle, Storage* storage);
// wrapStorage, or attachStorage when `recycle` is a released handle.
Napi::Value outputHandle(Napi::Env env, const Napi::Value& recycle, Storage* storage);
// Returns the live storage behind a handle, or throws if it was disposed or is not one.
Storage* unwrapStorage(const Napi::Value& value);
void releaseHandle(Napi::BasicEnv env, StorageHandle* handle);

}  // namespace flint
