/**
 * Counting reductions and set-like ops: aminmax, nansum, nanmean, countNonzero, unique,
 * uniqueConsecutive, bincount and histc (searchsorted and bucketize are in search.ts).
 * Output sizes that depend on the data (unique, bincount) are read back once; the rest
 * stays on the device.
 */
import { record } from '../autograd/function.js';
import { tidy } from '../memory/storage.js';
import { noGrad } from '../autograd/grad-mode.js';
import { DType, bool, float64, int64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkOptionalTensor, checkOptions, checkTensor, toDTypeArg } from '../tensor/args.js';
import { div, eq, floor, ge, le, logicalAnd, logicalNot, mul, ne, sub, where } from './elementwise.js';
import { indexSelect, maskedSelect, nonzero, scatter, scatterAdd, select } from './indexing.js';
import { filled } from './internal-tensors.js';
import { cat, contiguous, expand, narrow, permute, reshape, toDtype, unsqueeze } from './shape.js';
import { amax, amin, any, reduceDims, sum, type Dims } from './reduce.js';
import { fromArray } from '../tensor/creation.js';
import { normalizeDim } from '../tensor/shape.js';
import { cumsum } from './scan.js';
import { sortRaw } from './sort.js';

/**
 * PyTorch's `(min, max)` named tuple (`torch.return_types.aminmax`).
 * @example const { min, max } = torch.aminmax(x); const [lo, hi] = x.aminmax()
 */
export type MinMax = [Tensor, Tensor] & { readonly min: Tensor; readonly max: Tensor };

/**
 * `torch.aminmax`: the minimum and maximum over all elements or along `dim`.
 * @example const { min, max } = torch.aminmax(x, { dim: 0, keepdim: true })
 */
export function aminmax(x: Tensor, options: { dim?: number | null; keepdim?: boolean } = {}): MinMax {
  checkTensor(x, 'aminmax', 'input');
  checkOptions(options, 'aminmax', ['dim', 'keepdim']);
  const keepdim = options.keepdim ?? false;
  checkBoolean(keepdim, 'aminmax', 'keepdim');
  const dim = options.dim ?? null;
  if (dim === null && x.numel() === 0) {
    throw new Error('aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.');
  }
  const lo = recordExtreme(x, noGrad(() => amin(x, dim, keepdim)), dim, keepdim);
  const hi = recordExtreme(x, noGrad(() => amax(x, dim, keepdim)), dim, keepdim);
  const pair = [lo, hi];
  Object.defineProperty(pair, 'min', { value: lo, enumerable: false });
  Object.defineProperty(pair, 'max', { value: hi, enumerable: false });
  return pair as unknown as MinMax;
}

/**
 * aminmax's gradient, as PyTorch 2's AminmaxBackward0 (1.13 has none): each result's
 * gradient is shared evenly among the elements equal to it, like amin's and amax's.
 */
function recordExtreme(x: Tensor, out: Tensor, dim: number | null, keepdim: boolean): Tensor {
  const dims = reduceDims(x, dim);
  return record(out, 'AminmaxBackward0', [x], (node) => {
    const sx = node.save(x);
    const so = node.save(out);
    return (g) => {
      const input = sx();
      let value = so();
      let grad = g;
      if (!keepdim && input._shape.length) {
        for (const d of dims) {
          value = unsqueeze(value, d);
          grad = unsqueeze(grad, d);
        }
      }
      const mask = eq(input, value);
      return [mul(div(grad, sum(mask, dims, true)), mask)];
    };
  });
}

/**
 * The options of nansum and nanmean.
 * @example x.nansum({ dim: 1, keepdim: true })
 */
export interface NanReduceOptions {
  dim?: Dims;
  keepdim?: boolean;
  dtype?: DType | string;
}

function nanArgs(fn: string, dim: Dims | NanReduceOptions, keepdim: boolean | undefined, options: NanReduceOptions | undefined) {
  let o: NanReduceOptions = options ?? {};
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) o = { ...dim, ...o };
  else if (dim !== undefined) o = { ...o, dim };
  if (keepdim !== undefined) o = { ...o, keepdim };
  checkOptions(o, fn, ['dim', 'keepdim', 'dtype']);
  const k = o.keepdim ?? false;
  checkBoolean(k, fn, 'keepdim');
  const dtype = o.dtype !== undefined && o.dtype !== null ? toDTypeArg(o.dtype, fn) : undefined;
  return { dim: o.dim, keepdim: k, dtype };
}

/**
 * `torch.nansum`: the sum treating NaN as zero (integers sum to int64).
 * @example torch.nansum(x); x.nansum(1, true)
 */
export function nansum(x: Tensor, dim?: Dims | NanReduceOptions, keepdim?: boolean, options?: NanReduceOptions): Tensor {
  checkTensor(x, 'nansum', 'input');
  const a = nanArgs('nansum', dim, keepdim, options);
  const input = a.dtype && a.dtype !== x._dtype ? toDtype(x, a.dtype) : x;
  const isNan = ne(input, input);
  const cleaned = where(isNan, 0, input.detach());
  const out = sum(cleaned, a.dim ?? [], a.keepdim);
  cleaned.dispose();
  const dims = reduceDims(input, a.dim);
  const shape = input._shape.slice();
  const keep = a.keepdim;
  return record(out, 'NansumBackward0', [input], (node) => {
    const sn = node.save(isNan);
    return (g) => {
      let grad = g;
      if (!keep && shape.length) for (const d of dims) grad = unsqueeze(grad, d);
      return [where(sn(), 0, expand(grad, shape))];
    };
  });
}

/**
 * `torch.nanmean`: the mean of the non-NaN elements (floating inputs), as PyTorch's
 * nansum / count.
 * @example torch.nanmean(x); x.nanmean(0)
 */
export function nanmean(x: Tensor, dim?: Dims | NanReduceOptions, keepdim?: boolean, options?: NanReduceOptions): Tensor {
  checkTensor(x, 'nanmean', 'input');
  const a = nanArgs('nanmean', dim, keepdim, options);
  const dtype = a.dtype ?? x._dtype;
  if (!dtype.isFloatingPoint) {
    throw new Error(`nanmean(): expected input to have floating point dtype but got ${scalarTypeName(dtype)}`);
  }
  const input = dtype !== x._dtype ? toDtype(x, dtype) : x;
  const count = sum(logicalNot(ne(input, input)), a.dim ?? [], a.keepdim);
  return div(nansum(input, a.dim ?? [], a.keepdim), count);
}

/**
 * `torch.count_nonzero`: how many elements are nonzero, over all dims or `dim` (int64).
 * @example torch.countNonzero(x); x.countNonzero(1); x.countNonzero([0, 1])
 */
export function countNonzero(x: Tensor, dim?: number | number[] | null): Tensor {
  checkTensor(x, 'count_nonzero', 'input');
  return sum(ne(x, 0), dim === undefined || dim === null ? [] : dim);
}

/**
 * The options of unique and uniqueConsecutive (PyTorch's keywords).
 * @example torch.unique(x, { returnInverse: true, returnCounts: true })
 */
export interface UniqueOptions {
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  dim?: number | null;
}

/**
 * unique's result: the values alone, or [values, inverse?, counts?] as PyTorch's tuple.
 * @example const [values, counts] = torch.unique(x, { returnCounts: true }) as Tensor[]
 */
export type UniqueResult = Tensor | Tensor[];

function uniqueOptions(fn: string, options: UniqueOptions | undefined): Required<UniqueOptions> {
  checkOptions(options, fn, ['sorted', 'returnInverse', 'returnCounts', 'dim']);
  const o = { sorted: true, returnInverse: false, returnCounts: false, dim: null, ...options };
  checkBoolean(o.sorted, fn, 'sorted');
  checkBoolean(o.returnInverse, fn, 'returnInverse');
  checkBoolean(o.returnCounts, fn, 'returnCounts');
  if (o.dim !== null) checkInteger(o.dim, fn, 'dim');
  return o as Required<UniqueOptions>;
}

/**
 * The runs of equal neighbours in flat `s`: values, each element's run number, counts.
 * Disposes `s` (its order is the caller's).
 */
function runs(s: Tensor): [Tensor, Tensor, Tensor] {
  const n = s._shape[0];
  const first = filled([Math.min(n, 1)], 1, bool, s.device);
  const starts = n > 1 ? cat([first, ne(narrow(s, 0, 1, n - 1), narrow(s, 0, 0, n - 1))], 0) : first;
  const values = maskedSelect(s, starts);
  const runId = sub(cumsum(starts, 0), 1);
  const counts = scatterAdd(filled([values._shape[0]], 0, int64, s.device), 0, runId, filled([n], 1, int64, s.device));
  return [values, runId, counts];
}

function uniqueResult(values: Tensor, inverse: Tensor, counts: Tensor, o: Required<UniqueOptions>): UniqueResult {
  if (!o.returnInverse && !o.returnCounts) return values;
  const out = [values];
  if (o.returnInverse) out.push(inverse);
  if (o.returnCounts) out.push(counts);
  return out;
}

/**
 * `torch.unique` over all elements: the distinct values (always in ascending order, which
 * `sorted: false` also allows), with `returnInverse` (each element's position among them,
 * in x's shape) and `returnCounts`. NaNs are each distinct, as in PyTorch.
 * @example const [values, inverse, counts] = torch.unique(x, { returnInverse: true, returnCounts: true }) as Tensor[]
 */
export function unique(x: Tensor, options?: UniqueOptions): UniqueResult {
  checkTensor(x, 'unique', 'input');
  const o = uniqueOptions('unique', options);
  return tidy(() => {
    if (o.dim !== null) return uniqueSlices(x, o, true);
    const flat = reshape(x.detach(), [-1]);
    const [s, order] = sortRaw(flat, 0, false);
    const [values, runId, counts] = runs(s);
    const inverse = reshape(scatter(filled([flat._shape[0]], 0, int64, x.device), 0, order, runId), x._shape.slice());
    return uniqueResult(values, inverse, counts, o);
  });
}

/**
 * `torch.unique_consecutive` over all elements: collapses runs of equal neighbours.
 * @example torch.uniqueConsecutive(torch.tensor([1, 1, 2, 1])) // tensor([1, 2, 1])
 */
export function uniqueConsecutive(x: Tensor, options?: Omit<UniqueOptions, 'sorted'>): UniqueResult {
  checkTensor(x, 'unique_consecutive', 'input');
  const o = uniqueOptions('unique_consecutive', options);
  return tidy(() => {
    if (o.dim !== null) return uniqueSlices(x, o, false);
    const [values, runId, counts] = runs(reshape(x.detach(), [-1]));
    return uniqueResult(values, reshape(runId, x._shape.slice()), counts, o);
  });
}

/**
 * unique / unique_consecutive of the slices along `dim`: the slices as the rows of a
 * matrix, put in lexicographic order (sorted) by stable sorts on each column from the last
 * to the first, then runs of equal neighbouring rows collapsed.
 */
function uniqueSlices(x: Tensor, o: Required<UniqueOptions>, sorted: boolean): UniqueResult {
  const fn = sorted ? 'unique' : 'unique_consecutive';
  const d = normalizeDim(o.dim!, x._shape.length, false, fn);
  const n = x._shape[d];
  const perm = [d, ...x._shape.map((_, i) => i).filter((i) => i !== d)];
  const moved = permute(x.detach(), perm);
  const rest = moved._shape.slice(1);
  const m = rest.reduce((a, b) => a * b, 1);
  if (n > 0 && m === 0) throw new Error(`Number of zero sized dimensions is more than one, so unique cannot be applied`);
  const rows = reshape(contiguous(moved), [n, m]);
  let order = fromArray(new Float64Array(n).map((_, i) => i), float64, [n], int64, x.device);
  if (sorted) {
    for (let c = m - 1; c >= 0; c--) {
      const key = indexSelect(select(rows, 1, c), 0, order);
      const [, p] = sortRaw(key, 0, false);
      order = indexSelect(order, 0, p);
    }
  }
  const ordered = indexSelect(rows, 0, order);
  const first = filled([Math.min(n, 1)], 1, bool, x.device);
  const starts = n > 1 ? cat([first, any(ne(narrow(ordered, 0, 1, n - 1), narrow(ordered, 0, 0, n - 1)), 1)], 0) : first;
  const keep = nonzero(starts).view([-1]);
  const runId = sub(cumsum(starts, 0), 1);
  const counts = scatterAdd(filled([keep._shape[0]], 0, int64, x.device), 0, runId, filled([n], 1, int64, x.device));
  const values = reshape(indexSelect(ordered, 0, keep), [keep._shape[0], ...rest]);
  const inverse = scatter(filled([n], 0, int64, x.device), 0, order, runId);
  const back = perm.map((_, i) => perm.indexOf(i));
  return uniqueResult(contiguous(permute(values, back)), inverse, counts, o);
}

/** The number a 0-d tensor holds; the tensor is released. */
function scalarOf(t: Tensor): number {
  const value = Number(t.item());
  t.dispose();
  return value;
}

/**
 * `torch.bincount`: occurrences of each non-negative integer in a 1-D tensor (or the sum
 * of their `weights`), at least `minlength` bins.
 * @example torch.bincount(torch.tensor([0, 2, 2])) // tensor([1, 0, 2])
 */
export function bincount(x: Tensor, weights?: Tensor | null, minlength = 0): Tensor {
  checkTensor(x, 'bincount', 'input');
  checkOptionalTensor(weights, 'bincount', 'weights');
  checkInteger(minlength, 'bincount', 'minlength');
  if (x._dtype.isFloatingPoint || x._dtype === bool) throw new Error('bincount only supports 1-d non-negative integral inputs.');
  if (x._shape.length !== 1) throw new Error('bincount only supports 1-d non-negative integral inputs.');
  if (minlength < 0) throw new Error('minlength should be >= 0');
  if (weights && (weights._shape.length !== 1 || weights._shape[0] !== x._shape[0])) {
    throw new Error('weights should be 1-d and have the same length as input');
  }
  const n = x._shape[0];
  if (n > 0 && scalarOf(amin(x)) < 0) throw new Error('bincount only supports 1-d non-negative integral inputs.');
  const size = Math.max(minlength, n > 0 ? scalarOf(amax(x)) + 1 : 0);
  const dtype = weights ? (weights._dtype.isFloatingPoint ? weights._dtype : float64) : int64;
  return tidy(() => {
    const src = weights ? toDtype(weights.detach(), dtype) : filled([n], 1, int64, x.device);
    return scatterAdd(filled([size], 0, dtype, x.device), 0, toDtype(x, int64), src);
  });
}

/**
 * `torch.histc`: a histogram of `bins` equal bins over [min, max] (the data's range when
 * both are 0); elements outside are ignored.
 * @example torch.histc(torch.tensor([1, 2, 1]), 4, 0, 3) // tensor([0., 2., 1., 0.])
 */
export function histc(x: Tensor, bins = 100, min = 0, max = 0): Tensor {
  checkTensor(x, 'histc', 'input');
  checkInteger(bins, 'histc', 'bins');
  checkNumber(min, 'histc', 'min');
  checkNumber(max, 'histc', 'max');
  if (!x._dtype.isFloatingPoint) throw new Error(`"histogram_cpu" not implemented for '${scalarTypeName(x._dtype)}'`);
  if (bins <= 0) throw new Error(`torch.histogram(): bins must be > 0, but got ${bins} for dimension 0`);
  let lo = min;
  let hi = max;
  if (lo === hi && x.numel() > 0) {
    lo = scalarOf(amin(x));
    hi = scalarOf(amax(x));
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  if (lo > hi) throw new Error('torch.histc: max must be larger than min');
  return tidy(() => {
    const flat = reshape(x.detach(), [-1]);
    const inside = logicalAnd(ge(flat, lo), le(flat, hi));
    const picked = maskedSelect(flat, inside);
    const raw = toDtype(floor(mul(sub(picked, lo), bins / (hi - lo))), int64);
    const pos = where(ge(raw, bins), bins - 1, raw);
    return scatterAdd(filled([bins], 0, x._dtype, x.device), 0, pos, filled([pos._shape[0]], 1, x._dtype, x.device));
  });
}
