// The two loop shapes behind every elementwise kernel (elementwise.cu,
// elementwise_binary.cu): a flat grid-stride loop over 16-byte vectors when all views
// are contiguous and 16-byte aligned, and a strided loop over collapsed dimensions
// (OffsetCalc) otherwise. Value rules live with the ops; they mirror the CPU backend.
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
    const uint64_t next = linear / size;
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

template <class F, class Out, class... In, size_t... I>
__device__ __forceinline__ void stridedLoop(int64_t n, const OffsetCalc<1 + sizeof...(In)>& calc, const F& f,
                                            const Pointers<1 + sizeof...(In)>& p, std::index_sequence<I...>) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[1 + sizeof...(In)];
    stridedOffsets(calc, (uint64_t)i, off);
    *(Out*)(p.p[0] + off[0]) = f(loadAt<In>(p.p[I + 1] + off[I + 1])...);
  }
}

template <class F, class Out, class... In>
__global__ void __launch_bounds__(kBlockThreads)
    stridedKernel(int64_t n, OffsetCalc<1 + sizeof...(In)> calc, F f, Pointers<1 + sizeof...(In)> p) {
  stridedLoop<F, Out, In...>(n, calc, f, p, std::index_sequence_for<In...>{});
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
  contiguousKernel<VEC, F, Out, In...><<<gridFor(ctx, n, VEC), kBlockThreads, 0, ctx.stream>>>(
      n, f, (Out*)out.data, (const In*)ins.data...);
  FLINT_CUDA_LAUNCH_CHECK();
  return true;
}

template <class Out, class... In, class F, class... Views>
void launchStrided(CudaContext& ctx, const F& f, const TensorView& out, const Views&... ins) {
  constexpr int K = 1 + sizeof...(In);
  const TensorView* views[K] = {&out, &ins...};
  const int64_t n = out.numel();
  stridedKernel<F, Out, In...><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
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

// float and double overloads of the libm functions, so templates get expf for float.
#define FLINT_EW_MATH1(NAME)                                                 \
  __device__ __forceinline__ float NAME##_(float x) { return ::NAME##f(x); } \
  __device__ __forceinline__ double NAME##_(double x) { return ::NAME(x); }
#define FLINT_EW_MATH2(NAME)                                                                \
  __device__ __forceinline__ float NAME##_(float x, float y) { return ::NAME##f(x, y); }    \
  __device__ __forceinline__ double NAME##_(double x, double y) { return ::NAME(x, y); }
FLINT_EW_MATH1(fabs) FLINT_EW_MATH1(exp) FLINT_EW_MATH1(log) FLINT_EW_MATH1(sqrt) FLINT_EW_MATH1(sin)
FLINT_EW_MATH1(cos) FLINT_EW_MATH1(tanh) FLINT_EW_MATH1(log1p) FLINT_EW_MATH1(expm1) FLINT_EW_MATH1(floor)
FLINT_EW_MATH1(ceil) FLINT_EW_MATH1(rint) FLINT_EW_MATH1(trunc) FLINT_EW_MATH1(erf)
FLINT_EW_MATH2(pow) FLINT_EW_MATH2(atan2) FLINT_EW_MATH2(fmod)
#undef FLINT_EW_MATH1
#undef FLINT_EW_MATH2

// convertValue<T, double> of native/cpu/convert.h, on the host (scalar operands, fill).
template <class T>
T hostConvert(double v) {
  if constexpr (std::is_same_v<T, Half>) {
    return Half{floatToHalf((float)v)};
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16{floatToBFloat16((float)v)};
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (!std::isfinite(v)) return std::is_same_v<T, int64_t> ? (T)INT64_MIN : T(0);
    if (v >= 9.2233720368547758e18 || v < -9.2233720368547758e18) return (T)INT64_MIN;
    return (T)(int64_t)v;
  } else {
    return (T)v;
  }
}

}  // namespace ew
}  // namespace flint
