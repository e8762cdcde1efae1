/**
 * Schedulers made of schedulers, as `torch.optim.lr_scheduler.SequentialLR` (one after
 * another, switching at milestones) and `ChainedScheduler` (all of them every step, their
 * recursive forms composing). Their state dicts hold their schedulers' under `_schedulers`.
 */
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { bindArgs, checkOptimizer, integerAtLeast } from './lr-scheduler-args.js';
import { Optimizer } from './optimizer.js';
import { describe } from './validate.js';

function schedulerList(owner: string, schedulers: unknown): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    throw new TypeError(`${owner}: expected schedulers to be a non-empty array of LR schedulers, but found ${describe(schedulers)}`);
  }
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler)) throw new TypeError(`${owner}: expected schedulers[${i}] to be an LR scheduler, but found ${describe(s)}`);
  });
  return schedulers.slice() as LRScheduler[];
}

/** The `_schedulers` entry of a saved dict, checked against the schedulers it is loaded into. */
function savedSchedulers(owner: string, stateDict: SchedulerStateDict, count: number): SchedulerStateDict[] | null {
  if (!('_schedulers' in stateDict)) return null;
  const saved = stateDict._schedulers;
  if (!Array.isArray(saved) || saved.length !== count) {
    throw new Error(`${owner}.loadStateDict: expected '_schedulers' to hold the states of ${count} schedulers, but found ${describe(saved)}`);
  }
  return saved as SchedulerStateDict[];
}

/**
 * `torch.optim.lr_scheduler.SequentialLR`: runs `schedulers[0]` until `milestones[0]`, then
 * `schedulers[1]` (restarted at its epoch 0) until `milestones[1]`, and so on.
 *
 * @example
 * const warmup = new lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new lrScheduler.ExponentialLR(opt, 0.95);
 * const sched = new lrScheduler.SequentialLR(opt, [warmup, decay], [5]);
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  /** `verbose` is accepted and, as in PyTorch, does nothing (the schedulers print for themselves). */
  constructor(optimizer: Optimizer, schedulers: LRScheduler[], milestones: number[], options?: { lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('SequentialLR', ['schedulers', 'milestones', 'lastEpoch', 'verbose'], ['schedulers', 'milestones'], args);
    checkOptimizer(optimizer, Optimizer);
    const schedulers = schedulerList('SequentialLR', bound.schedulers);
    const { milestones, lastEpoch = -1 } = bound;
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new Error(
          'Sequential Schedulers expects all schedulers to belong to the same optimizer, but ' +
            `got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (!Array.isArray(milestones)) throw new TypeError(`SequentialLR: expected milestones to be an array of epochs, but found ${describe(milestones)}`);
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, ' +
          `but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    for (const m of milestones) integerAtLeast('SequentialLR', 'each milestone', m, 0);
    super(optimizer, lastEpoch as number);
    this.schedulers = schedulers;
    this.milestones = (milestones as number[]).slice();
    this.lastEpoch = (lastEpoch as number) + 1;
    // Undo the schedulers' own first steps, then run the first one's again from the start.
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  /** PyTorch's SequentialLR has no `get_lr`: its schedulers compute the rates. */
  getLr(): number[] {
    throw new Error('SequentialLR computes no rates itself; use getLastLr()');
  }

  /**
   * Steps the scheduler whose interval holds the new epoch; at a milestone that scheduler
   * starts at its epoch 0 (`step(0)`).
   * @example opt.step(); sched.step();
   */
  override step(): void {
    this.lastEpoch += 1;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++;
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** @example const saved = sched.stateDict(); // { _milestones, last_epoch, _last_lr, _schedulers } */
  override stateDict(): SchedulerStateDict {
    return {
      _milestones: this.milestones.slice(),
      last_epoch: this.lastEpoch,
      _last_lr: this.lastLr.slice(),
      _schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** @example sched.loadStateDict(saved) */
  override loadStateDict(stateDict: SchedulerStateDict): void {
    const saved = savedSchedulers('SequentialLR', stateDict, this.schedulers.length);
    if ('_milestones' in stateDict) this.milestones.splice(0, this.milestones.length, ...(stateDict._milestones as number[]));
    if ('last_epoch' in stateDict) this.lastEpoch = stateDict.last_epoch as number;
    if ('_last_lr' in stateDict) this.lastLr = (stateDict._last_lr as number[]).slice();
    saved?.forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}

/**
 * `torch.optim.lr_scheduler.ChainedScheduler`: steps every scheduler in order on each
 * `step()`, so their (recursive) effects multiply.
 *
 * @example
 * const sched = new lrScheduler.ChainedScheduler([
 *   new lrScheduler.ConstantLR(opt, { factor: 0.1, totalIters: 2 }),
 *   new lrScheduler.ExponentialLR(opt, 0.9),
 * ]);
 */
export class ChainedScheduler extends LRScheduler {
  readonly schedulers: LRScheduler[];

  constructor(schedulers: LRScheduler[]);
  constructor(options: { schedulers: LRScheduler[] });
  constructor(...args: unknown[]) {
    const schedulers = schedulerList('ChainedScheduler', bindArgs('ChainedScheduler', ['schedulers'], ['schedulers'], args).schedulers);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) {
        throw new Error(`ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
      }
    });
    super(schedulers[0].optimizer);
    this.schedulers = schedulers;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** PyTorch's ChainedScheduler has no `get_lr`: its schedulers compute the rates. */
  getLr(): number[] {
    throw new Error('ChainedScheduler computes no rates itself; use getLastLr()');
  }

  /**
   * Steps each scheduler once, in order.
   * @example opt.step(); sched.step();
   */
  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** @example const saved = sched.stateDict(); // { _last_lr, _schedulers } */
  override stateDict(): SchedulerStateDict {
    return { _last_lr: this.lastLr.slice(), _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** @example sched.loadStateDict(saved) */
  override loadStateDict(stateDict: SchedulerStateDict): void {
    const saved = savedSchedulers('ChainedScheduler', stateDict, this.schedulers.length);
    if ('_last_lr' in stateDict) this.lastLr = (stateDict._last_lr as number[]).slice();
    saved?.forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}
