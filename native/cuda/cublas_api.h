// cuBLAS, reached through dlopen instead of linking. Why: the machines that build flint
// (CI among them) have nvcc and cudart but no cuBLAS, and a machine that runs flint on
// the CPU only must not need it either. So we declare the few entry points we call, with
// cuBLAS's own ABI, and resolve them when the first matrix product runs on a GPU.
// `cublas_abi_check.cc` checks these declarations against the real header wherever
// the header exists (the GPU build), so that they cannot drift.
#pragma once
#include <cuda_runtime_api.h>
#include <library_types.h>

#include <string>

namespace flint {

// The subset of cuBLAS's types and constants we use, with cuBLAS's values.
using cublasHandle = struct cublasContext*;
using cublasStatusCode = int;
constexpr cublasStatusCode kCublasSuccess = 0;
constexpr int kCublasOpN = 0, kCublasOpT = 1;             // cublasOperation_t
constexpr int kCublasDefaultMath = 0;                      // cublasMath_t
constexpr int kCublasComputeF32 = 68;                      // CUBLAS_COMPUTE_32F
constexpr int kCublasComputeF32FastTF32 = 77;              // CUBLAS_COMPUTE_32F_FAST_TF32
constexpr int kCublasComputeF64 = 70;                      // CUBLAS_COMPUTE_64F
constexpr int kCublasGemmDefault = -1;                     // CUBLAS_GEMM_DEFAULT

class CublasApi {
 public:
  // Loads libcublas and creates a handle bound to `stream`. Throws flint::Error that
  // says which library was looked for when it is missing.
  CublasApi(cudaStream_t stream, void* workspace, size_t workspaceBytes);
  ~CublasApi();
  CublasApi(const CublasApi&) = delete;
  CublasApi& operator=(const CublasApi&) = delete;

  // Column-major C = alpha op(A) op(B) + beta C over `batch` matrices, with
  // per-matrix strides in elements (0 broadcasts). `computeType` is one of the
  // kCublasCompute* values; alpha/beta point at float (F32 compute) or double (F64).
  void gemmStridedBatched(int opA, int opB, int m, int n, int k, const void* alpha, const void* a,
                          cudaDataType typeA, int lda, long long strideA, const void* b, cudaDataType typeB,
                          int ldb, long long strideB, const void* beta, void* c, cudaDataType typeC, int ldc,
                          long long strideC, int batch, int computeType);

 private:
  void* library_ = nullptr;
  cublasHandle handle_ = nullptr;
  using DestroyFn = cublasStatusCode (*)(cublasHandle);
  using GemmExFn = cublasStatusCode (*)(cublasHandle, int, int, int, int, int, const void*, const void*, cudaDataType,
                                        int, const void*, cudaDataType, int, const void*, void*, cudaDataType, int,
                                        int, int);
  using GemmBatchedExFn = cublasStatusCode (*)(cublasHandle, int, int, int, int, int, const void*, const void*,
                                               cudaDataType, int, long long, const void*, cudaDataType, int,
                                               long long, const void*, void*, cudaDataType, int, long long, int,
                                               int, int);
  DestroyFn destroy_ = nullptr;
  GemmExFn gemmEx_ = nullptr;
  GemmBatchedExFn gemmBatchedEx_ = nullptr;
};

}  // namespace flint
