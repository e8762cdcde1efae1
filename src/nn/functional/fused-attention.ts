/**
 * The seam between `F.scaledDotProductAttention` (src/nn/functional/attention.ts) and the
 * fused, tiled attention kernels. Until the kernels land, no call applies, and
 * scaledDotProductAttention takes its matmul-softmax path for every input.
 */
import type { Tensor } from '../../tensor/tensor.js';

/**
 * What the fused kernel is asked to compute:
 * `softmax(q·kᵀ·scale + mask) · v` over the last two dims, batched over the leading ones.
 * @example const options: FusedAttentionOptions = { isCausal: true, scale: 0.125, dropoutP: 0 };
 */
export interface FusedAttentionOptions {
  /** Query i attends to keys j <= i (top-left aligned, as PyTorch's is_causal). */
  isCausal: boolean;
  /** The factor applied to q·kᵀ (PyTorch's default is 1/sqrt(E)). */
  scale: number;
  /** A bool mask (true = takes part) or an additive float mask, broadcastable to [..., L, S]. */
  mask?: Tensor;
  /** The dropout probability on the attention weights (0 when not training). */
  dropoutP: number;
}

/**
 * Whether the fused kernel computes this call; false sends it to the matmul-softmax path.
 * @example if (fusedAttentionApplies(q, k, v, options)) return fusedAttention(q, k, v, options);
 */
export function fusedAttentionApplies(
  _q: Tensor,
  _k: Tensor,
  _v: Tensor,
  _options: FusedAttentionOptions,
): boolean {
  return false;
}

/**
 * The fused attention, with its autograd node. Only called where fusedAttentionApplies.
 * @example const out = fusedAttention(q, k, v, { isCausal: false, scale: 0.125, dropoutP: 0 });
 */
export function fusedAttention(_q: Tensor, _k: Tensor, _v: Tensor, _options: FusedAttentionOptions): Tensor {
  throw new Error('fusedAttention: no fused attention kernel is built in');
}
