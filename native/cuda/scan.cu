// Inclusive scans along each row of a contiguous [rows, cols] view on the GPU, by the rules
// the CPU walks with (flint/rules/scan.h): float sums and products accumulate in double,
// cummax and cummin move to the later index on a tie and to every NaN.
//
// Rows are cut into chunks so that a few long rows still fill the GPU: (1) each thread
// scans one chunk from the start state and keeps its final state; (2) one thread per row
// turns those into the state before each chunk; (3) each thread scans its chunk again from
// that state, writing the outputs. With many rows a chunk is a whole row and (1) and (2)
// are skipped.
#include <cstdint>

#include "common.cuh"
#include "flint/rules/scan.h"

namespace flint {

namespace {

using rules::ScanState;

template <class T>
__global__ void chunkStatesKernel(ScanOp op, const T* __restrict__ in, ScanState<T>* __restrict__ states, int64_t rows,
                                  int64_t cols, int64_t chunk, int64_t chunks) {
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < rows * chunks; t += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = t / chunks, k = t - r * chunks;
    const int64_t begin = k * chunk, end = begin + chunk < cols ? begin + chunk : cols;
    ScanState<T> s = rules::scanStart<T>(op);
    for (int64_t c = begin; c < end; c++) rules::scanStep(op, s, in[r * cols + c], c);
    states[t] = s;
  }
}

// Each chunk's own state becomes the state of the row before that chunk.
template <class T>
__global__ void chunkCarriesKernel(ScanOp op, ScanState<T>* __restrict__ states, int64_t rows, int64_t chunks) {
  for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < rows; r += (int64_t)gridDim.x * blockDim.x) {
    ScanState<T> carry = rules::scanStart<T>(op);
    for (int64_t k = 0; k < chunks; k++) {
      const ScanState<T> own = states[r * chunks + k];
      states[r * chunks + k] = carry;
      carry = rules::scanCombine(op, carry, own);
    }
  }
}

template <class T>
__global__ void scanChunksKernel(ScanOp op, const T* __restrict__ in, T* __restrict__ out, int64_t* __restrict__ indices,
                                 const ScanState<T>* __restrict__ carries, int64_t rows, int64_t cols, int64_t chunk,
                                 int64_t chunks) {
  for (int64_t t = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; t < rows * chunks; t += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = t / chunks, k = t - r * chunks;
    const int64_t begin = k * chunk, end = begin + chunk < cols ? begin + chunk : cols;
    ScanState<T> s = carries ? carries[t] : rules::scanStart<T>(op);
    for (int64_t c = begin; c < end; c++) {
      rules::scanStep(op, s, in[r * cols + c], c);
      out[r * cols + c] = rules::scanValue(op, s);
      if (indices) indices[r * cols + c] = s.index;
    }
  }
}

template <class T>
void scanTyped(CudaContext& ctx, const ScanArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (rows * cols == 0) return;
  const T* in = (const T*)a.input.data;
  T* out = (T*)a.out.data;
  int64_t* indices = (int64_t*)a.indices.data;
  // Enough threads to fill every SM several times over, each walking at least 256 elements.
  const int64_t wanted = (int64_t)ctx.smCount * 4 * kBlockThreads;
  int64_t chunk = cols;
  if (rows < wanted) {
    const int64_t perRow = (wanted + rows - 1) / rows;
    chunk = (cols + perRow - 1) / perRow;
    if (chunk < 256) chunk = 256;
  }
  const int64_t chunks = (cols + chunk - 1) / chunk;
  if (chunks == 1) {
    scanChunksKernel<T><<<gridFor(ctx, rows), kBlockThreads, 0, ctx.stream>>>(a.op, in, out, indices, nullptr, rows, cols,
                                                                               cols, 1);
    FLINT_CUDA_LAUNCH_CHECK();
    return;
  }
  ScratchBuffer states(ctx, (size_t)(rows * chunks) * sizeof(ScanState<T>));
  ScanState<T>* s = (ScanState<T>*)states.data();
  chunkStatesKernel<T><<<gridFor(ctx, rows * chunks), kBlockThreads, 0, ctx.stream>>>(a.op, in, s, rows, cols, chunk, chunks);
  FLINT_CUDA_LAUNCH_CHECK();
  chunkCarriesKernel<T><<<gridFor(ctx, rows), kBlockThreads, 0, ctx.stream>>>(a.op, s, rows, chunks);
  FLINT_CUDA_LAUNCH_CHECK();
  scanChunksKernel<T><<<gridFor(ctx, rows * chunks), kBlockThreads, 0, ctx.stream>>>(a.op, in, out, indices, s, rows, cols,
                                                                                      chunk, chunks);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void CudaBackend::scanImpl(const ScanArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: scanTyped<double>(context(), args); break;
    case DType::Int64: scanTyped<int64_t>(context(), args); break;
    default: scanTyped<float>(context(), args); break;
  }
}

}  // namespace flint
