// Backend's public entry points: the arguments are checked here once, whatever the
// device (core/checks.cc), then the device's implementation runs. Compiled into the
// addon only: flint_cuda.so implements the Impls, and the addon calls them through the
// vtable after checking.
#include "flint/backend.h"

#include "checks.h"

namespace flint {

void Backend::copyFromHost(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes) {
  checkStorageRange(dst, dstOffsetBytes, nbytes, "copyFromHost: write past the end of the storage");
  copyFromHostImpl(dst, dstOffsetBytes, src, nbytes);
}

void Backend::copyToHost(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  checkStorageRange(src, srcOffsetBytes, nbytes, "copyToHost: read past the end of the storage");
  copyToHostImpl(dst, src, srcOffsetBytes, nbytes);
}

PendingRead* Backend::readAsync(const Storage* src, size_t srcOffsetBytes, size_t nbytes) {
  checkStorageRange(src, srcOffsetBytes, nbytes, "readAsync: read past the end of the storage");
  return readAsyncImpl(src, srcOffsetBytes, nbytes);
}

void Backend::setOption(BackendOption option, double value) {
  FLINT_CHECK(option == BackendOption::MatmulAllowTF32, "unknown backend option");
  setOptionImpl(option, value);
}

void Backend::fill(const TensorView& out, double value) { fillImpl(out, value); }

void Backend::fillUniform(const TensorView& out, double low, double high) {
  checkFillUniformArgs(out);
  fillUniformImpl(out, low, high);
}

void Backend::fillNormal(const TensorView& out, double mean, double stddev) {
  checkFillNormalArgs(out);
  fillNormalImpl(out, mean, stddev);
}

void Backend::fillRandomInt(const TensorView& out, int64_t low, int64_t high) {
  checkFillRandomIntArgs(low, high);
  fillRandomIntImpl(out, low, high);
}

void Backend::fillBernoulli(const TensorView& out, double p) {
  checkFillBernoulliArgs(p);
  fillBernoulliImpl(out, p);
}

void Backend::fillRandomFull(const TensorView& out) { fillRandomFullImpl(out); }

void Backend::fillPermutation(const TensorView& out) {
  FLINT_CHECK(out.ndim == 1, "randperm: expected a 1-D output, but found " + std::to_string(out.ndim) + " dimensions");
  fillPermutationImpl(out);
}

void Backend::cast(const TensorView& out, const TensorView& in) {
  checkCastArgs(out, in);
  castImpl(out, in);
}

void Backend::unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1) {
  checkUnaryArgs(op, out, in);
  unaryImpl(op, out, in, p0, p1);
}

void Backend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  checkBinaryArgs(op, out, a, b);
  binaryImpl(op, out, a, b);
}

void Backend::binaryScalar(BinaryOp op, const TensorView& out, const TensorView& a, double scalar, bool scalarFirst) {
  checkBinaryScalarArgs(op, out, a);
  binaryScalarImpl(op, out, a, scalar, scalarFirst);
}

void Backend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  checkWhereArgs(out, cond, a, b);
  whereImpl(out, cond, a, b);
}

void Backend::reduce(const ReduceArgs& args) {
  checkReduceArgs(args);
  reduceImpl(args);
}

void Backend::gemm(const GemmArgs& args) {
  checkGemmArgs(args);
  gemmImpl(args);
}

void Backend::indexSelect(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  checkIndexSelectArgs(out, in, dim, index);
  indexSelectImpl(out, in, dim, index);
}

void Backend::indexPut(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                       bool accumulate) {
  checkIndexPutArgs(out, dim, index, src);
  indexPutImpl(out, dim, index, src, accumulate);
}

void Backend::gather(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  checkGatherArgs(out, in, dim, index);
  gatherImpl(out, in, dim, index);
}

void Backend::scatter(const TensorView& out, int dim, const TensorView& index, const TensorView& src,
                      bool accumulate) {
  checkScatterArgs(out, dim, index, src);
  scatterImpl(out, dim, index, src, accumulate);
}

void Backend::scatterReduce(BinaryOp op, const TensorView& out, int dim, const TensorView& index,
                            const TensorView& src) {
  FLINT_CHECK(op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Maximum || op == BinaryOp::Minimum,
              "scatter_reduce: the combine op must be Add, Mul, Maximum or Minimum");
  checkScatterArgs(out, dim, index, src);
  scatterReduceImpl(op, out, dim, index, src);
}

int64_t Backend::nonzero(Storage** out, const TensorView& in) { return nonzeroImpl(out, in); }

void Backend::axpy(const TensorView& out, const TensorView& x, double alpha) {
  checkAxpyArgs(out, x);
  axpyImpl(out, x, alpha);
}

void Backend::softmax(const SoftmaxArgs& args) {
  checkSoftmaxArgs(args);
  softmaxImpl(args);
}

void Backend::softmaxBackward(const SoftmaxBackwardArgs& args) {
  checkSoftmaxBackwardArgs(args);
  softmaxBackwardImpl(args);
}

void Backend::crossEntropy(const CrossEntropyArgs& args) {
  checkCrossEntropyArgs(args);
  crossEntropyImpl(args);
}

void Backend::crossEntropyBackward(const CrossEntropyBackwardArgs& args) {
  checkCrossEntropyBackwardArgs(args);
  crossEntropyBackwardImpl(args);
}

void Backend::layerNorm(const LayerNormArgs& args) {
  checkLayerNormArgs(args);
  layerNormImpl(args);
}

void Backend::layerNormBackward(const LayerNormBackwardArgs& args) {
  checkLayerNormBackwardArgs(args);
  layerNormBackwardImpl(args);
}

void Backend::biasActivation(const BiasActivationArgs& args) {
  checkBiasActivationArgs(args);
  biasActivationImpl(args);
}

void Backend::sort(const SortArgs& args) {
  checkSortArgs(args);
  sortImpl(args);
}

void Backend::scan(const ScanArgs& args) {
  checkScanArgs(args);
  scanImpl(args);
}

void Backend::select(const SelectArgs& args) {
  checkSelectArgs(args);
  selectImpl(args);
}

void Backend::im2col(const Im2colArgs& args) {
  checkIm2colArgs(args, false);
  im2colImpl(args);
}

void Backend::col2im(const Im2colArgs& args) {
  checkIm2colArgs(args, true);
  col2imImpl(args);
}

}  // namespace flint
