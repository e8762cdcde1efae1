// The dynamically quantized linear layer on the CPU (entries.mjs, quantizedLinearDynamic):
// the input is quantized to uint8 with the scale and zero point TypeScript chose from its
// range, multiplied with the int8 weight by oneDNN's int8 matmul (onednn_matmul.h), and the
// bias is added to the float32 result. Without oneDNN, or for a product it has no kernel
// for, the product is summed here in int32: the same integers, so the same result.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

// As PyTorch's engines quantize activations (fbgemm's Quantize, oneDNN's reorder):
// rint(x · (1 / scale) + zeroPoint) in float32, the product and the sum each rounded, then
// saturated to [0, 255] (reduce_range narrows only the range the scale is chosen for). A NaN
// goes to 0 rather than through an undefined float-to-integer conversion.
void quantizeRows(ThreadPool& pool, const float* input, uint8_t* quantized, int64_t count, float inverseScale,
                  int32_t zeroPoint) {
  const float shift = static_cast<float>(zeroPoint);
  pool.parallelFor(count, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float scaled = input[i] * inverseScale;
      const float q = std::nearbyint(scaled + shift);
      quantized[i] = static_cast<uint8_t>(q >= 0.0f ? (q <= 255.0f ? q : 255.0f) : 0.0f);
    }
  });
}

// out[m, n] = scale_n · Σ_k (q[m, k] - zp) · w[n, k]. Each term is at most 255 · 128 in size,
// so runs of kRun terms sum in int32 (which vectorizes) and the runs in int64: no overflow
// for any K.
constexpr int64_t kRun = 1 << 16;

void int8Product(ThreadPool& pool, const uint8_t* q, const int8_t* weight, float* out, int64_t m, int64_t k, int64_t n,
                 const float* scales, bool perChannel, int32_t zeroPoint) {
  std::vector<int64_t> weightSums(n);
  for (int64_t j = 0; j < n; j++) {
    int64_t sum = 0;
    for (int64_t t = 0; t < k; t++) sum += weight[j * k + t];
    weightSums[j] = sum;
  }
  pool.parallelFor(m * n, std::max<int64_t>(1, 4096 / std::max<int64_t>(k, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; index++) {
      const int64_t i = index / n, j = index % n;
      const uint8_t* row = q + i * k;
      const int8_t* column = weight + j * k;
      int64_t total = 0;
      for (int64_t start = 0; start < k; start += kRun) {
        const int64_t stop = std::min(k, start + kRun);
        int32_t sum = 0;
        for (int64_t t = start; t < stop; t++) sum += static_cast<int32_t>(row[t]) * static_cast<int32_t>(column[t]);
        total += sum;
      }
      total -= static_cast<int64_t>(zeroPoint) * weightSums[j];
      out[index] = static_cast<float>(total) * scales[perChannel ? j : 0];
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
  const int64_t m = a.input.shape[0], k = a.input.shape[1], n = a.weight.shape[0];
  float* out = reinterpret_cast<float*>(a.out.data);
  const float* bias = a.bias.data != nullptr ? reinterpret_cast<const float*>(a.bias.data) : nullptr;
  if (m == 0 || n == 0) return;
  const bool perChannel = a.weightScales.shape[0] == n;
  // The output's scale per column, inputScale · weightScale in float32, as PyTorch's engines
  // multiply them.
  const float* weightScales = reinterpret_cast<const float*>(a.weightScales.data);
  const float inputScale = static_cast<float>(a.inputScale);
  std::vector<float> scales(perChannel ? n : 1);
  for (size_t j = 0; j < scales.size(); j++) scales[j] = inputScale * weightScales[j];
  if (k == 0) {
    std::fill(out, out + m * n, 0.0f);
  } else {
    std::vector<uint8_t> quantized(static_cast<size_t>(m * k));
    // The reciprocal in double, rounded once: what PyTorch's oneDNN engine multiplies by.
    const float inverseScale = static_cast<float>(1.0 / a.inputScale);
    quantizeRows(pool(), reinterpret_cast<const float*>(a.input.data), quantized.data(), m * k, inverseScale,
                 static_cast<int32_t>(a.inputZeroPoint));
    const int8_t* weight = reinterpret_cast<const int8_t*>(a.weight.data);
    OnednnInt8Matmul* onednn = int8Matmul();
    const bool done = onednn != nullptr && onednn->run(quantized.data(), weight, out, m, k, n, scales.data(), perChannel,
                                                       static_cast<int32_t>(a.inputZeroPoint), pool().size());
    if (!done) int8Product(pool(), quantized.data(), weight, out, m, k, n, scales.data(), perChannel, static_cast<int32_t>(a.inputZeroPoint));
  }
  if (bias == nullptr) return;
  pool().parallelFor(m, std::max<int64_t>(1, 16384 / n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      float* row = out + i * n;
      for (int64_t j = 0; j < n; j++) row[j] += bias[j];
    }
  });
}

}  // namespace flint
