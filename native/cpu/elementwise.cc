// Elementwise kernels: cast/copy, fill, unary, binary (tensor-tensor and tensor-scalar)
// and where. Shapes arrive already broadcast (stride 0) and dtypes already promoted by
// the TypeScript layer; here we only loop, with a fast path for contiguous rows.
#include <cstring>
#include <algorithm>
#include <cmath>
#include <string>

#include "convert.h"
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

// Always inlined: a call per element costs more than most ops, and with `op` a constant
// the switch folds away, so the contiguous loops below vectorise.
template <class T>
__attribute__((always_inline)) inline T unaryValue(UnaryOp op, T x, double p0, double p1) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Neg: return -x;
      case UnaryOp::Abs: return std::abs(x);
      case UnaryOp::Exp: return std::exp(x);
      case UnaryOp::Log: return std::log(x);
      case UnaryOp::Sqrt: return std::sqrt(x);
      case UnaryOp::Sin: return std::sin(x);
      case UnaryOp::Cos: return std::cos(x);
      case UnaryOp::Relu: return x < T(0) ? T(0) : x;  // nan compares false and passes through; no branch
      case UnaryOp::Sigmoid: return T(1) / (T(1) + std::exp(-x));
      case UnaryOp::Tanh: return std::tanh(x);
      case UnaryOp::Clamp: {
        // PyTorch propagates nan through clamp; a nan bound means "no bound".
        if (std::isnan(x)) return x;
        T v = x;
        if (!std::isnan(p0) && v < T(p0)) v = T(p0);
        if (!std::isnan(p1) && v > T(p1)) v = T(p1);
        return v;
      }
      case UnaryOp::Sign: return T((x > 0) - (x < 0));  // PyTorch's: 0 at NaN
      case UnaryOp::Log1p: return std::log1p(x);
      case UnaryOp::Expm1: return std::expm1(x);
      case UnaryOp::Floor: return std::floor(x);
      case UnaryOp::Ceil: return std::ceil(x);
      case UnaryOp::Round: return std::nearbyint(x);  // half to even, as torch.round
      case UnaryOp::Trunc: return std::trunc(x);
      case UnaryOp::Rsqrt: return T(1) / std::sqrt(x);
      case UnaryOp::Reciprocal: return T(1) / x;
      case UnaryOp::LogicalNot: return T(x == T(0));
      case UnaryOp::Gelu: return T(0.5) * x * (T(1) + std::erf(x * T(M_SQRT1_2)));
      case UnaryOp::GeluTanh: {
        const T inner = T(M_2_SQRTPI * M_SQRT1_2) * (x + T(0.044715) * x * x * x);
        return T(0.5) * x * (T(1) + std::tanh(inner));
      }
      case UnaryOp::Silu: return x / (T(1) + std::exp(-x));
      case UnaryOp::LeakyRelu: return x > 0 ? x : x * T(p0);
      case UnaryOp::Erf: return std::erf(x);
      case UnaryOp::Square: return x * x;
      default: break;
    }
  } else {
    switch (op) {
      case UnaryOp::Neg: return T(-x);
      case UnaryOp::Abs: if constexpr (std::is_signed_v<T>) return x < 0 ? T(-x) : x; else return x;
      case UnaryOp::Relu: return x > 0 ? x : T(0);
      case UnaryOp::Clamp: {
        T v = x;
        if (!std::isnan(p0) && (double)v < p0) v = T(p0);
        if (!std::isnan(p1) && (double)v > p1) v = T(p1);
        return v;
      }
      case UnaryOp::Sign:
        if constexpr (std::is_same_v<T, bool>) return x;
        else return T((x > 0) - (x < 0));
      case UnaryOp::Floor:
      case UnaryOp::Ceil:
      case UnaryOp::Round:
      case UnaryOp::Trunc: return x;
      case UnaryOp::LogicalNot: return T(x == T(0));
      case UnaryOp::Square: return T(x * x);
      default: break;
    }
    throw Error("unary op " + std::to_string((int)op) + " is not implemented for integer tensors");
  }
  throw Error("unknown unary op " + std::to_string((int)op));
}

template <class T>
void unaryLoop(ThreadPool& pool, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  if constexpr (!std::is_floating_point_v<T>) {
    unaryValue<T>(op, T(0), p0, p1);  // throws early, before threads start, for unsupported ops
  }
  const TensorView* views[2] = {&out, &in};
  parallelRows<2>(pool, views, [op, p0, p1](char** p, int64_t n, const int64_t* s) {
    if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {
      T* o = (T*)p[0];
      const T* x = (const T*)p[1];
#define FLINT_UNARY_LOOP(OP) \
  case UnaryOp::OP:            \
    for (int64_t i = 0; i < n; i++) o[i] = unaryValue<T>(UnaryOp::OP, x[i], p0, p1); \
    return;
      switch (op) {  // one loop per op, each with the op fixed, so the compiler can vectorise
        FLINT_UNARY_LOOP(Relu)
        FLINT_UNARY_LOOP(Neg)
        FLINT_UNARY_LOOP(Abs)
        FLINT_UNARY_LOOP(Square)
        FLINT_UNARY_LOOP(Exp)
        FLINT_UNARY_LOOP(Log)
        FLINT_UNARY_LOOP(Sqrt)
        FLINT_UNARY_LOOP(Sigmoid)
        FLINT_UNARY_LOOP(Tanh)
        FLINT_UNARY_LOOP(Reciprocal)
        FLINT_UNARY_LOOP(Rsqrt)
        FLINT_UNARY_LOOP(LeakyRelu)
        FLINT_UNARY_LOOP(Silu)
        FLINT_UNARY_LOOP(Gelu)
#undef FLINT_UNARY_LOOP
        default:
          for (int64_t i = 0; i < n; i++) o[i] = unaryValue<T>(op, x[i], p0, p1);
          return;
      }
    }
    char* o = p[0];
    const char* x = p[1];
    for (int64_t i = 0; i < n; i++, o += s[0], x += s[1]) *(T*)o = unaryValue<T>(op, *(const T*)x, p0, p1);
  });
}

template <class T>
T integerPow(T base, T exponent) {
  if constexpr (std::is_signed_v<T>) {
    if (exponent < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
      throw Error("Integers to negative integer powers are not allowed.");
    }
  }
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = T(result * base);
    base = T(base * base);
    exponent = T(exponent >> 1);
  }
  return result;
}

template <class T>
void checkDivisor(T b) {
  if constexpr (std::is_integral_v<T>) {
    if (b == 0) throw Error("ZeroDivisionError: integer division by zero");
  }
}

// Integer division that cannot trap: INT_MIN / -1 wraps as PyTorch's does on x86.
template <class T>
T safeDivide(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    if (b == -1) return T(-a);
  }
  return T(a / b);
}

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
  constexpr bool isFloat = std::is_floating_point_v<T>;
  switch (op) {
    case BinaryOp::Add:
      if constexpr (std::is_same_v<T, bool>) return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return x || y; });
      else return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return T(x + y); });
    case BinaryOp::Sub: return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return T(x - y); });
    case BinaryOp::Mul:
      if constexpr (std::is_same_v<T, bool>) return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return x && y; });
      else return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return T(x * y); });
    case BinaryOp::Div:
      return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) {
        checkDivisor(y);
        return safeDivide(x, y);
      });
    case BinaryOp::Pow:
      if constexpr (isFloat) return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return T(std::pow(x, y)); });
      else return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return integerPow<T>(x, y); });
    case BinaryOp::Maximum:
      return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) {
        if constexpr (isFloat) { if (std::isnan(x) || std::isnan(y)) return T(NAN); }
        return x > y ? x : y;
      });
    case BinaryOp::Minimum:
      return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) {
        if constexpr (isFloat) { if (std::isnan(x) || std::isnan(y)) return T(NAN); }
        return x < y ? x : y;
      });
    case BinaryOp::Eq: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x == y; });
    case BinaryOp::Ne: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x != y; });
    case BinaryOp::Gt: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x > y; });
    case BinaryOp::Ge: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x >= y; });
    case BinaryOp::Lt: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x < y; });
    case BinaryOp::Le: return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x <= y; });
    case BinaryOp::LogicalAnd:
      return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x != T(0) && y != T(0); });
    case BinaryOp::LogicalOr:
      return binaryLoop<T, bool>(pool, out, a, b, [](T x, T y) { return x != T(0) || y != T(0); });
    case BinaryOp::Atan2:
      if constexpr (isFloat) return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) { return T(std::atan2(x, y)); });
      break;
    case BinaryOp::Remainder:  // Python semantics: the result takes the divisor's sign
      return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) {
        if constexpr (isFloat) {
          T r = std::fmod(x, y);
          return (r != 0 && ((r < 0) != (y < 0))) ? T(r + y) : r;
        } else {
          checkDivisor(y);
          if constexpr (std::is_signed_v<T>) { if (y == -1) return T(0); }
          T r = T(x % y);
          if constexpr (std::is_signed_v<T>) { if (r != 0 && ((r < 0) != (y < 0))) r = T(r + y); }
          return r;
        }
      });
    case BinaryOp::FloorDivide:
      return binaryLoop<T, T>(pool, out, a, b, [](T x, T y) {
        if constexpr (isFloat) {
          return T(std::floor(x / y));
        } else {
          checkDivisor(y);
          T q = safeDivide(x, y);
          if constexpr (std::is_signed_v<T>) { if ((x % y != 0) && ((x < 0) != (y < 0))) q = T(q - 1); }
          return q;
        }
      });
    default: break;
  }
  throw Error("binary op " + std::to_string((int)op) + " is not implemented for " + dtypeName(a.dtype));
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

void cpuCast(ThreadPool& pool, const TensorView& out, const TensorView& in) {
  FLINT_DISPATCH_ALL(out.dtype, "cast", [&] {
    using Dst = scalar_t;
    FLINT_DISPATCH_ALL(in.dtype, "cast", [&] { castLoop<Dst, scalar_t>(pool, out, in); });
  });
}

void cpuFill(ThreadPool& pool, const TensorView& out, double value) {
  // A 0-d double view broadcast over `out` reuses the cast loop for every dtype.
  TensorView source;
  source.data = (char*)&value;
  source.dtype = DType::Float64;
  source.ndim = out.ndim;
  for (int d = 0; d < out.ndim; d++) {
    source.shape[d] = out.shape[d];
    source.strides[d] = 0;
  }
  cpuCast(pool, out, source);
}

void cpuUnary(ThreadPool& pool, UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  FLINT_CHECK(out.dtype == in.dtype, "unary: input and output dtypes differ");
  FLINT_DISPATCH_COMPUTE(in.dtype, "unary", [&] { unaryLoop<scalar_t>(pool, op, out, in, p0, p1); });
}

void cpuBinary(ThreadPool& pool, BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  FLINT_CHECK(a.dtype == b.dtype, "binary: operand dtypes differ (promote them first)");
  FLINT_CHECK(out.dtype == (isCompareOp(op) ? DType::Bool : a.dtype), "binary: wrong output dtype");
  FLINT_DISPATCH_COMPUTE(a.dtype, "binary", [&] { binaryTyped<scalar_t>(pool, op, out, a, b); });
}

void cpuBinaryScalar(ThreadPool& pool, BinaryOp op, const TensorView& out, const TensorView& a, double scalar,
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
    if (scalarFirst) cpuBinary(pool, op, out, scalarView, a);
    else cpuBinary(pool, op, out, a, scalarView);
  });
}

void cpuWhere(ThreadPool& pool, const TensorView& out, const TensorView& cond, const TensorView& a,
              const TensorView& b) {
  FLINT_CHECK(cond.dtype == DType::Bool, "where: condition must be a bool tensor");
  FLINT_CHECK(a.dtype == b.dtype && out.dtype == a.dtype, "where: dtypes differ (promote them first)");
  FLINT_DISPATCH_ALL(a.dtype, "where", [&] { whereLoop<scalar_t>(pool, out, cond, a, b); });
}

void CpuBackend::axpy(const TensorView& out, const TensorView& x, double alpha) {
  FLINT_CHECK(out.dtype == x.dtype && out.ndim == x.ndim, "axpy: operands must have one dtype and shape");
  for (int d = 0; d < out.ndim; d++) FLINT_CHECK(out.shape[d] == x.shape[d], "axpy: operands must have one shape");
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
  if (out.dtype == DType::Float32) run(0.0f);
  else if (out.dtype == DType::Float64) run(0.0);
  else throw Error("axpy: expected float32 or float64");
}

}  // namespace flint
