// F.interpolate's kernels on the CPU: nearest (and nearest-exact), linear/bilinear/trilinear
// and bicubic, forward and backward, over contiguous [B, D, H, W] planes (bicubic [B, H, W]).
// The index rules are flint/rules/upsample.h, shared with CUDA. Each dim's taps are worked
// out once per call; forwards split the output rows over the pool, backwards split the
// planes (each plane's gradient is summed by one thread, so no two threads add into the
// same input element).
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_backend.h"
#include "flint/rules/upsample.h"

namespace flint {

namespace {

using upsample::CubicTap;
using upsample::LinearTap;

int64_t grainFor(int64_t workPerItem) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(workPerItem, 1)); }

std::vector<int64_t> nearestTable(int64_t in, int64_t out, double scale, bool exact) {
  std::vector<int64_t> table(out);
  for (int64_t o = 0; o < out; o++) table[o] = upsample::nearestIndex(o, in, out, scale, exact);
  return table;
}

template <class T>
std::vector<LinearTap<T>> linearTable(int64_t in, int64_t out, bool alignCorners, double scale) {
  const T ratio = upsample::areaScale<T>(in, out, alignCorners, scale);
  std::vector<LinearTap<T>> table(out);
  for (int64_t o = 0; o < out; o++) table[o] = upsample::linearTap<T>(o, in, out, alignCorners, ratio);
  return table;
}

template <class T>
std::vector<CubicTap<T>> cubicTable(int64_t in, int64_t out, bool alignCorners, double scale) {
  const T ratio = upsample::areaScale<T>(in, out, alignCorners, scale);
  std::vector<CubicTap<T>> table(out);
  for (int64_t o = 0; o < out; o++) table[o] = upsample::cubicTap<T>(o, in, alignCorners, ratio);
  return table;
}

struct Dims4 {
  int64_t b, d, h, w;
  explicit Dims4(const TensorView& v) : b(v.shape[0]), d(v.shape[1]), h(v.shape[2]), w(v.shape[3]) {}
  int64_t plane() const { return d * h * w; }
};

template <class T>
void nearestForward(ThreadPool& pool, const UpsampleNearestArgs& a) {
  const Dims4 in(a.input), out(a.out);
  const auto td = nearestTable(in.d, out.d, a.scaleD, a.exact);
  const auto th = nearestTable(in.h, out.h, a.scaleH, a.exact);
  const auto tw = nearestTable(in.w, out.w, a.scaleW, a.exact);
  const T* x = (const T*)a.input.data;
  T* y = (T*)a.out.data;
  pool.parallelFor(out.b * out.d * out.h, grainFor(out.w), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; row++) {
      const int64_t oh = row % out.h, od = (row / out.h) % out.d, b = row / (out.h * out.d);
      const T* src = x + b * in.plane() + (td[od] * in.h + th[oh]) * in.w;
      T* dst = y + row * out.w;
      for (int64_t ow = 0; ow < out.w; ow++) dst[ow] = src[tw[ow]];
    }
  });
}

template <class T>
void nearestBackward(ThreadPool& pool, const UpsampleNearestBackwardArgs& a) {
  const Dims4 in(a.gradInput), out(a.gradOutput);
  const auto td = nearestTable(in.d, out.d, a.scaleD, a.exact);
  const auto th = nearestTable(in.h, out.h, a.scaleH, a.exact);
  const auto tw = nearestTable(in.w, out.w, a.scaleW, a.exact);
  const T* g = (const T*)a.gradOutput.data;
  T* gi = (T*)a.gradInput.data;
  pool.parallelFor(in.b, grainFor(out.plane()), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      T* plane = gi + b * in.plane();
      std::fill(plane, plane + in.plane(), T(0));
      const T* gp = g + b * out.plane();
      for (int64_t od = 0; od < out.d; od++) {
        for (int64_t oh = 0; oh < out.h; oh++) {
          T* dst = plane + (td[od] * in.h + th[oh]) * in.w;
          const T* src = gp + (od * out.h + oh) * out.w;
          for (int64_t ow = 0; ow < out.w; ow++) dst[tw[ow]] += src[ow];
        }
      }
    }
  });
}

template <class T>
void linearForward(ThreadPool& pool, const UpsampleLinearArgs& a) {
  const Dims4 in(a.input), out(a.out);
  const auto td = linearTable<T>(in.d, out.d, a.alignCorners, a.scaleD);
  const auto th = linearTable<T>(in.h, out.h, a.alignCorners, a.scaleH);
  const auto tw = linearTable<T>(in.w, out.w, a.alignCorners, a.scaleW);
  const T* x = (const T*)a.input.data;
  T* y = (T*)a.out.data;
  pool.parallelFor(out.b * out.d * out.h, grainFor(out.w * 8), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; row++) {
      const int64_t oh = row % out.h, od = (row / out.h) % out.d, b = row / (out.h * out.d);
      const LinearTap<T>&dt = td[od], &ht = th[oh];
      const T* base = x + b * in.plane();
      // Rows of the input that this output row reads: (depth tap, height tap).
      const T* r00 = base + (dt.i0 * in.h + ht.i0) * in.w;
      const T* r01 = base + (dt.i0 * in.h + ht.i1) * in.w;
      const T* r10 = base + (dt.i1 * in.h + ht.i0) * in.w;
      const T* r11 = base + (dt.i1 * in.h + ht.i1) * in.w;
      T* dst = y + row * out.w;
      for (int64_t ow = 0; ow < out.w; ow++) {
        const LinearTap<T>& wt = tw[ow];
        // Nested as PyTorch's Interpolate<n>: the outer dim weighs the inner dims' results.
        const T h0 = ht.l0 * (wt.l0 * r00[wt.i0] + wt.l1 * r00[wt.i1]) + ht.l1 * (wt.l0 * r01[wt.i0] + wt.l1 * r01[wt.i1]);
        const T h1 = ht.l0 * (wt.l0 * r10[wt.i0] + wt.l1 * r10[wt.i1]) + ht.l1 * (wt.l0 * r11[wt.i0] + wt.l1 * r11[wt.i1]);
        dst[ow] = dt.l0 * h0 + dt.l1 * h1;
      }
    }
  });
}

template <class T>
void linearBackward(ThreadPool& pool, const UpsampleLinearBackwardArgs& a) {
  const Dims4 in(a.gradInput), out(a.gradOutput);
  const auto td = linearTable<T>(in.d, out.d, a.alignCorners, a.scaleD);
  const auto th = linearTable<T>(in.h, out.h, a.alignCorners, a.scaleH);
  const auto tw = linearTable<T>(in.w, out.w, a.alignCorners, a.scaleW);
  const T* g = (const T*)a.gradOutput.data;
  T* gi = (T*)a.gradInput.data;
  pool.parallelFor(in.b, grainFor(out.plane() * 8), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      T* plane = gi + b * in.plane();
      std::fill(plane, plane + in.plane(), T(0));
      const T* gp = g + b * out.plane();
      for (int64_t od = 0; od < out.d; od++) {
        for (int64_t oh = 0; oh < out.h; oh++) {
          const LinearTap<T>&dt = td[od], &ht = th[oh];
          T* rows[4] = {plane + (dt.i0 * in.h + ht.i0) * in.w, plane + (dt.i0 * in.h + ht.i1) * in.w,
                        plane + (dt.i1 * in.h + ht.i0) * in.w, plane + (dt.i1 * in.h + ht.i1) * in.w};
          const T rowWeights[4] = {dt.l0 * ht.l0, dt.l0 * ht.l1, dt.l1 * ht.l0, dt.l1 * ht.l1};
          const T* src = gp + (od * out.h + oh) * out.w;
          for (int64_t ow = 0; ow < out.w; ow++) {
            const LinearTap<T>& wt = tw[ow];
            for (int r = 0; r < 4; r++) {
              const T v = rowWeights[r] * src[ow];
              rows[r][wt.i0] += wt.l0 * v;
              rows[r][wt.i1] += wt.l1 * v;
            }
          }
        }
      }
    }
  });
}

template <class T>
void bicubicForward(ThreadPool& pool, const UpsampleBicubicArgs& a) {
  const int64_t planes = a.out.shape[0], ih = a.input.shape[1], iw = a.input.shape[2];
  const int64_t oh = a.out.shape[1], ow = a.out.shape[2];
  const auto th = cubicTable<T>(ih, oh, a.alignCorners, a.scaleH);
  const auto tw = cubicTable<T>(iw, ow, a.alignCorners, a.scaleW);
  const T* x = (const T*)a.input.data;
  T* y = (T*)a.out.data;
  pool.parallelFor(planes * oh, grainFor(ow * 16), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; row++) {
      const int64_t r = row % oh, b = row / oh;
      const CubicTap<T>& ht = th[r];
      const T* base = x + b * ih * iw;
      T* dst = y + row * ow;
      for (int64_t c = 0; c < ow; c++) {
        const CubicTap<T>& wt = tw[c];
        T sum = T(0);
        for (int j = 0; j < 4; j++) {
          const T* src = base + ht.i[j] * iw;
          T inner = wt.w[0] * src[wt.i[0]];
          for (int i = 1; i < 4; i++) inner += wt.w[i] * src[wt.i[i]];
          sum = j == 0 ? ht.w[0] * inner : sum + ht.w[j] * inner;
        }
        dst[c] = sum;
      }
    }
  });
}

template <class T>
void bicubicBackward(ThreadPool& pool, const UpsampleBicubicBackwardArgs& a) {
  const int64_t planes = a.gradInput.shape[0], ih = a.gradInput.shape[1], iw = a.gradInput.shape[2];
  const int64_t oh = a.gradOutput.shape[1], ow = a.gradOutput.shape[2];
  const auto th = cubicTable<T>(ih, oh, a.alignCorners, a.scaleH);
  const auto tw = cubicTable<T>(iw, ow, a.alignCorners, a.scaleW);
  const T* g = (const T*)a.gradOutput.data;
  T* gi = (T*)a.gradInput.data;
  // PyTorch's bicubic backward copies when the sizes are equal, even where a scale factor
  // made its forward interpolate (upsample_bicubic2d_backward_out_frame); so does flint.
  if (ih == oh && iw == ow) {
    std::memcpy(gi, g, (size_t)(planes * ih * iw) * sizeof(T));
    return;
  }
  pool.parallelFor(planes, grainFor(oh * ow * 16), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      T* plane = gi + b * ih * iw;
      std::fill(plane, plane + ih * iw, T(0));
      for (int64_t r = 0; r < oh; r++) {
        const CubicTap<T>& ht = th[r];
        const T* src = g + (b * oh + r) * ow;
        for (int64_t c = 0; c < ow; c++) {
          const CubicTap<T>& wt = tw[c];
          for (int j = 0; j < 4; j++) {
            T* dst = plane + ht.i[j] * iw;
            for (int i = 0; i < 4; i++) dst[wt.i[i]] += src[c] * ht.w[j] * wt.w[i];
          }
        }
      }
    }
  });
}

}  // namespace

void CpuBackend::upsampleNearestRun(const UpsampleNearestArgs& args) {
  if (args.input.dtype == DType::Float64) nearestForward<double>(pool(), args);
  else nearestForward<float>(pool(), args);
}

void CpuBackend::upsampleNearestBackwardRun(const UpsampleNearestBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) nearestBackward<double>(pool(), args);
  else nearestBackward<float>(pool(), args);
}

void CpuBackend::upsampleLinearRun(const UpsampleLinearArgs& args) {
  if (args.input.dtype == DType::Float64) linearForward<double>(pool(), args);
  else linearForward<float>(pool(), args);
}

void CpuBackend::upsampleLinearBackwardRun(const UpsampleLinearBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) linearBackward<double>(pool(), args);
  else linearBackward<float>(pool(), args);
}

void CpuBackend::upsampleBicubicRun(const UpsampleBicubicArgs& args) {
  if (args.input.dtype == DType::Float64) bicubicForward<double>(pool(), args);
  else bicubicForward<float>(pool(), args);
}

void CpuBackend::upsampleBicubicBackwardRun(const UpsampleBicubicBackwardArgs& args) {
  if (args.gradOutput.dtype == DType::Float64) bicubicBackward<double>(pool(), args);
  else bicubicBackward<float>(pool(), args);
}

}  // namespace flint
