// The C entry point of the CUDA backend's shared library (flint_cuda.so). The addon
// dlopens the library only when CUDA is asked for and reaches everything through this
// table, so the addon itself never links against CUDA.
#pragma once
#include <cstddef>
#include <cstdint>

#include "flint/backend.h"

namespace flint {

// Bumped whenever this table or Backend's virtual interface changes, so that an addon
// never drives a library built against another layout.
constexpr int kCudaApiVersion = 2;

struct CudaApi {
  int version;
  // Devices usable now: 0 without a driver or a device, with the reason in `error`.
  int (*deviceCount)(char* error, size_t errorLength);
  // Writes the device's name; returns 0 on success.
  int (*deviceName)(int device, char* name, size_t nameLength);
  // Returns null, with the reason in `error`, when the device cannot be used.
  Backend* (*createBackend)(int device, char* error, size_t errorLength);
};

}  // namespace flint

extern "C" {
// Never throws; returns null only when the library is broken.
__attribute__((visibility("default"))) const flint::CudaApi* flint_cuda_api();
}
