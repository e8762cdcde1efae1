#include "onednn_matmul.h"

#include <cstring>
#include <utility>
#include <vector>

#include "flint/status.h"

namespace flint {

namespace {

// As onednn_convolution.cc: a few shapes per model, and a bound for loops over many.
constexpr size_t kMaxPlans = 256;

float runtimeF32() {
  float value;
  std::memcpy(&value, &kOnednnRuntimeF32Bits, sizeof value);
  return value;
}

}  // namespace

struct OnednnInt8Matmul::Plan {
  const OnednnLibrary* library = nullptr;
  // Null when oneDNN has no kernel for this product (remembered, so it is asked once).
  onednnPrimitive primitive = nullptr;
  onednnMemory src = nullptr, weight = nullptr, dst = nullptr, scales = nullptr, zeroPoint = nullptr, scratchpad = nullptr;
  // The scratchpad is ours (oneDNN's own belongs to the thread that built the primitive,
  // and the CPU queue's thread may run it later); one call at a time uses a backend.
  std::vector<char> scratch;

  ~Plan() {
    for (onednnMemory m : {src, weight, dst, scales, zeroPoint, scratchpad}) {
      if (m != nullptr) library->memoryDestroy(m);
    }
    if (primitive != nullptr) library->primitiveDestroy(primitive);
  }
};

OnednnInt8Matmul::OnednnInt8Matmul() {
  library_.check(library_.engineCreate(&engine_, kOnednnCpu, 0), "dnnl_engine_create");
  const onednnStatus status = library_.streamCreate(&stream_, engine_, kOnednnStreamInOrder);
  if (status != kOnednnSuccess) {
    library_.engineDestroy(engine_);
    library_.check(status, "dnnl_stream_create");
  }
}

OnednnInt8Matmul::~OnednnInt8Matmul() {
  plans_.clear();
  library_.streamDestroy(stream_);
  library_.engineDestroy(engine_);
}

OnednnInt8Matmul::Plan* OnednnInt8Matmul::planFor(const Key& key) {
  auto found = plans_.find(key);
  if (found != plans_.end()) return found->second.get();
  if (plans_.size() >= kMaxPlans) plans_.clear();
  const int64_t m = key[0], k = key[1], n = key[2];
  const bool perChannel = key[3] != 0;

  auto plan = std::make_unique<Plan>();
  plan->library = &library_;
  OnednnMemoryDesc srcDesc{}, weightDesc{}, dstDesc{}, scalesDesc{}, zeroPointDesc{};
  const int64_t srcDims[2] = {m, k}, weightDims[2] = {k, n}, dstDims[2] = {m, n};
  const int64_t scaleCount[1] = {perChannel ? n : 1}, one[1] = {1};
  library_.check(library_.memoryDescInitByTag(&srcDesc, 2, srcDims, kOnednnU8, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByTag(&weightDesc, 2, weightDims, kOnednnS8, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByTag(&dstDesc, 2, dstDims, kOnednnF32, kOnednnTagAb), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByTag(&scalesDesc, 1, scaleCount, kOnednnF32, kOnednnTagA), "dnnl_memory_desc_init_by_tag");
  library_.check(library_.memoryDescInitByTag(&zeroPointDesc, 1, one, kOnednnS32, kOnednnTagA), "dnnl_memory_desc_init_by_tag");

  onednnAttr attr = nullptr;
  library_.check(library_.attrCreate(&attr), "dnnl_primitive_attr_create");
  onednnPrimitiveDesc desc = nullptr;
  try {
    library_.check(library_.attrSetScratchpadMode(attr, kOnednnScratchpadUser), "dnnl_primitive_attr_set_scratchpad_mode");
    const float runtimeScale = runtimeF32();
    const int32_t runtimeZeroPoint = kOnednnRuntimeS32;
    // Mask bit 1: one scale per column of the output.
    library_.check(library_.attrSetOutputScales(attr, 1, perChannel ? 2 : 0, &runtimeScale), "dnnl_primitive_attr_set_output_scales");
    library_.check(library_.attrSetZeroPoints(attr, kOnednnArgSrc, 1, 0, &runtimeZeroPoint), "dnnl_primitive_attr_set_zero_points");
    OnednnMatmulDesc op{};
    library_.check(library_.matmulDescInit(&op, &srcDesc, &weightDesc, nullptr, &dstDesc), "dnnl_matmul_desc_init");
    const onednnStatus made = library_.primitiveDescCreate(&desc, &op, attr, engine_, nullptr);
    if (made == kOnednnSuccess) {
      for (auto [memory, md] : {std::pair{&plan->src, &srcDesc}, {&plan->weight, &weightDesc}, {&plan->dst, &dstDesc},
                                {&plan->scales, &scalesDesc}, {&plan->zeroPoint, &zeroPointDesc}}) {
        library_.check(library_.memoryCreate(memory, md, engine_, nullptr), "dnnl_memory_create");
      }
      const OnednnMemoryDesc* scratch = library_.primitiveDescQueryMd(desc, kOnednnQueryScratchpad, 0);
      const size_t scratchBytes = scratch == nullptr ? 0 : library_.memoryDescGetSize(scratch);
      if (scratchBytes > 0) {
        plan->scratch.resize(scratchBytes);
        library_.check(library_.memoryCreate(&plan->scratchpad, scratch, engine_, plan->scratch.data()), "dnnl_memory_create");
      }
      library_.check(library_.primitiveCreate(&plan->primitive, desc), "dnnl_primitive_create (matmul)");
    } else if (made != 3) {  // 3: unimplemented, which the caller falls back from
      library_.check(made, "dnnl_primitive_desc_create (int8 matmul)");
    }
  } catch (...) {
    if (desc != nullptr) library_.primitiveDescDestroy(desc);
    library_.attrDestroy(attr);
    throw;
  }
  if (desc != nullptr) library_.primitiveDescDestroy(desc);
  library_.attrDestroy(attr);
  return plans_.emplace(key, std::move(plan)).first->second.get();
}

bool OnednnInt8Matmul::run(const uint8_t* src, const int8_t* weight, float* out, int64_t m, int64_t k, int64_t n,
                           const float* scales, bool perChannel, int32_t srcZeroPoint, int threads) {
  // OpenMP's thread count is the calling thread's: set before a plan is built and before it runs.
  if (library_.ompSetNumThreads != nullptr) library_.ompSetNumThreads(threads);
  Plan* plan = planFor({m, k, n, perChannel ? 1 : 0, threads});
  if (plan->primitive == nullptr) return false;
  int32_t zeroPoint = srcZeroPoint;
  // oneDNN reads through these handles and writes only `out`.
  const std::pair<onednnMemory, void*> handles[] = {{plan->src, const_cast<uint8_t*>(src)},
                                                    {plan->weight, const_cast<int8_t*>(weight)},
                                                    {plan->dst, out},
                                                    {plan->scales, const_cast<float*>(scales)},
                                                    {plan->zeroPoint, &zeroPoint}};
  for (const auto& [memory, data] : handles) {
    library_.check(library_.memorySetDataHandle(memory, data), "dnnl_memory_set_data_handle");
  }
  OnednnExecArg args[6] = {{kOnednnArgSrc, plan->src},
                           {kOnednnArgWeights, plan->weight},
                           {kOnednnArgDst, plan->dst},
                           {kOnednnArgOutputScales, plan->scales},
                           {kOnednnArgZeroPoints | kOnednnArgSrc, plan->zeroPoint},
                           {kOnednnArgScratchpad, plan->scratchpad}};
  library_.check(library_.primitiveExecute(plan->primitive, stream_, plan->scratchpad != nullptr ? 6 : 5, args),
                 "dnnl_primitive_execute (int8 matmul)");
  library_.check(library_.streamWait(stream_), "dnnl_stream_wait");
  return true;
}

}  // namespace flint
