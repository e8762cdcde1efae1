// oneDNN's int8 matrix product (onednn_api.h), for the dynamically quantized linear layer
// (quantized_linear.cc): uint8 rows times int8 weights, summed in int32 and scaled to
// float32, as PyTorch's quantized engines compute it. oneDNN picks its VNNI or AVX-512
// kernels at run time, which a hand-written loop would have to redo per CPU.
//
// The rows (or, when there are more of them, the columns) are split over flint's own pool,
// each block a single-threaded oneDNN call: with
// oneDNN's OpenMP threads instead, flint's pool threads (which poll for a while after each
// parallel op) and OpenMP's compete for the same cores, and a small product took ten times
// as long. One primitive per (K, block width, N, scheme) serves every row count (M is given at each call),
// with the scales and the zero point given at each call too; plans are kept per backend, so
// that worker_threads share nothing.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "onednn_api.h"
#include "onednn_lanes.h"

namespace flint {

class ThreadPool;

// Made once per CPU backend; its base loads oneDNN and throws flint::Error when it cannot.
class OnednnInt8Matmul : private OnednnCpuEngine {
 public:
  OnednnInt8Matmul();   // both defined where Plan is complete
  ~OnednnInt8Matmul();

  // out[m, n] = scales[n or 0] · Σ_k (src[m, k] - srcZeroPoint) · weight[k, n], all
  // row-major and contiguous; `perChannel` says whether there are N scales or one. Returns
  // false, having written nothing, when this oneDNN has no kernel for the product (the
  // caller computes it another way); throws flint::Error when oneDNN fails otherwise.
  bool run(ThreadPool& pool, const uint8_t* src, const int8_t* weight, float* out, int64_t m, int64_t k, int64_t n,
           const float* scales, bool perChannel, int32_t srcZeroPoint);

  struct Plan;

 private:
  // {K, columns of the block, N, perChannel}.
  using Key = std::array<int64_t, 4>;
  Plan* planFor(const Key& key);

  std::map<Key, std::unique_ptr<Plan>> plans_;
};

}  // namespace flint
