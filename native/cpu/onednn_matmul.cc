#include "onednn_matmul.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "../core/thread_pool.h"
#include "flint/status.h"

namespace flint {

namespace {

// As onednn_convolution.cc: a few shapes per model, and a bound for loops over many.
constexpr size_t kMaxPlans = 256;
// DNNL_RUNTIME_DIM_VAL: a size given at each call.
constexpr int64_t kRuntimeDim = INT64_MIN;
// Rows per block at least: below this, one more thread costs more than it saves.
constexpr int64_t kMinRows = 16;

float runtimeF32() {
  float value;
  std::memcpy(&value, &kOnednnRuntimeF32Bits, sizeof value);
  return value;
}

}  // namespace

// The primitive is null where oneDNN has no kernel for the product.
struct OnednnInt8Matmul::Plan : OnednnPrimitivePlan {
  using OnednnPrimitivePlan::OnednnPrimitivePlan;
  OnednnMemoryDesc weightDesc{}, scalesDesc{}, zeroPointDesc{};
};

OnednnInt8Matmul::OnednnInt8Matmul() = default;
OnednnInt8Matmul::~OnednnInt8Matmul() = default;

OnednnInt8Matmul::Plan* OnednnInt8Matmul::planFor(const Key& key) {
  auto found = plans_.find(key);
  if (found != plans_.end()) return found->second.get();
  // A block of `columns` of the [K, N] weight and of the output, whose rows are N apart.
  const int64_t k = key[0], columns = key[1], n = key[2];
  const bool perChannel = key[3] != 0;

  auto plan = std::make_unique<Plan>(library_);
  OnednnMemoryDesc srcDesc{}, dstDesc{};
  const int64_t srcDims[2] = {kRuntimeDim, k}, weightDims[2] = {k, columns}, dstDims[2] = {kRuntimeDim, columns};
  const int64_t rowStride[2] = {n, 1}, runtimeStride[2] = {kRuntimeDim, 1};
  const int64_t scaleCount[1] = {perChannel ? columns : 1}, one[1] = {1};
  library_.check(library_.memoryDescInitByTag(&srcDesc, 2, srcDims, kOnednnU8, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByStrides(&plan->weightDesc, 2, weightDims, kOnednnS8, rowStride), "dnnl_memory_desc_init_by_strides");
  library_.check(library_.memoryDescInitByStrides(&dstDesc, 2, dstDims, kOnednnF32, runtimeStride), "dnnl_memory_desc_init_by_strides");
  library_.check(library_.memoryDescInitByTag(&plan->scalesDesc, 1, scaleCount, kOnednnF32, kOnednnTagA), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByTag(&plan->zeroPointDesc, 1, one, kOnednnS32, kOnednnTagA), "dnnl_memory_desc_init_by_tag");

  OnednnMatmulDesc op{};
  library_.check(library_.matmulDescInit(&op, &srcDesc, &plan->weightDesc, nullptr, &dstDesc), "dnnl_matmul_desc_init");
  auto configure = [&](onednnAttr attr) {
    const float runtimeScale = runtimeF32();
    const int32_t runtimeZeroPoint = kOnednnRuntimeS32;
    // Mask bit 1: one scale per column of the output.
    library_.check(library_.attrSetOutputScales(attr, 1, perChannel ? 2 : 0, &runtimeScale), "dnnl_primitive_attr_set_output_scales");
    library_.check(library_.attrSetZeroPoints(attr, kOnednnArgSrc, 1, 0, &runtimeZeroPoint), "dnnl_primitive_attr_set_zero_points");
  };
  buildMatmul(*plan, op, configure, [](onednnPrimitiveDesc) { return true; }, "oneDNN int8 matmul");
  return plans_.emplace(key, std::move(plan)).first->second.get();
}

bool OnednnInt8Matmul::run(ThreadPool& pool, const uint8_t* src, const int8_t* weight, float* out, int64_t m, int64_t k,
                           int64_t n, const float* scales, bool perChannel, int32_t srcZeroPoint) {
  // Built and run with one OpenMP thread: the parallelism is the pool's, over blocks of rows.
  if (library_.ompSetNumThreads != nullptr) library_.ompSetNumThreads(1);
  // Blocks of rows, or of columns when there are more columns than rows: each block packs
  // its own share of the operand it splits, and the other whole.
  const bool byColumns = n > m;
  const int64_t extent = byColumns ? n : m;
  const int64_t wanted = std::max<int64_t>(1, std::min<int64_t>(pool.size(), extent / kMinRows));
  const int64_t perBlock = (extent + wanted - 1) / wanted;
  // As many blocks as perBlock needs (it may be fewer than wanted): the last is 1 to perBlock wide.
  const int blocks = static_cast<int>((extent + perBlock - 1) / perBlock);
  const int64_t columnsOf[2] = {byColumns ? perBlock : n, byColumns ? extent - perBlock * (blocks - 1) : n};
  // The cache is bounded between calls, never between the two lookups below (a clear would
  // free the first plan under its pointer).
  if (plans_.size() + 2 > kMaxPlans) plans_.clear();
  Plan* plan = planFor({k, columnsOf[0], n, perChannel ? 1 : 0});
  if (plan->primitive == nullptr) return false;
  Plan* lastPlan = planFor({k, columnsOf[1], n, perChannel ? 1 : 0});
  if (lastPlan->primitive == nullptr) return false;
  // The lanes are made here, on the calling thread, before any block runs.
  std::vector<OnednnLane*> lanes;
  for (int b = 0; b < blocks; b++) {
    lanes.push_back(&lanes_.at(library_, engine_, static_cast<size_t>(b), std::max(plan->scratchBytes, lastPlan->scratchBytes)));
  }
  std::mutex failure;
  std::string error;
  pool.parallelChunks(
      blocks,
      [&](int64_t first, int64_t last) {
        for (int64_t b = first; b < last; b++) {
          // Rows [r0, r1) and columns [c0, c1) of the output.
          const int64_t start = b * perBlock, stop = std::min(extent, start + perBlock);
          if (start >= stop) continue;
          const int64_t r0 = byColumns ? 0 : start, r1 = byColumns ? m : stop;
          const int64_t c0 = byColumns ? start : 0;
          Plan* p = byColumns && b == blocks - 1 ? lastPlan : plan;
          OnednnLane& l = *lanes[static_cast<size_t>(b)];
          if (library_.ompSetNumThreads != nullptr) library_.ompSetNumThreads(1);
          int32_t zeroPoint = srcZeroPoint;
          try {
            // The block's own memory objects (concrete row counts), freed when it is done.
            OnednnCallMemories memories(library_, engine_);
            auto make = [&](const OnednnMemoryDesc* md, const void* data) { return memories.make(md, data); };
            OnednnMemoryDesc srcDesc{}, dstDesc{};
            const int64_t columns = byColumns ? stop - start : n;
            const int64_t srcDims[2] = {r1 - r0, k}, dstDims[2] = {r1 - r0, columns}, dstStrides[2] = {n, 1};
            library_.check(library_.memoryDescInitByTag(&srcDesc, 2, srcDims, kOnednnU8, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");
            library_.check(library_.memoryDescInitByStrides(&dstDesc, 2, dstDims, kOnednnF32, dstStrides), "dnnl_memory_desc_init_by_strides");
            OnednnExecArg args[6] = {{kOnednnArgSrc, make(&srcDesc, src + r0 * k)},
                                     {kOnednnArgWeights, make(&p->weightDesc, weight + c0)},
                                     {kOnednnArgDst, make(&dstDesc, out + r0 * n + c0)},
                                     {kOnednnArgOutputScales, make(&p->scalesDesc, scales + (perChannel ? c0 : 0))},
                                     {kOnednnArgZeroPoints | kOnednnArgSrc, make(&p->zeroPointDesc, &zeroPoint)},
                                     {kOnednnArgScratchpad, nullptr}};
            int count = 5;
            if (p->scratchBytes > 0) args[count++] = {kOnednnArgScratchpad, make(&p->scratchDesc, l.scratch.data())};
            library_.check(library_.primitiveExecute(p->primitive, l.stream, count, args), "dnnl_primitive_execute (int8 matmul)");
            library_.check(library_.streamWait(l.stream), "dnnl_stream_wait");
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(failure);
            if (error.empty()) error = e.what();
          }
        }
      },
      blocks);
  if (!error.empty()) throw Error(error);
  return true;
}

}  // namespace flint
