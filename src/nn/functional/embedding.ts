/**
 * `nn.functional.embedding` with PyTorch's options: `paddingIdx`, `maxNorm` /
 * `normType` (rows renormalised in place before the lookup) and `scaleGradByFreq`.
 * Sparse gradients are not supported. Nothing is read back from the device: duplicate
 * indices are handled by computing every occurrence from the same values.
 */
import { type Backward, record } from '../../autograd/function.js';
import { gradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { Tensor } from '../../tensor/tensor.js';
import { float64, int64 } from '../../tensor/dtype.js';
import { ones, zeros } from '../../tensor/creation.js';
import { abs, add, div, gt, mul, ne, reciprocal, where } from '../../ops/elementwise.js';
import { scalarLike } from '../../ops/internal-tensors.js';
import { max, min, sum } from '../../ops/reduce.js';
import { norm } from '../../ops/norms.js';
import { indexSelect } from '../../ops/indexing.js';
import { indexPutKernel } from '../../ops/tensor-kernels.js';
import { reshape, toDtype, unsqueeze } from '../../ops/shape.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';

/**
 * The options of `F.embedding` and `nn.Embedding`, as PyTorch's keyword arguments.
 * @example F.embedding(ids, weight, { paddingIdx: 0, maxNorm: 1, scaleGradByFreq: true })
 */
export interface EmbeddingOptions {
  /** The row that gets no gradient (and that nn.Embedding zeroes at init); negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows referenced by the input whose `normType`-norm exceeds this are rescaled to it, in place. */
  maxNorm?: number | null;
  /** The p of the p-norm for `maxNorm` (default 2). */
  normType?: number;
  /** Scales each row's gradient by the inverse of its index's count in the mini-batch. */
  scaleGradByFreq?: boolean;
  /** Sparse gradients: not supported by flint (only `false` is accepted). */
  sparse?: boolean;
}

/**
 * The keys of EmbeddingOptions (checked against the type by the compiler).
 * @example checkOptions(options, 'embedding', EMBEDDING_KEYS)
 */
export const EMBEDDING_KEYS = keysOf<EmbeddingOptions>()('paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse');

/**
 * EmbeddingOptions after their checks, with `paddingIdx` made non-negative. @internal
 * @example embeddingLookup(ids, weight, { paddingIdx: null, maxNorm: 1, normType: 2, scaleGradByFreq: false })
 */
export interface EmbeddingConfig {
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
}

/**
 * Checks embedding options for a table of `rows` rows, naming `fn` in the messages
 * (PyTorch's own wording where it has one). @internal
 * @example embeddingConfig({ paddingIdx: -1 }, 10, 'Embedding').paddingIdx // 9
 */
export function embeddingConfig(options: EmbeddingOptions, rows: number, fn: string): EmbeddingConfig {
  checkOptions(options, fn, EMBEDDING_KEYS);
  let pad = options.paddingIdx ?? null;
  if (pad !== null) {
    checkInteger(pad, fn, 'paddingIdx');
    if (pad >= rows || pad < -rows) throw new Error('Padding_idx must be within num_embeddings');
    if (pad < 0) pad += rows;
  }
  const maxNorm = options.maxNorm ?? null;
  if (maxNorm !== null) checkNumber(maxNorm, fn, 'maxNorm');
  const normType = options.normType ?? 2;
  checkNumber(normType, fn, 'normType');
  const scaleGradByFreq = options.scaleGradByFreq ?? false;
  checkBoolean(scaleGradByFreq, fn, 'scaleGradByFreq');
  const sparse = options.sparse ?? false;
  checkBoolean(sparse, fn, 'sparse');
  if (sparse) {
    throw new Error(`${fn}(): sparse gradients are not supported by flint; use sparse: false (the default), which gives the same values as a dense gradient`);
  }
  return { paddingIdx: pad, maxNorm, normType, scaleGradByFreq };
}

/** The p-norm of each row of a 2-D tensor, for p in [-inf, inf] as torch.norm defines it. */
function rowNorms(rows: Tensor, p: number): Tensor {
  if (p === Infinity) return (max(abs(rows), 1) as [Tensor, Tensor])[0];
  if (p === -Infinity) return (min(abs(rows), 1) as [Tensor, Tensor])[0];
  if (p === 0) return toDtype(sum(ne(rows, 0), 1), rows.dtype);
  return norm(rows, p, 1);
}

/**
 * PyTorch's `embedding_renorm_`: every row of `weight` that `indices` references and
 * whose p-norm exceeds `maxNorm` is multiplied by `maxNorm / (norm + 1e-7)`, in place
 * and outside autograd. The scale is computed in float64 and applied in the weight's
 * dtype, as PyTorch's `row *= scale` does. A repeated index writes the same row twice.
 */
function renorm_(weight: Tensor, indices: Tensor, maxNorm: number, p: number): void {
  noGrad(() => {
    if (weight.shape[1] === 0) return;
    const rows = indexSelect(weight, 0, indices);
    const norms = toDtype(rowNorms(rows, p), float64);
    const scale = where(gt(norms, maxNorm), div(scalarLike(maxNorm, norms), add(norms, 1e-7)), 1);
    const scaled = mul(rows, unsqueeze(toDtype(scale, weight.dtype), 1));
    indexPutKernel(weight, 0, indices, scaled, false);
    weight._version.value++;
  });
}

/**
 * Looks up rows of `weight` (num_embeddings × embedding_dim) by int64 or int32
 * indices of any shape. Options as PyTorch's: the padding row gets no gradient;
 * `maxNorm` first renormalises, in place, the referenced rows whose norm exceeds it;
 * `scaleGradByFreq` divides each row's gradient by its index's count in `input`.
 *
 * @example
 * F.embedding(torch.tensor([[1, 2]]), emb.weight);
 * F.embedding(ids, weight, { paddingIdx: 0, maxNorm: 1 });
 * F.embedding(ids, weight, 0, { scaleGradByFreq: true });
 */
export function embedding(
  input: Tensor,
  weight: Tensor,
  paddingIdx: number | null | EmbeddingOptions = null,
  options?: EmbeddingOptions,
): Tensor {
  checkTensor(input, 'embedding', 'input');
  checkTensor(weight, 'embedding', 'weight');
  if (weight.dim() !== 2) throw new Error("'weight' must be 2-D");
  let merged: EmbeddingOptions = options ?? {};
  if (paddingIdx !== null && typeof paddingIdx === 'object') {
    if (options !== undefined) throw new TypeError('embedding(): the options go in one object, the third argument or the fourth, not both');
    merged = paddingIdx;
  } else if (paddingIdx !== null) {
    if (options !== undefined && options !== null && (options as EmbeddingOptions).paddingIdx !== undefined) {
      throw new TypeError("embedding() got multiple values for argument 'paddingIdx'");
    }
    merged = { ...options, paddingIdx };
  }
  const config = embeddingConfig(merged, weight.shape[0], 'embedding');
  return embeddingLookup(input, weight, config);
}

/**
 * The lookup and its backward, with checked options. @internal
 * @example embeddingLookup(ids, emb.weight, emb)
 */
export function embeddingLookup(input: Tensor, weight: Tensor, config: EmbeddingConfig): Tensor {
  if (input.dtype !== int64 && input.dtype.name !== 'int32') {
    throw new Error(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${input.dtype.name} instead (while checking arguments for embedding)`);
  }
  const rows = weight.shape[0];
  const cols = weight.shape[1];
  // indexSelect refuses indices outside [0, rows) with PyTorch's "index out of range in
  // self" (on a GPU, at the next synchronization), so nothing is read back here.
  const flat = reshape(input.dtype === int64 ? input : toDtype(input, int64), [-1]);
  if (config.maxNorm !== null && flat.shape[0] > 0) renorm_(weight, flat, config.maxNorm, config.normType);
  const looked = noGrad(() => indexSelect(weight, 0, flat));
  const out = reshape(looked, [...input.shape, cols]);
  if (!gradEnabled() || !weight._requiresGrad) return out;
  // The indices are saved on the node (version-checked, as PyTorch's EmbeddingBackward0
  // saves them), never captured: releasing the node lets them go.
  return record(out, 'EmbeddingBackward0', [weight], (node) =>
    embeddingBackward(node.save(input), rows, cols, config.paddingIdx, config.scaleGradByFreq), { onceDifferentiable: true });
}

/** The embedding's backward (module level: it sees only what it is given). */
function embeddingBackward(indices: () => Tensor, rows: number, cols: number, pad: number | null, scaleGradByFreq: boolean): Backward {
  return (g) => {
    const ids = indices();
    const flat = reshape(ids.dtype === int64 ? ids : toDtype(ids, int64), [-1]);
    let rowsGrad = reshape(g, [-1, cols]);
    if (scaleGradByFreq) {
      // Each occurrence's gradient times 1/count(index), the scale in float64 and the
      // product in the gradient's dtype, as PyTorch's grad_weight[k].add_(grad[i], scale).
      const counts = zeros([rows], { dtype: float64, device: g.device });
      indexPutKernel(counts, 0, flat, ones([flat.shape[0]], { dtype: float64, device: g.device }), true);
      const scale = toDtype(reciprocal(indexSelect(counts, 0, flat)), g.dtype);
      rowsGrad = mul(rowsGrad, unsqueeze(scale, 1));
    }
    const grad = zeros([rows, cols], { dtype: g.dtype, device: g.device });
    indexPutKernel(grad, 0, flat, rowsGrad, true);
    if (pad !== null) grad.index(pad).zero_();
    return [grad];
  };
}
