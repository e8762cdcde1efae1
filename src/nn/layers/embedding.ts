/**
 * `nn.Embedding`: a lookup table with PyTorch's options (paddingIdx, maxNorm, normType,
 * scaleGradByFreq; sparse gradients are refused) and `Embedding.fromPretrained`.
 */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';
import * as init from '../init.js';
import { EMBEDDING_KEYS, embeddingConfig, embeddingLookup, type EmbeddingOptions } from '../functional/embedding.js';
import { checkBoolean, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';

/**
 * The options of `new nn.Embedding(...)`: PyTorch's keywords, `_weight` included.
 * @example new nn.Embedding(10, 3, { paddingIdx: 0, maxNorm: 1, dtype: torch.float64 })
 */
export interface EmbeddingLayerOptions extends EmbeddingOptions, FactoryOptions {
  /** A [numEmbeddings, embeddingDim] tensor to use as the weight (shared, not copied, and not re-initialised). */
  _weight?: Tensor | null;
}
const LAYER_KEYS = keysOf<EmbeddingLayerOptions>()(...EMBEDDING_KEYS, ...FACTORY_KEYS, '_weight');

/**
 * The options of `Embedding.fromPretrained`: `freeze` (default true) and the embedding options.
 * @example nn.Embedding.fromPretrained(vectors, { freeze: false, paddingIdx: 0 })
 */
export interface FromPretrainedOptions extends EmbeddingOptions {
  freeze?: boolean;
}
const FROM_PRETRAINED_KEYS = keysOf<FromPretrainedOptions>()('freeze', 'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse');

/**
 * fromPretrained's checks, shared by Embedding and EmbeddingBag: a 2-D `embeddings`, the
 * options, and `freeze` split from the layer's own options. @internal
 */
export function pretrainedArgs<O extends { freeze?: boolean }>(
  embeddings: Tensor,
  options: O,
  keys: readonly string[],
): { rows: number; cols: number; freeze: boolean; rest: Omit<O, 'freeze'> } {
  checkTensor(embeddings, 'fromPretrained', 'embeddings');
  checkOptions(options, 'fromPretrained', keys);
  if (embeddings.dim() !== 2) throw new Error('Embeddings parameter is expected to be 2-dimensional');
  const { freeze = true, ...rest } = options ?? ({} as O);
  checkBoolean(freeze, 'fromPretrained', 'freeze');
  const [rows, cols] = embeddings.shape;
  return { rows: rows!, cols: cols!, freeze, rest };
}

/** Both embedding layers' init: N(0, 1), then the padding row zeroed. @internal */
export function resetEmbeddingWeight(weight: Tensor, paddingIdx: number | null): void {
  init.normal_(weight);
  if (paddingIdx !== null) noGrad(() => (weight as Tensor & { index(i: number): Tensor }).index(paddingIdx).fill_(0));
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1)
 * with the padding row zeroed. With `maxNorm`, each forward first rescales, in place,
 * the looked-up rows whose `normType`-norm exceeds it; with `scaleGradByFreq`, a row's
 * gradient is divided by its index's count in the batch.
 * @example
 * new nn.Embedding(10, 3)(torch.tensor([[1, 2, 4]])).shape // [1, 3, 3]
 * new nn.Embedding(10, 3, { paddingIdx: 0, maxNorm: 1 })
 */
export class Embedding extends Module {
  static override _holdsNoActivations = true;
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  sparse: boolean;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    checkSize(numEmbeddings, 'Embedding', 'numEmbeddings');
    checkSize(embeddingDim, 'Embedding', 'embeddingDim');
    checkOptions(options, 'Embedding', LAYER_KEYS);
    const { _weight = null, dtype, device, ...lookup } = options ?? {};
    const config = embeddingConfig(lookup, numEmbeddings, 'Embedding');
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = config.paddingIdx;
    this.maxNorm = config.maxNorm;
    this.normType = config.normType;
    this.scaleGradByFreq = config.scaleGradByFreq;
    this.sparse = false;
    if (_weight === null) {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], factoryOf({ dtype, device }, 'Embedding')));
      this.resetParameters();
    } else {
      checkTensor(_weight, 'Embedding', '_weight');
      if (_weight.shape.join() !== [numEmbeddings, embeddingDim].join()) {
        throw new Error('Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = new Parameter(_weight);
    }
  }

  /**
   * An Embedding whose weight is `embeddings` (shared, as PyTorch's), frozen unless
   * `freeze: false`. The padding row is not zeroed, as in PyTorch.
   * @example const emb = nn.Embedding.fromPretrained(torch.tensor([[1, 2.3, 3], [4, 5.1, 6.3]]));
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    const { rows, cols, freeze, rest } = pretrainedArgs(embeddings, options, FROM_PRETRAINED_KEYS);
    const embedding = new Embedding(rows, cols, { ...rest, _weight: embeddings });
    embedding.weight.requiresGrad_(!freeze);
    return embedding;
  }

  /** N(0, 1), then zeroes the padding row. @example emb.resetParameters() */
  resetParameters(): void {
    resetEmbeddingWeight(this.weight, this.paddingIdx);
  }

  override forward(input: Tensor): Tensor {
    checkTensor(input, 'Embedding.forward', 'input');
    return embeddingLookup(input, this.weight, this);
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    return s;
  }
}
