// The checks of quantizedLinearDynamic (QuantizedLinearDynamicArgs) that its declared shapes
// cannot say: the number and dtype of the weight scales.
#include <string>

#include "checks.h"

namespace flint {

void checkQuantizedLinearDynamic(const QuantizedLinearDynamicArgs& a) {
  const int64_t scales = a.weightScales.shape[0], n = a.weight.shape[1];
  FLINT_CHECK(scales == 1 || scales == n, "quantizedLinearDynamic: expected 1 weight scale or one per output feature (" +
                                              std::to_string(n) + "), got " + std::to_string(scales));
  FLINT_CHECK(a.weightScales.dtype == DType::Float32, "quantizedLinearDynamic: expected float32 input and scales, got " +
                                                          std::string(dtypeName(a.weightScales.dtype)));
}

}  // namespace flint
