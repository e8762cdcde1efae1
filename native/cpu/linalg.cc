// LAPACK (OpenBLAS's, through its Fortran symbols) over batches of contiguous row-major
// matrices. Each matrix is copied into a column-major work buffer, factored there, and its
// results are copied out into the flint outputs, so LAPACK never sees a flint storage and
// every write is bounded by the shapes that kernels.generated.h checked. A failure LAPACK
// reports for a matrix (singular, not positive-definite, no convergence) is written to
// `info` for TypeScript to word as PyTorch does; only argument errors throw.
#include <algorithm>
#include <climits>
#include <cstddef>
#include <string>
#include <vector>

#include <cblas.h>

#include "cpu_backend.h"

extern "C" {
// The trailing size_t arguments are gfortran's hidden lengths of the character arguments.
void sgetrf_(const int*, const int*, float*, const int*, int*, int*);
void dgetrf_(const int*, const int*, double*, const int*, int*, int*);
void sgesv_(const int*, const int*, float*, const int*, int*, float*, const int*, int*);
void dgesv_(const int*, const int*, double*, const int*, int*, double*, const int*, int*);
void spotrf_(const char*, const int*, float*, const int*, int*, size_t);
void dpotrf_(const char*, const int*, double*, const int*, int*, size_t);
void sgeqrf_(const int*, const int*, float*, const int*, float*, float*, const int*, int*);
void dgeqrf_(const int*, const int*, double*, const int*, double*, double*, const int*, int*);
void sormqr_(const char*, const char*, const int*, const int*, const int*, const float*, const int*, const float*, float*,
             const int*, float*, const int*, int*, size_t, size_t);
void dormqr_(const char*, const char*, const int*, const int*, const int*, const double*, const int*, const double*,
             double*, const int*, double*, const int*, int*, size_t, size_t);
void sorgqr_(const int*, const int*, const int*, float*, const int*, const float*, float*, const int*, int*);
void dorgqr_(const int*, const int*, const int*, double*, const int*, const double*, double*, const int*, int*);
void ssyevd_(const char*, const char*, const int*, float*, const int*, float*, float*, const int*, int*, const int*, int*,
             size_t, size_t);
void dsyevd_(const char*, const char*, const int*, double*, const int*, double*, double*, const int*, int*, const int*,
             int*, size_t, size_t);
void sgesdd_(const char*, const int*, const int*, float*, const int*, float*, float*, const int*, float*, const int*,
             float*, const int*, int*, int*, size_t);
void dgesdd_(const char*, const int*, const int*, double*, const int*, double*, double*, const int*, double*,
             const int*, double*, const int*, int*, int*, size_t);
void sgelsy_(const int*, const int*, const int*, float*, const int*, float*, const int*, int*, const float*, int*,
             float*, const int*, int*);
void dgelsy_(const int*, const int*, const int*, double*, const int*, double*, const int*, int*, const double*, int*,
             double*, const int*, int*);
}

namespace flint {

namespace {

template <typename T>
struct Lapack;

#define FLINT_LAPACK_TRAITS(T, p)                                                                                 \
  template <>                                                                                                     \
  struct Lapack<T> {                                                                                              \
    static void getrf(int m, int n, T* a, int lda, int* ipiv, int* info) { p##getrf_(&m, &n, a, &lda, ipiv, info); } \
    static void gesv(int n, int k, T* a, int* ipiv, T* b, int* info) { p##gesv_(&n, &k, a, &n, ipiv, b, &n, info); } \
    static void potrf(char uplo, int n, T* a, int* info) { p##potrf_(&uplo, &n, a, &n, info, 1); }                \
    static void geqrf(int m, int n, T* a, T* tau, T* work, int lwork, int* info) {                               \
      p##geqrf_(&m, &n, a, &m, tau, work, &lwork, info);                                                         \
    }                                                                                                             \
    static void orgqr(int m, int n, int k, T* a, const T* tau, T* work, int lwork, int* info) {                  \
      p##orgqr_(&m, &n, &k, a, &m, tau, work, &lwork, info);                                                     \
    }                                                                                                             \
    static void ormqr(char side, char trans, int m, int n, int k, const T* a, int lda, const T* tau, T* c, int ldc,  \
                      T* work, int lwork, int* info) {                                                            \
      p##ormqr_(&side, &trans, &m, &n, &k, a, &lda, tau, c, &ldc, work, &lwork, info, 1, 1);                      \
    }                                                                                                             \
    static void syevd(char uplo, int n, T* a, T* w, T* work, int lwork, int* iwork, int liwork, int* info) {     \
      const char jobz = 'V';                                                                                      \
      p##syevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, info, 1, 1);                            \
    }                                                                                                             \
    static void gesdd(char jobz, int m, int n, T* a, T* s, T* u, int ldu, T* vt, int ldvt, T* work, int lwork,    \
                      int* iwork, int* info) {                                                                    \
      p##gesdd_(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);                       \
    }                                                                                                             \
    static void gelsy(int m, int n, int k, T* a, T* b, int ldb, int* jpvt, T rcond, int* rank, T* work,         \
                      int lwork, int* info) {                                                                     \
      p##gelsy_(&m, &n, &k, a, &m, b, &ldb, jpvt, &rcond, rank, work, &lwork, info);                              \
    }                                                                                                             \
  };
FLINT_LAPACK_TRAITS(float, s)
FLINT_LAPACK_TRAITS(double, d)
#undef FLINT_LAPACK_TRAITS

int lapackInt(int64_t n, const char* what) {
  if (n < 0 || n > INT_MAX / 2) throw Error(std::string(what) + ": a dimension does not fit LAPACK's 32-bit sizes");
  return (int)n;
}

void checkInfo(int info, const char* routine) {
  if (info < 0) throw Error(std::string(routine) + ": LAPACK reported an invalid argument " + std::to_string(-info));
}

// A workspace size from a query's answer (LAPACK returns it as a float).
template <typename T>
int workSize(T answer) {
  return std::max(1, (int)answer + 1);
}

// Row-major [rows, cols] at `src` into column-major (leading dimension ld) at `dst`, and back.
template <typename T>
void toColumns(const T* src, int64_t rows, int64_t cols, T* dst, int64_t ld) {
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) dst[i + j * ld] = src[i * cols + j];
}
template <typename T>
void fromColumns(const T* src, int64_t ld, int64_t rows, int64_t cols, T* dst) {
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) dst[i * cols + j] = src[i + j * ld];
}

template <typename T>
void identity(T* dst, int64_t n, int64_t cols) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < cols; j++) dst[i * cols + j] = i == j ? T(1) : T(0);
}

template <typename T>
void lu(const LinalgLuArgs& a) {
  const int64_t batch = a.input.shape[0], n = a.input.shape[1];
  const int ni = lapackInt(n, "linalg.lu_factor");
  std::vector<T> work(n * n);
  std::vector<int> ipiv(std::max<int64_t>(n, 1));
  for (int64_t b = 0; b < batch; b++) {
    toColumns((const T*)a.input.data + b * n * n, n, n, work.data(), n);
    int info = 0;
    if (n > 0) Lapack<T>::getrf(ni, ni, work.data(), std::max(ni, 1), ipiv.data(), &info);
    checkInfo(info, "getrf");
    fromColumns(work.data(), n, n, n, (T*)a.lu.data + b * n * n);
    for (int64_t i = 0; i < n; i++) ((T*)a.pivots.data)[b * n + i] = (T)ipiv[i];
    ((T*)a.info.data)[b] = (T)info;
  }
}

template <typename T>
void solve(const LinalgSolveArgs& a) {
  const int64_t batch = a.a.shape[0], n = a.a.shape[1], k = a.b.shape[2];
  const int ni = lapackInt(n, "linalg.solve"), ki = lapackInt(k, "linalg.solve");
  std::vector<T> am(n * n), bm(n * k);
  std::vector<int> ipiv(std::max<int64_t>(n, 1));
  for (int64_t b = 0; b < batch; b++) {
    toColumns((const T*)a.a.data + b * n * n, n, n, am.data(), n);
    toColumns((const T*)a.b.data + b * n * k, n, k, bm.data(), n);
    int info = 0;
    if (n > 0 && k > 0) Lapack<T>::gesv(ni, ki, am.data(), ipiv.data(), bm.data(), &info);
    else if (n > 0) Lapack<T>::getrf(ni, ni, am.data(), ni, ipiv.data(), &info);
    checkInfo(info, "gesv");
    fromColumns(bm.data(), n, n, k, (T*)a.out.data + b * n * k);
    ((T*)a.info.data)[b] = (T)info;
  }
}

template <typename T>
void cholesky(const LinalgCholeskyArgs& a) {
  const int64_t batch = a.input.shape[0], n = a.input.shape[1];
  const int ni = lapackInt(n, "linalg.cholesky");
  std::vector<T> work(n * n);
  for (int64_t b = 0; b < batch; b++) {
    toColumns((const T*)a.input.data + b * n * n, n, n, work.data(), n);
    int info = 0;
    if (n > 0) Lapack<T>::potrf('L', ni, work.data(), &info);
    checkInfo(info, "potrf");
    T* out = (T*)a.out.data + b * n * n;
    fromColumns(work.data(), n, n, n, out);
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) out[i * n + j] = T(0);
    ((T*)a.info.data)[b] = (T)info;
  }
}

template <typename T>
void qr(const LinalgQrArgs& a) {
  const int64_t batch = a.input.shape[0], m = a.input.shape[1], n = a.input.shape[2], c = a.q.shape[2];
  const int64_t k = std::min(m, n);
  if (c != k && c != m) throw Error("linalgQr: q must have min(M, N) or M columns");
  const int mi = lapackInt(m, "linalg.qr"), ni = lapackInt(n, "linalg.qr"), ci = lapackInt(c, "linalg.qr");
  const int ki = (int)k;
  // The factored matrix keeps max(N, C) columns so that orgqr can grow Q to M columns.
  const int64_t cols = std::max(n, c);
  std::vector<T> work(std::max<int64_t>(m * cols, 1)), tau(std::max<int64_t>(k, 1));
  for (int64_t b = 0; b < batch; b++) {
    std::fill(work.begin(), work.end(), T(0));
    toColumns((const T*)a.input.data + b * m * n, m, n, work.data(), m);
    T* r = (T*)a.r.data + b * c * n;
    T* q = (T*)a.q.data + b * m * c;
    if (k == 0) {
      std::fill(r, r + c * n, T(0));
      identity(q, m, c);
      continue;
    }
    int info = 0;
    T query{};
    Lapack<T>::geqrf(mi, ni, work.data(), tau.data(), &query, -1, &info);
    checkInfo(info, "geqrf");
    std::vector<T> scratch(workSize(query));
    Lapack<T>::geqrf(mi, ni, work.data(), tau.data(), scratch.data(), (int)scratch.size(), &info);
    checkInfo(info, "geqrf");
    for (int64_t i = 0; i < c; i++)
      for (int64_t j = 0; j < n; j++) r[i * n + j] = j >= i ? work[i + j * m] : T(0);
    Lapack<T>::orgqr(mi, ci, ki, work.data(), tau.data(), &query, -1, &info);
    checkInfo(info, "orgqr");
    scratch.resize(workSize(query));
    Lapack<T>::orgqr(mi, ci, ki, work.data(), tau.data(), scratch.data(), (int)scratch.size(), &info);
    checkInfo(info, "orgqr");
    fromColumns(work.data(), m, m, c, q);
  }
}

template <typename T>
void geqrf(const LinalgGeqrfArgs& a) {
  const int64_t batch = a.input.shape[0], m = a.input.shape[1], n = a.input.shape[2], k = std::min(m, n);
  if (a.tau.shape[1] != k) throw Error("linalgGeqrf: tau must have min(M, N) values");
  const int mi = lapackInt(m, "geqrf"), ni = lapackInt(n, "geqrf");
  std::vector<T> work(std::max<int64_t>(m * n, 1));
  for (int64_t b = 0; b < batch; b++) {
    toColumns((const T*)a.input.data + b * m * n, m, n, work.data(), m);
    if (k > 0) {
      int info = 0;
      T query{};
      T* tau = (T*)a.tau.data + b * k;
      Lapack<T>::geqrf(mi, ni, work.data(), tau, &query, -1, &info);
      checkInfo(info, "geqrf");
      std::vector<T> scratch(workSize(query));
      Lapack<T>::geqrf(mi, ni, work.data(), tau, scratch.data(), (int)scratch.size(), &info);
      checkInfo(info, "geqrf");
    }
    fromColumns(work.data(), m, m, n, (T*)a.a.data + b * m * n);
  }
}

template <typename T>
void ormqr(const LinalgOrmqrArgs& a) {
  const int64_t batch = a.c.shape[0], m = a.c.shape[1], n = a.c.shape[2];
  const int64_t r = a.a.shape[1], ka = a.a.shape[2], k = a.tau.shape[1];
  const int64_t nq = a.left ? m : n;
  if (r != nq) throw Error("linalgOrmqr: the reflectors must have as many rows as op(Q) has");
  if (k > ka || k > nq) throw Error("linalgOrmqr: tau has more values than there are reflectors");
  const int mi = lapackInt(m, "ormqr"), ni = lapackInt(n, "ormqr"), ki = lapackInt(k, "ormqr");
  const int lda = std::max(1, (int)r), ldc = std::max(1, mi);
  std::vector<T> reflectors(std::max<int64_t>(r * k, 1)), work(std::max<int64_t>(m * n, 1));
  const char side = a.left ? 'L' : 'R', trans = a.transpose ? 'T' : 'N';
  for (int64_t b = 0; b < batch; b++) {
    // Only the first K columns of `a` hold reflectors LAPACK reads.
    const T* src = (const T*)a.a.data + b * r * ka;
    for (int64_t i = 0; i < r; i++)
      for (int64_t j = 0; j < k; j++) reflectors[i + j * r] = src[i * ka + j];
    toColumns((const T*)a.c.data + b * m * n, m, n, work.data(), m);
    if (k > 0 && m > 0 && n > 0) {
      int info = 0;
      T query{};
      const T* tau = (const T*)a.tau.data + b * k;
      Lapack<T>::ormqr(side, trans, mi, ni, ki, reflectors.data(), lda, tau, work.data(), ldc, &query, -1, &info);
      checkInfo(info, "ormqr");
      std::vector<T> scratch(workSize(query));
      Lapack<T>::ormqr(side, trans, mi, ni, ki, reflectors.data(), lda, tau, work.data(), ldc, scratch.data(),
                       (int)scratch.size(), &info);
      checkInfo(info, "ormqr");
    }
    fromColumns(work.data(), m, m, n, (T*)a.out.data + b * m * n);
  }
}

template <typename T>
void eigh(const LinalgEighArgs& a) {
  const int64_t batch = a.input.shape[0], n = a.input.shape[1];
  const int ni = lapackInt(n, "linalg.eigh");
  std::vector<T> work(std::max<int64_t>(n * n, 1)), w(std::max<int64_t>(n, 1));
  for (int64_t b = 0; b < batch; b++) {
    toColumns((const T*)a.input.data + b * n * n, n, n, work.data(), n);
    int info = 0;
    if (n > 0) {
      T query{};
      int iquery = 0;
      Lapack<T>::syevd(a.upper ? 'U' : 'L', ni, work.data(), w.data(), &query, -1, &iquery, -1, &info);
      checkInfo(info, "syevd");
      std::vector<T> scratch(workSize(query));
      std::vector<int> iscratch(std::max(1, iquery));
      Lapack<T>::syevd(a.upper ? 'U' : 'L', ni, work.data(), w.data(), scratch.data(), (int)scratch.size(),
                       iscratch.data(), (int)iscratch.size(), &info);
      checkInfo(info, "syevd");
    }
    fromColumns(work.data(), n, n, n, (T*)a.vectors.data + b * n * n);
    std::copy(w.begin(), w.begin() + n, (T*)a.values.data + b * n);
    ((T*)a.info.data)[b] = (T)info;
  }
}

template <typename T>
void svd(const LinalgSvdArgs& a) {
  const int64_t batch = a.input.shape[0], m = a.input.shape[1], n = a.input.shape[2];
  const int64_t k = std::min(m, n), p = a.u.shape[2], q = a.vh.shape[1];
  if (a.s.shape[1] != k) throw Error("linalgSvd: s must have min(M, N) values");
  const bool full = !(p == k && q == k);
  if (full && !(p == m && q == n)) throw Error("linalgSvd: U and Vh must be reduced ([M, K], [K, N]) or full ([M, M], [N, N])");
  const int mi = lapackInt(m, "linalg.svd"), ni = lapackInt(n, "linalg.svd");
  std::vector<T> work(std::max<int64_t>(m * n, 1)), u(std::max<int64_t>(m * p, 1)), vt(std::max<int64_t>(q * n, 1));
  std::vector<int> iwork(std::max<int64_t>(8 * k, 1));
  for (int64_t b = 0; b < batch; b++) {
    T* uo = (T*)a.u.data + b * m * p;
    T* vo = (T*)a.vh.data + b * q * n;
    int info = 0;
    if (k == 0) {
      identity(uo, m, p);
      identity(vo, q, n);
      ((T*)a.info.data)[b] = 0;
      continue;
    }
    toColumns((const T*)a.input.data + b * m * n, m, n, work.data(), m);
    const char jobz = full ? 'A' : 'S';
    T* s = (T*)a.s.data + b * k;
    T query{};
    Lapack<T>::gesdd(jobz, mi, ni, work.data(), s, u.data(), mi, vt.data(), (int)q, &query, -1, iwork.data(), &info);
    checkInfo(info, "gesdd");
    std::vector<T> scratch(workSize(query));
    Lapack<T>::gesdd(jobz, mi, ni, work.data(), s, u.data(), mi, vt.data(), (int)q, scratch.data(), (int)scratch.size(),
                     iwork.data(), &info);
    checkInfo(info, "gesdd");
    fromColumns(u.data(), m, m, p, uo);
    fromColumns(vt.data(), q, q, n, vo);
    ((T*)a.info.data)[b] = (T)info;
  }
}

template <typename T>
void lstsq(const LinalgLstsqArgs& a) {
  const int64_t batch = a.a.shape[0], m = a.a.shape[1], n = a.a.shape[2], k = a.b.shape[2];
  const int mi = lapackInt(m, "linalg.lstsq"), ni = lapackInt(n, "linalg.lstsq"), ki = lapackInt(k, "linalg.lstsq");
  const int64_t ldb = std::max<int64_t>({m, n, 1});
  std::vector<T> am(std::max<int64_t>(m * n, 1)), bm(ldb * std::max<int64_t>(k, 1));
  std::vector<int> jpvt(std::max<int64_t>(n, 1));
  for (int64_t b = 0; b < batch; b++) {
    T* x = (T*)a.solution.data + b * n * k;
    int rank = 0, info = 0;
    if (m == 0 || n == 0 || k == 0) {
      std::fill(x, x + n * k, T(0));
      ((T*)a.rank.data)[b] = 0;
      continue;
    }
    toColumns((const T*)a.a.data + b * m * n, m, n, am.data(), m);
    std::fill(bm.begin(), bm.end(), T(0));
    toColumns((const T*)a.b.data + b * m * k, m, k, bm.data(), ldb);
    std::fill(jpvt.begin(), jpvt.end(), 0);
    T query{};
    Lapack<T>::gelsy(mi, ni, ki, am.data(), bm.data(), (int)ldb, jpvt.data(), (T)a.rcond, &rank, &query, -1, &info);
    checkInfo(info, "gelsy");
    std::vector<T> scratch(workSize(query));
    Lapack<T>::gelsy(mi, ni, ki, am.data(), bm.data(), (int)ldb, jpvt.data(), (T)a.rcond, &rank, scratch.data(),
                     (int)scratch.size(), &info);
    checkInfo(info, "gelsy");
    fromColumns(bm.data(), ldb, n, k, x);
    ((T*)a.rank.data)[b] = (T)rank;
  }
}

// Row-major trsm on flint's own buffers, as PyTorch's linalg.solve_triangular calls it for
// C-contiguous operands (the transposed column-major problem, which is what CBLAS's row-major
// form is): the same arithmetic, so the same bits.
void trsmRows(float* b, const float* m, int rows, int cols, int lda, CBLAS_SIDE side, CBLAS_UPLO uplo,
              CBLAS_TRANSPOSE trans, CBLAS_DIAG diag) {
  cblas_strsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0f, m, lda, b, std::max(1, cols));
}
void trsmRows(double* b, const double* m, int rows, int cols, int lda, CBLAS_SIDE side, CBLAS_UPLO uplo,
              CBLAS_TRANSPOSE trans, CBLAS_DIAG diag) {
  cblas_dtrsm(CblasRowMajor, side, uplo, trans, diag, rows, cols, 1.0, m, lda, b, std::max(1, cols));
}

template <typename T>
void trsm(const LinalgTrsmArgs& a) {
  const int64_t batch = a.b.shape[0], m = a.b.shape[1], n = a.b.shape[2], k = a.a.shape[1];
  if (k != (a.left ? m : n)) throw Error("linalgTrsm: A must be as wide as B's rows (left) or columns (right)");
  const int mi = lapackInt(m, "trsm"), ni = lapackInt(n, "trsm"), lda = std::max(1, lapackInt(k, "trsm"));
  const CBLAS_SIDE side = a.left ? CblasLeft : CblasRight;
  const CBLAS_UPLO uplo = a.upper ? CblasUpper : CblasLower;
  const CBLAS_TRANSPOSE trans = a.transpose ? CblasTrans : CblasNoTrans;
  const CBLAS_DIAG diag = a.unitriangular ? CblasUnit : CblasNonUnit;
  for (int64_t i = 0; i < batch; i++) {
    T* x = (T*)a.out.data + i * m * n;
    std::copy_n((const T*)a.b.data + i * m * n, m * n, x);
    if (m > 0 && n > 0) trsmRows(x, (const T*)a.a.data + i * k * k, mi, ni, lda, side, uplo, trans, diag);
  }
}

}  // namespace

#define FLINT_LINALG_DISPATCH(name, Args, fn, view)           \
  void CpuBackend::name##Run(const Args& args) {           \
    if (args.view.dtype == DType::Float64) fn<double>(args); \
    else fn<float>(args);                                    \
  }
FLINT_LINALG_DISPATCH(linalgLu, LinalgLuArgs, lu, input)
FLINT_LINALG_DISPATCH(linalgSolve, LinalgSolveArgs, solve, a)
FLINT_LINALG_DISPATCH(linalgCholesky, LinalgCholeskyArgs, cholesky, input)
FLINT_LINALG_DISPATCH(linalgQr, LinalgQrArgs, qr, input)
FLINT_LINALG_DISPATCH(linalgGeqrf, LinalgGeqrfArgs, geqrf, input)
FLINT_LINALG_DISPATCH(linalgOrmqr, LinalgOrmqrArgs, ormqr, c)
FLINT_LINALG_DISPATCH(linalgTrsm, LinalgTrsmArgs, trsm, b)
FLINT_LINALG_DISPATCH(linalgEigh, LinalgEighArgs, eigh, input)
FLINT_LINALG_DISPATCH(linalgSvd, LinalgSvdArgs, svd, input)
FLINT_LINALG_DISPATCH(linalgLstsq, LinalgLstsqArgs, lstsq, a)
#undef FLINT_LINALG_DISPATCH

}  // namespace flint
