/**
 * maximum, minimum and clamp: the ops whose gradient is decided by comparisons, with
 * PyTorch's rules where the comparison is a tie or involves a NaN.
 */
import { BinaryOp, UnaryOp } from '../native/enums.generated.js';
import { type Backward, record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { DType, resultType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { castKernel, unaryKernel } from './tensor-kernels.js';
import { div, eq, forward, ge, gradTo, gt, le, logicalAnd, logicalOr, lt, operand, where } from './elementwise.js';
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
  return record(out, name, [a, b], (node) => minmaxBackward(node.save(a), node.save(b), op === BinaryOp.Maximum, a._shape, a._dtype, b._shape, b._dtype));
}

/**
 * PyTorch's formula: ties split the gradient in half, the loser gets 0, and where a NaN
 * makes every comparison false both inputs get the whole gradient.
 */
function minmaxBackward(sa: () => Tensor, sb: () => Tensor, isMax: boolean, shapeA: number[], dtypeA: DType, shapeB: number[], dtypeB: DType): Backward {
  return (g) => {
    const x = sa();
    const y = sb();
    const half = where(eq(x, y), div(g, 2), g);
    return [
      gradTo(where(isMax ? lt(x, y) : gt(x, y), 0, half), shapeA, dtypeA),
      gradTo(where(isMax ? gt(x, y) : lt(x, y), 0, half), shapeB, dtypeB),
    ];
  };
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
  return record(out, 'ClampBackward0', [x, min, max], (node) =>
    clampTensorBackward(node.save(x), min === null ? null : node.save(min), max === null ? null : node.save(max), [
      node.next[0] === null ? null : { shape: x._shape, dtype: x._dtype },
      node.next[1] === null ? null : { shape: min!._shape, dtype: min!._dtype },
      node.next[2] === null ? null : { shape: max!._shape, dtype: max!._dtype },
    ]),
  );
}

type Wanted = { shape: number[]; dtype: DType } | null;

/** clamp with tensor bounds: each gradient where its operand decides the result (`wanted`: the inputs that need one). */
function clampTensorBackward(sx: () => Tensor, sMin: (() => Tensor) | null, sMax: (() => Tensor) | null, wanted: [Wanted, Wanted, Wanted]): Backward {
  const to = (grad: Tensor, w: Wanted): Tensor | null => (w === null ? null : gradTo(grad, w.shape, w.dtype));
  return (g) => {
    const self = sx();
    const mn = sMin === null ? null : sMin();
    const mx = sMax === null ? null : sMax();
    const [wx, wMin, wMax] = wanted;
    if (mn !== null && mx !== null) {
      return [
        wx && to(where(logicalAnd(ge(self, mn), le(self, mx)), g, 0), wx),
        wMin && to(where(logicalAnd(lt(self, mn), lt(mn, mx)), g, 0), wMin),
        wMax && to(where(logicalOr(gt(self, mx), lt(mx, mn)), g, 0), wMax),
      ];
    }
    if (mn !== null) return [wx && to(where(ge(self, mn), g, 0), wx), wMin && to(where(lt(self, mn), g, 0), wMin), null];
    return [wx && to(where(le(self, mx!), g, 0), wx), null, wMax && to(where(gt(self, mx!), g, 0), wMax)];
  };
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
  return record(out, 'ClampBackward1', [x], (node) => clampBackward(node.save(input), lo, hi, x._shape, x._dtype));
}

/** A select, not g * mask: an inf gradient outside the bounds gives 0, not NaN. */
function clampBackward(si: () => Tensor, lo: number | null, hi: number | null, shape: number[], dtype: DType): Backward {
  return (g) => {
    let mask = lo !== null ? ge(si(), lo) : null;
    if (hi !== null) mask = mask === null ? le(si(), hi) : logicalAnd(mask, le(si(), hi));
    return [gradTo(where(mask!, g, 0), shape, dtype)];
  };
}
