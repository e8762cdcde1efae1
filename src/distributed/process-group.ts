/**
 * A process group: the ranks that run collectives together, over one native communicator
 * (gloo) whose work runs on the group's own threads. `Work` is a collective in flight.
 */
import { hostname as machineName } from 'node:os';

import { CollectiveKind, CommReduceOp, type DTypeCode } from '../native/enums.generated.js';
import { cudaStatus, glooStatus, native, type DistGroup, type DistWork, type Handle } from '../native/addon.js';
import { Device } from '../tensor/device.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Store } from './store.js';
import { Future } from '../futures.js';

/**
 * PyTorch's `ReduceOp`: how `allReduce`, `reduce` and `reduceScatter` combine ranks' values.
 * AVG sums, then divides by the group's size (truncating for integer tensors).
 * @example await dist.allReduce(t, { op: dist.ReduceOp.MAX });
 */
export const ReduceOp = Object.freeze({
  SUM: 'SUM',
  AVG: 'AVG',
  PRODUCT: 'PRODUCT',
  MIN: 'MIN',
  MAX: 'MAX',
  BAND: 'BAND',
  BOR: 'BOR',
  BXOR: 'BXOR',
} as const);
/** One of ReduceOp's values. */
export type ReduceOpName = (typeof ReduceOp)[keyof typeof ReduceOp];

const NATIVE_OPS: Record<ReduceOpName, CommReduceOp> = {
  SUM: CommReduceOp.Sum,
  AVG: CommReduceOp.Sum,
  PRODUCT: CommReduceOp.Product,
  MIN: CommReduceOp.Min,
  MAX: CommReduceOp.Max,
  BAND: CommReduceOp.BitwiseAnd,
  BOR: CommReduceOp.BitwiseOr,
  BXOR: CommReduceOp.BitwiseXor,
};

/** @internal The dtypes NCCL moves (PyTorch's getNcclDataType; bool as uint8). */
export const NCCL_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int8', 'uint8', 'bool']);

/**
 * @internal the native reduction of a ReduceOp, checked; for an NCCL group also what
 * ProcessGroupNCCL refuses (the native side refuses it too, later, through the Work)
 */
export function nativeReduceOp(op: ReduceOpName, dtype: { isFloatingPoint: boolean; name: string }, group?: { backend: string }): CommReduceOp {
  const code = NATIVE_OPS[op];
  if (code === undefined) throw new TypeError(`unknown ReduceOp ${String(op)}; expected one of ${Object.keys(ReduceOp).join(', ')}`);
  if (dtype.isFloatingPoint && (op === 'BAND' || op === 'BOR' || op === 'BXOR')) {
    throw new TypeError(`ReduceOp.${op} is not defined for floating-point tensors (got ${dtype.name})`);
  }
  if (group?.backend === 'nccl') {
    if (!NCCL_DTYPES.has(dtype.name)) throw new TypeError(`Unsupported data type for NCCL process group: ${dtype.name}`);
    if (op === 'BAND' || op === 'BOR' || op === 'BXOR') throw new TypeError(`Cannot use ReduceOp.${op} with NCCL`);
    if (op === 'AVG' && dtype.name === 'bool') throw new TypeError('Cannot use ReduceOp.AVG with boolean inputs');
  }
  return code;
}

/**
 * A collective or point-to-point transfer in flight, as PyTorch's `Work`. It is a
 * thenable: `await work` waits without blocking the event loop; `work.wait()` blocks this
 * thread, as PyTorch's does. Either way the result is in the tensors once it returns.
 * @example
 * const work = dist.allReduce(grad);
 * computeSomethingElse();
 * await work;
 */
export class Work implements PromiseLike<void> {
  private finished = false;
  private readonly done: Promise<void>;

  /** @internal */
  constructor(
    private readonly handles: DistWork[],
    promises: Promise<void>[],
    private readonly after: (() => void) | null = null,
    /** a receive's group, as global ranks by group rank (for sourceRank) */
    private readonly ranks: number[] | null = null,
  ) {
    this.done = Promise.all(promises).then(() => this.finish());
    this.done.catch(() => {});
  }

  // The step after the native work (copying a gathered buffer out, AVG's division) runs
  // once, on whichever of wait() and the promise comes first.
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.after?.();
  }

  /** A Work done when every one of `works` is, running their own steps, then `after`. @internal */
  static _all(works: Work[], after: (() => void) | null = null): Work {
    return new Work(
      works.flatMap((w) => w.handles),
      works.map((w) => w.done),
      () => {
        for (const w of works) w.finish();
        after?.();
      },
    );
  }

  /** A Work over the same native work that runs `step` after this one's own step. @internal */
  andThen(step: () => void): Work {
    return new Work(
      this.handles,
      [this.done],
      () => {
        this.finish();
        step();
      },
      this.ranks,
    );
  }

  /**
   * Blocks until done (or `timeout` ms pass: then throws) and returns true; throws the
   * collective's error. @example dist.broadcast(t, 0).wait()
   */
  wait(options: { timeout?: number } = {}): boolean {
    const timeout = options.timeout ?? Infinity;
    for (const handle of this.handles) {
      if (!native.distWait(handle, Number.isFinite(timeout) ? timeout : 1e16)) {
        throw new Error(`Work.wait: timed out after ${timeout} ms`);
      }
    }
    this.finish();
    return true;
  }

  /**
   * The global rank a finished receive came from (`recv` without a source takes whichever
   * rank sends first); -1 while it runs, or for work that is not a receive.
   * @example const w = dist.recv(t); await w; console.log(w.sourceRank());
   */
  sourceRank(): number {
    if (this.handles.length !== 1 || this.ranks === null) return -1;
    const groupRank = native.distSourceRank(this.handles[0]);
    return groupRank < 0 ? -1 : this.ranks[groupRank];
  }

  /** Whether the work is done (successfully or not). @example work.isCompleted() */
  isCompleted(): boolean {
    return this.handles.every((h) => native.distIsCompleted(h));
  }

  /** The tensors the collective writes on this rank, in its argument order (set by the collectives). @internal */
  _result: Tensor[] = [];

  /**
   * PyTorch's `get_future()`: a torch.futures.Future of the tensors the collective writes on
   * this rank (`[tensor]` for allReduce, broadcast and reduce, the output list of allGather
   * and allToAll, `[output]` for the rest; `[]` for a barrier or a send).
   * @example const avg = dist.allReduce(t.div_(n)).getFuture().then((f) => f.value()[0]);
   */
  getFuture(): Future<Tensor[]> {
    return Future._fromSource(() => {
      this.wait();
      return this._result;
    }, this.done.then(() => this._result));
  }

  /** Makes a Work awaitable: `await work` settles when it is done. @example await dist.barrier() */
  then<A = void, B = never>(onDone?: ((value: void) => A | PromiseLike<A>) | null, onError?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.done.then(onDone, onError);
  }
}

/** A Work that is already done (a non-member's call, which moves nothing). @internal */
export function doneWork(): Work {
  return new Work([], []);
}

/** @internal a contiguous byte range of a tensor's storage */
export interface Bytes {
  handle: Handle;
  offset: number;
  bytes: number;
}

/** @internal */
export function bytesOf(t: Tensor): Bytes {
  return { handle: t._handle(), offset: t.storageOffset() * t.elementSize(), bytes: t.numel() * t.elementSize() };
}

/** Options of initProcessGroup and newGroup that reach the communicator. @internal */
export interface ConnectOptions {
  rank: number;
  size: number;
  timeout: number;
  store: Store;
  masterAddr: string;
  /** The CUDA device index of an NCCL group (unused by gloo). */
  cudaIndex?: number;
}

/** The process-group backends: gloo (CPU tensors, CUDA ones through host copies) and NCCL (CUDA tensors). */
export type BackendName = 'gloo' | 'nccl';

/** Where this rank listens for its peers: GLOO_SOCKET_IFNAME, or loopback for a local master, or the host name. */
function listenAddress(masterAddr: string): { host: string; iface: string } {
  const iface = process.env.GLOO_SOCKET_IFNAME ?? '';
  if (iface) return { host: '', iface: iface.split(',')[0] };
  const local = masterAddr === 'localhost' || masterAddr.startsWith('127.') || masterAddr === '::1';
  return { host: local ? '127.0.0.1' : machineName(), iface: '' };
}

/**
 * A group of ranks with its own communicator. `rank()` and `size()` are within the group;
 * `ranks` lists the members' global ranks in group order. An NCCL group works on one CUDA
 * device, `device`.
 */
export class ProcessGroup {
  private native: DistGroup | null;
  /** Settles once every member is connected. @internal */
  readonly connected: Promise<void>;

  /** The CUDA device of an NCCL group, whose tensors its collectives take; null for gloo. */
  readonly device: Device | null;

  /** @internal */
  constructor(
    readonly backend: BackendName,
    private readonly groupRank: number,
    private readonly groupSize: number,
    /** the global ranks of the members, in group-rank order */
    readonly ranks: number[],
    options: ConnectOptions,
  ) {
    let deviceCode = 0;
    if (backend === 'nccl') {
      const cuda = cudaStatus();
      if (cuda.deviceCount === 0) throw new Error(`the nccl backend needs a CUDA device: ${cuda.reason}`);
      const index = options.cudaIndex ?? 0;
      if (!Number.isInteger(index) || index < 0 || index >= cuda.deviceCount) {
        throw new RangeError(`the nccl backend's device cuda:${index} does not exist (${cuda.deviceCount} CUDA device(s) visible)`);
      }
      this.device = new Device('cuda', index);
      deviceCode = 1 + index;
    } else {
      const reason = glooStatus();
      if (reason) throw new Error(`the gloo backend is not available: ${reason}`);
      this.device = null;
    }
    const { host, iface } = listenAddress(options.masterAddr);
    const store = options.store;
    const [handle, connected] = native.distConnect(groupRank, groupSize, host, iface, options.timeout, async (op, keys, value) => {
      if (op === 'set') {
        await store.set(keys[0], value ?? new Uint8Array());
        return null;
      }
      if (op === 'get') return store.get(keys[0]);
      await store.wait(keys, options.timeout);
      return null;
    }, deviceCode);
    this.native = handle;
    this.connected = connected;
    this.timeout = options.timeout;
  }

  /** The group's timeout in milliseconds (initProcessGroup's). */
  readonly timeout: number;

  /** This process's rank in the group. @example group.rank() */
  rank(): number {
    return this.groupRank;
  }

  /** How many ranks the group has. @example group.size() */
  size(): number {
    return this.groupSize;
  }

  /** The backend's name, as PyTorch's `ProcessGroup.name()`. @example group.name() // 'gloo' */
  name(): string {
    return this.backend;
  }

  /** @internal the group rank of a global rank, or an Error naming `what` */
  groupRankOf(globalRank: number, what: string): number {
    if (!Number.isInteger(globalRank)) throw new TypeError(`${what} must be an integer rank, got ${globalRank}`);
    const index = this.ranks.indexOf(globalRank);
    if (index < 0) {
      throw new RangeError(`${what}: the global rank ${globalRank} is not part of the group (its ranks are ${this.ranks.join(', ')})`);
    }
    return index;
  }

  /** @internal tags for point-to-point calls are the user's; collectives need none */
  run(kind: CollectiveKind, dtype: DTypeCode, op: CommReduceOp, root: number, tag: number, input: Bytes | null, output: Bytes | null, after: (() => void) | null = null): Work {
    if (this.native === null) throw new Error('the process group has been destroyed');
    const [work, promise] = native.distCollective(
      this.native, kind, dtype, op, root, tag,
      input?.handle ?? null, input?.offset ?? 0, input?.bytes ?? 0,
      output?.handle ?? null, output?.offset ?? 0, output?.bytes ?? 0,
    );
    return new Work([work], [promise], after, kind === CollectiveKind.Recv ? this.ranks : null);
  }

  /** Fails queued work, waits for running work, and closes the connections. @internal */
  destroy(): void {
    if (this.native !== null) native.distDestroy(this.native);
    this.native = null;
  }

  /** Whether destroy() has run. @internal */
  get destroyed(): boolean {
    return this.native === null;
  }
}
