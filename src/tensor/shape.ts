/** Shape arithmetic shared by the ops: strides, broadcasting, dim normalisation. */
import { describeValue } from './args.js';

/**
 * Row-major strides for a shape, as PyTorch computes them: a size of 0 counts as 1, so
 * an empty tensor's strides are PyTorch's too (`[4, 0]` has strides `[1, 1]`).
 * @example contiguousStrides([2, 3]) // [3, 1]
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i] > 1 ? shape[i] : 1;
  }
  return strides;
}

const INT64_MAX = 9223372036854775807;

/**
 * Throws PyTorch's "numel: integer multiplication overflow" unless every size is a
 * non-negative integer and their product fits in int64. PyTorch multiplies the sizes as
 * unsigned 64-bit numbers with a sticky overflow flag, so a negative size, or an
 * overflow before a zero, is an overflow too.
 * @example checkShapeNumel([2 ** 32, 2 ** 32, 4]) // throws
 */
export function checkShapeNumel(shape: readonly number[]): void {
  let product = 1;
  let overflow = false;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (!(s >= 0) || !Number.isInteger(s)) {
      if (typeof s !== 'number' || !Number.isInteger(s)) {
        throw new TypeError(`expected the sizes to be integers, but got [${shape.join(', ')}]`);
      }
      overflow = true;
      continue;
    }
    product *= s;
    if (product >= 2 ** 64) overflow = true;
  }
  if (overflow || product > INT64_MAX) throw new Error('numel: integer multiplication overflow');
}

/** Number of elements. @example shapeNumel([2, 3]) // 6 */
export function shapeNumel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether (shape, strides) is row-major contiguous (size-1 dims may have any stride; an empty tensor always is). */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  let contiguous = true;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] !== 1 && strides[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  return contiguous;
}

/**
 * Broadcasts two shapes with PyTorch's rules and error message.
 * @example broadcastShapes([3, 1], [4]) // [3, 4]
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  if (sameShape(a, b)) return a as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new Error(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
  }
  return out;
}

/** Strides that present (shape, strides) as `target` (which it broadcasts to): 0 on broadcast dims. */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const offset = target.length - shape.length;
  const out = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) {
    const j = i - offset;
    out[i] = j < 0 || (shape[j] === 1 && target[i] !== 1) ? 0 : strides[j];
  }
  return out;
}

/**
 * Normalises a possibly negative dim with PyTorch's error message.
 * @example normalizeDim(-1, 3) // 2
 */
export function normalizeDim(dim: number, ndim: number, allowEnd = false, fn?: string, name = 'dim'): number {
  // With allowEnd (unsqueeze, stack) the range is that of a tensor with one more dim: a 0-d
  // input takes [-1, 0], as PyTorch's maybe_wrap_dim(dim, ndim + 1).
  const size = allowEnd ? ndim + 1 : Math.max(ndim, 1);
  const low = -size;
  const high = size - 1;
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new TypeError(`${fn === undefined ? '' : `${fn}(): `}argument '${name}' must be an integer, but got ${describeValue(dim)}`);
  }
  if (dim < low || dim > high) {
    throw new RangeError(`Dimension out of range (expected to be in range of [${low}, ${high}], but got ${dim})`);
  }
  return dim < 0 ? dim + size : dim;
}

/**
 * Parses `(2, 3)`, `([2, 3])` style shape arguments, naming `fn` in its errors: a
 * non-integer size is a TypeError, a negative one PyTorch's "Trying to create tensor
 * with negative dimension" (negative sizes pass where `allowInferred`, for view and
 * reshape, which check them against their own rules).
 * @example parseShape([2, 3], false, 'zeros') // [2, 3]
 */
export function parseShape(args: readonly unknown[], allowInferred = false, fn = 'size'): number[] {
  const shape = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      const shown = shape.map((v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? '[...]' : String(v)));
      throw new TypeError(
        `${fn}(): argument 'size' must be a sequence of integers, but got [${shown.join(', ')}] (element ${i} is ${elementDescription(s)})`,
      );
    }
    // view and reshape report other negative sizes as PyTorch does, in inferShape.
    if (s < 0 && !allowInferred) throw new RangeError(`Trying to create tensor with negative dimension ${s}: [${shape.join(', ')}]`);
    out.push(s);
  }
  return out;
}

function elementDescription(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'an array';
  return `of type ${typeof value === 'object' ? (value.constructor?.name ?? 'Object') : typeof value}`;
}

/**
 * Formats a shape the way PyTorch's messages do: `[2, 3]`. Sizes past 2^53 print with
 * every digit (`2 ** 62` as 4611686018427387904, not 4611686018427388000).
 */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.map((s) => (Number.isInteger(s) && Math.abs(s) > 2 ** 53 ? BigInt(s).toString() : String(s))).join(', ')}]`;
}
