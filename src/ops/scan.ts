/**
 * Cumulative scans along a dim: cumsum, cumprod, cummax, cummin and logcumsumexp, on the
 * native row scan (`call.scan`), each with PyTorch's backward.
 */
import { record } from '../autograd/function.js';
import * as call from '../native/calls.generated.js';
import { ScanOp } from '../native/enums.generated.js';
import { fresh } from '../native/meta.js';
import { DType, float64, int64, scalarTypeName } from '../tensor/dtype.js';
import { fromArray } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { checkOptions, checkTensor, toDTypeArg } from '../tensor/args.js';
import { abs, add, div, eq, exp, gt, log, logicalAnd, lt, mul, sub, where } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { toDtype } from './shape.js';
import { castBack, dimOf, fromRows, releaseRows, rowDtype, rowsView, selectedBackward, toRows } from './rows.js';
import { valuesIndices, type ValuesIndices } from './reduce.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { noGrad } from '../autograd/grad-mode.js';
import { complex, imagPart, realPart } from '../complex/parts.js';

/** The scan of `x` along `d` in the row kernels' dtype, and cummax/cummin's indices. */
function scanRaw(op: ScanOp, x: Tensor, d: number, dtype: DType): [Tensor, Tensor | null] {
  const r = toRows(x, d, dtype);
  const withIndices = op === ScanOp.Max || op === ScanOp.Min;
  const [oh, ih] = call.scan(op, fresh(dtype, [r.rows, r.cols]), withIndices ? fresh(int64, [r.rows, r.cols]) : null, rowsView(r));
  releaseRows(x, r);
  return [fromRows(oh, x, r, dtype), ih ? fromRows(ih, x, r, int64) : null];
}

/** `t` reversed along `d` (PyTorch's flip), differentiable. */
function flip(t: Tensor, d: number): Tensor {
  if (t._shape.length === 0) return t;
  const n = t._shape[d];
  const order = new Float64Array(n).map((_, i) => n - 1 - i);
  return indexSelect(t, d, fromArray(order, float64, [n], int64, t.device));
}

/** Sums from each position to the end of `d`. */
function reversedCumsum(t: Tensor, d: number): Tensor {
  return flip(cumsum(flip(t, d), d), d);
}

/**
 * The options of `cumsum` and `cumprod`.
 * @example x.cumsum(0, { dtype: torch.float64 })
 */
export interface CumOptions {
  dtype?: DType | string;
}

/** The input cast to an explicit dtype, and the dtype the result has. */
function cumInput(x: Tensor, fn: string, options: CumOptions | undefined): [Tensor, DType] {
  checkOptions(options, fn, ['dtype']);
  const dtype = options?.dtype !== undefined && options.dtype !== null ? toDTypeArg(options.dtype, fn) : undefined;
  const input = dtype !== undefined && dtype !== x._dtype ? toDtype(x, dtype) : x;
  return [input, input._dtype.isFloatingPoint ? input._dtype : int64];
}

/**
 * `torch.cumsum`: running sums along `dim`. Integer and bool inputs sum to int64; float32
 * accumulates in double, as PyTorch's CPU does.
 * @example torch.cumsum(x, 0); x.cumsum(-1, { dtype: torch.float64 })
 */
export function cumsum(x: Tensor, dim: number, options?: CumOptions): Tensor {
  if (autocastHook.active) return autocastOp('cumsum', cumsum, arguments);
  checkTensor(x, 'cumsum', 'input');
  const d = dimOf(x, dim, 'cumsum');
  // Complex in and out: the parts' sums. (A complex input cast to a real dtype takes the real
  // path below, whose cast keeps the real parts with PyTorch's warning.)
  const target = options?.dtype !== undefined ? toDTypeArg(options.dtype, 'cumsum') : x._dtype;
  if (target.isComplex) return complexCumsum(x, d, options);
  const [input, outDtype] = cumInput(x, 'cumsum', options);
  const [raw] = scanRaw(ScanOp.Sum, input, d, rowDtype(outDtype));
  const out = castBack(raw, outDtype);
  const inputDtype = input._dtype;
  return record(out, 'CumsumBackward0', [input], () => (g) => [toDtype(reversedCumsum(g, d), inputDtype)]);
}

/** cumsum of a complex tensor: its parts' running sums (the sum is linear in them). */
function complexCumsum(x: Tensor, d: number, options?: CumOptions): Tensor {
  const input = options?.dtype !== undefined ? toDtype(x, toDTypeArg(options.dtype, 'cumsum')) : x;
  const out = noGrad(() => complex(cumsum(realPart(input), d), cumsum(imagPart(input), d)));
  const inputDtype = input._dtype;
  return record(out, 'CumsumBackward0', [input], () => (g) => [toDtype(reversedCumsum(g, d), inputDtype)]);
}

/**
 * `torch.cumprod`: running products along `dim`, with PyTorch's gradient where the input
 * has zeros (the first zero of a slice gets the product of the others; later ones get 0).
 * @example torch.cumprod(x, 1)
 */
export function cumprod(x: Tensor, dim: number, options?: CumOptions): Tensor {
  if (autocastHook.active) return autocastOp('cumprod', cumprod, arguments);
  checkTensor(x, 'cumprod', 'input');
  const d = dimOf(x, dim, 'cumprod');
  const [input, outDtype] = cumInput(x, 'cumprod', options);
  const [raw] = scanRaw(ScanOp.Prod, input, d, rowDtype(outDtype));
  const out = castBack(raw, outDtype);
  return record(out, 'CumprodBackward0', [input], (node) => {
    const sx = node.save(input);
    const so = node.save(out);
    return (g) => [cumprodBackward(g, sx(), so(), d)];
  });
}

function cumprodBackward(g: Tensor, input: Tensor, out: Tensor, d: number): Tensor {
  if (input._shape.length === 0) return g;
  const isZero = eq(input, 0);
  const zerosSoFar = cumsum(isZero, d);
  // Before a slice's first zero, d out_j / d x_i = out_j / x_i.
  const beforeZero = eq(zerosSoFar, 0);
  const safe = where(isZero, 1, input);
  const plain = div(reversedCumsum(mul(g, out), d), safe);
  // At the first zero, out_j / x_k is the product of the others: cumprod with x_k as 1.
  const firstZero = logicalAnd(isZero, eq(zerosSoFar, 1));
  const others = cumprod(where(firstZero, 1, input), d);
  const atZero = reversedCumsum(mul(g, others), d);
  return where(beforeZero, plain, where(firstZero, atZero, 0));
}

function cumExtreme(x: Tensor, dim: number, isMax: boolean): ValuesIndices {
  const fn = isMax ? 'cummax' : 'cummin';
  checkTensor(x, fn, 'input');
  const d = dimOf(x, dim, fn);
  const [raw, indices] = scanRaw(isMax ? ScanOp.Max : ScanOp.Min, x, d, rowDtype(x._dtype));
  const values = castBack(raw, x._dtype);
  const shape = x._shape.slice();
  record(values, isMax ? 'CummaxBackward0' : 'CumminBackward0', [x], (node) => {
    const si = node.save(indices!);
    return (g) => [selectedBackward(g, si(), shape, d, true, true)];
  });
  return valuesIndices(values, indices!);
}

/**
 * `torch.cummax`: the running maximum along `dim` and where it was found (the later
 * index on ties; NaN propagates).
 * @example const { values, indices } = torch.cummax(x, 0)
 */
export function cummax(x: Tensor, dim: number): ValuesIndices {
  return cumExtreme(x, dim, true);
}

/**
 * `torch.cummin`: the running minimum along `dim` and where it was found.
 * @example const [values, indices] = x.cummin(1)
 */
export function cummin(x: Tensor, dim: number): ValuesIndices {
  return cumExtreme(x, dim, false);
}

/**
 * `torch.logcumsumexp`: `log(cumsum(exp(x)))` along `dim`, without overflow. Floating
 * inputs only, as in PyTorch.
 * @example torch.logcumsumexp(x, 0)
 */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'logcumsumexp', 'input');
  const d = dimOf(x, dim, 'logcumsumexp');
  if (!x._dtype.isFloatingPoint) throw new Error(`"logcumsumexp_out_cpu" not implemented for '${scalarTypeName(x._dtype)}'`);
  const [raw] = scanRaw(ScanOp.LogSumExp, x, d, rowDtype(x._dtype));
  const out = castBack(raw, x._dtype);
  return record(out, 'LogcumsumexpBackward0', [x], (node) => {
    const sx = node.save(x);
    const so = node.save(out);
    return (g) => [logcumsumexpBackward(g, sx(), so(), d)];
  });
}

/**
 * PyTorch's logcumsumexp_backward: grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log
 * space separately for the positive and the negative parts of the gradient.
 */
function logcumsumexpBackward(g: Tensor, input: Tensor, out: Tensor, d: number): Tensor {
  if (input._shape.length === 0) return g;
  const lowest = input._dtype === float64 ? -Number.MAX_VALUE : -3.4028234663852886e38;
  const logAbs = log(abs(g));
  const reversed = (t: Tensor) => flip(logcumsumexp(flip(t, d), d), d);
  const part = (mask: Tensor) => exp(add(reversed(sub(where(mask, logAbs, lowest), out)), input));
  return sub(part(gt(g, 0)), part(lt(g, 0)));
}
