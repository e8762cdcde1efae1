/**
 * The activations of `nn.functional` beyond relu/gelu/silu: softplus, elu, selu, celu,
 * hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, hardshrink, softshrink and
 * threshold run one native kernel forward and one backward (flint/rules/unary.h and
 * activation_grad.h; with createGraph, the backward is composed so that it is differentiable); softsign, tanhshrink, glu and prelu are compositions, as PyTorch's.
 */
import { UnaryOp } from '../../native/enums.generated.js';
import { record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory/storage.js';
import { scalarTypeName } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { argumentError, checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor } from '../../tensor/args.js';
import { activationGradKernel, unaryKernel } from '../../ops/tensor-kernels.js';
import { abs, add, div, exp, ge, gradTo, gt, le, logicalAnd, logicalOr, lt, mul, neg, rsub, sigmoid, sub, tanh, where } from '../../ops/elementwise.js';
import { cat, narrow, reshape, toDtype } from '../../ops/shape.js';
import { unaryInplace } from '../../ops/inplace-math.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/** PyTorch's error for an integer tensor given to a float-only activation kernel. */
function notForIntegers(x: Tensor, kernel: string): Error {
  return new Error(`"${kernel}_${x.device.type}" not implemented for '${scalarTypeName(x._dtype)}'`);
}

/** PyTorch's kernel names, which its dtype errors quote, where they differ from the function's. */
const KERNEL_NAMES: Record<string, string> = { selu: 'elu', celu: 'elu', logsigmoid: 'log_sigmoid' };

/**
 * One activation: its kernel forward, `name` as grad_fn with the kernel backward, or in
 * place on `x`. The backward runs native kernels, so it is differentiable once.
 */
function activation(x: Tensor, fn: string, op: UnaryOp, name: string, p0: number, p1: number, inplace: boolean): Tensor {
  checkTensor(x, fn, 'input');
  // threshold and hardtanh (relu6) keep integer dtypes, as PyTorch's; the others refuse them.
  const takesIntegers = op === UnaryOp.Threshold || op === UnaryOp.Hardtanh;
  if (!x._dtype.isFloatingPoint && !takesIntegers) {
    throw notForIntegers(x, KERNEL_NAMES[fn] ?? fn);
  }
  if (inplace) return unaryInplace(x, `${fn}_`, op, (t) => activation(t, fn, op, name, p0, p1, false), false, p0, p1);
  const input = x;
  const out = unaryKernel(op, input, p0, p1);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, name, [x], (node) => {
    const saved = node.save(input);
    // createGraph: the same gradient from differentiable ops, so that it has a gradient too.
    return (g) => [gradEnabled() ? composedGrad(op, g, saved(), p0, p1) : activationGradKernel(op, g, saved(), p0, p1)];
  });
}

/** The rules of flint/rules/activation_grad.h as a graph (double backward). */
function composedGrad(op: UnaryOp, g: Tensor, x: Tensor, p0: number, p1: number): Tensor {
  switch (op) {
    case UnaryOp.Softplus:
      return where(gt(mul(x, p0), p1), g, mul(g, sigmoid(mul(x, p0))));
    case UnaryOp.Elu:
      return where(le(x, 0), mul(g, mul(exp(x), p0)), g);
    case UnaryOp.Selu:
      return where(le(x, 0), mul(g, mul(exp(x), SELU_ALPHA * SELU_SCALE)), mul(g, SELU_SCALE));
    case UnaryOp.Celu:
      return where(le(x, 0), mul(g, exp(div(x, p0))), g);
    case UnaryOp.Hardsigmoid:
      return where(logicalAnd(gt(x, -3), lt(x, 3)), mul(g, Math.fround(1 / 6)), 0);
    case UnaryOp.Hardswish:
      return where(lt(x, -3), 0, where(lt(x, 3), mul(g, add(div(x, 3), 0.5)), g));
    case UnaryOp.Mish: {
      const t = tanh(softplus(x));
      return mul(g, add(t, mul(mul(x, sigmoid(x)), rsub(mul(t, t), 1))));
    }
    case UnaryOp.LogSigmoid:
      return mul(g, sigmoid(neg(x)));
    case UnaryOp.Hardshrink:
    case UnaryOp.Softshrink:
      return where(logicalAnd(ge(x, -p0), le(x, p0)), 0, g);
    case UnaryOp.Threshold:
      return where(le(x, p0), 0, g);
    case UnaryOp.Hardtanh:
      return where(logicalOr(le(x, p0), ge(x, p1)), 0, g);
    default:
      throw new Error(`internal: no activation gradient for unary op ${op}`);
  }
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Reads PyTorch's positional arguments, or one options object in their place. */
function argsOf<T extends Record<string, unknown>>(fn: string, names: (keyof T & string)[], defaults: T, given: unknown[]): T {
  const first = given[0];
  const values: Record<string, unknown> = { ...defaults };
  if (first !== null && typeof first === 'object' && !(first instanceof Tensor)) {
    if (given.slice(1).some((v) => v !== undefined)) throw new TypeError(`${fn}(): an options object must be the last argument`);
    checkOptions(first, fn, names);
    for (const k of names) if ((first as Record<string, unknown>)[k] !== undefined) values[k] = (first as Record<string, unknown>)[k];
  } else {
    given.forEach((v, i) => {
      if (v !== undefined) values[names[i]] = v;
    });
  }
  for (const k of names) {
    if (typeof defaults[k] === 'boolean') checkBoolean(values[k], fn, k);
    else checkNumber(values[k], fn, k);
  }
  return values as T;
}

/**
 * The options of softplus.
 * @example F.softplus(x, { beta: 2 })
 */
export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}
/**
 * `log(1 + exp(beta * x)) / beta`, linear where `beta * x > threshold`.
 * @example F.softplus(x); F.softplus(x, 2, 10); F.softplus(x, { beta: 2 })
 */
export function softplus(x: Tensor, beta?: number | SoftplusOptions, threshold?: number): Tensor {
  if (autocastHook.active) return autocastOp('softplus', softplus, arguments);
  const a = argsOf('softplus', ['beta', 'threshold'], { beta: 1, threshold: 20 }, [beta, threshold]);
  return activation(x, 'softplus', UnaryOp.Softplus, 'SoftplusBackward0', a.beta, a.threshold, false);
}

/**
 * The options of elu and celu.
 * @example F.elu(x, { alpha: 0.5, inplace: true })
 */
export interface AlphaInplaceOptions {
  alpha?: number;
  inplace?: boolean;
}
/**
 * ELU: `x` above 0, `alpha * (exp(x) - 1)` below.
 * @example F.elu(x); F.elu(x, 1.0, true); F.elu(x, { alpha: 0.5 })
 */
export function elu(x: Tensor, alpha?: number | AlphaInplaceOptions, inplace?: boolean): Tensor {
  const a = argsOf('elu', ['alpha', 'inplace'], { alpha: 1, inplace: false }, [alpha, inplace]);
  return activation(x, 'elu', UnaryOp.Elu, 'EluBackward0', a.alpha, NaN, a.inplace);
}
/** `F.elu(x, alpha, true)`. @example F.elu_(x) */
export function elu_(x: Tensor, alpha = 1): Tensor {
  return elu(x, alpha, true);
}

/**
 * The `inplace` option alone (selu, relu6, hardsigmoid, hardswish, mish).
 * @example F.selu(x, { inplace: true })
 */
export interface InplaceOnly {
  inplace?: boolean;
}
/**
 * SELU: `scale * elu(x, alpha)` with PyTorch's fixed constants.
 * @example F.selu(x); F.selu(x, true)
 */
export function selu(x: Tensor, inplace?: boolean | InplaceOnly): Tensor {
  const a = argsOf('selu', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'selu', UnaryOp.Selu, 'EluBackward0', NaN, NaN, a.inplace);
}

/** `F.selu(x, true)`. @example F.selu_(x) */
export function selu_(x: Tensor): Tensor {
  return selu(x, true);
}

/**
 * CELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`.
 * @example F.celu(x, 2.0)
 */
export function celu(x: Tensor, alpha?: number | AlphaInplaceOptions, inplace?: boolean): Tensor {
  const a = argsOf('celu', ['alpha', 'inplace'], { alpha: 1, inplace: false }, [alpha, inplace]);
  if (a.alpha === 0) throw new Error('ZeroDivisionError: float division by zero');
  return activation(x, 'celu', UnaryOp.Celu, 'CeluBackward0', a.alpha, NaN, a.inplace);
}

/** `F.celu(x, alpha, true)`. @example F.celu_(x, 2) */
export function celu_(x: Tensor, alpha = 1): Tensor {
  return celu(x, alpha, true);
}

/**
 * The options of hardtanh.
 * @example F.hardtanh(x, { minVal: -2, maxVal: 2 })
 */
export interface HardtanhOptions {
  minVal?: number;
  maxVal?: number;
  inplace?: boolean;
}
/**
 * Clamps to [minVal, maxVal] (-1 and 1); the gradient is 0 at and beyond the bounds.
 * @example F.hardtanh(x); F.hardtanh(x, -2, 2); F.hardtanh(x, { maxVal: 6, inplace: true })
 */
export function hardtanh(x: Tensor, minVal?: number | HardtanhOptions, maxVal?: number, inplace?: boolean): Tensor {
  const a = argsOf('hardtanh', ['minVal', 'maxVal', 'inplace'], { minVal: -1, maxVal: 1, inplace: false }, [minVal, maxVal, inplace]);
  return activation(x, 'hardtanh', UnaryOp.Hardtanh, 'HardtanhBackward0', a.minVal, a.maxVal, a.inplace);
}
/** `F.hardtanh(x, minVal, maxVal, true)`. @example F.hardtanh_(x, 0, 1) */
export function hardtanh_(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return hardtanh(x, minVal, maxVal, true);
}

/**
 * `hardtanh(x, 0, 6)`.
 * @example F.relu6(x)
 */
export function relu6(x: Tensor, inplace?: boolean | InplaceOnly): Tensor {
  const a = argsOf('relu6', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'relu6', UnaryOp.Hardtanh, 'HardtanhBackward0', 0, 6, a.inplace);
}

/**
 * `relu6(x + 3) / 6`.
 * @example F.hardsigmoid(x)
 */
export function hardsigmoid(x: Tensor, inplace?: boolean | InplaceOnly): Tensor {
  const a = argsOf('hardsigmoid', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'hardsigmoid', UnaryOp.Hardsigmoid, 'HardsigmoidBackward0', NaN, NaN, a.inplace);
}

/**
 * `x * relu6(x + 3) / 6`.
 * @example F.hardswish(x)
 */
export function hardswish(x: Tensor, inplace?: boolean | InplaceOnly): Tensor {
  const a = argsOf('hardswish', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'hardswish', UnaryOp.Hardswish, 'HardswishBackward0', NaN, NaN, a.inplace);
}

/**
 * `x * tanh(softplus(x))`.
 * @example F.mish(x)
 */
export function mish(x: Tensor, inplace?: boolean | InplaceOnly): Tensor {
  const a = argsOf('mish', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'mish', UnaryOp.Mish, 'MishBackward0', NaN, NaN, a.inplace);
}

/**
 * `log(sigmoid(x))`, stable for large |x|.
 * @example F.logsigmoid(x)
 */
export function logsigmoid(x: Tensor): Tensor {
  return activation(x, 'logsigmoid', UnaryOp.LogSigmoid, 'LogSigmoidBackward0', NaN, NaN, false);
}

/**
 * `x` where `|x| > lambd`, else 0.
 * @example F.hardshrink(x, 0.5)
 */
export function hardshrink(x: Tensor, lambd?: number | { lambd?: number }): Tensor {
  const a = argsOf('hardshrink', ['lambd'], { lambd: 0.5 }, [lambd]);
  return activation(x, 'hardshrink', UnaryOp.Hardshrink, 'HardshrinkBackward0', a.lambd, NaN, false);
}

/**
 * `x - lambd` above `lambd`, `x + lambd` below `-lambd`, else 0.
 * @example F.softshrink(x, 0.5)
 */
export function softshrink(x: Tensor, lambd?: number | { lambd?: number }): Tensor {
  const a = argsOf('softshrink', ['lambd'], { lambd: 0.5 }, [lambd]);
  if (a.lambd < 0) throw new Error(`lambda must be greater or equal to 0, but found to be ${a.lambd}.`);
  return activation(x, 'softshrink', UnaryOp.Softshrink, 'SoftshrinkBackward0', a.lambd, NaN, false);
}

/**
 * `value` where `x <= threshold`, else `x`.
 * @example F.threshold(x, 0.1, 20); F.threshold(x, 0, 0, true)
 */
export function threshold(x: Tensor, threshold: number, value: number, inplace?: boolean): Tensor {
  checkNumber(threshold, 'threshold', 'threshold');
  checkNumber(value, 'threshold', 'value');
  const a = argsOf('threshold', ['inplace'], { inplace: false }, [inplace]);
  return activation(x, 'threshold', UnaryOp.Threshold, 'ThresholdBackward0', threshold, value, a.inplace);
}
/** `F.threshold(x, threshold, value, true)`. @example F.threshold_(x, 0, 0) */
export function threshold_(x: Tensor, thresholdValue: number, value: number): Tensor {
  return threshold(x, thresholdValue, value, true);
}

/**
 * `x / (1 + |x|)` (a composition, as PyTorch's, so its grad_fn is DivBackward0).
 * @example F.softsign(x)
 */
export function softsign(x: Tensor): Tensor {
  checkTensor(x, 'softsign', 'input');
  return div(x, add(abs(x), 1));
}

/**
 * `x - tanh(x)` (SubBackward0, as PyTorch's composition).
 * @example F.tanhshrink(x)
 */
export function tanhshrink(x: Tensor): Tensor {
  checkTensor(x, 'tanhshrink', 'input');
  return sub(x, tanh(x));
}

/**
 * Gated linear unit: `a * sigmoid(b)` for the two halves of `x` along `dim` (-1).
 * @example F.glu(x); F.glu(x, 1)
 */
export function glu(x: Tensor, dim = -1): Tensor {
  checkTensor(x, 'glu', 'input');
  checkInteger(dim, 'glu', 'dim');
  const ndim = x._shape.length;
  if (ndim === 0) throw new Error('glu does not support scalars because halving size must be even');
  if (dim < -ndim || dim >= ndim) {
    throw new Error(`Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  }
  const d = dim < 0 ? dim + ndim : dim;
  const size = x._shape[d];
  if (size % 2 !== 0) throw new Error(`Halving dimension must be even, but dimension ${d} is size ${size}`);
  const half = size / 2;
  if (!x._dtype.isFloatingPoint) throw notForIntegers(x, 'glu');
  const input = x;
  const out = tidy(() => noGrad(() => mul(narrow(input, d, 0, half), sigmoid(narrow(input, d, half, half)))));
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'GluBackward0', [x], (node) => {
    const saved = node.save(input);
    const dtype = x._dtype;
    return (g) => {
      const v = saved();
      const a = narrow(v, d, 0, half);
      const s = sigmoid(narrow(v, d, half, half));
      const gradA = mul(g, s);
      const gradB = mul(mul(gradA, a), rsub(s, 1));
      return [toDtype(cat([gradA, gradB], d), dtype)];
    };
  });
}

/**
 * PReLU: `x` where positive, `weight * x` elsewhere; `weight` has one element or one per
 * channel (dim 1).
 * @example F.prelu(x, torch.tensor([0.25]))
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('prelu', prelu, arguments);
  checkTensor(x, 'prelu', 'input');
  checkTensor(weight, 'prelu', 'weight');
  if (!x._dtype.isFloatingPoint) throw notForIntegers(x, 'prelu');
  const channels = x._shape.length >= 2 ? x._shape[1] : 1;
  const count = weight.numel();
  if (count !== 1 && count !== channels) {
    throw new Error(`Mismatch of parameter numbers and input channel size. Found parameter numbers = ${count} and channel size = ${channels}.`);
  }
  if (weight._shape.length > 1) throw argumentError('prelu', 'weight', 'a tensor of 0 or 1 dims', weight);
  // The weight lines up with dim 1: [C, 1, ..., 1] broadcasts against [N, C, ...].
  const wShape = count === 1 ? [1] : [channels, ...x._shape.slice(2).map(() => 1)];
  const out = tidy(() =>
    noGrad(() => {
      const w = reshape(weight, wShape);
      return where(gt(x, 0), x, mul(w, x));
    }),
  );
  if (!gradEnabled() || !(x._requiresGrad || weight._requiresGrad)) return out;
  const mx = { shape: x._shape, dtype: x._dtype };
  const mw = { shape: weight._shape, dtype: weight._dtype };
  return record(out, 'PreluBackward0', [x, weight], (node) => {
    const sx = node.save(x);
    const sw = node.save(weight);
    return (g) => {
      const v = sx();
      const positive = gt(v, 0);
      const w = reshape(sw(), wShape);
      const gradX = where(positive, g, mul(w, g));
      const gradW = reshape(gradTo(where(positive, 0, mul(v, g)), wShape, mw.dtype), mw.shape.slice());
      return [gradTo(gradX, mx.shape, mx.dtype), gradW];
    };
  });
}
