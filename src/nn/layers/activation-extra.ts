/**
 * Softmin, Softmax2d and RReLU, printing as PyTorch's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { checkBoolean, checkNumber } from '../../tensor/args.js';
import { Module } from '../module.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as A from '../functional/activation.js';
import { rrelu, softmin, type RReluOptions } from '../functional/activations-extra.js';
import { bindArgs } from '../functional/pooling-args.js';
import { dimArgument, implicitDim, type DimOption } from './activation.js';

/**
 * `softmax(-x)` along `dim` (PyTorch's legacy choice of dim when none is given).
 * @example new nn.Softmin(1)(scores)
 */
export class Softmin extends Module {
  static override _holdsNoActivations = true;
  dim: number | null;
  constructor(dim: number | null | DimOption = null) {
    super();
    this.dim = dimArgument(dim, 'Softmin');
  }
  override forward(input: Tensor): Tensor {
    return softmin(input, this.dim ?? implicitDim(input));
  }
  override extraRepr(): string {
    return `dim=${pyRepr(this.dim)}`;
  }
}

/**
 * Softmax over the channels of a (C, H, W) or (N, C, H, W) input, at each location.
 * @example new nn.Softmax2d()(torch.randn(2, 3, 12, 13))
 */
export class Softmax2d extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    if (input.dim() !== 3 && input.dim() !== 4) {
      throw new Error('Softmax2d requires a 3D or 4D tensor as input');
    }
    return A.softmax(input, -3);
  }
}

/**
 * Options of the RReLU module: PyTorch's keywords.
 * @example new nn.RReLU({ lower: 0.1, upper: 0.3 })
 */
export type RReLUOptions = Omit<RReluOptions, 'training'>;

/**
 * Randomized leaky ReLU: in `train()` mode each element `<= 0` gets its own slope drawn from
 * `U(lower, upper)`, in `eval()` mode the slope is `(lower + upper) / 2`.
 * @example new nn.RReLU(); new nn.RReLU(0.1, 0.3); new nn.RReLU(0.1, 0.3, { inplace: true })
 */
export class RReLU extends Module {
  static override _holdsNoActivations = true;
  lower: number;
  upper: number;
  inplace: boolean;
  constructor(lower?: number | RReLUOptions, upper?: number | RReLUOptions, inplace?: boolean | RReLUOptions) {
    super();
    const a = bindArgs('RReLU', [lower, upper, inplace], ['lower', 'upper', 'inplace']);
    this.lower = (a.lower ?? 1 / 8) as number;
    this.upper = (a.upper ?? 1 / 3) as number;
    this.inplace = (a.inplace ?? false) as boolean;
    checkNumber(this.lower, 'RReLU', 'lower');
    checkNumber(this.upper, 'RReLU', 'upper');
    checkBoolean(this.inplace, 'RReLU', 'inplace');
  }
  override forward(input: Tensor): Tensor {
    return rrelu(input, this.lower, this.upper, this.training, this.inplace);
  }
  override extraRepr(): string {
    return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}${this.inplace ? ', inplace=True' : ''}`;
  }
}
