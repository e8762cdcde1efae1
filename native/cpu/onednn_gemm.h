// oneDNN's float32 matrix product, for CpuBackend::gemmRun (matmul.cc) where it measures
// faster than OpenBLAS: oneDNN's brgemm kernels (AVX-512 and up) reach 200-220 GFLOP/s on
// a Transformer layer's products (1024 rows, K = 256 or 1024) on a 2-core AVX-512 VM, where
// Debian's OpenBLAS 0.3.21 reaches 116-180 (bench/README.md). Where oneDNN would pick
// another kernel (an AVX2 machine), the product stays with OpenBLAS, which is as fast there.
//
// As the int8 product (onednn_matmul.h): blocks of rows, each a single-threaded oneDNN call
// on flint's pool; one primitive per layout (transposes, K, N, leading dimensions, bias)
// and block height; plans are kept per backend, so that worker_threads share nothing.
// The bias is oneDNN's own ([1, N], added in the kernel's epilogue, as Linear's addmm).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "flint/backend.h"
#include "onednn_api.h"
#include "onednn_lanes.h"

namespace flint {

class ThreadPool;

// Made once per CPU backend; its base loads oneDNN and throws flint::Error when it cannot.
// A new row count makes new plans (oneDNN's brgemm is built for known sizes), each a JIT
// compile the first time oneDNN sees it, as PyTorch's oneDNN matmul pays.
class OnednnFloatGemm : private OnednnCpuEngine {
 public:
  OnednnFloatGemm();   // both defined where Plan is complete
  ~OnednnFloatGemm();

  // Whether run() takes products of this form at all: float32, one batch entry, alpha 1,
  // and either no bias and beta 0 or a row-vector bias ([N], not C itself) and beta 1.
  static bool accepts(const GemmArgs& g);
  // Computes `g` (which accepts() took) and returns true; returns false, having written
  // nothing, when oneDNN has no brgemm kernel for its layout (the caller uses OpenBLAS).
  // Throws flint::Error when oneDNN fails otherwise.
  bool run(ThreadPool& pool, const GemmArgs& g);
  // Frees the plans and the lanes' scratchpads (torch's emptyCache); they are made again
  // when next needed (oneDNN's own primitive cache keeps the kernels).
  void releaseMemory();

  struct Plan;

 private:
  // {transA, transB, K, N, lda, ldb, ldc, bias, rows}.
  using Key = std::array<int64_t, 9>;
  Plan* planFor(const Key& key);

  std::map<Key, std::unique_ptr<Plan>> plans_;
};

}  // namespace flint
