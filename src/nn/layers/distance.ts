/**
 * The distance modules, CosineSimilarity and PairwiseDistance: they hold the options of
 * `F.cosineSimilarity` / `F.pairwiseDistance` and print as PyTorch's (no extra repr).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { checkBoolean, checkInteger, checkNumber } from '../../tensor/args.js';
import { Module } from '../module.js';
import { bindArgs } from '../functional/pooling-args.js';
import { cosineSimilarity, pairwiseDistance, type CosineSimilarityOptions, type PairwiseDistanceOptions } from '../functional/distance.js';

/**
 * Cosine similarity of two inputs along `dim` (default 1), the norms clamped at `eps`.
 * @example new nn.CosineSimilarity()(a, b); new nn.CosineSimilarity(0, 1e-6); new nn.CosineSimilarity(0, { eps: 1e-6 })
 */
export class CosineSimilarity extends Module {
  static override _holdsNoActivations = true;
  dim: number;
  eps: number;
  constructor(dim?: number | CosineSimilarityOptions, eps?: number | CosineSimilarityOptions) {
    super();
    const a = bindArgs('CosineSimilarity', [dim, eps], ['dim', 'eps']);
    this.dim = (a.dim ?? 1) as number;
    this.eps = (a.eps ?? 1e-8) as number;
    checkInteger(this.dim, 'CosineSimilarity', 'dim');
    checkNumber(this.eps, 'CosineSimilarity', 'eps');
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarity(x1, x2, this.dim, this.eps);
  }
}

/**
 * The p-norm of `x1 - x2 + eps` over the last dimension. PyTorch keeps `p` as the
 * attribute `norm`; so does this module.
 * @example new nn.PairwiseDistance()(a, b); new nn.PairwiseDistance(1); new nn.PairwiseDistance({ p: 1, keepdim: true })
 */
export class PairwiseDistance extends Module {
  static override _holdsNoActivations = true;
  norm: number;
  eps: number;
  keepdim: boolean;
  constructor(
    p?: number | PairwiseDistanceOptions,
    eps?: number | PairwiseDistanceOptions,
    keepdim?: boolean | PairwiseDistanceOptions,
  ) {
    super();
    const a = bindArgs('PairwiseDistance', [p, eps, keepdim], ['p', 'eps', 'keepdim']);
    this.norm = (a.p ?? 2) as number;
    this.eps = (a.eps ?? 1e-6) as number;
    this.keepdim = (a.keepdim ?? false) as boolean;
    checkNumber(this.norm, 'PairwiseDistance', 'p');
    checkNumber(this.eps, 'PairwiseDistance', 'eps');
    checkBoolean(this.keepdim, 'PairwiseDistance', 'keepdim');
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseDistance(x1, x2, this.norm, this.eps, this.keepdim);
  }
}
