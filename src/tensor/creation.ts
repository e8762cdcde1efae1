/**
 * Creation functions: tensor, zeros, ones, full, empty, arange, linspace, eye, rand,
 * randn, randint, the *Like variants, and manualSeed. Shapes are varargs or one array,
 * with an optional last options object: `rand(2, 20)`, `rand([2, 20], { dtype })`.
 */
import * as call from '../native/calls.generated.js';
import { DTypeCode, RandomKind } from '../native/enums.generated.js';
import { castKernel, emptyKernel, fillKernel } from '../ops/tensor-kernels.js';
import { DType, bool, complex64, defaultFloat, float32, float64, int16, int32, int64, int8, toRealDType, uint8 } from './dtype.js';
import { CPU, type DeviceLike, Device } from './device.js';
import { parseShape } from './shape.js';
import { Tensor } from './tensor.js';
import { checkGenerator, withGenerator, type Generator } from '../random/generator.js';
import { complexFromPairs, complexRandomFill } from '../complex/layouts.js';
import {
  argumentError,
  checkBoolean,
  checkInteger,
  checkNumber,
  checkOptions,
  checkScalar,
  checkTensor,
  describeValue,
  keysOf,
  toDeviceArg,
  toDTypeArg,
} from './args.js';

/** Options every creation function takes (`dtype` and `device` may be null, as Python's None). */
export interface CreationOptions {
  dtype?: DType | string | null;
  device?: DeviceLike | null;
  requiresGrad?: boolean;
}

/**
 * The keys of CreationOptions, for checkOptions (the compiler keeps the two in step).
 * @example checkOptions(options, 'zeros', CREATION_KEYS)
 */
export const CREATION_KEYS = keysOf<CreationOptions>()('dtype', 'device', 'requiresGrad');

/**
 * Options of the sampling functions (`rand`, `randn`, `randint`, `randperm`, ...): the
 * creation options plus a private stream, PyTorch's `generator=` keyword.
 */
export interface RandomOptions extends CreationOptions {
  generator?: Generator | null;
}
const RANDOM_KEYS = keysOf<RandomOptions>()('dtype', 'device', 'requiresGrad', 'generator');

/** Creation options after their checks: a dtype (or none given), a device, a flag, a stream. */
export interface Resolved {
  dtype: DType | undefined;
  device: Device;
  requiresGrad: boolean;
  generator: Generator | null;
}

/** Checks a creation function's options where they enter, naming `fn` in every message. */
function resolve(options: unknown, fn: string, keys: readonly string[] = CREATION_KEYS): Resolved {
  checkOptions(options, fn, keys);
  const o = (options ?? {}) as RandomOptions;
  const dtype = o.dtype === undefined || o.dtype === null ? undefined : toDTypeArg(o.dtype, fn);
  const device = o.device === undefined || o.device === null ? CPU : toDeviceArg(o.device, fn);
  if (o.requiresGrad !== undefined) checkBoolean(o.requiresGrad, fn, 'requiresGrad');
  const generator = checkGenerator(o.generator, fn, device);
  return { dtype, device, requiresGrad: o.requiresGrad ?? false, generator };
}

/**
 * A sampling function's options, checked where they enter (dtype, device, requiresGrad,
 * generator). @internal
 * @example const { dtype, device, generator } = resolveRandomOptions(options, 'randperm');
 */
export function resolveRandomOptions(options: unknown, fn: string): Resolved {
  return resolve(options, fn, RANDOM_KEYS);
}

type ShapeArgs = (number | number[] | RandomOptions | undefined)[];

function splitArgs(args: ShapeArgs, fn: string, keys: readonly string[] = CREATION_KEYS): { shape: number[]; options: Resolved } {
  let options: unknown;
  let rest = args.filter((a) => a !== undefined);
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
    options = last;
    rest = rest.slice(0, -1);
  }
  return { shape: parseShape(rest, false, fn), options: resolve(options, fn, keys) };
}

function finish(t: Tensor, options: Resolved): Tensor {
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function allocate(shape: number[], options: Resolved, fallback: DType = defaultFloat): Tensor {
  const dtype = options.dtype ?? fallback;
  const t = emptyKernel(shape, dtype, options.device);
  // Uninitialised bytes are fine for numbers, but a bool may only hold 0 or 1: reading any
  // other byte as a C++ bool is undefined behaviour. So empty bool tensors start false.
  if (dtype === bool) fillKernel(t, 0);
  return t;
}

/** Copies host values into a new tensor. @internal */
export function fromArray(values: ArrayBufferView, sourceDtype: DType, shape: number[], dtype: DType, dev: Device): Tensor {
  if (dtype.isComplex) return complexFromArray(values, sourceDtype, shape, dtype, dev);
  const t = emptyKernel(shape, dtype, dev);
  call.fromBuffer(t, values, sourceDtype.code as DTypeCode);
  return t;
}

/**
 * A complex tensor from host values: (real, imag) pairs when `sourceDtype` is complex (a
 * transferred tensor's bytes, a worker's pairs), else real values with zero imaginary parts.
 */
function complexFromArray(values: ArrayBufferView, sourceDtype: DType, shape: number[], dtype: DType, dev: Device): Tensor {
  if (sourceDtype.isComplex) {
    const parts = toRealDType(sourceDtype);
    return complexFromPairs(fromArray(values, parts, [...shape, 2], toRealDType(dtype), dev));
  }
  const real = fromArray(values, sourceDtype, shape, toRealDType(dtype), dev);
  const out = castKernel(real, dtype);
  real.dispose();
  return out;
}

type Nested = number | boolean | bigint | Nested[];

function typedArrayDType(data: ArrayBufferView): DType | null {
  if (data instanceof Float32Array) return float32;
  if (data instanceof Float64Array) return float64;
  if (data instanceof BigInt64Array) return int64;
  if (data instanceof Int32Array) return int32;
  if (data instanceof Int16Array) return int16;
  if (data instanceof Int8Array) return int8;
  if (data instanceof Uint8Array) return uint8;
  return null;
}

/**
 * A tensor from nested arrays, a TypedArray, or a scalar. Whole numbers give int64,
 * any fraction gives the default float dtype, booleans give bool, bigints give int64, as
 * PyTorch infers from Python's ints, floats and bools. JS has one number type, so `2.` is
 * the whole number 2: with `requiresGrad: true` (which only a float tensor can take) and no
 * `dtype`, numbers give the default float dtype, as `torch.tensor([2., 3.],
 * requires_grad=True)` means in Python.
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]]);                 // int64
 * torch.tensor([2, 3], { requiresGrad: true });   // float32
 * torch.tensor([0.5, 1]);                         // float32
 */
export function tensor(data: Nested | ArrayBufferView | Tensor, options: CreationOptions = {}): Tensor {
  const resolved = resolve(options, 'tensor');
  const dev = resolved.device;
  if (data instanceof Tensor) {
    // Without a device option the copy stays where `data` is, as PyTorch's does.
    const placed = options?.device === undefined || options.device === null ? data.detach() : data.detach().to(dev);
    const out = placed.to(resolved.dtype ?? data.dtype).clone();
    return finish(out, resolved);
  }
  if (ArrayBuffer.isView(data)) {
    const source = typedArrayDType(data);
    if (source === null) throw new TypeError(`tensor(): unsupported typed array ${data.constructor.name}`);
    const dtype = resolved.dtype ?? source;
    const length = (data as unknown as { length: number }).length;
    return finish(fromArray(data, source, [length], dtype, dev), resolved);
  }
  if (typeof data !== 'number' && typeof data !== 'boolean' && typeof data !== 'bigint' && !Array.isArray(data)) {
    throw argumentError('tensor', 'data', 'a number, a boolean, a bigint, a (nested) array of them, a typed array or a Tensor', data);
  }
  const shape: number[] = [];
  let probe: Nested = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(numel);
  let bigints: BigInt64Array | null = null;
  let allBool = true;
  let allInt = true;
  let position = 0;
  const walk = (node: Nested, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(node)) throw new Error(`expected a number at dim ${dim}, got a sequence`);
      if (typeof node === 'boolean') {
        values[position++] = node ? 1 : 0;
        return;
      }
      allBool = false;
      if (typeof node === 'bigint') {
        bigints ??= new BigInt64Array(numel);
        bigints[position] = node;
        values[position++] = Number(node);
        return;
      }
      if (typeof node !== 'number') {
        throw new TypeError(`tensor(): could not infer the dtype of ${describeValue(node)}: expected numbers, booleans or bigints`);
      }
      if (!Number.isInteger(node)) allInt = false;
      values[position++] = node;
      return;
    }
    if (!Array.isArray(node)) throw new Error(`expected sequence of length ${shape[dim]} at dim ${dim} (got a scalar)`);
    if (node.length !== shape[dim]) {
      throw new Error(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${node.length})`);
    }
    for (const child of node) walk(child, dim + 1);
  };
  walk(data, 0);
  const wholeAsFloat = resolved.requiresGrad && bigints === null;
  const inferred = numel === 0 ? defaultFloat : allBool ? bool : allInt && !wholeAsFloat ? int64 : defaultFloat;
  const dtype = resolved.dtype ?? inferred;
  const big = bigints as BigInt64Array | null;
  const out = big !== null && dtype === int64 ? fromArray(big, int64, shape, dtype, dev) : fromArray(values, float64, shape, dtype, dev);
  return finish(out, resolved);
}

/** Uninitialised memory. @example torch.empty(2, 3) */
export function empty(...args: ShapeArgs): Tensor {
  const { shape, options } = splitArgs(args, 'empty');
  return finish(allocate(shape, options), options);
}

/** Zeros. @example torch.zeros(2, 3); torch.zeros([2, 3], { dtype: torch.int64 }) */
export function zeros(...args: ShapeArgs): Tensor {
  const { shape, options } = splitArgs(args, 'zeros');
  const t = allocate(shape, options);
  fillKernel(t, 0);
  return finish(t, options);
}

/** Ones. @example torch.ones(2, 3) */
export function ones(...args: ShapeArgs): Tensor {
  const { shape, options } = splitArgs(args, 'ones');
  const t = allocate(shape, options);
  fillKernel(t, 1);
  return finish(t, options);
}

/**
 * A tensor filled with `value` (its dtype inferred from the value, as PyTorch).
 * @example torch.full([2, 2], 7); torch.full([2], 0.5)
 */
export function full(size: number[] | number, value: number | boolean, options: CreationOptions = {}): Tensor {
  return fullOf(size, value, resolve(options, 'full'), 'full');
}

/**
 * A 0-d tensor holding `s`, in the default float dtype unless `dtype` says otherwise
 * (`torch.scalar_tensor`: unlike `tensor`, a whole number still gives a float).
 * @example torch.scalarTensor(3) // tensor(3.)
 */
export function scalarTensor(s: number | boolean, options: CreationOptions = {}): Tensor {
  const resolved = resolve(options, 'scalar_tensor');
  checkScalar(s, 'scalar_tensor', 's');
  const t = allocate([], resolved, defaultFloat);
  fillKernel(t, Number(s));
  return finish(t, resolved);
}

function fullOf(size: number[] | number, value: number | boolean, options: Resolved, fn: string): Tensor {
  const shape = parseShape([size], false, fn);
  checkScalar(value, fn, 'fillValue');
  // As tensor(): a whole number with requiresGrad means a float (JS has no `0.`).
  const fallback =
    typeof value === 'boolean' ? bool : Number.isInteger(value) && !options.requiresGrad ? int64 : defaultFloat;
  const t = allocate(shape, options, fallback);
  fillKernel(t, Number(value));
  return finish(t, options);
}

/**
 * Values from start to end (exclusive) by step; int64 when all arguments are whole.
 * @example torch.arange(5); torch.arange(1, 4); torch.arange(0, 1, 0.25)
 */
export function arange(
  startOrEnd: number,
  endOrOptions?: number | CreationOptions,
  stepOrOptions?: number | CreationOptions,
  maybeOptions?: CreationOptions,
): Tensor {
  let start = 0;
  let end = startOrEnd;
  let step = 1;
  let raw: unknown;
  if (typeof endOrOptions === 'number') {
    start = startOrEnd;
    end = endOrOptions;
    if (typeof stepOrOptions === 'number') {
      step = stepOrOptions;
      raw = maybeOptions;
    } else raw = stepOrOptions;
  } else raw = endOrOptions;
  checkNumber(startOrEnd, 'arange', typeof endOrOptions === 'number' ? 'start' : 'end');
  const options = resolve(raw, 'arange');
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error(`unsupported range: ${start} -> ${end}`);
  if (step === 0) throw new Error('step must be nonzero');
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new Error('upper bound and larger bound inconsistent with step sign');
  const length = Math.max(0, Math.ceil((end - start) / step));
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = start + i * step;
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = options.dtype ?? (allInt ? int64 : defaultFloat);
  if (dtype.isComplex) throw new Error(`"arange_cpu" not implemented for '${dtype === complex64 ? 'ComplexFloat' : 'ComplexDouble'}'`);
  return finish(fromArray(values, float64, [length], dtype, options.device), options);
}

/**
 * `steps` evenly spaced values from start to end inclusive (PyTorch's symmetric formula).
 * @example torch.linspace(0, 1, 5)
 */
export function linspace(start: number, end: number, steps: number, rawOptions: CreationOptions = {}): Tensor {
  checkNumber(start, 'linspace', 'start');
  checkNumber(end, 'linspace', 'end');
  checkInteger(steps, 'linspace', 'steps');
  const options = resolve(rawOptions, 'linspace');
  if (steps < 0) throw new Error('number of steps must be non-negative');
  const dtype = options.dtype ?? defaultFloat;
  const values = dtype === float32 || dtype === float64 ? linspaceAsPyTorch(start, end, steps, dtype === float32) : linspacePlain(start, end, steps);
  return finish(fromArray(values, float64, [steps], dtype, options.device), options);
}

function linspacePlain(start: number, end: number, steps: number): Float64Array {
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) values[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
  if (steps === 1) values[0] = start;
  return values;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/** a * b + c rounded once, as an FMA instruction gives it (Dekker's exact product and sum). */
function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  if (!Number.isFinite(t) || !Number.isFinite(p)) return p + c;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const productError = ah * bh - p + ah * bl + al * bh + al * bl;
  const s = p + c;
  const v = s - p;
  const sumError = p - (s - v) + (c - v);
  return s + (sumError + productError);
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The float next to float `f`, away from zero (`up`) or toward it. */
function floatNeighbor(f: number, up: boolean): number {
  f32[0] = f;
  i32[0] += up ? 1 : -1;
  return f32[0]!;
}

/**
 * The float32 FMA: a * b is exact in double; the sum is rounded to double and then to float,
 * except that a sum that lands exactly halfway between two floats takes the side its double
 * rounding error points to (the float unit sees the exact value).
 */
function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const v = s - p;
  const error = p - (s - v) + (c - v);
  const f = Math.fround(s);
  if (error === 0 || f === s) return f;
  const other = floatNeighbor(f, Math.abs(s) > Math.abs(f));
  if (Math.abs(s - f) !== Math.abs(other - s)) return f;
  // A tie in double: the exact value is past it on the side of the error.
  return (error > 0) === (other > f) ? other : f;
}

/**
 * PyTorch's float32/float64 CPU linspace, bit for bit: its AVX2 kernel computes each vector's
 * first value (and the scalar tail's values) as a fused multiply-add from the nearer end
 * (`start + step * i` before the halfway point, `end - step * (steps - i - 1)` after), then
 * the vector's other lanes as `base + k * step`, two vectors of 4 doubles or 8 floats at a
 * time. From 32768 steps (ATen's grain size) at::parallel_for splits the range into one
 * chunk per thread (`torch.getNumThreads()`, as many as there are grains at most), and each
 * chunk starts its vectors afresh, so the chunking is reproduced too.
 */
function linspaceAsPyTorch(start: number, end: number, steps: number, float: boolean): Float64Array {
  const r = float ? Math.fround : (x: number) => x;
  const fma = float ? fma32 : fma64;
  const out = new Float64Array(steps);
  if (steps === 0) return out;
  const s0 = r(start);
  const e0 = r(end);
  if (steps === 1) {
    out[0] = s0;
    return out;
  }
  const step = r(r(e0 - s0) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const scalar = (i: number): number => (i < halfway ? fma(step, i, s0) : fma(-step, steps - i - 1, e0));
  const lanes = float ? 8 : 4;
  const fillChunk = (begin: number, end: number) => {
    let i = begin;
    for (; i <= end - 2 * lanes; i += 2 * lanes) {
      for (let v = i; v < i + 2 * lanes; v += lanes) {
        const base = scalar(v);
        out[v] = base;
        for (let k = 1; k < lanes; k++) out[v + k] = r(base + r(k * step));
      }
    }
    for (; i < end; i++) out[i] = scalar(i);
  };
  const GRAIN = 32768;
  if (steps < GRAIN) {
    fillChunk(0, steps);
    return out;
  }
  const threads = Math.min(call.getNumThreads(), Math.ceil(steps / GRAIN));
  const chunk = Math.ceil(steps / threads);
  for (let begin = 0; begin < steps; begin += chunk) fillChunk(begin, Math.min(steps, begin + chunk));
  return out;
}

/**
 * Identity matrix (n x m).
 * @example torch.eye(3); torch.eye(2, 3)
 */
export function eye(n: number, m?: number | CreationOptions, rawOptions: CreationOptions = {}): Tensor {
  checkInteger(n, 'eye', 'n');
  if (n < 0) throw new Error(`n must be greater or equal to 0, got ${n}`);
  let cols = n;
  let raw: unknown = rawOptions;
  if (typeof m === 'number') {
    checkInteger(m, 'eye', 'm');
    if (m < 0) throw new Error(`m must be greater or equal to 0, got ${m}`);
    cols = m;
  } else if (m !== undefined) raw = m;
  const options = resolve(raw, 'eye');
  const values = new Float64Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) values[i * cols + i] = 1;
  return finish(fromArray(values, float64, [n, cols], options.dtype ?? defaultFloat, options.device), options);
}

function randomFill(t: Tensor, kind: RandomKind, p0: number, p1: number, generator: Generator | null = null): void {
  if (t._dtype.isComplex) return complexRandomFill(t, kind, p0, p1, generator);
  withGenerator(generator, t.device, () => call.fillRandom(kind, t, p0, p1));
}

/**
 * Uniform samples in [0, 1), reproducing PyTorch's CPU generator after `manualSeed`.
 * @example torch.manualSeed(0); torch.rand(2, 20)
 */
export function rand(...args: ShapeArgs): Tensor {
  const { shape, options } = splitArgs(args, 'rand', RANDOM_KEYS);
  const t = allocate(shape, options);
  randomFill(t, RandomKind.Uniform, 0, 1, options.generator);
  return finish(t, options);
}

/**
 * Standard normal samples, reproducing PyTorch's CPU generator.
 * @example torch.randn(3, 4)
 */
export function randn(...args: ShapeArgs): Tensor {
  const { shape, options } = splitArgs(args, 'randn', RANDOM_KEYS);
  const t = allocate(shape, options);
  randomFill(t, RandomKind.Normal, 0, 1, options.generator);
  return finish(t, options);
}

/**
 * Random integers in [low, high) (int64 by default): `randint(high, shape)` or `randint(low, high, shape)`.
 * @example torch.randint(0, 10, [5])
 */
export function randint(a: number, b: number | number[], c?: number[] | RandomOptions, d?: RandomOptions): Tensor {
  let low = 0;
  let high: number;
  let shape: unknown;
  let raw: unknown;
  if (Array.isArray(b)) {
    high = a;
    shape = b;
    raw = c;
  } else {
    low = a;
    high = b;
    shape = c;
    raw = d;
    checkInteger(low, 'randint', 'low');
  }
  checkInteger(high, 'randint', 'high');
  if (!Array.isArray(shape)) throw argumentError('randint', 'size', 'a sequence of integers', shape);
  const options = resolve(raw, 'randint', RANDOM_KEYS);
  const t = allocate(parseShape([shape], false, 'randint'), options, int64);
  randomFill(t, RandomKind.Integers, low, high, options.generator);
  return finish(t, options);
}

/**
 * `torch.manual_seed`: seeds the CPU generator, so later random ops match PyTorch's,
 * and every CUDA device's generator (those not yet in use get the seed when they start).
 * @example torch.manualSeed(42)
 */
export function manualSeed(seed: number | bigint): void {
  call.manualSeed(ALL_DEVICES, seedBits(seed, 'manualSeed'));
}

/**
 * A seed as the generator's 64 bits (negative seeds wrap, as PyTorch's). PyTorch takes
 * seeds in [-2^63, 2^64 - 1] and refuses the rest ("Overflow when unpacking long"). @internal
 * @example seedBits(-1, 'manualSeed') // 18446744073709551615n
 */
export function seedBits(seed: unknown, fn: string): bigint {
  if (typeof seed === 'bigint') {
    if (seed < -(1n << 63n) || seed >= 1n << 64n) {
      throw new RangeError(`${fn}: Overflow when unpacking long: a seed must lie in [-2^63, 2^64 - 1], got ${seed}`);
    }
    return BigInt.asUintN(64, seed);
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw argumentError(fn, 'seed', 'a safe integer or a bigint', seed);
  return BigInt.asUintN(64, BigInt(seed));
}

/** The device code that `manualSeed` reads as "every device". */
const ALL_DEVICES = -1;

/** A *Like function's options: the checked ones, defaulting to `x`'s dtype and device. */
function likeOptions(x: unknown, options: unknown, fn: string): Resolved {
  checkTensor(x, fn, 'input');
  const resolved = resolve(options, fn);
  const o = (options ?? {}) as CreationOptions;
  return {
    dtype: resolved.dtype ?? x.dtype,
    device: o.device === undefined || o.device === null ? x.device : resolved.device,
    requiresGrad: resolved.requiresGrad,
    generator: null,
  };
}

function likeOf(x: Tensor, options: CreationOptions, fn: string, fill: (t: Tensor) => void): Tensor {
  const resolved = likeOptions(x, options, fn);
  const t = allocate(x._shape.slice(), resolved);
  fill(t);
  return finish(t, resolved);
}

/** Zeros shaped like x. @example torch.zerosLike(x) */
export function zerosLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return likeOf(x, options, 'zerosLike', (t) => fillKernel(t, 0));
}
/** Ones shaped like x. @example torch.onesLike(x) */
export function onesLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return likeOf(x, options, 'onesLike', (t) => fillKernel(t, 1));
}
/** Uninitialised, shaped like x. @example torch.emptyLike(x) */
export function emptyLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return likeOf(x, options, 'emptyLike', () => {});
}
/** `value` everywhere, shaped like x. @example torch.fullLike(x, 7) */
export function fullLike(x: Tensor, value: number | boolean, options: CreationOptions = {}): Tensor {
  const resolved = likeOptions(x, options, 'fullLike');
  return fullOf(x._shape.slice(), value, resolved, 'fullLike');
}
/** Uniform samples shaped like x. @example torch.randLike(x) */
export function randLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return likeOf(x, options, 'randLike', (t) => randomFill(t, RandomKind.Uniform, 0, 1));
}
/** Normal samples shaped like x. @example torch.randnLike(x) */
export function randnLike(x: Tensor, options: CreationOptions = {}): Tensor {
  return likeOf(x, options, 'randnLike', (t) => randomFill(t, RandomKind.Normal, 0, 1));
}
