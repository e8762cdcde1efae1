// Value conversion between every pair of dtypes, with PyTorch's CPU results for the cases
// C++ leaves undefined (NaN, infinities and out-of-range floats to integers).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "flint/dtype.h"
#include "flint/float_to_integer.h"

namespace flint {

template <class T>
struct IsReduced : std::false_type {};
template <>
struct IsReduced<Half> : std::true_type {};
template <>
struct IsReduced<BFloat16> : std::true_type {};

template <class T>
inline float reducedToFloat(T v) {
  if constexpr (std::is_same_v<T, Half>) return halfToFloat(v.bits);
  else return bfloat16ToFloat(v.bits);
}
template <class T>
inline T floatToReduced(float v) {
  if constexpr (std::is_same_v<T, Half>) return Half{floatToHalf(v)};
  else return BFloat16{floatToBFloat16(v)};
}

template <class Dst, class Src>
inline Dst convertValue(Src v) {
  if constexpr (IsReduced<Src>::value) {
    return convertValue<Dst, float>(reducedToFloat(v));
  } else if constexpr (IsReduced<Dst>::value) {
    return floatToReduced<Dst>((float)v);
  } else if constexpr (std::is_same_v<Dst, bool>) {
    return v != Src(0);
  } else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    return floatToInteger<Dst, Src>(v);
  } else {
    return (Dst)v;
  }
}

}  // namespace flint
