/**
 * Raw bytes in and out of tensors, for the file formats: a storage is read straight into
 * a tensor's native memory, and written out from it, with no JS-side conversion.
 */
import * as call from '../native/calls.generated.js';
import { layoutOf } from '../native/meta.js';
import { fromArray } from '../tensor/creation.js';
import { CPU } from '../tensor/device.js';
import { type DType, toRealDType } from '../tensor/dtype.js';
import { type Tensor, realLayout } from '../tensor/tensor.js';

/**
 * A new contiguous CPU tensor of `dtype` and `shape` holding `bytes` (little-endian, as
 * every format here stores them). `bytes` must hold exactly numel × itemsize bytes.
 * @example tensorFromBytes(new Uint8Array(8), torch.float32, [2])
 */
export function tensorFromBytes(bytes: Uint8Array, dtype: DType, shape: number[]): Tensor {
  let numel = 1;
  for (const s of shape) numel *= s;
  const expected = numel * dtype.itemsize;
  if (bytes.byteLength !== expected) {
    throw new Error(`expected ${expected} bytes for a ${dtype.name} tensor of shape [${shape.join(', ')}], found ${bytes.byteLength}`);
  }
  return fromArray(bytes, dtype, shape, dtype, CPU);
}

/**
 * Storage bytes are read in chunks of this many bytes at most, so a loader holds one
 * chunk at a time however large the storage.
 * @example const perChunk = Math.floor(CHUNK_BYTES / dtype.itemsize);
 */
export const CHUNK_BYTES = 64 << 20;

/**
 * Storage bytes are copied out for writing in chunks of this many bytes at most. Small
 * enough that the allocator reuses the previous chunk's memory: a fresh 64 MiB buffer per
 * chunk costs more in page faults than the copy itself.
 * @example for (const chunk of storageChunks(t, 0, n, WRITE_CHUNK_BYTES)) write(chunk);
 */
export const WRITE_CHUNK_BYTES = 4 << 20;

/**
 * A copy of elements `[start, start + count)` of a tensor's storage (not of its view), in
 * memory that V8 owns. A copy, not a view of the storage: a view would keep the native
 * block alive behind dispose's and the GC's back for as long as JS held the view, while
 * V8 had been told the bytes were gone.
 * @example storageBytes(t, 0, 6)
 */
export function storageBytes(t: Tensor, start: number, count: number): Uint8Array {
  // A complex storage is read as its parts' float storage, twice as long.
  if (t.dtype.isComplex) return new Uint8Array(call.toBuffer(layoutOf(t, toRealDType(t.dtype), 2 * start, [2 * count], [1])));
  return new Uint8Array(call.toBuffer(layoutOf(t, t.dtype, start, [count], [1])));
}

/**
 * `storageBytes` over `[start, start + count)`, one chunk of at most `chunkBytes` at a
 * time, each made only when the consumer asks for it.
 * @example for (const chunk of storageChunks(t, 0, t.numel())) fs.writeSync(fd, chunk);
 */
export function* storageChunks(t: Tensor, start: number, count: number, chunkBytes = WRITE_CHUNK_BYTES): Generator<Uint8Array> {
  const perChunk = Math.max(1, Math.floor(chunkBytes / t.dtype.itemsize));
  for (let at = 0; at < count; at += perChunk) yield storageBytes(t, start + at, Math.min(perChunk, count - at));
}

/**
 * The bytes of a tensor's elements, row-major (what safetensors stores).
 * @example tensorBytes(torch.ones(2))
 */
export function tensorBytes(t: Tensor): Uint8Array {
  if (t.dtype.isComplex) {
    const pairs = realLayout(t);
    try {
      return new Uint8Array(call.toBuffer(pairs));
    } finally {
      pairs.dispose();
    }
  }
  return new Uint8Array(call.toBuffer(t));
}
