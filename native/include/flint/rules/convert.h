// Value conversion between every pair of dtypes, for both devices: PyTorch's CPU results
// where C++ leaves the conversion undefined (NaN, infinities and out-of-range floats to
// integers: flint/float_to_integer.h), anything to bool is `!= 0`, and half/bfloat16 go
// through float with round-to-nearest-even. The GPU converts 16-bit floats with CUDA's
// intrinsics, the host with dtype.h's software conversions (F16C is not in the x86-64
// baseline); both round alike, and only a NaN's payload may differ.
#pragma once
#include <cstdint>
#include <type_traits>

#ifdef __CUDACC__
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

#include "flint/dtype.h"
#include "flint/float_to_integer.h"
#include "flint/rules/host_device.h"

namespace flint {

template <class T>
struct IsReduced : std::false_type {};
template <>
struct IsReduced<Half> : std::true_type {};
template <>
struct IsReduced<BFloat16> : std::true_type {};

FLINT_HOST_DEVICE float toFloat(Half h) {
#ifdef __CUDA_ARCH__
  return __half2float(__ushort_as_half(h.bits));
#else
  return halfToFloat(h.bits);
#endif
}
FLINT_HOST_DEVICE float toFloat(BFloat16 b) {
#ifdef __CUDA_ARCH__
  return __bfloat162float(__ushort_as_bfloat16(b.bits));
#else
  return bfloat16ToFloat(b.bits);
#endif
}

template <class T>
FLINT_HOST_DEVICE T fromFloat(float v) {
  static_assert(IsReduced<T>::value, "fromFloat makes half or bfloat16");
#ifdef __CUDA_ARCH__
  if constexpr (std::is_same_v<T, Half>) return Half{__half_as_ushort(__float2half_rn(v))};
  else return BFloat16{__bfloat16_as_ushort(__float2bfloat16_rn(v))};
#else
  if constexpr (std::is_same_v<T, Half>) return Half{floatToHalf(v)};
  else return BFloat16{floatToBFloat16(v)};
#endif
}

template <class Dst, class Src>
FLINT_HOST_DEVICE Dst convertValue(Src v) {
  if constexpr (IsReduced<Src>::value) {
    return convertValue<Dst, float>(toFloat(v));
  } else if constexpr (IsReduced<Dst>::value) {
    return fromFloat<Dst>((float)v);
  } else if constexpr (std::is_same_v<Dst, bool>) {
    return v != Src(0);
  } else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    return floatToInteger<Dst, Src>(v);
  } else {
    return (Dst)v;
  }
}

}  // namespace flint
