// Convolution through cuDNN (the convolution, convolutionBackwardInput and
// convolutionBackwardWeight kernel entries): one per backend, created when a convolution
// first asks whether cuDNN is there. It owns the cuDNN handle, bound to the backend's stream,
// and a plan per convolution shape (descriptors and the chosen algorithm), so that a
// training loop asks cuDNN's heuristics, or times its algorithms, once per shape.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "cuda_backend.h"
#include "cudnn_api.h"

namespace flint {

class CudnnConvolutions {
 public:
  // Throws flint::Error when cuDNN cannot be loaded or initialized here.
  explicit CudnnConvolutions(CudaContext& ctx);
  ~CudnnConvolutions();
  CudnnConvolutions(const CudnnConvolutions&) = delete;
  CudnnConvolutions& operator=(const CudnnConvolutions&) = delete;

  // cudnnGetVersion(): 9xxyy for cuDNN 9.xx.yy, as torch.backends.cudnn.version().
  int64_t version() const { return (int64_t)library_.getVersion(); }

  void forward(const ConvolutionArgs& args);
  void backwardInput(const ConvolutionBackwardInputArgs& args);
  void backwardWeight(const ConvolutionBackwardWeightArgs& args);

  // What every direction shares: the geometry and the math options of one call.
  struct Geometry {
    int stride[3], padding[3], dilation[3], groups;
    bool allowTF32, benchmark, deterministic;
  };
  struct Plan;

 private:
  enum Direction { kForward, kBackwardData, kBackwardFilter };
  Plan& plan(Direction direction, const TensorView& image, const TensorView& output, const TensorView& weight,
             const Geometry& geometry, bool withBias);
  // Picks the plan's algorithm and workspace on its first use: cuDNN's heuristic order, or
  // with `benchmark` its measured order, skipping what fails, what is not deterministic when
  // that was asked, and what needs more workspace than the device can give.
  void choose(Plan& plan, Direction direction, const Geometry& geometry, const void* image, const void* output,
              const void* weight);
  void run(Plan& plan, Direction direction, const void* image, const void* output, const void* weight);

  CudaContext& ctx_;
  CudnnLibrary library_;
  cudnnHandle handle_ = nullptr;
  std::map<std::vector<int64_t>, std::unique_ptr<Plan>> plans_;
};

}  // namespace flint
