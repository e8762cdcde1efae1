/**
 * `nn.parallel.DistributedDataParallel`: data-parallel training across the ranks of a
 * process group, as PyTorch's DDP. Gradients are averaged in buckets whose all-reduce
 * starts as soon as the bucket's last gradient is accumulated during backward, so that
 * communication (on the group's native thread) overlaps with the rest of the backward.
 */
import { noGrad, isGradEnabled } from '../../autograd/grad-mode.js';
import { tensor, zeros } from '../../tensor/creation.js';
import type { Device } from '../../tensor/device.js';
import type { Tensor } from '../../tensor/tensor.js';
import { float32, int64 } from '../../tensor/dtype.js';
import { allReduce, allReduceNumbers, broadcast } from '../../distributed/collectives.js';
import { ReduceOp, type ProcessGroup, type Work } from '../../distributed/process-group.js';
import { resolveGroup } from '../../distributed/state.js';
import { DISABLED_JOIN_CONFIG, Join, type JoinConfig, type Joinable, type JoinHook } from '../../distributed/join.js';
import { Module } from '../module.js';
import type { CommHook } from './comm-hooks.js';
import { MIB, Reducer } from './reducer.js';

/** Options of `ddp.join`, as PyTorch's keyword arguments. */
export interface DDPJoinOptions {
  /** Divide the summed gradients by the initial world size (default true), or by the ranks still training. */
  divideByInitialWorldSize?: boolean;
  /** False runs `fn` alone, for inputs known to be even (default true). */
  enable?: boolean;
  /** Throw on every rank as soon as one rank runs out of inputs (default false). */
  throwOnEarlyTermination?: boolean;
}

/** Options of DistributedDataParallel, as PyTorch's keyword arguments. */
export interface DistributedDataParallelOptions {
  /**
   * For a module on one GPU, `[its device]`, as PyTorch's; a CPU module takes none (null or
   * `[]`), and PyTorch's error says so otherwise.
   */
  deviceIds?: (number | string)[] | null;
  /** Where a GPU module's output goes (default `deviceIds[0]`); a CPU module takes none. */
  outputDevice?: number | string | null;
  /** Broadcast rank 0's buffers (batch norm's running stats) before each training forward (default true). */
  broadcastBuffers?: boolean;
  /** The group to average over (default: the world). */
  processGroup?: ProcessGroup | null;
  /** Bucket size in MiB (default 25; the first bucket is 1 MiB, as in PyTorch). */
  bucketCapMb?: number;
  /** Mark parameters the forward did not use as ready, so that their buckets still reduce (default false). */
  findUnusedParameters?: boolean;
  /** After the all-reduce, gradients become views of the buckets instead of copies (default false). */
  gradientAsBucketView?: boolean;
  /**
   * The set of parameters used, and how many times each one's gradient arrives in a
   * backward, do not change between iterations (default false). The first iteration counts
   * them and reduces when its backward ends; later ones reduce each bucket as soon as its
   * counts are reached. This allows a layer in several reentrant `checkpoint`s, and
   * parameters unused by the forward without findUnusedParameters' graph walk.
   */
  staticGraph?: boolean;
}

/**
 * PyTorch's `DistributedDataParallel`. At construction it broadcasts rank 0's parameters
 * and buffers to every rank; each synced backward then averages the gradients over the
 * group. The wrapped model is `ddp.module`, registered under that name, so `ddp.stateDict()`
 * keys start with `module.` exactly as PyTorch's do: save `ddp.module.stateDict()` for
 * keys that load into the unwrapped model.
 * @example
 * await dist.initProcessGroup({ backend: 'gloo' });
 * const ddp = new nn.parallel.DistributedDataParallel(net);
 * loss(ddp(X), y).backward();  // gradients are now averaged across ranks
 * opt.step();
 */
export class DistributedDataParallel<Out = Tensor> extends Module<Out> implements Joinable {
  declare module: Module<Out>;
  declare private reducer: Reducer;
  declare private requireSync: boolean;
  declare private broadcastBuffersOption: boolean;
  declare private group: ProcessGroup;
  /** Set by a join context (see `join`). @internal */
  declare _joinConfig: JoinConfig;
  declare private divideByInitialWorldSize: boolean;
  /** The join context's all-reduces that this rank's forwards started and nothing waits for. */
  declare private joinWorks: { work: Work; tensor: Tensor }[];

  constructor(module: Module<Out>, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DistributedDataParallel: module must be an nn.Module');
    const group = resolveGroup({ group: options.processGroup ?? undefined }, 'DistributedDataParallel');
    if (group === null) throw new Error('DistributedDataParallel: this rank is not a member of the process group');
    const capMb = options.bucketCapMb ?? 25;
    if (!(capMb > 0)) throw new RangeError(`DistributedDataParallel: bucketCapMb must be positive, got ${capMb}`);
    const params = module.parameters().filter((p) => p.requiresGrad);
    if (params.length === 0) {
      throw new Error("DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    }
    checkDevices(module, params, options);
    this.module = module;
    Object.defineProperties(this, {
      group: { value: group, writable: true },
      requireSync: { value: true, writable: true },
      broadcastBuffersOption: { value: options.broadcastBuffers ?? true, writable: true },
      _joinConfig: { value: DISABLED_JOIN_CONFIG, writable: true },
      divideByInitialWorldSize: { value: true, writable: true },
      joinWorks: { value: [], writable: true },
    });
    syncModuleStates(module, group, group.ranks[0]);
    Object.defineProperty(this, 'reducer', {
      value: new Reducer(params, group, capMb * MIB, options.findUnusedParameters ?? false, options.gradientAsBucketView ?? false, options.staticGraph ?? false),
      writable: true,
    });
  }

  override forward(...inputs: unknown[]): Out {
    const join = this._joinConfig;
    const syncsGradients = isGradEnabled() && this.requireSync && this.training;
    const buffersToSync = this.buffersToSync();
    const syncsBuffers = buffersToSync !== null;
    // What earlier forwards in a join context started and nothing waited for.
    if (this.joinWorks.length > 0) this.finishJoinWorks();
    if (join.enable) {
      // Each of these all-reduces is matched by a joined rank's hook (see join()).
      const notified = Join.notifyJoinContext(this);
      if (notified !== null) {
        if (syncsGradients) this.reducer.setForwardPassWork(notified.work, notified.count, this.divideByInitialWorldSize);
        else this.joinWorks.push({ work: notified.work, tensor: notified.count });
      }
      // Tells the joined ranks, before they would have to take part, whether this
      // iteration broadcasts buffers and whether its backward reduces. PyTorch sends the
      // gradient flag alone, after the buffers, and has the joined ranks reuse the last
      // iteration's flag for the buffers; flint sends both first, and its gradient flag is
      // the condition the reducer arms on, so that an eval or no-grad forward in the loop
      // does not leave the joined ranks waiting for a backward that never comes.
      const flags = tensor([syncsGradients ? 1 : 0, syncsBuffers ? 1 : 0], { dtype: float32, device: this.joinDevice });
      this.joinWorks.push({ work: allReduce(flags, { group: this.group }), tensor: flags });
    }
    if (buffersToSync !== null) {
      // Rank 0 may have joined: in a join context the last rank still training is the source.
      const source = join.enable ? this.findCommonRank(true) : this.group.ranks[0];
      broadcastCoalesced(buffersToSync, this.group, source);
    }
    const output = (this.module as unknown as (...args: unknown[]) => Out)(...inputs);
    if (syncsGradients) this.reducer.prepareForBackward(output);
    return output;
  }

  /** The buffers a training forward broadcasts (broadcastBuffers), or null when it broadcasts none. */
  private buffersToSync(): Tensor[] | null {
    if (!this.training || !this.broadcastBuffersOption || this.group.size() === 1) return null;
    const buffers = this.module.buffers();
    return buffers.length > 0 ? buffers : null;
  }

  /**
   * The global rank of the highest group rank for which `candidate` is true on that rank
   * (PyTorch's `_find_common_rank`, an all-reduce of MAX).
   */
  private findCommonRank(candidate: boolean): number {
    const [common] = allReduceNumbers([candidate ? this.group.rank() : -1], this.group, { dtype: int64, device: 'cpu', op: ReduceOp.MAX });
    if (common === -1) throw new Error('DistributedDataParallel: no rank is a candidate for the common rank (every rank passed false)');
    return this.group.ranks[common];
  }

  private finishJoinWorks(): void {
    const works = this.joinWorks;
    this.joinWorks = [];
    for (const { work, tensor: t } of works) {
      work.wait();
      t.dispose();
    }
  }

  /**
   * The join context manager for uneven inputs, as PyTorch's `ddp.join()`: `fn` is this
   * rank's training loop; once it returns, this rank runs zero-gradient all-reduces to
   * match each backward of the ranks with inputs left, until all have finished, and then
   * every rank takes the parameters and buffers of the rank that finished last. The
   * average divides by the initial world size unless `divideByInitialWorldSize` is false
   * (then by the ranks still training). `fn` may be async.
   * @example
   * ddp.join(() => {
   *   for (const [x, y] of myBatches) { opt.zeroGrad(); F.mseLoss(ddp(x), y).backward(); opt.step(); }
   * });
   */
  join<T>(fn: () => T): T;
  join<T>(options: DDPJoinOptions, fn: () => T): T;
  join<T>(optionsOrFn: DDPJoinOptions | (() => T), maybeFn?: () => T): T {
    const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn ?? {}, maybeFn];
    if (typeof fn !== 'function') throw new TypeError('DistributedDataParallel.join: expected the training loop as a function');
    const { divideByInitialWorldSize = true, enable = true, throwOnEarlyTermination = false } = options;
    return new Join([this], { enable, throwOnEarlyTermination, divideByInitialWorldSize }).run(fn);
  }

  /**
   * The hook a join context runs on this rank once it has joined (PyTorch's `join_hook`);
   * `options.divideByInitialWorldSize` as in `join`. @example new Join([ddp], { divideByInitialWorldSize: false })
   */
  joinHook(options: Record<string, unknown> = {}): JoinHook {
    this.divideByInitialWorldSize = (options.divideByInitialWorldSize as boolean | undefined) ?? true;
    return {
      mainHook: () => {
        this.finishJoinWorks();
        const [syncsGradients, syncsBuffers] = allReduceNumbers([0, 0], this.group, { dtype: float32, device: this.joinDevice }).map((f) => f !== 0);
        if (syncsBuffers) broadcastCoalesced(this.module.buffers(), this.group, this.findCommonRank(false));
        if (syncsGradients) this.reducer.matchBackwardCollectives();
      },
      postHook: (isLastJoiner) => {
        this.finishJoinWorks();
        syncModuleStates(this.module, this.group, this.findCommonRank(isLastJoiner));
      },
    };
  }

  /** The device of the join context's all-reduces: the parameters'. @example ddp.joinDevice */
  get joinDevice(): Device {
    return this.reducer.params[0].device;
  }

  /** The group DDP averages over. @example ddp.joinProcessGroup.size() */
  get joinProcessGroup(): ProcessGroup {
    return this.group;
  }

  /**
   * Runs `fn` without averaging gradients, so that they accumulate locally (gradient
   * accumulation); the next synced backward averages the accumulated sum. `fn` may be async.
   * @example
   * ddp.noSync(() => loss(ddp(x1), y1).backward());
   * loss(ddp(x2), y2).backward(); // averages the gradients of both batches
   */
  noSync<T>(fn: () => T): T {
    const before = this.requireSync;
    this.requireSync = false;
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.requireSync = before;
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => (this.requireSync = before)) as T;
    }
    this.requireSync = before;
    return result;
  }

  /**
   * Registers a communication hook, as PyTorch's `register_comm_hook`: for each bucket of
   * gradients, `hook(state, bucket)` returns a torch.futures.Future of the bucket's reduced
   * gradients, which DDP waits for at the end of backward and writes into `.grad`. The hook
   * does the averaging (DDP's own division by the world size is skipped). Register it once,
   * before training.
   * @example
   * const { defaultHooks } = torch.distributed.algorithms.ddpCommHooks;
   * ddp.registerCommHook(null, defaultHooks.fp16CompressHook); // float16 on the wire
   */
  registerCommHook<S>(state: S, hook: CommHook<S>): void {
    if (typeof hook !== 'function') throw new TypeError('Communication hook must be callable.');
    if (this.reducer.commHook !== null) throw new Error('register_comm_hook or register_builtin_comm_hook can only be called once.');
    this.reducer.commHook = { hook, state };
  }

  /** Removes the gradient hooks, leaving `module` as it was before wrapping. @example ddp.removeHooks() */
  removeHooks(): void {
    this.reducer.remove();
    this.finishJoinWorks();
  }
}

/** Broadcasts tensors from global rank `root`, one flat buffer per dtype and device. */
function broadcastCoalesced(tensors: Tensor[], group: ProcessGroup, root: number): void {
  const byKind = new Map<string, Tensor[]>();
  for (const t of tensors) {
    const key = `${t.dtype.name}@${String(t.device)}`;
    (byKind.get(key) ?? byKind.set(key, []).get(key)!).push(t);
  }
  noGrad(() => {
    for (const list of byKind.values()) {
      const total = list.reduce((n, t) => n + t.numel(), 0);
      const flat = zeros([total], { dtype: list[0].dtype, device: list[0].device });
      let offset = 0;
      for (const t of list) {
        flat.narrow(0, offset, t.numel()).copy_(t.reshape(-1));
        offset += t.numel();
      }
      broadcast(flat, root, { group }).wait();
      offset = 0;
      for (const t of list) {
        t.copy_(flat.narrow(0, offset, t.numel()).view(t.shape));
        offset += t.numel();
      }
      flat.dispose();
    }
  });
}

function syncModuleStates(module: Module<unknown>, group: ProcessGroup, root: number): void {
  if (group.size() === 1) return;
  const states = [...module.parameters(), ...module.buffers()];
  if (states.length > 0) broadcastCoalesced(states, group, root);
}

/** `device(type='cuda', index=0)`: a device as Python's repr writes it, for PyTorch's messages. */
function pythonDevice(device: { type: string; index: number | null }): string {
  return device.index === null ? `device(type='${device.type}')` : `device(type='${device.type}', index=${device.index})`;
}

/** PyTorch's checks of the module's devices against deviceIds and outputDevice. */
function checkDevices(module: Module<unknown>, params: Tensor[], options: DistributedDataParallelOptions): void {
  const types = [...new Set(params.map((p) => p.device.type))];
  if (types.length !== 1) {
    throw new Error(
      `DistributedDataParallel's input module must be on the same type of devices, but input module parameters locate in {${types.map((t) => `'${t}'`).join(', ')}}.`,
    );
  }
  const devices = new Map<string, string>();
  for (const p of module.parameters()) devices.set(String(p.device), pythonDevice(p.device));
  const multiDevice = devices.size > 1;
  const ids = options.deviceIds ?? null;
  const output = options.outputDevice ?? null;
  if (ids === null || ids.length === 0 || types[0] === 'cpu' || multiDevice) {
    if ((ids !== null && ids.length > 0) || output !== null) {
      const pyValue = (v: number | string): string => (typeof v === 'number' ? String(v) : `'${v}'`);
      throw new Error(
        'DistributedDataParallel device_ids and output_device arguments only work with single-device/multiple-device GPU modules or CPU modules, ' +
          `but got device_ids ${ids === null ? 'None' : `[${ids.map(pyValue).join(', ')}]`}, output_device ${output === null ? 'None' : String(output)}, ` +
          `and module parameters {${[...devices.values()].join(', ')}}.`,
      );
    }
  }
}
