/**
 * Fuzz cases for the elementwise entry points (unary, binary, binaryFlat, scalar forms,
 * where, cast, axpy, fill) and for in-place writes, including writes whose input shares
 * memory with the output. Each generator draws inputs, computes the float64 reference
 * from their values first, and returns a case for tests/fuzz/check.ts to run.
 */
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { Dense, broadcastShape, forEachIndex, zipWith } from './dense.js';
import {
  ALL_DTYPES,
  FLOATS,
  broadcastableShape,
  int,
  pick,
  randomContiguous,
  randomShape,
  randomView,
  randomWritable,
  type Rng,
} from './layouts.js';
import { erf, isFloat, promoteScalar, resultType, pyRemainder, roundHalfEven, toDtype, tolerance, wrapInt } from './values.js';
import type { FuzzCase } from './check.js';

const F = torch.nn.functional;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const ALL_FLOATS = ['float32', 'float64', 'float16', 'bfloat16'] as const;

type UnaryRef = (x: number) => number;
const FLOAT_UNARY: Record<string, [(t: Tensor) => Tensor, UnaryRef]> = {
  neg: [(t) => t.neg(), (x) => -x],
  abs: [(t) => t.abs(), Math.abs],
  exp: [(t) => t.exp(), Math.exp],
  log: [(t) => t.log(), Math.log],
  sqrt: [(t) => t.sqrt(), Math.sqrt],
  sin: [(t) => t.sin(), Math.sin],
  cos: [(t) => t.cos(), Math.cos],
  relu: [(t) => t.relu(), (x) => (Number.isNaN(x) ? x : Math.max(0, x))],
  sigmoid: [(t) => t.sigmoid(), sigmoid],
  tanh: [(t) => t.tanh(), Math.tanh],
  sign: [(t) => t.sign(), (x) => (Number.isNaN(x) ? 0 : Math.sign(x) + 0)], // PyTorch: 0 at NaN
  log1p: [(t) => t.log1p(), Math.log1p],
  expm1: [(t) => t.expm1(), Math.expm1],
  floor: [(t) => t.floor(), Math.floor],
  ceil: [(t) => t.ceil(), Math.ceil],
  round: [(t) => t.round(), roundHalfEven],
  trunc: [(t) => t.trunc(), Math.trunc],
  rsqrt: [(t) => t.rsqrt(), (x) => 1 / Math.sqrt(x)],
  reciprocal: [(t) => t.reciprocal(), (x) => 1 / x],
  square: [(t) => t.square(), (x) => x * x],
  erf: [(t) => t.erf(), erf],
  gelu: [(t) => F.gelu(t), (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
  silu: [(t) => F.silu(t), (x) => x * sigmoid(x)],
  clamp: [(t) => t.clamp(-0.75, 1.25), (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, -0.75), 1.25))],
};
const INT_UNARY: Record<string, [(t: Tensor) => Tensor, UnaryRef]> = {
  neg: FLOAT_UNARY.neg,
  abs: FLOAT_UNARY.abs,
  sign: [(t) => t.sign(), (x) => Math.sign(x) + 0],
  square: FLOAT_UNARY.square,
};

/** Unary ops over every float dtype and layout, infinities and NaN included. */
export function unaryCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, [...ALL_FLOATS, 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const);
  const x = randomView(rng, randomShape(rng), dtype, undefined, true);
  if (dtype === 'bool' || rng() < 0.05) {
    const ref = Dense.fromTensor(x).map((v) => (v === 0 ? 1 : 0));
    return { label: `logicalNot ${dtype} ${x.shape}`, run: () => x.logicalNot(), expect: { values: [ref], dtypes: ['bool'] } };
  }
  const table = isFloat(dtype) ? FLOAT_UNARY : INT_UNARY;
  const name = pick(rng, Object.keys(table));
  const [op, fn] = table[name];
  const ref = Dense.fromTensor(x).map((v) => toDtype(fn(v), dtype, isFloat(dtype)));
  const erfLike = name === 'erf' || name === 'gelu';
  const tol = dtype === 'float64' && erfLike ? { rtol: 1e-8, atol: 1e-9 } : tolerance(dtype);
  return { label: `${name} ${dtype} ${x.shape}`, run: () => op(x), expect: { values: [ref], dtypes: [dtype], tol } };
}

type BinaryRef = (a: number, b: number) => number;
const FLOAT_BINARY: Record<string, [(a: Tensor, b: Tensor) => Tensor, BinaryRef]> = {
  add: [(a, b) => a.add(b), (a, b) => a + b],
  sub: [(a, b) => a.sub(b), (a, b) => a - b],
  mul: [(a, b) => a.mul(b), (a, b) => a * b],
  div: [(a, b) => a.div(b), (a, b) => a / b],
  // C's pow(1, NaN) and pow(-1, ±inf) are 1; JS's are NaN.
  pow: [(a, b) => a.pow(b), (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : Math.pow(a, b))],
  maximum: [(a, b) => a.maximum(b), Math.max],
  minimum: [(a, b) => a.minimum(b), Math.min],
  atan2: [(a, b) => a.atan2(b), Math.atan2],
  remainder: [(a, b) => a.remainder(b), pyRemainder],
};
const COMPARE: Record<string, [(a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => boolean]> = {
  eq: [(a, b) => a.eq(b), (a, b) => a === b],
  ne: [(a, b) => a.ne(b), (a, b) => a !== b],
  gt: [(a, b) => a.gt(b), (a, b) => a > b],
  ge: [(a, b) => a.ge(b), (a, b) => a >= b],
  lt: [(a, b) => a.lt(b), (a, b) => a < b],
  le: [(a, b) => a.le(b), (a, b) => a <= b],
  logicalAnd: [(a, b) => a.logicalAnd(b), (a, b) => a !== 0 && b !== 0],
  logicalOr: [(a, b) => a.logicalOr(b), (a, b) => a !== 0 || b !== 0],
};
const INT_BINARY: Record<string, [(a: Tensor, b: Tensor) => Tensor, BinaryRef]> = {
  add: FLOAT_BINARY.add,
  sub: FLOAT_BINARY.sub,
  mul: FLOAT_BINARY.mul,
  maximum: FLOAT_BINARY.maximum,
  minimum: FLOAT_BINARY.minimum,
  floorDivide: [(a, b) => a.floorDivide(b), (a, b) => Math.floor(a / b)],
  remainder: FLOAT_BINARY.remainder,
};

/** Binary ops with broadcasting (sometimes shapes that do not broadcast) and type promotion. */
export function binaryCase(rng: Rng): FuzzCase {
  const shape = randomShape(rng);
  const other = rng() < 0.1 ? randomShape(rng, shape.length) : broadcastableShape(rng, shape);
  const [ashape, bshape] = rng() < 0.5 ? [shape, other] : [other, shape];
  const da = pick(rng, ALL_DTYPES);
  const db = rng() < 0.7 ? da : pick(rng, ALL_DTYPES);
  const a = randomView(rng, ashape, da, undefined, true);
  const b = randomView(rng, bshape, db, undefined, true);
  const out = resultType(da, ashape.length, db, bshape.length);
  const compare = rng() < 0.3;
  const table = compare ? COMPARE : isFloat(out) ? FLOAT_BINARY : out === 'bool' ? COMPARE : INT_BINARY;
  const name = pick(rng, Object.keys(table));
  const label = `${name} ${da}${JSON.stringify(ashape)} ${db}${JSON.stringify(bshape)}`;
  const result = broadcastShape(ashape, bshape);
  if (result === null) {
    return { label, run: () => (table[name][0] as (a: Tensor, b: Tensor) => Tensor)(a, b), expect: { error: /must match the size of tensor b/ } };
  }
  const A = Dense.fromTensor(a).map((v) => toDtype(v, out, isFloat(da)));
  const B = Dense.fromTensor(b).map((v) => toDtype(v, out, isFloat(db)));
  if (table === COMPARE) {
    const [op, fn] = COMPARE[name];
    return { label, run: () => op(a, b), expect: { values: [zipWith([A, B], (x, y) => (fn(x, y) ? 1 : 0))!], dtypes: ['bool'] } };
  }
  const [op, fn] = (table as typeof FLOAT_BINARY)[name];
  if (!isFloat(out) && (name === 'floorDivide' || name === 'remainder') && B.data.includes(0) && A.numel > 0 && result.every((s) => s > 0)) {
    return { label, run: () => op(a, b), expect: { error: /ZeroDivisionError/ } };
  }
  const ref = zipWith([A, B], (x, y) => (isFloat(out) ? toDtype(fn(x, y), out) : wrapInt(fn(x, y), out)))!;
  return { label, run: () => op(a, b), expect: { values: [ref], dtypes: [out], tol: tolerance(out) } };
}

/** Tensor-scalar forms, both operand orders where PyTorch has them. */
export function scalarCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES.filter((d) => d !== 'bool'));
  const x = randomView(rng, randomShape(rng), dtype, undefined, true);
  const scalar = pick(rng, [2, -3, 0.5, 1.5, -0.25, 0]);
  const out = promoteScalar(dtype, scalar);
  const X = Dense.fromTensor(x).map((v) => toDtype(v, out, isFloat(dtype)));
  const cases: [string, () => Tensor, (v: number) => number][] = [
    ['add', () => x.add(scalar), (v) => v + scalar],
    ['mul', () => x.mul(scalar), (v) => v * scalar],
    ['sub', () => x.sub(scalar), (v) => v - scalar],
    ['rsub', () => x.rsub(scalar), (v) => scalar - v],
  ];
  if (isFloat(out)) {
    cases.push(['div', () => x.div(scalar), (v) => v / scalar]);
    cases.push(['pow', () => x.pow(scalar), (v) => Math.pow(v, scalar)]);
  }
  const [name, run, fn] = pick(rng, cases);
  const ref = X.map((v) => (isFloat(out) ? toDtype(fn(v), out) : wrapInt(fn(v), out)));
  if (rng() < 0.3) {
    // The scalar is compared in the tensor's dtype: uint8 > -3 compares with 253, as PyTorch does.
    const s = toDtype(scalar, out, !Number.isInteger(scalar));
    const cmp = pick(rng, [['gt', (v: number) => v > s], ['le', (v: number) => v <= s]] as const);
    const values = Dense.fromTensor(x).map((v) => (cmp[1](v) ? 1 : 0));
    return { label: `${cmp[0]} ${dtype} ${scalar}`, run: () => (cmp[0] === 'gt' ? x.gt(scalar) : x.le(scalar)), expect: { values: [values], dtypes: ['bool'] } };
  }
  return { label: `${name} ${dtype}${JSON.stringify(x.shape)} ${scalar}`, run, expect: { values: [ref], dtypes: [out], tol: tolerance(out) } };
}

/** Conversions between every pair of dtypes, through `to`, `copy_` into a view, and `clone`. */
export function castCase(rng: Rng): FuzzCase {
  const from = pick(rng, ALL_DTYPES);
  const to = pick(rng, ALL_DTYPES);
  const shape = randomShape(rng);
  const x = randomView(rng, shape, from, undefined, true);
  const X = Dense.fromTensor(x);
  const ref = X.map((v) => toDtype(v, to, isFloat(from)));
  const tol = tolerance(to === 'float16' || to === 'bfloat16' ? to : from === 'float16' || from === 'bfloat16' ? from : to);
  if (rng() < 0.4) {
    const target = randomWritable(rng, shape, to);
    return {
      label: `copy_ ${from}->${to} ${shape}`,
      run: () => target.copy_(x),
      expect: { values: [ref], dtypes: [to], tol },
    };
  }
  return { label: `to ${from}->${to} ${shape}`, run: () => x.to(torch[to]), expect: { values: [ref], dtypes: [to], tol } };
}

/** where(cond, a, b) with broadcasting over all three. */
export function whereCase(rng: Rng): FuzzCase {
  const shape = randomShape(rng);
  const dtype = pick(rng, ALL_DTYPES);
  const cond = randomView(rng, broadcastableShape(rng, shape), 'bool');
  const a = randomView(rng, broadcastableShape(rng, shape), dtype);
  const b = randomView(rng, shape, dtype);
  const ref = zipWith([Dense.fromTensor(cond), Dense.fromTensor(a), Dense.fromTensor(b)], (c, x, y) => (c ? x : y))!;
  return { label: `where ${dtype} ${shape}`, run: () => torch.where(cond, a, b), expect: { values: [ref], dtypes: [dtype] } };
}

/** fill_ / zero_ into any writable layout; the storage around the view is left alone. */
export function fillCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_DTYPES);
  const base = randomContiguous(rng, [int(rng, 1, 12)], dtype);
  const view = viewOf(rng, base);
  const value = dtype === 'bool' ? 1 : dtype === 'uint8' ? 7 : -2;
  const ref = writeInto(Dense.fromTensor(base), view.tensor, () => value);
  return { label: `fill_ ${dtype} ${view.tensor.shape}`, run: () => (view.tensor.fill_(value), base), expect: { values: [ref], dtypes: [dtype] } };
}

// ---- in-place writes and memory overlap ------------------------------------------------

interface BaseView {
  tensor: Tensor;
  kind: string;
}

/** A view of a 1-D contiguous base: all of it, a window, a stepped slice, or a broadcast element. */
function viewOf(rng: Rng, base: Tensor, length?: number): BaseView {
  const n = base.shape[0];
  const want = length ?? int(rng, 1, n);
  const kinds: BaseView[] = [];
  if (want <= n) {
    const start = int(rng, 0, n - want);
    kinds.push({ tensor: base.narrow(0, start, want), kind: `narrow(${start},${want})` });
  }
  const step = int(rng, 2, 3);
  if ((want - 1) * step < n) {
    const start = int(rng, 0, n - 1 - (want - 1) * step);
    kinds.push({ tensor: base.index(`${start}::${step}`).narrow(0, 0, want), kind: `${start}::${step}` });
  }
  if (want > 1) kinds.push({ tensor: base.narrow(0, int(rng, 0, n - 1), 1).expand(want), kind: 'expanded' });
  return kinds.length ? pick(rng, kinds) : { tensor: base.narrow(0, 0, n), kind: 'whole' };
}

/** PyTorch's is_non_overlapping_and_dense. */
function dense(t: Tensor): boolean {
  const shape = t.shape;
  const strides = t.stride() as number[];
  const dims = shape.map((_, d) => d).filter((d) => shape[d] >= 2).sort((x, y) => strides[x] - strides[y]);
  let need = 1;
  for (const d of dims) {
    if (strides[d] !== need) return false;
    need *= shape[d];
  }
  return true;
}

/** The error PyTorch raises writing `input` into `out` (views of one storage), or null. */
export function overlapError(out: Tensor, input: Tensor | null): RegExp | null {
  const outStrides = out.stride() as number[];
  if (!dense(out) && out.shape.some((s, d) => s > 1 && outStrides[d] === 0)) return /more than one element of the written-to tensor/;
  if (input === null || out.numel() === 0 || input.numel() === 0 || !dense(out) || !dense(input)) return null;
  const [ob, oe] = [out.storageOffset(), out.storageOffset() + out.numel()];
  const [ib, ie] = [input.storageOffset(), input.storageOffset() + input.numel()];
  if (ob === ib && oe === ie) return JSON.stringify(outStrides) === JSON.stringify(input.stride()) ? null : /some elements of the input tensor/;
  return ob < ie && ib < oe ? /some elements of the input tensor/ : null;
}

/** The base's values after writing value(i) into each element of the view `out`. */
function writeInto(base: Dense, out: Tensor, value: (i: number) => number): Dense {
  const data = base.data.slice();
  const strides = out.stride() as number[];
  forEachIndex(out.shape, (index, i) => {
    data[out.storageOffset() + index.reduce((s, v, d) => s + v * strides[d], 0)] = value(i);
  });
  return new Dense(base.shape.slice(), data);
}

/** add_/mul_/sub_/copy_ where the input is another view of the output's own storage. */
export function overlapCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, FLOATS);
  const base = randomContiguous(rng, [int(rng, 2, 12)], dtype);
  const out = viewOf(rng, base);
  const length = out.tensor.shape[0];
  const input = rng() < 0.2 ? viewOf(rng, base, 1) : viewOf(rng, base, length);
  const op = pick(rng, ['add_', 'mul_', 'sub_', 'copy_'] as const);
  const label = `${op} out=${out.kind} in=${input.kind} of [${base.shape}]`;
  const run = () => {
    if (op === 'copy_') out.tensor.copy_(input.tensor);
    else out.tensor[op](input.tensor);
    return base;
  };
  const error = overlapError(out.tensor, input.tensor);
  if (error !== null) return { label, run, expect: { error } };
  const O = Dense.fromTensor(out.tensor).data;
  const I = Dense.fromTensor(input.tensor).broadcastTo(out.tensor.shape).data;
  const fn = { add_: (x: number, y: number) => x + y, mul_: (x: number, y: number) => x * y, sub_: (x: number, y: number) => x - y, copy_: (_: number, y: number) => y }[op];
  const ref = writeInto(Dense.fromTensor(base), out.tensor, (i) => fn(O[i], I[i]));
  return { label, run, expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype) } };
}

/** add_ with alpha (the optimizer's fused axpy when shapes and dtypes agree), into any layout. */
export function axpyCase(rng: Rng): FuzzCase {
  const dtype = pick(rng, ALL_FLOATS);
  const shape = randomShape(rng);
  const self = randomWritable(rng, shape, dtype);
  const other = randomView(rng, rng() < 0.7 ? shape : broadcastableShape(rng, shape), dtype);
  const alpha = pick(rng, [-0.5, 2, 1]);
  const ref = zipWith([Dense.fromTensor(self), Dense.fromTensor(other)], (x, y) => toDtype(x + alpha * y, dtype))!;
  return { label: `add_ alpha ${dtype} ${shape}`, run: () => self.add_(other, { alpha }), expect: { values: [ref], dtypes: [dtype], tol: tolerance(dtype, 2) } };
}
