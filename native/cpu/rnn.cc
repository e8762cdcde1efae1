// The recurrent layers' fused pointwise steps on the CPU (declared in entries.mjs; the
// shapes were checked where the call entered). One call covers one time step of B rows;
// the GEMMs around it are the caller's (src/nn/rnn/). Gate order is PyTorch's: LSTM
// (i, f, g, o), GRU (r, z, n). Outputs may share elements with inputs only at the same
// positions (dcPrev/dc, dhPrev/dh), so every element is read before it is written.
#include <algorithm>
#include <cmath>

#include "cpu_backend.h"

namespace flint {

namespace {

template <typename T>
inline T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
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
      for (int64_t j = 0; j < H; j++) {
        const T i = sigmoid(x[j] + y[j]);
        const T f = sigmoid(x[H + j] + y[H + j]);
        const T gg = std::tanh(x[2 * H + j] + y[2 * H + j]);
        const T o = sigmoid(x[3 * H + j] + y[3 * H + j]);
        const T cn = f * cPrev[b * H + j] + i * gg;
        g[j] = i;
        g[H + j] = f;
        g[2 * H + j] = gg;
        g[3 * H + j] = o;
        c[b * H + j] = cn;
        h[b * H + j] = o * std::tanh(cn);
      }
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
      for (int64_t j = 0; j < H; j++) {
        const int64_t k = b * H + j;
        const T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
        const T dhk = dh[k] + (dhOut != nullptr ? dhOut[k] : T(0));
        const T tc = std::tanh(c[k]);
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
      for (int64_t j = 0; j < H; j++) {
        const T r = sigmoid(x[j] + y[j] + (bias != nullptr ? bias[j] : T(0)));
        const T z = sigmoid(x[H + j] + y[H + j] + (bias != nullptr ? bias[H + j] : T(0)));
        const T hn = y[2 * H + j] + (bias != nullptr ? bias[2 * H + j] : T(0));
        const T n = std::tanh(x[2 * H + j] + r * hn);
        g[j] = r;
        g[H + j] = z;
        g[2 * H + j] = n;
        g[3 * H + j] = hn;
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
      h[k] = relu ? (v > T(0) ? v : (std::isnan(v) ? v : T(0))) : std::tanh(v);
    }
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

void CpuBackend::lstmCellImpl(const LstmCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) lstmForward<double>(pool(), a);
  else lstmForward<float>(pool(), a);
}

void CpuBackend::lstmCellBackwardImpl(const LstmCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) lstmBackward<double>(pool(), a);
  else lstmBackward<float>(pool(), a);
}

void CpuBackend::gruCellImpl(const GruCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) gruForward<double>(pool(), a);
  else gruForward<float>(pool(), a);
}

void CpuBackend::gruCellBackwardImpl(const GruCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) gruBackward<double>(pool(), a);
  else gruBackward<float>(pool(), a);
}

void CpuBackend::rnnCellImpl(const RnnCellArgs& a) {
  if (a.xproj.dtype == DType::Float64) rnnForward<double>(pool(), a);
  else rnnForward<float>(pool(), a);
}

void CpuBackend::rnnCellBackwardImpl(const RnnCellBackwardArgs& a) {
  if (a.dh.dtype == DType::Float64) rnnBackward<double>(pool(), a);
  else rnnBackward<float>(pool(), a);
}

}  // namespace flint
