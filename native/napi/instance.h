// Everything the addon owns lives in one AddonInstance per JS environment (main thread
// or worker), stored with napi_set_instance_data. There is no process-global state.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "../cpu/cpu_backend.h"
#include "flint/backend.h"
#include "flint/cuda_api.h"

namespace flint {

struct CommApi;

// Device codes on the JS/native boundary: 0 is the CPU, 1 + i is cuda:i.
constexpr int kCpuDeviceCode = 0;

// The least GPU memory that goes unreported to V8's external-memory accounting.
constexpr int64_t kCudaUnreported = int64_t(1) << 30;
// The most host memory that goes unreported (instance.cc, hostUnreportedBytes).
constexpr int64_t kHostUnreported = int64_t(256) << 20;

// Live bytes of one kind of storage, of which V8 is told only the part past an allowance.
struct ExternalAllowance {
  int64_t live = 0;
  int64_t allowance = -1;  // -1 until set; fixed from then on, so that releases mirror reports
  // What V8 should be told when `bytes` (negative on release) come or go.
  int64_t change(int64_t bytes) {
    const auto reported = [this](int64_t n) { return n > allowance ? n - allowance : 0; };
    const int64_t before = reported(live);
    live += bytes;
    return reported(live) - before;
  }
};

struct AddonInstance {
  CpuBackend* cpu = nullptr;  // retired, not deleted, on teardown (see Backend::retire)
  // The CUDA library, once loaded (cuda.cc); one backend per device, made on first use.
  void* cudaLibrary = nullptr;
  const CudaApi* cudaApi = nullptr;
  std::string cudaUnavailable;  // why CUDA cannot be used, when it cannot
  int cudaDeviceCount = 0;
  std::vector<Backend*> cuda;
  // The communication library (gloo) of torch.distributed, once loaded (distributed.cc).
  void* commLibrary = nullptr;
  const CommApi* commApi = nullptr;
  uint64_t cudaSeed = 0;  // the last manualSeed for all devices, for backends made later
  bool hasCudaSeed = false;
  // The scratch buffer that carries shapes, strides and offsets from JS for each call,
  // so that a call passes a few handles instead of arrays that cost a napi call each.
  Napi::Reference<Napi::Float64Array> metaRef;
  double* meta = nullptr;
  size_t metaLength = 0;
  int64_t externalBytes = 0;  // what we told V8 we hold
  ExternalAllowance host;      // host storages (instance.cc: the allowance is set at init)
  ExternalAllowance gpu;       // GPU storages, all devices (the allowance is set at first use)

  Backend& backend(int deviceCode);
  ~AddonInstance() {
    if (cpu) cpu->retire();
    for (Backend* device : cuda) {
      if (device) device->retire();
    }
  }
};

// What a JS storage handle (an External) points to. `storage` is null once disposed.
struct StorageHandle {
  Storage* storage;
};

AddonInstance& instanceOf(Napi::Env env);

// Sets the host storages' unreported allowance once (instance.cc). Called by init.
void setHostAllowance(AddonInstance& instance);
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

// For an entry that is not `queued` (entries.mjs): waits for the CPU's asynchronous queue,
// throwing an error a queued op left, then runs the entry's CPU work at once.
class CpuSync {
 public:
  explicit CpuSync(Napi::Env env) {
    AddonInstance* instance = env.GetInstanceData<AddonInstance>();  // none before init()
    cpu_ = instance != nullptr ? instance->cpu : nullptr;
    if (cpu_ != nullptr) cpu_->beginInline();
  }
  ~CpuSync() {
    if (cpu_ != nullptr) cpu_->endInline();
  }
  CpuSync(const CpuSync&) = delete;
  CpuSync& operator=(const CpuSync&) = delete;

 private:
  CpuBackend* cpu_ = nullptr;
};

}  // namespace flint
