/**
 * `torch.save` / `torch.load` and friends. The file format follows the extension
 * (`.safetensors`, else PyTorch's zip archive) or `opts.format`; loading detects it from
 * the bytes. Saving is atomic: a temporary file in the same folder is written, fsynced
 * and renamed over the target, so a crash never leaves a half-written checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Tensor } from '../tensor/tensor.js';
import { device as parseDevice, type DeviceLike } from '../tensor/device.js';
import { encodeTorchObject, finishTorchZip, planTorchZip, readIntoTensor, readIntoTensorAsync, readTorchLegacy, readTorchZip } from './torch-format.js';
import { openZip, zipSourceFromBuffer, zipSourceFromFd, type ZipSource } from './zip-read.js';
import { createZipWriter } from './zip-write.js';
import { decodeSafetensors, encodeSafetensors, parseSafetensorsHeader } from './safetensors.js';
import { bool } from '../tensor/dtype.js';
import { contiguousStrides } from '../tensor/shape.js';

/** Options of save / serialize. */
export interface SaveOptions {
  /** 'torch' (PyTorch's zip archive) or 'safetensors'; by default from the file extension. */
  format?: 'torch' | 'safetensors';
  /** safetensors only: the `__metadata__` string map. */
  metadata?: Record<string, string>;
}

/** Options of load / deserialize. */
export interface LoadOptions {
  /** Where loaded tensors go (default: the CPU, also for storages saved from `cuda:N`). */
  mapLocation?: DeviceLike;
}

/**
 * A file in `format`, as successive groups of chunks: each group is ready to be written
 * before the next is made, so only one storage's bytes are in flight at a time (and an
 * async writer can await between groups).
 */
function* encodePieces(
  obj: unknown,
  format: 'torch' | 'safetensors',
  prefix: string,
  metadata?: Record<string, string>,
): Generator<Uint8Array[]> {
  if (format === 'safetensors') {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new TypeError('save: safetensors holds a flat map from names to tensors; got ' + (Array.isArray(obj) ? 'an array' : typeof obj));
    }
    const entries = obj instanceof Map ? [...obj] : Object.entries(obj as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (!(v instanceof Tensor)) throw new TypeError(`save: safetensors can only hold tensors, but '${String(k)}' is not one`);
    }
    for (const chunk of encodeSafetensors(new Map(entries as [string, Tensor][]), metadata)) yield [chunk];
    return;
  }
  const { pickle, storages } = encodeTorchObject(obj);
  let pending: Uint8Array[] = [];
  const zip = createZipWriter({ write: (b) => pending.push(b) });
  const take = (): Uint8Array[] => {
    const out = pending;
    pending = [];
    return out;
  };
  const text = (s: string) => new TextEncoder().encode(s);
  zip.addEntry(`${prefix}/data.pkl`, pickle);
  zip.addEntry(`${prefix}/.format_version`, text('1'));
  zip.addEntry(`${prefix}/.storage_alignment`, text('64'));
  zip.addEntry(`${prefix}/byteorder`, text('little'));
  for (const { key, bytes } of storages) {
    zip.addEntry(`${prefix}/data/${key}`, bytes());
    yield take();
  }
  zip.addEntry(`${prefix}/version`, text('3\n'));
  zip.addEntry(`${prefix}/.data/serialization_id`, text(BigInt(`0x${randomBytes(8).toString('hex')}`).toString().padStart(20, '0')));
  zip.finish();
  yield take();
}

function formatFor(file: string, options: SaveOptions): 'torch' | 'safetensors' {
  if (options.format !== undefined) {
    if (options.format !== 'torch' && options.format !== 'safetensors') {
      throw new Error(`save: unknown format '${String(options.format)}' (expected 'torch' or 'safetensors')`);
    }
    return options.format;
  }
  return file.endsWith('.safetensors') ? 'safetensors' : 'torch';
}

/** torch.save's archive prefix: the file name without its last extension. */
function prefixFor(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem.replace(/[^\w.-]/g, '_') || 'archive';
}

function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Saves synchronously (atomic: temp file, fsync, rename).
 * @example torch.saveSync(net.stateDict(), 'mlp.params')
 */
export function saveSync(obj: unknown, file: string, options: SaveOptions = {}): void {
  const format = formatFor(file, options);
  const temporary = temporaryName(file);
  const fd = fs.openSync(temporary, 'w');
  try {
    for (const group of encodePieces(obj, format, prefixFor(file), options.metadata)) {
      for (const chunk of group) {
        let written = 0;
        while (written < chunk.length) written += fs.writeSync(fd, chunk, written, chunk.length - written);
      }
    }
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Saves `obj` (a tensor, a state dict, arrays/objects/Maps of tensors and plain values)
 * in PyTorch's format, or safetensors for `.safetensors` files. Atomic.
 * @example await torch.save(net.stateDict(), 'mlp.params');
 */
export async function save(obj: unknown, file: string, options: SaveOptions = {}): Promise<void> {
  const pieces = encodePieces(obj, formatFor(file, options), prefixFor(file), options.metadata);
  const temporary = temporaryName(file);
  const handle = await fs.promises.open(temporary, 'w');
  try {
    for (const group of pieces) {
      for (const chunk of group) {
        let written = 0;
        while (written < chunk.length) written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The bytes torch.save would write, for services that keep checkpoints in a database.
 * @example const buf = torch.serialize({ w: torch.ones(2) });
 */
export function serialize(obj: unknown, options: SaveOptions = {}): Buffer {
  return Buffer.concat([...encodePieces(obj, options.format ?? 'torch', 'archive', options.metadata)].flat());
}

/** safetensors: a u64 header length, then the JSON header's '{'. (A legacy pickle has 0xf9 there.) */
function looksLikeSafetensors(head: Uint8Array): boolean {
  return head.length >= 9 && head[8] === 0x7b;
}

function decodeSource(source: ZipSource, whole: () => Uint8Array): unknown {
  const head = source.read(0, Math.min(16, source.size));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return readTorchZip(openZip(source));
  }
  if (looksLikeSafetensors(head)) {
    const { tensors } = decodeSafetensors(source);
    return Object.fromEntries(tensors);
  }
  if (source.size === 0) throw new Error('load: the file is empty');
  return readTorchLegacy(whole());
}

function place(value: unknown, options: LoadOptions): unknown {
  if (options.mapLocation === undefined) return value;
  const target = parseDevice(options.mapLocation);
  if (target.type === 'cpu') return value;
  const move = (v: unknown): unknown => {
    if (v instanceof Tensor) return (v as Tensor & { to(d: DeviceLike): Tensor }).to(target);
    if (Array.isArray(v)) return v.map(move);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, move(x)]));
    if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = move((v as Record<string, unknown>)[k]);
    }
    return v;
  };
  return move(value);
}

/**
 * Reads a checkpoint from bytes (PyTorch zip, legacy, or safetensors; detected).
 * @example const sd = torch.deserialize(buf);
 */
export function deserialize(buffer: Uint8Array, options: LoadOptions = {}): unknown {
  return place(decodeSource(zipSourceFromBuffer(buffer), () => buffer), options);
}

/**
 * Loads a checkpoint synchronously. Storages are read from the file straight into
 * tensor memory, so a large file never sits in memory twice.
 * @example const sd = torch.loadSync('mlp.params');
 */
export function loadSync(file: string, options: LoadOptions = {}): unknown {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    return place(decodeSource(zipSourceFromFd(fd, size), () => fs.readFileSync(file)), options);
  } finally {
    fs.closeSync(fd);
  }
}

function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/**
 * Loads a checkpoint written by PyTorch or by flint. Executes nothing from the file. For
 * PyTorch's zip format the storages, which are nearly all of a checkpoint's bytes, are
 * read asynchronously in 64 MiB chunks, so the event loop keeps running meanwhile.
 * @example clone.loadStateDict(await torch.load('mlp.params'));
 */
export async function load(file: string, options: LoadOptions = {}): Promise<unknown> {
  const handle = await fs.promises.open(file, 'r');
  const readExact = async (position: number, length: number, what: string): Promise<Uint8Array> => {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new Error(`load: the file ended inside ${what}`);
      filled += bytesRead;
    }
    return buffer;
  };
  try {
    const { size } = await handle.stat();
    const source = zipSourceFromFd(handle.fd, size);
    const head = source.read(0, Math.min(16, size));
    if (looksLikeSafetensors(head)) {
      // The header is validated whole first; then each tensor's bytes are read asynchronously.
      const header = parseSafetensorsHeader(source);
      const out: Record<string, Tensor> = {};
      try {
        for (const entry of header.entries) {
          const numel = entry.shape.reduce((a, b) => a * b, 1);
          const flat = await readIntoTensorAsync(entry.dtype, numel, async (offset, length) => {
            const bytes = await readExact(header.dataStart + entry.begin + offset, length, `tensor '${entry.name}'`);
            // A bool byte other than 0/1 would break the kernels; any nonzero byte is true.
            if (entry.dtype === bool) for (let i = 0; i < bytes.length; i++) if (bytes[i] > 1) bytes[i] = 1;
            return bytes;
          });
          out[entry.name] = new Tensor(flat._storage, entry.shape.slice(), contiguousStrides(entry.shape), 0, entry.dtype);
          flat.dispose();
        }
      } catch (error) {
        for (const t of Object.values(out)) t.dispose();
        throw error;
      }
      return place(out, options);
    }
    if (!isZip(head)) return place(decodeSource(source, () => fs.readFileSync(file)), options);
    const zip = openZip(source);
    const { value, requests } = planTorchZip(zip);
    const storages = new Map<string, Tensor>();
    try {
      for (const { key, dtype, numel, entry } of requests) {
        if (entry.method !== 0) {
          const all = zip.read(entry);
          storages.set(key, readIntoTensor(dtype, numel, (offset, length) => all.subarray(offset, offset + length)));
          continue;
        }
        const start = zip.dataOffset(entry);
        if (start + entry.size > size) throw new Error(`load: storage '${key}' runs past the end of the file`);
        storages.set(key, await readIntoTensorAsync(dtype, numel, (offset, length) => readExact(start + offset, length, `storage '${key}'`)));
      }
      return place(finishTorchZip(value, storages), options);
    } finally {
      for (const t of storages.values()) t.dispose();
    }
  } finally {
    await handle.close();
  }
}
