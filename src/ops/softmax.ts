/**
 * softmax and logSoftmax: one fused native kernel each way (max, exp, sum and scale in
 * one pass per row), as PyTorch's SoftmaxBackward0 / LogSoftmaxBackward0.
 */
import { type Backward, record } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { DType, float32, float64, scalarTypeName } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { castKernel } from './tensor-kernels.js';
import { softmaxBackwardKernel, softmaxKernel } from './fused-kernels.js';
import { contiguous } from './shape.js';
import { checkInteger, checkOptions, checkTensor, keysOf, toDTypeArg } from '../tensor/args.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';

/** Options of softmax-like functions: the dtype to compute and return in (or its name). */
export interface SoftmaxOptions {
  dtype?: DType | string | null;
}
const SOFTMAX_KEYS = keysOf<SoftmaxOptions>()('dtype');
/** PyTorch's keyword form, `F.log_softmax(x, dim=1)`: the dim inside the options. */
export interface SoftmaxDimOptions extends SoftmaxOptions {
  dim: number;
}
const SOFTMAX_DIM_KEYS = keysOf<SoftmaxDimOptions>()('dim', 'dtype');

function softmaxLike(x: Tensor, dimOrOptions: number | SoftmaxDimOptions, log: boolean, options: SoftmaxOptions | undefined): Tensor {
  const name = log ? 'log_softmax' : 'softmax';
  const fn = log ? 'logSoftmax' : 'softmax';
  checkTensor(x, fn, 'input');
  let dim = dimOrOptions as number;
  if (typeof dimOrOptions === 'object' && dimOrOptions !== null && options === undefined) {
    checkOptions(dimOrOptions, fn, SOFTMAX_DIM_KEYS);
    ({ dim, ...options } = dimOrOptions);
  }
  if (dim === undefined) throw new TypeError(`${name}() missing required argument 'dim'`);
  checkInteger(dim, fn, 'dim');
  let want: DType | undefined;
  if (options !== undefined) {
    checkOptions(options, fn, SOFTMAX_KEYS);
    if (options?.dtype !== undefined && options?.dtype !== null) want = toDTypeArg(options.dtype, fn);
  }
  const d = normalizeDim(dim, Math.max(x._shape.length, 1));
  const input = want !== undefined && want !== x._dtype ? castKernel(x, want) : x;
  const dtype = input._dtype;
  if (!dtype.isFloatingPoint) {
    throw new Error(`"${name}_lastdim_kernel_impl" not implemented for '${scalarTypeName(dtype)}'`);
  }
  // float16/bfloat16 compute in float32 and come back, as PyTorch's CPU kernels accumulate.
  const compute = dtype === float32 || dtype === float64 ? contiguous(input) : castKernel(input, float32);
  let out = softmaxKernel(compute, d, log);
  for (const temporary of new Set([input, compute])) if (temporary !== x) temporary.dispose();
  if (out._dtype !== dtype) {
    const cast = castKernel(out, dtype);
    out.dispose();
    out = cast;
  }
  if (!gradEnabled() || !x._requiresGrad) return out;
  // The output is saved, as PyTorch's (Log)SoftmaxBackward0; of the input only its dtype is kept.
  return record(out, log ? 'LogSoftmaxBackward0' : 'SoftmaxBackward0', [x], (node) => softmaxBackward(node.save(out), d, log, x._dtype));
}

function softmaxBackward(saved: () => Tensor, d: number, log: boolean, inputDtype: DType): Backward {
  return (g) => {
    const y = saved();
    // Recording (backward with createGraph): the same formula from differentiable ops, so
    // that the gradient has a history through g and through y (whose node leads to x).
    if (gradEnabled()) return [differentiableBackward(g, y, d, log, inputDtype)];
    // float16/bfloat16 outputs are widened, as the forward computed them in float32.
    const wide = y._dtype === float32 || y._dtype === float64 ? y : castKernel(y, float32);
    const grad = contiguous(g._dtype === wide._dtype ? g : castKernel(g, wide._dtype));
    const gradient = softmaxBackwardKernel(grad, wide, d, log);
    if (grad !== g) grad.dispose();
    if (wide !== y) wide.dispose();
    if (gradient._dtype === inputDtype) return [gradient];
    const cast = castKernel(gradient, inputDtype);
    gradient.dispose();
    return [cast];
  };
}

/** PyTorch's softmax_backward_data / log_softmax_backward_data, written with recorded ops. */
function differentiableBackward(g: Tensor, y: Tensor, d: number, log: boolean, inputDtype: DType): Tensor {
  const grad = g._dtype === y._dtype ? g : g.to(y._dtype);
  const gradient = log ? grad.sub(y.exp().mul(grad.sum(d, true))) : y.mul(grad.sub(grad.mul(y).sum(d, true)));
  return gradient._dtype === inputDtype ? gradient : gradient.to(inputDtype);
}

/**
 * `softmax(x, dim)`: exp(x) / sum(exp(x)) along `dim` (also `softmax(x, { dim })`).
 * @example torch.softmax(torch.tensor([[1, 2, 3]]).float(), -1)
 */
export function softmax(x: Tensor, dim: number | SoftmaxDimOptions, options?: SoftmaxOptions): Tensor {
  if (autocastHook.active) return autocastOp('softmax', softmax, arguments);
  return softmaxLike(x, dim, false, options);
}

/**
 * `logSoftmax(x, dim)`: x - log(sum(exp(x))) along `dim`, computed stably in one pass
 * (also `logSoftmax(x, { dim })`, PyTorch's `dim=` keyword).
 * @example F.logSoftmax(logits, { dim: 1 })
 */
export function logSoftmax(x: Tensor, dim: number | SoftmaxDimOptions, options?: SoftmaxOptions): Tensor {
  if (autocastHook.active) return autocastOp('logSoftmax', logSoftmax, arguments);
  return softmaxLike(x, dim, true, options);
}
