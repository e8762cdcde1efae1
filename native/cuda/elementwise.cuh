// The two loop shapes behind every elementwise kernel (elementwise.cu,
// elementwise_binary.cu): a flat grid-stride loop over 16-byte vectors when all views
// are contiguous and 16-byte aligned, and a strided loop over collapsed dimensions
// (OffsetCalc) otherwise. The value rules are flint/rules/, shared with the CPU backend.
#pragma once
#include <cmath>
#include <type_traits>
#include <utility>

#include "common.cuh"

namespace flint {
namespace ew {

template <class T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

template <class... T>
constexpr int maxSizeOf() {
  size_t m = 1;
  ((m = sizeof(T) > m ? sizeof(T) : m), ...);
  return (int)m;
}

// Elements per 16-byte vector of the widest operand.
template <class... T>
constexpr int kVec = 16 / maxSizeOf<T...>();

template <class F, class Out, int VEC, class... In>
__device__ __forceinline__ void applyVec(const F& f, Vec<Out, VEC>& o, const Vec<In, VEC>&... in) {
#pragma unroll
  for (int j = 0; j < VEC; j++) o.v[j] = f(in.v[j]...);
}

// Blocks for `items` work items of `perThread` each, one pass: on an H100 a grid capped
// at a few blocks per SM, looping, reached only 0.90-0.96x of PyTorch's bandwidth on
// plain streaming ops, where one item per thread matched it. The loops still stride,
// so the cap at 2^30 blocks only matters past 2^40 elements.
inline unsigned onePassGrid(int64_t items, int perThread) {
  int64_t blocks = (items + (int64_t)kBlockThreads * perThread - 1) / ((int64_t)kBlockThreads * perThread);
  if (blocks > (int64_t)1 << 30) blocks = (int64_t)1 << 30;
  return (unsigned)(blocks < 1 ? 1 : blocks);
}

// One vector per thread per step, then the n % VEC tail. `out` may be one of the
// inputs: each element is read and written by the same thread.
template <int VEC, class F, class Out, class... In>
__global__ void __launch_bounds__(kBlockThreads) contiguousKernel(int64_t n, F f, Out* out, const In*... in) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  const int64_t first = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t vectors = n / VEC;
  for (int64_t i = first; i < vectors; i += step) {
    Vec<Out, VEC> o;
    applyVec(f, o, reinterpret_cast<const Vec<In, VEC>*>(in)[i]...);
    reinterpret_cast<Vec<Out, VEC>*>(out)[i] = o;
  }
  for (int64_t i = vectors * VEC + first; i < n; i += step) out[i] = f(in[i]...);
}

template <int K>
struct Pointers {
  char* p[K];
};

// Byte offsets of a linear index. Unsigned 64-bit division: the compiler adds a 32-bit
// path for operands that fit, which is nearly always.
template <int K>
__device__ __forceinline__ void stridedOffsets(const OffsetCalc<K>& calc, uint64_t linear, int64_t (&off)[K]) {
#pragma unroll
  for (int k = 0; k < K; k++) off[k] = 0;
  int d = 0;
  for (; d < calc.ndim - 1; d++) {
    const uint64_t size = (uint64_t)calc.sizes[d];
    const uint64_t next = divideIndex(linear, size);
    const int64_t i = (int64_t)(linear - next * size);
    linear = next;
#pragma unroll
    for (int k = 0; k < K; k++) off[k] += i * calc.strides[k][d];
  }
  if (calc.ndim > 0) {  // the outermost dimension needs no division
#pragma unroll
    for (int k = 0; k < K; k++) off[k] += (int64_t)linear * calc.strides[k][d];
  }
}

// An input the functor reads itself (a cast whose source dtype is a runtime value).
struct Address {
  const char* p;
};
template <class In>
__device__ __forceinline__ In loadAt(const char* p) {
  if constexpr (std::is_same_v<In, Address>) return Address{p};
  else return *(const In*)p;
}

// Elements per thread per step on the strided path, all loaded before any is stored:
// scalar loads need that much in flight to approach the memory's bandwidth.
constexpr int kStridedUnroll = 4;
template <int K, int U>
struct StridedStep {
  int64_t index[U];
  int64_t off[U][K];
};
// Lanes past the end read lane 0's element (always in range), so that a function never
// sees garbage: an integer division would report a zero divisor that is not there.
template <int K, int U>
__device__ __forceinline__ void stridedStep(const OffsetCalc<K>& calc, int64_t base, int64_t n,
                                            StridedStep<K, U>& s) {
#pragma unroll
  for (int u = 0; u < U; u++) {
    s.index[u] = base + u * (int64_t)blockDim.x;
    stridedOffsets(calc, (uint64_t)(s.index[u] < n ? s.index[u] : base), s.off[u]);
  }
}
template <class In, int K, int U>
__device__ __forceinline__ Vec<In, U> gather(const char* base, const StridedStep<K, U>& s, int k) {
  Vec<In, U> v;
#pragma unroll
  for (int u = 0; u < U; u++) v.v[u] = loadAt<In>(base + s.off[u][k]);
  return v;
}

template <int U, class F, class Out, class... In, size_t... I>
__device__ __forceinline__ void stridedLoop(int64_t n, const OffsetCalc<1 + sizeof...(In)>& calc, const F& f,
                                            const Pointers<1 + sizeof...(In)>& p, std::index_sequence<I...>) {
  constexpr int K = 1 + sizeof...(In);
  const int64_t step = (int64_t)gridDim.x * blockDim.x * U;
  for (int64_t base = (int64_t)blockIdx.x * blockDim.x * U + threadIdx.x; base < n; base += step) {
    StridedStep<K, U> s;
    stridedStep(calc, base, n, s);
    Vec<Out, U> o;
    applyVec(f, o, gather<In>(p.p[I + 1], s, I + 1)...);
#pragma unroll
    for (int u = 0; u < U; u++) {
      if (s.index[u] < n) *(Out*)(p.p[0] + s.off[u][0]) = o.v[u];
    }
  }
}

template <int U, class F, class Out, class... In>
__global__ void __launch_bounds__(kBlockThreads)
    stridedKernel(int64_t n, OffsetCalc<1 + sizeof...(In)> calc, F f, Pointers<1 + sizeof...(In)> p) {
  stridedLoop<U, F, Out, In...>(n, calc, f, p, std::index_sequence_for<In...>{});
}

// Launches the vector kernel and returns true when every view is contiguous and aligned.
template <class Out, class... In, class F, class... Views>
bool launchContiguous(CudaContext& ctx, const F& f, const TensorView& out, const Views&... ins) {
  constexpr int K = 1 + sizeof...(In);
  const TensorView* views[K] = {&out, &ins...};
  const void* ptrs[K] = {out.data, ins.data...};
  if (!allContiguous(views) || !allAligned16(ptrs)) return false;
  constexpr int VEC = kVec<Out, In...>;
  const int64_t n = out.numel();
  contiguousKernel<VEC, F, Out, In...><<<onePassGrid(n / VEC, 1), kBlockThreads, 0, ctx.stream>>>(
      n, f, (Out*)out.data, (const In*)ins.data...);
  FLINT_CUDA_LAUNCH_CHECK();
  return true;
}

// A functor too large to copy kStridedUnroll times (the run-time switch over every
// floating unary op) says so with a static member kStridedUnroll.
template <class F, class = void>
struct StridedUnroll : std::integral_constant<int, kStridedUnroll> {};
template <class F>
struct StridedUnroll<F, std::void_t<decltype(F::kStridedUnroll)>> : std::integral_constant<int, F::kStridedUnroll> {};

template <class Out, class... In, class F, class... Views>
void launchStrided(CudaContext& ctx, const F& f, const TensorView& out, const Views&... ins) {
  constexpr int K = 1 + sizeof...(In);
  constexpr int U = StridedUnroll<F>::value;
  const TensorView* views[K] = {&out, &ins...};
  const int64_t n = out.numel();
  stridedKernel<U, F, Out, In...><<<onePassGrid(n, U), kBlockThreads, 0, ctx.stream>>>(
      n, makeOffsetCalc<K>(views), f, Pointers<K>{{out.data, ins.data...}});
  FLINT_CUDA_LAUNCH_CHECK();
}

// out[i] = f(in[i]...) over views that share out's (broadcast) shape. `strided` is the
// same function for the strided path, usually one that switches on the op at run time:
// strided views are rarer, and one kernel per dtype there keeps compile time down. An
// unaligned contiguous view takes that path too (it collapses to one dimension, which
// the offset loop walks without a division).
template <class Out, class... In, class F, class G, class... Views>
void launchElementwise(CudaContext& ctx, const F& f, const G& strided, const TensorView& out, const Views&... ins) {
  if (out.numel() == 0) return;
  if (!launchContiguous<Out, In...>(ctx, f, out, ins...)) launchStrided<Out, In...>(ctx, strided, out, ins...);
}

}  // namespace ew
}  // namespace flint
