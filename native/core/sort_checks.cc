// The checks of the row sort and the row scans (SortArgs, ScanArgs in backend.h): every
// view contiguous [rows, cols] with the same sizes, the dtypes the devices implement.
#include <string>

#include "checks.h"

namespace flint {

namespace {

void checkRows(const TensorView& v, const TensorView& input, DType dtype, const char* op, const char* what) {
  FLINT_CHECK(v.ndim == 2 && v.isContiguous() && v.shape[0] == input.shape[0] && v.shape[1] == input.shape[1],
              std::string(op) + ": " + what + " must be a contiguous [rows, cols] tensor like the input");
  FLINT_CHECK(v.dtype == dtype, std::string(op) + ": " + what + " must be " + dtypeName(dtype) + ", got " + dtypeName(v.dtype));
}

void checkRowsOfSortable(const TensorView& input, const char* op) {
  FLINT_CHECK(input.dtype == DType::Float32 || input.dtype == DType::Float64 || input.dtype == DType::Int64,
              std::string(op) + ": expected a float32, float64 or int64 input, got " + dtypeName(input.dtype));
  FLINT_CHECK(input.ndim == 2 && input.isContiguous(), std::string(op) + ": expected a contiguous [rows, cols] input");
}

}  // namespace

void checkSortArgs(const SortArgs& args) {
  checkRowsOfSortable(args.input, "sort");
  checkRows(args.values, args.input, args.input.dtype, "sort", "values");
  checkRows(args.indices, args.input, DType::Int64, "sort", "indices");
}

void checkScanArgs(const ScanArgs& args) {
  const int op = (int)args.op;
  FLINT_CHECK(op >= 0 && op < EnumInfo<ScanOp>::count, "scan: unknown op " + std::to_string(op));
  checkRowsOfSortable(args.input, "scan");
  FLINT_CHECK(args.op != ScanOp::LogSumExp || args.input.dtype != DType::Int64,
              "scan: logcumsumexp needs a float32 or float64 input");
  checkRows(args.out, args.input, args.input.dtype, "scan", "the output");
  const bool extreme = args.op == ScanOp::Max || args.op == ScanOp::Min;
  if (extreme) {
    FLINT_CHECK(args.indices.data != nullptr || args.input.shape[0] * args.input.shape[1] == 0,
                "scan: cummax and cummin write indices");
    if (args.indices.data != nullptr) checkRows(args.indices, args.input, DType::Int64, "scan", "indices");
  } else {
    FLINT_CHECK(args.indices.data == nullptr, "scan: only cummax and cummin write indices");
  }
}

void checkSelectArgs(const SelectArgs& args) {
  const int op = (int)args.op;
  FLINT_CHECK(op >= 0 && op < EnumInfo<SelectOp>::count, "select: unknown op " + std::to_string(op));
  checkRowsOfSortable(args.input, "select");
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  int64_t width = 1;
  if (args.op == SelectOp::Topk) {
    FLINT_CHECK(args.k >= 0 && args.k <= cols, "selected index k out of range");
    width = args.k;
  } else if (args.op == SelectOp::Kth) {
    FLINT_CHECK(args.k >= 1 && args.k <= cols, "kthvalue(): selected number k out of range");
  } else {
    FLINT_CHECK(cols > 0 || rows == 0, "select: a median or mode needs a non-empty row");
  }
  for (const TensorView* v : {&args.values, &args.indices}) {
    const bool isValues = v == &args.values;
    FLINT_CHECK(v->ndim == 2 && v->isContiguous() && v->shape[0] == rows && v->shape[1] == width,
                std::string("select: ") + (isValues ? "values" : "indices") + " must be a contiguous [rows, " +
                    std::to_string(width) + "] tensor");
    const DType dtype = isValues ? args.input.dtype : DType::Int64;
    FLINT_CHECK(v->dtype == dtype, std::string("select: ") + (isValues ? "values" : "indices") + " must be " +
                                       dtypeName(dtype) + ", got " + dtypeName(v->dtype));
  }
}

}  // namespace flint
