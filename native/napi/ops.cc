// The op entry points: each unpacks handles and meta-buffer views into plain structs,
// calls the backend that owns the first input, and wraps a newly allocated output.
#include "ops.h"

#include <algorithm>
#include <string>

#include "../core/checks.h"
#include "views.h"

namespace flint {

namespace {

Backend& backendOf(Storage* storage) { return *storage->backend; }

void checkSameBackend(const Storage* a, const Storage* b) {
  if (a->backend != b->backend) {
    throw Error("Expected all tensors to be on the same device, but found at least two devices");
  }
}

int32_t intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
double doubleArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

BinaryOp binaryOpArg(const Napi::CallbackInfo& info, size_t i) {
  int32_t op = intArg(info, i);
  FLINT_CHECK(op >= 0 && op < (int32_t)BinaryOp::Count, "unknown binary op");
  return (BinaryOp)op;
}

}  // namespace

// axpy(out, x, alpha)   meta: [out, x]
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* out = unwrapStorage(info[0]);
  Storage* x = unwrapStorage(info[1]);
  checkSameBackend(out, x);
  TensorView outView = reader.view(out);
  ScratchCopies scratch(backendOf(out));
  TensorView xView = scratch.separate(out, outView, x, reader.view(x), true);
  checkElementwiseShapes("axpy", outView, xView);
  backendOf(out).axpy(outView, xView, doubleArg(info, 2));
  return env.Undefined();
}

// cast(out|null, in)   meta: [out, in]
Napi::Value Cast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[1]);
  OutputTarget out = prepareOutput(env, info[0], reader, backendOf(input));
  checkSameBackend(out.storage, input);
  ScratchCopies scratch(backendOf(input));
  TensorView in = scratch.separate(out.storage, out.view, input, reader.view(input), true);
  checkElementwiseShapes("copy", out.view, in);
  backendOf(input).cast(out.view, in);
  return finishOutput(env, out);
}

// unary(op, out|null, in, p0, p1)   meta: [out, in]
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t op = intArg(info, 0);
  FLINT_CHECK(op >= 0 && op < (int32_t)UnaryOp::Count, "unknown unary op");
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[2]);
  OutputTarget out = prepareOutput(env, info[1], reader, backendOf(input));
  checkSameBackend(out.storage, input);
  ScratchCopies scratch(backendOf(input));
  TensorView in = scratch.separate(out.storage, out.view, input, reader.view(input), true);
  checkElementwiseShapes("unary", out.view, in);
  backendOf(input).unary((UnaryOp)op, out.view, in, doubleArg(info, 3), doubleArg(info, 4));
  return finishOutput(env, out);
}

// binary(op, out|null, a, b)   meta: [out, a, b]
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = binaryOpArg(info, 0);
  MetaReader reader(instanceOf(env));
  Storage* a = unwrapStorage(info[2]);
  Storage* b = unwrapStorage(info[3]);
  checkSameBackend(a, b);
  OutputTarget out = prepareOutput(env, info[1], reader, backendOf(a));
  checkSameBackend(out.storage, a);
  ScratchCopies scratch(backendOf(a));
  TensorView aView = scratch.separate(out.storage, out.view, a, reader.view(a), true);
  TensorView bView = scratch.separate(out.storage, out.view, b, reader.view(b), true);
  checkElementwiseShapes("binary", out.view, aView, bView);
  backendOf(a).binary(op, out.view, aView, bView);
  return finishOutput(env, out);
}

// A contiguous 1-D view of `numel` elements at `offset` of `storage`, bounds-checked.
static TensorView flatView(Storage* storage, DType dtype, int64_t offset, int64_t numel) {
  TensorView view;
  view.dtype = dtype;
  view.ndim = 1;
  view.shape[0] = numel;
  view.strides[0] = 1;
  checkBounds(view, offset, storage);
  view.data = (char*)storage->data + offset * (int64_t)itemSize(dtype);
  return view;
}

// A new contiguous output of `numel` elements, reusing `recycle` as its handle if JS gave one.
static OutputTarget flatOutput(const Napi::Value& recycle, Backend& backend, DType dtype, int64_t numel) {
  OutputTarget out;
  out.recycle = recycle;
  out.storage = backend.allocate((size_t)numel * itemSize(dtype));
  out.allocated = true;
  out.view = flatView(out.storage, dtype, 0, numel);
  return out;
}

static int64_t intValue(const Napi::Value& value) {
  double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 9.0e15) || (double)(int64_t)v != v) throw Error("expected a non-negative integer");
  return (int64_t)v;
}

// binaryFlat(op, recycle|null, a, aOffset, b, bOffset, numel, dtype, outDtype)
// The fast path for same-shape contiguous operands: no meta buffer, no layout decoding.
Napi::Value BinaryFlat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = binaryOpArg(info, 0);
  int32_t dtype = intArg(info, 7), outDtype = intArg(info, 8);
  FLINT_CHECK(isValidDType(dtype) && isValidDType(outDtype), "unknown dtype code");
  Storage* a = unwrapStorage(info[2]);
  Storage* b = unwrapStorage(info[4]);
  checkSameBackend(a, b);
  const int64_t numel = intValue(info[6]);
  TensorView aView = flatView(a, (DType)dtype, intValue(info[3]), numel);
  TensorView bView = flatView(b, (DType)dtype, intValue(info[5]), numel);
  OutputTarget out = flatOutput(info[1], backendOf(a), (DType)outDtype, numel);
  backendOf(a).binary(op, out.view, aView, bView);
  return finishOutput(env, out);
}

// binaryScalarFlat(op, recycle|null, a, aOffset, numel, dtype, outDtype, scalar, scalarFirst)
Napi::Value BinaryScalarFlat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = binaryOpArg(info, 0);
  int32_t dtype = intArg(info, 5), outDtype = intArg(info, 6);
  FLINT_CHECK(isValidDType(dtype) && isValidDType(outDtype), "unknown dtype code");
  Storage* a = unwrapStorage(info[2]);
  const int64_t numel = intValue(info[4]);
  TensorView aView = flatView(a, (DType)dtype, intValue(info[3]), numel);
  OutputTarget out = flatOutput(info[1], backendOf(a), (DType)outDtype, numel);
  backendOf(a).binaryScalar(op, out.view, aView, doubleArg(info, 7), info[8].As<Napi::Boolean>());
  return finishOutput(env, out);
}

// binaryScalar(op, out|null, a, scalar, scalarFirst)   meta: [out, a]
Napi::Value BinaryScalar(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = binaryOpArg(info, 0);
  MetaReader reader(instanceOf(env));
  Storage* a = unwrapStorage(info[2]);
  OutputTarget out = prepareOutput(env, info[1], reader, backendOf(a));
  checkSameBackend(out.storage, a);
  ScratchCopies scratch(backendOf(a));
  TensorView aView = scratch.separate(out.storage, out.view, a, reader.view(a), true);
  checkElementwiseShapes("binary", out.view, aView);
  backendOf(a).binaryScalar(op, out.view, aView, doubleArg(info, 3), info[4].As<Napi::Boolean>());
  return finishOutput(env, out);
}

// where(out|null, cond, a, b)   meta: [out, cond, a, b]
Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* cond = unwrapStorage(info[1]);
  Storage* a = unwrapStorage(info[2]);
  Storage* b = unwrapStorage(info[3]);
  checkSameBackend(cond, a);
  checkSameBackend(a, b);
  OutputTarget out = prepareOutput(env, info[0], reader, backendOf(a));
  checkSameBackend(out.storage, a);
  ScratchCopies scratch(backendOf(a));
  TensorView condView = scratch.separate(out.storage, out.view, cond, reader.view(cond), true);
  TensorView aView = scratch.separate(out.storage, out.view, a, reader.view(a), true);
  TensorView bView = scratch.separate(out.storage, out.view, b, reader.view(b), true);
  checkElementwiseShapes("where", out.view, condView, aView, bView);
  backendOf(a).where(out.view, condView, aView, bView);
  return finishOutput(env, out);
}

// reduce(op, out|null, in, reduceDims)   meta: [out, in]
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t op = intArg(info, 0);
  FLINT_CHECK(op >= 0 && op < (int32_t)ReduceOp::Count, "unknown reduction");
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[2]);
  OutputTarget out = prepareOutput(env, info[1], reader, backendOf(input));
  checkSameBackend(out.storage, input);
  ScratchCopies scratch(backendOf(input));
  TensorView in = scratch.separate(out.storage, out.view, input, reader.view(input), false);
  ReduceArgs args{(ReduceOp)op, in, intArg(info, 3), out.view};
  backendOf(input).reduce(args);
  return finishOutput(env, out);
}

// A BLAS-style matrix operand as a [batch, rows, cols] view, for the one bounds check.
static TensorView matrixView(DType dtype, int64_t batch, int64_t rows, int64_t cols, int64_t ld, int64_t batchStride) {
  TensorView view;
  view.dtype = dtype;
  view.ndim = 3;
  view.shape[0] = batch, view.shape[1] = rows, view.shape[2] = cols;
  view.strides[0] = batchStride, view.strides[1] = ld, view.strides[2] = 1;
  return view;
}

// gemm(out|null, a, b)   meta: [dtype, m, n, k, batch, transA, transB, offA, lda, strideA,
//                               offB, ldb, strideB, offC, ldc, strideC, alpha, beta]
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  GemmArgs g{};
  int64_t dtype = reader.nextInt();
  FLINT_CHECK(isValidDType((int32_t)dtype), "gemm: unknown dtype");
  g.dtype = (DType)dtype;
  g.m = reader.nextInt();
  g.n = reader.nextInt();
  g.k = reader.nextInt();
  g.batch = reader.nextInt();
  g.transA = reader.nextInt() != 0;
  g.transB = reader.nextInt() != 0;
  int64_t offA = reader.nextInt();
  g.lda = reader.nextInt();
  g.strideA = reader.nextInt();
  int64_t offB = reader.nextInt();
  g.ldb = reader.nextInt();
  g.strideB = reader.nextInt();
  int64_t offC = reader.nextInt();
  g.ldc = reader.nextInt();
  g.strideC = reader.nextInt();
  g.alpha = reader.next();
  g.beta = reader.next();
  FLINT_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0 && g.batch >= 0 && offA >= 0 && offB >= 0 && offC >= 0 &&
                  g.lda >= 0 && g.ldb >= 0 && g.ldc >= 0 && g.strideA >= 0 && g.strideB >= 0 && g.strideC >= 0,
              "gemm: negative size, stride or offset");
  // Rows closer together than their length would overlap; BLAS refuses them anyway. A
  // single row's leading dimension is never used, so it is made valid for BLAS here.
  auto leadingDimension = [](int64_t& ld, int64_t rows, int64_t cols, const char* name) {
    if (rows > 1 && cols > 0) FLINT_CHECK(ld >= cols, std::string("gemm: operand ") + name + "'s rows overlap");
    ld = std::max<int64_t>(ld, std::max<int64_t>(cols, 1));
  };
  const bool newOutput = info[0].IsNull() || info[0].IsUndefined() || releasedHandle(info[0]) != nullptr;
  FLINT_CHECK(!newOutput || (offC == 0 && g.ldc == g.n && g.strideC == g.m * g.n), "gemm: a new output must be contiguous");
  leadingDimension(g.lda, g.transA ? g.k : g.m, g.transA ? g.m : g.k, "a");
  leadingDimension(g.ldb, g.transB ? g.n : g.k, g.transB ? g.k : g.n, "b");
  leadingDimension(g.ldc, g.m, g.n, "out");
  Storage* a = unwrapStorage(info[1]);
  Storage* b = unwrapStorage(info[2]);
  checkSameBackend(a, b);
  const int64_t item = (int64_t)itemSize(g.dtype);
  const TensorView aView = matrixView(g.dtype, g.batch, g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.lda, g.strideA);
  const TensorView bView = matrixView(g.dtype, g.batch, g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.ldb, g.strideB);
  TensorView cView = matrixView(g.dtype, g.batch, g.m, g.n, g.ldc, g.strideC);
  checkBounds(aView, offA, a);
  checkBounds(bView, offB, b);
  Storage* c;
  bool allocated = false;
  if (newOutput) {
    c = backendOf(a).allocate((size_t)viewSpanBytes(cView, 0));
    allocated = true;
  } else {
    c = unwrapStorage(info[0]);
    checkSameBackend(a, c);
  }
  try {
    checkBounds(cView, offC, c);
    // The output is written while a and b are read: an output sharing their memory would
    // read what it has already written, so such an operand is read from a copy.
    ScratchCopies scratch(backendOf(a));
    cView.data = (char*)c->data + offC * item;
    TensorView aIn = aView, bIn = bView;
    aIn.data = (char*)a->data + offA * item;
    bIn.data = (char*)b->data + offB * item;
    aIn = scratch.separate(c, cView, a, aIn, false);
    bIn = scratch.separate(c, cView, b, bIn, false);
    // A copy is contiguous: its leading dimension is its row length.
    g.a = aIn.data, g.lda = std::max<int64_t>(1, aIn.strides[1]), g.strideA = aIn.strides[0];
    g.b = bIn.data, g.ldb = std::max<int64_t>(1, bIn.strides[1]), g.strideB = bIn.strides[0];
    g.c = cView.data;
    if (g.k == 0 && g.beta == 0) {  // BLAS leaves C alone when k == 0; PyTorch gives zeros
      backendOf(a).fill(cView, 0);
    } else {
      backendOf(a).gemm(g);
    }
  } catch (...) {
    if (allocated) releaseStorage(c);
    throw;
  }
  return allocated ? outputHandle(env, info[0], c) : env.Undefined();
}

namespace {

using IndexReadCheck = void (*)(const TensorView& out, const TensorView& in, int dim, const TensorView& index);
using IndexReadKernel = void (Backend::*)(const TensorView& out, const TensorView& in, int dim,
                                          const TensorView& index);
using IndexWriteCheck = void (*)(const TensorView& out, int dim, const TensorView& index, const TensorView& src);
using IndexWriteKernel = void (Backend::*)(const TensorView& out, int dim, const TensorView& index,
                                           const TensorView& src, bool accumulate);

// The ops that read `in` at the positions `index` names: (out|null, in, dim, index), meta [out, in, index].
Napi::Value indexRead(const Napi::CallbackInfo& info, IndexReadCheck check, IndexReadKernel kernel) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[1]);
  Storage* index = unwrapStorage(info[3]);
  checkSameBackend(input, index);
  OutputTarget out = prepareOutput(env, info[0], reader, backendOf(input));
  checkSameBackend(out.storage, input);
  ScratchCopies scratch(backendOf(input));
  TensorView inView = scratch.separate(out.storage, out.view, input, reader.view(input), false);
  TensorView indexView = scratch.separate(out.storage, out.view, index, reader.view(index), false);
  const int dim = intArg(info, 2);
  check(out.view, inView, dim, indexView);
  (backendOf(input).*kernel)(out.view, inView, dim, indexView);
  return finishOutput(env, out);
}

// The ops that write `src` into `out` at the positions `index` names, in place:
// (out, dim, index, src, accumulate), meta [out, index, src].
Napi::Value indexWrite(const Napi::CallbackInfo& info, IndexWriteCheck check, IndexWriteKernel kernel) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* out = unwrapStorage(info[0]);
  Storage* index = unwrapStorage(info[2]);
  Storage* src = unwrapStorage(info[3]);
  checkSameBackend(out, index);
  checkSameBackend(out, src);
  TensorView outView = reader.view(out);
  ScratchCopies scratch(backendOf(out));
  TensorView indexView = scratch.separate(out, outView, index, reader.view(index), false);
  TensorView srcView = scratch.separate(out, outView, src, reader.view(src), false);
  const int dim = intArg(info, 1);
  check(outView, dim, indexView, srcView);
  (backendOf(out).*kernel)(outView, dim, indexView, srcView, info[4].As<Napi::Boolean>());
  return env.Undefined();
}

}  // namespace

Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return indexRead(info, checkIndexSelectArgs, &Backend::indexSelect);
}
Napi::Value Gather(const Napi::CallbackInfo& info) { return indexRead(info, checkGatherArgs, &Backend::gather); }
Napi::Value IndexPut(const Napi::CallbackInfo& info) { return indexWrite(info, checkIndexPutArgs, &Backend::indexPut); }
Napi::Value Scatter(const Napi::CallbackInfo& info) { return indexWrite(info, checkScatterArgs, &Backend::scatter); }

// nonzero(in) -> [handle, count]   meta: [in]
Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MetaReader reader(instanceOf(env));
  Storage* input = unwrapStorage(info[0]);
  TensorView view = reader.view(input);
  Storage* result = nullptr;
  int64_t count = backendOf(input).nonzero(&result, view);
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, outputHandle(env, info[1], result));
  pair.Set(1u, Napi::Number::New(env, (double)count));
  return pair;
}

}  // namespace flint
