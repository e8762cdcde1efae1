/**
 * `F.embeddingBag`: sums, means or maxima of bags of embedding rows, with PyTorch 1.13's
 * arguments, checks and messages, composed from the embedding lookup (which brings
 * `maxNorm` and `scaleGradByFreq`), index_add and max, so that autograd gives PyTorch's
 * gradients for the weight and the per-sample weights; the output is named
 * EmbeddingBagBackward0. The bag layout (offsets, and the indices for the padding and
 * range checks) is read to the host: it decides which rows go where.
 */
import { renameGradFn } from '../../autograd/function.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { freeIntermediates } from '../../memory/storage.js';
import { arange, full, tensor, zeros } from '../../tensor/creation.js';
import { float16, float32, float64, int32, int64, legacyTypeName, promoteTypes } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkTensor, keysOf } from '../../tensor/args.js';
import { div, mul, where } from '../../ops/elementwise.js';
import { indexAdd } from '../../ops/index-ops.js';
import { indexSelect } from '../../ops/indexing.js';
import { max } from '../../ops/reduce.js';
import { cat, reshape, toDtype, unsqueeze } from '../../ops/shape.js';
import { embeddingLookup } from './embedding.js';
import { bindArgs } from './pooling-args.js';

/**
 * The keywords of `F.embeddingBag` (and the options of `nn.EmbeddingBag`).
 * @example F.embeddingBag(ids, weight, offsets, { mode: 'sum', perSampleWeights: w })
 */
export interface EmbeddingBagOptions {
  offsets?: Tensor | null;
  /** Bag members whose `normType`-norm exceeds this are rescaled to it, in place, first. */
  maxNorm?: number | null;
  normType?: number;
  /** Scales each row's gradient by the inverse of its index's count in the mini-batch. */
  scaleGradByFreq?: boolean;
  /** How a bag's rows combine (default `'mean'`). */
  mode?: EmbeddingBagMode;
  /** Sparse gradients: not supported by flint (only `false` is accepted). */
  sparse?: boolean;
  /** One weight per index that scales its row (mode `'sum'` only). */
  perSampleWeights?: Tensor | null;
  /** `offsets` has one entry more than there are bags: the end of the last bag. */
  includeLastOffset?: boolean;
  /** Indices equal to this are left out of their bag (and of its count for `'mean'`). */
  paddingIdx?: number | null;
}
/** How `F.embeddingBag` reduces a bag. @example const mode: EmbeddingBagMode = 'max' */
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';
/** @internal The positional order of F.embedding_bag's arguments after `weight`. @example bindArgs('embeddingBag', args, EMBEDDING_BAG_KEYS) */
export const EMBEDDING_BAG_KEYS = keysOf<EmbeddingBagOptions>()(
  'offsets', 'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'perSampleWeights', 'includeLastOffset', 'paddingIdx',
);

const torchSize = (shape: readonly number[]): string => `torch.Size([${shape.join(', ')}])`;
const WHILE = '(while checking arguments for embedding_bag)';

function hostInts(t: Tensor): number[] {
  return Array.from(t.contiguous().dataSync() as ArrayLike<number | bigint>, Number);
}

interface Bags {
  /** The positions in `input` that some bag takes (padding and entries after the last bag left out), in order. */
  positions: number[];
  /** The bag of each of those positions. */
  bagOf: number[];
  /** How many positions each bag takes. */
  counts: number[];
}

function layBags(ids: number[], starts: number[], bagCount: number, pad: number | null): Bags {
  const positions: number[] = [];
  const bagOf: number[] = [];
  const counts = new Array<number>(bagCount).fill(0);
  for (let b = 0; b < bagCount; b++) {
    const end = b + 1 < starts.length ? starts[b + 1] : ids.length;
    for (let i = starts[b]; i < end; i++) {
      if (ids[i] === pad) continue;
      positions.push(i);
      bagOf.push(b);
      counts[b]++;
    }
  }
  return { positions, bagOf, counts };
}

/**
 * PyTorch's per-bag maxima: the first maximum of each column wins, an empty bag is zeros.
 * Slots past a bag's end read an appended row of -inf.
 */
function bagMax(rows: Tensor, bags: Bags, bagCount: number): Tensor {
  const width = Math.max(1, ...bags.counts);
  const slots = new BigInt64Array(bagCount * width).fill(BigInt(bags.positions.length));
  const next = new Array<number>(bagCount).fill(0);
  bags.bagOf.forEach((b, k) => (slots[b * width + next[b]++] = BigInt(k)));
  const filler = full([1, rows.shape[1]], -Infinity, { dtype: rows.dtype, device: rows.device });
  const picked = indexSelect(cat([rows, filler], 0), 0, tensor(slots, { dtype: int64, device: rows.device }));
  const [values] = max(reshape(picked, [bagCount, width, rows.shape[1]]), 1);
  const filled = tensor(bags.counts.map((c) => c > 0), { device: rows.device });
  return where(unsqueeze(filled, 1), values, 0);
}

type Arg = Tensor | number | string | boolean | null | undefined | EmbeddingBagOptions;

/**
 * The sum, mean or max of each bag of rows of `weight`. `input` is either 2-D (B, N): B
 * bags of N indices, or 1-D with `offsets` giving where each bag starts (with
 * `includeLastOffset`, one more offset ends the last bag). Optional `perSampleWeights`
 * (mode `'sum'`) scale each row; indices equal to `paddingIdx` are skipped; `maxNorm`
 * renormalises the referenced rows in place first; `scaleGradByFreq` divides a row's
 * gradient by its index's count. Empty bags give zeros.
 * @example
 * F.embeddingBag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), weight, torch.tensor([0, 4]));
 * F.embeddingBag(torch.tensor([[1, 2], [4, 5]]), weight, { mode: 'max' });
 * F.embeddingBag(ids, weight, offsets, { mode: 'sum', perSampleWeights: w, paddingIdx: 0 });
 */
export function embeddingBag(input: Tensor, weight: Tensor, ...args: Arg[]): Tensor {
  checkTensor(input, 'embeddingBag', 'input');
  checkTensor(weight, 'embeddingBag', 'weight');
  const a = bindArgs('embeddingBag', args, EMBEDDING_BAG_KEYS) as EmbeddingBagOptions;
  let offsets = a.offsets ?? null;
  let psw = a.perSampleWeights ?? null;
  const maxNorm = a.maxNorm ?? null;
  const normType = a.normType ?? 2;
  const scaleGradByFreq = a.scaleGradByFreq ?? false;
  const mode = a.mode ?? 'mean';
  const sparse = a.sparse ?? false;
  const includeLastOffset = a.includeLastOffset ?? false;
  let pad = a.paddingIdx ?? null;
  if (offsets !== null) checkTensor(offsets, 'embeddingBag', 'offsets');
  if (psw !== null) checkTensor(psw, 'embeddingBag', 'perSampleWeights');
  if (maxNorm !== null) checkNumber(maxNorm, 'embeddingBag', 'maxNorm');
  checkNumber(normType, 'embeddingBag', 'normType');
  checkBoolean(scaleGradByFreq, 'embeddingBag', 'scaleGradByFreq');
  checkBoolean(sparse, 'embeddingBag', 'sparse');
  checkBoolean(includeLastOffset, 'embeddingBag', 'includeLastOffset');
  if (pad !== null) checkInteger(pad, 'embeddingBag', 'paddingIdx');
  if (weight.dtype === int64 && input.dtype.isFloatingPoint) {
    // PyTorch's old argument order, embedding_bag(weight, input), still accepted with a warning.
    process.emitWarning(
      'Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.',
      'UserWarning',
    );
    [input, weight] = [weight, input];
  }
  if (psw !== null && input.shape.join() !== psw.shape.join()) {
    throw new Error(
      `embedding_bag: If per_sample_weights (${torchSize(psw.shape)}) is not None, then it must have the same shape as the input (${torchSize(input.shape)})`,
    );
  }
  if (input.dim() === 2) {
    if (offsets !== null) {
      throw new Error(
        "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>",
      );
    }
    offsets = arange(0, input.numel(), Math.max(input.shape[1], 1), { dtype: input.dtype, device: input.device });
    input = reshape(input, [-1]);
    if (psw !== null) psw = reshape(psw, [-1]);
  } else if (input.dim() === 1) {
    if (offsets === null) throw new Error('offsets has to be a 1D Tensor but got None');
    if (offsets.dim() !== 1) throw new Error('offsets has to be a 1D Tensor');
  } else {
    throw new Error(`input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.dim()}`);
  }
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') throw new Error('mode has to be one of sum, mean or max');
  if (mode === 'max' && scaleGradByFreq) throw new Error('max mode does not support scaling the gradient by the frequency');
  if (mode === 'max' && sparse) throw new Error('max mode does not support sparse weights');
  if (psw !== null && mode !== 'sum') {
    throw new Error(
      `embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='${mode}'). Please open a feature request on GitHub.`,
    );
  }
  if (sparse) {
    throw new Error('embeddingBag(): sparse gradients are not supported by flint; use sparse: false (the default), which gives the same values as a dense gradient');
  }
  if (weight.dim() < 2) throw new Error(`Dimension out of range (expected to be in range of [${-weight.dim()}, ${weight.dim() - 1}], but got 1)`);
  if (weight.dim() !== 2) throw new Error(`embeddingBag(): 'weight' must be 2-D, but got ${weight.dim()}-D`);
  const [rows, cols] = weight.shape;
  if (pad !== null) {
    if (pad < -rows || pad >= rows) {
      throw new Error(`padding_idx must be within the number of embeddings, -${rows} through ${rows - 1}, but got ${pad}`);
    }
    if (pad < 0) pad += rows;
  }
  const common = promoteTypes(offsets.dtype, input.dtype);
  if (common !== int64 && common !== int32) {
    throw new Error(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${legacyTypeName(common)} instead ${WHILE}`);
  }
  if (weight.dtype !== float16 && weight.dtype !== float32 && weight.dtype !== float64) {
    throw new Error(`Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, Float, Double; but got ${legacyTypeName(weight.dtype)} instead ${WHILE}`);
  }
  const starts = hostInts(offsets);
  const ids = hostInts(input);
  if (starts.length > 0 && starts[0] !== 0) {
    // PyTorch prints offsets[0], a 0-d tensor, with its type line.
    throw new Error(
      `offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got ${starts[0]}\n[ ${legacyTypeName(common)}{} ]`,
    );
  }
  if (starts.length > 0 && starts[starts.length - 1] > ids.length) {
    throw new Error(`offsets[-1] can not be greater than input's length ${ids.length} but got offsets[-1] of ${starts[starts.length - 1]}`);
  }
  if (psw !== null && psw.dtype !== weight.dtype) {
    throw new Error(
      `Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 'per_sample_weights'; but type ${legacyTypeName(weight.dtype)} does not equal ${legacyTypeName(psw.dtype)} ${WHILE}`,
    );
  }
  if (includeLastOffset && starts.length < 1) throw new Error('include_last_offset: number of offset should be at least 1');
  const bagCount = includeLastOffset ? starts.length - 1 : starts.length;
  const bags = layBags(ids, starts, bagCount, pad);
  for (const k of bags.positions) {
    if (ids[k] < 0 || ids[k] >= rows) throw new Error(`embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be ${ids[k]}`);
  }
  const weights = psw;
  const table = weight;
  const flatIds = input.dtype === int64 || input.dtype === int32 ? input : null;
  return freeIntermediates(() => {
    const device = table.device;
    const picked = tensor(BigInt64Array.from(bags.positions, (k) => BigInt(ids[k])), { dtype: int64, device });
    // PyTorch renormalises every row the input names, padding and entries outside the bags included.
    if (maxNorm !== null) {
      const all = flatIds ?? tensor(BigInt64Array.from(ids, BigInt), { dtype: int64, device });
      noGrad(() => embeddingLookup(all, table, { paddingIdx: null, maxNorm, normType, scaleGradByFreq: false }));
    }
    // Half-precision bags accumulate in float32 and round once, as PyTorch's CPU kernel.
    const reduced = table.dtype !== float32 && table.dtype !== float64;
    // The lookup scales the gradient by frequency as F.embedding does.
    const config = { paddingIdx: null, maxNorm: null, normType, scaleGradByFreq };
    let looked = embeddingLookup(picked, reduced ? toDtype(table, float32) : table, config);
    let out: Tensor;
    if (mode === 'max') {
      out = bagMax(looked, bags, bagCount);
    } else {
      if (weights !== null) {
        const at = tensor(BigInt64Array.from(bags.positions, BigInt), { dtype: int64, device });
        const scale = indexSelect(weights, 0, at);
        looked = mul(looked, unsqueeze(reduced ? toDtype(scale, float32) : scale, 1));
      }
      const bagIndex = tensor(BigInt64Array.from(bags.bagOf, BigInt), { dtype: int64, device });
      out = indexAdd(zeros([bagCount, cols], { dtype: looked.dtype, device }), 0, bagIndex, looked);
      // The mean divides the sum as rounded to the weight's dtype.
      if (reduced) out = toDtype(toDtype(out, table.dtype), float32);
      if (mode === 'mean') {
        const sizes = tensor(bags.counts.map((c) => Math.max(c, 1)), { dtype: looked.dtype, device });
        out = div(out, unsqueeze(sizes, 1));
      }
    }
    if (reduced) out = toDtype(out, table.dtype);
    return renameGradFn(out, 'EmbeddingBagBackward0');
  });
}
