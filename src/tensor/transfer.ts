/**
 * Tensors across `worker_threads`: `t.transfer()` copies a tensor's elements into a plain
 * object that `postMessage` can send (a Tensor itself holds a native handle, which
 * structured clone refuses), and `torch.fromTransfer(message)` makes a tensor of it on the
 * other side. Passing the message's `buffer` in the transfer list moves the bytes rather
 * than copying them a second time. Imported once by methods.ts.
 */
import * as call from '../native/calls.generated.js';
import { fromArray } from './creation.js';
import { type DeviceLike } from './device.js';
import { toDTypeOrNull } from './dtype.js';
import { argumentError, checkOptions, checkTensor, keysOf, toDeviceArg } from './args.js';
import { Tensor, realLayout } from './tensor.js';

/**
 * A tensor as a structured-cloneable message: its dtype's name, shape and device, and a
 * copy of its elements (row-major, in its own dtype's bytes: float16 and bfloat16 as
 * their 16 bits, bool as one byte each).
 */
export interface TransferredTensor {
  readonly kind: 'flint.Tensor';
  readonly dtype: string;
  readonly shape: number[];
  readonly device: string;
  readonly buffer: ArrayBuffer;
}

declare module './tensor.js' {
  interface Tensor {
    /**
     * A copy of this tensor as a message for `postMessage` (see `torch.fromTransfer`).
     * Autograd history and `requiresGrad` do not travel, as with `detach()`.
     * @example const m = t.transfer(); worker.postMessage(m, [m.buffer]);
     */
    transfer(): TransferredTensor;
  }
}

/**
 * `t.transfer()` as a function.
 * @example const m = torch.transfer(t); port.postMessage(m, [m.buffer]);
 */
export function transfer(t: Tensor): TransferredTensor {
  checkTensor(t, 'transfer', 'self');
  // A complex tensor travels as its (real, imag) pairs.
  const source = t.dtype.isComplex ? realLayout(t) : t;
  const buffer = call.toBuffer(source) as ArrayBuffer;
  if (source !== t) source.dispose();
  return { kind: 'flint.Tensor', dtype: t.dtype.name, shape: t.shape.slice(), device: String(t.device), buffer };
}

/** Options of `fromTransfer`. */
export interface FromTransferOptions {
  /** Where to make the tensor; default: the device it was sent from. */
  device?: DeviceLike;
}
const FROM_TRANSFER_KEYS = keysOf<FromTransferOptions>()('device');

/**
 * The tensor a `transfer()` message describes, made on `options.device` (default: the
 * device it came from). A message that is not one, or whose buffer does not hold its
 * shape's elements, is an Error that says what is wrong.
 * @example worker.on('message', (m) => { const t = torch.fromTransfer(m); });
 */
export function fromTransfer(message: unknown, options: FromTransferOptions = {}): Tensor {
  checkOptions(options, 'fromTransfer', FROM_TRANSFER_KEYS);
  if (message === null || typeof message !== 'object' || (message as { kind?: unknown }).kind !== 'flint.Tensor') {
    throw argumentError('fromTransfer', 'message', "what tensor.transfer() returns (an object with kind 'flint.Tensor')", message);
  }
  const m = message as Partial<TransferredTensor>;
  const dtype = typeof m.dtype === 'string' ? toDTypeOrNull(m.dtype) : null;
  if (dtype === null) throw new Error(`fromTransfer(): the message's dtype ${JSON.stringify(m.dtype)} is not a torch dtype`);
  const shape = m.shape;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new Error(`fromTransfer(): the message's shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!(m.buffer instanceof ArrayBuffer)) {
    throw new Error(
      'fromTransfer(): the message has no buffer (an ArrayBuffer); was it already transferred to another thread, or sent without it?',
    );
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  const expected = numel * dtype.itemsize;
  if (m.buffer.byteLength !== expected) {
    throw new Error(
      `fromTransfer(): the buffer holds ${m.buffer.byteLength} bytes, but shape [${shape.join(', ')}] of ${dtype.name} needs ${expected}` +
        (m.buffer.byteLength === 0 && expected > 0 ? ' (a transferred buffer is empty on the sending side)' : ''),
    );
  }
  const device = toDeviceArg(options.device ?? m.device ?? 'cpu', 'fromTransfer');
  return fromArray(new Uint8Array(m.buffer), dtype, shape.slice(), dtype, device);
}

Object.defineProperty(Tensor.prototype, 'transfer', {
  value: function (this: Tensor) {
    return transfer(this);
  },
  writable: true,
  configurable: true,
});
