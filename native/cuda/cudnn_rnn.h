// Recurrent stacks through cuDNN's RNN API (the cudnnRnn* entries): one per backend,
// created when a recurrent layer first asks. It owns a cuDNN handle bound to the backend's
// stream, the dropout states (made once, as PyTorch keeps one per device), and a plan per
// stack and batch shape: the RNN, data and state descriptors, the weight layout and the
// workspace and reserve sizes.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "cuda_backend.h"
#include "cudnn_api.h"

namespace flint {

class CudnnRnns {
 public:
  // Throws flint::Error when cuDNN or its RNN entry points cannot be loaded here.
  explicit CudnnRnns(CudaContext& ctx);
  ~CudnnRnns();
  CudnnRnns(const CudnnRnns&) = delete;
  CudnnRnns& operator=(const CudnnRnns&) = delete;

  CudnnRnnLayout layout(const CudnnRnnConfig& config);
  void forward(const CudnnRnnForwardArgs& args);
  void backwardData(const CudnnRnnBackwardDataArgs& args);
  void backwardWeights(const CudnnRnnBackwardWeightsArgs& args);

  struct Plan;

 private:
  Plan& plan(const CudnnRnnConfig& config);
  // The device copy of the sequence lengths that cuDNN's v8 calls read.
  int32_t* uploadLengths(const Plan& plan, ScratchBuffer& into);

  CudaContext& ctx_;
  CudnnLibrary library_;
  CudnnRnnApi api_;
  cudnnHandle handle_ = nullptr;
  // cuDNN's dropout states, one buffer that every plan which drops out shares (through
  // cudnnRestoreDropoutDescriptor): made by the first, seeded by a forward when the
  // generator says so (first use, and after manualSeed). Held outside the caching allocator
  // (cudaMalloc), since they live as long as this object.
  void* dropoutStates_ = nullptr;
  size_t dropoutStateBytes_ = 0;
  std::map<std::vector<int64_t>, std::unique_ptr<Plan>> plans_;
};

}  // namespace flint
