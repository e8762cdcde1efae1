/**
 * numpy objects inside checkpoints, read without numpy and without running anything:
 * the globals numpy's pickles name (`numpy.core.multiarray._reconstruct`, `numpy.ndarray`,
 * `numpy.dtype`, `numpy.core.multiarray.scalar`, and numpy 2's `numpy._core` paths) are
 * interpreted here as data. An ndarray becomes a tensor (as `torch.from_numpy` would
 * make it: same dtype, shape and memory order), a numpy scalar a JS number (a boolean,
 * a bigint for 64-bit integers beyond 2^53, a string for `np.str_`), a dtype a flint
 * DType. These are the globals PyTorch 2.x's `weights_only` loader accepts once they are
 * passed to `torch.serialization.add_safe_globals`; flint accepts them by default, since
 * reading them runs no code.
 */
import { DType, bool, float16, float32, float64, int16, int32, int64, int8, uint8 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { internal, isInternal, showValue } from './internal.js';
import { tensorFromMemory } from './steps.js';

/** numpy's pickle globals, under numpy 1 (`numpy.core`) and numpy 2 (`numpy._core`). */
const GLOBALS = new Map<string, 'reconstruct' | 'scalar' | 'frombuffer' | 'ndarray' | 'dtype'>([
  ['numpy.core.multiarray._reconstruct', 'reconstruct'],
  ['numpy._core.multiarray._reconstruct', 'reconstruct'],
  ['numpy.core.multiarray.scalar', 'scalar'],
  ['numpy._core.multiarray.scalar', 'scalar'],
  ['numpy.core.numeric._frombuffer', 'frombuffer'],
  ['numpy._core.numeric._frombuffer', 'frombuffer'],
  ['numpy.ndarray', 'ndarray'],
  ['numpy.dtype', 'dtype'],
]);

/**
 * Whether `qualified` ('module.name') is one of numpy's globals that flint reads.
 * @internal
 * @example isNumpyGlobal('numpy.dtype') === true
 */
export function isNumpyGlobal(qualified: string): boolean {
  return GLOBALS.has(qualified);
}

/** `numpy.dtype(descr, align, copy)`, completed by BUILD with its byte order. */
interface NumpyDType {
  kind: 'npdtype';
  /** The type character: b (bool), i, u, f, c, O, U, S, V, M, m. */
  char: string;
  itemsize: number;
  /** '<' little, '>' big, '|' not applicable, '=' native (little on every platform flint runs on). */
  order: string;
  /** A structured or subarray dtype (fields, names or a sub-descriptor in its state). */
  structured: boolean;
}

/** An ndarray: made empty by `_reconstruct`, filled by BUILD (or whole by `_frombuffer`). */
interface NdarrayRecipe {
  kind: 'ndarray';
  dtype?: NumpyDType;
  shape?: number[];
  fortran?: boolean;
  data?: Uint8Array;
}

const FLINT_DTYPES: Record<string, DType> = {
  b1: bool, u1: uint8, i1: int8, i2: int16, i4: int32, i8: int64, f2: float16, f4: float32, f8: float64,
};
const NUMPY_NAMES: Record<string, string> = { b: 'bool', i: 'int', u: 'uint', f: 'float', c: 'complex', O: 'object', U: 'str', S: 'bytes', V: 'void', M: 'datetime64', m: 'timedelta64' };

function describe(d: NumpyDType): string {
  const family = NUMPY_NAMES[d.char] ?? d.char;
  const name = 'bOMm'.includes(d.char) ? family : `${family}${d.itemsize * 8}`; // numpy's own names: str96 for 'U3'
  return `numpy ${d.structured ? 'structured dtype' : `dtype ${name}`} ('${d.order === '|' ? '' : d.order}${d.char}${d.itemsize}')`;
}

function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  // Python 2's pickles (and numpy's latin1 round trip) give the bytes as a str.
  if (typeof v === 'string') return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
  throw new Error(`unpickle: ${what} must be bytes, found ${showValue(v)}`);
}

function shapeOf(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new Error(`unpickle: ${what}: the shape must be a tuple of non-negative integers, found ${showValue(v)}`);
  }
  return v as number[];
}

function dtypeArg(v: unknown, what: string): NumpyDType {
  if (!isInternal(v, 'npdtype')) throw new Error(`unpickle: ${what} expects a numpy dtype, found ${showValue(v)}`);
  return v as NumpyDType;
}

/**
 * `numpy.dtype(descr, align, copy)`: the descriptor is a type character and a size
 * ('f4', 'b1', 'U3', 'O8'), optionally after a byte order.
 */
function makeDType(args: unknown[]): NumpyDType {
  const descr = args[0];
  const match = typeof descr === 'string' ? /^([<>|=]?)([biufcOUSVMm])(\d*)$/.exec(descr) : null;
  if (match === null) throw new Error(`unpickle: numpy.dtype expects a type descriptor such as 'f4', found ${typeof descr === 'string' ? `'${descr.slice(0, 20)}'` : showValue(descr)}`);
  const [, order, char, size] = match;
  const itemsize = size === '' ? (char === 'b' ? 1 : 0) : Number(size);
  return internal({ kind: 'npdtype', char, itemsize: char === 'U' ? itemsize * 4 : itemsize, order: order || '|', structured: false });
}

/**
 * `numpy.core.multiarray.scalar(dtype, bytes)`: a numpy scalar (np.float64, np.int64,
 * np.bool_, np.str_ ...) as the JS value that holds it exactly.
 */
function scalarValue(dtype: NumpyDType, raw: unknown): unknown {
  if (dtype.char === 'O') {
    throw new Error('unpickle: a numpy object scalar (dtype=object) holds an arbitrary Python object and cannot be loaded');
  }
  if (dtype.structured) throw new Error(`unpickle: numpy scalars of a ${describe(dtype)} cannot be loaded`);
  const bytes = asBytes(raw, 'a numpy scalar');
  if (bytes.length !== dtype.itemsize) {
    throw new Error(`unpickle: a numpy scalar of ${describe(dtype)} needs ${dtype.itemsize} bytes, found ${bytes.length}`);
  }
  const little = dtype.order !== '>';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const exact = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  switch (`${dtype.char}${dtype.itemsize}`) {
    case 'b1': return bytes[0] !== 0;
    case 'i1': return view.getInt8(0);
    case 'u1': return view.getUint8(0);
    case 'i2': return view.getInt16(0, little);
    case 'u2': return view.getUint16(0, little);
    case 'i4': return view.getInt32(0, little);
    case 'u4': return view.getUint32(0, little);
    case 'i8': return exact(view.getBigInt64(0, little));
    case 'u8': return exact(view.getBigUint64(0, little));
    case 'f2': return halfToNumber(view.getUint16(0, little));
    case 'f4': return view.getFloat32(0, little);
    case 'f8': return view.getFloat64(0, little);
    default:
  }
  if (dtype.char === 'U') {
    const chars: number[] = [];
    for (let i = 0; i < bytes.length; i += 4) chars.push(view.getUint32(i, little));
    while (chars.length > 0 && chars[chars.length - 1] === 0) chars.pop(); // numpy pads with NULs
    try {
      return String.fromCodePoint(...chars);
    } catch {
      throw new Error('unpickle: a numpy str scalar holds an invalid code point');
    }
  }
  if (dtype.char === 'S') {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    return bytes.slice(0, end);
  }
  throw new Error(`unpickle: numpy scalars of ${describe(dtype)} cannot be loaded (flint reads bool, int, uint, float, str and bytes scalars)`);
}

/** IEEE half precision bits to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Calls one of numpy's globals (REDUCE / NEWOBJ) with its arguments.
 * @internal
 * @example callNumpy('numpy.dtype', ['f4', false, true])
 */
export function callNumpy(qualified: string, args: unknown[]): unknown {
  switch (GLOBALS.get(qualified)) {
    case 'dtype':
      return makeDType(args);
    case 'reconstruct': {
      // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array that BUILD fills.
      const cls = args[0] as { module?: string; name?: string };
      if (!isInternal(cls, 'global') || `${cls.module}.${cls.name}` !== 'numpy.ndarray') {
        throw new Error(`unpickle: ${qualified} can only make numpy.ndarray (subclasses such as masked arrays are not supported)`);
      }
      return internal({ kind: 'ndarray' } satisfies NdarrayRecipe);
    }
    case 'scalar':
      return scalarValue(dtypeArg(args[0], qualified), args[1]);
    case 'frombuffer': {
      // _frombuffer(buffer, dtype, shape, order): numpy's pickle protocol 5 form.
      const [buffer, dtype, shape, order] = args;
      if (order !== 'C' && order !== 'F') throw new Error(`unpickle: ${qualified}: order must be 'C' or 'F', found ${showValue(order)}`);
      const recipe: NdarrayRecipe = { kind: 'ndarray' };
      fill(recipe, dtypeArg(dtype, qualified), shapeOf(shape, qualified), order === 'F', buffer);
      return internal(recipe);
    }
    case 'ndarray':
      throw new Error('unpickle: numpy.ndarray can only be made through numpy.core.multiarray._reconstruct');
    default:
      throw new Error(`unpickle: refusing to call '${qualified}'`);
  }
}

function fill(recipe: NdarrayRecipe, dtype: NumpyDType, shape: number[], fortran: boolean, raw: unknown): void {
  if (dtype.char === 'O' || Array.isArray(raw)) {
    throw new Error('load: numpy object arrays (dtype=object) hold arbitrary Python objects and cannot be loaded; save a numeric array instead');
  }
  const text = dtype.char === 'U' || dtype.char === 'S';
  if ((FLINT_DTYPES[`${dtype.char}${dtype.itemsize}`] === undefined && !text) || dtype.structured || dtype.itemsize === 0) {
    throw new Error(`load: a numpy array of ${describe(dtype)} has no flint dtype (flint reads bool, uint8, int8, int16, int32, int64, float16, float32 and float64 arrays as tensors, str and bytes arrays as nested arrays)`);
  }
  const bytes = asBytes(raw, 'the data of a numpy array');
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel) || bytes.length !== numel * dtype.itemsize) {
    throw new Error(`load: a numpy array of shape (${shape.join(', ')}) and ${describe(dtype)} needs ${numel * dtype.itemsize} bytes, found ${bytes.length}`);
  }
  Object.assign(recipe, { dtype, shape: shape.slice(), fortran, data: bytes });
}

/**
 * BUILD on a numpy dtype (its byte order and fields) or an ndarray (its shape, dtype,
 * memory order and bytes). Returns false when `target` is not a numpy object.
 * @internal
 * @example if (buildNumpy(target, state)) return;
 */
export function buildNumpy(target: unknown, state: unknown): boolean {
  if (isInternal(target, 'npdtype')) {
    // (version, byteorder, subdescr, names, fields, elsize, alignment, flags[, metadata])
    if (!Array.isArray(state) || state.length < 8 || typeof state[1] !== 'string') {
      throw new Error(`unpickle: a numpy dtype's state must be a tuple (version, byteorder, ...), found ${showValue(state)}`);
    }
    const d = target as NumpyDType;
    d.order = state[1] as string;
    d.structured = state[2] !== null || state[3] !== null || state[4] !== null;
    if (typeof state[5] === 'number' && state[5] > 0) d.itemsize = state[5]; // flexible types (str, bytes, void)
    return true;
  }
  if (isInternal(target, 'ndarray')) {
    // (version, shape, dtype, is_fortran, rawdata), or without the version before numpy 1.0.
    const fields = Array.isArray(state) && state.length === 5 ? state.slice(1) : state;
    if (!Array.isArray(fields) || fields.length !== 4) {
      throw new Error(`unpickle: a numpy array's state must be a tuple (version, shape, dtype, is_fortran, data), found ${showValue(state)}`);
    }
    const [shape, dtype, fortran, data] = fields;
    const recipe = target as NdarrayRecipe;
    if (recipe.data !== undefined) throw new Error('unpickle: a numpy array is given its state twice');
    fill(recipe, dtypeArg(dtype, 'a numpy array'), shapeOf(shape, 'a numpy array'), fortran === true, data);
    return true;
  }
  return false;
}

/** Strides, in elements, of a C- or Fortran-ordered array. */
function stridesOf(shape: number[], fortran: boolean): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let k = 0; k < shape.length; k++) {
    const d = fortran ? k : shape.length - 1 - k;
    strides[d] = step;
    step *= Math.max(shape[d], 1);
  }
  return strides;
}

/** A str or bytes array as nested JS arrays of strings or Uint8Arrays (C order, as `tolist()`). */
function textArray(dtype: NumpyDType, shape: number[], fortran: boolean, data: Uint8Array): unknown {
  const strides = stridesOf(shape, fortran);
  const item = (index: number): unknown => scalarValue(dtype, data.subarray(index * dtype.itemsize, (index + 1) * dtype.itemsize));
  const nest = (d: number, base: number): unknown => (d === shape.length ? item(base) : Array.from({ length: shape[d] }, (_, i) => nest(d + 1, base + i * strides[d])));
  return nest(0, 0);
}

/**
 * The finished value of a numpy object: a tensor for a numeric ndarray (keeping Fortran
 * order as strides, as `torch.from_numpy` does), nested arrays for a str or bytes array
 * (its `tolist()`), a DType for a dtype; `undefined` for anything else.
 * @internal
 * @example const t = finishNumpy(recipe) as Tensor;
 */
export function finishNumpy(v: unknown): unknown {
  if (isInternal(v, 'npdtype')) {
    const d = v as NumpyDType;
    const flint = FLINT_DTYPES[`${d.char}${d.itemsize}`];
    if (flint === undefined || d.structured) throw new Error(`load: ${describe(d)} has no flint dtype`);
    return flint;
  }
  if (!isInternal(v, 'ndarray')) return undefined;
  const { dtype, shape, fortran, data } = v as NdarrayRecipe;
  if (dtype === undefined || shape === undefined || data === undefined) throw new Error('load: a numpy array was never given its data (no BUILD after _reconstruct)');
  if (dtype.char === 'U' || dtype.char === 'S') return textArray(dtype, shape, fortran === true, data);
  const flint = FLINT_DTYPES[`${dtype.char}${dtype.itemsize}`];
  let bytes = data;
  if (dtype.order === '>' && dtype.itemsize > 1) {
    bytes = new Uint8Array(data.length);
    const n = dtype.itemsize;
    for (let i = 0; i < data.length; i += n) for (let j = 0; j < n; j++) bytes[i + j] = data[i + n - 1 - j];
  } else if (flint === bool) {
    bytes = data.map((b) => (b === 0 ? 0 : 1)); // a bool storage holds only 0 and 1
  }
  const numel = data.length / dtype.itemsize;
  const flat = tensorFromMemory(flint, numel, bytes);
  try {
    return new Tensor(flat._storage, shape.slice(), stridesOf(shape, fortran === true), 0, flint);
  } finally {
    flat.dispose(); // the view holds its own reference to the storage
  }
}
