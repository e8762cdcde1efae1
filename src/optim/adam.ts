/**
 * Adam and AdamW, as `torch.optim.Adam` / `torch.optim.AdamW` (their single-tensor path).
 * They differ only in weight decay: Adam adds `weightDecay * p` to the gradient, AdamW
 * shrinks the parameter by `1 - lr * weightDecay` before the update (decoupled decay).
 */
import * as call from '../native/calls.generated.js';
import { keep } from '../memory/storage.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { FusedBatches } from './fused.js';
import { addScaled_, addcdiv_, addcmul_, plusScaled, release } from './update-ops.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';
import { boolean, checkOptions, describe, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;

/**
 * Options of `Adam` and `AdamW`; every one can also be overridden per param group.
 * @example new optim.Adam(params, { lr: 3e-4, betas: [0.9, 0.95] } satisfies optim.AdamOptions)
 */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

/**
 * A param group of `Adam` / `AdamW`.
 * @example (opt.paramGroups[0] as optim.AdamParamGroup).betas
 */
export interface AdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** PyTorch's checks, in its order, with its messages; then the types PyTorch leaves unchecked. */
function validate(owner: string, group: Record<string, unknown>): void {
  nonNegative('Invalid learning rate', group.lr);
  nonNegative('Invalid epsilon value', group.eps);
  const betas = group.betas;
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${owner}: expected betas to be a pair [beta1, beta2], but found ${describe(betas)}`);
  }
  betas.forEach((beta: unknown, i) => {
    if (typeof beta !== 'number') throw new TypeError(`Invalid beta parameter at index ${i}: expected a number in [0, 1), but found ${describe(beta)}`);
    if (!(beta >= 0 && beta < 1)) throw new Error(`Invalid beta parameter at index ${i}: ${beta}`);
  });
  nonNegative('Invalid weight_decay value', group.weightDecay);
  boolean(owner, 'amsgrad', group.amsgrad);
  boolean(owner, 'maximize', group.maximize);
}

/**
 * `torch.optim.Adam`. Per parameter with a gradient: moment estimates
 * `m = beta1 * m + (1 - beta1) * g`, `v = beta2 * v + (1 - beta2) * g²`, then
 * `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`, with `v` replaced
 * by its running maximum under `amsgrad`.
 *
 * @example
 * const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Adam extends Optimizer<AdamParamGroup> {
  /** Whether weight decay shrinks the parameter (AdamW) instead of joining the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Params<Omit<AdamParamGroup, 'params'>>, options: AdamOptions = {}) {
    checkOptions(new.target.name, options, OPTIONS);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false } = options ?? {};
    // A copy, so that the caller's array is not shared by every group; validated per group.
    super(params, { lr, betas: (Array.isArray(betas) ? betas.slice() : betas) as [number, number], eps, weightDecay, amsgrad, maximize });
    this.torchGroupExtras = { foreach: null, capturable: false, differentiable: false, fused: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    validate(this.constructor.name, group);
  }

  protected updateGroup(group: AdamParamGroup): void {
    const { params, lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = betas;
    const batches = new FusedBatches<number>();
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.initState(p, amsgrad);
      const step = (state.step as number) + 1;
      state.step = step;
      const row = [p, grad, state.expAvg as Tensor, state.expAvgSq as Tensor, amsgrad ? (state.maxExpAvgSq as Tensor) : undefined];
      if (!batches.add(step, row, step)) this.update(p, grad, group, step);
    }
    // One native pass per batch (flint/rules/adam.h), with the composite update's bits.
    batches.run((lists, step) => {
      // Bias corrections in double precision, as PyTorch computes them from step.item().
      call.adamStep(
        lists[0], lists[1], lists[2], lists[3], lists[4], lr, beta1, beta2, eps, weightDecay, this.decoupled, maximize,
        lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step),
      );
    });
  }

  /** The update as PyTorch's separate ops, for what the fused pass cannot take. */
  private update(p: Tensor, grad: Tensor, group: AdamParamGroup, step: number): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = betas;
    const state = this.stateOf(p);
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      if (this.decoupled) {
        p.mul_(1 - lr * weightDecay);
      } else {
        const decayed = plusScaled(g, p, weightDecay);
        release(g, grad);
        g = decayed;
      }
    }
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    // PyTorch 2 writes the first moment as exp_avg.lerp_(g, 1 - beta1); this is the same
    // update in the form PyTorch 1.x used, which flint's ops express directly.
    expAvg.mul_(beta1);
    addScaled_(expAvg, g, 1 - beta1);
    expAvgSq.mul_(beta2);
    addcmul_(expAvgSq, g, g, 1 - beta2);
    release(g, grad);

    // Bias corrections in double precision, as PyTorch computes them from step.item().
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);

    let second = expAvgSq;
    if (amsgrad) {
      // torch.maximum(max, v, out=max): copied back so the state tensor keeps its identity.
      const maxExpAvgSq = state.maxExpAvgSq as Tensor;
      const larger = maxExpAvgSq.maximum(expAvgSq);
      maxExpAvgSq.copy_(larger);
      larger.dispose();
      second = maxExpAvgSq;
    }
    const denom = second.sqrt();
    denom.div_(biasCorrection2Sqrt).add_(eps);
    addcdiv_(p, expAvg, denom, -stepSize);
    denom.dispose();
  }

  /** The parameter's state, zero moments on its first step (kept past `tidy` scopes). */
  private initState(p: Tensor, amsgrad: boolean): ParamState {
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.expAvg = keep(zerosLike(p));
      state.expAvgSq = keep(zerosLike(p));
    }
    if (amsgrad && state.maxExpAvgSq == null) state.maxExpAvgSq = keep(zerosLike(p));
    return state;
  }
}

/**
 * `torch.optim.AdamW`: Adam with decoupled weight decay (`p *= 1 - lr * weightDecay`
 * before the Adam update), weight decay 1e-2 by default.
 *
 * @example
 * const opt = new optim.AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * loss.backward();
 * opt.step();
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Params<Omit<AdamParamGroup, 'params'>>, options: AdamOptions = {}) {
    checkOptions('AdamW', options, OPTIONS);
    super(params, { ...options, weightDecay: options?.weightDecay ?? 1e-2 });
  }
}
