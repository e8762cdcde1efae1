/**
 * Random inputs for the fuzzer: shapes with 0 and 1 sizes, values with ties, zeros and
 * (where asked) infinities and NaN, and every layout a view can have: contiguous,
 * permuted, stepped, offset into a larger storage, and broadcast (stride 0).
 */
import * as torch from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';

export type Rng = () => number;

export const int = (rng: Rng, low: number, high: number): number => low + Math.floor(rng() * (high - low + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

export const FLOATS = ['float32', 'float64'] as const;
export const ALL_DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
export type DTypeName = (typeof ALL_DTYPES)[number];

export function dtypeOf(name: DTypeName): DType {
  return torch[name];
}

/** A shape of `ndim` dims (random when omitted) drawn mostly from small sizes, 0 and 1 included. */
export function randomShape(rng: Rng, ndim = int(rng, 0, 4), maxSize = 5): number[] {
  return Array.from({ length: ndim }, () => (rng() < 0.08 ? 0 : rng() < 0.2 ? 1 : int(rng, 2, maxSize)));
}

/** Values a dtype can hold, with ties and zeros; `special` adds infinities and NaN to floats. */
export function randomValues(rng: Rng, n: number, dtype: DTypeName, special = false): number[] | boolean[] {
  if (dtype === 'bool') return Array.from({ length: n }, () => rng() < 0.5);
  return Array.from({ length: n }, () => {
    if (dtype === 'uint8') return int(rng, 0, 12);
    if (dtype.startsWith('int')) return int(rng, -6, 6);
    const r = rng();
    if (special && r < 0.04) return pick(rng, [Infinity, -Infinity, NaN]);
    if (r < 0.12) return pick(rng, [0, 1, -1, 0.5]);
    // Quarter steps in float16 range: exact in every float dtype, so ties stay ties.
    return rng() < 0.5 ? int(rng, -12, 12) / 4 : (rng() - 0.5) * 6;
  });
}

/** A contiguous tensor of `shape` with random values. */
export function randomContiguous(rng: Rng, shape: number[], dtype: DTypeName, special = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = randomValues(rng, n, dtype, special);
  const storageDtype = dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
  let t = torch.tensor(values as number[], { dtype: dtypeOf(storageDtype) });
  if (storageDtype !== dtype) t = t.to(dtypeOf(dtype));
  return t.reshape(shape);
}

export type LayoutKind = 'contiguous' | 'permuted' | 'stepped' | 'offset' | 'broadcast';
export const LAYOUTS: readonly LayoutKind[] = ['contiguous', 'permuted', 'stepped', 'offset', 'broadcast'];

/**
 * A tensor with logical shape `shape` whose memory layout is `kind`: the same values an
 * op sees, through strides and offsets that the native side must follow exactly.
 */
export function randomView(rng: Rng, shape: number[], dtype: DTypeName, kind = pick(rng, LAYOUTS), special = false): Tensor {
  const n = shape.length;
  if (kind === 'permuted' && n >= 2) {
    const order = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
    const base = randomContiguous(rng, order.map((d) => shape[d]), dtype, special);
    const inverse = new Array<number>(n);
    order.forEach((d, i) => (inverse[d] = i));
    return base.permute(inverse);
  }
  if (kind === 'stepped' && n >= 1) {
    const steps = shape.map(() => int(rng, 1, 3));
    const starts = shape.map(() => int(rng, 0, 2));
    const baseShape = shape.map((s, d) => (s === 0 ? starts[d] : starts[d] + (s - 1) * steps[d] + 1 + int(rng, 0, 1)));
    const base = randomContiguous(rng, baseShape, dtype, special);
    return base.index(...shape.map((s, d) => `${starts[d]}:${starts[d] + s * steps[d]}:${steps[d]}`));
  }
  if (kind === 'offset') {
    const total = shape.reduce((a, b) => a * b, 1);
    const before = int(rng, 1, 7);
    const flat = randomContiguous(rng, [before + total + int(rng, 0, 3)], dtype, special);
    return flat.narrow(0, before, total).view(shape);
  }
  if (kind === 'broadcast' && n >= 1 && shape.some((s) => s > 1)) {
    const baseShape = shape.map((s) => (s > 1 && rng() < 0.5 ? 1 : s));
    const lead = rng() < 0.3 ? 1 : 0;
    const base = randomContiguous(rng, baseShape.slice(lead), dtype, special);
    return base.expand(shape);
  }
  return randomContiguous(rng, shape, dtype, special);
}

/** A layout that writing into is allowed: never broadcast (PyTorch refuses internal overlap). */
export function randomWritable(rng: Rng, shape: number[], dtype: DTypeName): Tensor {
  return randomView(rng, shape, dtype, pick(rng, ['contiguous', 'permuted', 'stepped', 'offset'] as const));
}

/** A shape that `shape` broadcasts with: some dims dropped from the front or set to 1. */
export function broadcastableShape(rng: Rng, shape: number[]): number[] {
  const drop = int(rng, 0, shape.length);
  return shape.slice(drop).map((s) => (rng() < 0.3 ? 1 : s));
}
