/**
 * The fuzzer's reference: dense row-major arrays of float64 numbers and the few
 * operations the op table needs, written as plainly as possible so that they are
 * obviously right. Bools are 0/1; integers are exact (the fuzzer keeps them small).
 */
import type { Tensor } from '../../src/index.js';

export class Dense {
  constructor(
    readonly shape: number[],
    readonly data: number[],
  ) {
    if (data.length !== numelOf(shape)) throw new Error(`dense: ${data.length} values for shape [${shape}]`);
  }

  static fromTensor(t: Tensor): Dense {
    const flat: number[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else flat.push(typeof v === 'boolean' ? (v ? 1 : 0) : Number(v));
    };
    walk(t.tolist());
    return new Dense(t.shape, flat);
  }

  static full(shape: number[], value: number): Dense {
    return new Dense(shape, new Array<number>(numelOf(shape)).fill(value));
  }

  get numel(): number {
    return this.data.length;
  }

  map(fn: (x: number) => number): Dense {
    return new Dense(this.shape.slice(), this.data.map(fn));
  }

  /** Element at a multi-index. */
  at(index: readonly number[]): number {
    return this.data[flatIndex(this.shape, index)];
  }

  reshape(shape: number[]): Dense {
    return new Dense(shape, this.data.slice());
  }

  /** This array presented with a broadcast shape (values repeated along size-1 and new dims). */
  broadcastTo(shape: number[]): Dense {
    const lead = shape.length - this.shape.length;
    const out = new Array<number>(numelOf(shape));
    forEachIndex(shape, (index, i) => {
      const source = this.shape.map((s, d) => (s === 1 ? 0 : index[d + lead]));
      out[i] = this.at(source);
    });
    return new Dense(shape.slice(), out);
  }

  /** Moves dims: out.shape[i] = this.shape[order[i]]. */
  permute(order: number[]): Dense {
    const shape = order.map((d) => this.shape[d]);
    const out = new Array<number>(this.numel);
    forEachIndex(shape, (index, i) => {
      const source = new Array<number>(order.length);
      order.forEach((d, k) => (source[d] = index[k]));
      out[i] = this.at(source);
    });
    return new Dense(shape, out);
  }
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function flatIndex(shape: readonly number[], index: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + index[d];
  return flat;
}

/** Calls fn(multiIndex, flatIndex) over a shape in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (index: number[], i: number) => void): void {
  const n = numelOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(index, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/** PyTorch's broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i - (n - a.length)] ?? 1;
    const y = b[i - (n - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise fn over broadcast operands. */
export function zipWith(arrays: Dense[], fn: (...xs: number[]) => number): Dense | null {
  let shape: number[] | null = [];
  for (const a of arrays) shape = shape && broadcastShape(shape, a.shape);
  if (shape === null) return null;
  const expanded = arrays.map((a) => a.broadcastTo(shape!));
  const out = expanded[0].data.map((_, i) => fn(...expanded.map((e) => e.data[i])));
  return new Dense(shape, out);
}

/** Reduces `dims` (normalised, unique) with fn over the values of each kept position. */
export function reduceDims(x: Dense, dims: number[], keepdim: boolean, fn: (values: number[]) => number): Dense {
  const kept = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const groups: number[][] = Array.from({ length: numelOf(kept) }, () => []);
  forEachIndex(x.shape, (index, i) => {
    const target = index.map((v, d) => (dims.includes(d) ? 0 : v));
    groups[flatIndex(kept, target)].push(x.data[i]);
  });
  const shape = keepdim ? kept : x.shape.filter((_, d) => !dims.includes(d));
  return new Dense(shape, groups.map(fn));
}

/** Batched matrix product with PyTorch's matmul rules for 1-D and broadcast batch dims. */
export function matmulRef(a: Dense, b: Dense): Dense | null {
  if (a.shape.length === 0 || b.shape.length === 0) return null;
  const a2 = a.shape.length === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? b.reshape([b.shape[0], 1]) : b;
  const [m, k] = a2.shape.slice(-2);
  const [k2, n] = b2.shape.slice(-2);
  if (k !== k2) return null;
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  if (batch === null) return null;
  const A = a2.broadcastTo([...batch, m, k]);
  const B = b2.broadcastTo([...batch, k, n]);
  const count = numelOf(batch);
  const out = new Array<number>(count * m * n).fill(0);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let total = 0;
        for (let q = 0; q < k; q++) total += A.data[p * m * k + i * k + q] * B.data[p * k * n + q * n + j];
        out[p * m * n + i * n + j] = total;
      }
    }
  }
  let shape = [...batch, m, n];
  if (a.shape.length === 1) shape = shape.filter((_, d) => d !== shape.length - 2);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return new Dense(shape, out);
}

/** Values along `dim` as separate lines: calls fn(line values, write) per line. */
export function alongDim(x: Dense, dim: number, fn: (line: number[]) => number[]): Dense {
  const out = x.data.slice();
  const size = x.shape[dim];
  const inner = numelOf(x.shape.slice(dim + 1));
  const outer = numelOf(x.shape.slice(0, dim));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const positions = Array.from({ length: size }, (_, k) => (o * size + k) * inner + i);
      const result = fn(positions.map((p) => x.data[p]));
      positions.forEach((p, k) => (out[p] = result[k]));
    }
  }
  return new Dense(x.shape.slice(), out);
}

/** JS's value of a float rounded to float32. */
export const f32 = Math.fround;
