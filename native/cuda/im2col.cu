// Convolution's im2col and col2im on the GPU (Im2colArgs in backend.h), with the CPU's
// layout (native/cpu/im2col.cc): contiguous rows, the columns' batch and row strides the
// view's. im2col: one thread per column element. col2im: one
// thread per image element, summing the column elements that read it in a fixed order,
// so it needs no atomics and is deterministic.
#include <algorithm>
#include <cstdint>

#include "common.cuh"

namespace flint {

namespace {

struct Geometry {
  int64_t n, c, d, h, w;
  int64_t od, oh, ow;
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

// T is the storage type: im2col moves bits only (uint16_t for float16 and bfloat16).
template <class T>
__global__ void im2colKernel(const T* __restrict__ image, T* __restrict__ columns, Geometry g, int64_t total,
                             int64_t batchStride, int64_t rowStride) {
  const int64_t outSize = g.od * g.oh * g.ow, rows = g.c * g.kd * g.kh * g.kw;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t colIndex = i % outSize, rowIndex = (i / outSize) % rows, n = i / outSize / rows;
    int64_t r = i;
    const int64_t ow = r % g.ow; r /= g.ow;
    const int64_t oh = r % g.oh; r /= g.oh;
    const int64_t od = r % g.od; r /= g.od;
    const int64_t kw = r % g.kw; r /= g.kw;
    const int64_t kh = r % g.kh; r /= g.kh;
    const int64_t kd = r % g.kd; r /= g.kd;  // r is now the (n, c) plane
    const int64_t id = od * g.sd - g.pd + kd * g.dd;
    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
    const int64_t iw = ow * g.sw - g.pw + kw * g.dw;
    const bool inside = id >= 0 && id < g.d && ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
    columns[n * batchStride + rowIndex * rowStride + colIndex] = inside ? image[((r * g.d + id) * g.h + ih) * g.w + iw] : T(0);
  }
}

template <class T>
__global__ void col2imKernel(const T* __restrict__ columns, T* __restrict__ image, Geometry g, int64_t total,
                             int64_t batchStride, int64_t rowStride) {
  const int64_t planeRows = g.kd * g.kh * g.kw;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = i;
    const int64_t iw = r % g.w; r /= g.w;
    const int64_t ih = r % g.h; r /= g.h;
    const int64_t id = r % g.d; r /= g.d;
    const T* col = columns + (r / g.c) * batchStride + (r % g.c) * planeRows * rowStride;  // r is the (n, c) plane
    T sum = 0;
    for (int64_t kd = 0; kd < g.kd; kd++) {
      const int64_t td = id + g.pd - kd * g.dd;
      if (td < 0 || td % g.sd != 0 || td / g.sd >= g.od) continue;
      for (int64_t kh = 0; kh < g.kh; kh++) {
        const int64_t th = ih + g.ph - kh * g.dh;
        if (th < 0 || th % g.sh != 0 || th / g.sh >= g.oh) continue;
        for (int64_t kw = 0; kw < g.kw; kw++) {
          const int64_t tw = iw + g.pw - kw * g.dw;
          if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.ow) continue;
          const int64_t row = (kd * g.kh + kh) * g.kw + kw;
          sum += col[row * rowStride + ((td / g.sd) * g.oh + th / g.sh) * g.ow + tw / g.sw];
        }
      }
    }
    image[i] = sum;
  }
}

template <class T>
void im2colTyped(CudaContext& ctx, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  const int64_t total = a.columns.shape[0] * a.columns.shape[1] * a.columns.shape[2];
  if (total == 0) return;
  im2colKernel<T><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>((const T*)a.image.data, (T*)a.columns.data, g, total,
                                                                           a.columns.strides[0], a.columns.strides[1]);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void col2imTyped(CudaContext& ctx, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  const int64_t total = g.n * g.c * g.d * g.h * g.w;
  if (total == 0) return;
  col2imKernel<T><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>((const T*)a.columns.data, (T*)a.image.data, g, total,
                                                                           a.columns.strides[0], a.columns.strides[1]);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::im2colImpl(const Im2colArgs& args) {
  switch (args.image.dtype) {
    case DType::Float64: im2colTyped<double>(context(), args); break;
    case DType::Float32: im2colTyped<float>(context(), args); break;
    default: im2colTyped<uint16_t>(context(), args); break;  // float16, bfloat16 (checked)
  }
}

void CudaBackend::col2imImpl(const Im2colArgs& args) {
  if (args.image.dtype == DType::Float64) col2imTyped<double>(context(), args);
  else col2imTyped<float>(context(), args);
}

}  // namespace flint
