/**
 * Statistics over tensors: `quantile` / `nanquantile`, `cov` / `corrcoef`, the trapezoid rule
 * (`trapezoid`, `cumulativeTrapezoid`) and membership (`isin`), composed as PyTorch composes
 * them (sort and gather, matrix products), so their gradients are PyTorch's.
 */
import { autocastOp } from '../amp/autocast-policy.js';
import { autocastHook } from '../amp/autocast-state.js';
import { Tensor } from '../tensor/tensor.js';
import { full, tensor, zeros } from '../tensor/creation.js';
import { bool, int64, resultType, scalarTypeName } from '../tensor/dtype.js';
import { argumentError, checkOptions, checkTensor } from '../tensor/args.js';
import { normalizeDim } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { searchsorted } from './search.js';

/** How `quantile` picks between the two order statistics around a rank. */
export type QuantileInterpolation = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';
/** The options of `quantile`: PyTorch's keyword arguments. */
export interface QuantileOptions {
  dim?: number | null;
  keepdim?: boolean;
  interpolation?: QuantileInterpolation;
}
const INTERPOLATIONS = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];

function quantileImpl(fn: string, input: Tensor, q: Tensor | number, dim: number | QuantileOptions | null | undefined, keepdim: boolean | undefined, options: QuantileOptions | undefined, ignoreNan: boolean): Tensor {
  checkTensor(input, fn, 'input');
  const name = fn;  // for argument checks; PyTorch's value errors say quantile() for both
  fn = 'quantile';
  if (typeof dim === 'object' && dim !== null) {
    options = dim;
    dim = undefined;
  }
  checkOptions(options ?? {}, name, ['dim', 'keepdim', 'interpolation']);
  const d = dim ?? options?.dim ?? null;
  const keep = keepdim ?? options?.keepdim ?? false;
  const interpolation = options?.interpolation ?? 'linear';
  if (input.numel() === 0) throw new Error(`${fn}() input tensor must be non-empty`);
  if (!input.dtype.isFloatingPoint || input.dtype.itemsize < 4) throw new Error(`${fn}() input tensor must be either float or double dtype`);
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new Error(`${fn}() interpolation must be one of linear, lower, higher, midpoint or nearest, but got ${String(interpolation)}`);
  }
  let qs: Tensor;
  if (typeof q === 'number') {
    if (!(q >= 0 && q <= 1)) throw new Error(`${fn}() q must be in the range [0, 1] but got ${q}`);
    qs = tensor([q], { dtype: input.dtype, device: input.device });
  } else {
    checkTensor(q, fn, 'q');
    if (q.dim() > 1) throw new Error(`${fn}() q must be a scalar or 1D tensor`);
    if (q.dtype !== input.dtype) throw new Error(`${fn}() q tensor must be same dtype as the input tensor`);
    if (!noGrad(() => q.ge(0).logicalAnd(q.le(1)).all().item())) throw new Error(`${fn}() q values must be in the range [0, 1]`);
    qs = q.reshape([-1]);
  }
  // The reduced values along a last dim: the whole input flattened, or `dim` moved last.
  let sorted: Tensor;
  let outShape: number[];
  if (d === null) {
    sorted = input.reshape([-1]).sort().values;
    outShape = keep ? input.shape.map(() => 1) : [];
  } else if (input.dim() === 0) {
    normalizeDim(d, 0, false, name);
    sorted = input.reshape([1]);
    outShape = [];
  } else {
    const axis = normalizeDim(d, input.dim(), false, name);
    sorted = input.movedim(axis, -1).sort().values;
    outShape = keep ? input.shape.map((s, i) => (i === axis ? 1 : s)) : input.shape.filter((_, i) => i !== axis);
  }
  const rows = sorted.reshape([-1, sorted.shape[sorted.dim() - 1]]);
  const last = rows.shape[1] - 1;
  // One rank per (row, q); NaN sorts last, so a row with NaN gives NaN (quantile) or the
  // ranks count only its numbers (nanquantile; a row of NaN gives rank 0, which is NaN).
  const ranks = noGrad(() => {
    const isNan = rows.isnan();
    let r: Tensor;
    if (ignoreNan) {
      r = qs.unsqueeze(0).mul(isNan.logicalNot().sum(-1, true).sub(1).to(qs.dtype));
      r = r.clamp(0);
    } else {
      r = qs.unsqueeze(0).mul(last).expand([rows.shape[0], qs.shape[0]]);
      r = r.maskedFill(isNan.any(-1, true), last);
    }
    if (interpolation === 'lower') r = r.floor();
    else if (interpolation === 'higher') r = r.ceil();
    else if (interpolation === 'nearest') r = r.round();
    return r;
  });
  const below = noGrad(() => ranks.to(int64));
  let values = rows.gather(-1, below);
  if (interpolation === 'linear' || interpolation === 'midpoint') {
    const weights = noGrad(() => (interpolation === 'midpoint' ? full(ranks.shape, 0.5, { dtype: ranks.dtype, device: ranks.device }) : ranks.sub(below.to(ranks.dtype))));
    const above = noGrad(() => ranks.ceil().to(int64));
    values = values.lerp(rows.gather(-1, above), weights);
  }
  // [rows, q] -> [q, ...outShape] (the q dim dropped when q was a number).
  const result = values.mT.reshape([qs.shape[0], ...outShape]);
  return typeof q === 'number' || q.dim() === 0 ? result.squeeze(0) : result;
}

/**
 * The q-th quantiles of `input` (all of it, or along `dim`), interpolating between order
 * statistics; a row with NaN gives NaN. A 1-D q adds a leading dim.
 * @example torch.quantile(torch.tensor([1, 2, 3, 4]), 0.4) // 2.2
 * @example torch.quantile(x, torch.tensor([0.25, 0.75]), 1, true)
 */
export function quantile(input: Tensor, q: Tensor | number, dim?: number | null | QuantileOptions, keepdim?: boolean, options?: QuantileOptions): Tensor {
  if (autocastHook.active) return autocastOp('quantile', quantile, arguments);
  return quantileImpl('quantile', input, q, dim, keepdim, options, false);
}

/**
 * `quantile` that ignores NaN (a row of NaN alone gives NaN).
 * @example torch.nanquantile(torch.tensor([1, NaN, 3]), 0.5) // 2
 */
export function nanquantile(input: Tensor, q: Tensor | number, dim?: number | null | QuantileOptions, keepdim?: boolean, options?: QuantileOptions): Tensor {
  if (autocastHook.active) return autocastOp('nanquantile', nanquantile, arguments);
  return quantileImpl('nanquantile', input, q, dim, keepdim, options, true);
}

/** The options of `cov`. */
export interface CovOptions {
  correction?: number;
  fweights?: Tensor | null;
  aweights?: Tensor | null;
}

/**
 * The covariance matrix of the variables in `input`'s rows (observations in its columns; a
 * 1-D input is one variable), with frequency and importance weights as NumPy's.
 * @example torch.cov(torch.tensor([[0, 1, 2], [2, 1, 0]])) // [[1, -1], [-1, 1]]
 */
export function cov(input: Tensor, options: CovOptions = {}): Tensor {
  checkTensor(input, 'cov', 'input');
  checkOptions(options, 'cov', ['correction', 'fweights', 'aweights']);
  const { correction = 1, fweights = null, aweights = null } = options;
  if (typeof correction !== 'number' || !Number.isInteger(correction)) throw argumentError('cov', 'correction', 'an integer', correction);
  if (input.dim() > 2) throw new Error(`cov(): expected input to have two or fewer dimensions but got an input with ${input.dim()} dimensions`);
  if (input.dtype === bool) throw new Error('cov(): bool dtype is not supported for input');
  const x = input.dim() < 2 ? input.reshape([1, -1]) : input;
  const n = x.shape[1];
  let w: Tensor | null = null;
  if (fweights !== null) {
    checkTensor(fweights, 'cov', 'fweights');
    if (fweights.dim() > 1) throw new Error(`cov(): expected fweights to have one or fewer dimensions but got fweights with ${fweights.dim()} dimensions`);
    if (fweights.dtype.isFloatingPoint || fweights.dtype === bool) throw new Error(`cov(): expected fweights to have integral dtype but got fweights with ${scalarTypeName(fweights.dtype.name)} dtype`);
    if (fweights.numel() !== n) throw new Error(`cov(): expected fweights to have the same numel as there are observations in the input but got ${fweights.numel()} != ${n}`);
    if (n > 0 && !noGrad(() => fweights.min().ge(0).item())) throw new Error('cov(): fweights cannot be negative');
    w = fweights;
  }
  if (aweights !== null) {
    checkTensor(aweights, 'cov', 'aweights');
    if (aweights.dim() > 1) throw new Error(`cov(): expected aweights to have one or fewer dimensions but got aweights with ${aweights.dim()} dimensions`);
    if (!aweights.dtype.isFloatingPoint) throw new Error(`cov(): expected aweights to have floating point dtype but got aweights with ${scalarTypeName(aweights.dtype.name)} dtype`);
    if (aweights.numel() !== n) throw new Error(`cov(): expected aweights to have the same numel as there are observations in the input but got ${aweights.numel()} != ${n}`);
    if (n > 0 && !noGrad(() => aweights.min().ge(0).item())) throw new Error('cov(): aweights cannot be negative');
    w = w === null ? aweights : w.mul(aweights);
  }
  const wSum = w === null ? tensor(n, { dtype: int64, device: x.device }) : w.sum();
  if (w !== null && !noGrad(() => wSum.ne(0).item())) throw new Error("cov(): weights sum to zero, can't be normalized");
  const avg = (w === null ? x : x.mul(w)).sum(1).div(wSum);
  let normFactor = w !== null && correction !== 0 && aweights !== null ? wSum.sub(w.mul(aweights).sum().mul(correction).div(wSum)) : wSum.sub(correction);
  if (noGrad(() => normFactor.le(0).item())) {
    process.emitWarning('cov(): degrees of freedom is <= 0');
    normFactor = normFactor.mul(0);
  }
  const centered = x.sub(avg.unsqueeze(1));
  const c = centered.matmul((w === null ? centered : centered.mul(w)).mT);
  return c.div(normFactor).squeeze();
}

/**
 * The Pearson correlation coefficients of the variables in `input`'s rows, clipped to
 * [-1, 1].
 * @example torch.corrcoef(torch.tensor([[0, 1, 2], [2, 1.5, 0]])) // [[1, -0.9608], [-0.9608, 1]]
 */
export function corrcoef(input: Tensor): Tensor {
  checkTensor(input, 'corrcoef', 'input');
  if (input.dim() > 2) throw new Error(`corrcoef(): expected input to have two or fewer dimensions but got an input with ${input.dim()} dimensions`);
  const c = cov(input);
  if (c.dim() === 0) return c.div(c);  // NaN where the variance is 0, NaN or inf; else 1
  const stddev = c.diag().sqrt();
  return c.div(stddev.view([-1, 1])).div(stddev.view([1, -1])).clamp(-1, 1);
}

/** The options of the trapezoid rule: sample points `x`, or a constant spacing `dx`, and `dim`. */
export interface TrapezoidOptions {
  x?: Tensor | null;
  dx?: number | null;
  dim?: number;
}

/** The arguments, as PyTorch's two overloads take them: (y, x, dim) or (y, dx, dim). */
function trapezoidArgs(fn: string, y: Tensor, x: Tensor | TrapezoidOptions | null | undefined, options: TrapezoidOptions | undefined): { dim: number; dx: Tensor | number } {
  checkTensor(y, fn, 'y');
  let opts = options ?? {};
  let xs: Tensor | null = null;
  if (x instanceof Tensor) xs = x;
  else if (typeof x === 'object' && x !== null) {
    if (options !== undefined) throw new TypeError(`${fn}(): the options object must be the last argument`);
    opts = x;
  }
  checkOptions(opts, fn, ['x', 'dx', 'dim']);
  xs = xs ?? opts.x ?? null;
  if (xs !== null && opts.dx !== undefined && opts.dx !== null) throw new Error(`${fn}(): received both x and dx; pass one of them`);
  const dim = normalizeDim(opts.dim ?? -1, y.dim(), false, fn);
  if (y.dtype === bool || (xs !== null && xs.dtype === bool)) {
    throw new Error(`${fn}: received a bool input for \`${xs === null ? 'y' : 'x` or `y'}\`, but bool is not supported`);
  }
  if (xs === null) {
    const dx = opts.dx ?? 1;
    if (typeof dx !== 'number') throw new Error(`${fn}: Currently, we only support dx as a real number.`);
    return { dim, dx };
  }
  checkTensor(xs, fn, 'x');
  // x is viewed to y's rank (a 1-D x along dim, a shorter one padded in front), then differenced.
  let viewed: Tensor;
  if (xs.dim() === 1) {
    if (xs.shape[0] !== y.shape[dim]) throw new Error(`${fn}: There must be one \`x\` value for each sample point`);
    viewed = xs.view(y.shape.map((s, i) => (i === dim ? xs!.shape[0] : 1)));
  } else if (xs.dim() < y.dim()) {
    viewed = xs.view([...new Array<number>(y.dim() - xs.dim()).fill(1), ...xs.shape]);
  } else viewed = xs;
  const m = viewed.shape[dim];
  return { dim, dx: viewed.narrow(dim, 1, m - 1).sub(viewed.narrow(dim, 0, m - 1)) };
}

/**
 * The integral of y along `dim` by the trapezoid rule, with sample points `x` (a tensor, or
 * `{ x }`) or a spacing `dx` (default 1). With no samples it is 0, as NumPy's.
 * @example torch.trapezoid(torch.tensor([1, 2, 3])) // 4
 * @example torch.trapezoid(y, x); torch.trapezoid(y, { dx: 0.1, dim: 0 })
 */
export function trapezoid(y: Tensor, x?: Tensor | TrapezoidOptions | null, options?: TrapezoidOptions): Tensor {
  checkTensor(y, 'trapezoid', 'y');
  if (y.dim() === 0) throw new Error(`Dimension specified as ${String((x instanceof Tensor ? options?.dim : (x as TrapezoidOptions | undefined)?.dim ?? options?.dim) ?? -1)} but tensor has no dimensions`);
  const dimGiven = (x instanceof Tensor ? options?.dim : (x as TrapezoidOptions | undefined)?.dim ?? options?.dim) ?? -1;
  const dim = normalizeDim(dimGiven, y.dim(), false, 'trapezoid');
  if (y.shape[dim] === 0) return zeros(y.shape.filter((_, i) => i !== dim), { dtype: y.dtype, device: y.device });
  const { dx } = trapezoidArgs('trapezoid', y, x, options);
  const n = y.shape[dim];
  if (typeof dx === 'number') {
    // dx (sum(y) - (y_first + y_last) / 2), PyTorch's form for a constant spacing.
    return y.sum(dim).sub(y.select(dim, 0).add(y.select(dim, -1)).mul(0.5)).mul(dx);
  }
  const left = y.narrow(dim, 0, n - 1);
  const right = y.narrow(dim, 1, n - 1);
  return left.add(right).mul(dx).sum(dim).div(2);
}

/**
 * The running integral of y along `dim` by the trapezoid rule (one fewer element along dim).
 * @example torch.cumulativeTrapezoid(torch.tensor([1, 2, 3])) // [1.5, 4]
 */
export function cumulativeTrapezoid(y: Tensor, x?: Tensor | TrapezoidOptions | null, options?: TrapezoidOptions): Tensor {
  checkTensor(y, 'cumulative_trapezoid', 'y');
  if (y.dim() === 0) throw new Error(`Dimension specified as ${String((x instanceof Tensor ? options?.dim : (x as TrapezoidOptions | undefined)?.dim ?? options?.dim) ?? -1)} but tensor has no dimensions`);
  const { dim, dx } = trapezoidArgs('cumulative_trapezoid', y, x, options);
  const n = y.shape[dim];
  const left = y.narrow(dim, 0, Math.max(n - 1, 0));
  const right = y.narrow(dim, Math.min(1, n), Math.max(n - 1, 0));
  if (typeof dx === 'number') return left.add(right).mul(dx / 2).cumsum(dim);
  return left.add(right).mul(dx).cumsum(dim).div(2);
}

/** `trapezoid` under NumPy's old name. @example torch.trapz(y, x) */
export const trapz = trapezoid;
/** `cumulativeTrapezoid` under SciPy's old name. @example torch.cumtrapz(y) */
export const cumtrapz = cumulativeTrapezoid;

/** A tensor or number as `resultType` takes it. */
const operandOf = (v: Tensor | number): number | { dtype: typeof bool; dim: number } => (v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v);

/**
 * Whether each element of `elements` occurs in `testElements` (either may be a number);
 * `invert` negates. Sorted lookups, so memory stays linear in the inputs.
 * @example torch.isin(torch.tensor([1, 2, 3, 4]), torch.tensor([2, 4])) // [false, true, false, true]
 */
export function isin(elements: Tensor | number, testElements: Tensor | number, options: { assumeUnique?: boolean; invert?: boolean } = {}): Tensor {
  checkOptions(options, 'isin', ['assumeUnique', 'invert']);
  if (!(elements instanceof Tensor) && !(testElements instanceof Tensor)) throw new TypeError('isin(): expected elements or testElements to be a Tensor');
  const like = (elements instanceof Tensor ? elements : testElements) as Tensor;
  const dtype = resultType([operandOf(elements), operandOf(testElements)]);
  const e = (elements instanceof Tensor ? elements : tensor(elements, { device: like.device })).to(dtype);
  const t = (testElements instanceof Tensor ? testElements : tensor(testElements, { device: like.device })).to(dtype);
  return noGrad(() => {
    if (t.numel() === 0) return full(e.shape, options.invert ?? false, { dtype: bool, device: e.device });
    const sortedTest = t.reshape([-1]).sort().values;
    const flat = e.reshape([-1]);
    const at = searchsorted(sortedTest, flat).clamp(0, sortedTest.numel() - 1);
    let found = sortedTest.gather(0, at).eq(flat).reshape(e.shape);
    if (options.invert) found = found.logicalNot();
    return found;
  });
}

