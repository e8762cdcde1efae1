// logsumexp over the rows of a contiguous [rows, cols] view, and its backward, on the CPU.
// The shapes and dtypes were checked where the call entered (kernels.generated.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu_backend.h"

namespace flint {

namespace {

template <typename T>
void logsumexpRows(ThreadPool& pool, const LogsumexpArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  T* out = (T*)args.out.data;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const T* x = in + r * cols;
      T maxValue = -std::numeric_limits<T>::infinity();
      bool nan = false;
      for (int64_t c = 0; c < cols; c++) {
        nan |= std::isnan(x[c]);
        maxValue = std::max(maxValue, x[c]);
      }
      // PyTorch shifts by the max only where it is finite: a row holding +inf sums to +inf,
      // a row of -inf (or an empty row) to 0, whose log is -inf.
      const T shift = std::isinf(maxValue) ? T(0) : maxValue;
      double total = 0;
      for (int64_t c = 0; c < cols; c++) total += std::exp((double)(x[c] - shift));
      out[r] = nan ? std::numeric_limits<T>::quiet_NaN() : (T)std::log(total) + shift;
    }
  });
}

template <typename T>
void logsumexpBackwardRows(ThreadPool& pool, const LogsumexpBackwardArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  const T* result = (const T*)args.result.data;
  const T* grad = (const T*)args.gradOutput.data;
  T* gi = (T*)args.gradInput.data;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      for (int64_t c = 0; c < cols; c++) gi[r * cols + c] = grad[r] * std::exp(in[r * cols + c] - result[r]);
    }
  });
}

}  // namespace

void CpuBackend::logsumexpRun(const LogsumexpArgs& args) {
  if (args.input.dtype == DType::Float64) logsumexpRows<double>(pool(), args);
  else logsumexpRows<float>(pool(), args);
}

void CpuBackend::logsumexpBackwardRun(const LogsumexpBackwardArgs& args) {
  if (args.input.dtype == DType::Float64) logsumexpBackwardRows<double>(pool(), args);
  else logsumexpBackwardRows<float>(pool(), args);
}

}  // namespace flint
