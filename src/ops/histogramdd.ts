/**
 * `torch.histogramdd`: the D-dimensional histogram of N points given as an [..., D] input,
 * with histogram's conventions in each dimension (the last bin includes its right edge,
 * points outside any dimension's edges are dropped, a degenerate range is widened by 0.5).
 */
import { Tensor } from '../tensor/tensor.js';
import { linspace, zeros } from '../tensor/creation.js';
import { int64, scalarTypeName } from '../tensor/dtype.js';
import { argumentError, checkBoolean, checkInteger, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { add, div, ge, le, logicalAnd, mul, sub, where } from './elementwise.js';
import { sum } from './reduce.js';
import { maskedSelect, scatterAdd, select } from './indexing.js';
import { contiguous, reshape, toDtype } from './shape.js';
import { searchsorted } from './search.js';
import { diff } from './differences.js';
import { givenEdges, outerEdges } from './histogram.js';

/** The keyword arguments of histogramdd. @example { range: [0, 1, 0, 1], density: true } */
export interface HistogramddOptions {
  /** min and max of each dimension, flat: [min0, max0, min1, max1, ...] (when bins are counts) */
  range?: number[] | null;
  /** a weight per point (the input's shape without its last dim), summed instead of counting */
  weight?: Tensor | null;
  /** divide by the total and the bins' volumes, so that the histogram integrates to 1 */
  density?: boolean;
}
const KEYS = keysOf<HistogramddOptions>()('range', 'weight', 'density');

/** A histogram and the bin edges of each dimension, as PyTorch's namedtuple (also a pair). */
export type HistogramddResult = [Tensor, Tensor[]] & { readonly hist: Tensor; readonly binEdges: Tensor[] };

/**
 * The histogram of the points `input` [..., D] (CPU, floating point): `bins` a count for
 * every dimension, a count per dimension, or a 1-D tensor of edges per dimension. Returns
 * `[hist, binEdges]`, also as `.hist` ([bins0, ..., binsD-1]) and `.binEdges` (D tensors).
 * @example const { hist, binEdges } = torch.histogramdd(torch.tensor([[0, 0], [1, 1], [2, 0.5]]), [2, 3]);
 */
export function histogramdd(input: Tensor, bins: number | number[] | Tensor[], options: HistogramddOptions = {}): HistogramddResult {
  checkTensor(input, 'histogramdd', 'input');
  checkOptions(options, 'histogramdd', KEYS);
  const { range = null, weight = null, density = false } = options ?? {};
  checkOptionalTensor(weight, 'histogramdd', 'weight');
  checkBoolean(density, 'histogramdd', 'density');
  if (input._shape.length < 2) throw new Error('torch.histogramdd: input tensor should have at least 2 dimensions');
  if (!input._dtype.isFloatingPoint) throw new Error(`"histogramdd" not implemented for '${scalarTypeName(input._dtype)}'`);
  if (input.device.type !== 'cpu') throw new Error('torch.histogramdd is only implemented on CPU tensors, as in PyTorch');
  const D = input._shape[input._shape.length - 1]!;
  const pointsShape = input._shape.slice(0, -1);
  if (weight !== null && weight._shape.join() !== pointsShape.join()) {
    throw new Error(
      `torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor excluding its innermost dimension, but got input with shape [${input._shape.join(', ')}] and weight with shape [${weight._shape.join(', ')}]`,
    );
  }
  const perDim: (number | Tensor)[] = Array.isArray(bins) ? bins : new Array<number>(D).fill(bins);
  if (!Array.isArray(perDim) || perDim.length !== D) {
    throw new Error(`torch.histogramdd: bins should give ${D} counts or edge tensors, one per dimension, but got ${perDim.length}`);
  }
  const edgeTensors = perDim.some((b) => b instanceof Tensor);
  if (range !== null) {
    if (edgeTensors) throw new TypeError('histogramdd(): range is only accepted with numbers of bins, not with bins tensors');
    if (!Array.isArray(range)) throw argumentError('histogramdd', 'range', 'a flat list of [min, max] per dimension', range);
    if (range.length !== 2 * D) throw new Error(`torch.histogramdd: for a ${D}-dimensional histogram range should have ${2 * D} elements, but got ${range.length}`);
  }
  return tidy(() => noGrad(() => {
    const points = reshape(contiguous(input), [-1, D]);
    const edges = perDim.map((b, d) => edgesOf(select(points, 1, d), b, range === null ? null : [range[2 * d]!, range[2 * d + 1]!], d, input));
    const counts = edges.map((e) => e._shape[0]! - 1);
    // Each point's flat bin, and whether it lies inside every dimension's edges.
    let inside: Tensor | null = null;
    let flatBin: Tensor | null = null;
    for (let d = 0; d < D; d++) {
      const column = select(points, 1, d);
      const e = edges[d]!;
      const lo = Number(e.index(0).item());
      const hi = Number(e.index(-1).item());
      const within = logicalAnd(ge(column, lo), le(column, hi));
      inside = inside === null ? within : logicalAnd(inside, within);
      const found = sub(searchsorted(e, column, { right: true }), 1);
      const pos = where(ge(found, counts[d]!), counts[d]! - 1, where(ge(found, 0), found, 0));
      flatBin = flatBin === null ? pos : add(mul(flatBin, counts[d]!), pos);
    }
    const total = counts.reduce((n, c) => n * c, 1);
    const selected = maskedSelect(flatBin!, inside!);
    const contributions = weight === null
      ? zeros([selected._shape[0]!], { dtype: input._dtype }).add(1)
      : maskedSelect(reshape(toDtype(weight, input._dtype), [-1]), inside!);
    let hist = total > 0 ? scatterAdd(zeros([total], { dtype: input._dtype }), 0, toDtype(selected, int64), contributions) : zeros([0], { dtype: input._dtype });
    hist = reshape(hist, counts);
    if (density) {
      hist = div(hist, sum(hist));
      edges.forEach((e, d) => {
        const shape = counts.map((_, k) => (k === d ? counts[d]! : 1));
        hist = div(hist, reshape(diff(e), shape));
      });
    }
    const result = [hist.contiguous(), edges.map((e) => e.clone())];
    Object.defineProperty(result, 'hist', { value: result[0], enumerable: false });
    Object.defineProperty(result, 'binEdges', { value: result[1], enumerable: false });
    return result as HistogramddResult;
  }));
}

/** One dimension's edges: a count over `range` or the column's range, or given edges. */
function edgesOf(column: Tensor, bins: number | Tensor, range: [number, number] | null, d: number, input: Tensor): Tensor {
  if (bins instanceof Tensor) return givenEdges(bins, input, d);
  checkInteger(bins, 'histogramdd', 'bins');
  if (bins <= 0) throw new Error(`torch.histogram(): bins must be > 0, but got ${bins} for dimension ${d}`);
  return linspace(...outerEdges(column, range, d), bins + 1, { dtype: input._dtype });
}
