/**
 * `torch.optim.swa_utils`: stochastic weight averaging and exponential moving averages of a
 * model's weights (`AveragedModel`), the learning-rate schedule SWA trains under (`SWALR`),
 * and `updateBn`, which recomputes BatchNorm statistics for the averaged weights. Behaviour
 * is PyTorch 2.x's, which keeps an averaged model's buffers in sync with the source model
 * when they are not averaged (1.13 left them at their values when the copy was made).
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor, onesLike, zerosLike } from '../tensor/creation.js';
import { int64 } from '../tensor/dtype.js';
import { type DeviceLike } from '../tensor/device.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Module } from '../nn/module.js';
import { deepCopyModule } from '../nn/layers/clones.js';
import { isBatchNorm } from '../nn/layers/batch-norm.js';
import { checkOptions } from '../tensor/args.js';
import { Optimizer } from './optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import { bindArgs } from './lr-scheduler-args.js';
import { describe } from './validate.js';

/** An average of one tensor: the new value from the running average, the model's value and the count so far. */
export type AvgFn = (averagedParam: Tensor, currentParam: Tensor, numAveraged: Tensor) => Tensor;
/** An average of lists of tensors, updated in place. */
export type MultiAvgFn = (averagedParams: Tensor[], currentParams: Tensor[], numAveraged: Tensor) => void;

/**
 * The exponential moving average `decay · ema + (1 - decay) · current`.
 * @example new AveragedModel(model, { avgFn: getEmaAvgFn(0.999) })
 */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  return (ema, current) => ema.mul(decay).add(current.mul(1 - decay));
}

/**
 * The equal-weight running average `averaged + (current - averaged) / (n + 1)`.
 * @example new AveragedModel(model, { avgFn: getSwaAvgFn() })
 */
export function getSwaAvgFn(): AvgFn {
  return (averaged, current, numAveraged) => averaged.add(current.sub(averaged).div(numAveraged.add(1)));
}

/**
 * The exponential moving average over lists, in place (lerp toward the current values).
 * @example new AveragedModel(model, { multiAvgFn: getEmaMultiAvgFn(0.999) })
 */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  return (emaParams, currentParams) => {
    emaParams.forEach((ema, i) => {
      if (ema.dtype.isFloatingPoint) ema.lerp_(currentParams[i], 1 - decay);
      else ema.mul_(decay).add_(currentParams[i].mul(1 - decay));
    });
  };
}

/**
 * The equal-weight running average over lists, in place.
 * @example new AveragedModel(model, { multiAvgFn: getSwaMultiAvgFn() })
 */
export function getSwaMultiAvgFn(): MultiAvgFn {
  return (averagedParams, currentParams, numAveraged) => {
    const weight = 1 / (Number(numAveraged.item()) + 1);
    averagedParams.forEach((averaged, i) => {
      if (averaged.dtype.isFloatingPoint) averaged.lerp_(currentParams[i], weight);
      else averaged.add_(currentParams[i].sub(averaged).div(numAveraged.add(1)));
    });
  };
}

/** The options of `AveragedModel`. */
export interface AveragedModelOptions {
  /** Where the averaged copy lives (the model's device by default). */
  device?: DeviceLike | null;
  /** How one tensor is averaged (the equal-weight SWA average by default). */
  avgFn?: AvgFn | null;
  /** How lists of tensors are averaged in place; takes precedence over `avgFn`. */
  multiAvgFn?: MultiAvgFn | null;
  /** Average the buffers too (BatchNorm statistics), rather than copying them. */
  useBuffers?: boolean;
}

/**
 * A copy of `model` whose weights are the running average of the weights it is updated
 * with: SWA by default, an EMA with `getEmaAvgFn`. Calling it runs the copy. Its state dict
 * holds `n_averaged` and the copy's state under `module.`, as PyTorch's.
 * @example
 * const swaModel = new optim.swaUtils.AveragedModel(model);
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(model);
 *   if (epoch >= 75) swaModel.updateParameters(model);
 * }
 */
export class AveragedModel<M extends Module<Tensor>> extends Module<Tensor> {
  declare module: M;
  declare n_averaged: Tensor;
  avgFn: AvgFn | null;
  multiAvgFn: MultiAvgFn | null;
  useBuffers: boolean;

  constructor(model: M, options: AveragedModelOptions = {}) {
    super();
    if (!(model instanceof Module)) throw new TypeError(`AveragedModel(): expected model to be a Module, but got ${describe(model)}`);
    checkOptions(options, 'AveragedModel', ['device', 'avgFn', 'multiAvgFn', 'useBuffers']);
    const { device = null, avgFn = null, multiAvgFn = null, useBuffers = false } = options;
    for (const [name, fn] of [['avgFn', avgFn], ['multiAvgFn', multiAvgFn]] as const) {
      if (fn !== null && typeof fn !== 'function') throw new TypeError(`AveragedModel(): ${name} must be a function, but got ${describe(fn)}`);
    }
    if (typeof useBuffers !== 'boolean') throw new TypeError(`AveragedModel(): useBuffers must be a boolean, but got ${describe(useBuffers)}`);
    const copy = deepCopyModule(model);
    this.module = (device === null ? copy : copy.to(device)) as M;
    this.registerBuffer('n_averaged', tensor(0, { dtype: int64, device: device ?? undefined }));
    this.avgFn = avgFn;
    this.multiAvgFn = multiAvgFn;
    this.useBuffers = useBuffers;
  }

  /** Runs the averaged copy. @example swaModel.forward(x) */
  override forward(...args: unknown[]): Tensor {
    return (this.module as unknown as (...a: unknown[]) => Tensor)(...args);
  }

  /**
   * Folds `model`'s current weights into the average (the first call copies them).
   * @example swaModel.updateParameters(model)
   */
  updateParameters(model: M): void {
    if (!(model instanceof Module)) throw new TypeError(`updateParameters(): expected a Module, but got ${describe(model)}`);
    const mine = this.useBuffers ? [...this.module.parameters(), ...this.module.buffers()] : [...this.parameters()];
    const theirs = this.useBuffers ? [...model.parameters(), ...model.buffers()] : [...model.parameters()];
    if (mine.length !== theirs.length) {
      throw new Error(`updateParameters(): the model has ${theirs.length} tensors to average, but the averaged copy has ${mine.length}`);
    }
    noGrad(() => {
      const first = Number(this.n_averaged.item()) === 0;
      const averaged = mine.map((p) => p.detach());
      const current = theirs.map((p, i) => p.detach().to(mine[i].device));
      if (first) {
        averaged.forEach((p, i) => p.copy_(current[i]));
      } else if (this.multiAvgFn !== null) {
        this.multiAvgFn(averaged, current, this.n_averaged);
      } else {
        const fn = this.avgFn ?? getSwaAvgFn();
        averaged.forEach((p, i) => p.copy_(fn(p, current[i], this.n_averaged.to(p.device))));
      }
      if (!this.useBuffers) {
        const [myBuffers, theirBuffers] = [[...this.module.buffers()], [...model.buffers()]];
        myBuffers.forEach((b, i) => b.copy_(theirBuffers[i].detach().to(b.device)));
      }
      this.n_averaged.add_(1);
    });
  }
}

type Batch = Tensor | readonly unknown[];

/** Resets every BatchNorm's statistics, runs `feed`, and restores the momenta and training mode. */
function withFreshBatchNorm(model: Module<unknown>, feed: () => void | Promise<void>): void | Promise<void> {
  const momenta = new Map<Module<unknown>, number | null>();
  for (const m of model.modules()) {
    if (!isBatchNorm(m) || m.running_mean === null || m.running_var === null) continue;
    m.running_mean = zerosLike(m.running_mean);
    m.running_var = onesLike(m.running_var);
    momenta.set(m, m.momentum);
  }
  if (momenta.size === 0) return;
  const wasTraining = model.training;
  model.train();
  for (const m of momenta.keys()) {
    const bn = m as unknown as { momentum: number | null; num_batches_tracked: Tensor | null };
    bn.momentum = null;  // a cumulative average over the whole pass
    if (bn.num_batches_tracked !== null) bn.num_batches_tracked.mul_(0);
  }
  const restore = (): void => {
    for (const [m, momentum] of momenta) (m as unknown as { momentum: number | null }).momentum = momentum;
    model.train(wasTraining);
  };
  const fed = feed();
  if (fed instanceof Promise) return fed.finally(restore);
  restore();
}

/**
 * Recomputes every BatchNorm's running statistics with one pass over `loader` (its
 * batches, or the first element of each batch that is a list), as SWA needs after the
 * weights are averaged. An async-only loader returns a promise.
 * @example optim.swaUtils.updateBn(trainLoader, swaModel)
 */
export function updateBn(loader: Iterable<Batch>, model: Module<unknown>, options?: { device?: DeviceLike | null }): void;
export function updateBn(loader: AsyncIterable<Batch>, model: Module<unknown>, options?: { device?: DeviceLike | null }): Promise<void>;
export function updateBn(loader: Iterable<Batch> | AsyncIterable<Batch>, model: Module<unknown>, options: { device?: DeviceLike | null } = {}): void | Promise<void> {
  if (!(model instanceof Module)) throw new TypeError(`updateBn(): expected model to be a Module, but got ${describe(model)}`);
  checkOptions(options, 'updateBn', ['device']);
  const device = options.device ?? null;
  const sync = loader !== null && typeof (loader as Iterable<Batch>)[Symbol.iterator] === 'function';
  if (!sync && (loader === null || typeof (loader as AsyncIterable<Batch>)[Symbol.asyncIterator] !== 'function')) {
    throw new TypeError(`updateBn(): expected loader to be an iterable of batches, but got ${describe(loader)}`);
  }
  const run = (batch: Batch): void => {
    let input = (Array.isArray(batch) ? batch[0] : batch) as Tensor;
    if (!(input instanceof Tensor)) throw new TypeError(`updateBn(): expected each batch to be a Tensor or a list starting with one, but got ${describe(input)}`);
    if (device !== null) input = input.to(device);
    (model as unknown as (x: Tensor) => unknown)(input);
  };
  return noGrad(() =>
    withFreshBatchNorm(model, () => {
      if (sync) {
        for (const batch of loader as Iterable<Batch>) run(batch);
        return;
      }
      return (async () => {
        for await (const batch of loader as AsyncIterable<Batch>) noGrad(() => run(batch));
      })();
    }),
  );
}

/** The options of `SWALR`. */
export interface SWALROptions {
  swaLr?: number | number[];
  annealEpochs?: number;
  annealStrategy?: 'cos' | 'linear';
  lastEpoch?: number;
}

/**
 * Anneals each group's rate to its `swaLr` over `annealEpochs` epochs (cosine or linear),
 * then holds it there.
 * @example const swaScheduler = new optim.swaUtils.SWALR(opt, { swaLr: 0.05, annealEpochs: 5 });
 */
export class SWALR extends LRScheduler {
  annealEpochs: number;
  readonly annealStrategy: 'cos' | 'linear';
  protected override readonly savedFields = [['annealEpochs', 'anneal_epochs']] as const;

  constructor(optimizer: Optimizer, swaLr: number | number[], annealEpochs?: number, annealStrategy?: 'cos' | 'linear', options?: { lastEpoch?: number });
  constructor(optimizer: Optimizer, swaLr: number | number[], options?: Omit<SWALROptions, 'swaLr'>);
  constructor(optimizer: Optimizer, options: SWALROptions);
  constructor(optimizer: Optimizer, ...args: unknown[]) {
    const bound = bindArgs('SWALR', ['swaLr', 'annealEpochs', 'annealStrategy', 'lastEpoch'], ['swaLr'], args);
    const { swaLr, annealEpochs = 10, annealStrategy = 'cos', lastEpoch = -1 } = bound;
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${describe(optimizer)} is not an Optimizer`);
    const groups = optimizer.paramGroups;
    let swaLrs: unknown[];
    if (Array.isArray(swaLr)) {
      if (swaLr.length !== groups.length) {
        throw new Error(`swa_lr must have the same length as optimizer.param_groups: swa_lr has ${swaLr.length}, optimizer.param_groups has ${groups.length}`);
      }
      swaLrs = swaLr;
    } else swaLrs = groups.map(() => swaLr);
    swaLrs.forEach((lr) => {
      if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new TypeError(`SWALR: expected swaLr to be a finite number, but found ${describe(lr)}`);
    });
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new Error(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(annealStrategy)}`);
    }
    if (typeof annealEpochs !== 'number' || !Number.isInteger(annealEpochs) || annealEpochs < 0) {
      throw new Error(`anneal_epochs must be equal or greater than 0, got ${String(annealEpochs)}`);
    }
    groups.forEach((group, i) => ((group as Record<string, unknown>).swaLr = swaLrs[i]));
    super(optimizer, lastEpoch as number);
    this.annealEpochs = annealEpochs;
    this.annealStrategy = annealStrategy;
    this.initialStep();
  }

  private anneal(t: number): number {
    return this.annealStrategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  }

  /** The rate at the start of annealing that reaches `lr` at `alpha` (inverting the mix below). */
  private static initialLr(lr: number, swaLr: number, alpha: number): number {
    return alpha === 1 ? swaLr : (lr - alpha * swaLr) / (1 - alpha);
  }

  /** @example sched.getLr() */
  getLr(): number[] {
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const groups = this.optimizer.paramGroups as unknown as { lr: number; swaLr: number }[];
    const prevT = Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs)));
    const prevAlpha = this.anneal(prevT);
    const prevLrs = groups.map((g) => SWALR.initialLr(g.lr, g.swaLr, prevAlpha));
    const t = Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs)));
    const alpha = this.anneal(t);
    return groups.map((g, i) => g.swaLr * alpha + prevLrs[i] * (1 - alpha));
  }
}
