/**
 * Schedulers that scale each group's rate by a factor per epoch, as
 * `torch.optim.lr_scheduler`'s LambdaLR, MultiplicativeLR, MultiStepLR, ExponentialLR,
 * ConstantLR, LinearLR and PolynomialLR. Except LambdaLR (which is not chainable in
 * PyTorch either), `getLr` uses PyTorch's recursive form from the group's current rate,
 * so several of them compose on one optimizer; `step(epoch)` uses the closed form.
 */
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { bindArgs, callable, checkOptimizer, integerAtLeast, numberIn } from './lr-scheduler-args.js';
import { Optimizer } from './optimizer.js';
import { describe, finiteNumber } from './validate.js';

/**
 * A multiplicative-factor function of the epoch, as PyTorch's `lr_lambda`.
 * @example const warmup: lrScheduler.LrLambda = (epoch) => Math.min(1, (epoch + 1) / 10);
 */
export type LrLambda = (epoch: number) => number;

/** One function per group, from one function or an array of one per group. */
function lambdasFor(owner: string, optimizer: Optimizer, lrLambda: unknown): LrLambda[] {
  checkOptimizer(optimizer, Optimizer);
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(lrLambda)) return new Array<LrLambda>(groups).fill(callable(owner, 'lrLambda', lrLambda));
  if (lrLambda.length !== groups) throw new Error(`Expected ${groups} lr_lambdas, but got ${lrLambda.length}`);
  return lrLambda.map((fn) => callable<LrLambda>(owner, 'lrLambda', fn));
}

/** A factor returned by a user's lambda, checked so a bad one names itself instead of making NaN rates. */
function factorOf(owner: string, fn: LrLambda, epoch: number): number {
  const factor = fn(epoch);
  if (typeof factor !== 'number' || Number.isNaN(factor)) {
    throw new TypeError(`${owner}: expected lrLambda(${epoch}) to return a number, but it returned ${describe(factor)}`);
  }
  return factor;
}

/**
 * Base of LambdaLR and MultiplicativeLR: both save `lr_lambdas` as PyTorch does, `null`
 * for each plain function (PyTorch keeps only a callable object's `__dict__`); loading
 * a non-null entry assigns its fields onto the function, as PyTorch updates `__dict__`.
 */
abstract class LambdaScheduler extends LRScheduler {
  lrLambdas: LrLambda[] = [];

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    const saved = stateDict.lr_lambdas;
    if (!Array.isArray(saved)) return;
    saved.forEach((fields, i) => {
      if (fields !== null && typeof fields === 'object' && this.lrLambdas[i] !== undefined) Object.assign(this.lrLambdas[i], fields);
    });
  }
}

/**
 * `torch.optim.lr_scheduler.LambdaLR`: each group's rate is its initial rate times
 * `lrLambda(epoch)` (one function, or an array of one per group).
 *
 * @example
 * const sched = new lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class LambdaLR extends LambdaScheduler {
  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[], options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { lrLambda: LrLambda | LrLambda[]; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { lrLambda, lastEpoch = -1, verbose = false } = bindArgs('LambdaLR', ['lrLambda', 'lastEpoch', 'verbose'], ['lrLambda'], args);
    const lambdas = lambdasFor('LambdaLR', optimizer, lrLambda);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    return this.baseLrs.map((base, i) => base * factorOf('LambdaLR', this.lrLambdas[i], this.lastEpoch));
  }
}

/**
 * `torch.optim.lr_scheduler.MultiplicativeLR`: multiplies each group's current rate by
 * `lrLambda(epoch)` every epoch after the first.
 *
 * @example
 * const sched = new lrScheduler.MultiplicativeLR(opt, () => 0.95);
 */
export class MultiplicativeLR extends LambdaScheduler {
  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[], options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { lrLambda: LrLambda | LrLambda[]; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { lrLambda, lastEpoch = -1, verbose = false } = bindArgs('MultiplicativeLR', ['lrLambda', 'lastEpoch', 'verbose'], ['lrLambda'], args);
    const lambdas = lambdasFor('MultiplicativeLR', optimizer, lrLambda);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch <= 0) return groups.map((g) => g.lr);
    return groups.map((g, i) => g.lr * factorOf('MultiplicativeLR', this.lrLambdas[i], this.lastEpoch));
  }
}

/** Milestones from a saved dict: PyTorch's Counter (a Map, or an object with numeric keys). */
function milestoneCounts(value: unknown): Map<number, number> {
  const entries = value instanceof Map ? [...value] : Object.entries(value as Record<string, unknown>);
  return new Map(entries.map(([k, v]) => [Number(k), Number(v)]));
}

/**
 * `torch.optim.lr_scheduler.MultiStepLR`: multiplies each group's rate by `gamma` at each
 * milestone epoch (by `gamma ** n` at a milestone listed n times).
 *
 * @example
 * const sched = new lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** PyTorch's `Counter(milestones)`: epoch -> times listed; saved as a Map with int keys. */
  milestones: Map<number, number>;
  gamma: number;
  protected override readonly savedFields = [['gamma', 'gamma']] as const;

  constructor(optimizer: Optimizer, milestones: number[], gamma?: number, options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, milestones: number[], options?: { gamma?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { milestones: number[]; gamma?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { milestones, gamma = 0.1, lastEpoch = -1, verbose = false } = bindArgs('MultiStepLR', ['milestones', 'gamma', 'lastEpoch', 'verbose'], ['milestones'], args);
    if (!Array.isArray(milestones)) throw new TypeError(`MultiStepLR: expected milestones to be an array of epochs, but found ${describe(milestones)}`);
    for (const m of milestones) integerAtLeast('MultiStepLR', 'each milestone', m, 0);
    finiteNumber('MultiStepLR', 'gamma', gamma);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.milestones = new Map();
    for (const m of milestones as number[]) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = gamma as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    let passed = 0;
    for (const [epoch, count] of this.milestones) if (epoch <= this.lastEpoch) passed += count;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }

  override stateDict(): SchedulerStateDict {
    return { milestones: new Map(this.milestones), ...super.stateDict() };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    if ('milestones' in stateDict) this.milestones = milestoneCounts(stateDict.milestones);
  }
}

/**
 * `torch.optim.lr_scheduler.ExponentialLR`: multiplies each group's rate by `gamma` every epoch.
 *
 * @example
 * const sched = new lrScheduler.ExponentialLR(opt, 0.9);
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  protected override readonly savedFields = [['gamma', 'gamma']] as const;

  constructor(optimizer: Optimizer, gamma: number, options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { gamma: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { gamma, lastEpoch = -1, verbose = false } = bindArgs('ExponentialLR', ['gamma', 'lastEpoch', 'verbose'], ['gamma'], args);
    finiteNumber('ExponentialLR', 'gamma', gamma);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.gamma = gamma as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}

/**
 * `torch.optim.lr_scheduler.ConstantLR`: scales each group's rate by `factor` for the first
 * `totalIters` epochs, then restores it.
 *
 * @example
 * const sched = new lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  protected override readonly savedFields = [['factor', 'factor'], ['totalIters', 'total_iters']] as const;

  constructor(optimizer: Optimizer, options?: { factor?: number; totalIters?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { factor = 1 / 3, totalIters = 5, lastEpoch = -1, verbose = false } = bindArgs('ConstantLR', ['factor', 'totalIters', 'lastEpoch', 'verbose'], [], args);
    numberIn('ConstantLR', 'factor', factor, 0, 1, 'Constant multiplicative factor expected to be between 0 and 1.');
    integerAtLeast('ConstantLR', 'totalIters', totalIters, 0);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.factor = factor as number;
    this.totalIters = totalIters as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1.0 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const rest = this.lastEpoch >= this.totalIters ? 1 - this.factor : 0;
    return this.baseLrs.map((base) => base * (this.factor + rest));
  }
}

/**
 * `torch.optim.lr_scheduler.LinearLR`: scales each group's rate by a factor that moves
 * linearly from `startFactor` to `endFactor` over `totalIters` epochs.
 *
 * @example
 * const warmup = new lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  protected override readonly savedFields = [
    ['startFactor', 'start_factor'],
    ['endFactor', 'end_factor'],
    ['totalIters', 'total_iters'],
  ] as const;

  constructor(optimizer: Optimizer, options?: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const names = ['startFactor', 'endFactor', 'totalIters', 'lastEpoch', 'verbose'];
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1, verbose = false } = bindArgs('LinearLR', names, [], args);
    // PyTorch allows start_factor 0, which divides by zero on the second step; flint refuses it.
    if (startFactor === 0) throw new Error('LinearLR: expected startFactor in (0, 1]; 0 would divide by zero on the second step');
    numberIn('LinearLR', 'startFactor', startFactor, 0, 1, 'Starting multiplicative factor expected to be between 0 and 1.');
    numberIn('LinearLR', 'endFactor', endFactor, 0, 1, 'Ending multiplicative factor expected to be between 0 and 1.');
    integerAtLeast('LinearLR', 'totalIters', totalIters, 1);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.startFactor = startFactor as number;
    this.endFactor = endFactor as number;
    this.totalIters = totalIters as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const { lastEpoch: epoch, startFactor: start, endFactor: end, totalIters: total } = this;
    const groups = this.optimizer.paramGroups;
    if (epoch === 0) return groups.map((g) => g.lr * start);
    if (epoch > total) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (end - start) / (total * start + (epoch - 1) * (end - start))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: epoch, startFactor: start, endFactor: end, totalIters: total } = this;
    return this.baseLrs.map((base) => base * (start + ((end - start) * Math.min(total, epoch)) / total));
  }
}

/**
 * `torch.optim.lr_scheduler.PolynomialLR`: decays each group's rate as
 * `(1 - epoch / totalIters) ** power` until `totalIters`, then holds it.
 *
 * @example
 * const sched = new lrScheduler.PolynomialLR(opt, { totalIters: 100, power: 2 });
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  protected override readonly savedFields = [['totalIters', 'total_iters'], ['power', 'power']] as const;

  constructor(optimizer: Optimizer, options?: { totalIters?: number; power?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const { totalIters = 5, power = 1, lastEpoch = -1, verbose = false } = bindArgs('PolynomialLR', ['totalIters', 'power', 'lastEpoch', 'verbose'], [], args);
    integerAtLeast('PolynomialLR', 'totalIters', totalIters, 1);
    finiteNumber('PolynomialLR', 'power', power);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.totalIters = totalIters as number;
    this.power = power as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const { lastEpoch: epoch, totalIters: total } = this;
    const groups = this.optimizer.paramGroups;
    if (epoch === 0 || epoch > total) return groups.map((g) => g.lr);
    const decay = ((1.0 - epoch / total) / (1.0 - (epoch - 1) / total)) ** this.power;
    return groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: epoch, totalIters: total } = this;
    return this.baseLrs.map((base) => base * (1.0 - Math.min(total, epoch) / total) ** this.power);
  }
}
