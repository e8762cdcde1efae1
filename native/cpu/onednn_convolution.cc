#include "onednn_convolution.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <utility>
#include <vector>
#include <string>

#include "flint/dtype.h"
#include "flint/status.h"

namespace flint {

namespace {

enum Direction { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// Plans kept per backend before all are dropped and built again as needed: a model has a
// few dozen shapes, and a loop over many (varying sequence lengths) must not grow without bound.
constexpr size_t kMaxPlans = 256;

// Bytes of free workspace kept for reuse, at most: enough for the blocked copies of a few
// large activations, so that a training loop does not page-fault its workspace afresh
// every call (glibc hands large blocks back to the kernel when they are freed).
constexpr size_t kMaxKeptBytes = size_t(512) << 20;

}  // namespace

// Workspace blocks (oneDNN's layouts of the operands, its scratchpad), kept between calls.
// Not the backend's caching allocator: in the asynchronous mode a block there may be freed
// by JavaScript before the queued ops that read it have run, and a kernel on the queue's
// thread that took it as workspace would overwrite it (cpu_backend.cc, deallocate).
class OnednnConvolutions::Workspace {
 public:
  ~Workspace() { clear(); }
  // A block of at least `bytes`; its size goes to `*blockBytes`, to be given back with it.
  void* take(size_t bytes, size_t* blockBytes) {
    bytes = (bytes + 63) / 64 * 64;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      size_t best = free_.size();
      for (size_t i = 0; i < free_.size(); i++) {
        if (free_[i].first >= bytes && (best == free_.size() || free_[i].first < free_[best].first)) best = i;
      }
      if (best != free_.size()) {
        *blockBytes = free_[best].first;
        void* data = free_[best].second;
        kept_ -= free_[best].first;
        free_.erase(free_.begin() + best);
        return data;
      }
    }
    void* data = std::aligned_alloc(64, bytes);
    if (data == nullptr) throw Error("oneDNN convolution: out of memory for " + std::to_string(bytes) + " bytes of workspace");
    *blockBytes = bytes;
    return data;
  }
  void give(void* data, size_t blockBytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept_ + blockBytes > kMaxKeptBytes) {
      std::free(data);
      return;
    }
    free_.emplace_back(blockBytes, data);
    kept_ += blockBytes;
  }
  size_t keptBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return kept_;
  }
  // Frees the kept blocks (torch.emptyCache and the backend's end).
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& block : free_) std::free(block.second);
    free_.clear();
    kept_ = 0;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<size_t, void*>> free_;
  size_t kept_ = 0;
};

namespace {

// A workspace block for the length of one call.
struct Scratch {
  OnednnConvolutions::Workspace& workspace;
  void* data = nullptr;
  size_t blockBytes = 0;
  Scratch(OnednnConvolutions::Workspace& pool, size_t bytes) : workspace(pool) {
    if (bytes > 0) data = workspace.take(bytes, &blockBytes);
  }
  ~Scratch() {
    if (data != nullptr) workspace.give(data, blockBytes);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Row-major: the tag a..f of the given rank (1 for a bias, 4-6 for images and weights).
int plainTag(int ndims) {
  return ndims == 1 ? kOnednnTagA : ndims == 4 ? kOnednnTagAbcd : ndims == 5 ? kOnednnTagAbcde : kOnednnTagAbcdef;
}

}  // namespace

// One operand of a convolution primitive: the caller's plain row-major layout, and the
// layout oneDNN chose, with the reorder between them when they differ.
struct OnednnConvolutions::Operand {
  int arg = 0;
  bool isOutput = false;
  OnednnMemoryDesc plain{}, chosen{};
  onednnPrimitive reorder = nullptr;
  onednnMemory plainMemory = nullptr, chosenMemory = nullptr, reorderScratch = nullptr;
  size_t chosenBytes = 0, reorderScratchBytes = 0;
};

struct OnednnConvolutions::Plan {
  const OnednnLibrary* library = nullptr;
  onednnPrimitive primitive = nullptr;
  OnednnConvolutions::Operand operands[3];  // image, weight, output (in the roles of the direction's arguments)
  onednnMemory bias = nullptr, scratchpad = nullptr;
  size_t scratchpadBytes = 0;

  ~Plan() {
    for (Operand& o : operands) {
      if (o.reorder != nullptr) library->primitiveDestroy(o.reorder);
      if (o.plainMemory != nullptr) library->memoryDestroy(o.plainMemory);
      if (o.chosenMemory != nullptr) library->memoryDestroy(o.chosenMemory);
      if (o.reorderScratch != nullptr) library->memoryDestroy(o.reorderScratch);
    }
    if (bias != nullptr) library->memoryDestroy(bias);
    if (scratchpad != nullptr) library->memoryDestroy(scratchpad);
    if (primitive != nullptr) library->primitiveDestroy(primitive);
  }
};

OnednnConvolutions::OnednnConvolutions() : workspace_(std::make_unique<Workspace>()) {
  library_.check(library_.engineCreate(&engine_, kOnednnCpu, 0), "dnnl_engine_create");
  const onednnStatus status = library_.streamCreate(&stream_, engine_, kOnednnStreamInOrder);
  if (status != kOnednnSuccess) {
    library_.engineDestroy(engine_);
    library_.check(status, "dnnl_stream_create");
  }
}

void OnednnConvolutions::releaseWorkspace() { workspace_->clear(); }

size_t OnednnConvolutions::workspaceBytes() { return workspace_->keptBytes(); }

OnednnConvolutions::~OnednnConvolutions() {
  plans_.clear();
  library_.streamDestroy(stream_);
  library_.engineDestroy(engine_);
}

template <class Args>
OnednnConvolutions::Plan& OnednnConvolutions::planFor(int direction, const Args& a, const TensorView& image,
                                                      const TensorView& weight, const TensorView& output,
                                                      bool withBias, int threads) {
  const int64_t groups = a.groups;
  Key key{direction, withBias, groups, a.strideD, a.strideH, a.strideW, a.paddingD, a.paddingH, a.paddingW,
          a.dilationD, a.dilationH, a.dilationW};
  for (int d = 0; d < 5; d++) key[12 + d] = image.shape[d];
  for (int d = 0; d < 5; d++) key[17 + d] = weight.shape[d];
  // The output's sizes follow from the rest (conv_checks.cc holds them to it). oneDNN's
  // kernels fix their thread count when they are built, so a plan is per thread count.
  key[22] = threads;
  auto found = plans_.find(key);
  if (found != plans_.end()) return *found->second;
  if (plans_.size() >= kMaxPlans) plans_.clear();

  // A 1-D or 2-D convolution (depth 1, kernel depth 1, no depth padding) as a 2-D one.
  const bool flat = image.shape[2] == 1 && weight.shape[2] == 1 && a.paddingD == 0;
  const int first = flat ? 3 : 2;  // the first spatial dimension oneDNN sees
  const int spatial = 5 - first;
  const int64_t stride[3] = {a.strideD, a.strideH, a.strideW};
  const int64_t padding[3] = {a.paddingD, a.paddingH, a.paddingW};
  const int64_t dilation[3] = {a.dilationD, a.dilationH, a.dilationW};
  OnednnDims strides{}, dilates{}, left{}, right{}, imageDims{}, weightDims{}, outputDims{}, biasDims{};
  for (int s = 0; s < spatial; s++) {
    const int d = first - 2 + s;  // index into stride/padding/dilation
    const int64_t in = image.shape[first + s], out = output.shape[first + s], kernel = weight.shape[first + s];
    strides[s] = stride[d];
    dilates[s] = dilation[d] - 1;  // oneDNN counts the gaps between taps
    left[s] = padding[d];
    // Whatever of the padded image the last window does not reach: PyTorch's output size
    // rounds down, and oneDNN wants the sizes to agree exactly.
    right[s] = (out - 1) * stride[d] + (kernel - 1) * dilation[d] + 1 - in - padding[d];
  }
  const int64_t outChannels = weight.shape[0];
  imageDims[0] = image.shape[0];
  imageDims[1] = image.shape[1];
  outputDims[0] = output.shape[0];
  outputDims[1] = output.shape[1];
  int w = 0;
  if (groups > 1) weightDims[w++] = groups;
  weightDims[w++] = outChannels / groups;
  weightDims[w++] = weight.shape[1];
  for (int s = 0; s < spatial; s++) {
    imageDims[2 + s] = image.shape[first + s];
    outputDims[2 + s] = output.shape[first + s];
    weightDims[w + s] = weight.shape[first + s];
  }
  const int tensorDims = 2 + spatial, weightRank = w + spatial;
  biasDims[0] = outChannels;

  auto plan = std::make_unique<Plan>();
  plan->library = &library_;
  Operand* ops = plan->operands;
  // Each operand twice: as the caller lays it out, and with the layout left to oneDNN.
  OnednnMemoryDesc anyImage{}, anyWeight{}, anyOutput{}, biasDesc{};
  auto describe = [&](OnednnMemoryDesc* plain, OnednnMemoryDesc* any, int rank, const int64_t* dims) {
    library_.check(library_.memoryDescInitByTag(plain, rank, dims, kOnednnF32, plainTag(rank)), "dnnl_memory_desc_init_by_tag");
    if (any != nullptr) {
      library_.check(library_.memoryDescInitByTag(any, rank, dims, kOnednnF32, kOnednnTagAny), "dnnl_memory_desc_init_by_tag");
    }
  };
  describe(&ops[0].plain, &anyImage, tensorDims, imageDims);
  describe(&ops[1].plain, &anyWeight, weightRank, weightDims);
  describe(&ops[2].plain, &anyOutput, tensorDims, outputDims);
  describe(&biasDesc, nullptr, 1, biasDims);

  onednnAttr attr = nullptr;
  library_.check(library_.attrCreate(&attr), "dnnl_primitive_attr_create");
  onednnPrimitiveDesc forwardDesc = nullptr, desc = nullptr;
  auto release = [&] {
    if (desc != nullptr && desc != forwardDesc) library_.primitiveDescDestroy(desc);
    if (forwardDesc != nullptr) library_.primitiveDescDestroy(forwardDesc);
    library_.attrDestroy(attr);
  };
  try {
    // Scratchpads (the convolution's and the reorders') are ours to give at each call:
    // oneDNN's own belongs to the thread that built the primitive, and a plan built on the
    // JS thread may run on the CPU queue's thread later (the asynchronous mode).
    library_.check(library_.attrSetScratchpadMode(attr, kOnednnScratchpadUser), "dnnl_primitive_attr_set_scratchpad_mode");
    // Backward primitives take the forward one as their hint.
    OnednnConvolutionDesc forwardOp{};
    library_.check(library_.convolutionForwardDescInit(&forwardOp, kOnednnForwardTraining, kOnednnConvolutionDirect, &anyImage,
                                                       &anyWeight, withBias ? &biasDesc : nullptr, &anyOutput, strides,
                                                       dilates, left, right),
                   "dnnl_dilated_convolution_forward_desc_init");
    library_.check(library_.primitiveDescCreate(&forwardDesc, &forwardOp, attr, engine_, nullptr),
                   "dnnl_primitive_desc_create (convolution forward)");
    int queries[3] = {kOnednnQuerySrc, kOnednnQueryWeights, kOnednnQueryDst};
    if (direction == kForward) {
      desc = forwardDesc;
      ops[0].arg = kOnednnArgSrc, ops[1].arg = kOnednnArgWeights, ops[2].arg = kOnednnArgDst;
      ops[2].isOutput = true;
    } else if (direction == kBackwardData) {
      OnednnConvolutionDesc op{};
      library_.check(library_.convolutionBackwardDataDescInit(&op, kOnednnConvolutionDirect, &anyImage, &anyWeight, &anyOutput,
                                                              strides, dilates, left, right),
                     "dnnl_dilated_convolution_backward_data_desc_init");
      library_.check(library_.primitiveDescCreate(&desc, &op, attr, engine_, forwardDesc),
                     "dnnl_primitive_desc_create (convolution backward data)");
      queries[0] = kOnednnQueryDiffSrc, queries[2] = kOnednnQueryDiffDst;
      ops[0].arg = kOnednnArgDiffSrc, ops[1].arg = kOnednnArgWeights, ops[2].arg = kOnednnArgDiffDst;
      ops[0].isOutput = true;
    } else {
      OnednnConvolutionDesc op{};
      library_.check(library_.convolutionBackwardWeightsDescInit(&op, kOnednnConvolutionDirect, &anyImage, &anyWeight, nullptr,
                                                                 &anyOutput, strides, dilates, left, right),
                     "dnnl_dilated_convolution_backward_weights_desc_init");
      library_.check(library_.primitiveDescCreate(&desc, &op, attr, engine_, forwardDesc),
                     "dnnl_primitive_desc_create (convolution backward weights)");
      queries[1] = kOnednnQueryDiffWeights, queries[2] = kOnednnQueryDiffDst;
      ops[0].arg = kOnednnArgSrc, ops[1].arg = kOnednnArgDiffWeights, ops[2].arg = kOnednnArgDiffDst;
      ops[1].isOutput = true;
    }
    for (int i = 0; i < 3; i++) {
      Operand& o = ops[i];
      o.chosen = *library_.primitiveDescQueryMd(desc, queries[i], 0);
      library_.check(library_.memoryCreate(&o.plainMemory, &o.plain, engine_, nullptr), "dnnl_memory_create");
      if (library_.memoryDescEqual(&o.plain, &o.chosen)) continue;
      o.chosenBytes = library_.memoryDescGetSize(&o.chosen);
      library_.check(library_.memoryCreate(&o.chosenMemory, &o.chosen, engine_, nullptr), "dnnl_memory_create");
      onednnPrimitiveDesc reorderDesc = nullptr;
      library_.check(o.isOutput ? library_.reorderPrimitiveDescCreate(&reorderDesc, &o.chosen, engine_, &o.plain, engine_, attr)
                                : library_.reorderPrimitiveDescCreate(&reorderDesc, &o.plain, engine_, &o.chosen, engine_, attr),
                     "dnnl_reorder_primitive_desc_create");
      const OnednnMemoryDesc* reorderScratch = library_.primitiveDescQueryMd(reorderDesc, kOnednnQueryScratchpad, 0);
      o.reorderScratchBytes = reorderScratch == nullptr ? 0 : library_.memoryDescGetSize(reorderScratch);
      onednnStatus made = kOnednnSuccess;
      if (o.reorderScratchBytes > 0) made = library_.memoryCreate(&o.reorderScratch, reorderScratch, engine_, nullptr);
      if (made == kOnednnSuccess) made = library_.primitiveCreate(&o.reorder, reorderDesc);
      library_.primitiveDescDestroy(reorderDesc);
      library_.check(made, "dnnl_primitive_create (reorder)");
    }
    if (withBias) library_.check(library_.memoryCreate(&plan->bias, &biasDesc, engine_, nullptr), "dnnl_memory_create");
    const OnednnMemoryDesc* scratch = library_.primitiveDescQueryMd(desc, kOnednnQueryScratchpad, 0);
    plan->scratchpadBytes = scratch == nullptr ? 0 : library_.memoryDescGetSize(scratch);
    if (plan->scratchpadBytes > 0) {
      library_.check(library_.memoryCreate(&plan->scratchpad, scratch, engine_, nullptr), "dnnl_memory_create");
    }
    library_.check(library_.primitiveCreate(&plan->primitive, desc), "dnnl_primitive_create (convolution)");
  } catch (...) {
    release();
    throw;
  }
  release();
  return *plans_.emplace(key, std::move(plan)).first->second;
}

void OnednnConvolutions::reorder(Operand& o, onednnMemory from, onednnMemory to) {
  Scratch scratch(*workspace_, o.reorderScratchBytes);
  OnednnExecArg args[3] = {{kOnednnArgFrom, from}, {kOnednnArgTo, to}, {kOnednnArgScratchpad, o.reorderScratch}};
  if (o.reorderScratch != nullptr) {
    library_.check(library_.memorySetDataHandle(o.reorderScratch, scratch.data), "dnnl_memory_set_data_handle");
  }
  library_.check(library_.primitiveExecute(o.reorder, stream_, o.reorderScratch != nullptr ? 3 : 2, args),
                 "dnnl_primitive_execute (reorder)");
}

// OpenMP's thread count is the calling thread's (the JS thread's, or the CPU queue's), set
// before a plan is built as well as before it runs: oneDNN reads it at both.
void OnednnConvolutions::setThreads(int threads) {
  if (library_.ompSetNumThreads != nullptr) library_.ompSetNumThreads(threads);
}

void OnednnConvolutions::run(Plan& plan, char* image, char* weight, char* output, char* bias) {
  char* data[3] = {image, weight, output};
  std::unique_ptr<Scratch> chosen[3];
  OnednnExecArg args[5];
  int count = 0;
  for (int i = 0; i < 3; i++) {
    Operand& o = plan.operands[i];
    library_.check(library_.memorySetDataHandle(o.plainMemory, data[i]), "dnnl_memory_set_data_handle");
    if (o.reorder == nullptr) {
      args[count++] = {o.arg, o.plainMemory};
      continue;
    }
    chosen[i] = std::make_unique<Scratch>(*workspace_, o.chosenBytes);
    library_.check(library_.memorySetDataHandle(o.chosenMemory, chosen[i]->data), "dnnl_memory_set_data_handle");
    args[count++] = {o.arg, o.chosenMemory};
    if (!o.isOutput) reorder(o, o.plainMemory, o.chosenMemory);
  }
  if (plan.bias != nullptr) {
    library_.check(library_.memorySetDataHandle(plan.bias, bias), "dnnl_memory_set_data_handle");
    args[count++] = {kOnednnArgBias, plan.bias};
  }
  Scratch scratchpad(*workspace_, plan.scratchpadBytes);
  if (plan.scratchpad != nullptr) {
    library_.check(library_.memorySetDataHandle(plan.scratchpad, scratchpad.data), "dnnl_memory_set_data_handle");
    args[count++] = {kOnednnArgScratchpad, plan.scratchpad};
  }
  library_.check(library_.primitiveExecute(plan.primitive, stream_, count, args), "dnnl_primitive_execute (convolution)");
  for (OnednnConvolutions::Operand& o : plan.operands) {
    if (!o.isOutput || o.reorder == nullptr) continue;
    reorder(o, o.chosenMemory, o.plainMemory);
  }
  library_.check(library_.streamWait(stream_), "dnnl_stream_wait");
}

namespace {

// The generated entry has checked shapes, storages and contiguity; oneDNN is told float32.
void requireFloat32(const char* entry, std::initializer_list<const TensorView*> views) {
  for (const TensorView* v : views) {
    FLINT_CHECK(v->dtype == DType::Float32, std::string(entry) +
                                                ": oneDNN convolves contiguous float32 tensors on the CPU, got " +
                                                dtypeName(v->dtype));
  }
}

}  // namespace

void OnednnConvolutions::forward(const ConvolutionArgs& a, int threads) {
  const bool withBias = a.bias.data != nullptr;
  requireFloat32("convolution", {&a.out, &a.input, &a.weight});
  if (withBias) requireFloat32("convolution", {&a.bias});
  setThreads(threads);
  Plan& plan = planFor(kForward, a, a.input, a.weight, a.out, withBias, threads);
  run(plan, a.input.data, a.weight.data, a.out.data, a.bias.data);
}

void OnednnConvolutions::backwardData(const ConvolutionBackwardInputArgs& a, int threads) {
  requireFloat32("convolutionBackwardInput", {&a.gradInput, &a.gradOutput, &a.weight});
  setThreads(threads);
  Plan& plan = planFor(kBackwardData, a, a.gradInput, a.weight, a.gradOutput, false, threads);
  run(plan, a.gradInput.data, a.weight.data, a.gradOutput.data, nullptr);
}

void OnednnConvolutions::backwardWeights(const ConvolutionBackwardWeightArgs& a, int threads) {
  requireFloat32("convolutionBackwardWeight", {&a.gradWeight, &a.gradOutput, &a.input});
  setThreads(threads);
  Plan& plan = planFor(kBackwardWeights, a, a.input, a.gradWeight, a.gradOutput, false, threads);
  run(plan, a.input.data, a.gradWeight.data, a.gradOutput.data, nullptr);
}

}  // namespace flint
