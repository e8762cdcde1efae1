/**
 * Per-batch cyclical schedules, as `torch.optim.lr_scheduler.CyclicLR` and `OneCycleLR`.
 * Both compute each rate from the step index (not recursively) and, with `cycleMomentum`,
 * move the momentum the other way: SGD's `momentum`, or `betas[0]` for Adam-style
 * optimizers, which PyTorch's OneCycleLR does from 1.13 and its CyclicLR from 2.0.
 */
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { bindArgs, callable, checkOptimizer, integerAtLeast, numberIn, perGroup } from './lr-scheduler-args.js';
import { Optimizer, type ParamGroup } from './optimizer.js';
import { boolean, describe } from './validate.js';

/** `true` when the optimizer keeps its momentum as `betas[0]` (Adam), `false` for `momentum`. */
function usesBeta1(owner: string, optimizer: Optimizer): boolean {
  const defaults = optimizer.defaults as Record<string, unknown>;
  if (!('momentum' in defaults) && !('betas' in defaults)) {
    throw new Error(`${owner}: optimizer must support momentum with \`cycle_momentum\` option enabled (it has neither momentum nor betas)`);
  }
  return 'betas' in defaults;
}

function momentumOf(group: ParamGroup, useBeta1: boolean): number {
  return useBeta1 ? (group.betas as number[])[0] : (group.momentum as number);
}

/** Sets a group's momentum; betas become a new pair, as PyTorch builds a new tuple. */
function setMomentum(group: ParamGroup, value: number, useBeta1: boolean): void {
  if (useBeta1) group.betas = [value, ...(group.betas as number[]).slice(1)];
  else group.momentum = value;
}

/**
 * The base class's own checks, made before these constructors write into the param
 * groups, so a refused scheduler leaves the optimizer as it was.
 */
function checkBeforeWriting(owner: string, lastEpoch: unknown, verbose: unknown): void {
  integerAtLeast(owner, 'lastEpoch', lastEpoch, -1);
  boolean(owner, 'verbose', verbose);
}

/**
 * A scaling policy for `CyclicLR`: the cycle's amplitude is multiplied by `scaleFn(x)`,
 * with x the cycle number (from 1) or the iteration, per `scaleMode`.
 * @example const halving: lrScheduler.ScaleFn = (cycle) => 1 / 2 ** (cycle - 1);
 */
export type ScaleFn = (x: number) => number;

/**
 * Options of `CyclicLR` (PyTorch's keyword arguments, camelCased).
 * @example const o: lrScheduler.CyclicLROptions = { stepSizeUp: 500, mode: 'triangular2' };
 */
export interface CyclicLROptions {
  stepSizeUp?: number;
  stepSizeDown?: number;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  scaleFn?: ScaleFn;
  scaleMode?: 'cycle' | 'iterations';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  lastEpoch?: number;
  verbose?: boolean;
}

const CYCLIC_NAMES = ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode',
  'cycleMomentum', 'baseMomentum', 'maxMomentum', 'lastEpoch', 'verbose'] as const;

/**
 * `torch.optim.lr_scheduler.CyclicLR`: cycles each rate between `baseLr` and `maxLr`
 * (triangle up over `stepSizeUp` steps, down over `stepSizeDown`), with the amplitude
 * scaled per mode (`triangular`, `triangular2` halving each cycle, `exp_range` by
 * `gamma ** iteration`) or by `scaleFn`. Step it after every batch.
 *
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new lrScheduler.CyclicLR(opt, 0.001, 0.1, { stepSizeUp: 200 });
 * for (const batch of loader) { train(batch); sched.step(); }
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  private readonly scaleFnCustom: ScaleFn | null;
  private readonly useBeta1: boolean = false;

  constructor(optimizer: Optimizer, baseLr: number | number[], maxLr: number | number[], options?: CyclicLROptions);
  constructor(optimizer: Optimizer, options: CyclicLROptions & { baseLr: number | number[]; maxLr: number | number[] });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('CyclicLR', CYCLIC_NAMES, ['baseLr', 'maxLr'], args);
    const { stepSizeUp = 2000, mode = 'triangular', gamma = 1, scaleFn, cycleMomentum = true, lastEpoch = -1, verbose = false } = bound;
    checkOptimizer(optimizer, Optimizer);
    const groups = optimizer.paramGroups;
    const baseLrs = perGroup('CyclicLR', 'base_lr', optimizer, bound.baseLr);
    const maxLrs = perGroup('CyclicLR', 'max_lr', optimizer, bound.maxLr);
    const up = numberIn('CyclicLR', 'stepSizeUp', stepSizeUp, Number.MIN_VALUE, Number.MAX_VALUE);
    const down = numberIn('CyclicLR', 'stepSizeDown', bound.stepSizeDown ?? up, Number.MIN_VALUE, Number.MAX_VALUE);
    if (scaleFn === undefined && !['triangular', 'triangular2', 'exp_range'].includes(mode as string)) {
      throw new Error(`mode is invalid and scale_fn is None: expected mode 'triangular', 'triangular2' or 'exp_range', but found ${describe(mode)}`);
    }
    numberIn('CyclicLR', 'gamma', gamma, -Number.MAX_VALUE, Number.MAX_VALUE);
    const custom = scaleFn === undefined ? null : callable<ScaleFn>('CyclicLR', 'scaleFn', scaleFn);
    const scaleMode = custom !== null ? (bound.scaleMode ?? 'cycle') : mode === 'exp_range' ? 'iterations' : 'cycle';
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') {
      throw new Error(`CyclicLR: expected scaleMode 'cycle' or 'iterations', but found ${describe(scaleMode)}`);
    }
    boolean('CyclicLR', 'cycleMomentum', cycleMomentum);
    checkBeforeWriting('CyclicLR', lastEpoch, verbose);
    let useBeta1 = false;
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      useBeta1 = usesBeta1('CyclicLR', optimizer);
      const bases = perGroup('CyclicLR', 'base_momentum', optimizer, bound.baseMomentum ?? 0.8);
      maxMomentums = perGroup('CyclicLR', 'max_momentum', optimizer, bound.maxMomentum ?? 0.9);
      if (lastEpoch === -1) groups.forEach((g, i) => setMomentum(g, bases[i], useBeta1));
      baseMomentums = groups.map((g) => momentumOf(g, useBeta1));
    }
    if (lastEpoch === -1) groups.forEach((g, i) => (g.lr = baseLrs[i]));
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode as string;
    this.gamma = gamma as number;
    this.scaleFnCustom = custom;
    this.scaleMode = scaleMode;
    this.cycleMomentum = cycleMomentum as boolean;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    // As PyTorch: the first step scales from the groups' initial rates, then base_lr takes over.
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  /**
   * The amplitude scale at `x` (cycle number or iteration): `scaleFn`, or the mode's.
   * @example sched.scaleFn(2) // 0.5 in 'triangular2' mode
   */
  scaleFn(x: number): number {
    if (this.scaleFnCustom !== null) return this.scaleFnCustom(x);
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1.0;
  }

  /** Rates at batch `lastEpoch`; also sets the groups' momentum when `cycleMomentum`. */
  getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * scale);
    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const max = this.maxMomentums[i];
        setMomentum(g, max - (max - this.baseMomentums[i]) * scaleFactor * scale, this.useBeta1);
      });
    }
    return lrs;
  }

  /**
   * PyTorch 1.13's keys and values, less the one scale function PyTorch holds
   * (`_scale_fn_custom` with a `scaleFn`, else the mode's `_scale_fn_ref`); the other is
   * `null`, as PyTorch's `None`. Functions do not serialize, and a missing key leaves the
   * loading side's own in place, where a `None` would break PyTorch's next step.
   * @example sched.stateDict().max_lrs
   */
  override stateDict(): SchedulerStateDict {
    const dict: SchedulerStateDict = {
      max_lrs: this.maxLrs.slice(),
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      ...(this.scaleFnCustom === null ? { _scale_fn_custom: null } : { _scale_fn_ref: null }),
      scale_mode: this.scaleMode,
      cycle_momentum: this.cycleMomentum,
    };
    if (this.cycleMomentum) Object.assign(dict, { base_momentums: this.baseMomentums.slice(), max_momentums: this.maxMomentums.slice() });
    return { ...dict, ...super.stateDict() };
  }

  /** @example sched.loadStateDict(saved) */
  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    const d = stateDict as Record<string, never>;
    if ('max_lrs' in d) this.maxLrs = (d.max_lrs as number[]).slice();
    if ('total_size' in d) this.totalSize = d.total_size;
    if ('step_ratio' in d) this.stepRatio = d.step_ratio;
    if ('mode' in d) this.mode = d.mode;
    if ('gamma' in d) this.gamma = d.gamma;
    if ('scale_mode' in d) this.scaleMode = d.scale_mode;
    if ('cycle_momentum' in d) this.cycleMomentum = d.cycle_momentum;
    if ('base_momentums' in d) this.baseMomentums = (d.base_momentums as number[]).slice();
    if ('max_momentums' in d) this.maxMomentums = (d.max_momentums as number[]).slice();
  }
}

/** One phase of a OneCycleLR schedule, with PyTorch's keys (names of param-group fields). */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/** The flint param-group field behind a PyTorch key named in a phase. */
const GROUP_FIELD: Record<string, string> = {
  initial_lr: 'initialLr',
  max_lr: 'maxLr',
  min_lr: 'minLr',
  max_momentum: 'maxMomentum',
  base_momentum: 'baseMomentum',
};

/**
 * Options of `OneCycleLR` (PyTorch's keyword arguments, camelCased); give `totalSteps`
 * or both `epochs` and `stepsPerEpoch`.
 * @example const o: lrScheduler.OneCycleLROptions = { totalSteps: 1000, threePhase: true };
 */
export interface OneCycleLROptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
  verbose?: boolean;
}

const ONE_CYCLE_NAMES = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum',
  'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch', 'verbose'] as const;

/**
 * `torch.optim.lr_scheduler.OneCycleLR`: the 1cycle policy. Each rate rises from
 * `maxLr / divFactor` to `maxLr` over `pctStart` of the steps, then anneals to
 * `initialLr / finalDivFactor` (with `threePhase`, back to the initial rate first), by
 * cosine or linear annealing; momentum moves the other way. Step it after every batch.
 *
 * @example
 * const sched = new lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 1000 });
 * for (const batch of loader) { train(batch); sched.step(); }
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;

  constructor(optimizer: Optimizer, maxLr: number | number[], options?: OneCycleLROptions);
  constructor(optimizer: Optimizer, options: OneCycleLROptions & { maxLr: number | number[] });
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('OneCycleLR', ONE_CYCLE_NAMES, ['maxLr'], args);
    const { totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true } = bound;
    const { divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1, verbose = false } = bound;
    checkOptimizer(optimizer, Optimizer);
    let total: number;
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
      throw new Error('You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (totalSteps !== undefined) {
      if (!Number.isSafeInteger(totalSteps) || (totalSteps as number) <= 0) throw new Error(`Expected positive integer total_steps, but got ${describe(totalSteps)}`);
      total = totalSteps as number;
    } else {
      if (!Number.isSafeInteger(epochs) || (epochs as number) <= 0) throw new Error(`Expected positive integer epochs, but got ${describe(epochs)}`);
      if (!Number.isSafeInteger(stepsPerEpoch) || (stepsPerEpoch as number) <= 0) {
        throw new Error(`Expected positive integer steps_per_epoch, but got ${describe(stepsPerEpoch)}`);
      }
      total = (epochs as number) * (stepsPerEpoch as number);
    }
    const pct = numberIn('OneCycleLR', 'pctStart', pctStart, 0, 1, `Expected float between 0 and 1 pct_start, but got ${describe(pctStart)}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new Error(`anneal_strategy must by one of 'cos' or 'linear', instead got ${describe(annealStrategy)}`);
    }
    numberIn('OneCycleLR', 'divFactor', divFactor, Number.MIN_VALUE, Number.MAX_VALUE);
    numberIn('OneCycleLR', 'finalDivFactor', finalDivFactor, Number.MIN_VALUE, Number.MAX_VALUE);
    boolean('OneCycleLR', 'threePhase', threePhase);
    boolean('OneCycleLR', 'cycleMomentum', cycleMomentum);
    checkBeforeWriting('OneCycleLR', lastEpoch, verbose);
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup('OneCycleLR', 'max_lr', optimizer, bound.maxLr);
    let useBeta1 = false;
    let maxMomentums: number[] = [];
    let baseMomentums: number[] = [];
    if (cycleMomentum) {
      useBeta1 = usesBeta1('OneCycleLR', optimizer);
      maxMomentums = perGroup('OneCycleLR', 'max_momentum', optimizer, bound.maxMomentum ?? 0.95);
      baseMomentums = perGroup('OneCycleLR', 'base_momentum', optimizer, bound.baseMomentum ?? 0.85);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / (divFactor as number);
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / (finalDivFactor as number);
        if (cycleMomentum) {
          setMomentum(g, maxMomentums[i], useBeta1);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        }
      });
    }
    super(optimizer, lastEpoch as number, verbose as boolean);
    this.totalSteps = total;
    const phase = (end_step: number, start_lr: string, end_lr: string, start_momentum: string, end_momentum: string): Phase =>
      ({ end_step, start_lr, end_lr, start_momentum, end_momentum });
    this.schedulePhases = threePhase
      ? [
          phase(pct * total - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(2 * pct * total - 2, 'max_lr', 'initial_lr', 'base_momentum', 'max_momentum'),
          phase(total - 1, 'initial_lr', 'min_lr', 'max_momentum', 'max_momentum'),
        ]
      : [
          phase(pct * total - 1, 'initial_lr', 'max_lr', 'max_momentum', 'base_momentum'),
          phase(total - 1, 'max_lr', 'min_lr', 'base_momentum', 'max_momentum'),
        ];
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum as boolean;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
  }

  /** Rates at step `lastEpoch`; also sets the groups' momentum when `cycleMomentum`. */
  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this.schedulePhases;
    return this.optimizer.paramGroups.map((group) => {
      const field = (key: string): number => group[GROUP_FIELD[key]] as number;
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (stepNum <= phase.end_step || i === phases.length - 1) {
          const pct = (stepNum - start) / (phase.end_step - start);
          if (this.cycleMomentum) {
            setMomentum(group, this.anneal(field(phase.start_momentum), field(phase.end_momentum), pct), this.useBeta1);
          }
          return this.anneal(field(phase.start_lr), field(phase.end_lr), pct);
        }
        start = phase.end_step;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }

  /**
   * PyTorch 1.13's keys, less `anneal_func` (a bound method there): a missing key leaves
   * the loading side's own, where a `None` would break PyTorch's next step.
   * @example sched.stateDict().total_steps
   */
  override stateDict(): SchedulerStateDict {
    const dict: SchedulerStateDict = {
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((p) => ({ ...p })),
      cycle_momentum: this.cycleMomentum,
    };
    if (this.cycleMomentum) dict.use_beta1 = this.useBeta1;
    return { ...dict, ...super.stateDict() };
  }

  /** @example sched.loadStateDict(saved) */
  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    const d = stateDict as Record<string, never>;
    if ('total_steps' in d) this.totalSteps = d.total_steps;
    if ('_schedule_phases' in d) this.schedulePhases = (d._schedule_phases as Phase[]).map((p) => ({ ...p }));
    if ('cycle_momentum' in d) this.cycleMomentum = d.cycle_momentum;
    if ('use_beta1' in d) this.useBeta1 = d.use_beta1;
  }
}
