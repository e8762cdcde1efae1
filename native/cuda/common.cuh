// Device-side helpers shared by the kernel families: launch shapes, and strided offset
// math with dimensions collapsed on the host. Value conversion is flint/rules/convert.h.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "cuda_backend.h"
#include "flint/layout.h"
#include "flint/rules/convert.h"

namespace flint {

// ---- launch shapes ------------------------------------------------------------------
constexpr int kBlockThreads = 256;

// Blocks for a grid-stride loop over `n` items of `perThread` elements each: enough to
// fill every SM several times over, never more than the work needs.
inline unsigned gridFor(const CudaContext& ctx, int64_t n, int perThread = 1, int threads = kBlockThreads) {
  const int64_t items = (n + perThread - 1) / perThread;
  int64_t blocks = (items + threads - 1) / threads;
  const int64_t cap = (int64_t)ctx.smCount * 8;
  if (blocks > cap) blocks = cap;
  return (unsigned)(blocks < 1 ? 1 : blocks);
}

// ---- strided offsets ----------------------------------------------------------------
// a / b for the offset walks: in 32 bits when both fit (nearly always), since a 64-bit
// division is a long software routine on the GPU and the strided kernels did three per
// element (a permuting copy ran at a quarter of the bandwidth). The branch is uniform
// across a warp in practice, so it costs little when it is not taken.
__device__ __forceinline__ uint64_t divideIndex(uint64_t a, uint64_t b) {
  if (((a | b) >> 32) == 0) return (uint32_t)a / (uint32_t)b;
  return a / b;
}


// Byte offsets of K operands for a linear (row-major) element index. Dimensions are kept
// innermost first, and the host merges dimensions that are contiguous in every operand,
// so a transposed or broadcast view usually costs one or two divisions per element.
template <int K>
struct OffsetCalc {
  int ndim;
  int64_t sizes[kMaxDims];
  int64_t strides[K][kMaxDims];  // bytes

  __device__ __forceinline__ void get(int64_t linear, int64_t (&offsets)[K]) const {
#pragma unroll
    for (int k = 0; k < K; k++) offsets[k] = 0;
    for (int d = 0; d < ndim; d++) {
      const int64_t size = sizes[d];
      const int64_t next = (int64_t)divideIndex((uint64_t)linear, (uint64_t)size);
      const int64_t i = linear - next * size;
      linear = next;
#pragma unroll
      for (int k = 0; k < K; k++) offsets[k] += i * strides[k][d];
    }
  }
};

// Builds the calculator for views that share views[0]'s shape (already broadcast).
template <int K>
OffsetCalc<K> makeOffsetCalc(const TensorView* const (&views)[K]) {
  OffsetCalc<K> calc{};
  const TensorView& first = *views[0];
  int n = 0;
  for (int d = first.ndim - 1; d >= 0; d--) {
    const int64_t size = first.shape[d];
    if (size == 1) continue;
    if (n > 0) {
      bool mergeable = true;
      for (int k = 0; k < K; k++) {
        const int64_t stride = views[k]->strides[d] * (int64_t)views[k]->itemsize();
        if (stride != calc.strides[k][n - 1] * calc.sizes[n - 1]) mergeable = false;
      }
      if (mergeable) {
        calc.sizes[n - 1] *= size;
        continue;
      }
    }
    calc.sizes[n] = size;
    for (int k = 0; k < K; k++) calc.strides[k][n] = views[k]->strides[d] * (int64_t)views[k]->itemsize();
    n++;
  }
  calc.ndim = n;
  return calc;
}

// True when every view is contiguous (row-major, no gaps) with views[0]'s element count.
template <int K>
bool allContiguous(const TensorView* const (&views)[K]) {
  for (int k = 0; k < K; k++) {
    if (!views[k]->isContiguous() || views[k]->numel() != views[0]->numel()) return false;
  }
  return true;
}

// 16-byte alignment of every pointer, the condition for vector loads.
template <int K>
bool allAligned16(const void* const (&ptrs)[K]) {
  for (int k = 0; k < K; k++) {
    if (((uintptr_t)ptrs[k] & 15) != 0) return false;
  }
  return true;
}

// Warp-level sum (all 32 lanes participate).
template <class T>
__device__ __forceinline__ T warpSum(T v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Sets a deferred error bit (see DeviceErrorBits).
__device__ __forceinline__ void raiseDeviceError(int* flags, int bit) { atomicOr(flags, bit); }

}  // namespace flint
