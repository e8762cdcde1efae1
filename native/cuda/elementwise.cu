// Elementwise kernels: cast/copy, fill, unary, binary (tensor-tensor and tensor-scalar),
// where, axpy and the bias + activation epilogue. Every value rule mirrors
// native/cpu/elementwise.cc; only the loops differ. Two loop shapes serve everything:
// a flat grid-stride loop with 16-byte vectors when all views are contiguous and
// aligned, and a strided loop over collapsed dimensions (OffsetCalc) otherwise.
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "common.cuh"

namespace flint {

namespace {

// Data-dependent errors the CPU throws (integer division by zero, negative integer
// powers) cannot be thrown from a kernel; they set these deferred bits instead (see
// DeviceErrorBits) and the element gets PyTorch's CUDA value.
constexpr int kErrorIntegerDivisionByZero = 4;
constexpr int kErrorNegativeIntegerPower = 8;

// ---- loops ----------------------------------------------------------------------------

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

template <class F, class Out, int VEC, class... In>
__device__ __forceinline__ void applyVec(const F& f, Vec<Out, VEC>& o, const Vec<In, VEC>&... in) {
#pragma unroll
  for (int j = 0; j < VEC; j++) o.v[j] = f(in.v[j]...);
}

// Contiguous views, pointers 16-byte aligned when VEC > 1: one vector per thread per
// step, then the n % VEC tail. `out` may be one of the inputs: each element is read and
// written by the same thread.
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

// Byte offsets of a linear index. Index is uint32_t when numel < 2^31: 32-bit division
// costs a fraction of 64-bit division, which has no hardware instruction.
template <class Index, int K>
__device__ __forceinline__ void stridedOffsets(const OffsetCalc<K>& calc, Index linear, int64_t (&off)[K]) {
#pragma unroll
  for (int k = 0; k < K; k++) off[k] = 0;
  int d = 0;
  for (; d < calc.ndim - 1; d++) {
    const Index size = (Index)calc.sizes[d];
    const Index next = linear / size;
    const Index i = linear - next * size;
    linear = next;
#pragma unroll
    for (int k = 0; k < K; k++) off[k] += (int64_t)i * calc.strides[k][d];
  }
  if (calc.ndim > 0) {  // the outermost dimension needs no division
#pragma unroll
    for (int k = 0; k < K; k++) off[k] += (int64_t)linear * calc.strides[k][d];
  }
}

template <class Index, class F, class Out, class... In, size_t... I>
__device__ __forceinline__ void stridedLoop(Index n, const OffsetCalc<1 + sizeof...(In)>& calc, const F& f,
                                            const Pointers<1 + sizeof...(In)>& p, std::index_sequence<I...>) {
  const Index step = (Index)gridDim.x * blockDim.x;
  for (Index i = (Index)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[1 + sizeof...(In)];
    stridedOffsets(calc, i, off);
    *(Out*)(p.p[0] + off[0]) = f(*(const In*)(p.p[I + 1] + off[I + 1])...);
  }
}

template <class F, class Out, class... In>
__global__ void __launch_bounds__(kBlockThreads)
    stridedKernel(int64_t n, OffsetCalc<1 + sizeof...(In)> calc, F f, Pointers<1 + sizeof...(In)> p) {
  if (n <= INT32_MAX) {
    stridedLoop<uint32_t, F, Out, In...>((uint32_t)n, calc, f, p, std::index_sequence_for<In...>{});
  } else {
    stridedLoop<int64_t, F, Out, In...>(n, calc, f, p, std::index_sequence_for<In...>{});
  }
}

// Runs out[i] = f(in[i]...) over views that share out's (broadcast) shape.
template <class Out, class... In, class F, class... Views>
void launchElementwise(CudaContext& ctx, const F& f, const TensorView& out, const Views&... ins) {
  const int64_t n = out.numel();
  if (n == 0) return;
  constexpr int K = 1 + sizeof...(In);
  const TensorView* views[K] = {&out, &ins...};
  const void* ptrs[K] = {out.data, ins.data...};
  constexpr int VEC = 16 / maxSizeOf<Out, In...>();
  if (allContiguous(views) && allAligned16(ptrs)) {
    contiguousKernel<VEC, F, Out, In...><<<gridFor(ctx, n, VEC), kBlockThreads, 0, ctx.stream>>>(
        n, f, (Out*)out.data, (const In*)ins.data...);
  } else {
    // Also the unaligned contiguous case: the view collapses to one dimension, which
    // the offset loop walks without a division.
    stridedKernel<F, Out, In...><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(
        n, makeOffsetCalc<K>(views), f, Pointers<K>{{out.data, ins.data...}});
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

// ---- cast, fill, where, axpy -----------------------------------------------------------

template <size_t N>
using Bits = std::conditional_t<N == 1, uint8_t,
             std::conditional_t<N == 2, uint16_t, std::conditional_t<N == 4, uint32_t, uint64_t>>>;

template <class Dst, class Src>
struct CastFn {
  __device__ __forceinline__ Dst operator()(Src v) const { return convertValue<Dst, Src>(v); }
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
  // An explicit rounded multiply: the CPU computes o + a*x without FMA, and so do we.
  __device__ __forceinline__ T operator()(T o, T x) const {
    if constexpr (std::is_same_v<T, float>) return o + __fmul_rn(alpha, x);
    else return o + __dmul_rn(alpha, x);
  }
};

// A copy moves bits, whatever the dtype.
void copyBits(CudaContext& ctx, const TensorView& out, const TensorView& in) {
  switch (out.itemsize()) {
    case 1: return launchElementwise<uint8_t, uint8_t>(ctx, CopyFn<uint8_t>{}, out, in);
    case 2: return launchElementwise<uint16_t, uint16_t>(ctx, CopyFn<uint16_t>{}, out, in);
    case 4: return launchElementwise<uint32_t, uint32_t>(ctx, CopyFn<uint32_t>{}, out, in);
    default: return launchElementwise<uint64_t, uint64_t>(ctx, CopyFn<uint64_t>{}, out, in);
  }
}

// convertValue<T, double> of native/cpu/convert.h, on the host (the scalar operands).
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

// ---- unary ------------------------------------------------------------------------------

// float and double overloads of the libm functions, so templates pick expf for float.
#define FLINT_MATH1(NAME)                                                  \
  __device__ __forceinline__ float NAME##_(float x) { return ::NAME##f(x); } \
  __device__ __forceinline__ double NAME##_(double x) { return ::NAME(x); }
#define FLINT_MATH2(NAME)                                                                   \
  __device__ __forceinline__ float NAME##_(float x, float y) { return ::NAME##f(x, y); }    \
  __device__ __forceinline__ double NAME##_(double x, double y) { return ::NAME(x, y); }
FLINT_MATH1(fabs) FLINT_MATH1(exp) FLINT_MATH1(log) FLINT_MATH1(sqrt) FLINT_MATH1(sin) FLINT_MATH1(cos)
FLINT_MATH1(tanh) FLINT_MATH1(log1p) FLINT_MATH1(expm1) FLINT_MATH1(floor) FLINT_MATH1(ceil)
FLINT_MATH1(rint) FLINT_MATH1(trunc) FLINT_MATH1(erf)
FLINT_MATH2(pow) FLINT_MATH2(atan2) FLINT_MATH2(fmod)
#undef FLINT_MATH1
#undef FLINT_MATH2

// The CPU's canonical NaN (what T(NAN) gives), not the operand's payload.
template <class T>
__device__ __forceinline__ T quietNaN() {
  if constexpr (std::is_same_v<T, float>) return __int_as_float(0x7fc00000);
  else return __longlong_as_double(0x7ff8000000000000LL);
}

constexpr bool integerUnaryOp(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Relu || op == UnaryOp::Clamp ||
         op == UnaryOp::Sign || op == UnaryOp::LogicalNot || op == UnaryOp::Square;
}
constexpr bool identityForIntegers(UnaryOp op) {
  return op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round || op == UnaryOp::Trunc;
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
        case UnaryOp::Sign: return x != x ? x : T((x > 0) - (x < 0));
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
        default: return x;
      }
    }
  }
};

#define FLINT_UNARY_OPS(X)                                                                          \
  X(Neg) X(Abs) X(Exp) X(Log) X(Sqrt) X(Sin) X(Cos) X(Relu) X(Sigmoid) X(Tanh) X(Clamp) X(Sign)    \
  X(Log1p) X(Expm1) X(Floor) X(Ceil) X(Round) X(Rsqrt) X(Reciprocal) X(LogicalNot) X(Gelu)         \
  X(GeluTanh) X(Silu) X(LeakyRelu) X(Erf) X(Square) X(Trunc)

template <class T>
void unaryTyped(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  constexpr bool isFloat = std::is_floating_point_v<T>;
  // A NaN bound is "absent" and never converted; converting one to an integer is UB.
  const T lo = (isFloat || p0 == p0) ? (T)p0 : T(0), hi = (isFloat || p1 == p1) ? (T)p1 : T(0);
  switch (op) {
#define FLINT_UNARY_CASE(OP)                                                                   \
  case UnaryOp::OP:                                                                            \
    if constexpr (isFloat || integerUnaryOp(UnaryOp::OP)) {                                    \
      return launchElementwise<T, T>(ctx, UnaryFn<UnaryOp::OP, T>{p0, p1, lo, hi}, out, in);  \
    } else if constexpr (identityForIntegers(UnaryOp::OP)) {                                   \
      return copyBits(ctx, out, in);                                                           \
    }                                                                                          \
    break;
    FLINT_UNARY_OPS(FLINT_UNARY_CASE)
#undef FLINT_UNARY_CASE
    default: break;
  }
  if (!isFloat) throw Error("unary op " + std::to_string((int)op) + " is not implemented for integer tensors");
  throw Error("unknown unary op " + std::to_string((int)op));
}

// ---- binary -----------------------------------------------------------------------------

constexpr bool isCompare(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Gt || op == BinaryOp::Ge ||
         op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr;
}

template <BinaryOp OP, class T>
struct BinaryFn {
  using Out = std::conditional_t<isCompare(OP), bool, T>;
  int* errorFlags;

  // The CPU throws ZeroDivisionError here; a kernel can only flag it.
  __device__ __forceinline__ bool zeroDivisor(T y) const {
    if constexpr (std::is_integral_v<T>) {
      if (y == T(0)) {
        raiseDeviceError(errorFlags, kErrorIntegerDivisionByZero);
        return true;
      }
    }
    return false;
  }
  // Integer division that cannot overflow: INT_MIN / -1 wraps, as on the CPU.
  __device__ __forceinline__ static T safeDivide(T a, T b) {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      if (b == T(-1)) return T(-a);
    }
    return T(a / b);
  }

  __device__ __forceinline__ Out operator()(T x, T y) const {
    constexpr bool isFloat = std::is_floating_point_v<T>;
    constexpr bool isBool = std::is_same_v<T, bool>;
    switch (OP) {
      case BinaryOp::Add:
        if constexpr (isBool) return x || y;
        else return T(x + y);
      case BinaryOp::Sub: return T(x - y);
      case BinaryOp::Mul:
        if constexpr (isBool) return x && y;
        else return T(x * y);
      case BinaryOp::Div:
        if (zeroDivisor(y)) return T(0);
        return safeDivide(x, y);
      case BinaryOp::Pow:
        if constexpr (isFloat) {
          return pow_(x, y);
        } else {
          if constexpr (std::is_signed_v<T>) {
            if (y < 0) {  // PyTorch's CUDA values; the CPU throws for |x| != 1
              if (x == 1) return T(1);
              if (x == -1) return (y % 2 == 0) ? T(1) : T(-1);
              raiseDeviceError(errorFlags, kErrorNegativeIntegerPower);
              return T(0);
            }
          }
          T result = 1, base = x, exponent = y;
          while (exponent > 0) {
            if (exponent & 1) result = T(result * base);
            base = T(base * base);
            exponent = T(exponent >> 1);
          }
          return result;
        }
      case BinaryOp::Maximum:
        if constexpr (isFloat) {
          if (x != x || y != y) return quietNaN<T>();
        }
        return x > y ? x : y;
      case BinaryOp::Minimum:
        if constexpr (isFloat) {
          if (x != x || y != y) return quietNaN<T>();
        }
        return x < y ? x : y;
      case BinaryOp::Eq: return x == y;
      case BinaryOp::Ne: return x != y;
      case BinaryOp::Gt: return x > y;
      case BinaryOp::Ge: return x >= y;
      case BinaryOp::Lt: return x < y;
      case BinaryOp::Le: return x <= y;
      case BinaryOp::LogicalAnd: return x != T(0) && y != T(0);
      case BinaryOp::LogicalOr: return x != T(0) || y != T(0);
      case BinaryOp::Atan2:
        if constexpr (isFloat) return atan2_(x, y);
        else return x;
      case BinaryOp::Remainder:  // Python semantics: the result takes the divisor's sign
        if constexpr (isFloat) {
          const T r = fmod_(x, y);
          return (r != 0 && ((r < 0) != (y < 0))) ? T(r + y) : r;
        } else {
          if (zeroDivisor(y)) return T(0);
          if constexpr (std::is_signed_v<T>) {
            if (y == T(-1)) return T(0);
          }
          T r = T(x % y);
          if constexpr (std::is_signed_v<T>) {
            if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y);
          }
          return r;
        }
      case BinaryOp::FloorDivide:
        if constexpr (isFloat) {
          return floor_(x / y);
        } else {
          if (zeroDivisor(y)) return T(0);
          T q = safeDivide(x, y);
          if constexpr (std::is_signed_v<T>) {
            // y == -1 divides exactly (and INT_MIN % -1 would be undefined).
            if (y != T(-1) && (x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1);
          }
          return q;
        }
      default: return Out(x);
    }
  }
};

// One operand of a binary op may be a single value: a host scalar (binaryScalar) or a
// broadcast 0-d tensor (read once per thread), so that `x * 2` stays on the vector path.
template <class T>
struct ScalarArg {
  int side = 0;  // 0: none; 1: a is the scalar; 2: b is
  T value{};
  const T* device = nullptr;
};

template <class T, int VEC>
__device__ __forceinline__ Vec<T, VEC> loadOrSplat(const T* p, int64_t i, bool isScalar, T value) {
  Vec<T, VEC> v;
  if (isScalar) {
#pragma unroll
    for (int j = 0; j < VEC; j++) v.v[j] = value;
  } else {
    v = reinterpret_cast<const Vec<T, VEC>*>(p)[i];
  }
  return v;
}

template <int VEC, class F, class T>
__global__ void __launch_bounds__(kBlockThreads)
    binaryContiguousKernel(int64_t n, F f, typename F::Out* out, const T* a, const T* b, ScalarArg<T> s) {
  const T sv = s.device ? *s.device : s.value;
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  const int64_t first = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t vectors = n / VEC;
  for (int64_t i = first; i < vectors; i += step) {
    Vec<typename F::Out, VEC> o;
    applyVec(f, o, loadOrSplat<T, VEC>(a, i, s.side == 1, sv), loadOrSplat<T, VEC>(b, i, s.side == 2, sv));
    reinterpret_cast<Vec<typename F::Out, VEC>*>(out)[i] = o;
  }
  for (int64_t i = vectors * VEC + first; i < n; i += step) {
    out[i] = f(s.side == 1 ? sv : a[i], s.side == 2 ? sv : b[i]);
  }
}

template <class Index, class F, class T>
__device__ __forceinline__ void binaryStridedLoop(Index n, const OffsetCalc<3>& calc, const F& f, const Pointers<3>& p,
                                                  const ScalarArg<T>& s, T sv) {
  const Index step = (Index)gridDim.x * blockDim.x;
  for (Index i = (Index)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[3];
    stridedOffsets(calc, i, off);
    const T x = s.side == 1 ? sv : *(const T*)(p.p[1] + off[1]);
    const T y = s.side == 2 ? sv : *(const T*)(p.p[2] + off[2]);
    *(typename F::Out*)(p.p[0] + off[0]) = f(x, y);
  }
}

template <class F, class T>
__global__ void __launch_bounds__(kBlockThreads)
    binaryStridedKernel(int64_t n, OffsetCalc<3> calc, F f, Pointers<3> p, ScalarArg<T> s) {
  const T sv = s.device ? *s.device : s.value;
  if (n <= INT32_MAX) binaryStridedLoop<uint32_t>((uint32_t)n, calc, f, p, s, sv);
  else binaryStridedLoop<int64_t>(n, calc, f, p, s, sv);
}

bool isContiguousOf(const TensorView& v, int64_t n) { return v.isContiguous() && v.numel() == n; }
// Every element of the view is the same one (stride 0 wherever the size exceeds 1).
bool isBroadcastScalar(const TensorView& v) {
  for (int d = 0; d < v.ndim; d++) {
    if (v.shape[d] != 1 && v.strides[d] != 0) return false;
  }
  return true;
}

// `a` / `b` are placeholders (data == nullptr, strides 0) on the side that s names.
template <class F, class T>
void launchBinary(CudaContext& ctx, const F& f, const TensorView& out, const TensorView& a, const TensorView& b,
                  ScalarArg<T> s) {
  const int64_t n = out.numel();
  if (n == 0) return;
  using Out = typename F::Out;
  constexpr int VEC = 16 / maxSizeOf<T, Out>();
  const bool fast = isContiguousOf(out, n) && (s.side == 1 || isContiguousOf(a, n)) &&
                    (s.side == 2 || isContiguousOf(b, n)) &&
                    ((uintptr_t)out.data & 15) == 0 && (s.side == 1 || ((uintptr_t)a.data & 15) == 0) &&
                    (s.side == 2 || ((uintptr_t)b.data & 15) == 0);
  if (fast) {
    binaryContiguousKernel<VEC><<<gridFor(ctx, n, VEC), kBlockThreads, 0, ctx.stream>>>(
        n, f, (Out*)out.data, (const T*)a.data, (const T*)b.data, s);
  } else {
    const TensorView* views[3] = {&out, &a, &b};
    binaryStridedKernel<<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(n, makeOffsetCalc<3>(views), f,
                                                                           Pointers<3>{{out.data, a.data, b.data}}, s);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

#define FLINT_BINARY_OPS(X)                                                                          \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum) X(Eq) X(Ne) X(Gt) X(Ge) X(Lt) X(Le)        \
  X(LogicalAnd) X(LogicalOr) X(Atan2) X(Remainder) X(FloorDivide)

template <class T>
void binaryTyped(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
                 ScalarArg<T> s) {
  switch (op) {
#define FLINT_BINARY_CASE(OP)                                                                \
  case BinaryOp::OP:                                                                         \
    if constexpr (std::is_floating_point_v<T> || BinaryOp::OP != BinaryOp::Atan2) {          \
      return launchBinary(ctx, BinaryFn<BinaryOp::OP, T>{ctx.errorFlags}, out, a, b, s);     \
    }                                                                                        \
    break;
    FLINT_BINARY_OPS(FLINT_BINARY_CASE)
#undef FLINT_BINARY_CASE
    default: break;
  }
  throw Error("binary op " + std::to_string((int)op) + " is not implemented for " + dtypeName(a.dtype));
}

// ---- bias + activation ------------------------------------------------------------------

template <class Index, int VEC, bool RELU, class T>
__device__ __forceinline__ void biasActivationLoop(Index vectors, Index colVectors, T* out, const T* in,
                                                   const T* bias) {
  using V = Vec<T, VEC>;
  const Index step = (Index)gridDim.x * blockDim.x;
  for (Index i = (Index)blockIdx.x * blockDim.x + threadIdx.x; i < vectors; i += step) {
    const V x = reinterpret_cast<const V*>(in)[i];
    const V b = reinterpret_cast<const V*>(bias)[i % colVectors];
    V o;
#pragma unroll
    for (int j = 0; j < VEC; j++) {
      const T v = x.v[j] + b.v[j];
      o.v[j] = RELU && v < T(0) ? T(0) : v;  // nan passes, as unary relu
    }
    reinterpret_cast<V*>(out)[i] = o;
  }
}

template <int VEC, bool RELU, class T>
__global__ void __launch_bounds__(kBlockThreads)
    biasActivationKernel(int64_t vectors, int64_t colVectors, T* out, const T* in, const T* bias) {
  if (vectors <= INT32_MAX) {
    biasActivationLoop<uint32_t, VEC, RELU>((uint32_t)vectors, (uint32_t)colVectors, out, in, bias);
  } else {
    biasActivationLoop<int64_t, VEC, RELU>(vectors, colVectors, out, in, bias);
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
    biasActivationKernel<VEC, RELU><<<gridFor(ctx, n, VEC), kBlockThreads, 0, ctx.stream>>>(n / VEC, cols / VEC,
                                                                                            out, in, bias);
  } else {
    biasActivationKernel<1, RELU><<<gridFor(ctx, n), kBlockThreads, 0, ctx.stream>>>(n, cols, out, in, bias);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

// ---- entry points -------------------------------------------------------------------------

void cudaCast(CudaContext& ctx, const TensorView& out, const TensorView& in) {
  FLINT_DISPATCH_ALL(out.dtype, "cast", [&] {
    using Dst = scalar_t;
    FLINT_DISPATCH_ALL(in.dtype, "cast", [&] {
      if constexpr (std::is_same_v<Dst, scalar_t>) copyBits(ctx, out, in);
      else launchElementwise<Dst, scalar_t>(ctx, CastFn<Dst, scalar_t>{}, out, in);
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
    launchElementwise<U>(ctx, FillFn<U>{bits}, out);
  });
}

void cudaUnary(CudaContext& ctx, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  FLINT_CHECK(out.dtype == in.dtype, "unary: input and output dtypes differ");
  FLINT_DISPATCH_COMPUTE(in.dtype, "unary", [&] { unaryTyped<scalar_t>(ctx, op, out, in, p0, p1); });
}

void cudaBinary(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  FLINT_CHECK(a.dtype == b.dtype, "binary: operand dtypes differ (promote them first)");
  FLINT_CHECK(out.dtype == (isCompareOp(op) ? DType::Bool : a.dtype), "binary: wrong output dtype");
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] {
    ScalarArg<scalar_t> s;
    const int64_t n = out.numel();
    // A broadcast 0-d tensor beside a contiguous one keeps the vector path.
    if (!(isContiguousOf(a, n) && isContiguousOf(b, n)) && isContiguousOf(out, n)) {
      if (isContiguousOf(a, n) && isBroadcastScalar(b)) s.side = 2;
      else if (isContiguousOf(b, n) && isBroadcastScalar(a)) s.side = 1;
      if (s.side != 0) s.device = (const scalar_t*)(s.side == 1 ? a.data : b.data);
    }
    binaryTyped<scalar_t>(ctx, op, out, a, b, s);
  });
}

void cudaBinaryScalar(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                      bool scalarFirst) {
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] {
    FLINT_CHECK(out.dtype == (isCompareOp(op) ? DType::Bool : a.dtype), "binary: wrong output dtype");
    ScalarArg<scalar_t> s;
    s.side = scalarFirst ? 1 : 2;
    s.value = hostConvert<scalar_t>(scalar);
    TensorView placeholder = a;  // the scalar's slot: never read, strides 0
    placeholder.data = nullptr;
    for (int d = 0; d < placeholder.ndim; d++) placeholder.strides[d] = 0;
    if (scalarFirst) binaryTyped<scalar_t>(ctx, op, out, placeholder, a, s);
    else binaryTyped<scalar_t>(ctx, op, out, a, placeholder, s);
  });
}

void cudaWhere(CudaContext& ctx, const TensorView& out, const TensorView& cond, const TensorView& a,
               const TensorView& b) {
  FLINT_CHECK(cond.dtype == DType::Bool, "where: condition must be a bool tensor");
  FLINT_CHECK(a.dtype == b.dtype && out.dtype == a.dtype, "where: dtypes differ (promote them first)");
  // A select moves bits, so one kernel per element size serves every dtype.
  FLINT_DISPATCH_ALL(a.dtype, "where", [&] {
    using U = Bits<sizeof(scalar_t)>;
    launchElementwise<U, uint8_t, U, U>(ctx, SelectFn<U>{}, out, cond, a, b);
  });
}

void cudaAxpy(CudaContext& ctx, const TensorView& out, const TensorView& x, double alpha) {
  FLINT_CHECK(out.dtype == x.dtype && out.ndim == x.ndim, "axpy: operands must have one dtype and shape");
  for (int d = 0; d < out.ndim; d++) FLINT_CHECK(out.shape[d] == x.shape[d], "axpy: operands must have one shape");
  if (out.dtype == DType::Float32) launchElementwise<float, float, float>(ctx, AxpyFn<float>{(float)alpha}, out, out, x);
  else if (out.dtype == DType::Float64) launchElementwise<double, double, double>(ctx, AxpyFn<double>{alpha}, out, out, x);
  else throw Error("axpy: expected float32 or float64");
}

void cudaBiasActivation(CudaContext& ctx, const BiasActivationArgs& args) {
  const TensorView &out = args.out, &in = args.input, &bias = args.bias;
  FLINT_CHECK(out.dtype == in.dtype && bias.dtype == in.dtype, "biasActivation: operands must have one dtype");
  const int64_t n = in.numel();
  const int64_t cols = in.ndim > 0 ? in.shape[in.ndim - 1] : 1;
  FLINT_CHECK(out.numel() == n && bias.numel() == cols, "biasActivation: bias must have one element per column");
  FLINT_CHECK(out.isContiguous() && in.isContiguous() && bias.isContiguous(),
              "biasActivation: operands must be contiguous");
  FLINT_DISPATCH_FLOATING(in.dtype, "biasActivation", [&] {
    if (n == 0) return;
    if (args.activation == Activation::Relu) launchBiasActivation<true, scalar_t>(ctx, args, n, cols);
    else if (args.activation == Activation::None) launchBiasActivation<false, scalar_t>(ctx, args, n, cols);
    else throw Error("biasActivation: unknown activation " + std::to_string((int)args.activation));
  });
}

}  // namespace flint
