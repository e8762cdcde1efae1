// Matrix products. float32/float64 go to OpenBLAS with transposes passed as flags, split
// across the pool in bands (pooledBlas); the integer dtypes (which BLAS does not cover) use a
// plain i-k-j loop.
#include <cblas.h>
#if defined(__SSE2__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

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

// One or two rows times a transposed weight (Linear's `x @ W.t()` on a batch of 1–2 rows).
// OpenBLAS packs the whole of B on every call, which for a 2x20 @ 20x256 product costs
// about 10 µs for 10 K multiply-adds; dot products over contiguous rows take under 1 µs.
// float32 runs four dots at a time in four-float lanes (SSE on x86-64, NEON on arm64, both
// in their baseline); float64 keeps four partial sums in flight. Every lane multiplies and
// then adds (no fused multiply-add), and the lanes are summed in one order, so the two
// baselines give the same bits. An x86-64 processor with AVX2 and FMA runs eight-float lanes
// with fused multiply-adds instead (smallRowsAvx2, about 1.6x faster on seed_mlp's two
// products), which rounds differently, as PyTorch's kernels differ by CPU capability.
#if defined(__SSE2__)
using Float4 = __m128;
inline Float4 float4Zero() { return _mm_setzero_ps(); }
inline Float4 float4Load(const float* p) { return _mm_loadu_ps(p); }
inline Float4 float4MulAdd(Float4 acc, Float4 a, Float4 b) { return _mm_add_ps(acc, _mm_mul_ps(a, b)); }
inline void float4Store(float* p, Float4 v) { _mm_storeu_ps(p, v); }
// out[q] = (sq[0] + sq[1]) + (sq[2] + sq[3]) for the four accumulators s0..s3
inline Float4 float4LaneSums(Float4 s0, Float4 s1, Float4 s2, Float4 s3) {
  _MM_TRANSPOSE4_PS(s0, s1, s2, s3);
  return _mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3));
}
#elif defined(__aarch64__)
using Float4 = float32x4_t;
inline Float4 float4Zero() { return vdupq_n_f32(0.0f); }
inline Float4 float4Load(const float* p) { return vld1q_f32(p); }
inline Float4 float4MulAdd(Float4 acc, Float4 a, Float4 b) { return vaddq_f32(acc, vmulq_f32(a, b)); }
inline void float4Store(float* p, Float4 v) { vst1q_f32(p, v); }
inline Float4 float4LaneSums(Float4 s0, Float4 s1, Float4 s2, Float4 s3) {
  return vpaddq_f32(vpaddq_f32(s0, s1), vpaddq_f32(s2, s3));
}
#else
struct Float4 {
  float v[4];
};
inline Float4 float4Zero() { return {{0, 0, 0, 0}}; }
inline Float4 float4Load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
inline Float4 float4MulAdd(Float4 acc, Float4 a, Float4 b) {
  for (int q = 0; q < 4; q++) acc.v[q] += a.v[q] * b.v[q];
  return acc;
}
inline void float4Store(float* p, Float4 v) {
  for (int q = 0; q < 4; q++) p[q] = v.v[q];
}
inline Float4 float4LaneSums(Float4 s0, Float4 s1, Float4 s2, Float4 s3) {
  const Float4* s[4] = {&s0, &s1, &s2, &s3};
  Float4 out;
  for (int q = 0; q < 4; q++) out.v[q] = (s[q]->v[0] + s[q]->v[1]) + (s[q]->v[2] + s[q]->v[3]);
  return out;
}
#endif

// Four dots at once, a · b[0..3] over k floats, with one horizontal reduction per four
// outputs instead of one per output.
inline void dot4Float(const float* a, const float* b0, const float* b1, const float* b2, const float* b3, int64_t k,
                      float* out) {
  Float4 s0 = float4Zero(), s1 = float4Zero(), s2 = float4Zero(), s3 = float4Zero();
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const Float4 av = float4Load(a + p);
    s0 = float4MulAdd(s0, av, float4Load(b0 + p));
    s1 = float4MulAdd(s1, av, float4Load(b1 + p));
    s2 = float4MulAdd(s2, av, float4Load(b2 + p));
    s3 = float4MulAdd(s3, av, float4Load(b3 + p));
  }
  float4Store(out, float4LaneSums(s0, s1, s2, s3));
  for (; p < k; p++) {
    out[0] += a[p] * b0[p];
    out[1] += a[p] * b1[p];
    out[2] += a[p] * b2[p];
    out[3] += a[p] * b3[p];
  }
}

inline float dotFloat(const float* a, const float* b, int64_t k) {
  Float4 acc = float4Zero();
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) acc = float4MulAdd(acc, float4Load(a + p), float4Load(b + p));
  float lanes[4];
  float4Store(lanes, acc);
  float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; p < k; p++) sum += a[p] * b[p];
  return sum;
}

// What beta multiplies for row i: C's row, or the bias's (GemmArgs::bias), as a row
// pointer and its element step.
template <class T>
inline const T* priorRow(const GemmArgs& g, T* crow, int64_t i, int64_t& step) {
  if (g.bias == nullptr) {
    step = 1;
    return crow;
  }
  step = g.biasStrideN;
  return (const T*)g.bias + i * g.biasStrideM;
}

template <class T>
void smallRowsTransB(const GemmArgs& g) {
  for (int64_t batch = 0; batch < g.batch; batch++) {
    const T* a = (const T*)g.a + batch * g.strideA;
    const T* b = (const T*)g.b + batch * g.strideB;
    T* c = (T*)g.c + batch * g.strideC;
    for (int64_t i = 0; i < g.m; i++) {
      const T* arow = a + i * g.lda;
      T* crow = c + i * g.ldc;
      int64_t step;
      const T* prior = priorRow<T>(g, crow, i, step);
      int64_t j = 0;
      if constexpr (std::is_same_v<T, float>) {
        for (; j + 4 <= g.n; j += 4) {
          float dots[4];
          const float* bj = b + j * g.ldb;
          dot4Float(arow, bj, bj + g.ldb, bj + 2 * g.ldb, bj + 3 * g.ldb, g.k, dots);
          for (int q = 0; q < 4; q++) {
            crow[j + q] = (float)g.alpha * dots[q] + (g.beta == 0 ? 0.0f : (float)g.beta * prior[(j + q) * step]);
          }
        }
        for (; j < g.n; j++) {
          const float dot = dotFloat(arow, b + j * g.ldb, g.k);
          crow[j] = (float)g.alpha * dot + (g.beta == 0 ? 0.0f : (float)g.beta * prior[j * step]);
        }
        continue;
      }
      for (; j < g.n; j++) {
        const T* brow = b + j * g.ldb;
        T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t p = 0;
        for (; p + 4 <= g.k; p += 4) {
          s0 += arow[p] * brow[p];
          s1 += arow[p + 1] * brow[p + 1];
          s2 += arow[p + 2] * brow[p + 2];
          s3 += arow[p + 3] * brow[p + 3];
        }
        for (; p < g.k; p++) s0 += arow[p] * brow[p];
        const T dot = (s0 + s1) + (s2 + s3);
        crow[j] = (T)g.alpha * dot + (g.beta == 0 ? T(0) : (T)g.beta * prior[j * step]);
      }
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FLINT_SMALL_ROWS_AVX2 1
// The four dots' eight-lane sums, as four floats.
__attribute__((target("avx2,fma"))) inline __m128 laneSums8(__m256 s0, __m256 s1, __m256 s2, __m256 s3) {
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}
__attribute__((target("avx2,fma"))) inline float laneSum8(__m256 s) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  x = _mm_hadd_ps(x, x);
  x = _mm_hadd_ps(x, x);
  return _mm_cvtss_f32(x);
}
// smallRowsTransB<float> in eight-float lanes with fused multiply-adds. The last k % 8
// elements are read with a masked load, which touches no memory in its masked-off lanes,
// so no row is read past its end.
__attribute__((target("avx2,fma"))) void smallRowsAvx2(const GemmArgs& g) {
  const int64_t k8 = g.k & ~int64_t(7);
  const int64_t rest = g.k - k8;
  alignas(32) static const int32_t kMaskSource[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i mask = _mm256_loadu_si256((const __m256i*)(kMaskSource + 8 - rest));
  const float alpha = (float)g.alpha, beta = (float)g.beta;
  for (int64_t batch = 0; batch < g.batch; batch++) {
    const float* a = (const float*)g.a + batch * g.strideA;
    const float* b = (const float*)g.b + batch * g.strideB;
    float* c = (float*)g.c + batch * g.strideC;
    for (int64_t i = 0; i < g.m; i++) {
      const float* arow = a + i * g.lda;
      float* crow = c + i * g.ldc;
      int64_t step;
      const float* prior = priorRow<float>(g, crow, i, step);
      int64_t j = 0;
      for (; j + 4 <= g.n; j += 4) {
        const float* b0 = b + j * g.ldb;
        const float *b1 = b0 + g.ldb, *b2 = b1 + g.ldb, *b3 = b2 + g.ldb;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int64_t p = 0; p < k8; p += 8) {
          const __m256 av = _mm256_loadu_ps(arow + p);
          s0 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b0 + p), s0);
          s1 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b1 + p), s1);
          s2 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b2 + p), s2);
          s3 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b3 + p), s3);
        }
        if (rest != 0) {
          const __m256 av = _mm256_maskload_ps(arow + k8, mask);
          s0 = _mm256_fmadd_ps(av, _mm256_maskload_ps(b0 + k8, mask), s0);
          s1 = _mm256_fmadd_ps(av, _mm256_maskload_ps(b1 + k8, mask), s1);
          s2 = _mm256_fmadd_ps(av, _mm256_maskload_ps(b2 + k8, mask), s2);
          s3 = _mm256_fmadd_ps(av, _mm256_maskload_ps(b3 + k8, mask), s3);
        }
        float dots[4];
        _mm_storeu_ps(dots, laneSums8(s0, s1, s2, s3));
        for (int q = 0; q < 4; q++) crow[j + q] = alpha * dots[q] + (beta == 0 ? 0.0f : beta * prior[(j + q) * step]);
      }
      for (; j < g.n; j++) {
        const float* bj = b + j * g.ldb;
        __m256 s = _mm256_setzero_ps();
        for (int64_t p = 0; p < k8; p += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(arow + p), _mm256_loadu_ps(bj + p), s);
        if (rest != 0) s = _mm256_fmadd_ps(_mm256_maskload_ps(arow + k8, mask), _mm256_maskload_ps(bj + k8, mask), s);
        crow[j] = alpha * laneSum8(s) + (beta == 0 ? 0.0f : beta * prior[j * step]);
      }
    }
  }
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif

// C = bias, for the paths that read C (BLAS, the integer loop): GemmArgs::bias has batch 1.
void fillFromBias(const GemmArgs& g) {
  const size_t item = itemSize(g.dtype);
  for (int64_t i = 0; i < g.m; i++) {
    char* crow = g.c + i * g.ldc * (int64_t)item;
    const char* brow = g.bias + i * g.biasStrideM * (int64_t)item;
    if (g.biasStrideN == 1) {
      std::memmove(crow, brow, (size_t)g.n * item);  // the bias may be exactly C
    } else {
      for (int64_t j = 0; j < g.n; j++) std::memmove(crow + j * (int64_t)item, brow + j * g.biasStrideN * (int64_t)item, item);
    }
  }
}

// Whether the product is small enough, and shaped right, for smallRowsTransB.
bool useSmallRows(const GemmArgs& g) {
  return !g.transA && g.transB && g.m <= 2 && g.m * g.n * g.k <= (int64_t(1) << 16);
}

// One OpenBLAS call on a band of the product: rows [m0, m1) and columns [n0, n1) of batches
// [b0, b1). OpenBLAS runs single-threaded (see CpuBackend's constructor); the pool splits.
struct BlasBand {
  int64_t b0, b1, m0, m1, n0, n1;
};

template <class T, class Call>
void blasBand(const GemmArgs& g, const BlasBand& band, Call call) {
  const CBLAS_TRANSPOSE ta = g.transA ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = g.transB ? CblasTrans : CblasNoTrans;
  // BLAS rejects leading dimensions below the row length even when a dimension is 1.
  const int64_t minLda = g.transA ? g.m : g.k, minLdb = g.transB ? g.k : g.n;
  const blasint lda = (blasint)std::max<int64_t>({g.lda, minLda, 1});
  const blasint ldb = (blasint)std::max<int64_t>({g.ldb, minLdb, 1});
  const blasint ldc = (blasint)std::max<int64_t>({g.ldc, g.n, 1});
  // Row i of op(A) starts at column i of a transposed A; column j of op(B) at row j of a
  // transposed B.
  const int64_t aRow = g.transA ? 1 : lda, bColumn = g.transB ? ldb : 1;
  for (int64_t batch = band.b0; batch < band.b1; batch++) {
    call(CblasRowMajor, ta, tb, (blasint)(band.m1 - band.m0), (blasint)(band.n1 - band.n0), (blasint)g.k, (T)g.alpha,
         (const T*)g.a + batch * g.strideA + band.m0 * aRow, lda, (const T*)g.b + batch * g.strideB + band.n0 * bColumn,
         ldb, (T)g.beta, (T*)g.c + batch * g.strideC + band.m0 * ldc + band.n0, ldc);
  }
}

void blasFloat(const GemmArgs& g, const BlasBand& band) { blasBand<float>(g, band, cblas_sgemm); }
void blasDouble(const GemmArgs& g, const BlasBand& band) { blasBand<double>(g, band, cblas_dgemm); }

// Splits a BLAS product across the pool, each thread calling single-threaded OpenBLAS on a
// band of C. Measured on the mlp_train step's eight products (2-core Zen 5, Haswell kernels),
// bands of rows reach 177-195 GFLOP/s where OpenBLAS's own two threads reach 135-162: its
// threads share packed panels and wait on each other with sched_yield, and they spin beside
// the pool's threads between calls. Work is cut into units of whole batch entries, 8-row
// blocks or 16-column blocks, and each thread takes a contiguous run of units; a run of row
// or column blocks may cross from one batch entry into the next.
constexpr int64_t kRowBlock = 8, kColumnBlock = 16;
// Below about this many multiply-adds per thread, the split costs more than it saves.
constexpr int64_t kBlasGrain = int64_t(1) << 18;
// Each concurrent OpenBLAS call holds one of its buffers, of which a build has a fixed number
// (twice its MAX_THREADS, which is 64 in Debian's), shared by every instance in the process
// (worker_threads each have their own pool): the extra threads that products use at once,
// across the process, are counted against a budget well inside it.
constexpr int kMaxBlasThreads = 32;
std::atomic<int> extraBlasThreads{0};
constexpr int kExtraBlasThreadBudget = 64;

// Takes up to `wanted` extra threads from the process's budget; returns how many it took.
int reserveBlasThreads(int wanted) {
  int used = extraBlasThreads.load(std::memory_order_relaxed);
  while (true) {
    const int granted = std::max(0, std::min(wanted, kExtraBlasThreadBudget - used));
    if (granted == 0) return 0;
    if (extraBlasThreads.compare_exchange_weak(used, used + granted, std::memory_order_relaxed)) return granted;
  }
}

void pooledBlas(ThreadPool& pool, const GemmArgs& g, void (*band)(const GemmArgs&, const BlasBand&)) {
  // Batch entries whose outputs overlap (an existing output can have any strides) are
  // written one after another, in order, as one call writes them; each is still split.
  if (g.batch > 1 && g.strideC < (g.m - 1) * g.ldc + g.n) {
    const size_t item = itemSize(g.dtype);
    for (int64_t batch = 0; batch < g.batch; batch++) {
      GemmArgs entry = g;
      entry.batch = 1;
      entry.a = g.a + batch * g.strideA * (int64_t)item;
      entry.b = g.b + batch * g.strideB * (int64_t)item;
      entry.c = g.c + batch * g.strideC * (int64_t)item;
      pooledBlas(pool, entry, band);
    }
    return;
  }
  const double work = (double)g.batch * (double)g.m * (double)g.n * (double)std::max<int64_t>(g.k, 1);
  const int wanted = (int)std::min<double>(std::min(pool.size(), kMaxBlasThreads), std::max<double>(1, work / (double)kBlasGrain));
  if (wanted <= 1) return band(g, {0, g.batch, 0, g.m, 0, g.n});
  const int extra = reserveBlasThreads(wanted - 1);
  struct Release {
    int extra;
    ~Release() { extraBlasThreads.fetch_sub(extra, std::memory_order_relaxed); }
  } release{extra};
  const int threads = 1 + extra;
  if (threads <= 1) return band(g, {0, g.batch, 0, g.m, 0, g.n});
  enum class Axis { Batch, Rows, Columns };
  const int64_t rowBlocks = (g.m + kRowBlock - 1) / kRowBlock, columnBlocks = (g.n + kColumnBlock - 1) / kColumnBlock;
  Axis axis;
  int64_t perBatch;
  // Whole entries when they divide evenly or are many; else blocks, which balance better.
  if (g.batch % threads == 0 || g.batch >= 4 * threads) axis = Axis::Batch, perBatch = 1;
  else if (rowBlocks >= columnBlocks || g.batch * rowBlocks >= 4 * threads) axis = Axis::Rows, perBatch = rowBlocks;
  else axis = Axis::Columns, perBatch = columnBlocks;
  const int64_t units = g.batch * perBatch;
  pool.parallelChunks((int)std::min<int64_t>(threads, units), [&](int64_t begin, int64_t end) {
    if (axis == Axis::Batch) return band(g, {begin, end, 0, g.m, 0, g.n});
    while (begin < end) {  // one call per batch entry that the run touches
      const int64_t batch = begin / perBatch, first = begin % perBatch;
      const int64_t last = std::min(end - batch * perBatch, perBatch);  // one past, within this entry
      if (axis == Axis::Rows) {
        band(g, {batch, batch + 1, first * kRowBlock, std::min(g.m, last * kRowBlock), 0, g.n});
      } else {
        band(g, {batch, batch + 1, 0, g.m, first * kColumnBlock, std::min(g.n, last * kColumnBlock)});
      }
      begin = batch * perBatch + last;
    }
  }, units);
}

}  // namespace

OnednnFloatGemm* CpuBackend::floatGemm() {
  std::lock_guard<std::mutex> lock(onednnMutex_);
  if (floatGemm_ == nullptr && !floatGemmTried_) {
    floatGemmTried_ = true;
    const char* setting = std::getenv("FLINT_ONEDNN_MATMUL");
    if (setting == nullptr || std::strcmp(setting, "0") != 0) {
      try {
        floatGemm_ = std::make_unique<OnednnFloatGemm>();
      } catch (const std::exception&) {
        // No oneDNN: OpenBLAS computes every product.
      }
    }
  }
  return floatGemm_.get();
}

void CpuBackend::gemmRun(const GemmArgs& g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  // Large float32 products go to oneDNN's brgemm where this CPU has it (onednn_gemm.h);
  // it declines the rest, before C is touched.
  if (OnednnFloatGemm::accepts(g) && (double)g.m * (double)g.n * (double)g.k >= (double)kBlasGrain && !useSmallRows(g)) {
    OnednnFloatGemm* onednn = floatGemm();
    try {
      if (onednn != nullptr && onednn->run(pool(), g)) return;
    } catch (const std::exception&) {
      // oneDNN failed (out of memory, say): OpenBLAS computes the whole product, which is
      // safe over partly written rows since accepts() never lets the product read C.
    }
  }
  const bool computes = g.dtype == DType::Float32 || g.dtype == DType::Float64 || g.dtype == DType::Int64 ||
                        g.dtype == DType::Int32 || g.dtype == DType::UInt8;
  // Refused before C is touched: a failed call leaves an existing output as it was.
  if (!computes) throw Error(std::string("\"addmm\" not implemented for '") + dtypeName(g.dtype) + "'");
  const bool floating = g.dtype == DType::Float32 || g.dtype == DType::Float64;
  if (g.bias != nullptr && !(useSmallRows(g) && floating)) fillFromBias(g);
  if (useSmallRows(g) && g.dtype == DType::Float32) {
#ifdef FLINT_SMALL_ROWS_AVX2
    if (kHasAvx2) return smallRowsAvx2(g);
#endif
    return smallRowsTransB<float>(g);
  }
  if (useSmallRows(g) && g.dtype == DType::Float64) return smallRowsTransB<double>(g);
  switch (g.dtype) {
    case DType::Float32: return pooledBlas(pool(), g, blasFloat);
    case DType::Float64: return pooledBlas(pool(), g, blasDouble);
    case DType::Int64: return integerGemm<int64_t>(g);
    case DType::Int32: return integerGemm<int32_t>(g);
    case DType::UInt8: return integerGemm<uint8_t>(g);
    default:
      throw Error(std::string("\"addmm\" not implemented for '") + dtypeName(g.dtype) + "'");
  }
}

}  // namespace flint
