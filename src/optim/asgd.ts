/**
 * Averaged SGD, as `torch.optim.ASGD` in PyTorch 1.13 (its single-tensor path).
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, effectiveGrad, float32Scalar, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { boolean, checkOptions, describe, finiteNumber, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'lambd', 'alpha', 't0', 'weightDecay', 'maximize'] as const;

/**
 * Options of `ASGD`; every one can also be overridden per param group.
 * @example new optim.ASGD(params, { lr: 0.01, t0: 100 } satisfies optim.ASGDOptions)
 */
export interface ASGDOptions {
  lr?: number;
  lambd?: number;
  alpha?: number;
  t0?: number;
  weightDecay?: number;
  maximize?: boolean;
}

/**
 * A param group of `ASGD`.
 * @example (opt.paramGroups[0] as optim.ASGDParamGroup).t0
 */
export interface ASGDParamGroup extends ParamGroup {
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * `torch.optim.ASGD`. Per parameter with a gradient `g` at step `t`:
 * `p *= 1 - lambd * eta`, `p -= eta * g`; the average `ax` copies `p` while `mu` is 1 and
 * then moves `ax += mu * (p - ax)`; finally `eta = lr / (1 + lambd * lr * t)^alpha` and
 * `mu = 1 / max(1, t - t0)`. State: `step`, `eta`, `mu` (float32 scalars, as PyTorch keeps
 * them) and `ax`.
 *
 * @example
 * const opt = new optim.ASGD(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class ASGD extends Optimizer<ASGDParamGroup> {
  protected override scalarTensorState: ReadonlySet<string> = new Set(['step', 'eta', 'mu']);

  constructor(params: Params<Omit<ASGDParamGroup, 'params'>>, options: ASGDOptions = {}) {
    checkOptions('ASGD', options, OPTIONS);
    const { lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weightDecay = 0, maximize = false } = options ?? {};
    super(params, { lr, lambd, alpha, t0, weightDecay, maximize });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    finiteNumber('ASGD', 'lambd', group.lambd);
    finiteNumber('ASGD', 'alpha', group.alpha);
    // t0 may be Infinity (averaging never starts).
    if (typeof group.t0 !== 'number' || Number.isNaN(group.t0)) throw new TypeError(`ASGD: expected t0 to be a number, but found ${describe(group.t0)}`);
    boolean('ASGD', 'maximize', group.maximize);
  }

  protected updateGroup(group: ASGDParamGroup): void {
    const { params, lr, lambd, alpha, t0, weightDecay, maximize } = group;
    const batches = new FusedBatches<[number, number]>(true);
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.eta = float32Scalar(lr);
        state.mu = 1;
        state.ax = keep(zerosLike(p));
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const eta = state.eta as number;
      const mu = state.mu as number;
      const ax = state.ax as Tensor;
      state.eta = float32Scalar(lr / (1 + lambd * lr * step) ** alpha);
      state.mu = float32Scalar(1 / Math.max(1, step - t0));
      if (batches.add(`${eta}/${mu}`, [p, grad, ax], [eta, mu])) continue;

      const g = effectiveGrad(grad, p, weightDecay, maximize);
      p.mul_(1 - lambd * eta);
      addScaled_(p, g, -eta);
      release(g, grad);
      if (mu !== 1) {
        const diff = p.sub(ax);
        diff.mul_(mu);
        ax.add_(diff);
        diff.dispose();
      } else {
        ax.copy_(p);
      }
    }
    // One native pass per batch (flint/rules/asgd.h), with the composite update's bits.
    batches.run((lists, [eta, mu]) => call.asgdStep(lists[0], lists[1], lists[2], eta, mu, lambd, weightDecay, maximize));
  }
}
