/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler`. Each `step()` computes new
 * rates with PyTorch's recursive ("chainable") `get_lr` formulas, which derive the next
 * rate from the group's current one, so several schedulers can act on one optimizer.
 */
import { Optimizer, type ParamGroup } from './optimizer.js';
import { bindArgs, epochString, pyExp4 } from './lr-scheduler-args.js';
import { boolean, describe, finiteNumber } from './validate.js';

/**
 * A scheduler's state as PyTorch writes it (its `__dict__` without the optimizer).
 * @example const saved: lrScheduler.SchedulerStateDict = sched.stateDict();
 */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * Base class of the schedulers (`torch.optim.lr_scheduler.LRScheduler`). A subclass sets
 * its own fields, then calls `initialStep()` at the end of its constructor (PyTorch's
 * base `__init__` does this step itself, after the subclass has set its attributes,
 * which a JS constructor cannot do before `super()`).
 *
 * @example
 * class Halve extends lrScheduler.LRScheduler {
 *   constructor(opt: optim.Optimizer) { super(opt); this.initialStep(); }
 *   getLr() { return this.optimizer.paramGroups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr / 2)); }
 * }
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** Each group's `initialLr`: the rates the schedule starts from. */
  baseLrs: number[];
  /** Index of the last epoch stepped (0 after construction). */
  lastEpoch: number;
  /** PyTorch's `_step_count`: scheduler steps taken, the constructor's included. */
  protected stepCount = 0;
  /** PyTorch's `_last_lr`: the rates the last step set. */
  protected lastLr: number[] = [];
  /** Hyperparameters saved by `stateDict`, as [field, PyTorch's key]. */
  protected readonly savedFields: readonly (readonly [string, string])[] = [];

  /** Print each rate change, as PyTorch's `verbose=True`. */
  verbose: boolean;

  constructor(optimizer: Optimizer, lastEpoch = -1, verbose = false) {
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${(optimizer as object | null)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
    }
    if (!Number.isSafeInteger(lastEpoch) || lastEpoch < -1) {
      throw new Error(`${new.target.name}: expected lastEpoch to be -1 (start) or the index of the last epoch run, but found ${describe(lastEpoch)}`);
    }
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups as ParamGroup[];
    if (lastEpoch === -1) {
      for (const group of groups) if (group.initialLr === undefined) group.initialLr = group.lr;
    } else {
      groups.forEach((group, i) => {
        if (group.initialLr === undefined) {
          throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
        }
      });
    }
    boolean(new.target.name, 'verbose', verbose);
    this.baseLrs = groups.map((group) => group.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /**
   * PyTorch's `print_lr`: with `verbose`, prints group `group`'s new rate, with the epoch
   * when `step(epoch)` was given one.
   * @example sched.printLr(0, 0.01) // Adjusting learning rate of group 0 to 1.0000e-02.
   */
  printLr(group: number, lr: number, epoch?: number): void {
    if (!this.verbose) return;
    if (epoch === undefined) console.log(`Adjusting learning rate of group ${group} to ${pyExp4(lr)}.`);
    else console.log(`Epoch ${epochString(epoch)}: adjusting learning rate of group ${group} to ${pyExp4(lr)}.`);
  }

  /**
   * The constructor's step (PyTorch's `_initial_step`): moves to epoch `lastEpoch + 1` and
   * sets the groups' rates. Public because `SequentialLR` re-runs it on its first scheduler.
   * @example sched.lastEpoch -= 1; sched.initialStep();
   */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * The rates for epoch `lastEpoch`, from the groups' current rates (PyTorch's `get_lr`).
   * @example sched.getLr()
   */
  abstract getLr(): number[];

  /** The rates for epoch `lastEpoch` straight from `baseLrs`, for `step(epoch)`. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one epoch and writes the new rate into every param group. Passing `epoch`
   * jumps there (deprecated in PyTorch, kept for old code) using the closed form.
   * @example opt.step(); sched.step();
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups;
    for (let i = 0; i < groups.length; i++) {
      groups[i].lr = values[i];
      this.printLr(i, values[i], epoch);
    }
    this.lastLr = groups.map((group) => group.lr);
  }

  /**
   * The rates the last `step()` set, one per param group.
   * @example sched.getLastLr() // [0.1]
   */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /**
   * The scheduler's state with PyTorch's keys (`last_epoch`, `base_lrs`, `_step_count`,
   * `_last_lr` and the hyperparameters).
   * @example const saved = sched.stateDict();
   */
  stateDict(): SchedulerStateDict {
    const dict: SchedulerStateDict = {};
    const self = this as unknown as Record<string, unknown>;
    for (const [field, key] of this.savedFields) dict[key] = self[field];
    Object.assign(dict, {
      base_lrs: this.baseLrs.slice(),
      last_epoch: this.lastEpoch,
      verbose: this.verbose,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: this.lastLr.slice(),
    });
    return dict;
  }

  /**
   * Restores a state from `stateDict()` (or PyTorch's); keys it lacks stay as they are.
   * @example sched.loadStateDict(saved)
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [field, key] of this.savedFields) if (key in stateDict) self[field] = stateDict[key];
    if ('base_lrs' in stateDict) this.baseLrs = (stateDict.base_lrs as number[]).slice();
    if ('last_epoch' in stateDict) this.lastEpoch = stateDict.last_epoch as number;
    if (typeof stateDict.verbose === 'boolean') this.verbose = stateDict.verbose;
    if ('_step_count' in stateDict) this.stepCount = stateDict._step_count as number;
    if ('_last_lr' in stateDict) this.lastLr = (stateDict._last_lr as number[]).slice();
  }
}

/**
 * `torch.optim.lr_scheduler.StepLR`: multiplies each group's rate by `gamma` every
 * `stepSize` epochs.
 *
 * @example
 * const sched = new lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  protected override readonly savedFields = [['stepSize', 'step_size'], ['gamma', 'gamma']] as const;

  /**
   * PyTorch accepts `step_size = 0` here and fails on the first `step()` (ZeroDivisionError:
   * integer modulo by zero); flint checks every argument now, naming it.
   */
  constructor(optimizer: Optimizer, stepSize: number, gamma?: number, options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, stepSize: number, options?: { gamma?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { stepSize, gamma = 0.1, lastEpoch = -1, verbose = false } = bindArgs('StepLR', ['stepSize', 'gamma', 'lastEpoch', 'verbose'], ['stepSize'], args);
    if (typeof stepSize !== 'number' || !Number.isSafeInteger(stepSize) || stepSize <= 0) {
      throw new Error(`StepLR: expected stepSize (step_size) to be a positive integer number of epochs, but found ${describe(stepSize)}`);
    }
    finiteNumber('StepLR', 'gamma', gamma);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.stepSize = stepSize;
    this.gamma = gamma as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * `torch.optim.lr_scheduler.CosineAnnealingLR`: anneals each rate from its initial value
 * to `etaMin` along a half cosine over `TMax` epochs, then back up (SGDR without restarts).
 *
 * @example
 * const sched = new lrScheduler.CosineAnnealingLR(opt, { TMax: 100, etaMin: 1e-5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;
  protected override readonly savedFields = [['TMax', 'T_max'], ['etaMin', 'eta_min']] as const;

  /**
   * PyTorch accepts `T_max = 0` here and fails on the first `step()` (ZeroDivisionError:
   * integer modulo by zero); a negative `T_max` gives it a meaningless schedule. flint
   * requires a positive number of epochs when the scheduler is made.
   */
  constructor(optimizer: Optimizer, TMax: number, etaMin?: number, options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, TMax: number, options?: { etaMin?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { TMax: number; etaMin?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { TMax, etaMin = 0, lastEpoch = -1, verbose = false } = bindArgs('CosineAnnealingLR', ['TMax', 'etaMin', 'lastEpoch', 'verbose'], ['TMax'], args);
    if (typeof TMax !== 'number' || !Number.isFinite(TMax) || TMax <= 0) {
      throw new Error(`CosineAnnealingLR: expected TMax (T_max) to be a positive number of epochs, but found ${describe(TMax)}`);
    }
    finiteNumber('CosineAnnealingLR', 'etaMin', etaMin);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.TMax = TMax;
    this.etaMin = etaMin as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const { lastEpoch: epoch, TMax, etaMin, baseLrs } = this;
    const groups = this.optimizer.paramGroups;
    if (epoch === 0) return groups.map((g) => g.lr);
    // Resuming (lastEpoch given to the constructor): no previous rate to recurse from.
    if (this.stepCount === 1 && epoch > 0) {
      return baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((epoch * Math.PI) / TMax))) / 2);
    }
    // At the bottom of the cosine the ratio below would be 0/0, so the step is added instead.
    if ((epoch - 1 - TMax) % (2 * TMax) === 0) {
      return groups.map((g, i) => g.lr + ((baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / TMax))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * epoch) / TMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / TMax))) * (g.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: epoch, TMax, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / TMax))) / 2);
  }
}
