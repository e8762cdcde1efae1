/**
 * `torch.save` / `torch.load` and friends. The file format follows the extension
 * (`.safetensors`, else PyTorch's zip archive) or `opts.format`; loading detects it from
 * the bytes. Saving is atomic: a temporary file in the same folder is written, fsynced
 * and renamed over the target, so a crash never leaves a half-written checkpoint (see
 * temp-files.ts for how the temporary files of killed saves are cleaned up).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeFile, type Format } from './encode.js';
import { writeAtomically, writeAtomicallySync } from './temp-files.js';

export { deserialize, load, loadSync, type LoadOptions } from './load.js';

/**
 * Options of save / serialize.
 * @example torch.saveSync(sd, 'model.bin', { format: 'safetensors', metadata: { format: 'pt' } } satisfies SaveOptions)
 */
export interface SaveOptions {
  /** 'torch' (PyTorch's zip archive) or 'safetensors'; by default from the file extension. */
  format?: 'torch' | 'safetensors';
  /** safetensors only: the `__metadata__` string map. */
  metadata?: Record<string, string>;
}

const SAVE_OPTIONS = new Set(['format', 'metadata']);

function checkFormat(format: unknown): Format {
  if (format !== 'torch' && format !== 'safetensors') {
    throw new Error(`save: unknown format '${String(format)}' (expected 'torch' or 'safetensors')`);
  }
  return format;
}

function formatFor(file: string, options: SaveOptions): Format {
  if (options === null || typeof options !== 'object') throw new TypeError(`save: expected an options object { format?, metadata? }, found ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!SAVE_OPTIONS.has(key)) throw new TypeError(`save: unexpected option '${key}' (expected format or metadata)`);
  }
  if (typeof file !== 'string' || file.length === 0) throw new TypeError(`save: expected a file path (a non-empty string), found ${typeof file === 'string' ? "''" : typeof file}`);
  if (options.format !== undefined) return checkFormat(options.format);
  return file.endsWith('.safetensors') ? 'safetensors' : 'torch';
}

/** torch.save's archive prefix: the file name without its last extension. */
function prefixFor(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return stem.replace(/[^\w.-]/g, '_') || 'archive';
}

/**
 * Saves synchronously: the file holds the values at the call. Atomic (temporary file,
 * fsync, rename); the temporary files of earlier saves that were killed are removed.
 * @example torch.saveSync(net.stateDict(), 'mlp.params')
 */
export function saveSync(obj: unknown, file: string, options: SaveOptions = {}): void {
  const encoded = encodeFile(obj, formatFor(file, options), prefixFor(file), options.metadata, { snapshot: false });
  try {
    writeAtomicallySync(file, (fd) => {
      for (const chunk of encoded.chunks()) {
        for (let written = 0; written < chunk.length; ) written += fs.writeSync(fd, chunk, written, chunk.length - written);
      }
    });
  } finally {
    encoded.dispose();
  }
}

/**
 * Saves `obj` (a tensor, a state dict, arrays/objects/Maps of tensors and plain values)
 * in PyTorch's format, or safetensors for `.safetensors` files. Atomic.
 *
 * The file holds the values as they were when `save` was called, as PyTorch's
 * synchronous `torch.save` does: changing or disposing the tensors while the promise is
 * pending does not change what is written. To that end `save` copies every storage it
 * writes (a native memcpy) before it returns the promise; the copies take as much memory
 * as the checkpoint's tensors, and each is freed as soon as its bytes are written. Bytes
 * go to the file 4 MiB at a time. `saveSync` writes without the copies.
 *
 * @example await torch.save(net.stateDict(), 'mlp.params');
 */
export async function save(obj: unknown, file: string, options: SaveOptions = {}): Promise<void> {
  // Everything up to the first await runs at the call: the structure is encoded and the
  // storages copied before the caller's next statement can change them.
  const encoded = encodeFile(obj, formatFor(file, options), prefixFor(file), options.metadata, { snapshot: true });
  try {
    await writeAtomically(file, async (handle) => {
      for (const chunk of encoded.chunks()) {
        for (let written = 0; written < chunk.length; ) {
          written += (await handle.write(chunk, written, chunk.length - written)).bytesWritten;
        }
      }
    });
  } finally {
    encoded.dispose();
  }
}

/**
 * The bytes torch.save would write, for services that keep checkpoints in a database.
 * Tensor bytes are copied into the result (nothing keeps native memory alive after the
 * call), so disposing the tensors afterwards frees them at once.
 * @example const buf = torch.serialize({ w: torch.ones(2) });
 */
export function serialize(obj: unknown, options: SaveOptions = {}): Buffer {
  if (options === null || typeof options !== 'object') throw new TypeError(`serialize: expected an options object { format?, metadata? }, found ${String(options)}`);
  const encoded = encodeFile(obj, checkFormat(options.format ?? 'torch'), 'archive', options.metadata, { snapshot: false });
  try {
    return Buffer.concat([...encoded.chunks()]);
  } finally {
    encoded.dispose();
  }
}
