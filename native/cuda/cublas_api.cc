#include "cublas_api.h"

#include <dlfcn.h>

#include <string>

#include "flint/status.h"
#include "runtime_library.h"

namespace flint {

namespace {

template <class Fn>
Fn symbol(void* library, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) throw Error(std::string("cuBLAS lacks the entry point ") + name);
  return reinterpret_cast<Fn>(address);
}

void checkStatus(cublasStatusCode status, const char* what) {
  if (status != kCublasSuccess) {
    throw Error(std::string("CUDA error: ") + what + " failed with cuBLAS status " + std::to_string(status));
  }
}

}  // namespace

CublasApi::CublasApi(cudaStream_t stream, void* workspace, size_t workspaceBytes) {
  std::string tried;
  // Newest first: a CUDA 13 toolkit ships libcublas.so.13. The unversioned name covers
  // toolkits whose only link is the development symlink.
  library_ = openRuntimeLibrary("FLINT_CUBLAS", {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}, &tried);
  if (library_ == nullptr) {
    throw Error("cuBLAS was not found (looked for " + tried +
                "set FLINT_CUBLAS to its path): matrix products on the GPU need libcublas from the CUDA toolkit");
  }
  try {
    using CreateFn = cublasStatusCode (*)(cublasHandle*);
    using SetStreamFn = cublasStatusCode (*)(cublasHandle, cudaStream_t);
    using SetMathModeFn = cublasStatusCode (*)(cublasHandle, int);
    using SetWorkspaceFn = cublasStatusCode (*)(cublasHandle, void*, size_t);
    auto setWorkspace = symbol<SetWorkspaceFn>(library_, "cublasSetWorkspace_v2");
    auto create = symbol<CreateFn>(library_, "cublasCreate_v2");
    auto setStream = symbol<SetStreamFn>(library_, "cublasSetStream_v2");
    auto setMathMode = symbol<SetMathModeFn>(library_, "cublasSetMathMode");
    destroy_ = symbol<DestroyFn>(library_, "cublasDestroy_v2");
    gemmEx_ = symbol<GemmExFn>(library_, "cublasGemmEx");
    gemmBatchedEx_ = symbol<GemmBatchedExFn>(library_, "cublasGemmStridedBatchedEx");
    checkStatus(create(&handle_), "cublasCreate");
    checkStatus(setStream(handle_, stream), "cublasSetStream");
    checkStatus(setWorkspace(handle_, workspace, workspaceBytes), "cublasSetWorkspace");
    // Default math: no TF32 unless a call asks for it through its compute type.
    checkStatus(setMathMode(handle_, kCublasDefaultMath), "cublasSetMathMode");
  } catch (...) {
    if (handle_ != nullptr && destroy_ != nullptr) destroy_(handle_);
    dlclose(library_);
    throw;
  }
}

CublasApi::~CublasApi() {
  if (handle_ != nullptr) destroy_(handle_);
  // The library stays loaded: cuBLAS registers state with the CUDA runtime that must
  // outlive any handle, and a second backend will want it again.
}

void CublasApi::gemmStridedBatched(int opA, int opB, int m, int n, int k, const void* alpha, const void* a,
                                   cudaDataType typeA, int lda, long long strideA, const void* b,
                                   cudaDataType typeB, int ldb, long long strideB, const void* beta, void* c,
                                   cudaDataType typeC, int ldc, long long strideC, int batch, int computeType) {
  cublasStatusCode status;
  if (batch == 1) {
    status = gemmEx_(handle_, opA, opB, m, n, k, alpha, a, typeA, lda, b, typeB, ldb, beta, c, typeC, ldc,
                     computeType, kCublasGemmDefault);
  } else {
    status = gemmBatchedEx_(handle_, opA, opB, m, n, k, alpha, a, typeA, lda, strideA, b, typeB, ldb, strideB, beta,
                            c, typeC, ldc, strideC, batch, computeType, kCublasGemmDefault);
  }
  checkStatus(status, batch == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx");
}

}  // namespace flint
