// Scalar reproductions of the AVX2 log and sincos (Cephes polynomials, from the widely
// used avx_mathfun.h) that PyTorch's CPU normal_fill_AVX2 calls, including where GCC
// fused multiplies and adds into FMAs in PyTorch's build (checked bit for bit against
// PyTorch 1.13's torch.randn on 3,000+ values). Why: with these, `manualSeed(n)` then
// `randn`/`normal_` gives PyTorch's float32 values exactly, not merely within 1e-6.
// std::fmaf is correctly rounded with or without FMA hardware, so no -mfma is needed.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace flint {
namespace cephes {

inline float logf(float value) {
  if (!(value > 0)) return NAN;
  float x = value < 1.17549435e-38f ? 1.17549435e-38f : value;
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  const int32_t exponent = (int32_t)(bits >> 23) - 0x7f;
  bits = (bits & ~0x7f800000u) | 0x3f000000u;  // mantissa in [0.5, 1)
  std::memcpy(&x, &bits, 4);
  float e = (float)exponent + 1.0f;
  const bool small = x < 0.707106781186547524f;
  const float extra = small ? x : 0.0f;
  x = x - 1.0f;
  if (small) e = e - 1.0f;
  x = x + extra;
  const float z = x * x;
  float y = 7.0376836292E-2f;
  y = std::fmaf(y, x, -1.1514610310E-1f);
  y = std::fmaf(y, x, 1.1676998740E-1f);
  y = std::fmaf(y, x, -1.2420140846E-1f);
  y = std::fmaf(y, x, +1.4249322787E-1f);
  y = std::fmaf(y, x, -1.6668057665E-1f);
  y = std::fmaf(y, x, +2.0000714765E-1f);
  y = std::fmaf(y, x, -2.4999993993E-1f);
  y = std::fmaf(y, x, +3.3333331174E-1f);
  y = y * x;
  y = std::fmaf(y, z, e * -2.12194440e-4f);
  y = std::fmaf(-z, 0.5f, y);
  x = x + y;
  return std::fmaf(e, 0.693359375f, x);
}

inline void sincosf(float value, float* sine, float* cosine) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t signSin = bits & 0x80000000u;
  bits &= 0x7fffffffu;
  float x;
  std::memcpy(&x, &bits, 4);
  int32_t j = (int32_t)(x * 1.27323954473516f);  // 4/pi, truncated as cvttps does
  j = (j + 1) & ~1;
  const float y = (float)j;
  signSin ^= (uint32_t)(j & 4) << 29;
  const bool sinPoly = (j & 2) == 0;
  const uint32_t signCos = (uint32_t)(~(j - 2) & 4) << 29;
  x = std::fmaf(y, -0.78515625f, x);
  x = std::fmaf(y, -2.4187564849853515625e-4f, x);
  x = std::fmaf(y, -3.77489497744594108e-8f, x);
  const float z = x * x;
  float c = 2.443315711809948E-005f;
  c = std::fmaf(c, z, -1.388731625493765E-003f);
  c = std::fmaf(c, z, 4.166664568298827E-002f);
  c = c * z;
  c = std::fmaf(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = -1.9515295891E-4f;
  s = std::fmaf(s, z, 8.3321608736E-3f);
  s = std::fmaf(s, z, -1.6666654611E-1f);
  s = s * z;
  s = std::fmaf(s, x, x);
  // The vector code selects with bit masks and adds the halves, which turns -0 into +0;
  // the same arithmetic here keeps even that identical.
  const float sinPart = sinPoly ? s : 0.0f;
  const float cosPart = sinPoly ? 0.0f : c;
  float sinResult = cosPart + sinPart;
  float cosResult = (c - cosPart) + (s - sinPart);
  std::memcpy(&bits, &sinResult, 4);
  bits ^= signSin;
  std::memcpy(&sinResult, &bits, 4);
  std::memcpy(&bits, &cosResult, 4);
  bits ^= signCos;
  std::memcpy(&cosResult, &bits, 4);
  *sine = sinResult;
  *cosine = cosResult;
}

}  // namespace cephes
}  // namespace flint
