/**
 * softmin, gumbelSoftmax and rrelu / rrelu_ of `nn.functional`, composed from flint's ops as
 * PyTorch 1.13 composes them. The random parts draw from the generator exactly as PyTorch's
 * CPU kernels do (gumbelSoftmax through `exponential_`, rrelu one double uniform per
 * non-positive element, in order), so a seeded run gives PyTorch's numbers.
 */
import { renameGradFn } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { freeIntermediates } from '../../memory/storage.js';
import { DType, float64, scalarTypeName } from '../../tensor/dtype.js';
import { emptyLike, tensor, zerosLike } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { add, div, log, mul, neg, sub } from '../../ops/elementwise.js';
import { uniform_ } from '../../ops/fill.js';
import { rebase } from '../../ops/inplace.js';
import { max } from '../../ops/reduce.js';
import { scatter_ } from '../../ops/indexing.js';
import { detach, toDtype } from '../../ops/shape.js';
import { softmax } from '../../ops/softmax.js';
import { exponential_ } from '../../random/sampling.js';
import { implicitDim } from '../layers/activation.js';
import { leakyRelu } from './activation.js';
import { bindArgs } from './pooling-args.js';

// Python's default warning filter shows a warning once per call site; these have one each.
const warned = new Set<string>();
function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}

/**
 * Options of softmin: PyTorch's `dim=` and `dtype=` keywords.
 * @example F.softmin(x, { dim: 1, dtype: torch.float64 })
 */
export interface SoftminOptions {
  dim?: number | null;
  dtype?: DType | string | null;
}
const SOFTMIN_KEYS = keysOf<SoftminOptions>()('dim', 'dtype');

/**
 * `softmax(-input, dim)`, computed in `dtype` when one is given. Without a dim, PyTorch's
 * legacy choice (0 for 0-, 1- and 3-D inputs, else 1), with its deprecation warning.
 * @example F.softmin(x, 1); F.softmin(x, 1, { dtype: torch.float64 }); F.softmin(x, { dim: -1 })
 */
export function softmin(input: Tensor, dim?: number | null | SoftminOptions, options?: SoftminOptions): Tensor {
  checkTensor(input, 'softmin', 'input');
  let opts: SoftminOptions = {};
  if (dim !== null && typeof dim === 'object') {
    if (options !== undefined) throw new TypeError('softmin(): an options object must be the last argument');
    opts = dim;
  } else {
    checkOptions(options, 'softmin', SOFTMIN_KEYS.filter((k) => k !== 'dim'));
    opts = { ...options, dim };
  }
  checkOptions(opts, 'softmin', SOFTMIN_KEYS);
  let d = opts.dim ?? null;
  if (d === null) {
    warn('Implicit dimension choice for softmin has been deprecated. Change the call to include dim=X as an argument.');
    d = implicitDim(input);
  }
  checkInteger(d, 'softmin', 'dim');
  const dtype = opts.dtype ?? null;
  return freeIntermediates(() => softmax(neg(input), d, dtype === null ? undefined : { dtype }));
}

/**
 * Options of gumbelSoftmax (PyTorch's keywords; `eps` is deprecated there and has no effect).
 * @example F.gumbelSoftmax(logits, { tau: 0.5, hard: true })
 */
export interface GumbelSoftmaxOptions {
  tau?: number;
  hard?: boolean;
  eps?: number;
  dim?: number;
}
const GUMBEL_NAMES = keysOf<GumbelSoftmaxOptions>()('tau', 'hard', 'eps', 'dim');

/**
 * A sample of the Gumbel-softmax (concrete) distribution: `softmax((logits + g) / tau, dim)`
 * with `g = -log(Exp(1))` noise drawn as PyTorch draws it. With `hard`, the one-hot of the
 * sample's argmax, whose gradient is the soft sample's (straight-through).
 * @example F.gumbelSoftmax(logits); F.gumbelSoftmax(logits, { tau: 0.5, hard: true, dim: 1 })
 */
export function gumbelSoftmax(
  logits: Tensor,
  tau?: number | GumbelSoftmaxOptions,
  hard?: boolean | GumbelSoftmaxOptions,
  eps?: number | GumbelSoftmaxOptions,
  dim?: number | GumbelSoftmaxOptions,
): Tensor {
  checkTensor(logits, 'gumbelSoftmax', 'logits');
  const a = bindArgs('gumbelSoftmax', [tau, hard, eps, dim], GUMBEL_NAMES);
  const t = a.tau ?? 1;
  const isHard = a.hard ?? false;
  const e = a.eps ?? 1e-10;
  const d = a.dim ?? -1;
  checkNumber(t, 'gumbelSoftmax', 'tau');
  checkBoolean(isHard, 'gumbelSoftmax', 'hard');
  checkNumber(e, 'gumbelSoftmax', 'eps');
  checkInteger(d, 'gumbelSoftmax', 'dim');
  if (e !== 1e-10) warn('`eps` parameter is deprecated and has no effect.');
  return freeIntermediates(() => {
    const gumbels = noGrad(() => neg(log(exponential_(emptyLike(logits)))));
    const ySoft = softmax(div(add(logits, gumbels), t), d);
    if (!isHard) return ySoft;
    const index = noGrad(() => max(ySoft, d, true)[1]);
    const yHard = scatter_(zerosLike(logits), d, index, 1);
    // Straight-through: the value is the one-hot, the gradient the soft sample's.
    return add(sub(yHard, detach(ySoft)), ySoft);
  });
}

/**
 * Options of rrelu: PyTorch's keywords.
 * @example F.rrelu(x, { lower: 0.1, upper: 0.3, training: true })
 */
export interface RReluOptions {
  lower?: number;
  upper?: number;
  training?: boolean;
  inplace?: boolean;
}
const RRELU_NAMES = keysOf<RReluOptions>()('lower', 'upper', 'training', 'inplace');

interface RReluArgs {
  lower: number;
  upper: number;
  training: boolean;
  inplace: boolean;
}

function rreluArgs(fn: string, input: unknown, given: unknown[], names: readonly string[]): RReluArgs {
  checkTensor(input, fn, 'input');
  const a = bindArgs(fn, given, names);
  const r = { lower: a.lower ?? 1 / 8, upper: a.upper ?? 1 / 3, training: a.training ?? false, inplace: a.inplace ?? false };
  checkNumber(r.lower, fn, 'lower');
  checkNumber(r.upper, fn, 'upper');
  checkBoolean(r.training, fn, 'training');
  checkBoolean(r.inplace, fn, 'inplace');
  if (r.lower > r.upper) throw new Error('Lower bound should be less than or equal to the upper bound');
  return r as RReluArgs;
}

/**
 * The slope of each element in training mode, as PyTorch's rrelu_with_noise kernel draws
 * them: walking the elements in order, one `U(lower, upper)` double per element `<= 0`
 * (the bounds and the draw rounded to float below float64), 1 elsewhere.
 */
function drawNoise(x: Tensor, lower: number, upper: number): Tensor {
  return noGrad(() => {
    const values = toDtype(x, float64).contiguous();
    const data = (values.dataSync() as Float64Array).slice();
    if (values !== x) values.dispose();
    let negatives = 0;
    for (const v of data) if (v <= 0) negatives++;
    const round = x.dtype === float64 ? (v: number) => v : Math.fround;
    const draws = uniform_(tensor(new Float64Array(negatives), { dtype: float64 }), round(lower), round(upper));
    const slopes = draws.dataSync() as Float64Array;
    let next = 0;
    for (let i = 0; i < data.length; i++) data[i] = data[i] <= 0 ? round(slopes[next++]) : 1;
    draws.dispose();
    const noise = tensor(data, { dtype: float64, device: x.device }).reshape([...x.shape]);
    if (x.dtype === float64) return noise;
    const cast = toDtype(noise, x.dtype);
    noise.dispose();
    return cast;
  });
}

function rreluOutOfPlace(x: Tensor, r: RReluArgs, gradFn: string): Tensor {
  if (!x.dtype.isFloatingPoint) {
    const kernel = r.training ? 'rrelu_with_noise_out' : 'leaky_relu';
    throw new Error(`"${kernel}_${x.device.type}" not implemented for '${scalarTypeName(x.dtype)}'`);
  }
  if (!r.training) return renameGradFn(leakyRelu(x, (r.lower + r.upper) / 2), gradFn);
  // The slopes are what the backward multiplies by (RreluWithNoiseBackward's `noise`).
  return freeIntermediates(() => renameGradFn(mul(x, drawNoise(x, r.lower, r.upper)), gradFn));
}

/**
 * Randomized leaky ReLU. In training, each element `<= 0` is scaled by its own slope drawn
 * from `U(lower, upper)` (PyTorch's random stream); otherwise the slope is `(lower + upper) / 2`.
 * @example F.rrelu(x); F.rrelu(x, 0.1, 0.3, true); F.rrelu(x, { training: net.training })
 */
export function rrelu(
  input: Tensor,
  lower?: number | RReluOptions,
  upper?: number | RReluOptions,
  training?: boolean | RReluOptions,
  inplace?: boolean | RReluOptions,
): Tensor {
  const r = rreluArgs('rrelu', input, [lower, upper, training, inplace], RRELU_NAMES);
  if (r.inplace) return rrelu_(input, r.lower, r.upper, r.training);
  return rreluOutOfPlace(input, r, 'RreluWithNoiseBackward0');
}

/**
 * `F.rrelu` in place: writes into and returns `input`.
 * @example F.rrelu_(x, 0.1, 0.3, true)
 */
export function rrelu_(
  input: Tensor,
  lower?: number | Omit<RReluOptions, 'inplace'>,
  upper?: number | Omit<RReluOptions, 'inplace'>,
  training?: boolean | Omit<RReluOptions, 'inplace'>,
): Tensor {
  const r = rreluArgs('rrelu_', input, [lower, upper, training], RRELU_NAMES.filter((k) => k !== 'inplace'));
  return rebase(input, (current) => rreluOutOfPlace(current, r, 'RreluWithNoiseBackward1'));
}
