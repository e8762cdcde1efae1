// Storage lifetime, host transfers, fills, random numbers and allocator statistics.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "ops.h"
#include "views.h"

namespace flint {

namespace {

// Device memory for one host transfer, released however the call ends.
struct StagingStorage {
  Storage* storage;
  StagingStorage(Backend& backend, size_t nbytes) : storage(backend.allocate(nbytes)) {}
  ~StagingStorage() { releaseStorage(storage); }
  StagingStorage(const StagingStorage&) = delete;
  StagingStorage& operator=(const StagingStorage&) = delete;
};

}  // namespace

// init(meta: Float64Array, threads: number) -> { threads }
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonInstance* instance = env.GetInstanceData<AddonInstance>();
  if (instance == nullptr) {
    instance = new AddonInstance();
    env.SetInstanceData<AddonInstance>(instance);
  }
  Napi::Float64Array meta = info[0].As<Napi::Float64Array>();
  instance->metaRef = Napi::Persistent(meta);
  instance->meta = meta.Data();
  instance->metaLength = meta.ElementLength();
  int threads = info[1].As<Napi::Number>().Int32Value();
  if (threads <= 0) threads = (int)std::max(1u, std::thread::hardware_concurrency());
  if (instance->cpu == nullptr) instance->cpu = new CpuBackend(threads);
  Napi::Object result = Napi::Object::New(env);
  result.Set("threads", instance->cpu->pool().size());
  return result;
}

// alloc(deviceType, nbytes, recycle?) -> handle
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Backend& backend = instanceOf(env).backend(info[0].As<Napi::Number>().Int32Value());
  double nbytes = info[1].As<Napi::Number>().DoubleValue();
  if (!(nbytes >= 0) || nbytes != std::floor(nbytes)) throw Error("alloc: invalid byte count " + std::to_string(nbytes));
  // Past 2^53 a double no longer counts bytes exactly, and no machine has that much.
  if (nbytes > 9.0e15) {
    throw OutOfMemory("can't allocate memory: you tried to allocate " + std::to_string((uint64_t)nbytes) + " bytes.");
  }
  return outputHandle(env, info[2], backend.allocate((size_t)nbytes));
}

// release(handle): frees now; the finalizer then has nothing left to do.
Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Error("release: expected a storage handle");
  releaseHandle(env, info[0].As<Napi::External<StorageHandle>>().Data());
  return env.Undefined();
}

Napi::Value StorageBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), (double)unwrapStorage(info[0])->nbytes);
}

// fromBuffer(out, source: TypedArray, sourceDtype)   meta: [out]
// Copies a contiguous host array into the view, converting dtypes on the way.
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* storage = unwrapStorage(info[0]);
  TensorView out = reader.view(storage);
  Napi::TypedArray source = info[1].As<Napi::TypedArray>();
  int32_t sourceDtype = info[2].As<Napi::Number>().Int32Value();
  FLINT_CHECK(isValidDType(sourceDtype), "fromBuffer: unknown source dtype");
  TensorView in = out;
  // Host bytes of a bool array may be anything; read as a C++ bool, a byte other than 0 or
  // 1 is undefined behaviour. Read as uint8 they convert to bool as `!= 0`, as PyTorch's
  // loads behave.
  in.dtype = (DType)sourceDtype == DType::Bool ? DType::UInt8 : (DType)sourceDtype;
  FLINT_CHECK((int64_t)source.ByteLength() >= out.numel() * (int64_t)in.itemsize(), "fromBuffer: source too short");
  const char* hostData = (const char*)source.ArrayBuffer().Data() + source.ByteOffset();
  int64_t stride = 1;
  for (int d = in.ndim - 1; d >= 0; d--) {
    in.strides[d] = stride;
    stride *= in.shape[d];
  }
  if (storage->backend->type() == DeviceType::CPU) {
    // A typed view of a Buffer slice can start at any byte; the kernels load whole
    // elements, so an unaligned source is first copied somewhere aligned.
    if ((uintptr_t)hostData % in.itemsize() != 0) {
      const size_t nbytes = (size_t)out.numel() * in.itemsize();
      StagingStorage aligned(*storage->backend, nbytes);
      if (nbytes > 0) std::memcpy(aligned.storage->data, hostData, nbytes);
      in.data = (char*)aligned.storage->data;
      storage->backend->cast(out, in);
      return env.Undefined();
    }
    in.data = (char*)hostData;
    storage->backend->cast(out, in);
    return env.Undefined();
  }
  // A device cannot read host memory in a kernel: stage the bytes on the device, then
  // convert there.
  const size_t nbytes = (size_t)out.numel() * in.itemsize();
  StagingStorage staging(*storage->backend, nbytes);
  storage->backend->copyFromHost(staging.storage, 0, hostData, nbytes);
  in.data = (char*)staging.storage->data;
  storage->backend->cast(out, in);
  return env.Undefined();
}

// toBuffer(handle) -> ArrayBuffer holding the view's elements, contiguous   meta: [in]
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* storage = unwrapStorage(info[0]);
  TensorView in = reader.view(storage);
  const size_t nbytes = (size_t)in.numel() * in.itemsize();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, nbytes);
  TensorView out = in;
  int64_t stride = 1;
  for (int d = out.ndim - 1; d >= 0; d--) {
    out.strides[d] = stride;
    stride *= out.shape[d];
  }
  if (storage->backend->type() == DeviceType::CPU) {
    out.data = (char*)buffer.Data();
    storage->backend->cast(out, in);
    return buffer;
  }
  if (in.isContiguous()) {
    storage->backend->copyToHost(buffer.Data(), storage, (size_t)(in.data - (char*)storage->data), nbytes);
    return buffer;
  }
  // Gather the view into contiguous device memory first, then copy it over in one go.
  StagingStorage staging(*storage->backend, nbytes);
  out.data = (char*)staging.storage->data;
  storage->backend->cast(out, in);
  storage->backend->copyToHost(buffer.Data(), staging.storage, 0, nbytes);
  return buffer;
}

// fill(out, value)   meta: [out]
Napi::Value Fill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* storage = unwrapStorage(info[0]);
  storage->backend->fill(reader.view(storage), info[1].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// fillRandom(kind, out, p0, p1)   meta: [out]; kind 0 uniform, 1 normal, 2 integers, 3 bernoulli
Napi::Value FillRandom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  int32_t kind = info[0].As<Napi::Number>().Int32Value();
  Storage* storage = unwrapStorage(info[1]);
  TensorView out = reader.view(storage);
  double p0 = info[2].As<Napi::Number>().DoubleValue();
  double p1 = info[3].As<Napi::Number>().DoubleValue();
  Backend& backend = *storage->backend;
  switch (kind) {
    case 0: backend.fillUniform(out, p0, p1); break;
    case 1: backend.fillNormal(out, p0, p1); break;
    case 2: backend.fillRandomInt(out, integerArg(info[2], "random_: from"), integerArg(info[3], "random_: to")); break;
    case 3: backend.fillBernoulli(out, p0); break;
    default: throw Error("fillRandom: unknown distribution");
  }
  return env.Undefined();
}

// manualSeed(deviceCode, seed): -1 seeds every device, including CUDA devices whose
// backend starts later (AddonInstance::backend applies the stored seed).
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonInstance& instance = instanceOf(env);
  const int32_t code = info[0].As<Napi::Number>().Int32Value();
  bool lossless = false;
  const uint64_t seed = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
  if (code != -1) {
    instance.backend(code).manualSeed(seed);
    return env.Undefined();
  }
  instance.cpu->manualSeed(seed);
  instance.cudaSeed = seed;
  instance.hasCudaSeed = true;
  for (Backend* device : instance.cuda) {
    if (device) device->manualSeed(seed);
  }
  return env.Undefined();
}

// stats(deviceCode) -> { storages, allocatedBytes, peakAllocatedBytes, cachedBytes, reservedBytes, externalBytes }
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonInstance& instance = instanceOf(env);
  const MemoryInfo memory = instance.backend(info[0].As<Napi::Number>().Int32Value()).memoryInfo();
  Napi::Object result = Napi::Object::New(env);
  result.Set("storages", (double)memory.liveStorages);
  result.Set("allocatedBytes", (double)memory.allocatedBytes);
  result.Set("peakAllocatedBytes", (double)memory.peakAllocatedBytes);
  result.Set("cachedBytes", (double)(memory.reservedBytes - memory.allocatedBytes));
  result.Set("reservedBytes", (double)memory.reservedBytes);
  result.Set("externalBytes", (double)instance.externalBytes);
  return result;
}

// emptyCache(deviceCode)
Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  instanceOf(env).backend(info[0].As<Napi::Number>().Int32Value()).emptyCache();
  return env.Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int threads = info[0].As<Napi::Number>().Int32Value();
  FLINT_CHECK(threads >= 1 && threads <= 1024, "set_num_threads expects a positive integer");
  instanceOf(env).cpu->setThreads(threads);
  return env.Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), instanceOf(info.Env()).cpu->pool().size());
}

}  // namespace flint
