/**
 * Activation functions of `nn.functional` whose backward PyTorch defines on its own
 * (GELU, SiLU, LeakyReLU), plus thin re-exports of the Tensor ops that already exist.
 */
import { UnaryOp } from '../../native/enums.generated.js';
import { record } from '../../autograd/function.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { unaryKernel, unaryKernel_ } from '../../ops/tensor-kernels.js';
import { add, erf, exp, gt, mul, relu as reluOp, rsub, sigmoid, tanh, where } from '../../ops/elementwise.js';
import { relu_ } from '../../ops/inplace.js';
import { checkInplace } from '../../autograd/function.js';
import { defaultFloat } from '../../tensor/dtype.js';
import { activationGradKernel, castKernel } from '../../ops/tensor-kernels.js';
import { checkBoolean, checkChoice, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';

/**
 * `{ inplace }`, the option of relu and silu.
 * @example F.relu(x, { inplace: true })
 */
export interface InplaceOptions {
  inplace?: boolean;
}
const INPLACE_KEYS = keysOf<InplaceOptions>()('inplace');

/**
 * The options of leakyRelu, when given as one object.
 * @example F.leakyRelu(x, { negativeSlope: 0.2 })
 */
export interface LeakyReluOptions {
  negativeSlope?: number;
  inplace?: boolean;
}
const LEAKY_RELU_KEYS = keysOf<LeakyReluOptions>()('negativeSlope', 'inplace');

/**
 * The options of gelu.
 * @example F.gelu(x, { approximate: 'tanh' })
 */
export interface GeluOptions {
  approximate?: 'none' | 'tanh';
}
/**
 * @internal
 * @example checkOptions(options, 'gelu', GELU_KEYS)
 */
export const GELU_KEYS = keysOf<GeluOptions>()('approximate');

/**
 * `inplace` from an options object (or a bare boolean), checked and naming `fn`. @internal
 * @example inplaceOf({ inplace: true }, 'relu') // true
 */
export function inplaceOf(options: InplaceOptions | boolean | undefined, fn: string): boolean {
  if (typeof options === 'boolean') return options;
  checkOptions(options, fn, INPLACE_KEYS);
  const inplace = options?.inplace ?? false;
  checkBoolean(inplace, fn, 'inplace');
  return inplace;
}

export { softmax, logSoftmax } from '../../ops/softmax.js';
export { sigmoid, tanh } from '../../ops/elementwise.js';

function floatOf(x: Tensor): Tensor {
  return x.dtype.isFloatingPoint ? x : castKernel(x, defaultFloat);
}

/**
 * `max(x, 0)`; `{ inplace: true }` writes into `x`.
 * @example F.relu(x); F.relu(x, { inplace: true })
 */
export function relu(x: Tensor, options?: InplaceOptions | boolean): Tensor {
  checkTensor(x, 'relu', 'input');
  const inplace = options === undefined ? false : inplaceOf(options, 'relu');
  return inplace ? relu_(x) : reluOp(x);
}

/**
 * LeakyReLU: `x` where positive, `negativeSlope * x` elsewhere.
 * @example F.leakyRelu(x, 0.2)
 */
export function leakyRelu(x: Tensor, negativeSlope: number | LeakyReluOptions = 0.01, inplace = false): Tensor {
  checkTensor(x, 'leakyRelu', 'input');
  let slope: unknown = negativeSlope;
  let inPlace: unknown = inplace;
  if (negativeSlope !== null && typeof negativeSlope === 'object') {
    checkOptions(negativeSlope, 'leakyRelu', LEAKY_RELU_KEYS);
    slope = negativeSlope.negativeSlope ?? 0.01;
    inPlace = negativeSlope.inplace ?? false;
  }
  checkNumber(slope, 'leakyRelu', 'negativeSlope');
  checkBoolean(inPlace, 'leakyRelu', 'inplace');
  if (inPlace) {
    checkInplace(x);
    unaryKernel_(UnaryOp.LeakyRelu, x, slope);
    x._version.value++;
    return x;
  }
  const out = unaryKernel(UnaryOp.LeakyRelu, x, slope);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'LeakyReluBackward0', [x], (node) => {
    const saved = node.save(x);
    // g * slope in g's dtype: a where() of two numbers would round the slope to float32.
    return (g) => [where(gt(saved(), 0), g, mul(g, slope))];
  });
}

/**
 * GELU, exact (`x * Φ(x)`) or with `approximate: 'tanh'`.
 * @example F.gelu(x); F.gelu(x, { approximate: 'tanh' })
 */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  checkTensor(x, 'gelu', 'input');
  checkOptions(options, 'gelu', GELU_KEYS);
  const approximate = options?.approximate ?? 'none';
  if (typeof approximate === 'string' && approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`approximate argument must be either none or tanh.`);
  }
  checkChoice(approximate, 'gelu', 'approximate', ['none', 'tanh'] as const);
  const input = floatOf(x);
  const out = unaryKernel(approximate === 'tanh' ? UnaryOp.GeluTanh : UnaryOp.Gelu, input);
  if (!gradEnabled() || !x._requiresGrad) return out;
  const op = approximate === 'tanh' ? UnaryOp.GeluTanh : UnaryOp.Gelu;
  return record(out, 'GeluBackward0', [x], (node) => {
    const saved = node.save(input);
    // One native pass (PyTorch's GeluBackward kernel); composite ops only when the
    // backward itself is recorded (create_graph), so that gelu stays twice differentiable.
    return (g) => [gradEnabled() ? geluGradComposite(g, saved(), approximate) : activationGradKernel(op, g, saved(), 0, 0)];
  });
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** gelu's gradient as differentiable ops: g * (Φ(x) + x φ(x)), or the tanh form's derivative. */
function geluGradComposite(g: Tensor, v: Tensor, approximate: 'none' | 'tanh'): Tensor {
  if (approximate === 'none') {
    const cdf = mul(add(erf(mul(v, SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(v, v), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(v, pdf)));
  }
  const t = tanh(mul(add(v, mul(mul(mul(v, v), v), 0.044715)), SQRT_2_OVER_PI));
  const dInner = mul(add(mul(mul(v, v), 3 * 0.044715), 1), SQRT_2_OVER_PI);
  const left = mul(add(t, 1), 0.5);
  const right = mul(mul(mul(v, 0.5), rsub(mul(t, t), 1)), dInner);
  return mul(g, add(left, right));
}

/**
 * SiLU (swish): `x * sigmoid(x)`.
 * @example F.silu(x)
 */
export function silu(x: Tensor, options?: InplaceOptions): Tensor {
  checkTensor(x, 'silu', 'input');
  const inplace = options === undefined ? false : inplaceOf(options, 'silu');
  const input = floatOf(x);
  if (inplace) {
    checkInplace(x);
    unaryKernel_(UnaryOp.Silu, x);
    x._version.value++;
    return x;
  }
  const out = unaryKernel(UnaryOp.Silu, input);
  if (!gradEnabled() || !x._requiresGrad) return out;
  return record(out, 'SiluBackward0', [x], (node) => {
    const saved = node.save(input);
    return (g) => {
      const v = saved();
      const s = sigmoid(v);
      return [mul(g, mul(s, add(mul(v, rsub(s, 1)), 1)))];
    };
  });
}
