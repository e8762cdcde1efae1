/**
 * Tensors from memory the caller already has: `torch.asTensor`, `torch.asarray` and
 * `torch.frombuffer`, with PyTorch 1.13's rules for when a tensor is returned as it is and
 * PyTorch's messages for bad offsets and counts.
 *
 * PyTorch shares memory with a NumPy array or a Python buffer where it can. flint cannot: a
 * tensor's bytes live in a native storage that its allocator owns (src/memory/storage.ts,
 * native/napi/memory.cc), and nothing there can stand on a JS ArrayBuffer, whose lifetime the
 * JS collector owns and which a JS caller may detach or resize. So what comes from JS memory
 * is copied, once, when the tensor is made; later writes to either side are not seen by the
 * other. A tensor argument is still returned as it is, sharing, where PyTorch's would be.
 */
import { Tensor } from '../tensor/tensor.js';
import { type DType, bool, getDefaultDtype, scalarTypeName, uint8 } from '../tensor/dtype.js';
import { type DeviceLike, CPU } from '../tensor/device.js';
import { fromArray, tensor, type CreationOptions } from '../tensor/creation.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, keysOf, toDeviceArg, toDTypeArg } from '../tensor/args.js';
import { detach, toDtype } from './shape.js';
import { toDevice } from './device.js';
import type { NestedList } from '../tensor/tensor.js';

/** What `asTensor` and `asarray` take: a tensor, a (nested) array or scalar, a typed array or raw bytes. @example const data: ArrayLikeData = new Float32Array(4) */
export type ArrayLikeData = Tensor | NestedList | bigint | ArrayBufferView | ArrayBufferLike;

/**
 * The options of `asTensor`: PyTorch's `dtype` and `device`.
 * @example torch.asTensor([1, 2], { dtype: torch.float64 })
 */
export interface AsTensorOptions {
  dtype?: DType | string | null;
  device?: DeviceLike | null;
}
const AS_TENSOR_KEYS = keysOf<AsTensorOptions>()('dtype', 'device');

/**
 * `torch.as_tensor(data, dtype=None, device=None)`: a tensor of `data` in `dtype` on `device`.
 * A tensor already of that dtype and on that device is returned as it is (shared, its history
 * kept); another tensor is converted with `.to()`, which autograd follows. Arrays, numbers and
 * typed arrays are copied (PyTorch would share a NumPy array's memory; see this module's note).
 * @example
 * const x = torch.tensor([1, 2, 3]);
 * torch.asTensor(x) === x;                        // true
 * torch.asTensor(new Float32Array([1, 2]));        // float32, a copy
 */
export function asTensor(data: ArrayLikeData, options: AsTensorOptions = {}): Tensor {
  checkOptions(options, 'asTensor', AS_TENSOR_KEYS);
  const o = options ?? {};
  if (data instanceof Tensor) {
    const dtype = o.dtype === undefined || o.dtype === null ? data._dtype : toDTypeArg(o.dtype, 'asTensor');
    const device = o.device === undefined || o.device === null ? null : toDeviceArg(o.device, 'asTensor');
    const moved = device === null ? data : toDevice(data, device);
    return toDtype(moved, dtype);
  }
  if (isRawBuffer(data)) throw argumentError('asTensor', 'data', 'a Tensor, a number, a (nested) array or a typed array', data);
  return tensor(data as Parameters<typeof tensor>[0], { dtype: o.dtype ?? null, device: o.device ?? null });
}

/**
 * The options of `asarray`: PyTorch's keywords.
 * @example torch.asarray(x, { dtype: torch.float64, copy: true })
 */
export interface AsarrayOptions extends AsTensorOptions {
  /** true: always a new tensor; false: never (an error where sharing is impossible); unset: share where possible. */
  copy?: boolean | null;
  requiresGrad?: boolean;
}
const ASARRAY_KEYS = keysOf<AsarrayOptions>()('dtype', 'device', 'copy', 'requiresGrad');

/**
 * `torch.asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False)`.
 *
 * A tensor is returned as it is when its dtype and device already match and `copy` is not
 * true; otherwise it is converted (`copy: false` then throws PyTorch's "can't alias" error).
 * Then, as PyTorch 1.13 does, `requiresGrad` is applied to the result: on a leaf that is the
 * returned tensor itself, so `asarray(w)` of a leaf `w` that requires grad turns its
 * requiresGrad off (pass `{ requiresGrad: true }` to keep it); a non-leaf is detached instead.
 *
 * Raw bytes (an ArrayBuffer, a SharedArrayBuffer or a DataView) are read as `frombuffer` reads
 * them, in `dtype` (default: the default dtype). Typed arrays (a Node Buffer included) keep
 * their element type, as a NumPy array does. Both are copied, as are arrays and numbers, so
 * `copy: false` throws for them (flint cannot share JS memory; see this module's note).
 * @example
 * torch.asarray([1, 2, 3]);                                // int64
 * torch.asarray(x, { dtype: torch.float64 });              // a converted copy
 * torch.asarray(new ArrayBuffer(8), { dtype: torch.int32 }); // two int32s
 */
export function asarray(obj: ArrayLikeData, options: AsarrayOptions = {}): Tensor {
  checkOptions(options, 'asarray', ASARRAY_KEYS);
  const o = options ?? {};
  const dtype = o.dtype === undefined || o.dtype === null ? null : toDTypeArg(o.dtype, 'asarray');
  const device = o.device === undefined || o.device === null ? null : toDeviceArg(o.device, 'asarray');
  const copy = o.copy ?? null;
  if (copy !== null) checkBoolean(copy, 'asarray', 'copy');
  const requiresGrad = o.requiresGrad ?? false;
  checkBoolean(requiresGrad, 'asarray', 'requiresGrad');
  if (obj instanceof Tensor) return asarrayTensor(obj, dtype, device, copy, requiresGrad);
  if (copy === false) {
    if (isRawBuffer(obj) || ArrayBuffer.isView(obj)) {
      throw new Error("can't alias JS memory into a tensor: flint tensors live in native storage, so their values are copied; leave copy unset");
    }
    throw new Error("can't alias arbitrary sequence into a tensor.");
  }
  if (isRawBuffer(obj) || obj instanceof DataView) {
    const out = frombuffer(obj, { dtype: dtype ?? getDefaultDtype(), requiresGrad });
    return device === null ? out : toDevice(out, device);
  }
  return tensor(obj as Parameters<typeof tensor>[0], { dtype, device, requiresGrad } satisfies CreationOptions);
}

function asarrayTensor(t: Tensor, dtype: DType | null, device: ReturnType<typeof toDeviceArg> | null, copy: boolean | null, requiresGrad: boolean): Tensor {
  const wrongDevice = device !== null && device !== t._storage.device;
  const wrongDtype = dtype !== null && dtype !== t._dtype;
  let out: Tensor;
  if (copy === true || (copy === null && (wrongDevice || wrongDtype))) {
    if (wrongDevice || wrongDtype) {
      const moved = wrongDevice ? toDevice(t, device!) : t;
      out = wrongDtype ? toDtype(moved, dtype!) : moved;
    } else out = t.clone();
  } else {
    if (wrongDevice) throw new Error(`can't alias tensor from device '${t.device}' to '${device}'.`);
    if (wrongDtype) throw new Error(`can't alias tensor with dtype '${scalarTypeName(t._dtype)}' into dtype '${scalarTypeName(dtype!)}'.`);
    out = t;
  }
  if (out._requiresGrad === requiresGrad) return out;
  // A leaf's flag is set in place (on `t` itself when it is returned); a non-leaf that must
  // not require grad is detached, as PyTorch 1.13 does.
  if (out._gradFn === null) return out.requiresGrad_(requiresGrad);
  return detach(out);
}

/**
 * The options of `frombuffer`: PyTorch's keywords (`dtype` is required, as there).
 * @example torch.frombuffer(bytes, { dtype: torch.int32, offset: 4, count: 2 })
 */
export interface FrombufferOptions {
  dtype: DType | string;
  /** How many elements to read; -1 (the default): all that follow `offset`. */
  count?: number;
  /** Where to start, in bytes (default 0). */
  offset?: number;
  requiresGrad?: boolean;
}
const FROMBUFFER_KEYS = keysOf<FrombufferOptions>()('dtype', 'count', 'offset', 'requiresGrad');

function isRawBuffer(value: unknown): value is ArrayBufferLike {
  return value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer);
}

/**
 * `torch.frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False)`: a 1-D CPU
 * tensor of `count` elements of `dtype` read from the bytes of `buffer` (an ArrayBuffer, a
 * SharedArrayBuffer, a typed array, a DataView or a Node Buffer; for a view, its own bytes)
 * from byte `offset`, in the machine's byte order. Unlike PyTorch's, which shares the buffer's
 * memory, the bytes are copied when the tensor is made (see this module's note): later writes
 * to the buffer do not change the tensor, nor the tensor's the buffer.
 * @example
 * const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
 * torch.frombuffer(bytes, { dtype: torch.int32 }); // tensor([1, 2], dtype=torch.int32)
 */
export function frombuffer(buffer: ArrayBufferLike | ArrayBufferView, options: FrombufferOptions): Tensor {
  if (options === undefined || options === null || (options as { dtype?: unknown }).dtype === undefined) {
    throw new TypeError('frombuffer() missing 1 required positional arguments: "dtype"');
  }
  checkOptions(options, 'frombuffer', FROMBUFFER_KEYS);
  const dtype = toDTypeArg(options.dtype, 'frombuffer');
  const count = options.count ?? -1;
  const offset = options.offset ?? 0;
  const requiresGrad = options.requiresGrad ?? false;
  checkInteger(count, 'frombuffer', 'count');
  checkInteger(offset, 'frombuffer', 'offset');
  checkBoolean(requiresGrad, 'frombuffer', 'requiresGrad');
  let bytes: Uint8Array;
  if (isRawBuffer(buffer)) bytes = new Uint8Array(buffer);
  else if (ArrayBuffer.isView(buffer)) bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  else throw argumentError('frombuffer', 'buffer', 'an ArrayBuffer, a typed array, a DataView or a Buffer', buffer);
  const len = bytes.byteLength;
  const elsize = dtype.itemsize;
  if (!(len > 0 && count !== 0)) throw new RangeError(`both buffer length (${len}) and count (${count}) must not be 0`);
  if (!(offset >= 0 && offset < len)) {
    throw new RangeError(`offset (${offset} bytes) must be non-negative and no greater than buffer length (${len} bytes) minus 1`);
  }
  if (!(count > 0 || (len - offset) % elsize === 0)) {
    throw new RangeError(`buffer length (${len - offset} bytes) after offset (${offset} bytes) must be a multiple of element size (${elsize})`);
  }
  const n = count < 0 ? (len - offset) / elsize : count;
  if (offset + n * elsize > len) {
    throw new RangeError(
      `requested buffer length (${n} * ${elsize} bytes) after offset (${offset} bytes) must not be greater than actual buffer length (${len} bytes)`,
    );
  }
  // The native copy reads `dtype` elements from these bytes; bool bytes read as uint8 (!= 0).
  const source = bytes.subarray(offset, offset + n * elsize);
  const out = fromArray(source, dtype === bool ? uint8 : dtype, [n], dtype, CPU);
  return requiresGrad ? out.requiresGrad_(true) : out;
}
