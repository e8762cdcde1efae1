/**
 * One-sided clamps (clampMin, clampMax) and the closeness tests (isclose, allclose,
 * equal), as PyTorch's.
 */
import { UnaryOp } from '../native/enums.generated.js';
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled, noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';
import { DType, defaultFloat, resultType, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { argumentError, checkBoolean, checkNumber, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { castKernel, unaryKernel } from './tensor-kernels.js';
import { abs, clamp, eq, ge, gradTo, gt, le, logicalAnd, logicalOr, lt, mul, ne, operand, sub, where } from './elementwise.js';
import { all } from './reduce.js';

function as(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype ? x : castKernel(x, dtype);
}

function oneSided(fn: 'clampMin' | 'clampMax', x: Tensor, bound: number | Tensor): Tensor {
  checkTensor(x, fn, 'input');
  const isMin = fn === 'clampMin';
  const name = isMin ? 'min' : 'max';
  if (!(bound instanceof Tensor)) {
    if (typeof bound !== 'number') throw argumentError(fn, name, 'a number or a Tensor', bound);
    const dtype = resultType([operand(x), bound]);
    const input = as(x, dtype);
    const out = unaryKernel(UnaryOp.Clamp, input, isMin ? bound : NaN, isMin ? NaN : bound);
    if (!gradEnabled() || !x._requiresGrad) return out;
    return record(out, isMin ? 'ClampMinBackward0' : 'ClampMaxBackward0', [x], (node) =>
      clampScalarBackward(node.save(input), bound, isMin, x._shape, x._dtype),
    );
  }
  const out = tidy(() => noGrad(() => (isMin ? clamp(x, bound, null) : clamp(x, null, bound))));
  if (!gradEnabled() || !(x._requiresGrad || bound._requiresGrad)) return out;
  const mx = { shape: x._shape, dtype: x._dtype };
  const mb = { shape: bound._shape, dtype: bound._dtype };
  return record(out, isMin ? 'ClampMinBackward1' : 'ClampMaxBackward1', [x, bound], (node) => {
    const sx = node.save(x);
    const sb = node.save(bound);
    return (g) => {
      // PyTorch's: the input keeps the gradient where it is on the kept side (ties included).
      const keep = isMin ? ge(sx(), sb()) : le(sx(), sb());
      const beyond = isMin ? lt(sx(), sb()) : gt(sx(), sb());
      return [gradTo(where(keep, g, 0), mx.shape, mx.dtype), gradTo(where(beyond, g, 0), mb.shape, mb.dtype)];
    };
  });
}

function clampScalarBackward(si: () => Tensor, bound: number, isMin: boolean, shape: number[], dtype: DType): Backward {
  return (g) => [gradTo(where(isMin ? ge(si(), bound) : le(si(), bound), g, 0), shape, dtype)];
}

/**
 * `max(x, min)`, NaN passing through; `min` is a number or a tensor (broadcast).
 * @example x.clampMin(0); torch.clampMin(x, lo)
 */
export function clampMin(x: Tensor, min: number | Tensor): Tensor {
  return oneSided('clampMin', x, min);
}

/**
 * `min(x, max)`, NaN passing through; `max` is a number or a tensor (broadcast).
 * @example x.clampMax(1); torch.clampMax(x, hi)
 */
export function clampMax(x: Tensor, max: number | Tensor): Tensor {
  return oneSided('clampMax', x, max);
}

// ---- closeness ---------------------------------------------------------------------------

/**
 * The tolerances of isclose and allclose, when given as one object.
 * @example torch.isclose(a, b, { rtol: 1e-3, equalNan: true })
 */
export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}
const CLOSE_KEYS = keysOf<CloseOptions>()('rtol', 'atol', 'equalNan');

function tolerances(fn: string, rtol: number | CloseOptions | undefined, atol: number | undefined, equalNan: boolean | undefined): Required<CloseOptions> {
  if (rtol !== null && typeof rtol === 'object') {
    checkOptions(rtol, fn, CLOSE_KEYS);
    return tolerances(fn, rtol.rtol, rtol.atol, rtol.equalNan);
  }
  const r = rtol ?? 1e-5;
  const a = atol ?? 1e-8;
  const e = equalNan ?? false;
  checkNumber(r, fn, 'rtol');
  checkNumber(a, fn, 'atol');
  checkBoolean(e, fn, 'equalNan');
  if (r < 0) throw new Error(`rtol must be greater than or equal to zero, but got ${r}`);
  if (a < 0) throw new Error(`atol must be greater than or equal to zero, but got ${a}`);
  return { rtol: r, atol: a, equalNan: e };
}

/**
 * Elementwise `|a - b| <= atol + rtol * |b|` (bool), with equal infinities close and, with
 * `equalNan`, NaN close to NaN. The dtypes must match, as in PyTorch.
 * @example torch.isclose(a, b); torch.isclose(a, b, 1e-3, 1e-6, true); a.isclose(b, { equalNan: true })
 */
export function isclose(a: Tensor, b: Tensor, rtol?: number | CloseOptions, atol?: number, equalNan?: boolean): Tensor {
  checkTensor(a, 'isclose', 'input');
  checkTensor(b, 'isclose', 'other');
  const tol = tolerances('isclose', rtol, atol, equalNan);
  if (a._dtype !== b._dtype) throw new Error(`${scalarTypeName(a._dtype)} did not match ${scalarTypeName(b._dtype)}`);
  return tidy(() =>
    noGrad(() => {
      let close = eq(a, b);
      if (tol.equalNan && (a._dtype.isFloatingPoint || a._dtype.isComplex)) close = logicalOr(close, logicalAnd(ne(a, a), ne(b, b)));
      if (tol.rtol === 0 && tol.atol === 0) return close;
      const dtype = a._dtype.isFloatingPoint || a._dtype.isComplex ? a._dtype : defaultFloat;
      const fa = as(a, dtype);
      const fb = as(b, dtype);
      const actual = abs(sub(fa, fb));
      const allowed = tol.rtol === 0 ? null : abs(mul(fb, tol.rtol));
      // Finite errors only: inf - inf (NaN) and inf vs finite are settled by the equality above.
      const within = allowed === null ? le(actual, tol.atol) : le(actual, allowed.add(tol.atol));
      return logicalOr(close, logicalAnd(lt(actual, Infinity), within));
    }),
  );
}

/**
 * Whether every element of `a` is close to `b`'s (isclose, then all).
 * @example torch.allclose(a, b); torch.allclose(a, b, { atol: 1e-6 })
 */
export function allclose(a: Tensor, b: Tensor, rtol?: number | CloseOptions, atol?: number, equalNan?: boolean): boolean {
  checkTensor(a, 'allclose', 'input');
  checkTensor(b, 'allclose', 'other');
  return tidy(() => Boolean(all(isclose(a, b, rtol, atol, equalNan)).item()));
}

/**
 * Whether `a` and `b` have the same shape and equal elements (NaN is never equal).
 * @example torch.equal(a, b)
 */
export function equal(a: Tensor, b: Tensor): boolean {
  checkTensor(a, 'equal', 'input');
  checkTensor(b, 'equal', 'other');
  if (!sameShape(a._shape, b._shape)) return false;
  return tidy(() => Boolean(all(noGrad(() => eq(a, b))).item()));
}

/** fmax and fmin: the larger (smaller) of two values, the non-NaN one where one is NaN. */
function nanIgnoring(fn: 'fmax' | 'fmin', a: Tensor, b: Tensor): Tensor {
  checkTensor(a, fn, 'input');
  checkTensor(b, fn, 'other');
  // Where `a` wins: a >= b (a <= b for fmin), or b is NaN (ne(b, b)).
  const aWins = (x: Tensor, y: Tensor): Tensor => logicalOr(fn === 'fmax' ? ge(x, y) : le(x, y), ne(y, y));
  const out = noGrad(() => {
    const dtype = resultType([operand(a), operand(b)]);
    return where(aWins(a, b), as(a, dtype), as(b, dtype));
  });
  if (!gradEnabled() || !(a._requiresGrad || b._requiresGrad)) return out;
  const ma = { shape: a._shape, dtype: a._dtype };
  const mb = { shape: b._shape, dtype: b._dtype };
  return record(out, fn === 'fmax' ? 'FmaxBackward0' : 'FminBackward0', [a, b], (node) => {
    const sa = node.save(a);
    const sb = node.save(b);
    return (g) => {
      const wins = aWins(sa(), sb());
      return [gradTo(where(wins, g, 0), ma.shape, ma.dtype), gradTo(where(wins, 0, g), mb.shape, mb.dtype)];
    };
  });
}

/**
 * The elementwise maximum that ignores NaN (`torch.fmax`): NaN only where both are NaN.
 * @example torch.fmax(torch.tensor([1, NaN, NaN]), torch.tensor([2, 3, NaN])) // tensor([2., 3., nan])
 */
export function fmax(input: Tensor, other: Tensor): Tensor {
  return nanIgnoring('fmax', input, other);
}

/**
 * The elementwise minimum that ignores NaN (`torch.fmin`).
 * @example torch.fmin(torch.tensor([1, NaN]), torch.tensor([2, 3])) // tensor([1., 3.])
 */
export function fmin(input: Tensor, other: Tensor): Tensor {
  return nanIgnoring('fmin', input, other);
}
