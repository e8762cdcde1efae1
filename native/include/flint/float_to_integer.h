// The one rule for turning a floating-point value into an integer dtype, shared by the
// CPU kernels, the CUDA kernels and host-side scalar conversion.
#pragma once
#include <cstdint>
#include <type_traits>

#include "flint/rules/host_device.h"

namespace flint {

// As x86's truncating conversions (cvttss2si/cvttsd2si) give it, which is what PyTorch's
// CPU kernels compile to: NaN and out-of-range values become the minimum of the 32- or
// 64-bit conversion (the "integer indefinite"), and a narrower type keeps the low bits.
// uint8 goes through the 64-bit conversion, int8/int16/int32 through the 32-bit one
// (PyTorch 1.13: -3.7 -> uint8 253, 300.7 -> int8 44, NaN -> int32 -2147483648).
// C++ leaves all of these undefined, so they are spelled out here.
template <class Dst, class Src>
FLINT_HOST_DEVICE Dst floatToInteger(Src v) {
  static_assert(std::is_integral_v<Dst> && std::is_floating_point_v<Src>, "float to integer only");
  if constexpr (std::is_same_v<Dst, int64_t> || std::is_same_v<Dst, uint8_t>) {
    const bool fits = v >= (Src)-9223372036854775808.0 && v < (Src)9223372036854775808.0;
    return (Dst)(fits ? (int64_t)v : INT64_MIN);
  } else {
    const bool fits = v >= (Src)-2147483648.0 && v < (Src)2147483648.0;
    return (Dst)(fits ? (int32_t)v : INT32_MIN);
  }
}

}  // namespace flint
