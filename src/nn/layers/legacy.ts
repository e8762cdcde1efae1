/**
 * Legacy layers PyTorch 1.13 still exports and old scripts still build: `nn.CrossMapLRN2d`
 * (Lua Torch's SpatialCrossMapLRN, with its own autograd Function in
 * torch/nn/modules/_functions.py) and `nn.NLLLoss2d` (NLLLoss under its deprecated name).
 */
import { Function, type FunctionCtx } from '../../autograd/function-api.js';
import { addcmul } from '../../ops/binary-math.js';
import { stack } from '../../ops/shape.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkNumber, checkSize, checkTensor } from '../../tensor/args.js';
import type { NllLossOptions } from '../functional/loss.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import { NLLLoss } from './loss.js';

interface LRNCtx extends FunctionCtx {
  size: number;
  alpha: number;
  beta: number;
  k: number;
  scale: Tensor;
}

/**
 * PyTorch's `_functions.CrossMapLRN2d`, kept to its running-sum recurrences: they do not
 * give a symmetric window once the channels outnumber `(size + 1) / 2` (channel 0 is never
 * taken out of the sum), so the forward differs from LocalResponseNorm's there, and the
 * backward is its own formula rather than the forward's derivative. Both are reproduced
 * because checkpoints and scripts built on this layer expect those numbers.
 */
const CrossMapLRN2dFunction = class extends Function {
  static override forward(ctx: FunctionCtx, input: Tensor, size: number, alpha: number, beta: number, k: number): Tensor {
    const c = ctx as LRNCtx;
    Object.assign(c, { size, alpha, beta, k });
    const channels = input.shape[1];
    const square = input.pow(2);
    const prePad = Math.trunc((size - 1) / 2 + 1);
    const prePadCrop = Math.min(prePad, channels);
    let current = zeros([input.shape[0], input.shape[2], input.shape[3]], { dtype: input.dtype, device: input.device });
    for (let ch = 0; ch < prePadCrop; ch++) current = current.add(square.select(1, ch));
    const scales = [current];
    for (let ch = 1; ch < channels; ch++) {
      if (ch < channels - prePad + 1) current = current.add(square.select(1, ch + prePad - 1));
      if (ch > prePad) current = current.sub(square.select(1, ch - prePad));
      scales.push(current);
    }
    c.scale = stack(scales, 1).mul(alpha / size).add(k);
    const output = c.scale.pow(-beta).mul(input);
    ctx.saveForBackward(input, output);
    return output;
  }

  static override backward(ctx: FunctionCtx, gradOutput: Tensor): (Tensor | null)[] {
    const c = ctx as LRNCtx;
    const [input, output] = ctx.savedTensors as Tensor[];
    const [batch, channels, height, width] = input.shape;
    const cacheRatioValue = (2 * c.alpha * c.beta) / c.size;
    const inversePrePad = Math.trunc(c.size - (c.size - 1) / 2);
    const paddedChannels = channels + c.size - 1;
    if (inversePrePad + channels > paddedChannels) {
      throw new Error(`start (${inversePrePad}) + length (${channels}) exceeds dimension size (${paddedChannels}).`);
    }
    const base = c.scale.pow(-c.beta).mul(gradOutput);
    const ratio = gradOutput.mul(output).div(c.scale);
    const padded = zeros([batch, paddedChannels, height, width], { dtype: input.dtype, device: input.device });
    padded.narrow(1, inversePrePad, channels).copy_(ratio);
    let accum = padded.narrow(1, 0, c.size - 1).sum(1);
    const grads: Tensor[] = [];
    for (let ch = 0; ch < channels; ch++) {
      accum = accum.add(padded.select(1, ch + c.size - 1));
      grads.push(addcmul(base.select(1, ch), input.select(1, ch), accum, { value: -cacheRatioValue }));
      accum = accum.sub(padded.select(1, ch));
    }
    return [stack(grads, 1), null, null, null, null];
  }
};
// Its node is `CrossMapLRN2dBackward`, as PyTorch's; set by hand because bundlers rename a
// class expression that shares the module class's name.
Object.defineProperty(CrossMapLRN2dFunction, 'name', { value: 'CrossMapLRN2d' });

/**
 * `nn.CrossMapLRN2d`: the legacy local response normalization over channels of a 4-D
 * (N, C, H, W) input, `x / (k + alpha / size * sum of x^2 over nearby channels)^beta`,
 * with PyTorch 1.13's own forward and backward (see CrossMapLRN2dFunction). New code should
 * use `nn.LocalResponseNorm`.
 * @example new nn.CrossMapLRN2d(3, 1e-4, 0.75, 1)(torch.randn(2, 4, 5, 5))
 */
export class CrossMapLRN2d extends Module {
  size: number;
  alpha: number;
  beta: number;
  k: number;
  constructor(size: number, alpha = 1e-4, beta = 0.75, k = 1) {
    super();
    checkSize(size, 'CrossMapLRN2d', 'size');
    checkNumber(alpha, 'CrossMapLRN2d', 'alpha');
    checkNumber(beta, 'CrossMapLRN2d', 'beta');
    checkNumber(k, 'CrossMapLRN2d', 'k');
    this.size = size;
    this.alpha = alpha;
    this.beta = beta;
    this.k = k;
  }
  override forward(input: Tensor): Tensor {
    checkTensor(input, 'CrossMapLRN2d', 'input');
    // PyTorch asserts this with a bare AssertionError; the message says what it checks.
    if (input.dim() !== 4) throw new Error(`CrossMapLRN2d: expected a 4-D input (N, C, H, W), but got a ${input.dim()}-D input`);
    return CrossMapLRN2dFunction.apply(input, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyRepr(this.alpha)}, beta=${pyRepr(this.beta)}, k=${pyRepr(this.k)}`;
  }
}

const NLL2D_WARNING =
  'NLLLoss2d has been deprecated. Please use NLLLoss instead as a drop-in replacement and see https://pytorch.org/docs/master/nn.html#torch.nn.NLLLoss for more details.';
let warnedNLL2d = false;

/**
 * `nn.NLLLoss2d`: PyTorch's deprecated name for NLLLoss (which takes (N, C, H, W) input
 * itself); it warns once, as Python's default filter shows the warning once.
 * @example new nn.NLLLoss2d()(F.logSoftmax(torch.randn(2, 3, 4, 4), 1), torch.randint(0, 3, [2, 4, 4]))
 */
export class NLLLoss2d extends NLLLoss {
  constructor(options: NllLossOptions = {}) {
    if (!warnedNLL2d) {
      warnedNLL2d = true;
      process.emitWarning(NLL2D_WARNING, 'UserWarning');
    }
    super(options);
  }
}
