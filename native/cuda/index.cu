// Indexing along one dimension on the GPU: index_select, index_copy/index_add, gather,
// scatter (copy or add) and nonzero. The shapes were checked by Backend
// (core/checks.cc); an index out of range cannot throw from a kernel, so that element is
// skipped and kErrorIndexOutOfRange is raised for the next synchronization to report.
#include <cstring>
#include <string>

#include "common.cuh"
#include "flint/rules/binary.h"

namespace flint {

namespace {

// ---- atomic accumulation ------------------------------------------------------------
// 8- and 16-bit values have no atomics of their own: update them inside their aligned
// 32-bit word with compare-and-swap (the word never crosses the allocation, which is
// at least 512-byte granular).
template <class T, class F>
__device__ __forceinline__ void atomicUpdateNarrow(T* address, F update) {
  static_assert(sizeof(T) == 1 || sizeof(T) == 2, "narrow types only");
  const uintptr_t a = (uintptr_t)address;
  unsigned int* word = (unsigned int*)(a & ~(uintptr_t)3);
  const unsigned shift = (unsigned)(a & 3) * 8;
  const unsigned mask = (sizeof(T) == 1 ? 0xffu : 0xffffu) << shift;
  unsigned old = *word, assumed;
  do {
    assumed = old;
    const unsigned bits = (assumed & mask) >> shift;
    T current;
    memcpy(&current, &bits, sizeof(T));  // little-endian: the low bytes
    const T next = update(current);
    unsigned nextBits = 0;
    memcpy(&nextBits, &next, sizeof(T));
    old = atomicCAS(word, assumed, (assumed & ~mask) | ((nextBits << shift) & mask));
  } while (old != assumed);
}

// *address = accumulateValue(*address, value) (flint/rules/binary.h), atomically: the
// hardware's adds where they exist (integers wrap alike), compare-and-swap elsewhere.
template <class T>
__device__ __forceinline__ void atomicAccumulate(T* address, T value) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    atomicAdd(address, value);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    atomicAdd((int*)address, (int)value);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd((unsigned long long*)address, (unsigned long long)value);  // two's complement wraps alike
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value) return;
    const uintptr_t a = (uintptr_t)address;
    atomicOr((unsigned int*)(a & ~(uintptr_t)3), 1u << ((a & 3) * 8));
  } else {
    atomicUpdateNarrow(address, [value](T current) { return accumulateValue(current, value); });
  }
}

// *address = scatterCombine(op, *address, value) (flint/rules/binary.h), atomically, by
// compare-and-swap on the value's bits (or its aligned 32-bit word for narrow types).
template <class T>
__device__ __forceinline__ void atomicCombine(T* address, T value, BinaryOp op) {
  if constexpr (sizeof(T) == 4 || sizeof(T) == 8) {
    using Word = std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>;
    Word* word = (Word*)address;
    Word old = *word, assumed;
    do {
      assumed = old;
      T current;
      memcpy(&current, &assumed, sizeof(T));
      const T next = scatterCombine<T>(op, current, value);
      Word nextBits;
      memcpy(&nextBits, &next, sizeof(T));
      old = atomicCAS(word, assumed, nextBits);
    } while (old != assumed);
  } else {
    atomicUpdateNarrow(address, [value, op](T current) { return scatterCombine<T>(op, current, value); });
  }
}

// Same-size bit patterns stand in for every dtype when values are only moved.
template <int Size>
struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };

// ---- the indexed loop ---------------------------------------------------------------
// One kernel serves all four ops. Operands 0 (destination) and 1 (source) are offset by
// the iteration's coordinates with the indexed dimension's stride zeroed in one of them
// (`indexedOperand`); operand 2 points at the element's int64 index.
struct IndexedLaunch {
  OffsetCalc<3> calc;
  int64_t numel;
  char* dst;
  const char* src;
  const char* index;
  int indexedOperand;
  int64_t dimSize;
  int64_t dimStrideBytes;
  int* errorFlags;
};

template <class T, bool Accumulate>
__global__ void indexedKernel(IndexedLaunch p) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.numel; i += step) {
    int64_t offsets[3];
    p.calc.get(i, offsets);
    int64_t value = *(const int64_t*)(p.index + offsets[2]);
    // Never wrapped: PyTorch refuses negative indices in these ops.
    if (value < 0 || value >= p.dimSize) {
      raiseDeviceError(p.errorFlags, kErrorIndexOutOfRange);
      continue;
    }
    const int64_t shift = value * p.dimStrideBytes;
    T* d = (T*)(p.dst + offsets[0] + (p.indexedOperand == 0 ? shift : 0));
    const T s = *(const T*)(p.src + offsets[1] + (p.indexedOperand == 1 ? shift : 0));
    if constexpr (Accumulate) atomicAccumulate(d, s);
    else *d = s;
  }
}

// `view` with another shape (the iteration's) and, optionally, one stride zeroed.
TensorView reshaped(const TensorView& view, const TensorView& shapeOf, int zeroDim) {
  TensorView out = view;
  out.ndim = shapeOf.ndim;
  for (int d = 0; d < shapeOf.ndim; d++) out.shape[d] = shapeOf.shape[d];
  if (zeroDim >= 0) out.strides[zeroDim] = 0;
  return out;
}

// The 1-D index broadcast over the iteration space: it moves only along `dim`.
TensorView indexAlong(const TensorView& index, const TensorView& shapeOf, int dim) {
  TensorView out = reshaped(index, shapeOf, -1);
  for (int d = 0; d < out.ndim; d++) out.strides[d] = 0;
  out.strides[dim] = index.strides[0];
  return out;
}

template <class T>
__global__ void scatterReduceKernel(IndexedLaunch p, BinaryOp op) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.numel; i += step) {
    int64_t offsets[3];
    p.calc.get(i, offsets);
    const int64_t value = *(const int64_t*)(p.index + offsets[2]);
    if (value < 0 || value >= p.dimSize) {
      raiseDeviceError(p.errorFlags, kErrorIndexOutOfRange);
      continue;
    }
    atomicCombine((T*)(p.dst + offsets[0] + value * p.dimStrideBytes), *(const T*)(p.src + offsets[1]), op);
  }
}

void launchIndexed(CudaContext& ctx, const TensorView& dst, const TensorView& src, const TensorView& index,
                   int indexedOperand, int64_t dimSize, int64_t dimStrideBytes, bool accumulate) {
  IndexedLaunch p;
  p.numel = dst.numel();  // dst carries the iteration shape
  if (p.numel == 0) return;
  const TensorView* views[3] = {&dst, &src, &index};
  p.calc = makeOffsetCalc<3>(views);
  p.dst = dst.data;
  p.src = src.data;
  p.index = index.data;
  p.indexedOperand = indexedOperand;
  p.dimSize = dimSize;
  p.dimStrideBytes = dimStrideBytes;
  p.errorFlags = ctx.errorFlags;
  const unsigned grid = gridFor(ctx, p.numel);
  if (!accumulate) {
    switch (dst.itemsize()) {
      case 1: indexedKernel<Bits<1>::type, false><<<grid, kBlockThreads, 0, ctx.stream>>>(p); break;
      case 2: indexedKernel<Bits<2>::type, false><<<grid, kBlockThreads, 0, ctx.stream>>>(p); break;
      case 4: indexedKernel<Bits<4>::type, false><<<grid, kBlockThreads, 0, ctx.stream>>>(p); break;
      default: indexedKernel<Bits<8>::type, false><<<grid, kBlockThreads, 0, ctx.stream>>>(p); break;
    }
  } else {
    FLINT_DISPATCH_ALL(dst.dtype, "scatter",
                       [&] { indexedKernel<scalar_t, true><<<grid, kBlockThreads, 0, ctx.stream>>>(p); });
  }
  FLINT_CUDA_LAUNCH_CHECK();
}

// ---- nonzero ------------------------------------------------------------------------
// Three passes: count per chunk, scan the counts in one block, then each chunk writes its
// coordinates from its scanned start, so the result is in row-major order with no
// scratch proportional to the input.
constexpr int kTile = 256;  // threads per block = elements per tile
constexpr int kTilesPerChunk = 16;
constexpr int64_t kChunk = (int64_t)kTile * kTilesPerChunk;
constexpr int kScanThreads = 1024;

struct NonzeroShape {
  int ndim;
  int64_t sizes[kMaxDims];
};

template <class T>
__device__ __forceinline__ bool isNonzero(const char* data, const OffsetCalc<1>& calc, bool contiguous, int64_t i,
                                          int64_t n) {
  if (i >= n) return false;
  int64_t offset[1];
  if (contiguous) offset[0] = i * (int64_t)sizeof(T);
  else calc.get(i, offset);
  return convertValue<bool, T>(*(const T*)(data + offset[0]));
}

template <class T>
__global__ void nonzeroCountKernel(const char* data, OffsetCalc<1> calc, bool contiguous, int64_t n, int* counts) {
  const int64_t base = (int64_t)blockIdx.x * kChunk;
  int total = 0;
  for (int t = 0; t < kTilesPerChunk; t++) {
    total += __syncthreads_count(isNonzero<T>(data, calc, contiguous, base + t * kTile + threadIdx.x, n));
  }
  if (threadIdx.x == 0) counts[blockIdx.x] = total;
}

// Inclusive prefix sums of the chunk counts, in one block: each thread sums a contiguous
// run, the block scans the run totals, and the runs are rewritten as prefixes.
__global__ void nonzeroScanKernel(const int* counts, int64_t* ends, int64_t n) {
  __shared__ int64_t warpTotals[kScanThreads / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t per = (n + kScanThreads - 1) / kScanThreads;
  const int64_t begin = min(n, (int64_t)threadIdx.x * per), end = min(n, begin + per);
  int64_t local = 0;
  for (int64_t i = begin; i < end; i++) local += counts[i];
  int64_t inclusive = local;
  for (int o = 1; o < 32; o <<= 1) {
    const int64_t other = __shfl_up_sync(0xffffffffu, inclusive, o);
    if (lane >= o) inclusive += other;
  }
  if (lane == 31) warpTotals[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    int64_t w = warpTotals[lane];
    for (int o = 1; o < 32; o <<= 1) {
      const int64_t other = __shfl_up_sync(0xffffffffu, w, o);
      if (lane >= o) w += other;
    }
    warpTotals[lane] = w;
  }
  __syncthreads();
  int64_t prefix = inclusive - local + (warp > 0 ? warpTotals[warp - 1] : 0);
  for (int64_t i = begin; i < end; i++) {
    prefix += counts[i];
    ends[i] = prefix;
  }
}

template <class T>
__global__ void nonzeroWriteKernel(const char* data, OffsetCalc<1> calc, bool contiguous, int64_t n,
                                   const int64_t* ends, NonzeroShape shape, int64_t* out) {
  // Double-buffered per-warp counts: a tile's writes go to the other buffer than the
  // previous tile's reads, and the one barrier per tile separates tile t's reads from
  // tile t+2's writes.
  __shared__ int warpCounts[2][kTile / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int64_t base = (int64_t)blockIdx.x * kChunk;
  int64_t start = blockIdx.x == 0 ? 0 : ends[blockIdx.x - 1];
  for (int t = 0; t < kTilesPerChunk; t++) {
    const int64_t i = base + t * kTile + threadIdx.x;
    const bool flag = isNonzero<T>(data, calc, contiguous, i, n);
    const unsigned ballot = __ballot_sync(0xffffffffu, flag);
    if (lane == 0) warpCounts[t & 1][warp] = __popc(ballot);
    __syncthreads();
    int before = 0, tileTotal = 0;
    for (int w = 0; w < kTile / 32; w++) {
      const int c = warpCounts[t & 1][w];
      if (w < warp) before += c;
      tileTotal += c;
    }
    if (flag) {
      int64_t* row = out + (start + before + __popc(ballot & ((1u << lane) - 1))) * shape.ndim;
      int64_t rest = i;
      for (int d = shape.ndim - 1; d >= 0; d--) {
        const int64_t size = shape.sizes[d];
        const int64_t q = rest / size;
        row[d] = rest - q * size;
        rest = q;
      }
    }
    start += tileTotal;
  }
}

}  // namespace

void cudaIndexSelect(CudaContext& ctx, const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  if (out.numel() == 0) return;
  const TensorView index3 = indexAlong(index, out, dim);
  const TensorView source = reshaped(in, out, dim);
  const int64_t dimStrideBytes = in.strides[dim] * (int64_t)in.itemsize();
  if (out.dtype == in.dtype) {
    launchIndexed(ctx, out, source, index3, 1, in.shape[dim], dimStrideBytes, false);
    return;
  }
  // The CPU casts while it copies; here the rows are gathered in the input's dtype first.
  TensorView staged = out;
  staged.dtype = in.dtype;
  int64_t stride = 1;
  for (int d = out.ndim - 1; d >= 0; d--) {
    staged.strides[d] = stride;
    stride *= out.shape[d];
  }
  ScratchBuffer buffer(ctx, (size_t)out.numel() * in.itemsize());
  staged.data = (char*)buffer.data();
  launchIndexed(ctx, staged, source, index3, 1, in.shape[dim], dimStrideBytes, false);
  cudaCast(ctx, out, staged);
}

void cudaIndexPut(CudaContext& ctx, const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                  bool accumulate) {
  if (index.shape[0] == 0) return;
  // The CPU adds with its binary kernel, which computes in the compute dtypes only.
  if (accumulate) FLINT_DISPATCH_COMPUTE(out.dtype, "binary", [&] {});
  // The destination's shape with the indexed dimension's extent, as the CPU's slices.
  TensorView iteration = out;
  iteration.shape[dim] = index.shape[0];
  const TensorView destination = reshaped(out, iteration, dim);
  const TensorView source = reshaped(src, iteration, -1);
  const TensorView index3 = indexAlong(index, iteration, dim);
  launchIndexed(ctx, destination, source, index3, 0, out.shape[dim], out.strides[dim] * (int64_t)out.itemsize(),
                accumulate);
}

void cudaGather(CudaContext& ctx, const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  const TensorView destination = reshaped(out, index, -1);
  const TensorView source = reshaped(in, index, dim);
  launchIndexed(ctx, destination, source, index, 1, in.shape[dim], in.strides[dim] * (int64_t)in.itemsize(), false);
}

void cudaScatter(CudaContext& ctx, const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                 bool accumulate) {
  const TensorView destination = reshaped(out, index, dim);
  const TensorView source = reshaped(src, index, -1);
  launchIndexed(ctx, destination, source, index, 0, out.shape[dim], out.strides[dim] * (int64_t)out.itemsize(),
                accumulate);
}

void cudaScatterReduce(CudaContext& ctx, BinaryOp op, const TensorView& out, int dim, const TensorView& index,
                       const TensorView& src) {
  const TensorView destination = reshaped(out, index, dim);
  const TensorView source = reshaped(src, index, -1);
  IndexedLaunch p;
  p.numel = index.numel();
  if (p.numel == 0) return;
  const TensorView* views[3] = {&destination, &source, &index};
  p.calc = makeOffsetCalc<3>(views);
  p.dst = destination.data;
  p.src = source.data;
  p.index = index.data;
  p.indexedOperand = 0;
  p.dimSize = out.shape[dim];
  p.dimStrideBytes = out.strides[dim] * (int64_t)out.itemsize();
  p.errorFlags = ctx.errorFlags;
  const unsigned grid = gridFor(ctx, p.numel);
  FLINT_DISPATCH_ALL(out.dtype, "scatter_reduce",
                     [&] { scatterReduceKernel<scalar_t><<<grid, kBlockThreads, 0, ctx.stream>>>(p, op); });
  FLINT_CUDA_LAUNCH_CHECK();
}

int64_t cudaNonzero(CudaContext& ctx, Storage** result, const TensorView& in) {
  const int64_t n = in.numel();
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  const TensorView* views[1] = {&in};
  const OffsetCalc<1> calc = makeOffsetCalc<1>(views);
  const bool contiguous = in.isContiguous();
  NonzeroShape shape{};
  shape.ndim = in.ndim;
  for (int d = 0; d < in.ndim; d++) shape.sizes[d] = in.shape[d];

  int64_t count = 0;
  // Scratch sized for at least one chunk, so that an empty input needs no special case.
  ScratchBuffer counts(ctx, (size_t)(chunks > 0 ? chunks : 1) * sizeof(int));
  ScratchBuffer ends(ctx, (size_t)(chunks > 0 ? chunks : 1) * sizeof(int64_t));
  FLINT_DISPATCH_ALL(in.dtype, "nonzero", [&] {
    if (n == 0) return;
    nonzeroCountKernel<scalar_t><<<(unsigned)chunks, kTile, 0, ctx.stream>>>(in.data, calc, contiguous, n,
                                                                             (int*)counts.data());
    FLINT_CUDA_LAUNCH_CHECK();
    nonzeroScanKernel<<<1, kScanThreads, 0, ctx.stream>>>((const int*)counts.data(), (int64_t*)ends.data(), chunks);
    FLINT_CUDA_LAUNCH_CHECK();
    // The result's size decides the allocation, so this op waits for the device, as
    // PyTorch's nonzero does.
    FLINT_CUDA_CHECK(cudaMemcpyAsync(&count, (const int64_t*)ends.data() + (chunks - 1), sizeof(int64_t),
                                     cudaMemcpyDeviceToHost, ctx.stream));
    FLINT_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
  });

  Storage* storage = ctx.backend->allocate((size_t)count * (size_t)in.ndim * sizeof(int64_t));
  try {
    if (count > 0 && in.ndim > 0) {
      FLINT_DISPATCH_ALL(in.dtype, "nonzero", [&] {
        nonzeroWriteKernel<scalar_t><<<(unsigned)chunks, kTile, 0, ctx.stream>>>(
            in.data, calc, contiguous, n, (const int64_t*)ends.data(), shape, (int64_t*)storage->data);
      });
      FLINT_CUDA_LAUNCH_CHECK();
    }
  } catch (...) {
    releaseStorage(storage);
    throw;
  }
  *result = storage;
  return count;
}

}  // namespace flint
