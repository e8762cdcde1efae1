#include "cudnn_convolution.h"

#include <algorithm>
#include <string>

#include "flint/status.h"

namespace flint {

namespace {

int cudnnDataType(DType dtype) {
  switch (dtype) {
    case DType::Float32: return kCudnnDataFloat;
    case DType::Float64: return kCudnnDataDouble;
    case DType::Float16: return kCudnnDataHalf;
    case DType::BFloat16: return kCudnnDataBFloat16;
    default: throw Error(std::string("convolution: cuDNN takes floating tensors, got ") + dtypeName(dtype));
  }
}

template <class Args>
CudnnConvolutions::Geometry geometryOf(const Args& a) {
  CudnnConvolutions::Geometry g{};
  const int64_t stride[3] = {a.strideD, a.strideH, a.strideW};
  const int64_t padding[3] = {a.paddingD, a.paddingH, a.paddingW};
  const int64_t dilation[3] = {a.dilationD, a.dilationH, a.dilationW};
  // Each was checked below 2^31 (native/core/conv_checks.cc).
  for (int d = 0; d < 3; d++) {
    g.stride[d] = (int)stride[d];
    g.padding[d] = (int)padding[d];
    g.dilation[d] = (int)dilation[d];
  }
  g.groups = (int)a.groups;
  g.allowTF32 = a.allowTF32;
  g.benchmark = a.benchmark;
  g.deterministic = a.deterministic;
  return g;
}

// Whether any of the views has no elements: cuDNN's descriptors refuse zero sizes, so the
// caller (TypeScript) convolves those through im2col, which handles them.
void refuseEmpty(const char* entry, std::initializer_list<const TensorView*> views) {
  for (const TensorView* view : views) {
    if (view->numel() == 0) {
      throw Error(std::string(entry) + ": cuDNN takes no empty tensors; convolve them with cuDNN disabled");
    }
  }
}

}  // namespace

struct CudnnConvolutions::Plan {
  const CudnnLibrary* library = nullptr;
  cudnnTensorDesc image = nullptr, output = nullptr, bias = nullptr;
  cudnnFilterDesc weight = nullptr;
  cudnnConvolutionDesc convolution = nullptr;
  DType dtype = DType::Float32;
  int algorithm = -1;  // chosen on first use
  size_t workspaceBytes = 0;
  ~Plan() {
    if (image != nullptr) library->destroyTensor(image);
    if (output != nullptr) library->destroyTensor(output);
    if (bias != nullptr) library->destroyTensor(bias);
    if (weight != nullptr) library->destroyFilter(weight);
    if (convolution != nullptr) library->destroyConvolution(convolution);
  }
};

CudnnConvolutions::CudnnConvolutions(CudaContext& ctx) : ctx_(ctx) {
  FLINT_CUDA_CHECK(cudaSetDevice(ctx.device));
  handle_ = library_.createHandle(ctx.stream);
}

CudnnConvolutions::~CudnnConvolutions() {
  plans_.clear();
  if (handle_ != nullptr) library_.destroy(handle_);
}

CudnnConvolutions::Plan& CudnnConvolutions::plan(Direction direction, const TensorView& image, const TensorView& output,
                                                 const TensorView& weight, const Geometry& g, bool withBias) {
  std::vector<int64_t> key = {direction, (int64_t)image.dtype, g.groups, g.allowTF32, g.benchmark, g.deterministic, withBias};
  for (const TensorView* view : {&image, &output, &weight}) key.insert(key.end(), view->shape, view->shape + 5);
  for (int d = 0; d < 3; d++) key.insert(key.end(), {g.stride[d], g.padding[d], g.dilation[d]});
  auto found = plans_.find(key);
  if (found != plans_.end()) return *found->second;

  auto made = std::make_unique<Plan>();
  Plan& p = *made;
  p.library = &library_;
  p.dtype = image.dtype;
  const int type = cudnnDataType(image.dtype);
  // A depth of one with nothing happening along it is a 2-D convolution: cuDNN has more
  // (and faster) algorithms for 4-D descriptors than for 5-D ones.
  const bool flat = image.shape[2] == 1 && weight.shape[2] == 1 && output.shape[2] == 1 && g.padding[0] == 0 &&
                    g.stride[0] == 1 && g.dilation[0] == 1;
  const int first = flat ? 1 : 0;  // the first spatial dim described
  const int spatial = 3 - first;
  auto dimsOf = [&](const TensorView& view, int* dims, int* strides) {
    dims[0] = (int)view.shape[0];
    dims[1] = (int)view.shape[1];
    for (int d = 0; d < spatial; d++) dims[2 + d] = (int)view.shape[2 + first + d];
    if (strides != nullptr) {
      int stride = 1;
      for (int d = spatial + 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= dims[d];
      }
    }
  };
  int dims[5], strides[5];
  library_.check(library_.createTensor(&p.image), "cudnnCreateTensorDescriptor");
  dimsOf(image, dims, strides);
  library_.check(library_.setTensorNd(p.image, type, spatial + 2, dims, strides), "cudnnSetTensorNdDescriptor (image)");
  library_.check(library_.createTensor(&p.output), "cudnnCreateTensorDescriptor");
  dimsOf(output, dims, strides);
  library_.check(library_.setTensorNd(p.output, type, spatial + 2, dims, strides), "cudnnSetTensorNdDescriptor (output)");
  library_.check(library_.createFilter(&p.weight), "cudnnCreateFilterDescriptor");
  dimsOf(weight, dims, nullptr);
  library_.check(library_.setFilterNd(p.weight, type, kCudnnTensorNchw, spatial + 2, dims), "cudnnSetFilterNdDescriptor");
  if (withBias) {
    library_.check(library_.createTensor(&p.bias), "cudnnCreateTensorDescriptor");
    int biasDims[5] = {1, (int)output.shape[1], 1, 1, 1}, biasStrides[5] = {(int)output.shape[1], 1, 1, 1, 1};
    library_.check(library_.setTensorNd(p.bias, type, spatial + 2, biasDims, biasStrides), "cudnnSetTensorNdDescriptor (bias)");
  }
  library_.check(library_.createConvolution(&p.convolution), "cudnnCreateConvolutionDescriptor");
  library_.check(library_.setConvolutionNd(p.convolution, spatial, g.padding + first, g.stride + first, g.dilation + first,
                                           kCudnnCrossCorrelation,
                                           image.dtype == DType::Float64 ? kCudnnDataDouble : kCudnnDataFloat),
                 "cudnnSetConvolutionNdDescriptor");
  library_.check(library_.setConvolutionGroupCount(p.convolution, g.groups), "cudnnSetConvolutionGroupCount");
  // PyTorch's choices: tensor cores for half types; for float32, TF32 only when allowed
  // (FMA math forbids it); float64 has one math.
  int math = kCudnnDefaultMath;
  if (image.dtype == DType::Float16 || image.dtype == DType::BFloat16) math = kCudnnTensorOpMath;
  if (image.dtype == DType::Float32 && !g.allowTF32) math = kCudnnFmaMath;
  library_.check(library_.setConvolutionMathType(p.convolution, math), "cudnnSetConvolutionMathType");
  return *plans_.emplace(std::move(key), std::move(made)).first->second;
}

void CudnnConvolutions::choose(Plan& p, Direction direction, const Geometry& g, const void* image, const void* output,
                               const void* weight) {
  CudnnAlgoPerf perf[8] = {};
  int count = 0;
  const char* what = nullptr;
  switch (direction) {
    case kForward:
      what = "cudnnGetConvolutionForwardAlgorithm_v7";
      library_.check(library_.forwardHeuristics(handle_, p.image, p.weight, p.convolution, p.output,
                                                kCudnnForwardAlgorithms, &count, perf),
                     what);
      break;
    case kBackwardData:
      what = "cudnnGetConvolutionBackwardDataAlgorithm_v7";
      library_.check(library_.backwardDataHeuristics(handle_, p.weight, p.output, p.convolution, p.image,
                                                     kCudnnBackwardDataAlgorithms, &count, perf),
                     what);
      break;
    case kBackwardFilter:
      what = "cudnnGetConvolutionBackwardFilterAlgorithm_v7";
      library_.check(library_.backwardFilterHeuristics(handle_, p.image, p.output, p.convolution, p.weight,
                                                       kCudnnBackwardFilterAlgorithms, &count, perf),
                     what);
      break;
  }
  count = std::min(count, 8);
  if (g.benchmark) {
    // Timing waits for the device, which a CUDA graph capture cannot contain.
    ctx_.backend->refuseDuringCapture("choosing a cuDNN algorithm by timing (run the convolution once before capturing)");
    // Time the algorithms with as much workspace as the heuristics' hungriest one asks for
    // (up to 4 GiB), or as much of it as the device gives. The timing writes the output,
    // which the real call then overwrites.
    size_t budget = 0;
    for (int i = 0; i < count; i++) {
      if (perf[i].status == kCudnnSuccess) budget = std::max(budget, perf[i].memory);
    }
    budget = std::min(budget, size_t(4) << 30);
    std::unique_ptr<ScratchBuffer> workspace;
    while (workspace == nullptr) {
      try {
        workspace = std::make_unique<ScratchBuffer>(ctx_, std::max<size_t>(budget, 1));
      } catch (const OutOfMemory&) {
        if (budget == 0) throw;
        budget /= 2;
      }
    }
    int timed = 0;
    CudnnAlgoPerf measured[8] = {};
    void* space = workspace->data();
    switch (direction) {
      case kForward:
        library_.check(library_.forwardFind(handle_, p.image, image, p.weight, weight, p.convolution, p.output,
                                            const_cast<void*>(output), kCudnnForwardAlgorithms, &timed, measured,
                                            space, budget),
                       "cudnnFindConvolutionForwardAlgorithmEx");
        break;
      case kBackwardData:
        library_.check(library_.backwardDataFind(handle_, p.weight, weight, p.output, output, p.convolution, p.image,
                                                 const_cast<void*>(image), kCudnnBackwardDataAlgorithms, &timed,
                                                 measured, space, budget),
                       "cudnnFindConvolutionBackwardDataAlgorithmEx");
        break;
      case kBackwardFilter:
        library_.check(library_.backwardFilterFind(handle_, p.image, image, p.output, output, p.convolution, p.weight,
                                                   const_cast<void*>(weight), kCudnnBackwardFilterAlgorithms, &timed,
                                                   measured, space, budget),
                       "cudnnFindConvolutionBackwardFilterAlgorithmEx");
        break;
    }
    timed = std::min(timed, 8);
    for (int i = 0; i < timed; i++) {
      const CudnnAlgoPerf& m = measured[i];
      if (m.status != kCudnnSuccess || m.memory > budget) continue;
      if (g.deterministic && m.determinism != kCudnnDeterministic) continue;
      p.algorithm = m.algo;
      p.workspaceBytes = m.memory;
      return;
    }
  }
  for (int i = 0; i < count; i++) {
    const CudnnAlgoPerf& h = perf[i];
    if (h.status != kCudnnSuccess) continue;
    if (g.deterministic && h.determinism != kCudnnDeterministic) continue;
    size_t bytes = 0;
    cudnnStatusCode status = kCudnnSuccess;
    switch (direction) {
      case kForward:
        status = library_.forwardWorkspace(handle_, p.image, p.weight, p.convolution, p.output, h.algo, &bytes);
        break;
      case kBackwardData:
        status = library_.backwardDataWorkspace(handle_, p.weight, p.output, p.convolution, p.image, h.algo, &bytes);
        break;
      case kBackwardFilter:
        status = library_.backwardFilterWorkspace(handle_, p.image, p.output, p.convolution, p.weight, h.algo, &bytes);
        break;
    }
    if (status != kCudnnSuccess) continue;
    bytes = std::max(bytes, h.memory);
    if (bytes > 0) {
      // An algorithm whose workspace the device cannot hold now is passed over for the next
      // one, as PyTorch does.
      try {
        ScratchBuffer probe(ctx_, bytes);
      } catch (const OutOfMemory&) {
        continue;
      }
    }
    p.algorithm = h.algo;
    p.workspaceBytes = bytes;
    return;
  }
  throw Error(std::string("cuDNN found no ") + (g.deterministic ? "deterministic " : "") +
              "algorithm for this convolution that fits in the device's memory (" + what + ")");
}

void CudnnConvolutions::run(Plan& p, Direction direction, const void* image, const void* output, const void* weight) {
  const float oneF = 1, zeroF = 0;
  const double oneD = 1, zeroD = 0;
  const bool wide = p.dtype == DType::Float64;
  const void* one = wide ? (const void*)&oneD : (const void*)&oneF;
  const void* zero = wide ? (const void*)&zeroD : (const void*)&zeroF;
  std::unique_ptr<ScratchBuffer> workspace;
  if (p.workspaceBytes > 0) workspace = std::make_unique<ScratchBuffer>(ctx_, p.workspaceBytes);
  void* space = workspace == nullptr ? nullptr : workspace->data();
  switch (direction) {
    case kForward:
      library_.check(library_.forward(handle_, one, p.image, image, p.weight, weight, p.convolution, p.algorithm, space,
                                      p.workspaceBytes, zero, p.output, const_cast<void*>(output)),
                     "cudnnConvolutionForward");
      break;
    case kBackwardData:
      library_.check(library_.backwardData(handle_, one, p.weight, weight, p.output, output, p.convolution, p.algorithm,
                                           space, p.workspaceBytes, zero, p.image, const_cast<void*>(image)),
                     "cudnnConvolutionBackwardData");
      break;
    case kBackwardFilter:
      library_.check(library_.backwardFilter(handle_, one, p.image, image, p.output, output, p.convolution, p.algorithm,
                                             space, p.workspaceBytes, zero, p.weight, const_cast<void*>(weight)),
                     "cudnnConvolutionBackwardFilter");
      break;
  }
}

void CudnnConvolutions::forward(const ConvolutionArgs& a) {
  if (a.out.numel() == 0) return;
  refuseEmpty("convolution", {&a.input, &a.weight});
  const Geometry g = geometryOf(a);
  const bool withBias = a.bias.data != nullptr;
  Plan& p = plan(kForward, a.input, a.out, a.weight, g, withBias);
  if (p.algorithm < 0) choose(p, kForward, g, a.input.data, a.out.data, a.weight.data);
  run(p, kForward, a.input.data, a.out.data, a.weight.data);
  if (withBias) {
    const float oneF = 1;
    const double oneD = 1;
    const void* one = p.dtype == DType::Float64 ? (const void*)&oneD : (const void*)&oneF;
    library_.check(library_.addTensor(handle_, one, p.bias, a.bias.data, one, p.output, a.out.data), "cudnnAddTensor");
  }
}

void CudnnConvolutions::backwardInput(const ConvolutionBackwardInputArgs& a) {
  if (a.gradInput.numel() == 0) return;
  refuseEmpty("convolutionBackwardInput", {&a.gradOutput, &a.weight});
  const Geometry g = geometryOf(a);
  Plan& p = plan(kBackwardData, a.gradInput, a.gradOutput, a.weight, g, false);
  if (p.algorithm < 0) choose(p, kBackwardData, g, a.gradInput.data, a.gradOutput.data, a.weight.data);
  run(p, kBackwardData, a.gradInput.data, a.gradOutput.data, a.weight.data);
}

void CudnnConvolutions::backwardWeight(const ConvolutionBackwardWeightArgs& a) {
  if (a.gradWeight.numel() == 0) return;
  refuseEmpty("convolutionBackwardWeight", {&a.gradOutput, &a.input});
  const Geometry g = geometryOf(a);
  Plan& p = plan(kBackwardFilter, a.input, a.gradOutput, a.gradWeight, g, false);
  if (p.algorithm < 0) choose(p, kBackwardFilter, g, a.input.data, a.gradOutput.data, a.gradWeight.data);
  run(p, kBackwardFilter, a.input.data, a.gradOutput.data, a.gradWeight.data);
}

}  // namespace flint
