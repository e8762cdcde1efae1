// Batch normalization on the CPU over a contiguous [N, C, S] view (S: the spatial dims'
// product): the training forward, the eval forward and the backward. Shapes and dtypes
// were checked where the call entered (kernels.generated.h). Per-channel sums run in
// double, so float32 statistics carry only their final rounding, and each channel's sums
// run over n and s in order: the results do not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "cpu_backend.h"

namespace flint {

namespace {

// Channels per task: about kParallelGrain elements of work each.
int64_t channelGrain(int64_t perChannel) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(perChannel, 1)); }

// Sums over a row in kLanes independent partial sums, combined in a fixed order: the
// additions no longer wait on each other (a single double accumulator is latency-bound
// at a few cycles per element), the lanes vectorize, and the result is still
// deterministic.
constexpr int kLanes = 8;

template <class Term>
void addRow(int64_t s, double (&acc)[kLanes], Term term) {
  int64_t j = 0;
  for (; j + kLanes <= s; j += kLanes) {
    for (int k = 0; k < kLanes; k++) acc[k] += term(j + k);
  }
  for (int k = 0; j < s; j++, k++) acc[k] += term(j);
}

double total(const double (&acc)[kLanes]) {
  double sum = 0;
  for (int k = 0; k < kLanes; k++) sum += acc[k];
  return sum;
}

template <class T>
void batchNormForward(ThreadPool& pool, const BatchNormArgs& a) {
  const int64_t n = a.input.shape[0], channels = a.input.shape[1], s = a.input.shape[2];
  const T* x = (const T*)a.input.data;
  const T* weight = (const T*)a.weight.data;
  const T* bias = (const T*)a.bias.data;
  T* y = (T*)a.out.data;
  T* meanOut = (T*)a.mean.data;
  T* invstdOut = (T*)a.invstd.data;
  const double count = (double)(n * s);
  pool.parallelFor(channels, channelGrain(n * s), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c++) {
      double sums[kLanes] = {};
      for (int64_t i = 0; i < n; i++) {
        const T* xr = x + (i * channels + c) * s;
        addRow(s, sums, [&](int64_t j) { return (double)xr[j]; });
      }
      const double mean = count > 0 ? total(sums) / count : 0.0;
      double squares[kLanes] = {};  // centred second pass: no cancellation for large offsets
      for (int64_t i = 0; i < n; i++) {
        const T* xr = x + (i * channels + c) * s;
        addRow(s, squares, [&](int64_t j) {
          const double d = (double)xr[j] - mean;
          return d * d;
        });
      }
      const double invstd = 1.0 / std::sqrt((count > 0 ? total(squares) / count : 0.0) + a.eps);
      meanOut[c] = (T)mean;
      invstdOut[c] = (T)invstd;
      // y = x * scale + shift, the affine folded in.
      const double scale = weight ? invstd * (double)weight[c] : invstd;
      const double shift = (bias ? (double)bias[c] : 0.0) - mean * scale;
      const T tScale = (T)scale, tShift = (T)shift;
      for (int64_t i = 0; i < n; i++) {
        const T* xr = x + (i * channels + c) * s;
        T* yr = y + (i * channels + c) * s;
        for (int64_t j = 0; j < s; j++) yr[j] = xr[j] * tScale + tShift;
      }
    }
  });
}

// One pass: y = x * scale[c] + shift[c] with invstd = 1 / sqrt(var + eps), over the
// N * C rows of S values.
template <class T>
void batchNormEvalForward(ThreadPool& pool, const BatchNormEvalArgs& a) {
  const int64_t n = a.input.shape[0], channels = a.input.shape[1], s = a.input.shape[2];
  const T* x = (const T*)a.input.data;
  const T* mean = (const T*)a.mean.data;
  const T* var = (const T*)a.variance.data;
  const T* weight = (const T*)a.weight.data;
  const T* bias = (const T*)a.bias.data;
  T* y = (T*)a.out.data;
  pool.parallelFor(n * channels, channelGrain(s), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t c = r % channels;
      const double invstd = 1.0 / std::sqrt((double)var[c] + a.eps);
      const double scale = weight ? invstd * (double)weight[c] : invstd;
      const double shift = (bias ? (double)bias[c] : 0.0) - (double)mean[c] * scale;
      const T tScale = (T)scale, tShift = (T)shift;
      const T* xr = x + r * s;
      T* yr = y + r * s;
      for (int64_t j = 0; j < s; j++) yr[j] = xr[j] * tScale + tShift;
    }
  });
}

// With xhat = (x - mean) * invstd, M = N * S:
//   gradBias = sum(g), gradWeight = sum(g * xhat),
//   gradInput = w * invstd * (g - sum(g) / M - xhat * sum(g * xhat) / M)   (training)
//   gradInput = w * invstd * g                                             (eval)
template <class T>
void batchNormBackwardKernel(ThreadPool& pool, const BatchNormBackwardArgs& a) {
  const int64_t n = a.input.shape[0], channels = a.input.shape[1], s = a.input.shape[2];
  const T* g = (const T*)a.gradOutput.data;
  const T* x = (const T*)a.input.data;
  const T* meanIn = (const T*)a.mean.data;
  const T* invstdIn = (const T*)a.invstd.data;
  const T* weight = (const T*)a.weight.data;
  T* gi = (T*)a.gradInput.data;
  T* gw = (T*)a.gradWeight.data;
  T* gb = (T*)a.gradBias.data;
  const double count = (double)(n * s);
  const bool needSums = gw != nullptr || gb != nullptr || (gi != nullptr && a.training);
  pool.parallelFor(channels, channelGrain(n * s), [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c++) {
      const double mean = (double)meanIn[c], invstd = (double)invstdIn[c];
      double sumG = 0, sumGx = 0;  // sum(g), sum(g * (x - mean))
      if (needSums) {
        double g1[kLanes] = {}, gx[kLanes] = {};
        for (int64_t i = 0; i < n; i++) {
          const T* gr = g + (i * channels + c) * s;
          const T* xr = x + (i * channels + c) * s;
          addRow(s, g1, [&](int64_t j) { return (double)gr[j]; });
          addRow(s, gx, [&](int64_t j) { return (double)gr[j] * ((double)xr[j] - mean); });
        }
        sumG = total(g1);
        sumGx = total(gx);
      }
      if (gb) gb[c] = (T)sumG;
      if (gw) gw[c] = (T)(sumGx * invstd);
      if (!gi) continue;
      const double w = weight ? (double)weight[c] : 1.0;
      if (a.training && count > 0) {
        // gradInput = g * k + x * p + q, the per-channel terms folded.
        const double k = w * invstd;
        const double p = -k * invstd * invstd * sumGx / count;
        const double q = -k * sumG / count - p * mean;
        for (int64_t i = 0; i < n; i++) {
          const T* gr = g + (i * channels + c) * s;
          const T* xr = x + (i * channels + c) * s;
          T* out = gi + (i * channels + c) * s;
          for (int64_t j = 0; j < s; j++) out[j] = (T)((double)gr[j] * k + (double)xr[j] * p + q);
        }
      } else {
        const T k = (T)(w * invstd);
        for (int64_t i = 0; i < n; i++) {
          const T* gr = g + (i * channels + c) * s;
          T* out = gi + (i * channels + c) * s;
          for (int64_t j = 0; j < s; j++) out[j] = gr[j] * k;
        }
      }
    }
  });
}

}  // namespace

void CpuBackend::batchNormRun(const BatchNormArgs& args) {
  if (args.input.dtype == DType::Float64) batchNormForward<double>(pool(), args);
  else batchNormForward<float>(pool(), args);
}

void CpuBackend::batchNormEvalRun(const BatchNormEvalArgs& args) {
  if (args.input.dtype == DType::Float64) batchNormEvalForward<double>(pool(), args);
  else batchNormEvalForward<float>(pool(), args);
}

void CpuBackend::batchNormBackwardRun(const BatchNormBackwardArgs& args) {
  if (args.input.dtype == DType::Float64) batchNormBackwardKernel<double>(pool(), args);
  else batchNormBackwardKernel<float>(pool(), args);
}

}  // namespace flint
