/**
 * dtypes, PyTorch's type promotion, and the result-type rules for mixing tensors,
 * 0-d tensors and JS numbers.
 */

/** The kind of value a dtype holds, PyTorch's promotion "category". */
type Category = 0 | 1 | 2 | 3; // bool, integer, floating, complex

/**
 * A tensor element type, as `torch.float32`. Compare dtypes with `===`.
 *
 * @example
 * const x = torch.zeros(2, { dtype: torch.float64 });
 * x.dtype === torch.float64; // true
 * String(torch.float64);      // 'torch.float64'
 */
export class DType {
  /** @internal */
  constructor(
    /** PyTorch's name without the `torch.` prefix, e.g. `'float32'`. */
    readonly name: string,
    /** The numeric code shared with the native addon. */
    readonly code: number,
    /** Bytes per element. */
    readonly itemsize: number,
    readonly isFloatingPoint: boolean,
    readonly isSigned: boolean,
    /** Whether kernels compute in this dtype directly (else they upcast). */
    readonly isCompute: boolean,
    /** @internal position in PyTorch's promotion lattice */
    readonly rank: number,
  ) {}

  /** @internal */
  get category(): Category {
    return this.isComplex ? 3 : this.isFloatingPoint ? 2 : this.name === 'bool' ? 0 : 1;
  }

  /** Whether this is a complex dtype (`torch.complex64`, `torch.complex128`), as PyTorch's `dtype.is_complex`. */
  get isComplex(): boolean {
    return this.code >= COMPLEX_CODE && this.code < QUANTIZED_CODE;
  }

  /** Whether this is a quantized dtype (`torch.qint8`, `torch.quint8`, `torch.qint32`). */
  get isQuantized(): boolean {
    return this.code >= QUANTIZED_CODE;
  }

  toString(): string {
    return `torch.${this.name}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** 32-bit float, the default floating dtype. @example torch.zeros(2, { dtype: torch.float32 }) */
export const float32 = new DType('float32', 0, 4, true, true, true, 8);
/** 64-bit float. @example torch.zeros(2, { dtype: torch.float64 }) */
export const float64 = new DType('float64', 1, 8, true, true, true, 9);
/** 64-bit integer, the default integer dtype. @example torch.arange(3).dtype === torch.int64 */
export const int64 = new DType('int64', 2, 8, false, true, true, 5);
/** 32-bit integer. @example torch.zeros(2, { dtype: torch.int32 }) */
export const int32 = new DType('int32', 3, 4, false, true, true, 4);
/** 8-bit unsigned integer. @example torch.zeros(2, { dtype: torch.uint8 }) */
export const uint8 = new DType('uint8', 4, 1, false, false, true, 1);
/** Boolean. @example torch.tensor([1, 2]).gt(1).dtype === torch.bool */
export const bool = new DType('bool', 5, 1, false, false, true, 0);
/** 16-bit IEEE float: stored, converted, computed by upcasting. @example torch.zeros(2).half() */
export const float16 = new DType('float16', 6, 2, true, true, false, 6);
/** bfloat16: stored, converted, computed by upcasting. @example torch.zeros(2, { dtype: torch.bfloat16 }) */
export const bfloat16 = new DType('bfloat16', 7, 2, true, true, false, 7);
/** 16-bit integer (stored, computed as int32). @example torch.zeros(2, { dtype: torch.int16 }) */
export const int16 = new DType('int16', 8, 2, false, true, false, 3);
/** 8-bit signed integer (stored, computed as int32). @example torch.zeros(2, { dtype: torch.int8 }) */
export const int8 = new DType('int8', 9, 1, false, true, false, 2);

/**
 * Complex numbers of two float32s (real, imaginary), as `torch.complex64`. Their storage is
 * the pairs, so that `torch.viewAsReal` is a view. No native kernel takes them: the complex
 * ops run on that real view (src/complex/).
 * @example torch.complex(torch.ones(2), torch.zeros(2)).dtype === torch.complex64
 */
export const complex64 = new DType('complex64', 10, 8, false, true, true, 10);
/** Complex numbers of two float64s, as `torch.complex128`. @example torch.zeros(2, { dtype: torch.complex128 }) */
export const complex128 = new DType('complex128', 11, 16, false, true, true, 11);
/** The first complex code: the native dtype enum stops below it. @internal */
export const COMPLEX_CODE = 10;

/**
 * Quantized 8-bit signed integers, as `torch.qint8`: the dtype of a QuantizedTensor, whose
 * integers are an int8 tensor with a scale and zero point beside it. No tensor and no kernel
 * takes it (src/quantization/).
 * @example torch.quantizePerTensor(torch.tensor([0.5]), 0.1, 0, torch.qint8).dtype === torch.qint8
 */
export const qint8 = new DType('qint8', 12, 1, false, true, false, -1);
/** Quantized 8-bit unsigned integers, as `torch.quint8`. @example torch.quantizePerTensor(x, 0.1, 128, torch.quint8) */
export const quint8 = new DType('quint8', 13, 1, false, false, false, -1);
/** Quantized 32-bit signed integers, as `torch.qint32`. @example torch.quantizePerTensor(x, 0.1, 0, torch.qint32) */
export const qint32 = new DType('qint32', 14, 4, false, true, false, -1);
/** The first quantized code. @internal */
export const QUANTIZED_CODE = 12;

/** PyTorch's aliases. */
export const float = float32;
export const double = float64;
export const half = float16;
export const long = int64;
export const int = int32;
export const short = int16;
export const cfloat = complex64;
export const cdouble = complex128;

/** All dtypes by code. @internal */
export const DTYPES: readonly DType[] = [float32, float64, int64, int32, uint8, bool, float16, bfloat16, int16, int8, complex64, complex128];

const BY_NAME = new Map<string, DType>(DTYPES.map((d) => [d.name, d]));
for (const [alias, d] of [
  ['float', float32],
  ['double', float64],
  ['half', float16],
  ['long', int64],
  ['int', int32],
  ['short', int16],
  ['cfloat', complex64],
  ['cdouble', complex128],
] as const)
  BY_NAME.set(alias, d);

/**
 * Looks a dtype up by name (`'float32'` or `'torch.float32'`), or passes a DType through.
 *
 * @example
 * toDType('float64') === torch.float64;
 */
export function toDType(value: DType | string): DType {
  if (value instanceof DType) return value;
  const found = typeof value === 'string' ? toDTypeOrNull(value) : null;
  if (!found) throw new TypeError(`unknown dtype ${JSON.stringify(value)}`);
  return found;
}

/**
 * The dtype named `name` (`'float32'`, `'torch.float32'` or an alias such as `'long'`),
 * or null when there is none.
 * @example toDTypeOrNull('long') === torch.int64; toDTypeOrNull('flt') === null
 */
export function toDTypeOrNull(name: string): DType | null {
  return BY_NAME.get(name.startsWith('torch.') ? name.slice(6) : name) ?? null;
}

/**
 * PyTorch's `torch.promote_types`: the smallest dtype both can be converted to safely.
 *
 * @example
 * promoteTypes(torch.int64, torch.float32) === torch.float32;
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a.isQuantized || b.isQuantized) throw new TypeError(`Promotion for quantized types (${a}, ${b}) is not supported`);
  if (a === b) return a;
  if (a.isComplex || b.isComplex) return toComplexDType(promoteTypes(toRealDType(a), toRealDType(b)));
  // The two cases where the lattice is not a chain.
  if ((a === uint8 && b === int8) || (a === int8 && b === uint8)) return int16;
  if ((a === float16 && b === bfloat16) || (a === bfloat16 && b === float16)) return float32;
  if (a === uint8 && !b.isFloatingPoint && b !== bool) return b.rank > uint8.rank ? b : int16;
  if (b === uint8 && !a.isFloatingPoint && a !== bool) return a.rank > uint8.rank ? a : int16;
  return a.rank >= b.rank ? a : b;
}

/** The default floating dtype (`torch.get_default_dtype()`). @internal */
export let defaultFloat: DType = float32;

/**
 * `torch.set_default_dtype`.
 *
 * @example
 * torch.setDefaultDtype(torch.float64); torch.rand(2).dtype === torch.float64;
 */
export function setDefaultDtype(dtype: DType | string): void {
  const d = dtype instanceof DType ? dtype : typeof dtype === 'string' ? toDTypeOrNull(dtype) : null;
  if (d === null) {
    throw new TypeError(`setDefaultDtype(): argument 'dtype' must be a torch.dtype (such as torch.float64) or its name, but got ${typeof dtype === 'string' ? JSON.stringify(dtype) : String(dtype)}`);
  }
  if (!d.isFloatingPoint) throw new TypeError('only floating-point types are supported as the default type');
  defaultFloat = d;
}

/**
 * `torch.set_default_tensor_type(t)`, from before `set_default_dtype`: a legacy type name
 * ('torch.DoubleTensor', 'torch.FloatTensor', ...) sets the default floating dtype. flint has
 * no default device, so a CUDA type ('torch.cuda.FloatTensor') is refused with a pointer to
 * the `device` option.
 * @example torch.setDefaultTensorType('torch.DoubleTensor'); torch.rand(2).dtype === torch.float64
 */
export function setDefaultTensorType(t: string): void {
  if (typeof t !== 'string') throw new TypeError('invalid type object: only floating-point types are supported as the default type');
  const match = /^torch\.(cuda\.)?(\w+)Tensor$/.exec(t);
  const dtype = match ? Object.keys(SCALAR_TYPE).find((name) => SCALAR_TYPE[name] === match[2]) : undefined;
  if (match === null || dtype === undefined) throw new TypeError(`invalid type: '${t}'`);
  if (match[1] !== undefined) {
    throw new Error(`setDefaultTensorType('${t}'): flint has no default device; create tensors with { device: 'cuda' } or move them with .cuda()`);
  }
  setDefaultDtype(dtype);
}

/** `torch.get_default_dtype()`. @example torch.getDefaultDtype() === torch.float32 */
export function getDefaultDtype(): DType {
  return defaultFloat;
}

/** The dtype PyTorch gives a Python scalar of this JS value. @internal */
export function scalarDType(value: number | boolean): DType {
  if (typeof value === 'boolean') return bool;
  return Number.isInteger(value) ? int64 : defaultFloat;
}

/**
 * The float dtype of a complex one's parts (complex64 → float32); any other dtype is itself.
 * @example toRealDType(torch.complex128) === torch.float64
 */
export function toRealDType(dtype: DType): DType {
  return dtype === complex64 ? float32 : dtype === complex128 ? float64 : dtype;
}

/**
 * The complex dtype with parts of `dtype` (float64 → complex128; flint has no complex32, so
 * every narrower dtype gives complex64).
 * @example toComplexDType(torch.float64) === torch.complex128
 */
export function toComplexDType(dtype: DType): DType {
  return dtype === float64 || dtype === complex128 ? complex128 : complex64;
}

function combineCategories(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null) return higher;
  // As PyTorch's: a complex operand of a lower rank keeps a float operand's precision.
  if (higher.isComplex) return higher;
  if (lower.isComplex) return higher.isFloatingPoint ? toComplexDType(higher) : lower;
  if (higher.isFloatingPoint) return higher;
  if (higher === bool || lower.isFloatingPoint) return promoteTypes(higher, lower);
  return higher;
}

/** One operand for {@link resultType}: a tensor's dtype and rank, or a JS scalar. */
export type Operand = { dtype: DType; dim: number } | number | boolean;

/**
 * PyTorch's `torch.result_type` over tensors, 0-d tensors and scalars: dimensioned
 * tensors decide within a category; 0-d tensors and scalars only lift the category.
 *
 * @example
 * resultType([{ dtype: torch.int64, dim: 1 }, 2.5]) === torch.float32;
 */
export function resultType(operands: readonly Operand[]): DType {
  let dimResult: DType | null = null;
  let zeroResult: DType | null = null;
  let wrappedResult: DType | null = null;
  for (const operand of operands) {
    if (typeof operand === 'number' || typeof operand === 'boolean') {
      const d = scalarDType(operand);
      wrappedResult = wrappedResult ? promoteTypes(wrappedResult, d) : d;
    } else if (operand.dim === 0) {
      zeroResult = zeroResult ? promoteTypes(zeroResult, operand.dtype) : operand.dtype;
    } else {
      dimResult = dimResult ? promoteTypes(dimResult, operand.dtype) : operand.dtype;
    }
  }
  return combineCategories(dimResult, combineCategories(zeroResult, wrappedResult)) ?? defaultFloat;
}

/** The dtype kernels compute in for a storage-only dtype. @internal */
export function computeDType(dtype: DType): DType {
  if (dtype.isCompute) return dtype;
  return dtype.isFloatingPoint ? float32 : int32;
}

const SCALAR_TYPE: Record<string, string> = {
  float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int',
  int16: 'Short', int8: 'Char', uint8: 'Byte', bool: 'Bool', complex64: 'ComplexFloat', complex128: 'ComplexDouble',
};

/** PyTorch's ScalarType name (`Float`, `Long`...), which its error messages use. @internal */
export function scalarTypeName(dtype: DType | string): string {
  const name = typeof dtype === 'string' ? dtype : dtype.name;
  return SCALAR_TYPE[name] ?? name;
}

/**
 * PyTorch's legacy tensor-type name, as `x.type()` and some error messages give it.
 * @example legacyTypeName(float32) // 'torch.FloatTensor'; legacyTypeName(int64, true) // 'torch.cuda.LongTensor'
 * @internal
 */
export function legacyTypeName(dtype: DType, cuda = false): string {
  return `torch.${cuda ? 'cuda.' : ''}${scalarTypeName(dtype)}Tensor`;
}
