// Compiled only where cuBLAS's header exists (the GPU build): fails the build if our
// hand-written declarations in cublas_api.h ever disagree with cuBLAS's own.
#include <cublas_v2.h>

#include <type_traits>

#include "cublas_api.h"

namespace flint {
static_assert(CUBLAS_STATUS_SUCCESS == kCublasSuccess);
static_assert(CUBLAS_OP_N == kCublasOpN && CUBLAS_OP_T == kCublasOpT);
static_assert(CUBLAS_DEFAULT_MATH == kCublasDefaultMath);
static_assert(CUBLAS_COMPUTE_32F == kCublasComputeF32);
static_assert(CUBLAS_COMPUTE_32F_FAST_TF32 == kCublasComputeF32FastTF32);
static_assert(CUBLAS_COMPUTE_64F == kCublasComputeF64);
static_assert(CUBLAS_GEMM_DEFAULT == kCublasGemmDefault);
// cublasGemmEx is overloaded in C++ (its compute type may be cudaDataType too), so
// the check converts the C declaration we call to our pointer type.
static const auto kGemmEx = static_cast<cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                                           int, const void*, const void*, cudaDataType, int,
                                                           const void*, cudaDataType, int, const void*, void*,
                                                           cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t)>(
    &cublasGemmEx);
static_assert(sizeof(cublasOperation_t) == sizeof(int) && sizeof(cublasComputeType_t) == sizeof(int) &&
              sizeof(cublasGemmAlgo_t) == sizeof(int) && sizeof(cublasStatus_t) == sizeof(int));
}  // namespace flint
