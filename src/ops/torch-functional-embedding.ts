/**
 * The torch-level embeddings of PyTorch 1.13: `torch.embedding(weight, indices, ...)` (the
 * table first, as ATen has it), `torch.embeddingRenorm_` and `torch.embeddingBag`, which
 * returns ATen's four results: the bags, and the offset2bag, bag_size and max_indices
 * tensors its backward uses, laid out as PyTorch 1.13's CPU kernel lays them out.
 */
import { checkInplace } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { float16, float32, int32, int64, legacyTypeName } from '../tensor/dtype.js';
import { checkBoolean, checkInteger, checkNumber, checkOptionalTensor, checkTensor } from '../tensor/args.js';
import { tensor, zeros } from '../tensor/creation.js';
import { embeddingConfig, embeddingLookup } from '../nn/functional/embedding.js';
import { embeddingBag as fEmbeddingBag, type EmbeddingBagMode } from '../nn/functional/embedding-bag.js';
import { indexSelect } from './indexing.js';
import { reshape } from './shape.js';

/**
 * `torch.embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False)`:
 * rows of `weight` by `indices` (int64 or int32, any shape). A `paddingIdx` inside the table
 * gets no gradient; any other value (-1, the default, or one out of range) means none, as in
 * ATen, which takes no negative index from the end here (F.embedding does that first).
 * @example torch.embedding(table, torch.tensor([[0, 2], [1, 1]]))
 */
export function embedding(weight: Tensor, indices: Tensor, paddingIdx = -1, scaleGradByFreq = false, sparse = false): Tensor {
  checkTensor(weight, 'embedding', 'weight');
  checkTensor(indices, 'embedding', 'indices');
  checkInteger(paddingIdx, 'embedding', 'padding_idx');
  checkBoolean(scaleGradByFreq, 'embedding', 'scale_grad_by_freq');
  checkBoolean(sparse, 'embedding', 'sparse');
  if (weight.dim() !== 2) throw new Error("'weight' must be 2-D");
  const rows = weight.shape[0];
  if (sparse) embeddingConfig({ sparse }, rows, 'embedding');
  const pad = paddingIdx >= 0 && paddingIdx < rows ? paddingIdx : null;
  return embeddingLookup(indices, weight, { paddingIdx: pad, maxNorm: null, normType: 2, scaleGradByFreq });
}

function checkIndexType(indices: Tensor, position: number, fn: string): void {
  if (indices.dtype !== int64 && indices.dtype !== int32) {
    throw new Error(
      `Expected tensor for argument #${position} 'indices' to have one of the following scalar types: Long, Int; but got ${legacyTypeName(indices.dtype)} instead (while checking arguments for ${fn})`,
    );
  }
}

/**
 * `torch.embedding_renorm_(weight, indices, max_norm, norm_type)`: each row of `weight` that
 * `indices` names and whose `normType`-norm exceeds `maxNorm` is scaled, in place, to
 * `maxNorm / (norm + 1e-7)` times itself (what `F.embedding` does first with `maxNorm`).
 * Outside autograd, as PyTorch's; returns `weight`.
 * @example torch.embeddingRenorm_(table, ids, 1.0, 2.0)
 */
export function embeddingRenorm_(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): Tensor {
  checkTensor(weight, 'embedding_renorm_', 'self');
  checkTensor(indices, 'embedding_renorm_', 'indices');
  checkNumber(maxNorm, 'embedding_renorm_', 'max_norm');
  checkNumber(normType, 'embedding_renorm_', 'norm_type');
  if (weight.dim() !== 2) {
    throw new Error(`Expected 2-dimensional tensor, but got ${weight.dim()}-dimensional tensor for argument #1 'self' (while checking arguments for embedding_renorm_)`);
  }
  checkIndexType(indices, 2, 'embedding_renorm_');
  checkInplace(weight);
  noGrad(() => {
    const flat = reshape(indices.dtype === int64 ? indices : indices.to(int64), [-1]);
    if (flat.shape[0] > 0) embeddingLookup(flat, weight, { paddingIdx: null, maxNorm, normType, scaleGradByFreq: false }).dispose();
  });
  return weight;
}

const MODES: readonly EmbeddingBagMode[] = ['sum', 'mean', 'max'];

function hostInts(t: Tensor): number[] {
  return Array.from(t.contiguous().dataSync() as ArrayLike<number | bigint>, Number);
}

/**
 * `torch.embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0,
 * sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None)`:
 * `[output, offset2bag, bagSize, maxIndices]`. `output` is `F.embeddingBag`'s (mode 0 sum,
 * 1 mean, 2 max; 1-D indices with offsets); the others are as PyTorch 1.13's CPU kernel
 * returns them: offset2bag, the bag of each index (empty for a float32 or float16 sum without
 * padding, which PyTorch computes without it); bagSize, each bag's count of non-padding indices (zeros for a
 * sum); maxIndices, the row that gave each column's maximum (mode 2), bagSize again (mode 1),
 * or zeros (mode 0).
 * @example const [out] = torch.embeddingBag(table, torch.tensor([1, 2, 4, 5]), torch.tensor([0, 2]), false, 1)
 */
export function embeddingBag(
  weight: Tensor, indices: Tensor, offsets: Tensor, scaleGradByFreq = false, mode = 0, sparse = false,
  perSampleWeights: Tensor | null = null, includeLastOffset = false, paddingIdx: number | null = null,
): [Tensor, Tensor, Tensor, Tensor] {
  checkTensor(weight, 'embedding_bag', 'weight');
  checkTensor(indices, 'embedding_bag', 'indices');
  checkTensor(offsets, 'embedding_bag', 'offsets');
  checkInteger(mode, 'embedding_bag', 'mode');
  checkOptionalTensor(perSampleWeights, 'embedding_bag', 'per_sample_weights');
  if (paddingIdx !== null) checkInteger(paddingIdx, 'embedding_bag', 'padding_idx');
  if (!(mode >= 0 && mode < 3)) throw new Error('mode has to be one of sum, mean or max');
  if (perSampleWeights !== null && mode !== 0) throw new Error("embedding_bag: per_sample_weights only supported with mode='sum'");
  if (indices.dim() !== 1) throw new Error(`input has to be a 1D Tensor, but got Tensor of dimension ${indices.dim()}`);
  const output = fEmbeddingBag(indices, weight, offsets, {
    scaleGradByFreq, mode: MODES[mode], sparse, perSampleWeights: perSampleWeights ?? null, includeLastOffset, paddingIdx,
  });
  const device = weight.device;
  const ids = hostInts(indices);
  const rows = weight.shape[0];
  const pad = paddingIdx === null ? null : paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
  const starts = hostInts(offsets);
  const bagCount = includeLastOffset ? starts.length - 1 : starts.length;
  const longs = (values: number[], shape = [values.length]) => tensor(BigInt64Array.from(values, BigInt), { dtype: int64, device }).reshape(shape);
  // ATen's make_offset2bag: ones added at the offsets over n + 1 slots, the first less one, cumsum.
  const offset2bagOf = (): number[] => {
    const slots = new Array<number>(ids.length + 1).fill(0);
    for (const s of includeLastOffset ? starts.slice(0, -1) : starts) slots[s]++;
    slots[0]--;
    for (let i = 1; i < slots.length; i++) slots[i] += slots[i - 1];
    return slots.slice(0, ids.length);
  };
  const ends = (b: number) => (b + 1 < starts.length ? starts[b + 1] : ids.length);
  const members = Array.from({ length: Math.max(bagCount, 0) }, (_, b) => {
    const kept: number[] = [];
    for (let i = starts[b]; i < ends(b); i++) if (ids[i] !== pad) kept.push(i);
    return kept;
  });
  if (mode === 0) {
    // ATen's fast path (float32 or float16 rows, unit column stride, no padding) skips offset2bag.
    const fast = pad === null && (weight.dtype === float32 || weight.dtype === float16) && weight.stride(1) === 1 &&
      (perSampleWeights === null || perSampleWeights.stride(0) === 1);
    const offset2bag = fast ? longs([]) : longs(offset2bagOf());
    return [output, offset2bag, zeros([bagCount], { dtype: int64, device }), zeros([bagCount], { dtype: int64, device })];
  }
  const bagSize = members.map((m) => m.length);
  if (mode === 1) return [output, longs(offset2bagOf()), longs(bagSize), longs(bagSize)];
  const cols = weight.shape[1];
  const positions = members.flat();
  const values = positions.length === 0 ? [] : Array.from(
    noGrad(() => indexSelect(weight, 0, longs(positions.map((k) => ids[k]))).contiguous().dataSync()) as ArrayLike<number>,
  );
  const maxIndices = new Array<number>(bagCount * cols).fill(0);
  let row = 0;
  members.forEach((m, b) => {
    const best = new Array<number>(cols).fill(-Infinity);
    for (const k of m) {
      for (let c = 0; c < cols; c++) {
        const v = values[row * cols + c];
        // The first maximum wins, as ATen's `is_first_for_bag || weight > current`.
        if (k === m[0] || v > best[c]) {
          best[c] = v;
          maxIndices[b * cols + c] = ids[k];
        }
      }
      row++;
    }
  });
  return [output, longs(offset2bagOf()), longs(bagSize), longs(maxIndices, [bagCount, cols])];
}
