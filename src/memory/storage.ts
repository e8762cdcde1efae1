/**
 * Lifetimes. Native bytes are freed in one of three ways, whichever comes first:
 * `dispose()` (or `using`), the end of a `tidy` scope, or garbage collection (the
 * External's finalizer; native code reports its bytes to V8 so that GC feels them).
 */
import { DeviceCode, native, type Handle } from '../native/addon.js';
import type { Device } from '../tensor/device.js';
import { nextNodeSequence, savedForBackward } from '../autograd/node.js';

/**
 * A storage shared by a tensor and its views. `refs` counts the live (not disposed)
 * tensors over it; at zero the native block is released at once.
 * @internal
 */
export class StorageRef {
  refs = 0;
  /**
   * The bytes PyTorch's storage would hold (its first tensor's span): the native block is
   * rounded up past it, so bounds that PyTorch checks (as_strided, resize_) use this.
   */
  nbytes = 0;
  constructor(
    public handle: Handle | null,
    readonly device: Device,
  ) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0 && this.handle !== null) {
      native.release(this.handle);
      if (handlePool.length < MAX_POOLED_HANDLES) handlePool.push(this.handle);
      this.handle = null;
    }
  }
}

/**
 * Handles of released storages, reused as the handles of new outputs. Creating a native
 * handle (an External with a finalizer) costs more than a small op itself, so code that
 * frees deterministically (dispose, tidy) pays it once, not once per tensor.
 */
const handlePool: Handle[] = [];
const MAX_POOLED_HANDLES = 4096;

/** A released handle to reuse for a new output, or null. @internal */
export function recycled(): Handle | null {
  return handlePool.pop() ?? null;
}

/** Something a scope can dispose. @internal */
export interface Disposable_ {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Disposable_[][] = [];

/**
 * Starts collecting every tensor made from now on, as `tidy` does, for code that frees
 * what it made itself (the backward engine, around each node). Close it with `endScope`.
 * @internal
 */
export function beginScope(): Disposable_[] {
  const scope: Disposable_[] = [];
  scopes.push(scope);
  return scope;
}

/**
 * Stops collecting into `scope`, and hands the tensors in `survivors` (and any kept past
 * tidy) to the enclosing scope, as a tidy hands its result on; the caller frees the rest.
 * @internal
 */
export function endScope(scope: Disposable_[], survivors: (t: Disposable_) => boolean): Disposable_[] {
  if (scopes[scopes.length - 1] === scope) scopes.pop();
  const rest: Disposable_[] = [];
  for (const t of scope) {
    if (survivors(t) || (t as unknown as { _keep: boolean })._keep) track(t);
    else rest.push(t);
  }
  return rest;
}

/**
 * Runs a composite op (one built from other ops, such as mseLoss) and lets go of the
 * intermediates it made, keeping its result: each is freed at once, or, if the op's graph
 * saved it, when backward releases the last node that did (Tensor._letGo).
 * @internal
 */
export function freeIntermediates<T extends Disposable_>(fn: () => T): T {
  const since = nextNodeSequence();
  const made = beginScope();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    endScope(made, () => true);
    throw error;
  }
  release(endScope(made, (t) => t === result), [result], since);
  return result;
}

/**
 * Frees the tensors a scope made and does not keep: now, or, for one that a graph behind
 * `kept` saved for backward, when backward is done with it. One that only a dead branch of
 * a graph saved is freed now, as before backward could need it.
 */
function release(made: Iterable<Disposable_>, kept: Iterable<unknown>, since: number): void {
  let saved: Set<unknown> | null = null;
  for (const t of made) {
    const tensor = t as Disposable_ & { _savers?: number; _letGo?: () => void };
    if (tensor._savers === undefined || tensor._savers === 0 || tensor._letGo === undefined) {
      t.dispose();
      continue;
    }
    saved ??= savedForBackward(kept, since);
    if (saved.has(t)) tensor._letGo();
    else t.dispose();
  }
}

/** Registers a new tensor with the innermost `tidy` scope, if any. @internal */
export function track(tensor: Disposable_): void {
  if (scopes.length !== 0) scopes[scopes.length - 1].push(tensor);
}

function collectKept(value: unknown, kept: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8 || kept.has(value)) return;
  kept.add(value);
  if (Array.isArray(value)) for (const v of value) collectKept(v, kept, depth + 1);
  else if ((value as { isQuantized?: unknown }).isQuantized === true && typeof (value as { _tensors?: unknown })._tensors === 'function') {
    // A QuantizedTensor (src/quantization/qtensor.ts) keeps the tensors it holds.
    for (const t of (value as { _tensors(): unknown[] })._tensors()) collectKept(t, kept, depth + 1);
  }
  else if (value instanceof Map) for (const v of value.values()) collectKept(v, kept, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    // Null-prototype objects are what torch.load returns for dicts.
    for (const v of Object.values(value)) collectKept(v, kept, depth + 1);
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors in its
 * result (a tensor, or arrays/objects/Maps of them) and tensors that became a `.grad`.
 * A tensor the autograd graph saved for backward (an activation) is freed when backward
 * is done with it instead, so a training step's forward can run inside `tidy` and free
 * each activation at its last use, as PyTorch's refcounting does. Scopes nest; a kept
 * tensor moves to the enclosing scope.
 *
 * @example
 * const y = torch.tidy(() => x.mul(2).add(1)); // the x.mul(2) intermediate is freed now
 * const loss = torch.tidy(() => F.nllLoss(net(x), y)); // activations go as backward uses them
 * loss.backward();
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy(): argument 'fn' must be a function, but got ${fn === null ? 'null' : typeof fn}`);
  const since = nextNodeSequence();
  const scope: Disposable_[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy() cannot take an async function: tensors would be freed while it still runs');
  }
  const kept = new Set<unknown>();
  collectKept(result, kept);
  const rest: Disposable_[] = [];
  for (const t of scope) {
    if (kept.has(t) || (t as unknown as { _keep: boolean })._keep) {
      track(t);
      kept.add(t); // a keep()'d tensor's graph may need what it saved, as the result's does
    } else {
      rest.push(t);
    }
  }
  release(rest, kept, since);
  return result;
}

/**
 * Keeps a tensor alive past the end of the enclosing `tidy` scopes.
 *
 * @example
 * torch.tidy(() => { cache = torch.keep(x.mul(2)); });
 */
export function keep<T extends { _keep: boolean }>(tensor: T): T {
  if (tensor === null || typeof tensor !== 'object' || !('_keep' in tensor)) {
    throw new TypeError(`keep(): argument 'tensor' must be a Tensor, but got ${tensor === null ? 'null' : typeof tensor}`);
  }
  tensor._keep = true;
  return tensor;
}

/** Per-device memory, as `torch.cuda.memory_stats` reports it for CUDA. */
export interface MemoryStats {
  /** Native storages alive (a tensor and its views share one). */
  storages: number;
  /** Bytes in those storages. */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** Bytes the caching allocator holds for reuse. */
  cachedBytes: number;
  /**
   * Bytes reported to V8 as external memory: the live bytes past an allowance (on the host,
   * the smaller of 256 MiB and 1/32 of physical memory, or `FLINT_UNREPORTED_HOST_BYTES`).
   */
  externalBytes: number;
}

/**
 * Live native memory, per device.
 *
 * @example
 * torch.memoryStats().cpu.allocatedBytes;
 */
export function memoryStats(): { cpu: MemoryStats } {
  return { cpu: native.stats(DeviceCode.CPU) };
}

/**
 * Frees the CPU allocator's cache of large blocks.
 *
 * @example
 * torch.emptyCache();
 */
export function emptyCache(): void {
  native.emptyCache(DeviceCode.CPU);
}
