// Layer normalization (forward and backward) and the fused bias + activation epilogue
// on the CPU, over contiguous [rows, cols] float32/float64. Row statistics and column
// sums accumulate in double, so float32 results carry only their final rounding.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

// Rows per task: about kParallelGrain elements of work each.
int64_t rowGrain(int64_t cols) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)); }

#define FLINT_LN_INLINE inline __attribute__((always_inline))

// Sums in double with kLanes independent accumulators: a single running sum waits on its
// previous add (a row took ~0.5 µs per 256 floats), where these vectorize. The lanes are
// combined in a fixed order, so the result does not depend on the ISA or the thread count.
constexpr int64_t kLanes = 8;

template <class T, class F>
FLINT_LN_INLINE double laneSum(int64_t cols, F term) {
  double acc[kLanes] = {};
  int64_t c = 0;
  for (; c + kLanes <= cols; c += kLanes) {
    for (int64_t l = 0; l < kLanes; l++) acc[l] += term(c + l);
  }
  for (int64_t l = 0; c < cols; c++, l++) acc[l] += term(c);
  double total = 0;
  for (int64_t l = 0; l < kLanes; l++) total += acc[l];
  return total;
}

template <class T>
FLINT_LN_INLINE void layerNormRows(const LayerNormArgs& a, int64_t begin, int64_t end) {
  const int64_t cols = a.input.shape[1];
  const T* x = (const T*)a.input.data;
  const T* weight = (const T*)a.weight.data;
  const T* bias = (const T*)a.bias.data;
  T* y = (T*)a.out.data;
  for (int64_t r = begin; r < end; r++) {
    const T* xr = x + r * cols;
    const double mean = laneSum<T>(cols, [&](int64_t c) { return (double)xr[c]; }) / (double)cols;
    // A centred second pass: no cancellation for large offsets.
    const double squares = laneSum<T>(cols, [&](int64_t c) {
      const double d = (double)xr[c] - mean;
      return d * d;
    });
    const double rstd = 1.0 / std::sqrt(squares / (double)cols + a.eps);
    ((T*)a.mean.data)[r] = (T)mean;
    ((T*)a.rstd.data)[r] = (T)rstd;
    T* yr = y + r * cols;
    if (weight && bias) {
      for (int64_t c = 0; c < cols; c++) yr[c] = (T)(((double)xr[c] - mean) * rstd * (double)weight[c] + (double)bias[c]);
    } else {
      for (int64_t c = 0; c < cols; c++) {
        double v = ((double)xr[c] - mean) * rstd;
        if (weight) v *= (double)weight[c];
        if (bias) v += (double)bias[c];
        yr[c] = (T)v;
      }
    }
  }
}

// gradInput = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat)), rows [begin, end).
template <class T>
FLINT_LN_INLINE void layerNormGradRows(const LayerNormBackwardArgs& a, int64_t begin, int64_t end) {
  const int64_t cols = a.input.shape[1];
  const T* g = (const T*)a.gradOutput.data;
  const T* x = (const T*)a.input.data;
  const T* weight = (const T*)a.weight.data;
  T* gi = (T*)a.gradInput.data;
  for (int64_t r = begin; r < end; r++) {
    const T* gr = g + r * cols;
    const T* xr = x + r * cols;
    const double mean = (double)((const T*)a.mean.data)[r], rstd = (double)((const T*)a.rstd.data)[r];
    auto gw = [&](int64_t c) { return weight ? (double)gr[c] * (double)weight[c] : (double)gr[c]; };
    const double meanGw = laneSum<T>(cols, gw) / (double)cols;
    const double meanGwXhat = laneSum<T>(cols, [&](int64_t c) { return gw(c) * ((double)xr[c] - mean) * rstd; }) / (double)cols;
    T* out = gi + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] = (T)(rstd * (gw(c) - meanGw - ((double)xr[c] - mean) * rstd * meanGwXhat));
  }
}

template <class T>
void forwardRowsBaseline(const LayerNormArgs& a, int64_t begin, int64_t end) {
  layerNormRows<T>(a, begin, end);
}
template <class T>
void gradRowsBaseline(const LayerNormBackwardArgs& a, int64_t begin, int64_t end) {
  layerNormGradRows<T>(a, begin, end);
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The row loops compiled again for AVX2+FMA, picked at run time, as attention.cc's are.
template <class T>
__attribute__((target("avx2,fma"))) void forwardRowsAvx2(const LayerNormArgs& a, int64_t begin, int64_t end) {
  layerNormRows<T>(a, begin, end);
}
template <class T>
__attribute__((target("avx2,fma"))) void gradRowsAvx2(const LayerNormBackwardArgs& a, int64_t begin, int64_t end) {
  layerNormGradRows<T>(a, begin, end);
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif

template <class T>
void layerNormForward(ThreadPool& pool, const LayerNormArgs& a) {
  pool.parallelFor(a.input.shape[0], rowGrain(a.input.shape[1]), [&](int64_t begin, int64_t end) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kHasAvx2) return forwardRowsAvx2<T>(a, begin, end);
#endif
    forwardRowsBaseline<T>(a, begin, end);
  });
}

template <class T>
void layerNormBackwardKernel(ThreadPool& pool, const LayerNormBackwardArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  const T* g = (const T*)a.gradOutput.data;
  const T* x = (const T*)a.input.data;
  const T* meanIn = (const T*)a.mean.data;
  const T* rstdIn = (const T*)a.rstd.data;
  if (a.gradInput.data != nullptr) {
    pool.parallelFor(rows, rowGrain(cols), [&](int64_t begin, int64_t end) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
      if (kHasAvx2) return gradRowsAvx2<T>(a, begin, end);
#endif
      gradRowsBaseline<T>(a, begin, end);
    });
  }
  T* gradWeight = (T*)a.gradWeight.data;
  T* gradBias = (T*)a.gradBias.data;
  if (gradWeight == nullptr && gradBias == nullptr) return;
  // Column sums, split by columns so that each sum runs over the rows in order: the
  // result does not depend on the thread count.
  const int64_t colGrain = std::max<int64_t>(16, kParallelGrain / std::max<int64_t>(rows, 1));
  pool.parallelFor(cols, colGrain, [&](int64_t begin, int64_t end) {
    const int64_t width = end - begin;
    std::vector<double> sumW((size_t)width, 0.0), sumB((size_t)width, 0.0);
    for (int64_t r = 0; r < rows; r++) {
      const T* gr = g + r * cols + begin;
      const T* xr = x + r * cols + begin;
      const double mean = (double)meanIn[r], rstd = (double)rstdIn[r];
      for (int64_t c = 0; c < width; c++) {
        sumW[(size_t)c] += (double)gr[c] * (((double)xr[c] - mean) * rstd);
        sumB[(size_t)c] += (double)gr[c];
      }
    }
    for (int64_t c = 0; c < width; c++) {
      if (gradWeight) gradWeight[begin + c] = (T)sumW[(size_t)c];
      if (gradBias) gradBias[begin + c] = (T)sumB[(size_t)c];
    }
  });
}

template <class T>
void biasActivationKernel(ThreadPool& pool, const BiasActivationArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  const T* x = (const T*)a.input.data;  // may be `y` itself: each element is read before written
  const T* bias = (const T*)a.bias.data;
  T* y = (T*)a.out.data;
  const bool relu = a.activation == Activation::Relu;
  pool.parallelFor(rows, rowGrain(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      if (relu) {
        for (int64_t c = 0; c < cols; c++) {
          const T v = xr[c] + bias[c];
          yr[c] = v < T(0) ? T(0) : v;  // as UnaryOp::Relu: NaN passes through
        }
      } else {
        for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] + bias[c];
      }
    }
  });
}

}  // namespace

void CpuBackend::layerNormRun(const LayerNormArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm", [&] { layerNormForward<scalar_t>(*pool_, args); });
}

void CpuBackend::layerNormBackwardRun(const LayerNormBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm backward",
                          [&] { layerNormBackwardKernel<scalar_t>(*pool_, args); });
}

void CpuBackend::biasActivationRun(const BiasActivationArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "bias_activation", [&] { biasActivationKernel<scalar_t>(*pool_, args); });
}

}  // namespace flint
