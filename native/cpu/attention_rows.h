// The register-level arithmetic of the CPU attention kernel (attention.cc): a fast exp,
// the vector type, and the kernels that score, normalize and accumulate kRows query rows
// against a tile of kKeyBlock keys. Everything here is always inlined, so that each ISA
// version of attention.cc's task loops compiles its own copy; include it only there.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

// Vec-valued helpers are always inlined, so no Vec crosses a call between ISA versions.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace flint::attention {

// Keys per tile: a tile's scores for kRows rows stay in registers and L1.
constexpr int64_t kKeyBlock = 64;

// Helpers inlined into both ISA versions of the task loops.
#define FLINT_ATTN_INLINE inline __attribute__((always_inline))

// Adding 1.5·2^23 to a float of magnitude below 2^22 rounds it to the nearest integer n and
// leaves n in the low bits of the sum, which the vector form below can do without a floor
// or a conversion instruction per element.
constexpr float kRoundMagic = 12582912.0f;

template <class To, class From>
FLINT_ATTN_INLINE To bitCast(From from) {
  static_assert(sizeof(To) == sizeof(From), "same size");
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

// The steps fastExp and fastExpVec share, for a float or a vector of them (U: unsigned ints
// of the same shape): n = round(x / ln2) by the magic-number trick, Cephes' expf polynomial
// for exp(x - n·ln2) (ln2 split in two, so that the reduction keeps the bits a float t =
// x·log2(e) would lose), and 2^n written straight into a float's exponent field. x is
// clamped to [-88, 88.8], so n stays in [-127, 128]: at -127 the field is 0 and the result
// 0 (so -inf, and anything below about -87.7, whose exp is a denormal, gives 0), at 128 it
// is 255, +inf (x above about 88.4: the kernels only pass x <= 0). A NaN x is clamped to
// -88 here; the callers return NaN for it.
template <class V, class U>
FLINT_ATTN_INLINE V expSteps(V x) {
  V xc = x > -88.0f ? x : V{} - 88.0f;
  xc = xc < 88.8f ? xc : V{} + 88.8f;
  const V k = xc * 1.44269504088896341f + kRoundMagic;
  const V n = k - kRoundMagic;
  const V r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  V p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3333870413e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  // k's bits are those of 1.5·2^23 plus n, whose low 23 bits are 2^22 + n: shifted by 23
  // (mod 2^32), that leaves n in the exponent field, to which the bias is added.
  const U exponent = (bitCast<U>(k) << 23) + (127u << 23);
  return p * bitCast<V>(exponent);
}

// exp without a library call per element, within 2 ulp where the result is a normal float;
// NaN gives NaN. fastExpVec computes the same steps on vectors.
FLINT_ATTN_INLINE float fastExp(float x) {
  const float y = expSteps<float, uint32_t>(x);
  return x != x ? x : y;
}
FLINT_ATTN_INLINE double fastExp(double x) { return std::exp(x); }

// Four query rows at a time, in registers: GCC/Clang vector extensions, which each ISA
// version lowers to its own instructions (two SSE registers or one AVX register per Vec).
constexpr int kRows = 4;
template <typename T>
struct VecOf {
  typedef T type __attribute__((vector_size(32)));
};
template <typename T>
using Vec = typename VecOf<T>::type;
template <typename T>
constexpr int64_t kLanes = 32 / sizeof(T);

template <typename T>
FLINT_ATTN_INLINE Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
FLINT_ATTN_INLINE void store(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof v);
}

typedef uint32_t UIntVec __attribute__((vector_size(32)));
template <typename T>
FLINT_ATTN_INLINE Vec<T> splat(T x) {
  Vec<T> v = {};
  return v + x;
}

// fastExp on a vector of floats, step for step. Without it the exps of the softmax are a
// scalar loop (GCC does not vectorize fastExp's calls), which was most of the kernel's time.
FLINT_ATTN_INLINE Vec<float> fastExpVec(Vec<float> x) {
  const Vec<float> y = expSteps<Vec<float>, UIntVec>(x);
  return x != x ? x : y;
}

// The max (NaN skipped, as `>` skips it) and the sum of a vector's lanes, halving the lanes
// at each step instead of a chain of kLanes dependent steps.
template <typename T>
FLINT_ATTN_INLINE T maxOfLanes(Vec<T> v) {
  T lanes[kLanes<T>];
  std::memcpy(lanes, &v, sizeof v);
  for (int64_t w = kLanes<T> / 2; w >= 1; w /= 2) {
    for (int64_t l = 0; l < w; l++) lanes[l] = lanes[l + w] > lanes[l] ? lanes[l + w] : lanes[l];
  }
  return lanes[0];
}
template <typename T>
FLINT_ATTN_INLINE T sumOfLanes(Vec<T> v) {
  T lanes[kLanes<T>];
  std::memcpy(lanes, &v, sizeof v);
  for (int64_t w = kLanes<T> / 2; w >= 1; w /= 2) {
    for (int64_t l = 0; l < w; l++) lanes[l] += lanes[l + w];
  }
  return lanes[0];
}

// s[c] = exp(s[c] - shift) for the first `count` entries; returns their sum, kLanes partial
// sums at a time.
template <typename T>
FLINT_ATTN_INLINE T expShiftedSum(T* s, int64_t count, T shift) {
  int64_t c = 0;
  T sum = 0;
  if constexpr (std::is_same_v<T, float>) {
    Vec<T> total = {};
    for (; c + kLanes<T> <= count; c += kLanes<T>) {
      const Vec<T> p = fastExpVec(load(s + c) - shift);
      store(s + c, p);
      total += p;
    }
    sum = sumOfLanes<T>(total);
  }
  for (; c < count; c++) sum += s[c] = fastExp(s[c] - shift);
  return sum;
}

// Per row of scores: P = exp(score - lse), dS = P · (dP - D) with dP = dO·vᵀ. Writes P into
// `s` and dS into `dp`. A masked-out key (score -inf) gets dS = 0, as masked_fill's backward
// gives the composition: in a row with no key left, P is NaN (its output was) but q and k
// get no NaN from it.
template <typename T>
FLINT_ATTN_INLINE void softmaxGradRow(T* s, T* dp, int64_t seen, T lseRow, T dRow) {
  const T inf = std::numeric_limits<T>::infinity();
  int64_t c = 0;
  if constexpr (std::is_same_v<T, float>) {
    for (; c + kLanes<T> <= seen; c += kLanes<T>) {
      const Vec<T> sv = load(s + c);
      const Vec<T> p = fastExpVec(sv - lseRow);
      store(s + c, p);
      store(dp + c, sv == splat(-inf) ? splat(T(0)) : p * (load(dp + c) - dRow));
    }
  }
  for (; c < seen; c++) {
    const bool masked = s[c] == -inf;
    const T p = fastExp(s[c] - lseRow);
    s[c] = p;
    dp[c] = masked ? T(0) : p * (dp[c] - dRow);
  }
}

// A row block's starting accumulators: zeros, or the row's current values.
template <bool Zero, typename T>
FLINT_ATTN_INLINE Vec<T> startRow(const T* row) {
  if constexpr (Zero) return Vec<T>{};
  else return load(row);
}

// out_r[e] = (Zero ? 0 : out_r[e]) + Σ_c coef[r][c] · m[c·stride + e] for the kRows rows
// r, e over [0, width) and c over [0, depth): a block of kRows rows × 2 vectors in
// registers, so each step loads two vectors of m and kRows coefficients for eight
// multiply-adds. coef is row pointers or a [kRows][kKeyBlock] block.
template <bool Zero, typename T, typename Coef>
FLINT_ATTN_INLINE void rowBlockProduct(T* const* out, const Coef& coef, const T* m, int64_t stride, int64_t depth, int64_t width) {
  int64_t e0 = 0;
  constexpr int64_t W = kLanes<T>;
  static_assert(kRows == 4, "the block below is written out for four rows");
  for (; e0 + 2 * W <= width; e0 += 2 * W) {
    Vec<T> a0 = startRow<Zero>(out[0] + e0), a1 = startRow<Zero>(out[1] + e0), a2 = startRow<Zero>(out[2] + e0), a3 = startRow<Zero>(out[3] + e0);
    Vec<T> b0 = startRow<Zero>(out[0] + e0 + W), b1 = startRow<Zero>(out[1] + e0 + W), b2 = startRow<Zero>(out[2] + e0 + W), b3 = startRow<Zero>(out[3] + e0 + W);
    for (int64_t c = 0; c < depth; c++) {
      const Vec<T> vv = load(m + c * stride + e0), ww = load(m + c * stride + e0 + W);
      const T p0 = coef[0][c], p1 = coef[1][c], p2 = coef[2][c], p3 = coef[3][c];
      a0 += p0 * vv;
      a1 += p1 * vv;
      a2 += p2 * vv;
      a3 += p3 * vv;
      b0 += p0 * ww;
      b1 += p1 * ww;
      b2 += p2 * ww;
      b3 += p3 * ww;
    }
    store(out[0] + e0, a0);
    store(out[1] + e0, a1);
    store(out[2] + e0, a2);
    store(out[3] + e0, a3);
    store(out[0] + e0 + W, b0);
    store(out[1] + e0 + W, b1);
    store(out[2] + e0 + W, b2);
    store(out[3] + e0 + W, b3);
  }
  for (; e0 + W <= width; e0 += W) {
    Vec<T> a0 = startRow<Zero>(out[0] + e0), a1 = startRow<Zero>(out[1] + e0), a2 = startRow<Zero>(out[2] + e0), a3 = startRow<Zero>(out[3] + e0);
    for (int64_t c = 0; c < depth; c++) {
      const Vec<T> vv = load(m + c * stride + e0);
      a0 += coef[0][c] * vv;
      a1 += coef[1][c] * vv;
      a2 += coef[2][c] * vv;
      a3 += coef[3][c] * vv;
    }
    store(out[0] + e0, a0);
    store(out[1] + e0, a1);
    store(out[2] + e0, a2);
    store(out[3] + e0, a3);
  }
  for (int r = 0; r < kRows; r++) {
    if (Zero) std::fill(out[r] + e0, out[r] + width, T(0));
    for (int64_t c = 0; c < depth; c++) {
      for (int64_t e = e0; e < width; e++) out[r][e] += coef[r][c] * m[c * stride + e];
    }
  }
}

// score[r][c] = x_r · tile[:, c] for the kRows rows `x` and every key of the (kKeyBlock
// wide) tile.
template <typename T>
FLINT_ATTN_INLINE void scoreRows(const T* const* x, const T* tile, int64_t width, T (*score)[kKeyBlock]) {
  static_assert(kKeyBlock % (2 * kLanes<T>) == 0, "a tile row is whole pairs of vectors");
  T* const rows[kRows] = {score[0], score[1], score[2], score[3]};
  rowBlockProduct<true>(rows, x, tile, kKeyBlock, width, kKeyBlock);
}

// s[c] = s[c]·scale + mask[c] for the first `count` keys (mask: nullptr for none, or a
// row of per-key terms when maskPerKey, else one term for all); returns the row's max, with
// kLanes independent chains. NaN is skipped by the max; it reaches the output through the
// exps and the sum instead.
template <typename T>
FLINT_ATTN_INLINE T scaleMaskMax(T* s, int64_t count, T scale, const T* mask, bool maskPerKey) {
  constexpr int64_t W = kLanes<T>;
  const T inf = std::numeric_limits<T>::infinity();
  const T term = mask != nullptr && !maskPerKey ? mask[0] : T(0);
  const T* perKey = maskPerKey ? mask : nullptr;
  Vec<T> best = splat(-inf);
  int64_t c = 0;
  for (; c + W <= count; c += W) {
    Vec<T> x = load(s + c) * scale;
    x = perKey != nullptr ? x + load(perKey + c) : x + term;
    store(s + c, x);
    best = x > best ? x : best;
  }
  T top = maxOfLanes<T>(best);
  for (; c < count; c++) {
    const T x = s[c] = s[c] * scale + (perKey != nullptr ? perKey[c] : term);
    top = x > top ? x : top;
  }
  return top;
}

// acc_r += Σ_c p[r][c] · v[c] for kRows accumulator rows of width `width` over `cols` keys,
// the rows of v `vStride` apart.
template <typename T>
FLINT_ATTN_INLINE void accumulateRows(T* const* acc, const T (*p)[kKeyBlock], const T* v, int64_t vStride, int64_t cols,
                                      int64_t width) {
  rowBlockProduct<false>(acc, p, v, vStride, cols, width);
}

// out[c] += Σ_r w[r][c] · x_r for `cols` rows of `out` (each `width` wide): dv and dk.
template <typename T>
FLINT_ATTN_INLINE void scatterRows(T* out, const T (*w)[kKeyBlock], const T* const* x, int64_t cols, int64_t width) {
  int64_t e0 = 0;
  for (; e0 + kLanes<T> <= width; e0 += kLanes<T>) {
    const Vec<T> x0 = load(x[0] + e0), x1 = load(x[1] + e0), x2 = load(x[2] + e0), x3 = load(x[3] + e0);
    for (int64_t c = 0; c < cols; c++) {
      T* o = out + c * width + e0;
      store(o, load(o) + w[0][c] * x0 + w[1][c] * x1 + w[2][c] * x2 + w[3][c] * x3);
    }
  }
  for (int64_t c = 0; c < cols; c++) {
    for (int64_t e = e0; e < width; e++) {
      out[c * width + e] += w[0][c] * x[0][e] + w[1][c] * x[1][e] + w[2][c] * x[2][e] + w[3][c] * x[3][e];
    }
  }
}

}  // namespace flint::attention
