/**
 * Complex tensors at the kernel level. A complex tensor's storage holds (real, imag) pairs,
 * and no native kernel takes a complex view: each kernel here hands native code the pairs'
 * real layout, or one part of it, instead. tensor-kernels.ts sends its casts, copies and
 * fills of complex tensors here.
 */
import * as call from '../native/calls.generated.js';
import { recycled } from '../memory/storage.js';
import { fresh, layoutOf, type ViewArg } from '../native/meta.js';
import { type DType, toComplexDType, toRealDType } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import type { Device } from '../tensor/device.js';
import { contiguousStrides, isContiguousLayout, shapeNumel } from '../tensor/shape.js';
import { warnOnce } from '../utils/warn-once.js';
import { RandomKind } from '../native/enums.generated.js';
import { type Generator, withGenerator } from '../random/generator.js';

/** Where a complex view lies: its shape and strides in complex elements, and its offset. */
export interface ComplexPlacement {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

function placementOf(z: Tensor): ComplexPlacement {
  return { shape: z._shape, strides: z._strides, offset: z._offset };
}

/**
 * The (real, imag) pairs of the complex view of `z`'s storage at `at`, as a real view
 * [...shape, 2] of the parts' dtype.
 * @example pairsLayout(z) // what call.cast(pairsLayout(out), pairsLayout(z)) copies
 */
export function pairsLayout(z: Tensor, at: ComplexPlacement = placementOf(z)): ViewArg {
  const strides = at.strides.map((s) => 2 * s);
  strides.push(1);
  return layoutOf(z, toRealDType(z._dtype), 2 * at.offset, [...at.shape, 2], strides);
}

/**
 * One part (0 real, 1 imaginary) of the complex view of `z`'s storage at `at`, as a real view.
 * @example call.fill(partLayout(z, 1), 0) // zeroes the imaginary parts
 */
export function partLayout(z: Tensor, part: 0 | 1, at: ComplexPlacement = placementOf(z)): ViewArg {
  return layoutOf(z, toRealDType(z._dtype), 2 * at.offset + part, at.shape, at.strides.map((s) => 2 * s));
}

/**
 * Writes `src`, seen at `at` (its broadcast to `dst`'s shape), into `dst`, converting as
 * PyTorch's copy_: a real source becomes the real parts with zero imaginary parts, and a
 * complex source written into a real tensor keeps its real parts, with PyTorch's warning.
 */
export function copyComplex(dst: Tensor, src: Tensor, at: ComplexPlacement): void {
  if (dst._dtype.isComplex && src._dtype.isComplex) {
    call.cast(pairsLayout(dst), pairsLayout(src, at));
  } else if (dst._dtype.isComplex) {
    call.cast(partLayout(dst, 0), layoutOf(src, src._dtype, at.offset, at.shape, at.strides));
    call.fill(partLayout(dst, 1), 0);
  } else {
    warnOnce('complex-to-real', 'Casting complex values to real discards the imaginary part');
    call.cast(dst, partLayout(src, 0, at));
  }
}

/** A new contiguous complex-aware copy of `x` as `dtype` (one of the two complex). */
export function castComplex(x: Tensor, dtype: DType): Tensor {
  const out = emptyOn(x._shape.slice(), dtype, x.device);
  copyComplex(out, x, placementOf(x));
  return out;
}

/** Fills complex `dst` with the real `value` (imaginary parts zero). */
export function fillComplex(dst: Tensor, value: number): void {
  call.fill(partLayout(dst, 0), value);
  call.fill(partLayout(dst, 1), 0);
}

function emptyOn(shape: number[], dtype: DType, device: Device): Tensor {
  return fromHandle(call.alloc(device.code, shapeNumel(shape) * dtype.itemsize, recycled()), shape, dtype, device);
}

/**
 * A complex tensor over the storage of `pairs`, a real [..., 2] result that the caller made
 * and hands over (it is disposed): contiguous results are taken as they are, others copied.
 * @example complexFromPairs(torch.stack([re, im], -1))
 */
export function complexFromPairs(pairs: Tensor): Tensor {
  let owned = pairs;
  if (owned._base !== null || owned._offset % 2 !== 0 || !isContiguousLayout(owned._shape, owned._strides)) {
    owned = fromHandle(call.cast(fresh(pairs._dtype, pairs._shape), pairs)!, pairs._shape.slice(), pairs._dtype, pairs.device);
    pairs.dispose();
  }
  const shape = owned._shape.slice(0, -1);
  const out = new Tensor(owned._storage, shape, contiguousStrides(shape), owned._offset / 2, toComplexDType(owned._dtype));
  owned.dispose();
  return out;
}

/**
 * A random fill of complex `t`, as PyTorch's: uniform and normal draws fill the (real, imag)
 * pairs in storage order from the same stream, a normal one with std / √2 so that the complex
 * values have variance std²; other distributions have no complex form.
 */
export function complexRandomFill(t: Tensor, kind: RandomKind, p0: number, p1: number, generator: Generator | null): void {
  if (kind !== RandomKind.Uniform && kind !== RandomKind.Normal) {
    throw new Error(`this random distribution is not implemented for '${t._dtype.name === 'complex64' ? 'ComplexFloat' : 'ComplexDouble'}'`);
  }
  const pairs = pairsLayout(t);
  withGenerator(generator, t.device, () => call.fillRandom(kind, pairs, p0, kind === RandomKind.Normal ? p1 / Math.sqrt(2) : p1));
}
