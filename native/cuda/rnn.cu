// The recurrent layers' fused pointwise steps on the GPU, with the CPU's math
// (native/cpu/rnn.cc): one thread per (row, hidden unit), grid-stride. Outputs may share
// elements with inputs only at the same positions, and each thread reads its element's
// inputs before it writes, so in-place carries (dcPrev = dc, dhPrev = dh) are safe.
#include <algorithm>

#include "common.cuh"

namespace flint {

namespace {

template <class T>
__device__ __forceinline__ T sigmoidOf(T x) {
  return T(1) / (T(1) + exp(-x));
}

#define FLINT_GRID_LOOP(k, n) \
  for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < (n); k += (int64_t)gridDim.x * blockDim.x)

template <class T>
__global__ void lstmForwardKernel(const T* xp, const T* hp, const T* cPrev, T* h, T* c, T* gates, int64_t B, int64_t H) {
  FLINT_GRID_LOOP(k, B * H) {
    const int64_t b = k / H, j = k - b * H;
    const T* x = xp + b * 4 * H;
    const T* y = hp + b * 4 * H;
    T* g = gates + b * 4 * H;
    const T i = sigmoidOf(x[j] + y[j]);
    const T f = sigmoidOf(x[H + j] + y[H + j]);
    const T gg = tanh(x[2 * H + j] + y[2 * H + j]);
    const T o = sigmoidOf(x[3 * H + j] + y[3 * H + j]);
    const T cn = f * cPrev[k] + i * gg;
    g[j] = i;
    g[H + j] = f;
    g[2 * H + j] = gg;
    g[3 * H + j] = o;
    c[k] = cn;
    h[k] = o * tanh(cn);
  }
}

template <class T>
__global__ void lstmBackwardKernel(const T* dh, const T* dhOut, const T* dc, const T* gates, const T* c, const T* cPrev, T* dPre,
                                   T* dcPrev, int64_t B, int64_t H) {
  FLINT_GRID_LOOP(k, B * H) {
    const int64_t b = k / H, j = k - b * H;
    const T* g = gates + b * 4 * H;
    T* d = dPre + b * 4 * H;
    const T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
    const T dhk = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
    const T tc = tanh(c[k]);
    const T dct = dc[k] + dhk * o * (T(1) - tc * tc);
    d[j] = dct * gg * i * (T(1) - i);
    d[H + j] = dct * cPrev[k] * f * (T(1) - f);
    d[2 * H + j] = dct * i * (T(1) - gg * gg);
    d[3 * H + j] = dhk * tc * o * (T(1) - o);
    dcPrev[k] = dct * f;
  }
}

template <class T>
__global__ void gruForwardKernel(const T* xp, const T* hp, const T* bias, const T* hPrev, T* h, T* gates, int64_t B, int64_t H) {
  FLINT_GRID_LOOP(k, B * H) {
    const int64_t b = k / H, j = k - b * H;
    const T* x = xp + b * 3 * H;
    const T* y = hp + b * 3 * H;
    T* g = gates + b * 4 * H;
    const T r = sigmoidOf(x[j] + y[j] + (bias != nullptr ? bias[j] : T(0)));
    const T z = sigmoidOf(x[H + j] + y[H + j] + (bias != nullptr ? bias[H + j] : T(0)));
    const T hn = y[2 * H + j] + (bias != nullptr ? bias[2 * H + j] : T(0));
    const T n = tanh(x[2 * H + j] + r * hn);
    g[j] = r;
    g[H + j] = z;
    g[2 * H + j] = n;
    g[3 * H + j] = hn;
    h[k] = (T(1) - z) * n + z * hPrev[k];
  }
}

template <class T>
__global__ void gruBackwardKernel(const T* dh, const T* dhOut, const T* gates, const T* hPrev, T* dx, T* dhh, T* dhPrev, int64_t B,
                                  int64_t H) {
  FLINT_GRID_LOOP(k, B * H) {
    const int64_t b = k / H, j = k - b * H;
    const T* g = gates + b * 4 * H;
    T* d = dx + b * 3 * H;
    T* e = dhh + b * 3 * H;
    const T r = g[j], z = g[H + j], n = g[2 * H + j], hn = g[3 * H + j];
    const T dhk = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
    const T dn = dhk * (T(1) - z) * (T(1) - n * n);
    const T dz = dhk * (hPrev[k] - n) * z * (T(1) - z);
    const T dr = dn * hn * r * (T(1) - r);
    d[j] = dr;
    d[H + j] = dz;
    d[2 * H + j] = dn;
    e[j] = dr;
    e[H + j] = dz;
    e[2 * H + j] = dn * r;
    dhPrev[k] = dhk * z;
  }
}

template <class T>
__global__ void rnnForwardKernel(const T* x, const T* y, T* h, int64_t n, bool relu) {
  FLINT_GRID_LOOP(k, n) {
    const T v = x[k] + y[k];
    h[k] = relu ? (v > T(0) ? v : (isnan(v) ? v : T(0))) : tanh(v);
  }
}

template <class T>
__global__ void rnnBackwardKernel(const T* dh, const T* dhOut, const T* h, T* dPre, int64_t n, bool relu) {
  FLINT_GRID_LOOP(k, n) {
    const T d = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
    dPre[k] = relu ? (h[k] > T(0) ? d : T(0)) : d * (T(1) - h[k] * h[k]);
  }
}

#undef FLINT_GRID_LOOP

template <class T>
void lstmForwardTyped(CudaContext& ctx, const LstmCellArgs& a) {
  const int64_t B = a.h.shape[0], H = a.h.shape[1];
  if (B * H == 0) return;
  lstmForwardKernel<T><<<gridFor(ctx, B * H), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.xproj.data, (const T*)a.hproj.data, (const T*)a.cPrev.data, (T*)a.h.data, (T*)a.c.data, (T*)a.gates.data, B, H);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void lstmBackwardTyped(CudaContext& ctx, const LstmCellBackwardArgs& a) {
  const int64_t B = a.dh.shape[0], H = a.dh.shape[1];
  if (B * H == 0) return;
  lstmBackwardKernel<T><<<gridFor(ctx, B * H), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.dh.data, (const T*)a.dhOut.data, (const T*)a.dc.data, (const T*)a.gates.data, (const T*)a.c.data,
      (const T*)a.cPrev.data, (T*)a.dPre.data, (T*)a.dcPrev.data, B, H);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void gruForwardTyped(CudaContext& ctx, const GruCellArgs& a) {
  const int64_t B = a.h.shape[0], H = a.h.shape[1];
  if (B * H == 0) return;
  gruForwardKernel<T><<<gridFor(ctx, B * H), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.xproj.data, (const T*)a.hproj.data, (const T*)a.bhh.data, (const T*)a.hPrev.data, (T*)a.h.data,
      (T*)a.gates.data, B, H);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void gruBackwardTyped(CudaContext& ctx, const GruCellBackwardArgs& a) {
  const int64_t B = a.dh.shape[0], H = a.dh.shape[1];
  if (B * H == 0) return;
  gruBackwardKernel<T><<<gridFor(ctx, B * H), kBlockThreads, 0, ctx.stream>>>(
      (const T*)a.dh.data, (const T*)a.dhOut.data, (const T*)a.gates.data, (const T*)a.hPrev.data, (T*)a.dx.data, (T*)a.dhh.data,
      (T*)a.dhPrev.data, B, H);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void rnnForwardTyped(CudaContext& ctx, const RnnCellArgs& a) {
  const int64_t n = a.h.shape[0] * a.h.shape[1];
  if (n == 0) return;
  rnnForwardKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)a.xproj.data, (const T*)a.hproj.data, (T*)a.h.data,
                                                                          n, a.relu);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void rnnBackwardTyped(CudaContext& ctx, const RnnCellBackwardArgs& a) {
  const int64_t n = a.dh.shape[0] * a.dh.shape[1];
  if (n == 0) return;
  rnnBackwardKernel<T><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>((const T*)a.dh.data, (const T*)a.dhOut.data,
                                                                           (const T*)a.h.data, (T*)a.dPre.data, n, a.relu);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::lstmCellImpl(const LstmCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) lstmForwardTyped<double>(context(), a);
  else lstmForwardTyped<float>(context(), a);
}

void CudaBackend::lstmCellBackwardImpl(const LstmCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) lstmBackwardTyped<double>(context(), a);
  else lstmBackwardTyped<float>(context(), a);
}

void CudaBackend::gruCellImpl(const GruCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) gruForwardTyped<double>(context(), a);
  else gruForwardTyped<float>(context(), a);
}

void CudaBackend::gruCellBackwardImpl(const GruCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) gruBackwardTyped<double>(context(), a);
  else gruBackwardTyped<float>(context(), a);
}

void CudaBackend::rnnCellImpl(const RnnCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) rnnForwardTyped<double>(context(), a);
  else rnnForwardTyped<float>(context(), a);
}

void CudaBackend::rnnCellBackwardImpl(const RnnCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) rnnBackwardTyped<double>(context(), a);
  else rnnBackwardTyped<float>(context(), a);
}

}  // namespace flint
