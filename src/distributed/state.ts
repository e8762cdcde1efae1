/**
 * The default process group and the calls that make, query and destroy groups:
 * `initProcessGroup`, `newGroup`, `getRank`, `getWorldSize`, `destroyProcessGroup`.
 * This is per JS environment (a worker thread has its own), as a Python process's is.
 */
import { registerDistributedDefaults } from '../utils/distributed-sampler.js';
import { currentDevice } from '../cuda.js';
import { ProcessGroup, type BackendName } from './process-group.js';
import { FileStore, PrefixStore, TCPStore, type Store } from './store.js';

/** PyTorch's default timeout for collectives: 30 minutes, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/** The `group` option of every collective: a group from newGroup (default: the world). */
export interface GroupOption {
  group?: ProcessGroup | typeof GroupMember.NON_GROUP_MEMBER | null;
}

/** PyTorch's `GroupMember`: `WORLD` is the default group; `NON_GROUP_MEMBER` is what newGroup gives a rank outside it. */
export const GroupMember = {
  get WORLD(): ProcessGroup | null {
    return world?.group ?? null;
  },
  NON_GROUP_MEMBER: Symbol('NON_GROUP_MEMBER'),
};

interface World {
  group: ProcessGroup;
  backend: BackendName;
  cudaIndex: number | undefined;
  store: Store;
  rank: number;
  size: number;
  timeout: number;
  masterAddr: string;
  groupsMade: number;
  groups: ProcessGroup[];
}
let world: World | null = null;

/** Options of initProcessGroup, as PyTorch's keyword arguments. */
export interface InitProcessGroupOptions {
  /**
   * 'gloo' (default) for CPU tensors, CUDA ones through host copies; 'nccl' for CUDA
   * tensors of one device, `deviceId` (default: the current one, `torch.cuda.setDevice`),
   * with NCCL (libnccl.so.2, loaded when the group connects; FLINT_NCCL may name it).
   */
  backend?: BackendName;
  /** An NCCL group's CUDA device index (PyTorch's `device_id`); default the current device. */
  deviceId?: number;
  /** 'env://' (default: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE), 'tcp://host:port' or 'file:///path'. */
  initMethod?: string;
  worldSize?: number;
  rank?: number;
  /** A store to meet through instead of initMethod. */
  store?: Store;
  /** Milliseconds that connecting and every collective may take (default 30 minutes). */
  timeout?: number;
}

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`initProcessGroup: environment variable ${name} must be a non-negative integer, got '${text}'`);
  return value;
}

function required(value: number | undefined, what: string, env: string): number {
  if (value === undefined) {
    throw new Error(`initProcessGroup: ${what} is not set: pass { ${what} } or set the environment variable ${env} (flint-run sets it)`);
  }
  return value;
}

function makeStore(initMethod: string, rank: number, worldSize: number, timeout: number): { store: Store; masterAddr: string } {
  if (initMethod.startsWith('env://')) {
    const addr = process.env.MASTER_ADDR;
    const port = envInteger('MASTER_PORT');
    if (!addr) throw new Error('initProcessGroup: environment variable MASTER_ADDR expected, but not set');
    if (port === undefined) throw new Error('initProcessGroup: environment variable MASTER_PORT expected, but not set');
    return { store: new TCPStore(addr, port, { worldSize, isMaster: rank === 0, timeout }), masterAddr: addr };
  }
  if (initMethod.startsWith('tcp://')) {
    const match = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)\/?$/.exec(initMethod);
    if (!match) throw new Error(`initProcessGroup: initMethod '${initMethod}' must look like tcp://host:port`);
    return { store: new TCPStore(match[1], Number(match[2]), { worldSize, isMaster: rank === 0, timeout }), masterAddr: match[1] };
  }
  if (initMethod.startsWith('file://')) {
    const path = initMethod.slice('file://'.length);
    if (!path) throw new Error(`initProcessGroup: initMethod '${initMethod}' names no file`);
    return { store: new FileStore(path, worldSize, { timeout }), masterAddr: '127.0.0.1' };
  }
  throw new Error(`initProcessGroup: unknown initMethod '${initMethod}'; expected env://, tcp://host:port or file:///path`);
}

/**
 * Joins this process to the default process group, as PyTorch's `init_process_group`.
 * Every rank calls it; it resolves once all have connected.
 * @example
 * await dist.initProcessGroup({ backend: 'gloo' }); // rank and size from flint-run's environment
 * console.log(dist.getRank(), dist.getWorldSize());
 */
export async function initProcessGroup(options: InitProcessGroupOptions = {}): Promise<void> {
  if (world !== null) throw new Error('trying to initialize the default process group twice!');
  const backend = options.backend ?? 'gloo';
  if (backend !== 'gloo' && backend !== 'nccl') throw new Error(`initProcessGroup: unknown backend '${String(backend)}'; expected 'gloo' or 'nccl'`);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!(timeout > 0)) throw new RangeError(`initProcessGroup: timeout must be a positive number of milliseconds, got ${timeout}`);
  const rank = required(options.rank ?? envInteger('RANK'), 'rank', 'RANK');
  const size = required(options.worldSize ?? envInteger('WORLD_SIZE'), 'worldSize', 'WORLD_SIZE');
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`initProcessGroup: worldSize must be a positive integer, got ${size}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
    throw new RangeError(`initProcessGroup: rank ${rank} is out of range for a world of ${size}`);
  }
  const made = options.store
    ? { store: options.store, masterAddr: process.env.MASTER_ADDR ?? '127.0.0.1' }
    : makeStore(options.initMethod ?? 'env://', rank, size, timeout);
  const store = made.store;
  try {
    if (store instanceof TCPStore) await store.connected;
    await checkWorld(store, rank, size);
    const cudaIndex = backend === 'nccl' ? (options.deviceId ?? currentDevice()) : undefined;
    const group = new ProcessGroup(backend, rank, size, range(size), {
      rank, size, timeout, store: new PrefixStore('default_pg', store), masterAddr: made.masterAddr, cudaIndex,
    });
    world = { group, backend, cudaIndex, store, rank, size, timeout, masterAddr: made.masterAddr, groupsMade: 0, groups: [group] };
    await group.connected.catch((error: Error) => {
      destroyProcessGroup();
      throw new Error(`initProcessGroup: connecting to the other ranks failed: ${error.message}`);
    });
    await storeBarrier(store, 'flint/init', size, rank === 0);
  } catch (error) {
    if (world === null && !options.store) store.close();
    throw error;
  }
}

// Each rank says what it was told; rank 0's word is the world's. A world size that
// differs, or a rank that two processes claim, fails here with a clear error instead of
// a rendezvous that waits for a peer who never comes.
async function checkWorld(store: Store, rank: number, size: number): Promise<void> {
  const seen = await store.add(`flint/rank/${rank}`, 1);
  if (seen > 1) throw new Error(`initProcessGroup: rank ${rank} was claimed by two processes; each rank must be unique`);
  if (rank === 0) await store.set('flint/world_size', String(size));
  const theirs = Number(new TextDecoder().decode(await store.get('flint/world_size')));
  if (theirs !== size) {
    throw new Error(`initProcessGroup: this rank was given world size ${size}, but rank 0 was given ${theirs}`);
  }
}

/**
 * Returns once `size` ranks have reached it, as PyTorch's store-based barrier at the end
 * of init_process_group. Rank 0 serves the TCPStore from its event loop, so it leaves
 * last: only once every other rank has said it is through, since after this a rank may
 * block its thread in a synchronous wait (or exit), and a rank still asking the store
 * would then wait for nothing.
 */
async function storeBarrier(store: Store, key: string, size: number, first: boolean): Promise<void> {
  if ((await store.add(key, 1)) === size) await store.set(`${key}/done`, '1');
  await store.wait([`${key}/done`]);
  if (size === 1) return;
  if (first) {
    await store.wait([`${key}/left`]);
  } else if ((await store.add(`${key}/leaving`, 1)) === size - 1) {
    await store.set(`${key}/left`, '1');
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Whether the default group exists. @example dist.isInitialized() */
export function isInitialized(): boolean {
  return world !== null;
}

/** Whether torch.distributed can be used here: true (gloo is loaded when a group is made). @example dist.isAvailable() */
export function isAvailable(): boolean {
  return true;
}

function needWorld(fn: string): World {
  if (world === null) throw new Error(`${fn}: Default process group has not been initialized, please make sure to call initProcessGroup.`);
  return world;
}

/** @internal the group a collective runs on: null for a non-member, which then does nothing */
export function resolveGroup(options: GroupOption, fn: string): ProcessGroup | null {
  const current = needWorld(fn);
  const group = options.group ?? current.group;
  if (group === GroupMember.NON_GROUP_MEMBER) return null;
  if (!(group instanceof ProcessGroup)) throw new TypeError(`${fn}: group must be a ProcessGroup from newGroup`);
  if (group.destroyed) throw new Error(`${fn}: the process group has been destroyed`);
  return group;
}

/**
 * This process's rank in `group` (default: the world), or -1 outside it.
 * @example const rank = dist.getRank();
 */
export function getRank(group?: ProcessGroup | symbol | null): number {
  const current = needWorld('getRank');
  if (group === GroupMember.NON_GROUP_MEMBER) return -1;
  return (group instanceof ProcessGroup ? group : current.group).rank();
}

/**
 * The number of ranks in `group` (default: the world), or -1 outside it.
 * @example const size = dist.getWorldSize();
 */
export function getWorldSize(group?: ProcessGroup | symbol | null): number {
  const current = needWorld('getWorldSize');
  if (group === GroupMember.NON_GROUP_MEMBER) return -1;
  return (group instanceof ProcessGroup ? group : current.group).size();
}

/** The backend of `group` (default: the world), as PyTorch's `get_backend`. @example dist.getBackend() // 'gloo' */
export function getBackend(group?: ProcessGroup | null): string {
  needWorld('getBackend');
  return (group ?? world!.group).backend;
}

/**
 * A group of some of the world's ranks, as PyTorch's `new_group`. Every rank of the world
 * calls it with the same ranks, in the same order of newGroup calls; ranks outside it get
 * `GroupMember.NON_GROUP_MEMBER`, with which every collective does nothing.
 * @example const evens = await dist.newGroup([0, 2]);
 */
export async function newGroup(ranks?: number[] | null, options: { timeout?: number; backend?: BackendName } = {}): Promise<ProcessGroup | typeof GroupMember.NON_GROUP_MEMBER> {
  const current = needWorld('newGroup');
  const backend = options.backend ?? current.backend;
  if (backend !== 'gloo' && backend !== 'nccl') throw new Error(`newGroup: unknown backend '${String(backend)}'; expected 'gloo' or 'nccl'`);
  const members = ranks == null ? range(current.size) : [...new Set(ranks)].sort((a, b) => a - b);
  for (const r of members) {
    if (!Number.isInteger(r) || r < 0 || r >= current.size) throw new RangeError(`newGroup: rank ${r} is out of range for a world of ${current.size}`);
  }
  if (members.length !== (ranks ?? members).length) throw new Error('newGroup: ranks must not repeat');
  const index = current.groupsMade++;
  const groupRank = members.indexOf(current.rank);
  // Every rank of the world waits for the members to connect: rank 0 serves the store
  // they connect through, even when it is not one of them.
  const barrier = (): Promise<void> => storeBarrier(current.store, `group_${index}/flint/init`, current.size, current.rank === 0);
  if (groupRank < 0) {
    await barrier();
    return GroupMember.NON_GROUP_MEMBER;
  }
  const timeout = options.timeout ?? current.timeout;
  const group = new ProcessGroup(backend, groupRank, members.length, members, {
    rank: groupRank,
    size: members.length,
    timeout,
    store: new PrefixStore(`group_${index}`, current.store),
    masterAddr: current.masterAddr,
    cudaIndex: backend === 'nccl' ? (current.cudaIndex ?? currentDevice()) : undefined,
  });
  current.groups.push(group);
  await group.connected;
  await barrier();
  return group;
}

/**
 * Destroys `group`, or with no argument every group and the default one (closing the
 * store); queued work fails, running work finishes first.
 * @example dist.destroyProcessGroup();
 */
export function destroyProcessGroup(group?: ProcessGroup | null): void {
  if (world === null) return;
  if (group && group !== world.group) {
    group.destroy();
    world.groups = world.groups.filter((g) => g !== group);
    return;
  }
  for (const g of world.groups) g.destroy();
  world.store.close();
  world = null;
}

registerDistributedDefaults(
  () => getWorldSize(),
  () => getRank(),
  () => isInitialized(),
);
