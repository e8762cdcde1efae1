/**
 * One decoder for synchronous and asynchronous loading. A format's decoder is a
 * generator that yields each bulk read it needs (a storage's or a tensor's bytes, in
 * bounded chunks) and receives the bytes back; `runSync` answers from a file descriptor
 * or a buffer, `runAsync` from an async file handle. So `load`, `loadSync` and
 * `deserialize` share every check, and differ only in how bytes arrive.
 */
import { emptyKernel } from '../ops/tensor-kernels.js';
import * as call from '../native/calls.generated.js';
import type { DTypeCode } from '../native/enums.generated.js';
import { layoutOf } from '../native/meta.js';
import { CPU } from '../tensor/device.js';
import { type DType, toRealDType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { CHUNK_BYTES } from './bytes.js';

/**
 * A read a decoder needs: exactly `length` bytes at byte `position` of the file. `what`
 * names the bytes for the error if the file ends first.
 * @example const bytes = yield { position: 64, length: 16, what: "storage '0'" };
 */
export interface ReadRequest {
  position: number;
  length: number;
  what: string;
}

/**
 * A decoder: yields reads, receives their bytes, returns its result.
 * @example function* one(): Steps<number> { const b = yield { position: 0, length: 1, what: 'a byte' }; return b[0]; }
 */
export type Steps<T> = Generator<ReadRequest, T, Uint8Array>;

/**
 * Runs a decoder, answering each read synchronously. A failed read is thrown into the
 * decoder, so that it frees what it built so far.
 * @example const value = runSync(steps, (p, n) => buffer.subarray(p, p + n));
 */
export function runSync<T>(steps: Steps<T>, read: (request: ReadRequest) => Uint8Array): T {
  let next = steps.next();
  while (!next.done) {
    let bytes: Uint8Array;
    try {
      bytes = read(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(bytes);
  }
  return next.value;
}

/**
 * `runSync` with asynchronous reads: the event loop runs while the bytes arrive.
 * @example const value = await runAsync(steps, (r) => readExact(handle, r));
 */
export async function runAsync<T>(steps: Steps<T>, read: (request: ReadRequest) => Promise<Uint8Array>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let bytes: Uint8Array;
    try {
      bytes = await read(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(bytes);
  }
  return next.value;
}

/**
 * A new 1-D CPU tensor of `numel` elements read from the file at `position`, in chunks
 * of at most 64 MiB, each copied straight into the tensor: no whole-storage buffer.
 * `fix` may return a corrected copy of a chunk (it must not change the chunk itself,
 * which may be the caller's buffer).
 * @example const t = yield* readTensor(float32, 6, dataStart, "tensor 'w'");
 */
export function* readTensor(
  dtype: DType,
  numel: number,
  position: number,
  what: string,
  fix?: (chunk: Uint8Array) => Uint8Array,
): Steps<Tensor> {
  const t = emptyKernel([numel], dtype, CPU);
  try {
    const itemsize = dtype.itemsize;
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / itemsize));
    for (let start = 0; start < numel; start += perChunk) {
      const count = Math.min(perChunk, numel - start);
      let bytes = yield { position: position + start * itemsize, length: count * itemsize, what };
      if (fix !== undefined) bytes = fix(bytes);
      // A complex storage is written as its parts' float storage, twice as long.
      const parts = toRealDType(dtype);
      const scale = dtype.isComplex ? 2 : 1;
      call.fromBuffer(layoutOf(t, parts, scale * start, [scale * count], [1]), bytes, parts.code as DTypeCode);
    }
    return t;
  } catch (error) {
    t.dispose();
    throw error;
  }
}

/**
 * `readTensor` from bytes already in memory (a deflated zip entry, a legacy file).
 * @example const t = tensorFromMemory(float32, 2, bytes.subarray(0, 8));
 */
export function tensorFromMemory(dtype: DType, numel: number, bytes: Uint8Array): Tensor {
  return runSync(readTensor(dtype, numel, 0, 'a storage'), ({ position, length }) => bytes.subarray(position, position + length));
}
