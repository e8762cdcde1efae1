// The kernels over views that need more than their declaration says: elementwise ops,
// reductions, matrix products, indexing and the Linear epilogue. (The fused kernels whose
// implementation only fills a struct are generated whole, see native/napi/entries.mjs.) The
// generated code (native/napi/entries.mjs) has unpacked and bounds-checked the arguments,
// and Backend's entry points check how the views relate (core/backend.cc); what is left
// here is aliasing: inputs that share bytes with the output are read from a copy.
#include <algorithm>
#include <string>

#include "../core/checks.h"
#include "arguments.h"
#include "entries.generated.h"

namespace flint {
namespace entry {

void axpy(AxpyCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView x = scratch.separate(call.out.storage, call.out.view, call.x.storage, call.x.view, true);
  call.backend->axpy(call.out.view, x, call.alpha);
}

void cast(CastCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView in = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, true);
  call.backend->cast(call.out.view, in);
}

void unary(UnaryCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView in = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, true);
  call.backend->unary(call.op, call.out.view, in, call.p0, call.p1);
}

void binary(BinaryCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView a = scratch.separate(call.out.storage, call.out.view, call.a.storage, call.a.view, true);
  TensorView b = scratch.separate(call.out.storage, call.out.view, call.b.storage, call.b.view, true);
  call.backend->binary(call.op, call.out.view, a, b);
}

void binaryScalar(BinaryScalarCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView a = scratch.separate(call.out.storage, call.out.view, call.a.storage, call.a.view, true);
  call.backend->binaryScalar(call.op, call.out.view, a, call.scalar, call.scalarFirst);
}

}  // namespace entry

namespace {

// Makes `view` a contiguous 1-D view of `numel` elements at `offset` of `storage`,
// bounds-checked. Only its first dim is written (the view may be TensorView::Unzeroed).
void setFlatView(TensorView& view, Storage* storage, DType dtype, int64_t offset, int64_t numel) {
  view.dtype = dtype;
  view.ndim = 1;
  view.shape[0] = numel;
  view.strides[0] = 1;
  checkBounds(view, offset, storage);
  view.data = (char*)storage->data + offset * (int64_t)itemSize(dtype);
}

TensorView flatView(Storage* storage, DType dtype, int64_t offset, int64_t numel) {
  TensorView view{TensorView::Unzeroed{}};
  setFlatView(view, storage, dtype, offset, numel);
  return view;
}

// A new contiguous output of `numel` elements, reusing `recycle` as its handle if JS gave one.
OutputTarget flatOutput(const Napi::Value& recycle, Backend& backend, DType dtype, int64_t numel) {
  FLINT_CHECK(numel >= 0, "a flat operand's element count is negative");
  OutputTarget out{TensorView::Unzeroed{}};
  out.recycle = recycle;
  out.storage = backend.allocate((size_t)numel * itemSize(dtype));
  out.allocated = true;
  setFlatView(out.view, out.storage, dtype, 0, numel);
  return out;
}

}  // namespace

namespace entry {

Napi::Value binaryFlat(Napi::Env env, BinaryFlatCall& call) {
  sameDevice(call.a->backend, call.b);
  TensorView a = flatView(call.a, call.dtype, call.aOffset, call.numel);
  TensorView b = flatView(call.b, call.dtype, call.bOffset, call.numel);
  OutputTarget out = flatOutput(call.recycle, *call.a->backend, call.outDtype, call.numel);
  call.a->backend->binary(call.op, out.view, a, b);
  return finishOutput(env, out);
}

Napi::Value unaryFlat(Napi::Env env, UnaryFlatCall& call) {
  TensorView in = flatView(call.input, call.dtype, call.offset, call.numel);
  OutputTarget out = flatOutput(call.recycle, *call.input->backend, call.dtype, call.numel);
  call.input->backend->unary(call.op, out.view, in, call.p0, call.p1);
  return finishOutput(env, out);
}

Napi::Value binaryScalarFlat(Napi::Env env, BinaryScalarFlatCall& call) {
  TensorView a = flatView(call.a, call.dtype, call.aOffset, call.numel);
  OutputTarget out = flatOutput(call.recycle, *call.a->backend, call.outDtype, call.numel);
  call.a->backend->binaryScalar(call.op, out.view, a, call.scalar, call.scalarFirst);
  return finishOutput(env, out);
}

void where(WhereCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView cond = scratch.separate(call.out.storage, call.out.view, call.cond.storage, call.cond.view, true);
  TensorView a = scratch.separate(call.out.storage, call.out.view, call.a.storage, call.a.view, true);
  TensorView b = scratch.separate(call.out.storage, call.out.view, call.b.storage, call.b.view, true);
  call.backend->where(call.out.view, cond, a, b);
}

void reduce(ReduceCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView in = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, false);
  // A count past any ndim stays past it as an int, for the reduction's own check.
  ReduceArgs args{call.op, in, (int)std::min<int64_t>(call.reduceDims, kMaxDims + 1), call.out.view};
  call.backend->reduce(args);
}

}  // namespace entry

namespace {

// A BLAS-style matrix operand as a [batch, rows, cols] view, for the one bounds check.
TensorView matrixView(DType dtype, int64_t batch, int64_t rows, int64_t cols, int64_t ld, int64_t batchStride) {
  TensorView view;
  view.dtype = dtype;
  view.ndim = 3;
  view.shape[0] = batch, view.shape[1] = rows, view.shape[2] = cols;
  view.strides[0] = batchStride, view.strides[1] = ld, view.strides[2] = 1;
  return view;
}

// addmm's `input`, broadcast over [m, n] by its strides, which the product reads in place
// of C's contents (GemmArgs::bias): one call, and no pass that fills C first. Checked after
// the operands have been separated from C; separated from C itself unless it is exactly C
// (each output element is then read before it is written, by whoever writes it).
void setBias(const entry::GemmCall& call, GemmArgs& g, const Storage* c, const TensorView& cView, ScratchCopies& scratch) {
  FLINT_CHECK(g.batch == 1, "gemm: a bias needs a batch of one");
  FLINT_CHECK(call.biasOffset >= 0 && call.biasStrideM >= 0 && call.biasStrideN >= 0, "gemm: negative bias stride or offset");
  Storage* bias = unwrapStorage(call.bias);
  sameDevice(c->backend, bias);
  TensorView biasView = matrixView(g.dtype, 1, g.m, g.n, call.biasStrideM, 0);
  biasView.strides[2] = call.biasStrideN;
  checkBounds(biasView, call.biasOffset, bias);
  biasView.data = (char*)bias->data + call.biasOffset * (int64_t)itemSize(g.dtype);
  if (g.beta == 0) return;  // the product ignores C then, NaN and infinity included
  const TensorView source = scratch.separate(c, cView, bias, biasView, true);
  g.bias = source.data;
  g.biasStrideM = source.strides[1];
  g.biasStrideN = source.strides[2];
}

// A dimension number: the index checks compare it with the tensors' ndim.
int dimArg(int64_t dim) {
  FLINT_CHECK(dim >= -(1 << 20) && dim <= (1 << 20), "dim out of range");
  return (int)dim;
}

}  // namespace

namespace entry {

Napi::Value gemm(Napi::Env env, GemmCall& call) {
  GemmArgs g{};
  g.dtype = call.dtype;
  g.m = call.m, g.n = call.n, g.k = call.k, g.batch = call.batch;
  g.transA = call.transA, g.transB = call.transB;
  g.lda = call.lda, g.strideA = call.strideA;
  g.ldb = call.ldb, g.strideB = call.strideB;
  g.ldc = call.ldc, g.strideC = call.strideC;
  g.alpha = call.alpha, g.beta = call.beta;
  const int64_t offA = call.offsetA, offB = call.offsetB, offC = call.offsetC;
  FLINT_CHECK(g.m >= 0 && g.n >= 0 && g.k >= 0 && g.batch >= 0 && offA >= 0 && offB >= 0 && offC >= 0 &&
                  g.lda >= 0 && g.ldb >= 0 && g.ldc >= 0 && g.strideA >= 0 && g.strideB >= 0 && g.strideC >= 0,
              "gemm: negative size, stride or offset");
  // Rows closer together than their length would overlap; BLAS refuses them anyway. A
  // single row's leading dimension is never used, so it is made valid for BLAS here.
  auto leadingDimension = [](int64_t& ld, int64_t rows, int64_t cols, const char* name) {
    if (rows > 1 && cols > 0) FLINT_CHECK(ld >= cols, std::string("gemm: operand ") + name + "'s rows overlap");
    ld = std::max<int64_t>(ld, std::max<int64_t>(cols, 1));
  };
  const bool newOutput = call.out.IsNull() || call.out.IsUndefined() || releasedHandle(call.out) != nullptr;
  FLINT_CHECK(!newOutput || (offC == 0 && g.ldc == g.n && g.strideC == g.m * g.n), "gemm: a new output must be contiguous");
  leadingDimension(g.lda, g.transA ? g.k : g.m, g.transA ? g.m : g.k, "a");
  leadingDimension(g.ldb, g.transB ? g.n : g.k, g.transB ? g.k : g.n, "b");
  leadingDimension(g.ldc, g.m, g.n, "out");
  Storage* a = call.a;
  Storage* b = call.b;
  sameDevice(a->backend, b);
  const int64_t item = (int64_t)itemSize(g.dtype);
  const TensorView aView = matrixView(g.dtype, g.batch, g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.lda, g.strideA);
  const TensorView bView = matrixView(g.dtype, g.batch, g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.ldb, g.strideB);
  TensorView cView = matrixView(g.dtype, g.batch, g.m, g.n, g.ldc, g.strideC);
  checkBounds(aView, offA, a);
  checkBounds(bView, offB, b);
  Storage* c;
  bool allocated = false;
  if (newOutput) {
    c = a->backend->allocate((size_t)viewSpanBytes(cView, 0));
    allocated = true;
  } else {
    c = unwrapStorage(call.out);
    sameDevice(a->backend, c);
  }
  try {
    checkBounds(cView, offC, c);
    // The output is written while a and b are read: an output sharing their memory would
    // read what it has already written, so such an operand is read from a copy.
    ScratchCopies scratch(*a->backend);
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
    if (!call.bias.IsNull() && !call.bias.IsUndefined()) setBias(call, g, c, cView, scratch);
    if (g.k == 0 && g.beta == 0) {  // BLAS leaves C alone when k == 0; PyTorch gives zeros
      a->backend->fill(cView, 0);
    } else {
      a->backend->gemm(g);
    }
  } catch (...) {
    if (allocated) releaseStorage(c);
    throw;
  }
  return allocated ? outputHandle(env, call.out, c) : env.Undefined();
}

// index_select and gather read `input` at the positions `index` names.
template <typename Call>
void indexRead(Call& call, void (Backend::*kernel)(const TensorView&, const TensorView&, int, const TensorView&)) {
  ScratchCopies scratch(*call.backend);
  TensorView in = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, false);
  TensorView index = scratch.separate(call.out.storage, call.out.view, call.index.storage, call.index.view, false);
  const int dim = dimArg(call.dim);
  (call.backend->*kernel)(call.out.view, in, dim, index);
}

// index_put (index_add_/index_copy_) and scatter write `src` into `out` at the positions `index` names.
template <typename Call>
void indexWrite(Call& call, void (Backend::*kernel)(const TensorView&, int, const TensorView&, const TensorView&, bool)) {
  ScratchCopies scratch(*call.backend);
  TensorView index = scratch.separate(call.out.storage, call.out.view, call.index.storage, call.index.view, false);
  TensorView src = scratch.separate(call.out.storage, call.out.view, call.src.storage, call.src.view, false);
  const int dim = dimArg(call.dim);
  (call.backend->*kernel)(call.out.view, dim, index, src, call.accumulate);
}

void indexSelect(IndexSelectCall& call) { indexRead(call, &Backend::indexSelect); }
void gather(GatherCall& call) { indexRead(call, &Backend::gather); }
void indexPut(IndexPutCall& call) { indexWrite(call, &Backend::indexPut); }
void scatter(ScatterCall& call) { indexWrite(call, &Backend::scatter); }
void scatterReduce(ScatterReduceCall& call) {
  ScratchCopies scratch(*call.backend);
  TensorView index = scratch.separate(call.out.storage, call.out.view, call.index.storage, call.index.view, false);
  TensorView src = scratch.separate(call.out.storage, call.out.view, call.src.storage, call.src.view, false);
  call.backend->scatterReduce(call.op, call.out.view, dimArg(call.dim), index, src);
}

void biasActivation(BiasActivationCall& call) {
  // `out` may be `input` (in place); any other overlap is read from a copy.
  ScratchCopies scratch(*call.backend);
  TensorView input = scratch.separate(call.out.storage, call.out.view, call.input.storage, call.input.view, true);
  TensorView bias = scratch.separate(call.out.storage, call.out.view, call.bias.storage, call.bias.view, false);
  call.backend->biasActivation(BiasActivationArgs{call.out.view, input, bias, call.activation});
}

Napi::Value nonzero(Napi::Env env, NonzeroCall& call) {
  Storage* result = nullptr;
  const int64_t count = call.backend->nonzero(&result, call.input.view);
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, wrapStorage(env, result));
  pair.Set(1u, Napi::Number::New(env, (double)count));
  return pair;
}

}  // namespace entry
}  // namespace flint
