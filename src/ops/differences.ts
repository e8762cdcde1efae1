/**
 * Differences: `torch.diff` (n-th forward differences along a dim, xor for bool, with
 * optional values prepended and appended), `torch.dist` (the p-norm of a difference) and
 * `torch.gradient` (numerical derivatives of sampled values), composed as PyTorch's ATen does.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkInteger, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { renameGradFn } from '../autograd/function.js';
import { add, div, mul, ne, neg, sub } from './elementwise.js';
import { cat, clone, narrow } from './shape.js';
import { vectorNorm } from '../linalg/norms.js';

/** The options form of diff. @example { n: 2, dim: 0, prepend: torch.zeros(1, 3) } */
export interface DiffOptions {
  n?: number;
  dim?: number;
  prepend?: Tensor | null;
  append?: Tensor | null;
}
const DIFF_KEYS = keysOf<DiffOptions>()('n', 'dim', 'prepend', 'append');

/**
 * The n-th forward difference along `dim` (`torch.diff(input, n=1, dim=-1, prepend=None,
 * append=None)`): `x[1:] - x[:-1]`, or xor for bool, applied n times, after concatenating
 * `prepend` and `append` along `dim`. Positional, or as one options object.
 * @example torch.diff(torch.tensor([1, 3, 6, 10])) // tensor([2, 3, 4])
 * @example torch.diff(x, { n: 2, dim: 0 })
 */
export function diff(input: Tensor, n: number | DiffOptions = 1, dim = -1, prepend: Tensor | null = null, append: Tensor | null = null): Tensor {
  checkTensor(input, 'diff', 'input');
  if (typeof n === 'object' && n !== null) {
    checkOptions(n, 'diff', DIFF_KEYS);
    ({ dim = -1, prepend = null, append = null } = n);
    n = n.n ?? 1;
  }
  checkInteger(n, 'diff', 'n');
  checkInteger(dim, 'diff', 'dim');
  checkOptionalTensor(prepend, 'diff', 'prepend');
  checkOptionalTensor(append, 'diff', 'append');
  const ndim = input._shape.length;
  if (ndim < 1) throw new Error('diff expects input to be at least one-dimensional');
  if (n < 0) throw new Error(`order must be non-negative but got ${n}`);
  if (dim < -ndim || dim >= ndim) throw new Error(`Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  const d = dim < 0 ? dim + ndim : dim;
  for (const extra of [prepend, append]) {
    if (extra === null) continue;
    if (extra._shape.length !== ndim) throw new Error('diff expects prepend or append to be the same dimension as input');
    for (let i = 0; i < ndim; i++) {
      if (i !== d && extra._shape[i] !== input._shape[i]) {
        throw new Error(
          `diff expects the shape of tensor to prepend or append to match that of input except along the differencing dimension; input.size(${i}) = ${input._shape[i]}, but got tensor.size(${i}) = ${extra._shape[i]}`,
        );
      }
    }
  }
  // PyTorch returns a copy for n = 0, without prepending or appending.
  if (n === 0) return clone(input);
  let x = prepend === null && append === null ? input : cat([prepend, input, append].filter((t): t is Tensor => t !== null), d);
  let length = x._shape[d]! - 1;
  const steps = Math.min(n, x._shape[d]!);
  const isBool = x._dtype.name === 'bool';
  for (let i = 0; i < steps; i++) {
    const after = narrow(x, d, 1, length);
    const before = narrow(x, d, 0, length);
    x = isBool ? ne(after, before) : sub(after, before);
    length--;
  }
  return x;
}

/**
 * The p-norm of `input - other` (broadcast), `torch.dist(input, other, p=2)`.
 * @example torch.dist(torch.tensor([0.0, 0]), torch.tensor([3.0, 4])) // tensor(5.)
 */
export function dist(input: Tensor, other: Tensor, p = 2): Tensor {
  checkTensor(input, 'dist', 'input');
  checkTensor(other, 'dist', 'other');
  checkNumber(p, 'dist', 'p');
  return renameGradFn(vectorNorm(sub(input, other), p), 'DistBackward0');
}

/** The keyword arguments of gradient. @example { spacing: [0.5, 2], dim: [0, 1], edgeOrder: 2 } */
export interface GradientOptions {
  /** a sample distance (one for every dim, or one per dim), or each dim's coordinates as 1-D tensors */
  spacing?: number | number[] | Tensor[];
  /** the dims to differentiate along (default all) */
  dim?: number | number[] | null;
  /** 1 or 2: the accuracy of the one-sided differences at the ends */
  edgeOrder?: number;
}
const GRADIENT_KEYS = keysOf<GradientOptions>()('spacing', 'dim', 'edgeOrder');

/**
 * The gradient of a sampled function (`torch.gradient`): central differences inside and
 * one-sided ones (first or second order) at the ends, along each of `dim`, with uniform
 * spacing or given coordinates. Returns one tensor per dim.
 * @example torch.gradient(torch.tensor([1, 2, 4, 8.0])) // [tensor([1.0000, 1.5000, 3.0000, 4.0000])]
 * @example torch.gradient(f, { spacing: [xs], edgeOrder: 2 })
 */
export function gradient(input: Tensor, options: GradientOptions = {}): Tensor[] {
  checkTensor(input, 'gradient', 'input');
  checkOptions(options, 'gradient', GRADIENT_KEYS);
  const { spacing = 1, dim = null, edgeOrder = 1 } = options ?? {};
  checkInteger(edgeOrder, 'gradient', 'edgeOrder');
  const ndim = input._shape.length;
  const dims = dim === null ? input._shape.map((_, i) => i) : typeof dim === 'number' ? [dim] : dim;
  const spacings = typeof spacing === 'number' ? null : spacing;
  if (input._dtype.name === 'uint8') throw new Error('torch.gradient does not support uint8 input.');
  if (spacings !== null && dim === null && spacings.length !== 1 && spacings.length !== ndim) {
    throw new Error(`torch.gradient expected spacing to be unspecified, a scalar or a list of length ${ndim} but got a list of length ${spacings.length}`);
  }
  if (spacings !== null && dim !== null && spacings.length !== dims.length) {
    throw new Error(
      `torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have the same length, but got a spacing argument of length ${spacings.length} and a dim argument of length ${dims.length}.`,
    );
  }
  if (edgeOrder !== 1 && edgeOrder !== 2) throw new Error('torch.gradient only supports edge_order=1 and edge_order=2.');
  const wrapped = dims.map((d) => {
    checkInteger(d, 'gradient', 'dim');
    if (d < -ndim || d >= ndim) throw new Error(`Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${d})`);
    return d < 0 ? d + ndim : d;
  });
  if (new Set(wrapped).size !== wrapped.length) throw new Error(`dim ${wrapped.find((d, i) => wrapped.indexOf(d) !== i)} appears multiple times in the list of dims`);
  for (const d of wrapped) {
    if (input._shape[d]! < edgeOrder + 1) throw new Error('torch.gradient expected each dimension size to be at least edge_order+1');
  }
  return wrapped.map((d, i) => {
    const h = spacings === null ? (spacing as number) : spacings.length === 1 && wrapped.length > 1 ? spacings[0]! : spacings[i]!;
    return h instanceof Tensor ? gradientAlongCoordinates(input, h, d, edgeOrder) : gradientUniform(input, h, d, edgeOrder);
  });
}

/** `x[start:end]` along `d`, with Python's negative bounds. */
function slice(x: Tensor, d: number, start: number, end?: number): Tensor {
  const n = x._shape[d]!;
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  return narrow(x, d, s, e - s);
}

function gradientUniform(f: Tensor, h: number, d: number, edgeOrder: number): Tensor {
  checkNumber(h, 'gradient', 'spacing');
  const center = div(sub(slice(f, d, 2), slice(f, d, 0, -2)), h);
  let prepend: Tensor;
  let append: Tensor;
  if (edgeOrder === 1) {
    prepend = div(sub(slice(f, d, 1, 2), slice(f, d, 0, 1)), h);
    append = div(sub(slice(f, d, -1), slice(f, d, -2, -1)), h);
  } else {
    prepend = div(sub(add(mul(slice(f, d, 0, 1), -1.5), mul(slice(f, d, 1, 2), 2)), mul(slice(f, d, 2, 3), 0.5)), h);
    append = div(add(sub(mul(slice(f, d, -3, -2), 0.5), mul(slice(f, d, -2, -1), 2)), mul(slice(f, d, -1), 1.5)), h);
  }
  return cat([prepend, div(center, 2), append], d);
}

function gradientAlongCoordinates(f: Tensor, coordinates: Tensor, d: number, edgeOrder: number): Tensor {
  if (coordinates._shape.length !== 1) {
    throw new Error(`torch.gradient expected each element of spacing to have one dimension, but got an element with ${coordinates._shape.length} dimensions!`);
  }
  const shape = f._shape.map(() => 1);
  shape[d] = -1;
  const dx = diff(coordinates, 1, 0);
  const dx1 = slice(dx, 0, 0, -1);
  const dx2 = slice(dx, 0, 1);
  const a = neg(dx2).div(mul(dx1, add(dx1, dx2))).reshape(shape);
  const b = sub(dx2, dx1).div(mul(dx1, dx2)).reshape(shape);
  const c = div(dx1, mul(dx2, add(dx1, dx2))).reshape(shape);
  const center = add(add(mul(a, slice(f, d, 0, -2)), mul(b, slice(f, d, 1, -1))), mul(c, slice(f, d, 2)));
  const at = (k: number): Tensor => dx.index(k);
  let prepend: Tensor;
  let append: Tensor;
  if (edgeOrder === 1) {
    prepend = div(sub(slice(f, d, 1, 2), slice(f, d, 0, 1)), at(0));
    append = div(sub(slice(f, d, -1), slice(f, d, -2, -1)), at(-1));
  } else {
    const [h0, h1] = [at(0), at(1)];
    const pa = neg(add(mul(h0, 2), h1)).div(mul(h0, add(h0, h1)));
    const pb = add(h0, h1).div(mul(h0, h1));
    const pc = neg(h0).div(mul(h1, add(h0, h1)));
    prepend = add(add(mul(pa, slice(f, d, 0, 1)), mul(pb, slice(f, d, 1, 2))), mul(pc, slice(f, d, 2, 3)));
    const [hl, hm] = [at(-1), at(-2)];
    const qa = div(hl, mul(hm, add(hl, hm)));
    const qb = neg(add(hl, hm)).div(mul(hl, hm));
    const qc = add(mul(hl, 2), hm).div(mul(hl, add(hl, hm)));
    append = add(add(mul(qa, slice(f, d, -3, -2)), mul(qb, slice(f, d, -2, -1))), mul(qc, slice(f, d, -1)));
  }
  return cat([prepend, center, append], d);
}
