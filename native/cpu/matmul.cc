// Matrix products. float32/float64 go to OpenBLAS with transposes passed as flags; the
// integer dtypes (which BLAS does not cover) use a plain i-k-j loop.
#include <cblas.h>

#include <string>

#include "cpu_backend.h"

namespace flint {

namespace {

template <class T>
void integerGemm(const GemmArgs& g) {
  for (int64_t batch = 0; batch < g.batch; batch++) {
    const T* a = (const T*)g.a + batch * g.strideA;
    const T* b = (const T*)g.b + batch * g.strideB;
    T* c = (T*)g.c + batch * g.strideC;
    for (int64_t i = 0; i < g.m; i++) {
      T* crow = c + i * g.ldc;
      for (int64_t j = 0; j < g.n; j++) crow[j] = g.beta == 0 ? T(0) : T(crow[j] * (T)g.beta);
      for (int64_t p = 0; p < g.k; p++) {
        T av = g.transA ? a[p * g.lda + i] : a[i * g.lda + p];
        av = T(av * (T)g.alpha);
        for (int64_t j = 0; j < g.n; j++) {
          T bv = g.transB ? b[j * g.ldb + p] : b[p * g.ldb + j];
          crow[j] = T(crow[j] + av * bv);
        }
      }
    }
  }
}

}  // namespace

void cpuGemm(const GemmArgs& g) {
  FLINT_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0 && g.batch >= 0, "gemm: negative size");
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  const CBLAS_TRANSPOSE ta = g.transA ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = g.transB ? CblasTrans : CblasNoTrans;
  // BLAS rejects leading dimensions below the row length even when a dimension is 1.
  const int64_t minLda = g.transA ? g.m : g.k, minLdb = g.transB ? g.k : g.n;
  const blasint lda = (blasint)std::max<int64_t>({g.lda, minLda, 1});
  const blasint ldb = (blasint)std::max<int64_t>({g.ldb, minLdb, 1});
  const blasint ldc = (blasint)std::max<int64_t>({g.ldc, g.n, 1});
  switch (g.dtype) {
    case DType::Float32:
      for (int64_t batch = 0; batch < g.batch; batch++) {
        cblas_sgemm(CblasRowMajor, ta, tb, (blasint)g.m, (blasint)g.n, (blasint)g.k, (float)g.alpha,
                    (const float*)g.a + batch * g.strideA, lda, (const float*)g.b + batch * g.strideB, ldb,
                    (float)g.beta, (float*)g.c + batch * g.strideC, ldc);
      }
      return;
    case DType::Float64:
      for (int64_t batch = 0; batch < g.batch; batch++) {
        cblas_dgemm(CblasRowMajor, ta, tb, (blasint)g.m, (blasint)g.n, (blasint)g.k, g.alpha,
                    (const double*)g.a + batch * g.strideA, lda, (const double*)g.b + batch * g.strideB, ldb,
                    g.beta, (double*)g.c + batch * g.strideC, ldc);
      }
      return;
    case DType::Int64: return integerGemm<int64_t>(g);
    case DType::Int32: return integerGemm<int32_t>(g);
    case DType::UInt8: return integerGemm<uint8_t>(g);
    default:
      throw Error(std::string("\"addmm\" not implemented for '") + dtypeName(g.dtype) + "'");
  }
}

}  // namespace flint
