/**
 * Tensor repr, byte-for-byte compatible with PyTorch's `torch/_tensor_str.py`,
 * under the print options that {@link setPrintoptions} sets. Kept free of flint imports so it can be
 * tested against PyTorch fixtures in isolation.
 */

/** How element values are rendered: floating point, integer, or boolean. */
export type FormatKind = 'float' | 'int' | 'bool';

/** Everything {@link formatTensor} needs to know about a tensor. */
export interface FormatInput {
  /** tensor shape, [] for a 0-d tensor */
  shape: readonly number[];
  /**
   * element getter: flat row-major (contiguous) index -> value as a JS number
   * (bool: 0/1; int64 as number, or as bigint to keep values beyond 2^53 exact).
   * Only called for elements that are shown, once each.
   */
  get: (flatIndex: number) => number | bigint;
  kind: FormatKind;
  /**
   * For a complex tensor, the imaginary part's getter (`get` then reads the real part, and
   * `kind` is `'float'`): each part gets its own formatter, as PyTorch's, and an element
   * prints as `1.0000+2.0000j`.
   */
  imag?: (flatIndex: number) => number;
  /**
   * suffixes in PyTorch order, already rendered, e.g.
   * ['dtype=torch.float64', 'grad_fn=<AddBackward0>'] or ['requires_grad=True'].
   * For empty tensors PyTorch shows the dtype for everything but float32
   * (int64 and bool included); the caller decides that. The `size=(...)`
   * suffix of empty tensors is added here.
   */
  suffixes: readonly string[];
}

/**
 * Options of {@link setPrintoptions}, as `torch.set_printoptions` takes them.
 * @example torch.setPrintoptions({ precision: 2, sciMode: false })
 */
export interface PrintOptions {
  /** digits after the point of floating-point values (default 4) */
  precision?: number;
  /** tensors with more elements than this are summarised (default 1000; `Infinity` never) */
  threshold?: number;
  /** the entries kept at each end of a summarised dimension (default 3) */
  edgeitems?: number;
  /** characters per line before values wrap (default 80) */
  linewidth?: number;
  /** `'default'`, `'short'` or `'full'`: a preset that the other options then override */
  profile?: 'default' | 'short' | 'full';
  /** `true` or `false` forces scientific notation on or off; unset, each tensor decides */
  sciMode?: boolean | null;
}

// The process-wide options, as PyTorch's PRINT_OPTS is interpreter-wide; they start as
// torch.set_printoptions(profile='default').
const PRINT_OPTS = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null as boolean | null };

const PROFILES = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
} as const;

function checkCount(name: string, value: unknown, allowInfinity: boolean): number {
  const ok = typeof value === 'number' && value >= 0 && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (!ok) {
    throw new TypeError(`setPrintoptions(): ${name} must be a non-negative integer${allowInfinity ? ' or Infinity' : ''}, but got ${String(value)}`);
  }
  return value;
}

/**
 * `torch.set_printoptions`: how tensors print from now on, in every tensor of the process.
 * As in PyTorch, a profile applies first and the named options override it, and `sciMode` is
 * reset to automatic by any call that does not give it.
 * @example
 * torch.setPrintoptions({ precision: 2 });
 * String(torch.tensor([1.12345])); // 'tensor([1.12])'
 * torch.setPrintoptions({ threshold: 5 });
 * String(torch.arange(10)); // 'tensor([0, 1, 2,  ..., 7, 8, 9])'
 * torch.setPrintoptions({ profile: 'default' });
 */
export function setPrintoptions(options: PrintOptions = {}): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`setPrintoptions(): expected an options object, but got ${String(options)}`);
  }
  const { profile, precision, threshold, edgeitems, linewidth, sciMode } = options;
  // Validated before anything changes, so that a bad call leaves the options as they were.
  if (profile !== undefined && !Object.hasOwn(PROFILES, profile)) {
    throw new TypeError(`setPrintoptions(): profile must be 'default', 'short' or 'full', but got ${String(profile)}`);
  }
  if (precision !== undefined) checkCount('precision', precision, false);
  if (threshold !== undefined) checkCount('threshold', threshold, true);
  if (edgeitems !== undefined) checkCount('edgeitems', edgeitems, false);
  if (linewidth !== undefined) checkCount('linewidth', linewidth, false);
  if (sciMode !== undefined && sciMode !== null && typeof sciMode !== 'boolean') {
    throw new TypeError(`setPrintoptions(): sciMode must be a boolean or null, but got ${String(sciMode)}`);
  }
  if (profile !== undefined) Object.assign(PRINT_OPTS, PROFILES[profile]);
  if (precision !== undefined) PRINT_OPTS.precision = precision;
  if (threshold !== undefined) PRINT_OPTS.threshold = threshold;
  if (edgeitems !== undefined) PRINT_OPTS.edgeitems = edgeitems;
  if (linewidth !== undefined) PRINT_OPTS.linewidth = linewidth;
  PRINT_OPTS.sciMode = sciMode ?? null;
}

const pow10Cache: bigint[] = [];
function pow10(k: number): bigint {
  return (pow10Cache[k] ??= 10n ** BigInt(k));
}

/** Splits a positive finite double into an integer mantissa and binary exponent, x = m * 2^e exactly. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  // Subnormals have no implicit leading bit and a fixed exponent.
  return expBits === 0 ? [frac, -1074] : [frac | (1n << 52n), expBits - 1075];
}

/** Exact m * 2^e * 10^k as a fraction num/den. */
function scaled(m: bigint, e: number, k: number): [bigint, bigint] {
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  return [num, den];
}

/** num/den rounded to an integer, ties to even: what Python's float formatting does on the exact binary value. */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num - q * den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/**
 * Formats a double exactly as Python's `'{:.<precision>f}'.format(x)` or
 * `'{:.<precision>e}'.format(x)`.
 *
 * JS's `toFixed` rounds ties away from zero and `toExponential` is not
 * required to be exact, while Python rounds the exact binary value half to
 * even, so the digits are computed with BigInt arithmetic on mantissa * 2^exp.
 *
 * @example
 * formatFloatPython(0.03125, 'fixed', 4); // '0.0312' (toFixed gives '0.0313')
 * formatFloatPython(-2.5e-5, 'sci', 4);   // '-2.5000e-05'
 * formatFloatPython(NaN, 'fixed', 4);     // 'nan'
 */
export function formatFloatPython(x: number, mode: 'fixed' | 'sci', precision: number): string {
  if (Number.isNaN(x)) return 'nan';
  // Python keeps the sign of -0.0 and of negatives that round to zero.
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (!Number.isFinite(x)) return sign + 'inf';
  const abs = Math.abs(x);

  if (mode === 'fixed') {
    let digits = '0';
    if (abs !== 0) {
      const [m, e] = decompose(abs);
      digits = roundHalfEven(...scaled(m, e, precision)).toString();
    }
    if (precision === 0) return sign + digits;
    digits = digits.padStart(precision + 1, '0');
    const cut = digits.length - precision;
    return `${sign}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  let digits: string;
  let exp = 0;
  if (abs === 0) {
    digits = '0'.repeat(precision + 1);
  } else {
    const [m, e] = decompose(abs);
    const lo = pow10(precision);
    const hi = pow10(precision + 1);
    // log10 is only an estimate near powers of ten; fix it up with the exact
    // truncated quotient, which must have precision+1 digits.
    exp = Math.floor(Math.log10(abs));
    for (;;) {
      const [num, den] = scaled(m, e, precision - exp);
      const q = num / den;
      if (q >= hi) exp++;
      else if (q < lo) exp--;
      else break;
    }
    let n = roundHalfEven(...scaled(m, e, precision - exp));
    if (n === hi) {
      // Rounding carried into a new digit (9.99995 -> 10.0000).
      n = lo;
      exp++;
    }
    digits = n.toString();
  }
  const mantissa = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expStr = String(Math.abs(exp)).padStart(2, '0');
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${expStr}`;
}

/** Python's `str()` of an int / bool element. */
function formatInteger(v: number | bigint, kind: FormatKind): string {
  if (kind === 'bool') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  // String() switches to exponent notation at 1e21; BigInt does not.
  return Number.isSafeInteger(v) || !Number.isInteger(v) ? String(v) : BigInt(v).toString();
}

interface Formatter {
  width: number;
  format: (v: number | bigint) => string;
}

/**
 * Port of `_Formatter`: one width and one notation for the whole tensor,
 * decided only from the values that will be shown.
 */
function makeFormatter(kind: FormatKind, values: readonly (number | bigint)[]): Formatter {
  const { precision } = PRINT_OPTS;
  let width = 1;
  const pad = (s: string): string => s.padStart(width, ' ');

  if (kind !== 'float') {
    for (const v of values) width = Math.max(width, formatInteger(v, kind).length);
    return { width, format: (v) => pad(formatInteger(v, kind)) };
  }

  const nums = values.map(Number);
  // Zeros and non-finite values never influence the notation or the width.
  const finite = nums.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  if (finite.length > 0) {
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    intMode = finite.every((v) => v === Math.ceil(v));
    const wide = max / min > 1000 || max > 1e8;
    let render: (v: number) => string;
    let extra = 0;
    if (intMode ? wide : wide || min < 1e-4) {
      sciMode = true;
      render = (v) => formatFloatPython(v, 'sci', precision);
    } else if (intMode) {
      // Integral floats get a trailing '.', which the width must include.
      render = (v) => formatFloatPython(v, 'fixed', 0);
      extra = 1;
    } else {
      render = (v) => formatFloatPython(v, 'fixed', precision);
    }
    for (const v of finite) width = Math.max(width, render(v).length + extra);
    // The width stays the one the automatic notation chose, as in PyTorch's _Formatter. A
    // tensor with no finite non-zero value ignores the option there too.
    if (PRINT_OPTS.sciMode !== null) sciMode = PRINT_OPTS.sciMode;
  }

  const format = (value: number | bigint): string => {
    const v = Number(value);
    if (sciMode) return pad(formatFloatPython(v, 'sci', precision));
    if (intMode) {
      const s = formatFloatPython(v, 'fixed', 0);
      // nan/inf get no '.', so they may be wider than `width` and are not padded.
      return pad(Number.isFinite(v) ? s + '.' : s);
    }
    return pad(formatFloatPython(v, 'fixed', precision));
  };
  return { width, format };
}

/** Python's `str(tuple(shape))`. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Port of `_add_suffixes`, including its quirky last-line length (+2 when no newline, +1 past it). */
function addSuffixes(tensorStr: string, suffixes: readonly string[], indent: number): string {
  const { linewidth } = PRINT_OPTS;
  const parts = [tensorStr];
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > linewidth) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/**
 * Renders a tensor exactly as PyTorch's `repr(t)` / `print(t)` does with the
 * current print options (by default precision 4, threshold 1000, edgeitems 3,
 * linewidth 80, sci_mode None).
 *
 * Tensors with more than `threshold` elements are summarised: each dimension longer
 * than 2·edgeitems shows its first and last `edgeitems` entries around `...`, and only
 * those elements are read through `get` and considered when choosing the notation.
 *
 * @param input shape, element getter, value kind and pre-rendered suffixes
 * @param prefix text before the data, `'tensor('` unless given; continuation
 *   lines are indented by its length
 * @example
 * const data = [1, 2.5, -3];
 * formatTensor({ shape: [3], get: (i) => data[i]!, kind: 'float', suffixes: [] });
 * // 'tensor([ 1.0000,  2.5000, -3.0000])'
 * formatTensor({ shape: [0, 3], get: () => 0, kind: 'int', suffixes: ['dtype=torch.int64'] });
 * // 'tensor([], size=(0, 3), dtype=torch.int64)'
 */
export function formatTensor(input: FormatInput, prefix = 'tensor('): string {
  const { shape, kind, get } = input;
  const indent = prefix.length;
  const suffixes = [...input.suffixes];
  const numel = shape.reduce((a, b) => a * b, 1);

  if (numel === 0) {
    // Matches NumPy: the shape is spelled out unless it is simply (0,).
    if (shape.length !== 1) suffixes.unshift(`size=${pyTuple(shape)}`);
    return addSuffixes(prefix + '[]', suffixes, indent);
  }

  const { threshold, edgeitems, linewidth } = PRINT_OPTS;
  const summarize = numel > threshold;
  const ndim = shape.length;
  const strides: number[] = new Array<number>(ndim);
  for (let d = ndim - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const elided = (n: number): boolean => summarize && n > 2 * edgeitems;
  // The entries kept from the two ends of an elided dimension. With edgeitems 0, PyTorch's
  // self[-0:] keeps a whole last dimension after the '...', while range(n - 0, n) keeps
  // nothing of the others.
  const tail = (n: number, last: boolean): number => (edgeitems === 0 && last ? n : edgeitems);
  const kept = (n: number, last: boolean): number[] => {
    if (!elided(n)) return Array.from({ length: n }, (_, i) => i);
    const t = tail(n, last);
    return [...Array(edgeitems).keys()].concat(Array.from({ length: t }, (_, i) => n - t + i));
  };

  // Both passes below walk the shown elements in the same row-major order, so
  // the values are read once here and consumed by a cursor while rendering.
  const values: (number | bigint)[] = [];
  const imagValues: number[] = [];
  const { imag } = input;
  const collect = (d: number, offset: number): void => {
    if (d === ndim) {
      values.push(get(offset));
      if (imag !== undefined) imagValues.push(imag(offset));
      return;
    }
    for (const i of kept(shape[d]!, d === ndim - 1)) collect(d + 1, offset + i * strides[d]!);
  };
  collect(0, 0);

  const fmt = makeFormatter(kind, values);
  const imagFmt = imag === undefined ? null : makeFormatter('float', imagValues);
  let cursor = 0;
  const next = (): string => {
    const at = cursor++;
    const real = fmt.format(values[at]!);
    if (imagFmt === null) return real;
    // As PyTorch's _val_formatter: the imaginary part is padded, then stripped, and takes a
    // '+' only where it has no sign of its own.
    const im = (imagFmt.format(imagValues[at]!) + 'j').trimStart();
    return im[0] === '+' || im[0] === '-' ? real + im : real + '+' + im;
  };

  const vectorStr = (n: number, ind: number): string => {
    // Each element costs its width plus ', ' (and a complex one its imaginary part and 'j').
    const elementWidth = fmt.width + 2 + (imagFmt === null ? 0 : imagFmt.width + 1);
    const perLine = Math.max(1, Math.floor((linewidth - ind) / elementWidth));
    const data: string[] = [];
    if (elided(n)) {
      for (let i = 0; i < edgeitems; i++) data.push(next());
      // The ellipsis takes a slot in the line-wrapping like an element.
      data.push(' ...');
      for (let i = 0, t = tail(n, true); i < t; i++) data.push(next());
    } else {
      for (let i = 0; i < n; i++) data.push(next());
    }
    const lines: string[] = [];
    for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
    return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
  };

  const tensorStr = (d: number, ind: number): string => {
    if (d === ndim) return next();
    const n = shape[d]!;
    if (d === ndim - 1) return vectorStr(n, ind);
    const slices: string[] = [];
    if (elided(n)) {
      for (let i = 0; i < edgeitems; i++) slices.push(tensorStr(d + 1, ind + 1));
      slices.push('...');
      for (let i = 0; i < edgeitems; i++) slices.push(tensorStr(d + 1, ind + 1));
    } else {
      for (let i = 0; i < n; i++) slices.push(tensorStr(d + 1, ind + 1));
    }
    // Blank lines between slices grow with the remaining rank: none between
    // rows of a matrix, one between matrices, two between 3-D blocks...
    const sep = ',' + '\n'.repeat(ndim - d - 1) + ' '.repeat(ind + 1);
    return '[' + slices.join(sep) + ']';
  };

  return addSuffixes(prefix + tensorStr(0, indent), suffixes, indent);
}
