/**
 * `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer`: PyTorch's submodules in
 * PyTorch's order (so that state dicts load by name and reprs match), post-norm by
 * default, pre-norm with `normFirst`. The stacks and nn.Transformer are in transformer.ts.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { add } from '../../ops/elementwise.js';
import { gelu, relu } from '../functional/activation.js';
import { linearRelu } from '../functional/layers.js';
import { Module } from '../module.js';
import { Dropout } from './activation.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';
import { MultiheadAttention, positionalOptions } from './multihead-attention.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { freeingIntermediates } from './private-intermediates.js';
import { checkBoolean, checkNumber, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';

/** An activation: 'relu', 'gelu', a function of one tensor, or a module. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/**
 * The options of the encoder and decoder layers, PyTorch's keywords.
 * @example new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, batchFirst: true, activation: 'gelu' })
 */
export interface TransformerLayerOptions extends FactoryOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  /** Whether the Linear and LayerNorm layers have biases (PyTorch >= 2.1). */
  bias?: boolean;
}
/** @internal @example checkOptions(options, 'Transformer', LAYER_KEYS) */
export const LAYER_KEYS = keysOf<TransformerLayerOptions>()(
  'dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', ...FACTORY_KEYS,
);

/** PyTorch's `_get_activation_fn`, functions and modules passed through. */
function activationOf(activation: unknown): ((x: Tensor) => Tensor) | Module {
  if (activation === 'relu') return relu;
  if (activation === 'gelu') return gelu;
  if (typeof activation === 'function') return activation as (x: Tensor) => Tensor;
  const shown = typeof activation === 'string' ? activation : String(activation);
  throw new Error(`activation should be relu/gelu, not ${shown}`);
}

/** The shared construction of both layers, in PyTorch's registration order up to the norms. */
function layerConfig(dModel: number, nhead: number, options: TransformerLayerOptions, fn: string) {
  checkSize(dModel, fn, 'dModel');
  checkSize(nhead, fn, 'nhead');
  checkOptions(options, fn, LAYER_KEYS);
  const {
    dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true,
  } = options ?? {};
  checkSize(dimFeedforward, fn, 'dimFeedforward');
  checkNumber(dropout, fn, 'dropout');
  checkNumber(layerNormEps, fn, 'layerNormEps');
  checkBoolean(batchFirst, fn, 'batchFirst');
  checkBoolean(normFirst, fn, 'normFirst');
  checkBoolean(bias, fn, 'bias');
  const factory = factoryOf(options ?? {}, fn);
  return { dimFeedforward, dropout, activation: activationOf(activation), layerNormEps, batchFirst, normFirst, bias, factory };
}

/** linear2(dropout(activation(linear1(x)))), with linear1 and ReLU fused where no gradient is recorded. */
function feedForward(layer: TransformerEncoderLayer | TransformerDecoderLayer, x: Tensor): Tensor {
  let h: Tensor;
  if (layer.activation === relu && x.isContiguous()) {
    const flat = x.reshape(-1, x.shape[x.dim() - 1]);
    h = linearRelu(flat, layer.linear1.weight, layer.linear1.bias);
    h = h.reshape(...x.shape.slice(0, -1), h.shape[1]);
  } else {
    h = (layer.activation as (x: Tensor) => Tensor)(layer.linear1(x));
  }
  return layer.linear2(layer.dropout(h));
}

/**
 * The keyword arguments of TransformerEncoderLayer's forward.
 * @example layer(src, { srcMask: mask, srcKeyPaddingMask: padding })
 */
export interface EncoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}
const ENCODER_LAYER_KEYS = keysOf<EncoderLayerForwardOptions>()('srcMask', 'srcKeyPaddingMask', 'isCausal');

/**
 * Self-attention then a feed-forward block, each with a residual connection and a
 * LayerNorm (after the residual by default, before the block with `normFirst`).
 * @example
 * const layer = new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, batchFirst: true });
 * layer(torch.rand(8, 128, 256)).shape; // [8, 128, 256]
 */
export class TransformerEncoderLayer extends Module {
  static override _holdsNoActivations = true;
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const c = layerConfig(dModel, nhead, options, 'TransformerEncoderLayer');
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst, ...c.factory });
    this.linear1 = new Linear(dModel, c.dimFeedforward, { bias: c.bias, ...c.factory });
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, dModel, { bias: c.bias, ...c.factory });
    this.normFirst = c.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: c.layerNormEps, bias: c.bias, ...c.factory });
    this.norm2 = new LayerNorm(dModel, { eps: c.layerNormEps, bias: c.bias, ...c.factory });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.activation = c.activation;
  }

  /**
   * `src` [L, N, E] ([N, L, E] with batchFirst, or [L, E]); masks as MultiheadAttention's.
   * @example layer(src, { srcMask: nn.Transformer.generateSquareSubsequentMask(src.size(1)) })
   */
  override forward(src: Tensor, ...rest: (Tensor | boolean | null | EncoderLayerForwardOptions | undefined)[]): Tensor {
    checkTensor(src, 'TransformerEncoderLayer.forward', 'src');
    const o = positionalOptions<EncoderLayerForwardOptions>(
      'TransformerEncoderLayer.forward', ['srcMask', 'srcKeyPaddingMask', 'isCausal'], rest, ENCODER_LAYER_KEYS,
    );
    const mask = o.srcMask ?? null;
    const kpm = o.srcKeyPaddingMask ?? null;
    const isCausal = o.isCausal ?? false;
    const sa = (x: Tensor) =>
      this.dropout1(this.self_attn(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false, isCausal })[0]);
    const ff = (x: Tensor) => this.dropout2(feedForward(this, x));
    return freeingIntermediates(this, () => {
      let x = src;
      if (this.normFirst) {
        x = add(x, sa(this.norm1(x)));
        return add(x, ff(this.norm2(x)));
      }
      x = this.norm1(add(x, sa(x)));
      return this.norm2(add(x, ff(x)));
    });
  }
}

/**
 * The keyword arguments of TransformerDecoderLayer's forward.
 * @example layer(tgt, memory, { tgtMask: mask, memoryKeyPaddingMask: padding })
 */
export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}
/** @internal @example positionalOptions('forward', DECODER_POSITIONAL, rest, DECODER_LAYER_KEYS) */
export const DECODER_LAYER_KEYS = keysOf<DecoderLayerForwardOptions>()(
  'tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal', 'memoryIsCausal',
);

/**
 * Self-attention, attention over the encoder's memory, then a feed-forward block, each
 * with a residual connection and a LayerNorm (post-norm by default, pre-norm with `normFirst`).
 * @example
 * const layer = new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32 });
 * layer(torch.rand(5, 2, 16), torch.rand(7, 2, 16)).shape; // [5, 2, 16]
 */
export class TransformerDecoderLayer extends Module {
  static override _holdsNoActivations = true;
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  normFirst: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const c = layerConfig(dModel, nhead, options, 'TransformerDecoderLayer');
    const mha = { dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst, ...c.factory };
    this.self_attn = new MultiheadAttention(dModel, nhead, mha);
    this.multihead_attn = new MultiheadAttention(dModel, nhead, mha);
    this.linear1 = new Linear(dModel, c.dimFeedforward, { bias: c.bias, ...c.factory });
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, dModel, { bias: c.bias, ...c.factory });
    this.normFirst = c.normFirst;
    const ln = { eps: c.layerNormEps, bias: c.bias, ...c.factory };
    this.norm1 = new LayerNorm(dModel, ln);
    this.norm2 = new LayerNorm(dModel, ln);
    this.norm3 = new LayerNorm(dModel, ln);
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.dropout3 = new Dropout(c.dropout);
    this.activation = c.activation;
  }

  /**
   * `tgt` [T, N, E] and `memory` [S, N, E] ([N, ., E] with batchFirst).
   * @example layer(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(5) })
   */
  override forward(tgt: Tensor, memory: Tensor, ...rest: (Tensor | boolean | null | DecoderLayerForwardOptions | undefined)[]): Tensor {
    checkTensor(tgt, 'TransformerDecoderLayer.forward', 'tgt');
    checkTensor(memory, 'TransformerDecoderLayer.forward', 'memory');
    const o = positionalOptions<DecoderLayerForwardOptions>('TransformerDecoderLayer.forward', DECODER_LAYER_KEYS, rest, DECODER_LAYER_KEYS);
    const sa = (x: Tensor) =>
      this.dropout1(this.self_attn(x, x, x, {
        attnMask: o.tgtMask ?? null, keyPaddingMask: o.tgtKeyPaddingMask ?? null, needWeights: false, isCausal: o.tgtIsCausal ?? false,
      })[0]);
    const mha = (x: Tensor) =>
      this.dropout2(this.multihead_attn(x, memory, memory, {
        attnMask: o.memoryMask ?? null, keyPaddingMask: o.memoryKeyPaddingMask ?? null, needWeights: false, isCausal: o.memoryIsCausal ?? false,
      })[0]);
    const ff = (x: Tensor) => this.dropout3(feedForward(this, x));
    return freeingIntermediates(this, () => {
      let x = tgt;
      if (this.normFirst) {
        x = add(x, sa(this.norm1(x)));
        x = add(x, mha(this.norm2(x)));
        return add(x, ff(this.norm3(x)));
      }
      x = this.norm1(add(x, sa(x)));
      x = this.norm2(add(x, mha(x)));
      return this.norm3(add(x, ff(x)));
    });
  }
}

