/**
 * `nn.MultiheadAttention`, with PyTorch's parameters, registration order, init and
 * forward (F.multiHeadAttentionForward does the work).
 */
import { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import * as init from '../init.js';
import { Linear } from './linear.js';
import { multiHeadAttentionForward } from '../functional/multi-head-attention.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { freeingIntermediates } from './private-intermediates.js';
import { checkBoolean, checkNumber, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';

/**
 * MultiheadAttention's out-projection: a Linear under the name PyTorch gives it (it
 * shows in the module's repr).
 * @example new nn.NonDynamicallyQuantizableLinear(8, 8)
 */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * The options of `new nn.MultiheadAttention(...)`, PyTorch's keywords.
 * @example new nn.MultiheadAttention(16, 4, { dropout: 0.1, batchFirst: true, kdim: 8, vdim: 8 })
 */
export interface MultiheadAttentionOptions extends FactoryOptions {
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  batchFirst?: boolean;
}
const MHA_KEYS = keysOf<MultiheadAttentionOptions>()('dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst', ...FACTORY_KEYS);

/**
 * The keyword arguments of MultiheadAttention's forward.
 * @example mha(q, k, v, { keyPaddingMask, needWeights: false })
 */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S]): true, or -inf, marks keys to ignore. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** [L, S] or [N*numHeads, L, S]: true, or -inf, marks pairs to ignore; floats are added. */
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
  /** A hint that attnMask is causal. */
  isCausal?: boolean;
}
const FORWARD_KEYS = keysOf<MultiheadAttentionForwardOptions>()('keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights', 'isCausal');
const FORWARD_POSITIONAL = ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights', 'isCausal'] as const;

/**
 * Positional arguments named `names`, then an optional trailing options object, merged
 * into one object (PyTorch's positional-or-keyword parameters). @internal
 * @example positionalOptions('forward', ['mask'], [null, { isCausal: true }], ['mask', 'isCausal'])
 */
export function positionalOptions<T extends object>(fn: string, names: readonly string[], rest: unknown[], keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a !== null && typeof a === 'object' && !(a instanceof Tensor)) {
      if (i !== rest.length - 1) throw new TypeError(`${fn}(): an options object must be the last argument`);
      checkOptions(a, fn, keys);
      for (const [key, value] of Object.entries(a)) {
        if (value === undefined) continue;
        if (key in out) throw new TypeError(`${fn}(): got multiple values for argument '${key}'`);
        out[key] = value;
      }
      break;
    }
    if (i >= names.length) throw new TypeError(`${fn}(): takes at most ${names.length} optional positional arguments`);
    if (a !== undefined) out[names[i]] = a;
  }
  return out as T;
}

/**
 * Multi-head attention: `softmax(QKᵀ/√hd)V` over `numHeads` heads of the projected
 * query, key and value, then an output projection. Inputs are [L, N, E] ([N, L, E] with
 * `batchFirst`) or unbatched [L, E]; `forward` returns `[output, weights | null]`.
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const [out, weights] = mha(x, x, x, { needWeights: true });
 */
export class MultiheadAttention extends Module<[Tensor, Tensor | null]> {
  static override _holdsNoActivations = true;
  embedDim: number;
  kdim: number;
  vdim: number;
  _qkvSameEmbedDim: boolean;
  numHeads: number;
  dropout: number;
  batchFirst: boolean;
  headDim: number;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  addZeroAttn: boolean;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkSize(embedDim, 'MultiheadAttention', 'embedDim');
    checkSize(numHeads, 'MultiheadAttention', 'numHeads');
    checkOptions(options, 'MultiheadAttention', MHA_KEYS);
    const { dropout = 0, bias = true, addBiasKv = false, addZeroAttn = false, batchFirst = false } = options ?? {};
    const kdim = options?.kdim ?? embedDim;
    const vdim = options?.vdim ?? embedDim;
    checkNumber(dropout, 'MultiheadAttention', 'dropout');
    checkBoolean(bias, 'MultiheadAttention', 'bias');
    checkBoolean(addBiasKv, 'MultiheadAttention', 'addBiasKv');
    checkBoolean(addZeroAttn, 'MultiheadAttention', 'addZeroAttn');
    checkBoolean(batchFirst, 'MultiheadAttention', 'batchFirst');
    checkSize(kdim, 'MultiheadAttention', 'kdim');
    checkSize(vdim, 'MultiheadAttention', 'vdim');
    if (embedDim <= 0 || numHeads <= 0) {
      throw new Error(`embed_dim and num_heads must be greater than 0, got embed_dim=${embedDim} and num_heads=${numHeads} instead`);
    }
    this.embedDim = embedDim;
    this.kdim = kdim;
    this.vdim = vdim;
    this._qkvSameEmbedDim = kdim === embedDim && vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new Error('embed_dim must be divisible by num_heads');
    const factory = factoryOf(options ?? {}, 'MultiheadAttention');
    if (!this._qkvSameEmbedDim) {
      this.q_proj_weight = new Parameter(empty([embedDim, embedDim], factory));
      this.k_proj_weight = new Parameter(empty([embedDim, kdim], factory));
      this.v_proj_weight = new Parameter(empty([embedDim, vdim], factory));
      this.registerParameter('in_proj_weight', null);
    } else {
      this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim], factory));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    }
    if (bias) this.in_proj_bias = new Parameter(empty([3 * embedDim], factory));
    else this.registerParameter('in_proj_bias', null);
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...factory });
    if (addBiasKv) {
      this.bias_k = new Parameter(empty([1, 1, embedDim], factory));
      this.bias_v = new Parameter(empty([1, 1, embedDim], factory));
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
    this.addZeroAttn = addZeroAttn;
    this._resetParameters();
  }

  /** PyTorch's init: xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v. @example mha._resetParameters() */
  _resetParameters(): void {
    if (this._qkvSameEmbedDim) init.xavierUniform_(this.in_proj_weight!);
    else {
      init.xavierUniform_(this.q_proj_weight!);
      init.xavierUniform_(this.k_proj_weight!);
      init.xavierUniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias !== null) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k !== null) init.xavierNormal_(this.bias_k);
    if (this.bias_v !== null) init.xavierNormal_(this.bias_v);
  }

  /**
   * `[attnOutput, attnWeights]`; the weights are null with `needWeights: false`, and
   * averaged over heads unless `averageAttnWeights: false`.
   * @example const [out] = mha(q, k, v, { attnMask: mask, needWeights: false });
   */
  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    ...rest: (Tensor | boolean | null | MultiheadAttentionForwardOptions | undefined)[]
  ): [Tensor, Tensor | null] {
    checkTensor(query, 'MultiheadAttention.forward', 'query');
    checkTensor(key, 'MultiheadAttention.forward', 'key');
    checkTensor(value, 'MultiheadAttention.forward', 'value');
    const o = positionalOptions<MultiheadAttentionForwardOptions>('MultiheadAttention.forward', FORWARD_POSITIONAL, rest, FORWARD_KEYS);
    const separate = !this._qkvSameEmbedDim;
    return freeingIntermediates(this, () => multiHeadAttentionForward(
      query, key, value, this.embedDim, this.numHeads, this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v,
      this.addZeroAttn, this.dropout, this.out_proj.weight, this.out_proj.bias,
      {
        training: this.training,
        keyPaddingMask: o.keyPaddingMask ?? null,
        needWeights: o.needWeights ?? true,
        attnMask: o.attnMask ?? null,
        averageAttnWeights: o.averageAttnWeights ?? true,
        isCausal: o.isCausal ?? false,
        batchFirst: this.batchFirst,
        ...(separate
          ? { useSeparateProjWeight: true, qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight }
          : {}),
      },
    ));
  }
}
