/**
 * maximum, minimum and clamp: the ops whose gradient is decided by comparisons, with
 * PyTorch's rules where the comparison is a tie or involves a NaN.
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { DType, resultType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { castKernel, unaryKernel } from './tensor-kernels.js';
import { div, eq, forward, ge, gradFor, gt, le, logicalAnd, logicalOr, lt, operand, where } from './elementwise.js';
import { scalarLike } from './internal-tensors.js';
import { checkTensor } from '../tensor/args.js';
import { checkBound, checkClampOptions } from './arguments.js';

function as(x: Tensor, dtype: DType): Tensor {
  return x._dtype === dtype ? x : castKernel(x, dtype);
}

/**
 * Elementwise max, NaN-propagating. Ties split the gradient in half.
 * @example torch.maximum(a, b)
 */
export function maximum(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, 'maximum', 'other');
  return minmax('maximum', a, b, BinaryOp.Maximum, 'MaximumBackward0');
}

/**
 * Elementwise min, NaN-propagating. Ties split the gradient in half.
 * @example torch.minimum(a, b)
 */
export function minimum(a: Tensor, b: Tensor): Tensor {
  checkTensor(b, 'minimum', 'other');
  return minmax('minimum', a, b, BinaryOp.Minimum, 'MinimumBackward0');
}

function minmax(fn: string, a: Tensor, b: Tensor, op: BinaryOp, name: string): Tensor {
  const out = forward(fn, op, a, b, false);
  return record(out, name, [a, b], (node) => {
    const sa = node.save(a);
    const sb = node.save(b);
    return (g) => {
      // PyTorch's formula: ties split the gradient in half, the loser gets 0, and where a
      // NaN makes every comparison false both inputs get the whole gradient.
      const x = sa();
      const y = sb();
      const half = where(eq(x, y), div(g, 2), g);
      const isMax = op === BinaryOp.Maximum;
      return [
        gradFor(where(isMax ? lt(x, y) : gt(x, y), 0, half), a),
        gradFor(where(isMax ? gt(x, y) : lt(x, y), 0, half), b),
      ];
    };
  });
}

/** A bound of clamp. */
type Bound = number | Tensor | null;

/**
 * clamp with a tensor bound (ClampBackward0): `min(max(x, lo), hi)`. At a bound the input
 * keeps the gradient and the bound gets none; where lo > hi the result is hi and only hi
 * gets the gradient (PyTorch's clamp_backward_min_max).
 */
function clampTensor(x: Tensor, lo: Bound, hi: Bound): Tensor {
  const min = lo === null ? null : lo instanceof Tensor ? lo : scalarLike(lo, x);
  const max = hi === null ? null : hi instanceof Tensor ? hi : scalarLike(hi, x);
  const out = noGrad(() => {
    let r = x;
    if (min !== null) r = maximum(r, min);
    if (max !== null) r = minimum(r, max);
    return r === x ? x.clone() : r;
  });
  return record(out, 'ClampBackward0', [x, min, max], (node) => {
    const sx = node.save(x);
    const sMin = min === null ? null : node.save(min);
    const sMax = max === null ? null : node.save(max);
    return (g) => {
      const self = sx();
      const mn = sMin?.() ?? null;
      const mx = sMax?.() ?? null;
      if (mn !== null && mx !== null) {
        return [
          x._requiresGrad ? gradFor(where(logicalAnd(ge(self, mn), le(self, mx)), g, 0), x) : null,
          min!._requiresGrad ? gradFor(where(logicalAnd(lt(self, mn), lt(mn, mx)), g, 0), min!) : null,
          max!._requiresGrad ? gradFor(where(logicalOr(gt(self, mx), lt(mx, mn)), g, 0), max!) : null,
        ];
      }
      if (mn !== null) {
        return [
          x._requiresGrad ? gradFor(where(ge(self, mn), g, 0), x) : null,
          min!._requiresGrad ? gradFor(where(lt(self, mn), g, 0), min!) : null,
          null,
        ];
      }
      return [
        x._requiresGrad ? gradFor(where(le(self, mx!), g, 0), x) : null,
        null,
        max!._requiresGrad ? gradFor(where(gt(self, mx!), g, 0), max!) : null,
      ];
    };
  });
}

/**
 * Clamps into [min, max]; either bound may be null. Tensor bounds broadcast. The gradient
 * passes where the input is inside the bounds or exactly at one (PyTorch's subgradient 1),
 * and is 0 outside and at NaN.
 * @example x.clamp(0, 1); x.clamp(null, 6); x.clamp({ min: 0 }); x.clamp(lo, hi)
 */
export function clamp(
  x: Tensor,
  min?: Bound | { min?: Bound; max?: Bound },
  max?: Bound,
): Tensor {
  checkTensor(x, 'clamp', 'input');
  if (min !== null && typeof min === 'object' && !(min instanceof Tensor)) {
    checkClampOptions(min);
    max = min.max ?? null;
    min = min.min ?? null;
  }
  const lo = (min ?? null) as Bound;
  const hi = max ?? null;
  checkBound(lo, 'min');
  checkBound(hi, 'max');
  if (lo === null && hi === null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (lo instanceof Tensor || hi instanceof Tensor) return clampTensor(x, lo, hi);
  const dtype = resultType([operand(x), ...(lo !== null ? [lo] : []), ...(hi !== null ? [hi] : [])]);
  const input = as(x, dtype);
  const out = unaryKernel(UnaryOp.Clamp, input, lo ?? NaN, hi ?? NaN);
  return record(out, 'ClampBackward1', [x], (node) => {
    const si = node.save(input);
    return (g) => {
      let mask = lo !== null ? ge(si(), lo) : null;
      if (hi !== null) mask = mask === null ? le(si(), hi) : logicalAnd(mask, le(si(), hi));
      // A select, not g * mask: an inf gradient outside the bounds gives 0, not NaN.
      return [gradFor(where(mask!, g, 0), x)];
    };
  });
}
