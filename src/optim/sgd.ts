/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum,
 * weight decay and maximization, as `torch.optim.SGD` (its single-tensor path).
 */
import * as call from '../native/calls.generated.js';
import { keep } from '../memory/storage.js';
import { emptyLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { FusedBatches, fusable } from './fused.js';
import { addScaled_, plusScaled, release } from './update-ops.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { boolean, checkOptions, finiteNumber, nonNegative } from './validate.js';

const OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

/**
 * Options of `SGD`; every one can also be overridden per param group.
 * @example new optim.SGD(params, { lr: 0.1, momentum: 0.9 } satisfies optim.SGDOptions)
 */
export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * A param group of `SGD`.
 * @example (opt.paramGroups[0] as optim.SGDParamGroup).momentum
 */
export interface SGDParamGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * `torch.optim.SGD`. Per parameter with a gradient: `d = grad` (negated with `maximize`),
 * plus `weightDecay * p`; with momentum, `buf = momentum * buf + (1 - dampening) * d`
 * (the first step takes `buf = d`) and `d = buf`, or `d + momentum * buf` with Nesterov;
 * then `p -= lr * d`.
 *
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * lossFn(net.forward(x), y).backward();
 * opt.step();
 */
export class SGD extends Optimizer<SGDParamGroup> {
  constructor(params: Params<Omit<SGDParamGroup, 'params'>>, options: SGDOptions = {}) {
    checkOptions('SGD', options, OPTIONS);
    const { lr = 1e-3, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = options ?? {};
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize });
    this.torchGroupExtras = { foreach: null, differentiable: false, fused: null };
  }

  /** PyTorch's checks, in its order and words (it lets a NaN rate through; flint does not). */
  protected override checkGroup(group: Record<string, unknown>): void {
    nonNegative('Invalid learning rate', group.lr);
    nonNegative('Invalid momentum value', group.momentum);
    nonNegative('Invalid weight_decay value', group.weightDecay);
    finiteNumber('SGD', 'dampening', group.dampening);
    boolean('SGD', 'nesterov', group.nesterov);
    boolean('SGD', 'maximize', group.maximize);
    if (group.nesterov && ((group.momentum as number) <= 0 || group.dampening !== 0)) {
      throw new Error('Nesterov momentum requires a momentum and zero dampening');
    }
  }

  /** Its update reads no host step count, so a CUDA graph may capture it once warmed up. */
  protected override capturableStep(): boolean {
    return true;
  }

  /** Without momentum, SGD keeps no state. */
  protected override needsState(group: SGDParamGroup): boolean {
    return group.momentum !== 0;
  }

  /** The momentum buffer, which the first step makes with its own rule. */
  protected override hasState(p: Tensor): boolean {
    return this.state.get(p)?.momentumBuffer != null;
  }

  protected updateGroup(group: SGDParamGroup): void {
    const { params, lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const batches = new FusedBatches<boolean>(true);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      const grad = p._grad; // read, never kept: zeroGrad may free it
      if (grad === null) continue;
      if (momentum === 0) {
        if (!batches.add(0, [p, grad, undefined], false)) this.update(p, grad, group);
        continue;
      }
      // The first step fills the buffer with d (PyTorch's clone), so it is made here empty.
      const state = this.stateOf(p);
      const existing = (state.momentumBuffer ?? undefined) as Tensor | undefined;
      if (existing === undefined && fusable([p, grad])) {
        state.momentumBuffer = keep(emptyLike(p));
        batches.add('first', [p, grad, state.momentumBuffer as Tensor], true);
      } else if (existing === undefined || !batches.add('next', [p, grad, existing], false)) {
        this.update(p, grad, group);
      }
    }
    // One native pass per batch (flint/rules/sgd.h), with the composite update's bits.
    batches.run((lists, firstStep) => {
      call.sgdStep(lists[0], lists[1], lists[2], lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
    });
  }

  private update(p: Tensor, grad: Tensor, group: SGDParamGroup): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let dp = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      const decayed = plusScaled(dp, p, weightDecay);
      release(dp, grad);
      dp = decayed;
    }
    let buf: Tensor | undefined;
    if (momentum !== 0) {
      const state = this.stateOf(p);
      buf = (state.momentumBuffer ?? undefined) as Tensor | undefined;
      if (buf === undefined) {
        buf = keep(dp.clone());
        state.momentumBuffer = buf;
      } else {
        buf.mul_(momentum);
        addScaled_(buf, dp, 1 - dampening);
      }
      if (nesterov) {
        const next = plusScaled(dp, buf, momentum);
        release(dp, grad);
        dp = next;
      } else {
        release(dp, grad);
        dp = buf;
      }
    }
    addScaled_(p, dp, -lr);
    release(dp, grad, buf);
  }
}
