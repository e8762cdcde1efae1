/**
 * RAdam (rectified Adam), as `torch.optim.RAdam` in PyTorch 1.13 (its single-tensor
 * path). PyTorch 1.13's RAdam has no `maximize` and couples weight decay into the gradient.
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import { div } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, addcmul_, effectiveGrad, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { betaPair, checkOptions, copyPair, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay'] as const;

/**
 * Whether step `step`'s variance is tractable (rho_t > 5) and, if so, its rectification
 * term, in double precision as PyTorch computes them.
 */
function rectification(beta2: number, step: number): { rectified: boolean; rect: number } {
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * step * beta2 ** step) / (1 - beta2 ** step);
  if (!(rhoT > 5)) return { rectified: false, rect: 0 };
  return { rectified: true, rect: Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) };
}

/**
 * Options of `RAdam`; every one can also be overridden per param group.
 * @example new optim.RAdam(params, { lr: 1e-3 } satisfies optim.RAdamOptions)
 */
export interface RAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * A param group of `RAdam`.
 * @example (opt.paramGroups[0] as optim.RAdamParamGroup).betas
 */
export interface RAdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/**
 * `torch.optim.RAdam`. Adam's moments `m` and `v`; with `rho_inf = 2 / (1 - beta2) - 1`
 * and `rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)`, the step is
 * `lr * m / (1 - beta1^t) * rect * sqrt(1 - beta2^t) / (sqrt(v) + eps)` once `rho_t > 5`
 * (the variance is tractable), and the un-adapted `lr * m / (1 - beta1^t)` before.
 *
 * @example
 * const opt = new optim.RAdam(net.parameters(), { lr: 1e-3 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class RAdam extends Optimizer<RAdamParamGroup> {
  constructor(params: Params<Omit<RAdamParamGroup, 'params'>>, options: RAdamOptions = {}) {
    checkOptions('RAdam', options, OPTIONS);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options ?? {};
    super(params, { lr, betas: copyPair(betas), eps, weightDecay });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid epsilon value', group.eps);
    betaPair('RAdam', group.betas);
    nonNegative('Invalid weight_decay value', group.weightDecay);
  }

  protected updateGroup(group: RAdamParamGroup): void {
    const { params, lr, betas, eps, weightDecay } = group;
    const [beta1, beta2] = betas;
    const batches = new FusedBatches<number>();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = keep(zerosLike(p));
        state.expAvgSq = keep(zerosLike(p));
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor;
      const expAvgSq = state.expAvgSq as Tensor;

      if (batches.add(step, [p, grad, expAvg, expAvgSq], step)) continue;
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2 = 1 - beta2 ** step;
      const g = effectiveGrad(grad, p, weightDecay, false);
      expAvg.mul_(beta1);
      addScaled_(expAvg, g, 1 - beta1);
      expAvgSq.mul_(beta2);
      addcmul_(expAvgSq, g, g, 1 - beta2);
      release(g, grad);

      // The products below are PyTorch's, left to right, so they round as its do.
      const update = expAvg.div(biasCorrection1);
      update.mul_(lr);
      const { rectified, rect } = rectification(beta2, step);
      if (rectified) {
        const denom = expAvgSq.sqrt();
        denom.add_(eps);
        const adaptiveLr = div(Math.sqrt(biasCorrection2), denom);
        denom.dispose();
        update.mul_(adaptiveLr).mul_(rect);
        adaptiveLr.dispose();
      }
      addScaled_(p, update, -1);
      update.dispose();
    }
    // One native pass per batch (flint/rules/radam.h), with the composite update's bits.
    batches.run((lists, step) => {
      const { rectified, rect } = rectification(beta2, step);
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
      call.radamStep(lists[0], lists[1], lists[2], lists[3], lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2Sqrt, rect, rectified);
    });
  }
}
