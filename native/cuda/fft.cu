// torch.fft has no CUDA implementation yet (cuFFT, loaded at run time as cuBLAS is, is a
// later step): each transform refuses with a clear error rather than copying to the host
// behind the caller's back. TypeScript refuses first (src/fft/kernels.ts); these guard
// direct calls.
#include "cuda_backend.h"

namespace flint {

void CudaBackend::fftC2cImpl(const FftC2cArgs&) { throw Error("torch.fft is not implemented on CUDA yet"); }
void CudaBackend::fftR2cImpl(const FftR2cArgs&) { throw Error("torch.fft is not implemented on CUDA yet"); }
void CudaBackend::fftC2rImpl(const FftC2rArgs&) { throw Error("torch.fft is not implemented on CUDA yet"); }

}  // namespace flint
