// Binary elementwise kernels, tensor-tensor and tensor-scalar. The value rules are
// flint/rules/binary.h, shared with the CPU; the loops are in elementwise.cuh.
#include <string>

#include "elementwise.cuh"
#include "flint/rules/binary.h"

namespace flint {

namespace {
using namespace ew;

// A kernel cannot throw: a data-dependent error (flint/rules/binary.h) sets a deferred
// bit that the next synchronization reports (see DeviceErrorBits).
struct DeferredErrors {
  int* flags;
  __device__ __forceinline__ void raise(ValueError error) const {
    raiseDeviceError(flags, error == ValueError::IntegerDivisionByZero ? kErrorIntegerDivisionByZero
                                                                      : kErrorNegativeIntegerPower);
  }
};

// The rules are flint/rules/binary.h; these wrap them as kernel functors.
template <BinaryOp OP, class T>
struct BinaryFn {
  using Out = BinaryOut<OP, T>;
  int* errorFlags;
  __device__ __forceinline__ Out operator()(T x, T y) const {
    return binaryValue<OP>(x, y, DeferredErrors{errorFlags});
  }
};

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
#define FLINT_BINARY_ANY(OP)                                                                     \
  case BinaryOp::OP:                                                                             \
    if constexpr (std::is_same_v<BinaryOut<BinaryOp::OP, T>, Out> &&                             \
                  binaryDefinedFor<BinaryOp::OP, T>()) {                                        \
      return BinaryFn<BinaryOp::OP, T>{errorFlags}(x, y);                                        \
    }                                                                                            \
    break;
      FLINT_BINARY_OPS(FLINT_BINARY_ANY)
#undef FLINT_BINARY_ANY
    }
    return Out(x);  // not reached: the host launches this only for ops that write Out and take T
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
  dispatchBinaryOp(op, [&](auto rule) {
    constexpr BinaryOp OP = decltype(rule)::value;
    if constexpr (binaryDefinedFor<OP, T>()) {
      const BinaryAnyFn<T, BinaryOut<OP, T>> any{op, ctx.errorFlags};
      if constexpr (std::is_floating_point_v<T>) launchBinary(ctx, BinaryFn<OP, T>{ctx.errorFlags}, any, out, a, b, s);
      else launchBinary(ctx, any, any, out, a, b, s);
    } else {
      checkBinaryDType(op, a.dtype);  // throws (Backend::binary has refused it already)
    }
  });
}

}  // namespace

void cudaBinary(CudaContext& ctx, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
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
    ScalarArg<scalar_t> s;
    s.side = scalarFirst ? 1 : 2;
    s.value = convertValue<scalar_t, double>(scalar);  // as the CPU converts it
    TensorView placeholder = a;  // the scalar's slot: never read
    placeholder.data = nullptr;
    for (int d = 0; d < placeholder.ndim; d++) placeholder.strides[d] = 0;
    if (scalarFirst) binaryTyped<scalar_t>(ctx, op, out, placeholder, a, s);
    else binaryTyped<scalar_t>(ctx, op, out, a, placeholder, s);
  });
}

}  // namespace flint
