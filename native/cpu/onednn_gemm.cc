#include "onednn_gemm.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../core/thread_pool.h"
#include "flint/status.h"

namespace flint {

namespace {

// As onednn_matmul.cc: a few layouts per model, and a bound for loops over many.
constexpr size_t kMaxPlans = 256;
// Rows per block at least, and multiply-adds per block at least: below these, one more
// thread costs more than it saves (as pooledBlas's grain in matmul.cc).
constexpr int64_t kMinRows = 16;
constexpr int64_t kGrain = int64_t(1) << 18;

// Strides of a [rows, cols] operand stored transposed or not, with leading dimension ld.
void stridesOf(bool transposed, int64_t ld, int64_t* strides) {
  strides[0] = transposed ? 1 : ld;
  strides[1] = transposed ? ld : 1;
}

}  // namespace

// The primitive is null where oneDNN would not use brgemm for the layout.
struct OnednnFloatGemm::Plan : OnednnPrimitivePlan {
  using OnednnPrimitivePlan::OnednnPrimitivePlan;
  OnednnMemoryDesc srcDesc{}, weightDesc{}, dstDesc{}, biasDesc{};
};

OnednnFloatGemm::OnednnFloatGemm() = default;
OnednnFloatGemm::~OnednnFloatGemm() = default;

void OnednnFloatGemm::releaseMemory() {
  plans_.clear();
  lanes_.clear();
}

bool OnednnFloatGemm::accepts(const GemmArgs& g) {
  if (g.dtype != DType::Float32 || g.batch != 1 || g.alpha != 1.0) return false;
  if (g.bias == nullptr) return g.beta == 0.0;
  return g.beta == 1.0 && g.biasStrideM == 0 && g.biasStrideN == 1 && g.bias != g.c;
}

OnednnFloatGemm::Plan* OnednnFloatGemm::planFor(const Key& key) {
  auto found = plans_.find(key);
  if (found != plans_.end()) return found->second.get();
  const bool transA = key[0] != 0, transB = key[1] != 0, hasBias = key[7] != 0;
  const int64_t k = key[2], n = key[3], lda = key[4], ldb = key[5], ldc = key[6], rows = key[8];

  auto plan = std::make_unique<Plan>(library_);
  OnednnMemoryDesc &srcDesc = plan->srcDesc, &dstDesc = plan->dstDesc;
  const int64_t srcDims[2] = {rows, k}, weightDims[2] = {k, n}, dstDims[2] = {rows, n}, biasDims[2] = {1, n};
  int64_t srcStrides[2], weightStrides[2];
  stridesOf(transA, lda, srcStrides);
  stridesOf(transB, ldb, weightStrides);
  const int64_t dstStrides[2] = {ldc, 1};
  library_.check(library_.memoryDescInitByStrides(&srcDesc, 2, srcDims, kOnednnF32, srcStrides), "dnnl_memory_desc_init_by_strides");
  library_.check(library_.memoryDescInitByStrides(&plan->weightDesc, 2, weightDims, kOnednnF32, weightStrides), "dnnl_memory_desc_init_by_strides");
  library_.check(library_.memoryDescInitByStrides(&dstDesc, 2, dstDims, kOnednnF32, dstStrides), "dnnl_memory_desc_init_by_strides");
  library_.check(library_.memoryDescInitByTag(&plan->biasDesc, 2, biasDims, kOnednnF32, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");

  OnednnMatmulDesc op{};
  library_.check(library_.matmulDescInit(&op, &srcDesc, &plan->weightDesc, hasBias ? &plan->biasDesc : nullptr, &dstDesc),
                 "dnnl_matmul_desc_init");
  // Only brgemm measured faster than OpenBLAS; oneDNN's other f32 kernels are its own gemm
  // (or a reference loop), no faster, and they would round differently for nothing.
  auto isBrgemm = [&](onednnPrimitiveDesc desc) {
    const char* impl = nullptr;
    library_.check(library_.primitiveDescQuery(desc, kOnednnQueryImplInfo, 0, &impl), "dnnl_primitive_desc_query");
    return impl != nullptr && std::strncmp(impl, "brg", 3) == 0;
  };
  try {
    buildMatmul(*plan, op, [](onednnAttr) {}, isBrgemm, "oneDNN f32 matmul");
  } catch (const std::exception&) {
    // A kernel oneDNN cannot make here (its JIT refused, say) stays OpenBLAS's, and is
    // not asked for again.
    plan->primitive = nullptr;
  }
  return plans_.emplace(key, std::move(plan)).first->second.get();
}

bool OnednnFloatGemm::run(ThreadPool& pool, const GemmArgs& g) {
  const int64_t m = g.m, n = g.n, k = g.k;
  // BLAS's rule for leading dimensions along a dimension of 1 (matmul.cc's blasBand):
  // the stride is then unused, and the smallest valid one keeps the plan keys few.
  const int64_t lda = std::max<int64_t>({g.lda, g.transA ? m : k, 1}), ldb = std::max<int64_t>({g.ldb, g.transB ? k : n, 1});
  const int64_t ldc = std::max<int64_t>({g.ldc, n, 1});
  // Each block must run on one thread: with a oneDNN built on another threading runtime
  // than OpenMP, whose thread count we cannot set, the product stays with OpenBLAS.
  if (library_.ompSetNumThreads == nullptr) return false;
  const double work = (double)m * (double)n * (double)std::max<int64_t>(k, 1);
  const int64_t wanted = std::max<int64_t>(1, std::min<int64_t>((int64_t)pool.size(), (int64_t)(work / (double)kGrain)));
  // Too few rows to give each thread a block: OpenBLAS's column bands (pooledBlas) keep
  // every thread busy there, where one oneDNN block would leave the others idle (an LSTM's
  // per-step [16, 256] x [256, 1024] measured 12% slower as one block).
  if (m < kMinRows * wanted) return false;
  // Whole 16-row units per block, so that every block but the last is a multiple of the
  // kernel's row tile.
  const int64_t units = (m + kMinRows - 1) / kMinRows;
  const int64_t perBlock = wanted == 1 ? m : ((units + wanted - 1) / wanted) * kMinRows;
  const int blocks = static_cast<int>((m + perBlock - 1) / perBlock);
  const int64_t lastRows = m - perBlock * (blocks - 1);
  // brgemm is picked for known row counts only (with DNNL_RUNTIME_DIM_VAL oneDNN 2.6 picks
  // its gemm:jit), so a plan is per block height: two per product at most. The cache is
  // bounded between calls, never between the two lookups (a clear would free the first).
  library_.ompSetNumThreads(1);
  if (plans_.size() + 2 > kMaxPlans) plans_.clear();
  const Key key = {g.transA ? 1 : 0, g.transB ? 1 : 0, k, n, lda, ldb, ldc, g.bias != nullptr ? 1 : 0, perBlock};
  Plan* plan = planFor(key);
  if (plan->primitive == nullptr) return false;
  Key lastKey = key;
  lastKey[8] = lastRows;
  Plan* lastPlan = planFor(lastKey);
  if (lastPlan->primitive == nullptr) return false;
  // The lanes are made here, on the calling thread, before any block runs.
  std::vector<OnednnLane*> lanes;
  const size_t scratchBytes = std::max(plan->scratchBytes, lastPlan->scratchBytes);
  for (int b = 0; b < blocks; b++) lanes.push_back(&lanes_.at(library_, engine_, static_cast<size_t>(b), scratchBytes));
  // Only the backend's one caller at a time runs products (the JS thread, or its queue's
  // thread after the JS thread has waited for it), so plans_ and lanes_ need no lock.
  const float* a = reinterpret_cast<const float*>(g.a);
  const float* w = reinterpret_cast<const float*>(g.b);
  float* c = reinterpret_cast<float*>(g.c);
  std::mutex failure;
  std::string error;
  auto block = [&](int64_t b) {
    const int64_t r0 = b * perBlock, r1 = std::min(m, r0 + perBlock);
    if (r0 >= r1) return;
    OnednnLane& lane = *lanes[static_cast<size_t>(b)];
    const Plan* p = r1 - r0 == perBlock ? plan : lastPlan;
    if (library_.ompSetNumThreads != nullptr) library_.ompSetNumThreads(1);
    try {
      OnednnCallMemories memories(library_, engine_);
      // Row r0 of op(A): a transposed A's column r0.
      const int64_t rowStep = g.transA ? 1 : lda;
      OnednnExecArg args[5] = {{kOnednnArgSrc, memories.make(&p->srcDesc, a + r0 * rowStep)},
                               {kOnednnArgWeights, memories.make(&p->weightDesc, w)},
                               {kOnednnArgDst, memories.make(&p->dstDesc, c + r0 * ldc)},
                               {kOnednnArgBias, nullptr},
                               {kOnednnArgScratchpad, nullptr}};
      int count = 3;
      if (g.bias != nullptr) args[count++] = {kOnednnArgBias, memories.make(&p->biasDesc, g.bias)};
      if (p->scratchBytes > 0) args[count++] = {kOnednnArgScratchpad, memories.make(&p->scratchDesc, lane.scratch.data())};
      library_.check(library_.primitiveExecute(p->primitive, lane.stream, count, args), "dnnl_primitive_execute (f32 matmul)");
      library_.check(library_.streamWait(lane.stream), "dnnl_stream_wait");
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(failure);
      if (error.empty()) error = e.what();
    }
  };
  if (blocks == 1) {
    block(0);
  } else {
    pool.parallelChunks(blocks, [&](int64_t first, int64_t last) {
      for (int64_t b = first; b < last; b++) block(b);
    }, blocks);
  }
  if (!error.empty()) throw Error(error);
  return true;
}

}  // namespace flint
