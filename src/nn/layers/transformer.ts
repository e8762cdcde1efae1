/**
 * `nn.TransformerEncoder`, `nn.TransformerDecoder` (stacks of deep copies of one layer,
 * as PyTorch's `_get_clones`) and `nn.Transformer`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { full } from '../../tensor/creation.js';
import { triu } from '../../ops/structured.js';
import { noGrad } from '../../autograd/grad-mode.js';
import type { DType } from '../../tensor/dtype.js';
import type { DeviceLike } from '../../tensor/device.js';
import { Module } from '../module.js';
import { ModuleList } from '../containers.js';
import * as init from '../init.js';
import { LayerNorm } from './normalization.js';
import { deepCopyModule } from './clones.js';
import { positionalOptions } from './multihead-attention.js';
import {
  DECODER_LAYER_KEYS, LAYER_KEYS, TransformerDecoderLayer, TransformerEncoderLayer, type DecoderLayerForwardOptions, type TransformerActivation,
} from './transformer-layers.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { freeingIntermediates } from './private-intermediates.js';
import { argumentError, checkBoolean, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';

function checkModule(value: unknown, fn: string, name: string): asserts value is Module<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!(value instanceof Module)) throw argumentError(fn, name, 'a Module', value);
}

/** The sequence length of a (batched or unbatched) input, as PyTorch's `_get_seq_len`. */
function seqLen(input: Tensor, batchFirst: boolean): number {
  return input.dim() === 2 ? input.shape[0] : input.shape[batchFirst ? 1 : 0];
}

/**
 * PyTorch 2's `_detect_is_causal_mask`: an explicit `isCausal` is taken as it is; without
 * one, a [size, size] mask equal to `generateSquareSubsequentMask(size)` in its own dtype is
 * causal. The layers then let the fused attention skip the keys past each query instead of
 * adding the mask, as PyTorch's do (about half the work). Comparing reads one flag back from
 * the mask's device.
 */
function detectIsCausalMask(mask: Tensor | null, isCausal: boolean | null | undefined, size: number): boolean {
  if (isCausal !== null && isCausal !== undefined) return isCausal;
  // A mask that requires grad stays in the graph (PyTorch 1.13's behaviour, and its fixtures');
  // PyTorch 2 would drop it and leave its gradient None.
  if (mask === null || mask.requiresGrad || mask.dim() !== 2 || mask.shape[0] !== size || mask.shape[1] !== size) return false;
  return noGrad(() => {
    const causal = Transformer.generateSquareSubsequentMask(size, { device: mask.device, dtype: mask.dtype });
    const equal = mask.eq(causal);
    const all = equal.all();
    const result = Boolean(all.item());
    for (const t of [causal, equal, all]) t.dispose();
    return result;
  });
}

/**
 * The options of `new nn.TransformerEncoder(...)`.
 * @example new nn.TransformerEncoder(layer, 6, { norm: new nn.LayerNorm(512) })
 */
export interface TransformerEncoderOptions {
  norm?: Module | null;
  /** Accepted for PyTorch compatibility; flint has no nested tensors. */
  enableNestedTensor?: boolean;
  maskCheck?: boolean;
}
const ENCODER_KEYS = keysOf<TransformerEncoderOptions>()('norm', 'enableNestedTensor', 'maskCheck');

/**
 * The keyword arguments of TransformerEncoder's forward.
 * @example encoder(src, { mask, srcKeyPaddingMask: padding })
 */
export interface EncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean | null;
}
const ENCODER_FORWARD_KEYS = keysOf<EncoderForwardOptions>()('mask', 'srcKeyPaddingMask', 'isCausal');

/**
 * `numLayers` deep copies of `encoderLayer` (equal initial weights, as PyTorch's), run in
 * turn, then the optional final `norm`.
 * @example
 * const layer = new nn.TransformerEncoderLayer(256, 8, { dimFeedforward: 1024, batchFirst: true });
 * const encoder = new nn.TransformerEncoder(layer, 4);
 * encoder(torch.rand(8, 128, 256), { mask: nn.Transformer.generateSquareSubsequentMask(128) });
 */
export class TransformerEncoder extends Module {
  static override _holdsNoActivations = true;
  declare layers: ModuleList;
  numLayers: number;
  declare norm: Module | null;
  enableNestedTensor: boolean;
  maskCheck: boolean;
  constructor(encoderLayer: Module, numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    checkModule(encoderLayer, 'TransformerEncoder', 'encoderLayer');
    checkSize(numLayers, 'TransformerEncoder', 'numLayers');
    checkOptions(options, 'TransformerEncoder', ENCODER_KEYS);
    const { norm = null, enableNestedTensor = true, maskCheck = true } = options ?? {};
    if (norm !== null) checkModule(norm, 'TransformerEncoder', 'norm');
    checkBoolean(enableNestedTensor, 'TransformerEncoder', 'enableNestedTensor');
    checkBoolean(maskCheck, 'TransformerEncoder', 'maskCheck');
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopyModule(encoderLayer)));
    this.numLayers = numLayers;
    this.norm = norm;
    this.enableNestedTensor = enableNestedTensor;
    this.maskCheck = maskCheck;
  }

  /**
   * `src` through every layer with the same masks, then the final norm.
   * @example encoder(src, { srcKeyPaddingMask: padding })
   */
  override forward(src: Tensor, ...rest: (Tensor | boolean | null | EncoderForwardOptions | undefined)[]): Tensor {
    checkTensor(src, 'TransformerEncoder.forward', 'src');
    const o = positionalOptions<EncoderForwardOptions>('TransformerEncoder.forward', ENCODER_FORWARD_KEYS, rest, ENCODER_FORWARD_KEYS);
    const first = this.layers.children()[0] as TransformerEncoderLayer | undefined;
    const isCausal = detectIsCausalMask(o.mask ?? null, o.isCausal, seqLen(src, first?.self_attn.batchFirst ?? false));
    const options = { srcMask: o.mask ?? null, srcKeyPaddingMask: o.srcKeyPaddingMask ?? null, isCausal };
    return freeingIntermediates(this, () => {
      let out = src;
      for (const layer of this.layers.children()) out = (layer as Module)(out, options);
      return this.norm === null ? out : this.norm(out);
    });
  }
}

/**
 * The options of `new nn.TransformerDecoder(...)`.
 * @example new nn.TransformerDecoder(layer, 6, { norm: new nn.LayerNorm(512) })
 */
export interface TransformerDecoderOptions {
  norm?: Module | null;
}

/**
 * `numLayers` deep copies of `decoderLayer`, run in turn over (tgt, memory), then the
 * optional final `norm`.
 * @example
 * const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 4), 2);
 * decoder(torch.rand(5, 2, 16), torch.rand(7, 2, 16)).shape; // [5, 2, 16]
 */
export class TransformerDecoder extends Module {
  static override _holdsNoActivations = true;
  declare layers: ModuleList;
  numLayers: number;
  declare norm: Module | null;
  constructor(decoderLayer: Module, numLayers: number, options: TransformerDecoderOptions = {}) {
    super();
    checkModule(decoderLayer, 'TransformerDecoder', 'decoderLayer');
    checkSize(numLayers, 'TransformerDecoder', 'numLayers');
    checkOptions(options, 'TransformerDecoder', ['norm']);
    const norm = options?.norm ?? null;
    if (norm !== null) checkModule(norm, 'TransformerDecoder', 'norm');
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => deepCopyModule(decoderLayer)));
    this.numLayers = numLayers;
    this.norm = norm;
  }

  /**
   * `tgt` through every layer, each attending over `memory`, then the final norm.
   * @example decoder(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.size(0)) })
   */
  override forward(tgt: Tensor, memory: Tensor, ...rest: (Tensor | boolean | null | DecoderLayerForwardOptions | undefined)[]): Tensor {
    checkTensor(tgt, 'TransformerDecoder.forward', 'tgt');
    checkTensor(memory, 'TransformerDecoder.forward', 'memory');
    const o = positionalOptions<DecoderLayerForwardOptions>('TransformerDecoder.forward', DECODER_LAYER_KEYS, rest, DECODER_LAYER_KEYS);
    const first = this.layers.children()[0] as TransformerDecoderLayer | undefined;
    const tgtIsCausal = detectIsCausalMask(o.tgtMask ?? null, o.tgtIsCausal, seqLen(tgt, first?.self_attn.batchFirst ?? false));
    const options = { ...o, tgtIsCausal };
    return freeingIntermediates(this, () => {
      let out = tgt;
      for (const layer of this.layers.children()) out = (layer as Module)(out, memory, options);
      return this.norm === null ? out : this.norm(out);
    });
  }
}

/**
 * The options of `new nn.Transformer(...)`, PyTorch's keywords.
 * @example new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128 })
 */
export interface TransformerOptions extends FactoryOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  customEncoder?: Module | null;
  customDecoder?: Module | null;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  bias?: boolean;
}
const TRANSFORMER_KEYS = keysOf<TransformerOptions>()(
  'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation', 'customEncoder', 'customDecoder',
  'layerNormEps', 'batchFirst', 'normFirst', 'bias', ...FACTORY_KEYS,
);

/**
 * The keyword arguments of Transformer's forward.
 * @example model(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.size(0)) })
 */
export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean | null;
  tgtIsCausal?: boolean | null;
  memoryIsCausal?: boolean;
}
const TRANSFORMER_FORWARD_KEYS = keysOf<TransformerForwardOptions>()(
  'srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'srcIsCausal', 'tgtIsCausal', 'memoryIsCausal',
);

/**
 * The encoder-decoder Transformer of "Attention Is All You Need": a TransformerEncoder
 * and a TransformerDecoder, each with a final LayerNorm, every parameter of more than one
 * dim re-drawn xavier-uniform (PyTorch's `_reset_parameters`).
 * @example
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64 });
 * model(torch.rand(10, 2, 32), torch.rand(7, 2, 32)).shape; // [7, 2, 32]
 */
export class Transformer extends Module {
  static override _holdsNoActivations = true;
  declare encoder: Module;
  declare decoder: Module;
  dModel: number;
  nhead: number;
  batchFirst: boolean;
  constructor(options: TransformerOptions = {}) {
    super();
    checkOptions(options, 'Transformer', TRANSFORMER_KEYS);
    const {
      dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, customEncoder = null, customDecoder = null, dtype, device, ...rest
    } = options ?? {};
    checkSize(numEncoderLayers, 'Transformer', 'numEncoderLayers');
    checkSize(numDecoderLayers, 'Transformer', 'numDecoderLayers');
    const layerOptions = { ...rest, dtype, device };
    checkOptions(layerOptions, 'Transformer', LAYER_KEYS);
    const factory = factoryOf({ dtype, device }, 'Transformer');
    const ln = { eps: rest.layerNormEps ?? 1e-5, bias: rest.bias ?? true, ...factory };
    if (customEncoder !== null) {
      checkModule(customEncoder, 'Transformer', 'customEncoder');
      this.encoder = customEncoder;
    } else {
      const layer = new TransformerEncoderLayer(dModel, nhead, layerOptions);
      this.encoder = new TransformerEncoder(layer, numEncoderLayers, { norm: new LayerNorm(dModel, ln) });
    }
    if (customDecoder !== null) {
      checkModule(customDecoder, 'Transformer', 'customDecoder');
      this.decoder = customDecoder;
    } else {
      const layer = new TransformerDecoderLayer(dModel, nhead, layerOptions);
      this.decoder = new TransformerDecoder(layer, numDecoderLayers, { norm: new LayerNorm(dModel, ln) });
    }
    this._resetParameters();
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = rest.batchFirst ?? false;
  }

  /** Every parameter of more than one dim re-drawn xavier-uniform. @example model._resetParameters() */
  _resetParameters(): void {
    for (const p of this.parameters()) if (p.dim() > 1) init.xavierUniform_(p);
  }

  /**
   * `src` through the encoder, then `tgt` through the decoder over its output.
   * @example model(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.size(0)) })
   */
  override forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    checkTensor(src, 'Transformer.forward', 'src');
    checkTensor(tgt, 'Transformer.forward', 'tgt');
    checkOptions(options, 'Transformer.forward', TRANSFORMER_FORWARD_KEYS);
    const o = options ?? {};
    const batched = src.dim() === 3;
    if (batched && src.shape[this.batchFirst ? 0 : 1] !== tgt.shape[this.batchFirst ? 0 : 1]) {
      throw new Error('the batch number of src and tgt must be equal');
    }
    if (src.shape[src.dim() - 1] !== this.dModel || tgt.shape[tgt.dim() - 1] !== this.dModel) {
      throw new Error('the feature number of src and tgt must be equal to d_model');
    }
    return freeingIntermediates(this, () => {
      const memory = this.encoder(src, { mask: o.srcMask ?? null, srcKeyPaddingMask: o.srcKeyPaddingMask ?? null, isCausal: o.srcIsCausal ?? null });
      return this.decoder(tgt, memory, {
        tgtMask: o.tgtMask ?? null, memoryMask: o.memoryMask ?? null, tgtKeyPaddingMask: o.tgtKeyPaddingMask ?? null,
        memoryKeyPaddingMask: o.memoryKeyPaddingMask ?? null, tgtIsCausal: o.tgtIsCausal ?? null, memoryIsCausal: o.memoryIsCausal ?? false,
      });
    });
  }

  /**
   * A [sz, sz] float mask: -inf above the diagonal, 0 elsewhere (position i sees j <= i).
   * @example nn.Transformer.generateSquareSubsequentMask(3) // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(sz: number, options: { device?: DeviceLike; dtype?: DType } = {}): Tensor {
    checkSize(sz, 'generateSquareSubsequentMask', 'sz');
    return triu(full([sz, sz], -Infinity, options), 1);
  }
}
