/**
 * `F.scaledDotProductAttention` (PyTorch 2.x semantics): the fused kernel where
 * fused-attention.ts says it applies, otherwise matmul-softmax-matmul over batched views,
 * composite ops with autograd. The masks of MultiheadAttention are built in mha-masks.ts.
 */
import { Tensor } from '../../tensor/tensor.js';
import { bool as boolDtype } from '../../tensor/dtype.js';
import { add, mul, where } from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { softmax } from '../../ops/softmax.js';
import { transpose } from '../../ops/shape.js';
import { tril } from '../../ops/structured.js';
import { filled } from '../../ops/internal-tensors.js';
import { dropout } from './layers.js';
import { gradEnabled } from '../../autograd/grad-mode.js';
import { autocastHook, autocastOp } from '../../amp/autocast-policy.js';
import { fusedAttention, fusedAttentionApplies } from './fused-attention.js';
import { argumentError, checkBoolean, checkNumber, checkOptionalTensor, checkOptions, checkTensor, keysOf } from '../../tensor/args.js';

/**
 * The keyword arguments of scaledDotProductAttention.
 * @example F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.5 })
 */
export interface ScaledDotProductAttentionOptions {
  /** A bool mask (true = takes part) or an additive float mask, broadcastable to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as PyTorch's). */
  dropoutP?: number;
  /** Query i attends to keys j <= i (a top-left aligned lower triangle). */
  isCausal?: boolean;
  /** The factor on q·kᵀ; default 1/sqrt(E). */
  scale?: number | null;
}
const SDPA_KEYS = keysOf<ScaledDotProductAttentionOptions>()('attnMask', 'dropoutP', 'isCausal', 'scale');

type SdpaTail = [
  (Tensor | null | ScaledDotProductAttentionOptions)?,
  (number | ScaledDotProductAttentionOptions)?,
  (boolean | ScaledDotProductAttentionOptions)?,
  ScaledDotProductAttentionOptions?,
];

/** Positional (attnMask, dropoutP, isCausal) then one options object, as PyTorch's keywords. */
function sdpaArgs(rest: SdpaTail): Required<ScaledDotProductAttentionOptions> {
  const fn = 'scaled_dot_product_attention';
  const names = ['attnMask', 'dropoutP', 'isCausal'] as const;
  const resolved: ScaledDotProductAttentionOptions = {};
  let i = 0;
  for (; i < rest.length; i++) {
    const a = rest[i];
    const isOptions = a !== null && a !== undefined && typeof a === 'object' && !(a instanceof Tensor);
    if (isOptions) {
      if (i !== rest.length - 1) throw new TypeError(`${fn}(): an options object must be the last argument`);
      checkOptions(a, fn, SDPA_KEYS);
      for (const key of SDPA_KEYS) {
        const v = (a as Record<string, unknown>)[key];
        if (v === undefined) continue;
        if (key !== 'scale' && names.indexOf(key as (typeof names)[number]) < i) {
          throw new TypeError(`${fn}(): got multiple values for argument '${key}'`);
        }
        (resolved as Record<string, unknown>)[key] = v;
      }
      break;
    }
    if (i >= names.length) throw new TypeError(`${fn}(): takes at most 6 positional arguments`);
    if (a !== undefined) (resolved as Record<string, unknown>)[names[i]] = a;
  }
  const { attnMask = null, dropoutP = 0, isCausal = false, scale = null } = resolved;
  checkOptionalTensor(attnMask, fn, 'attn_mask');
  checkNumber(dropoutP, fn, 'dropout_p');
  checkBoolean(isCausal, fn, 'is_causal');
  if (scale !== null) checkNumber(scale, fn, 'scale');
  return { attnMask: attnMask ?? null, dropoutP, isCausal, scale };
}

/**
 * `softmax(q·kᵀ·scale + mask) · v` over the last two dims, batched (with broadcasting)
 * over the leading ones: query [..., L, E], key [..., S, E], value [..., S, Ev] ->
 * [..., L, Ev]. A bool `attnMask` says which pairs take part (true); a float one is added
 * to the scores. `isCausal` masks keys after each query (top-left aligned), and may not
 * be given with `attnMask`. `dropoutP` > 0 drops attention weights (always, as PyTorch's:
 * pass 0 in eval).
 * @example
 * const q = torch.randn(2, 8, 16, 32), k = torch.randn(2, 8, 20, 32), v = torch.randn(2, 8, 20, 32);
 * F.scaledDotProductAttention(q, k, v).shape; // [2, 8, 16, 32]
 * F.scaledDotProductAttention(q, q, q, null, 0, true);
 * F.scaledDotProductAttention(q, k, v, { attnMask: mask, scale: 0.1 });
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, ...rest: SdpaTail): Tensor {
  // PyTorch 2's CUDA autocast lists it as a lower-precision op: q, k, v and a float mask.
  if (autocastHook.active) return autocastOp('scaledDotProductAttention', scaledDotProductAttention, arguments);
  const fn = 'scaled_dot_product_attention';
  checkTensor(query, fn, 'query');
  checkTensor(key, fn, 'key');
  checkTensor(value, fn, 'value');
  const { attnMask, dropoutP, isCausal, scale } = sdpaArgs(rest);
  if (query.dim() < 2 || key.dim() < 2 || value.dim() < 2) {
    throw new Error(`${fn}: expected query, key and value of at least 2 dims, but got ${query.dim()}, ${key.dim()} and ${value.dim()}`);
  }
  if (!query.isFloatingPoint()) throw new Error(`${fn}: expected a floating point query, but got ${query.dtype.name}`);
  if (query.dtype !== key.dtype || query.dtype !== value.dtype) {
    throw new Error(
      `Expected query, key, and value to have the same dtype, but got query.dtype: ${query.dtype.name} key.dtype: ${key.dtype.name} and value.dtype: ${value.dtype.name} instead.`,
    );
  }
  const E = query.shape[query.dim() - 1];
  if (key.shape[key.dim() - 1] !== E) {
    throw new Error(`${fn}: expected key's last dim to be query's (${E}), but got ${key.shape[key.dim() - 1]}`);
  }
  if (key.shape[key.dim() - 2] !== value.shape[value.dim() - 2]) {
    throw new Error(`${fn}: expected key and value of the same sequence length, but got ${key.shape[key.dim() - 2]} and ${value.shape[value.dim() - 2]}`);
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${dropoutP}`);
  if (isCausal && attnMask !== null) {
    throw new Error('_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True');
  }
  if (attnMask !== null && attnMask.dtype !== boolDtype && attnMask.dtype !== query.dtype) {
    throw new Error(
      `Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: ${attnMask.dtype.name} and  query.dtype: ${query.dtype.name} instead.`,
    );
  }
  const factor = scale ?? 1 / Math.sqrt(E);
  const options = { isCausal, scale: factor, mask: attnMask ?? undefined, dropoutP };
  if (fusedAttentionApplies(query, key, value, options)) return fusedAttention(query, key, value, options);
  const { output, weights } = attentionMath(query, key, value, attnMask, isCausal, factor, dropoutP);
  if (!gradEnabled() || !weights.requiresGrad) weights.dispose();
  return output;
}

/**
 * The matmul-softmax path, also returning the (post-dropout) weights MultiheadAttention
 * reports. The scale goes on q or on the scores, whichever is smaller.
 * @internal
 * @example const { output, weights } = attentionMath(q, k, v, null, false, 0.125, 0);
 */
export function attentionMath(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  isCausal: boolean,
  scale: number,
  dropoutP: number,
): { output: Tensor; weights: Tensor } {
  const L = q.shape[q.dim() - 2];
  const S = k.shape[k.dim() - 2];
  const kt = transpose(k, -2, -1);
  // Without a graph to keep them, each intermediate is freed as soon as the next exists.
  const recording = gradEnabled() && [q, k, v, mask].some((t) => t !== null && t.requiresGrad);
  const next = (prev: Tensor, made: Tensor): Tensor => {
    if (!recording && made !== prev) prev.dispose();
    return made;
  };
  let scores: Tensor;
  if (scale === 1) scores = matmul(q, kt);
  else if (q.shape[q.dim() - 1] <= S) {
    const qs = mul(q, scale);
    scores = matmul(qs, kt);
    if (!recording) qs.dispose();
  } else {
    const raw = matmul(q, kt);
    scores = next(raw, mul(raw, scale));
  }
  if (isCausal) {
    const causal = causalMask(L, S, q);
    scores = next(scores, where(causal, scores, -Infinity));
    if (!recording) causal.dispose();
  }
  if (mask !== null) scores = next(scores, mask.dtype === boolDtype ? where(mask, scores, -Infinity) : add(scores, mask));
  let weights = next(scores, softmax(scores, -1));
  if (dropoutP > 0) weights = next(weights, dropout(weights, dropoutP, true));
  return { output: matmul(weights, v), weights };
}

/**
 * [L, S] bool: true on and below the diagonal (top-left aligned), on `like`'s device.
 * @internal
 * @example causalMask(3, 3, q) // [[T, F, F], [T, T, F], [T, T, T]]
 */
export function causalMask(L: number, S: number, like: Tensor): Tensor {
  return tril(filled([L, S], 1, boolDtype, like.device));
}

/**
 * A bool (true = masked out) or float mask as an additive float mask in `dtype`.
 * @internal
 * @example floatMaskOf(paddingMask, torch.float32)
 */
export function floatMaskOf(mask: Tensor, like: Tensor): Tensor {
  if (mask.dtype === boolDtype) return where(mask, -Infinity, filled([], 0, like.dtype, like.device));
  if (!mask.isFloatingPoint()) throw argumentError('multi_head_attention_forward', 'mask', 'a bool or float tensor', mask);
  return mask;
}

