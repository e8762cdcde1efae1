// Convolution's im2col and col2im on the CPU (Im2colArgs in backend.h), parallel over the
// (image, channel) planes: each plane owns its rows of the columns and its slice of the
// image, so col2im accumulates without races and in a fixed order (deterministic). Rows
// are contiguous; the columns' batch and row strides are the view's.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "cpu_backend.h"

namespace flint {

namespace {

struct Geometry {
  int64_t n, c, d, h, w;        // image sizes
  int64_t od, oh, ow;           // output sizes
  int64_t kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw;
};

Geometry geometryOf(const Im2colArgs& a) {
  Geometry g{};
  g.n = a.image.shape[0], g.c = a.image.shape[1], g.d = a.image.shape[2], g.h = a.image.shape[3], g.w = a.image.shape[4];
  g.kd = a.kernelD, g.kh = a.kernelH, g.kw = a.kernelW, g.sd = a.strideD, g.sh = a.strideH, g.sw = a.strideW;
  g.pd = a.paddingD, g.ph = a.paddingH, g.pw = a.paddingW, g.dd = a.dilationD, g.dh = a.dilationH, g.dw = a.dilationW;
  g.od = (g.d + 2 * g.pd - g.dd * (g.kd - 1) - 1) / g.sd + 1;
  g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
  return g;
}

// The output positions ow in [lo, hi) whose input column iw = ow * s - p + offset lies in
// [0, w): the rest of a row reads padding.
inline void validRange(int64_t offset, int64_t s, int64_t p, int64_t w, int64_t ow, int64_t& lo, int64_t& hi) {
  const int64_t first = p - offset;  // ow * s >= first
  lo = first <= 0 ? 0 : (first + s - 1) / s;
  const int64_t last = w - 1 + p - offset;  // ow * s <= last
  hi = last < 0 ? 0 : last / s + 1;
  lo = std::min(lo, ow);
  hi = std::max(lo, std::min(hi, ow));
}

// T is the element's storage type: im2col only moves bits, so float16 and bfloat16 use
// uint16_t (all-zero bits are +0 in every float format).
template <typename T>
void im2colPlanes(ThreadPool& pool, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  const T* image = (const T*)a.image.data;
  T* columns = (T*)a.columns.data;
  const int64_t planeIn = g.d * g.h * g.w, planeRows = g.kd * g.kh * g.kw, outSize = g.od * g.oh * g.ow;
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(planeRows * outSize, 1));
  const int64_t batchStride = a.columns.strides[0], rowStride = a.columns.strides[1];
  pool.parallelFor(g.n * g.c, grain, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; plane++) {
      const T* in = image + plane * planeIn;
      const int64_t n = plane / g.c, c = plane % g.c;
      int64_t row = c * planeRows;  // rows (c, kd, kh, kw) of image n
      for (int64_t kd = 0; kd < g.kd; kd++)
        for (int64_t kh = 0; kh < g.kh; kh++)
          for (int64_t kw = 0; kw < g.kw; kw++, row++) {
            T* col = columns + n * batchStride + row * rowStride;
            int64_t lo, hi;
            validRange(kw * g.dw, g.sw, g.pw, g.w, g.ow, lo, hi);
            const int64_t iwBase = kw * g.dw - g.pw;
            for (int64_t od = 0; od < g.od; od++) {
              const int64_t id = od * g.sd - g.pd + kd * g.dd;
              for (int64_t oh = 0; oh < g.oh; oh++, col += g.ow) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                if (id < 0 || id >= g.d || ih < 0 || ih >= g.h) {
                  std::memset(col, 0, sizeof(T) * g.ow);
                  continue;
                }
                const T* row = in + (id * g.h + ih) * g.w;
                if (lo > 0) std::memset(col, 0, sizeof(T) * lo);
                if (g.sw == 1) {
                  if (hi > lo) std::memcpy(col + lo, row + lo + iwBase, sizeof(T) * (hi - lo));
                } else {
                  for (int64_t ow = lo; ow < hi; ow++) col[ow] = row[ow * g.sw + iwBase];
                }
                if (hi < g.ow) std::memset(col + hi, 0, sizeof(T) * (g.ow - hi));
              }
            }
          }
    }
  });
}

template <typename T>
void col2imPlanes(ThreadPool& pool, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  T* image = (T*)a.image.data;
  const T* columns = (const T*)a.columns.data;
  const int64_t planeIn = g.d * g.h * g.w, planeRows = g.kd * g.kh * g.kw, outSize = g.od * g.oh * g.ow;
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(planeRows * outSize + planeIn, 1));
  const int64_t batchStride = a.columns.strides[0], rowStride = a.columns.strides[1];
  pool.parallelFor(g.n * g.c, grain, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; plane++) {
      T* in = image + plane * planeIn;
      const int64_t n = plane / g.c, c = plane % g.c;
      int64_t row = c * planeRows;
      std::fill(in, in + planeIn, T(0));
      for (int64_t kd = 0; kd < g.kd; kd++)
        for (int64_t kh = 0; kh < g.kh; kh++)
          for (int64_t kw = 0; kw < g.kw; kw++, row++) {
            const T* col = columns + n * batchStride + row * rowStride;
            int64_t lo, hi;
            validRange(kw * g.dw, g.sw, g.pw, g.w, g.ow, lo, hi);
            const int64_t iwBase = kw * g.dw - g.pw;
            for (int64_t od = 0; od < g.od; od++) {
              const int64_t id = od * g.sd - g.pd + kd * g.dd;
              for (int64_t oh = 0; oh < g.oh; oh++, col += g.ow) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                if (id < 0 || id >= g.d || ih < 0 || ih >= g.h) continue;
                T* row = in + (id * g.h + ih) * g.w;
                for (int64_t ow = lo; ow < hi; ow++) row[ow * g.sw + iwBase] += col[ow];
              }
            }
          }
    }
  });
}

}  // namespace

void CpuBackend::im2colRun(const Im2colArgs& args) {
  switch (args.image.dtype) {
    case DType::Float64: im2colPlanes<double>(pool(), args); break;
    case DType::Float32: im2colPlanes<float>(pool(), args); break;
    default: im2colPlanes<uint16_t>(pool(), args); break;  // float16, bfloat16 (checked)
  }
}

void CpuBackend::col2imRun(const Im2colArgs& args) {
  if (args.image.dtype == DType::Float64) col2imPlanes<double>(pool(), args);
  else col2imPlanes<float>(pool(), args);
}

// The convolution entries run through oneDNN on the CPU (onednn_convolution.cc), loaded when
// a convolution or backendQuery(OnednnVersion) first asks. Without it, TypeScript convolves
// by im2col and BLAS (nn/functional/conv.ts) and never calls these.
OnednnConvolutions& CpuBackend::onednn() {
  std::lock_guard<std::mutex> lock(onednnMutex_);
  if (onednn_ == nullptr && onednnError_.empty()) {
    try {
      onednn_ = std::make_unique<OnednnConvolutions>();
    } catch (const std::exception& e) {
      onednnError_ = e.what();
    }
  }
  if (onednn_ == nullptr) throw Error(onednnError_);
  return *onednn_;
}

double CpuBackend::queryImpl(BackendQuery query) {
  if (query != BackendQuery::OnednnVersion) return 0;
  try {
    return onednn().version();
  } catch (const Error&) {
    return 0;
  }
}

void CpuBackend::convolutionRun(const ConvolutionArgs& a) { onednn().forward(a, pool().size()); }
void CpuBackend::convolutionBackwardInputRun(const ConvolutionBackwardInputArgs& a) {
  onednn().backwardData(a, pool().size());
}
void CpuBackend::convolutionBackwardWeightRun(const ConvolutionBackwardWeightArgs& a) {
  onednn().backwardWeights(a, pool().size());
}

}  // namespace flint
