/**
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: lowers the rates when a monitored metric
 * stops improving. Unlike the epoch schedulers it is driven by `step(metric)`, and (as in
 * PyTorch 1.13) is not an `LRScheduler`.
 */
import { Tensor } from '../tensor/tensor.js';
import type { SchedulerStateDict } from './lr-scheduler.js';
import { bindArgs, checkOptimizer, epochString, integerAtLeast, pyExp4 } from './lr-scheduler-args.js';
import { Optimizer } from './optimizer.js';
import { boolean, describe, finiteNumber } from './validate.js';

/**
 * Options of `ReduceLROnPlateau` (PyTorch's keyword arguments, camelCased).
 * @example const o: lrScheduler.ReduceLROnPlateauOptions = { mode: 'max', patience: 3 };
 */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
  /** Print each reduction, as PyTorch's `verbose=True`. */
  verbose?: boolean;
}

const NAMES = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps', 'verbose'] as const;

function checkModes(mode: unknown, thresholdMode: unknown): void {
  if (mode !== 'min' && mode !== 'max') throw new Error(`mode ${String(mode)} is unknown!`);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new Error(`threshold mode ${String(thresholdMode)} is unknown!`);
}

/**
 * Multiplies each group's rate by `factor` (not below its `minLr`) once the metric has
 * not improved, by more than `threshold`, for more than `patience` steps; then waits
 * `cooldown` steps before counting again. Changes smaller than `eps` are skipped.
 *
 * @example
 * const sched = new lrScheduler.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (`Infinity` / `-Infinity` before the first step). */
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  verbose: boolean;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options?: ReduceLROnPlateauOptions);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('ReduceLROnPlateau', NAMES, [], args);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8, verbose = false } = bound;
    finiteNumber('ReduceLROnPlateau', 'factor', factor);
    if ((factor as number) >= 1.0) throw new Error('Factor should be < 1.0.');
    checkOptimizer(optimizer, Optimizer);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(minLr) && minLr.length !== groups) throw new Error(`expected ${groups} min_lrs, got ${minLr.length}`);
    const minLrs = Array.isArray(minLr) ? minLr.slice() : new Array<unknown>(groups).fill(minLr);
    for (const m of minLrs) finiteNumber('ReduceLROnPlateau', 'minLr', m);
    integerAtLeast('ReduceLROnPlateau', 'patience', patience, 0);
    integerAtLeast('ReduceLROnPlateau', 'cooldown', cooldown, 0);
    finiteNumber('ReduceLROnPlateau', 'threshold', threshold);
    finiteNumber('ReduceLROnPlateau', 'eps', eps);
    boolean('ReduceLROnPlateau', 'verbose', verbose);
    checkModes(mode, thresholdMode);
    this.optimizer = optimizer;
    this.factor = factor as number;
    this.minLrs = minLrs as number[];
    this.patience = patience as number;
    this.cooldown = cooldown as number;
    this.mode = mode as 'min' | 'max';
    this.threshold = threshold as number;
    this.thresholdMode = thresholdMode as 'rel' | 'abs';
    this.eps = eps as number;
    this.verbose = verbose as boolean;
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** `true` while waiting out the cooldown after a reduction. @example sched.inCooldown */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Whether `a` improves on `best` by more than the threshold, in this mode.
   * @example sched.isBetter(0.9, 1.0)
   */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /**
   * Records one epoch's metric (a number or a one-element tensor) and reduces the rates
   * if it has plateaued. `epoch` sets the epoch number (deprecated in PyTorch).
   * @example sched.step(valLoss)
   */
  step(metrics: number | Tensor, epoch?: number): void {
    let current: number;
    if (metrics instanceof Tensor) current = Number(metrics.item());
    else if (typeof metrics === 'number') current = metrics;
    else throw new TypeError(`ReduceLROnPlateau.step: expected the metric to be a number or a one-element Tensor, but found ${describe(metrics)}`);
    const at = epoch ?? this.lastEpoch + 1;
    finiteNumber('ReduceLROnPlateau.step', 'epoch', at);
    this.lastEpoch = at;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr(at);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) {
        group.lr = newLr;
        if (this.verbose) console.log(`Epoch ${epochString(epoch)}: reducing learning rate of group ${i} to ${pyExp4(newLr)}.`);
      }
    });
  }

  /**
   * The groups' rates after the last `step` (their rates at construction before one).
   * @example sched.getLastLr()
   */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /**
   * The state with PyTorch's keys (`best`, `num_bad_epochs`, `cooldown_counter`, ...);
   * `best` and `mode_worse` may be `Infinity`, as PyTorch's `inf`.
   * @example const saved = sched.stateDict();
   */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: this.minLrs.slice(),
      patience: this.patience,
      verbose: this.verbose,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      mode_worse: this.modeWorse,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: this.lastLr.slice(),
    };
  }

  /**
   * Restores a state from `stateDict()` (or PyTorch's); keys it lacks stay as they are.
   * @example sched.loadStateDict(saved)
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const d = stateDict as Record<string, never>;
    checkModes(d.mode ?? this.mode, d.threshold_mode ?? this.thresholdMode);
    const number = (key: string, current: number): number => (key in d ? Number(d[key]) : current);
    this.factor = number('factor', this.factor);
    if ('min_lrs' in d) this.minLrs = (d.min_lrs as number[]).slice();
    this.patience = number('patience', this.patience);
    if (typeof d.verbose === 'boolean') this.verbose = d.verbose;
    this.cooldown = number('cooldown', this.cooldown);
    this.cooldownCounter = number('cooldown_counter', this.cooldownCounter);
    if ('mode' in d) this.mode = d.mode;
    this.threshold = number('threshold', this.threshold);
    if ('threshold_mode' in d) this.thresholdMode = d.threshold_mode;
    this.best = number('best', this.best);
    this.numBadEpochs = number('num_bad_epochs', this.numBadEpochs);
    this.eps = number('eps', this.eps);
    this.lastEpoch = number('last_epoch', this.lastEpoch);
    if ('_last_lr' in d) this.lastLr = (d._last_lr as number[]).slice();
    // As PyTorch's _init_is_better: the worst value follows the (possibly loaded) mode.
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }
}
