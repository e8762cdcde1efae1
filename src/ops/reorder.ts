/**
 * Reordering and repetition: repeat, tile, repeatInterleave, flip, fliplr, flipud, roll,
 * rot90, movedim/moveaxis, swapaxes/swapdims. Views are impossible where PyTorch copies
 * too (a reversed dim would need a negative stride, which flint's views do not allow),
 * so flip and roll gather along each dim with index_select.
 */
import { record } from '../autograd/function.js';
import { Tensor, realLayout } from '../tensor/tensor.js';
import { complexFromPairs } from '../complex/layouts.js';
import { float64, int32, int64 } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { checkInteger, checkOptions, checkTensor } from '../tensor/args.js';
import { fromArray } from '../tensor/creation.js';
import { castKernel, indexSelectKernel } from './tensor-kernels.js';
import { makeView, permute, reshape, transpose } from './shape.js';
import { indexSelect } from './indexing.js';
import { sum } from './reduce.js';
import { tidy } from '../memory/storage.js';

function intList(value: unknown, fn: string, name: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  list.forEach((v, i) => checkInteger(v, fn, Array.isArray(value) ? `${name}[${i}]` : name));
  return list as number[];
}

/** Sizes given as varargs or one array. */
function sizesOf(args: (number | number[])[], fn: string, name: string): number[] {
  return intList(args.length === 1 && Array.isArray(args[0]) ? args[0] : args, fn, name);
}

/** An int64 index tensor on `like`'s device. */
function indexTensor(values: ArrayLike<number>, like: Tensor): Tensor {
  return fromArray(Float64Array.from(values), float64, [values.length], int64, like.device);
}

/** x's values at `(i + shift) mod size` reading backwards or rotated along each dim, with no autograd. */
function permuteAlong(x: Tensor, dims: number[], position: (i: number, size: number, k: number) => number): Tensor {
  // A complex tensor moves its (real, imag) pairs: the same dims of its real layout.
  if (x._dtype.isComplex) {
    const pairs = realLayout(x);
    const moved = permuteAlong(pairs, dims, position);
    pairs.dispose();
    return complexFromPairs(moved);
  }
  let out = x;
  dims.forEach((d, k) => {
    const size = out._shape[d];
    const index = indexTensor(Array.from({ length: size }, (_, i) => position(i, size, k)), x);
    const next = indexSelectKernel(out, d, index);
    index.dispose();
    if (out !== x) out.dispose();
    out = next;
  });
  return out === x ? castKernel(x, x._dtype) : out;
}

/**
 * Repeats the whole tensor along each dim (`sizes` may add leading dims).
 * @example torch.tensor([1, 2]).repeat(2, 2) // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, ...sizeArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'repeat', 'input');
  const reps = sizesOf(sizeArgs, 'repeat', 'repeats');
  if (reps.length < x._shape.length) {
    throw new Error('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  }
  if (reps.some((r) => r < 0)) throw new Error(`Trying to create tensor with negative dimension ${reps.find((r) => r < 0)}: [${reps.join(', ')}]`);
  const lead = reps.length - x._shape.length;
  const padded = [...new Array<number>(lead).fill(1), ...x._shape];
  // [r0, s0, r1, s1, ...] with stride 0 on each r: one copy writes every repetition.
  const shape: number[] = [];
  padded.forEach((s, i) => shape.push(reps[i], s));
  const outShape = padded.map((s, i) => s * reps[i]);
  const out = tidy(() => {
    const xs = reshape(x.detach(), padded);
    const strides: number[] = [];
    padded.forEach((_, i) => strides.push(0, xs._strides[i]));
    return reshape(castKernel(makeView(xs, shape, strides, xs._offset), x._dtype), outShape);
  });
  const inputShape = x._shape;
  return record(out, 'RepeatBackward0', [x], () => (g) => {
    const split = reshape(g, shape);
    const summed = sum(split, shape.map((_, i) => i).filter((i) => i % 2 === 0));
    return [reshape(summed, inputShape)];
  });
}

/**
 * numpy.tile: `repeat` after padding `dims` with leading ones to the tensor's rank.
 * @example torch.tile(x, [2])
 */
export function tile(x: Tensor, dims: number[]): Tensor {
  checkTensor(x, 'tile', 'input');
  const reps = intList(dims, 'tile', 'dims');
  const padded = [...new Array<number>(Math.max(x._shape.length - reps.length, 0)).fill(1), ...reps];
  return repeat(x, padded);
}

/** Options of repeatInterleave. */
export interface RepeatInterleaveOptions {
  /** The total length along `dim`, which spares PyTorch a synchronization; checked here. */
  outputSize?: number;
}

/**
 * Repeats each element (or each slice along `dim`) `repeats` times; without `dim`, over
 * the flattened tensor. With only an int64 tensor, `torch.repeatInterleave(r)` repeats
 * each index i r[i] times.
 * @example torch.repeatInterleave(x, 2); x.repeatInterleave(torch.tensor([1, 2]), 0)
 */
export function repeatInterleave(
  x: Tensor,
  repeats?: number | Tensor | null,
  dim?: number | null | RepeatInterleaveOptions,
  options: RepeatInterleaveOptions = {},
): Tensor {
  checkTensor(x, 'repeat_interleave', 'input');
  if (dim !== null && typeof dim === 'object') {
    options = dim;
    dim = undefined;
  }
  checkOptions(options, 'repeat_interleave', ['outputSize']);
  if (repeats === undefined || repeats === null) {
    // torch.repeat_interleave(repeats): indices 0..n-1, each repeated repeats[i] times.
    const counts = repeatCounts(x, x._shape[0] ?? 1);
    const values: number[] = [];
    counts.forEach((c, i) => {
      for (let k = 0; k < c; k++) values.push(i);
    });
    checkOutputSize(options, values.length);
    return indexTensor(values, x);
  }
  let input = x;
  let d = 0;
  if (dim === undefined || dim === null) input = reshape(x, [-1]);
  else d = normalizeDim(dim, x._shape.length, false, 'repeat_interleave');
  const size = input._shape.length === 0 ? 1 : input._shape[d];
  let counts: number[];
  if (repeats instanceof Tensor) {
    if (repeats._shape.length > 1) throw new Error('repeats must be 0-dim or 1-dim tensor');
    counts = repeatCounts(repeats, size);
    if (counts.length === 1 && size !== 1) counts = new Array<number>(size).fill(counts[0]);
    if (counts.length !== size) {
      throw new Error('repeats must have the same size as input along dim');
    }
  } else {
    checkInteger(repeats, 'repeat_interleave', 'repeats');
    if (repeats < 0) throw new Error('repeats can not be negative');
    counts = new Array<number>(size).fill(repeats);
  }
  const values: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) values.push(i);
  });
  checkOutputSize(options, values.length);
  const index = indexTensor(values, x);
  return indexSelect(input._shape.length === 0 ? reshape(input, [1]) : input, d, index);
}

function repeatCounts(repeats: Tensor, _size: number): number[] {
  if (repeats._dtype !== int64 && repeats._dtype !== int32) throw new Error('repeats has to be Long tensor');
  if (repeats._shape.length > 1) throw new Error('repeat_interleave only accept 1D vector as repeat');
  // The counts decide the output's size, so they are read back (PyTorch synchronizes too).
  const counts = Array.from(repeats.cpu()._numbers(), Number);
  if (counts.some((c) => c < 0)) throw new Error('repeats can not be negative');
  return counts;
}

function checkOutputSize(options: RepeatInterleaveOptions, total: number): void {
  if (options.outputSize === undefined) return;
  checkInteger(options.outputSize, 'repeat_interleave', 'outputSize');
  if (options.outputSize !== total) throw new Error('allocated size does not match required size');
}

function flipDims(x: Tensor, dims: number[], fn: string): number[] {
  const n = x._shape.length;
  const ds = dims.map((d) => normalizeDim(d, n, false, fn, 'dims'));
  const seen = new Set<number>();
  for (const d of ds) {
    if (seen.has(d)) throw new Error(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return n === 0 ? [] : ds;
}

/**
 * Reverses the order of elements along `dims` (a copy, as PyTorch's).
 * @example torch.flip(x, [0, 1])
 */
export function flip(x: Tensor, ...dimsArgs: (number | number[])[]): Tensor {
  checkTensor(x, 'flip', 'input');
  const dims = flipDims(x, sizesOf(dimsArgs, 'flip', 'dims'), 'flip');
  const out = permuteAlong(x, dims, (i, size) => size - 1 - i);
  return record(out, 'FlipBackward0', [x], () => (g) => [flip(g, dims)]);
}

/**
 * Flips left-right (dim 1).
 * @example torch.fliplr(m)
 */
export function fliplr(x: Tensor): Tensor {
  checkTensor(x, 'fliplr', 'input');
  if (x._shape.length < 2) throw new Error('Input must be >= 2-d.');
  return flip(x, [1]);
}

/**
 * Flips up-down (dim 0).
 * @example torch.flipud(m)
 */
export function flipud(x: Tensor): Tensor {
  checkTensor(x, 'flipud', 'input');
  if (x._shape.length < 1) throw new Error('Input must be >= 1-d.');
  return flip(x, [0]);
}

/**
 * Rolls elements along `dims` by `shifts` (wrapping around); without dims, over the
 * flattened tensor, keeping the shape.
 * @example torch.roll(x, 1); torch.roll(x, [1, -1], [0, 1])
 */
export function roll(x: Tensor, shifts: number | number[], dims?: number | number[] | null): Tensor {
  checkTensor(x, 'roll', 'input');
  const s = intList(shifts, 'roll', 'shifts');
  const ds = dims === undefined || dims === null ? [] : intList(dims, 'roll', 'dims');
  if (ds.length === 0 && s.length === 1) {
    const flat = reshape(x.detach(), [-1]);
    const out = reshape(rollRaw(flat, s, [0]), x._shape);
    flat.dispose();
    return record(out, 'RollBackward0', [x], () => (g) => [roll(g, s.map((v) => -v))]);
  }
  if (s.length !== ds.length) throw new Error(`shifts and dimensions must align. shifts: ${s.length}, dims:${ds.length}`);
  const nd = ds.map((d) => normalizeDim(d, x._shape.length, false, 'roll', 'dims'));
  const out = rollRaw(x, s, nd);
  return record(out, 'RollBackward0', [x], () => (g) => [roll(g, s.map((v) => -v), nd)]);
}

function rollRaw(x: Tensor, shifts: number[], dims: number[]): Tensor {
  if (x.numel() === 0) return castKernel(x, x._dtype);
  return permuteAlong(x, dims, (i, size, k) => (((i - shifts[k]) % size) + size) % size);
}

/**
 * Rotates by 90 degrees `k` times in the plane of `dims`, from the first dim towards the second.
 * @example torch.rot90(m); torch.rot90(m, 2, [0, 1])
 */
export function rot90(x: Tensor, k = 1, dims: number[] = [0, 1]): Tensor {
  checkTensor(x, 'rot90', 'input');
  checkInteger(k, 'rot90', 'k');
  const list = intList(dims, 'rot90', 'dims');
  const n = x._shape.length;
  if (list.length !== 2) throw new Error(`expected total rotation dims == 2, but got dims = ${list.length}`);
  if (n < 2) throw new Error(`expected total dims >= 2, but got total dims = ${n}`);
  const d0 = normalizeDim(list[0], n, false, 'rot90', 'dims');
  const d1 = normalizeDim(list[1], n, false, 'rot90', 'dims');
  if (d0 === d1) throw new Error(`expected rotation dims to be different, but got dim0 = ${d0} and dim1 = ${d1}`);
  const turns = ((k % 4) + 4) % 4;
  const xd = x.detach();
  let out: Tensor;
  if (turns === 1) out = transpose(permuteAlong(xd, [d1], (i, size) => size - 1 - i), d0, d1);
  else if (turns === 2) out = permuteAlong(xd, [d0, d1], (i, size) => size - 1 - i);
  else if (turns === 3) out = transpose(permuteAlong(xd, [d0], (i, size) => size - 1 - i), d0, d1);
  else out = castKernel(xd, x._dtype);
  return record(out, 'Rot90Backward0', [x], () => (g) => [rot90(g, -k, [d0, d1])]);
}

/**
 * Moves dims from `source` to `destination`, keeping the others in order (a view).
 * @example torch.movedim(x, 0, -1); torch.movedim(x, [0, 1], [2, 0])
 */
export function movedim(x: Tensor, source: number | number[], destination: number | number[]): Tensor {
  checkTensor(x, 'movedim', 'input');
  const src = intList(source, 'movedim', 'source');
  const dst = intList(destination, 'movedim', 'destination');
  if (src.length !== dst.length) {
    throw new Error(
      `movedim: Invalid source or destination dims: source ([${src.join(', ')}] dims) should contain the same number of dims as destination ([${dst.join(', ')}] dims)`,
    );
  }
  const n = x._shape.length;
  const s = src.map((d) => normalizeDim(d, n, false, 'movedim', 'source'));
  const t = dst.map((d) => normalizeDim(d, n, false, 'movedim', 'destination'));
  if (new Set(s).size !== s.length) throw new Error(`movedim: repeated dim in \`source\` ([${src.join(', ')}])`);
  if (new Set(t).size !== t.length) throw new Error(`movedim: repeated dim in \`destination\` ([${dst.join(', ')}])`);
  if (n === 0) return permute(x, []);
  const order = new Array<number>(n).fill(-1);
  s.forEach((d, i) => (order[t[i]] = d));
  const rest = Array.from({ length: n }, (_, i) => i).filter((d) => !s.includes(d));
  let r = 0;
  for (let i = 0; i < n; i++) if (order[i] === -1) order[i] = rest[r++];
  return permute(x, order);
}

/**
 * Alias of movedim (numpy's name).
 * @example torch.moveaxis(x, 0, -1)
 */
export const moveaxis = movedim;

/**
 * Alias of transpose (numpy's name).
 * @example torch.swapaxes(x, 0, 1)
 */
export function swapaxes(x: Tensor, axis0: number, axis1: number): Tensor {
  checkTensor(x, 'swapaxes', 'input');
  return transpose(x, axis0, axis1);
}

/**
 * Alias of transpose.
 * @example torch.swapdims(x, 0, 1)
 */
export function swapdims(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'swapdims', 'input');
  return transpose(x, dim0, dim1);
}
