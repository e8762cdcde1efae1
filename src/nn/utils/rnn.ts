/**
 * `torch.nn.utils.rnn`: variable-length batches for the recurrent layers. A
 * PackedSequence holds the time-major rows of a batch sorted by decreasing length: step
 * t's rows are the first batchSizes[t] sequences. Packing and padding are index_select
 * gathers, so gradients flow through both.
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [5, 3, 2], false, false);
 * const [out, h] = lstm(packed);
 * const [padded, lengths] = nn.utils.rnn.padPackedSequence(out as PackedSequence);
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor, full } from '../../tensor/creation.js';
import { int64 } from '../../tensor/dtype.js';
import { cat, reshape, transpose } from '../../ops/shape.js';
import { indexSelect } from '../../ops/indexing.js';
import { checkBoolean, checkOptions, keysOf } from '../../tensor/args.js';

/** A JS array of the values of a 1-D integer tensor or array. */
function toNumbers(values: Tensor | readonly number[], fn: string, what: string): number[] {
  if (values instanceof Tensor) {
    if (values.dim() !== 1) throw new Error(`${fn}: ${what} must be a 1-D tensor, got ${values.dim()}-D`);
    return Array.from(values.cpu().dataSync() as ArrayLike<number | bigint>, (v) => Number(v));
  }
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || !Number.isInteger(v))) {
    throw new TypeError(`${fn}: ${what} must be a 1-D int64 tensor or an array of integers`);
  }
  return values.slice();
}

const indexTensor = (values: readonly number[]) => tensor(values.slice(), { dtype: int64 });

/**
 * A packed batch of variable-length sequences (PyTorch's PackedSequence): `data` [N, *],
 * `batchSizes` (int64, on the CPU), and the permutation that sorted the batch by length
 * (`sortedIndices`) and its inverse (`unsortedIndices`), null when it was already sorted.
 * @example const p = nn.utils.rnn.packSequence([a, b]); p.data.shape
 */
export class PackedSequence {
  readonly unsortedIndices: Tensor | null;

  constructor(
    readonly data: Tensor,
    readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null,
    unsortedIndices: Tensor | null = null,
  ) {
    // As PyTorch's PackedSequence: given only the sorting permutation, its inverse is made here.
    if (unsortedIndices === null && sortedIndices !== null) {
      const perm = toNumbers(sortedIndices, 'PackedSequence', 'sorted_indices');
      if (new Set(perm).size !== perm.length || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= perm.length)) {
        throw new RangeError(`PackedSequence: sorted_indices must be a permutation of 0..${perm.length - 1}`);
      }
      unsortedIndices = indexTensor(invert(perm)).to(sortedIndices.device);
    }
    this.unsortedIndices = unsortedIndices;
  }

  /** The batch sizes as JS numbers. @internal */
  _batchSizes(): number[] {
    return toNumbers(this.batchSizes, 'PackedSequence', 'batch_sizes');
  }

  /**
   * The same sequence with `data` (and the indices, to data's device) moved or converted as
   * `Tensor.to` does; `batchSizes` stays on the CPU, as PyTorch keeps it.
   * @example packed.to('cuda')
   */
  to(...args: Parameters<Tensor['to']>): PackedSequence {
    const data = (this.data.to as (...a: unknown[]) => Tensor)(...args);
    if (data === this.data) return this;
    const move = (t: Tensor | null) => (t === null ? null : t.to(data.device));
    return new PackedSequence(data, this.batchSizes, move(this.sortedIndices), move(this.unsortedIndices));
  }

  /** Whether `data` is on a CUDA device. @example packed.isCuda */
  get isCuda(): boolean {
    return this.data.device.type === 'cuda';
  }

  toString(): string {
    return `PackedSequence(data=${String(this.data)}, batch_sizes=${String(this.batchSizes)}, sorted_indices=${String(this.sortedIndices)}, unsorted_indices=${String(this.unsortedIndices)})`;
  }
}

/** The inverse of a permutation. */
function invert(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** packPaddedSequence's keywords (PyTorch's `batch_first`, `enforce_sorted`). */
export interface PackPaddedOptions {
  batchFirst?: boolean;
  enforceSorted?: boolean;
}
const PACK_PADDED_KEYS = keysOf<PackPaddedOptions>()('batchFirst', 'enforceSorted');

/**
 * Packs a padded batch `input` ([T, B, *], or [B, T, *] with batchFirst) of sequences of
 * `lengths`. With enforceSorted the lengths must be non-increasing; otherwise the batch is
 * sorted here and the permutation kept in the result. The keywords go positionally or as
 * one options object.
 * @example const packed = nn.utils.rnn.packPaddedSequence(padded, [4, 2, 3], { enforceSorted: false })
 */
export function packPaddedSequence(
  input: Tensor, lengths: Tensor | readonly number[], batchFirst: boolean | PackPaddedOptions = false, enforceSorted = true,
): PackedSequence {
  if (!(input instanceof Tensor)) throw new TypeError('pack_padded_sequence(): input must be a Tensor');
  if (typeof batchFirst === 'object' && batchFirst !== null) {
    checkOptions(batchFirst, 'pack_padded_sequence', PACK_PADDED_KEYS);
    enforceSorted = batchFirst.enforceSorted ?? true;
    batchFirst = batchFirst.batchFirst ?? false;
  }
  checkBoolean(batchFirst, 'pack_padded_sequence', 'batch_first');
  checkBoolean(enforceSorted, 'pack_padded_sequence', 'enforce_sorted');
  const lens = toNumbers(lengths, 'pack_padded_sequence', 'lengths');
  const batchDim = batchFirst ? 0 : 1;
  if (input.dim() < 2) throw new Error(`pack_padded_sequence(): input must have at least 2 dims, got ${input.dim()}`);
  const batch = input.shape[batchDim];
  if (lens.length !== batch) {
    throw new Error(`Expected \`len(lengths)\` to be equal to batch_size, but got ${lens.length} (batch_size=${batch})`);
  }
  let sorted: number[] | null = null;
  let x = input;
  if (enforceSorted) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i] > lens[i - 1]) {
        throw new Error(
          '`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass ' +
            '`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement ' +
            'if you do not need ONNX exportability.',
        );
      }
    }
  } else {
    sorted = lens.map((_, i) => i).sort((a, b) => lens[b] - lens[a] || a - b);
    x = indexSelect(input, batchDim, indexTensor(sorted).to(input.device));
  }
  const sortedLens = sorted === null ? lens : sorted.map((i) => lens[i]);
  if (sortedLens.length > 0 && sortedLens[sortedLens.length - 1] <= 0) {
    throw new Error("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  }
  if (batchFirst) x = transpose(x, 0, 1);
  const steps = sortedLens.length ? sortedLens[0] : 0;
  if (steps > x.shape[0]) {
    throw new Error(`pack_padded_sequence(): a length of ${steps} is longer than the input's ${x.shape[0]} steps`);
  }
  const batchSizes: number[] = [];
  const gather: number[] = [];
  for (let t = 0; t < steps; t++) {
    let bs = 0;
    while (bs < batch && sortedLens[bs] > t) bs++;
    batchSizes.push(bs);
    for (let b = 0; b < bs; b++) gather.push(t * batch + b);
  }
  const inner = x.shape.slice(2);
  const flat = reshape(x, [x.shape[0] * batch, ...inner]);
  const data = indexSelect(flat, 0, indexTensor(gather).to(input.device));
  const sortedIndices = sorted === null ? null : indexTensor(sorted).to(input.device);
  const unsortedIndices = sorted === null ? null : indexTensor(invert(sorted)).to(input.device);
  return new PackedSequence(data, indexTensor(batchSizes), sortedIndices, unsortedIndices);
}

/** Options of `padPackedSequence` (PyTorch's keywords). */
export interface PadPackedOptions {
  batchFirst?: boolean;
  paddingValue?: number;
  totalLength?: number | null;
}

/**
 * Unpacks a PackedSequence into a padded [T, B, *] (or [B, T, *]) tensor and the lengths
 * (int64, in the batch's original order). `totalLength` pads to that many steps.
 * @example const [padded, lengths] = nn.utils.rnn.padPackedSequence(packed, true)
 */
export function padPackedSequence(
  sequence: PackedSequence, batchFirst: boolean | PadPackedOptions = false, paddingValue = 0, totalLength: number | null = null,
): [Tensor, Tensor] {
  if (!(sequence instanceof PackedSequence)) throw new TypeError('pad_packed_sequence(): sequence must be a PackedSequence');
  if (typeof batchFirst === 'object' && batchFirst !== null) {
    checkOptions(batchFirst, 'pad_packed_sequence', ['batchFirst', 'paddingValue', 'totalLength']);
    paddingValue = batchFirst.paddingValue ?? 0;
    totalLength = batchFirst.totalLength ?? null;
    batchFirst = batchFirst.batchFirst ?? false;
  }
  const sizes = sequence._batchSizes();
  const maxLen = sizes.length;
  let steps = maxLen;
  if (totalLength !== null) {
    if (totalLength < maxLen) {
      throw new Error(
        'Expected total_length to be at least the length of the longest sequence in input, but got ' +
          `total_length=${totalLength} and max sequence length being ${maxLen}`,
      );
    }
    steps = totalLength;
  }
  const data = sequence.data;
  const n = data.shape[0];
  const batch = maxLen ? sizes[0] : 0;
  const inner = data.shape.slice(1);
  const lengths = new Array<number>(batch).fill(0);
  const gather: number[] = [];
  let off = 0;
  for (let t = 0; t < steps; t++) {
    const bs = t < maxLen ? sizes[t] : 0;
    for (let b = 0; b < batch; b++) {
      gather.push(b < bs ? off + b : n);
      if (b < bs) lengths[b] = t + 1;
    }
    off += bs;
  }
  const pad = full([1, ...inner], paddingValue, { dtype: data.dtype, device: data.device });
  const source = cat([data, pad], 0);
  let padded = reshape(indexSelect(source, 0, indexTensor(gather).to(data.device)), [steps, batch, ...inner]);
  let lens = lengths;
  if (sequence.unsortedIndices !== null) {
    padded = indexSelect(padded, 1, sequence.unsortedIndices);
    const order = toNumbers(sequence.unsortedIndices, 'pad_packed_sequence', 'unsorted_indices');
    lens = order.map((i) => lengths[i]);
  }
  if (batchFirst) padded = transpose(padded, 0, 1);
  return [padded, indexTensor(lens)];
}

/** padSequence's keywords (PyTorch's `batch_first`, `padding_value`). */
export interface PadSequenceOptions {
  batchFirst?: boolean;
  paddingValue?: number;
}
const PAD_SEQUENCE_KEYS = keysOf<PadSequenceOptions>()('batchFirst', 'paddingValue');

/**
 * Pads a list of [L_i, *] tensors to one [T, B, *] tensor (or [B, T, *]). The keywords go
 * positionally or as one options object.
 * @example nn.utils.rnn.padSequence([torch.ones(3, 2), torch.ones(1, 2)], { batchFirst: true })
 */
export function padSequence(sequences: Tensor[], batchFirst: boolean | PadSequenceOptions = false, paddingValue = 0): Tensor {
  if (!Array.isArray(sequences) || sequences.length === 0 || sequences.some((s) => !(s instanceof Tensor))) {
    throw new TypeError('pad_sequence(): sequences must be a non-empty array of Tensors');
  }
  if (typeof batchFirst === 'object' && batchFirst !== null) {
    checkOptions(batchFirst, 'pad_sequence', PAD_SEQUENCE_KEYS);
    paddingValue = batchFirst.paddingValue ?? 0;
    batchFirst = batchFirst.batchFirst ?? false;
  }
  checkBoolean(batchFirst, 'pad_sequence', 'batch_first');
  const inner = sequences[0].shape.slice(1);
  for (const s of sequences) {
    if (s.dim() < 1 || s.shape.slice(1).join() !== inner.join()) {
      throw new Error(`pad_sequence(): every sequence must be [L, ${inner.join(', ')}], got [${s.shape.join(', ')}]`);
    }
  }
  const lens = sequences.map((s) => s.shape[0]);
  const steps = Math.max(...lens);
  const batch = sequences.length;
  const starts: number[] = [];
  let total = 0;
  for (const l of lens) {
    starts.push(total);
    total += l;
  }
  const pad = full([1, ...inner], paddingValue, { dtype: sequences[0].dtype, device: sequences[0].device });
  const source = cat([...sequences, pad], 0);
  const gather: number[] = [];
  for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) gather.push(t < lens[b] ? starts[b] + t : total);
  const padded = reshape(indexSelect(source, 0, indexTensor(gather).to(source.device)), [steps, batch, ...inner]);
  return batchFirst ? transpose(padded, 0, 1) : padded;
}

/**
 * Packs a list of [L_i, *] tensors (longest first unless enforceSorted is false).
 * @example const packed = nn.utils.rnn.packSequence([a, b, c], false)
 */
export function packSequence(sequences: Tensor[], enforceSorted: boolean | { enforceSorted?: boolean } = true): PackedSequence {
  if (typeof enforceSorted === 'object' && enforceSorted !== null) {
    checkOptions(enforceSorted, 'pack_sequence', ['enforceSorted']);
    enforceSorted = enforceSorted.enforceSorted ?? true;
  }
  const lengths = sequences.map((s) => s.shape[0]);
  return packPaddedSequence(padSequence(sequences), lengths, false, enforceSorted);
}
