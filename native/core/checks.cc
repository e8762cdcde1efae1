#include "checks.h"

#include <cstdint>
#include <string>

#include "flint/rules/binary.h"
#include "flint/rules/reduce.h"
#include "flint/rules/unary.h"

namespace flint {

namespace {

void checkFloating(DType dtype, const std::string& message) {
  FLINT_CHECK(dtype == DType::Float32 || dtype == DType::Float64, message);
}

void checkSoftmaxView(const TensorView& v, const char* what) {
  FLINT_CHECK(v.ndim == 3 && v.isContiguous(), std::string(what) + ": expected a contiguous [outer, size, inner] view");
}

void checkLossViews(const TensorView& input, const TensorView& target, const TensorView& weight) {
  FLINT_CHECK(input.ndim == 2 && input.isContiguous(), "cross_entropy: expected contiguous [rows, classes] scores");
  FLINT_CHECK(target.ndim == 1 && target.isContiguous() && target.dtype == DType::Int64 &&
                  target.shape[0] == input.shape[0],
              "cross_entropy: expected an int64 target with one class index per row");
  FLINT_CHECK(weight.data == nullptr || (weight.ndim == 1 && weight.isContiguous() && weight.dtype == input.dtype &&
                                         weight.shape[0] == input.shape[1]),
              "cross_entropy: weight must be a contiguous 1-D tensor with one value per class");
}

void checkLossOptions(LossReduction reduction, double labelSmoothing) {
  FLINT_CHECK((int32_t)reduction >= 0 && (int32_t)reduction <= (int32_t)LossReduction::Sum, "unknown loss reduction");
  FLINT_CHECK(labelSmoothing >= 0 && labelSmoothing <= 1, "label_smoothing must be between 0.0 and 1.0");
}

void checkTotalWeight(const TensorView& v, const char* op) {
  FLINT_CHECK(v.data != nullptr && v.dtype == DType::Float64 && v.numel() == 1,
              std::string(op) + ": expected a float64 scalar for the total weight");
}

void checkMatrix(const TensorView& v, const TensorView& like, const char* op, const char* what) {
  FLINT_CHECK(v.ndim == 2 && v.isContiguous() && v.shape[0] == like.shape[0] && v.shape[1] == like.shape[1] &&
                  v.dtype == like.dtype,
              std::string(op) + ": " + what + " must be a contiguous [rows, cols] tensor like the input");
}

void checkVector(const TensorView& v, const TensorView& like, int64_t size, const char* op, const char* what) {
  FLINT_CHECK(v.isContiguous() && v.numel() == size && v.dtype == like.dtype,
              std::string(op) + ": " + what + " must be a contiguous tensor of " + std::to_string(size) +
                  " values with the input's dtype");
}

void checkRowsInput(const TensorView& input, const char* op) {
  checkFloating(input.dtype, std::string(op) + ": expected a float32 or float64 input, got " + dtypeName(input.dtype));
  FLINT_CHECK(input.ndim == 2 && input.isContiguous(), std::string(op) + ": expected a contiguous [rows, cols] input");
}

std::string shapeString(const TensorView& view) {
  std::string out = "[";
  for (int d = 0; d < view.ndim; d++) out += (d ? ", " : "") + std::to_string(view.shape[d]);
  return out + "]";
}

bool sameShape(const TensorView& a, const TensorView& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; d++) {
    if (a.shape[d] != b.shape[d]) return false;
  }
  return true;
}

void checkInputShape(const char* op, const TensorView& out, const TensorView& in) {
  if (!sameShape(out, in)) {
    throw Error(std::string(op) + ": an input of shape " + shapeString(in) + " does not match the output's shape " +
                shapeString(out));
  }
}

void checkIndexDtype(const TensorView& index, const char* op) {
  FLINT_CHECK(index.dtype == DType::Int64,
              std::string(op) + "(): Expected dtype int64 for index, got " + dtypeName(index.dtype));
}

void checkDim(int dim, int ndim, const char* op) {
  FLINT_CHECK(dim >= 0 && dim < ndim, std::string(op) + "(): dimension " + std::to_string(dim) +
                                          " is out of range for a tensor with " + std::to_string(ndim) + " dims");
}

// One index per row along `dim` of `out` and `src`, which agree on every other size.
void checkIndexVector(const char* op, const TensorView& out, int dim, const TensorView& index,
                      const TensorView& other, const char* otherName) {
  checkIndexDtype(index, op);
  FLINT_CHECK(index.ndim == 1, std::string(op) + "(): Index is supposed to be a vector");
  checkDim(dim, out.ndim, op);
  bool match = other.ndim == out.ndim && other.shape[dim] == index.shape[0];
  for (int d = 0; match && d < out.ndim; d++) match = d == dim || other.shape[d] == out.shape[d];
  FLINT_CHECK(match, std::string(op) + "(): expected " + otherName + " of shape " + shapeString(other) +
                         " to match self " + shapeString(out) + " apart from dimension " + std::to_string(dim) +
                         ", where it needs one entry per index (" + std::to_string(index.shape[0]) + ")");
}

void checkComputeDType(DType dtype, const char* op) {
  FLINT_CHECK(isComputeDType(dtype),
              std::string(op) + ": unsupported dtype " + dtypeName(dtype) + " (cast to float32 first)");
}

void checkBinaryOp(BinaryOp op) {
  FLINT_CHECK((int32_t)op >= 0 && (int32_t)op < EnumInfo<BinaryOp>::count, "unknown binary op");
}

// The output dtype (bool for comparisons), and the operands' dtype for the op.
void checkBinaryDTypes(BinaryOp op, const TensorView& out, const TensorView& a) {
  FLINT_CHECK(out.dtype == (isCompareOp(op) ? DType::Bool : a.dtype), "binary: wrong output dtype");
  checkComputeDType(a.dtype, "binary");
  checkBinaryDType(op, a.dtype);
}

// PyTorch's wording when a kernel has no implementation for a dtype.
void checkRandomFloating(const TensorView& out, const char* kernel) {
  FLINT_CHECK(isFloatingDType(out.dtype),
              std::string("\"") + kernel + "\" not implemented for '" + dtypeName(out.dtype) + "'");
}

void checkLeadingDimension(int64_t ld, int64_t rows, int64_t cols, const char* name) {
  if (rows > 1 && cols > 0) FLINT_CHECK(ld >= cols, std::string("gemm: operand ") + name + "'s rows overlap");
}

}  // namespace

int64_t checkedNumel(const TensorView& view) {
  // PyTorch multiplies the sizes as uint64 and keeps the overflow flag sticky, so a zero
  // after an overflow does not hide it.
  uint64_t product = 1;
  bool overflow = false;
  for (int d = 0; d < view.ndim; d++) {
    overflow |= view.shape[d] < 0 || __builtin_mul_overflow(product, (uint64_t)view.shape[d], &product);
  }
  if (overflow || product > (uint64_t)INT64_MAX) throw Error("numel: integer multiplication overflow");
  return (int64_t)product;
}

int64_t viewSpanBytes(const TensorView& view, int64_t offset) {
  if (checkedNumel(view) == 0) return 0;
  FLINT_CHECK(offset >= 0, "negative storage offset " + std::to_string(offset));
  int64_t last = offset;  // the element offset of the view's last element
  bool overflow = false;
  for (int d = 0; d < view.ndim; d++) {
    FLINT_CHECK(view.strides[d] >= 0, "negative strides are not supported (got stride " +
                                          std::to_string(view.strides[d]) + " at dimension " + std::to_string(d) + ")");
    int64_t step = 0;
    overflow |= __builtin_mul_overflow(view.shape[d] - 1, view.strides[d], &step);
    overflow |= __builtin_add_overflow(last, step, &last);
  }
  int64_t bytes = 0;
  overflow |= __builtin_add_overflow(last, (int64_t)1, &last);
  overflow |= __builtin_mul_overflow(last, (int64_t)view.itemsize(), &bytes);
  if (overflow) throw Error("a view's extent overflows int64: the view reaches past any storage");
  return bytes;
}


void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a) {
  checkInputShape(op, out, a);
}
void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a, const TensorView& b) {
  checkInputShape(op, out, a);
  checkInputShape(op, out, b);
}
void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a, const TensorView& b,
                            const TensorView& c) {
  checkInputShape(op, out, a);
  checkInputShape(op, out, b);
  checkInputShape(op, out, c);
}

void checkStorageRange(const Storage* storage, size_t offsetBytes, size_t nbytes, const char* message) {
  FLINT_CHECK(nbytes <= storage->nbytes && offsetBytes <= storage->nbytes - nbytes, message);
}

void checkCastArgs(const TensorView& out, const TensorView& in) { checkElementwiseShapes("copy", out, in); }

void checkUnaryArgs(UnaryOp op, const TensorView& out, const TensorView& in) {
  FLINT_CHECK((int32_t)op >= 0 && (int32_t)op < EnumInfo<UnaryOp>::count, "unknown unary op");
  checkElementwiseShapes("unary", out, in);
  FLINT_CHECK(out.dtype == in.dtype, "unary: input and output dtypes differ");
  checkComputeDType(in.dtype, "unary");
  checkUnaryDType(op, in.dtype);
}

void checkBinaryArgs(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  checkBinaryOp(op);
  checkElementwiseShapes("binary", out, a, b);
  FLINT_CHECK(a.dtype == b.dtype, "binary: operand dtypes differ (promote them first)");
  checkBinaryDTypes(op, out, a);
}

void checkBinaryScalarArgs(BinaryOp op, const TensorView& out, const TensorView& a) {
  checkBinaryOp(op);
  checkElementwiseShapes("binary", out, a);
  checkBinaryDTypes(op, out, a);
}

void checkWhereArgs(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  checkElementwiseShapes("where", out, cond, a, b);
  FLINT_CHECK(cond.dtype == DType::Bool, "where: condition must be a bool tensor");
  FLINT_CHECK(a.dtype == b.dtype && out.dtype == a.dtype, "where: dtypes differ (promote them first)");
}

void checkAxpyArgs(const TensorView& out, const TensorView& x) {
  checkElementwiseShapes("axpy", out, x);
  FLINT_CHECK(out.dtype == x.dtype, "axpy: operands must have one dtype and shape");
  FLINT_CHECK(out.dtype == DType::Float32 || out.dtype == DType::Float64, "axpy: expected float32 or float64");
}

void checkFillUniformArgs(const TensorView& out) { checkRandomFloating(out, "check_uniform_bounds"); }
void checkFillNormalArgs(const TensorView& out) { checkRandomFloating(out, "normal_kernel_cpu"); }

void checkFillRandomIntArgs(int64_t low, int64_t high) {
  FLINT_CHECK(low < high, "random_ expects 'from' to be less than 'to', but got from=" + std::to_string(low) +
                              " >= to=" + std::to_string(high));
}

void checkFillBernoulliArgs(double p) {
  FLINT_CHECK(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=" + std::to_string(p));
}

void checkGemmArgs(const GemmArgs& g) {
  FLINT_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0 && g.batch >= 0, "gemm: negative size");
  FLINT_CHECK(g.lda >= 0 && g.ldb >= 0 && g.ldc >= 0 && g.strideA >= 0 && g.strideB >= 0 && g.strideC >= 0,
              "gemm: negative stride");
  checkLeadingDimension(g.lda, g.transA ? g.k : g.m, g.transA ? g.m : g.k, "a");
  checkLeadingDimension(g.ldb, g.transB ? g.n : g.k, g.transB ? g.k : g.n, "b");
  checkLeadingDimension(g.ldc, g.m, g.n, "out");
  FLINT_CHECK(g.bias == nullptr || (g.batch == 1 && g.biasStrideM >= 0 && g.biasStrideN >= 0),
              "gemm: a bias needs a batch of one and non-negative strides");
}

void checkIndexSelectArgs(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  checkIndexVector("index_select", in, dim, index, out, "an output");
}

void checkIndexPutArgs(const TensorView& out, int dim, const TensorView& index, const TensorView& src) {
  checkIndexVector("index_put", out, dim, index, src, "a source");
  FLINT_CHECK(src.dtype == out.dtype, "index_put(): Expected self.dtype to be equal to source.dtype");
}

void checkGatherArgs(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  checkIndexDtype(index, "gather");
  FLINT_CHECK(index.ndim == in.ndim, "Index tensor must have the same number of dimensions as input tensor");
  checkDim(dim, in.ndim, "gather");
  for (int d = 0; d < in.ndim; d++) {
    if (d != dim && index.shape[d] > in.shape[d]) {
      throw Error("Size does not match at dimension " + std::to_string(d) + " expected index " + shapeString(index) +
                  " to be smaller than self " + shapeString(in) + " apart from dimension " + std::to_string(dim));
    }
  }
  FLINT_CHECK(sameShape(out, index) && out.dtype == in.dtype, "gather(): the output must have the index's shape " +
                                                                  shapeString(index) + " and the input's dtype");
}

void checkScatterArgs(const TensorView& out, int dim, const TensorView& index, const TensorView& src) {
  checkIndexDtype(index, "scatter");
  FLINT_CHECK(index.ndim == out.ndim, "Index tensor must have the same number of dimensions as self tensor");
  checkDim(dim, out.ndim, "scatter");
  bool fits = src.ndim == index.ndim;
  for (int d = 0; fits && d < out.ndim; d++) {
    fits = (d == dim || index.shape[d] <= out.shape[d]) && index.shape[d] <= src.shape[d];
  }
  if (!fits) {
    throw Error("Expected index " + shapeString(index) + " to be smaller than self " + shapeString(out) +
                " apart from dimension " + std::to_string(dim) + " and to be smaller size than src " + shapeString(src));
  }
  FLINT_CHECK(src.dtype == out.dtype, "scatter(): Expected self.dtype to be equal to src.dtype");
}

DType reduceOutputDType(ReduceOp op, DType input) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Prod: return isFloatingDType(input) ? input : DType::Int64;
    case ReduceOp::ArgMax:
    case ReduceOp::ArgMin: return DType::Int64;
    case ReduceOp::Any:
    case ReduceOp::All: return DType::Bool;
    default: return input;
  }
}

void checkReduceArgs(const ReduceArgs& args) {
  FLINT_CHECK((int32_t)args.op >= 0 && (int32_t)args.op < EnumInfo<ReduceOp>::count, "unknown reduction");
  FLINT_CHECK(args.reduceDims >= 0 && args.reduceDims <= args.input.ndim, "reduce: bad number of reduced dims");
  const DType expected = reduceOutputDType(args.op, args.input.dtype);
  FLINT_CHECK(args.output.dtype == expected, std::string("reduce: output dtype must be ") + dtypeName(expected));
  FLINT_CHECK(args.output.isContiguous(), "reduce: output must be contiguous");
  int64_t kept = 1, reduced = 1;
  for (int d = 0; d < args.input.ndim - args.reduceDims; d++) kept *= args.input.shape[d];
  for (int d = args.input.ndim - args.reduceDims; d < args.input.ndim; d++) reduced *= args.input.shape[d];
  FLINT_CHECK(args.output.numel() == kept, "reduce: the output must hold one element per kept position (" +
                                               std::to_string(kept) + "), got " + std::to_string(args.output.numel()));
  checkComputeDType(args.input.dtype, "reduce");
  // max, min, argmax and argmin have no identity to give an empty reduction.
  if (reduceRule(args.op).family == ReduceFamily::Extreme && reduced == 0) {
    throw Error("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
                "dim with the 'dim' argument.");
  }
}

void checkSoftmaxArgs(const SoftmaxArgs& args) {
  checkSoftmaxView(args.input, "softmax");
  checkSoftmaxView(args.out, "softmax");
  FLINT_CHECK(args.input.numel() == args.out.numel() && args.input.dtype == args.out.dtype, "softmax: output mismatch");
  checkFloating(args.input.dtype, "softmax: expected a float32 or float64 tensor");
}

void checkSoftmaxBackwardArgs(const SoftmaxBackwardArgs& args) {
  checkSoftmaxView(args.gradInput, "softmax backward");
  checkSoftmaxView(args.gradOutput, "softmax backward");
  checkSoftmaxView(args.output, "softmax backward");
  FLINT_CHECK(args.gradOutput.numel() == args.output.numel() && args.gradInput.numel() == args.output.numel() &&
                  args.gradOutput.dtype == args.output.dtype && args.gradInput.dtype == args.output.dtype,
              "softmax backward: shape or dtype mismatch");
  checkFloating(args.output.dtype, "softmax backward: expected a float32 or float64 tensor");
}

void checkCrossEntropyArgs(const CrossEntropyArgs& args) {
  checkLossOptions(args.reduction, args.labelSmoothing);
  checkLossViews(args.input, args.target, args.weight);
  const int64_t lossNumel = args.reduction == LossReduction::None ? args.input.shape[0] : 1;
  FLINT_CHECK(args.loss.isContiguous() && args.loss.numel() == lossNumel && args.loss.dtype == args.input.dtype,
              "cross_entropy: loss output mismatch");
  FLINT_CHECK(!args.fromLogits || (args.logProbs.isContiguous() && args.logProbs.numel() == args.input.numel() &&
                                   args.logProbs.dtype == args.input.dtype),
              "cross_entropy: log-probability output mismatch");
  checkTotalWeight(args.totalWeight, "cross_entropy");
  checkFloating(args.input.dtype, "cross_entropy: expected float32 or float64 scores");
}

void checkCrossEntropyBackwardArgs(const CrossEntropyBackwardArgs& args) {
  checkLossOptions(args.reduction, args.labelSmoothing);
  checkLossViews(args.logProbs, args.target, args.weight);
  const int64_t lossNumel = args.reduction == LossReduction::None ? args.logProbs.shape[0] : 1;
  FLINT_CHECK(args.gradLoss.isContiguous() && args.gradLoss.numel() == lossNumel &&
                  args.gradLoss.dtype == args.logProbs.dtype,
              "cross_entropy backward: gradient shape mismatch");
  FLINT_CHECK(args.gradInput.isContiguous() && args.gradInput.numel() == args.logProbs.numel() &&
                  args.gradInput.dtype == args.logProbs.dtype,
              "cross_entropy backward: output mismatch");
  checkTotalWeight(args.totalWeight, "cross_entropy backward");
  checkFloating(args.logProbs.dtype, "cross_entropy backward: expected float32 or float64");
}

void checkLayerNormArgs(const LayerNormArgs& args) {
  const char* op = "layer_norm";
  checkRowsInput(args.input, op);
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  checkMatrix(args.out, args.input, op, "the output");
  if (args.weight.data != nullptr) checkVector(args.weight, args.input, cols, op, "weight");
  if (args.bias.data != nullptr) checkVector(args.bias, args.input, cols, op, "bias");
  checkVector(args.mean, args.input, rows, op, "mean");
  checkVector(args.rstd, args.input, rows, op, "rstd");
}

void checkLayerNormBackwardArgs(const LayerNormBackwardArgs& args) {
  const char* op = "layer_norm backward";
  checkRowsInput(args.input, op);
  const int64_t rows = args.input.shape[0], cols = args.input.shape[1];
  checkMatrix(args.gradOutput, args.input, op, "gradOutput");
  if (args.gradInput.data != nullptr) checkMatrix(args.gradInput, args.input, op, "gradInput");
  if (args.gradWeight.data != nullptr) checkVector(args.gradWeight, args.input, cols, op, "gradWeight");
  if (args.gradBias.data != nullptr) checkVector(args.gradBias, args.input, cols, op, "gradBias");
  if (args.weight.data != nullptr) checkVector(args.weight, args.input, cols, op, "weight");
  checkVector(args.mean, args.input, rows, op, "mean");
  checkVector(args.rstd, args.input, rows, op, "rstd");
}

void checkBiasActivationArgs(const BiasActivationArgs& args) {
  const char* op = "bias_activation";
  checkRowsInput(args.input, op);
  checkMatrix(args.out, args.input, op, "the output");
  checkVector(args.bias, args.input, args.input.shape[1], op, "bias");
  FLINT_CHECK(args.activation == Activation::None || args.activation == Activation::Relu,
              "bias_activation: unknown activation " + std::to_string((int)args.activation));
}

}  // namespace flint
