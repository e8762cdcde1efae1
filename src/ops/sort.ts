/**
 * Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, nanmedian
 * and mode, on the native row sort (`call.sort`) and, on the CPU, the native row select
 * (`call.select`). NaN is the greatest value. Among equal values the CPU reports the index
 * PyTorch's CPU reports (its std::sort, nth_element, partial_sort and quick select run
 * natively); CUDA reads every order statistic from the stable sort.
 */
import { record } from '../autograd/function.js';
import { tidy } from '../memory/storage.js';
import * as call from '../native/calls.generated.js';
import { fresh } from '../native/meta.js';
import { SelectOp } from '../native/enums.generated.js';
import { int64 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkInteger, checkTensor } from '../tensor/args.js';
import { filled } from './internal-tensors.js';
import { div, eq, floorDivide, gt, logicalAnd, logicalOr, lt, ne, sub, where } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { cat, contiguous, narrow, reshape, squeeze, toDtype, unsqueeze } from './shape.js';
import { amax, argmax, sum, valuesIndices, type ValuesIndices } from './reduce.js';
import { cumsum } from './scan.js';
import { castBack, dimOf, fromRows, parseCall, releaseRows, rowDtype, rowsView, selectedBackward, toRows } from './rows.js';

/**
 * Sorted values and their source indices along `d`, without autograd. @internal
 * @example const [values, indices] = sortRaw(x, 1, false)
 */
export function sortRaw(x: Tensor, d: number, descending: boolean, stable = true): [Tensor, Tensor] {
  const r = toRows(x, d, rowDtype(x._dtype));
  const [vh, ih] = call.sort(fresh(r.dtype, [r.rows, r.cols]), fresh(int64, [r.rows, r.cols]), rowsView(r), descending, stable);
  releaseRows(x, r);
  return [castBack(fromRows(vh, x, r, r.dtype), x._dtype), fromRows(ih, x, r, int64)];
}

/**
 * Where order statistics come from: on the CPU the native select, which runs PyTorch's CPU
 * algorithms so that ties resolve to PyTorch's indices; on other devices the stable sort.
 * Tests switch `native` off to check the sort path without a GPU. @internal
 * @example selectPolicy.native(x) // true for a CPU tensor
 */
export const selectPolicy = { native: (x: Tensor): boolean => x.device.type === 'cpu' };
const nativeSelect = (x: Tensor) => selectPolicy.native(x);

/**
 * One order statistic per slice along `d` (the k of them for Topk) and its index, by the
 * native select, with `d` kept (size k or 1) unless `keepdim` is false. @internal
 */
function selectRaw(x: Tensor, d: number, op: SelectOp, k: number, keepdim: boolean, largest = true, sorted = true): [Tensor, Tensor] {
  const r = toRows(x, d, rowDtype(x._dtype));
  const width = op === SelectOp.Topk ? k : 1;
  const [vh, ih] = call.select(fresh(r.dtype, [r.rows, width]), fresh(int64, [r.rows, width]), rowsView(r), op, k, largest, sorted);
  releaseRows(x, r);
  const values = castBack(fromRows(vh, x, r, r.dtype, width), x._dtype);
  const indices = fromRows(ih, x, r, int64, width);
  if (keepdim || x._shape.length === 0) return [values, indices];
  return [squeezeOwned(values, d), squeezeOwned(indices, d)];
}

/** Records the values' backward: the gradient goes back to the chosen indices. */
function recordSelected(name: string, values: Tensor, indices: Tensor, x: Tensor, d: number, keepdim: boolean): ValuesIndices {
  const shape = x._shape.slice();
  record(values, name, [x], (node) => {
    const si = node.save(indices);
    return (g) => [selectedBackward(g, si(), shape, d, keepdim)];
  });
  return valuesIndices(values, indices);
}

/**
 * The keyword options of `sort` (`stable` is keyword-only in PyTorch).
 * @example x.sort({ dim: 0, descending: true, stable: true })
 */
export interface SortOptions {
  dim?: number;
  descending?: boolean;
  stable?: boolean | null;
}

/**
 * `torch.sort`: values sorted along `dim` (default -1) and their indices; NaN sorts
 * greatest. `stable: true` keeps equal values in input order; otherwise the CPU orders
 * them as PyTorch's CPU (std::sort) does, and CUDA keeps them stable.
 * @example const { values, indices } = torch.sort(x); const [v, i] = x.sort(0, true)
 */
export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean | SortOptions, options?: SortOptions): ValuesIndices {
  checkTensor(x, 'sort', 'input');
  const a = parseCall<Required<SortOptions>>('sort', ['dim', 'descending'], ['stable'], { dim: -1, descending: false, stable: false }, [dim, descending, options]);
  checkBoolean(a.descending, 'sort', 'descending');
  if (a.stable !== null) checkBoolean(a.stable, 'sort', 'stable');
  const d = dimOf(x, a.dim, 'sort');
  const [values, indices] = sortRaw(x, d, a.descending, a.stable === true);
  return recordSelected('SortBackward0', values, indices, x, d, true);
}

/**
 * `torch.argsort`: the indices that sort `dim` (default -1), with `sort`'s order.
 * @example torch.argsort(x); x.argsort(0, true); x.argsort({ dim: 1, stable: true })
 */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean | SortOptions, options?: SortOptions): Tensor {
  checkTensor(x, 'argsort', 'input');
  const a = parseCall<Required<SortOptions>>('argsort', ['dim', 'descending'], ['stable'], { dim: -1, descending: false, stable: false }, [dim, descending, options]);
  checkBoolean(a.descending, 'argsort', 'descending');
  if (a.stable !== null) checkBoolean(a.stable, 'argsort', 'stable');
  const [values, indices] = sortRaw(x, dimOf(x, a.dim, 'argsort'), a.descending, a.stable === true);
  values.dispose();
  return indices;
}

/**
 * `torch.msort`: the values sorted along dim 0.
 * @example torch.msort(x)
 */
export function msort(x: Tensor): Tensor {
  checkTensor(x, 'msort', 'input');
  return sort(x, 0).values;
}

/**
 * The options of `topk`.
 * @example x.topk(2, { largest: false })
 */
export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

/**
 * `torch.topk`: the `k` largest (or smallest) values along `dim` (default -1) and their
 * indices, sorted unless `sorted` is false (when the CPU leaves them in PyTorch's CPU
 * order; CUDA always sorts).
 * @example const { values, indices } = x.topk(3); x.topk(2, 0, false)
 */
export function topk(x: Tensor, k: number, dim?: number | TopkOptions, largest?: boolean | TopkOptions, sorted?: boolean | TopkOptions, options?: TopkOptions): ValuesIndices {
  checkTensor(x, 'topk', 'input');
  checkInteger(k, 'topk', 'k');
  const a = parseCall<Required<TopkOptions>>('topk', ['dim', 'largest', 'sorted'], [], { dim: -1, largest: true, sorted: true }, [dim, largest, sorted, options]);
  checkBoolean(a.largest, 'topk', 'largest');
  checkBoolean(a.sorted, 'topk', 'sorted');
  const d = dimOf(x, a.dim, 'topk');
  const size = x._shape.length ? x._shape[d] : 1;
  if (k < 0 || k > size) throw new Error('selected index k out of range');
  if (nativeSelect(x) && x._shape.length > 0) {
    const [values, indices] = selectRaw(x, d, SelectOp.Topk, k, true, a.largest, a.sorted);
    return recordSelected('TopkBackward0', values, indices, x, d, true);
  }
  const [allValues, allIndices] = sortRaw(x, d, a.largest);
  // A 0-d input has one element whatever k (0 or 1) asks for, as in PyTorch.
  if (x._shape.length === 0) return recordSelected('TopkBackward0', allValues, allIndices, x, d, true);
  const values = firstK(allValues, d, k);
  const indices = firstK(allIndices, d, k);
  return recordSelected('TopkBackward0', values, indices, x, d, true);
}

/**
 * Picks, per slice along `d`, the sorted element at position `pos` (int64, size 1 along d).
 * Disposes the sorted pair and `pos`.
 */
function pick(sorted: [Tensor, Tensor], pos: Tensor, d: number, keepdim: boolean, ndim: number): [Tensor, Tensor] {
  // tidy: gather keeps an unshaped copy of its result alive until collected.
  const picked = tidy(() => {
    const values = gather(sorted[0], d, pos);
    const indices = gather(sorted[1], d, pos);
    return !keepdim && ndim > 0 ? [squeeze(values, d), squeeze(indices, d)] : [values, indices];
  });
  sorted[0].dispose();
  sorted[1].dispose();
  pos.dispose();
  return [picked[0], picked[1]];
}

/**
 * The sort path's (values, indices) with each index moved to the first position along `d`
 * that holds the selected value (the first NaN for a NaN). PyTorch's CUDA kthvalue and
 * median find the value by radix select, then scan for its first match, so ties resolve
 * to the lowest index there (seen on an H200 with PyTorch 2.11), where a stable sort's
 * position would give a later one.
 */
function firstHolding(x: Tensor, picked: [Tensor, Tensor], d: number, keepdim: boolean): [Tensor, Tensor] {
  if (x._shape.length === 0) return picked;
  const [values, indices] = picked;
  const first = tidy(() => {
    const v = keepdim ? values : unsqueeze(values, d);
    const holds = logicalOr(eq(x, v), logicalAnd(ne(x, x), ne(v, v)));
    const at = argmax(toDtype(holds, int64), d, true);
    return keepdim ? at : squeeze(at, d);
  });
  indices.dispose();
  return [values, first];
}

/** `t` without dim `d` (or without all size-1 dims), releasing `t`'s own reference. */
function squeezeOwned(t: Tensor, d?: number): Tensor {
  const out = d === undefined ? squeeze(t) : squeeze(t, d);
  if (out !== t) t.dispose();
  return out;
}

/** `t` narrowed along d to its first k, as a contiguous copy; releases `t`. */
function firstK(t: Tensor, d: number, k: number): Tensor {
  const view = narrow(t, d, 0, k);
  const out = contiguous(view);
  if (view !== out) view.dispose();
  if (t !== out) t.dispose();
  return out;
}

/** The shape of one position per slice along d. */
function slotShape(x: Tensor, d: number): number[] {
  return x._shape.map((s, i) => (i === d ? 1 : s));
}

function checkNonEmpty(x: Tensor, d: number, fn: string): void {
  if (x._shape.length > 0 && x._shape[d] === 0) throw new Error(`${fn}(): Expected reduction dim ${d} to have non-zero size.`);
}

/**
 * `torch.kthvalue`: the k-th smallest value (1-based) along `dim` (default -1) and its index.
 * @example const { values, indices } = x.kthvalue(2); x.kthvalue(1, 0, true)
 */
export function kthvalue(x: Tensor, k: number, dim = -1, keepdim = false): ValuesIndices {
  checkTensor(x, 'kthvalue', 'input');
  checkInteger(k, 'kthvalue', 'k');
  checkBoolean(keepdim, 'kthvalue', 'keepdim');
  const d = dimOf(x, dim, 'kthvalue');
  const size = x._shape.length ? x._shape[d] : 1;
  if (k < 1 || k > size) throw new Error(`kthvalue(): selected number k out of range for dimension ${d}`);
  const [values, indices] = nativeSelect(x)
    ? selectRaw(x, d, SelectOp.Kth, k, keepdim)
    : firstHolding(x, pick(sortRaw(x, d, false), filled(slotShape(x, d), k - 1, int64, x.device), d, keepdim, x._shape.length), d, keepdim);
  return recordSelected('KthvalueBackward0', values, indices, x, d, keepdim);
}

/**
 * The position of each slice's median among its ascending sort: the lower median, or the
 * first NaN when a slice holds one (median), or the lower median of the numbers (nanmedian).
 */
function medianPosition(x: Tensor, d: number, ignoreNan: boolean): Tensor {
  return tidy(() => medianPositionOf(x, d, ignoreNan));
}

function medianPositionOf(x: Tensor, d: number, ignoreNan: boolean): Tensor {
  const n = x._shape.length ? x._shape[d] : 1;
  if (!x._dtype.isFloatingPoint) return filled(slotShape(x, d), (n - 1) >> 1, int64, x.device);
  const isNan = ne(x, x);
  const nans = sum(isNan, x._shape.length ? [d] : [], true);
  isNan.dispose();
  const numbers = sub(n, nans);
  let pos: Tensor;
  if (ignoreNan) {
    const last = sub(numbers, 1);
    pos = floorDivide(where(lt(last, 0), 0, last), 2);
  } else {
    pos = where(gt(nans, 0), numbers, (n - 1) >> 1);
  }
  nans.dispose();
  numbers.dispose();
  return x._shape.length ? pos : squeeze(pos);
}

function medianImpl(x: Tensor, fn: string, ignoreNan: boolean, dim: unknown, keepdim: boolean): Tensor | ValuesIndices {
  const names = ignoreNan ? ['NanmedianBackward0', 'NanmedianBackward1'] : ['MedianBackward0', 'MedianBackward1'];
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) return filled([], NaN, x._dtype, x.device);
    const flat = x._shape.length === 1 ? x : reshape(x.detach(), [-1]);
    const [value, index] = nativeSelect(flat)
      ? selectRaw(flat, 0, ignoreNan ? SelectOp.NanMedian : SelectOp.Median, 0, true)
      : pick(sortRaw(flat, 0, false), medianPosition(flat, 0, ignoreNan), 0, true, 1);
    if (flat !== x) flat.dispose();
    index.dispose();
    const out = squeezeOwned(value);
    // PyTorch's evenly_distribute_backward: ties (or NaNs, for a NaN result) share it.
    return record(out, names[0], [x], (node) => {
      const sx = node.save(x);
      const so = node.save(out);
      return (g) => {
        const input = sx();
        const v = so();
        const mask = logicalOr(eq(input, v), logicalAnd(ne(input, input), ne(v, v)));
        return [where(mask, div(g, sum(mask)), 0)];
      };
    });
  }
  checkBoolean(keepdim, fn, 'keepdim');
  const d = dimOf(x, dim, fn);
  checkNonEmpty(x, d, fn);
  const [values, indices] = nativeSelect(x)
    ? selectRaw(x, d, ignoreNan ? SelectOp.NanMedian : SelectOp.Median, 0, keepdim)
    : firstHolding(x, pick(sortRaw(x, d, false), medianPosition(x, d, ignoreNan), d, keepdim, x._shape.length), d, keepdim);
  return recordSelected(names[1], values, indices, x, d, keepdim);
}

/**
 * `torch.median`: the lower median of all elements (a 0-d tensor), or along `dim` the
 * lower median of each slice and its index. A slice holding NaN has median NaN.
 * @example x.median(); const { values, indices } = x.median(1)
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function median(x: Tensor, dim?: number | null, keepdim = false): Tensor | ValuesIndices {
  checkTensor(x, 'median', 'input');
  return medianImpl(x, 'median', false, dim, keepdim);
}

/**
 * `torch.nanmedian`: the median ignoring NaNs (NaN only when a slice is all NaN).
 * @example x.nanmedian(); x.nanmedian(0).values
 */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function nanmedian(x: Tensor, dim?: number | null, keepdim = false): Tensor | ValuesIndices {
  checkTensor(x, 'nanmedian', 'input');
  return medianImpl(x, 'nanmedian', true, dim, keepdim);
}

/**
 * `torch.mode`: the most frequent value along `dim` (default -1; the smallest among equally
 * frequent ones) and an index of it: on the CPU the one PyTorch's CPU reports (the end of
 * its run in std::sort's order), elsewhere its last occurrence.
 * @example const { values, indices } = x.mode(); x.mode(0, true)
 */
export function mode(x: Tensor, dim = -1, keepdim = false): ValuesIndices {
  checkTensor(x, 'mode', 'input');
  checkBoolean(keepdim, 'mode', 'keepdim');
  const d = dimOf(x, dim, 'mode');
  checkNonEmpty(x, d, 'mode');
  if (nativeSelect(x)) {
    const [values, indices] = selectRaw(x, d, SelectOp.Mode, 0, keepdim);
    return recordSelected('ModeBackward0', values, indices, x, d, keepdim);
  }
  const src = x._shape.length ? x : unsqueeze(x, 0);
  // tidy: the run bookkeeping is freed at once, only the pair survives.
  const [values, indices] = tidy(() => modeAlong(src, d, keepdim || x._shape.length === 0));
  const v = x._shape.length ? values : squeezeOwned(values);
  const i = x._shape.length ? indices : squeezeOwned(indices);
  return recordSelected('ModeBackward0', v, i, x, d, keepdim);
}

/**
 * Runs of equal values in the stable ascending sort: each run's length is scattered to its
 * run number, the first longest run wins, and its last element (the largest index, as
 * the sort is stable) is the answer.
 */
function modeAlong(x: Tensor, d: number, keepdim: boolean): [Tensor, Tensor] {
  const n = x._shape[d];
  const [s, si] = sortRaw(x, d, false);
  const first = filled(slotShape(x, d), 1, int64, x.device);
  const parts = [first];
  if (n > 1) parts.push(toDtype(ne(narrow(s, d, 1, n - 1), narrow(s, d, 0, n - 1)), int64));
  const starts = parts.length > 1 ? cat(parts, d) : first;
  const runId = sub(cumsum(starts, d), 1);
  const counts = scatterAdd(filled(x._shape.slice(), 0, int64, x.device), d, runId, filled(x._shape.slice(), 1, int64, x.device));
  const best = argmax(toDtype(eq(counts, amax(counts, d, true)), int64), d, true);
  const ends = sub(cumsum(counts, d), 1);
  const pos = gather(ends, d, best);
  return pick([s, si], pos, d, keepdim, x._shape.length);
}
