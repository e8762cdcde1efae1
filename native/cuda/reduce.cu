// Reductions on the GPU, with the CPU backend's semantics (native/cpu/reduce.cc): the
// input arrives with kept dimensions first and reduced ones last, the output is
// contiguous with one element per kept position.
//
// Three launch shapes cover the layouts that matter:
//  - split: one or more blocks per output over a contiguous (or strided) reduced range,
//    16-byte loads when aligned. A full reduction spreads one output over the whole GPU;
//    blocks write partials and the last block to finish (an atomic counter) combines
//    them in a fixed order, so results are deterministic and need one launch.
//  - warp per output for short rows.
//  - thread per output, for small reductions and for "column" sums (the reduced dims
//    are outer, the kept dim contiguous): threads across the kept dim keep loads
//    coalesced, and the reduced range is split across blockDim.y and gridDim.y.
//
// Accuracy: float sums accumulate in double (after adding 4 floats of a vector load in
// float), integer sums in int64, as the CPU backend does.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "common.cuh"
#include "flint/rules/reduce.h"

namespace flint {

namespace {

constexpr int kThreads = 256;

// The combine rules are flint/rules/reduce.h, shared with the CPU. One reducer per
// family: Max/Min/ArgMax/ArgMin share the (value, index) one and Any/All the logical
// one, told apart by the op's ReduceRule at run time, to keep template instantiations few.

// Sum and prod write the input's floating type, or int64 for integers and bool.
template <class T>
__device__ __forceinline__ void storeWide(char* out, int64_t o, ReduceWide<T> a) {
  if constexpr (std::is_floating_point_v<T>) ((T*)out)[o] = (T)a;
  else ((int64_t*)out)[o] = a;
}

// Sum and prod; the other families specialize this.
template <class T, ReduceFamily K>
struct Op {
  using Acc = ReduceWide<T>;
  __device__ explicit Op(const ReduceRule&) {}
  __device__ Acc identity() const { return wideIdentity<K, T>(); }
  __device__ Acc make(T v, int64_t) const { return (Acc)v; }
  __device__ Acc combine(Acc a, Acc b) const { return wideCombine<K>(a, b); }
  __device__ void store(char* out, int64_t o, Acc a) const { storeWide<T>(out, o, a); }
};

template <class T>
struct Op<T, ReduceFamily::Extreme> {
  using Acc = Extreme<T>;
  bool wantMax, storeIndex;
  __device__ explicit Op(const ReduceRule& rule) : wantMax(rule.wantMax), storeIndex(rule.storeIndex) {}
  __device__ Acc identity() const { return {T(0), -1}; }
  __device__ Acc make(T v, int64_t i) const { return {v, i}; }
  __device__ Acc combine(Acc a, Acc b) const { return combineExtreme(a, b, wantMax); }
  __device__ void store(char* out, int64_t o, Acc a) const {
    if (storeIndex) ((int64_t*)out)[o] = a.index;
    else ((T*)out)[o] = a.value;
  }
};

// An int accumulator: shuffles move 32-bit words.
template <class T>
struct Op<T, ReduceFamily::Logical> {
  using Acc = int;
  bool all;
  __device__ explicit Op(const ReduceRule& rule) : all(rule.all) {}
  __device__ Acc identity() const { return logicalIdentity(all) ? 1 : 0; }
  __device__ Acc make(T v, int64_t) const { return v != T(0) ? 1 : 0; }
  __device__ Acc combine(Acc a, Acc b) const { return logicalCombine(all, a != 0, b != 0) ? 1 : 0; }
  __device__ void store(char* out, int64_t o, Acc a) const { ((bool*)out)[o] = a != 0; }
};

// ---- shuffles, partial loads, block reduction ----------------------------------------
template <class X>
__device__ __forceinline__ X shflXor(X v, int mask) {
  if constexpr (sizeof(X) < 4) return (X)__shfl_xor_sync(0xffffffffu, (int)v, mask);
  else return __shfl_xor_sync(0xffffffffu, v, mask);
}
template <class T>
__device__ __forceinline__ Extreme<T> shflXor(Extreme<T> a, int mask) {
  return {shflXor(a.value, mask), shflXor(a.index, mask)};
}

// Partials written by other blocks are read from L2 (ld.cg), after the counter says they
// are all there; unlike volatile loads these may be issued together.
template <class X>
__device__ __forceinline__ X loadPartial(const X* p) {
  if constexpr (sizeof(X) == 8) {
    const long long bits = __ldcg((const long long*)p);
    X v;
    memcpy(&v, &bits, 8);
    return v;
  } else if constexpr (sizeof(X) == 4) {
    const int bits = __ldcg((const int*)p);
    X v;
    memcpy(&v, &bits, 4);
    return v;
  } else {
    return (X)__ldcg((const unsigned char*)p);
  }
}
template <class T>
__device__ __forceinline__ Extreme<T> loadPartial(const Extreme<T>* p) {
  return {loadPartial(&p->value), loadPartial(&p->index)};
}

// Every lane of the warp must call these (full-mask shuffles).
template <class O, class A>
__device__ __forceinline__ A warpReduce(const O& op, A v) {
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) v = op.combine(v, shflXor(v, m));
  return v;
}

// The block's result, valid in thread 0. Every thread must call it; it ends with a
// barrier so that `smem` (>= 32 entries) may be reused at once.
template <class O, class A>
__device__ A blockReduce(const O& op, A v, A* smem) {
  const int tid = threadIdx.x + threadIdx.y * blockDim.x;
  const int lane = tid & 31, warp = tid >> 5, warps = (blockDim.x * blockDim.y) >> 5;
  v = warpReduce(op, v);
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < warps ? smem[lane] : op.identity();
    v = warpReduce(op, v);
  }
  __syncthreads();
  return v;
}

// ---- element access -------------------------------------------------------------------
// Byte offset of a linear index. `small` (the calc's count fits 32 bits) allows 32-bit
// division, several times cheaper than 64-bit on the GPU.
__device__ __forceinline__ int64_t offsetOf(const OffsetCalc<1>& c, int64_t linear, bool small) {
  if (c.ndim <= 1) return c.ndim == 0 ? 0 : linear * c.strides[0][0];
  int64_t off = 0;
  const int last = c.ndim - 1;
  if (small) {
    uint32_t rest = (uint32_t)linear;
#pragma unroll 1
    for (int d = 0; d < last; d++) {
      const uint32_t size = (uint32_t)c.sizes[d], next = rest / size;
      off += (int64_t)(rest - next * size) * c.strides[0][d];
      rest = next;
    }
    return off + (int64_t)rest * c.strides[0][last];
  }
#pragma unroll 1
  for (int d = 0; d < last; d++) {
    const int64_t next = linear / c.sizes[d];
    off += (linear - next * c.sizes[d]) * c.strides[0][d];
    linear = next;
  }
  return off + linear * c.strides[0][last];
}

struct ReduceParams {
  const char* in;
  char* out;
  OffsetCalc<1> outer, inner;  // kept dims, reduced dims (byte strides, innermost first)
  int64_t outerCount, innerCount;
  bool outerSmall, innerSmall;
  bool innerContig;  // the reduced range is one contiguous run per output
  ReduceRule rule;
};

// The accumulation over one 16-byte vector. Float sums add the 4 lanes in float first:
// one conversion per vector keeps the double accumulation at memory speed.
template <class T, ReduceFamily K>
__device__ __forceinline__ typename Op<T, K>::Acc vectorAcc(const Op<T, K>& op, uint4 raw, int64_t i0) {
  constexpr int V = 16 / sizeof(T);
  T v[V];
  memcpy(v, &raw, 16);
  if constexpr (K == ReduceFamily::Sum && std::is_same_v<T, float>) {
    return (double)((v[0] + v[1]) + (v[2] + v[3]));
  } else if constexpr (K == ReduceFamily::Extreme) {
    // The in-order scan of flint/rules/reduce.h over one vector.
    T best = v[0];
    int at = 0;
#pragma unroll
    for (int j = 1; j < V; j++) {
      const bool take = replacesInScan(best, v[j], op.wantMax);
      best = take ? v[j] : best;
      at = take ? j : at;
    }
    return {best, i0 + at};
  } else {
    typename Op<T, K>::Acc a = op.make(v[0], i0);
#pragma unroll
    for (int j = 1; j < V; j++) a = op.combine(a, op.make(v[j], i0 + j));
    return a;
  }
}

// Elements start, start+step, ... of a contiguous run of n, with 16-byte loads past an
// unaligned head; U vectors are loaded before any is used, to keep loads in flight.
template <class T, ReduceFamily K>
__device__ typename Op<T, K>::Acc accumulateContig(const Op<T, K>& op, const T* row, int64_t n, int64_t start,
                                                   int64_t step, typename Op<T, K>::Acc acc) {
  constexpr int V = 16 / sizeof(T), U = V > 4 ? 2 : 4;  // 1-byte types: 32 elements per round already
  const uintptr_t addr = (uintptr_t)row;
  int64_t head = n;
  if (addr % sizeof(T) == 0) head = min(n, (int64_t)(((16 - (addr & 15)) & 15) / sizeof(T)));
  for (int64_t i = start; i < head; i += step) acc = op.combine(acc, op.make(row[i], i));
  const int64_t nvec = (n - head) / V;
  const uint4* vec = reinterpret_cast<const uint4*>(row + head);
  // The last round's loads are predicated rather than left to a serial remainder loop,
  // which would wait out one memory latency per vector.
  for (int64_t k = start; k < nvec; k += U * step) {
    uint4 raw[U];
#pragma unroll
    for (int u = 0; u < U; u++) {
      if (k + u * step < nvec) raw[u] = __ldg(vec + k + u * step);
    }
#pragma unroll
    for (int u = 0; u < U; u++) {
      if (k + u * step < nvec) acc = op.combine(acc, vectorAcc(op, raw[u], head + (k + u * step) * V));
    }
  }
  for (int64_t i = head + nvec * V + start; i < n; i += step) acc = op.combine(acc, op.make(row[i], i));
  return acc;
}

// Strided elements start, start+step, ...; a single reduced dim (the common case: a
// column) skips the index arithmetic and keeps 4 loads in flight.
template <class T, ReduceFamily K>
__device__ typename Op<T, K>::Acc accumulateStrided(const Op<T, K>& op, const ReduceParams& p, const char* base,
                                                    int64_t start, int64_t step, typename Op<T, K>::Acc acc) {
  const int64_t n = p.innerCount;
  if (p.inner.ndim <= 1) {
    const int64_t stride = p.inner.ndim == 0 ? 0 : p.inner.strides[0][0];
    int64_t i = start;
    for (; i + 3 * step < n; i += 4 * step) {
      T v[4];
#pragma unroll
      for (int u = 0; u < 4; u++) v[u] = *(const T*)(base + (i + u * step) * stride);
#pragma unroll
      for (int u = 0; u < 4; u++) acc = op.combine(acc, op.make(v[u], i + u * step));
    }
    for (; i < n; i += step) acc = op.combine(acc, op.make(*(const T*)(base + i * stride), i));
    return acc;
  }
  for (int64_t i = start; i < n; i += step) {
    const T v = *(const T*)(base + offsetOf(p.inner, i, p.innerSmall));
    acc = op.combine(acc, op.make(v, i));
  }
  return acc;
}

template <class T, ReduceFamily K>
__device__ __forceinline__ typename Op<T, K>::Acc accumulate(const Op<T, K>& op, const ReduceParams& p,
                                                             const char* base, int64_t start, int64_t step) {
  if (p.innerContig) return accumulateContig(op, (const T*)base, p.innerCount, start, step, op.identity());
  return accumulateStrided(op, p, base, start, step, op.identity());
}

// ---- kernels ----------------------------------------------------------------------------
// Job = (output o, slice s of `split`). With split == 1 a block owns a whole output;
// otherwise each slice leaves a partial and the output's last slice to finish combines them.
template <class T, ReduceFamily K>
__global__ void __launch_bounds__(kThreads)
    splitKernel(ReduceParams p, int64_t split, typename Op<T, K>::Acc* partials, unsigned* counters) {
  using Acc = typename Op<T, K>::Acc;
  const Op<T, K> op(p.rule);
  __shared__ Acc smem[32];
  __shared__ bool isLast;
  const int64_t jobs = p.outerCount * split;
  for (int64_t job = blockIdx.x; job < jobs; job += gridDim.x) {
    const int64_t o = job / split, s = job - o * split;
    const char* base = p.in + offsetOf(p.outer, o, p.outerSmall);
    Acc acc = accumulate(op, p, base, s * kThreads + threadIdx.x, split * kThreads);
    acc = blockReduce(op, acc, smem);
    if (split == 1) {
      if (threadIdx.x == 0) op.store(p.out, o, acc);
      continue;
    }
    if (threadIdx.x == 0) {
      partials[job] = acc;
      __threadfence();  // the partial is visible before the count says so
      isLast = atomicAdd(&counters[o], 1u) == (unsigned)(split - 1);
    }
    __syncthreads();
    if (isLast) {  // uniform across the block
      __threadfence();
      Acc a = op.identity();
      for (int64_t k = threadIdx.x; k < split; k += kThreads) a = op.combine(a, loadPartial(&partials[o * split + k]));
      a = blockReduce(op, a, smem);
      if (threadIdx.x == 0) {
        op.store(p.out, o, a);
        counters[o] = 0;
      }
    }
    __syncthreads();  // isLast is rewritten by the next job
  }
}

// Warp per output; the loop bound is warp-uniform, so every lane reaches the shuffles.
template <class T, ReduceFamily K>
__global__ void __launch_bounds__(kThreads) warpRowKernel(ReduceParams p) {
  const Op<T, K> op(p.rule);
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (kThreads / 32);
  for (int64_t o = (int64_t)blockIdx.x * (kThreads / 32) + (threadIdx.x >> 5); o < p.outerCount; o += warps) {
    const char* base = p.in + offsetOf(p.outer, o, p.outerSmall);
    auto acc = warpReduce(op, accumulate(op, p, base, lane, 32));
    if (lane == 0) op.store(p.out, o, acc);
  }
}

// Combines the blockDim.y values of each column into row y == 0, in y order. Every
// thread must call it; it ends with a barrier so `smem` may be reused.
template <class O, class A>
__device__ A combineOverY(const O& op, A v, A* smem) {
  if (blockDim.y == 1) return v;
  smem[threadIdx.y * blockDim.x + threadIdx.x] = v;
  __syncthreads();
  if (threadIdx.y == 0) {
    for (unsigned y = 1; y < blockDim.y; y++) v = op.combine(v, smem[y * blockDim.x + threadIdx.x]);
  }
  __syncthreads();
  return v;
}

// Thread per output along x; the reduced range is split over threadIdx.y, then over
// blockIdx.y with partials [gridDim.y][outerCount] and a counter per blockIdx.x.
template <class T, ReduceFamily K>
__global__ void __launch_bounds__(kThreads)
    columnKernel(ReduceParams p, typename Op<T, K>::Acc* partials, unsigned* counters) {
  using Acc = typename Op<T, K>::Acc;
  const Op<T, K> op(p.rule);
  __shared__ Acc smem[kThreads];
  __shared__ bool isLast;
  const int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const bool active = o < p.outerCount;
  Acc acc = op.identity();
  if (active) {
    const char* base = p.in + offsetOf(p.outer, o, p.outerSmall);
    acc = accumulateStrided(op, p, base, (int64_t)blockIdx.y * blockDim.y + threadIdx.y,
                            (int64_t)gridDim.y * blockDim.y, acc);
  }
  acc = combineOverY(op, acc, smem);
  if (gridDim.y == 1) {
    if (threadIdx.y == 0 && active) op.store(p.out, o, acc);
    return;
  }
  if (threadIdx.y == 0 && active) partials[(int64_t)blockIdx.y * p.outerCount + o] = acc;
  __threadfence();  // each writer's partial is visible before thread 0 counts the block
  __syncthreads();
  if (threadIdx.x == 0 && threadIdx.y == 0) isLast = atomicAdd(&counters[blockIdx.x], 1u) == gridDim.y - 1;
  __syncthreads();
  if (!isLast) return;  // uniform across the block
  __threadfence();
  Acc a = op.identity();
  if (active) {
    for (unsigned s = threadIdx.y; s < gridDim.y; s += blockDim.y) {
      a = op.combine(a, loadPartial(&partials[(int64_t)s * p.outerCount + o]));
    }
  }
  a = combineOverY(op, a, smem);
  if (threadIdx.y == 0 && active) op.store(p.out, o, a);
  if (threadIdx.x == 0 && threadIdx.y == 0) counters[blockIdx.x] = 0;
}

// ---- host side ----------------------------------------------------------------------------
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Completion counters. Every kernel's last block resets the counters it used, so the
// backend's counter words (CudaContext::counters, zeroed once when the backend starts)
// stay zero between launches; that saves a memset before every split launch (about 1 us
// of a 28 us full sum). They belong to the backend, whose launches are ordered on its
// one stream, so two backends (worker threads) never share them.
unsigned* persistentCounters(const CudaContext& ctx, int64_t count) {
  return count <= kContextCounters ? ctx.counters : nullptr;
}

// Partials, and the counters: the context's zeroed words, or (past their number) scratch
// zeroed on the stream.
struct SplitScratch {
  ScratchBuffer buffer;
  unsigned* counters;
  void* partials;
  SplitScratch(CudaContext& ctx, int64_t counterCount, int64_t partialBytes)
      : buffer(ctx, (size_t)(ceilDiv(counterCount * 4, 16) * 16 + partialBytes)) {
    partials = (char*)buffer.data() + ceilDiv(counterCount * 4, 16) * 16;
    counters = persistentCounters(ctx, counterCount);
    if (!counters) {
      counters = (unsigned*)buffer.data();
      FLINT_CUDA_CHECK(cudaMemsetAsync(counters, 0, (size_t)counterCount * 4, ctx.stream));
    }
  }
};

template <class T, ReduceFamily K>
void launchReduce(CudaContext& ctx, const ReduceParams& p) {
  using Acc = typename Op<T, K>::Acc;
  const int64_t outer = p.outerCount, inner = p.innerCount;
  const int64_t sms = std::max(ctx.smCount, 1);
  const int64_t target = sms * 4;  // blocks of 256 that fill the GPU
  const bool keptUnit = p.outer.ndim >= 1 && p.outer.strides[0][0] == (int64_t)sizeof(T);

  if (inner <= 16 || (!p.innerContig && keptUnit)) {
    // Small reductions, or the kept dim is the contiguous one: thread per output.
    const dim3 block = inner <= 16 ? dim3(kThreads, 1) : dim3(32, kThreads / 32);
    const int64_t blocksX = ceilDiv(outer, block.x);
    int64_t split = 1;
    if (inner > 16 && blocksX < target) {
      split = std::min(ceilDiv(target, blocksX), ceilDiv(inner, (int64_t)block.y * 8));
      split = std::max<int64_t>(1, std::min<int64_t>(split, 65535));
    }
    const dim3 grid((unsigned)blocksX, (unsigned)split);
    if (split == 1) {
      columnKernel<T, K><<<grid, block, 0, ctx.stream>>>(p, nullptr, nullptr);
    } else {
      SplitScratch scratch(ctx, blocksX, split * outer * (int64_t)sizeof(Acc));
      columnKernel<T, K><<<grid, block, 0, ctx.stream>>>(p, (Acc*)scratch.partials, scratch.counters);
    }
    FLINT_CUDA_LAUNCH_CHECK();
    return;
  }
  if (inner <= 1024 || (inner <= 16384 && outer >= sms * 64)) {
    const int64_t blocks = std::min(ceilDiv(outer, kThreads / 32), sms * 16);
    warpRowKernel<T, K><<<(unsigned)blocks, kThreads, 0, ctx.stream>>>(p);
    FLINT_CUDA_LAUNCH_CHECK();
    return;
  }
  // Long rows: blocks per output, at least 4096 elements per block.
  int64_t split = 1;
  if (outer < target) split = std::max<int64_t>(1, std::min(ceilDiv(target, outer), ceilDiv(inner, 4096)));
  if (split == 1) {
    const int64_t blocks = std::min(outer, sms * 16);
    splitKernel<T, K><<<(unsigned)blocks, kThreads, 0, ctx.stream>>>(p, 1, nullptr, nullptr);
  } else {
    SplitScratch scratch(ctx, outer, outer * split * (int64_t)sizeof(Acc));
    splitKernel<T, K><<<(unsigned)(outer * split), kThreads, 0, ctx.stream>>>(p, split, (Acc*)scratch.partials,
                                                                               scratch.counters);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

OffsetCalc<1> calcFor(const TensorView& view) {
  const TensorView* views[1] = {&view};
  return makeOffsetCalc<1>(views);
}

template <class T>
void reduceTyped(CudaContext& ctx, const ReduceArgs& args) {
  const ReduceRule rule = reduceRule(args.op);
  FLINT_CHECK(rule.family != ReduceFamily::None, "unknown reduction " + std::to_string((int)args.op));
  const TensorView& in = args.input;
  const int keptDims = in.ndim - args.reduceDims;
  TensorView outerView = in, innerView = in;
  outerView.ndim = keptDims;
  innerView.ndim = args.reduceDims;
  for (int d = 0; d < args.reduceDims; d++) {
    innerView.shape[d] = in.shape[keptDims + d];
    innerView.strides[d] = in.strides[keptDims + d];
  }
  ReduceParams p{};
  p.outerCount = outerView.numel();
  p.innerCount = innerView.numel();
  if (p.outerCount == 0) return;
  p.in = in.data;
  p.out = args.output.data;
  p.outer = calcFor(outerView);
  p.inner = calcFor(innerView);
  p.outerSmall = p.outerCount <= (int64_t)UINT32_MAX;
  p.innerSmall = p.innerCount <= (int64_t)UINT32_MAX;
  p.innerContig = p.inner.ndim == 0 || (p.inner.ndim == 1 && p.inner.strides[0][0] == (int64_t)sizeof(T));
  p.rule = rule;
  switch (rule.family) {
    case ReduceFamily::Sum: return launchReduce<T, ReduceFamily::Sum>(ctx, p);
    case ReduceFamily::Prod: return launchReduce<T, ReduceFamily::Prod>(ctx, p);
    case ReduceFamily::Extreme: return launchReduce<T, ReduceFamily::Extreme>(ctx, p);
    case ReduceFamily::Logical: return launchReduce<T, ReduceFamily::Logical>(ctx, p);
    case ReduceFamily::None: break;  // refused above
  }
}

}  // namespace

void cudaReduce(CudaContext& ctx, const ReduceArgs& args) {
  FLINT_DISPATCH_COMPUTE(args.input.dtype, "reduce", [&] { reduceTyped<scalar_t>(ctx, args); });
}

}  // namespace flint
