// CPU convolutions through oneDNN (onednn_api.h): the `convolution*` entries, forward,
// backward-data and backward-weights, for contiguous float32 tensors. Each call lets oneDNN
// pick its preferred (blocked) layouts, reorders the operands into them and the result back,
// as PyTorch's CPU convolutions do through ideep. Primitives are built once per shape and
// kept, per backend, so that worker_threads share nothing.
#pragma once
#include <array>
#include <map>
#include <memory>

#include "flint/kernels.generated.h"
#include "onednn_api.h"

namespace flint {

class OnednnConvolutions {
 public:
  // Loads oneDNN and makes a CPU engine and stream. Throws flint::Error when it cannot.
  OnednnConvolutions();
  ~OnednnConvolutions();
  OnednnConvolutions(const OnednnConvolutions&) = delete;
  OnednnConvolutions& operator=(const OnednnConvolutions&) = delete;

  int version() const { return library_.versionNumber(); }

  // Each runs on the calling thread and `threads` OpenMP threads (flint's pool size, which
  // torch.setNumThreads sets); plans are kept per thread count.
  void forward(const ConvolutionArgs& a, int threads);
  void backwardData(const ConvolutionBackwardInputArgs& a, int threads);
  void backwardWeights(const ConvolutionBackwardWeightArgs& a, int threads);

  // Frees the workspace kept between calls (the backend's emptyCache).
  void releaseWorkspace();
  // Bytes of workspace kept for reuse (counted among the backend's cached bytes).
  size_t workspaceBytes();

  // The geometry and direction a plan is built for (its map key).
  using Key = std::array<int64_t, 23>;
  struct Plan;
  struct Operand;
  class Workspace;

 private:
  template <class Args>
  Plan& planFor(int direction, const Args& a, const TensorView& image, const TensorView& weight,
                const TensorView& output, bool withBias, int threads);
  void setThreads(int threads);
  void run(Plan& plan, char* image, char* weight, char* output, char* bias);
  void reorder(Operand& operand, onednnMemory from, onednnMemory to);

  OnednnLibrary library_;
  onednnEngine engine_ = nullptr;
  onednnStream stream_ = nullptr;
  std::unique_ptr<Workspace> workspace_;
  std::map<Key, std::unique_ptr<Plan>> plans_;
};

}  // namespace flint
