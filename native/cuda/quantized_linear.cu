// PyTorch has no CUDA kernel for its dynamically quantized linear layer (quantized::
// linear_dynamic runs on the CPU's engines only), and neither has flint: TypeScript refuses
// first (src/quantization/dynamic-linear.ts); this guards direct calls.
#include "cuda_backend.h"

namespace flint {

void CudaBackend::quantizedLinearDynamicImpl(const QuantizedLinearDynamicArgs&) {
  throw Error("quantizedLinearDynamic: dynamically quantized linear layers run on the CPU only, as in PyTorch");
}

}  // namespace flint
