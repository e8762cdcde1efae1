// Pooling on the GPU with the CPU's rules (native/cpu/pooling.cc): a max window starts at
// its first position inside the input, a larger value or a NaN replaces the running max,
// averages sum in double (float32's too, as the CPU does, so the devices agree). Forwards
// run one thread per output; the average backwards gather, one thread per input element,
// the outputs whose windows cover it; the max backward zeroes the gradient and scatters
// with atomics (windows may overlap). Shapes and window numbers were checked where the
// call entered (kernels.generated.h, core/pooling_checks.cc).
#include <algorithm>
#include <cmath>
#include <limits>

#include "common.cuh"

namespace flint {

namespace {

struct Window {
  int64_t k, s, p, d;
};
struct Dims3 {
  int64_t D, H, W, OD, OH, OW;
};

__device__ __forceinline__ void dilatedSpan(int64_t o, const Window& w, int64_t size, int64_t& begin, int64_t& end) {
  begin = o * w.s - w.p;
  end = min(begin + (w.k - 1) * w.d + 1, size);
  if (begin < 0) begin += (-begin + w.d - 1) / w.d * w.d;  // the first tap inside the input
}

template <class T>
__global__ void maxPoolKernel(const T* __restrict__ in, T* __restrict__ out, int64_t* __restrict__ indices, int64_t n, Dims3 s,
                              Window wd, Window wh, Window ww) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t ow = i % s.OW, oh = (i / s.OW) % s.OH, od = (i / (s.OW * s.OH)) % s.OD, p = i / (s.OW * s.OH * s.OD);
    const T* x = in + p * s.D * s.H * s.W;
    int64_t d0, d1, h0, h1, w0, w1;
    dilatedSpan(od, wd, s.D, d0, d1);
    dilatedSpan(oh, wh, s.H, h0, h1);
    dilatedSpan(ow, ww, s.W, w0, w1);
    int64_t best = (d0 * s.H + h0) * s.W + w0;
    T maxValue = -std::numeric_limits<T>::infinity();
    for (int64_t id = d0; id < d1; id += wd.d) {
      for (int64_t ih = h0; ih < h1; ih += wh.d) {
        const int64_t row = (id * s.H + ih) * s.W;
        for (int64_t iw = w0; iw < w1; iw += ww.d) {
          const T v = x[row + iw];
          if (v > maxValue || isnan(v)) {
            maxValue = v;
            best = row + iw;
          }
        }
      }
    }
    out[i] = maxValue;
    if (indices != nullptr) indices[i] = best;
  }
}

template <class T>
__global__ void maxPoolBackwardKernel(const T* __restrict__ g, const int64_t* __restrict__ indices, T* __restrict__ gi, int64_t n,
                                      int64_t plane, int64_t outPlane) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t at = indices[i];
    if (at >= 0 && at < plane) atomicAdd(gi + (i / outPlane) * plane + at, g[i]);
  }
}

struct AvgWindow {
  Window d, h, w;
  bool countIncludePad;
  int64_t divisorOverride;
};

__device__ __forceinline__ void avgSpan(int64_t o, const Window& w, int64_t size, int64_t& begin, int64_t& end, int64_t& padded) {
  const int64_t b = o * w.s - w.p;
  const int64_t e = min(b + w.k, size + w.p);
  padded = e - b;
  begin = max(b, (int64_t)0);
  end = min(e, size);
}

// The divisor of output (od, oh, ow), 0 when its window lies wholly in the padding.
__device__ __forceinline__ int64_t avgDivisor(const AvgWindow& a, const Dims3& s, int64_t od, int64_t oh, int64_t ow, int64_t* span) {
  int64_t pd, ph, pw;
  avgSpan(od, a.d, s.D, span[0], span[1], pd);
  avgSpan(oh, a.h, s.H, span[2], span[3], ph);
  avgSpan(ow, a.w, s.W, span[4], span[5], pw);
  if (span[0] >= span[1] || span[2] >= span[3] || span[4] >= span[5]) return 0;
  if (a.divisorOverride != 0) return a.divisorOverride;
  if (a.countIncludePad) return pd * ph * pw;
  return (span[1] - span[0]) * (span[3] - span[2]) * (span[5] - span[4]);
}

template <class T>
__global__ void avgPoolKernel(const T* __restrict__ in, T* __restrict__ out, int64_t n, Dims3 s, AvgWindow a) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t ow = i % s.OW, oh = (i / s.OW) % s.OH, od = (i / (s.OW * s.OH)) % s.OD, p = i / (s.OW * s.OH * s.OD);
    const T* x = in + p * s.D * s.H * s.W;
    int64_t span[6];
    const int64_t divisor = avgDivisor(a, s, od, oh, ow, span);
    double sum = 0;
    if (divisor != 0) {
      for (int64_t id = span[0]; id < span[1]; id++)
        for (int64_t ih = span[2]; ih < span[3]; ih++)
          for (int64_t iw = span[4]; iw < span[5]; iw++) sum += (double)x[(id * s.H + ih) * s.W + iw];
      sum /= (double)divisor;
    }
    out[i] = (T)sum;
  }
}

// The outputs whose (undilated) windows cover input position i: [first, last).
__device__ __forceinline__ void coveringOutputs(int64_t i, const Window& w, int64_t O, int64_t& first, int64_t& last) {
  first = i + w.p < w.k ? 0 : (i + w.p - w.k) / w.s + 1;
  last = min((i + w.p) / w.s + 1, O);
}

template <class T>
__global__ void avgPoolBackwardKernel(const T* __restrict__ g, T* __restrict__ gi, int64_t n, Dims3 s, AvgWindow a) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t iw = i % s.W, ih = (i / s.W) % s.H, id = (i / (s.W * s.H)) % s.D, p = i / (s.W * s.H * s.D);
    const T* y = g + p * s.OD * s.OH * s.OW;
    int64_t d0, d1, h0, h1, w0, w1;
    coveringOutputs(id, a.d, s.OD, d0, d1);
    coveringOutputs(ih, a.h, s.OH, h0, h1);
    coveringOutputs(iw, a.w, s.OW, w0, w1);
    double sum = 0;
    for (int64_t od = d0; od < d1; od++)
      for (int64_t oh = h0; oh < h1; oh++)
        for (int64_t ow = w0; ow < w1; ow++) {
          int64_t span[6];
          const int64_t divisor = avgDivisor(a, s, od, oh, ow, span);
          // A covering window still skips i when i lies outside its clipped span (never for
          // an input position, which is inside the input), or when its divisor is 0.
          if (divisor != 0) sum += (double)y[(od * s.OH + oh) * s.OW + ow] / (double)divisor;
        }
    gi[i] = (T)sum;
  }
}

__device__ __forceinline__ int64_t adaptiveBegin(int64_t o, int64_t I, int64_t O) { return (o * I) / O; }
__device__ __forceinline__ int64_t adaptiveEnd(int64_t o, int64_t I, int64_t O) { return ((o + 1) * I + O - 1) / O; }

template <class T, bool kMax>
__global__ void adaptivePoolKernel(const T* __restrict__ in, T* __restrict__ out, int64_t* __restrict__ indices, int64_t n, Dims3 s) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t ow = i % s.OW, oh = (i / s.OW) % s.OH, od = (i / (s.OW * s.OH)) % s.OD, p = i / (s.OW * s.OH * s.OD);
    const T* x = in + p * s.D * s.H * s.W;
    const int64_t d0 = adaptiveBegin(od, s.D, s.OD), d1 = adaptiveEnd(od, s.D, s.OD);
    const int64_t h0 = adaptiveBegin(oh, s.H, s.OH), h1 = adaptiveEnd(oh, s.H, s.OH);
    const int64_t w0 = adaptiveBegin(ow, s.W, s.OW), w1 = adaptiveEnd(ow, s.W, s.OW);
    if (kMax) {
      int64_t best = (d0 * s.H + h0) * s.W + w0;
      T maxValue = -std::numeric_limits<T>::infinity();
      for (int64_t id = d0; id < d1; id++)
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) {
            const int64_t at = (id * s.H + ih) * s.W + iw;
            const T v = x[at];
            if (v > maxValue || isnan(v)) {
              maxValue = v;
              best = at;
            }
          }
      out[i] = maxValue;
      indices[i] = best;
    } else {
      double sum = 0;
      for (int64_t id = d0; id < d1; id++)
        for (int64_t ih = h0; ih < h1; ih++)
          for (int64_t iw = w0; iw < w1; iw++) sum += (double)x[(id * s.H + ih) * s.W + iw];
      out[i] = (T)(sum / (double)((d1 - d0) * (h1 - h0) * (w1 - w0)));
    }
  }
}

template <class T>
__global__ void adaptiveAvgPoolBackwardKernel(const T* __restrict__ g, T* __restrict__ gi, int64_t n, Dims3 s) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t iw = i % s.W, ih = (i / s.W) % s.H, id = (i / (s.W * s.H)) % s.D, p = i / (s.W * s.H * s.D);
    const T* y = g + p * s.OD * s.OH * s.OW;
    // Output o covers input i exactly when floor(i * O / I) <= o < ceil((i + 1) * O / I).
    const int64_t d0 = adaptiveBegin(id, s.OD, s.D), d1 = adaptiveEnd(id, s.OD, s.D);
    const int64_t h0 = adaptiveBegin(ih, s.OH, s.H), h1 = adaptiveEnd(ih, s.OH, s.H);
    const int64_t w0 = adaptiveBegin(iw, s.OW, s.W), w1 = adaptiveEnd(iw, s.OW, s.W);
    double sum = 0;
    for (int64_t od = d0; od < d1; od++) {
      const int64_t kd = adaptiveEnd(od, s.D, s.OD) - adaptiveBegin(od, s.D, s.OD);
      for (int64_t oh = h0; oh < h1; oh++) {
        const int64_t kh = adaptiveEnd(oh, s.H, s.OH) - adaptiveBegin(oh, s.H, s.OH);
        for (int64_t ow = w0; ow < w1; ow++) {
          const int64_t kw = adaptiveEnd(ow, s.W, s.OW) - adaptiveBegin(ow, s.W, s.OW);
          sum += (double)y[(od * s.OH + oh) * s.OW + ow] / (double)(kd * kh * kw);
        }
      }
    }
    gi[i] = (T)sum;
  }
}

Dims3 dimsOf(const TensorView& input, const TensorView& output) {
  return {input.shape[1], input.shape[2], input.shape[3], output.shape[1], output.shape[2], output.shape[3]};
}

template <class T>
void maxPoolTyped(CudaContext& ctx, const MaxPoolArgs& a) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  maxPoolKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.input.data, (T*)a.out.data, (int64_t*)a.indices.data, n, dimsOf(a.input, a.out), Window{a.kD, a.sD, a.pD, a.dD},
      Window{a.kH, a.sH, a.pH, a.dH}, Window{a.kW, a.sW, a.pW, a.dW});
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void maxPoolValuesTyped(CudaContext& ctx, const MaxPoolValuesArgs& a) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  maxPoolKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.input.data, (T*)a.out.data, nullptr, n, dimsOf(a.input, a.out), Window{a.kD, a.sD, a.pD, a.dD},
      Window{a.kH, a.sH, a.pH, a.dH}, Window{a.kW, a.sW, a.pW, a.dW});
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void maxPoolBackwardTyped(CudaContext& ctx, const MaxPoolBackwardArgs& a) {
  const int64_t plane = a.gradInput.shape[1] * a.gradInput.shape[2] * a.gradInput.shape[3];
  const int64_t outPlane = a.gradOutput.shape[1] * a.gradOutput.shape[2] * a.gradOutput.shape[3];
  const int64_t total = a.gradInput.numel(), n = a.gradOutput.numel();
  if (total == 0) return;
  FLINT_CUDA_CHECK(cudaMemsetAsync(a.gradInput.data, 0, (size_t)total * sizeof(T), ctx.stream));
  if (n == 0) return;
  maxPoolBackwardKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.gradOutput.data, (const int64_t*)a.indices.data, (T*)a.gradInput.data, n, plane, outPlane);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class Args>
AvgWindow avgWindowOf(const Args& a) {
  return {Window{a.kD, a.sD, a.pD, 1}, Window{a.kH, a.sH, a.pH, 1}, Window{a.kW, a.sW, a.pW, 1}, a.countIncludePad, a.divisorOverride};
}

template <class T>
void avgPoolTyped(CudaContext& ctx, const AvgPoolArgs& a) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  avgPoolKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)a.input.data, (T*)a.out.data, n,
                                                                       dimsOf(a.input, a.out), avgWindowOf(a));
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void avgPoolBackwardTyped(CudaContext& ctx, const AvgPoolBackwardArgs& a) {
  const int64_t n = a.gradInput.numel();
  if (n == 0) return;
  avgPoolBackwardKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.gradOutput.data, (T*)a.gradInput.data, n, dimsOf(a.gradInput, a.gradOutput), avgWindowOf(a));
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T, bool kMax, class Args>
void adaptivePoolTyped(CudaContext& ctx, const Args& a, int64_t* indices) {
  const int64_t n = a.out.numel();
  if (n == 0) return;
  adaptivePoolKernel<T, kMax><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)a.input.data, (T*)a.out.data, indices, n,
                                                                                  dimsOf(a.input, a.out));
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void adaptiveAvgPoolBackwardTyped(CudaContext& ctx, const AdaptiveAvgPoolBackwardArgs& a) {
  const int64_t n = a.gradInput.numel();
  if (n == 0) return;
  adaptiveAvgPoolBackwardKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.gradOutput.data, (T*)a.gradInput.data, n, dimsOf(a.gradInput, a.gradOutput));
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::maxPoolImpl(const MaxPoolArgs& args) {
  if (args.input.dtype == DType::Float64) maxPoolTyped<double>(context(), args);
  else maxPoolTyped<float>(context(), args);
}

void CudaBackend::maxPoolValuesImpl(const MaxPoolValuesArgs& args) {
  if (args.input.dtype == DType::Float64) maxPoolValuesTyped<double>(context(), args);
  else maxPoolValuesTyped<float>(context(), args);
}

void CudaBackend::maxPoolBackwardImpl(const MaxPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) maxPoolBackwardTyped<double>(context(), args);
  else maxPoolBackwardTyped<float>(context(), args);
}

void CudaBackend::avgPoolImpl(const AvgPoolArgs& args) {
  if (args.input.dtype == DType::Float64) avgPoolTyped<double>(context(), args);
  else avgPoolTyped<float>(context(), args);
}

void CudaBackend::avgPoolBackwardImpl(const AvgPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) avgPoolBackwardTyped<double>(context(), args);
  else avgPoolBackwardTyped<float>(context(), args);
}

void CudaBackend::adaptiveAvgPoolImpl(const AdaptiveAvgPoolArgs& args) {
  if (args.input.dtype == DType::Float64) adaptivePoolTyped<double, false>(context(), args, nullptr);
  else adaptivePoolTyped<float, false>(context(), args, nullptr);
}

void CudaBackend::adaptiveAvgPoolBackwardImpl(const AdaptiveAvgPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) adaptiveAvgPoolBackwardTyped<double>(context(), args);
  else adaptiveAvgPoolBackwardTyped<float>(context(), args);
}

void CudaBackend::adaptiveMaxPoolImpl(const AdaptiveMaxPoolArgs& args) {
  int64_t* indices = (int64_t*)args.indices.data;
  if (args.input.dtype == DType::Float64) adaptivePoolTyped<double, true>(context(), args, indices);
  else adaptivePoolTyped<float, true>(context(), args, indices);
}

}  // namespace flint
