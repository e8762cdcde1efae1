// Elementwise kernels: cast/copy, fill, where, axpy, unary and the bias + activation
// epilogue (binary ops: elementwise_binary.cu). Every value rule mirrors
// native/cpu/elementwise.cc; the loops are in elementwise.cuh.
#include <cstring>
#include <string>

#include "../core/checks.h"
#include "elementwise.cuh"

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

constexpr bool integerUnaryOp(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Relu || op == UnaryOp::Clamp ||
         op == UnaryOp::Sign || op == UnaryOp::LogicalNot || op == UnaryOp::Square || op == UnaryOp::Floor ||
         op == UnaryOp::Ceil || op == UnaryOp::Round || op == UnaryOp::Trunc;
}

template <UnaryOp OP, class T>
struct UnaryFn {
  double p0, p1;
  T lo, hi;  // p0 and p1 converted on the host, as the CPU's T(p0) converts them
  __device__ __forceinline__ T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      switch (OP) {
        case UnaryOp::Neg: return -x;
        case UnaryOp::Abs: return fabs_(x);
        case UnaryOp::Exp: return exp_(x);
        case UnaryOp::Log: return log_(x);
        case UnaryOp::Sqrt: return sqrt_(x);
        case UnaryOp::Sin: return sin_(x);
        case UnaryOp::Cos: return cos_(x);
        case UnaryOp::Relu: return x < T(0) ? T(0) : x;  // nan passes through
        case UnaryOp::Sigmoid: return T(1) / (T(1) + exp_(-x));
        case UnaryOp::Tanh: return tanh_(x);
        case UnaryOp::Clamp: {  // nan propagates; a nan bound means "no bound"
          if (x != x) return x;
          T v = x;
          if (p0 == p0 && v < lo) v = lo;
          if (p1 == p1 && v > hi) v = hi;
          return v;
        }
        case UnaryOp::Sign: return T((x > 0) - (x < 0));  // PyTorch's: 0 at NaN
        case UnaryOp::Log1p: return log1p_(x);
        case UnaryOp::Expm1: return expm1_(x);
        case UnaryOp::Floor: return floor_(x);
        case UnaryOp::Ceil: return ceil_(x);
        case UnaryOp::Round: return rint_(x);  // half to even, as torch.round
        case UnaryOp::Trunc: return trunc_(x);
        case UnaryOp::Rsqrt: return T(1) / sqrt_(x);  // not rsqrt(): that one is approximate
        case UnaryOp::Reciprocal: return T(1) / x;
        case UnaryOp::LogicalNot: return T(x == T(0));
        case UnaryOp::Gelu: return T(0.5) * x * (T(1) + erf_(x * T(0.70710678118654752440)));
        case UnaryOp::GeluTanh: {
          // M_2_SQRTPI * M_SQRT1_2 folded in double, then rounded to T, as on the CPU.
          const T inner = T(1.12837916709551257390 * 0.70710678118654752440) * (x + T(0.044715) * x * x * x);
          return T(0.5) * x * (T(1) + tanh_(inner));
        }
        case UnaryOp::Silu: return x / (T(1) + exp_(-x));
        case UnaryOp::LeakyRelu: return x > 0 ? x : x * lo;
        case UnaryOp::Erf: return erf_(x);
        case UnaryOp::Square: return x * x;
        default: return x;
      }
    } else {
      switch (OP) {
        case UnaryOp::Neg: return T(-x);
        case UnaryOp::Abs:
          if constexpr (std::is_signed_v<T>) return x < 0 ? T(-x) : x;
          else return x;
        case UnaryOp::Relu: return x > 0 ? x : T(0);
        case UnaryOp::Clamp: {  // compared in double, as the CPU does
          T v = x;
          if (p0 == p0 && (double)v < p0) v = lo;
          if (p1 == p1 && (double)v > p1) v = hi;
          return v;
        }
        case UnaryOp::Sign:
          if constexpr (std::is_same_v<T, bool>) return x;
          else if constexpr (std::is_signed_v<T>) return T((x > 0) - (x < 0));
          else return T(x > 0);
        case UnaryOp::LogicalNot: return T(x == T(0));
        case UnaryOp::Square: return T(x * x);
        default: return x;  // floor, ceil, round, trunc
      }
    }
  }
};

#define FLINT_UNARY_OPS(X)                                                                       \
  X(Neg) X(Abs) X(Exp) X(Log) X(Sqrt) X(Sin) X(Cos) X(Relu) X(Sigmoid) X(Tanh) X(Clamp) X(Sign) \
  X(Log1p) X(Expm1) X(Floor) X(Ceil) X(Round) X(Rsqrt) X(Reciprocal) X(LogicalNot) X(Gelu)      \
  X(GeluTanh) X(Silu) X(LeakyRelu) X(Erf) X(Square) X(Trunc)

// The op as a run-time value: the strided path, and every path for integer dtypes, whose
// few cheap ops do not earn a kernel each.
template <class T>
struct UnaryAnyFn {
  static constexpr int kStridedUnroll = std::is_floating_point_v<T> ? 1 : 4;  // compile time
  UnaryOp op;
  double p0, p1;
  T lo, hi;
  __device__ __forceinline__ T operator()(T x) const {
    switch (op) {
#define FLINT_UNARY_ANY(OP)                                                           \
  case UnaryOp::OP:                                                                   \
    if constexpr (std::is_floating_point_v<T> || integerUnaryOp(UnaryOp::OP)) {       \
      return UnaryFn<UnaryOp::OP, T>{p0, p1, lo, hi}(x);                              \
    }                                                                                 \
    return x;
      FLINT_UNARY_OPS(FLINT_UNARY_ANY)
#undef FLINT_UNARY_ANY
      default: return x;
    }
  }
};

template <class T>
void unaryTyped(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  constexpr bool isFloat = std::is_floating_point_v<T>;
  // A NaN bound is "absent" and never converted (to an integer that would be UB).
  const T lo = (isFloat || p0 == p0) ? (T)p0 : T(0), hi = (isFloat || p1 == p1) ? (T)p1 : T(0);
  const UnaryAnyFn<T> any{op, p0, p1, lo, hi};
  if constexpr (!isFloat) {
    if (!integerUnaryOp(op)) {
      throw Error("unary op " + std::to_string((int)op) + " is not implemented for integer tensors");
    }
    return launchElementwise<T, T>(ctx, any, any, out, in);
  } else {
    switch (op) {
#define FLINT_UNARY_CASE(OP) \
  case UnaryOp::OP: return launchElementwise<T, T>(ctx, UnaryFn<UnaryOp::OP, T>{p0, p1, lo, hi}, any, out, in);
      FLINT_UNARY_OPS(FLINT_UNARY_CASE)
#undef FLINT_UNARY_CASE
      default: throw Error("unknown unary op " + std::to_string((int)op));
    }
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
    const scalar_t v = hostConvert<scalar_t>(value);
    using U = Bits<sizeof(scalar_t)>;
    U bits;
    std::memcpy(&bits, &v, sizeof(U));
    launchElementwise<U>(ctx, FillFn<U>{bits}, FillFn<U>{bits}, out);
  });
}

void cudaUnary(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  FLINT_CHECK(out.dtype == in.dtype, "unary: input and output dtypes differ");
  FLINT_DISPATCH_COMPUTE(in.dtype, "unary", [&] { unaryTyped<scalar_t>(ctx, op, out, in, p0, p1); });
}

void cudaWhere(CudaContext& ctx, const TensorView& out, const TensorView& cond, const TensorView& a,
               const TensorView& b) {
  FLINT_CHECK(cond.dtype == DType::Bool, "where: condition must be a bool tensor");
  FLINT_CHECK(a.dtype == b.dtype && out.dtype == a.dtype, "where: dtypes differ (promote them first)");
  // A select moves bits, so one kernel per element size serves every dtype.
  FLINT_DISPATCH_ALL(a.dtype, "where", [&] {
    using U = Bits<sizeof(scalar_t)>;
    launchElementwise<U, uint8_t, U, U>(ctx, SelectFn<U>{}, SelectFn<U>{}, out, cond, a, b);
  });
}

void cudaAxpy(CudaContext& ctx, const TensorView& out, const TensorView& x, double alpha) {
  FLINT_CHECK(out.dtype == x.dtype && out.ndim == x.ndim, "axpy: operands must have one dtype and shape");
  for (int d = 0; d < out.ndim; d++) FLINT_CHECK(out.shape[d] == x.shape[d], "axpy: operands must have one shape");
  if (out.dtype == DType::Float32) {
    const AxpyFn<float> f{(float)alpha};
    launchElementwise<float, float, float>(ctx, f, f, out, out, x);
  } else if (out.dtype == DType::Float64) {
    const AxpyFn<double> f{alpha};
    launchElementwise<double, double, double>(ctx, f, f, out, out, x);
  } else {
    throw Error("axpy: expected float32 or float64");
  }
}

void cudaBiasActivation(CudaContext& ctx, const BiasActivationArgs& args) {
  checkBiasActivationArgs(args);
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
