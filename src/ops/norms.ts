/**
 * Norms and moments: `norm`, `var`, `std`. Each has its own backward node with
 * PyTorch's formula (FunctionsManual.cpp's norm_backward, var_backward, std_backward),
 * which is where PyTorch's values at zeros, ties and zero spread come from: composing
 * sqrt/pow/abs would give NaN or inf there instead.
 */
import { ReduceOp } from '../native/enums.generated.js';
import { type Backward, record, renameGradFn } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { abs, add, div, eq, gt, logicalOr, mul, ne, pow, sign, sqrt, sub, where } from './elementwise.js';
import { type Dims, type ReduceOptions, mean, reduceDims, reduceRaw, sum } from './reduce.js';
import { toDtype, unsqueeze } from './shape.js';
import { checkBoolean, checkNumber, checkOptions, checkTensor, keysOf, toDTypeArg } from '../tensor/args.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { imagPart, realPart } from '../complex/parts.js';

/** Puts reduced dims back as size 1, so a reduced tensor broadcasts against the input. */
function keepDims(t: Tensor, dims: number[], keepdim: boolean, ndim: number): Tensor {
  if (keepdim || ndim === 0) return t;
  let out = t;
  for (const d of dims) out = unsqueeze(out, d);
  return out;
}

function reducedCount(x: Tensor, dims: number[]): number {
  let count = 1;
  for (const d of dims) count *= x._shape[d] ?? 1;
  return count;
}

/** The norm's value with no graph recorded (the backward below is PyTorch's own formula). */
function normForward(x: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  return noGrad(() => {
    if (reducedCount(x, dims) === 0) {
      // torch.norm gives 0 over an empty slice for every p (even inf and negative p).
      return sum(x, dims, keepdim);
    }
    if (p === 0) return toDtype(sum(ne(x, 0), dims, keepdim), x._dtype);
    if (p === 1) return sum(abs(x), dims, keepdim);
    if (p === 2) return sqrt(sum(mul(x, x), dims, keepdim));
    if (p === Infinity) return reduceRaw(ReduceOp.Max, abs(x), dims, keepdim, x._dtype);
    if (p === -Infinity) return reduceRaw(ReduceOp.Min, abs(x), dims, keepdim, x._dtype);
    return pow(sum(pow(abs(x), p), dims, keepdim), 1 / p);
  });
}

/** PyTorch's norm_backward: the gradient of `out = ||x||_p` over `dims`. */
function normBackward(g: Tensor, x: Tensor, out: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  const ndim = x._shape.length;
  const grad = keepDims(g, dims, keepdim, ndim);
  const norm = keepDims(out, dims, keepdim, ndim);
  const normIsZero = eq(norm, 0);
  if (p === 1) return mul(sign(x), grad);
  if (p === 2) return mul(grad, where(normIsZero, 0, div(x, norm)));
  if (p === Infinity || p === -Infinity) {
    // The gradient is shared evenly among the elements that attain the norm (ties), or
    // go to the NaNs that made it NaN; sign() is 0 at 0 and at NaN, as PyTorch's sgn.
    const ax = abs(x);
    const mask = logicalOr(eq(ax, norm), ne(ax, ax));
    const count = sum(mask, dims, true);
    return mul(sign(x), mul(div(grad, count), mask));
  }
  if (p < 1) {
    const scaled = where(eq(x, 0), 0, mul(sign(x), pow(abs(x), p - 1)));
    return mul(mul(scaled, grad), pow(norm, 1 - p));
  }
  const scaled = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
  return mul(scaled, where(normIsZero, 0, div(grad, pow(norm, p - 1))));
}

/** The `p` argument of `norm` (null and 'fro' mean 2). @example x.norm(Infinity) */
export type NormOrder = number | 'fro' | null;

/** Options of `norm` in PyTorch's keyword form. @example x.norm({ p: 1, dim: 0, keepdim: true }) */
export interface NormOptions extends ReduceOptions {
  p?: NormOrder;
}

const NORM_KEYS = keysOf<NormOptions>()('p', 'dim', 'keepdim', 'dtype');

/**
 * Vector p-norm over `dim` (default: all elements), as `torch.norm`: p = 2 ('fro'), 1,
 * any positive or negative real, 0 (the count of nonzeros), Infinity (max |x|) and
 * -Infinity (min |x|). Differentiable everywhere PyTorch is: the gradient is 0 where the
 * norm is 0, and ties of the inf norms share the gradient evenly; `p = 0` has no gradient.
 *
 * @example
 * x.norm(); x.norm(1); x.norm(2, 1, true); x.norm(Infinity); x.norm({ p: 0, dim: 1 })
 */
export function norm(x: Tensor, p: NormOrder | NormOptions = 'fro', dim?: Dims, keepdim = false): Tensor {
  if (autocastHook.active) return autocastOp('norm', norm, arguments);
  let order: NormOrder = p as NormOrder;
  let options: NormOptions = {};
  if (p !== null && typeof p === 'object') {
    options = p;
    order = options.p ?? 'fro';
    dim = options.dim;
    keepdim = options.keepdim ?? false;
  }
  if (order === null || order === 'fro') order = 2;
  if ((order as unknown) === 'nuc') throw new Error("norm(): p='nuc' (the nuclear norm) is not supported");
  if (typeof order === 'boolean') checkNumber(order, 'norm', 'p');
  if (typeof order !== 'number' || Number.isNaN(order)) {
    throw new Error(`norm(): expected p to be a number, Infinity, -Infinity or 'fro', but got ${String(order)}`);
  }
  checkOptions(options, 'norm', NORM_KEYS);
  const wanted = options.dtype === undefined ? undefined : toDTypeArg(options.dtype, 'norm');
  const input = wanted !== undefined && wanted !== x._dtype ? toDtype(x, wanted) : x;
  // A complex tensor's norms are its magnitudes' (a real result, as PyTorch's).
  if (input._dtype.isComplex) return renameGradFn(norm(abs(input), { ...options, p: order, dim, keepdim, dtype: undefined }), options.dtype !== undefined ? 'NormBackward3' : 'NormBackward1');
  if (!input._dtype.isFloatingPoint) {
    throw new Error(`norm(): input dtype should be either floating point or complex. Got ${scalarTypeName(input._dtype)} instead.`);
  }
  const dims = reduceDims(input, dim);
  const out = normForward(input, order, dims, keepdim);
  if (!gradEnabled() || !input._requiresGrad) return out;
  const q = order;
  return record(out, options.dtype !== undefined ? 'NormBackward3' : 'NormBackward1', [input], (node) =>
    // PyTorch gives the 0-"norm" no gradient at all (and saves nothing for it)
    q === 0 ? NO_GRADIENT : normNode(node.save(input), node.save(out), q, dims, keepdim),
  );
}

const NO_GRADIENT: Backward = () => [null];

function normNode(sx: () => Tensor, so: () => Tensor, p: number, dims: number[], keepdim: boolean): Backward {
  return (g) => [normBackward(g, sx(), so(), p, dims, keepdim)];
}

/** Options of var/std. @example x.std({ dim: 1, correction: 0, keepdim: true }) */
export interface VarOptions {
  dim?: Dims;
  keepdim?: boolean;
  /** Bessel's correction (default true), as `unbiased=`. */
  unbiased?: boolean;
  /** Degrees of freedom subtracted from N (overrides `unbiased`). */
  correction?: number;
}

interface Moments {
  dims: number[];
  keepdim: boolean;
  correction: number;
}

const VAR_KEYS = keysOf<VarOptions>()('dim', 'keepdim', 'unbiased', 'correction');

function momentArgs(fn: string, x: Tensor, dim?: Dims | VarOptions, options?: boolean | VarOptions, keepdimArg?: boolean): Moments {
  checkTensor(x, fn, 'input');
  let opts: VarOptions = {};
  let dims: Dims = undefined;
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
    checkOptions(dim, fn, VAR_KEYS);
    opts = dim;
  } else dims = dim as Dims;
  if (typeof options === 'boolean') opts = { ...opts, unbiased: options };
  else if (options !== undefined && options !== null) {
    checkOptions(options, fn, VAR_KEYS);
    opts = { ...opts, ...options };
  }
  if (keepdimArg !== undefined) opts.keepdim = keepdimArg;
  if (opts.dim !== undefined) dims = opts.dim;
  if (opts.unbiased !== undefined) checkBoolean(opts.unbiased, fn, 'unbiased');
  if (opts.correction !== undefined) checkNumber(opts.correction, fn, 'correction');
  if (opts.keepdim !== undefined) checkBoolean(opts.keepdim, fn, 'keepdim');
  if (!x._dtype.isFloatingPoint && !x._dtype.isComplex) {
    throw new Error(`std and var only support floating point and complex dtypes, but got ${scalarTypeName(x._dtype)}`);
  }
  return {
    dims: reduceDims(x, dims),
    keepdim: opts.keepdim ?? false,
    correction: opts.correction ?? (opts.unbiased === false ? 0 : 1),
  };
}

/** re² + im² of a complex tensor. */
function absSquared(z: Tensor): Tensor {
  const re = realPart(z);
  const im = imagPart(z);
  return add(mul(re, re), mul(im, im));
}

function varianceForward(x: Tensor, m: Moments): Tensor {
  return noGrad(() => {
    const centered = sub(x, mean(x, m.dims, true));
    // |x - mean|²: a complex tensor's variance is its parts' variances summed (real).
    const squares = x._dtype.isComplex ? absSquared(centered) : mul(centered, centered);
    // N - correction <= 0 divides by 0 (inf, or NaN for 0/0), as PyTorch's forward does.
    return div(sum(squares, m.dims, m.keepdim), Math.max(reducedCount(x, m.dims) - m.correction, 0));
  });
}

/**
 * PyTorch 1.13's var_backward: 2 (x - mean) / (N - correction). The divisor is not
 * clamped at 0 as the forward's is, so N < correction gives finite values as 1.13 does.
 */
function varianceBackward(g: Tensor, x: Tensor, m: Moments): Tensor {
  const grad = keepDims(g, m.dims, m.keepdim, x._shape.length);
  const dof = reducedCount(x, m.dims) - m.correction;
  return mul(mul(grad, 2 / dof), sub(x, mean(x, m.dims, true)));
}

/**
 * Variance with Bessel's correction by default, as `torch.var`.
 * @example x.var(); x.var(0, { unbiased: false }); x.var({ dim: 1, keepdim: true, correction: 0 })
 */
export function var_(x: Tensor, dim?: Dims | VarOptions, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
  const m = momentArgs('var', x, dim, options, keepdim);
  const out = varianceForward(x, m);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'VarBackward0', [x], (node) => {
    const sx = node.save(x);
    return (g) => [varianceBackward(g, sx(), m)];
  });
}

/**
 * Standard deviation, as `torch.std`. Where the deviation is 0 (constant input) the
 * gradient is 0, as PyTorch's, not the NaN that differentiating sqrt at 0 would give.
 * @example x.std(); x.std(1, { keepdim: true }); x.std({ unbiased: false })
 */
export function std(x: Tensor, dim?: Dims | VarOptions, options?: boolean | VarOptions, keepdim?: boolean): Tensor {
  const m = momentArgs('std', x, dim, options, keepdim);
  const out = noGrad(() => sqrt(varianceForward(x, m)));
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'StdBackward0', [x], (node) => {
    const sx = node.save(x);
    const so = node.save(out);
    return (g) => {
      const result = so();
      const gradVar = where(eq(result, 0), 0, div(g, mul(result, 2)));
      return [varianceBackward(gradVar, sx(), m)];
    };
  });
}

/**
 * The variance and the mean in one call (`torch.var_mean`), with var's arguments. Both outputs
 * carry PyTorch's grad_fn name, VarMeanBackward0.
 * @example const [v, m] = torch.varMean(x, 1, { keepdim: true });
 */
export function varMean(x: Tensor, dim?: Dims | VarOptions, options?: boolean | VarOptions, keepdim?: boolean): [Tensor, Tensor] {
  const m = momentArgs('var_mean', x, dim, options, keepdim);
  const v = var_(x, dim, options, keepdim);
  return [renameGradFn(v, 'VarMeanBackward0'), renameGradFn(mean(x, m.dims, m.keepdim), 'VarMeanBackward0')];
}

/**
 * The standard deviation and the mean in one call (`torch.std_mean`), with std's arguments.
 * @example const [s, m] = torch.stdMean(x, { dim: 0, unbiased: false });
 */
export function stdMean(x: Tensor, dim?: Dims | VarOptions, options?: boolean | VarOptions, keepdim?: boolean): [Tensor, Tensor] {
  const m = momentArgs('std_mean', x, dim, options, keepdim);
  const s = std(x, dim, options, keepdim);
  return [renameGradFn(s, 'StdMeanBackward0'), renameGradFn(mean(x, m.dims, m.keepdim), 'StdMeanBackward0')];
}

/**
 * Rescales each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`
 * (`torch.renorm`, PyTorch's `maxnorm / (norm + 1e-7)` factor); the others pass unchanged.
 * @example torch.renorm(torch.ones(3, 3), 1, 0, 2) // each row scaled to an L1 norm of 2
 */
export function renorm(x: Tensor, p: number, dim: number, maxnorm: number): Tensor {
  checkTensor(x, 'renorm', 'input');
  checkNumber(p, 'renorm', 'p');
  checkNumber(maxnorm, 'renorm', 'maxnorm');
  if (!(p > 0)) throw new Error(`renorm: non-positive-norm not supported`);
  if (!(maxnorm >= 0)) throw new Error(`renorm: expected maxnorm to be >= 0 but got ${maxnorm}`);
  if (x._shape.length <= 1) throw new Error(`renorm: input needs at least 2 dimensions, got ${x._shape.length} dimensions`);
  const kept = reduceDims(x, dim)[0]!;
  const others = x._shape.map((_, i) => i).filter((i) => i !== kept);
  const n = norm(x, p, others, true);
  const factor = where(gt(n, maxnorm), div(maxnorm, add(n, 1e-7)), 1);
  return renameGradFn(mul(x, factor), 'RenormBackward0');
}
