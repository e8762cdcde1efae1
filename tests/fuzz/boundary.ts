/**
 * Calls the addon's entry points directly, as a hostile caller would: random handles
 * (live, released, wrong kinds), and meta-buffer views with random dtype codes, offsets,
 * dims, sizes and strides (negative, huge, fractional), most of them valid so that the
 * kernels run. Every call must return or throw an Error; none may write outside the
 * storages it was given, which the canaries check here and AddressSanitizer checks
 * under `npm run test:asan`.
 */
import { META, native, type Handle } from '../../src/native/addon.js';
import { int, pick, type Rng } from './layouts.js';

const ITEMSIZE = [4, 8, 8, 4, 1, 1, 2, 2, 2, 1]; // by dtype code, as native/include/flint/dtype.h
const DTYPE_COUNT = ITEMSIZE.length;

interface Pool {
  handles: Handle[];
  bytes: number[];
}

const UINT8 = 4; // DType::UInt8

/** Sets every byte of a storage (the whole block the allocator gave) to `value`. */
function fillBytes(h: Handle, value: number): void {
  META.set([UINT8, 0, 1, native.storageBytes(h), 1]);
  native.fill(h, value);
}

function allocPool(rng: Rng): Pool {
  const bytes = Array.from({ length: 6 }, () => pick(rng, [0, 1, 4, 8, 24, 64, 200, 512]));
  const handles = bytes.map((n) => native.alloc(0, n, null));
  // Zeroed: every dtype reads zero bytes as a valid value. (Garbage read as a C++ bool is
  // undefined behaviour, which the public API never allows: see tests/README.)
  for (const h of handles) fillBytes(h, 0);
  return { handles, bytes };
}

/** A dtype code: valid mostly, else out of range or not an integer. */
function dtypeCode(rng: Rng): number {
  return rng() < 0.95 ? int(rng, 0, DTYPE_COUNT - 1) : pick(rng, [-1, DTYPE_COUNT, 1.5, NaN, 2 ** 40]);
}

/** Writes one view at `cursor`; returns the new cursor. Mostly fits `nbytes`, sometimes not. */
function writeView(rng: Rng, cursor: number, nbytes: number): number {
  const dtype = dtypeCode(rng);
  const item = ITEMSIZE[dtype] ?? 4;
  const ndim = rng() < 0.97 ? int(rng, 0, 4) : pick(rng, [-1, 17, 2.5]);
  const dims = Number.isInteger(ndim) && ndim >= 0 && ndim <= 16 ? ndim : 0;
  const shape = Array.from({ length: dims }, () => (rng() < 0.96 ? int(rng, 0, 5) : pick(rng, [-1, 2 ** 40, 2 ** 53, 1.5])));
  const strides = shape.map((s) => (rng() < 0.9 ? pick(rng, [0, 1, 1, 2, 3, 5, 7]) : pick(rng, [-1, -3, 2 ** 40, 2 ** 62, 0.5])));
  // Huge sizes only with nonzero strides: a valid stride-0 view of 2^40 elements would
  // make a kernel loop for hours, which is slow, not unsafe.
  shape.forEach((s, d) => {
    if (s > 1000 && strides[d] === 0) strides[d] = 1;
  });
  let offset = rng() < 0.95 ? int(rng, 0, 8) : pick(rng, [-1, 2 ** 52, 0.5]);
  if (rng() < 0.7 && shape.every((s) => Number.isInteger(s) && s >= 0 && s < 1000) && strides.every((s) => Number.isInteger(s) && s >= 0 && s < 1000)) {
    // Make it fit: shrink the offset, then the strides, until the extent is inside.
    const extent = () => (shape.some((s) => s === 0) ? -1 : shape.reduce((e, s, d) => e + (s - 1) * strides[d], 0));
    offset = Math.max(0, Math.min(offset, Math.floor(nbytes / item) - 1 - Math.max(extent(), 0)));
    for (let d = 0; d < dims && (offset + extent() + 1) * item > nbytes; d++) strides[d] = shape[d] > 1 ? 0 : strides[d];
  }
  META[cursor++] = dtype;
  META[cursor++] = offset;
  META[cursor++] = ndim;
  for (const s of shape) META[cursor++] = s;
  for (const s of strides) META[cursor++] = s;
  return cursor;
}

type Arg = 'in' | 'optIn' | 'out' | 'newOut' | 'op' | 'dim' | 'num' | 'bool' | 'int' | 'typed';

/** Each entry point: its arguments, and how many views it reads from the meta buffer. */
const ENTRY_POINTS: Record<string, { args: Arg[]; views: number; shapes?: string[]; dtypes?: (number | null)[] }> = {
  fill: { args: ['out', 'num'], views: 1 },
  fillRandom: { args: ['op', 'out', 'num', 'num'], views: 1 },
  cast: { args: ['newOut', 'in'], views: 2 },
  unary: { args: ['op', 'newOut', 'in', 'num', 'num'], views: 2 },
  binary: { args: ['op', 'newOut', 'in', 'in'], views: 3 },
  binaryScalar: { args: ['op', 'newOut', 'in', 'num', 'bool'], views: 2 },
  binaryFlat: { args: ['op', 'newOut', 'in', 'int', 'in', 'int', 'int', 'op', 'op'], views: 0 },
  binaryScalarFlat: { args: ['op', 'newOut', 'in', 'int', 'int', 'op', 'op', 'num', 'bool'], views: 0 },
  where: { args: ['newOut', 'in', 'in', 'in'], views: 4 },
  reduce: { args: ['op', 'newOut', 'in', 'dim'], views: 2 },
  indexSelect: { args: ['newOut', 'in', 'dim', 'in'], views: 3 },
  indexPut: { args: ['out', 'dim', 'in', 'in', 'bool'], views: 3 },
  gather: { args: ['newOut', 'in', 'dim', 'in'], views: 3 },
  scatter: { args: ['out', 'dim', 'in', 'in', 'bool'], views: 3 },
  scatterReduce: { args: ['op', 'out', 'dim', 'in', 'in'], views: 3 },
  nonzero: { args: ['in'], views: 1 },
  axpy: { args: ['out', 'in', 'num'], views: 2 },
  softmax: { args: ['newOut', 'in', 'bool'], views: 2 },
  softmaxBackward: { args: ['newOut', 'in', 'in', 'bool'], views: 3 },
  biasActivation: { args: ['newOut', 'in', 'in', 'op'], views: 3 },
  crossEntropy: { args: ['newOut', 'newOut', 'in', 'in', 'in', 'int', 'num', 'bool', 'op', 'newOut'], views: 6 },
  crossEntropyBackward: { args: ['newOut', 'in', 'in', 'in', 'in', 'int', 'num', 'bool', 'op', 'in'], views: 6 },
  layerNorm: { args: ['newOut', 'newOut', 'newOut', 'in', 'in', 'in', 'num'], views: 6 },
  layerNormBackward: { args: ['in', 'in', 'in', 'in', 'in', 'bool', 'bool', 'bool'], views: 8 },
  fromBuffer: { args: ['out', 'typed', 'op'], views: 1 },
  toBuffer: { args: ['in'], views: 1 },
  copyAcross: { args: ['out', 'int', 'in', 'int', 'int'], views: 0 },
  readAsync: { args: ['in', 'int', 'int'], views: 0 },
  gemm: { args: ['newOut', 'in', 'in', 'optIn'], views: -1 },
  // The direct LAPACK/BLAS kernels (not the iterative ones: eigh and svd on NaN are slow, not unsafe).
  // Their views mostly follow the declared shapes (one letter a dim, shared by the call) in
  // one float dtype, so that the kernels run as well as refuse.
  linalgLu: { args: ['newOut', 'newOut', 'newOut', 'in'], views: 4, shapes: ['BNN', 'BN', 'B', 'BNN'] },
  linalgSolve: { args: ['newOut', 'newOut', 'in', 'in'], views: 4, shapes: ['BNK', 'B', 'BNN', 'BNK'] },
  linalgGeqrf: { args: ['newOut', 'newOut', 'in'], views: 3, shapes: ['BMN', 'BK', 'BMN'] },
  linalgOrmqr: { args: ['newOut', 'in', 'in', 'in', 'bool', 'bool'], views: 4, shapes: ['BMN', 'BRA', 'BK', 'BMN'] },
  linalgTrsm: { args: ['newOut', 'in', 'in', 'bool', 'bool', 'bool', 'bool'], views: 3, shapes: ['BMN', 'BMM', 'BMN'] },
  // The Fourier transforms (a digit is a fixed size: the (real, imag) pair).
  fftC2c: { args: ['newOut', 'in', 'bool', 'op', 'int'], views: 2, shapes: ['BNM2', 'BNM2'] },
  fftR2c: { args: ['newOut', 'in', 'op', 'int'], views: 2, shapes: ['BHM2', 'BNM'] },
  fftC2r: { args: ['newOut', 'in', 'op', 'int'], views: 2, shapes: ['BNM', 'BHM2'] },
  // The int8 product: its weight is int8 (code 9) whatever the float dtype of the rest, and
  // the input (whose range the kernel takes) holds whatever bytes the pool has.
  quantizedLinearDynamic: {
    args: ['newOut', 'in', 'in', 'in', 'in', 'bool'], views: 5, shapes: ['MN', 'MK', 'KN', 'S', 'N'], dtypes: [null, null, 9, null, null],
  },
};

/**
 * A view of a declared shape (letters shared by the call's views) in `dtype`, contiguous at
 * a random offset that fits `nbytes` when it can (`nbytes` -1: a new output, at 0); a dim
 * is sometimes off by one.
 */
function writeShapedView(rng: Rng, cursor: number, nbytes: number, letters: string, dims: Record<string, number>, dtype: number): number {
  const item = ITEMSIZE[dtype] ?? 4;
  const shape = [...letters].map((l) => Math.max(0, (dims[l] ??= /\d/.test(l) ? Number(l) : int(rng, 0, 4)) + (rng() < 0.05 ? pick(rng, [-1, 1]) : 0)));
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= Math.max(shape[d], 1);
  }
  const elements = shape.reduce((n, v) => n * v, 1);
  const room = Math.floor(nbytes / item) - elements;
  // A new output (nbytes -1: no storage) is contiguous from 0, as the kernel allocates it.
  const offset = nbytes < 0 ? 0 : room >= 0 && rng() < 0.9 ? int(rng, 0, room) : int(rng, 0, 8);
  META[cursor++] = dtype;
  META[cursor++] = offset;
  META[cursor++] = shape.length;
  for (const v of shape) META[cursor++] = v;
  for (const v of strides) META[cursor++] = v;
  return cursor;
}

/** One call of a random entry point; returns what happened, for the report. */
export function boundaryCall(rng: Rng, pool: Pool): { name: string; outcome: 'returned' | 'threw'; error?: unknown } {
  const name = pick(rng, Object.keys(ENTRY_POINTS));
  const { args, views } = ENTRY_POINTS[name];
  const released = native.alloc(0, 8, null);
  native.release(released);
  // A shaped call mostly passes what the TypeScript side passes: no storage for a new output.
  const shaped = ENTRY_POINTS[name].shapes !== undefined && rng() < 0.9;
  const handleArg = (kind: Arg): unknown => {
    if (shaped && kind === 'newOut' && rng() < 0.95) return null;
    const r = rng();
    if (kind === 'newOut' && r < 0.5) return r < 0.25 ? null : released;
    if (r < 0.03) return pick(rng, [released, {}, 3, 'x', undefined]);
    return pool.handles[int(rng, 0, pool.handles.length - 1)];
  };
  const callArgs = args.map((kind) => {
    switch (kind) {
      case 'in':
      case 'out':
      case 'newOut':
        return handleArg(kind);
      case 'optIn':
        return rng() < 0.5 ? null : handleArg('in');
      case 'op':
        return rng() < 0.95 ? int(rng, 0, 9) : pick(rng, [-1, 99, 1.5]);
      case 'dim':
        return rng() < 0.9 ? int(rng, 0, 3) : pick(rng, [-1, 40]);
      case 'num':
        return pick(rng, [0, 1, -2.5, 0.5, NaN, Infinity]);
      case 'bool':
        return rng() < 0.5;
      case 'int':
        return rng() < 0.9 ? int(rng, 0, 64) : pick(rng, [-1, 2 ** 53, 0.5, 1e300]);
      default: {
        const buffer = new Uint8Array(int(rng, 0, 64) + 1);
        return rng() < 0.5 ? buffer.subarray(1) : buffer;
      }
    }
  });
  const sizeOf = (i: number): number => {
    const h = callArgs[i];
    const k = pool.handles.indexOf(h as Handle);
    return k >= 0 ? pool.bytes[k] : 64;
  };
  // Views follow the handle arguments in order; pair each with its handle's size when known.
  const handleIndices = args.map((a, i) => (a === 'in' || a === 'out' || a === 'newOut' ? i : -1)).filter((i) => i >= 0);
  let cursor = 0;
  const shapes = ENTRY_POINTS[name].shapes;
  if (shaped && shapes !== undefined) {
    const dims: Record<string, number> = {};
    const dtype = rng() < 0.95 ? pick(rng, [0, 1]) : dtypeCode(rng);
    for (let v = 0; v < views; v++) {
      const at = handleIndices[v] ?? 0;
      const fixed = ENTRY_POINTS[name].dtypes?.[v] ?? null;
      cursor = writeShapedView(rng, cursor, callArgs[at] === null ? -1 : sizeOf(at), shapes[v]!, dims, fixed !== null && rng() < 0.95 ? fixed : dtype);
    }
  } else if (views === -1) {
    const numbers = [dtypeCode(rng), int(rng, 0, 4), int(rng, 0, 4), int(rng, 0, 4), int(rng, 0, 2), int(rng, 0, 1), int(rng, 0, 1)];
    for (let i = 0; i < 9; i++) numbers.push(rng() < 0.93 ? int(rng, 0, 8) : pick(rng, [-1, 2 ** 40]));
    numbers.push(1, pick(rng, [0, 1]));
    // The bias's offset and strides (read only when a bias handle is passed).
    for (let i = 0; i < 3; i++) numbers.push(rng() < 0.9 ? int(rng, 0, 8) : pick(rng, [-1, 2 ** 40]));
    META.set(numbers);
  } else {
    for (let v = 0; v < views; v++) cursor = writeView(rng, cursor, sizeOf(handleIndices[v] ?? 0));
  }
  try {
    (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...callArgs);
    return { name, outcome: 'returned' };
  } catch (error) {
    return { name, outcome: 'threw', error };
  }
}

/** Storages the call is never given, filled with a pattern it must not disturb. */
function canaries(): Handle[] {
  return [16, 64, 256, 512].map((n) => {
    const h = native.alloc(0, n, null);
    // The allocator may round the block up; the whole block is the canary.
    fillBytes(h, 0xa5);
    return h;
  });
}

function canaryIntact(h: Handle): boolean {
  const n = native.storageBytes(h);
  META.set([UINT8, 0, 1, n, 1]);
  return new Uint8Array(native.toBuffer(h)).every((b) => b === 0xa5);
}

/**
 * Runs `count` hostile calls, with canary storages allocated around the call's own: a
 * write past a storage the allocator placed next to a canary shows up there. Returns the
 * first failure, or null.
 */
export function boundaryFuzz(rng: Rng, count: number): { failure: string | null; returned: number; threw: number } {
  let returned = 0;
  let threw = 0;
  for (let i = 0; i < count; i++) {
    const before = canaries();
    const pool = allocPool(rng);
    const after = canaries();
    const call = boundaryCall(rng, pool);
    if (call.outcome === 'returned') returned++;
    else {
      threw++;
      // A hostile caller may get "internal: ..." messages: it bypassed the TypeScript layer.
      if (!(call.error instanceof Error)) return { failure: `${call.name} threw a non-Error: ${String(call.error)}`, returned, threw };
    }
    if (![...before, ...after].every(canaryIntact)) return { failure: `${call.name} wrote outside its storages (case ${i})`, returned, threw };
    [...before, ...pool.handles, ...after].forEach((h) => native.release(h));
  }
  return { failure: null, returned, threw };
}
