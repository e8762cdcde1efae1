/**
 * `F.multiHeadAttentionForward`, PyTorch's `multi_head_attention_forward`: in-projection,
 * heads as views, the attention masks merged into one additive mask, attention, and the
 * out-projection. It works batch-major internally ([N, H, L, hd] views of the projection),
 * so that batch-first input needs no transposed copy.
 */
import { Tensor } from '../../tensor/tensor.js';
import { bool as boolDtype, uint8 } from '../../tensor/dtype.js';
import { add, div } from '../../ops/elementwise.js';
import { cat, expand, narrow, permute, reshape, squeeze, transpose, unsqueeze, view } from '../../ops/shape.js';
import { unbind } from '../../ops/split.js';
import { sum } from '../../ops/reduce.js';
import { zerosOf } from '../../ops/internal-tensors.js';
import { linear } from './layers.js';
import { attentionMath, floatMaskOf, scaledDotProductAttention } from './attention.js';
import { checkBoolean, checkNumber, checkOptionalTensor, checkOptions, checkSize, checkTensor, keysOf } from '../../tensor/args.js';

/**
 * The keyword arguments of multiHeadAttentionForward (PyTorch's, after `out_proj_bias`).
 * @example F.multiHeadAttentionForward(q, k, v, 8, 2, w, b, null, null, false, 0, ow, ob, { needWeights: false })
 */
export interface MultiHeadAttentionForwardOptions {
  training?: boolean;
  /** [N, S] (or [S] unbatched): true or -inf = the key is ignored. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** [L, S] or [N*H, L, S]: true or -inf = the pair is ignored; float values are added. */
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  averageAttnWeights?: boolean;
  /** A hint that attnMask is the causal mask (which must still be given). */
  isCausal?: boolean;
  /** Inputs are [N, L, E] rather than [L, N, E] (MultiheadAttention's batchFirst). */
  batchFirst?: boolean;
}
const MHA_KEYS = keysOf<MultiHeadAttentionForwardOptions>()(
  'training', 'keyPaddingMask', 'needWeights', 'attnMask', 'useSeparateProjWeight', 'qProjWeight', 'kProjWeight', 'vProjWeight',
  'averageAttnWeights', 'isCausal', 'batchFirst',
);

const FN = 'multi_head_attention_forward';
const size = (t: Tensor) => `torch.Size([${t.shape.join(', ')}])`;
const tuple = (xs: number[]) => `(${xs.join(', ')}${xs.length === 1 ? ',' : ''})`;

/** PyTorch's _mha_shape_check: whether the input is batched, with its messages. */
function mhaShapeCheck(q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | null, mask: Tensor | null, numHeads: number): boolean {
  if (q.dim() === 3) {
    if (k.dim() !== 3 || v.dim() !== 3) {
      throw new Error(`For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${k.dim()}-D and ${v.dim()}-D tensors respectively`);
    }
    if (kpm !== null && kpm.dim() !== 2) {
      throw new Error(`For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.dim()}-D tensor instead`);
    }
    if (mask !== null && mask.dim() !== 2 && mask.dim() !== 3) {
      throw new Error(`For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.dim()}-D tensor instead`);
    }
    return true;
  }
  if (q.dim() === 2) {
    if (k.dim() !== 2 || v.dim() !== 2) {
      throw new Error(`For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${k.dim()}-D and ${v.dim()}-D tensors respectively`);
    }
    if (kpm !== null && kpm.dim() !== 1) {
      throw new Error(`For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.dim()}-D tensor instead`);
    }
    if (mask !== null) {
      if (mask.dim() !== 2 && mask.dim() !== 3) {
        throw new Error(`For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.dim()}-D tensor instead`);
      }
      const expected = [numHeads, q.shape[0], k.shape[0]];
      if (mask.dim() === 3 && mask.shape.join() !== expected.join()) {
        throw new Error(`Expected \`attn_mask\` shape to be ${tuple(expected)} but got ${size(mask)}`);
      }
    }
    return false;
  }
  throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${q.dim()}-D query tensor`);
}

/** uint8 masks are taken as bool (PyTorch warns that this is deprecated); others must be bool or float. */
function maskDtype(mask: Tensor | null, name: string): Tensor | null {
  if (mask === null) return null;
  if (mask.dtype === uint8) return mask.to(boolDtype);
  if (mask.dtype !== boolDtype && !mask.isFloatingPoint()) {
    throw new Error(`only bool and floating types of ${name} are supported`);
  }
  return mask;
}

/** `F.pad(mask, (0, 1))`: one more key column that takes part. */
function padKeyColumn(mask: Tensor): Tensor {
  return cat([mask, zerosOf([...mask.shape.slice(0, -1), 1], mask)], -1);
}

/** [.., .., E] in the input's layout -> [N, H, len, hd] (a view where the layout allows). */
function heads(x: Tensor, batchFirst: boolean, numHeads: number): Tensor {
  const [a, b, e] = x.shape;
  const split = reshape(x, [a, b, numHeads, e / numHeads]);
  return batchFirst ? permute(split, 0, 2, 1, 3) : permute(split, 1, 2, 0, 3);
}

/**
 * PyTorch's `multi_head_attention_forward`: the positional arguments up to `out_proj_bias`,
 * then the keywords as one options object. Returns `[attnOutput, attnWeights | null]`;
 * the weights are averaged over heads unless `averageAttnWeights: false`.
 * @example
 * const [out, w] = F.multiHeadAttentionForward(x, x, x, 8, 2, mha.in_proj_weight, mha.in_proj_bias, null, null,
 *   false, 0, mha.out_proj.weight, mha.out_proj.bias, { training: false });
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  options: MultiHeadAttentionForwardOptions = {},
): [Tensor, Tensor | null] {
  checkTensor(query, FN, 'query');
  checkTensor(key, FN, 'key');
  checkTensor(value, FN, 'value');
  checkSize(embedDimToCheck, FN, 'embed_dim_to_check');
  checkSize(numHeads, FN, 'num_heads');
  for (const [t, name] of [[inProjWeight, 'in_proj_weight'], [inProjBias, 'in_proj_bias'], [biasK, 'bias_k'], [biasV, 'bias_v'], [outProjBias, 'out_proj_bias']] as const) {
    checkOptionalTensor(t, FN, name);
  }
  checkTensor(outProjWeight, FN, 'out_proj_weight');
  checkBoolean(addZeroAttn, FN, 'add_zero_attn');
  checkNumber(dropoutP, FN, 'dropout_p');
  checkOptions(options, FN, MHA_KEYS);
  const {
    training = true, needWeights = true, useSeparateProjWeight = false, averageAttnWeights = true, isCausal = false, batchFirst = false,
    qProjWeight = null, kProjWeight = null, vProjWeight = null,
  } = options;
  let { keyPaddingMask = null, attnMask = null } = options;
  for (const [flag, name] of [[training, 'training'], [needWeights, 'need_weights'], [useSeparateProjWeight, 'use_separate_proj_weight'],
    [averageAttnWeights, 'average_attn_weights'], [isCausal, 'is_causal'], [batchFirst, 'batch_first']] as const) {
    checkBoolean(flag, FN, name);
  }
  for (const [t, name] of [[keyPaddingMask, 'key_padding_mask'], [attnMask, 'attn_mask'], [qProjWeight, 'q_proj_weight'],
    [kProjWeight, 'k_proj_weight'], [vProjWeight, 'v_proj_weight']] as const) {
    checkOptionalTensor(t, FN, name);
  }
  keyPaddingMask ??= null;
  attnMask ??= null;

  const batched = mhaShapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads);
  let bf = batchFirst;
  let [q, k, v] = [query, key, value];
  if (!batched) {
    // One batch of one: batch-first so that the unsqueezed dim leads.
    [q, k, v] = [unsqueeze(q, 0), unsqueeze(k, 0), unsqueeze(v, 0)];
    if (keyPaddingMask !== null) keyPaddingMask = unsqueeze(keyPaddingMask, 0);
    bf = true;
  }
  const [tgtLen, bsz] = bf ? [q.shape[1], q.shape[0]] : [q.shape[0], q.shape[1]];
  const embedDim = q.shape[2];
  if (embedDim !== embedDimToCheck) throw new Error(`was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / numHeads);
  if (headDim * numHeads !== embedDim) throw new Error(`embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (useSeparateProjWeight) {
    if (k.shape[0] !== v.shape[0] || k.shape[1] !== v.shape[1]) {
      throw new Error(`key's sequence and batch dims torch.Size([${k.shape.slice(0, 2).join(', ')}]) do not match value's torch.Size([${v.shape.slice(0, 2).join(', ')}])`);
    }
  } else if (k.shape.join() !== v.shape.join()) {
    throw new Error(`key shape ${size(k)} does not match value shape ${size(v)}`);
  }

  // In-projection: one GEMM for self-attention, else q and a packed kv, else three.
  const selfAttention = query === key && key === value;
  let qp: Tensor;
  let kp: Tensor;
  let vp: Tensor;
  let packedQkv: Tensor | null = null;
  const part = (t: Tensor | null, i: number, n = 1) => (t === null ? null : narrow(t, 0, i * embedDim, n * embedDim));
  if (!useSeparateProjWeight) {
    if (inProjWeight === null) throw new Error('use_separate_proj_weight is False but in_proj_weight is None');
    if (selfAttention) {
      packedQkv = linear(q, inProjWeight, inProjBias);
      [qp, kp, vp] = splitLast(packedQkv, 3);
    } else if (key === value) {
      qp = linear(q, part(inProjWeight, 0)!, part(inProjBias, 0));
      [kp, vp] = splitLast(linear(k, part(inProjWeight, 1, 2)!, part(inProjBias, 1, 2)), 2);
    } else {
      qp = linear(q, part(inProjWeight, 0)!, part(inProjBias, 0));
      kp = linear(k, part(inProjWeight, 1)!, part(inProjBias, 1));
      vp = linear(v, part(inProjWeight, 2)!, part(inProjBias, 2));
    }
  } else {
    if (qProjWeight === null) throw new Error('use_separate_proj_weight is True but q_proj_weight is None');
    if (kProjWeight === null) throw new Error('use_separate_proj_weight is True but k_proj_weight is None');
    if (vProjWeight === null) throw new Error('use_separate_proj_weight is True but v_proj_weight is None');
    qp = linear(q, qProjWeight, part(inProjBias, 0));
    kp = linear(k, kProjWeight, part(inProjBias, 1));
    vp = linear(v, vProjWeight, part(inProjBias, 2));
  }

  attnMask = maskDtype(attnMask, 'attn_mask');
  if (attnMask !== null) {
    if (attnMask.dim() === 2) {
      const expected = [tgtLen, kLen(k, bf)];
      if (attnMask.shape.join() !== expected.join()) {
        throw new Error(`The shape of the 2D attn_mask is ${size(attnMask)}, but should be ${tuple(expected)}.`);
      }
    } else if (attnMask.dim() === 3) {
      const expected = [bsz * numHeads, tgtLen, kLen(k, bf)];
      if (attnMask.shape.join() !== expected.join()) {
        throw new Error(`The shape of the 3D attn_mask is ${size(attnMask)}, but should be ${tuple(expected)}.`);
      }
    } else {
      throw new Error(`attn_mask's dimension ${attnMask.dim()} is not supported`);
    }
  }
  keyPaddingMask = maskDtype(keyPaddingMask, 'key_padding_mask');
  if (isCausal && attnMask === null) {
    throw new Error(
      'Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.',
    );
  }

  // Extra key columns (bias_k/bias_v, then a zero key), batch-major [N, S, E].
  if ((biasK === null) !== (biasV === null)) throw new Error('bias_k and bias_v must both be given or both be None');
  if (biasK !== null || addZeroAttn) {
    if (!bf) [qp, kp, vp] = [transpose(qp, 0, 1), transpose(kp, 0, 1), transpose(vp, 0, 1)];
    bf = true;
    const extra = (t: Tensor, b: Tensor | null) =>
      cat([t, b === null ? zerosOf([bsz, 1, embedDim], t) : expand(reshape(b, [1, 1, embedDim]), [bsz, 1, embedDim])], 1);
    if (biasK !== null) {
      kp = extra(kp, biasK);
      vp = extra(vp, biasV);
      if (attnMask !== null) attnMask = padKeyColumn(attnMask);
      if (keyPaddingMask !== null) keyPaddingMask = padKeyColumn(keyPaddingMask);
    }
    if (addZeroAttn) {
      kp = extra(kp, null);
      vp = extra(vp, null);
      if (attnMask !== null) attnMask = padKeyColumn(attnMask);
      if (keyPaddingMask !== null) keyPaddingMask = padKeyColumn(keyPaddingMask);
    }
  }
  let qh: Tensor;
  let kh: Tensor;
  let vh: Tensor;
  if (packedQkv !== null && biasK === null && !addZeroAttn) {
    // Self-attention: the heads are views of the one projection, [A, B, 3, H, hd] -> 3 x [N, H, L, hd].
    const [a, b] = packedQkv.shape;
    const split = reshape(packedQkv, [a, b, 3, numHeads, headDim]);
    [qh, kh, vh] = unbind(bf ? permute(split, 2, 0, 3, 1, 4) : permute(split, 2, 1, 3, 0, 4), 0);
  } else {
    [qh, kh, vh] = [heads(qp, bf, numHeads), heads(kp, bf, numHeads), heads(vp, bf, numHeads)];
  }
  const srcLen = kh.shape[2];

  if (keyPaddingMask !== null && keyPaddingMask.shape.join() !== [bsz, srcLen].join()) {
    throw new Error(`expecting key_padding_mask shape of ${tuple([bsz, srcLen])}, but got ${size(keyPaddingMask)}`);
  }
  let causal = false;
  let mask: Tensor | null = null;
  if (isCausal && keyPaddingMask === null && !needWeights) {
    causal = true;  // the hint: SDPA builds the mask itself
  } else {
    if (attnMask !== null) {
      mask = floatMaskOf(attnMask, qh);
      mask = mask.dim() === 2 ? view(mask, [1, 1, tgtLen, srcLen]) : view(mask, [bsz, numHeads, tgtLen, srcLen]);
    }
    if (keyPaddingMask !== null) {
      const kpm = view(floatMaskOf(keyPaddingMask, qh), [bsz, 1, 1, srcLen]);
      mask = mask === null ? kpm : add(mask, kpm);
    }
    if (mask !== null && mask.dtype !== qh.dtype) mask = mask.to(qh.dtype);
  }
  const p = training ? dropoutP : 0;

  let attended: Tensor;
  let weights: Tensor | null = null;
  if (needWeights) {
    const r = attentionMath(qh, kh, vh, mask, causal, 1 / Math.sqrt(headDim), p);
    attended = r.output;
    weights = averageAttnWeights ? div(sum(r.weights, 1), numHeads) : r.weights;
  } else {
    attended = scaledDotProductAttention(qh, kh, vh, { attnMask: mask, dropoutP: p, isCausal: causal });
  }
  // [N, H, L, hd] -> the output layout, heads merged, then the out-projection.
  const merged = batched && !batchFirst
    ? reshape(permute(attended, 2, 0, 1, 3), [tgtLen, bsz, embedDim])
    : reshape(permute(attended, 0, 2, 1, 3), [bsz, tgtLen, embedDim]);
  const out = linear(merged, outProjWeight, outProjBias);
  if (!batched) return [squeeze(out, 0), weights === null ? null : squeeze(weights, 0)];
  return [out, weights];
}

function kLen(k: Tensor, batchFirst: boolean): number {
  return batchFirst ? k.shape[1] : k.shape[0];
}

/** Views of `n` equal parts of the last dim. */
function splitLast(x: Tensor, n: number): Tensor[] {
  const e = x.shape[x.dim() - 1] / n;
  return unbind(view(x, [...x.shape.slice(0, -1), n, e]), -2);
}
