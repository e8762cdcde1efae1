/**
 * `nn.parallel.DistributedDataParallel`: data-parallel training across the ranks of a
 * process group, as PyTorch's DDP. Gradients are averaged in buckets whose all-reduce
 * starts as soon as the bucket's last gradient is accumulated during backward, so that
 * communication (on the group's native thread) overlaps with the rest of the backward.
 */
import { noGrad, isGradEnabled } from '../../autograd/grad-mode.js';
import { AccumulateGrad, type Node } from '../../autograd/node.js';
import { zeros } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { uint8 } from '../../tensor/dtype.js';
import { allReduce, broadcast } from '../../distributed/collectives.js';
import { ReduceOp, type ProcessGroup, type Work } from '../../distributed/process-group.js';
import { getRank, resolveGroup } from '../../distributed/state.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { Future } from '../../futures.js';
import { GradBucket, type CommHook } from './comm-hooks.js';

/** Options of DistributedDataParallel, as PyTorch's keyword arguments. */
export interface DistributedDataParallelOptions {
  /** The one device the module lives on (accepted as PyTorch's; the parameters' device is used). */
  deviceIds?: (number | string)[] | null;
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
}

const MIB = 1024 * 1024;
const FIRST_BUCKET_BYTES = 1 * MIB;

interface Bucket {
  params: number[]; // indices into Reducer.params
  offsets: number[];
  flat: Tensor;
  pending: number; // gradients still to come this iteration
  work: Work | null;
  future: Future<unknown> | null; // the communication hook's, when one is registered
}

/** The gradient buckets of one DDP module and the state of the current iteration. */
class Reducer {
  readonly params: Parameter[];
  readonly buckets: Bucket[] = [];
  private bucketOf: number[] = [];
  private ready: boolean[] = [];
  private usedLocally: boolean[] = [];
  private nextLaunch = 0;
  /** A backward is expected to reduce (set by a synced training forward). */
  expecting = false;
  /** registerCommHook's hook and state: the hook reduces each bucket instead of the average. */
  commHook: { hook: CommHook<any>; state: unknown } | null = null;
  private readonly hooks: { remove(): void }[] = [];

  constructor(
    params: Parameter[],
    private readonly group: ProcessGroup,
    capBytes: number,
    private readonly findUnused: boolean,
    private readonly asBucketView: boolean,
  ) {
    this.params = params;
    // Buckets in reverse registration order, roughly the order backward produces gradients.
    let current: number[] = [];
    let bytes = 0;
    let limit = Math.min(FIRST_BUCKET_BYTES, capBytes);
    const close = (): void => {
      if (current.length > 0) this.addBucket(current);
      current = [];
      bytes = 0;
      limit = capBytes;
    };
    for (let i = params.length - 1; i >= 0; i--) {
      const p = params[i];
      const first = current.length > 0 ? params[current[0]] : null;
      if (first && (first.dtype !== p.dtype || String(first.device) !== String(p.device))) close();
      current.push(i);
      bytes += p.numel() * p.elementSize();
      if (bytes >= limit) close();
    }
    close();
    params.forEach((p, i) => {
      this.hooks.push(p.registerPostAccumulateGradHook(() => this.markReady(i)));
    });
  }

  private addBucket(indices: number[]): void {
    const offsets: number[] = [];
    let total = 0;
    for (const i of indices) {
      offsets.push(total);
      total += this.params[i].numel();
      this.bucketOf[i] = this.buckets.length;
    }
    const first = this.params[indices[0]];
    const flat = zeros([total], { dtype: first.dtype, device: first.device });
    this.buckets.push({ params: indices, offsets, flat, pending: indices.length, work: null, future: null });
  }

  /** Arms the reduction for the backward of `output` (a training forward's result). */
  prepareForBackward(output: unknown): void {
    if (this.expecting) {
      throw new Error(
        'Expected to have finished reduction in the prior iteration before starting a new one. This error indicates ' +
          'that your module has parameters that were not used in producing loss. You can enable unused parameter ' +
          'detection by passing the option `findUnusedParameters: true` to DistributedDataParallel, and by making ' +
          "sure all `forward` function outputs participate in calculating loss. Parameter indices which did not " +
          `receive grad for rank ${getRank()}: ${this.unreadyIndices().join(' ')}`,
      );
    }
    this.expecting = true;
    this.nextLaunch = 0;
    this.ready = this.params.map(() => false);
    this.usedLocally = this.params.map(() => false);
    for (const b of this.buckets) {
      b.pending = b.params.length;
      b.work = null;
      b.future = null;
    }
    if (this.findUnused) {
      const used = reachableLeaves(output);
      this.params.forEach((p, i) => {
        if (!used.has(p)) this.markReady(i, false);
      });
    }
  }

  private unreadyIndices(): number[] {
    return this.params.map((_, i) => i).filter((i) => !this.ready[i]);
  }

  private markReady(index: number, hasGrad = true): void {
    if (!this.expecting || this.ready[index]) return;
    this.ready[index] = true;
    this.usedLocally[index] = hasGrad;
    const bucket = this.buckets[this.bucketOf[index]];
    bucket.pending--;
    // Buckets launch in index order on every rank, so the collectives match across ranks
    // even when their gradients arrive in another order.
    while (this.nextLaunch < this.buckets.length && this.buckets[this.nextLaunch].pending === 0) {
      try {
        this.launch(this.buckets[this.nextLaunch++]);
      } catch (error) {
        // A communication hook failed: this iteration is over, so that the next forward
        // does not report its parameters as unused.
        this.expecting = false;
        throw error;
      }
    }
    if (this.nextLaunch === this.buckets.length) this.finalize();
  }

  private launch(bucket: Bucket): void {
    noGrad(() => {
      bucket.params.forEach((i, k) => {
        const p = this.params[i];
        const slot = bucket.flat.narrow(0, bucket.offsets[k], p.numel());
        const grad = p._grad;
        if (grad !== null && this.usedLocally[i]) {
          const flat = grad.reshape(-1);
          slot.copy_(flat);
          if (flat !== grad) flat.dispose();
        } else {
          slot.zero_();
        }
        slot.dispose();
      });
      if (this.commHook === null) bucket.flat.div_(this.group.size());
    });
    if (this.commHook !== null) {
      // The hook averages (or otherwise reduces) the bucket itself, as in PyTorch.
      const index = this.buckets.indexOf(bucket);
      const params = bucket.params.map((i) => this.params[i]);
      const gradBucket = new GradBucket(index, bucket.flat, params, bucket.offsets, index === this.buckets.length - 1);
      const future: unknown = this.commHook.hook(this.commHook.state, gradBucket);
      if (!(future instanceof Future)) {
        throw new TypeError(`DistributedDataParallel: a communication hook must return a torch.futures.Future, but it returned ${typeof future}`);
      }
      bucket.future = future;
      return;
    }
    bucket.work = allReduce(bucket.flat, { group: this.group, op: ReduceOp.SUM });
  }

  /** Waits for a bucket's hook and puts its reduced gradients into the bucket's buffer. */
  private hookResult(bucket: Bucket): void {
    let result = bucket.future!.wait();
    if (Array.isArray(result) && result.length === 1) result = result[0];
    if (!(result instanceof Tensor) || result.numel() !== bucket.flat.numel()) {
      const found = result instanceof Tensor ? `a tensor of ${result.numel()} elements` : typeof result;
      throw new TypeError(`DistributedDataParallel: a communication hook's future must hold a tensor of the bucket's ${bucket.flat.numel()} elements, but it holds ${found}`);
    }
    if (result !== bucket.flat) {
      const flat = result.reshape(-1);
      noGrad(() => bucket.flat.copy_(flat));
      if (flat !== result) flat.dispose();
    }
    bucket.future = null;
  }

  private finalize(): void {
    this.expecting = false;
    let usedAnywhere: boolean[] | null = null;
    if (this.findUnused) {
      const bitmap = zeros([this.params.length], { dtype: uint8 });
      noGrad(() => this.usedLocally.forEach((u, i) => u && bitmap.narrow(0, i, 1).fill_(1)));
      allReduce(bitmap, { group: this.group, op: ReduceOp.MAX }).wait();
      const flags = bitmap.tolist() as number[];
      usedAnywhere = flags.map((f) => f !== 0);
      bitmap.dispose();
    }
    for (const bucket of this.buckets) {
      if (bucket.future !== null) this.hookResult(bucket);
      else bucket.work!.wait();
      noGrad(() => {
        bucket.params.forEach((i, k) => {
          const p = this.params[i];
          if (usedAnywhere && !usedAnywhere[i]) return; // unused on every rank: grad stays as it was
          const range = bucket.flat.narrow(0, bucket.offsets[k], p.numel());
          const slot = range.view(p.shape);
          range.dispose();
          // The gradients DDP installs are its own (no user code holds them), so that
          // zeroGrad frees them as it frees backward's.
          if (this.asBucketView) {
            p._setOwnGrad(slot);
            return;
          }
          const grad = p._grad;
          if (grad !== null) grad.copy_(slot);
          else p._setOwnGrad(slot.clone());
          slot.dispose();
        });
      });
      bucket.work = null;
    }
  }

  remove(): void {
    for (const h of this.hooks) h.remove();
  }
}

/** The leaf tensors whose AccumulateGrad nodes the graph of `output` reaches. */
function reachableLeaves(output: unknown): Set<Tensor> {
  const leaves = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack: Node[] = [];
  const visitValue = (v: unknown, depth: number): void => {
    if (v instanceof Tensor) {
      if (v.gradFn) stack.push(v.gradFn);
      else if (v.requiresGrad) leaves.add(v);
    } else if (depth < 4 && v && typeof v === 'object') {
      for (const item of Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v)) visitValue(item, depth + 1);
    }
  };
  visitValue(output, 0);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node instanceof AccumulateGrad) leaves.add(node.variable);
    for (const next of node.next) if (next) stack.push(next);
  }
  return leaves;
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
export class DistributedDataParallel<Out = Tensor> extends Module<Out> {
  declare module: Module<Out>;
  declare private reducer: Reducer;
  declare private requireSync: boolean;
  declare private broadcastBuffersOption: boolean;
  declare private group: ProcessGroup;

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
    this.module = module;
    Object.defineProperties(this, {
      group: { value: group, writable: true },
      requireSync: { value: true, writable: true },
      broadcastBuffersOption: { value: options.broadcastBuffers ?? true, writable: true },
    });
    syncModuleStates(module, group);
    Object.defineProperty(this, 'reducer', {
      value: new Reducer(params, group, capMb * MIB, options.findUnusedParameters ?? false, options.gradientAsBucketView ?? false),
      writable: true,
    });
  }

  override forward(...inputs: unknown[]): Out {
    if (this.training && this.broadcastBuffersOption && this.group.size() > 1) {
      const buffers = this.module.buffers();
      if (buffers.length > 0) broadcastCoalesced(buffers, this.group);
    }
    const output = (this.module as unknown as (...args: unknown[]) => Out)(...inputs);
    if (isGradEnabled() && this.requireSync && this.training) this.reducer.prepareForBackward(output);
    return output;
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
  }
}

/** Broadcasts tensors from the group's first rank, one flat buffer per dtype and device. */
function broadcastCoalesced(tensors: Tensor[], group: ProcessGroup): void {
  const root = group.ranks[0];
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

function syncModuleStates(module: Module<unknown>, group: ProcessGroup): void {
  if (group.size() === 1) return;
  const states = [...module.parameters(), ...module.buffers()];
  if (states.length > 0) broadcastCoalesced(states, group);
}

