// Elementwise kernels: cast/copy, fill, where, axpy, unary and the bias + activation
// epilogue (binary ops: elementwise_binary.cu). The value rules are flint/rules/, shared
// with the CPU; the loops are in elementwise.cuh.
#include <cstring>
#include <string>

#include "elementwise.cuh"
#include "flint/rules/unary.h"

namespace flint {

namespace {
using namespace ew;

template <size_t N>
using Bits = std::conditional_t<N == 1, uint8_t,
                                std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;

// ---- cast, fill, where, axpy -----------------------------------------------------------

template <class Dst, class Src>
struct CastFn {
  __device__ __forceinline__ Dst operator()(Src v) const { return convertValue<Dst, Src>(v); }
};
// The strided cast reads its source dtype at run time: 10 kernels instead of 90.
template <class Dst>
struct CastAnyFn {
  DType src;
  __device__ __forceinline__ Dst operator()(Address a) const {
    switch (src) {
      case DType::Float32: return convertValue<Dst>(*(const float*)a.p);
      case DType::Float64: return convertValue<Dst>(*(const double*)a.p);
      case DType::Int64: return convertValue<Dst>(*(const int64_t*)a.p);
      case DType::Int32: return convertValue<Dst>(*(const int32_t*)a.p);
      case DType::UInt8: return convertValue<Dst>(*(const uint8_t*)a.p);
      case DType::Bool: return convertValue<Dst>(*(const bool*)a.p);
      case DType::Float16: return convertValue<Dst>(*(const Half*)a.p);
      case DType::BFloat16: return convertValue<Dst>(*(const BFloat16*)a.p);
      case DType::Int16: return convertValue<Dst>(*(const int16_t*)a.p);
      default: return convertValue<Dst>(*(const int8_t*)a.p);
    }
  }
};
template <class U>
struct CopyFn {
  __device__ __forceinline__ U operator()(U v) const { return v; }
};
template <class U>
struct FillFn {
  U value;
  __device__ __forceinline__ U operator()() const { return value; }
};
template <class U>
struct SelectFn {
  __device__ __forceinline__ U operator()(uint8_t c, U a, U b) const { return c ? a : b; }
};
template <class T>
struct AxpyFn {
  T alpha;
  // A rounded multiply, never fused into an FMA: the CPU computes o + a*x unfused.
  __device__ __forceinline__ T operator()(T o, T x) const {
    if constexpr (std::is_same_v<T, float>) return o + __fmul_rn(alpha, x);
    else return o + __dmul_rn(alpha, x);
  }
};

// A same-dtype cast moves bits, whatever the dtype.
void copyBits(CudaContext& ctx, const TensorView& out, const TensorView& in) {
  switch (out.itemsize()) {
    case 1: return launchElementwise<uint8_t, uint8_t>(ctx, CopyFn<uint8_t>{}, CopyFn<uint8_t>{}, out, in);
    case 2: return launchElementwise<uint16_t, uint16_t>(ctx, CopyFn<uint16_t>{}, CopyFn<uint16_t>{}, out, in);
    case 4: return launchElementwise<uint32_t, uint32_t>(ctx, CopyFn<uint32_t>{}, CopyFn<uint32_t>{}, out, in);
    default: return launchElementwise<uint64_t, uint64_t>(ctx, CopyFn<uint64_t>{}, CopyFn<uint64_t>{}, out, in);
  }
}

// ---- unary ------------------------------------------------------------------------------

// The rules are flint/rules/unary.h; these wrap them as kernel functors.
template <UnaryOp OP, class T>
struct UnaryFn {
  UnaryParams<T> params;
  __device__ __forceinline__ T operator()(T x) const { return unaryValue<OP, T>(x, params); }
};

// The op as a run-time value: the strided path, and every path for integer dtypes, whose
// few cheap ops do not earn a kernel each.
template <class T>
struct UnaryAnyFn {
  static constexpr int kStridedUnroll = std::is_floating_point_v<T> ? 1 : 4;  // compile time
  UnaryOp op;
  UnaryParams<T> params;
  __device__ __forceinline__ T operator()(T x) const {
    switch (op) {
#define FLINT_UNARY_ANY(OP)                                                          \
  case UnaryOp::OP:                                                                  \
    if constexpr (unaryDefinedFor<UnaryOp::OP, T>()) {                                \
      return unaryValue<UnaryOp::OP, T>(x, params);                                  \
    }                                                                                \
    break;
      FLINT_UNARY_OPS(FLINT_UNARY_ANY)
#undef FLINT_UNARY_ANY
    }
    return x;  // not reached: Backend::unary admits only listed ops defined for T
  }
};

template <class T>
void unaryTyped(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  const UnaryParams<T> params = unaryParams<T>(p0, p1);
  const UnaryAnyFn<T> any{op, params};
  if constexpr (!std::is_floating_point_v<T>) {
    checkUnaryDType(op, in.dtype);
    launchElementwise<T, T>(ctx, any, any, out, in);
  } else {
    dispatchUnaryOp(op, [&](auto rule) {
      constexpr UnaryOp OP = decltype(rule)::value;
      if constexpr (unaryDefinedFor<OP, T>()) launchElementwise<T, T>(ctx, UnaryFn<OP, T>{params}, any, out, in);
      else checkUnaryDType(op, in.dtype);  // throws (Backend::unary has refused it already)
    });
  }
}

// ---- bias + activation ------------------------------------------------------------------

template <int VEC, bool RELU, class T>
__global__ void __launch_bounds__(kBlockThreads)
    biasActivationKernel(int64_t vectors, int64_t colVectors, T* out, const T* in, const T* bias) {
  using V = Vec<T, VEC>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < vectors; i += step) {
    const V x = reinterpret_cast<const V*>(in)[i];
    const V b = reinterpret_cast<const V*>(bias)[(uint64_t)i % (uint64_t)colVectors];
    V o;
#pragma unroll
    for (int j = 0; j < VEC; j++) {
      const T v = x.v[j] + b.v[j];
      o.v[j] = RELU && v < T(0) ? T(0) : v;  // nan passes, as in unary relu
    }
    reinterpret_cast<V*>(out)[i] = o;
  }
}

template <bool RELU, class T>
void launchBiasActivation(CudaContext& ctx, const BiasActivationArgs& args, int64_t n, int64_t cols) {
  constexpr int VEC = 16 / sizeof(T);
  const void* ptrs[3] = {args.out.data, args.input.data, args.bias.data};
  T* out = (T*)args.out.data;
  const T* in = (const T*)args.input.data;
  const T* bias = (const T*)args.bias.data;
  if (cols % VEC == 0 && allAligned16(ptrs)) {  // then no vector straddles two rows
    biasActivationKernel<VEC, RELU>
        <<<onePassGrid(n / VEC, 1), kBlockThreads, 0, ctx.stream>>>(n / VEC, cols / VEC, out, in, bias);
  } else {
    biasActivationKernel<1, RELU><<<onePassGrid(n, 1), kBlockThreads, 0, ctx.stream>>>(n, cols, out, in, bias);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- entry points -------------------------------------------------------------------------

void cudaCast(CudaContext& ctx, const TensorView& out, const TensorView& in) {
  FLINT_DISPATCH_ALL(out.dtype, "cast", [&] {
    using Dst = scalar_t;
    FLINT_DISPATCH_ALL(in.dtype, "cast", [&] {
      if constexpr (std::is_same_v<Dst, scalar_t>) {
        copyBits(ctx, out, in);
      } else if (out.numel() != 0 && !launchContiguous<Dst, scalar_t>(ctx, CastFn<Dst, scalar_t>{}, out, in)) {
        launchStrided<Dst, Address>(ctx, CastAnyFn<Dst>{in.dtype}, out, in);
      }
    });
  });
}

void cudaFill(CudaContext& ctx, const TensorView& out, double value) {
  // Converted once on the host, exactly as the CPU converts it, then stored as bits.
  FLINT_DISPATCH_ALL(out.dtype, "fill", [&] {
    const scalar_t v = convertValue<scalar_t, double>(value);
    using U = Bits<sizeof(scalar_t)>;
    U bits;
    std::memcpy(&bits, &v, sizeof(U));
    launchElementwise<U>(ctx, FillFn<U>{bits}, FillFn<U>{bits}, out);
  });
}

void cudaUnary(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  FLINT_DISPATCH_COMPUTE(in.dtype, "unary", [&] { unaryTyped<scalar_t>(ctx, op, out, in, p0, p1); });
}

void cudaWhere(CudaContext& ctx, const TensorView& out, const TensorView& cond, const TensorView& a,
               const TensorView& b) {
  // A select moves bits, so one kernel per element size serves every dtype.
  FLINT_DISPATCH_ALL(a.dtype, "where", [&] {
    using U = Bits<sizeof(scalar_t)>;
    launchElementwise<U, uint8_t, U, U>(ctx, SelectFn<U>{}, SelectFn<U>{}, out, cond, a, b);
  });
}

void cudaAxpy(CudaContext& ctx, const TensorView& out, const TensorView& x, double alpha) {
  FLINT_DISPATCH_FLOATING(out.dtype, "axpy", [&] {
    const AxpyFn<scalar_t> f{(scalar_t)alpha};
    launchElementwise<scalar_t, scalar_t, scalar_t>(ctx, f, f, out, out, x);
  });
}

void cudaBiasActivation(CudaContext& ctx, const BiasActivationArgs& args) {
  const TensorView& in = args.input;
  const int64_t n = in.numel();
  const int64_t cols = in.shape[1];
  FLINT_DISPATCH_FLOATING(in.dtype, "biasActivation", [&] {
    if (n == 0) return;
    if (args.activation == Activation::Relu) launchBiasActivation<true, scalar_t>(ctx, args, n, cols);
    else launchBiasActivation<false, scalar_t>(ctx, args, n, cols);
  });
}

}  // namespace flint
