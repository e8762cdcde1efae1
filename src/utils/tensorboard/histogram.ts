/**
 * Histograms as PyTorch's summary.py builds them: `np.histogram` over the bin edges, then
 * `make_histogram`, which merges bins down to `maxBins` and trims the empty bins at both
 * ends (TensorBoard stores only right edges, so one empty bin stays on the left to carry
 * the leftmost edge).
 */
import { argumentError } from '../../tensor/args.js';
import type { HistogramMessage } from './protos.js';

/**
 * How `addHistogram` bins values: `'tensorflow'` (TensorBoard's default exponential
 * edges), a bin count (equal-width bins over the values' range, as `np.histogram(values,
 * bins=n)`), or explicit increasing edges.
 * @example writer.addHistogram('weights', w, step, { bins: 30 })
 */
export type HistogramBins = 'tensorflow' | number | readonly number[];

let tensorflowEdges: Float64Array | null = null;

/**
 * TensorBoard's default edges, as PyTorch's `SummaryWriter.default_bins`: ±1e-12 growing
 * by a factor of 1.1 up to 1e20, mirrored, with 0 between.
 * @example defaultBins()[defaultBins().length >> 1] // 0
 */
export function defaultBins(): Float64Array {
  if (tensorflowEdges === null) {
    const positive: number[] = [];
    for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v);
    const n = positive.length;
    tensorflowEdges = new Float64Array(2 * n + 1);
    for (let i = 0; i < n; i++) {
      tensorflowEdges[n - 1 - i] = -positive[i];
      tensorflowEdges[n + 1 + i] = positive[i];
    }
  }
  return tensorflowEdges;
}

/** `np.histogram`'s edges for `bins`: a count spreads equal bins over [min, max]. */
function binEdges(values: Float64Array, bins: HistogramBins, fn: string): Float64Array {
  if (bins === 'tensorflow') return defaultBins();
  if (typeof bins === 'number') {
    if (!(Number.isInteger(bins) && bins >= 1)) {
      throw argumentError(fn, 'bins', "'tensorflow', a positive integer or increasing edges", bins);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // numpy widens a zero range by 0.5 each side so that there is something to divide.
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    const step = (hi - lo) / bins;
    const edges = new Float64Array(bins + 1);
    for (let i = 0; i < bins; i++) edges[i] = lo + i * step;
    edges[bins] = hi;
    return edges;
  }
  if (Array.isArray(bins) && bins.length >= 2 && bins.every((e, i) => typeof e === 'number' && (i === 0 || e >= bins[i - 1]))) {
    return Float64Array.from(bins);
  }
  throw argumentError(fn, 'bins', "'tensorflow', a positive integer or increasing edges (at least two)", bins);
}

/**
 * Counts per bin as `np.histogram`: bin i holds edges[i] <= v < edges[i + 1], the last
 * bin includes its right edge, and values outside the edges are not counted.
 */
function countBins(values: Float64Array, edges: Float64Array): number[] {
  const nBins = edges.length - 1;
  const counts = new Array<number>(nBins).fill(0);
  const first = edges[0];
  const last = edges[nBins];
  for (const v of values) {
    if (!(v >= first && v <= last)) continue;
    // The last edge i with edges[i] <= v; repeated edges leave the earlier bins empty, as numpy.
    let lo = 0;
    let hi = nBins;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    counts[Math.min(lo, nBins - 1)]++;
  }
  return counts;
}

/**
 * The options of `makeHistogram`.
 * @example makeHistogram(values, { bins: 'tensorflow', maxBins: 64 }, 'addHistogram')
 */
export interface MakeHistogramOptions {
  bins: HistogramBins;
  maxBins?: number;
}

/**
 * PyTorch's `make_histogram`: the statistics and the trimmed buckets of `values`.
 * @example makeHistogram(Float64Array.of(-1, 0, 2), { bins: 'tensorflow' }, 'addHistogram').num // 3
 */
export function makeHistogram(values: Float64Array, options: MakeHistogramOptions, fn: string): HistogramMessage {
  const { bins, maxBins } = options;
  if (values.length === 0) throw new Error(`${fn}(): the input has no element`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    // TensorBoard's histograms are undefined for these, and numpy would silently drop them from the buckets.
    throw new Error(`${fn}(): values must be finite, but element ${bad} is ${values[bad]}`);
  }
  if (maxBins !== undefined && !(Number.isInteger(maxBins) && maxBins >= 1)) {
    throw argumentError(fn, 'maxBins', 'a positive integer', maxBins);
  }

  let limits = binEdges(values, bins, fn);
  let counts = countBins(values, limits);

  if (maxBins !== undefined && counts.length > maxBins) {
    // Merge each run of `subsampling` bins, zero-padding the last run, and keep every
    // `subsampling`-th left edge plus the final right edge.
    const subsampling = Math.floor(counts.length / maxBins);
    const merged: number[] = [];
    const mergedLimits: number[] = [];
    for (let start = 0; start < counts.length; start += subsampling) {
      let total = 0;
      for (let i = start; i < Math.min(start + subsampling, counts.length); i++) total += counts[i];
      merged.push(total);
      mergedLimits.push(limits[start]);
    }
    mergedLimits.push(limits[limits.length - 1]);
    counts = merged;
    limits = Float64Array.from(mergedLimits);
  }

  const firstNonEmpty = counts.findIndex((c) => c > 0);
  if (firstNonEmpty < 0) throw new Error(`${fn}(): no value falls within the bin edges [${limits[0]}, ${limits[limits.length - 1]}]`);
  let lastNonEmpty = counts.length - 1;
  while (counts[lastNonEmpty] === 0) lastNonEmpty--;
  const end = lastNonEmpty + 1;
  const bucket = firstNonEmpty > 0 ? counts.slice(firstNonEmpty - 1, end) : [0, ...counts.slice(0, end)];
  const bucketLimit = Array.from(limits.subarray(firstNonEmpty, end + 1));

  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  return { min, max, num: values.length, sum, sum_squares: sumSquares, bucket_limit: bucketLimit, bucket };
}
