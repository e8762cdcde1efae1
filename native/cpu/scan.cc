// Inclusive scans along each row of a contiguous [rows, cols] view on the CPU: cumsum,
// cumprod, cummax, cummin (with indices) and logcumsumexp, one walk per row by the rules
// both devices share (flint/rules/scan.h). Shapes and dtypes were checked where the call
// entered (core/sort_checks.cc).
#include <algorithm>
#include <cstdint>

#include "cpu_backend.h"
#include "flint/rules/scan.h"

namespace flint {

namespace {

template <class T>
void scanRows(ThreadPool& pool, const ScanArgs& args) {
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  const T* in = (const T*)args.input.data;
  T* out = (T*)args.out.data;
  int64_t* idx = (int64_t*)args.indices.data;
  const ScanOp op = args.op;
  pool.parallelFor(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      rules::ScanState<T> s = rules::scanStart<T>(op);
      for (int64_t c = 0; c < cols; c++) {
        rules::scanStep(op, s, in[r * cols + c], c);
        out[r * cols + c] = rules::scanValue(op, s);
        if (idx) idx[r * cols + c] = s.index;
      }
    }
  });
}

}  // namespace

void CpuBackend::scanRun(const ScanArgs& args) {
  switch (args.input.dtype) {
    case DType::Float64: scanRows<double>(pool(), args); break;
    case DType::Int64: scanRows<int64_t>(pool(), args); break;
    default: scanRows<float>(pool(), args); break;
  }
}

}  // namespace flint
