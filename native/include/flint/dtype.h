// The dtype vocabulary shared by every backend. The DType enum itself is declared with the
// entry points (native/napi/entries.mjs), so JS and C++ cannot disagree on its codes.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "flint/enums.generated.h"

namespace flint {

constexpr int kNumDTypes = EnumInfo<DType>::count;

inline bool isValidDType(int32_t code) { return code >= 0 && code < kNumDTypes; }

inline size_t itemSize(DType dtype) {
  switch (dtype) {
    case DType::Float64:
    case DType::Int64: return 8;
    case DType::Float32:
    case DType::Int32: return 4;
    case DType::Float16:
    case DType::BFloat16:
    case DType::Int16: return 2;
    case DType::UInt8:
    case DType::Bool:
    case DType::Int8: return 1;
  }
  return 1;
}

inline bool isComputeDType(DType dtype) { return static_cast<int32_t>(dtype) <= 5; }
inline bool isFloatingDType(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64 || dtype == DType::Float16 ||
         dtype == DType::BFloat16;
}

// The dtype a floating kernel accumulates in: float64 for float64, float32 for the rest
// (float16 and bfloat16 are stored narrow and computed in float32, as PyTorch's kernels do).
inline DType accumulationDType(DType dtype) { return dtype == DType::Float64 ? DType::Float64 : DType::Float32; }

const char* dtypeName(DType dtype);

// IEEE half and bfloat16 as plain bit containers. Conversions are written out here
// because F16C is not part of the x86-64 baseline we are allowed to assume.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

inline float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        exponent--;
      }
      mantissa &= 0x3ff;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

inline uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000;
  uint32_t absBits = bits & 0x7fffffff;
  if (absBits >= 0x7f800000) {  // inf or nan
    return (uint16_t)(sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0));
  }
  if (absBits >= 0x477ff000) return (uint16_t)(sign | 0x7c00);  // rounds to inf
  if (absBits < 0x38800000) {  // subnormal half or zero: round to nearest even
    float absValue;
    std::memcpy(&absValue, &absBits, 4);
    // 2^-24 is the half subnormal quantum; adding 0.5 (as 2^-1 scaled) rounds by the FPU.
    float scaled = absValue * 16777216.0f;  // value / 2^-24
    uint32_t q = (uint32_t)scaled;
    float rem = scaled - (float)q;
    if (rem > 0.5f || (rem == 0.5f && (q & 1))) q++;
    return (uint16_t)(sign | q);
  }
  uint32_t mantissa = absBits & 0x7fffff;
  uint32_t exponent = (absBits >> 23) - 127 + 15;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
  return (uint16_t)(sign | half);
}

inline float bfloat16ToFloat(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

inline uint16_t floatToBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;  // nan
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);     // round to nearest even
  return (uint16_t)((bits + rounding) >> 16);
}

}  // namespace flint

// Dispatch over the dtypes that kernels compute in. `scalar_t` names the C++ type.
#define FLINT_DTYPE_CASE(ENUM, TYPE, ...) \
  case ::flint::DType::ENUM: {            \
    using scalar_t = TYPE;                \
    __VA_ARGS__();                        \
    break;                                \
  }

#define FLINT_DISPATCH_COMPUTE(DTYPE, NAME, ...)                                        \
  switch (DTYPE) {                                                                      \
    FLINT_DTYPE_CASE(Float32, float, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Float64, double, __VA_ARGS__)                                      \
    FLINT_DTYPE_CASE(Int64, int64_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Int32, int32_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(UInt8, uint8_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Bool, bool, __VA_ARGS__)                                           \
    default:                                                                            \
      throw ::flint::Error(std::string(NAME) + ": unsupported dtype " +                 \
                           ::flint::dtypeName(DTYPE) + " (cast to float32 first)");     \
  }

#define FLINT_DISPATCH_FLOATING(DTYPE, NAME, ...)                                       \
  switch (DTYPE) {                                                                      \
    FLINT_DTYPE_CASE(Float32, float, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Float64, double, __VA_ARGS__)                                      \
    default:                                                                            \
      throw ::flint::Error(std::string(NAME) + ": expected a floating dtype, got " +    \
                           ::flint::dtypeName(DTYPE));                                  \
  }

#define FLINT_DISPATCH_ALL(DTYPE, NAME, ...)                                            \
  switch (DTYPE) {                                                                      \
    FLINT_DTYPE_CASE(Float32, float, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Float64, double, __VA_ARGS__)                                      \
    FLINT_DTYPE_CASE(Int64, int64_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Int32, int32_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(UInt8, uint8_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Bool, bool, __VA_ARGS__)                                           \
    FLINT_DTYPE_CASE(Float16, ::flint::Half, __VA_ARGS__)                               \
    FLINT_DTYPE_CASE(BFloat16, ::flint::BFloat16, __VA_ARGS__)                          \
    FLINT_DTYPE_CASE(Int16, int16_t, __VA_ARGS__)                                       \
    FLINT_DTYPE_CASE(Int8, int8_t, __VA_ARGS__)                                         \
    default:                                                                            \
      throw ::flint::Error(std::string(NAME) + ": unknown dtype code");                 \
  }
