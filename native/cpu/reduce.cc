// Reductions over any set of dimensions. The caller permutes the input so that kept
// dimensions come first and reduced ones last (see ReduceArgs); each output element is
// one reduction over the trailing dimensions.
//
// Accuracy: float32 sums accumulate in double with several independent accumulators,
// so a float32 sum of 2^24 values agrees with a float64 sum to float32 rounding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu_backend.h"
#include "flint/rules/reduce.h"
#include "strided_loop.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace flint {

namespace {

// Sum of a contiguous float row: SSE2 (part of the x86-64 baseline) float lanes over
// blocks of 1024 elements, each block's lanes added into a double. Each lane adds only
// 64 values in float, so the result stays within float32 rounding of a float64 sum,
// while the loop runs at memory speed.
double sumFloatRow(const float* x, int64_t n) {
  double total = 0;
  int64_t i = 0;
#if defined(__SSE2__)
  constexpr int64_t kBlock = 1024;
  while (n - i >= 16) {
    const int64_t end = i + std::min<int64_t>(kBlock, (n - i) & ~int64_t(15));
    __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps(), a2 = _mm_setzero_ps(), a3 = _mm_setzero_ps();
    for (; i < end; i += 16) {
      a0 = _mm_add_ps(a0, _mm_loadu_ps(x + i));
      a1 = _mm_add_ps(a1, _mm_loadu_ps(x + i + 4));
      a2 = _mm_add_ps(a2, _mm_loadu_ps(x + i + 8));
      a3 = _mm_add_ps(a3, _mm_loadu_ps(x + i + 12));
    }
    alignas(16) float lanes[16];
    _mm_store_ps(lanes, a0);
    _mm_store_ps(lanes + 4, a1);
    _mm_store_ps(lanes + 8, a2);
    _mm_store_ps(lanes + 12, a3);
    double block = 0;
    for (float lane : lanes) block += lane;
    total += block;
  }
#endif
  for (; i < n; i++) total += x[i];
  return total;
}

// One output's reduction, by the rules of flint/rules/reduce.h, over runs of elements
// in order; partials of later ranges merge in with combine().
template <class T, ReduceOp OP>
struct Reducer {
  static constexpr ReduceRule kRule = reduceRule(OP);
  static constexpr ReduceFamily kFamily = kRule.family;
  ReduceWide<T> acc{};
  Extreme<T> best{T(), -1};
  bool flag = logicalIdentity(kRule.all);

  Reducer() {
    if constexpr (kFamily == ReduceFamily::Sum || kFamily == ReduceFamily::Prod) acc = wideIdentity<kFamily, T>();
  }

  void row(const char* p, int64_t n, int64_t stride, int64_t position) {
    if constexpr (kFamily == ReduceFamily::Sum) {
      if constexpr (std::is_same_v<T, float>) {
        if (stride == (int64_t)sizeof(T)) {
          acc += sumFloatRow((const float*)p, n);
          return;
        }
      }
      if (stride == (int64_t)sizeof(T)) {
        const T* x = (const T*)p;
        ReduceWide<T> a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
          a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3];
          a4 += x[i + 4]; a5 += x[i + 5]; a6 += x[i + 6]; a7 += x[i + 7];
        }
        for (; i < n; i++) a0 += x[i];
        acc += ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
      } else {
        for (int64_t i = 0; i < n; i++, p += stride) acc += *(const T*)p;
      }
    } else if constexpr (kFamily == ReduceFamily::Prod) {
      for (int64_t i = 0; i < n; i++, p += stride) acc = wideCombine<kFamily>(acc, (ReduceWide<T>)*(const T*)p);
    } else if constexpr (kFamily == ReduceFamily::Logical) {
      // Stops once the answer is known: at the first true for any, the first false for all.
      for (int64_t i = 0; i < n && flag == logicalIdentity(kRule.all); i++, p += stride) {
        flag = logicalCombine(kRule.all, flag, *(const T*)p != T(0));
      }
    } else {
      for (int64_t i = 0; i < n; i++, p += stride) {
        if (best.index >= 0 && math::isNaN(best.value)) return;  // nothing replaces a NaN
        const T v = *(const T*)p;
        if (best.index < 0 || replacesInScan(best.value, v, kRule.wantMax)) best = {v, position + i};
      }
    }
  }

  // Merge a reducer that saw later elements.
  void combine(const Reducer& later) {
    if constexpr (kFamily == ReduceFamily::Sum || kFamily == ReduceFamily::Prod) {
      acc = wideCombine<kFamily>(acc, later.acc);
    } else if constexpr (kFamily == ReduceFamily::Logical) {
      flag = logicalCombine(kRule.all, flag, later.flag);
    } else {
      best = combineExtreme(best, later.best, kRule.wantMax);
    }
  }

  void store(char* out, DType outType) const {
    if constexpr (kFamily == ReduceFamily::Sum || kFamily == ReduceFamily::Prod) {
      if (outType == DType::Float32) *(float*)out = (float)acc;
      else if (outType == DType::Float64) *(double*)out = (double)acc;
      else *(int64_t*)out = (int64_t)acc;
    } else if constexpr (kFamily == ReduceFamily::Logical) {
      *(bool*)out = flag;
    } else if constexpr (kRule.storeIndex) {
      *(int64_t*)out = best.index;
    } else {
      *(T*)out = best.value;
    }
  }
};

// Splits the input view into kept (outer) and reduced (inner) parts.
struct ReduceLayout {
  TensorView outer, inner;
};

ReduceLayout splitLayout(const ReduceArgs& args) {
  ReduceLayout layout;
  const TensorView& in = args.input;
  int keptDims = in.ndim - args.reduceDims;
  layout.outer = in;
  layout.outer.ndim = keptDims;
  layout.inner = in;
  layout.inner.ndim = args.reduceDims;
  for (int d = 0; d < args.reduceDims; d++) {
    layout.inner.shape[d] = in.shape[keptDims + d];
    layout.inner.strides[d] = in.strides[keptDims + d];
  }
  return layout;
}

template <class T, ReduceOp OP>
void reduceTyped(ThreadPool& pool, const ReduceArgs& args) {
  ReduceLayout layout = splitLayout(args);
  const int64_t outerCount = layout.outer.numel();
  const int64_t innerCount = layout.inner.numel();
  const DType outType = args.output.dtype;
  const size_t outSize = itemSize(outType);
  char* out = args.output.data;

  // Column sums (e.g. a bias gradient, sum over dim 0 of a contiguous matrix): walk the
  // input row by row, adding into a row of accumulators, instead of striding per output.
  if constexpr (OP == ReduceOp::Sum) {
    StridedLoop<1> outerLoop({&layout.outer});
    StridedLoop<1> innerLoop({&layout.inner});
    if (outerCount > 1 && innerCount > 1 && outerLoop.ndim == 1 && outerLoop.strides[0][0] == (int64_t)sizeof(T) &&
        innerLoop.ndim == 1) {
      const int64_t rowStride = innerLoop.strides[0][0];
      pool.parallelFor(outerCount, std::max<int64_t>(1, kParallelGrain / innerCount), [&](int64_t begin, int64_t end) {
        std::vector<ReduceWide<T>> acc(end - begin, 0);
        for (int64_t r = 0; r < innerCount; r++) {
          const T* row = (const T*)(layout.outer.data + r * rowStride) + begin;
          for (int64_t j = 0; j < end - begin; j++) acc[j] += row[j];
        }
        for (int64_t j = begin; j < end; j++) {
          Reducer<T, OP> reducer;
          reducer.acc = acc[j - begin];
          reducer.store(out + j * outSize, outType);
        }
      });
      return;
    }
  }

  StridedLoop<1> innerLoop({&layout.inner});
  auto reduceOne = [&](const char* base, int64_t begin, int64_t end, Reducer<T, OP>& reducer) {
    StridedLoop<1> loop = innerLoop;
    loop.base[0] = (char*)base;
    int64_t position = begin;
    loop.run(begin, end, [&](char** p, int64_t n, const int64_t* s) {
      reducer.row(p[0], n, s[0], position);
      position += n;
    });
  };
  // Offsets of each kept position, computed once.
  auto outerOffset = [&](int64_t index) {
    int64_t offset = 0;
    for (int d = layout.outer.ndim - 1; d >= 0; d--) {
      offset += (index % layout.outer.shape[d]) * layout.outer.strides[d];
      index /= layout.outer.shape[d];
    }
    return offset * (int64_t)sizeof(T);
  };

  if (outerCount >= pool.size() || innerCount < kParallelGrain) {
    int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(innerCount, 1));
    pool.parallelFor(outerCount, grain, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        Reducer<T, OP> reducer;
        reduceOne(layout.outer.data + outerOffset(o), 0, innerCount, reducer);
        reducer.store(out + o * outSize, outType);
      }
    });
    return;
  }
  // Few outputs, long reductions: split each reduction across the threads.
  for (int64_t o = 0; o < outerCount; o++) {
    const char* base = layout.outer.data + outerOffset(o);
    int chunks = pool.size();
    std::vector<Reducer<T, OP>> partials(chunks);
    pool.parallelFor(chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; c++) {
        int64_t lo = innerCount * c / chunks, hi = innerCount * (c + 1) / chunks;
        reduceOne(base, lo, hi, partials[c]);
      }
    });
    for (int c = 1; c < chunks; c++) partials[0].combine(partials[c]);
    partials[0].store(out + o * outSize, outType);
  }
}

template <class T>
void reduceDispatchOp(ThreadPool& pool, const ReduceArgs& args) {
  switch (args.op) {
    case ReduceOp::Sum: return reduceTyped<T, ReduceOp::Sum>(pool, args);
    case ReduceOp::Prod: return reduceTyped<T, ReduceOp::Prod>(pool, args);
    case ReduceOp::Max: return reduceTyped<T, ReduceOp::Max>(pool, args);
    case ReduceOp::Min: return reduceTyped<T, ReduceOp::Min>(pool, args);
    case ReduceOp::ArgMax: return reduceTyped<T, ReduceOp::ArgMax>(pool, args);
    case ReduceOp::ArgMin: return reduceTyped<T, ReduceOp::ArgMin>(pool, args);
    case ReduceOp::Any: return reduceTyped<T, ReduceOp::Any>(pool, args);
    case ReduceOp::All: return reduceTyped<T, ReduceOp::All>(pool, args);
    default: throw Error("unknown reduction " + std::to_string((int)args.op));
  }
}

}  // namespace

void CpuBackend::reduceRun(const ReduceArgs& args) {
  FLINT_DISPATCH_COMPUTE(args.input.dtype, "reduce", [&] { reduceDispatchOp<scalar_t>(*pool_, args); });
}

}  // namespace flint
