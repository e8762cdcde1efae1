// The dynamically quantized linear layer on the CPU (entries.mjs, quantizedLinearDynamic):
// the input's range gives its scale and zero point, it is quantized to uint8, multiplied with
// the int8 weight by oneDNN's int8 matmul (onednn_matmul.h), and the bias is added to the
// float32 result. Without oneDNN, or for a product it has no kernel for, the product is
// summed here in int32: the same integers, so the same result.
#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cpu_backend.h"

namespace flint {

namespace {

// Elements per thread for the passes around the product (range, quantize, bias). They stream
// memory once, and waking flint's pool for them costs more than it saves below a few MB:
// its threads then spin beside oneDNN's OpenMP threads on the same cores.
constexpr int64_t kPassGrain = int64_t(1) << 20;

// The smallest and largest of `count` floats; throws on NaN or ±inf, for which PyTorch's
// engines would choose a NaN or infinite scale and return garbage.
std::pair<float, float> rangeOf(ThreadPool& pool, const float* input, int64_t count) {
  std::mutex mutex;
  float lo = 0.0f, hi = 0.0f;
  bool first = true, finite = true;
  pool.parallelFor(count, kPassGrain, [&](int64_t begin, int64_t end) {
    float a = input[begin], b = input[begin];
    bool ok = true;
    for (int64_t i = begin; i < end; i++) {
      const float v = input[i];
      a = v < a ? v : a;
      b = v > b ? v : b;
      ok = ok && std::isfinite(v);
    }
    std::lock_guard<std::mutex> lock(mutex);
    finite = finite && ok;
    lo = first || a < lo ? a : lo;
    hi = first || b > hi ? b : hi;
    first = false;
  });
  FLINT_CHECK(finite, "qlinear_dynamic: the input has NaN or infinite values, which have no quantized form");
  return {lo, hi};
}

struct InputQuantization {
  double scale;
  int32_t zeroPoint;
};

// PyTorch's ChooseQuantizationParams (aten/src/ATen/native/quantized/cpu/quant_utils.h): the
// scale and zero point that map [min(lo, 0), max(hi, 0)] onto [qmin, qmax] (halved with
// reduceRange), in double, with its floor on tiny scales. src/quantization/quantize.ts ports
// the same function for torch.quantizePerTensorDynamic; tests hold both to PyTorch's values.
InputQuantization chooseQuantizationParams(float min, float max, int32_t qmin, int32_t qmax, bool reduceRange) {
  if (reduceRange) {
    qmin = qmin / 2;
    qmax = qmax / 2;
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  constexpr float kSmallScale = 6.1e-5f;
  if (scale < kSmallScale) {
    const float original = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * (qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * (qmax - qmin);
    } else {
      const float amplifier = kSmallScale / original;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double fromMin = qmin - min / scale, fromMax = qmax - max / scale;
  const double errorMin = std::abs(qmin) - std::abs(min / scale), errorMax = std::abs(qmax) - std::abs(max / scale);
  const double initial = errorMin < errorMax ? fromMin : fromMax;
  const int32_t zeroPoint = initial < qmin ? qmin : initial > qmax ? qmax : static_cast<int32_t>(std::nearbyint(initial));
  return {scale, zeroPoint};
}

// As PyTorch's engines quantize activations (fbgemm's Quantize, oneDNN's reorder):
// rint(x · (1 / scale) + zeroPoint) in float32, the product and the sum each rounded, then
// saturated to [0, 255] (reduce_range narrows only the range the scale is chosen for). The
// value is clamped to [-1, 256] first, NaN to -1 (so to 0), as maxps does. SSE2 (every
// x86-64) rounds to nearest even in cvtps2dq and saturates in the two packs; elsewhere,
// adding and subtracting 1.5 · 2^23 rounds as rint does (nearbyintf is a libm call per
// element, which no compiler vectorizes).
uint8_t quantizeOne(float x, float inverseScale, float shift) {
  constexpr float kRound = 12582912.0f;
  // Two statements: a compiler that contracts a * b + c into one FMA (clang's default) would
  // round once, and PyTorch rounds the product and the sum each.
  const float product = x * inverseScale;
  float v = product + shift;
  v = v > -1.0f ? v : -1.0f;
  v = v < 256.0f ? v : 256.0f;
  const int32_t q = static_cast<int32_t>((v + kRound) - kRound);
  return static_cast<uint8_t>(q < 0 ? 0 : q > 255 ? 255 : q);
}

void quantizeRun(const float* input, uint8_t* quantized, int64_t begin, int64_t end, float inverseScale, float shift) {
  int64_t i = begin;
#if defined(__SSE2__)
  const __m128 scale = _mm_set1_ps(inverseScale), offset = _mm_set1_ps(shift);
  const __m128 low = _mm_set1_ps(-1.0f), high = _mm_set1_ps(256.0f);
  auto lane = [&](const float* p) {
    const __m128 v = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(p), scale), offset);
    return _mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(v, low), high));
  };
  for (; i + 16 <= end; i += 16) {
    const __m128i a = _mm_packs_epi32(lane(input + i), lane(input + i + 4));
    const __m128i b = _mm_packs_epi32(lane(input + i + 8), lane(input + i + 12));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(quantized + i), _mm_packus_epi16(a, b));
  }
#endif
  for (; i < end; i++) quantized[i] = quantizeOne(input[i], inverseScale, shift);
}

void quantizeRows(ThreadPool& pool, const float* input, uint8_t* quantized, int64_t count, float inverseScale,
                  int32_t zeroPoint) {
  const float shift = static_cast<float>(zeroPoint);
  pool.parallelFor(count, kPassGrain, [&](int64_t begin, int64_t end) {
    quantizeRun(input, quantized, begin, end, inverseScale, shift);
  });
}

// out[m, :] = scale · Σ_k (q[m, k] - zp) · w[k, :], row by row: each row's sums run along
// the weight's rows (which vectorizes). Each term is at most 255 · 128 in size, so runs of
// kRun of them sum in int32, and the runs in int64: no overflow for any K.
constexpr int64_t kRun = 1 << 16;

void int8Product(ThreadPool& pool, const uint8_t* q, const int8_t* weight, float* out, int64_t m, int64_t k, int64_t n,
                 const float* scales, bool perChannel, int32_t zeroPoint) {
  std::vector<int64_t> weightSums(n, 0);
  for (int64_t t = 0; t < k; t++) {
    for (int64_t j = 0; j < n; j++) weightSums[j] += weight[t * n + j];
  }
  pool.parallelFor(m, std::max<int64_t>(1, 65536 / std::max<int64_t>(k * n, 1)), [&](int64_t begin, int64_t end) {
    std::vector<int32_t> run(n);
    std::vector<int64_t> total(n);
    for (int64_t i = begin; i < end; i++) {
      const uint8_t* row = q + i * k;
      std::fill(total.begin(), total.end(), 0);
      for (int64_t start = 0; start < k; start += kRun) {
        std::fill(run.begin(), run.end(), 0);
        for (int64_t t = start; t < std::min(k, start + kRun); t++) {
          const int32_t value = row[t];
          const int8_t* w = weight + t * n;
          for (int64_t j = 0; j < n; j++) run[j] += value * static_cast<int32_t>(w[j]);
        }
        for (int64_t j = 0; j < n; j++) total[j] += run[j];
      }
      float* o = out + i * n;
      for (int64_t j = 0; j < n; j++) {
        o[j] = static_cast<float>(total[j] - static_cast<int64_t>(zeroPoint) * weightSums[j]) * scales[perChannel ? j : 0];
      }
    }
  });
}

}  // namespace

OnednnInt8Matmul* CpuBackend::int8Matmul() {
  std::lock_guard<std::mutex> lock(onednnMutex_);
  if (int8Matmul_ == nullptr && !int8MatmulTried_) {
    int8MatmulTried_ = true;
    try {
      int8Matmul_ = std::make_unique<OnednnInt8Matmul>();
    } catch (const std::exception&) {
      // No oneDNN: int8Product sums the same integers.
    }
  }
  return int8Matmul_.get();
}

void CpuBackend::quantizedLinearDynamicRun(const QuantizedLinearDynamicArgs& a) {
  const int64_t m = a.input.shape[0], k = a.input.shape[1], n = a.weight.shape[1];
  float* out = reinterpret_cast<float*>(a.out.data);
  const float* bias = a.bias.data != nullptr ? reinterpret_cast<const float*>(a.bias.data) : nullptr;
  if (m == 0 || n == 0) return;
  const bool perChannel = a.weightScales.shape[0] == n;
  const float* input = reinterpret_cast<const float*>(a.input.data);
  const auto [lo, hi] = k == 0 ? std::pair<float, float>{0.0f, 0.0f} : rangeOf(pool(), input, m * k);
  const InputQuantization q = chooseQuantizationParams(lo, hi, 0, 255, a.reduceRange);
  // The output's scale per column, inputScale · weightScale in float32, as PyTorch's engines
  // multiply them.
  const float* weightScales = reinterpret_cast<const float*>(a.weightScales.data);
  const float inputScale = static_cast<float>(q.scale);
  std::vector<float> scales(perChannel ? n : 1);
  for (size_t j = 0; j < scales.size(); j++) scales[j] = inputScale * weightScales[j];
  if (k == 0) {
    std::fill(out, out + m * n, 0.0f);
  } else {
    std::unique_ptr<uint8_t[]> quantized(new uint8_t[static_cast<size_t>(m * k)]);
    // The reciprocal in double, rounded once: what PyTorch's oneDNN engine multiplies by.
    const float inverseScale = static_cast<float>(1.0 / q.scale);
    quantizeRows(pool(), input, quantized.get(), m * k, inverseScale, q.zeroPoint);
    const int8_t* weight = reinterpret_cast<const int8_t*>(a.weight.data);
    OnednnInt8Matmul* onednn = int8Matmul();
    const bool done = onednn != nullptr && onednn->run(pool(), quantized.get(), weight, out, m, k, n, scales.data(), perChannel, q.zeroPoint);
    if (!done) int8Product(pool(), quantized.get(), weight, out, m, k, n, scales.data(), perChannel, q.zeroPoint);
  }
  if (bias == nullptr) return;
  pool().parallelFor(m, std::max<int64_t>(1, kPassGrain / n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      float* row = out + i * n;
      for (int64_t j = 0; j < n; j++) row[j] += bias[j];
    }
  });
}

}  // namespace flint
