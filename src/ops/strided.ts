/**
 * Storage-level geometry, as PyTorch 1.13 has it: `asStrided` (a view of any size, stride and
 * offset into the input's storage), `asStrided_`, `asStridedScatter`, `emptyStrided`, and
 * `resize_` / `resizeAs_` / the deprecated `resize`.
 *
 * Every geometry is checked against the storage's bytes before a view is made, with PyTorch's
 * messages: the bytes PyTorch's storage would hold (StorageRef.nbytes), never more than the
 * native block, so no view reaches outside its storage on any device. `resize_` grows a
 * storage by allocating a larger native block and releasing the old one, through the same
 * native calls every storage uses, so V8's external-memory accounting stays true.
 */
import { viewInplace } from './inplace-extras.js';
import * as call from '../native/calls.generated.js';
import { layoutOf } from '../native/meta.js';
import { record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { recycled, tidy, type StorageRef } from '../memory/storage.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { DType, bool, defaultFloat, int64, uint8 } from '../tensor/dtype.js';
import { checkShapeNumel, contiguousStrides, isContiguousLayout, parseShape, sameShape, shapeNumel, shapeString } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, checkTensor, toDeviceArg, toDTypeArg } from '../tensor/args.js';
import { CPU } from '../tensor/device.js';
import { CREATION_KEYS, arange, type CreationOptions } from '../tensor/creation.js';
import { castKernel, copyKernel, indexPutKernel } from './tensor-kernels.js';
import { zerosOf, filled } from './internal-tensors.js';
import { clone, contiguous, makeView, reshape, toDtype } from './shape.js';
import { div } from './elementwise.js';

/** A view's place in its storage: sizes, strides and offset, in elements. */
interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

const TWO_64 = 1n << 64n;

/**
 * PyTorch's computeStorageNbytes: the bytes a geometry reaches from offset 0, in uint64
 * arithmetic with its overflow check (so a negative size or stride is an overflow, as there).
 */
function storageNbytes(sizes: readonly number[], strides: readonly number[], itemsize: number): bigint {
  let size = 1n;
  let overflowed = false;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] === 0) return 0n;
    const product = BigInt.asUintN(64, BigInt(strides[i])) * BigInt.asUintN(64, BigInt(sizes[i] - 1));
    if (product >= TWO_64) overflowed = true;
    size += product % TWO_64;
    if (size >= TWO_64) overflowed = true;
    size %= TWO_64;
  }
  const bytes = size * BigInt(itemsize);
  if (bytes >= TWO_64) overflowed = true;
  if (overflowed) throw new Error(`Storage size calculation overflowed with sizes=${shapeString(sizes)} and strides=${shapeString(strides)}`);
  return bytes;
}

/**
 * The bytes of `t`'s storage that PyTorch would allow a view to reach. The native block is
 * at least that large; the smaller of the two is used all the same, so that a view can
 * never be made past the block.
 */
function storageBytesOf(t: Tensor): number {
  return Math.min(t._storage.nbytes, call.storageBytes(t._handle()));
}

/** PyTorch's setStrided: checks a geometry against `t`'s storage, in PyTorch's order. */
function checkGeometry(t: Tensor, g: Geometry): void {
  if (g.shape.length !== g.strides.length) throw new Error('mismatch in length of strides and shape');
  if (g.strides.some((s) => s < 0)) {
    throw new Error(`as_strided: Negative strides are not supported at the moment, got strides: ${shapeString(g.strides)}`);
  }
  const itemsize = t._dtype.itemsize;
  const bytes = storageNbytes(g.shape, g.strides, itemsize);
  if (bytes !== 0n) {
    const needed = bytes + BigInt(g.offset) * BigInt(itemsize);
    const available = storageBytesOf(t);
    if (needed > BigInt(available)) {
      throw new Error(
        `setStorage: sizes ${shapeString(g.shape)}, strides ${shapeString(g.strides)}, storage offset ${g.offset}, and itemsize ${itemsize} ` +
          `requiring a storage size of ${needed} are out of bounds for storage of size ${available}`,
      );
    }
  }
  if (g.offset < 0) throw new Error(`Tensor: invalid storage offset ${g.offset}`);
}

/** The size, stride and offset arguments of the as_strided family, type-checked. */
function geometryArgs(x: Tensor, fn: string, size: unknown, stride: unknown, storageOffset: unknown): Geometry {
  if (!Array.isArray(size)) throw argumentError(fn, 'size', 'a sequence of integers', size);
  if (!Array.isArray(stride)) throw argumentError(fn, 'stride', 'a sequence of integers', stride);
  // Negative sizes pass here: PyTorch reports them as a storage-size overflow.
  const shape = parseShape([size], true, fn);
  stride.forEach((s) => checkInteger(s, fn, 'stride'));
  if (storageOffset !== undefined && storageOffset !== null) checkInteger(storageOffset, fn, 'storage_offset');
  const offset = storageOffset === undefined || storageOffset === null ? x._offset : storageOffset;
  return { shape, strides: (stride as number[]).slice(), offset };
}

/**
 * A view of `input`'s storage with the given sizes, strides (in elements) and storage offset
 * (default: the input's own). It shares the storage, so writes through it reach `input` and
 * the other way round. The geometry must lie inside the storage, with non-negative strides.
 * The gradient sums over elements that the view repeats (PyTorch's as_strided_backward).
 * @example torch.asStrided(torch.arange(6), [3, 2], [1, 1]) // sliding windows [[0, 1], [1, 2], [2, 3]]
 */
export function asStrided(input: Tensor, size: readonly number[], stride: readonly number[], storageOffset?: number | null): Tensor {
  checkTensor(input, 'as_strided', 'input');
  input._handle();
  const g = geometryArgs(input, 'as_strided', size, stride, storageOffset);
  checkGeometry(input, g);
  const out = makeView(input, g.shape, g.strides, g.offset);
  if (!gradEnabled() || !input._requiresGrad) return out;
  const inputGeometry: Geometry = { shape: input._shape.slice(), strides: input._strides.slice(), offset: input._offset };
  return record(out, 'AsStridedBackward0', [input], () => asStridedBackward(inputGeometry, g));
}

/**
 * In-place `asStrided`: `self` takes the new geometry over the same storage.
 * @example const x = torch.zeros(6); x.asStrided_([2, 2], [2, 1], 1); x.shape // [2, 2]
 */
export function asStrided_(self: Tensor, size: readonly number[], stride: readonly number[], storageOffset?: number | null): Tensor {
  return viewInplace(self, 'as_strided_', 'AsStridedBackward1', (t) => asStrided(t, size, stride, storageOffset));
}

/** PyTorch's _min_storage_size: elements from storage start to past the last one reached. */
function minStorage(g: Geometry): number {
  let n = 1 + g.offset;
  for (let i = 0; i < g.shape.length; i++) n += (g.shape[i] - 1) * g.strides[i];
  return n;
}

/** PyTorch's _maybe_overlapping_memory (size-1 dims ignored): whether elements may share memory. */
function maybeOverlapping(g: Geometry): boolean {
  const dims = g.shape.map((_, i) => i).filter((i) => g.shape[i] !== 1);
  dims.sort((a, b) => g.strides[a] - g.strides[b]);
  let reach = 0;
  for (const d of dims) {
    if (g.strides[d] <= reach) return true;
    reach += g.strides[d] * (g.shape[d] - 1);
  }
  return false;
}

/**
 * AsStridedBackward0: the gradient scattered (summed where the view repeats elements) into a
 * zeroed buffer that stands for the storage, divided by how often the input itself reaches
 * each element if its own geometry overlaps, and read back with the input's geometry.
 */
function asStridedBackward(input: Geometry, output: Geometry): (g: Tensor) => Tensor[] {
  const shared = Math.min(input.offset, output.offset);
  const to: Geometry = { ...input, offset: input.offset - shared };
  const from: Geometry = { ...output, offset: output.offset - shared };
  const empty = shapeNumel(to.shape) === 0 || shapeNumel(from.shape) === 0;
  const base = empty ? 0 : Math.max(minStorage(to), minStorage(from));
  const divisor = !empty && maybeOverlapping(to) ? to : null;
  return (g) => [restride(g, from, to, divisor, base)];
}

/**
 * Moves a gradient from one geometry over a buffer of `base` elements to another: a linear
 * map whose adjoint is the same map with the geometries swapped, which is its backward (so
 * as_strided differentiates twice, and more).
 */
function restride(g: Tensor, from: Geometry, to: Geometry, divisor: Geometry | null, base: number): Tensor {
  // Built in another function: a closure here that named `g` would keep it in the node.
  const out = restrideDetached(g, from, to, divisor, base);
  return record(out, 'AsStridedBackward0', [g], () => (gg) => [restride(gg, to, from, divisor, base)]);
}

function restrideDetached(g: Tensor, from: Geometry, to: Geometry, divisor: Geometry | null, base: number): Tensor {
  return noGrad(() => tidy(() => restrideRaw(g, from, to, divisor, base)));
}

function restrideRaw(g: Tensor, from: Geometry, to: Geometry, divisor: Geometry | null, base: number): Tensor {
  if (shapeNumel(from.shape) === 0 || shapeNumel(to.shape) === 0) return zerosOf(to.shape.slice(), g);
  let buffer = zerosOf([base], g);
  scatterAdd(buffer, from, g);
  if (divisor !== null) {
    const count = zerosOf([base], g);
    scatterAdd(count, divisor, filled(divisor.shape.slice(), 1, g._dtype, g.device));
    buffer = div(buffer, count);
  }
  return castKernel(makeView(buffer, to.shape, to.strides, to.offset), g._dtype);
}

/** Adds `values` into the 1-D `buffer` at the elements `at` reaches, summing repeats. */
function scatterAdd(buffer: Tensor, at: Geometry, values: Tensor): void {
  if (!maybeOverlapping(at)) {
    copyKernel(makeView(buffer, at.shape, at.strides, at.offset), values);
    return;
  }
  const positions = arange(buffer._shape[0], { dtype: int64, device: buffer.device });
  const index = castKernel(makeView(positions, at.shape, at.strides, at.offset), int64);
  const flatValues = castKernel(values, buffer._dtype);
  indexPutKernel(buffer, 0, reshape(index, [-1]), reshape(flatValues, [-1]), true);
}

/** PyTorch's is_non_overlapping_and_dense: some order of the dims is contiguous. */
function denseLayout(t: Tensor): boolean {
  const dims = t._shape.map((_, i) => i).filter((i) => t._shape[i] !== 1);
  dims.sort((a, b) => t._strides[a] - t._strides[b]);
  let expected = 1;
  for (const d of dims) {
    if (t._strides[d] !== expected) return false;
    expected *= t._shape[d];
  }
  return true;
}

/** PyTorch's clone(): dense layouts keep their strides, others become contiguous. */
function cloneLayout(x: Tensor): Tensor {
  if (x.isContiguous() || !denseLayout(x) || x.numel() === 0) return castKernel(x, x._dtype);
  const out = fromHandle(call.alloc(x.device.code, x.numel() * x._dtype.itemsize, recycled()), x._shape.slice(), x._dtype, x.device, x._strides.slice());
  copyKernel(out, x);
  return out;
}

const SCATTER_NEEDS_CONTIGUOUS = 'as_strided_scatter is currently only supported for contiguous inputs';

/**
 * A copy of `input` whose elements at `input.asStrided(size, stride, storageOffset)` (in the
 * copy's own storage, offset default 0) are replaced by `src`. An input that requires grad
 * must be contiguous, as in PyTorch. Its gradient is the output's outside that view (PyTorch
 * 1.13 returns the complement there, a bug its gradcheck shows); `src`'s is the view of it.
 * @example torch.asStridedScatter(torch.zeros(6), torch.ones(3), [3], [2], 1) // [0, 1, 0, 1, 0, 1]
 */
export function asStridedScatter(input: Tensor, src: Tensor, size: readonly number[], stride: readonly number[], storageOffset?: number | null): Tensor {
  checkTensor(input, 'as_strided_scatter', 'input');
  checkTensor(src, 'as_strided_scatter', 'src');
  if (input._requiresGrad && !input.isContiguous()) throw new Error(SCATTER_NEEDS_CONTIGUOUS);
  const out = cloneLayout(input);
  let g: Geometry;
  try {
    g = geometryArgs(out, 'as_strided_scatter', size, stride, storageOffset);
    checkGeometry(out, g);
    if (!sameShape(g.shape, src._shape)) {
      throw new Error(`expected src to have a size equal to the slice of self. src size = ${shapeString(src._shape)}, slice size = ${shapeString(g.shape)}`);
    }
    copyKernel(makeView(out, g.shape, g.strides, g.offset), src);
  } catch (error) {
    out.dispose();
    throw error;
  }
  const srcDtype = src._dtype;
  return record(out, 'AsStridedScatterBackward0', [input, src], (node) => {
    const wantInput = node.next[0] !== null;
    const wantSrc = node.next[1] !== null;
    return (grad) => {
      const dense = contiguous(grad);
      // A copy, never a view of the incoming gradient, which its owner may still change.
      const gradSrc = wantSrc ? clone(asStrided(dense, g.shape, g.strides, g.offset)) : null;
      const gradInput = wantInput ? asStridedScatter(dense, zerosOf(g.shape.slice(), grad), g.shape, g.strides, g.offset) : null;
      return [gradInput, gradSrc === null || gradSrc._dtype === srcDtype ? gradSrc : toDtype(gradSrc, srcDtype)];
    };
  });
}

/** The options of `emptyStrided`: PyTorch's `dtype`, `device` and `requires_grad`. */
export type EmptyStridedOptions = CreationOptions;

/**
 * An uninitialised tensor with the given sizes and strides, on a storage just large enough
 * for them (`torch.empty_strided`).
 * @example torch.emptyStrided([2, 3], [1, 2]).stride() // [1, 2]
 */
export function emptyStrided(size: readonly number[], stride: readonly number[], options: EmptyStridedOptions = {}): Tensor {
  if (!Array.isArray(size)) throw argumentError('empty_strided', 'size', 'a sequence of integers', size);
  if (!Array.isArray(stride)) throw argumentError('empty_strided', 'stride', 'a sequence of integers', stride);
  const shape = parseShape([size], false, 'empty_strided');
  stride.forEach((s) => checkInteger(s, 'empty_strided', 'stride'));
  checkOptions(options, 'empty_strided', CREATION_KEYS);
  const o = options ?? {};
  const dtype: DType = o.dtype === undefined || o.dtype === null ? defaultFloat : toDTypeArg(o.dtype, 'empty_strided');
  const device = o.device === undefined || o.device === null ? CPU : toDeviceArg(o.device, 'empty_strided');
  if (o.requiresGrad !== undefined) checkBoolean(o.requiresGrad, 'empty_strided', 'requiresGrad');
  if (shape.length !== stride.length) {
    throw new Error(`dimensionality of sizes (${shape.length}) must match dimensionality of strides (${stride.length})`);
  }
  const exact = storageNbytes(shape, stride, dtype.itemsize);
  // Past 2^53 bytes no double counts them, and no machine has that much.
  if (exact > 2n ** 53n) throw new Error(`[enforce fail at alloc_cpu.cpp] DefaultCPUAllocator: can't allocate memory: you tried to allocate ${exact} bytes.`);
  const nbytes = Number(exact);
  const t = fromHandle(call.alloc(device.code, nbytes, recycled()), shape, dtype, device, (stride as number[]).slice());
  // A bool may only hold 0 or 1: reading another byte as a C++ bool is undefined behaviour.
  if (dtype === bool && nbytes > 0) call.fill(layoutOf(t, bool, 0, [nbytes], [1]), 0);
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * Makes `storage` hold at least `needed` bytes, keeping what it holds. Within the native
 * block only the recorded size grows; past it a larger block replaces the old one, which is
 * released at once (alloc and release tell V8 of the bytes, so its accounting stays true).
 */
function growStorage(t: Tensor, needed: number): void {
  const storage: StorageRef = t._storage;
  const old = t._handle();
  const kept = storage.nbytes;
  if (needed <= kept) return;
  if (needed > call.storageBytes(old)) {
    const grown = call.alloc(storage.device.code, needed, recycled());
    if (kept > 0) call.cast(layoutOf({ _handle: () => grown }, uint8, 0, [kept], [1]), layoutOf({ _handle: () => old }, uint8, 0, [kept], [1]));
    storage.handle = grown;
    call.release(old);
  }
  storage.nbytes = needed;
  // A bool may only hold 0 or 1: reading another byte as a C++ bool is undefined behaviour.
  if (t._dtype === bool) call.fill(layoutOf(t, bool, kept, [needed - kept], [1]), 0);
}

/**
 * Resizes `self` in place to `sizes` (contiguous strides), keeping its elements as a prefix;
 * the storage grows when it must (the new elements are uninitialised) and never shrinks, so
 * every view of it stays valid. Tensors that require grad cannot be resized, as in PyTorch.
 * @example const x = torch.arange(6); x.resize_(2, 2) // [[0, 1], [2, 3]]
 */
export function resize_(self: Tensor, ...sizes: (number | number[])[]): Tensor {
  checkTensor(self, 'resize_', 'input');
  const shape = parseShape(sizes, true, 'resize_');
  if (self._requiresGrad) throw new Error('cannot resize variables that require grad');
  checkShapeNumel(shape);
  self._handle();
  if (sameShape(shape, self._shape)) return self;
  const numel = shapeNumel(shape);
  // PyTorch leaves the storage alone for an empty result, whatever the offset. The storage
  // grows first, so that a failed allocation leaves self as it was.
  if (numel > 0) growStorage(self, (numel + self._offset) * self._dtype.itemsize);
  self._shape = shape;
  self._strides = contiguousStrides(shape);
  return self;
}

/**
 * `resize_` to the shape of `other`.
 * @example torch.zeros(2).resizeAs_(torch.zeros(2, 3)).shape // [2, 3]
 */
export function resizeAs_(self: Tensor, other: Tensor): Tensor {
  checkTensor(self, 'resize_as_', 'input');
  checkTensor(other, 'resize_as_', 'the_template');
  return resize_(self, other._shape.slice());
}

let warnedResize = false;

/**
 * The deprecated out-of-place `tensor.resize(*sizes)`: a tensor of the same elements in a new
 * shape (only the shape may change, not the number of elements), sharing storage when `x` is
 * contiguous; its grad_fn is `ResizeBackward`, as PyTorch's autograd Function names it.
 * @example torch.arange(6).resize(2, 3)
 */
export function resize(x: Tensor, ...sizes: (number | number[])[]): Tensor {
  checkTensor(x, 'resize', 'input');
  const shape = parseShape(sizes, true, 'resize');
  if (!warnedResize) {
    warnedResize = true;
    process.emitWarning('non-inplace resize is deprecated', 'UserWarning');
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== x.numel()) {
    throw new Error(
      `requested resize to ${shape.join('x')} (${numel} elements in total), but the given tensor has a size of ${x._shape.join('x')} ` +
        `(${x.numel()} elements). autograd's resize can only change the shape of a given tensor, while preserving the number of elements. `,
    );
  }
  const out = isContiguousLayout(x._shape, x._strides) ? makeView(x, shape, contiguousStrides(shape), x._offset) : reshape(castKernel(x, x._dtype), shape);
  const inputShape = x._shape.slice();
  return record(out, 'ResizeBackward', [x], () => (g) => [reshape(contiguous(g), inputShape)]);
}
