// The C entry point of the CUDA backend's shared library (flint_cuda.so). The addon
// dlopens the library only when CUDA is asked for and reaches everything through this
// table, so the addon itself never links against CUDA.
#pragma once
#include <cstddef>
#include <cstdint>

#include "flint/backend.h"
#include "flint/communicator.h"

namespace flint {

// The addon calls this table only after the library's flint_cuda_abi() has matched its own
// ABI hash (flint/abi.generated.h), so the table and Backend's vtable have one layout.
struct CudaApi {
  // Devices usable now: 0 without a driver or a device, with the reason in `error`.
  int (*deviceCount)(char* error, size_t errorLength);
  // Writes the device's name; returns 0 on success.
  int (*deviceName)(int device, char* name, size_t nameLength);
  // Returns null, with the reason in `error`, when the device cannot be used.
  Backend* (*createBackend)(int device, char* error, size_t errorLength);
  // torch.distributed's NCCL communicator (loaded from libnccl.so.2 when a group connects).
  const CommApi* (*nccl)();
};

}  // namespace flint

extern "C" {
// The ABI hash the library was compiled with (flint::kAbiHash). Never throws.
__attribute__((visibility("default"))) const char* flint_cuda_abi();
// Never throws; returns null only when the library is broken.
__attribute__((visibility("default"))) const flint::CudaApi* flint_cuda_api();
}
