// F.interpolate's kernels on the GPU, with the CPU's index rules (flint/rules/upsample.h):
// one thread per output element works out its taps. Backwards zero gradInput and add each
// output's gradient into the inputs it read with atomicAdd (several outputs read one input),
// so float sums may round in another order than the CPU's; the values agree within rounding.
#include <algorithm>

#include "common.cuh"
#include "flint/rules/upsample.h"

namespace flint {

namespace {

struct Sizes {
  int64_t b, id, ih, iw, od, oh, ow;
};

Sizes sizesOf(const TensorView& in, const TensorView& out) {
  return {in.shape[0], in.shape[1], in.shape[2], in.shape[3], out.shape[1], out.shape[2], out.shape[3]};
}

// A flat output index to (plane, od, oh, ow).
__device__ __forceinline__ void unflatten(int64_t i, const Sizes& s, int64_t& b, int64_t& d, int64_t& h, int64_t& w) {
  w = i % s.ow;
  i /= s.ow;
  h = i % s.oh;
  i /= s.oh;
  d = i % s.od;
  b = i / s.od;
}

template <class T, bool kBackward>
__global__ void nearestKernel(const T* __restrict__ src, T* __restrict__ dst, Sizes s, double sd, double sh, double sw, bool exact) {
  const int64_t n = s.b * s.od * s.oh * s.ow;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t b, d, h, w;
    unflatten(i, s, b, d, h, w);
    const int64_t id = upsample::nearestIndex(d, s.id, s.od, sd, exact);
    const int64_t ih = upsample::nearestIndex(h, s.ih, s.oh, sh, exact);
    const int64_t iw = upsample::nearestIndex(w, s.iw, s.ow, sw, exact);
    const int64_t j = ((b * s.id + id) * s.ih + ih) * s.iw + iw;
    if (kBackward) atomicAdd(dst + j, src[i]);
    else dst[i] = src[j];
  }
}

template <class T, bool kBackward>
__global__ void linearKernel(const T* __restrict__ src, T* __restrict__ dst, Sizes s, bool align, T rd, T rh, T rw) {
  const int64_t n = s.b * s.od * s.oh * s.ow;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t b, d, h, w;
    unflatten(i, s, b, d, h, w);
    const upsample::LinearTap<T> td = upsample::linearTap<T>(d, s.id, s.od, align, rd);
    const upsample::LinearTap<T> th = upsample::linearTap<T>(h, s.ih, s.oh, align, rh);
    const upsample::LinearTap<T> tw = upsample::linearTap<T>(w, s.iw, s.ow, align, rw);
    const int64_t plane = b * s.id * s.ih * s.iw;
    const int64_t r00 = plane + (td.i0 * s.ih + th.i0) * s.iw, r01 = plane + (td.i0 * s.ih + th.i1) * s.iw;
    const int64_t r10 = plane + (td.i1 * s.ih + th.i0) * s.iw, r11 = plane + (td.i1 * s.ih + th.i1) * s.iw;
    if (kBackward) {
      const T g = src[i];
      const int64_t rows[4] = {r00, r01, r10, r11};
      const T weights[4] = {td.l0 * th.l0, td.l0 * th.l1, td.l1 * th.l0, td.l1 * th.l1};
      for (int r = 0; r < 4; r++) {
        const T v = weights[r] * g;
        atomicAdd(dst + rows[r] + tw.i0, tw.l0 * v);
        atomicAdd(dst + rows[r] + tw.i1, tw.l1 * v);
      }
    } else {
      const T h0 = th.l0 * (tw.l0 * src[r00 + tw.i0] + tw.l1 * src[r00 + tw.i1]) + th.l1 * (tw.l0 * src[r01 + tw.i0] + tw.l1 * src[r01 + tw.i1]);
      const T h1 = th.l0 * (tw.l0 * src[r10 + tw.i0] + tw.l1 * src[r10 + tw.i1]) + th.l1 * (tw.l0 * src[r11 + tw.i0] + tw.l1 * src[r11 + tw.i1]);
      dst[i] = td.l0 * h0 + td.l1 * h1;
    }
  }
}

template <class T, bool kBackward>
__global__ void bicubicKernel(const T* __restrict__ src, T* __restrict__ dst, Sizes s, bool align, T rh, T rw) {
  const int64_t n = s.b * s.oh * s.ow;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t w = i % s.ow, h = (i / s.ow) % s.oh, b = i / (s.ow * s.oh);
    const upsample::CubicTap<T> th = upsample::cubicTap<T>(h, s.ih, align, rh);
    const upsample::CubicTap<T> tw = upsample::cubicTap<T>(w, s.iw, align, rw);
    const int64_t plane = b * s.ih * s.iw;
    if (kBackward) {
      const T g = src[i];
      for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 4; k++) atomicAdd(dst + plane + th.i[j] * s.iw + tw.i[k], g * th.w[j] * tw.w[k]);
      }
    } else {
      T sum = T(0);
      for (int j = 0; j < 4; j++) {
        const T* row = src + plane + th.i[j] * s.iw;
        T inner = tw.w[0] * row[tw.i[0]];
        for (int k = 1; k < 4; k++) inner += tw.w[k] * row[tw.i[k]];
        sum = j == 0 ? th.w[0] * inner : sum + th.w[j] * inner;
      }
      dst[i] = sum;
    }
  }
}

// Bicubic's [B, H, W] views as Sizes with a depth of 1.
Sizes sizesOf3(const TensorView& in, const TensorView& out) {
  return {in.shape[0], 1, in.shape[1], in.shape[2], 1, out.shape[1], out.shape[2]};
}

void zero(CudaContext& ctx, const TensorView& view) {
  const int64_t bytes = view.numel() * (int64_t)view.itemsize();
  if (bytes > 0) FLINT_CUDA_CHECK(cudaMemsetAsync(view.data, 0, (size_t)bytes, ctx.stream));
}

template <class T>
void nearestTyped(CudaContext& ctx, const TensorView& src, const TensorView& dst, const Sizes& s, double sd, double sh, double sw, bool exact,
                  bool backward) {
  const int64_t n = s.b * s.od * s.oh * s.ow;
  if (backward) zero(ctx, dst);
  if (n == 0) return;
  if (backward) nearestKernel<T, true><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, sd, sh, sw, exact);
  else nearestKernel<T, false><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, sd, sh, sw, exact);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void linearTyped(CudaContext& ctx, const TensorView& src, const TensorView& dst, const Sizes& s, bool align, double sd, double sh, double sw,
                 bool backward) {
  const int64_t n = s.b * s.od * s.oh * s.ow;
  if (backward) zero(ctx, dst);
  if (n == 0) return;
  const T rd = upsample::areaScale<T>(s.id, s.od, align, sd), rh = upsample::areaScale<T>(s.ih, s.oh, align, sh);
  const T rw = upsample::areaScale<T>(s.iw, s.ow, align, sw);
  if (backward) linearKernel<T, true><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, align, rd, rh, rw);
  else linearKernel<T, false><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, align, rd, rh, rw);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void bicubicTyped(CudaContext& ctx, const TensorView& src, const TensorView& dst, const Sizes& s, bool align, double sh, double sw, bool backward) {
  const int64_t n = s.b * s.oh * s.ow;
  if (backward && s.ih == s.oh && s.iw == s.ow) {
    // PyTorch's bicubic backward copies when the sizes are equal (see native/cpu/upsample.cc).
    if (n > 0) FLINT_CUDA_CHECK(cudaMemcpyAsync(dst.data, src.data, (size_t)n * sizeof(T), cudaMemcpyDeviceToDevice, ctx.stream));
    return;
  }
  if (backward) zero(ctx, dst);
  if (n == 0) return;
  const T rh = upsample::areaScale<T>(s.ih, s.oh, align, sh), rw = upsample::areaScale<T>(s.iw, s.ow, align, sw);
  if (backward) bicubicKernel<T, true><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, align, rh, rw);
  else bicubicKernel<T, false><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)src.data, (T*)dst.data, s, align, rh, rw);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::upsampleNearestImpl(const UpsampleNearestArgs& a) {
  const Sizes s = sizesOf(a.input, a.out);
  if (a.input.dtype == DType::Float64) nearestTyped<double>(context(), a.input, a.out, s, a.scaleD, a.scaleH, a.scaleW, a.exact, false);
  else nearestTyped<float>(context(), a.input, a.out, s, a.scaleD, a.scaleH, a.scaleW, a.exact, false);
}

void CudaBackend::upsampleNearestBackwardImpl(const UpsampleNearestBackwardArgs& a) {
  const Sizes s = sizesOf(a.gradInput, a.gradOutput);
  if (a.gradOutput.dtype == DType::Float64) nearestTyped<double>(context(), a.gradOutput, a.gradInput, s, a.scaleD, a.scaleH, a.scaleW, a.exact, true);
  else nearestTyped<float>(context(), a.gradOutput, a.gradInput, s, a.scaleD, a.scaleH, a.scaleW, a.exact, true);
}

void CudaBackend::upsampleLinearImpl(const UpsampleLinearArgs& a) {
  const Sizes s = sizesOf(a.input, a.out);
  if (a.input.dtype == DType::Float64) linearTyped<double>(context(), a.input, a.out, s, a.alignCorners, a.scaleD, a.scaleH, a.scaleW, false);
  else linearTyped<float>(context(), a.input, a.out, s, a.alignCorners, a.scaleD, a.scaleH, a.scaleW, false);
}

void CudaBackend::upsampleLinearBackwardImpl(const UpsampleLinearBackwardArgs& a) {
  const Sizes s = sizesOf(a.gradInput, a.gradOutput);
  if (a.gradOutput.dtype == DType::Float64) {
    linearTyped<double>(context(), a.gradOutput, a.gradInput, s, a.alignCorners, a.scaleD, a.scaleH, a.scaleW, true);
  } else {
    linearTyped<float>(context(), a.gradOutput, a.gradInput, s, a.alignCorners, a.scaleD, a.scaleH, a.scaleW, true);
  }
}

void CudaBackend::upsampleBicubicImpl(const UpsampleBicubicArgs& a) {
  const Sizes s = sizesOf3(a.input, a.out);
  if (a.input.dtype == DType::Float64) bicubicTyped<double>(context(), a.input, a.out, s, a.alignCorners, a.scaleH, a.scaleW, false);
  else bicubicTyped<float>(context(), a.input, a.out, s, a.alignCorners, a.scaleH, a.scaleW, false);
}

void CudaBackend::upsampleBicubicBackwardImpl(const UpsampleBicubicBackwardArgs& a) {
  const Sizes s = sizesOf3(a.gradInput, a.gradOutput);
  if (a.gradOutput.dtype == DType::Float64) bicubicTyped<double>(context(), a.gradOutput, a.gradInput, s, a.alignCorners, a.scaleH, a.scaleW, true);
  else bicubicTyped<float>(context(), a.gradOutput, a.gradInput, s, a.alignCorners, a.scaleH, a.scaleW, true);
}

}  // namespace flint
