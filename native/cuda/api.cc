// The library's one exported symbol: the table the addon drives it through.
#include <cstdio>
#include <string>

#include "cuda_backend.h"
#include "flint/abi.generated.h"
#include "flint/cuda_api.h"
#include "nccl_communicator.h"

namespace flint {
namespace {

void writeMessage(char* buffer, size_t length, const std::string& message) {
  if (buffer != nullptr && length > 0) std::snprintf(buffer, length, "%s", message.c_str());
}

int deviceCount(char* error, size_t errorLength) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    // With no driver installed the runtime says cudaErrorInsufficientDriver ("driver
    // version is insufficient"), which sends people to upgrade a driver they do not have;
    // cudaDriverGetVersion reports 0 then.
    int driver = 0;
    if (cudaDriverGetVersion(&driver) == cudaSuccess && driver == 0) {
      writeMessage(error, errorLength,
                   "no NVIDIA driver found (the CUDA runtime finds no libcuda.so.1): install the NVIDIA driver to use a GPU");
      return 0;
    }
    cudaGetLastError();
    writeMessage(error, errorLength, std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status));
    return 0;
  }
  if (count == 0) writeMessage(error, errorLength, "no CUDA device is visible");
  return count;
}

int deviceName(int device, char* name, size_t nameLength) {
  cudaDeviceProp props{};
  if (cudaGetDeviceProperties(&props, device) != cudaSuccess) {
    cudaGetLastError();
    return 1;
  }
  writeMessage(name, nameLength, props.name);
  return 0;
}

Backend* createBackend(int device, char* error, size_t errorLength) {
  try {
    return new CudaBackend(device);
  } catch (const std::exception& e) {
    writeMessage(error, errorLength, e.what());
    return nullptr;
  }
}

const CudaApi kApi{deviceCount, deviceName, createBackend, ncclCommApi};

}  // namespace
}  // namespace flint

extern "C" const char* flint_cuda_abi() { return flint::kAbiHash; }
extern "C" const flint::CudaApi* flint_cuda_api() { return &flint::kApi; }
