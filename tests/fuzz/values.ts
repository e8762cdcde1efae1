/**
 * PyTorch's value rules, written independently of flint for the fuzzer's reference:
 * type promotion, conversion into a dtype (integer wrap-around, PyTorch's CPU float to
 * integer casts), and tolerances per dtype.
 */
import type { DTypeName } from './layouts.js';

const INT_BITS: Record<string, [bits: number, signed: boolean]> = {
  uint8: [8, false],
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  int64: [64, true],
};

export const isFloat = (d: DTypeName): boolean => d.startsWith('float') || d === 'bfloat16';
export const isInt = (d: DTypeName): boolean => d in INT_BITS;

const FLOAT_RANK: Record<string, number> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };
const INT_RANK: Record<string, number> = { bool: 0, uint8: 1, int8: 1, int16: 2, int32: 3, int64: 4 };

/** torch.promote_types for the dtypes the fuzzer uses. */
export function promote(a: DTypeName, b: DTypeName): DTypeName {
  if (a === b) return a;
  if (isFloat(a) && isFloat(b)) {
    if (FLOAT_RANK[a] === FLOAT_RANK[b]) return 'float32'; // float16 with bfloat16
    return FLOAT_RANK[a] > FLOAT_RANK[b] ? a : b;
  }
  if (isFloat(a)) return a;
  if (isFloat(b)) return b;
  if (a === 'bool') return b;
  if (b === 'bool') return a;
  if ((a === 'uint8' && b === 'int8') || (a === 'int8' && b === 'uint8')) return 'int16';
  return INT_RANK[a] >= INT_RANK[b] ? a : b;
}

const category = (d: DTypeName): number => (d === 'bool' ? 0 : isFloat(d) ? 2 : 1);

/**
 * torch.result_type of two tensors: a 0-d tensor only widens the result when its
 * category (bool < integer < floating) is higher than the dimensioned operand's.
 */
export function resultType(a: DTypeName, aDims: number, b: DTypeName, bDims: number): DTypeName {
  if ((aDims === 0) === (bDims === 0)) return promote(a, b);
  const [dim, zero] = aDims === 0 ? [b, a] : [a, b];
  if (isFloat(dim)) return dim;
  if (dim === 'bool' || isFloat(zero)) return promote(dim, zero);
  return category(zero) > category(dim) ? promote(dim, zero) : dim;
}

/** The dtype of `tensor op number` (a number never widens a tensor of its own kind). */
export function promoteScalar(t: DTypeName, scalar: number): DTypeName {
  if (!Number.isInteger(scalar) && !isFloat(t)) return 'float32';
  if (t === 'bool') return Number.isInteger(scalar) ? 'int64' : 'float32';
  return t;
}

/** Wraps an integer into an integer dtype, as C's conversions do. */
export function wrapInt(v: number, dtype: DTypeName): number {
  const [bits, signed] = INT_BITS[dtype];
  if (bits === 64) return v;
  const range = 2 ** bits;
  let r = ((v % range) + range) % range;
  if (signed && r >= range / 2) r -= range;
  return r;
}

/**
 * PyTorch 1.13's CPU conversion of a value into `dtype` (float16/bfloat16 are left
 * unrounded: they are compared with a tolerance). `fromFloat`: the value comes from a
 * floating dtype, whose conversion to integers truncates, not wraps.
 */
export function toDtype(v: number, dtype: DTypeName, fromFloat = true): number {
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'float16') return roundToFormat(v, 11, -14, 65504);
  if (dtype === 'bfloat16') return roundToFormat(Math.fround(v), 8, -126, 3.3895313892515355e38);
  if (isFloat(dtype)) return v;
  if (!fromFloat) return wrapInt(v, dtype);
  // Floats to integers: x86's truncating conversions (see scripts/make_safety_fixtures.py's cases).
  const wide64 = dtype === 'int64' || dtype === 'uint8';
  const limit = wide64 ? 2 ** 63 : 2 ** 31;
  const truncated = v >= -limit && v < limit ? Math.trunc(v) : -limit;
  return wrapInt(truncated, dtype);
}

/**
 * Rounds to nearest-even in a binary format with `bits` significant bits, `minExponent`
 * the exponent of its smallest normal number (below it, subnormal spacing), and `max`
 * its largest finite value (anything that rounds past it is infinite).
 */
export function roundToFormat(v: number, bits: number, minExponent: number, max: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (Math.max(e, minExponent) - (bits - 1));
  const r = a / quantum;
  let n = Math.floor(r);
  const fraction = r - n;
  if (fraction > 0.5 || (fraction === 0.5 && n % 2 === 1)) n++;
  const rounded = n * quantum;
  return Math.sign(v) * (rounded > max ? Infinity : rounded);
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** How close a result in `dtype` must be to the float64 reference, for `terms` summed values. */
export function tolerance(dtype: DTypeName, terms = 1): Tolerance {
  const scale = Math.max(1, terms);
  switch (dtype) {
    case 'float64':
      return { rtol: 1e-10, atol: 1e-12 * scale };
    case 'float32':
      return { rtol: 2e-5, atol: 2e-6 * scale };
    case 'float16':
      return { rtol: 2e-3, atol: 2e-3 * scale };
    case 'bfloat16':
      return { rtol: 1.6e-2, atol: 1.6e-2 * scale };
    default:
      return { rtol: 0, atol: 0 };
  }
}

/** erf to about 1e-9 (JS has none): the series near 0, Lentz's continued fraction beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let total = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      total += term / (2 * n + 1);
    }
    return Math.sign(x) * total * (2 / Math.sqrt(Math.PI));
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** round half to even, as torch.round. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's float remainder (the sign of the divisor), as torch.remainder. */
export function pyRemainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
