// Random fills, written to consume the generator exactly as PyTorch 1.13-2.x's CPU
// kernels do (aten/src/ATen/native/cpu/DistributionTemplates.h), so seeded runs match.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "../core/checks.h"
#include "cephes_float.h"
#include "flint/rules/convert.h"
#include "cpu_backend.h"
#include "strided_loop.h"

namespace flint {

// PyTorch's x86 build contracts each `n * std + mean` (and the uniform's `x * range + from`)
// into one FMA, so flint rounds once too, with std::fma, to give its values bit for bit.
double CpuGenerator::normalDouble(double mean, double stddev) {
  if (hasNextDoubleNormal_) {
    hasNextDoubleNormal_ = false;
    return std::fma(nextDoubleNormal_, stddev, mean);
  }
  const double u1 = uniformDouble(0.0, 1.0);
  const double u2 = uniformDouble(0.0, 1.0);
  const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
  const double theta = 2.0 * M_PI * u1;
  nextDoubleNormal_ = r * std::sin(theta);
  hasNextDoubleNormal_ = true;
  return std::fma(r * std::cos(theta), stddev, mean);
}

namespace {

// Offsets of PyTorch's CPUGeneratorImplState fields (x86-64 and aarch64 alignment).
constexpr size_t kSeedAt = 0, kLeftAt = 8, kSeededAt = 12, kNextAt = 16, kStateAt = 24;
constexpr size_t kNormalYAt = kStateAt + 8 * Mt19937::kN + 8, kNormalValidAt = kNormalYAt + 16;
constexpr size_t kFloatNormalAt = kNormalValidAt + 8, kFloatNormalValidAt = kFloatNormalAt + 4;
static_assert(kFloatNormalValidAt + 4 == kCpuRngStateBytes, "PyTorch's CPU RNG state is 5056 bytes");

template <class T>
void put(uint8_t* out, size_t at, T value) {
  std::memcpy(out + at, &value, sizeof(T));
}
template <class T>
T take(const uint8_t* in, size_t at) {
  T value;
  std::memcpy(&value, in + at, sizeof(T));
  return value;
}

}  // namespace

void CpuGenerator::saveState(uint8_t* out) const {
  std::memset(out, 0, kCpuRngStateBytes);
  put<uint64_t>(out, kSeedAt, engine_.seed_);
  put<int32_t>(out, kLeftAt, engine_.left_);
  put<int32_t>(out, kSeededAt, engine_.seeded_);
  put<uint64_t>(out, kNextAt, engine_.next_);
  for (int i = 0; i < Mt19937::kN; i++) put<uint64_t>(out, kStateAt + 8 * (size_t)i, engine_.state_[i]);
  put<int32_t>(out, kNormalValidAt, hasNextDoubleNormal_ ? 1 : 0);
  put<double>(out, kNormalYAt, hasNextDoubleNormal_ ? nextDoubleNormal_ : 0.0);
  put<float>(out, kFloatNormalAt, hasNextFloatNormal_ ? nextFloatNormal_ : 0.0f);
  out[kFloatNormalValidAt] = hasNextFloatNormal_ ? 1 : 0;
}

void CpuGenerator::loadState(const uint8_t* in, size_t size) {
  FLINT_CHECK(size == kCpuRngStateBytes, "Expected a CPUGeneratorImplState of size " +
                                             std::to_string(kCpuRngStateBytes) +
                                             " but found the input RNG state size to be " + std::to_string(size));
  Mt19937 engine;
  engine.seed_ = take<uint64_t>(in, kSeedAt);
  engine.left_ = take<int32_t>(in, kLeftAt);
  engine.seeded_ = take<int32_t>(in, kSeededAt);
  const uint64_t next = take<uint64_t>(in, kNextAt);
  // at::mt19937::is_valid: a state outside these bounds would index past the array.
  FLINT_CHECK(engine.seeded_ == 1 && engine.left_ > 0 && engine.left_ <= Mt19937::kN && next <= (uint64_t)Mt19937::kN,
              "Invalid mt19937 state");
  engine.next_ = (uint32_t)next;
  for (int i = 0; i < Mt19937::kN; i++) engine.state_[i] = (uint32_t)take<uint64_t>(in, kStateAt + 8 * (size_t)i);
  engine_ = engine;
  hasNextDoubleNormal_ = take<int32_t>(in, kNormalValidAt) != 0;
  nextDoubleNormal_ = take<double>(in, kNormalYAt);
  hasNextFloatNormal_ = in[kFloatNormalValidAt] != 0;
  nextFloatNormal_ = take<float>(in, kFloatNormalAt);
}

namespace {

// `v` with its dims in the order PyTorch's TensorIterator walks a lone output
// (reorder_dimensions): by stride, so that a permuted tensor is visited in memory order;
// equal strides put the smaller dim inside, and a zero stride decides nothing.
TensorView iterationOrder(const TensorView& v) {
  const int nd = v.ndim;
  int perm[kMaxDims];
  for (int i = 0; i < nd; i++) perm[i] = nd - 1 - i;  // innermost first
  auto compare = [&](int d0, int d1) {
    const int64_t s0 = v.strides[d0], s1 = v.strides[d1];
    if (s0 == 0 || s1 == 0) return 0;
    if (s0 != s1) return s0 < s1 ? -1 : 1;
    return v.shape[d0] > v.shape[d1] ? 1 : 0;
  };
  // PyTorch's insertion sort, which stops at the first dim known to belong inside.
  for (int i = 1; i < nd; i++) {
    int d1 = i;
    for (int d0 = i - 1; d0 >= 0; d0--) {
      const int c = compare(perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  TensorView ordered = v;
  for (int i = 0; i < nd; i++) {
    ordered.shape[nd - 1 - i] = v.shape[perm[i]];
    ordered.strides[nd - 1 - i] = v.strides[perm[i]];
  }
  return ordered;
}

// Visits the elements of `out` in the order PyTorch's serial kernels use: row-major for a
// contiguous tensor, memory order for a permuted one.
template <class T, class Next>
void serialFill(const TensorView& view, Next next) {
  const TensorView out = iterationOrder(view);
  const TensorView* views[1] = {&out};
  StridedLoop<1> loop(views);
  loop.run(0, loop.numel(), [&](char** p, int64_t n, const int64_t* s) {
    char* o = p[0];
    for (int64_t i = 0; i < n; i++, o += s[0]) *(T*)o = next();
  });
}

// normal_fill: uniforms first, then Box-Muller over blocks of 16 (PyTorch's layout:
// element j pairs with j + 8), recomputing the last 16 when numel % 16 != 0.
template <class T>
void normalFill16(T* data, T mean, T stddev) {
  for (int j = 0; j < 8; j++) {
    const T u1 = 1 - data[j];
    const T u2 = data[j + 8];
    const T radius = std::sqrt(-2 * std::log(u1));
    const T theta = 2.0f * M_PI * u2;
    data[j] = std::fma(radius * std::cos(theta), stddev, mean);
    data[j + 8] = std::fma(radius * std::sin(theta), stddev, mean);
  }
}

// float32 follows PyTorch's AVX2 kernel (normal_fill_16_AVX2), which every x86-64 CPU
// with AVX2 runs: float 2*pi, Cephes log/sincos, and an FMA for `n * std + mean`.
template <>
void normalFill16<float>(float* data, float mean, float stddev) {
  const float twoPi = (float)(2.0f * M_PI);
  for (int j = 0; j < 8; j++) {
    const float u1 = 1.0f - data[j];
    const float u2 = data[j + 8];
    const float radius = std::sqrt(-2.0f * cephes::logf(u1));
    float sine, cosine;
    cephes::sincosf(twoPi * u2, &sine, &cosine);
    data[j] = std::fmaf(radius * cosine, stddev, mean);
    data[j + 8] = std::fmaf(radius * sine, stddev, mean);
  }
}

template <class T>
void normalFillContiguous(CpuGenerator& gen, T* data, int64_t size, T mean, T stddev) {
  for (int64_t i = 0; i < size; i++) {
    if constexpr (std::is_same_v<T, float>) data[i] = gen.uniformFloat(0, 1);
    else data[i] = gen.uniformDouble(0, 1);
  }
  for (int64_t i = 0; i < size - 15; i += 16) normalFill16<T>(data + i, mean, stddev);
  if (size % 16 != 0) {
    T* tail = data + size - 16;
    for (int i = 0; i < 16; i++) {
      if constexpr (std::is_same_v<T, float>) tail[i] = gen.uniformFloat(0, 1);
      else tail[i] = gen.uniformDouble(0, 1);
    }
    normalFill16<T>(tail, mean, stddev);
  }
}

}  // namespace

namespace {

// Elements drawn per block of generator words: a few KiB of words on the stack.
constexpr int64_t kDrawBlock = 512;

#define FLINT_RANDOM_INLINE inline __attribute__((always_inline))

// uniformDouble(0, 1) < p per element from two words (high, low), as the serial path draws
// them. That uniform is bits / 2^53 exactly, so the comparison is bits < p · 2^53, which for
// an integer is bits < ceil(p · 2^53): an integer compare, which vectorizes, where the
// conversion to double does not.
template <class T>
FLINT_RANDOM_INLINE void bernoulliWords(const uint32_t* words, T* out, int64_t count, int64_t threshold) {
  for (int64_t i = 0; i < count; i++) {
    const int64_t bits = (int64_t)((((uint64_t)words[2 * i] << 32) | words[2 * i + 1]) & ((1ULL << 53) - 1));
    out[i] = bits < threshold ? T(1) : T(0);
  }
}

// uniformFloat(low, high) per element from one word: x · range + low rounded once, as
// PyTorch's build contracts it to an FMA.
FLINT_RANDOM_INLINE void uniformWords(const uint32_t* words, float* out, int64_t count, float low, float range) {
  for (int64_t i = 0; i < count; i++) {
    const float x = (float)(int32_t)(words[i] & ((1u << 24) - 1)) * (1.0f / (float)(1u << 24));
    out[i] = std::fma(x, range, low);
  }
}

// The conversion loops compiled twice: for the baseline ISA, where std::fma is a library
// call, and for AVX2+FMA (picked at run time), where it is one instruction.
template <class T>
void bernoulliBaseline(const uint32_t* words, T* out, int64_t count, int64_t threshold) {
  bernoulliWords(words, out, count, threshold);
}
void uniformBaseline(const uint32_t* words, float* out, int64_t count, float low, float range) {
  uniformWords(words, out, count, low, range);
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
template <class T>
__attribute__((target("avx2,fma"))) void bernoulliAvx2(const uint32_t* words, T* out, int64_t count, int64_t threshold) {
  bernoulliWords(words, out, count, threshold);
}
__attribute__((target("avx2,fma"))) void uniformAvx2(const uint32_t* words, float* out, int64_t count, float low, float range) {
  uniformWords(words, out, count, low, range);
}
const bool kHasFma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
constexpr bool kHasFma = false;
#endif

// bernoulli_(p) of a contiguous float tensor, a block of words at a time.
template <class T>
void bernoulliContiguous(CpuGenerator& gen, T* out, int64_t n, double p) {
  uint32_t words[2 * kDrawBlock];
  const int64_t threshold = (int64_t)std::ceil(p * (double)(1ULL << 53));  // p in [0, 1]: exact, at most 2^53
  for (int64_t start = 0; start < n; start += kDrawBlock) {
    const int64_t count = std::min(kDrawBlock, n - start);
    gen.randomBlock(words, 2 * count);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kHasFma) {
      bernoulliAvx2(words, out + start, count, threshold);
      continue;
    }
#endif
    bernoulliBaseline(words, out + start, count, threshold);
  }
}

// uniform_(low, high) of a contiguous float32 tensor.
void uniformFloatContiguous(CpuGenerator& gen, float* out, int64_t n, float low, float high) {
  uint32_t words[kDrawBlock];
  const float range = high - low;
  for (int64_t start = 0; start < n; start += kDrawBlock) {
    const int64_t count = std::min(kDrawBlock, n - start);
    gen.randomBlock(words, count);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kHasFma) {
      uniformAvx2(words, out + start, count, low, range);
      continue;
    }
#endif
    uniformBaseline(words, out + start, count, low, range);
  }
}

}  // namespace

void CpuBackend::fillUniformRun(const TensorView& out, double low, double high) {
  if (out.isContiguous() && out.dtype == DType::Float32) {
    return uniformFloatContiguous(generator_, (float*)out.data, out.numel(), (float)low, (float)high);
  }
  switch (out.dtype) {
    case DType::Float32:
      return serialFill<float>(out, [&] { return generator_.uniformFloat((float)low, (float)high); });
    case DType::Float64:
      return serialFill<double>(out, [&] { return generator_.uniformDouble(low, high); });
    case DType::Float16:
      return serialFill<Half>(out, [&] { return Half{floatToHalf(generator_.uniformFloat((float)low, (float)high))}; });
    case DType::BFloat16:
      return serialFill<BFloat16>(
          out, [&] { return BFloat16{floatToBFloat16(generator_.uniformFloat((float)low, (float)high))}; });
    default:
      return checkFillUniformArgs(out);  // throws (Backend::fillUniform has refused it already)
  }
}

void CpuBackend::fillNormalRun(const TensorView& out, double mean, double stddev) {
  const int64_t size = out.numel();
  const bool contiguous = out.isContiguous();
  if (out.dtype == DType::Float32 && size >= 16 && contiguous) {
    return normalFillContiguous<float>(generator_, (float*)out.data, size, (float)mean, (float)stddev);
  }
  if (out.dtype == DType::Float64 && size >= 16 && contiguous) {
    return normalFillContiguous<double>(generator_, (double*)out.data, size, mean, stddev);
  }
  switch (out.dtype) {
    case DType::Float32:
      return serialFill<float>(out, [&] { return (float)generator_.normalDouble(mean, stddev); });
    case DType::Float64:
      return serialFill<double>(out, [&] { return generator_.normalDouble(mean, stddev); });
    case DType::Float16:
      return serialFill<Half>(out, [&] { return Half{floatToHalf((float)generator_.normalDouble(mean, stddev))}; });
    case DType::BFloat16:
      return serialFill<BFloat16>(
          out, [&] { return BFloat16{floatToBFloat16((float)generator_.normalDouble(mean, stddev))}; });
    default:
      return checkFillNormalArgs(out);  // throws (Backend::fillNormal has refused it already)
  }
}

void CpuBackend::fillRandomIntRun(const TensorView& out, int64_t low, int64_t high) {
  const uint64_t range = (uint64_t)(high - low);
  FLINT_DISPATCH_ALL(out.dtype, "random_", [&] {
    // int64/float/double/bfloat16 draw 64 bits for ranges of 2^32 and more, as PyTorch.
    const bool wide = range >= (1ULL << 32) &&
                      (std::is_same_v<scalar_t, int64_t> || std::is_same_v<scalar_t, double> ||
                       std::is_same_v<scalar_t, float> || std::is_same_v<scalar_t, BFloat16>);
    serialFill<scalar_t>(out, [&] {
      uint64_t value = wide ? generator_.random64() : (uint64_t)generator_.random();
      return convertValue<scalar_t, int64_t>((int64_t)(value % range) + low);
    });
  });
}

namespace {

// random_() with no bounds: transformation::uniform_int, PyTorch's full range per dtype
// ([0, 2^digits] for floating types, [0, max] for integers, either bit for bool). A
// template, so that each dtype's branch is compiled only for that dtype.
template <class T>
T fullRangeDraw(CpuGenerator& gen) {
  if constexpr (std::is_same_v<T, bool>) {
    return (bool)(gen.random() & 1);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return (int64_t)(gen.random64() % ((uint64_t)std::numeric_limits<int64_t>::max() + 1));
  } else if constexpr (std::is_same_v<T, double>) {
    return (double)(gen.random64() % ((1ULL << 53) + 1));
  } else if constexpr (std::is_same_v<T, float>) {
    return (float)(gen.random() % ((1ULL << 24) + 1));
  } else if constexpr (std::is_same_v<T, Half>) {
    return Half{floatToHalf((float)(gen.random() % ((1ULL << 11) + 1)))};
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16{floatToBFloat16((float)(gen.random() % ((1ULL << 8) + 1)))};
  } else {
    return (T)(gen.random() % ((uint64_t)std::numeric_limits<T>::max() + 1));
  }
}

}  // namespace

void CpuBackend::fillRandomFullRun(const TensorView& out) {
  FLINT_DISPATCH_ALL(out.dtype, "random_", [&] {
    serialFill<scalar_t>(out, [&] { return fullRangeDraw<scalar_t>(generator_); });
  });
}

// randperm_cpu: the identity, then one swap per position with a draw modulo the positions
// left (32-bit draws below n = 2^32 / 20, as PyTorch, which keeps its small-n stream).
void CpuBackend::fillPermutationRun(const TensorView& out) {
  const int64_t n = out.shape[0];
  const int64_t stride = out.strides[0];
  FLINT_DISPATCH_ALL(out.dtype, "randperm", [&] {
    scalar_t* data = (scalar_t*)out.data;
    for (int64_t i = 0; i < n; i++) data[i * stride] = convertValue<scalar_t, int64_t>(i);
    const bool narrow = n < (int64_t)(std::numeric_limits<uint32_t>::max() / 20);
    for (int64_t i = 0; i < n - 1; i++) {
      const uint64_t draw = narrow ? (uint64_t)generator_.random() : generator_.random64();
      const int64_t z = (int64_t)(draw % (uint64_t)(n - i));
      std::swap(data[i * stride], data[(z + i) * stride]);
    }
  });
}

std::vector<uint8_t> CpuBackend::rngState() {
  std::vector<uint8_t> bytes(kCpuRngStateBytes);
  generator_.saveState(bytes.data());
  return bytes;
}

void CpuBackend::setRngState(const uint8_t* bytes, size_t size) { generator_.loadState(bytes, size); }

void CpuBackend::fillBernoulliRun(const TensorView& out, double p) {
  if (out.isContiguous() && out.dtype == DType::Float32) return bernoulliContiguous(generator_, (float*)out.data, out.numel(), p);
  if (out.isContiguous() && out.dtype == DType::Float64) return bernoulliContiguous(generator_, (double*)out.data, out.numel(), p);
  FLINT_DISPATCH_ALL(out.dtype, "bernoulli_", [&] {
    serialFill<scalar_t>(out, [&] { return convertValue<scalar_t, int64_t>(generator_.uniformDouble(0, 1) < p); });
  });
}

}  // namespace flint
