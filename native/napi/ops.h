// Declarations of the napi entry points, grouped by the file that defines them.
#pragma once
#include <napi.h>

namespace flint {

// ops.cc: kernels over views
Napi::Value Cast(const Napi::CallbackInfo& info);
Napi::Value Axpy(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value BinaryScalar(const Napi::CallbackInfo& info);
Napi::Value BinaryFlat(const Napi::CallbackInfo& info);
Napi::Value BinaryScalarFlat(const Napi::CallbackInfo& info);
Napi::Value Where(const Napi::CallbackInfo& info);
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value Gemm(const Napi::CallbackInfo& info);
Napi::Value IndexSelect(const Napi::CallbackInfo& info);
Napi::Value IndexPut(const Napi::CallbackInfo& info);
Napi::Value Gather(const Napi::CallbackInfo& info);
Napi::Value Scatter(const Napi::CallbackInfo& info);
Napi::Value Nonzero(const Napi::CallbackInfo& info);

// nn_ops.cc: fused softmax family and losses
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info);
Napi::Value CrossEntropy(const Napi::CallbackInfo& info);
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info);
Napi::Value LayerNorm(const Napi::CallbackInfo& info);
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info);
Napi::Value BiasActivation(const Napi::CallbackInfo& info);

// cuda.cc: devices other than the CPU
Napi::Value CudaLoad(const Napi::CallbackInfo& info);
Napi::Value DeviceName(const Napi::CallbackInfo& info);
Napi::Value Synchronize(const Napi::CallbackInfo& info);
Napi::Value CopyAcross(const Napi::CallbackInfo& info);
Napi::Value ReadAsync(const Napi::CallbackInfo& info);
Napi::Value SetBackendOption(const Napi::CallbackInfo& info);
Napi::Value ResetPeakMemory(const Napi::CallbackInfo& info);

// memory.cc: storages, host transfers, fills, random numbers, stats
Napi::Value Init(const Napi::CallbackInfo& info);
Napi::Value Alloc(const Napi::CallbackInfo& info);
Napi::Value Release(const Napi::CallbackInfo& info);
Napi::Value StorageBytes(const Napi::CallbackInfo& info);
Napi::Value FromBuffer(const Napi::CallbackInfo& info);
Napi::Value ToBuffer(const Napi::CallbackInfo& info);
Napi::Value Fill(const Napi::CallbackInfo& info);
Napi::Value FillRandom(const Napi::CallbackInfo& info);
Napi::Value ManualSeed(const Napi::CallbackInfo& info);
Napi::Value Stats(const Napi::CallbackInfo& info);
Napi::Value EmptyCache(const Napi::CallbackInfo& info);
Napi::Value SetNumThreads(const Napi::CallbackInfo& info);
Napi::Value GetNumThreads(const Napi::CallbackInfo& info);

}  // namespace flint
