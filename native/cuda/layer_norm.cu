// Layer normalization over the last dimension of contiguous [rows, cols] float32/float64
// tensors, and its backward. Rows are reduced by a warp (cols <= 1024) or a block, in the
// input's precision with two passes (mean, then centred squares: no cancellation when
// the values share a large offset). The weight/bias gradients are column sums: per-block partials over
// fixed row chunks, then a second pass, so they are deterministic.
#include <algorithm>
#include <string>

#include "common.cuh"

namespace flint {

namespace {

constexpr int kWarpsPerBlock = kBlockThreads / 32;

// Sum over the block (every thread must call it: it synchronizes).
template <class A>
__device__ __forceinline__ A blockSum(A v) {
  __shared__ A partial[kWarpsPerBlock];
  v = warpSum(v);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
  __syncthreads();
  A total = 0;
  for (int w = 0; w < kWarpsPerBlock; w++) total += partial[w];
  __syncthreads();  // `partial` is reused by the next call
  return total;
}

// Rows of more than 1024 values: a block per row, reading the row from global memory
// (cached) on each pass. The row loop is uniform over the block.
#define FLINT_BLOCK_ROW_LOOP(ROWS) \
  for (int64_t row = blockIdx.x; row < (ROWS); row += gridDim.x)

template <class T>
__global__ void layerNormBlockKernel(const T* __restrict__ x, const T* __restrict__ weight,
                                     const T* __restrict__ bias, T* __restrict__ y, T* __restrict__ meanOut,
                                     T* __restrict__ rstdOut, int64_t rows, int64_t cols, T eps) {
  FLINT_BLOCK_ROW_LOOP(rows) {
    const T* xr = x + row * cols;
    T sum = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += xr[c];
    const T mean = blockSum(sum) / (T)cols;
    T squares = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const T d = xr[c] - mean;
      squares += d * d;
    }
    const T rstd = T(1) / sqrt(blockSum(squares) / (T)cols + eps);
    if (threadIdx.x == 0) {
      meanOut[row] = mean;
      rstdOut[row] = rstd;
    }
    T* yr = y + row * cols;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      T v = (xr[c] - mean) * rstd;
      if (weight) v *= weight[c];
      if (bias) v += bias[c];
      yr[c] = v;
    }
  }
}

// gradInput = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat)), per row.
template <class T>
__global__ void layerNormGradInputBlockKernel(const T* __restrict__ g, const T* __restrict__ x,
                                              const T* __restrict__ meanIn, const T* __restrict__ rstdIn,
                                              const T* __restrict__ weight, T* __restrict__ gradInput, int64_t rows,
                                              int64_t cols) {
  FLINT_BLOCK_ROW_LOOP(rows) {
    const T* gr = g + row * cols;
    const T* xr = x + row * cols;
    const T mean = meanIn[row], rstd = rstdIn[row];
    T sumGw = 0, sumGwXhat = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const T gw = weight ? gr[c] * weight[c] : gr[c];
      sumGw += gw;
      sumGwXhat += gw * (xr[c] - mean) * rstd;
    }
    const T meanGw = blockSum(sumGw) / (T)cols;
    const T meanGwXhat = blockSum(sumGwXhat) / (T)cols;
    T* out = gradInput + row * cols;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const T gw = weight ? gr[c] * weight[c] : gr[c];
      out[c] = rstd * (gw - meanGw - (xr[c] - mean) * rstd * meanGwXhat);
    }
  }
}

#undef FLINT_BLOCK_ROW_LOOP

// Rows of up to 32 * N values: a warp per row, holding the row in registers, so that
// the input is read once and every lane has N loads in flight.
template <class T, int N>
__global__ void layerNormWarpKernel(const T* __restrict__ x, const T* __restrict__ weight, const T* __restrict__ bias,
                                    T* __restrict__ y, T* __restrict__ meanOut, T* __restrict__ rstdOut, int64_t rows,
                                    int64_t cols, T eps) {
  const int lane = threadIdx.x & 31;
  for (int64_t row = (int64_t)blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5); row < rows;
       row += (int64_t)gridDim.x * kWarpsPerBlock) {
    const T* xr = x + row * cols;
    T v[N];
    T sum = 0;
#pragma unroll
    for (int k = 0; k < N; k++) {
      const int64_t c = lane + 32 * k;
      v[k] = c < cols ? xr[c] : T(0);
      sum += v[k];
    }
    const T mean = warpSum(sum) / (T)cols;
    T squares = 0;
#pragma unroll
    for (int k = 0; k < N; k++) {
      const T d = lane + 32 * k < cols ? v[k] - mean : T(0);
      squares += d * d;
    }
    const T rstd = T(1) / sqrt(warpSum(squares) / (T)cols + eps);
    if (lane == 0) {
      meanOut[row] = mean;
      rstdOut[row] = rstd;
    }
    T* yr = y + row * cols;
#pragma unroll
    for (int k = 0; k < N; k++) {
      const int64_t c = lane + 32 * k;
      if (c < cols) {
        T out = (v[k] - mean) * rstd;
        if (weight) out *= weight[c];
        if (bias) out += bias[c];
        yr[c] = out;
      }
    }
  }
}

template <class T, int N>
__global__ void layerNormGradInputWarpKernel(const T* __restrict__ g, const T* __restrict__ x,
                                             const T* __restrict__ meanIn, const T* __restrict__ rstdIn,
                                             const T* __restrict__ weight, T* __restrict__ gradInput, int64_t rows,
                                             int64_t cols) {
  const int lane = threadIdx.x & 31;
  for (int64_t row = (int64_t)blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5); row < rows;
       row += (int64_t)gridDim.x * kWarpsPerBlock) {
    const T mean = meanIn[row], rstd = rstdIn[row];
    T gw[N], xhat[N];
    T sumGw = 0, sumGwXhat = 0;
#pragma unroll
    for (int k = 0; k < N; k++) {
      const int64_t c = lane + 32 * k;
      gw[k] = 0;
      xhat[k] = 0;
      if (c < cols) {
        gw[k] = weight ? g[row * cols + c] * weight[c] : g[row * cols + c];
        xhat[k] = (x[row * cols + c] - mean) * rstd;
      }
      sumGw += gw[k];
      sumGwXhat += gw[k] * xhat[k];
    }
    const T meanGw = warpSum(sumGw) / (T)cols;
    const T meanGwXhat = warpSum(sumGwXhat) / (T)cols;
#pragma unroll
    for (int k = 0; k < N; k++) {
      const int64_t c = lane + 32 * k;
      if (c < cols) gradInput[row * cols + c] = rstd * (gw[k] - meanGw - xhat[k] * meanGwXhat);
    }
  }
}

// ---- column sums for gradWeight / gradBias ------------------------------------------
constexpr int kColTile = 32;      // columns per block: one warp reads 32 adjacent values
constexpr int kColRowThreads = 8;  // threads down the rows of a tile
constexpr int kFinishRowThreads = 32;
constexpr int64_t kTargetBlocks = 2048;

// Block (32 x 8): column tile blockIdx.x, rows [chunk * rowsPerChunk, ...) for chunk
// blockIdx.y. Writes one partial per (chunk, column) and per gradient.
template <class T>
__global__ void columnPartialsKernel(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ meanIn,
                                     const T* __restrict__ rstdIn, int64_t rows, int64_t cols, int64_t rowsPerChunk,
                                     T* __restrict__ partialW, T* __restrict__ partialB) {
  __shared__ T sharedW[kColRowThreads][kColTile + 1];
  __shared__ T sharedB[kColRowThreads][kColTile + 1];
  const int64_t col = (int64_t)blockIdx.x * kColTile + threadIdx.x;
  const int64_t begin = (int64_t)blockIdx.y * rowsPerChunk;
  const int64_t end = min(rows, begin + rowsPerChunk);
  T accW = 0, accB = 0;
  if (col < cols) {
    for (int64_t r = begin + threadIdx.y; r < end; r += kColRowThreads) {
      const T gv = g[r * cols + col];
      accW += gv * (x[r * cols + col] - meanIn[r]) * rstdIn[r];
      accB += gv;
    }
  }
  sharedW[threadIdx.y][threadIdx.x] = accW;
  sharedB[threadIdx.y][threadIdx.x] = accB;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    T w = 0, b = 0;
    for (int k = 0; k < kColRowThreads; k++) {
      w += sharedW[k][threadIdx.x];
      b += sharedB[k][threadIdx.x];
    }
    partialW[blockIdx.y * cols + col] = w;
    partialB[blockIdx.y * cols + col] = b;
  }
}

// Block (32 x 32): sums a column tile's partials over the chunks in double, in a fixed order.
template <class T>
__global__ void columnFinishKernel(const T* __restrict__ partialW, const T* __restrict__ partialB, int64_t chunks,
                                   int64_t cols, T* __restrict__ gradWeight, T* __restrict__ gradBias) {
  __shared__ double sharedW[kFinishRowThreads][kColTile + 1];
  __shared__ double sharedB[kFinishRowThreads][kColTile + 1];
  const int64_t col = (int64_t)blockIdx.x * kColTile + threadIdx.x;
  double w = 0, b = 0;
  if (col < cols) {
    for (int64_t k = threadIdx.y; k < chunks; k += kFinishRowThreads) {
      w += (double)partialW[k * cols + col];
      b += (double)partialB[k * cols + col];
    }
  }
  sharedW[threadIdx.y][threadIdx.x] = w;
  sharedB[threadIdx.y][threadIdx.x] = b;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    w = 0;
    b = 0;
    for (int k = 0; k < kFinishRowThreads; k++) {
      w += sharedW[k][threadIdx.x];
      b += sharedB[k][threadIdx.x];
    }
    if (gradWeight) gradWeight[col] = (T)w;
    if (gradBias) gradBias[col] = (T)b;
  }
}

// Calls launch(N) with the per-lane count of the warp kernels (cols <= 32 * N), or
// launch(0) for the block-per-row kernels.
template <class Launch>
void byRowWidth(int64_t cols, Launch launch) {
  if (cols <= 128) launch(std::integral_constant<int, 4>{});
  else if (cols <= 256) launch(std::integral_constant<int, 8>{});
  else if (cols <= 512) launch(std::integral_constant<int, 16>{});
  else if (cols <= 1024) launch(std::integral_constant<int, 32>{});
  else launch(std::integral_constant<int, 0>{});
}

unsigned rowGrid(const CudaContext& ctx, int64_t rows, int rowsPerBlock) {
  const int64_t blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
  return (unsigned)std::max<int64_t>(1, std::min<int64_t>(blocks, (int64_t)ctx.smCount * 16));
}

template <class T>
void layerNormTyped(CudaContext& ctx, const LayerNormArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  const T* x = (const T*)a.input.data;
  const T* w = (const T*)a.weight.data;
  const T* b = (const T*)a.bias.data;
  byRowWidth(cols, [&](auto perLane) {
    constexpr int N = decltype(perLane)::value;
    if constexpr (N > 0) {
      layerNormWarpKernel<T, N><<<rowGrid(ctx, rows, kWarpsPerBlock), kBlockThreads, 0, ctx.stream>>>(
          x, w, b, (T*)a.out.data, (T*)a.mean.data, (T*)a.rstd.data, rows, cols, (T)a.eps);
    } else {
      layerNormBlockKernel<T><<<rowGrid(ctx, rows, 1), kBlockThreads, 0, ctx.stream>>>(
          x, w, b, (T*)a.out.data, (T*)a.mean.data, (T*)a.rstd.data, rows, cols, (T)a.eps);
    }
    FLINT_CUDA_LAUNCH_CHECK();
  });
}

template <class T>
void layerNormBackwardTyped(CudaContext& ctx, const LayerNormBackwardArgs& a) {
  const int64_t rows = a.input.shape[0], cols = a.input.shape[1];
  if (a.gradInput.data != nullptr && rows > 0) {
    const T* g = (const T*)a.gradOutput.data;
    const T* x = (const T*)a.input.data;
    const T* mean = (const T*)a.mean.data;
    const T* rstd = (const T*)a.rstd.data;
    const T* w = (const T*)a.weight.data;
    byRowWidth(cols, [&](auto perLane) {
      constexpr int N = decltype(perLane)::value;
      if constexpr (N > 0) {
        layerNormGradInputWarpKernel<T, N><<<rowGrid(ctx, rows, kWarpsPerBlock), kBlockThreads, 0, ctx.stream>>>(
            g, x, mean, rstd, w, (T*)a.gradInput.data, rows, cols);
      } else {
        layerNormGradInputBlockKernel<T><<<rowGrid(ctx, rows, 1), kBlockThreads, 0, ctx.stream>>>(
            g, x, mean, rstd, w, (T*)a.gradInput.data, rows, cols);
      }
      FLINT_CUDA_LAUNCH_CHECK();
    });
  }
  if ((a.gradWeight.data == nullptr && a.gradBias.data == nullptr) || cols == 0) return;
  // Chunks depend only on the shape, so the summation order (and result) is fixed; about
  // kTargetBlocks blocks keep every SM busy, with at least 4 rows per thread.
  const int64_t colTiles = (cols + kColTile - 1) / kColTile;
  const int64_t maxChunks = std::max<int64_t>(1, (rows + 4 * kColRowThreads - 1) / (4 * kColRowThreads));
  const int64_t wantChunks = std::max<int64_t>(1, (kTargetBlocks + colTiles - 1) / colTiles);
  const int64_t rowsPerChunk = std::max<int64_t>(1, (rows + std::min(maxChunks, wantChunks) - 1) /
                                                        std::min(maxChunks, wantChunks));
  const int64_t chunks = rows == 0 ? 1 : (rows + rowsPerChunk - 1) / rowsPerChunk;
  ScratchBuffer partials(ctx, (size_t)(2 * chunks * cols) * sizeof(T));
  T* partialW = (T*)partials.data();
  T* partialB = partialW + chunks * cols;
  columnPartialsKernel<T><<<dim3((unsigned)colTiles, (unsigned)chunks), dim3(kColTile, kColRowThreads), 0,
                            ctx.stream>>>((const T*)a.gradOutput.data, (const T*)a.input.data, (const T*)a.mean.data,
                                          (const T*)a.rstd.data, rows, cols, rowsPerChunk, partialW, partialB);
  FLINT_CUDA_LAUNCH_CHECK();
  columnFinishKernel<T><<<(unsigned)colTiles, dim3(kColTile, kFinishRowThreads), 0, ctx.stream>>>(
      partialW, partialB, chunks, cols, (T*)a.gradWeight.data, (T*)a.gradBias.data);
  FLINT_CUDA_LAUNCH_CHECK();
}

}  // namespace

void cudaLayerNorm(CudaContext& ctx, const LayerNormArgs& args) {
  if (args.input.shape[0] == 0) return;
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm", [&] { layerNormTyped<scalar_t>(ctx, args); });
}

void cudaLayerNormBackward(CudaContext& ctx, const LayerNormBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "layer_norm backward",
                          [&] { layerNormBackwardTyped<scalar_t>(ctx, args); });
}

}  // namespace flint
