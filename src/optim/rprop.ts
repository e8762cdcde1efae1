/**
 * Resilient backpropagation, as `torch.optim.Rprop` in PyTorch 1.13 (its single-tensor path).
 */
import { keep } from '../memory/storage.js';
import { tensor, zerosLike } from '../tensor/creation.js';
import { where } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { addcmul_, fullPartsLike } from './update-ops.js';
import * as call from '../native/calls.generated.js';
import { FusedBatches } from './fused.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { boolean, checkOptions, copyPair, describe, nonNegative, numberPair } from './validate.js';

const OPTIONS = ['lr', 'etas', 'stepSizes', 'maximize'] as const;

/**
 * Options of `Rprop`; every one can also be overridden per param group.
 * @example new optim.Rprop(params, { etas: [0.5, 1.2], stepSizes: [1e-6, 50] } satisfies optim.RpropOptions)
 */
export interface RpropOptions {
  lr?: number;
  etas?: [number, number];
  stepSizes?: [number, number];
  maximize?: boolean;
}

/**
 * A param group of `Rprop`.
 * @example (opt.paramGroups[0] as optim.RpropParamGroup).stepSizes
 */
export interface RpropParamGroup extends ParamGroup {
  etas: [number, number];
  stepSizes: [number, number];
  maximize: boolean;
}

/**
 * `self[mask] = value` in place (consuming `mask`). The value goes in as a 0-dim tensor of
 * `self`'s dtype that this function frees, rather than as a number that `where` would wrap
 * in a tensor left to the garbage collector.
 */
function assignWhere(self: Tensor, mask: Tensor, value: number): void {
  const fill = tensor(value, { dtype: self.dtype });
  const filled = where(mask, fill, self);
  fill.dispose();
  mask.dispose();
  self.copy_(filled);
  filled.dispose();
}

/**
 * `torch.optim.Rprop`. Per element, from the sign of `grad * prev`: a step size that grows
 * by `etaplus` while the gradient keeps its sign and shrinks by `etaminus` when it flips,
 * clamped to `stepSizes`; the parameter moves by the step size against the gradient's sign,
 * and not at all where the sign flipped (that gradient is remembered as 0).
 * State: `step` (an integer), `prev`, `step_size`.
 *
 * @example
 * const opt = new optim.Rprop(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Rprop extends Optimizer<RpropParamGroup> {
  // PyTorch 1.13 keeps Rprop's step as a Python int.
  protected override scalarTensorState: ReadonlySet<string> = new Set();

  constructor(params: Params<Omit<RpropParamGroup, 'params'>>, options: RpropOptions = {}) {
    checkOptions('Rprop', options, OPTIONS);
    const { lr = 1e-2, etas = [0.5, 1.2], stepSizes = [1e-6, 50], maximize = false } = options ?? {};
    super(params, { lr, etas: copyPair(etas), stepSizes: copyPair(stepSizes), maximize });
    this.torchGroupExtras = { foreach: null };
  }

  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    const etas = group.etas;
    if (!Array.isArray(etas) || etas.length !== 2 || etas.some((e) => typeof e !== 'number')) {
      throw new TypeError(`Rprop: expected etas to be a pair [etaminus, etaplus], but found ${describe(etas)}`);
    }
    if (!(etas[0] > 0 && etas[0] < 1 && etas[1] > 1)) throw new Error(`Invalid eta values: ${etas[0]}, ${etas[1]}`);
    numberPair('Rprop', 'stepSizes', group.stepSizes);
    boolean('Rprop', 'maximize', group.maximize);
  }

  /** Its update reads no host step count, so a CUDA graph may capture it once warmed up. */
  protected override capturableStep(): boolean {
    return true;
  }

  protected updateGroup(group: RpropParamGroup): void {
    const { params, lr, etas, stepSizes, maximize } = group;
    const [etaminus, etaplus] = etas;
    const [stepSizeMin, stepSizeMax] = stepSizes;
    const batches = new FusedBatches();
    for (const p of params) {
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.prev = keep(zerosLike(p));
        // A complex parameter's parts are two real numbers, each with its own step size (lr + lr·i, as PyTorch 2).
        state.stepSize = keep(fullPartsLike(grad, lr));
      }
      state.step = (state.step as number) + 1;
      const prev = state.prev as Tensor;
      const stepSize = state.stepSize as Tensor;
      if (batches.add(0, [p, grad, prev, stepSize], undefined)) continue;

      // g is always a new tensor: it is zeroed where the sign flipped and kept as `prev`.
      const g = maximize ? grad.neg() : grad.clone();
      const product = g.mul(prev);
      const sign = product.sign();
      product.dispose();
      // PyTorch's three masked assignments, in its order (each mask sees the previous ones).
      assignWhere(sign, sign.gt(0), etaplus);
      assignWhere(sign, sign.lt(0), etaminus);
      assignWhere(sign, sign.eq(0), 1);
      stepSize.mul_(sign).clamp_(stepSizeMin, stepSizeMax);
      assignWhere(g, sign.eq(etaminus), 0);
      sign.dispose();
      const direction = g.sign();
      addcmul_(p, direction, stepSize, -1);
      direction.dispose();
      prev.copy_(g);
      g.dispose();
    }
    // One native pass per batch (flint/rules/rprop.h), with the composite update's bits.
    batches.run((lists) => call.rpropStep(lists[0], lists[1], lists[2], lists[3], etaminus, etaplus, stepSizeMin, stepSizeMax, maximize));
  }
}
