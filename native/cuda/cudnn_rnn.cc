#include "cudnn_rnn.h"

#include <cstring>
#include <string>

#include "flint/status.h"

namespace flint {

namespace {

// Plans are kept per stack and batch shape; a run over many distinct packed lengths would
// otherwise keep a plan for each.
constexpr size_t kMaxPlans = 64;

int dataTypeOf(DType dtype) {
  switch (dtype) {
    case DType::Float32: return kCudnnDataFloat;
    case DType::Float64: return kCudnnDataDouble;
    case DType::Float16: return kCudnnDataHalf;
    default: throw Error(std::string("cuDNN RNN: expected float32, float64 or float16 tensors, got ") + dtypeName(dtype));
  }
}

int gatesOf(int mode) { return mode == kCudnnLstm ? 4 : mode == kCudnnGru ? 3 : 1; }
int directionsOf(const CudnnRnnConfig& c) { return c.bidirectional ? 2 : 1; }
bool projects(const CudnnRnnConfig& c) { return c.mode == kCudnnLstm && c.projSize != c.hiddenSize; }

int64_t rowsOf(const CudnnRnnConfig& c) {
  int64_t rows = 0;
  for (int32_t length : c.seqLengths) rows += length;
  return rows;
}

// What cuDNN is told must describe the views exactly: every size is checked here, once, so
// that cuDNN never reads or writes past a storage.
void checkConfig(const char* op, const CudnnRnnConfig& c) {
  const std::string at = std::string(op) + ": ";
  FLINT_CHECK(c.mode >= kCudnnRnnRelu && c.mode <= kCudnnGru, at + "unknown RNN mode " + std::to_string(c.mode));
  FLINT_CHECK(c.inputSize >= 1 && c.hiddenSize >= 1 && c.numLayers >= 1,
              at + "inputSize, hiddenSize and numLayers must be positive");
  if (c.mode == kCudnnLstm) {
    FLINT_CHECK(c.projSize >= 1 && c.projSize <= c.hiddenSize, at + "projSize must be in [1, hiddenSize]");
  } else {
    FLINT_CHECK(c.projSize == c.hiddenSize, at + "only LSTM projects its hidden state");
  }
  FLINT_CHECK(c.dropout >= 0 && c.dropout < 1, at + "dropout must be in [0, 1)");
  FLINT_CHECK(!c.seqLengths.empty(), at + "the batch must hold at least one sequence");
  for (size_t b = 0; b < c.seqLengths.size(); b++) {
    FLINT_CHECK(c.seqLengths[b] >= 1, at + "every sequence must have at least one step");
    FLINT_CHECK(b == 0 || c.seqLengths[b] <= c.seqLengths[b - 1], at + "sequence lengths must not increase");
  }
  FLINT_CHECK(c.seqLengths.size() <= 0x7fffffff, at + "too many sequences");
  dataTypeOf(c.dtype);
}

void checkView(const char* op, const char* name, const TensorView& view, DType dtype, int64_t numel) {
  const std::string at = std::string(op) + ": " + name;
  FLINT_CHECK(view.data != nullptr, at + " is required");
  FLINT_CHECK(view.dtype == dtype, at + " must be " + dtypeName(dtype) + ", got " + dtypeName(view.dtype));
  FLINT_CHECK(view.isContiguous(), at + " must be contiguous");
  FLINT_CHECK(view.numel() == numel, at + " must hold " + std::to_string(numel) + " elements, got " +
                                         std::to_string(view.numel()));
}

// A cell state (LSTM) is given exactly when the mode has one; `optional` ones may be absent.
void checkCell(const char* op, const char* name, const TensorView& view, const CudnnRnnConfig& c, int64_t numel,
               bool optional) {
  if (c.mode != kCudnnLstm) {
    FLINT_CHECK(view.data == nullptr, std::string(op) + ": " + name + " is for LSTM only");
    return;
  }
  if (optional && view.data == nullptr) return;
  checkView(op, name, view, c.dtype, numel);
}

void checkReserve(const char* op, const TensorView& reserve, size_t bytes) {
  FLINT_CHECK(reserve.data != nullptr, std::string(op) + ": the reserve space of a training forward is required");
  FLINT_CHECK(reserve.dtype == DType::UInt8 && reserve.isContiguous() && (size_t)reserve.numel() >= bytes,
              std::string(op) + ": the reserve space must be " + std::to_string(bytes) + " contiguous bytes (uint8)");
}

int64_t elementBytes(DType dtype) { return dtype == DType::Float64 ? 8 : dtype == DType::Float16 ? 2 : 4; }

}  // namespace

struct CudnnRnns::Plan {
  const CudnnLibrary* library = nullptr;
  const CudnnRnnApi* api = nullptr;
  cudnnDropoutDesc dropout = nullptr;
  cudnnRnnDesc rnn = nullptr;
  cudnnRnnDataDesc x = nullptr, y = nullptr;
  cudnnTensorDesc h = nullptr, c = nullptr;
  size_t weightBytes = 0, workBytes = 0, reserveBytes = 0;
  int64_t rows = 0;
  std::vector<int32_t> lengths;
  CudnnRnnLayout layout;
  ~Plan() {
    if (x != nullptr) api->destroyRnnData(x);
    if (y != nullptr) api->destroyRnnData(y);
    if (h != nullptr) library->destroyTensor(h);
    if (c != nullptr) library->destroyTensor(c);
    if (rnn != nullptr) api->destroyRnn(rnn);
    if (dropout != nullptr) api->destroyDropout(dropout);
  }
};

CudnnRnns::CudnnRnns(CudaContext& ctx) : ctx_(ctx), api_(library_) {
  FLINT_CUDA_CHECK(cudaSetDevice(ctx.device));
  handle_ = library_.createHandle(ctx.stream);
}

CudnnRnns::~CudnnRnns() {
  plans_.clear();
  if (handle_ != nullptr) library_.destroy(handle_);
  if (dropoutStates_ != nullptr) cudaFree(dropoutStates_);
}

CudnnRnns::Plan& CudnnRnns::plan(const CudnnRnnConfig& config) {
  int64_t dropoutBits = 0;
  std::memcpy(&dropoutBits, &config.dropout, sizeof(dropoutBits));
  std::vector<int64_t> key = {config.mode,          config.inputSize,     config.hiddenSize, config.projSize,
                              config.numLayers,     config.bidirectional, config.bias,       (int64_t)config.dtype,
                              config.training,      dropoutBits,          config.allowTF32};
  key.insert(key.end(), config.seqLengths.begin(), config.seqLengths.end());
  auto found = plans_.find(key);
  if (found != plans_.end()) return *found->second;
  if (plans_.size() >= kMaxPlans) plans_.clear();

  auto made = std::make_unique<Plan>();
  Plan& p = *made;
  p.library = &library_;
  p.api = &api_;
  p.lengths = config.seqLengths;
  p.rows = rowsOf(config);
  const int type = dataTypeOf(config.dtype);
  const int dirs = directionsOf(config);
  const int batch = (int)config.seqLengths.size();

  // Dropout between layers, in training only: the plan points at the shared states, which
  // forward() seeds (re-running cuDNN's state kernel only then).
  library_.check(api_.createDropout(&p.dropout), "cudnnCreateDropoutDescriptor");
  if (config.training && config.dropout > 0) {
    if (dropoutStates_ == nullptr) {
      size_t bytes = 0;
      library_.check(api_.dropoutStatesSize(handle_, &bytes), "cudnnDropoutGetStatesSize");
      FLINT_CUDA_CHECK(cudaSetDevice(ctx_.device));
      FLINT_CUDA_CHECK(cudaMalloc(&dropoutStates_, bytes));
      dropoutStateBytes_ = bytes;
    }
    library_.check(api_.restoreDropout(p.dropout, handle_, (float)config.dropout, dropoutStates_, dropoutStateBytes_, 0),
                   "cudnnRestoreDropoutDescriptor");
  } else {
    library_.check(api_.setDropout(p.dropout, handle_, 0.0f, nullptr, 0, 0), "cudnnSetDropoutDescriptor");
  }

  // float16 multiplies on tensor cores and accumulates in float32; float32 may use TF32
  // as torch.backends.cudnn.allowTF32 says, as for convolutions.
  int mathPrec = type, mathType = kCudnnDefaultMath;
  if (config.dtype == DType::Float16) {
    mathPrec = kCudnnDataFloat;
    mathType = kCudnnTensorOpMath;
  } else if (config.dtype == DType::Float32 && !config.allowTF32) {
    mathType = kCudnnFmaMath;
  }
  library_.check(api_.createRnn(&p.rnn), "cudnnCreateRNNDescriptor");
  library_.check(api_.setRnn(p.rnn, kCudnnRnnAlgoStandard, config.mode, config.bias ? kCudnnRnnDoubleBias : kCudnnRnnNoBias,
                             config.bidirectional ? kCudnnBidirectional : kCudnnUnidirectional, kCudnnLinearInput, type,
                             mathPrec, mathType, config.inputSize, config.hiddenSize, config.projSize, config.numLayers,
                             p.dropout, 0),
                 "cudnnSetRNNDescriptor_v8");

  library_.check(api_.createRnnData(&p.x), "cudnnCreateRNNDataDescriptor");
  library_.check(api_.setRnnData(p.x, type, kCudnnRnnSeqMajorPacked, p.lengths[0], batch, config.inputSize,
                                 p.lengths.data(), nullptr),
                 "cudnnSetRNNDataDescriptor (x)");
  library_.check(api_.createRnnData(&p.y), "cudnnCreateRNNDataDescriptor");
  library_.check(api_.setRnnData(p.y, type, kCudnnRnnSeqMajorPacked, p.lengths[0], batch, dirs * config.projSize,
                                 p.lengths.data(), nullptr),
                 "cudnnSetRNNDataDescriptor (y)");
  const int states = config.numLayers * dirs;
  const int hDims[3] = {states, batch, config.projSize}, hStrides[3] = {batch * config.projSize, config.projSize, 1};
  const int cDims[3] = {states, batch, config.hiddenSize}, cStrides[3] = {batch * config.hiddenSize, config.hiddenSize, 1};
  library_.check(library_.createTensor(&p.h), "cudnnCreateTensorDescriptor");
  library_.check(library_.setTensorNd(p.h, type, 3, hDims, hStrides), "cudnnSetTensorNdDescriptor (h)");
  library_.check(library_.createTensor(&p.c), "cudnnCreateTensorDescriptor");
  library_.check(library_.setTensorNd(p.c, type, 3, cDims, cStrides), "cudnnSetTensorNdDescriptor (c)");

  library_.check(api_.weightSpaceSize(handle_, p.rnn, &p.weightBytes), "cudnnGetRNNWeightSpaceSize");
  library_.check(api_.tempSpaceSizes(handle_, p.rnn, config.training ? kCudnnFwdModeTraining : kCudnnFwdModeInference,
                                     p.x, &p.workBytes, &p.reserveBytes),
                 "cudnnGetRNNTempSpaceSizes");

  // The layout: cuDNN says where each matrix and bias lies in a weight space; we ask it of
  // a scratch one and keep the offsets, checked against the sizes the stack implies.
  const int64_t elem = elementBytes(config.dtype);
  FLINT_CHECK(p.weightBytes % elem == 0, "cuDNN RNN: the weight space is not a whole number of elements");
  CudnnRnnLayout& layout = p.layout;
  layout.weightElements = (int64_t)(p.weightBytes / elem);
  layout.reserveBytes = (int64_t)p.reserveBytes;
  const int gates = gatesOf(config.mode);
  layout.linearLayers = 2 * gates + (projects(config) ? 1 : 0);
  layout.matrixOffsets.assign((size_t)states * layout.linearLayers, -1);
  layout.biasOffsets.assign((size_t)states * layout.linearLayers, -1);
  ScratchBuffer space(ctx_, std::max<size_t>(p.weightBytes, 1));
  cudnnTensorDesc matrixDesc = nullptr, biasDesc = nullptr;
  library_.check(library_.createTensor(&matrixDesc), "cudnnCreateTensorDescriptor");
  library_.check(library_.createTensor(&biasDesc), "cudnnCreateTensorDescriptor");
  try {
    // The offset of a matrix or bias cuDNN placed at `address`, checked to hold `numel`.
    auto offsetOf = [&](void* address, cudnnTensorDesc desc, int64_t numel, const char* what) -> int64_t {
      int dataType = 0, nbDims = 0, dims[8] = {0}, strides[8] = {0};
      library_.check(api_.getTensorNd(desc, 8, &dataType, &nbDims, dims, strides), "cudnnGetTensorNdDescriptor");
      int64_t described = 1;
      for (int d = 0; d < nbDims && d < 8; d++) described *= dims[d];
      FLINT_CHECK(described == numel, std::string("cuDNN RNN: the ") + what + " cuDNN laid out holds " +
                                          std::to_string(described) + " elements, expected " + std::to_string(numel));
      const int64_t bytes = (int64_t)((char*)address - (char*)space.data());
      FLINT_CHECK(bytes >= 0 && bytes % elem == 0 && bytes / elem + numel <= layout.weightElements,
                  std::string("cuDNN RNN: the ") + what + " lies outside the weight space");
      return bytes / elem;
    };
    for (int k = 0; k < states; k++) {
      const int64_t width = k < dirs ? config.inputSize : (int64_t)dirs * config.projSize;
      for (int id = 0; id < layout.linearLayers; id++) {
        void* matrix = nullptr;
        void* bias = nullptr;
        library_.check(api_.weightParams(handle_, p.rnn, k, p.weightBytes, space.data(), id, matrixDesc, &matrix,
                                         biasDesc, &bias),
                       "cudnnGetRNNWeightParams");
        const bool projection = id == 2 * gates;
        const int64_t rows = projection ? config.projSize : config.hiddenSize;
        const int64_t cols = projection ? config.hiddenSize : id < gates ? width : config.projSize;
        FLINT_CHECK(matrix != nullptr, "cuDNN RNN: cuDNN gave no address for a weight matrix");
        const size_t slot = (size_t)k * layout.linearLayers + id;
        layout.matrixOffsets[slot] = offsetOf(matrix, matrixDesc, rows * cols, "weight matrix");
        if (config.bias && !projection) {
          FLINT_CHECK(bias != nullptr, "cuDNN RNN: cuDNN gave no address for a bias");
          layout.biasOffsets[slot] = offsetOf(bias, biasDesc, rows, "bias");
        }
      }
    }
  } catch (...) {
    library_.destroyTensor(matrixDesc);
    library_.destroyTensor(biasDesc);
    throw;
  }
  library_.destroyTensor(matrixDesc);
  library_.destroyTensor(biasDesc);

  Plan& kept = *made;
  plans_.emplace(std::move(key), std::move(made));
  return kept;
}

int32_t* CudnnRnns::uploadLengths(const Plan& p, ScratchBuffer& into) {
  // From pageable memory: the copy is staged before cudaMemcpyAsync returns, so the plan's
  // vector may change afterwards.
  FLINT_CUDA_CHECK(cudaMemcpyAsync(into.data(), p.lengths.data(), p.lengths.size() * sizeof(int32_t),
                                   cudaMemcpyHostToDevice, ctx_.stream));
  return (int32_t*)into.data();
}

CudnnRnnLayout CudnnRnns::layout(const CudnnRnnConfig& config) {
  checkConfig("cudnnRnnPlan", config);
  return plan(config).layout;
}

void CudnnRnns::forward(const CudnnRnnForwardArgs& a) {
  const char* op = "cudnnRnnForward";
  const CudnnRnnConfig& c = a.config;
  checkConfig(op, c);
  Plan& p = plan(c);
  const int64_t dirs = directionsOf(c), batch = (int64_t)c.seqLengths.size(), states = c.numLayers * dirs;
  checkView(op, "x", a.x, c.dtype, p.rows * c.inputSize);
  checkView(op, "y", a.y, c.dtype, p.rows * dirs * c.projSize);
  checkView(op, "hx", a.hx, c.dtype, states * batch * c.projSize);
  checkView(op, "hy", a.hy, c.dtype, states * batch * c.projSize);
  checkCell(op, "cx", a.cx, c, states * batch * c.hiddenSize, false);
  checkCell(op, "cy", a.cy, c, states * batch * c.hiddenSize, false);
  checkView(op, "weights", a.weights, c.dtype, p.layout.weightElements);
  if (c.training) {
    checkReserve(op, a.reserve, p.reserveBytes);
  } else {
    FLINT_CHECK(a.reserve.data == nullptr, std::string(op) + ": an inference forward keeps no reserve space");
  }
  if (c.training && c.dropout > 0 && ctx_.backend->rnnDropoutNeedsSeed()) {
    // (Re)seeds the shared states through this plan's descriptor, as PyTorch does on the
    // first dropout and after manual_seed.
    const uint64_t seed = ctx_.backend->drawRnnDropoutSeed();
    library_.check(api_.setDropout(p.dropout, handle_, (float)c.dropout, dropoutStates_, dropoutStateBytes_, seed),
                   "cudnnSetDropoutDescriptor");
    ctx_.backend->rnnDropoutSeeded();
  }
  ScratchBuffer lengths(ctx_, p.lengths.size() * sizeof(int32_t));
  ScratchBuffer work(ctx_, std::max<size_t>(p.workBytes, 1));
  library_.check(api_.forward(handle_, p.rnn, c.training ? kCudnnFwdModeTraining : kCudnnFwdModeInference,
                              uploadLengths(p, lengths), p.x, a.x.data, p.y, a.y.data, p.h, a.hx.data, a.hy.data, p.c,
                              a.cx.data, a.cy.data, p.weightBytes, a.weights.data, p.workBytes, work.data(),
                              c.training ? p.reserveBytes : 0, c.training ? a.reserve.data : nullptr),
                 "cudnnRNNForward");
}

void CudnnRnns::backwardData(const CudnnRnnBackwardDataArgs& a) {
  const char* op = "cudnnRnnBackwardData";
  const CudnnRnnConfig& c = a.config;
  checkConfig(op, c);
  FLINT_CHECK(c.training, std::string(op) + ": only a training forward has a backward");
  Plan& p = plan(c);
  const int64_t dirs = directionsOf(c), batch = (int64_t)c.seqLengths.size(), states = c.numLayers * dirs;
  checkView(op, "y", a.y, c.dtype, p.rows * dirs * c.projSize);
  checkView(op, "dy", a.dy, c.dtype, p.rows * dirs * c.projSize);
  checkView(op, "dx", a.dx, c.dtype, p.rows * c.inputSize);
  checkView(op, "hx", a.hx, c.dtype, states * batch * c.projSize);
  checkView(op, "dhx", a.dhx, c.dtype, states * batch * c.projSize);
  if (a.dhy.data != nullptr) checkView(op, "dhy", a.dhy, c.dtype, states * batch * c.projSize);
  checkCell(op, "cx", a.cx, c, states * batch * c.hiddenSize, false);
  checkCell(op, "dcx", a.dcx, c, states * batch * c.hiddenSize, false);
  checkCell(op, "dcy", a.dcy, c, states * batch * c.hiddenSize, true);
  checkView(op, "weights", a.weights, c.dtype, p.layout.weightElements);
  checkReserve(op, a.reserve, p.reserveBytes);
  ScratchBuffer lengths(ctx_, p.lengths.size() * sizeof(int32_t));
  ScratchBuffer work(ctx_, std::max<size_t>(p.workBytes, 1));
  library_.check(api_.backwardData(handle_, p.rnn, uploadLengths(p, lengths), p.y, a.y.data, a.dy.data, p.x, a.dx.data,
                                   p.h, a.hx.data, a.dhy.data, a.dhx.data, p.c, a.cx.data, a.dcy.data, a.dcx.data,
                                   p.weightBytes, a.weights.data, p.workBytes, work.data(), p.reserveBytes,
                                   a.reserve.data),
                 "cudnnRNNBackwardData_v8");
}

void CudnnRnns::backwardWeights(const CudnnRnnBackwardWeightsArgs& a) {
  const char* op = "cudnnRnnBackwardWeights";
  const CudnnRnnConfig& c = a.config;
  checkConfig(op, c);
  FLINT_CHECK(c.training, std::string(op) + ": only a training forward has a backward");
  Plan& p = plan(c);
  const int64_t dirs = directionsOf(c), batch = (int64_t)c.seqLengths.size(), states = c.numLayers * dirs;
  checkView(op, "x", a.x, c.dtype, p.rows * c.inputSize);
  checkView(op, "hx", a.hx, c.dtype, states * batch * c.projSize);
  checkView(op, "y", a.y, c.dtype, p.rows * dirs * c.projSize);
  checkView(op, "dweights", a.dweights, c.dtype, p.layout.weightElements);
  checkReserve(op, a.reserve, p.reserveBytes);
  ScratchBuffer lengths(ctx_, p.lengths.size() * sizeof(int32_t));
  ScratchBuffer work(ctx_, std::max<size_t>(p.workBytes, 1));
  // cuDNN's v8 weight gradient only adds (CUDNN_WGRAD_MODE_ADD).
  FLINT_CUDA_CHECK(cudaMemsetAsync(a.dweights.data, 0, p.weightBytes, ctx_.stream));
  library_.check(api_.backwardWeights(handle_, p.rnn, kCudnnWgradModeAdd, uploadLengths(p, lengths), p.x, a.x.data,
                                      p.h, a.hx.data, p.y, a.y.data, p.weightBytes, a.dweights.data, p.workBytes,
                                      work.data(), p.reserveBytes, a.reserve.data),
                 "cudnnRNNBackwardWeights_v8");
}

}  // namespace flint
