/**
 * Softmin and Softmax2d, printing as PyTorch's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { neg } from '../../ops/elementwise.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import * as A from '../functional/activation.js';
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
    return A.softmax(neg(input), this.dim ?? implicitDim(input));
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
