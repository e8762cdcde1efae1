/**
 * Differences: `torch.diff` (n-th forward differences along a dim, xor for bool, with
 * optional values prepended and appended) and `torch.dist` (the p-norm of a difference).
 */
import { Tensor } from '../tensor/tensor.js';
import { checkInteger, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { renameGradFn } from '../autograd/function.js';
import { ne, sub } from './elementwise.js';
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
