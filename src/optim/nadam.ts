/**
 * NAdam (Adam with Nesterov momentum), as `torch.optim.NAdam` in PyTorch 1.13 (its
 * single-tensor path). PyTorch 1.13's NAdam has no `maximize`.
 */
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { addScaled_, addcdiv_, addcmul_, effectiveGrad, float32Scalar, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { betaPair, checkOptions, copyPair, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay'] as const;

/**
 * Options of `NAdam`; every one can also be overridden per param group.
 * @example new optim.NAdam(params, { lr: 2e-3, momentumDecay: 4e-3 } satisfies optim.NAdamOptions)
 */
export interface NAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  momentumDecay?: number;
}

/**
 * A param group of `NAdam`.
 * @example (opt.paramGroups[0] as optim.NAdamParamGroup).momentumDecay
 */
export interface NAdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

/**
 * `torch.optim.NAdam`. Per parameter with a gradient `g` at step `t`:
 * `mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentumDecay))`, `mu_product *= mu_t`, Adam's
 * moments `m` and `v`, `denom = sqrt(v / (1 - beta2^t)) + eps`, then
 * `p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom` and
 * `p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom`.
 * State: `step`, `mu_product` (a float32 scalar, as PyTorch keeps it), `exp_avg`, `exp_avg_sq`.
 *
 * @example
 * const opt = new optim.NAdam(net.parameters(), { lr: 2e-3 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class NAdam extends Optimizer<NAdamParamGroup> {
  protected override scalarTensorState: ReadonlySet<string> = new Set(['step', 'muProduct']);

  constructor(params: Params<Omit<NAdamParamGroup, 'params'>>, options: NAdamOptions = {}) {
    checkOptions('NAdam', options, OPTIONS);
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, momentumDecay = 4e-3 } = options ?? {};
    super(params, { lr, betas: copyPair(betas), eps, weightDecay, momentumDecay });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid epsilon value', group.eps);
    betaPair('NAdam', group.betas);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    nonNegative('Invalid momentum_decay value', group.momentumDecay);
  }

  protected updateGroup(group: NAdamParamGroup): void {
    const { params, lr, betas, eps, weightDecay, momentumDecay } = group;
    const [beta1, beta2] = betas;
    const batches = new FusedBatches<[number, number, number]>();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.muProduct = 1;
        state.expAvg = keep(zerosLike(p));
        state.expAvgSq = keep(zerosLike(p));
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor;
      const expAvgSq = state.expAvgSq as Tensor;

      const biasCorrection2 = 1 - beta2 ** step;
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
      // mu_product is a float32 tensor in PyTorch: each product is rounded to float32,
      // with the Python float factor rounded first.
      const muProduct = float32Scalar((state.muProduct as number) * float32Scalar(mu));
      state.muProduct = muProduct;
      const muProductNext = float32Scalar(float32Scalar(muProduct * float32Scalar(mu)) * float32Scalar(muNext));
      const gradScale = (-lr * (1 - mu)) / (1 - muProduct);
      const avgScale = (-lr * muNext) / (1 - muProductNext);
      if (batches.add(`${step}/${muProduct}`, [p, grad, expAvg, expAvgSq], [biasCorrection2, gradScale, avgScale])) continue;

      const g = effectiveGrad(grad, p, weightDecay, false);

      expAvg.mul_(beta1);
      addScaled_(expAvg, g, 1 - beta1);
      expAvgSq.mul_(beta2);
      addcmul_(expAvgSq, g, g, 1 - beta2);
      const scaled = expAvgSq.div(biasCorrection2);
      const denom = scaled.sqrt();
      scaled.dispose();
      denom.add_(eps);
      addcdiv_(p, g, denom, gradScale);
      addcdiv_(p, expAvg, denom, avgScale);
      denom.dispose();
      release(g, grad);
    }
    // One native pass per batch (flint/rules/nadam.h), with the composite update's bits.
    batches.run((lists, [biasCorrection2, gradScale, avgScale]) =>
      call.nadamStep(lists[0], lists[1], lists[2], lists[3], beta1, beta2, eps, weightDecay, biasCorrection2, gradScale, avgScale),
    );
  }
}
