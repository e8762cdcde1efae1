/**
 * Distances and normalisation of `nn.functional`: cosineSimilarity, pairwiseDistance, pdist
 * and normalize, composed as PyTorch 1.13's ATen does (so values and gradients agree).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { int64, resultType, scalarTypeName } from '../../tensor/dtype.js';
import { add, clamp, div, mul, sqrt, sub } from '../../ops/elementwise.js';
import { norm } from '../../ops/norms.js';
import { sum } from '../../ops/reduce.js';
import { expand, toDtype } from '../../ops/shape.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';
import { clampMinPassThrough } from './loss-math.js';
import { renameGradFn } from '../../autograd/function.js';
import { freeIntermediates } from '../../memory/storage.js';
import { tensor } from '../../tensor/creation.js';
import { indexSelect } from '../../ops/indexing.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';

/**
 * Options of cosineSimilarity.
 * @example F.cosineSimilarity(a, b, { dim: 0, eps: 1e-6 })
 */
export interface CosineSimilarityOptions {
  dim?: number;
  eps?: number;
}
const COSINE_KEYS = keysOf<CosineSimilarityOptions>()('dim', 'eps');

/**
 * Cosine similarity along `dim` (default 1) after broadcasting: `sum(x1 / max(‖x1‖, eps)
 * * x2 / max(‖x2‖, eps))`, the norms clamped without cutting the gradient, as PyTorch 1.13's.
 * @example F.cosineSimilarity(a, b); F.cosineSimilarity(a, b, 0); F.cosineSimilarity(a, b, { dim: -1 })
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim: number | CosineSimilarityOptions = 1, eps = 1e-8): Tensor {
  if (autocastHook.active) return autocastOp('cosineSimilarity', cosineSimilarity, arguments);
  checkTensor(x1, 'cosineSimilarity', 'x1');
  checkTensor(x2, 'cosineSimilarity', 'x2');
  if (typeof dim === 'object' && dim !== null) {
    checkOptions(dim, 'cosineSimilarity', COSINE_KEYS);
    eps = dim.eps ?? 1e-8;
    dim = dim.dim ?? 1;
  }
  checkInteger(dim, 'cosineSimilarity', 'dim');
  checkNumber(eps, 'cosineSimilarity', 'eps');
  const dtype = resultType([
    { dtype: x1.dtype, dim: x1.dim() },
    { dtype: x2.dtype, dim: x2.dim() },
  ]);
  if (!dtype.isFloatingPoint) throw new Error(`expected common dtype to be floating point, yet common dtype is ${scalarTypeName(dtype)}`);
  const shape = broadcastShapes(x1.shape, x2.shape);
  const a = expand(x1.dtype === dtype ? x1 : toDtype(x1, dtype), shape);
  const b = expand(x2.dtype === dtype ? x2 : toDtype(x2, dtype), shape);
  // PyTorch 1.13 clamps the squared norms at eps^2 in place under no_grad: the value is
  // clamped, the gradient reaches the sum of squares unchanged, and the square root's
  // derivative is taken at the clamped value.
  const normA = sqrt(clampMinPassThrough(sum(mul(a, a), dim, true), eps * eps));
  const normB = sqrt(clampMinPassThrough(sum(mul(b, b), dim, true), eps * eps));
  return sum(mul(div(a, normA), div(b, normB)), dim);
}

/**
 * Options of pairwiseDistance.
 * @example F.pairwiseDistance(a, b, { p: 1, keepdim: true })
 */
export interface PairwiseDistanceOptions {
  p?: number;
  eps?: number;
  keepdim?: boolean;
}
const PAIRWISE_KEYS = keysOf<PairwiseDistanceOptions>()('p', 'eps', 'keepdim');

/**
 * The p-norm of `x1 - x2 + eps` over the last dimension (after broadcasting).
 * @example F.pairwiseDistance(a, b); F.pairwiseDistance(a, b, 1); F.pairwiseDistance(a, b, { p: Infinity })
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, p: number | PairwiseDistanceOptions = 2, eps = 1e-6, keepdim = false): Tensor {
  checkTensor(x1, 'pairwiseDistance', 'x1');
  checkTensor(x2, 'pairwiseDistance', 'x2');
  if (typeof p === 'object' && p !== null) {
    checkOptions(p, 'pairwiseDistance', PAIRWISE_KEYS);
    eps = p.eps ?? 1e-6;
    keepdim = p.keepdim ?? false;
    p = p.p ?? 2;
  }
  checkNumber(p, 'pairwiseDistance', 'p');
  checkNumber(eps, 'pairwiseDistance', 'eps');
  checkBoolean(keepdim, 'pairwiseDistance', 'keepdim');
  const innermost = Math.max(x1.dim(), x2.dim()) - 1;
  return norm(add(sub(x1, x2), eps), p, innermost, keepdim);
}

/**
 * The p-norm distance between each pair of rows `i < j` of an (N, M) input, in the order
 * (0, 1), (0, 2), ..., (1, 2), ...: N (N - 1) / 2 values, as `torch.pdist`. A zero distance
 * has a zero gradient, as PyTorch's.
 * @example F.pdist(points); F.pdist(points, 1); F.pdist(points, { p: Infinity })
 */
export function pdist(input: Tensor, p: number | { p?: number } = 2): Tensor {
  if (autocastHook.active) return autocastOp('pdist', pdist, arguments);
  checkTensor(input, 'pdist', 'input');
  if (typeof p === 'object' && p !== null) {
    checkOptions(p, 'pdist', ['p']);
    p = p.p ?? 2;
  }
  checkNumber(p, 'pdist', 'p');
  if (input.dim() !== 2) throw new Error(`pdist only supports 2D tensors, got: ${input.dim()}D`);
  if (!input.dtype.isFloatingPoint) throw new Error('pdist only supports floating-point dtypes');
  if (!(p >= 0)) throw new Error('pdist only supports non-negative p values');
  const n = input.shape[0];
  const pairs = n > 1 ? (n * (n - 1)) / 2 : 0;
  const first = new BigInt64Array(pairs);
  const second = new BigInt64Array(pairs);
  for (let i = 0, k = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, k++) {
      first[k] = BigInt(i);
      second[k] = BigInt(j);
    }
  }
  return freeIntermediates(() => {
    const rows = (index: BigInt64Array) => indexSelect(input, 0, tensor(index, { dtype: int64, device: input.device }));
    return renameGradFn(norm(sub(rows(first), rows(second)), p, 1), 'PdistBackward0');
  });
}

/**
 * Options of normalize.
 * @example F.normalize(x, { dim: 0 })
 */
export interface NormalizeOptions {
  p?: number;
  dim?: number;
  eps?: number;
}
const NORMALIZE_KEYS = keysOf<NormalizeOptions>()('p', 'dim', 'eps');

/**
 * Divides by the p-norm along `dim` (default: p = 2, dim = 1), the norm clamped at `eps`.
 * @example F.normalize(embeddings); F.normalize(x, 2, -1); F.normalize(x, { p: 1, dim: 0 })
 */
export function normalize(input: Tensor, p: number | NormalizeOptions = 2, dim = 1, eps = 1e-12): Tensor {
  checkTensor(input, 'normalize', 'input');
  if (typeof p === 'object' && p !== null) {
    checkOptions(p, 'normalize', NORMALIZE_KEYS);
    dim = p.dim ?? 1;
    eps = p.eps ?? 1e-12;
    p = p.p ?? 2;
  }
  checkNumber(p, 'normalize', 'p');
  checkInteger(dim, 'normalize', 'dim');
  checkNumber(eps, 'normalize', 'eps');
  const denom = clamp(norm(input, p, dim, true), eps);
  return div(input, denom);
}
