/**
 * `nn.EmbeddingBag`: an embedding table whose forward reduces bags of rows (sum, mean or
 * max) with `F.embeddingBag`, with PyTorch's options, init (N(0, 1), padding row zeroed),
 * repr, state-dict key `weight` and `EmbeddingBag.fromPretrained`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';
import { embeddingBag, type EmbeddingBagMode } from '../functional/embedding-bag.js';
import { bindArgs } from '../functional/pooling-args.js';
import { checkBoolean, checkChoice, checkInteger, checkNumber, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { pretrainedArgs, resetEmbeddingWeight } from './embedding.js';

/**
 * The options of `new nn.EmbeddingBag(...)`: PyTorch's keywords, `_weight` included.
 * @example new nn.EmbeddingBag(10, 3, { mode: 'sum', paddingIdx: 0, dtype: torch.float64 })
 */
export interface EmbeddingBagLayerOptions extends FactoryOptions {
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  mode?: EmbeddingBagMode;
  /** Sparse gradients: not supported by flint (only `false` is accepted). */
  sparse?: boolean;
  /** A [numEmbeddings, embeddingDim] tensor to use as the weight (shared, not copied, and not re-initialised). */
  _weight?: Tensor | null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}
const LAYER_KEYS = keysOf<EmbeddingBagLayerOptions>()(
  'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', '_weight', 'includeLastOffset', 'paddingIdx', ...FACTORY_KEYS,
);

/**
 * The options of `EmbeddingBag.fromPretrained`: `freeze` (default true) and the layer's options.
 * @example nn.EmbeddingBag.fromPretrained(vectors, { freeze: false, mode: 'max' })
 */
export interface EmbeddingBagFromPretrainedOptions extends Omit<EmbeddingBagLayerOptions, '_weight' | 'dtype' | 'device'> {
  freeze?: boolean;
}
const FROM_PRETRAINED_KEYS = keysOf<EmbeddingBagFromPretrainedOptions>()(
  'freeze', 'maxNorm', 'normType', 'scaleGradByFreq', 'mode', 'sparse', 'includeLastOffset', 'paddingIdx',
);

/**
 * The keywords of `EmbeddingBag.forward`.
 * @example bag(ids, { offsets, perSampleWeights: w })
 */
export interface EmbeddingBagForwardOptions {
  offsets?: Tensor | null;
  perSampleWeights?: Tensor | null;
}

/**
 * A table of `numEmbeddings` vectors of size `embeddingDim` whose forward returns one
 * reduced vector per bag: `mode` `'mean'` (the default), `'sum'` or `'max'` of the bag's
 * rows, without materialising the individual lookups' autograd history row by row. Input
 * is (B, N) (B bags of N indices) or 1-D with `offsets`.
 * @example
 * const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum' });
 * bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])).shape // [2, 3]
 */
export class EmbeddingBag extends Module {
  static override _holdsNoActivations = true;
  numEmbeddings: number;
  embeddingDim: number;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  mode: EmbeddingBagMode;
  sparse: boolean;
  includeLastOffset: boolean;
  paddingIdx: number | null;
  declare weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingBagLayerOptions = {}) {
    super();
    checkSize(numEmbeddings, 'EmbeddingBag', 'numEmbeddings');
    checkSize(embeddingDim, 'EmbeddingBag', 'embeddingDim');
    checkOptions(options, 'EmbeddingBag', LAYER_KEYS);
    const o = options ?? {};
    const { maxNorm = null, normType = 2, scaleGradByFreq = false, mode = 'mean', sparse = false, includeLastOffset = false } = o;
    if (maxNorm !== null) checkNumber(maxNorm, 'EmbeddingBag', 'maxNorm');
    checkNumber(normType, 'EmbeddingBag', 'normType');
    checkBoolean(scaleGradByFreq, 'EmbeddingBag', 'scaleGradByFreq');
    checkChoice(mode, 'EmbeddingBag', 'mode', ['sum', 'mean', 'max']);
    checkBoolean(sparse, 'EmbeddingBag', 'sparse');
    checkBoolean(includeLastOffset, 'EmbeddingBag', 'includeLastOffset');
    if (sparse) {
      throw new Error('EmbeddingBag(): sparse gradients are not supported by flint; use sparse: false (the default), which gives the same values as a dense gradient');
    }
    let pad = o.paddingIdx ?? null;
    if (pad !== null) {
      checkInteger(pad, 'EmbeddingBag', 'paddingIdx');
      if (pad >= numEmbeddings || pad < -numEmbeddings) throw new Error('padding_idx must be within num_embeddings');
      if (pad < 0) pad += numEmbeddings;
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.scaleGradByFreq = scaleGradByFreq;
    this.paddingIdx = pad;
    const weight = o._weight ?? null;
    if (weight === null) {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], factoryOf(o, 'EmbeddingBag')));
      this.resetParameters();
    } else {
      checkTensor(weight, 'EmbeddingBag', '_weight');
      if (weight.shape.join() !== [numEmbeddings, embeddingDim].join()) {
        throw new Error('Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = new Parameter(weight);
    }
    this.mode = mode;
    this.sparse = sparse;
    this.includeLastOffset = includeLastOffset;
  }

  /**
   * An EmbeddingBag whose weight is `embeddings` (shared, as PyTorch's), frozen unless
   * `freeze: false`. The padding row is not zeroed, as in PyTorch.
   * @example const bag = nn.EmbeddingBag.fromPretrained(torch.tensor([[1, 2.3, 3], [4, 5.1, 6.3]]), { mode: 'max' });
   */
  static fromPretrained(embeddings: Tensor, options: EmbeddingBagFromPretrainedOptions = {}): EmbeddingBag {
    const { rows, cols, freeze, rest } = pretrainedArgs(embeddings, options, FROM_PRETRAINED_KEYS);
    const bag = new EmbeddingBag(rows, cols, { ...rest, _weight: embeddings });
    bag.weight.requiresGrad_(!freeze);
    return bag;
  }

  /** N(0, 1), then zeroes the padding row. @example bag.resetParameters() */
  resetParameters(): void {
    resetEmbeddingWeight(this.weight, this.paddingIdx);
  }

  /**
   * The bags' reductions: `forward(input, offsets?, perSampleWeights?)`, the last two also
   * as an options object.
   * @example bag(ids, offsets); bag(ids2d, { perSampleWeights: w })
   */
  override forward(
    input: Tensor,
    offsets?: Tensor | null | EmbeddingBagForwardOptions,
    perSampleWeights?: Tensor | null | EmbeddingBagForwardOptions,
    options?: EmbeddingBagForwardOptions,
  ): Tensor {
    const a = bindArgs('EmbeddingBag.forward', [offsets, perSampleWeights, options], ['offsets', 'perSampleWeights']);
    return embeddingBag(input, this.weight, {
      offsets: (a.offsets as Tensor | null | undefined) ?? null,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
      mode: this.mode,
      sparse: this.sparse,
      perSampleWeights: (a.perSampleWeights as Tensor | null | undefined) ?? null,
      includeLastOffset: this.includeLastOffset,
      paddingIdx: this.paddingIdx,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
