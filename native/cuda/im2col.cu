// Convolution's im2col and col2im on the GPU (Im2colArgs in backend.h), with the CPU's
// layout (native/cpu/im2col.cc): contiguous rows, the columns' batch and row strides the
// view's.
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
// I is the index type: 32-bit where every index fits, since a 64-bit division costs the
// GPU dozens of instructions and these kernels are index arithmetic around one copy.
// One thread per (image, channel, output position) walks its window and writes the
// kd·kh·kw values down its column: consecutive threads read and write consecutive
// positions, and the divisions are paid once per window rather than once per element
// (one thread per element took 10 ms of a 29 ms MNIST training step on an H200).
template <class T, class I>
__global__ void im2colKernel(const T* __restrict__ image, T* __restrict__ columns, Geometry g, I total,
                             int64_t batchStride, int64_t rowStride) {
  const I ow_ = (I)g.ow, oh_ = (I)g.oh, od_ = (I)g.od, c_ = (I)g.c;
  const int64_t window = g.kd * g.kh * g.kw;
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
    I r = i;
    const I ow = r % ow_; r /= ow_;
    const I oh = r % oh_; r /= oh_;
    const I od = r % od_; r /= od_;
    const I channel = r % c_, n = r / c_;  // r is the (n, c) plane
    T* out = columns + (int64_t)n * batchStride + (int64_t)channel * window * rowStride + ((int64_t)od * g.oh + oh) * g.ow + ow;
    const T* plane = image + (int64_t)r * g.d * g.h * g.w;
    for (I kd = 0; kd < (I)g.kd; kd++) {
      const int64_t id = (int64_t)od * g.sd - g.pd + (int64_t)kd * g.dd;
      for (I kh = 0; kh < (I)g.kh; kh++) {
        const int64_t ih = (int64_t)oh * g.sh - g.ph + (int64_t)kh * g.dh;
        const bool rowInside = id >= 0 && id < g.d && ih >= 0 && ih < g.h;
        const T* line = plane + (id * g.h + ih) * g.w;
        for (I kw = 0; kw < (I)g.kw; kw++) {
          const int64_t iw = (int64_t)ow * g.sw - g.pw + (int64_t)kw * g.dw;
          *out = rowInside && iw >= 0 && iw < g.w ? line[iw] : T(0);
          out += rowStride;
        }
      }
    }
  }
}

// One thread per image element sums, in a fixed order, the column elements that read it:
// no atomics, deterministic.
template <class T, class I>
__global__ void col2imKernel(const T* __restrict__ columns, T* __restrict__ image, Geometry g, I total,
                             int64_t batchStride, int64_t rowStride) {
  const int64_t planeRows = g.kd * g.kh * g.kw;
  const I w_ = (I)g.w, h_ = (I)g.h, d_ = (I)g.d, c_ = (I)g.c;
  const I sd = (I)g.sd, sh = (I)g.sh, sw = (I)g.sw, od = (I)g.od, oh = (I)g.oh, ow = (I)g.ow;
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
    I r = i;
    const I iw = r % w_; r /= w_;
    const I ih = r % h_; r /= h_;
    const I id = r % d_; r /= d_;
    const T* col = columns + (int64_t)(r / c_) * batchStride + (int64_t)(r % c_) * planeRows * rowStride;  // r is the (n, c) plane
    T sum = 0;
    for (I kd = 0; kd < (I)g.kd; kd++) {
      // Signed: the padded position can fall before the image.
      const int64_t td = (int64_t)id + g.pd - (int64_t)kd * g.dd;
      if (td < 0 || (I)td % sd != 0 || (I)td / sd >= od) continue;
      for (I kh = 0; kh < (I)g.kh; kh++) {
        const int64_t th = (int64_t)ih + g.ph - (int64_t)kh * g.dh;
        if (th < 0 || (I)th % sh != 0 || (I)th / sh >= oh) continue;
        for (I kw = 0; kw < (I)g.kw; kw++) {
          const int64_t tw = (int64_t)iw + g.pw - (int64_t)kw * g.dw;
          if (tw < 0 || (I)tw % sw != 0 || (I)tw / sw >= ow) continue;
          const int64_t row = ((int64_t)kd * g.kh + kh) * g.kw + kw;
          sum += col[row * rowStride + ((int64_t)((I)td / sd) * g.oh + (I)th / sh) * g.ow + (I)tw / sw];
        }
      }
    }
    image[i] = sum;
  }
}

// Whether every index a kernel computes fits 32 bits: the thread count (with one grid's
// stride past it) and each dimension's padded extent.
bool fits32(const Geometry& g, int64_t total) {
  const int64_t limit = int64_t(1) << 30;
  return total < limit && g.d + 2 * g.pd < limit && g.h + 2 * g.ph < limit && g.w + 2 * g.pw < limit;
}

template <class T>
void im2colTyped(CudaContext& ctx, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  const int64_t total = g.n * g.c * g.od * g.oh * g.ow;
  if (total == 0 || a.columns.shape[0] * a.columns.shape[1] * a.columns.shape[2] == 0) return;
  const T* image = (const T*)a.image.data;
  T* columns = (T*)a.columns.data;
  if (fits32(g, total)) {
    im2colKernel<T, uint32_t><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>(image, columns, g, (uint32_t)total,
                                                                                     a.columns.strides[0], a.columns.strides[1]);
  } else {
    im2colKernel<T, int64_t><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>(image, columns, g, total,
                                                                                    a.columns.strides[0], a.columns.strides[1]);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void col2imTyped(CudaContext& ctx, const Im2colArgs& a) {
  const Geometry g = geometryOf(a);
  const int64_t total = g.n * g.c * g.d * g.h * g.w;
  if (total == 0) return;
  const T* columns = (const T*)a.columns.data;
  T* image = (T*)a.image.data;
  if (fits32(g, total)) {
    col2imKernel<T, uint32_t><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>(columns, image, g, (uint32_t)total,
                                                                                     a.columns.strides[0], a.columns.strides[1]);
  } else {
    col2imKernel<T, int64_t><<<gridFor(ctx, total), kBlockThreads, 0, ctx.stream>>>(columns, image, g, total,
                                                                                    a.columns.strides[0], a.columns.strides[1]);
  }
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
