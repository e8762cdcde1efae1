/**
 * RMSprop, as `torch.optim.RMSprop` in PyTorch 1.13 (its single-tensor path), with
 * momentum and the centered variant.
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, addcdiv_, addcmul_, effectiveGrad, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { boolean, checkOptions, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'] as const;

/**
 * Options of `RMSprop`; every one can also be overridden per param group.
 * @example new optim.RMSprop(params, { lr: 1e-3, centered: true } satisfies optim.RMSpropOptions)
 */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

/**
 * A param group of `RMSprop`.
 * @example (opt.paramGroups[0] as optim.RMSpropParamGroup).alpha
 */
export interface RMSpropParamGroup extends ParamGroup {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * `torch.optim.RMSprop`. Per parameter with a gradient `g`:
 * `v = alpha * v + (1 - alpha) * g²`; centered, also `m = alpha * m + (1 - alpha) * g`
 * and `v - m²` in place of `v`; `avg = sqrt(v) + eps`; then with momentum
 * `buf = momentum * buf + g / avg` and `p -= lr * buf`, else `p -= lr * g / avg`.
 * State: `step` (an integer), `square_avg`, `momentum_buffer`, `grad_avg`.
 *
 * @example
 * const opt = new optim.RMSprop(net.parameters(), { lr: 1e-3, momentum: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class RMSprop extends Optimizer<RMSpropParamGroup> {
  // PyTorch 1.13 keeps RMSprop's step as a Python int.
  protected override scalarTensorState: ReadonlySet<string> = new Set();

  constructor(params: Params<Omit<RMSpropParamGroup, 'params'>>, options: RMSpropOptions = {}) {
    checkOptions('RMSprop', options, OPTIONS);
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false } = options ?? {};
    super(params, { lr, momentum, alpha, eps, centered, weightDecay, maximize });
    this.torchGroupExtras = { foreach: null, differentiable: false };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid epsilon value', group.eps);
    nonNegative('Invalid momentum value', group.momentum);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    nonNegative('Invalid alpha value', group.alpha);
    boolean('RMSprop', 'centered', group.centered);
    boolean('RMSprop', 'maximize', group.maximize);
  }

  /** Its update reads no host step count, so a CUDA graph may capture it once warmed up. */
  protected override capturableStep(): boolean {
    return true;
  }

  protected updateGroup(group: RMSpropParamGroup): void {
    const { params, lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    const batches = new FusedBatches();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.squareAvg = keep(zerosLike(p));
        if (momentum > 0) state.momentumBuffer = keep(zerosLike(p));
        if (centered) state.gradAvg = keep(zerosLike(p));
      }
      state.step = (state.step as number) + 1;
      const squareAvg = state.squareAvg as Tensor;
      const buffers = [momentum > 0 ? (state.momentumBuffer as Tensor) : undefined, centered ? (state.gradAvg as Tensor) : undefined];
      if (batches.add(0, [p, grad, squareAvg, ...buffers], undefined)) continue;

      const g = effectiveGrad(grad, p, weightDecay, maximize);
      squareAvg.mul_(alpha);
      addcmul_(squareAvg, g, g, 1 - alpha);
      let avg: Tensor;
      if (centered) {
        const gradAvg = state.gradAvg as Tensor;
        gradAvg.mul_(alpha);
        addScaled_(gradAvg, g, 1 - alpha);
        const centeredAvg = squareAvg.clone();
        addcmul_(centeredAvg, gradAvg, gradAvg, -1);
        avg = centeredAvg.sqrt();
        centeredAvg.dispose();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        const buf = state.momentumBuffer as Tensor;
        buf.mul_(momentum);
        addcdiv_(buf, g, avg, 1);
        addScaled_(p, buf, -lr);
      } else {
        addcdiv_(p, g, avg, -lr);
      }
      avg.dispose();
      release(g, grad);
    }
    // One native pass per batch (flint/rules/rmsprop.h), with the composite update's bits.
    batches.run((lists) => call.rmspropStep(lists[0], lists[1], lists[2], lists[3], lists[4], lr, alpha, eps, weightDecay, momentum, maximize));
  }
}
