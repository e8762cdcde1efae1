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

template <class T>
void layerNormForward(ThreadPool& pool, const LayerNormArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  const T* x = (const T*)a.input.data;
  const T* weight = (const T*)a.weight.data;
  const T* bias = (const T*)a.bias.data;
  T* y = (T*)a.out.data;
  T* meanOut = (T*)a.mean.data;
  T* rstdOut = (T*)a.rstd.data;
  const double eps = a.eps;
  pool.parallelFor(rows, rowGrain(cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const T* xr = x + r * cols;
      double sum = 0;
      for (int64_t c = 0; c < cols; c++) sum += (double)xr[c];
      const double mean = sum / (double)cols;
      double squares = 0;  // centred second pass: no cancellation for large offsets
      for (int64_t c = 0; c < cols; c++) {
        const double d = (double)xr[c] - mean;
        squares += d * d;
      }
      const double rstd = 1.0 / std::sqrt(squares / (double)cols + eps);
      meanOut[r] = (T)mean;
      rstdOut[r] = (T)rstd;
      T* yr = y + r * cols;
      for (int64_t c = 0; c < cols; c++) {
        double v = ((double)xr[c] - mean) * rstd;
        if (weight) v *= (double)weight[c];
        if (bias) v += (double)bias[c];
        yr[c] = (T)v;
      }
    }
  });
}

template <class T>
void layerNormBackwardKernel(ThreadPool& pool, const LayerNormBackwardArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  const T* g = (const T*)a.gradOutput.data;
  const T* x = (const T*)a.input.data;
  const T* meanIn = (const T*)a.mean.data;
  const T* rstdIn = (const T*)a.rstd.data;
  const T* weight = (const T*)a.weight.data;
  if (a.gradInput.data != nullptr) {
    T* gi = (T*)a.gradInput.data;
    // gradInput = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat))
    pool.parallelFor(rows, rowGrain(cols), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; r++) {
        const T* gr = g + r * cols;
        const T* xr = x + r * cols;
        const double mean = (double)meanIn[r], rstd = (double)rstdIn[r];
        double sumGw = 0, sumGwXhat = 0;
        for (int64_t c = 0; c < cols; c++) {
          const double gw = weight ? (double)gr[c] * (double)weight[c] : (double)gr[c];
          sumGw += gw;
          sumGwXhat += gw * ((double)xr[c] - mean) * rstd;
        }
        const double meanGw = sumGw / (double)cols, meanGwXhat = sumGwXhat / (double)cols;
        T* out = gi + r * cols;
        for (int64_t c = 0; c < cols; c++) {
          const double gw = weight ? (double)gr[c] * (double)weight[c] : (double)gr[c];
          out[c] = (T)(rstd * (gw - meanGw - ((double)xr[c] - mean) * rstd * meanGwXhat));
        }
      }
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

void CpuBackend::layerNormImpl(const LayerNormArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm", [&] { layerNormForward<scalar_t>(*pool_, args); });
}

void CpuBackend::layerNormBackwardImpl(const LayerNormBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm backward",
                          [&] { layerNormBackwardKernel<scalar_t>(*pool_, args); });
}

void CpuBackend::biasActivationImpl(const BiasActivationArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "bias_activation", [&] { biasActivationKernel<scalar_t>(*pool_, args); });
}

}  // namespace flint
