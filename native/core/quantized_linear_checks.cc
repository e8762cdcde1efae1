// The checks of quantizedLinearDynamic (QuantizedLinearDynamicArgs) that its declared shapes
// cannot say: the number of weight scales, and an input scale and zero point that quantize.
#include <cmath>
#include <string>

#include "checks.h"

namespace flint {

void checkQuantizedLinearDynamic(const QuantizedLinearDynamicArgs& a) {
  const int64_t scales = a.weightScales.shape[0], n = a.weight.shape[0];
  FLINT_CHECK(scales == 1 || scales == n, "quantizedLinearDynamic: expected 1 weight scale or one per output feature (" +
                                              std::to_string(n) + "), got " + std::to_string(scales));
  FLINT_CHECK(a.weightScales.dtype == DType::Float32, "quantizedLinearDynamic: expected float32 input and scales, got " +
                                                          std::string(dtypeName(a.weightScales.dtype)));
  const float inverse = static_cast<float>(1.0 / a.inputScale);
  FLINT_CHECK(std::isfinite(a.inputScale) && a.inputScale > 0 && std::isfinite(inverse),
              "quantizedLinearDynamic: the input scale must be positive, with a finite reciprocal in float32, got " +
                  std::to_string(a.inputScale));
  FLINT_CHECK(a.inputZeroPoint >= 0 && a.inputZeroPoint <= 255,
              "quantizedLinearDynamic: the input zero point must lie in [0, 255], got " + std::to_string(a.inputZeroPoint));
}

}  // namespace flint
