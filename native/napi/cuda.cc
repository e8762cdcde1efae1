// Entry points for devices other than the CPU: loading the CUDA library, device
// queries, synchronization, transfers between devices and asynchronous reads.
#include <dlfcn.h>

#include <cstring>

#include "arguments.h"
#include "entries.generated.h"
#include "flint/abi.generated.h"

namespace flint {

namespace {

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

// Why the library at `path` cannot drive this addon, or "" when it can. The library's
// Backend vtable is only safe to call when both were compiled from the same interface,
// which the ABI hash (scripts/generate-bindings.mjs) stands for. It is read through its own
// symbol, so that a library of any age answers it before anything else is touched.
std::string abiMismatch(void* library, const std::string& path) {
  using AbiFn = const char* (*)();
  auto abi = reinterpret_cast<AbiFn>(dlsym(library, "flint_cuda_abi"));
  const std::string theirs = abi == nullptr ? "none (a build older than the ABI check)" : abi();
  if (theirs == kAbiHash) return "";
  return "flint's CUDA library at " + path + " was built from another version of flint's native interface (ABI " +
         theirs + ", this addon's is " + kAbiHash + "): rebuild it with `npm run build:cuda`";
}

}  // namespace

namespace entry {

// Loads the CUDA library once per instance; a missing library, driver or device is a
// reason, never an exception.
Napi::Value cudaLoad(Napi::Env env, CudaLoadCall& call) {
  AddonInstance& instance = instanceOf(env);
  if (instance.cudaApi == nullptr && instance.cudaUnavailable.empty()) {
    const std::string& path = call.libraryPath;
    void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      instance.cudaUnavailable = std::string("flint's CUDA library could not be loaded (") + dlerror() + ")";
    } else if (std::string mismatch = abiMismatch(library, path); !mismatch.empty()) {
      instance.cudaUnavailable = mismatch;
      dlclose(library);
    } else {
      using ApiFn = const CudaApi* (*)();
      auto entry = reinterpret_cast<ApiFn>(dlsym(library, "flint_cuda_api"));
      const CudaApi* api = entry == nullptr ? nullptr : entry();
      if (api == nullptr) {
        instance.cudaUnavailable = "flint's CUDA library at " + path + " has no entry table";
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

Napi::Value deviceName(Napi::Env env, DeviceNameCall& call) {
  AddonInstance& instance = instanceOf(env);
  const int code = call.deviceCode;
  if (call.device->type() == DeviceType::CPU) return Napi::String::New(env, "cpu");
  char name[256] = {0};
  if (instance.cudaApi->deviceName(code - 1, name, sizeof name) != 0) throw Error("could not read the device's name");
  return Napi::String::New(env, name);
}

// Waits for the device's queued work; reports kernel errors.
void synchronize(SynchronizeCall& call) { call.device->synchronize(); }

// Raw bytes between storages on different devices (one of them the CPU).
void copyAcross(CopyAcrossCall& call) {
  Storage* dst = call.dst;
  Storage* src = call.src;
  const size_t dstOffset = checkedByteRange(call.dstOffsetBytes, call.nbytes, dst, "copyAcross").offset;
  const ByteRange from = checkedByteRange(call.srcOffsetBytes, call.nbytes, src, "copyAcross");
  const size_t srcOffset = from.offset, n = from.length;
  if (n == 0) return;
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
}

// Resolves with the bytes once the device has written them, without blocking the event loop.
Napi::Value readAsync(Napi::Env env, ReadAsyncCall& call) {
  Storage* storage = call.handle;
  const ByteRange range = checkedByteRange(call.byteOffset, call.nbytes, storage, "readAsync");
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

void setBackendOption(SetBackendOptionCall& call) { call.device->setOption(call.option, call.value); }

Napi::Value backendQuery(Napi::Env env, BackendQueryCall& call) {
  return Napi::Number::New(env, call.device->query(call.query));
}

void resetPeakMemory(ResetPeakMemoryCall& call) { call.device->resetPeakMemory(); }

// torch.cuda.CUDAGraph's commands (GraphCommand); the device refuses what it cannot do.
Napi::Value cudaGraph(Napi::Env env, CudaGraphCall& call) {
  return Napi::Number::New(env, (double)call.device->graphCommand(call.command, call.id, call.arg));
}

// torch.cuda.Event's commands (EventCommand).
Napi::Value cudaEvent(Napi::Env env, CudaEventCall& call) {
  return Napi::Number::New(env, call.device->eventCommand(call.command, call.id, call.arg));
}

namespace {

// The cuDNN RNN entries' Int32Array config (entries.mjs), read into what the device checks.
CudnnRnnConfig rnnConfig(const Napi::TypedArray& array, double dropout, const char* entry) {
  constexpr size_t kFixed = 10;
  if (array.TypedArrayType() != napi_int32_array || array.ElementLength() <= kFixed) {
    throw Error(std::string(entry) + ": config must be an Int32Array of at least " + std::to_string(kFixed + 1) +
                " numbers");
  }
  const int32_t* v = array.As<Napi::Int32Array>().Data();
  CudnnRnnConfig c;
  c.mode = v[0];
  c.inputSize = v[1];
  c.hiddenSize = v[2];
  c.projSize = v[3];
  c.numLayers = v[4];
  c.bidirectional = v[5] != 0;
  c.bias = v[6] != 0;
  if (v[7] < 0 || v[7] >= EnumInfo<DType>::count) throw Error(std::string(entry) + ": config names no dtype");
  c.dtype = (DType)v[7];
  c.training = v[8] != 0;
  c.allowTF32 = v[9] != 0;
  c.seqLengths.assign(v + kFixed, v + array.ElementLength());
  c.dropout = dropout;
  return c;
}

}  // namespace

Napi::Value cudnnRnnPlan(Napi::Env env, CudnnRnnPlanCall& call) {
  const CudnnRnnLayout layout = call.device->cudnnRnnPlan(rnnConfig(call.config, call.dropout, "cudnnRnnPlan"));
  const size_t slots = layout.matrixOffsets.size();
  Napi::Array out = Napi::Array::New(env, 3 + 2 * slots);
  out.Set(0u, Napi::Number::New(env, (double)layout.weightElements));
  out.Set(1u, Napi::Number::New(env, (double)layout.reserveBytes));
  out.Set(2u, Napi::Number::New(env, layout.linearLayers));
  for (size_t i = 0; i < slots; i++) {
    out.Set((uint32_t)(3 + i), Napi::Number::New(env, (double)layout.matrixOffsets[i]));
    out.Set((uint32_t)(3 + slots + i), Napi::Number::New(env, (double)layout.biasOffsets[i]));
  }
  return out;
}

void cudnnRnnForward(CudnnRnnForwardCall& call) {
  CudnnRnnForwardArgs args;
  args.config = rnnConfig(call.config, call.dropout, "cudnnRnnForward");
  args.y = call.y.view, args.hy = call.hy.view, args.cy = call.cy.view, args.reserve = call.reserve.view;
  args.x = call.x.view, args.hx = call.hx.view, args.cx = call.cx.view, args.weights = call.weights.view;
  call.backend->cudnnRnnForward(args);
}

void cudnnRnnBackwardData(CudnnRnnBackwardDataCall& call) {
  CudnnRnnBackwardDataArgs args;
  args.config = rnnConfig(call.config, call.dropout, "cudnnRnnBackwardData");
  args.dx = call.dx.view, args.dhx = call.dhx.view, args.dcx = call.dcx.view;
  args.y = call.y.view, args.dy = call.dy.view, args.dhy = call.dhy.view, args.dcy = call.dcy.view;
  args.hx = call.hx.view, args.cx = call.cx.view, args.weights = call.weights.view, args.reserve = call.reserve.view;
  call.backend->cudnnRnnBackwardData(args);
}

void cudnnRnnBackwardWeights(CudnnRnnBackwardWeightsCall& call) {
  CudnnRnnBackwardWeightsArgs args;
  args.config = rnnConfig(call.config, call.dropout, "cudnnRnnBackwardWeights");
  args.dweights = call.dweights.view;
  args.x = call.x.view, args.hx = call.hx.view, args.y = call.y.view, args.reserve = call.reserve.view;
  call.backend->cudnnRnnBackwardWeights(args);
}

}  // namespace entry
}  // namespace flint
