/**
 * `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts` (SGDR): cosine annealing that
 * restarts every `T_i` epochs, `T_i` growing by `TMult` after each restart. Its `step`
 * accepts fractional epochs, so it can be stepped per batch as `step(epoch + i / iters)`.
 */
import { LRScheduler } from './lr-scheduler.js';
import { bindArgs } from './lr-scheduler-args.js';
import type { Optimizer } from './optimizer.js';
import { describe, finiteNumber } from './validate.js';

/**
 * Cosine annealing with warm restarts: each rate goes from its initial value to `etaMin`
 * over `T0` epochs, restarts, and the next period is `TMult` times longer.
 *
 * @example
 * const sched = new lrScheduler.CosineAnnealingWarmRestarts(opt, 10, { TMult: 2, etaMin: 1e-5 });
 * for (let epoch = 0; epoch < 70; epoch++) {
 *   for (let i = 0; i < iters; i++) { trainBatch(); sched.step(epoch + i / iters); }
 * }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  Ti: number;
  TMult: number;
  etaMin: number;
  /** Epochs (possibly fractional) since the last restart. */
  TCur: number;
  protected override readonly savedFields = [
    ['T0', 'T_0'],
    ['Ti', 'T_i'],
    ['TMult', 'T_mult'],
    ['etaMin', 'eta_min'],
    ['TCur', 'T_cur'],
  ] as const;

  constructor(optimizer: Optimizer, T0: number, options?: { TMult?: number; etaMin?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, options: { T0: number; TMult?: number; etaMin?: number; lastEpoch?: number; verbose?: boolean });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('CosineAnnealingWarmRestarts', ['T0', 'TMult', 'etaMin', 'lastEpoch', 'verbose'], ['T0'], args);
    const { T0, TMult = 1, etaMin = 0, lastEpoch = -1, verbose = false } = bound;
    if (typeof T0 !== 'number' || !Number.isSafeInteger(T0) || T0 <= 0) throw new Error(`Expected positive integer T_0, but got ${describe(T0)}`);
    if (typeof TMult !== 'number' || !Number.isSafeInteger(TMult) || TMult < 1) throw new Error(`Expected integer T_mult >= 1, but got ${describe(TMult)}`);
    finiteNumber('CosineAnnealingWarmRestarts', 'etaMin', etaMin);
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = etaMin as number;
    this.TCur = lastEpoch as number;
    this.initialStep();
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    const { etaMin, TCur, Ti } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * TCur) / Ti))) / 2);
  }

  /**
   * Advances one epoch, or jumps to `epoch`, which may be fractional (the cycle position
   * is then computed from `T0` and `TMult`). As in PyTorch 1.13, this step does not count
   * towards `_step_count`.
   * @example sched.step(); sched.step(3.5);
   */
  override step(epoch?: number): void {
    let at = epoch;
    if (at === undefined && this.lastEpoch < 0) at = 0;
    if (at === undefined) {
      at = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      if (typeof at !== 'number' || !Number.isFinite(at)) {
        throw new TypeError(`CosineAnnealingWarmRestarts.step: expected epoch to be a finite number, but found ${describe(at)}`);
      }
      if (at < 0) throw new Error(`Expected non-negative epoch, but got ${at}`);
      const { T0, TMult } = this;
      if (at >= T0) {
        if (TMult === 1) {
          this.TCur = at % T0;
        } else {
          // Python's math.log(x, base) is log(x) / log(base), truncated by int().
          const n = Math.trunc(Math.log((at / T0) * (TMult - 1) + 1) / Math.log(TMult));
          this.TCur = at - (T0 * (TMult ** n - 1)) / (TMult - 1);
          this.Ti = T0 * TMult ** n;
        }
      } else {
        this.Ti = T0;
        this.TCur = at;
      }
    }
    this.lastEpoch = Math.floor(at);
    const values = this.getLr();
    const groups = this.optimizer.paramGroups;
    for (let i = 0; i < groups.length; i++) {
      groups[i].lr = values[i];
      this.printLr(i, values[i], at);
    }
    this.lastLr = groups.map((g) => g.lr);
  }
}
