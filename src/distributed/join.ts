/**
 * `torch.distributed.algorithms.Join`: training on uneven inputs. A rank that runs out of
 * batches leaves the loop and "joins"; until every rank has, its joinables' hooks shadow
 * the collectives that the ranks still training run each iteration (DDP's gradient
 * all-reduces), so that no rank hangs. Then the post-hooks run (DDP copies the model of
 * the rank that joined last to every rank).
 */
import { ones } from '../tensor/creation.js';
import { float32 } from '../tensor/dtype.js';
import type { Device } from '../tensor/device.js';
import { allReduce, allReduceNumbers } from './collectives.js';
import type { ProcessGroup, Work } from './process-group.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What a joinable does for a joined rank (PyTorch's `JoinHook`): `mainHook` runs once per
 * iteration of the ranks that have not joined, and must run the collectives they run;
 * `postHook` runs once when every rank has joined.
 * @example
 * const hook: JoinHook = { mainHook() { allReduce(zeros(1)).wait(); }, postHook(isLastJoiner) {} };
 */
export interface JoinHook {
  /** Shadows one iteration's collectives of the ranks still training. @example hook.mainHook() */
  mainHook(): void;
  /** Runs once every rank has joined; `isLastJoiner` is true on the ranks that joined last. @example hook.postHook(true) */
  postHook(isLastJoiner: boolean): void;
}

/** The join context's settings, as a joinable sees them (PyTorch's `_JoinConfig`). */
export interface JoinConfig {
  readonly enable: boolean;
  readonly throwOnEarlyTermination: boolean;
  /** The first joinable of a context runs the context's own per-iteration all-reduce. */
  readonly isFirstJoinable: boolean;
}

/** The configuration of a joinable outside any join context. @example ddp._joinConfig = DISABLED_JOIN_CONFIG */
export const DISABLED_JOIN_CONFIG: JoinConfig = Object.freeze({ enable: false, throwOnEarlyTermination: false, isFirstJoinable: false });

/**
 * An object that takes part in a join context (PyTorch's `Joinable`), such as
 * DistributedDataParallel. It calls `Join.notifyJoinContext(this)` before its own
 * per-iteration collectives.
 * @example
 * new Join([ddp]).run(() => { for (const x of myBatches) ddp(x).sum().backward(); });
 */
export interface Joinable {
  /** Its hook for this context; `options` are the context's extra options (e.g. `divideByInitialWorldSize`). */
  joinHook(options: Record<string, unknown>): JoinHook;
  /** The device of the context's own all-reduces. */
  readonly joinDevice: Device;
  /** The group of the context's own all-reduces. */
  readonly joinProcessGroup: ProcessGroup;
  /** Set by the join context. @internal */
  _joinConfig: JoinConfig;
}

/** Options of Join; any other key is handed to every joinable's `joinHook`. */
export interface JoinOptions {
  /** False turns the context off, for inputs known to be even (default true). */
  enable?: boolean;
  /** Throw on every rank as soon as one rank runs out of inputs, instead of shadowing (default false). */
  throwOnEarlyTermination?: boolean;
  [option: string]: unknown;
}

// PyTorch warns when one rank runs this many iterations ahead of another.
const SKEW_WARNING_THRESHOLD = 1000;

/**
 * The join context manager (PyTorch's `torch.distributed.algorithms.Join`). `run(fn)` is the
 * `with` block: `fn` is this rank's training loop, and when it returns, this rank shadows
 * the others until every rank has joined.
 * @example
 * const { Join } = torch.distributed.algorithms;
 * new Join([ddp], { divideByInitialWorldSize: false }).run(() => {
 *   for (const [x, y] of myBatches) { opt.zeroGrad(); F.mseLoss(ddp(x), y).backward(); opt.step(); }
 * });
 */
export class Join {
  private readonly joinables: Joinable[];
  private readonly hooks: JoinHook[];
  private readonly enable: boolean;
  private readonly throwOnEarlyTermination: boolean;
  private readonly group: ProcessGroup;
  private readonly device: Device;

  constructor(joinables: Joinable[], options: JoinOptions = {}) {
    if (!Array.isArray(joinables) || joinables.length === 0) {
      throw new Error('The join context manager requires at least one joinable');
    }
    const { enable = true, throwOnEarlyTermination = false, ...hookOptions } = options;
    for (const j of joinables) {
      if (j === null || (typeof j !== 'object' && typeof j !== 'function') || typeof j.joinHook !== 'function') {
        throw new TypeError('Join: every joinable must implement joinHook, joinDevice and joinProcessGroup (DistributedDataParallel does)');
      }
    }
    this.group = joinables[0].joinProcessGroup;
    this.device = joinables[0].joinDevice;
    if (joinables.some((j) => j.joinProcessGroup !== this.group)) {
      throw new Error('Using join context manager with multiple process groups');
    }
    this.joinables = joinables;
    this.hooks = joinables.map((j) => j.joinHook(hookOptions));
    this.enable = enable;
    this.throwOnEarlyTermination = throwOnEarlyTermination;
    joinables.forEach((j, i) => {
      j._joinConfig = Object.freeze({ enable, throwOnEarlyTermination, isFirstJoinable: i === 0 });
    });
  }

  /**
   * Runs `fn` (this rank's loop over its inputs; it may be async), then shadows the ranks
   * still training until all have joined, and runs the post-hooks. If `fn` throws, the
   * error propagates at once, as from PyTorch's `with` block.
   * @example new Join([ddp]).run(() => train(myBatches));
   */
  run<T>(fn: () => T): T {
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.leave();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          this.exit();
          return value;
        },
        (error) => {
          this.leave();
          throw error;
        },
      ) as T;
    }
    this.exit();
    return result;
  }

  // The joinables leave the context: their forwards stop notifying it.
  private leave(): void {
    for (const j of this.joinables) j._joinConfig = DISABLED_JOIN_CONFIG;
  }

  private exit(): void {
    if (!this.enable) return this.leave();
    try {
      let isLastJoiner = true;
      for (let iteration = 0; ; iteration++) {
        if (iteration === SKEW_WARNING_THRESHOLD + 1) {
          process.emitWarning(
            `Detected uneven input skew of greater than ${SKEW_WARNING_THRESHOLD}. This means that rank ` +
              `${this.group.rank()} has at least ${SKEW_WARNING_THRESHOLD} fewer inputs than other currently-active ` +
              'ranks. This level of skew could lead to performance degradation during training.',
          );
        }
        if (this.countNonJoined() === 0) break;
        if (this.throwOnEarlyTermination) this.notifyToTerminate();
        for (const hook of this.hooks) hook.mainHook();
        isLastJoiner = false;
      }
      for (const hook of this.hooks) hook.postHook(isLastJoiner);
    } finally {
      this.leave();
    }
  }

  // Shadows notifyJoinContext's all-reduce of ones, with a zero: the sum counts the ranks still training.
  private countNonJoined(): number {
    return allReduceNumbers([0], this.group, { dtype: float32, device: this.device })[0];
  }

  // Shadows throwOnEarlyTermination's check with a one, which makes every other rank throw.
  private notifyToTerminate(): never {
    allReduceNumbers([1], this.group, { dtype: float32, device: this.device });
    throw new Error(`Rank ${this.group.rank()} exhausted all inputs.`);
  }

  /**
   * Called by a joinable before its per-iteration collectives: the context's first
   * joinable starts an all-reduce of a one that tells the joined ranks this rank is still
   * training, and returns its Work and tensor (the sum is the number of such ranks).
   * With `throwOnEarlyTermination`, it throws on every rank once any rank has joined.
   * Returns null outside a context and for the other joinables.
   * @example const notified = Join.notifyJoinContext(this); // in a joinable's forward
   */
  static notifyJoinContext(joinable: Joinable): { work: Work; count: Tensor } | null {
    const config = joinable._joinConfig;
    if (config === undefined) throw new Error('Join.notifyJoinContext: the joinable has no _joinConfig (set it to DISABLED_JOIN_CONFIG at construction)');
    if (!config.isFirstJoinable || !config.enable) return null;
    const group = joinable.joinProcessGroup;
    const count = ones([1], { dtype: float32, device: joinable.joinDevice });
    const work = allReduce(count, { group });
    if (config.throwOnEarlyTermination) {
      const [joined] = allReduceNumbers([0], group, { dtype: float32, device: joinable.joinDevice });
      if (joined !== 0) {
        work.wait();
        count.dispose();
        throw new Error('Detected at least one rank that exhausted inputs. Throwing across all ranks.');
      }
    }
    return { work, count };
  }
}
