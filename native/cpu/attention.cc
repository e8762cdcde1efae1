// Fused attention on the CPU (entries.mjs: attentionForward, attentionBackward): per n and
// query block, key tiles are scored, masked and folded into an online softmax, so only a
// tile of scores exists at a time (with dropout, the given factors scale each tile's
// weights). Every inner loop runs along a contiguous row (a key tile is transposed once so
// that scores accumulate as axpys over keys), which the compiler
// vectorizes; OpenBLAS is not called from the pool's threads (a tile's GEMM is big enough
// for OpenBLAS to start threads of its own). The per-task loops are compiled twice, for the
// baseline ISA and for AVX2+FMA, and picked at run time. q, k, v, out and gradOut are
// [B, H, rows, width] views whose rows may be strided (Rows). Shapes and the mask's dims
// were checked where the call entered (attention_checks.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu_backend.h"

// Vec-valued helpers are always inlined, so no Vec crosses a call between ISA versions.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace flint {

namespace {

constexpr int64_t kQueryBlock = 32;
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

// Offsets into a contiguous [MB, MH, ML, MS] additive mask whose size-1 dims broadcast.
template <typename T>
struct MaskReader {
  const T* data = nullptr;
  int64_t heads = 1, sb = 0, sh = 0, sl = 0, ss = 0;
  MaskReader(const TensorView& mask, int64_t heads_) : heads(heads_) {
    if (mask.data == nullptr) return;
    data = (const T*)mask.data;
    const int64_t MH = mask.shape[1], ML = mask.shape[2], MS = mask.shape[3];
    ss = MS > 1 ? 1 : 0;
    sl = ML > 1 ? MS : 0;
    sh = MH > 1 ? ML * MS : 0;
    sb = mask.shape[0] > 1 ? MH * ML * MS : 0;
  }
  // The mask row of query i in head-batch n, indexed by key (nullptr: no mask).
  const T* row(int64_t n, int64_t i) const {
    return data == nullptr ? nullptr : data + (n / heads) * sb + (n % heads) * sh + i * sl;
  }
};

// The shared geometry of both passes.
template <typename T>
struct Geometry {
  int64_t N, L, S, E, EV;
  T scale;
  bool causal;
  MaskReader<T> mask;
  // Keys query i sees within the tile starting at j0 of `cols` keys.
  int64_t visible(int64_t i, int64_t j0, int64_t cols) const {
    return causal ? std::max<int64_t>(0, std::min(cols, i - j0 + 1)) : cols;
  }
  // Keys any query of [i0, iEnd) sees: causal attention stops at the block's last query.
  int64_t keyEnd(int64_t iEnd) const { return causal ? std::min(S, iEnd) : S; }
};

// Row i of head-batch n = b·H + h of a [B, H, rows, width] view whose rows may be strided
// (entries.mjs's `rows` views: each row contiguous, every stride >= 0, checked on entry).
template <typename T>
struct Rows {
  T* data = nullptr;
  int64_t heads = 1, sb = 0, sh = 0, sr = 0;
  Rows() = default;
  explicit Rows(const TensorView& v)
      : data((T*)v.data), heads(std::max<int64_t>(1, v.shape[1])), sb(v.strides[0]), sh(v.strides[1]), sr(v.strides[2]) {}
  T* row(int64_t n, int64_t i) const { return data + (n / heads) * sb + (n % heads) * sh + i * sr; }
};

// tile[p * kKeyBlock + c] = row j0 + c of n, element p: a key tile laid out for axpys over keys.
template <typename T>
FLINT_ATTN_INLINE void transposeTile(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols, int64_t width, T* tile) {
  for (int64_t c = 0; c < cols; c++) {
    const T* src = rows.row(n, j0 + c);
    for (int64_t p = 0; p < width; p++) tile[p * kKeyBlock + c] = src[p];
  }
}

// tile[c * width + p] = row j0 + c of n, element p: rows of a tile packed contiguously. A
// [B, L, 3, H, E] projection's q, k and v rows sit 3·H·E floats apart, which for H·E = 256
// maps 64 rows to 4 of L1's 64 sets; walking them in place cost a third of the kernel's time.
template <typename T>
FLINT_ATTN_INLINE void packTile(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols, int64_t width, T* tile) {
  for (int64_t c = 0; c < cols; c++) std::memcpy(tile + c * width, rows.row(n, j0 + c), width * sizeof(T));
}

// How StagedTiles lays a tile out: transposed for scores (axpys over keys), or as packed
// rows for the sums over keys that read whole rows (P·v, dS·k).
enum class TileLayout { Transposed, Packed };

// Key (or value) tiles laid out by transposeTile, kept for the next task of the same n: a
// thread's tasks of one n are consecutive, so the forward and dq passes transpose each tile
// once per n instead of once per query block (the transposes were a tenth of a forward's
// time at L = 128). Up to kStagedElements for each of a task loop's staged operands
// (keys, and in the dq pass values); past that, one tile at a time. A tile
// staged with fewer columns (a causal block sees fewer keys) is staged again when more are
// needed. Columns past a ragged tail hold finite leftovers (the buffer starts zeroed), which
// are scored but unused.
constexpr int64_t kStagedElements = int64_t(1) << 17;
template <typename T>
class StagedTiles {
 public:
  StagedTiles(int64_t width, int64_t keys, TileLayout layout = TileLayout::Transposed)
      : layout_(layout), width_(width), stride_(std::max<int64_t>(1, width) * kKeyBlock), tiles_((keys + kKeyBlock - 1) / kKeyBlock) {
    keep_ = tiles_ * stride_ <= kStagedElements;
    buffer_.assign((keep_ ? std::max<int64_t>(1, tiles_) : 1) * stride_, T(0));
    if (keep_) stagedCols_.assign(std::max<int64_t>(1, tiles_), 0);
  }
  // The tile of `cols` rows from j0 of head-batch n.
  const T* tile(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols) {
    if (!keep_) {
      stage(rows, n, j0, cols, buffer_.data());
      return buffer_.data();
    }
    if (n != n_) {
      n_ = n;
      std::fill(stagedCols_.begin(), stagedCols_.end(), 0);
    }
    const int64_t index = j0 / kKeyBlock;
    T* at = buffer_.data() + index * stride_;
    if (stagedCols_[index] < cols) {
      stage(rows, n, j0, cols, at);
      stagedCols_[index] = cols;
    }
    return at;
  }
  // A tile's first key and the distance between keys: staged and packed when rows are
  // strided, or the rows in place when they are already packed.
  std::pair<const T*, int64_t> rowsOf(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols) {
    if (rows.sr == width_) return {rows.row(n, j0), width_};
    return {tile(rows, n, j0, cols), width_};
  }

 private:
  void stage(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols, T* at) {
    if (layout_ == TileLayout::Transposed) transposeTile(rows, n, j0, cols, width_, at);
    else packTile(rows, n, j0, cols, width_, at);
  }
  TileLayout layout_;
  int64_t width_, stride_, tiles_;
  bool keep_ = false;
  int64_t n_ = -1;
  std::vector<T> buffer_;
  std::vector<int64_t> stagedCols_;
};

// score[c] = scale · x·tile[:, c] + mask[j0 + c] for the first `cols` keys.
template <typename T>
FLINT_ATTN_INLINE void scoreRow(const T* x, const T* tile, int64_t width, int64_t cols, T scale, const T* maskRow, int64_t maskStride,
              int64_t j0, T* score) {
  std::fill(score, score + cols, T(0));
  for (int64_t p = 0; p < width; p++) {
    const T xp = x[p];
    const T* t = tile + p * kKeyBlock;
    for (int64_t c = 0; c < cols; c++) score[c] += xp * t[c];
  }
  for (int64_t c = 0; c < cols; c++) score[c] *= scale;
  if (maskRow != nullptr && maskStride == 1) {
    for (int64_t c = 0; c < cols; c++) score[c] += maskRow[j0 + c];
  } else if (maskRow != nullptr) {
    for (int64_t c = 0; c < cols; c++) score[c] += maskRow[0];
  }
}

// The arguments of one call's task loops: row accessors, plain pointers and sizes.
template <typename T>
struct Problem {
  explicit Problem(const Geometry<T>& geometry) : g(geometry) {}
  Geometry<T> g;
  Rows<const T> q, k, v, dO, o;
  const T *lse = nullptr, *D = nullptr;
  // The weights' dropout factors, [N, L, S] (nullptr without dropout).
  const T* drop = nullptr;
  const T* dropRow(int64_t n, int64_t i, int64_t j0) const { return drop == nullptr ? nullptr : drop + (n * g.L + i) * g.S + j0; }
  Rows<T> out;
  T *lseOut = nullptr, *dq = nullptr, *dk = nullptr, *dv = nullptr;
};

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

// score[r][c] = x_r · tile[:, c] for the kRows rows `x` and every key of the (kKeyBlock wide)
// tile: a 4 × 2-vector block of accumulators, so each step loads two vectors of keys and
// four numbers of queries for eight multiply-adds.
template <typename T>
FLINT_ATTN_INLINE void scoreRows(const T* const* x, const T* tile, int64_t width, T (*score)[kKeyBlock]) {
  static_assert(kKeyBlock % (2 * kLanes<T>) == 0, "a tile row is whole pairs of vectors");
  for (int64_t c0 = 0; c0 < kKeyBlock; c0 += 2 * kLanes<T>) {
    Vec<T> a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {};
    for (int64_t p = 0; p < width; p++) {
      const Vec<T> t = load(tile + p * kKeyBlock + c0), u = load(tile + p * kKeyBlock + c0 + kLanes<T>);
      const T x0 = x[0][p], x1 = x[1][p], x2 = x[2][p], x3 = x[3][p];
      a0 += x0 * t;
      a1 += x1 * t;
      a2 += x2 * t;
      a3 += x3 * t;
      b0 += x0 * u;
      b1 += x1 * u;
      b2 += x2 * u;
      b3 += x3 * u;
    }
    store(score[0] + c0, a0);
    store(score[1] + c0, a1);
    store(score[2] + c0, a2);
    store(score[3] + c0, a3);
    store(score[0] + c0 + kLanes<T>, b0);
    store(score[1] + c0 + kLanes<T>, b1);
    store(score[2] + c0 + kLanes<T>, b2);
    store(score[3] + c0 + kLanes<T>, b3);
  }
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
  int64_t e0 = 0;
  constexpr int64_t W = kLanes<T>;
  for (; e0 + 2 * W <= width; e0 += 2 * W) {
    Vec<T> a0 = load(acc[0] + e0), a1 = load(acc[1] + e0), a2 = load(acc[2] + e0), a3 = load(acc[3] + e0);
    Vec<T> b0 = load(acc[0] + e0 + W), b1 = load(acc[1] + e0 + W), b2 = load(acc[2] + e0 + W), b3 = load(acc[3] + e0 + W);
    for (int64_t c = 0; c < cols; c++) {
      const Vec<T> vv = load(v + c * vStride + e0), ww = load(v + c * vStride + e0 + W);
      const T p0 = p[0][c], p1 = p[1][c], p2 = p[2][c], p3 = p[3][c];
      a0 += p0 * vv;
      a1 += p1 * vv;
      a2 += p2 * vv;
      a3 += p3 * vv;
      b0 += p0 * ww;
      b1 += p1 * ww;
      b2 += p2 * ww;
      b3 += p3 * ww;
    }
    store(acc[0] + e0, a0);
    store(acc[1] + e0, a1);
    store(acc[2] + e0, a2);
    store(acc[3] + e0, a3);
    store(acc[0] + e0 + W, b0);
    store(acc[1] + e0 + W, b1);
    store(acc[2] + e0 + W, b2);
    store(acc[3] + e0 + W, b3);
  }
  for (; e0 + W <= width; e0 += W) {
    Vec<T> a0 = load(acc[0] + e0), a1 = load(acc[1] + e0), a2 = load(acc[2] + e0), a3 = load(acc[3] + e0);
    for (int64_t c = 0; c < cols; c++) {
      const Vec<T> vv = load(v + c * vStride + e0);
      a0 += p[0][c] * vv;
      a1 += p[1][c] * vv;
      a2 += p[2][c] * vv;
      a3 += p[3][c] * vv;
    }
    store(acc[0] + e0, a0);
    store(acc[1] + e0, a1);
    store(acc[2] + e0, a2);
    store(acc[3] + e0, a3);
  }
  for (int r = 0; r < kRows; r++) {
    for (int64_t c = 0; c < cols; c++) {
      for (int64_t e = e0; e < width; e++) acc[r][e] += p[r][c] * v[c * vStride + e];
    }
  }
}

// Forward: tasks are (n, query block), each an online softmax over the key tiles it sees,
// kRows query rows at a time.
template <typename T>
FLINT_ATTN_INLINE void forwardTasks(const Problem<T>& pr, int64_t begin, int64_t end) {
  const Geometry<T>& g = pr.g;
  const T inf = std::numeric_limits<T>::infinity();
  const int64_t blocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  // StagedTiles starts zeroed: columns past a ragged tail hold finite leftovers, scored but unused.
  StagedTiles<T> keys(g.E, g.S), values(g.EV, g.S, TileLayout::Packed);
  std::vector<T> acc(kQueryBlock * std::max<int64_t>(1, g.EV));
  std::vector<T> spare(std::max<int64_t>(1, g.EV));
  alignas(32) T score[kRows][kKeyBlock];
  T m[kQueryBlock], l[kQueryBlock];
  for (int64_t task = begin; task < end; task++) {
    const int64_t n = task / blocks, i0 = (task % blocks) * kQueryBlock, iEnd = std::min(g.L, i0 + kQueryBlock);
    std::fill(acc.begin(), acc.end(), T(0));
    std::fill(m, m + kQueryBlock, -inf);
    std::fill(l, l + kQueryBlock, T(0));
    const int64_t jEnd = g.keyEnd(iEnd);
    for (int64_t j0 = 0; j0 < jEnd; j0 += kKeyBlock) {
      const int64_t cols = std::min(kKeyBlock, jEnd - j0);
      const T* kT = keys.tile(pr.k, n, j0, cols);
      const auto [vRows, vStride] = values.rowsOf(pr.v, n, j0, cols);
      for (int64_t r0 = i0; r0 < iEnd; r0 += kRows) {
        // Rows past the block's end repeat its last row; their results go to a spare accumulator.
        const T* x[kRows];
        T* accRows[kRows];
        int64_t seen[kRows], widest = 0;
        for (int r = 0; r < kRows; r++) {
          const int64_t i = std::min(r0 + r, iEnd - 1);
          x[r] = pr.q.row(n, i);
          accRows[r] = r0 + r < iEnd ? acc.data() + (r0 + r - i0) * g.EV : spare.data();
          seen[r] = r0 + r < iEnd ? g.visible(i, j0, cols) : 0;
          widest = std::max(widest, seen[r]);
        }
        if (widest == 0) continue;
        scoreRows(x, kT, g.E, score);
        for (int r = 0; r < kRows; r++) {
          T* s = score[r];
          const int64_t i = r0 + r, row = i - i0;
          if (seen[r] == 0) {
            std::fill(s, s + widest, T(0));
            continue;
          }
          const T* maskRow = g.mask.row(n, i);
          const bool perKey = maskRow != nullptr && g.mask.ss == 1;
          const T mNew = std::max(m[row], scaleMaskMax(s, seen[r], g.scale, perKey ? maskRow + j0 : maskRow, perKey));
          // Keys masked to -inf take no part; a row that has seen nothing else stays at l = 0.
          if (mNew == -inf) {
            std::fill(s, s + widest, T(0));
            continue;
          }
          const T alpha = fastExp(m[row] - mNew);
          const T sum = expShiftedSum(s, seen[r], mNew);
          std::fill(s + seen[r], s + widest, T(0));
          l[row] = l[row] * alpha + sum;
          m[row] = mNew;
          // Dropout scales the weights v sees, after the normalizer has summed them whole.
          if (const T* z = pr.dropRow(n, i, j0)) {
            for (int64_t c = 0; c < seen[r]; c++) s[c] *= z[c];
          }
          T* accRow = accRows[r];
          for (int64_t e = 0; e < g.EV; e++) accRow[e] *= alpha;
        }
        accumulateRows(accRows, score, vRows, vStride, widest, g.EV);
      }
    }
    for (int64_t i = i0; i < iEnd; i++) {
      const int64_t r = i - i0;
      // A row with no key left (l = 0) gives NaN and lse = -inf, as softmax over -inf does.
      const T inv = T(1) / l[r];
      T* o = pr.out.row(n, i);
      const T* accRow = acc.data() + r * g.EV;
      for (int64_t e = 0; e < g.EV; e++) o[e] = l[r] == T(0) ? std::numeric_limits<T>::quiet_NaN() : accRow[e] * inv;
      pr.lseOut[n * g.L + i] = m[r] + std::log(l[r]);
    }
  }
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

// P and dS·scale of kRows query rows from r0 against the key tile at j0 (kT, vT staged):
// rows past the end, and keys a row does not see, get 0 in both. Returns the widest row.
template <typename T>
FLINT_ATTN_INLINE int64_t gradRows(const Problem<T>& pr, int64_t n, int64_t r0, int64_t j0, int64_t cols, const T* kT,
                                   const T* vT, const T** qRows, const T** dORows, T (*p)[kKeyBlock], T (*ds)[kKeyBlock]) {
  const Geometry<T>& g = pr.g;
  int64_t seen[kRows], widest = 0;
  for (int r = 0; r < kRows; r++) {
    const int64_t i = std::min(r0 + r, g.L - 1);
    qRows[r] = pr.q.row(n, i);
    dORows[r] = pr.dO.row(n, i);
    seen[r] = r0 + r < g.L ? g.visible(i, j0, cols) : 0;
    widest = std::max(widest, seen[r]);
  }
  if (widest == 0) return 0;
  scoreRows(qRows, kT, g.E, p);
  scoreRows(dORows, vT, g.EV, ds);
  for (int r = 0; r < kRows; r++) {
    const int64_t i = r0 + r;
    T* s = p[r];
    T* d = ds[r];
    if (seen[r] > 0) {
      for (int64_t c = 0; c < seen[r]; c++) s[c] *= g.scale;
      const T* maskRow = g.mask.row(n, i);
      if (maskRow != nullptr && g.mask.ss == 1) {
        for (int64_t c = 0; c < seen[r]; c++) s[c] += maskRow[j0 + c];
      } else if (maskRow != nullptr) {
        for (int64_t c = 0; c < seen[r]; c++) s[c] += maskRow[0];
      }
      // With dropout, dP = (dO·vᵀ) ∘ z feeds the softmax's gradient, and v sees P ∘ z.
      const T* z = pr.dropRow(n, i, j0);
      if (z != nullptr) {
        for (int64_t c = 0; c < seen[r]; c++) d[c] *= z[c];
      }
      softmaxGradRow(s, d, seen[r], pr.lse[n * g.L + i], pr.D[n * g.L + i]);
      for (int64_t c = 0; c < seen[r]; c++) d[c] *= g.scale;
      if (z != nullptr) {
        for (int64_t c = 0; c < seen[r]; c++) s[c] *= z[c];
      }
    }
    std::fill(s + seen[r], s + widest, T(0));
    std::fill(d + seen[r], d + widest, T(0));
  }
  return widest;
}

// dk and dv: tasks are (n, key block), each walking every query that sees its keys.
template <typename T>
FLINT_ATTN_INLINE void keyTasks(const Problem<T>& pr, int64_t begin, int64_t end) {
  const Geometry<T>& g = pr.g;
  const int64_t keyBlocks = (g.S + kKeyBlock - 1) / kKeyBlock;
  std::vector<T> kT(std::max<int64_t>(1, g.E) * kKeyBlock, T(0)), vT(std::max<int64_t>(1, g.EV) * kKeyBlock, T(0));
  alignas(32) T p[kRows][kKeyBlock];
  alignas(32) T ds[kRows][kKeyBlock];
  const T* qRows[kRows];
  const T* dORows[kRows];
  for (int64_t task = begin; task < end; task++) {
    const int64_t n = task / keyBlocks, j0 = (task % keyBlocks) * kKeyBlock, cols = std::min(kKeyBlock, g.S - j0);
    T* dkn = pr.dk + (n * g.S + j0) * g.E;
    T* dvn = pr.dv + (n * g.S + j0) * g.EV;
    std::fill(dkn, dkn + cols * g.E, T(0));
    std::fill(dvn, dvn + cols * g.EV, T(0));
    transposeTile(pr.k, n, j0, cols, g.E, kT.data());
    transposeTile(pr.v, n, j0, cols, g.EV, vT.data());
    for (int64_t r0 = g.causal ? j0 : 0; r0 < g.L; r0 += kRows) {
      const int64_t widest = gradRows(pr, n, r0, j0, cols, kT.data(), vT.data(), qRows, dORows, p, ds);
      if (widest == 0) continue;
      scatterRows(dvn, p, dORows, widest, g.EV);
      scatterRows(dkn, ds, qRows, widest, g.E);
    }
  }
}

// dq: tasks are (n, query block), each walking the keys it sees.
template <typename T>
FLINT_ATTN_INLINE void queryTasks(const Problem<T>& pr, int64_t begin, int64_t end) {
  const Geometry<T>& g = pr.g;
  const int64_t queryBlocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  StagedTiles<T> keys(g.E, g.S), values(g.EV, g.S), packedKeys(g.E, g.S, TileLayout::Packed);
  std::vector<T> spare(std::max<int64_t>(1, g.E));
  alignas(32) T p[kRows][kKeyBlock];
  alignas(32) T ds[kRows][kKeyBlock];
  const T* qRows[kRows];
  const T* dORows[kRows];
  for (int64_t task = begin; task < end; task++) {
    const int64_t n = task / queryBlocks, i0 = (task % queryBlocks) * kQueryBlock;
    const int64_t iEnd = std::min(g.L, i0 + kQueryBlock);
    T* dqn = pr.dq + n * g.L * g.E;
    std::fill(dqn + i0 * g.E, dqn + iEnd * g.E, T(0));
    const int64_t jEnd = g.keyEnd(iEnd);
    for (int64_t j0 = 0; j0 < jEnd; j0 += kKeyBlock) {
      const int64_t cols = std::min(kKeyBlock, jEnd - j0);
      const T* kT = keys.tile(pr.k, n, j0, cols);
      const T* vT = values.tile(pr.v, n, j0, cols);
      const auto [kRowsAt, kStride] = packedKeys.rowsOf(pr.k, n, j0, cols);
      for (int64_t r0 = i0; r0 < iEnd; r0 += kRows) {
        // Rows past the block's end are zero in ds; their (zero) sums go to a spare row.
        const int64_t widest = gradRows(pr, n, r0, j0, cols, kT, vT, qRows, dORows, p, ds);
        if (widest == 0) continue;
        T* dqRows[kRows];
        for (int r = 0; r < kRows; r++) dqRows[r] = r0 + r < iEnd ? dqn + (r0 + r) * g.E : spare.data();
        accumulateRows(dqRows, ds, kRowsAt, kStride, widest, g.E);
      }
    }
  }
}

// dq, dk and dv at once: tasks are whole n, each scoring every (query, key) pair once. Used
// when there are enough n to keep the pool busy; otherwise the two passes above split finer.
template <typename T>
FLINT_ATTN_INLINE void wholeTasks(const Problem<T>& pr, int64_t begin, int64_t end) {
  const Geometry<T>& g = pr.g;
  std::vector<T> kT(std::max<int64_t>(1, g.E) * kKeyBlock, T(0)), vT(std::max<int64_t>(1, g.EV) * kKeyBlock, T(0));
  std::vector<T> spare(std::max<int64_t>(1, g.E));
  StagedTiles<T> packedKeys(g.E, g.S, TileLayout::Packed);
  alignas(32) T p[kRows][kKeyBlock];
  alignas(32) T ds[kRows][kKeyBlock];
  const T* qRows[kRows];
  const T* dORows[kRows];
  for (int64_t n = begin; n < end; n++) {
    T* dqn = pr.dq + n * g.L * g.E;
    std::fill(dqn, dqn + g.L * g.E, T(0));
    for (int64_t j0 = 0; j0 < g.S; j0 += kKeyBlock) {
      const int64_t cols = std::min(kKeyBlock, g.S - j0);
      T* dkn = pr.dk + (n * g.S + j0) * g.E;
      T* dvn = pr.dv + (n * g.S + j0) * g.EV;
      std::fill(dkn, dkn + cols * g.E, T(0));
      std::fill(dvn, dvn + cols * g.EV, T(0));
      transposeTile(pr.k, n, j0, cols, g.E, kT.data());
      transposeTile(pr.v, n, j0, cols, g.EV, vT.data());
      const auto [kRowsAt, kStride] = packedKeys.rowsOf(pr.k, n, j0, cols);
      for (int64_t r0 = g.causal ? j0 : 0; r0 < g.L; r0 += kRows) {
        const int64_t widest = gradRows(pr, n, r0, j0, cols, kT.data(), vT.data(), qRows, dORows, p, ds);
        if (widest == 0) continue;
        scatterRows(dvn, p, dORows, widest, g.EV);
        scatterRows(dkn, ds, qRows, widest, g.E);
        T* dqRows[kRows];
        for (int r = 0; r < kRows; r++) dqRows[r] = r0 + r < g.L ? dqn + (r0 + r) * g.E : spare.data();
        accumulateRows(dqRows, ds, kRowsAt, kStride, widest, g.E);
      }
    }
  }
}

enum class Pass { Forward, Keys, Queries, Whole };

template <typename T>
FLINT_ATTN_INLINE void runTasks(Pass pass, const Problem<T>& pr, int64_t begin, int64_t end) {
  if (pass == Pass::Forward) forwardTasks(pr, begin, end);
  else if (pass == Pass::Keys) keyTasks(pr, begin, end);
  else if (pass == Pass::Queries) queryTasks(pr, begin, end);
  else wholeTasks(pr, begin, end);
}

template <typename T>
void runBaseline(Pass pass, const Problem<T>& pr, int64_t begin, int64_t end) {
  runTasks(pass, pr, begin, end);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
template <typename T>
__attribute__((target("avx2,fma"))) void runAvx2(Pass pass, const Problem<T>& pr, int64_t begin, int64_t end) {
  runTasks(pass, pr, begin, end);
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif

template <typename T>
void parallelTasks(ThreadPool& pool, Pass pass, const Problem<T>& pr, int64_t tasks, int64_t work) {
  pool.parallelFor(tasks, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, work)), [&](int64_t begin, int64_t end) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kHasAvx2) return runAvx2(pass, pr, begin, end);
#endif
    runBaseline(pass, pr, begin, end);
  });
}

template <typename T>
Geometry<T> geometryOf(const TensorView& q, const TensorView& k, const TensorView& v, const TensorView& mask, double scale,
                       bool causal) {
  return Geometry<T>{q.shape[0] * q.shape[1], q.shape[2], k.shape[2], q.shape[3], v.shape[3], (T)scale, causal,
                     MaskReader<T>(mask, std::max<int64_t>(1, q.shape[1]))};
}

template <typename T>
void forward(ThreadPool& pool, const AttentionForwardArgs& a) {
  Problem<T> pr{geometryOf<T>(a.q, a.k, a.v, a.mask, a.scale, a.isCausal)};
  pr.q = Rows<const T>(a.q);
  pr.k = Rows<const T>(a.k);
  pr.v = Rows<const T>(a.v);
  pr.out = Rows<T>(a.out);
  pr.lseOut = (T*)a.lse.data;
  pr.drop = (const T*)a.dropout.data;
  const Geometry<T>& g = pr.g;
  const int64_t blocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  parallelTasks(pool, Pass::Forward, pr, g.N * blocks, kQueryBlock * std::max<int64_t>(1, g.S) * (g.E + g.EV + 4));
}

template <typename T>
void backward(ThreadPool& pool, const AttentionBackwardArgs& a) {
  Problem<T> pr{geometryOf<T>(a.q, a.k, a.v, a.mask, a.scale, a.isCausal)};
  const Geometry<T>& g = pr.g;
  pr.q = Rows<const T>(a.q);
  pr.k = Rows<const T>(a.k);
  pr.v = Rows<const T>(a.v);
  pr.dO = Rows<const T>(a.gradOut);
  pr.o = Rows<const T>(a.out);
  pr.lse = (const T*)a.lse.data;
  pr.dq = (T*)a.dq.data;
  pr.dk = (T*)a.dk.data;
  pr.dv = (T*)a.dv.data;
  pr.drop = (const T*)a.dropout.data;
  // D = rowsum(dO ∘ O): one number per query row, O(N·L).
  std::vector<T> D(g.N * g.L);
  pool.parallelFor(g.N * g.L, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, g.EV)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; row++) {
      T total = 0;
      const T* dORow = pr.dO.row(row / std::max<int64_t>(1, g.L), row % std::max<int64_t>(1, g.L));
      const T* oRow = pr.o.row(row / std::max<int64_t>(1, g.L), row % std::max<int64_t>(1, g.L));
      for (int64_t c = 0; c < g.EV; c++) total += dORow[c] * oRow[c];
      D[row] = total;
    }
  });
  pr.D = D.data();
  const int64_t keyBlocks = (g.S + kKeyBlock - 1) / kKeyBlock, queryBlocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  if (g.N >= 4 * (int64_t)pool.size()) {
    return parallelTasks(pool, Pass::Whole, pr, g.N, std::max<int64_t>(1, g.L) * std::max<int64_t>(1, g.S) * (2 * g.E + 2 * g.EV + 4));
  }
  parallelTasks(pool, Pass::Keys, pr, g.N * keyBlocks, kKeyBlock * std::max<int64_t>(1, g.L) * (2 * g.E + 2 * g.EV + 4));
  parallelTasks(pool, Pass::Queries, pr, g.N * queryBlocks, kQueryBlock * std::max<int64_t>(1, g.S) * (2 * g.E + 2 * g.EV + 4));
}


}  // namespace

void CpuBackend::attentionForwardRun(const AttentionForwardArgs& args) {
  if (args.q.dtype == DType::Float64) forward<double>(pool(), args);
  else forward<float>(pool(), args);
}

void CpuBackend::attentionBackwardRun(const AttentionBackwardArgs& args) {
  if (args.q.dtype == DType::Float64) backward<double>(pool(), args);
  else backward<float>(pool(), args);
}

}  // namespace flint
