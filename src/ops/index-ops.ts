/**
 * Index ops beyond gather/scatter: take, takeAlongDim, maskedFill_, maskedScatter,
 * indexAdd, indexFill, indexCopy (each with its in-place form). The in-place forms run the
 * out-of-place op and write it back, through `rebase` when history must be recorded.
 */
import { record } from '../autograd/function.js';
import { Tensor } from '../tensor/tensor.js';
import { bool, int32, int64, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, normalizeDim, sameShape } from '../tensor/shape.js';
import { argumentError, checkScalar, checkTensor, checkOptions } from '../tensor/args.js';
import { castKernel, copyKernel, indexPutKernel, indexSelectKernel } from './tensor-kernels.js';
import { filled, zerosOf } from './internal-tensors.js';
import { reshape } from './shape.js';
import { gather, indexPut_, maskedFill, maskedSelect } from './indexing.js';
import { add, lt, mul, where } from './elementwise.js';
import { max as maxOf, min as minOf, sum } from './reduce.js';
import { checkWriteOverlap } from './overlap.js';
import { inplaceVia } from './inplace-via.js';
import { tidy } from '../memory/storage.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';

/** `index` as a 1-D int64 vector, with index_add/index_copy/index_fill's checks. */
function indexVector(index: unknown, fn: string): Tensor {
  checkTensor(index, fn, 'index');
  if (index._dtype !== int64 && index._dtype !== int32) {
    throw new Error(`${fn}(): Expected dtype int32/int64 for index but got: ${scalarTypeName(index._dtype.name)}`);
  }
  if (index._shape.length > 1) throw new Error(`${fn}(): Index is supposed to be a vector`);
  const flat = reshape(index, [-1]);
  return flat._dtype === int64 ? flat.contiguous() : castKernel(flat, int64);
}

/** 0-d tensors act as 1-element vectors in the index ops. */
function asVector(t: Tensor): Tensor {
  return t._shape.length === 0 ? reshape(t, [1]) : t;
}

/**
 * The elements of the flattened input at `index` (negative indices count from the end),
 * shaped like `index`.
 * @example torch.take(x, torch.tensor([0, 5]))
 */
export function take(x: Tensor, index: Tensor): Tensor {
  checkTensor(x, 'take', 'input');
  checkTensor(index, 'take', 'index');
  if (index._dtype !== int64) throw new Error(`take(): Expected a long tensor for index, but got ${scalarTypeName(index._dtype.name)}`);
  const numel = x.numel();
  const flatIndex = reshape(index, [-1]);
  if (x.device.type === 'cpu' && flatIndex.numel() > 0) {
    const lo = Number((minOf(flatIndex) as Tensor).item());
    const hi = Number((maxOf(flatIndex) as Tensor).item());
    if (lo < -numel || hi >= numel) {
      throw new RangeError(`out of range: tried to access index ${lo < -numel ? lo : hi} on a tensor of ${numel} elements.`);
    }
  }
  const wrapped = tidy(() => where(lt(flatIndex, 0), add(flatIndex, numel), flatIndex).contiguous());
  const flatX = reshape(x.detach(), [-1]);
  const picked = indexSelectKernel(flatX, 0, wrapped);
  const out = reshape(picked, index._shape);
  const inputShape = x._shape;
  return record(out, 'TakeBackward0', [x], (node) => {
    const si = node.save(wrapped);
    return (g) => {
      const grad = zerosOf([numel], g);
      indexPutKernel(grad, 0, si(), reshape(g, [-1]).contiguous(), true);
      return [reshape(grad, inputShape)];
    };
  }, { onceDifferentiable: true });
}

/**
 * numpy.take_along_axis: gather along `dim` with `indices` broadcast against the input
 * (off `dim`); without `dim`, over the flattened input.
 * @example torch.takeAlongDim(x, x.argmax(1, true), 1)
 */
export function takeAlongDim(x: Tensor, indices: Tensor, dim?: number | null): Tensor {
  checkTensor(x, 'take_along_dim', 'input');
  checkTensor(indices, 'take_along_dim', 'indices');
  if (indices._dtype !== int64) {
    throw new Error(`torch.take_along_dim(): dtype of indices should be Long but got ${scalarTypeName(indices._dtype.name)}`);
  }
  if (dim === undefined || dim === null) return gather(reshape(x, [-1]), 0, reshape(indices, [-1]));
  const n = x._shape.length;
  const d = normalizeDim(dim, n, false, 'take_along_dim');
  if (indices._shape.length !== n) {
    throw new Error(
      `torch.take_along_dim(): input and indices should have the same number of dimensions, but got ${n} dimensions for input, and ${indices._shape.length} dimensions for indices`,
    );
  }
  const xShape = x._shape.slice();
  const iShape = indices._shape.slice();
  xShape[d] = indices._shape[d];
  const shape = broadcastShapes(xShape, iShape);
  const xTarget = shape.slice();
  xTarget[d] = x._shape[d];
  const iTarget = shape.slice();
  iTarget[d] = indices._shape[d];
  const xe = sameShape(xTarget, x._shape) ? x : x.expand(xTarget);
  const ie = sameShape(iTarget, indices._shape) ? indices : indices.expand(iTarget);
  return gather(xe, d, ie);
}

function checkMask(mask: unknown, fn: string): asserts mask is Tensor {
  checkTensor(mask, fn, 'mask');
  if (mask._dtype !== bool) throw new Error(`${fn} only supports boolean masks, but got mask with dtype ${mask._dtype.name}`);
}

/**
 * In-place `maskedFill`: `value` where `mask` (broadcast to self's shape) is true.
 * @example x.maskedFill_(x.lt(0), 0)
 */
export function maskedFill_(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(x, 'masked_fill_', 'input');
  checkMask(mask, 'masked_fill_');
  checkWriteOverlap(x, mask);
  return inplaceVia(x, [mask, value], (current) => maskedFill(current, mask, value));
}

/**
 * A copy of x with `source`'s leading elements written, in row-major order, where `mask`
 * is true.
 * @example x.maskedScatter(mask, src)
 */
export function maskedScatter(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'masked_scatter', 'input');
  checkMask(mask, 'masked_scatter_');
  checkTensor(source, 'masked_scatter', 'source');
  if (source._dtype !== x._dtype) {
    throw new Error(`masked_scatter: expected self and source to have same dtypes but got ${scalarTypeName(x._dtype.name)} and ${scalarTypeName(source._dtype.name)}`);
  }
  const shape = broadcastShapes(x._shape, mask._shape);
  const m = sameShape(mask._shape, shape) ? mask : mask.expand(shape);
  const out = castKernel(sameShape(x._shape, shape) ? x : x.expand(shape), x._dtype);
  const selected = tidy(() => Number((sum(m) as Tensor).item()));
  if (source.numel() < selected) throw new Error('Number of elements of source < number of ones in mask');
  tidy(() => void indexPut_(out, [m], reshape(source.detach(), [-1]).narrow(0, 0, selected)));
  const xShape = x._shape;
  const sourceShape = source._shape;
  const sourceNumel = source.numel();
  return record(out, 'MaskedScatterBackward0', [x, source], (node) => {
    const sm = node.save(m);
    return (g) => tidy(() => {
      const gx = sumToShape(maskedFill(g, sm(), 0), xShape);
      const gs = zerosOf([sourceNumel], g);
      copyKernel(gs.narrow(0, 0, selected), maskedSelect(g, sm()));
      return [gx, reshape(gs, sourceShape)];
    });
  }, { onceDifferentiable: true });
}

function sumToShape(g: Tensor, shape: number[]): Tensor {
  if (sameShape(g._shape, shape)) return g;
  const lead = g._shape.length - shape.length;
  const dims: number[] = [];
  g._shape.forEach((s, i) => {
    if (i < lead || (shape[i - lead] === 1 && s !== 1)) dims.push(i);
  });
  return reshape(sum(g, dims, true), shape);
}

/**
 * In-place `maskedScatter` (the mask broadcasts to self's shape).
 * @example x.maskedScatter_(mask, src)
 */
export function maskedScatter_(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'masked_scatter_', 'input');
  checkWriteOverlap(x, mask, source);
  return inplaceVia(x, [mask, source], (current) => maskedScatter(current, mask, source));
}

/** Options of indexAdd. */
export interface IndexAddOptions {
  /** The factor on `source`. */
  alpha?: number;
}

function checkIndexSource(x: Tensor, d: number, idx: Tensor, source: Tensor, fn: string): void {
  if (source._dtype !== x._dtype) {
    throw new Error(`${fn}(): self (${scalarTypeName(x._dtype.name)}) and source (${scalarTypeName(source._dtype.name)}) must have the same scalar type`);
  }
  const srcDims = Math.max(source._shape.length, 1);
  const selfDims = Math.max(x._shape.length, 1);
  const srcSize = source._shape.length === 0 ? 1 : source._shape[d];
  if (srcSize !== idx._shape[0]) {
    throw new Error(`${fn}(): Number of indices (${idx._shape[0]}) should be equal to source.size(dim): (${srcSize}), for dim: ${d}`);
  }
  const ok = srcDims === selfDims && x._shape.every((s, k) => k === d || s === source._shape[k]);
  if (!ok && !(x._shape.length <= 1 && source._shape.length <= 1)) {
    throw new Error(`${fn}(): source and self must have the same shape apart from dim ${d}: got source [${source._shape.join(', ')}] and self [${x._shape.join(', ')}]`);
  }
}

/**
 * Out-of-place `index_add`: a copy of x with `alpha * source` added at `index` along `dim`.
 * @example x.indexAdd(0, torch.tensor([0, 2]), src, { alpha: 2 })
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options: IndexAddOptions = {}): Tensor {
  checkTensor(x, 'index_add', 'input');
  checkTensor(source, 'index_add', 'source');
  checkOptions(options, 'index_add', ['alpha']);
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number') throw argumentError('index_add', 'alpha', 'a number', alpha);
  const d = normalizeDim(dim, x._shape.length, false, 'index_add');
  const idx = indexVector(index, 'index_add_');
  checkIndexSource(x, d, idx, source, 'index_add_');
  const out = castKernel(x, x._dtype);
  const scaled = alpha === 1 ? source.detach() : castKernel(mul(source.detach(), alpha), x._dtype);
  indexPutKernel(asVector(out), d, idx, asVector(scaled).contiguous(), true);
  const sourceShape = source._shape;
  return record(out, 'IndexAddBackward0', [x, source], (node) => {
    const si = node.save(idx);
    return (g) => {
      const picked = reshape(indexSelectKernel(asVector(g), d, si()), sourceShape);
      return [g, alpha === 1 ? picked : mul(picked, alpha)];
    };
  }, { onceDifferentiable: true });
}

/**
 * In-place `index_add_`.
 * @example x.indexAdd_(0, torch.tensor([0, 2]), src)
 */
export function indexAdd_(x: Tensor, dim: number, index: Tensor, source: Tensor, options: IndexAddOptions = {}): Tensor {
  checkTensor(x, 'index_add_', 'input');
  checkWriteOverlap(x, index, source);
  return inplaceVia(x, [source], (current) => indexAdd(current, dim, index, source, options));
}

/**
 * Out-of-place `index_fill`: a copy of x with `value` at `index` along `dim`.
 * @example x.indexFill(1, torch.tensor([0, 2]), -1)
 */
export function indexFill(x: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(x, 'index_fill', 'input');
  const d = normalizeDim(dim, x._shape.length, false, 'index_fill');
  const idx = indexVector(index, 'index_fill_');
  let valueTensor: Tensor | null = null;
  if (value instanceof Tensor) {
    if (value._shape.length !== 0) {
      throw new Error(`index_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value._shape.length} dimension(s).`);
    }
    valueTensor = value;
  } else checkScalar(value, 'index_fill', 'value');
  const out = castKernel(x, x._dtype);
  const target = asVector(out);
  const fillShape = target._shape.slice();
  fillShape[d] = idx._shape[0];
  const fill = valueTensor === null
    ? filled(fillShape, Number(value), x._dtype, x.device)
    : castKernel(valueTensor.detach().expand(fillShape), x._dtype);
  indexPutKernel(target, d, idx, fill, false);
  fill.dispose();
  return record(out, valueTensor === null ? 'IndexFillBackward0' : 'IndexFillBackward1', [x, valueTensor], (node) => {
    const si = node.save(idx);
    const wantValue = node.next[1] !== null;
    const valueDtype = valueTensor?._dtype;
    return (g) => {
      const gx = castKernel(g, g._dtype);
      const v = asVector(gx);
      const shape = v._shape.slice();
      shape[d] = si()._shape[0];
      const zeros = zerosOf(shape, g);
      indexPutKernel(v, d, si(), zeros, false);
      zeros.dispose();
      let gv: Tensor | null = null;
      if (wantValue) {
        gv = sum(indexSelectKernel(asVector(g), d, si())) as Tensor;
        if (gv._dtype !== valueDtype) gv = castKernel(gv, valueDtype!);
      }
      return [gx, gv];
    };
  }, { onceDifferentiable: true });
}

/**
 * In-place `index_fill_`.
 * @example x.indexFill_(1, torch.tensor([0, 2]), -1)
 */
export function indexFill_(x: Tensor, dim: number, index: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor(x, 'index_fill_', 'input');
  checkWriteOverlap(x, index);
  return inplaceVia(x, [value], (current) => indexFill(current, dim, index, value));
}

/**
 * Out-of-place `index_copy`: a copy of x with `source`'s slices written at `index` along `dim`.
 * @example x.indexCopy(0, torch.tensor([2, 0]), src)
 */
export function indexCopy(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('indexCopy', indexCopy, arguments);
  checkTensor(x, 'index_copy', 'input');
  checkTensor(source, 'index_copy', 'source');
  const d = normalizeDim(dim, x._shape.length, false, 'index_copy');
  const idx = indexVector(index, 'index_copy_');
  checkIndexSource(x, d, idx, source, 'index_copy_');
  const out = castKernel(x, x._dtype);
  indexPutKernel(asVector(out), d, idx, asVector(source.detach()).contiguous(), false);
  const sourceShape = source._shape;
  return record(out, 'IndexCopyBackward0', [x, source], (node) => {
    const si = node.save(idx);
    return (g) => {
      const gx = castKernel(g, g._dtype);
      const v = asVector(gx);
      const shape = v._shape.slice();
      shape[d] = si()._shape[0];
      const zeros = zerosOf(shape, g);
      indexPutKernel(v, d, si(), zeros, false);
      zeros.dispose();
      return [gx, reshape(indexSelectKernel(asVector(g), d, si()), sourceShape)];
    };
  }, { onceDifferentiable: true });
}

/**
 * In-place `index_copy_`.
 * @example x.indexCopy_(0, torch.tensor([2, 0]), src)
 */
export function indexCopy_(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'index_copy_', 'input');
  checkWriteOverlap(x, index, source);
  return inplaceVia(x, [source], (current) => indexCopy(current, dim, index, source));
}
