/**
 * Thin wrappers over the native entry points: describe views, call the kernel, wrap the
 * output. No autograd and no type promotion happen here; the op files above do that and
 * then call these. The calls themselves (and their argument order) are generated from
 * native/napi/entries.mjs.
 */
import * as call from '../native/calls.generated.js';
import type { BinaryOp, ReduceOp, UnaryOp } from '../native/enums.generated.js';
import { recycled } from '../memory/storage.js';
import { NO_COMPLEX_KERNEL, fresh, layoutOf, type ViewArg } from '../native/meta.js';
import { DType, bfloat16, bool, computeDType, float32, int64 } from '../tensor/dtype.js';
import { Tensor, fromHandle, realLayout, registerCastKernel } from '../tensor/tensor.js';
import type { Device } from '../tensor/device.js';
import { castComplex, complexFromPairs, copyComplex, fillComplex } from '../complex/layouts.js';
import { broadcastShapes, broadcastStrides, checkShapeNumel, contiguousStrides, sameShape, shapeNumel, shapeString } from '../tensor/shape.js';

/** A view of `t` presented with shape `target` (stride 0 on broadcast dims). */
function broadcastView(t: Tensor, target: readonly number[]): ViewArg {
  return sameShape(t._shape, target) ? t : layoutOf(t, t._dtype, t._offset, target, broadcastStrides(t._shape, t._strides, target));
}

/**
 * A kernel over complex tensors' (real, imag) pairs: `fn` gets their real layouts (the
 * complex dims, then a last dim of 2) and returns a new real [..., 2] result, taken as complex.
 */
function onPairs(tensors: Tensor[], fn: (pairs: Tensor[]) => Tensor): Tensor {
  const pairs = tensors.map((t) => realLayout(t));
  try {
    return complexFromPairs(fn(pairs));
  } finally {
    for (const p of pairs) p.dispose();
  }
}

/** `fn(view)`, then the view (a wrapper of another tensor's storage) released. */
function withView<T>(view: Tensor, fn: (view: Tensor) => T): T {
  try {
    return fn(view);
  } finally {
    view.dispose();
  }
}

/** `t` with a last dim of 1 (stride 0), to broadcast against a pair dim. */
function trailingUnit(t: Tensor): Tensor {
  return new Tensor(t._storage, [...t._shape, 1], [...t._strides, 0], t._offset, t._dtype, t._version, t._base ?? t);
}

/** A gather index repeated for both parts of each pair (stride 0). */
function pairedIndex(index: Tensor): Tensor {
  return new Tensor(index._storage, [...index._shape, 2], [...index._strides, 0], index._offset, index._dtype, index._version, index._base ?? index);
}

/** Checks that the operands live on one device, with PyTorch's message. */
export function checkSameDevice(a: Tensor, b: Tensor): void {
  if (a._storage.device !== b._storage.device && String(a.device) !== String(b.device)) {
    throw new Error(
      `Expected all tensors to be on the same device, but found at least two devices, ${a.device} and ${b.device}!`,
    );
  }
}

/** Copies (and converts) `x` into a new contiguous tensor of `dtype`. */
export function castKernel(x: Tensor, dtype: DType): Tensor {
  if (x._dtype.isComplex || dtype.isComplex) {
    // An op converting a complex operand to a real dtype is one with no complex form (the
    // integer-to-float promotions); the user's own conversions go through toDtype.
    if (!dtype.isComplex) throw new TypeError(NO_COMPLEX_KERNEL);
    return castComplex(x, dtype);
  }
  return fromHandle(call.cast(fresh(dtype, x._shape), x)!, x._shape, dtype, x.device);
}

registerCastKernel(castKernel);

/** Copies `x` into a new contiguous tensor of the same dtype on `target`. */
export function transferKernel(x: Tensor, target: Device): Tensor {
  const source = x.isContiguous() ? x : castKernel(x, x._dtype);
  const out = emptyKernel(x._shape.slice(), x._dtype, target);
  const itemsize = x._dtype.itemsize;
  call.copyAcross(out._handle(), 0, source._handle(), source._offset * itemsize, x.numel() * itemsize);
  if (source !== x) source.dispose();
  return out;
}

/**
 * Writes `src` (broadcast, converted) into the view `dst`. As PyTorch's copy_, `src` may
 * live on another device: it is brought over first.
 */
export function copyKernel(dst: Tensor, src: Tensor): void {
  if (dst._storage.device !== src._storage.device) {
    const moved = transferKernel(src, dst._storage.device);
    copyKernel(dst, moved);
    moved.dispose();
    return;
  }
  if (dst._dtype.isComplex || src._dtype.isComplex) {
    const strides = sameShape(src._shape, dst._shape) ? src._strides : broadcastStrides(src._shape, src._strides, dst._shape);
    copyComplex(dst, src, { shape: dst._shape, strides, offset: src._offset });
    return;
  }
  call.cast(dst, broadcastView(src, dst._shape));
}

/** `dst += alpha * src` in place, for same-shape float views of one dtype. */
export function axpyKernel(dst: Tensor, src: Tensor, alpha: number): void {
  if (dst._storage.device !== src._storage.device) checkSameDevice(dst, src);
  call.axpy(dst, src, alpha);
}

/** Fills the view `dst` with one value. */
export function fillKernel(dst: Tensor, value: number): void {
  if (dst._dtype.isComplex) return fillComplex(dst, value);
  call.fill(dst, value);
}

/** Converts a storage-only dtype (float16, int8, ...) to the dtype kernels compute in. */
export function toCompute(x: Tensor): Tensor {
  const c = computeDType(x._dtype);
  return c === x._dtype ? x : castKernel(x, c);
}

/** Brings a computed result back to a storage-only dtype when needed. */
function fromCompute(result: Tensor, dtype: DType): Tensor {
  if (result._dtype === dtype) return result;
  const out = castKernel(result, dtype);
  result.dispose();
  return out;
}

/** Unary kernel into a new tensor; `x` keeps its dtype. */
export function unaryKernel(op: UnaryOp, x: Tensor, p0 = NaN, p1 = NaN): Tensor {
  if (x._dtype.isCompute && x.isContiguous()) {
    // The common case, without the meta buffer.
    const h = call.unaryFlat(op, recycled(), x._handle(), x._offset, shapeNumel(x._shape), x._dtype.code, p0, p1);
    return fromHandle(h, x._shape, x._dtype, x._storage.device);
  }
  const input = toCompute(x);
  const out = fromHandle(call.unary(op, fresh(input._dtype, input._shape), input, p0, p1)!, input._shape, input._dtype, x.device);
  if (input !== x) input.dispose();
  return fromCompute(out, x._dtype);
}

/**
 * `g * f'(x)` for an activation UnaryOp with a rule in flint/rules/activation_grad.h, in one
 * native pass (PyTorch's *_backward kernels), in x's dtype (storage-only dtypes computed
 * in their compute dtype). `g` and `x` have one shape and device.
 * @example activationGradKernel(UnaryOp.Threshold, grad, out, 0, 0) // relu's backward from its output
 */
export function activationGradKernel(op: UnaryOp, g: Tensor, x: Tensor, p0: number, p1: number): Tensor {
  const dtype = computeDType(x._dtype);
  const n = x.numel();
  const gc = g._dtype === dtype && g.isContiguous() ? g : castKernel(g, dtype);
  const xc = x._dtype === dtype && x.isContiguous() ? x : castKernel(x, dtype);
  const handle = call.activationBackward(fresh(dtype, [n]), layoutOf(gc, dtype, gc._offset, [n], [1]), layoutOf(xc, dtype, xc._offset, [n], [1]), op, p0, p1);
  if (gc !== g) gc.dispose();
  if (xc !== x) xc.dispose();
  return fromCompute(fromHandle(handle, x._shape.slice(), dtype, x.device), x._dtype);
}

/** Unary kernel in place on `x`. */
export function unaryKernel_(op: UnaryOp, x: Tensor, p0 = NaN, p1 = NaN): void {
  if (!x._dtype.isCompute) {
    const result = unaryKernel(op, x, p0, p1);
    copyKernel(x, result);
    result.dispose();
    return;
  }
  call.unary(op, x, x, p0, p1);
}

/**
 * Binary kernel over operands of one dtype, broadcast to a new output (`outDtype` is
 * bool for comparisons). Storage-only dtypes are computed in their compute dtype.
 */
export function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, outDtype: DType): Tensor {
  if (a._storage.device !== b._storage.device) checkSameDevice(a, b);
  const ca = a._dtype.isCompute ? a : toCompute(a);
  const cb = b._dtype.isCompute ? b : toCompute(b);
  const computeDtype = outDtype === bool ? bool : ca._dtype;
  if (ca === a && cb === b && sameShape(a._shape, b._shape) && a.isContiguous() && b.isContiguous()) {
    // The common case, without the meta buffer: same shapes, contiguous.
    const n = shapeNumel(a._shape);
    const h = call.binaryFlat(op, recycled(), a._handle(), a._offset, b._handle(), b._offset, n, a._dtype.code, computeDtype.code);
    return fromHandle(h, a._shape, computeDtype, a._storage.device);
  }
  const shape = broadcastShapes(ca._shape, cb._shape);
  const strides = contiguousStrides(shape);
  const computeOut = outDtype === bool ? bool : ca._dtype;
  const handle = call.binary(op, fresh(computeOut, shape, strides), broadcastView(ca, shape), broadcastView(cb, shape))!;
  const out = fromHandle(handle, shape, computeOut, a._storage.device, strides);
  if (ca !== a) ca.dispose();
  if (cb !== b) cb.dispose();
  return fromCompute(out, outDtype);
}

/** Binary kernel writing into `out` (which must have the broadcast shape). */
export function binaryKernel_(op: BinaryOp, out: Tensor, a: Tensor, b: Tensor): void {
  checkSameDevice(a, b);
  if (!out._dtype.isCompute || !a._dtype.isCompute || !b._dtype.isCompute) {
    const result = binaryKernel(op, a, b, out._dtype);
    copyKernel(out, result);
    result.dispose();
    return;
  }
  call.binary(op, out, broadcastView(a, out._shape), broadcastView(b, out._shape));
}

/** Tensor-scalar kernel into a new tensor. */
export function scalarKernel(op: BinaryOp, a: Tensor, scalar: number, scalarFirst: boolean, outDtype: DType): Tensor {
  if (a._dtype.isCompute && a.isContiguous()) {
    const out = outDtype === bool ? bool : a._dtype;
    const n = shapeNumel(a._shape);
    const h = call.binaryScalarFlat(op, recycled(), a._handle(), a._offset, n, a._dtype.code, out.code, scalar, scalarFirst);
    return fromHandle(h, a._shape, out, a._storage.device);
  }
  const ca = toCompute(a);
  const computeOut = outDtype === bool ? bool : ca._dtype;
  const strides = contiguousStrides(ca._shape);
  const handle = call.binaryScalar(op, fresh(computeOut, ca._shape, strides), ca, scalar, scalarFirst)!;
  const out = fromHandle(handle, ca._shape, computeOut, a._storage.device, strides);
  if (ca !== a) ca.dispose();
  return fromCompute(out, outDtype);
}

/** Tensor-scalar kernel in place. */
export function scalarKernel_(op: BinaryOp, a: Tensor, scalar: number, scalarFirst: boolean): void {
  if (!a._dtype.isCompute) {
    const result = scalarKernel(op, a, scalar, scalarFirst, a._dtype);
    copyKernel(a, result);
    result.dispose();
    return;
  }
  call.binaryScalar(op, a, a, scalar, scalarFirst);
}

/** `where(cond, a, b)` over operands already of one dtype. */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  checkSameDevice(cond, a);
  checkSameDevice(a, b);
  if (a._dtype.isComplex) return onPairs([a, b], ([pa, pb]) => withView(trailingUnit(cond), (c) => whereKernel(c, pa!, pb!)));
  const shape = broadcastShapes(broadcastShapes(cond._shape, a._shape), b._shape);
  const handle = call.where(fresh(a._dtype, shape), broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape));
  return fromHandle(handle!, shape, a._dtype, a.device);
}

/**
 * Reduces `x` over `dims` (already normalised, unique). Returns a tensor of the kept
 * dims' shape; the caller re-inserts size-1 dims for keepdim.
 */
export function reduceKernel(op: ReduceOp, x: Tensor, dims: readonly number[], outDtype: DType): Tensor {
  const input = toCompute(x);
  const reduced = new Set(dims);
  const keptShape: number[] = [];
  const order: number[] = [];
  for (let d = 0; d < input._shape.length; d++) {
    if (!reduced.has(d)) {
      order.push(d);
      keptShape.push(input._shape[d]);
    }
  }
  for (const d of dims) order.push(d);
  // float16/bfloat16 are reduced in float32 (PyTorch accumulates them in float32 too) and
  // the result is rounded back once.
  const computeOut = outDtype.isCompute ? outDtype : computeDType(outDtype);
  const arranged = layoutOf(input, input._dtype, input._offset, order.map((d) => input._shape[d]), order.map((d) => input._strides[d]));
  const out = fromHandle(call.reduce(op, fresh(computeOut, keptShape), arranged, dims.length)!, keptShape, computeOut, x.device);
  if (input !== x) input.dispose();
  return fromCompute(out, outDtype);
}

/** Matrix operand as BLAS sees it: offset, leading dimension and transpose flag. */
interface MatrixOperand {
  offset: number;
  ld: number;
  trans: boolean;
  batchStride: number;
}

/** Describes the last two dims of `t` for BLAS, or null if they need a copy first. */
function asMatrix(t: Tensor, batchStride: number): MatrixOperand | null {
  const n = t._shape.length;
  const rows = t._shape[n - 2];
  const cols = t._shape[n - 1];
  const rs = t._strides[n - 2];
  const cs = t._strides[n - 1];
  // An empty matrix touches no memory: any leading dimension BLAS accepts will do.
  if (rows === 0 || cols === 0) return { offset: t._offset, ld: Math.max(cols, 1), trans: false, batchStride };
  if ((cs === 1 || cols === 1) && (rows === 1 || rs >= Math.max(cols, 1))) {
    return { offset: t._offset, ld: rows === 1 ? Math.max(cols, 1) : rs, trans: false, batchStride };
  }
  if ((rs === 1 || rows === 1) && (cols === 1 || cs >= Math.max(rows, 1))) {
    return { offset: t._offset, ld: cols === 1 ? Math.max(rows, 1) : cs, trans: true, batchStride };
  }
  return null;
}

/**
 * Matrix product of `a` [batch, m, k] and `b` [batch, k, n] (3-D, same batch, or a batch
 * of one broadcast) into a new [batch, m, n] tensor, or into `out` with `beta` (out =
 * beta*out + alpha*a@b). 2-D operands give a 2-D product without batch-of-one views.
 * With `bias` (2-D operands, a new output; addmm's input, which the caller has checked
 * expands to [m, n]) the
 * output is filled from it in the same native call: beta*bias + alpha*a@b.
 */
export function gemmKernel(a: Tensor, b: Tensor, out: Tensor | null = null, beta = 0, alpha = 1, bias: Tensor | null = null): Tensor {
  checkSameDevice(a, b);
  const rank = a._shape.length;
  if (bias !== null && (a._dtype === bfloat16 && a._storage.device.type === 'cpu')) {
    // The bfloat16 path widens its operands first; it takes its bias as a filled output.
    out = emptyKernel([a._shape[0], b._shape[1]], a._dtype, a.device);
    copyKernel(out, bias);
    bias = null;
  }
  if (a._dtype === bfloat16 && a._storage.device.type === 'cpu') return bfloat16GemmOnCpu(a, b, out, beta, alpha);
  let left = a;
  let right = b;
  const batchStrideOf = (t: Tensor): number => (rank === 3 && t._shape[0] !== 1 ? t._strides[0] : 0);
  const batch = rank === 3 ? left._shape[0] : 1;
  let ma = asMatrix(left, batchStrideOf(left));
  if (ma === null) {
    left = castKernel(left, left._dtype);
    ma = asMatrix(left, batchStrideOf(left))!;
  }
  let mb = asMatrix(right, batchStrideOf(right));
  if (mb === null) {
    right = castKernel(right, right._dtype);
    mb = asMatrix(right, batchStrideOf(right))!;
  }
  const m = left._shape[rank - 2];
  const k = left._shape[rank - 1];
  const n = right._shape[rank - 1];
  const dtype = left._dtype;
  const target = out;
  const offC = target ? target._offset : 0;
  const ldc = target ? target._strides[rank - 2] : n;
  const strideC = target && rank === 3 ? target._strides[0] : m * n;
  let biasStrides: readonly number[] | null = null;
  if (bias !== null) {
    checkSameDevice(a, bias);
    biasStrides = broadcastStrides(bias._shape, bias._strides, [m, n]);
  }
  const handle = call.gemm(
    target ? target._handle() : recycled(), left._handle(), right._handle(),
    dtype.code, m, n, k, batch, ma.trans, mb.trans,
    ma.offset, ma.ld, ma.batchStride, mb.offset, mb.ld, mb.batchStride,
    offC, ldc, strideC, alpha, beta,
    bias === null ? null : bias._handle(), bias === null ? 0 : bias._offset, biasStrides?.[0] ?? 0, biasStrides?.[1] ?? 0,
  );
  if (left !== a) left.dispose();
  if (right !== b) right.dispose();
  return target ?? fromHandle(handle!, rank === 3 ? [batch, m, n] : [m, n], dtype, a.device);
}

/**
 * bfloat16 products on the CPU, which OpenBLAS lacks: the operands are widened to float32
 * (exact), multiplied and accumulated there, and the result is rounded to bfloat16 once,
 * as PyTorch's CPU kernel accumulates in float32.
 */
function bfloat16GemmOnCpu(a: Tensor, b: Tensor, out: Tensor | null, beta: number, alpha: number): Tensor {
  const a32 = castKernel(a, float32);
  const b32 = castKernel(b, float32);
  const out32 = out === null || beta === 0 ? null : castKernel(out, float32);
  const r = gemmKernel(a32, b32, out32, beta, alpha);
  a32.dispose();
  b32.dispose();
  if (out === null) {
    const rounded = castKernel(r, bfloat16);
    r.dispose();
    return rounded;
  }
  copyKernel(out, r);
  r.dispose();
  return out;
}

/** `index_select` along `dim` with an int64 1-D index. */
export function indexSelectKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  if (x._dtype.isComplex) return onPairs([x], ([pairs]) => indexSelectKernel(pairs!, dim, index));
  const shape = x._shape.slice();
  shape[dim] = index._shape[0];
  return fromHandle(call.indexSelect(fresh(x._dtype, shape), x, dim, index)!, shape, x._dtype, x.device);
}

/** `out.index_add_(dim, index, src)` (accumulate) or `out.index_copy_`. */
export function indexPutKernel(out: Tensor, dim: number, index: Tensor, src: Tensor, accumulate: boolean): void {
  call.indexPut(out, dim, index, src, accumulate);
}

/** `gather(x, dim, index)`. */
export function gatherKernel(x: Tensor, dim: number, index: Tensor): Tensor {
  if (x._dtype.isComplex) return onPairs([x], ([pairs]) => withView(pairedIndex(index), (i) => gatherKernel(pairs!, dim, i)));
  return fromHandle(call.gather(fresh(x._dtype, index._shape), x, dim, index)!, index._shape, x._dtype, x.device);
}

/** `out.scatter_(dim, index, src)` or `scatter_add_`. */
export function scatterKernel(out: Tensor, dim: number, index: Tensor, src: Tensor, accumulate: boolean): void {
  call.scatter(out, dim, index, src, accumulate);
}

/** Coordinates of nonzero elements as int64 [count, ndim]. */
export function nonzeroKernel(x: Tensor): Tensor {
  const [handle, count] = call.nonzero(x);
  return fromHandle(handle, [count, x._shape.length], int64, x.device);
}

/** A new uninitialised contiguous tensor. */
export function emptyKernel(shape: number[], dtype: DType, device: Tensor['device']): Tensor {
  const nbytes = shapeNumel(shape) * dtype.itemsize;
  if (!(nbytes >= 0 && nbytes < 2 ** 63)) {
    if (nbytes >= 2 ** 63) throw new Error(`Storage size calculation overflowed with sizes=${shapeString(shape)}`);
    checkShapeNumel(shape); // a negative or fractional size: PyTorch's message for it
  }
  return fromHandle(call.alloc(device.code, nbytes, recycled()), shape, dtype, device);
}

