/**
 * `torch.histogram`: counts (or summed weights) of the input's values in bins given by their
 * number over a range, or by their edges, with NumPy's conventions as PyTorch follows them:
 * the last bin includes its right edge, values outside the edges are dropped, a degenerate
 * range is widened by 0.5 each way, and `density` divides by the total and the bin widths.
 * A value that lies exactly on an edge of `bins` equal bins can fall in the neighbouring bin
 * where flint's linspace rounds the edge differently from PyTorch's (whose vectorized kernel
 * fuses multiply-adds).
 */
import { Tensor } from '../tensor/tensor.js';
import { linspace } from '../tensor/creation.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { argumentError, checkBoolean, checkInteger, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { div, ge, le, logicalAnd, sub, where } from './elementwise.js';
import { amax, amin, sum } from './reduce.js';
import { maskedSelect, scatterAdd } from './indexing.js';
import { reshape, toDtype } from './shape.js';
import { searchsorted } from './search.js';
import { diff } from './differences.js';
import { zerosLike } from '../tensor/creation.js';

/** The keyword arguments of histogram. @example { range: [0, 1], density: true } */
export interface HistogramOptions {
  /** [min, max] of the bins when `bins` is a count (default: the data's range) */
  range?: [number, number] | null;
  /** a weight per element, summed instead of counting */
  weight?: Tensor | null;
  /** divide by the total and the bin widths, so that the histogram integrates to 1 */
  density?: boolean;
}
const HISTOGRAM_KEYS = keysOf<HistogramOptions>()('range', 'weight', 'density');

/** A histogram and its bin edges, as PyTorch's namedtuple (also a `[hist, binEdges]` pair). */
export type HistogramResult = [Tensor, Tensor] & { readonly hist: Tensor; readonly binEdges: Tensor };

const scalar = (t: Tensor): number => Number(t.item());

/**
 * A histogram of `input` (CPU, floating point): `bins` equal bins over `range` (by default
 * the data's min to max), or the bins between consecutive edges of a 1-D `bins` tensor.
 * Returns `[hist, binEdges]`, also as `.hist` and `.binEdges`.
 * @example const { hist, binEdges } = torch.histogram(torch.tensor([1, 2, 1, 4, 2.5]), 4);
 * // hist: tensor([2., 1., 1., 1.]), binEdges: tensor([1.0000, 1.7500, 2.5000, 3.2500, 4.0000])
 */
export function histogram(input: Tensor, bins: number | Tensor, options: HistogramOptions = {}): HistogramResult {
  checkTensor(input, 'histogram', 'input');
  checkOptions(options, 'histogram', HISTOGRAM_KEYS);
  const { range = null, weight = null, density = false } = options ?? {};
  checkOptionalTensor(weight, 'histogram', 'weight');
  checkBoolean(density, 'histogram', 'density');
  if (!input._dtype.isFloatingPoint) throw new Error(`"histogramdd" not implemented for '${scalarTypeName(input._dtype)}'`);
  if (input.device.type !== 'cpu') throw new Error('torch.histogram is only implemented on CPU tensors, as in PyTorch');
  if (weight !== null && weight._shape.join() !== input._shape.join()) {
    throw new Error(
      `torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor excluding its innermost dimension, but got input with shape [${[...input._shape, 1].join(', ')}] and weight with shape [${weight._shape.join(', ')}]`,
    );
  }
  return tidy(() => noGrad(() => {
    let edges: Tensor;
    if (bins instanceof Tensor) {
      if (range !== null) throw new TypeError('histogram(): range is only accepted with a number of bins, not with a bins tensor');
      edges = givenEdges(bins, input, 0);
    } else {
      checkInteger(bins, 'histogram', 'bins');
      if (bins <= 0) throw new Error(`torch.histogram(): bins must be > 0, but got ${bins} for dimension 0`);
      edges = linspace(...outerEdges(input, range), bins + 1, { dtype: input._dtype });
    }
    const count = edges._shape[0]! - 1;
    const lo = scalar(edges.index(0));
    const hi = scalar(edges.index(-1));
    const flat = reshape(input, [-1]);
    const inside = logicalAnd(ge(flat, lo), le(flat, hi));
    const values = maskedSelect(flat, inside);
    // The bin whose left edge is the last one <= value; the rightmost edge joins the last bin.
    const found = sub(searchsorted(edges, values, { right: true }), 1);
    const pos = where(ge(found, count), count - 1, found);
    const contributions = weight === null ? zerosLike(values).add(1) : maskedSelect(reshape(toDtype(weight, input._dtype), [-1]), inside);
    let hist = count > 0 ? scatterAdd(zerosLike(edges).narrow(0, 0, count), 0, pos, contributions) : zerosLike(edges).narrow(0, 0, 0);
    if (density) hist = div(div(hist, sum(hist)), diff(edges));
    const result = [hist.contiguous(), edges.clone()];
    Object.defineProperty(result, 'hist', { value: result[0], enumerable: false });
    Object.defineProperty(result, 'binEdges', { value: result[1], enumerable: false });
    return result as HistogramResult;
  }));
}

/** A bins tensor of edges for dimension `dim`, checked with PyTorch's messages. @internal */
export function givenEdges(bins: Tensor, input: Tensor, dim: number): Tensor {
  if (bins._dtype !== input._dtype) {
    throw new Error(
      `torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with dtype ${cName(input)} and bins for dimension ${dim} with dtype ${cName(bins)}`,
    );
  }
  if (bins._shape.length !== 1) {
    throw new Error(`torch.histogramdd: bins tensor should have one dimension, but got ${bins._shape.length} dimensions in the bins tensor for dimension ${dim}`);
  }
  if (bins._shape[0]! < 1) throw new Error(`torch.histogramdd: bins tensor should have at least 1 element, but got 0 elements in the bins tensor for dimension ${dim}`);
  return bins.contiguous();
}

/** PyTorch's dtype name in this message (`float`, `double`, `long int`). */
function cName(t: Tensor): string {
  return ({ float32: 'float', float64: 'double', int64: 'long int', int32: 'int' } as Record<string, string>)[t._dtype.name] ?? t._dtype.name;
}

/** The outermost edges: `range`, or the data's min and max, widened by 0.5 when equal. @internal */
export function outerEdges(input: Tensor, range: [number, number] | null, dim = 0): [number, number] {
  let lo: number;
  let hi: number;
  if (range !== null) {
    if (!Array.isArray(range) || range.length !== 2) throw argumentError('histogram', 'range', 'a [min, max] pair', range);
    [lo, hi] = range;
  } else if (input.numel() > 0) {
    lo = scalar(amin(input));
    hi = scalar(amax(input));
  } else {
    // NumPy's range for no data.
    [lo, hi] = [0, 1];
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error(`torch.histogramdd: dimension ${dim}'s range [${pyNum(lo)}, ${pyNum(hi)}] is not finite`);
  }
  if (lo > hi) throw new Error(`torch.histogramdd: min should not exceed max, but got min ${pyNum(lo)} max ${pyNum(hi)} for dimension ${dim}`);
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** C++'s default printing of a double, as PyTorch's messages show it (1, 2.5, inf). */
function pyNum(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
}
