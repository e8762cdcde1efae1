/**
 * Adamax (Adam with the infinity norm), as `torch.optim.Adamax` in PyTorch 1.13 (its
 * single-tensor path).
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, addcdiv_, effectiveGrad, maximum_, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { betaPair, boolean, checkOptions, copyPair, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'maximize'] as const;

/**
 * Options of `Adamax`; every one can also be overridden per param group.
 * @example new optim.Adamax(params, { lr: 2e-3 } satisfies optim.AdamaxOptions)
 */
export interface AdamaxOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

/**
 * A param group of `Adamax`.
 * @example (opt.paramGroups[0] as optim.AdamaxParamGroup).betas
 */
export interface AdamaxParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * `torch.optim.Adamax`. Per parameter with a gradient `g`:
 * `m = beta1 * m + (1 - beta1) * g`, `u = max(beta2 * u, |g| + eps)`, then
 * `p -= lr / (1 - beta1^t) * m / u` (state `exp_avg` = m, `exp_inf` = u, `step`).
 *
 * @example
 * const opt = new optim.Adamax(net.parameters(), { lr: 2e-3 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Adamax extends Optimizer<AdamaxParamGroup> {
  constructor(params: Params<Omit<AdamaxParamGroup, 'params'>>, options: AdamaxOptions = {}) {
    checkOptions('Adamax', options, OPTIONS);
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, maximize = false } = options ?? {};
    super(params, { lr, betas: copyPair(betas), eps, weightDecay, maximize });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid epsilon value', group.eps);
    betaPair('Adamax', group.betas);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    boolean('Adamax', 'maximize', group.maximize);
  }

  protected updateGroup(group: AdamaxParamGroup): void {
    const { params, lr, betas, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = betas;
    const batches = new FusedBatches<number>();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = keep(zerosLike(p));
        state.expInf = keep(zerosLike(p));
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor;
      const expInf = state.expInf as Tensor;
      if (batches.add(step, [p, grad, expAvg, expInf], lr / (1 - beta1 ** step))) continue;

      const g = effectiveGrad(grad, p, weightDecay, maximize);
      expAvg.mul_(beta1);
      addScaled_(expAvg, g, 1 - beta1);
      // amax over cat([beta2 * u, |g| + eps]) is the elementwise maximum of the two.
      expInf.mul_(beta2);
      const bound = g.abs();
      bound.add_(eps);
      maximum_(expInf, bound);
      bound.dispose();
      release(g, grad);
      const clr = lr / (1 - beta1 ** step);
      addcdiv_(p, expAvg, expInf, -clr);
    }
    // One native pass per batch (flint/rules/adamax.h), with the composite update's bits.
    batches.run((lists, clr) => call.adamaxStep(lists[0], lists[1], lists[2], lists[3], clr, beta1, beta2, eps, weightDecay, maximize));
  }
}
