// Storage lifetime, host transfers, fills, random numbers and allocator statistics.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#include <string>
#include <thread>

#include "arguments.h"
#include "entries.generated.h"
#include "flint/abi.generated.h"

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

namespace entry {

Napi::Value init(Napi::Env env, InitCall& call) {
  AddonInstance* instance = env.GetInstanceData<AddonInstance>();
  if (instance == nullptr) {
    instance = new AddonInstance();
    env.SetInstanceData<AddonInstance>(instance);
  }
  setHostAllowance(*instance);
  if (!call.meta.IsTypedArray() || call.meta.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Error("init: meta must be a Float64Array");
  }
  Napi::Float64Array meta = call.meta.As<Napi::Float64Array>();
  instance->metaRef = Napi::Persistent(meta);
  instance->meta = meta.Data();
  instance->metaLength = meta.ElementLength();
  int threads = (int)std::min<int64_t>(call.threads, 1024);
  if (threads <= 0) threads = ThreadPool::availableCpus();
  if (instance->cpu == nullptr) instance->cpu = new CpuBackend(threads);
  Napi::Object result = Napi::Object::New(env);
  result.Set("threads", instance->cpu->pool().size());
  result.Set("enums", enumTable(env));
  result.Set("abi", kAbiHash);
  return result;
}

Napi::Value alloc(Napi::Env env, AllocCall& call) {
  const double nbytes = call.nbytes;
  if (!(nbytes >= 0) || nbytes != std::floor(nbytes)) throw Error("alloc: invalid byte count " + std::to_string(nbytes));
  // Past 2^53 a double no longer counts bytes exactly, and no machine has that much.
  if (nbytes > 9.0e15) {
    throw OutOfMemory("can't allocate memory: you tried to allocate " + std::to_string((uint64_t)nbytes) + " bytes.");
  }
  return outputHandle(env, call.recycle, call.device->allocate((size_t)nbytes));
}

// Frees now; the finalizer then has nothing left to do.
Napi::Value release(Napi::Env env, ReleaseCall& call) {
  if (!call.handle.IsExternal()) throw Error("release: expected a storage handle");
  releaseHandle(env, call.handle.As<Napi::External<StorageHandle>>().Data());
  return env.Undefined();
}

Napi::Value storageBytes(Napi::Env env, StorageBytesCall& call) {
  return Napi::Number::New(env, (double)call.handle->nbytes);
}

Napi::Value storageDevice(Napi::Env env, StorageDeviceCall& call) {
  const Storage* storage = call.handle;
  const bool cuda = storage->backend->type() == DeviceType::CUDA;
  return Napi::Number::New(env, cuda ? 1 + storage->deviceIndex : 0);
}

// Copies a contiguous host array into the view, converting dtypes on the way.
void fromBuffer(FromBufferCall& call) {
  Storage* storage = call.out.storage;
  const TensorView out = call.out.view;
  const Napi::TypedArray source = call.source;
  const DType sourceDtype = call.sourceDtype;
  TensorView in = out;
  // Host bytes of a bool array may be anything; read as a C++ bool, a byte other than 0 or
  // 1 is undefined behaviour. Read as uint8 they convert to bool as `!= 0`, as PyTorch's
  // loads behave.
  in.dtype = sourceDtype == DType::Bool ? DType::UInt8 : sourceDtype;
  FLINT_CHECK((int64_t)source.ByteLength() >= out.numel() * (int64_t)in.itemsize(), "fromBuffer: source too short");
  const char* hostData = (const char*)source.ArrayBuffer().Data() + source.ByteOffset();
  int64_t stride = 1;
  for (int d = in.ndim - 1; d >= 0; d--) {
    in.strides[d] = stride;
    stride *= in.shape[d];
  }
  if (storage->backend->type() == DeviceType::CPU) {
    CpuBackend& cpu = *instanceOf(source.Env()).cpu;
    if (cpu.isAsync()) {
      // The cast runs in the queue, after this call has returned and the JS array may have
      // changed: it reads a copy of the bytes, which the queued task keeps alive.
      const size_t nbytes = (size_t)out.numel() * in.itemsize();
      auto bytes = std::make_shared<std::vector<char>>(hostData, hostData + nbytes);
      in.data = bytes->data();  // operator new's alignment suits every element type
      cpu.enqueue("fromBuffer", [&cpu, out, in, bytes] { cpu.cast(out, in); });
      return;
    }
    // A typed view of a Buffer slice can start at any byte; the kernels load whole
    // elements, so an unaligned source is first copied somewhere aligned.
    if ((uintptr_t)hostData % in.itemsize() != 0) {
      const size_t nbytes = (size_t)out.numel() * in.itemsize();
      StagingStorage aligned(*storage->backend, nbytes);
      if (nbytes > 0) std::memcpy(aligned.storage->data, hostData, nbytes);
      in.data = (char*)aligned.storage->data;
      storage->backend->cast(out, in);
      return;
    }
    in.data = (char*)hostData;
    storage->backend->cast(out, in);
    return;
  }
  // A device cannot read host memory in a kernel: stage the bytes on the device, then
  // convert there.
  const size_t nbytes = (size_t)out.numel() * in.itemsize();
  StagingStorage staging(*storage->backend, nbytes);
  storage->backend->copyFromHost(staging.storage, 0, hostData, nbytes);
  in.data = (char*)staging.storage->data;
  storage->backend->cast(out, in);
}

// An ArrayBuffer holding the view's elements, contiguous.
Napi::Value toBuffer(Napi::Env env, ToBufferCall& call) {
  Storage* storage = call.input.storage;
  const TensorView in = call.input.view;
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

void fill(FillCall& call) { call.backend->fill(call.out.view, call.value); }

void fillRandom(FillRandomCall& call) {
  Backend& backend = *call.backend;
  switch (call.kind) {
    case RandomKind::Uniform: backend.fillUniform(call.out.view, call.p0, call.p1); return;
    case RandomKind::Normal: backend.fillNormal(call.out.view, call.p0, call.p1); return;
    case RandomKind::Integers:
      backend.fillRandomInt(call.out.view, wholeNumber(call.p0, "random_: from"), wholeNumber(call.p1, "random_: to"));
      return;
    case RandomKind::Bernoulli: backend.fillBernoulli(call.out.view, call.p0); return;
    case RandomKind::Full: backend.fillRandomFull(call.out.view); return;
    case RandomKind::Permutation: backend.fillPermutation(call.out.view); return;
  }
  throw Error("fillRandom: unknown distribution");
}

// manualSeed(deviceCode, seed): -1 seeds every device, including CUDA devices whose
// backend starts later (AddonInstance::backend applies the stored seed).
Napi::Value manualSeed(Napi::Env env, ManualSeedCall& call) {
  AddonInstance& instance = instanceOf(env);
  const uint64_t seed = call.seed;
  if (call.deviceCode != -1) {
    instance.backend((int)call.deviceCode).manualSeed(seed);
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

Napi::Value getRngState(Napi::Env env, GetRngStateCall& call) {
  const std::vector<uint8_t> bytes = call.device->rngState();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes.size());
  std::memcpy(buffer.Data(), bytes.data(), bytes.size());
  return buffer;
}

Napi::Value setRngState(Napi::Env env, SetRngStateCall& call) {
  call.device->setRngState((const uint8_t*)call.state.ArrayBuffer().Data() + call.state.ByteOffset(),
                           call.state.ByteLength());
  return env.Undefined();
}

// stats(deviceCode) -> { storages, allocatedBytes, peakAllocatedBytes, cachedBytes, reservedBytes, externalBytes }
Napi::Value stats(Napi::Env env, StatsCall& call) {
  AddonInstance& instance = instanceOf(env);
  const MemoryInfo memory = call.device->memoryInfo();
  Napi::Object result = Napi::Object::New(env);
  result.Set("storages", (double)memory.liveStorages);
  result.Set("allocatedBytes", (double)memory.allocatedBytes);
  result.Set("peakAllocatedBytes", (double)memory.peakAllocatedBytes);
  result.Set("cachedBytes", (double)(memory.reservedBytes - memory.allocatedBytes));
  result.Set("reservedBytes", (double)memory.reservedBytes);
  result.Set("externalBytes", (double)instance.externalBytes);
  return result;
}

void emptyCache(EmptyCacheCall& call) { call.device->emptyCache(); }

Napi::Value setNumThreads(Napi::Env env, SetNumThreadsCall& call) {
  FLINT_CHECK(call.threads >= 1 && call.threads <= 1024, "set_num_threads expects a positive integer");
  instanceOf(env).cpu->setThreads((int)call.threads);
  return env.Undefined();
}

Napi::Value getNumThreads(Napi::Env env, GetNumThreadsCall&) {
  return Napi::Number::New(env, instanceOf(env).cpu->pool().size());
}

Napi::Value setAsyncCpu(Napi::Env env, SetAsyncCpuCall& call) {
  instanceOf(env).cpu->setAsync(call.enabled);
  return env.Undefined();
}

Napi::Value asyncCpuPending(Napi::Env env, AsyncCpuPendingCall&) {
  return Napi::Number::New(env, (double)instanceOf(env).cpu->pendingTasks());
}

}  // namespace entry
}  // namespace flint
