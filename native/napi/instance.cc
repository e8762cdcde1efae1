#include "instance.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace flint {

AddonInstance& instanceOf(Napi::Env env) {
  AddonInstance* instance = env.GetInstanceData<AddonInstance>();
  if (instance == nullptr) throw Error("flint native addon used before init()");
  return *instance;
}

Backend& AddonInstance::backend(int deviceCode) {
  if (deviceCode == kCpuDeviceCode) return *cpu;
  const int device = deviceCode - 1;
  if (cudaApi == nullptr || cudaDeviceCount == 0) {
    throw Error("CUDA is not available" + (cudaUnavailable.empty() ? std::string() : ": " + cudaUnavailable));
  }
  if (device < 0 || device >= cudaDeviceCount) {
    throw Error("CUDA error: invalid device ordinal (cuda:" + std::to_string(device) + "; " +
                std::to_string(cudaDeviceCount) + " device(s) visible)");
  }
  if (cuda.size() < (size_t)cudaDeviceCount) cuda.resize((size_t)cudaDeviceCount, nullptr);
  if (cuda[(size_t)device] == nullptr) {
    char error[512] = {0};
    cuda[(size_t)device] = cudaApi->createBackend(device, error, sizeof error);
    if (cuda[(size_t)device] == nullptr) throw Error(std::string("cannot use cuda:") + std::to_string(device) + ": " + error);
    if (hasCudaSeed) cuda[(size_t)device]->manualSeed(cudaSeed);
    // GPU bytes go unreported to V8 up to a sixteenth of the first device used (at least
    // kCudaUnreported): see externalDelta. It is fixed from then on, so that what was
    // reported for live storages is what their release takes back.
    if (gpu.allowance < 0) {
      const int64_t share = (int64_t)(cuda[(size_t)device]->query(BackendQuery::TotalMemory) / 16);
      gpu.allowance = std::max(kCudaUnreported, share);
    }
  }
  return *cuda[(size_t)device];
}

// A basic finalizer (it touches no JS heap), so that, built with NAPI_EXPERIMENTAL,
// Node runs it during garbage collection itself. Without that, finalizers wait for the
// event loop, and a synchronous training loop would never give memory back.
static void finalizeHandle(node_api_basic_env env, void* data, void* /*hint*/) {
  auto* handle = static_cast<StorageHandle*>(data);
  releaseHandle(Napi::BasicEnv(env), handle);
  delete handle;
}

// V8 starts a collection for about every 64 MiB its external memory grows by, and counts
// the external memory that grew since its last full collection against its heap limit. A
// storage's handle is what the collector frees when a loop never calls dispose(), so V8
// must feel what is left to it; but memory that flint frees itself (dispose, tidy, the
// activations and gradients freed at their last use) comes and goes within a step, and
// reported in full it ran V8's full collections for nothing: a transformer_train step on the
// CPU (97 MB above its base at its peak) ran two a step, 10-15% of its time, and a CUDA
// training step that makes gigabytes of activations ran dozens. So each kind of storage goes
// unreported up to an allowance of live bytes, and V8 is told of the rest:
// - host: the smaller of kHostUnreported and 1/32 of physical memory (hostUnreportedBytes);
// - GPU: a sixteenth of the first device's memory, at least kCudaUnreported (past a fixed
//   1 GiB a transformer step on an H200 still spent a quarter of its host time collecting).
// Garbage can grow to the allowance between collections (a quarter of a GPU let an MNIST
// CNN's reach 18 GiB).

// FLINT_UNREPORTED_HOST_BYTES, where set, replaces the host allowance (0 reports every byte).
static int64_t hostUnreportedBytes() {
  if (const char* value = std::getenv("FLINT_UNREPORTED_HOST_BYTES"); value != nullptr && *value != '\0') {
    char* end = nullptr;
    const long long bytes = std::strtoll(value, &end, 10);
    if (end != nullptr && *end == '\0' && bytes >= 0) return bytes;
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0) return kHostUnreported;
  return std::min(kHostUnreported, (int64_t)pages * pageSize / 32);
}

void setHostAllowance(AddonInstance& instance) {
  if (instance.host.allowance < 0) instance.host.allowance = hostUnreportedBytes();
}

// The change in what V8 should be told when a storage appears (sign 1) or goes (-1).
static int64_t externalDelta(AddonInstance& instance, const Storage* storage, int sign) {
  const int64_t bytes = sign * (int64_t)storage->nbytes;
  if (storage->backend->type() == DeviceType::CUDA) {
    if (instance.gpu.allowance < 0) instance.gpu.allowance = kCudaUnreported;
    return instance.gpu.change(bytes);
  }
  setHostAllowance(instance);
  return instance.host.change(bytes);
}

Napi::Value wrapStorage(Napi::Env env, Storage* storage) {
  AddonInstance& instance = instanceOf(env);
  auto* handle = new StorageHandle{storage};
  const int64_t delta = externalDelta(instance, storage, 1);
  instance.externalBytes += delta;
  if (delta != 0) Napi::MemoryManagement::AdjustExternalMemory(env, delta);
  // The raw call (not Napi::External::New) avoids a heap-allocated finalizer record per
  // tensor, which showed up in tiny-op profiles.
  napi_value external;
  napi_status status = napi_create_external(env, handle, finalizeHandle, nullptr, &external);
  if (status != napi_ok) {
    releaseHandle(env, handle);
    delete handle;
    throw Error("could not create a storage handle");
  }
  return Napi::Value(env, external);
}

StorageHandle* releasedHandle(const Napi::Value& value) {
  if (!value.IsExternal()) return nullptr;
  StorageHandle* handle = value.As<Napi::External<StorageHandle>>().Data();
  return handle != nullptr && handle->storage == nullptr ? handle : nullptr;
}

Napi::Value attachStorage(Napi::Env env, const Napi::Value& value, StorageHandle* handle, Storage* storage) {
  AddonInstance& instance = instanceOf(env);
  handle->storage = storage;
  const int64_t delta = externalDelta(instance, storage, 1);
  instance.externalBytes += delta;
  if (delta != 0) Napi::MemoryManagement::AdjustExternalMemory(env, delta);
  return value;
}

Napi::Value outputHandle(Napi::Env env, const Napi::Value& recycle, Storage* storage) {
  StorageHandle* handle = releasedHandle(recycle);
  return handle != nullptr ? attachStorage(env, recycle, handle, storage) : wrapStorage(env, storage);
}

Storage* unwrapStorage(const Napi::Value& value) {
  if (!value.IsExternal()) throw Error("expected a storage handle");
  StorageHandle* handle = value.As<Napi::External<StorageHandle>>().Data();
  if (handle == nullptr || handle->storage == nullptr) throw Error("tensor has been disposed");
  return handle->storage;
}

void releaseHandle(Napi::BasicEnv env, StorageHandle* handle) {
  if (handle->storage == nullptr) return;
  Storage* storage = handle->storage;
  handle->storage = nullptr;
  // Raw calls that cannot throw: this runs in finalizers (during GC, or while a worker
  // is being torn down), where an exception would terminate the process.
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) == napi_ok && data != nullptr) {
    auto* instance = static_cast<AddonInstance*>(data);
    const int64_t delta = externalDelta(*instance, storage, -1);
    instance->externalBytes += delta;
    int64_t adjusted = 0;
    if (delta != 0) napi_adjust_external_memory(env, delta, &adjusted);
  }
  releaseStorage(storage);
}

}  // namespace flint
