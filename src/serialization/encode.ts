/**
 * A checkpoint's bytes, as a stream of chunks: the structure (pickle, safetensors
 * header) is encoded when `encodeFile` is called, and tensor bytes are copied out of
 * native memory one chunk (at most 4 MiB) at a time as the writer asks. With
 * `snapshot`, each storage is first copied natively, so that the values written are
 * the values at the call even if the caller mutates or disposes the tensors before the
 * write completes.
 */
import { randomBytes } from 'node:crypto';
import { castKernel } from '../ops/tensor-kernels.js';
import { keep } from '../memory/storage.js';
import { Tensor } from '../tensor/tensor.js';
import { storageChunks } from './bytes.js';
import { planSafetensors } from './safetensors.js';
import { encodeTorchObject } from './torch-format.js';
import { createZipWriter } from './zip-write.js';

/**
 * Which format to write.
 * @example const format: Format = file.endsWith('.safetensors') ? 'safetensors' : 'torch';
 */
export type Format = 'torch' | 'safetensors';

/** Elements `[start, start + numel)` of `tensor`'s storage, which a file holds as one run of bytes. */
interface Source {
  tensor: Tensor;
  start: number;
  numel: number;
  /** A copy made for this file (a snapshot, or a contiguous copy of a strided view), freed once written. */
  owned: boolean;
}

/**
 * An encoded file: `chunks()` yields its bytes in order (once); `dispose()` frees the
 * copies it holds, and is safe to call at any point, also after a partial read.
 * @example const file = encodeFile(obj, 'torch', 'archive', undefined, { snapshot: false }); Buffer.concat([...file.chunks()]);
 */
export interface EncodedFile {
  chunks(): Generator<Uint8Array>;
  dispose(): void;
}

/** A native copy that `tidy` never frees: the write may outlive the caller's scope. */
function copyOf(t: Tensor): Tensor {
  return keep(castKernel(t, t.dtype));
}

/** The storage run `[0, numel)` under `t`, as a source; a snapshot copies it. */
function storageSource(t: Tensor, numel: number, snapshot: boolean): Source {
  if (!snapshot || numel === 0) return { tensor: t, start: 0, numel, owned: false };
  const whole = new Tensor(t._storage, [numel], [1], 0, t.dtype);
  try {
    return { tensor: copyOf(whole), start: 0, numel, owned: true };
  } finally {
    whole.dispose();
  }
}

/** A tensor's elements in row-major order, as a source; strided views and snapshots are copied. */
function tensorSource(t: Tensor, snapshot: boolean): Source {
  const numel = t.numel();
  if (numel === 0 || (!snapshot && t.isContiguous())) return { tensor: t, start: t._offset, numel, owned: false };
  return { tensor: copyOf(t), start: 0, numel, owned: true };
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function safetensorsEntries(obj: unknown): Map<string, Tensor> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new TypeError('save: safetensors holds a flat map from names to tensors; got ' + (Array.isArray(obj) ? 'an array' : obj === null ? 'null' : typeof obj));
  }
  const entries = obj instanceof Map ? [...obj] : Object.entries(obj as Record<string, unknown>);
  for (const [k, v] of entries) {
    if (!(v instanceof Tensor)) throw new TypeError(`save: safetensors can only hold tensors, but '${String(k)}' is not one`);
  }
  return new Map(entries as [string, Tensor][]);
}

/**
 * Encodes `obj` in `format`. For 'torch', `prefix` is the archive's folder name.
 * @example
 * const file = encodeFile({ w }, 'torch', 'ckpt', undefined, { snapshot: true });
 * try { for (const chunk of file.chunks()) sink(chunk); } finally { file.dispose(); }
 */
export function encodeFile(
  obj: unknown,
  format: Format,
  prefix: string,
  metadata: Record<string, string> | undefined,
  options: { snapshot: boolean },
): EncodedFile {
  const sources: Source[] = [];
  const dispose = (): void => {
    for (const s of sources) if (s.owned && !s.tensor.isDisposed) s.tensor.dispose();
  };
  try {
    if (format === 'safetensors') {
      const plan = planSafetensors(safetensorsEntries(obj), metadata);
      // A snapshot copies every tensor now; otherwise a strided view is copied when its
      // turn comes, so that a synchronous write holds one copy at a time.
      const snapshots = plan.tensors.map(({ tensor }) => (options.snapshot ? tensorSource(tensor, true) : null));
      for (const s of snapshots) if (s !== null) sources.push(s);
      return {
        *chunks() {
          yield plan.header;
          for (let i = 0; i < snapshots.length; i++) {
            let source = snapshots[i];
            if (source === null) {
              source = tensorSource(plan.tensors[i].tensor, false);
              if (source.owned) sources.push(source);
            }
            yield* storageChunks(source.tensor, source.start, source.numel);
            if (source.owned) source.tensor.dispose();
          }
        },
        dispose,
      };
    }
    const { pickle, storages } = encodeTorchObject(obj);
    for (const { tensor, numel } of storages) sources.push(storageSource(tensor, numel, options.snapshot));
    return {
      *chunks() {
        let pending: Uint8Array[] = [];
        const zip = createZipWriter({ write: (b) => pending.push(b) });
        function* drain(): Generator<Uint8Array> {
          const out = pending;
          pending = [];
          yield* out;
        }
        zip.addEntry(`${prefix}/data.pkl`, pickle);
        zip.addEntry(`${prefix}/.format_version`, text('1'));
        zip.addEntry(`${prefix}/.storage_alignment`, text('64'));
        zip.addEntry(`${prefix}/byteorder`, text('little'));
        yield* drain();
        for (let i = 0; i < storages.length; i++) {
          const source = sources[i];
          const entry = zip.beginEntry(`${prefix}/data/${storages[i].key}`, source.numel * source.tensor.dtype.itemsize);
          yield* drain();
          for (const chunk of storageChunks(source.tensor, source.start, source.numel)) {
            entry.write(chunk);
            yield* drain();
          }
          entry.end();
          if (source.owned) source.tensor.dispose();
        }
        zip.addEntry(`${prefix}/version`, text('3\n'));
        const id = BigInt(`0x${randomBytes(8).toString('hex')}`).toString().padStart(20, '0');
        zip.addEntry(`${prefix}/.data/serialization_id`, text(id));
        zip.finish();
        yield* drain();
      },
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
