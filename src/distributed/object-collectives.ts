/**
 * PyTorch's object collectives (`all_gather_object`, `broadcast_object_list`,
 * `gather_object`, `scatter_object_list`): any value V8 can serialize (what
 * `structuredClone` takes: numbers, strings, arrays, plain objects, Maps, typed arrays)
 * travels as bytes. PyTorch pickles instead; flint uses `v8.serialize`, so these objects
 * cross between flint ranks, not to Python. Each resolves once the values are in place.
 */
import { deserialize, serialize } from 'node:v8';

import { empty, tensor } from '../tensor/creation.js';
import { int64, uint8 } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { allGather, broadcast, gather, scatter } from './collectives.js';
import type { Device } from '../tensor/device.js';
import { resolveGroup, type GroupOption } from './state.js';

/** Where a group's object bytes travel: an NCCL group's device, else the host. */
type Where = Device | 'cpu';

function bytesTensor(bytes: Uint8Array, length: number, dev: Where): Tensor {
  const padded = new Uint8Array(Math.max(length, 1));
  padded.set(bytes);
  return tensor(padded, { dtype: uint8, device: dev });
}

function valueOf(t: Tensor, length: number): unknown {
  return deserialize(Uint8Array.from((t.tolist() as number[]).slice(0, length)));
}

/** Every rank's serialized length, and the longest, which every gathered block is padded to. */
async function gatherLengths(bytes: Uint8Array, size: number, options: GroupOption, dev: Where): Promise<{ lengths: number[]; longest: number }> {
  const sizes = Array.from({ length: size }, () => empty([1], { dtype: int64, device: dev }));
  await allGather(sizes, tensor([bytes.length], { dtype: int64, device: dev }), options);
  const lengths = sizes.map((t) => t.item() as number);
  return { lengths, longest: Math.max(...lengths, 1) };
}

function checkList(list: unknown, fn: string, name: string): asserts list is unknown[] {
  if (!Array.isArray(list)) throw new TypeError(`${fn}: argument '${name}' must be an array`);
}

/**
 * Gathers every rank's `obj` into `objectList`, rank r's at index r.
 * @example const all = new Array(dist.getWorldSize()); await dist.allGatherObject(all, { loss });
 */
export async function allGatherObject(objectList: unknown[], obj: unknown, options: GroupOption = {}): Promise<void> {
  checkList(objectList, 'allGatherObject', 'objectList');
  const group = resolveGroup(options, 'allGatherObject');
  const dev: Where = group?.device ?? 'cpu';
  if (group === null) return;
  const size = group.size();
  const bytes = serialize(obj);
  const { lengths, longest } = await gatherLengths(bytes, size, options, dev);
  const parts = Array.from({ length: size }, () => empty([longest], { dtype: uint8, device: dev }));
  await allGather(parts, bytesTensor(bytes, longest, dev), options);
  objectList.length = size;
  parts.forEach((t, r) => (objectList[r] = valueOf(t, lengths[r])));
}

/**
 * Replaces every rank's `objectList` entries with rank `src`'s (the lists must have one
 * length on every rank).
 * @example const config = [rank === 0 ? loadConfig() : null]; await dist.broadcastObjectList(config, 0);
 */
export async function broadcastObjectList(objectList: unknown[], src = 0, options: GroupOption = {}): Promise<void> {
  checkList(objectList, 'broadcastObjectList', 'objectList');
  const group = resolveGroup(options, 'broadcastObjectList');
  const dev: Where = group?.device ?? 'cpu';
  if (group === null) return;
  const mine = group.ranks[group.rank()] === src;
  const bytes = mine ? serialize(objectList) : new Uint8Array(0);
  const length = tensor([bytes.length], { dtype: int64, device: dev });
  await broadcast(length, src, options);
  const n = length.item() as number;
  const payload = mine ? bytesTensor(bytes, n, dev) : empty([Math.max(n, 1)], { dtype: uint8, device: dev });
  await broadcast(payload, src, options);
  if (!mine) {
    const values = valueOf(payload, n) as unknown[];
    if (values.length !== objectList.length) {
      throw new RangeError(`broadcastObjectList: rank ${src} sent ${values.length} objects, but this rank's list holds ${objectList.length}`);
    }
    values.forEach((v, i) => (objectList[i] = v));
  }
}

/**
 * Gathers every rank's `obj` into `objectGatherList` on rank `dst` (the others pass none).
 * @example const all = rank === 0 ? new Array(world) : null; await dist.gatherObject(stats, all, 0);
 */
export async function gatherObject(obj: unknown, objectGatherList: unknown[] | null = null, dst = 0, options: GroupOption = {}): Promise<void> {
  const group = resolveGroup(options, 'gatherObject');
  const dev: Where = group?.device ?? 'cpu';
  if (group === null) return;
  const isRoot = group.ranks[group.rank()] === dst;
  if (isRoot) checkList(objectGatherList, 'gatherObject', 'objectGatherList');
  const size = group.size();
  const bytes = serialize(obj);
  const { lengths, longest } = await gatherLengths(bytes, size, options, dev);
  const parts = isRoot ? Array.from({ length: size }, () => empty([longest], { dtype: uint8, device: dev })) : undefined;
  await gather(bytesTensor(bytes, longest, dev), { ...options, gatherList: parts, dst });
  if (isRoot) {
    objectGatherList!.length = size;
    parts!.forEach((t, r) => (objectGatherList![r] = valueOf(t, lengths[r])));
  }
}

/**
 * Sends `scatterObjectInputList[r]` on rank `src` to rank r, which finds it in
 * `scatterObjectOutputList[0]`.
 * @example const out = [null]; await dist.scatterObjectList(out, rank === 0 ? shards : null, 0);
 */
export async function scatterObjectList(
  scatterObjectOutputList: unknown[],
  scatterObjectInputList: unknown[] | null = null,
  src = 0,
  options: GroupOption = {},
): Promise<void> {
  checkList(scatterObjectOutputList, 'scatterObjectList', 'scatterObjectOutputList');
  const group = resolveGroup(options, 'scatterObjectList');
  const dev: Where = group?.device ?? 'cpu';
  if (group === null) return;
  const isRoot = group.ranks[group.rank()] === src;
  const size = group.size();
  let blocks: Uint8Array[] = [];
  if (isRoot) {
    checkList(scatterObjectInputList, 'scatterObjectList', 'scatterObjectInputList');
    if (scatterObjectInputList.length !== size) {
      throw new RangeError(`scatterObjectList: the input list must hold ${size} objects (the group's size), got ${scatterObjectInputList.length}`);
    }
    blocks = scatterObjectInputList.map((v) => serialize(v));
  }
  const longestTensor = tensor([isRoot ? Math.max(...blocks.map((b) => b.length), 1) : 0], { dtype: int64, device: dev });
  await broadcast(longestTensor, src, options);
  const longest = longestTensor.item() as number;
  const lengthOut = empty([1], { dtype: int64, device: dev });
  await scatter(lengthOut, { ...options, src, scatterList: isRoot ? blocks.map((b) => tensor([b.length], { dtype: int64, device: dev })) : undefined });
  const out = empty([longest], { dtype: uint8, device: dev });
  await scatter(out, { ...options, src, scatterList: isRoot ? blocks.map((b) => bytesTensor(b, longest, dev)) : undefined });
  scatterObjectOutputList[0] = valueOf(out, lengthOut.item() as number);
}
