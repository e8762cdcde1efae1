/**
 * Raw bytes in and out of tensors, for the file formats: a storage is read straight into
 * a tensor's native memory, and written out from it, with no JS-side conversion.
 */
import { native } from '../native/addon.js';
import { metaBegin, metaView } from '../native/meta.js';
import { fromArray } from '../tensor/creation.js';
import { CPU } from '../tensor/device.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

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
 * The bytes of elements `[0, numel)` of a tensor's storage (not just its view), as the
 * PyTorch formats save a storage whole.
 * @example storagePrefixBytes(t, 6)
 */
export function storagePrefixBytes(t: Tensor, numel: number): Uint8Array {
  // A view of the storage itself, not a copy: a 1 GB checkpoint is written straight from
  // tensor memory. The view keeps the storage alive while the writer holds it. A GPU's
  // memory cannot be viewed from JS, so its bytes are copied over.
  if (t.device.type !== 'cpu') {
    metaBegin();
    metaView(t.dtype.code, 0, [numel], [1]);
    return new Uint8Array(native.toBuffer(t._handle()));
  }
  return new Uint8Array(native.storageView(t._handle(), 0, numel * t.dtype.itemsize));
}

/**
 * The bytes of a tensor's elements, row-major (what safetensors stores).
 * @example tensorBytes(torch.ones(2))
 */
export function tensorBytes(t: Tensor): Uint8Array {
  metaBegin();
  metaView(t.dtype.code, t._offset, t._shape, t._strides);
  return new Uint8Array(native.toBuffer(t._handle()));
}
