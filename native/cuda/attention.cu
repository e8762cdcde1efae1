// Fused attention on the GPU (entries.mjs: attentionForward, attentionBackward): the L×S
// scores never exist whole; an online softmax folds key tiles into each query's output.
//
// Head dims up to kRowHead (float32; half that for float64) take the row kernels: one
// thread owns one query row (forward, dq) or one key row (dk/dv) and keeps it, its
// accumulators and its running max and sum in registers, while the block stages tiles of
// the other side in shared memory, which every thread of the block reads at once (a
// broadcast). Each score is then a register dot product, with no synchronization inside a
// tile. Measured on an H200 (B 32, 8 heads, L 512, head dim 32, float32, additive mask),
// the earlier tile kernels below took 5.9 ms forward and 13 ms backward per layer, with
// 16 scores per 128 threads between barriers.
//
// Larger head dims keep those tile kernels: one block per (n, query tile) keeps its
// queries, running max, sum and output accumulator in shared memory and walks key/value
// tiles staged there. Their backward runs two kernels that each own what they write: one
// block per (n, key tile) for dk/dv, one per (n, query tile) for dq; both recompute scores
// from the saved logsumexp, and D = rowsum(dO ∘ O) per query row as they stage it.
#include <algorithm>
#include <initializer_list>
#include <utility>
#include <cmath>
#include <limits>
#include <string>

#include "common.cuh"

namespace flint {

namespace {

constexpr int kMaxHead = 128;
constexpr int kThreads = 128;

// The kernels are templated on the storage type S of q, k, v, the mask, the dropout factors,
// the output and the gradients, and compute in Acc<S>: float16 and bfloat16 are read into
// float32, staged, multiplied and summed there, and rounded once when written, as PyTorch's
// flash attention does; the logsumexp stays in Acc<S> (float32), never rounded.
template <class S>
struct Accumulate {
  using type = S;
};
template <>
struct Accumulate<Half> {
  using type = float;
};
template <>
struct Accumulate<BFloat16> {
  using type = float;
};
template <class S>
using Acc = typename Accumulate<S>::type;

template <class S>
__device__ __forceinline__ Acc<S> load(S value) {
  return convertValue<Acc<S>, S>(value);
}

template <class S>
__device__ __forceinline__ S store(Acc<S> value) {
  return convertValue<S, Acc<S>>(value);
}

struct Geometry {
  int64_t N, L, S, E, EV, heads;
  double scale;
  bool causal;
  // The additive mask, contiguous [MB, MH, ML, MS] with size-1 dims broadcast (strides 0).
  int64_t sb, sh, sl, ss;
};

template <class S>
__device__ __forceinline__ Acc<S> maskAt(const S* mask, const Geometry& g, int64_t n, int64_t i, int64_t j) {
  return mask == nullptr ? Acc<S>(0) : load(mask[(n / g.heads) * g.sb + (n % g.heads) * g.sh + i * g.sl + j * g.ss]);
}

// The score of query i and key j, or -inf where the key is out of range or hidden by causality.
template <class T, class S>
__device__ __forceinline__ T score(const T* qRow, const T* kRow, const S* mask, const Geometry& g, int64_t n, int64_t i,
                                   int64_t j) {
  if (i >= g.L || j >= g.S || (g.causal && j > i)) return -std::numeric_limits<T>::infinity();
  T dot = 0;
  for (int64_t p = 0; p < g.E; p++) dot += qRow[p] * kRow[p];
  return dot * (T)g.scale + maskAt(mask, g, n, i, j);
}

// Stages rows [r0, r0 + rows) of a [count, width] matrix into tile[rows][kMaxHead], zeros past count.
template <class S, int R>
__device__ void stage(Acc<S> (*tile)[kMaxHead], const S* src, int64_t r0, int64_t count, int64_t width) {
  for (int idx = threadIdx.x; idx < R * width; idx += blockDim.x) {
    const int r = idx / (int)width, p = idx % (int)width;
    tile[r][p] = r0 + r < count ? load(src[(r0 + r) * width + p]) : Acc<S>(0);
  }
}

// The dropout factor of query i's weight on key j (1 without dropout, 0 outside the tensors).
template <class S>
__device__ __forceinline__ Acc<S> dropAt(const S* drop, const Geometry& g, int64_t n, int64_t i, int64_t j) {
  if (drop == nullptr) return Acc<S>(1);
  return i < g.L && j < g.S ? load(drop[(n * g.L + i) * g.S + j]) : Acc<S>(0);
}

template <class S, int B>
__global__ void forwardKernel(const S* __restrict__ q, const S* __restrict__ k, const S* __restrict__ v,
                              const S* __restrict__ mask, const S* __restrict__ drop, S* __restrict__ out,
                              Acc<S>* __restrict__ lse, Geometry g) {
  using T = Acc<S>;
  __shared__ T sQ[B][kMaxHead], sK[B][kMaxHead], sV[B][kMaxHead], acc[B][kMaxHead];
  __shared__ T p[B][B], m[B], l[B], alpha[B];
  const int64_t tiles = (g.L + B - 1) / B;
  const int64_t n = blockIdx.x / tiles, i0 = (blockIdx.x % tiles) * B;
  const T inf = std::numeric_limits<T>::infinity();
  stage<S, B>(sQ, q + n * g.L * g.E, i0, g.L, g.E);
  for (int idx = threadIdx.x; idx < B * g.EV; idx += blockDim.x) acc[idx / g.EV][idx % g.EV] = 0;
  if (threadIdx.x < B) {
    m[threadIdx.x] = -inf;
    l[threadIdx.x] = 0;
  }
  const int64_t jEnd = g.causal && i0 + B < g.S ? i0 + B : g.S;
  for (int64_t j0 = 0; j0 < jEnd; j0 += B) {
    __syncthreads();
    stage<S, B>(sK, k + n * g.S * g.E, j0, g.S, g.E);
    stage<S, B>(sV, v + n * g.S * g.EV, j0, g.S, g.EV);
    __syncthreads();
    for (int idx = threadIdx.x; idx < B * B; idx += blockDim.x) {
      const int r = idx / B, c = idx % B;
      p[r][c] = score(sQ[r], sK[c], mask, g, n, i0 + r, j0 + c);
    }
    __syncthreads();
    if (threadIdx.x < B) {
      const int r = threadIdx.x;
      T rowMax = -inf;
      for (int c = 0; c < B; c++) rowMax = p[r][c] > rowMax ? p[r][c] : rowMax;
      const T mNew = m[r] > rowMax ? m[r] : rowMax;
      if (mNew == -inf) {
        // Nothing seen yet: every weight is 0 and the accumulator stays as it is.
        for (int c = 0; c < B; c++) p[r][c] = 0;
        alpha[r] = 1;
      } else {
        T sum = 0;
        for (int c = 0; c < B; c++) {
          p[r][c] = exp(p[r][c] - mNew);
          sum += p[r][c];
        }
        alpha[r] = exp(m[r] - mNew);
        l[r] = l[r] * alpha[r] + sum;
        m[r] = mNew;
        // Dropout scales the weights v sees, after the normalizer has summed them whole.
        if (drop != nullptr) {
          for (int c = 0; c < B; c++) p[r][c] *= dropAt(drop, g, n, i0 + r, j0 + c);
        }
      }
    }
    __syncthreads();
    for (int idx = threadIdx.x; idx < B * g.EV; idx += blockDim.x) {
      const int r = idx / (int)g.EV, e = idx % (int)g.EV;
      T total = acc[r][e] * alpha[r];
      for (int c = 0; c < B; c++) total += p[r][c] * sV[c][e];
      acc[r][e] = total;
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < B * g.EV; idx += blockDim.x) {
    const int r = idx / (int)g.EV, e = idx % (int)g.EV;
    if (i0 + r >= g.L) continue;
    // No key left (l = 0): NaN, as softmax over a row of -inf gives.
    out[(n * g.L + i0 + r) * g.EV + e] = store<S>(l[r] == T(0) ? std::numeric_limits<T>::quiet_NaN() : acc[r][e] / l[r]);
  }
  if (threadIdx.x < B && i0 + threadIdx.x < g.L) lse[n * g.L + i0 + threadIdx.x] = m[threadIdx.x] + log(l[threadIdx.x]);
}

// P and dS of a staged query tile against a staged key tile; d[r] = rowsum(dO ∘ O).
template <class S, int B, class T = Acc<S>>
__device__ void softmaxGrad(const T (*sQ)[kMaxHead], const T (*sDO)[kMaxHead], const T (*sK)[kMaxHead],
                            const T (*sV)[kMaxHead], const T* sLse, const T* sD, const S* mask, const S* drop,
                            const Geometry& g, int64_t n, int64_t i0, int64_t j0, T (*p)[B], T (*ds)[B]) {
  for (int idx = threadIdx.x; idx < B * B; idx += blockDim.x) {
    const int r = idx / B, c = idx % B;
    const T s = score(sQ[r], sK[c], mask, g, n, i0 + r, j0 + c);
    if (s == -std::numeric_limits<T>::infinity()) {
      // Outside the tensors or above the diagonal: no weight. Masked out: no score gradient,
      // and the weight exp(-inf - lse), NaN in a row with no key left (the CPU's rule).
      const bool outside = i0 + r >= g.L || j0 + c >= g.S || (g.causal && j0 + c > i0 + r);
      p[r][c] = outside ? T(0) : exp(s - sLse[r]) * dropAt(drop, g, n, i0 + r, j0 + c);
      ds[r][c] = 0;
      continue;
    }
    // With dropout, dP = (dO·vᵀ) ∘ z feeds the softmax's gradient, and v sees P ∘ z.
    const T z = dropAt(drop, g, n, i0 + r, j0 + c);
    T dp = 0;
    for (int64_t e = 0; e < g.EV; e++) dp += sDO[r][e] * sV[c][e];
    const T prob = exp(s - sLse[r]);
    p[r][c] = prob * z;
    ds[r][c] = prob * (dp * z - sD[r]) * (T)g.scale;
  }
}

// Stages a query tile's q, dO, lse and D.
template <class S, int B, class T = Acc<S>>
__device__ void stageQueries(T (*sQ)[kMaxHead], T (*sDO)[kMaxHead], T* sLse, T* sD, const S* q, const S* dO,
                             const S* o, const T* lse, const Geometry& g, int64_t n, int64_t i0) {
  stage<S, B>(sQ, q + n * g.L * g.E, i0, g.L, g.E);
  stage<S, B>(sDO, dO + n * g.L * g.EV, i0, g.L, g.EV);
  if (threadIdx.x < B) {
    const int64_t i = i0 + threadIdx.x;
    T d = 0;
    if (i < g.L) {
      for (int64_t e = 0; e < g.EV; e++) d += load(dO[(n * g.L + i) * g.EV + e]) * load(o[(n * g.L + i) * g.EV + e]);
    }
    sD[threadIdx.x] = d;
    sLse[threadIdx.x] = i < g.L ? lse[n * g.L + i] : T(0);
  }
}

template <class S, int B>
__global__ void dkdvKernel(const S* __restrict__ q, const S* __restrict__ k, const S* __restrict__ v,
                           const S* __restrict__ dO, const S* __restrict__ o, const Acc<S>* __restrict__ lse,
                           const S* __restrict__ mask, const S* __restrict__ drop, S* __restrict__ dk, S* __restrict__ dv,
                           Geometry g) {
  using T = Acc<S>;
  __shared__ T sQ[B][kMaxHead], sDO[B][kMaxHead], sK[B][kMaxHead], sV[B][kMaxHead], sdK[B][kMaxHead], sdV[B][kMaxHead];
  __shared__ T p[B][B], ds[B][B], sLse[B], sD[B];
  const int64_t tiles = (g.S + B - 1) / B;
  const int64_t n = blockIdx.x / tiles, j0 = (blockIdx.x % tiles) * B;
  stage<S, B>(sK, k + n * g.S * g.E, j0, g.S, g.E);
  stage<S, B>(sV, v + n * g.S * g.EV, j0, g.S, g.EV);
  for (int idx = threadIdx.x; idx < B * kMaxHead; idx += blockDim.x) {
    sdK[idx / kMaxHead][idx % kMaxHead] = 0;
    sdV[idx / kMaxHead][idx % kMaxHead] = 0;
  }
  for (int64_t i0 = g.causal ? (j0 / B) * B : 0; i0 < g.L; i0 += B) {
    __syncthreads();
    stageQueries<S, B>(sQ, sDO, sLse, sD, q, dO, o, lse, g, n, i0);
    __syncthreads();
    softmaxGrad<S, B>(sQ, sDO, sK, sV, sLse, sD, mask, drop, g, n, i0, j0, p, ds);
    __syncthreads();
    for (int idx = threadIdx.x; idx < B * g.EV; idx += blockDim.x) {
      const int c = idx / (int)g.EV, e = idx % (int)g.EV;
      T total = 0;
      for (int r = 0; r < B; r++) total += p[r][c] * sDO[r][e];
      sdV[c][e] += total;
    }
    for (int idx = threadIdx.x; idx < B * g.E; idx += blockDim.x) {
      const int c = idx / (int)g.E, e = idx % (int)g.E;
      T total = 0;
      for (int r = 0; r < B; r++) total += ds[r][c] * sQ[r][e];
      sdK[c][e] += total;
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < B * g.EV; idx += blockDim.x) {
    const int c = idx / (int)g.EV, e = idx % (int)g.EV;
    if (j0 + c < g.S) dv[(n * g.S + j0 + c) * g.EV + e] = store<S>(sdV[c][e]);
  }
  for (int idx = threadIdx.x; idx < B * g.E; idx += blockDim.x) {
    const int c = idx / (int)g.E, e = idx % (int)g.E;
    if (j0 + c < g.S) dk[(n * g.S + j0 + c) * g.E + e] = store<S>(sdK[c][e]);
  }
}

template <class S, int B>
__global__ void dqKernel(const S* __restrict__ q, const S* __restrict__ k, const S* __restrict__ v,
                         const S* __restrict__ dO, const S* __restrict__ o, const Acc<S>* __restrict__ lse,
                         const S* __restrict__ mask, const S* __restrict__ drop, S* __restrict__ dq, Geometry g) {
  using T = Acc<S>;
  __shared__ T sQ[B][kMaxHead], sDO[B][kMaxHead], sK[B][kMaxHead], sV[B][kMaxHead], sdQ[B][kMaxHead];
  __shared__ T p[B][B], ds[B][B], sLse[B], sD[B];
  const int64_t tiles = (g.L + B - 1) / B;
  const int64_t n = blockIdx.x / tiles, i0 = (blockIdx.x % tiles) * B;
  stageQueries<S, B>(sQ, sDO, sLse, sD, q, dO, o, lse, g, n, i0);
  for (int idx = threadIdx.x; idx < B * kMaxHead; idx += blockDim.x) sdQ[idx / kMaxHead][idx % kMaxHead] = 0;
  const int64_t jEnd = g.causal && i0 + B < g.S ? i0 + B : g.S;
  for (int64_t j0 = 0; j0 < jEnd; j0 += B) {
    __syncthreads();
    stage<S, B>(sK, k + n * g.S * g.E, j0, g.S, g.E);
    stage<S, B>(sV, v + n * g.S * g.EV, j0, g.S, g.EV);
    __syncthreads();
    softmaxGrad<S, B>(sQ, sDO, sK, sV, sLse, sD, mask, drop, g, n, i0, j0, p, ds);
    __syncthreads();
    for (int idx = threadIdx.x; idx < B * g.E; idx += blockDim.x) {
      const int r = idx / (int)g.E, e = idx % (int)g.E;
      T total = 0;
      for (int c = 0; c < B; c++) total += ds[r][c] * sK[c][e];
      sdQ[r][e] += total;
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < B * g.E; idx += blockDim.x) {
    const int r = idx / (int)g.E, e = idx % (int)g.E;
    if (i0 + r < g.L) dq[(n * g.L + i0 + r) * g.E + e] = store<S>(sdQ[r][e]);
  }
}

// The CUDA kernels index q, k, v, out and gradOut as contiguous [B·H, rows, width]; the
// entries allow strided rows (for the CPU kernel), which TypeScript never sends here.
void requireContiguous(const char* op, std::initializer_list<std::pair<const char*, const TensorView*>> views) {
  for (const auto& [name, view] : views) {
    if (!view->isContiguous()) throw Error(std::string(op) + ": on CUDA, " + name + " must be contiguous");
  }
}

Geometry geometry(const char* op, const TensorView& q, const TensorView& k, const TensorView& v, const TensorView& mask,
                  double scale, bool causal) {
  Geometry g{q.shape[0] * q.shape[1], q.shape[2], k.shape[2], q.shape[3], v.shape[3], std::max<int64_t>(1, q.shape[1]),
             scale, causal, 0, 0, 0, 0};
  if (g.E > kMaxHead || g.EV > kMaxHead) {
    throw Error(std::string(op) + ": head dims above " + std::to_string(kMaxHead) + " are not implemented on CUDA, got " +
                std::to_string(g.E) + " and " + std::to_string(g.EV));
  }
  if (mask.data != nullptr) {
    const int64_t MH = mask.shape[1], ML = mask.shape[2], MS = mask.shape[3];
    g.ss = MS > 1 ? 1 : 0;
    g.sl = ML > 1 ? MS : 0;
    g.sh = MH > 1 ? ML * MS : 0;
    g.sb = mask.shape[0] > 1 ? MH * ML * MS : 0;
  }
  return g;
}

void checkGrid(const char* op, int64_t blocks) {
  if (blocks > 0x7fffffff) throw Error(std::string(op) + ": too many (n, tile) blocks for one CUDA grid: " + std::to_string(blocks));
}

// ------------------------------------------------------------------ row kernels

constexpr int kRowThreads = 128;  // rows per block, one per thread
constexpr int kRowTile = 32;      // rows of the other side staged per step
constexpr int kRowHead = 64;      // the largest head dim the row kernels take (float32)

// Query i's row of the additive mask (broadcast dims have stride 0), or null: found once
// per thread, since the batch and head split costs a 64-bit division.
template <class S>
__device__ __forceinline__ const S* maskRowOf(const S* mask, const Geometry& g, int64_t n, int64_t i) {
  return mask == nullptr ? nullptr : mask + (n / g.heads) * g.sb + (n % g.heads) * g.sh + i * g.sl;
}

// A float32 mask that differs from query to query (sl != 0) is staged a tile at a time:
// read row by row per thread, consecutive threads would touch a 32-byte sector each (a whole
// [L, S] mask read that way cost an H200 twice what the scores' arithmetic did). The tile is
// [kRowThreads queries][kRowTile keys], padded a column so that a warp reading one key's
// column hits 32 banks. Float64 keeps its direct reads: its tile would pass the 48 KiB of
// static shared memory.
template <class T>
constexpr int maskTileRows() { return sizeof(T) == 4 ? kRowThreads : 1; }

template <class T, class S>
__device__ __forceinline__ bool stagesMask(const S* mask, const Geometry& g) {
  return sizeof(T) == 4 && mask != nullptr && g.sl != 0;
}

// Stages mask[i0 + r, j0 + c] for the block's queries and the tile's keys (0 outside them).
template <class T, class S>
__device__ __forceinline__ void stageMask(T (*tile)[kRowTile + 1], const S* mask, const Geometry& g, int64_t n,
                                          int64_t i0, int64_t j0) {
  const S* base = mask + (n / g.heads) * g.sb + (n % g.heads) * g.sh;
  for (int idx = threadIdx.x; idx < kRowThreads * kRowTile; idx += blockDim.x) {
    const int r = idx / kRowTile, c = idx % kRowTile;
    const int64_t i = i0 + r, j = j0 + c;
    tile[r][c] = i < g.L && j < g.S ? load(base[i * g.sl + j * g.ss]) : T(0);
  }
}

// Stages rows [r0, r0 + kRowTile) of a [count, width] matrix into tile[kRowTile][D], zeros
// past count and past width, so that the register loops can run over all D.
template <class S, int D, class T = Acc<S>>
__device__ __forceinline__ void stageRows(T (*tile)[D], const S* src, int64_t r0, int64_t count, int64_t width) {
  for (int idx = threadIdx.x; idx < kRowTile * D; idx += blockDim.x) {
    const int r = idx / D, p = idx % D;
    tile[r][p] = r0 + r < count && p < width ? load(src[(r0 + r) * width + p]) : T(0);
  }
}

template <class S, int D, class T = Acc<S>>
__device__ __forceinline__ void loadRow(T (&row)[D], const S* src, int64_t width, bool live) {
#pragma unroll
  for (int p = 0; p < D; p++) row[p] = live && p < width ? load(src[p]) : T(0);
}

// A register row times a staged row, in four interleaved sums: one chain of D dependent
// adds would leave the few warps these register-heavy kernels fit per SM waiting.
template <class T, int D>
__device__ __forceinline__ T dotRow(const T (&a)[D], const T* b) {
  static_assert(D % 4 == 0, "head dims are padded to a multiple of 4");
  T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma unroll
  for (int p = 0; p < D; p += 4) {
    s0 += a[p] * b[p];
    s1 += a[p + 1] * b[p + 1];
    s2 += a[p + 2] * b[p + 2];
    s3 += a[p + 3] * b[p + 3];
  }
  return (s0 + s1) + (s2 + s3);
}

template <class S, int D>
__global__ void __launch_bounds__(kRowThreads) rowForwardKernel(const S* __restrict__ q, const S* __restrict__ k,
                                                                const S* __restrict__ v, const S* __restrict__ mask,
                                                                const S* __restrict__ drop, S* __restrict__ out,
                                                                Acc<S>* __restrict__ lse, Geometry g) {
  using T = Acc<S>;
  __shared__ __align__(16) T sK[kRowTile][D];
  __shared__ __align__(16) T sV[kRowTile][D];
  __shared__ T sM[maskTileRows<T>()][kRowTile + 1];
  const int64_t tiles = (g.L + kRowThreads - 1) / kRowThreads;
  const int64_t n = blockIdx.x / tiles, i0 = (blockIdx.x % tiles) * kRowThreads, i = i0 + threadIdx.x;
  const bool live = i < g.L;
  const bool staged = stagesMask<T>(mask, g);
  const T inf = std::numeric_limits<T>::infinity();
  T qr[D], acc[D];
  loadRow(qr, q + (n * g.L + i) * g.E, g.E, live);
#pragma unroll
  for (int p = 0; p < D; p++) acc[p] = 0;
  T m = -inf, l = 0;
  const S* maskRow = maskRowOf(mask, g, n, i);
  const S* dropRow = drop == nullptr ? nullptr : drop + (n * g.L + i) * g.S;
  const int64_t jEnd = g.causal ? std::min<int64_t>(g.S, i0 + kRowThreads) : g.S;
  for (int64_t j0 = 0; j0 < jEnd; j0 += kRowTile) {
    __syncthreads();
    stageRows<S, D>(sK, k + n * g.S * g.E, j0, g.S, g.E);
    stageRows<S, D>(sV, v + n * g.S * g.EV, j0, g.S, g.EV);
    if constexpr (sizeof(T) == 4) {
      if (staged) stageMask(sM, mask, g, n, i0, j0);
    }
    __syncthreads();
    if (!live) continue;
    const int count = (int)std::min<int64_t>(kRowTile, g.S - j0);
    for (int c = 0; c < count; c++) {
      const int64_t j = j0 + c;
      if (g.causal && j > i) break;
      T bias = staged || maskRow == nullptr ? T(0) : load(maskRow[j * g.ss]);
      if constexpr (sizeof(T) == 4) {
        if (staged) bias = sM[threadIdx.x][c];
      }
      const T s = dotRow(qr, sK[c]) * (T)g.scale + bias;
      if (s == -inf) continue;
      if (s > m) {
        // A new running max rescales what was summed so far (exp(-inf) = 0 the first time).
        const T alpha = exp(m - s);
        l *= alpha;
#pragma unroll
        for (int p = 0; p < D; p++) acc[p] *= alpha;
        m = s;
      }
      const T e = exp(s - m);
      l += e;
      // Dropout scales the weights v sees, after the normalizer has summed them whole.
      const T w = dropRow == nullptr ? e : e * load(dropRow[j]);
#pragma unroll
      for (int p = 0; p < D; p++) acc[p] += w * sV[c][p];
    }
  }
  if (!live) return;
  S* o = out + (n * g.L + i) * g.EV;
#pragma unroll
  for (int p = 0; p < D; p++) {
    // No key left (l = 0): NaN, as softmax over a row of -inf gives.
    if (p < g.EV) o[p] = store<S>(l == T(0) ? std::numeric_limits<T>::quiet_NaN() : acc[p] / l);
  }
  lse[n * g.L + i] = m + log(l);
}

// dq, one query row per thread: recomputes each weight from the saved logsumexp.
template <class S, int D>
__global__ void __launch_bounds__(kRowThreads) rowDqKernel(const S* __restrict__ q, const S* __restrict__ k,
                                                           const S* __restrict__ v, const S* __restrict__ dO,
                                                           const S* __restrict__ o, const Acc<S>* __restrict__ lse,
                                                           const S* __restrict__ mask, const S* __restrict__ drop,
                                                           S* __restrict__ dq, Geometry g) {
  using T = Acc<S>;
  __shared__ __align__(16) T sK[kRowTile][D];
  __shared__ __align__(16) T sV[kRowTile][D];
  __shared__ T sM[maskTileRows<T>()][kRowTile + 1];
  const int64_t tiles = (g.L + kRowThreads - 1) / kRowThreads;
  const int64_t n = blockIdx.x / tiles, i0 = (blockIdx.x % tiles) * kRowThreads, i = i0 + threadIdx.x;
  const bool live = i < g.L;
  const bool staged = stagesMask<T>(mask, g);
  const T inf = std::numeric_limits<T>::infinity();
  T qr[D], dor[D], acc[D];
  loadRow(qr, q + (n * g.L + i) * g.E, g.E, live);
  loadRow(dor, dO + (n * g.L + i) * g.EV, g.EV, live);
  T rowD = 0;
  if (live) {
    const S* oRow = o + (n * g.L + i) * g.EV;
#pragma unroll
    for (int p = 0; p < D; p++) rowD += p < g.EV ? dor[p] * load(oRow[p]) : T(0);
  }
  const T rowLse = live ? lse[n * g.L + i] : T(0);
#pragma unroll
  for (int p = 0; p < D; p++) acc[p] = 0;
  const S* maskRow = maskRowOf(mask, g, n, i);
  const S* dropRow = drop == nullptr ? nullptr : drop + (n * g.L + i) * g.S;
  const int64_t jEnd = g.causal ? std::min<int64_t>(g.S, i0 + kRowThreads) : g.S;
  for (int64_t j0 = 0; j0 < jEnd; j0 += kRowTile) {
    __syncthreads();
    stageRows<S, D>(sK, k + n * g.S * g.E, j0, g.S, g.E);
    stageRows<S, D>(sV, v + n * g.S * g.EV, j0, g.S, g.EV);
    if constexpr (sizeof(T) == 4) {
      if (staged) stageMask(sM, mask, g, n, i0, j0);
    }
    __syncthreads();
    if (!live) continue;
    const int count = (int)std::min<int64_t>(kRowTile, g.S - j0);
    for (int c = 0; c < count; c++) {
      const int64_t j = j0 + c;
      if (g.causal && j > i) break;
      T bias = staged || maskRow == nullptr ? T(0) : load(maskRow[j * g.ss]);
      if constexpr (sizeof(T) == 4) {
        if (staged) bias = sM[threadIdx.x][c];
      }
      const T s = dotRow(qr, sK[c]) * (T)g.scale + bias;
      // Masked out: no score gradient.
      if (s == -inf) continue;
      const T dp = dotRow(dor, sV[c]);
      // With dropout, dP = (dO·vᵀ) ∘ z feeds the softmax's gradient.
      const T z = dropRow == nullptr ? T(1) : load(dropRow[j]);
      const T ds = exp(s - rowLse) * (dp * z - rowD) * (T)g.scale;
#pragma unroll
      for (int p = 0; p < D; p++) acc[p] += ds * sK[c][p];
    }
  }
  if (!live) return;
  S* row = dq + (n * g.L + i) * g.E;
#pragma unroll
  for (int p = 0; p < D; p++) {
    if (p < g.E) row[p] = store<S>(acc[p]);
  }
}

// dk and dv, one key row per thread, over staged query tiles with their logsumexp and
// D = rowsum(dO ∘ O) (four threads per staged row sum it).
template <class S, int D>
__global__ void __launch_bounds__(kRowThreads) rowDkDvKernel(const S* __restrict__ q, const S* __restrict__ k,
                                                             const S* __restrict__ v, const S* __restrict__ dO,
                                                             const S* __restrict__ o, const Acc<S>* __restrict__ lse,
                                                             const S* __restrict__ mask, const S* __restrict__ drop,
                                                             S* __restrict__ dk, S* __restrict__ dv, Geometry g) {
  using T = Acc<S>;
  static_assert(kRowThreads == 4 * kRowTile, "four threads sum each staged row's D");
  __shared__ __align__(16) T sQ[kRowTile][D];
  __shared__ __align__(16) T sDO[kRowTile][D];
  __shared__ T sLse[kRowTile], sD[kRowTile];
  const int64_t tiles = (g.S + kRowThreads - 1) / kRowThreads;
  const int64_t n = blockIdx.x / tiles, j0 = (blockIdx.x % tiles) * kRowThreads, j = j0 + threadIdx.x;
  const bool live = j < g.S;
  const T inf = std::numeric_limits<T>::infinity();
  T kr[D], vr[D], dka[D], dva[D];
  loadRow(kr, k + (n * g.S + j) * g.E, g.E, live);
  loadRow(vr, v + (n * g.S + j) * g.EV, g.EV, live);
#pragma unroll
  for (int p = 0; p < D; p++) dka[p] = dva[p] = 0;
  // This key's column of the mask and of the dropout factors, stepped by query.
  const S* maskColumn = mask == nullptr ? nullptr : mask + (n / g.heads) * g.sb + (n % g.heads) * g.sh + j * g.ss;
  const S* dropColumn = drop == nullptr ? nullptr : drop + n * g.L * g.S + j;
  // Causal: key j is seen by queries i >= j only.
  for (int64_t i0 = g.causal ? j0 : 0; i0 < g.L; i0 += kRowTile) {
    __syncthreads();
    stageRows<S, D>(sQ, q + n * g.L * g.E, i0, g.L, g.E);
    stageRows<S, D>(sDO, dO + n * g.L * g.EV, i0, g.L, g.EV);
    {
      const int r = threadIdx.x >> 2, part = threadIdx.x & 3;
      const int64_t i = i0 + r;
      T d = 0;
      if (i < g.L) {
        const S* dRow = dO + (n * g.L + i) * g.EV;
        const S* oRow = o + (n * g.L + i) * g.EV;
        for (int64_t e = part; e < g.EV; e += 4) d += load(dRow[e]) * load(oRow[e]);
      }
      d += __shfl_xor_sync(0xffffffffu, d, 1);
      d += __shfl_xor_sync(0xffffffffu, d, 2);
      if (part == 0) {
        sD[r] = d;
        sLse[r] = i < g.L ? lse[n * g.L + i] : T(0);
      }
    }
    __syncthreads();
    if (!live) continue;
    const int count = (int)std::min<int64_t>(kRowTile, g.L - i0);
    for (int r = 0; r < count; r++) {
      const int64_t i = i0 + r;
      if (g.causal && j > i) continue;
      const T s = dotRow(kr, sQ[r]) * (T)g.scale + (maskColumn == nullptr ? T(0) : load(maskColumn[i * g.sl]));
      const T z = dropColumn == nullptr ? T(1) : load(dropColumn[i * g.S]);
      // A masked-out weight is exp(-inf - lse): 0, or NaN in a row with no key left (the
      // CPU's rule); it has no score gradient.
      const T prob = exp(s - sLse[r]);
      const T pz = prob * z;
#pragma unroll
      for (int p = 0; p < D; p++) dva[p] += pz * sDO[r][p];
      if (s == -inf) continue;
      const T dp = dotRow(vr, sDO[r]);
      const T ds = prob * (dp * z - sD[r]) * (T)g.scale;
#pragma unroll
      for (int p = 0; p < D; p++) dka[p] += ds * sQ[r][p];
    }
  }
  if (!live) return;
  S* kRow = dk + (n * g.S + j) * g.E;
  S* vRow = dv + (n * g.S + j) * g.EV;
#pragma unroll
  for (int p = 0; p < D; p++) {
    if (p < g.E) kRow[p] = store<S>(dka[p]);
    if (p < g.EV) vRow[p] = store<S>(dva[p]);
  }
}

// The row kernels' head dim for these heads: the smallest of 16, 32, 64 that holds both,
// or 0 where the tile kernels must run (float64 stops at 32: twice the registers).
template <class T>
int rowHead(const Geometry& g) {
  const int64_t widest = std::max(g.E, g.EV);
  const int limit = sizeof(T) == 8 ? kRowHead / 2 : kRowHead;
  for (int d = 16; d <= limit; d *= 2) {
    if (widest <= d) return d;
  }
  return 0;
}

// The views' storages as the kernels read them: S for the tensors, Acc<S> for lse.
template <class S>
const S* reads(const TensorView& view) {
  return (const S*)view.data;
}
template <class S>
S* writes(const TensorView& view) {
  return (S*)view.data;
}

template <class S, int D>
void rowForward(CudaContext& ctx, const AttentionForwardArgs& a, const Geometry& g) {
  const int64_t blocks = g.N * ((g.L + kRowThreads - 1) / kRowThreads);
  checkGrid("attentionForward", blocks);
  rowForwardKernel<S, D><<<(unsigned)blocks, kRowThreads, 0, ctx.stream>>>(
      reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.mask), reads<S>(a.dropout), writes<S>(a.out), writes<Acc<S>>(a.lse), g);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class S, int D>
void rowBackward(CudaContext& ctx, const AttentionBackwardArgs& a, const Geometry& g) {
  const int64_t keyBlocks = g.N * ((g.S + kRowThreads - 1) / kRowThreads);
  const int64_t queryBlocks = g.N * ((g.L + kRowThreads - 1) / kRowThreads);
  checkGrid("attentionBackward", std::max(keyBlocks, queryBlocks));
  if (keyBlocks > 0) {
    rowDkDvKernel<S, D><<<(unsigned)keyBlocks, kRowThreads, 0, ctx.stream>>>(
        reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.gradOut), reads<S>(a.out), reads<Acc<S>>(a.lse), reads<S>(a.mask),
        reads<S>(a.dropout), writes<S>(a.dk), writes<S>(a.dv), g);
    FLINT_CUDA_LAUNCH_CHECK();
  }
  if (queryBlocks > 0) {
    rowDqKernel<S, D><<<(unsigned)queryBlocks, kRowThreads, 0, ctx.stream>>>(
        reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.gradOut), reads<S>(a.out), reads<Acc<S>>(a.lse), reads<S>(a.mask),
        reads<S>(a.dropout), writes<S>(a.dq), g);
    FLINT_CUDA_LAUNCH_CHECK();
  }
}

// The tile sizes and the row kernels' head dims follow the compute type, so float16 and
// bfloat16 take float32's kernels with narrow loads and stores.
template <class S>
void forwardTyped(CudaContext& ctx, const AttentionForwardArgs& a) {
  using T = Acc<S>;
  constexpr int B = sizeof(T) == 8 ? 8 : 16;
  requireContiguous("attentionForward", {{"out", &a.out}, {"q", &a.q}, {"k", &a.k}, {"v", &a.v}});
  const Geometry g = geometry("attentionForward", a.q, a.k, a.v, a.mask, a.scale, a.isCausal);
  const int64_t blocks = g.N * ((g.L + B - 1) / B);
  if (blocks == 0) return;
  switch (rowHead<T>(g)) {
    case 16: return rowForward<S, 16>(ctx, a, g);
    case 32: return rowForward<S, 32>(ctx, a, g);
    case 64: if constexpr (sizeof(T) == 4) return rowForward<S, 64>(ctx, a, g);
    default: break;
  }
  checkGrid("attentionForward", blocks);
  forwardKernel<S, B><<<(unsigned)blocks, kThreads, 0, ctx.stream>>>(
      reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.mask), reads<S>(a.dropout), writes<S>(a.out), writes<T>(a.lse), g);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class S>
void backwardTyped(CudaContext& ctx, const AttentionBackwardArgs& a) {
  using T = Acc<S>;
  constexpr int B = sizeof(T) == 8 ? 4 : 8;
  requireContiguous("attentionBackward", {{"gradOut", &a.gradOut}, {"q", &a.q}, {"k", &a.k}, {"v", &a.v}, {"out", &a.out}});
  const Geometry g = geometry("attentionBackward", a.q, a.k, a.v, a.mask, a.scale, a.isCausal);
  switch (rowHead<T>(g)) {
    case 16: return rowBackward<S, 16>(ctx, a, g);
    case 32: return rowBackward<S, 32>(ctx, a, g);
    case 64: if constexpr (sizeof(T) == 4) return rowBackward<S, 64>(ctx, a, g);
    default: break;
  }
  const int64_t keyBlocks = g.N * ((g.S + B - 1) / B), queryBlocks = g.N * ((g.L + B - 1) / B);
  checkGrid("attentionBackward", std::max(keyBlocks, queryBlocks));
  if (keyBlocks > 0) {
    dkdvKernel<S, B><<<(unsigned)keyBlocks, kThreads, 0, ctx.stream>>>(
        reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.gradOut), reads<S>(a.out), reads<T>(a.lse), reads<S>(a.mask),
        reads<S>(a.dropout), writes<S>(a.dk), writes<S>(a.dv), g);
    FLINT_CUDA_LAUNCH_CHECK();
  }
  if (queryBlocks > 0) {
    dqKernel<S, B><<<(unsigned)queryBlocks, kThreads, 0, ctx.stream>>>(
        reads<S>(a.q), reads<S>(a.k), reads<S>(a.v), reads<S>(a.gradOut), reads<S>(a.out), reads<T>(a.lse), reads<S>(a.mask),
        reads<S>(a.dropout), writes<S>(a.dq), g);
    FLINT_CUDA_LAUNCH_CHECK();
  }
}

}  // namespace

void CudaBackend::attentionForwardImpl(const AttentionForwardArgs& args) {
  switch (args.q.dtype) {
    case DType::Float64: return forwardTyped<double>(context(), args);
    case DType::Float16: return forwardTyped<Half>(context(), args);
    case DType::BFloat16: return forwardTyped<BFloat16>(context(), args);
    default: return forwardTyped<float>(context(), args);
  }
}

void CudaBackend::attentionBackwardImpl(const AttentionBackwardArgs& args) {
  switch (args.q.dtype) {
    case DType::Float64: return backwardTyped<double>(context(), args);
    case DType::Float16: return backwardTyped<Half>(context(), args);
    case DType::BFloat16: return backwardTyped<BFloat16>(context(), args);
    default: return backwardTyped<float>(context(), args);
  }
}

}  // namespace flint
