// Argument checks shared by every backend: each op rejects bad views with one message,
// whatever the device. Backend's public entry points (core/backend.cc) call these
// before any work is queued; a device calls one only as the fallback of a dtype switch
// that cannot be reached after them.
#pragma once
#include "flint/backend.h"

namespace flint {

// The element count of a view's shape, or PyTorch's "numel: integer multiplication
// overflow" when it does not fit in int64 (a negative size counts as an overflow, as
// PyTorch's unsigned arithmetic makes it).
int64_t checkedNumel(const TensorView& view);

// Bytes from the start of a storage to the end of the view's last element, for a view at
// `offset` elements: 0 when the view is empty. Every product and sum is overflow-checked,
// so that a view can never wrap around to look small. Negative strides are refused.
int64_t viewSpanBytes(const TensorView& view, int64_t offset);

// Elementwise kernels walk every operand with the output's shape (broadcasting is done
// by the caller, with stride 0): each input must have exactly that shape.
void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a);
void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a, const TensorView& b);
void checkElementwiseShapes(const char* op, const TensorView& out, const TensorView& a, const TensorView& b,
                            const TensorView& c);

// `nbytes` bytes at `offsetBytes` lie inside the storage; else throws `message`.
void checkStorageRange(const Storage* storage, size_t offsetBytes, size_t nbytes, const char* message);

// Elementwise ops, with their op codes, dtypes and (broadcast) shapes.
void checkCastArgs(const TensorView& out, const TensorView& in);
void checkUnaryArgs(UnaryOp op, const TensorView& out, const TensorView& in);
void checkBinaryArgs(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);
void checkBinaryScalarArgs(BinaryOp op, const TensorView& out, const TensorView& a);
void checkWhereArgs(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b);
void checkAxpyArgs(const TensorView& out, const TensorView& x);

// Random fills: the dtypes and parameters PyTorch accepts, with its messages.
void checkFillUniformArgs(const TensorView& out);
void checkFillNormalArgs(const TensorView& out);
void checkFillRandomIntArgs(int64_t low, int64_t high);
void checkFillBernoulliArgs(double p);

// Sizes and strides are not negative, and rows of more than one element do not overlap.
void checkGemmArgs(const GemmArgs& args);

// Indexing along one dimension, with PyTorch's messages where PyTorch has one. The index
// values themselves are checked by the kernels, which read them.
void checkIndexSelectArgs(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void checkIndexPutArgs(const TensorView& out, int dim, const TensorView& index, const TensorView& src);
void checkGatherArgs(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
void checkScatterArgs(const TensorView& out, int dim, const TensorView& index, const TensorView& src);

// The dtype a reduction writes for an input dtype (sum of integers is int64, argmax
// int64, any/all bool, the rest keep the input's dtype).
DType reduceOutputDType(ReduceOp op, DType input);

void checkReduceArgs(const ReduceArgs& args);
void checkSoftmaxArgs(const SoftmaxArgs& args);
void checkSoftmaxBackwardArgs(const SoftmaxBackwardArgs& args);
void checkCrossEntropyArgs(const CrossEntropyArgs& args);
void checkCrossEntropyBackwardArgs(const CrossEntropyBackwardArgs& args);
void checkLayerNormArgs(const LayerNormArgs& args);
void checkLayerNormBackwardArgs(const LayerNormBackwardArgs& args);
void checkBiasActivationArgs(const BiasActivationArgs& args);

// Sorting and scans along rows (core/sort_checks.cc).
void checkSortArgs(const SortArgs& args);
void checkScanArgs(const ScanArgs& args);
void checkSelectArgs(const SelectArgs& args);

// Convolution's im2col / col2im geometry (core/im2col_checks.cc).
void checkIm2colArgs(const Im2colArgs& args, bool col2im);

}  // namespace flint
