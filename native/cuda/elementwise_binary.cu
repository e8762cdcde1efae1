// Binary elementwise kernels, tensor-tensor and tensor-scalar. Every value rule mirrors
// native/cpu/elementwise.cc; the loops are in elementwise.cuh.
#include <string>

#include "elementwise.cuh"

namespace flint {

namespace {
using namespace ew;

// The CPU's canonical NaN (what T(NAN) gives), not an operand's payload.
template <class T>
__device__ __forceinline__ T quietNaN() {
  if constexpr (std::is_same_v<T, float>) return __int_as_float(0x7fc00000);
  else return __longlong_as_double(0x7ff8000000000000LL);
}

constexpr bool isCompare(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Gt || op == BinaryOp::Ge ||
         op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr;
}

template <BinaryOp OP, class T>
struct BinaryFn {
  using Out = std::conditional_t<isCompare(OP), bool, T>;
  int* errorFlags;

  // Data-dependent errors the CPU throws (integer division by zero, negative integer
  // powers) cannot be thrown from a kernel: they set deferred bits instead (see
  // DeviceErrorBits), and the element gets PyTorch's CUDA value.
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
            if (y < 0) {  // the CPU throws unless |x| == 1
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
        else return x;  // rejected on the host
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
            // y == -1 divides exactly (and INT_MIN % -1 would overflow).
            if (y != T(-1) && (x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1);
          }
          return q;
        }
      default: return Out(x);
    }
  }
};

#define FLINT_BINARY_OPS(X)                                                                   \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum) X(Eq) X(Ne) X(Gt) X(Ge) X(Lt) X(Le) \
  X(LogicalAnd) X(LogicalOr) X(Atan2) X(Remainder) X(FloorDivide)

// The op as a run-time value, for the ops writing Out (T, or bool for comparisons): the
// strided path, and every path for integer dtypes, where a kernel per op is not worth
// its compile time.
template <class T, class OutT>
struct BinaryAnyFn {
  using Out = OutT;
  BinaryOp op;
  int* errorFlags;
  __device__ __forceinline__ Out operator()(T x, T y) const {
    switch (op) {
#define FLINT_BINARY_ANY(OP)                                                                       \
  case BinaryOp::OP:                                                                               \
    if constexpr (std::is_same_v<typename BinaryFn<BinaryOp::OP, T>::Out, Out> &&                 \
                  (std::is_floating_point_v<T> || BinaryOp::OP != BinaryOp::Atan2)) {              \
      return BinaryFn<BinaryOp::OP, T>{errorFlags}(x, y);                                          \
    }                                                                                              \
    return Out(x);
      FLINT_BINARY_OPS(FLINT_BINARY_ANY)
#undef FLINT_BINARY_ANY
      default: return Out(x);
    }
  }
};

// One operand may be a single value: a host scalar (binaryScalar) or a broadcast 0-d
// tensor (read once per thread), so that `x * 2` stays on the vector path.
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

using Step3 = StridedStep<3, kStridedUnroll>;

template <class T>
__device__ __forceinline__ Vec<T, kStridedUnroll> gatherOrSplat(const char* base, const Step3& st, int k,
                                                               bool isScalar, T value) {
  if (!isScalar) return gather<T>(base, st, k);
  Vec<T, kStridedUnroll> v;
#pragma unroll
  for (int u = 0; u < kStridedUnroll; u++) v.v[u] = value;
  return v;
}

template <class F, class T>
__global__ void __launch_bounds__(kBlockThreads)
    binaryStridedKernel(int64_t n, OffsetCalc<3> calc, F f, Pointers<3> p, ScalarArg<T> s) {
  const T sv = s.device ? *s.device : s.value;
  const int64_t step = (int64_t)gridDim.x * blockDim.x * kStridedUnroll;
  for (int64_t base = (int64_t)blockIdx.x * blockDim.x * kStridedUnroll + threadIdx.x; base < n; base += step) {
    Step3 st;
    stridedStep(calc, base, n, st);
    Vec<typename F::Out, kStridedUnroll> o;
    applyVec(f, o, gatherOrSplat<T>(p.p[1], st, 1, s.side == 1, sv),
             gatherOrSplat<T>(p.p[2], st, 2, s.side == 2, sv));
#pragma unroll
    for (int u = 0; u < kStridedUnroll; u++) {
      if (st.index[u] < n) *(typename F::Out*)(p.p[0] + st.off[u][0]) = o.v[u];
    }
  }
}

bool isContiguousOf(const TensorView& v, int64_t n) { return v.isContiguous() && v.numel() == n; }
bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }
// Every element of the view is the same one (stride 0 wherever the size exceeds 1).
bool isBroadcastScalar(const TensorView& v) {
  for (int d = 0; d < v.ndim; d++) {
    if (v.shape[d] != 1 && v.strides[d] != 0) return false;
  }
  return true;
}

// `a` or `b` is a placeholder (data == nullptr, strides 0) on the side that s names.
template <class F, class G, class T>
void launchBinary(CudaContext& ctx, const F& f, const G& strided, const TensorView& out, const TensorView& a,
                  const TensorView& b, ScalarArg<T> s) {
  const int64_t n = out.numel();
  if (n == 0) return;
  using Out = typename F::Out;
  const bool fast = isContiguousOf(out, n) && aligned16(out.data) &&
                    (s.side == 1 || (isContiguousOf(a, n) && aligned16(a.data))) &&
                    (s.side == 2 || (isContiguousOf(b, n) && aligned16(b.data)));
  if (fast) {
    constexpr int VEC = kVec<T, Out>;
    binaryContiguousKernel<VEC><<<onePassGrid(n / VEC, 1), kBlockThreads, 0, ctx.stream>>>(
        n, f, (Out*)out.data, (const T*)a.data, (const T*)b.data, s);
  } else {
    const TensorView* views[3] = {&out, &a, &b};
    binaryStridedKernel<<<onePassGrid(n, kStridedUnroll), kBlockThreads, 0, ctx.stream>>>(
        n, makeOffsetCalc<3>(views), strided, Pointers<3>{{out.data, a.data, b.data}}, s);
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

template <class T>
void binaryTyped(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b,
                 ScalarArg<T> s) {
  constexpr bool isFloat = std::is_floating_point_v<T>;
  if (!isFloat && op == BinaryOp::Atan2) {
    throw Error("binary op " + std::to_string((int)op) + " is not implemented for " + dtypeName(a.dtype));
  }
  switch (op) {
#define FLINT_BINARY_CASE(OP)                                                               \
  case BinaryOp::OP: {                                                                      \
    using Out = typename BinaryFn<BinaryOp::OP, T>::Out;                                    \
    const BinaryAnyFn<T, Out> any{op, ctx.errorFlags};                                      \
    if constexpr (isFloat) {                                                                \
      return launchBinary(ctx, BinaryFn<BinaryOp::OP, T>{ctx.errorFlags}, any, out, a, b, s); \
    } else {                                                                                \
      return launchBinary(ctx, any, any, out, a, b, s);                                     \
    }                                                                                       \
  }
    FLINT_BINARY_OPS(FLINT_BINARY_CASE)
#undef FLINT_BINARY_CASE
    default: break;
  }
  throw Error("binary op " + std::to_string((int)op) + " is not implemented for " + dtypeName(a.dtype));
}

}  // namespace

void cudaBinary(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  FLINT_CHECK(a.dtype == b.dtype, "binary: operand dtypes differ (promote them first)");
  FLINT_CHECK(out.dtype == (isCompareOp(op) ? DType::Bool : a.dtype), "binary: wrong output dtype");
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] {
    ScalarArg<scalar_t> s;
    const int64_t n = out.numel();
    // A broadcast 0-d tensor beside a contiguous one keeps the vector path.
    if (isContiguousOf(out, n) && !(isContiguousOf(a, n) && isContiguousOf(b, n))) {
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
    s.value = hostConvert<scalar_t>(scalar);  // as the CPU converts it
    TensorView placeholder = a;  // the scalar's slot: never read
    placeholder.data = nullptr;
    for (int d = 0; d < placeholder.ndim; d++) placeholder.strides[d] = 0;
    if (scalarFirst) binaryTyped<scalar_t>(ctx, op, out, placeholder, a, s);
    else binaryTyped<scalar_t>(ctx, op, out, a, placeholder, s);
  });
}

}  // namespace flint
