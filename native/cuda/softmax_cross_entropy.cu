// Softmax, log-softmax and the fused cross-entropy / NLL loss on the GPU, mirroring
// native/cpu/softmax_cross_entropy.cc: the same max shift (NaN ignored by the max, a row of -inf
// shifted by 0), sums in double (a lane may first add up to 32 values in T), and the
// same formulas for the backward passes. exp() runs in T where the CPU uses double for
// float inputs, so results may differ from the CPU's in the last bit or two.
//
// Launch shapes: rows of at most 1024 (inner == 1) are held in registers by a group of
// lanes (a whole warp, or a power-of-two slice of one for short rows, so that several
// rows share a warp); longer rows get a block each; inner > 1 gets a thread per
// (outer, inner) line, whose loads are coalesced across the inner dimension.
#include <cmath>
#include <limits>
#include <string>

#include "common.cuh"

namespace flint {

namespace {

constexpr int kThreads = 256;
constexpr unsigned kFull = 0xffffffffu;

__device__ __forceinline__ float expT(float x) { return expf(x); }
__device__ __forceinline__ double expT(double x) { return exp(x); }

// std::max(a, b) as the CPU uses it: a NaN `b` leaves `a`, so the max never becomes NaN.
template <class T>
__device__ __forceinline__ T maxKeep(T a, T b) { return a < b ? b : a; }

// Reductions over aligned groups of `group` lanes (a power of two). Every lane of the
// warp must call them: the masks are full.
template <class X>
__device__ __forceinline__ X groupSum(X v, int group) {
  for (int m = group >> 1; m > 0; m >>= 1) v += __shfl_xor_sync(kFull, v, m);
  return v;
}
template <class X>
__device__ __forceinline__ X groupMax(X v, int group) {
  for (int m = group >> 1; m > 0; m >>= 1) v = maxKeep(v, __shfl_xor_sync(kFull, v, m));
  return v;
}

// Block-wide sum or max, returned to every thread. `smem` holds one value per warp.
// Every thread must call it; the trailing barrier lets `smem` be reused at once.
template <bool kMax, class X>
__device__ X blockAll(X v, X* smem) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = kMax ? groupMax(v, 32) : groupSum(v, 32);
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  v = smem[0];
  for (int w = 1; w < warps; w++) v = kMax ? maxKeep(v, smem[w]) : v + smem[w];
  __syncthreads();
  return v;
}

// Running max and sum of exp(x - max) in one pass (the long-row kernels read the input
// twice instead of three times), with the CPU's conventions: NaN leaves the max alone
// but poisons the sum, -inf adds nothing, and a +inf max makes the sum NaN (the CPU's
// exp(inf - inf)), which `finish` applies.
template <class T>
struct MaxSum {
  T m;
  double s;
};
template <class T>
__device__ __forceinline__ void maxSumAdd(MaxSum<T>& a, T x) {
  if (x > a.m) {
    a.s = a.s * exp((double)a.m - (double)x) + 1.0;  // rare: in double; exp(-inf) = 0 at the start
    a.m = x;
  } else if (!(isinf(x) && x < 0)) {
    a.s += (double)expT(x - a.m);
  }
}
template <class T>
__device__ __forceinline__ MaxSum<T> maxSumMerge(MaxSum<T> a, MaxSum<T> b) {
  const T m = maxKeep(a.m, b.m);
  const T ninf = -std::numeric_limits<T>::infinity();
  // s * 0 keeps a NaN sum from a side that saw only NaN and -inf.
  const double fa = a.m == ninf ? 0.0 : exp((double)a.m - (double)m);
  const double fb = b.m == ninf ? 0.0 : exp((double)b.m - (double)m);
  return {m, a.s * fa + b.s * fb};
}
template <class T>
__device__ __forceinline__ MaxSum<T> maxSumFinish(MaxSum<T> a) {
  if (isinf(a.m) && a.m > 0) a.s = std::numeric_limits<double>::quiet_NaN();
  if (isinf(a.m) && a.m < 0) a.m = 0;
  return a;
}
template <class T>
__device__ __forceinline__ MaxSum<T> groupMaxSum(MaxSum<T> v, int group) {
  for (int mask = group >> 1; mask > 0; mask >>= 1) {
    v = maxSumMerge(v, MaxSum<T>{__shfl_xor_sync(kFull, v.m, mask), __shfl_xor_sync(kFull, v.s, mask)});
  }
  return v;
}
// Block-wide merge, returned to every thread, in a fixed order. Every thread must call it.
template <class T>
__device__ MaxSum<T> blockMaxSum(MaxSum<T> v, MaxSum<T>* smem) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = groupMaxSum(v, 32);
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  v = smem[0];
  for (int w = 1; w < warps; w++) v = maxSumMerge(v, smem[w]);
  __syncthreads();
  return v;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int nextPow2(int64_t n) {
  int p = 1;
  while (p < n && p < 32) p <<= 1;
  return p;
}
// Blocks of kThreads for `warps` warps of work, capped; grid-stride loops take the rest.
unsigned blocksForWarps(const CudaContext& ctx, int64_t warps) {
  const int64_t blocks = ceilDiv(warps, kThreads / 32), cap = (int64_t)std::max(ctx.smCount, 1) * 16;
  return (unsigned)std::max<int64_t>(1, std::min(blocks, cap));
}

// ---- softmax forward ----------------------------------------------------------------------
// Rows of `size` <= group * PER, each held by `group` lanes, PER values per lane.
template <class T, int PER>
__global__ void __launch_bounds__(kThreads)
    softmaxRowsKernel(const T* __restrict__ in, T* __restrict__ out, int64_t rows, int size, int group, bool log) {
  const int lane = threadIdx.x & 31, sub = lane & (group - 1), perWarp = 32 / group;
  const int64_t warp = ((int64_t)blockIdx.x * kThreads + threadIdx.x) >> 5;
  const int64_t warps = (int64_t)gridDim.x * (kThreads / 32);
  for (int64_t first = warp * perWarp; first < rows; first += warps * perWarp) {  // warp-uniform
    const int64_t r = first + lane / group;
    const bool active = r < rows;
    const T* x = in + (active ? r : 0) * size;
    T v[PER];
    T m = -std::numeric_limits<T>::infinity();
#pragma unroll
    for (int j = 0; j < PER; j++) {
      const int c = sub + j * group;
      v[j] = active && c < size ? x[c] : -std::numeric_limits<T>::infinity();
      m = maxKeep(m, v[j]);
    }
    m = groupMax(m, group);
    if (isinf(m) && m < 0) m = 0;  // a row of -inf: NaN results, as the CPU gives
    // Each lane adds at most 32 values in T; the lanes' partials are added in double.
    T part = 0;
    if (log) {
#pragma unroll
      for (int j = 0; j < PER; j++) {
        if (sub + j * group < size) part += expT(v[j] - m);
      }
      const double total = groupSum((double)part, group);
      const T lse = (T)::log(total);  // (x - max) - lse: see native/cpu/softmax_cross_entropy.cc
      if (active) {
#pragma unroll
        for (int j = 0; j < PER; j++) {
          const int c = sub + j * group;
          if (c < size) out[r * size + c] = (v[j] - m) - lse;
        }
      }
    } else {
#pragma unroll
      for (int j = 0; j < PER; j++) {
        v[j] = expT(v[j] - m);
        if (sub + j * group < size) part += v[j];
      }
      const double total = groupSum((double)part, group);
      const T scale = (T)(1.0 / total);
      if (active) {
#pragma unroll
        for (int j = 0; j < PER; j++) {
          const int c = sub + j * group;
          if (c < size) out[r * size + c] = v[j] * scale;
        }
      }
    }
  }
}

// A block per row (inner == 1, long rows): one pass for the max and sum, one to write.
template <class T>
__global__ void __launch_bounds__(kThreads)
    softmaxBlockKernel(const T* __restrict__ in, T* __restrict__ out, int64_t rows, int64_t size, bool log) {
  __shared__ MaxSum<T> smem[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = in + r * size;
    T* y = out + r * size;
    MaxSum<T> a{-std::numeric_limits<T>::infinity(), 0.0};
    for (int64_t c = threadIdx.x; c < size; c += kThreads) maxSumAdd(a, x[c]);
    a = maxSumFinish(blockMaxSum(a, smem));
    if (log) {
      const T lse = (T)::log(a.s);
      for (int64_t c = threadIdx.x; c < size; c += kThreads) y[c] = (x[c] - a.m) - lse;
    } else {
      const T scale = (T)(1.0 / a.s);
      for (int64_t c = threadIdx.x; c < size; c += kThreads) y[c] = expT(x[c] - a.m) * scale;
    }
  }
}

// inner > 1: a thread per (outer, inner) line, stepping through `size` by `inner`.
template <class T>
__global__ void __launch_bounds__(kThreads)
    softmaxInnerKernel(const T* __restrict__ in, T* __restrict__ out, int64_t outer, int64_t size, int64_t inner,
                       bool log) {
  const int64_t lines = outer * inner, stride = (int64_t)gridDim.x * kThreads;
  for (int64_t line = (int64_t)blockIdx.x * kThreads + threadIdx.x; line < lines; line += stride) {
    const int64_t o = line / inner;
    const T* x = in + o * size * inner + (line - o * inner);
    T* y = out + (x - in);
    MaxSum<T> a{-std::numeric_limits<T>::infinity(), 0.0};
    for (int64_t k = 0; k < size; k++) maxSumAdd(a, x[k * inner]);
    a = maxSumFinish(a);
    if (log) {
      const T lse = (T)::log(a.s);
      for (int64_t k = 0; k < size; k++) y[k * inner] = (x[k * inner] - a.m) - lse;
    } else {
      const T scale = (T)(1.0 / a.s);
      for (int64_t k = 0; k < size; k++) y[k * inner] = expT(x[k * inner] - a.m) * scale;
    }
  }
}

// ---- softmax backward -------------------------------------------------------------------
// log: g - exp(y) * sum(g); softmax: y * (g - sum(g * y)).
template <class T>
__device__ __forceinline__ double backwardTerm(T g, T y, bool log) { return log ? (double)g : (double)g * y; }
template <class T>
__device__ __forceinline__ T backwardValue(T g, T y, T total, bool log) {
  return log ? g - expT(y) * total : y * (g - total);
}

template <class T, int PER>
__global__ void __launch_bounds__(kThreads)
    softmaxBackwardRowsKernel(const T* __restrict__ gradOut, const T* __restrict__ output, T* __restrict__ gradIn,
                              int64_t rows, int size, int group, bool log) {
  const int lane = threadIdx.x & 31, sub = lane & (group - 1), perWarp = 32 / group;
  const int64_t warp = ((int64_t)blockIdx.x * kThreads + threadIdx.x) >> 5;
  const int64_t warps = (int64_t)gridDim.x * (kThreads / 32);
  for (int64_t first = warp * perWarp; first < rows; first += warps * perWarp) {  // warp-uniform
    const int64_t r = first + lane / group;
    const bool active = r < rows;
    const int64_t base = (active ? r : 0) * size;
    T g[PER], y[PER];
    double total = 0;
#pragma unroll
    for (int j = 0; j < PER; j++) {
      const int c = sub + j * group;
      const bool in = active && c < size;
      g[j] = in ? gradOut[base + c] : T(0);
      y[j] = in ? output[base + c] : T(0);
      total += backwardTerm(g[j], y[j], log);
    }
    const T t = (T)groupSum(total, group);
    if (active) {
#pragma unroll
      for (int j = 0; j < PER; j++) {
        const int c = sub + j * group;
        if (c < size) gradIn[base + c] = backwardValue(g[j], y[j], t, log);
      }
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    softmaxBackwardBlockKernel(const T* __restrict__ gradOut, const T* __restrict__ output, T* __restrict__ gradIn,
                               int64_t rows, int64_t size, bool log) {
  __shared__ double ssum[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const int64_t base = r * size;
    double total = 0;
    for (int64_t c = threadIdx.x; c < size; c += kThreads) total += backwardTerm(gradOut[base + c], output[base + c], log);
    const T t = (T)blockAll<false>(total, ssum);
    for (int64_t c = threadIdx.x; c < size; c += kThreads) {
      gradIn[base + c] = backwardValue(gradOut[base + c], output[base + c], t, log);
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    softmaxBackwardInnerKernel(const T* __restrict__ gradOut, const T* __restrict__ output, T* __restrict__ gradIn,
                               int64_t outer, int64_t size, int64_t inner, bool log) {
  const int64_t lines = outer * inner, stride = (int64_t)gridDim.x * kThreads;
  for (int64_t line = (int64_t)blockIdx.x * kThreads + threadIdx.x; line < lines; line += stride) {
    const int64_t o = line / inner, base = o * size * inner + (line - o * inner);
    double total = 0;
    for (int64_t k = 0; k < size; k++) total += backwardTerm(gradOut[base + k * inner], output[base + k * inner], log);
    const T t = (T)total;
    for (int64_t k = 0; k < size; k++) {
      const int64_t i = base + k * inner;
      gradIn[i] = backwardValue(gradOut[i], output[i], t, log);
    }
  }
}

// Lanes per row and values per lane for a row of `size` held in registers.
template <class Launch>
void launchRows(int64_t size, Launch&& launch) {
  if (size <= 32) return launch(std::integral_constant<int, 1>{}, nextPow2(size));
  if (size <= 64) return launch(std::integral_constant<int, 2>{}, 32);
  if (size <= 128) return launch(std::integral_constant<int, 4>{}, 32);
  if (size <= 256) return launch(std::integral_constant<int, 8>{}, 32);
  if (size <= 512) return launch(std::integral_constant<int, 16>{}, 32);
  return launch(std::integral_constant<int, 32>{}, 32);
}

// Picks the launch shape for [outer, size, inner]; `launch` gets the kernel family and
// its grid as (shape, blocks, per, group), per/group only for the register-row shape.
enum class Shape { Rows, Block, Inner };
template <class Launch>
void launchSoftmaxFamily(CudaContext& ctx, int64_t outer, int64_t size, int64_t inner, Launch&& launch) {
  if (outer == 0 || size == 0 || inner == 0) return;
  if (inner == 1 && size <= 1024) {
    launchRows(size, [&](auto per, int group) {
      launch(Shape::Rows, blocksForWarps(ctx, ceilDiv(outer, 32 / group)), per, group);
    });
  } else if (inner == 1) {
    const unsigned blocks = (unsigned)std::min<int64_t>(outer, (int64_t)std::max(ctx.smCount, 1) * 8);
    launch(Shape::Block, blocks, std::integral_constant<int, 1>{}, 1);
  } else {
    launch(Shape::Inner, gridFor(ctx, outer * inner), std::integral_constant<int, 1>{}, 1);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void softmaxTyped(CudaContext& ctx, const SoftmaxArgs& args) {
  const int64_t outer = args.input.shape[0], size = args.input.shape[1], inner = args.input.shape[2];
  const T* in = (const T*)args.input.data;
  T* out = (T*)args.out.data;
  launchSoftmaxFamily(ctx, outer, size, inner, [&](Shape shape, unsigned blocks, auto per, int group) {
    if (shape == Shape::Rows) {
      softmaxRowsKernel<T, decltype(per)::value>
          <<<blocks, kThreads, 0, ctx.stream>>>(in, out, outer, (int)size, group, args.log);
    } else if (shape == Shape::Block) {
      softmaxBlockKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(in, out, outer, size, args.log);
    } else {
      softmaxInnerKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(in, out, outer, size, inner, args.log);
    }
  });
}

template <class T>
void softmaxBackwardTyped(CudaContext& ctx, const SoftmaxBackwardArgs& args) {
  const int64_t outer = args.output.shape[0], size = args.output.shape[1], inner = args.output.shape[2];
  const T* g = (const T*)args.gradOutput.data;
  const T* y = (const T*)args.output.data;
  T* gi = (T*)args.gradInput.data;
  launchSoftmaxFamily(ctx, outer, size, inner, [&](Shape shape, unsigned blocks, auto per, int group) {
    if (shape == Shape::Rows) {
      softmaxBackwardRowsKernel<T, decltype(per)::value>
          <<<blocks, kThreads, 0, ctx.stream>>>(g, y, gi, outer, (int)size, group, args.log);
    } else if (shape == Shape::Block) {
      softmaxBackwardBlockKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(g, y, gi, outer, size, args.log);
    } else {
      softmaxBackwardInnerKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(g, y, gi, outer, size, inner, args.log);
    }
  });
}


// ---- cross-entropy ------------------------------------------------------------------------
// Rows are handled by groups of `group` lanes; the classes loop inside a group.
template <class T>
struct LossParams {
  const T* input;  // scores (forward) or the forward's log-probabilities (backward)
  const int64_t* target;
  const T* weight;  // or nullptr
  T* loss;          // forward: [rows] or []
  T* logProbs;      // forward, fromLogits only
  double* totalWeight;
  const T* gradLoss;  // backward
  T* gradInput;       // backward
  int64_t rows, classes, ignoreIndex;
  double smoothing, smoothTotal;  // smoothTotal: backward, without class weights
  int group;
  bool fromLogits;
  LossReduction reduction;
  int* errorFlags;
};

// Forward: per-row losses, then (every reduction) the summed loss and weight; each block
// leaves a partial pair and the last block combines them in block order.
template <class T>
__global__ void __launch_bounds__(kThreads) crossEntropyKernel(LossParams<T> p, double* partials, unsigned* counter) {
  __shared__ double sloss[32], sweight[32];
  __shared__ bool isLast;
  const int lane = threadIdx.x & 31, group = p.group, sub = lane & (group - 1), perWarp = 32 / group;
  const int64_t warp = ((int64_t)blockIdx.x * kThreads + threadIdx.x) >> 5;
  const int64_t warps = (int64_t)gridDim.x * (kThreads / 32);
  const int64_t classes = p.classes;
  double lossSum = 0, weightSum = 0;
  for (int64_t first = warp * perWarp; first < p.rows; first += warps * perWarp) {  // warp-uniform
    const int64_t r = first + lane / group;
    const bool active = r < p.rows;
    const T* x = p.input + (active ? r : 0) * classes;
    const int64_t t = active ? p.target[r] : 0;  // loaded early, to overlap the row's loads
    T maxValue = 0, lse = 0;  // log-probabilities are (x - max) - lse: see native/cpu/softmax_cross_entropy.cc
    if (p.fromLogits) {  // log-softmax: one pass for max and sum, one to write
      MaxSum<T> a{-std::numeric_limits<T>::infinity(), 0.0};
      if (active) {
        for (int64_t c = sub; c < classes; c += group) maxSumAdd(a, x[c]);
      }
      a = maxSumFinish(groupMaxSum(a, group));
      maxValue = a.m;
      lse = (T)::log(a.s);
    }
    double smooth = 0;
    if (active && (p.fromLogits || p.smoothing > 0)) {
      for (int64_t c = sub; c < classes; c += group) {
        const T lp = p.fromLogits ? (x[c] - maxValue) - lse : x[c];
        if (p.fromLogits) p.logProbs[r * classes + c] = lp;
        if (p.smoothing > 0) smooth -= (p.weight ? (double)p.weight[c] : 1.0) * (double)lp;
      }
    }
    if (p.smoothing > 0) smooth = groupSum(smooth, group);
    if (active && sub == 0) {
      double w = 0, rowLoss = 0;
      if (t != p.ignoreIndex) {
        if (t < 0 || t >= classes) {
          raiseDeviceError(p.errorFlags, kErrorTargetOutOfRange);  // the row counts for nothing
        } else {
          w = p.weight ? (double)p.weight[t] : 1.0;
          const T lpt = p.fromLogits ? (x[t] - maxValue) - lse : x[t];
          rowLoss = -w * (double)lpt;
          if (p.smoothing > 0) rowLoss = (1 - p.smoothing) * rowLoss + p.smoothing / (double)classes * smooth;
        }
      }
      if (p.reduction == LossReduction::None) p.loss[r] = (T)rowLoss;
      lossSum += rowLoss;
      weightSum += w;
    }
  }
  lossSum = blockAll<false>(lossSum, sloss);
  weightSum = blockAll<false>(weightSum, sweight);
  if (threadIdx.x == 0) {
    partials[2 * blockIdx.x] = lossSum;
    partials[2 * blockIdx.x + 1] = weightSum;
    __threadfence();  // the partials are visible before the count says so
    isLast = atomicAdd(counter, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  if (!isLast) return;
  __threadfence();
  const volatile double* vp = partials;  // written by other blocks: read past L1
  double l = 0, w = 0;
  for (unsigned b = threadIdx.x; b < gridDim.x; b += kThreads) {
    l += vp[2 * b];
    w += vp[2 * b + 1];
  }
  l = blockAll<false>(l, sloss);
  w = blockAll<false>(w, sweight);
  if (threadIdx.x == 0) {
    *p.totalWeight = w;
    if (p.reduction == LossReduction::Sum) p.loss[0] = (T)l;
    else if (p.reduction == LossReduction::Mean) p.loss[0] = (T)(l / w);
  }
}

// Backward: the loss is -sum_c q_c * logp_c with q the (smoothed, weighted) target
// distribution; no reductions across lanes, so rows need no warp-uniform control.
template <class T>
__global__ void __launch_bounds__(kThreads) crossEntropyBackwardKernel(LossParams<T> p) {
  __shared__ double ssum[32];
  const int64_t classes = p.classes;
  double smoothTotal = p.smoothTotal;
  if (p.smoothing > 0 && p.weight) {
    double s = 0;
    for (int64_t c = threadIdx.x; c < classes; c += kThreads) s += (double)p.weight[c];
    smoothTotal = blockAll<false>(s, ssum) * (p.smoothing / (double)classes);
  }
  const double scale = p.reduction == LossReduction::Mean ? 1.0 / *p.totalWeight : 1.0;
  const int lane = threadIdx.x & 31, group = p.group, sub = lane & (group - 1), perWarp = 32 / group;
  const int64_t warp = ((int64_t)blockIdx.x * kThreads + threadIdx.x) >> 5;
  const int64_t warps = (int64_t)gridDim.x * (kThreads / 32);
  for (int64_t r = warp * perWarp + lane / group; r < p.rows; r += warps * perWarp) {
    T* row = p.gradInput + r * classes;
    const int64_t t = p.target[r];
    if (t == p.ignoreIndex || t < 0 || t >= classes) {
      if (t != p.ignoreIndex && sub == 0) raiseDeviceError(p.errorFlags, kErrorTargetOutOfRange);
      for (int64_t c = sub; c < classes; c += group) row[c] = T(0);
      continue;
    }
    const double w = p.weight ? (double)p.weight[t] : 1.0;
    const double g = (double)(p.reduction == LossReduction::None ? p.gradLoss[r] : p.gradLoss[0]) * scale;
    const double hard = (1 - p.smoothing) * w, qTotal = hard + smoothTotal;
    const T* x = p.input + r * classes;
    for (int64_t c = sub; c < classes; c += group) {
      double q = p.smoothing > 0 ? p.smoothing / (double)classes * (p.weight ? (double)p.weight[c] : 1.0) : 0.0;
      if (c == t) q += hard;
      row[c] = p.fromLogits ? (T)(g * ((double)expT(x[c]) * qTotal - q)) : (T)(-g * q);
    }
  }
}

// Lanes per row: about eight classes per lane, up to a warp (measured best for 10).
int lossGroup(int64_t classes) { return nextPow2(std::max<int64_t>(1, ceilDiv(classes, 8))); }

// The fields the forward and backward share.
template <class T, class Args>
LossParams<T> lossParams(CudaContext& ctx, const Args& args, const TensorView& scores) {
  LossParams<T> p{};
  p.input = (const T*)scores.data;
  p.target = (const int64_t*)args.target.data;
  p.weight = (const T*)args.weight.data;
  p.totalWeight = (double*)args.totalWeight.data;
  p.rows = scores.shape[0];
  p.classes = scores.shape[1];
  p.ignoreIndex = args.ignoreIndex;
  p.smoothing = args.labelSmoothing;
  p.group = lossGroup(p.classes);
  p.fromLogits = args.fromLogits;
  p.reduction = args.reduction;
  p.errorFlags = ctx.errorFlags;
  return p;
}

template <class T>
void crossEntropyTyped(CudaContext& ctx, const CrossEntropyArgs& args) {
  LossParams<T> p = lossParams<T>(ctx, args, args.input);
  p.loss = (T*)args.loss.data;
  p.logProbs = args.fromLogits ? (T*)args.logProbs.data : nullptr;
  if (p.rows == 0) {
    // Nothing to launch: the sums are 0 (and the mean 0/0). Written by the device, not
    // copied from host memory, so that a CUDA graph can capture it too.
    FLINT_CUDA_CHECK(cudaMemsetAsync(p.totalWeight, 0, sizeof(double), ctx.stream));
    if (args.reduction != LossReduction::None) {
      cudaFill(ctx, args.loss, args.reduction == LossReduction::Mean ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    }
    return;
  }
  const unsigned blocks = blocksForWarps(ctx, ceilDiv(p.rows, 32 / p.group));
  ScratchBuffer scratch(ctx, 16 + (size_t)blocks * 2 * sizeof(double));
  unsigned* counter = (unsigned*)scratch.data();
  double* partials = (double*)((char*)scratch.data() + 16);
  FLINT_CUDA_CHECK(cudaMemsetAsync(counter, 0, sizeof(unsigned), ctx.stream));
  crossEntropyKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(p, partials, counter);
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void crossEntropyBackwardTyped(CudaContext& ctx, const CrossEntropyBackwardArgs& args) {
  LossParams<T> p = lossParams<T>(ctx, args, args.logProbs);
  p.gradLoss = (const T*)args.gradLoss.data;
  p.gradInput = (T*)args.gradInput.data;
  // Without class weights the smoothing mass is known here (weights: the kernel sums them).
  p.smoothTotal = p.smoothing > 0 ? (double)p.classes * (p.smoothing / (double)p.classes) : 0.0;
  if (p.rows == 0) return;
  const unsigned blocks = blocksForWarps(ctx, ceilDiv(p.rows, 32 / p.group));
  crossEntropyBackwardKernel<T><<<blocks, kThreads, 0, ctx.stream>>>(p);
  FLINT_CUDA_LAUNCH_CHECK();
}



}  // namespace

void cudaSoftmax(CudaContext& ctx, const SoftmaxArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "softmax", [&] { softmaxTyped<scalar_t>(ctx, args); });
}

void cudaSoftmaxBackward(CudaContext& ctx, const SoftmaxBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.output.dtype, "softmax backward", [&] { softmaxBackwardTyped<scalar_t>(ctx, args); });
}

void cudaCrossEntropy(CudaContext& ctx, const CrossEntropyArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "cross_entropy", [&] { crossEntropyTyped<scalar_t>(ctx, args); });
}

void cudaCrossEntropyBackward(CudaContext& ctx, const CrossEntropyBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.logProbs.dtype, "cross_entropy backward",
                          [&] { crossEntropyBackwardTyped<scalar_t>(ctx, args); });
}

}  // namespace flint
