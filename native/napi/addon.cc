// The export table, and the one place where native exceptions become JS Errors.
#include <napi.h>

#include "ops.h"
#include "flint/status.h"

namespace flint {

namespace {

using Entry = Napi::Value (*)(const Napi::CallbackInfo&);

template <Entry fn>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(info.Env(), error.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), "unknown native error");
  }
}

template <Entry fn>
void exportFunction(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, guarded<fn>, name));
}

}  // namespace

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exportFunction<Init>(env, exports, "init");
  exportFunction<Alloc>(env, exports, "alloc");
  exportFunction<Release>(env, exports, "release");
  exportFunction<StorageBytes>(env, exports, "storageBytes");
  exportFunction<FromBuffer>(env, exports, "fromBuffer");
  exportFunction<ToBuffer>(env, exports, "toBuffer");
  exportFunction<Fill>(env, exports, "fill");
  exportFunction<FillRandom>(env, exports, "fillRandom");
  exportFunction<ManualSeed>(env, exports, "manualSeed");
  exportFunction<Stats>(env, exports, "stats");
  exportFunction<EmptyCache>(env, exports, "emptyCache");
  exportFunction<SetNumThreads>(env, exports, "setNumThreads");
  exportFunction<GetNumThreads>(env, exports, "getNumThreads");
  exportFunction<Cast>(env, exports, "cast");
  exportFunction<Axpy>(env, exports, "axpy");
  exportFunction<Unary>(env, exports, "unary");
  exportFunction<Binary>(env, exports, "binary");
  exportFunction<BinaryScalar>(env, exports, "binaryScalar");
  exportFunction<BinaryFlat>(env, exports, "binaryFlat");
  exportFunction<BinaryScalarFlat>(env, exports, "binaryScalarFlat");
  exportFunction<Where>(env, exports, "where");
  exportFunction<Reduce>(env, exports, "reduce");
  exportFunction<Gemm>(env, exports, "gemm");
  exportFunction<IndexSelect>(env, exports, "indexSelect");
  exportFunction<IndexPut>(env, exports, "indexPut");
  exportFunction<Gather>(env, exports, "gather");
  exportFunction<Scatter>(env, exports, "scatter");
  exportFunction<Nonzero>(env, exports, "nonzero");
  exportFunction<Softmax>(env, exports, "softmax");
  exportFunction<SoftmaxBackward>(env, exports, "softmaxBackward");
  exportFunction<CrossEntropy>(env, exports, "crossEntropy");
  exportFunction<CrossEntropyBackward>(env, exports, "crossEntropyBackward");
  exportFunction<LayerNorm>(env, exports, "layerNorm");
  exportFunction<LayerNormBackward>(env, exports, "layerNormBackward");
  exportFunction<BiasActivation>(env, exports, "biasActivation");
  exportFunction<CudaLoad>(env, exports, "cudaLoad");
  exportFunction<DeviceName>(env, exports, "deviceName");
  exportFunction<Synchronize>(env, exports, "synchronize");
  exportFunction<CopyAcross>(env, exports, "copyAcross");
  exportFunction<ReadAsync>(env, exports, "readAsync");
  exportFunction<SetBackendOption>(env, exports, "setBackendOption");
  exportFunction<ResetPeakMemory>(env, exports, "resetPeakMemory");
  return exports;
}

}  // namespace flint

static Napi::Object InitFlint(Napi::Env env, Napi::Object exports) { return flint::InitModule(env, exports); }

NODE_API_MODULE(flint, InitFlint)
