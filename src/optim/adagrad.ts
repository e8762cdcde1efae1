/**
 * Adagrad, as `torch.optim.Adagrad` in PyTorch 1.13 (its dense single-tensor path).
 */
import { keep } from '../memory/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { addcdiv_, addcmul_, effectiveGrad, fullPartsLike, release } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';
import { boolean, checkOptions, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'] as const;

/**
 * Options of `Adagrad`; every one can also be overridden per param group.
 * @example new optim.Adagrad(params, { lr: 0.1, lrDecay: 1e-3 } satisfies optim.AdagradOptions)
 */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  maximize?: boolean;
}

/**
 * A param group of `Adagrad`.
 * @example (opt.paramGroups[0] as optim.AdagradParamGroup).lrDecay
 */
export interface AdagradParamGroup extends ParamGroup {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * `torch.optim.Adagrad`. Per parameter with a gradient `g`: `sum += g²`, then
 * `p -= lr / (1 + (step - 1) * lrDecay) * g / (sqrt(sum) + eps)`. As in PyTorch, every
 * parameter's state (`step` 0 and `sum` filled with `initialAccumulatorValue`) exists
 * from construction on, filled with the constructor's value even where a param group gives
 * its own (PyTorch 1.13 reads only the constructor's).
 *
 * @example
 * const opt = new optim.Adagrad(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Adagrad extends Optimizer<AdagradParamGroup> {
  constructor(params: Params<Omit<AdagradParamGroup, 'params'>>, options: AdagradOptions = {}) {
    checkOptions('Adagrad', options, OPTIONS);
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, maximize = false } = options ?? {};
    super(params, { lr, lrDecay, eps, weightDecay, initialAccumulatorValue, maximize });
    this.torchGroupExtras = { foreach: null };
    // PyTorch 1.13 fills every accumulator with the constructor's value, whatever a group says.
    for (const group of this.paramGroups) for (const p of group.params) this.initState(p, initialAccumulatorValue);
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid lr_decay value', group.lrDecay);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    nonNegative('Invalid initial_accumulator_value value', group.initialAccumulatorValue);
    nonNegative('Invalid epsilon value', group.eps);
    boolean('Adagrad', 'maximize', group.maximize);
  }

  /** Zero steps and the initial accumulator (a group added later gets its state on its first step). */
  private initState(p: Tensor, initialAccumulatorValue: number): ParamState {
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.sum = keep(fullPartsLike(p, initialAccumulatorValue));
    }
    return state;
  }

  protected updateGroup(group: AdagradParamGroup): void {
    const { params, lr, lrDecay, eps, weightDecay, maximize } = group;
    const batches = new FusedBatches<number>();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.initState(p, group.initialAccumulatorValue);
      const step = (state.step as number) + 1;
      state.step = step;
      const sum = state.sum as Tensor;
      const clr = lr / (1 + (step - 1) * lrDecay);
      if (batches.add(step, [p, grad, sum], clr)) continue;

      const g = effectiveGrad(grad, p, weightDecay, maximize);
      addcmul_(sum, g, g, 1);
      const std = sum.sqrt();
      std.add_(eps);
      addcdiv_(p, g, std, -clr);
      std.dispose();
      release(g, grad);
    }
    // One native pass per batch (flint/rules/adagrad.h), with the composite update's bits.
    batches.run((lists, clr) => call.adagradStep(lists[0], lists[1], lists[2], clr, eps, weightDecay, maximize));
  }
}
