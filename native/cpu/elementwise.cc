// Elementwise kernels: cast/copy, fill, unary, binary (tensor-tensor and tensor-scalar)
// and where. Shapes arrive already broadcast (stride 0) and dtypes already promoted by
// the TypeScript layer; here we only loop, with a fast path for contiguous rows.
#include <cstring>
#include <algorithm>
#include <cmath>
#include <string>

#include "flint/rules/binary.h"
#include "flint/rules/convert.h"
#include "flint/rules/unary.h"
#include "cpu_backend.h"
#include "strided_loop.h"

namespace flint {

namespace {

template <int K, class Row>
void parallelRows(ThreadPool& pool, const TensorView* const (&views)[K], Row&& row) {
  StridedLoop<K> loop(views);
  int64_t n = loop.numel();
  if (n < kParallelGrain) {
    loop.run(0, n, row);
  } else {
    pool.parallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) { loop.run(begin, end, row); });
  }
}

template <class Dst, class Src>
void castLoop(ThreadPool& pool, const TensorView& out, const TensorView& in) {
  const TensorView* views[2] = {&out, &in};
  parallelRows<2>(pool, views, [](char** p, int64_t n, const int64_t* s) {
    if (s[0] == (int64_t)sizeof(Dst) && s[1] == (int64_t)sizeof(Src)) {
      Dst* o = (Dst*)p[0];
      const Src* x = (const Src*)p[1];
      if constexpr (std::is_same_v<Src, bool> && std::is_arithmetic_v<Dst>) {
        // Read bools as bytes: the compiler then vectorises the widening.
        const uint8_t* bytes = (const uint8_t*)x;
        for (int64_t i = 0; i < n; i++) o[i] = (Dst)bytes[i];
      } else {
        for (int64_t i = 0; i < n; i++) o[i] = convertValue<Dst, Src>(x[i]);
      }
    } else {
      char* o = p[0];
      const char* x = p[1];
      for (int64_t i = 0; i < n; i++, o += s[0], x += s[1]) *(Dst*)o = convertValue<Dst, Src>(*(const Src*)x);
    }
  });
}

// One loop per (op, dtype), with the op's rule (flint/rules/unary.h) inlined: the op is
// chosen once per call, and the contiguous loops vectorise where the rule allows.
template <UnaryOp OP, class T>
void unaryLoop(ThreadPool& pool, const TensorView& out, const TensorView& in, const UnaryParams<T>& params) {
  const TensorView* views[2] = {&out, &in};
  parallelRows<2>(pool, views, [params](char** p, int64_t n, const int64_t* s) {
    if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {
      T* o = (T*)p[0];
      const T* x = (const T*)p[1];
      for (int64_t i = 0; i < n; i++) o[i] = unaryValue<OP, T>(x[i], params);
      return;
    }
    char* o = p[0];
    const char* x = p[1];
    for (int64_t i = 0; i < n; i++, o += s[0], x += s[1]) *(T*)o = unaryValue<OP, T>(*(const T*)x, params);
  });
}

template <class T>
void unaryTyped(ThreadPool& pool, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  const UnaryParams<T> params = unaryParams<T>(p0, p1);
  dispatchUnaryOp(op, [&](auto rule) {
    constexpr UnaryOp OP = decltype(rule)::value;
    if constexpr (unaryDefinedFor<OP, T>()) unaryLoop<OP, T>(pool, out, in, params);
    else checkUnaryDType(op, in.dtype);  // throws (Backend::unary has refused it already)
  });
}

// The CPU reports a data-dependent error (flint/rules/binary.h) by throwing at once.
struct ThrowingErrors {
  [[noreturn]] void raise(ValueError error) const { throw Error(valueErrorMessage(error)); }
};

template <class T, class Out, class F>
void binaryLoop(ThreadPool& pool, const TensorView& out, const TensorView& a, const TensorView& b, F f) {
  const TensorView* views[3] = {&out, &a, &b};
  parallelRows<3>(pool, views, [&f](char** p, int64_t n, const int64_t* s) {
    Out* o = (Out*)p[0];
    const T* x = (const T*)p[1];
    const T* y = (const T*)p[2];
    if (s[0] == (int64_t)sizeof(Out) && s[1] == (int64_t)sizeof(T)) {
      if (s[2] == (int64_t)sizeof(T)) {
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], y[i]);
        return;
      }
      if (s[2] == 0) {
        const T yv = *y;
        for (int64_t i = 0; i < n; i++) o[i] = f(x[i], yv);
        return;
      }
    }
    char* po = p[0];
    const char* px = p[1];
    const char* py = p[2];
    for (int64_t i = 0; i < n; i++, po += s[0], px += s[1], py += s[2]) {
      *(Out*)po = f(*(const T*)px, *(const T*)py);
    }
  });
}

template <class T>
void binaryTyped(ThreadPool& pool, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  dispatchBinaryOp(op, [&](auto rule) {
    constexpr BinaryOp OP = decltype(rule)::value;
    if constexpr (binaryDefinedFor<OP, T>()) {
      binaryLoop<T, BinaryOut<OP, T>>(pool, out, a, b,
                                      [](T x, T y) { return binaryValue<OP>(x, y, ThrowingErrors{}); });
    } else {
      checkBinaryDType(op, a.dtype);  // throws (Backend::binary has refused it already)
    }
  });
}

// c ? a : b without a branch (a random mask would mispredict half the time).
template <class T>
inline T selectBits(uint8_t c, T a, T b) {
  if constexpr (sizeof(T) == 4 || sizeof(T) == 8) {
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    Bits ab, bb;
    std::memcpy(&ab, &a, sizeof(T));
    std::memcpy(&bb, &b, sizeof(T));
    const Bits mask = Bits(0) - Bits(c != 0);
    const Bits r = (ab & mask) | (bb & ~mask);
    T out;
    std::memcpy(&out, &r, sizeof(T));
    return out;
  } else {
    return c ? a : b;
  }
}

template <class T>
void whereLoop(ThreadPool& pool, const TensorView& out, const TensorView& cond, const TensorView& a,
               const TensorView& b) {
  const TensorView* views[4] = {&out, &cond, &a, &b};
  parallelRows<4>(pool, views, [](char** p, int64_t n, const int64_t* s) {
    if (s[0] == (int64_t)sizeof(T) && s[1] == 1 && s[2] == (int64_t)sizeof(T) &&
        (s[3] == (int64_t)sizeof(T) || s[3] == 0)) {
      // Contiguous (or scalar `b`): a select without branches, so random masks cost nothing.
      T* o = (T*)p[0];
      const uint8_t* c = (const uint8_t*)p[1];
      const T* a = (const T*)p[2];
      const T* b = (const T*)p[3];
      if (s[3] == 0) {
        const T bv = *b;
        for (int64_t i = 0; i < n; i++) o[i] = selectBits(c[i], a[i], bv);
      } else {
        for (int64_t i = 0; i < n; i++) o[i] = selectBits(c[i], a[i], b[i]);
      }
      return;
    }
    char *po = p[0], *pc = p[1], *pa = p[2], *pb = p[3];
    for (int64_t i = 0; i < n; i++, po += s[0], pc += s[1], pa += s[2], pb += s[3]) {
      *(T*)po = *(const bool*)pc ? *(const T*)pa : *(const T*)pb;
    }
  });
}

}  // namespace

void CpuBackend::castRun(const TensorView& out, const TensorView& in) {
  FLINT_DISPATCH_ALL(out.dtype, "cast", [&] {
    using Dst = scalar_t;
    FLINT_DISPATCH_ALL(in.dtype, "cast", [&] { castLoop<Dst, scalar_t>(*pool_, out, in); });
  });
}

void CpuBackend::fillRun(const TensorView& out, double value) {
  // A 0-d double view broadcast over `out` reuses the cast loop for every dtype.
  TensorView source;
  source.data = (char*)&value;
  source.dtype = DType::Float64;
  source.ndim = out.ndim;
  for (int d = 0; d < out.ndim; d++) {
    source.shape[d] = out.shape[d];
    source.strides[d] = 0;
  }
  castRun(out, source);
}

void CpuBackend::unaryRun(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  FLINT_DISPATCH_COMPUTE(in.dtype, "unary", [&] { unaryTyped<scalar_t>(*pool_, op, out, in, p0, p1); });
}

void CpuBackend::binaryRun(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] { binaryTyped<scalar_t>(*pool_, op, out, a, b); });
}

void CpuBackend::binaryScalarRun(BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
                                  bool scalarFirst) {
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] {
    scalar_t value = convertValue<scalar_t, double>(scalar);
    TensorView scalarView;
    scalarView.data = (char*)&value;
    scalarView.dtype = a.dtype;
    scalarView.ndim = a.ndim;
    for (int d = 0; d < a.ndim; d++) {
      scalarView.shape[d] = a.shape[d];
      scalarView.strides[d] = 0;
    }
    if (scalarFirst) binaryRun(op, out, scalarView, a);
    else binaryRun(op, out, a, scalarView);
  });
}

void CpuBackend::whereRun(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  FLINT_DISPATCH_ALL(a.dtype, "where", [&] { whereLoop<scalar_t>(*pool_, out, cond, a, b); });
}

void CpuBackend::axpyRun(const TensorView& out, const TensorView& x, double alpha) {
  const TensorView* views[2] = {&out, &x};
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const T a = (T)alpha;
    parallelRows<2>(*pool_, views, [a](char** p, int64_t n, const int64_t* s) {
      if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {
        T* o = (T*)p[0];
        const T* v = (const T*)p[1];
        for (int64_t i = 0; i < n; i++) o[i] += a * v[i];
        return;
      }
      for (int64_t i = 0; i < n; i++) *(T*)(p[0] + i * s[0]) += a * *(const T*)(p[1] + i * s[1]);
    });
  };
  FLINT_DISPATCH_FLOATING(out.dtype, "axpy", [&] { run(scalar_t(0)); });
}

}  // namespace flint
