/**
 * The views that native calls take, and how they are written into the meta buffer:
 * [dtype, offset, ndim, shape..., strides...] each, or -1 for an absent optional view.
 * The generated calls (calls.generated.ts) write them in the order native/napi/entries.mjs
 * declares; nothing else writes the buffer.
 */
import { META, type Handle } from './addon.js';
import { recycled } from '../memory/storage.js';
import { COMPLEX_CODE } from '../tensor/dtype.js';

/**
 * A view a native call reads or writes: a Tensor is one, and so are `fresh` outputs and
 * `layoutOf` reinterpretations.
 */
export interface ViewArg {
  readonly _dtype: { readonly code: number };
  readonly _offset: number;
  readonly _shape: readonly number[];
  readonly _strides: readonly number[];
  /** The storage handle; for a new output, a released handle to reuse, or null. */
  _handle(): Handle | null;
}

/** The error of an op with no complex form. @internal */
export const NO_COMPLEX_KERNEL =
  "this operation is not implemented for complex tensors (torch.complex64 and torch.complex128 support creation, views, " +
  "arithmetic, reductions, matmul and torch.fft; torch.viewAsReal(z) gives the parts as a real tensor for anything else)";

/** Writes `view` at `at` (-1 when absent) and returns where the next item goes. @internal */
export function putView(at: number, view: ViewArg | null): number {
  if (view === null) {
    META[at] = -1;
    return at + 1;
  }
  const shape = view._shape;
  const strides = view._strides;
  const n = shape.length;
  if (at + 3 + 2 * n > META.length) throw new Error('internal: meta buffer too small');
  // Complex dtypes have codes past the native enum: their kernels hand native code the
  // parts instead (src/complex/), so a complex view reaching here is an op without one.
  if (view._dtype.code >= COMPLEX_CODE) throw new TypeError(NO_COMPLEX_KERNEL);
  META[at] = view._dtype.code;
  META[at + 1] = view._offset;
  META[at + 2] = n;
  at += 3;
  for (let i = 0; i < n; i++) META[at + i] = shape[i];
  at += n;
  if (strides === CONTIGUOUS) {
    // A fresh output: its strides are written here rather than made as an array first.
    let stride = 1;
    for (let i = n - 1; i >= 0; i--) {
      META[at + i] = stride;
      stride *= shape[i] > 1 ? shape[i] : 1;
    }
  } else {
    for (let i = 0; i < n; i++) META[at + i] = strides[i];
  }
  return at + n;
}

/**
 * Writes a list argument at `at`: its length, then each view. Returns where the next item goes.
 * @internal
 */
export function putViews(at: number, views: readonly ViewArg[]): number {
  META[at++] = views.length;
  for (let i = 0; i < views.length; i++) at = putView(at, views[i]);
  return at;
}

/**
 * The storage handles of a list argument, in its order (each view must be live).
 * @internal
 */
export function handlesOf(views: readonly ViewArg[]): Handle[] {
  const handles = new Array<Handle>(views.length);
  for (let i = 0; i < views.length; i++) handles[i] = views[i]._handle()!;
  return handles;
}

/** The strides of a fresh contiguous output, computed only where they are written. */
const CONTIGUOUS: readonly number[] = [];

class FreshOutput implements ViewArg {
  readonly _offset = 0;
  constructor(
    readonly _dtype: { readonly code: number },
    readonly _shape: readonly number[],
    readonly _strides: readonly number[],
  ) {}
  _handle(): Handle | null {
    return recycled();
  }
}

/**
 * A new contiguous output of `shape`: native code allocates it on the call's device.
 * @internal
 * @example native call: call.unary(UnaryOp.Exp, fresh(x._dtype, x._shape), x, NaN, NaN)
 */
export function fresh(dtype: { readonly code: number }, shape: readonly number[], strides?: readonly number[]): ViewArg {
  return new FreshOutput(dtype, shape, strides ?? CONTIGUOUS);
}

class Layout implements ViewArg {
  constructor(
    private readonly source: { _handle(): Handle },
    readonly _dtype: { readonly code: number },
    readonly _offset: number,
    readonly _shape: readonly number[],
    readonly _strides: readonly number[],
  ) {}
  _handle(): Handle {
    return this.source._handle();
  }
}

/**
 * The storage of `source` seen with another layout (a broadcast, a permutation, a flat
 * run of bytes): native code checks that it stays inside the storage.
 * @internal
 * @example layoutOf(t, t._dtype, t._offset, target, broadcastStrides(t._shape, t._strides, target))
 */
export function layoutOf(
  source: { _handle(): Handle },
  dtype: { readonly code: number },
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): ViewArg {
  return new Layout(source, dtype, offset, shape, strides);
}
