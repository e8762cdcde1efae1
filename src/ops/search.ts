/**
 * `searchsorted` and `bucketize`: where values would be inserted among sorted boundaries.
 * Both run on the native stable sort: the values and the boundaries of a row are sorted
 * together, and a value's place in that merge, less the values before it, is the number of
 * boundaries before it. Memory and time grow as (boundaries + values) log of that, on any
 * device, instead of boundaries x values for a comparison of every pair.
 */
import { tidy } from '../memory/storage.js';
import { float64, int32, int64, promoteTypes } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkChoice, checkOptions, checkTensor } from '../tensor/args.js';
import { ge, lt, sub } from './elementwise.js';
import { gather, maskedSelect, scatter } from './indexing.js';
import { filled } from './internal-tensors.js';
import { cat, reshape, toDtype } from './shape.js';
import { cumsum } from './scan.js';
import { sortRaw } from './sort.js';

/**
 * For rows of sorted `boundaries` [rows, n] and `values` [rows, m] of one dtype: how many
 * boundaries sort before each value (strictly below it, or also equal with `right`).
 */
function boundariesBefore(boundaries: Tensor, values: Tensor, right: boolean): Tensor {
  const [rows, n] = boundaries._shape;
  const m = values._shape[1];
  if (n === 0 || m === 0) return filled([rows, m], 0, int64, values.device);
  // The stable sort keeps the first block first among equal keys: values before equal
  // boundaries (left), or boundaries before equal values (right).
  const merged = right ? cat([boundaries, values], 1) : cat([values, boundaries], 1);
  const [, order] = sortRaw(merged, 1, false, true);
  const isValue = right ? ge(order, n) : lt(order, m);
  // At a value's slot: its slot, less the values up to and including it, plus one.
  const slots = fromArray(new Float64Array(n + m).map((_, i) => i), float64, [1, n + m], int64, values.device);
  const before = sub(slots, sub(cumsum(isValue, 1), 1));
  const source = right ? sub(order, n) : order;
  const at = reshape(maskedSelect(source, isValue), [rows, m]);
  return scatter(filled([rows, m], 0, int64, values.device), 1, at, reshape(maskedSelect(before, isValue), [rows, m]));
}

/**
 * The options of searchsorted (`side` wins over `right` when both are given).
 * @example torch.searchsorted(edges, v, { side: 'right' })
 */
export interface SearchsortedOptions {
  outInt32?: boolean;
  right?: boolean;
  side?: 'left' | 'right' | null;
  sorter?: Tensor | null;
}

/**
 * `torch.searchsorted`: for each value, the index at which it would be inserted into the
 * innermost dim of `sortedSequence` to keep it sorted (after the equal ones with `right`).
 * NaN values go last.
 * @example torch.searchsorted(torch.tensor([1, 3, 5]), torch.tensor([3, 6])) // tensor([1, 3])
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, options: SearchsortedOptions = {}): Tensor {
  checkTensor(sortedSequence, 'searchsorted', 'sorted_sequence');
  checkOptions(options, 'searchsorted', ['outInt32', 'right', 'side', 'sorter']);
  const { outInt32 = false, right = false, side = null, sorter = null } = options;
  checkBoolean(outInt32, 'searchsorted', 'outInt32');
  checkBoolean(right, 'searchsorted', 'right');
  if (side !== null) checkChoice(side, 'searchsorted', 'side', ['left', 'right']);
  if (side === 'left' && right) {
    throw new Error("torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
  }
  if (sorter !== null) {
    checkTensor(sorter, 'searchsorted', 'sorter');
    if (sorter._dtype !== int64) throw new Error(`torch.searchsorted(): sorter must be a tensor of long dtype but got dtype ${sorter._dtype.name}`);
  }
  const seqDims = Math.max(sortedSequence._shape.length, 1);
  const v = values instanceof Tensor ? values : filled([], values, sortedSequence._dtype, sortedSequence.device);
  const lead = sortedSequence._shape.slice(0, -1);
  if (seqDims > 1 && (v._shape.length !== seqDims || lead.some((s, i) => s !== v._shape[i]))) {
    throw new Error(
      'torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match',
    );
  }
  const useRight = side === 'right' || right;
  return tidy(() => {
    const n = sortedSequence._shape.length ? sortedSequence._shape[seqDims - 1] : 1;
    const rows = lead.reduce((a, b) => a * b, 1);
    let boundaries = reshape(sortedSequence.detach(), [rows, n]);
    if (sorter !== null) boundaries = gather(boundaries, 1, reshape(sorter, [rows, n]));
    const dtype = promoteTypes(boundaries._dtype, v._dtype);
    const flatValues = reshape(toDtype(v.detach(), dtype), [rows, -1]);
    const count = reshape(boundariesBefore(toDtype(boundaries, dtype), flatValues, useRight), v._shape.slice());
    return outInt32 ? toDtype(count, int32) : count;
  });
}

/**
 * `torch.bucketize`: the bucket of each element among 1-D `boundaries`
 * (boundaries[i-1] < x <= boundaries[i]; with `right`, boundaries[i-1] <= x < boundaries[i]).
 * @example torch.bucketize(torch.tensor([1, 5]), torch.tensor([1, 3, 5])) // tensor([0, 2])
 */
export function bucketize(x: Tensor | number, boundaries: Tensor, options: { outInt32?: boolean; right?: boolean } = {}): Tensor {
  checkTensor(boundaries, 'bucketize', 'boundaries');
  checkOptions(options, 'bucketize', ['outInt32', 'right']);
  if (boundaries._shape.length !== 1) {
    throw new Error(`bucketize(): boundaries tensor must be 1 dimension, but got dim(${boundaries._shape.length})`);
  }
  return searchsorted(boundaries, x, { outInt32: options.outInt32 ?? false, right: options.right ?? false });
}
