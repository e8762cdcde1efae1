/**
 * `torch.put` / `put_` (writes at flat indices, as if the input were contiguous) and
 * `torch.index_reduce` / `index_reduce_` (PyTorch 1.13's 'prod' | 'mean' | 'amax' | 'amin'
 * reduction of slices of `source` into slices of the input along a dim), with PyTorch's
 * checks, messages and gradients (PutBackward0, IndexReduceBackward0).
 *
 * Indices are read on the host to check them with PyTorch's messages before anything is
 * written; the native kernels check them again, so a bad index never writes out of bounds.
 */
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { bool, int32, int64, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, normalizeDim, sameShape, shapeString } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkOptions, checkTensor } from '../tensor/args.js';
import { tensor } from '../tensor/creation.js';
import { castKernel, indexPutKernel, indexSelectKernel } from './tensor-kernels.js';
import { filled } from './internal-tensors.js';
import { expand, makeView, reshape } from './shape.js';
import { movedim } from './reorder.js';
import { div, eq, logicalAnd, mul, where } from './elementwise.js';
import { indexAdd, indexFill } from './index-ops.js';
import { indexSelect } from './indexing.js';
import { scatterReduce } from './scatter-reduce.js';
import { assertNoInternalOverlap, assertNoPartialOverlap } from './overlap.js';
import { inplaceVia } from './inplace-via.js';

const OVERLAP =
  'unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory ' +
  'location. Please clone() the tensor before performing the operation.';

/** PyTorch's assert_no_overlap: `input` may share no memory with `out`, partly or wholly. */
function assertNoOverlap(out: Tensor, input: Tensor): void {
  assertNoPartialOverlap(out, input);
  const whole = out._storage === input._storage && out._offset === input._offset && out.numel() > 0 &&
    sameShape(out._shape, input._shape) && sameShape(out._strides, input._strides);
  if (whole) throw new Error(OVERLAP);
}

/** The elements of an int64 or int32 index tensor, as numbers, in row-major order. */
function indexValues(index: Tensor): number[] {
  return Array.from(index.contiguous().dataSync() as ArrayLike<number | bigint>, Number);
}

/** put_'s checks before its kernel, in PyTorch's order. */
function checkPut(self: Tensor, index: Tensor, source: Tensor): void {
  if (index._dtype !== int64) throw new Error(`put_(): Expected a long tensor for index, but got ${scalarTypeName(index._dtype)}`);
  if (self._dtype !== source._dtype) {
    throw new Error(
      `put_(): self and source expected to have the same dtype, but got self.dtype = ${scalarTypeName(self._dtype)} and source.dtype = ${scalarTypeName(source._dtype)}`,
    );
  }
  if (String(self.device) !== String(source.device) || String(self.device) !== String(index.device)) {
    throw new Error(
      `put_(): self, index and source expected to be in the same device, but got self.device = ${self.device}, index.device = ${index.device}, and source.device = ${source.device}`,
    );
  }
  if (source.numel() !== index.numel()) {
    throw new RangeError(
      `put_(): Expected source and index to have the same number of elements, but got source.numel() = ${source.numel()}, index.numel() = ${index.numel()}`,
    );
  }
  if (self.numel() === 0 && index.numel() !== 0) throw new RangeError('put_(): Tried to put elements into an empty tensor');
}

/**
 * A copy of `input` with `source`'s elements written at the flat positions `index` (counted
 * as if `input` were contiguous; negative ones from the end), or added there with
 * `accumulate`. Without it a position written twice keeps the last value, as PyTorch's
 * serial CPU kernel does. Gradients: PyTorch's PutBackward0.
 * @example torch.put(torch.zeros(2, 3), torch.tensor([0, -1]), torch.tensor([1, 2], { dtype: torch.float32 }))
 */
export function put(input: Tensor, index: Tensor, source: Tensor, accumulate = false): Tensor {
  checkTensor(input, 'put', 'input');
  checkTensor(index, 'put', 'index');
  checkTensor(source, 'put', 'source');
  checkBoolean(accumulate, 'put', 'accumulate');
  checkPut(input, index, source);
  const numel = input.numel();
  const positions = indexValues(index).map((v) => {
    if (v < -numel || v >= numel) throw new RangeError(`out of range: tried to access index ${v} on a tensor of ${numel} elements.`);
    return v < 0 ? v + numel : v;
  });
  const out = castKernel(input, input._dtype);
  const flatIndex = tensor(positions, { dtype: int64, device: input.device });
  if (positions.length > 0) writeAt(out, positions, flatIndex, source, accumulate);
  const sourceShape = source._shape.slice();
  return record(out, 'PutBackward0', [input, source], (node) => {
    const at = node.save(flatIndex, true);
    return (g) => putBackward(g, at(), sourceShape, accumulate);
  }, { onceDifferentiable: true });
}

/** Writes (or adds) `source` at the flat `positions` of the contiguous `out`. */
function writeAt(out: Tensor, positions: number[], flatIndex: Tensor, source: Tensor, accumulate: boolean): void {
  const flat = makeView(out, [out.numel()], [1], 0);
  let values = reshape(castKernel(source.detach(), source._dtype), [-1]);
  let at = flatIndex;
  if (!accumulate) {
    // Only each position's last write survives a serial loop; the kernel then sees each
    // position once, so its own order cannot matter.
    const last = new Map<number, number>();
    positions.forEach((p, i) => last.set(p, i));
    if (last.size !== positions.length) {
      const kept = tensor([...last.values()], { dtype: int64, device: out.device });
      values = indexSelectKernel(values, 0, kept);
      at = tensor([...last.keys()], { dtype: int64, device: out.device });
    }
  }
  indexPutKernel(flat, 0, at, values, accumulate);
}

function putBackward(g: Tensor, at: Tensor, sourceShape: number[], accumulate: boolean): [Tensor, Tensor] {
  const dense = castKernel(g, g._dtype);
  const flat = makeView(dense, [dense.numel()], [1], 0);
  const gradSource = reshape(indexSelectKernel(flat, 0, at), sourceShape);
  if (!accumulate && at.numel() > 0) indexPutKernel(flat, 0, at, filled([at.numel()], 0, g._dtype, g.device), false);
  return [dense, gradSource];
}

/**
 * In-place `put`: writes `source` into `self` at the flat positions `index`.
 * @example x.put_(torch.tensor([1, 1]), torch.tensor([5, 6], { dtype: torch.float32 }), true)
 */
export function put_(self: Tensor, index: Tensor, source: Tensor, accumulate = false): Tensor {
  checkTensor(self, 'put_', 'input');
  checkTensor(index, 'put_', 'index');
  checkTensor(source, 'put_', 'source');
  checkPut(self, index, source);
  assertNoInternalOverlap(self);
  assertNoOverlap(self, index);
  assertNoOverlap(self, source);
  return inplaceVia(self, [source], (current) => put(current, index, source, accumulate));
}

/** index_reduce's reductions. */
export type IndexReduction = 'prod' | 'mean' | 'amax' | 'amin';

/** Options of indexReduce. */
export interface IndexReduceOptions {
  /** Whether the input's own values take part in the reduction (default true). */
  includeSelf?: boolean;
}

const REDUCTIONS: readonly string[] = ['prod', 'mean', 'amax', 'amin'];
let warnedBeta = false;

/** A checked index_reduce: the dim, the index as an int64 vector, and `source` shaped as the reduced slices. */
interface Plan {
  d: number;
  index: Tensor;
  /** `source` broadcast to the input's shape with `d` of the index's length (a graph of views). */
  source: Tensor;
  /** the input's shape as a vector or more (a 0-d input is one element) */
  shape: number[];
}

function planIndexReduce(input: Tensor, dim: number, index: Tensor, source: Tensor, reduce: string, includeSelf: boolean): Plan {
  if (typeof reduce !== 'string') throw argumentError('index_reduce', 'reduce', 'a string', reduce);
  if (!REDUCTIONS.includes(reduce)) throw new Error(`index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got ${reduce}.`);
  const d = normalizeDim(dim, input._shape.length, false, 'index_reduce');
  if (index._shape.length > 1) {
    throw new RangeError(
      `index_reduce_(): Index is supposed to be a vector, but got dim: ${index._shape.length} with type: ${scalarTypeName(index._dtype)} and size: ${shapeString(index._shape)}`,
    );
  }
  if (index._dtype !== int64 && index._dtype !== int32) {
    throw new Error(`index_reduce_(): Expected dtype int32/int64 for index but got: ${scalarTypeName(index._dtype)}`);
  }
  if (input._dtype !== source._dtype) {
    throw new Error(`index_reduce_(): self (${scalarTypeName(input._dtype)}) and source (${scalarTypeName(source._dtype)}) must have the same scalar type`);
  }
  if (!(d === 0 || d < source._shape.length)) {
    throw new Error(`index_reduce_(): Indexing dim ${d} is out of bounds of the source tensor with dim ${source._shape.length}`);
  }
  const n = index.numel();
  const sourceSize = source._shape.length === 0 ? 1 : source._shape[d];
  if (n !== sourceSize) throw new Error(`index_reduce_(): Number of indices (${n}) should be equal to source.size(dim): (${sourceSize}), for dim: ${d}`);
  if (input._dtype === bool) throw new Error(`"index_func_" not implemented for 'Bool'`);
  const shape = input._shape.length === 0 ? [1] : input._shape.slice();
  const size = input._shape.length <= 1 ? input.numel() : shape[d];
  const values = indexValues(index);
  if (!includeSelf) {
    // An excluded input is first filled at `index` (index_fill_, which has its own message).
    const bad = values.find((v) => v >= size || v < -size);
    if (bad !== undefined) throw new RangeError(`index ${bad} is out of bounds for dimension ${d} with size ${size}`);
  }
  let spread: Tensor;
  if (input._shape.length <= 1) {
    if (source._shape.length > 1) throw new Error(`source.dim() (${source._shape.length}) must one or zero for given self.dim() (${input._shape.length})`);
    spread = reshape(source, [n]);
  } else {
    const selfSlice = shape.filter((_, k) => k !== d);
    const sourceSlice = source._shape.filter((_, k) => k !== d);
    const joint = broadcastShapes(selfSlice, sourceSlice);
    if (!sameShape(joint, selfSlice)) {
      throw new Error(`output with shape ${shapeString(selfSlice)} doesn't match the broadcast shape ${shapeString(joint)}`);
    }
    const front = source._shape.length === 0 ? reshape(source, [1]) : movedim(source, d, 0);
    const padded = reshape(front, [n, ...new Array<number>(selfSlice.length - sourceSlice.length).fill(1), ...sourceSlice]);
    spread = movedim(expand(padded, [n, ...selfSlice]), 0, d);
  }
  if (values.some((v) => v < 0 || v >= size)) throw new RangeError('index out of range in self');
  return { d, index: tensor(values, { dtype: int64, device: input.device }), source: spread, shape };
}

/** `index` laid along `d` and broadcast over the other dims of `shape` (scatter's index). */
function spreadIndex(index: Tensor, d: number, shape: number[]): Tensor {
  const lined = shape.map((s, k) => (k === d ? s : 1));
  return castKernel(expand(reshape(index, lined), shape), int64);
}

/** index_reduce on detached vectors-or-more: scatter_reduce with the index spread over the slices. */
function reduceRaw(self: Tensor, d: number, index: Tensor, source: Tensor, reduce: IndexReduction, includeSelf: boolean): Tensor {
  const spread = spreadIndex(index, d, source._shape);
  if (includeSelf || reduce === 'prod' || reduce === 'mean') return noGrad(() => scatterReduce(self, d, spread, source, reduce, { includeSelf }));
  // An excluded self starts, at each named slice, from one of the slices reduced into it:
  // exact for every dtype, where an identity such as int64's largest value is not a double.
  const start = castKernel(self, self._dtype);
  indexPutKernel(start, d, index, source, false);
  return noGrad(() => scatterReduce(start, d, spread, source, reduce));
}

/**
 * Reduces the slices of `source` along `dim` into the slices of a copy of `input` that
 * `index` names ('prod', 'mean', 'amax' or 'amin'; `includeSelf: false` leaves the input's
 * own values at the named slices out). Slices of `source` broadcast to the input's. Integer
 * means round down, as PyTorch's; amax/amin share a tie's gradient evenly.
 * @example torch.indexReduce(torch.ones(3, 2), 0, torch.tensor([0, 2, 0]), src, 'amax')
 */
export function indexReduce(input: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduction, options: IndexReduceOptions = {}): Tensor {
  checkTensor(input, 'index_reduce', 'input');
  checkTensor(index, 'index_reduce', 'index');
  checkTensor(source, 'index_reduce', 'source');
  checkOptions(options, 'index_reduce', ['includeSelf']);
  const includeSelf = options?.includeSelf ?? true;
  checkBoolean(includeSelf, 'index_reduce', 'includeSelf');
  const plan = planIndexReduce(input, dim, index, source, reduce, includeSelf);
  if (!warnedBeta) {
    warnedBeta = true;
    process.emitWarning('index_reduce() is in beta and the API may change at any time.', 'UserWarning');
  }
  const { d, shape, index: at0 } = plan;
  const self = reshape(input.detach(), shape);
  const spread = castKernel(plan.source.detach(), plan.source._dtype);
  const result = reduceRaw(self, d, at0, spread, reduce, includeSelf);
  const out = reshape(result, input._shape);
  if (!input._dtype.isFloatingPoint) return out;
  // The closures below name no argument tensor (a closure keeps its whole scope alive).
  const inputShape = input._shape.slice();
  return record(out, 'IndexReduceBackward0', [input, plan.source], (node) => {
    const [s, src, at, res] = [node.save(self, true), node.save(spread, true), node.save(at0, true), node.save(result, true)];
    return (g) => tidy(() => {
      const [gradSelf, gradSource] = indexReduceBackward(reshape(g, shape), s(), src(), at(), res(), d, reduce, includeSelf);
      return [reshape(gradSelf, inputShape), gradSource];
    });
  }, { onceDifferentiable: true });
}

/** PyTorch 1.13's index_reduce_backward (FunctionsManual.cpp), on detached tensors. */
function indexReduceBackward(
  g: Tensor, self: Tensor, source: Tensor, index: Tensor, result: Tensor, d: number, reduce: IndexReduction, includeSelf: boolean,
): [Tensor, Tensor] {
  const pick = (t: Tensor): Tensor => indexSelect(t, d, index);
  let gradSelf: Tensor;
  let gradSource: Tensor;
  if (reduce === 'prod') {
    const maskedSelf = where(eq(self, 0), 1, self);
    gradSelf = div(mul(g, reduceRaw(maskedSelf, d, index, source, 'prod', includeSelf)), maskedSelf);
    const sourceZero = eq(source, 0);
    const zeros = pick(indexAdd(filled(self._shape.slice(), 0, g._dtype, g.device), d, index, castKernel(sourceZero, g._dtype)));
    const single = logicalAnd(sourceZero, eq(zeros, 1));
    const maskedSourceResult = reduceRaw(self, d, index, where(single, 1, source), 'prod', includeSelf);
    gradSource = where(single, pick(mul(g, maskedSourceResult)), div(pick(mul(g, result)), where(sourceZero, 1, source)));
  } else if (reduce === 'mean') {
    const counted = indexAdd(filled(g._shape.slice(), includeSelf ? 1 : 0, g._dtype, g.device), d, index, filled(source._shape.slice(), 1, g._dtype, g.device));
    const n = where(eq(counted, 0), 1, counted);
    gradSelf = div(g, n);
    gradSource = div(pick(g), pick(n));
  } else {
    const selfIsResult = castKernel(eq(self, result), g._dtype);
    const sourceIsResult = castKernel(eq(source, pick(result)), g._dtype);
    const distributed = div(g, indexAdd(selfIsResult, d, index, sourceIsResult));
    gradSelf = mul(selfIsResult, distributed);
    gradSource = mul(sourceIsResult, pick(distributed));
  }
  if (!includeSelf) gradSelf = indexFill(gradSelf, d, index, 0);
  return [gradSelf, gradSource];
}

/**
 * In-place `indexReduce`.
 * @example x.indexReduce_(0, torch.tensor([0, 0]), src, 'prod', { includeSelf: false })
 */
export function indexReduce_(self: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduction, options: IndexReduceOptions = {}): Tensor {
  checkTensor(self, 'index_reduce_', 'input');
  checkTensor(index, 'index_reduce_', 'index');
  checkTensor(source, 'index_reduce_', 'source');
  assertNoInternalOverlap(self);
  assertNoOverlap(self, index);
  assertNoOverlap(self, source);
  return inplaceVia(self, [source], (current) => indexReduce(current, dim, index, source, reduce, options));
}
