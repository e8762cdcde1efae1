/**
 * Loading: one decoder for every format (PyTorch's zip archive, its legacy stream, and
 * safetensors), detected from the bytes, run with synchronous reads (`loadSync`,
 * `deserialize`) or asynchronous ones (`load`). Both paths make the same checks in the
 * same order, so they accept the same files and fail with the same messages.
 */
import * as fs from 'node:fs';
import { Tensor } from '../tensor/tensor.js';
import { device as parseDevice, type DeviceLike } from '../tensor/device.js';
import { safetensorsSteps } from './safetensors.js';
import { runAsync, runSync, type ReadRequest, type Steps } from './steps.js';
import { readTorchLegacy, torchZipSteps } from './torch-format.js';
import { openZip, zipSourceFromBuffer, zipSourceFromFd, type ZipSource } from './zip-read.js';

/**
 * Options of load / deserialize.
 * @example torch.loadSync('ckpt.pt', { mapLocation: 'cuda:0' } satisfies LoadOptions)
 */
export interface LoadOptions {
  /** Where loaded tensors go (default: the CPU, also for storages saved from `cuda:N`). */
  mapLocation?: DeviceLike;
}

function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/**
 * safetensors: a u64 header length, then the JSON header's '{'. A legacy stream is a
 * pickle, whose first byte is PROTO (0x80); anything else whose length prefix fits the
 * file is read as safetensors too, so that its header gets the precise message.
 */
function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length >= 9 && head[8] === 0x7b) return true;
  if (head.length < 9 || head[0] === 0x80) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return 8n + n <= BigInt(size);
}

/**
 * Decodes the file behind `source`: its small parts (zip directory, pickle, safetensors
 * header) are read from `source` directly; its storages and tensors through the yielded
 * reads.
 */
function* decodeSteps(source: ZipSource): Steps<unknown> {
  const head = source.read(0, Math.min(16, source.size));
  if (isZip(head)) return yield* torchZipSteps(openZip(source), source.size);
  if (looksLikeSafetensors(head, source.size)) {
    const { tensors } = yield* safetensorsSteps(source);
    // Null prototype, as for every loaded dict: a tensor named '__proto__' stays an entry.
    const out = Object.create(null) as Record<string, Tensor>;
    for (const [name, t] of tensors) out[name] = t;
    return out;
  }
  if (source.size === 0) throw new Error('load: the file is empty');
  if (head[0] !== 0x80) {
    throw new Error('load: not a checkpoint: the file starts with neither a zip signature (PyTorch), a safetensors header, nor a pickle (legacy PyTorch)');
  }
  return readTorchLegacy(yield { position: 0, length: source.size, what: 'the legacy checkpoint' });
}

/** Moves tensors to `mapLocation`, in place, visiting shared and cyclic parts once. */
function place(value: unknown, options: LoadOptions): unknown {
  if (options.mapLocation === undefined) return value;
  const target = parseDevice(options.mapLocation);
  if (target.type === 'cpu') return value;
  const moved = new Map<Tensor, Tensor>();
  const seen = new Set<unknown>();
  const move = (v: unknown): unknown => {
    if (v instanceof Tensor) {
      let out = moved.get(v);
      if (out === undefined) {
        out = (v as Tensor & { to(d: DeviceLike): Tensor }).to(target);
        moved.set(v, out);
      }
      return out;
    }
    // Frozen: a `{ module, name }` descriptor of a global (safe-globals.ts), nothing to move.
    if (v === null || typeof v !== 'object' || seen.has(v) || Object.isFrozen(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = move(v[i]);
    else if (v instanceof Map) for (const [k, x] of v) v.set(k, move(x));
    else for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = move((v as Record<string, unknown>)[k]);
    return v;
  };
  return move(value);
}

function ended(request: ReadRequest): Error {
  return new Error(`load: the file ended inside ${request.what}`);
}

/**
 * Reads a checkpoint from bytes (PyTorch zip, legacy, or safetensors; detected).
 * @example const sd = torch.deserialize(buf);
 */
export function deserialize(buffer: Uint8Array, options: LoadOptions = {}): unknown {
  const value = runSync(decodeSteps(zipSourceFromBuffer(buffer)), (r) => {
    if (r.position + r.length > buffer.byteLength) throw ended(r);
    return buffer.subarray(r.position, r.position + r.length);
  });
  return place(value, options);
}

/**
 * Loads a checkpoint synchronously. Storages are read from the file straight into
 * tensor memory, 64 MiB at a time, so a large file never sits in memory twice. `T` is
 * what the caller expects the file to hold (unchecked, as a cast: `unknown` by default).
 * @example const sd = torch.loadSync<Record<string, torch.Tensor>>('mlp.params');
 */
export function loadSync<T = unknown>(file: string, options: LoadOptions = {}): T {
  const fd = fs.openSync(file, 'r');
  try {
    const source = zipSourceFromFd(fd, fs.fstatSync(fd).size);
    const value = runSync(decodeSteps(source), (r) => {
      const buffer = Buffer.allocUnsafeSlow(r.length);
      for (let filled = 0; filled < r.length; ) {
        const n = fs.readSync(fd, buffer, filled, r.length - filled, r.position + filled);
        if (n === 0) throw ended(r);
        filled += n;
      }
      return buffer;
    });
    return place(value, options) as T;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Loads a checkpoint written by PyTorch or by flint. Executes nothing from the file. The
 * storages and tensors, nearly all of a checkpoint's bytes, are read asynchronously in
 * 64 MiB chunks, so the event loop keeps running meanwhile; `loadSync` accepts and
 * refuses exactly the same files. `T` is what the caller expects the file to hold
 * (unchecked, as a cast: `unknown` by default).
 * @example clone.loadStateDict(await torch.load<Record<string, torch.Tensor>>('mlp.params'));
 */
export async function load<T = unknown>(file: string, options: LoadOptions = {}): Promise<T> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const value = await runAsync(decodeSteps(zipSourceFromFd(handle.fd, size)), async (r) => {
      const buffer = Buffer.allocUnsafeSlow(r.length);
      for (let filled = 0; filled < r.length; ) {
        const { bytesRead } = await handle.read(buffer, filled, r.length - filled, r.position + filled);
        if (bytesRead === 0) throw ended(r);
        filled += bytesRead;
      }
      return buffer;
    });
    return place(value, options) as T;
  } finally {
    await handle.close();
  }
}
