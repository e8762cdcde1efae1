// Entry points for devices other than the CPU: loading the CUDA library, device
// queries, synchronization, transfers between devices and asynchronous reads.
#include <dlfcn.h>

#include <cstring>

#include "ops.h"
#include "views.h"

namespace flint {

namespace {

int32_t deviceCodeArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }

// Waits for a device-to-host read on a libuv worker thread, so the event loop keeps
// running while the GPU finishes the work queued before the read.
class ReadWorker final : public Napi::AsyncWorker {
 public:
  ReadWorker(Napi::Env env, PendingRead* read, size_t nbytes, Storage* storage)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), read_(read), nbytes_(nbytes),
        storage_(storage) {
    retainStorage(storage_);  // the storage must outlive the copy, even if JS drops it
  }
  ~ReadWorker() override {
    delete read_;
    releaseStorage(storage_);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      read_->wait();
    } catch (const std::exception& error) {
      SetError(error.what());
    }
  }
  void OnOK() override {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(Env(), nbytes_);
    if (nbytes_) std::memcpy(buffer.Data(), read_->host(), nbytes_);
    deferred_.Resolve(buffer);
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  PendingRead* read_;
  size_t nbytes_;
  Storage* storage_;
};

}  // namespace

// cudaLoad(path) -> { deviceCount, reason }. Loads the CUDA library once per instance;
// a missing library, driver or device is a reason, never an exception.
Napi::Value CudaLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonInstance& instance = instanceOf(env);
  if (instance.cudaApi == nullptr && instance.cudaUnavailable.empty()) {
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      instance.cudaUnavailable = std::string("flint's CUDA library could not be loaded (") + dlerror() + ")";
    } else {
      using ApiFn = const CudaApi* (*)();
      auto entry = reinterpret_cast<ApiFn>(dlsym(library, "flint_cuda_api"));
      const CudaApi* api = entry == nullptr ? nullptr : entry();
      if (api == nullptr || api->version != kCudaApiVersion) {
        instance.cudaUnavailable = "flint's CUDA library at " + path + " was built for another version of flint";
        dlclose(library);
      } else {
        instance.cudaLibrary = library;  // kept loaded: backends and storages point into it
        instance.cudaApi = api;
        char reason[512] = {0};
        instance.cudaDeviceCount = api->deviceCount(reason, sizeof reason);
        if (instance.cudaDeviceCount == 0) instance.cudaUnavailable = reason;
      }
    }
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("deviceCount", instance.cudaDeviceCount);
  result.Set("reason", instance.cudaUnavailable);
  return result;
}

// deviceName(deviceCode) -> string
Napi::Value DeviceName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonInstance& instance = instanceOf(env);
  const int code = deviceCodeArg(info, 0);
  instance.backend(code);  // validates the ordinal with a clear message
  char name[256] = {0};
  if (instance.cudaApi->deviceName(code - 1, name, sizeof name) != 0) throw Error("could not read the device's name");
  return Napi::String::New(env, name);
}

// synchronize(deviceCode): waits for the device's queued work; reports kernel errors.
Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  instanceOf(info.Env()).backend(deviceCodeArg(info, 0)).synchronize();
  return info.Env().Undefined();
}

// copyAcross(dst, dstOffsetBytes, src, srcOffsetBytes, nbytes): raw bytes between
// storages on different devices (one of them the CPU).
Napi::Value CopyAcross(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage* dst = unwrapStorage(info[0]);
  Storage* src = unwrapStorage(info[2]);
  const size_t dstOffset = checkedByteRange(info[1], info[4], dst, "copyAcross").offset;
  const size_t srcOffset = checkedByteRange(info[3], info[4], src, "copyAcross").offset;
  const size_t n = checkedByteRange(info[3], info[4], src, "copyAcross").length;
  if (n == 0) return env.Undefined();
  const bool srcHost = src->backend->type() == DeviceType::CPU, dstHost = dst->backend->type() == DeviceType::CPU;
  if (srcHost && !dstHost) {
    dst->backend->copyFromHost(dst, dstOffset, (const char*)src->data + srcOffset, n);
  } else if (!srcHost && dstHost) {
    src->backend->copyToHost((char*)dst->data + dstOffset, src, srcOffset, n);
  } else if (!srcHost && !dstHost) {  // between two GPUs: through the host, which is rare enough
    std::vector<char> staging(n);
    src->backend->copyToHost(staging.data(), src, srcOffset, n);
    dst->backend->copyFromHost(dst, dstOffset, staging.data(), n);
    dst->backend->synchronize();
  } else {
    std::memmove((char*)dst->data + dstOffset, (const char*)src->data + srcOffset, n);
  }
  return env.Undefined();
}

// readAsync(handle, byteOffset, nbytes) -> Promise<ArrayBuffer>
Napi::Value ReadAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage* storage = unwrapStorage(info[0]);
  const ByteRange range = checkedByteRange(info[1], info[2], storage, "readAsync");
  const size_t offset = range.offset, nbytes = range.length;
  PendingRead* read = storage->backend->readAsync(storage, offset, nbytes);
  if (read == nullptr) {  // nothing to wait for: copy now
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, nbytes);
    storage->backend->copyToHost(buffer.Data(), storage, offset, nbytes);
    deferred.Resolve(buffer);
    return deferred.Promise();
  }
  auto* worker = new ReadWorker(env, read, nbytes, storage);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// setBackendOption(deviceCode, option, value)
Napi::Value SetBackendOption(const Napi::CallbackInfo& info) {
  const int32_t option = info[1].As<Napi::Number>().Int32Value();
  FLINT_CHECK(option == (int32_t)BackendOption::MatmulAllowTF32, "unknown backend option");
  instanceOf(info.Env())
      .backend(deviceCodeArg(info, 0))
      .setOption((BackendOption)option, info[2].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

// resetPeakMemory(deviceCode)
Napi::Value ResetPeakMemory(const Napi::CallbackInfo& info) {
  instanceOf(info.Env()).backend(deviceCodeArg(info, 0)).resetPeakMemory();
  return info.Env().Undefined();
}

}  // namespace flint
