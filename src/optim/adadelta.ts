/**
 * Adadelta, as `torch.optim.Adadelta` in PyTorch 1.13 (its single-tensor path).
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, addcmul_, effectiveGrad, release, sqrtOfTemporary } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { boolean, checkOptions, describe, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'rho', 'eps', 'weightDecay', 'maximize'] as const;

/**
 * Options of `Adadelta`; every one can also be overridden per param group.
 * @example new optim.Adadelta(params, { rho: 0.95 } satisfies optim.AdadeltaOptions)
 */
export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

/**
 * A param group of `Adadelta`.
 * @example (opt.paramGroups[0] as optim.AdadeltaParamGroup).rho
 */
export interface AdadeltaParamGroup extends ParamGroup {
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * `torch.optim.Adadelta`. Per parameter with a gradient `g`:
 * `v = rho * v + (1 - rho) * g²`, `delta = sqrt(u + eps) / sqrt(v + eps) * g`,
 * `u = rho * u + (1 - rho) * delta²`, `p -= lr * delta` (state `square_avg` = v,
 * `acc_delta` = u, and an integer `step`).
 *
 * @example
 * const opt = new optim.Adadelta(net.parameters(), { lr: 1.0, rho: 0.9 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Adadelta extends Optimizer<AdadeltaParamGroup> {
  // PyTorch 1.13 keeps Adadelta's step as a Python int.
  protected override scalarTensorState: ReadonlySet<string> = new Set();

  constructor(params: Params<Omit<AdadeltaParamGroup, 'params'>>, options: AdadeltaOptions = {}) {
    checkOptions('Adadelta', options, OPTIONS);
    const { lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, maximize = false } = options ?? {};
    super(params, { lr, rho, eps, weightDecay, maximize });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    const rho = group.rho;
    if (typeof rho !== 'number') throw new TypeError(`Invalid rho value: expected a number in [0, 1], but found ${describe(rho)}`);
    if (!(rho >= 0 && rho <= 1)) throw new Error(`Invalid rho value: ${rho}`);
    nonNegative('Invalid epsilon value', group.eps);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    boolean('Adadelta', 'maximize', group.maximize);
  }

  /** Its update reads no host step count, so a CUDA graph may capture it once warmed up. */
  protected override capturableStep(): boolean {
    return true;
  }

  protected updateGroup(group: AdadeltaParamGroup): void {
    const { params, lr, rho, eps, weightDecay, maximize } = group;
    const batches = new FusedBatches();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.squareAvg = keep(zerosLike(p));
        state.accDelta = keep(zerosLike(p));
      }
      state.step = (state.step as number) + 1;
      const squareAvg = state.squareAvg as Tensor;
      const accDelta = state.accDelta as Tensor;
      if (batches.add(0, [p, grad, squareAvg, accDelta], undefined)) continue;

      const g = effectiveGrad(grad, p, weightDecay, maximize);
      squareAvg.mul_(rho);
      addcmul_(squareAvg, g, g, 1 - rho);
      const std = sqrtOfTemporary(squareAvg.add(eps));
      const delta = sqrtOfTemporary(accDelta.add(eps));
      delta.div_(std).mul_(g);
      std.dispose();
      release(g, grad);
      accDelta.mul_(rho);
      addcmul_(accDelta, delta, delta, 1 - rho);
      addScaled_(p, delta, -lr);
      delta.dispose();
    }
    // One native pass per batch (flint/rules/adadelta.h), with the composite update's bits.
    batches.run((lists) => call.adadeltaStep(lists[0], lists[1], lists[2], lists[3], lr, rho, eps, weightDecay, maximize));
  }
}
