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

#include "attention_rows.h"
#include "cpu_backend.h"

namespace flint {

namespace {

using namespace attention;

constexpr int64_t kQueryBlock = 32;

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
  // Scales query i's scores against the `count` keys from j0 and adds its mask terms, in
  // place; returns their max. Both passes call this, so the backward's P = exp(s - lse)
  // sees the very scores the forward's lse was summed from.
  FLINT_ATTN_INLINE T scaleAndMask(T* s, int64_t n, int64_t i, int64_t j0, int64_t count) const {
    const T* maskRow = mask.row(n, i);
    const bool perKey = maskRow != nullptr && mask.ss == 1;
    return scaleMaskMax(s, count, scale, perKey ? maskRow + j0 : maskRow, perKey);
  }
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

// Asks for every cache line of a block's rows before they are read. Rows freshly written by
// the in-projection come from L3 or memory, and the loops that read them (the transposing
// loop's scattered stores, the scores' broadcasts) keep few of their row loads in flight
// at once: in a Transformer layer the first reads of k were a sixth of the kernel's time.
template <typename T>
FLINT_ATTN_INLINE void prefetchRows(const Rows<T>& rows, int64_t n, int64_t j0, int64_t cols, int64_t width,
                                    bool forWrite = false) {
  constexpr int64_t kLine = 64;
  for (int64_t c = 0; c < cols; c++) {
    const char* row = (const char*)rows.row(n, j0 + c);
    for (int64_t b = 0; b < width * (int64_t)sizeof(T); b += kLine) {
      if (forWrite) __builtin_prefetch(row + b, 1);
      else __builtin_prefetch(row + b);
    }
  }
}

// tile[p * kKeyBlock + c] = row j0 + c of n, element p: a key tile laid out for axpys over keys.
template <typename T>
FLINT_ATTN_INLINE void transposeTile(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols, int64_t width, T* tile) {
  prefetchRows(rows, n, j0, cols, width);
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
  prefetchRows(rows, n, j0, cols, width);
  for (int64_t c = 0; c < cols; c++) std::memcpy(tile + c * width, rows.row(n, j0 + c), width * sizeof(T));
}

// How StagedTiles lays a tile out: transposed for scores (axpys over keys), or as packed
// rows for the sums over keys that read whole rows (P·v, dS·k).
enum class TileLayout { Transposed, Packed };

// Key (or value) tiles laid out by transposeTile or packTile, kept for the next task of the
// same n: a thread's tasks of one n are consecutive, so the forward and dq passes stage each
// tile once per n instead of once per query block (the transposes were a tenth of a
// forward's time at L = 128). Up to kStagedElements for each of a task loop's staged
// operands; past that, one tile at a time. The buffer is allocated at the first tile staged
// (rowsOf of packed rows stages none). A tile staged with fewer columns (a causal block sees
// fewer keys) is staged again when more are needed. Columns past a ragged tail hold finite
// leftovers (the buffer starts zeroed), which are scored but unused.
constexpr int64_t kStagedElements = int64_t(1) << 17;
template <typename T>
class StagedTiles {
 public:
  StagedTiles(int64_t width, int64_t keys, TileLayout layout = TileLayout::Transposed)
      : layout_(layout), width_(width), stride_(std::max<int64_t>(1, width) * kKeyBlock), tiles_((keys + kKeyBlock - 1) / kKeyBlock) {
    keep_ = tiles_ * stride_ <= kStagedElements;
  }
  // The tile of `cols` rows from j0 of head-batch n.
  const T* tile(const Rows<const T>& rows, int64_t n, int64_t j0, int64_t cols) {
    if (buffer_.empty()) {
      buffer_.assign((keep_ ? std::max<int64_t>(1, tiles_) : 1) * stride_, T(0));
      if (keep_) stagedCols_.assign(std::max<int64_t>(1, tiles_), 0);
    }
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
  // For the Packed layout: a tile's first key and the distance between keys, staged when
  // rows are strided, or the rows in place when they are already packed.
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
    prefetchRows(pr.q, n, i0, iEnd - i0, g.E);
    prefetchRows(pr.out, n, i0, iEnd - i0, g.EV, /*forWrite=*/true);
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
          const T mNew = std::max(m[row], g.scaleAndMask(s, n, i, j0, seen[r]));
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
      // Scaled and masked by the forward's own arithmetic, so that P = exp(s - lse) uses the
      // scores the forward's lse was summed from (the max itself is not needed here).
      g.scaleAndMask(s, n, i, j0, seen[r]);
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
