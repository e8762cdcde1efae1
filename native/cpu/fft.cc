// Discrete Fourier transforms on the CPU, on pocketfft (third_party/pocketfft, header-only),
// the library that PyTorch's CPU build uses when it has no MKL, as Debian's has not: the
// same algorithm gives the same numbers. Each call transforms the middle axis of a
// contiguous [B, N, M] signal; the lines are split over the pool by B, or by M when B is
// too short to feed every thread. pocketfft's own thread pool is compiled out (it is global
// state) and so is its plan cache (the default), so every chunk plans its own transform.
#define POCKETFFT_NO_MULTITHREADING
#include "third_party/pocketfft/pocketfft_hdronly.h"

#include <cmath>
#include <complex>

#include "cpu_backend.h"

namespace flint {

namespace {

using pocketfft::shape_t;
using pocketfft::stride_t;

// PyTorch's compute_fct: the factor in the signal's own precision.
template <typename T>
T scaleOf(FftNorm norm, int64_t size) {
  switch (norm) {
    case FftNorm::ByN: return T(1) / static_cast<T>(size);
    case FftNorm::ByRootN: return T(1) / std::sqrt(static_cast<T>(size));
    default: return T(1);
  }
}

// Runs fn(b0, b1, m0, m1) over chunks of the [B, ·, M] lines: whole rows of B when there
// are enough of them, else slices of M.
template <typename F>
void forLineChunks(ThreadPool& pool, int64_t B, int64_t N, int64_t M, F&& fn) {
  const int64_t work = B * N * M;
  const int64_t threads = pool.size();
  if (work < kParallelGrain || threads <= 1 || (B == 1 && M == 1)) {
    fn(0, B, 0, M);
  } else if (B >= threads || M == 1) {
    pool.parallelFor(B, 1, [&](int64_t b0, int64_t b1) { fn(b0, b1, 0, M); });
  } else {
    pool.parallelFor(M, 1, [&](int64_t m0, int64_t m1) { fn(0, B, m0, m1); });
  }
}

// Byte strides of a [B, N, M] array of `elem`-byte elements, the M axis cut to a chunk.
stride_t stridesOf(int64_t N, int64_t M, size_t elem) {
  return stride_t{ptrdiff_t(N * M * elem), ptrdiff_t(M * elem), ptrdiff_t(elem)};
}

template <typename T>
void c2c(ThreadPool& pool, const FftC2cArgs& a) {
  const int64_t B = a.input.shape[0], N = a.input.shape[1], M = a.input.shape[2];
  const auto* in = (const std::complex<T>*)a.input.data;
  auto* out = (std::complex<T>*)a.out.data;
  const T fct = scaleOf<T>(a.normalization, a.size);
  const stride_t strides = stridesOf(N, M, sizeof(std::complex<T>));
  forLineChunks(pool, B, N, M, [&](int64_t b0, int64_t b1, int64_t m0, int64_t m1) {
    const int64_t at = b0 * N * M + m0;
    pocketfft::c2c(shape_t{size_t(b1 - b0), size_t(N), size_t(m1 - m0)}, strides, strides, shape_t{1}, a.forward, in + at,
                   out + at, fct);
  });
}

template <typename T>
void r2c(ThreadPool& pool, const FftR2cArgs& a) {
  const int64_t B = a.input.shape[0], N = a.input.shape[1], M = a.input.shape[2], H = a.out.shape[1];
  const auto* in = (const T*)a.input.data;
  auto* out = (std::complex<T>*)a.out.data;
  const T fct = scaleOf<T>(a.normalization, a.size);
  const stride_t inStrides = stridesOf(N, M, sizeof(T)), outStrides = stridesOf(H, M, sizeof(std::complex<T>));
  forLineChunks(pool, B, N, M, [&](int64_t b0, int64_t b1, int64_t m0, int64_t m1) {
    pocketfft::r2c(shape_t{size_t(b1 - b0), size_t(N), size_t(m1 - m0)}, inStrides, outStrides, size_t(1), true,
                   in + b0 * N * M + m0, out + b0 * H * M + m0, fct);
  });
}

template <typename T>
void c2r(ThreadPool& pool, const FftC2rArgs& a) {
  const int64_t B = a.out.shape[0], N = a.out.shape[1], M = a.out.shape[2], H = a.input.shape[1];
  const auto* in = (const std::complex<T>*)a.input.data;
  auto* out = (T*)a.out.data;
  const T fct = scaleOf<T>(a.normalization, a.size);
  const stride_t inStrides = stridesOf(H, M, sizeof(std::complex<T>)), outStrides = stridesOf(N, M, sizeof(T));
  forLineChunks(pool, B, N, M, [&](int64_t b0, int64_t b1, int64_t m0, int64_t m1) {
    pocketfft::c2r(shape_t{size_t(b1 - b0), size_t(N), size_t(m1 - m0)}, inStrides, outStrides, size_t(1), false,
                   in + b0 * H * M + m0, out + b0 * N * M + m0, fct);
  });
}

}  // namespace

void CpuBackend::fftC2cRun(const FftC2cArgs& args) {
  if (args.input.dtype == DType::Float64) c2c<double>(pool(), args);
  else c2c<float>(pool(), args);
}

void CpuBackend::fftR2cRun(const FftR2cArgs& args) {
  if (args.input.dtype == DType::Float64) r2c<double>(pool(), args);
  else r2c<float>(pool(), args);
}

void CpuBackend::fftC2rRun(const FftC2rArgs& args) {
  if (args.input.dtype == DType::Float64) c2r<double>(pool(), args);
  else c2r<float>(pool(), args);
}

}  // namespace flint
