// The recurrent layers' fused pointwise steps on the CPU (declared in entries.mjs; the
// shapes were checked where the call entered). One call covers one time step of B rows;
// the GEMMs around it are the caller's (src/nn/rnn/). Gate order is PyTorch's: LSTM
// (i, f, g, o), GRU (r, z, n). Outputs may share elements with inputs only at the same
// positions (dcPrev/dc, dhPrev/dh), so every element is read before it is written.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu_backend.h"

namespace flint {

namespace {

// The activations. float32 steps run branch-free Cephes polynomials (expf's and tanhf's,
// a few ulp) four lanes at a time with GCC/clang vector extensions (SSE2, no -march):
// with libm's scalar expf and tanhf the transcendentals dominated a training step.
// float64 (gradchecks) keeps libm. The scalar float versions do the same arithmetic as
// the lanes, for the tails.
typedef float V4f __attribute__((vector_size(16)));
typedef int32_t V4i __attribute__((vector_size(16)));

inline V4f load4(const float* p) {
  V4f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store4(float* p, V4f v) { std::memcpy(p, &v, sizeof v); }

inline V4f expV(V4f x) {
  const V4f lo = V4f{} - 87.0f, hi = V4f{} + 88.0f;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const V4f fx = x * 1.44269504088896341f + 0.5f;
  V4i n = __builtin_convertvector(fx, V4i);
  n = __builtin_convertvector(n, V4f) > fx ? n - 1 : n;  // floor, for negative fx too
  const V4f nf = __builtin_convertvector(n, V4f);
  const V4f r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  V4f y = V4f{} + 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const V4i bits = (n + 127) << 23;
  V4f scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

inline float expFast(float in) {
  // NaN would reach the int conversion below (UB): it computes on 0 and is returned as is.
  float x = in != in ? 0.0f : in;
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float fx = x * 1.44269504088896341f + 0.5f;
  int32_t n = (int32_t)fx;
  n = (float)n > fx ? n - 1 : n;
  const float nf = (float)n;
  const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const int32_t bits = (n + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return in != in ? in : y * scale;
}

inline V4f sigmoidV(V4f x) { return 1.0f / (1.0f + expV(-x)); }
inline float sigmoidS(float x) { return 1.0f / (1.0f + expFast(-x)); }

// Small |x|: tanhf's odd polynomial (no cancellation); else 1 - 2 / (e^{2|x|} + 1), signed.
inline V4f tanhV(V4f x) {
  const V4f a = x < 0.0f ? -x : x;
  const V4f z = x * x;
  V4f p = V4f{} - 5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const V4f small = p * z * x + x;
  const V4f large = 1.0f - 2.0f / (expV(2.0f * a) + 1.0f);
  const V4f signedLarge = x < 0.0f ? -large : large;
  return a < 0.625f ? small : signedLarge;
}

inline float tanhS(float x) {
  const float a = x < 0.0f ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float large = 1.0f - 2.0f / (expFast(2.0f * a) + 1.0f);
  const float signedLarge = x < 0.0f ? -large : large;
  return a < 0.625f ? small : signedLarge;
}

// In place over n contiguous values.
inline void sigmoidInPlace(float* p, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) store4(p + j, sigmoidV(load4(p + j)));
  for (; j < n; j++) p[j] = sigmoidS(p[j]);
}
inline void sigmoidInPlace(double* p, int64_t n) {
  for (int64_t j = 0; j < n; j++) p[j] = 1.0 / (1.0 + std::exp(-p[j]));
}
inline void tanhInPlace(float* p, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) store4(p + j, tanhV(load4(p + j)));
  for (; j < n; j++) p[j] = tanhS(p[j]);
}
inline void tanhInPlace(double* p, int64_t n) {
  for (int64_t j = 0; j < n; j++) p[j] = std::tanh(p[j]);
}

// Rows per task: a step is small (B x H), so split it only when it is worth a thread.
inline int64_t rowGrain(int64_t hidden, int gates) {
  return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(hidden * gates, 1));
}

template <typename T>
void lstmForward(ThreadPool& pool, const LstmCellArgs& a) {
  const int64_t B = a.h.shape[0], H = a.h.shape[1];
  const T* xp = (const T*)a.xproj.data;
  const T* hp = (const T*)a.hproj.data;
  const T* cPrev = (const T*)a.cPrev.data;
  T* h = (T*)a.h.data;
  T* c = (T*)a.c.data;
  T* gates = (T*)a.gates.data;
  pool.parallelFor(B, rowGrain(H, 4), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const T* x = xp + b * 4 * H;
      const T* y = hp + b * 4 * H;
      T* g = gates + b * 4 * H;
      for (int64_t j = 0; j < 4 * H; j++) g[j] = x[j] + y[j];
      sigmoidInPlace(g, 2 * H);  // i, f
      tanhInPlace(g + 2 * H, H);
      sigmoidInPlace(g + 3 * H, H);
      const T* cp = cPrev + b * H;
      T* cr = c + b * H;
      T* hr = h + b * H;
      for (int64_t j = 0; j < H; j++) {
        const T cn = g[H + j] * cp[j] + g[j] * g[2 * H + j];
        cr[j] = cn;
        hr[j] = cn;
      }
      tanhInPlace(hr, H);
      for (int64_t j = 0; j < H; j++) hr[j] *= g[3 * H + j];
    }
  });
}

template <typename T>
void lstmBackward(ThreadPool& pool, const LstmCellBackwardArgs& a) {
  const int64_t B = a.dh.shape[0], H = a.dh.shape[1];
  const T* dh = (const T*)a.dh.data;
  const T* dhOut = (const T*)a.dhOut.data;
  const T* dc = (const T*)a.dc.data;
  const T* gates = (const T*)a.gates.data;
  const T* c = (const T*)a.c.data;
  const T* cPrev = (const T*)a.cPrev.data;
  T* dPre = (T*)a.dPre.data;
  T* dcPrev = (T*)a.dcPrev.data;
  pool.parallelFor(B, rowGrain(H, 4), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const T* g = gates + b * 4 * H;
      T* d = dPre + b * 4 * H;
      // tanh(c) goes through the o block of dPre, which each unit reads before it writes.
      for (int64_t j = 0; j < H; j++) d[3 * H + j] = c[b * H + j];
      tanhInPlace(d + 3 * H, H);
      for (int64_t j = 0; j < H; j++) {
        const int64_t k = b * H + j;
        const T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
        const T dhk = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
        const T tc = d[3 * H + j];
        const T dct = dc[k] + dhk * o * (T(1) - tc * tc);
        d[j] = dct * gg * i * (T(1) - i);
        d[H + j] = dct * cPrev[k] * f * (T(1) - f);
        d[2 * H + j] = dct * i * (T(1) - gg * gg);
        d[3 * H + j] = dhk * tc * o * (T(1) - o);
        dcPrev[k] = dct * f;
      }
    }
  });
}

template <typename T>
void gruForward(ThreadPool& pool, const GruCellArgs& a) {
  const int64_t B = a.h.shape[0], H = a.h.shape[1];
  const T* xp = (const T*)a.xproj.data;
  const T* hp = (const T*)a.hproj.data;
  const T* hPrev = (const T*)a.hPrev.data;
  const T* bias = (const T*)a.bhh.data;
  T* h = (T*)a.h.data;
  T* gates = (T*)a.gates.data;
  pool.parallelFor(B, rowGrain(H, 4), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const T* x = xp + b * 3 * H;
      const T* y = hp + b * 3 * H;
      T* g = gates + b * 4 * H;
      for (int64_t j = 0; j < 3 * H; j++) {
        const T hidden = y[j] + (bias != nullptr ? bias[j] : T(0));
        if (j < 2 * H) g[j] = x[j] + hidden;
        else g[H + j] = hidden;  // hn, kept for the backward
      }
      sigmoidInPlace(g, 2 * H);  // r, z
      for (int64_t j = 0; j < H; j++) g[2 * H + j] = x[2 * H + j] + g[j] * g[3 * H + j];
      tanhInPlace(g + 2 * H, H);
      for (int64_t j = 0; j < H; j++) {
        const T z = g[H + j], n = g[2 * H + j];
        h[b * H + j] = (T(1) - z) * n + z * hPrev[b * H + j];
      }
    }
  });
}

template <typename T>
void gruBackward(ThreadPool& pool, const GruCellBackwardArgs& a) {
  const int64_t B = a.dh.shape[0], H = a.dh.shape[1];
  const T* dh = (const T*)a.dh.data;
  const T* dhOut = (const T*)a.dhOut.data;
  const T* gates = (const T*)a.gates.data;
  const T* hPrev = (const T*)a.hPrev.data;
  T* dx = (T*)a.dx.data;
  T* dhh = (T*)a.dhh.data;
  T* dhPrev = (T*)a.dhPrev.data;
  pool.parallelFor(B, rowGrain(H, 4), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const T* g = gates + b * 4 * H;
      T* d = dx + b * 3 * H;
      T* e = dhh + b * 3 * H;
      for (int64_t j = 0; j < H; j++) {
        const int64_t k = b * H + j;
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
  });
}

template <typename T>
void rnnForward(ThreadPool& pool, const RnnCellArgs& a) {
  const int64_t n = a.h.shape[0] * a.h.shape[1];
  const T* x = (const T*)a.xproj.data;
  const T* y = (const T*)a.hproj.data;
  T* h = (T*)a.h.data;
  const bool relu = a.relu;
  pool.parallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; k++) {
      const T v = x[k] + y[k];
      h[k] = relu ? (v > T(0) ? v : (std::isnan(v) ? v : T(0))) : v;
    }
    if (!relu) tanhInPlace(h + begin, end - begin);
  });
}

template <typename T>
void rnnBackward(ThreadPool& pool, const RnnCellBackwardArgs& a) {
  const int64_t n = a.dh.shape[0] * a.dh.shape[1];
  const T* dh = (const T*)a.dh.data;
  const T* dhOut = (const T*)a.dhOut.data;
  const T* h = (const T*)a.h.data;
  T* dPre = (T*)a.dPre.data;
  const bool relu = a.relu;
  pool.parallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; k++) {
      const T d = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
      dPre[k] = relu ? (h[k] > T(0) ? d : T(0)) : d * (T(1) - h[k] * h[k]);
    }
  });
}

}  // namespace

void CpuBackend::lstmCellRun(const LstmCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) lstmForward<double>(pool(), a);
  else lstmForward<float>(pool(), a);
}

void CpuBackend::lstmCellBackwardRun(const LstmCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) lstmBackward<double>(pool(), a);
  else lstmBackward<float>(pool(), a);
}

void CpuBackend::gruCellRun(const GruCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) gruForward<double>(pool(), a);
  else gruForward<float>(pool(), a);
}

void CpuBackend::gruCellBackwardRun(const GruCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) gruBackward<double>(pool(), a);
  else gruBackward<float>(pool(), a);
}

void CpuBackend::rnnCellRun(const RnnCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) rnnForward<double>(pool(), a);
  else rnnForward<float>(pool(), a);
}

void CpuBackend::rnnCellBackwardRun(const RnnCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) rnnBackward<double>(pool(), a);
  else rnnBackward<float>(pool(), a);
}

}  // namespace flint
