#include "instance.h"

#include <thread>

namespace flint {

AddonInstance& instanceOf(Napi::Env env) {
  AddonInstance* instance = env.GetInstanceData<AddonInstance>();
  if (instance == nullptr) throw Error("flint native addon used before init()");
  return *instance;
}

Backend& AddonInstance::backend(int deviceType) {
  if (deviceType == (int)DeviceType::CPU) return *cpu;
  if (deviceType == (int)DeviceType::CUDA) throw Error("flint was built without CUDA support");
  throw Error("unknown device type " + std::to_string(deviceType));
}

static void finalizeHandle(Napi::Env env, StorageHandle* handle) {
  releaseHandle(env, handle);
  delete handle;
}

Napi::Value wrapStorage(Napi::Env env, Storage* storage) {
  AddonInstance& instance = instanceOf(env);
  auto* handle = new StorageHandle{storage};
  instance.externalBytes += (int64_t)storage->nbytes;
  Napi::MemoryManagement::AdjustExternalMemory(env, (int64_t)storage->nbytes);
  return Napi::External<StorageHandle>::New(env, handle, finalizeHandle);
}

Storage* unwrapStorage(const Napi::Value& value) {
  if (!value.IsExternal()) throw Error("expected a storage handle");
  StorageHandle* handle = value.As<Napi::External<StorageHandle>>().Data();
  if (handle == nullptr || handle->storage == nullptr) throw Error("tensor has been disposed");
  return handle->storage;
}

void releaseHandle(Napi::Env env, StorageHandle* handle) {
  if (handle->storage == nullptr) return;
  Storage* storage = handle->storage;
  handle->storage = nullptr;
  AddonInstance* instance = env.GetInstanceData<AddonInstance>();
  if (instance != nullptr) {
    instance->externalBytes -= (int64_t)storage->nbytes;
    Napi::MemoryManagement::AdjustExternalMemory(env, -(int64_t)storage->nbytes);
  }
  releaseStorage(storage);
}

}  // namespace flint
