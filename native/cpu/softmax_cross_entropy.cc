// Softmax, log-softmax and the fused cross-entropy / NLL loss on the CPU.
// Sums run in double: a row of thousands of classes then loses nothing to float32
// accumulation, and the extra cost is small next to exp().
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu_backend.h"

namespace flint {

namespace {

template <typename T>
void softmaxForward(ThreadPool& pool, const SoftmaxArgs& args) {
  const int64_t outer = args.input.shape[0], size = args.input.shape[1], inner = args.input.shape[2];
  const T* in = (const T*)args.input.data;
  T* out = (T*)args.out.data;
  const bool log = args.log;
  const int64_t lines = outer * inner;
  if (inner == 1 && !log) {
    // Contiguous rows (the last dim, attention's case): four partial maxima and sums, so
    // that no loop waits on one accumulator. Same exp, same double sums.
    pool.parallelFor(outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; row++) {
        const T* x = in + row * size;
        T* y = out + row * size;
        T m[4] = {-std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                  -std::numeric_limits<T>::infinity()};
        int64_t k = 0;
        for (; k + 4 <= size; k += 4) {
          for (int j = 0; j < 4; j++) m[j] = std::max(m[j], x[k + j]);
        }
        for (; k < size; k++) m[0] = std::max(m[0], x[k]);
        T maxValue = std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
        // A NaN is skipped by std::max here as in the line loop below; it still makes its
        // row NaN through the sum.
        if (std::isinf(maxValue) && maxValue < 0) maxValue = 0;
        for (int64_t i = 0; i < size; i++) y[i] = std::exp(x[i] - maxValue);
        double s[4] = {0, 0, 0, 0};
        k = 0;
        for (; k + 4 <= size; k += 4) {
          for (int j = 0; j < 4; j++) s[j] += y[k + j];
        }
        for (; k < size; k++) s[0] += y[k];
        const T scale = (T)(1.0 / ((s[0] + s[1]) + (s[2] + s[3])));
        for (int64_t i = 0; i < size; i++) y[i] *= scale;
      }
    });
    return;
  }
  pool.parallelFor(lines, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; line++) {
      const int64_t base = (line / inner) * size * inner + line % inner;
      const T* x = in + base;
      T* y = out + base;
      T maxValue = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < size; k++) maxValue = std::max(maxValue, x[k * inner]);
      // A row of -inf (or all masked) has no finite max: softmax is NaN there, as PyTorch's.
      if (std::isinf(maxValue) && maxValue < 0) maxValue = 0;
      double total = 0;
      if (log) {
        for (int64_t k = 0; k < size; k++) total += std::exp((double)(x[k * inner] - maxValue));
        // (x - max) - lse, never x - (max + lse): for large logits max + lse rounds away
        // the small lse (PyTorch's order; 1e6-sized logits keep their precision).
        const T lse = (T)std::log(total);
        for (int64_t k = 0; k < size; k++) y[k * inner] = (x[k * inner] - maxValue) - lse;
      } else {
        for (int64_t k = 0; k < size; k++) {
          const T v = std::exp(x[k * inner] - maxValue);
          y[k * inner] = v;
          total += v;
        }
        const T scale = (T)(1.0 / total);
        for (int64_t k = 0; k < size; k++) y[k * inner] *= scale;
      }
    }
  });
}

template <typename T>
void softmaxBackwardKernel(ThreadPool& pool, const SoftmaxBackwardArgs& args) {
  const int64_t outer = args.output.shape[0], size = args.output.shape[1], inner = args.output.shape[2];
  const T* g = (const T*)args.gradOutput.data;
  const T* y = (const T*)args.output.data;
  T* gi = (T*)args.gradInput.data;
  const bool log = args.log;
  pool.parallelFor(outer * inner, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; line++) {
      const int64_t base = (line / inner) * size * inner + line % inner;
      double total = 0;
      if (log) {
        // d logsoftmax: g - exp(y) * sum(g)
        for (int64_t k = 0; k < size; k++) total += g[base + k * inner];
        for (int64_t k = 0; k < size; k++) {
          const int64_t i = base + k * inner;
          gi[i] = g[i] - std::exp(y[i]) * (T)total;
        }
      } else {
        // d softmax: y * (g - sum(g * y))
        for (int64_t k = 0; k < size; k++) total += (double)g[base + k * inner] * y[base + k * inner];
        for (int64_t k = 0; k < size; k++) {
          const int64_t i = base + k * inner;
          gi[i] = y[i] * (g[i] - (T)total);
        }
      }
    }
  });
}


// The weight of row r's target, or 0 when the row is ignored; checks the class range.
template <typename T>
double targetWeight(const int64_t* target, const T* weight, int64_t row, int64_t classes, int64_t ignoreIndex) {
  const int64_t t = target[row];
  if (t == ignoreIndex) return 0;
  if (t < 0 || t >= classes) throw Error("Target " + std::to_string(t) + " is out of bounds.");
  return weight ? (double)weight[t] : 1.0;
}

template <typename T>
double crossEntropyForward(ThreadPool& pool, const CrossEntropyArgs& args) {
  const int64_t rows = args.input.shape[0], classes = args.input.shape[1];
  const T* input = (const T*)args.input.data;
  const int64_t* target = (const int64_t*)args.target.data;
  const T* weight = (const T*)args.weight.data;
  T* logProbs = args.fromLogits ? (T*)args.logProbs.data : nullptr;
  const double smoothing = args.labelSmoothing;
  // Per-row losses in double, reduced afterwards, so the mean matches a float64 sum.
  std::vector<double> rowLoss((size_t)rows), rowWeight((size_t)rows);
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(classes, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const T* x = input + r * classes;
      const T* lp = x;
      if (logProbs) {
        T* y = logProbs + r * classes;
        T maxValue = -std::numeric_limits<T>::infinity();
        for (int64_t c = 0; c < classes; c++) maxValue = std::max(maxValue, x[c]);
        if (std::isinf(maxValue) && maxValue < 0) maxValue = 0;
        double total = 0;
        for (int64_t c = 0; c < classes; c++) total += std::exp((double)(x[c] - maxValue));
        const T lse = (T)std::log(total);  // (x - max) - lse, as in softmaxForward
        for (int64_t c = 0; c < classes; c++) y[c] = (x[c] - maxValue) - lse;
        lp = y;
      }
      const double w = targetWeight(target, weight, r, classes, args.ignoreIndex);
      rowWeight[(size_t)r] = w;
      if (w == 0 && target[r] == args.ignoreIndex) {
        rowLoss[(size_t)r] = 0;
        continue;
      }
      double loss = -w * (double)lp[target[r]];
      if (smoothing > 0) {
        double smooth = 0;
        for (int64_t c = 0; c < classes; c++) smooth -= (weight ? (double)weight[c] : 1.0) * (double)lp[c];
        loss = (1 - smoothing) * loss + smoothing / (double)classes * smooth;
      }
      rowLoss[(size_t)r] = loss;
    }
  });
  double totalWeight = 0, totalLoss = 0;
  for (int64_t r = 0; r < rows; r++) {
    totalWeight += rowWeight[(size_t)r];
    totalLoss += rowLoss[(size_t)r];
  }
  T* loss = (T*)args.loss.data;
  switch (args.reduction) {
    case LossReduction::None:
      for (int64_t r = 0; r < rows; r++) loss[r] = (T)rowLoss[(size_t)r];
      break;
    case LossReduction::Sum: loss[0] = (T)totalLoss; break;
    case LossReduction::Mean: loss[0] = (T)(totalLoss / totalWeight); break;
  }
  *(double*)args.totalWeight.data = totalWeight;
  return totalWeight;
}

template <typename T>
void crossEntropyBackwardKernel(ThreadPool& pool, const CrossEntropyBackwardArgs& args) {
  const int64_t rows = args.logProbs.shape[0], classes = args.logProbs.shape[1];
  const T* lp = (const T*)args.logProbs.data;
  const int64_t* target = (const int64_t*)args.target.data;
  const T* weight = (const T*)args.weight.data;
  const T* gradLoss = (const T*)args.gradLoss.data;
  T* gi = (T*)args.gradInput.data;
  const double smoothing = args.labelSmoothing;
  const double scale = args.reduction == LossReduction::Mean ? 1.0 / *(const double*)args.totalWeight.data : 1.0;
  // Sum over classes of the smoothing part of the target distribution (weights included).
  double smoothTotal = 0;
  if (smoothing > 0) {
    for (int64_t c = 0; c < classes; c++) smoothTotal += weight ? (double)weight[c] : 1.0;
    smoothTotal *= smoothing / (double)classes;
  }
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(classes, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      T* row = gi + r * classes;
      const int64_t t = target[r];
      if (t == args.ignoreIndex) {
        for (int64_t c = 0; c < classes; c++) row[c] = 0;
        continue;
      }
      const double w = targetWeight(target, weight, r, classes, args.ignoreIndex);
      const double g = (args.reduction == LossReduction::None ? (double)gradLoss[r] : (double)gradLoss[0]) * scale;
      // The loss is -sum_c q_c * logp_c with q the (smoothed, weighted) target distribution.
      const double hard = (1 - smoothing) * w;
      const double qTotal = hard + smoothTotal;
      const T* x = lp + r * classes;
      for (int64_t c = 0; c < classes; c++) {
        double q = smoothing > 0 ? smoothing / (double)classes * (weight ? (double)weight[c] : 1.0) : 0.0;
        if (c == t) q += hard;
        row[c] = args.fromLogits ? (T)(g * (std::exp((double)x[c]) * qTotal - q)) : (T)(-g * q);
      }
    }
  });
}


}  // namespace

void CpuBackend::softmaxRun(const SoftmaxArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "softmax", [&] { softmaxForward<scalar_t>(*pool_, args); });
}

void CpuBackend::softmaxBackwardRun(const SoftmaxBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.output.dtype, "softmax backward",
                          [&] { softmaxBackwardKernel<scalar_t>(*pool_, args); });
}

void CpuBackend::crossEntropyRun(const CrossEntropyArgs& args) {
  FLINT_DISPATCH_FLOATING(args.input.dtype, "cross_entropy", [&] { crossEntropyForward<scalar_t>(*pool_, args); });
}

void CpuBackend::crossEntropyBackwardRun(const CrossEntropyBackwardArgs& args) {
  FLINT_DISPATCH_FLOATING(args.logProbs.dtype, "cross_entropy backward",
                          [&] { crossEntropyBackwardKernel<scalar_t>(*pool_, args); });
}

}  // namespace flint
