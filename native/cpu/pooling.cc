// Pooling on the CPU: max (with int64 indices), average and adaptive average/max, and their
// backwards, over the planes of a contiguous [P, D, H, W] input (1-d and 2-d pooling pass
// D = 1, H = 1). Planes run in parallel; a plane's windows run in order. The rules are
// PyTorch 1.13's CPU kernels: a max window starts at its first position inside the input,
// a larger value or a NaN replaces the running max (so ties keep the first, NaN the last),
// and averages sum in double. Shapes and window numbers were checked where the call entered
// (kernels.generated.h, core/pooling_checks.cc); everything outside the input is skipped.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

// Planes per task: enough elements for a task to be worth a thread.
int64_t planeGrain(int64_t perPlane) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(perPlane, 1)); }

// take ? v : m and take ? pos : best without branches: on random data a branch per
// comparison mispredicts half the time, which made the max kernels 1.5x slower.
template <class T> struct SameSizeBits;
template <> struct SameSizeBits<float> { using type = uint32_t; };
template <> struct SameSizeBits<double> { using type = uint64_t; };
template <class T>
inline void takeIf(bool take, T v, int64_t pos, T& m, int64_t& best) {
  using U = typename SameSizeBits<T>::type;
  U vb, mb;
  std::memcpy(&vb, &v, sizeof(T));
  std::memcpy(&mb, &m, sizeof(T));
  const U mask = U(0) - U(take);
  mb = (mb & ~mask) | (vb & mask);
  std::memcpy(&m, &mb, sizeof(T));
  const int64_t positions = -int64_t(take);
  best = (best & ~positions) | (pos & positions);
}

// One dim of a dilated window: the first in-input position and the end (exclusive).
struct Span {
  int64_t begin, end;
};
inline Span dilatedSpan(int64_t o, int64_t k, int64_t s, int64_t p, int64_t d, int64_t size) {
  int64_t begin = o * s - p;
  const int64_t end = std::min(begin + (k - 1) * d + 1, size);
  if (begin < 0) begin += (-begin + d - 1) / d * d;  // the first tap inside the input
  return {begin, end};
}

// The dilated windows of every output position along one dim, computed once per call.
std::vector<Span> dilatedSpans(int64_t outSize, int64_t k, int64_t s, int64_t p, int64_t d, int64_t size) {
  std::vector<Span> spans((size_t)outSize);
  for (int64_t o = 0; o < outSize; o++) spans[(size_t)o] = dilatedSpan(o, k, s, p, d, size);
  return spans;
}

// One window's max and its flat index: a larger value or a NaN replaces the running max
// (branch-free, so that the compiler keeps it in registers).
template <class T>
inline void windowMax(const T* x, int64_t H, int64_t W, const Span& sd, const Span& sh, const Span& sw, int64_t dD, int64_t dH,
                      int64_t dW, T& maxOut, int64_t& indexOut) {
  int64_t best = (sd.begin * H + sh.begin) * W + sw.begin;
  T maxValue = -std::numeric_limits<T>::infinity();
  for (int64_t id = sd.begin; id < sd.end; id += dD) {
    for (int64_t ih = sh.begin; ih < sh.end; ih += dH) {
      const int64_t row = (id * H + ih) * W;
      for (int64_t iw = sw.begin; iw < sw.end; iw += dW) {
        const T v = x[row + iw];
        takeIf<T>((v > maxValue) | (v != v), v, row + iw, maxValue, best);
      }
    }
  }
  maxOut = maxValue;
  indexOut = best;
}

// A 2-d window whose width lies wholly inside the input: KW values per row, unrolled.
template <class T, int KW>
inline void rowsMax(const T* x, int64_t W, const Span& sh, int64_t w0, T& maxOut, int64_t& indexOut) {
  int64_t best = sh.begin * W + w0;
  T maxValue = -std::numeric_limits<T>::infinity();
  for (int64_t ih = sh.begin; ih < sh.end; ih++) {
    const int64_t at = ih * W + w0;
    const T* row = x + at;
#pragma GCC unroll 3
    for (int j = 0; j < KW; j++) {
      const T v = row[j];
      takeIf<T>((v > maxValue) | (v != v), v, at + j, maxValue, best);
    }
  }
  maxOut = maxValue;
  indexOut = best;
}

template <class T>
void maxPoolTyped(ThreadPool& pool, const MaxPoolArgs& a) {
  const int64_t P = a.input.shape[0], D = a.input.shape[1], H = a.input.shape[2], W = a.input.shape[3];
  const int64_t OD = a.out.shape[1], OH = a.out.shape[2], OW = a.out.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  int64_t* idx = (int64_t*)a.indices.data;
  const std::vector<Span> spansD = dilatedSpans(OD, a.kD, a.sD, a.pD, a.dD, D);
  const std::vector<Span> spansH = dilatedSpans(OH, a.kH, a.sH, a.pH, a.dH, H);
  const std::vector<Span> spansW = dilatedSpans(OW, a.kW, a.sW, a.pW, a.dW, W);
  const bool fixedRows = D == 1 && a.kD == 1 && a.pD == 0 && a.dH == 1 && a.dW == 1 && (a.kW == 2 || a.kW == 3);
  // Everything the loops read is copied to locals first: node-gyp builds with
  // -fno-strict-aliasing, so each store of an output would otherwise make the compiler
  // reload the arguments and spans through memory.
  const int64_t kW = a.kW, dD = a.dD, dH = a.dH, dW = a.dW;
  const Span* const spD = spansD.data();
  const Span* const spH = spansH.data();
  const Span* const spW = spansW.data();
  pool.parallelFor(P, planeGrain(outPlane * a.kD * a.kH * a.kW), [=](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      const T* __restrict x = in + p * plane;
      T* __restrict y = out + p * outPlane;
      int64_t* __restrict yi = idx + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t o = (od * OH + oh) * OW;
          const Span sd = spD[od], sh = spH[oh];
          for (int64_t ow = 0; ow < OW; ow++) {
            const Span sw = spW[ow];
            T value;
            int64_t at;
            // 2-d windows of ResNet's and LeNet's pools: whole rows of kW unrolled.
            if (fixedRows && kW == 2 && sw.end - sw.begin == 2) rowsMax<T, 2>(x, W, sh, sw.begin, value, at);
            else if (fixedRows && kW == 3 && sw.end - sw.begin == 3) rowsMax<T, 3>(x, W, sh, sw.begin, value, at);
            else windowMax(x, H, W, sd, sh, sw, dD, dH, dW, value, at);
            y[o + ow] = value;
            yi[o + ow] = at;
          }
        }
      }
    }
  });
}

// The values of max pooling without their indices. Each output row keeps a running max
// over its window's taps; the loop over the row's outputs is innermost, so the outputs'
// compare chains are independent (and vectorize) rather than one serial chain per window.
// A NaN tap makes the max NaN, as with indices.
template <class T>
void maxPoolValuesTyped(ThreadPool& pool, const MaxPoolValuesArgs& a) {
  const int64_t P = a.input.shape[0], D = a.input.shape[1], H = a.input.shape[2], W = a.input.shape[3];
  const int64_t OD = a.out.shape[1], OH = a.out.shape[2], OW = a.out.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  const std::vector<Span> spansD = dilatedSpans(OD, a.kD, a.sD, a.pD, a.dD, D);
  const std::vector<Span> spansH = dilatedSpans(OH, a.kH, a.sH, a.pH, a.dH, H);
  const int64_t kW = a.kW, sW = a.sW, pW = a.pW, dW = a.dW, dD = a.dD, dH = a.dH;
  const Span* const spD = spansD.data();
  const Span* const spH = spansH.data();
  pool.parallelFor(P, planeGrain(outPlane * a.kD * a.kH * a.kW), [=](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      const T* __restrict x = in + p * plane;
      for (int64_t od = 0; od < OD; od++) {
        for (int64_t oh = 0; oh < OH; oh++) {
          T* __restrict y = out + p * outPlane + (od * OH + oh) * OW;
          for (int64_t ow = 0; ow < OW; ow++) y[ow] = -std::numeric_limits<T>::infinity();
          const Span sd = spD[od], sh = spH[oh];
          for (int64_t id = sd.begin; id < sd.end; id += dD) {
            for (int64_t ih = sh.begin; ih < sh.end; ih += dH) {
              const T* __restrict row = x + (id * H + ih) * W;
              for (int64_t kw = 0; kw < kW; kw++) {
                // Outputs whose tap kw falls inside the row: 0 <= ow * sW - pW + kw * dW < W.
                const int64_t shift = kw * dW - pW;
                const int64_t lo = shift >= 0 ? 0 : (-shift + sW - 1) / sW;
                const int64_t hi = std::min(OW, W - shift <= 0 ? 0 : (W - shift - 1) / sW + 1);
                const T* __restrict tap = row + shift;
                for (int64_t ow = lo; ow < hi; ow++) {
                  const T v = tap[ow * sW];
                  const T m = y[ow];
                  y[ow] = (v > m) | (v != v) ? v : m;
                }
              }
            }
          }
        }
      }
    }
  });
}

// gradInput[p, indices[p, o]] += gradOutput[p, o], skipping indices outside the plane.
template <class T>
void maxPoolBackwardTyped(ThreadPool& pool, const MaxPoolBackwardArgs& a) {
  const int64_t P = a.gradInput.shape[0];
  const int64_t plane = a.gradInput.shape[1] * a.gradInput.shape[2] * a.gradInput.shape[3];
  const int64_t outPlane = a.gradOutput.shape[1] * a.gradOutput.shape[2] * a.gradOutput.shape[3];
  const T* g = (const T*)a.gradOutput.data;
  const int64_t* idx = (const int64_t*)a.indices.data;
  T* gi = (T*)a.gradInput.data;
  pool.parallelFor(P, planeGrain(plane + outPlane), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      T* target = gi + p * plane;
      std::fill(target, target + plane, T(0));
      const T* source = g + p * outPlane;
      const int64_t* where = idx + p * outPlane;
      for (int64_t o = 0; o < outPlane; o++) {
        const int64_t i = where[o];
        if (i >= 0 && i < plane) target[i] += source[o];
      }
    }
  });
}

// One dim of an average window: the clipped span and the size counting padding
// (PyTorch's pool_size, which ends at the far padding's edge).
struct AvgSpan {
  int64_t begin, end, padded;
};
inline AvgSpan avgSpan(int64_t o, int64_t k, int64_t s, int64_t p, int64_t size) {
  const int64_t begin = o * s - p;
  const int64_t end = std::min(begin + k, size + p);
  return {std::max<int64_t>(begin, 0), std::min(end, size), end - begin};
}

// The divisor of one window, or 0 when the window lies wholly in the padding (its output is 0).
template <class Args>
inline int64_t avgDivisor(const Args& a, const AvgSpan& sd, const AvgSpan& sh, const AvgSpan& sw) {
  if (sd.begin >= sd.end || sh.begin >= sh.end || sw.begin >= sw.end) return 0;
  if (a.divisorOverride != 0) return a.divisorOverride;
  if (a.countIncludePad) return sd.padded * sh.padded * sw.padded;
  return (sd.end - sd.begin) * (sh.end - sh.begin) * (sw.end - sw.begin);
}

template <class T>
void avgPoolTyped(ThreadPool& pool, const AvgPoolArgs& a) {
  const int64_t P = a.input.shape[0], D = a.input.shape[1], H = a.input.shape[2], W = a.input.shape[3];
  const int64_t OD = a.out.shape[1], OH = a.out.shape[2], OW = a.out.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  pool.parallelFor(P, planeGrain(outPlane * a.kD * a.kH * a.kW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      const T* x = in + p * plane;
      T* y = out + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        const AvgSpan sd = avgSpan(od, a.kD, a.sD, a.pD, D);
        for (int64_t oh = 0; oh < OH; oh++) {
          const AvgSpan sh = avgSpan(oh, a.kH, a.sH, a.pH, H);
          for (int64_t ow = 0; ow < OW; ow++) {
            const AvgSpan sw = avgSpan(ow, a.kW, a.sW, a.pW, W);
            const int64_t divisor = avgDivisor(a, sd, sh, sw);
            double sum = 0;
            if (divisor != 0) {
              for (int64_t id = sd.begin; id < sd.end; id++) {
                for (int64_t ih = sh.begin; ih < sh.end; ih++) {
                  const T* row = x + (id * H + ih) * W;
                  for (int64_t iw = sw.begin; iw < sw.end; iw++) sum += row[iw];
                }
              }
              sum /= (double)divisor;
            }
            y[(od * OH + oh) * OW + ow] = (T)sum;
          }
        }
      }
    }
  });
}

template <class T>
void avgPoolBackwardTyped(ThreadPool& pool, const AvgPoolBackwardArgs& a) {
  const int64_t P = a.gradInput.shape[0], D = a.gradInput.shape[1], H = a.gradInput.shape[2], W = a.gradInput.shape[3];
  const int64_t OD = a.gradOutput.shape[1], OH = a.gradOutput.shape[2], OW = a.gradOutput.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* g = (const T*)a.gradOutput.data;
  T* gi = (T*)a.gradInput.data;
  pool.parallelFor(P, planeGrain(plane + outPlane * a.kD * a.kH * a.kW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      T* x = gi + p * plane;
      std::fill(x, x + plane, T(0));
      const T* y = g + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        const AvgSpan sd = avgSpan(od, a.kD, a.sD, a.pD, D);
        for (int64_t oh = 0; oh < OH; oh++) {
          const AvgSpan sh = avgSpan(oh, a.kH, a.sH, a.pH, H);
          for (int64_t ow = 0; ow < OW; ow++) {
            const AvgSpan sw = avgSpan(ow, a.kW, a.sW, a.pW, W);
            const int64_t divisor = avgDivisor(a, sd, sh, sw);
            if (divisor == 0) continue;
            const T share = (T)((double)y[(od * OH + oh) * OW + ow] / (double)divisor);
            for (int64_t id = sd.begin; id < sd.end; id++) {
              for (int64_t ih = sh.begin; ih < sh.end; ih++) {
                T* row = x + (id * H + ih) * W;
                for (int64_t iw = sw.begin; iw < sw.end; iw++) row[iw] += share;
              }
            }
          }
        }
      }
    }
  });
}

// The adaptive window of output o: [floor(o * I / O), ceil((o + 1) * I / O)).
inline int64_t adaptiveBegin(int64_t o, int64_t I, int64_t O) { return (o * I) / O; }
inline int64_t adaptiveEnd(int64_t o, int64_t I, int64_t O) { return ((o + 1) * I + O - 1) / O; }

template <class T>
void adaptiveAvgPoolTyped(ThreadPool& pool, const AdaptiveAvgPoolArgs& a) {
  const int64_t P = a.input.shape[0], D = a.input.shape[1], H = a.input.shape[2], W = a.input.shape[3];
  const int64_t OD = a.out.shape[1], OH = a.out.shape[2], OW = a.out.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  pool.parallelFor(P, planeGrain(plane + outPlane), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      const T* x = in + p * plane;
      T* y = out + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        const int64_t d0 = adaptiveBegin(od, D, OD), d1 = adaptiveEnd(od, D, OD);
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t h0 = adaptiveBegin(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t w0 = adaptiveBegin(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
            double sum = 0;
            for (int64_t id = d0; id < d1; id++) {
              for (int64_t ih = h0; ih < h1; ih++) {
                const T* row = x + (id * H + ih) * W;
                for (int64_t iw = w0; iw < w1; iw++) sum += row[iw];
              }
            }
            y[(od * OH + oh) * OW + ow] = (T)(sum / (double)((d1 - d0) * (h1 - h0) * (w1 - w0)));
          }
        }
      }
    }
  });
}

template <class T>
void adaptiveAvgPoolBackwardTyped(ThreadPool& pool, const AdaptiveAvgPoolBackwardArgs& a) {
  const int64_t P = a.gradInput.shape[0], D = a.gradInput.shape[1], H = a.gradInput.shape[2], W = a.gradInput.shape[3];
  const int64_t OD = a.gradOutput.shape[1], OH = a.gradOutput.shape[2], OW = a.gradOutput.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* g = (const T*)a.gradOutput.data;
  T* gi = (T*)a.gradInput.data;
  pool.parallelFor(P, planeGrain(plane + outPlane), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      T* x = gi + p * plane;
      std::fill(x, x + plane, T(0));
      const T* y = g + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        const int64_t d0 = adaptiveBegin(od, D, OD), d1 = adaptiveEnd(od, D, OD);
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t h0 = adaptiveBegin(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t w0 = adaptiveBegin(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
            const T share = (T)((double)y[(od * OH + oh) * OW + ow] / (double)((d1 - d0) * (h1 - h0) * (w1 - w0)));
            for (int64_t id = d0; id < d1; id++) {
              for (int64_t ih = h0; ih < h1; ih++) {
                T* row = x + (id * H + ih) * W;
                for (int64_t iw = w0; iw < w1; iw++) row[iw] += share;
              }
            }
          }
        }
      }
    }
  });
}

template <class T>
void adaptiveMaxPoolTyped(ThreadPool& pool, const AdaptiveMaxPoolArgs& a) {
  const int64_t P = a.input.shape[0], D = a.input.shape[1], H = a.input.shape[2], W = a.input.shape[3];
  const int64_t OD = a.out.shape[1], OH = a.out.shape[2], OW = a.out.shape[3];
  const int64_t plane = D * H * W, outPlane = OD * OH * OW;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  int64_t* idx = (int64_t*)a.indices.data;
  pool.parallelFor(P, planeGrain(plane + outPlane), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; p++) {
      const T* x = in + p * plane;
      T* y = out + p * outPlane;
      int64_t* yi = idx + p * outPlane;
      for (int64_t od = 0; od < OD; od++) {
        const int64_t d0 = adaptiveBegin(od, D, OD), d1 = adaptiveEnd(od, D, OD);
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t h0 = adaptiveBegin(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t w0 = adaptiveBegin(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
            int64_t best = (d0 * H + h0) * W + w0;
            T maxValue = -std::numeric_limits<T>::infinity();
            for (int64_t id = d0; id < d1; id++) {
              for (int64_t ih = h0; ih < h1; ih++) {
                const int64_t row = (id * H + ih) * W;
                for (int64_t iw = w0; iw < w1; iw++) {
                  const T v = x[row + iw];
                  takeIf<T>((v > maxValue) | (v != v), v, row + iw, maxValue, best);
                }
              }
            }
            const int64_t o = (od * OH + oh) * OW + ow;
            y[o] = maxValue;
            yi[o] = best;
          }
        }
      }
    }
  });
}

}  // namespace

void CpuBackend::maxPoolRun(const MaxPoolArgs& args) {
  if (args.input.dtype == DType::Float64) maxPoolTyped<double>(pool(), args);
  else maxPoolTyped<float>(pool(), args);
}

void CpuBackend::maxPoolValuesRun(const MaxPoolValuesArgs& args) {
  if (args.input.dtype == DType::Float64) maxPoolValuesTyped<double>(pool(), args);
  else maxPoolValuesTyped<float>(pool(), args);
}

void CpuBackend::maxPoolBackwardRun(const MaxPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) maxPoolBackwardTyped<double>(pool(), args);
  else maxPoolBackwardTyped<float>(pool(), args);
}

void CpuBackend::avgPoolRun(const AvgPoolArgs& args) {
  if (args.input.dtype == DType::Float64) avgPoolTyped<double>(pool(), args);
  else avgPoolTyped<float>(pool(), args);
}

void CpuBackend::avgPoolBackwardRun(const AvgPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) avgPoolBackwardTyped<double>(pool(), args);
  else avgPoolBackwardTyped<float>(pool(), args);
}

void CpuBackend::adaptiveAvgPoolRun(const AdaptiveAvgPoolArgs& args) {
  if (args.input.dtype == DType::Float64) adaptiveAvgPoolTyped<double>(pool(), args);
  else adaptiveAvgPoolTyped<float>(pool(), args);
}

void CpuBackend::adaptiveAvgPoolBackwardRun(const AdaptiveAvgPoolBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) adaptiveAvgPoolBackwardTyped<double>(pool(), args);
  else adaptiveAvgPoolBackwardTyped<float>(pool(), args);
}

void CpuBackend::adaptiveMaxPoolRun(const AdaptiveMaxPoolArgs& args) {
  if (args.input.dtype == DType::Float64) adaptiveMaxPoolTyped<double>(pool(), args);
  else adaptiveMaxPoolTyped<float>(pool(), args);
}

}  // namespace flint
