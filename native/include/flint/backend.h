// The one narrow interface every device implements: the CPU backend, and the CUDA
// backend (a separate shared library, loaded on demand). The napi layer only ever talks
// to a `Backend&`, never to a concrete device.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "flint/kernels.generated.h"
#include "flint/layout.h"
#include "flint/status.h"
#include "flint/storage.h"
#include "flint/cudnn_rnn_args.h"

namespace flint {

// The enums (DeviceType, UnaryOp, BinaryOp, ReduceOp, LossReduction, Activation,
// RandomKind, BackendOption) are declared with the entry points, in native/napi/entries.mjs.

constexpr bool isCompareOp(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Gt || op == BinaryOp::Ge ||
         op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::LogicalAnd ||
         op == BinaryOp::LogicalOr;
}

// What a reduction sees: `input` is arranged by the caller so that its first
// `input.ndim - reduceDims` dimensions are kept and its last `reduceDims` are reduced.
// `output` is contiguous with one element per kept position.
struct ReduceArgs {
  ReduceOp op;
  TensorView input;
  int reduceDims;
  TensorView output;
};

// C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b] for b in [0, batch).
// Matrices are described BLAS-style: row-major, with leading dimensions, and transposes
// passed as flags so that a transposed view never needs a copy.
struct GemmArgs {
  DType dtype;
  int64_t m, n, k, batch;
  bool transA, transB;
  const char* a;
  int64_t lda, strideA;  // strideA: elements between batches (0 broadcasts)
  const char* b;
  int64_t ldb, strideB;
  char* c;
  int64_t ldc, strideC;
  double alpha, beta;
  // addmm's input (batch 1 only), or null: C's prior contents are this [m, n] view instead,
  // C = alpha * op(A) @ op(B) + beta * bias, so that a kernel reads it in place of C and no
  // pass fills C first. Strides in elements, 0 broadcasting. It never overlaps C unless it
  // is exactly C's view, and beta is not 0 (C is ignored then).
  const char* bias;
  int64_t biasStrideM, biasStrideN;
};

// Softmax family. Views are contiguous [outer, size, inner]; the softmax runs over `size`.
struct SoftmaxArgs {
  TensorView out, input;
  bool log;
};
struct SoftmaxBackwardArgs {
  TensorView gradInput, gradOutput, output;  // output: the forward's result
  bool log;
};

// Fused (log-)softmax + negative log-likelihood over contiguous [rows, classes] scores,
// with class-index targets. PyTorch's cross_entropy (fromLogits) or nll_loss (input is
// already log-probabilities). Label smoothing mixes in the mean over classes, and the
// mean reduction divides by the summed target weights, as PyTorch does.
struct CrossEntropyArgs {
  TensorView input;     // [rows, classes] float32/float64
  TensorView target;    // [rows] int64
  TensorView weight;    // [classes], or data == nullptr
  TensorView loss;      // [rows] (None) or [] (Mean/Sum)
  TensorView logProbs;  // [rows, classes] written when fromLogits
  // [] float64: the summed weight of the non-ignored targets (the mean's denominator).
  // A tensor rather than a return value, so that a GPU never has to stop and report it.
  TensorView totalWeight;
  int64_t ignoreIndex;
  double labelSmoothing;
  bool fromLogits;
  LossReduction reduction;
};
struct CrossEntropyBackwardArgs {
  TensorView gradInput;  // [rows, classes]
  TensorView gradLoss;   // like the forward's loss
  TensorView logProbs;   // the forward's log-probabilities (or its input, for nll)
  TensorView target, weight;
  int64_t ignoreIndex;
  double labelSmoothing;
  bool fromLogits;
  LossReduction reduction;
  TensorView totalWeight;  // [] float64, what the forward wrote
};

// Layer normalization over the last dimension of a contiguous [rows, cols] input.
// mean and rstd ([rows], the input's dtype) are written for the backward.
struct LayerNormArgs {
  TensorView out, input;
  TensorView weight, bias;  // [cols] each, or data == nullptr
  TensorView mean, rstd;
  double eps;
};
struct LayerNormBackwardArgs {
  TensorView gradInput;               // [rows, cols], or data == nullptr when not needed
  TensorView gradWeight, gradBias;    // [cols], or data == nullptr when not needed
  TensorView gradOutput, input;       // [rows, cols]
  TensorView mean, rstd;              // [rows], from the forward
  TensorView weight;                  // [cols], or data == nullptr
};

// out = activation(input + bias), over contiguous [rows, cols] with bias [cols]: the
// epilogue of a Linear layer, in one pass. `out` may be `input` (in place).
struct BiasActivationArgs {
  TensorView out, input, bias;
  Activation activation;
};

// A stable sort of each row of a contiguous [rows, cols] input (float32, float64 or
// int64): values like the input, indices int64, both contiguous [rows, cols]. NaN sorts
// as the greatest value (PyTorch's order); equal values keep their order.
struct SortArgs {
  TensorView values, indices, input;
  bool descending;
  bool stable;  // false: any order of ties (the CPU's is std::sort's, as PyTorch's)
};

// One order statistic of each row of a contiguous [rows, cols] input (float32, float64 or
// int64) and its index, into contiguous [rows, K] values (the input's dtype) and indices
// (int64): K = k for Topk (the k largest, or smallest, sorted when asked), else 1: the
// k-th smallest (Kth, k from 1), the lower median (Median: the first NaN if any;
// NanMedian: of the numbers), the most frequent value (Mode, the smallest on a tie).
// The CPU runs PyTorch's CPU algorithms (nth_element, partial_sort, quick select), so
// that the index chosen among equal values is PyTorch's; devices may refuse it.
struct SelectArgs {
  TensorView values, indices, input;
  SelectOp op;
  int64_t k;
  bool largest, sorted;
};

// An inclusive scan along each row of a contiguous [rows, cols] input (float32, float64 or
// int64; LogSumExp floats only), into `out` of the same shape and dtype. Max and Min write
// `indices` (int64 [rows, cols]): the position of the running extreme, the later one on a
// tie, a NaN once one is seen (PyTorch's cummax/cummin).
struct ScanArgs {
  ScanOp op;
  TensorView out, indices, input;
};

// Convolution's im2col and col2im: `image` is a contiguous [N, C, D, H, W] view, `columns`
// a [N, C * kD * kH * kW, oD * oH * oW] one of the same floating dtype whose last stride
// is 1 (its rows contiguous; the other strides any), with
// o = (i + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1 per spatial dim. Rows
// of the columns run over (c, kd, kh, kw), columns over (od, oh, ow); padding reads zero.
// im2col writes every column element; col2im writes every image element (the sum of the
// column elements that read it), float32 and float64 only.
struct Im2colArgs {
  TensorView columns, image;
  int64_t kernelD, kernelH, kernelW, strideD, strideH, strideW;
  int64_t paddingD, paddingH, paddingW, dilationD, dilationH, dilationW;
};

// A device-to-host read in flight (Backend::readAsync). `wait` blocks until the bytes
// are in host(); it may be called from a thread other than the one that started it.
class PendingRead {
 public:
  virtual ~PendingRead() = default;
  virtual void wait() = 0;
  virtual const void* host() const = 0;
};

struct MemoryInfo {
  int64_t allocatedBytes = 0, peakAllocatedBytes = 0, reservedBytes = 0, liveStorages = 0;
};

// What a device implements: one protected pure-virtual `<name>Impl` per checked entry
// point below, with that entry point's parameters and, last, their names (for a device
// that forwards the call, as the CPU's queue does). Devices declare their overrides with
// FLINT_BACKEND_IMPLS(FLINT_BACKEND_OVERRIDE), so the list cannot drift between them.
// The HOST ones touch host memory or return a value; the VIEW ones only read and write
// views of storages, so a device may run them later, in order. The order is the vtable's.
#define FLINT_BACKEND_HOST_IMPLS(X) \
  X(void, copyFromHost, (Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes), (dst, dstOffsetBytes, src, nbytes)) \
  X(void, copyToHost, (void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes), (dst, src, srcOffsetBytes, nbytes)) \
  X(int64_t, nonzero, (Storage** out, const TensorView& in), (out, in))

#define FLINT_BACKEND_VIEW_IMPLS(X) \
  X(void, fill, (const TensorView& out, double value), (out, value)) \
  X(void, fillUniform, (const TensorView& out, double low, double high), (out, low, high)) \
  X(void, fillNormal, (const TensorView& out, double mean, double stddev), (out, mean, stddev)) \
  X(void, fillRandomInt, (const TensorView& out, int64_t low, int64_t high), (out, low, high)) \
  X(void, fillBernoulli, (const TensorView& out, double p), (out, p)) \
  X(void, fillRandomFull, (const TensorView& out), (out)) \
  X(void, fillPermutation, (const TensorView& out), (out)) \
  X(void, cast, (const TensorView& out, const TensorView& in), (out, in)) \
  X(void, unary, (UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1), (op, out, in, p0, p1)) \
  X(void, binary, (BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b), (op, out, a, b)) \
  X(void, binaryScalar, (BinaryOp op, const TensorView& out, const TensorView& a, double scalar, bool scalarFirst), (op, out, a, scalar, scalarFirst)) \
  X(void, where, (const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b), (out, cond, a, b)) \
  X(void, reduce, (const ReduceArgs& args), (args)) \
  X(void, gemm, (const GemmArgs& args), (args)) \
  X(void, indexSelect, (const TensorView& out, const TensorView& in, int dim, const TensorView& index), (out, in, dim, index)) \
  X(void, indexPut, (const TensorView& out, int dim, const TensorView& index, const TensorView& src, bool accumulate), (out, dim, index, src, accumulate)) \
  X(void, gather, (const TensorView& out, const TensorView& in, int dim, const TensorView& index), (out, in, dim, index)) \
  X(void, scatter, (const TensorView& out, int dim, const TensorView& index, const TensorView& src, bool accumulate), (out, dim, index, src, accumulate)) \
  X(void, scatterReduce, (BinaryOp op, const TensorView& out, int dim, const TensorView& index, const TensorView& src), (op, out, dim, index, src)) \
  X(void, axpy, (const TensorView& out, const TensorView& x, double alpha), (out, x, alpha)) \
  X(void, softmax, (const SoftmaxArgs& args), (args)) \
  X(void, softmaxBackward, (const SoftmaxBackwardArgs& args), (args)) \
  X(void, crossEntropy, (const CrossEntropyArgs& args), (args)) \
  X(void, crossEntropyBackward, (const CrossEntropyBackwardArgs& args), (args)) \
  X(void, layerNorm, (const LayerNormArgs& args), (args)) \
  X(void, layerNormBackward, (const LayerNormBackwardArgs& args), (args)) \
  X(void, biasActivation, (const BiasActivationArgs& args), (args)) \
  X(void, sort, (const SortArgs& args), (args)) \
  X(void, scan, (const ScanArgs& args), (args)) \
  X(void, select, (const SelectArgs& args), (args)) \
  X(void, im2col, (const Im2colArgs& args), (args)) \
  X(void, col2im, (const Im2colArgs& args), (args))

#define FLINT_BACKEND_IMPLS(X) FLINT_BACKEND_HOST_IMPLS(X) FLINT_BACKEND_VIEW_IMPLS(X)

#define FLINT_BACKEND_OVERRIDE(RET, NAME, PARAMS, ARGS) RET NAME##Impl PARAMS override;

// The public entry points check their arguments (core/backend.cc, with core/checks.cc):
// shapes, dtypes, enum values and ranges, with PyTorch's messages where PyTorch has
// one, once for every device. Then they call the device's `<name>Impl`, which may take
// its arguments as valid; work inside a device calls its Impls or kernels directly.
// What a view cannot tell (that two views share a device, that a view lies inside its
// storage) is checked by the caller, which holds the storages.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual DeviceType type() const = 0;
  // Called when the owning addon instance goes away. Storages that JS still holds are
  // finalized later in the same teardown, so the backend outlives them and deletes
  // itself when the last one is released.
  virtual void retire() = 0;

  // Memory. `allocate` throws OutOfMemory when it cannot satisfy the request.
  virtual Storage* allocate(size_t nbytes) = 0;
  virtual void deallocate(Storage* storage) = 0;
  void copyFromHost(Storage* dst, size_t dstOffsetBytes, const void* src, size_t nbytes);
  void copyToHost(void* dst, const Storage* src, size_t srcOffsetBytes, size_t nbytes);
  virtual void synchronize() {}  // optional: devices that queue work wait here (CPU runs at once)
  // Starts copying bytes to host memory without blocking; null means "read synchronously
  // with copyToHost instead" (the CPU has nothing to wait for).
  PendingRead* readAsync(const Storage* src, size_t srcOffsetBytes, size_t nbytes);
  virtual MemoryInfo memoryInfo() = 0;
  virtual void emptyCache() = 0;
  virtual void resetPeakMemory() = 0;
  void setOption(BackendOption option, double value);
  // What the device answers about itself (BackendQuery); 0 where it has nothing to say.
  double query(BackendQuery query) { return queryImpl(query); }
  // CUDA graphs (torch.cuda.CUDAGraph): capture the device's queued work into a graph and
  // replay it. `id` names a graph or a memory pool, `arg` is the command's one parameter
  // (see GraphCommand in native/napi/entries.mjs). Devices without graphs refuse.
  // (Inline, as every default here: the vtable must not need a symbol from the addon.)
  virtual int64_t graphCommand(GraphCommand, int64_t, int64_t) {
    throw Error("CUDA graphs need a CUDA device");
  }
  // CUDA events (torch.cuda.Event) on the device's stream; EventCommand says what each
  // returns (ElapsedTime: milliseconds). Devices without events refuse.
  virtual double eventCommand(EventCommand, int64_t, int64_t) { throw Error("CUDA events need a CUDA device"); }
  // cuDNN's RNN API (native/cuda/cudnn_rnn.cc): a whole recurrent stack per call, its
  // weights in cuDNN's own weight space. CudnnRnnConfig (below) describes the stack and its
  // batch; the plan says where each matrix and bias lies in the weight space. Devices
  // without cuDNN refuse.
  virtual CudnnRnnLayout cudnnRnnPlan(const CudnnRnnConfig&) { throw Error("cuDNN RNNs need a CUDA device"); }
  virtual void cudnnRnnForward(const CudnnRnnForwardArgs&) { throw Error("cuDNN RNNs need a CUDA device"); }
  virtual void cudnnRnnBackwardData(const CudnnRnnBackwardDataArgs&) { throw Error("cuDNN RNNs need a CUDA device"); }
  virtual void cudnnRnnBackwardWeights(const CudnnRnnBackwardWeightsArgs&) {
    throw Error("cuDNN RNNs need a CUDA device");
  }

  // Fill and random fill (in place over a strided view).
  void fill(const TensorView& out, double value);
  void fillUniform(const TensorView& out, double low, double high);
  void fillNormal(const TensorView& out, double mean, double stddev);
  void fillRandomInt(const TensorView& out, int64_t low, int64_t high);
  void fillBernoulli(const TensorView& out, double p);
  // random_() without bounds: each dtype's full range, as PyTorch's random_kernel.
  void fillRandomFull(const TensorView& out);
  // randperm(n) into a 1-D view of n elements.
  void fillPermutation(const TensorView& out);
  virtual void manualSeed(uint64_t seed) = 0;
  // The generator's state as PyTorch's get_rng_state() bytes for this device type, and
  // back; setRngState throws on a malformed state and then leaves the generator as it was.
  virtual std::vector<uint8_t> rngState() = 0;
  virtual void setRngState(const uint8_t* bytes, size_t size) = 0;

  // Elementwise; shapes are already broadcast (strides of 0), dtypes already promoted.
  void cast(const TensorView& out, const TensorView& in);  // also plain copy
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, double p0, double p1);
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);
  void binaryScalar(BinaryOp op, const TensorView& out, const TensorView& a, double scalar, bool scalarFirst);
  void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b);

  // Reductions over any set of dimensions (see ReduceArgs).
  void reduce(const ReduceArgs& args);

  // Matrix products.
  void gemm(const GemmArgs& args);

  // Indexing along one dimension. `index` is a 1-D int64 view; its values are checked
  // by the device, which reads them.
  void indexSelect(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
  // out.index_add_(dim, index, src) when accumulate, else out.index_copy_.
  void indexPut(const TensorView& out, int dim, const TensorView& index, const TensorView& src, bool accumulate);
  void gather(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
  void scatter(const TensorView& out, int dim, const TensorView& index, const TensorView& src, bool accumulate);
  // out[index] = combine(out[index], src) as scatter_reduce_ (flint/rules/binary.h's
  // scatterCombine): op is Add, Mul, Maximum (amax) or Minimum (amin).
  void scatterReduce(BinaryOp op, const TensorView& out, int dim, const TensorView& index, const TensorView& src);
  // Writes the coordinates of nonzero elements as int64 [count, ndim]; returns count.
  int64_t nonzero(Storage** out, const TensorView& in);

  // out += alpha * x (same shape, one floating dtype): the optimizer update, in one pass.
  void axpy(const TensorView& out, const TensorView& x, double alpha);

  // Fused softmax / log-softmax, cross-entropy, layer norm and their backward.
  void softmax(const SoftmaxArgs& args);
  void softmaxBackward(const SoftmaxBackwardArgs& args);
  void crossEntropy(const CrossEntropyArgs& args);
  void crossEntropyBackward(const CrossEntropyBackwardArgs& args);
  void layerNorm(const LayerNormArgs& args);
  void layerNormBackward(const LayerNormBackwardArgs& args);
  void biasActivation(const BiasActivationArgs& args);

  // Sorting and cumulative scans along the rows of [rows, cols] (SortArgs, ScanArgs).
  void sort(const SortArgs& args);
  void scan(const ScanArgs& args);
  void select(const SelectArgs& args);

  // Convolution's unfold and its adjoint (Im2colArgs).
  void im2col(const Im2colArgs& args);
  void col2im(const Im2colArgs& args);

  // The kernel entries declared in native/napi/entries.mjs (kernels.generated.h): each is
  // checked here from its declared shapes, once for every device, then run by the
  // device's `<name>Impl`.
#define FLINT_KERNEL_ENTRY(name, Args) \
  void name(const Args& args) {        \
    checkKernelArgs(args, type());     \
    name##Impl(args);                  \
  }
  FLINT_GENERATED_KERNELS(FLINT_KERNEL_ENTRY)
#undef FLINT_KERNEL_ENTRY

 protected:
#define FLINT_KERNEL_IMPL(name, Args) virtual void name##Impl(const Args& args) = 0;
  FLINT_GENERATED_KERNELS(FLINT_KERNEL_IMPL)
#undef FLINT_KERNEL_IMPL
#define FLINT_BACKEND_DECLARE_IMPL(RET, NAME, PARAMS, ARGS) virtual RET NAME##Impl PARAMS = 0;
  FLINT_BACKEND_IMPLS(FLINT_BACKEND_DECLARE_IMPL)
#undef FLINT_BACKEND_DECLARE_IMPL
  // Optional, with these defaults.
  virtual PendingRead* readAsyncImpl(const Storage* /*src*/, size_t /*srcOffsetBytes*/, size_t /*nbytes*/) {
    return nullptr;
  }
  virtual void setOptionImpl(BackendOption /*option*/, double /*value*/) {}
  virtual double queryImpl(BackendQuery /*query*/) { return 0; }
};

// In a device's class: declares its implementation of every generated kernel entry. A
// device that lacks one stays abstract, so the omission is a compile error.
#define FLINT_KERNEL_OVERRIDE(name, Args) void name##Impl(const Args& args) override;

}  // namespace flint
