/**
 * Channel-wise and alpha dropout layers (PyTorch's `_DropoutNd` family besides `Dropout`):
 * active in `train()` mode, the identity in `eval()` mode, printing as PyTorch's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { pyFloat, pyRepr } from '../repr.js';
import { inplaceOf, type InplaceOptions } from '../functional/activation.js';
import { alphaDropout, dropout1d, dropout2d, dropout3d, featureAlphaDropout } from '../functional/dropout-nd.js';
import { checkNumber } from '../../tensor/args.js';

/** `_DropoutNd`: holds `p` and `inplace`, checked as PyTorch checks them. */
abstract class DropoutNd extends Module {
  static override _holdsNoActivations = true;
  p: number;
  inplace: boolean;
  constructor(p = 0.5, options: InplaceOptions | boolean = {}) {
    super();
    const name = new.target.name;
    checkNumber(p, name, 'p');
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = inplaceOf(options, name);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyRepr(this.inplace)}`;
  }
}

/**
 * Zeroes whole channels of (N, C, L) or (C, L) inputs (`F.dropout1d`).
 * @example const drop = new nn.Dropout1d(0.2); drop(x)
 */
export class Dropout1d extends DropoutNd {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return dropout1d(input, this.p, this.training, this.inplace);
  }
}

/**
 * Zeroes whole channels of (N, C, H, W) inputs (`F.dropout2d`).
 * @example const drop = new nn.Dropout2d(0.5); drop(x)
 */
export class Dropout2d extends DropoutNd {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training, this.inplace);
  }
}

/**
 * Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) inputs (`F.dropout3d`).
 * @example const drop = new nn.Dropout3d(0.5); drop(x)
 */
export class Dropout3d extends DropoutNd {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return dropout3d(input, this.p, this.training, this.inplace);
  }
}

/**
 * Alpha dropout for self-normalizing (SELU) networks (`F.alphaDropout`). As in PyTorch, its
 * forward ignores `inplace`.
 * @example const drop = new nn.AlphaDropout(0.1); drop(x)
 */
export class AlphaDropout extends DropoutNd {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return alphaDropout(input, this.p, this.training);
  }
}

/**
 * Alpha dropout of whole channels (`F.featureAlphaDropout`); ignores `inplace` as PyTorch does.
 * @example const drop = new nn.FeatureAlphaDropout(0.1); drop(x)
 */
export class FeatureAlphaDropout extends DropoutNd {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return featureAlphaDropout(input, this.p, this.training);
  }
}
