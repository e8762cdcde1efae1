/**
 * GroupNorm and LocalResponseNorm, the modules over `F.groupNorm` and
 * `F.localResponseNorm`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as init from '../init.js';
import { groupNorm, localResponseNorm } from '../functional/normalization.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { checkBoolean, checkNumber, checkOptions, checkSize, keysOf } from '../../tensor/args.js';

/**
 * The options of `new nn.GroupNorm(...)`, as PyTorch's keywords.
 * @example new nn.GroupNorm(4, 32, { eps: 1e-6 })
 */
export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  affine?: boolean;
}
const GROUP_NORM_KEYS = keysOf<GroupNormOptions>()('eps', 'affine', ...FACTORY_KEYS);

/**
 * Group normalisation: each sample's `numChannels` channels in `numGroups` groups,
 * normalised per group, with a per-channel affine (ones and zeros at init).
 * @example new nn.GroupNorm(2, 6)(torch.randn(4, 6, 8, 8))
 */
export class GroupNorm extends Module {
  static override _holdsNoActivations = true;
  numGroups: number;
  numChannels: number;
  eps: number;
  affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  constructor(numGroups: number, numChannels: number, eps?: number | GroupNormOptions, affine?: boolean, options: GroupNormOptions = {}) {
    super();
    checkSize(numGroups, 'GroupNorm', 'numGroups');
    checkSize(numChannels, 'GroupNorm', 'numChannels');
    if (typeof eps === 'object' && eps !== null) {
      options = eps;
      eps = undefined;
    }
    checkOptions(options, 'GroupNorm', GROUP_NORM_KEYS);
    const o = options ?? {};
    eps = eps ?? o.eps ?? 1e-5;
    affine = affine ?? o.affine ?? true;
    checkNumber(eps, 'GroupNorm', 'eps');
    checkBoolean(affine, 'GroupNorm', 'affine');
    if (numGroups === 0 || numChannels % numGroups !== 0) throw new Error('num_channels must be divisible by num_groups');
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    const factory = factoryOf(o, 'GroupNorm');
    if (affine) {
      this.weight = new Parameter(empty([numChannels], factory));
      this.bias = new Parameter(empty([numChannels], factory));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    this.resetParameters();
  }
  /** Ones for the weight, zeros for the bias. @example gn.resetParameters() */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyRepr(this.affine)}`;
  }
}

/**
 * The options of `new nn.LocalResponseNorm(size, ...)`, as PyTorch's keywords.
 * @example new nn.LocalResponseNorm(5, { alpha: 1e-3 })
 */
export interface LocalResponseNormOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}
const LRN_KEYS = keysOf<LocalResponseNormOptions>()('alpha', 'beta', 'k');

/**
 * Local response normalisation across channels (AlexNet's), see `F.localResponseNorm`.
 * @example new nn.LocalResponseNorm(2)(torch.randn(1, 4, 5, 5))
 */
export class LocalResponseNorm extends Module {
  static override _holdsNoActivations = true;
  size: number;
  alpha: number;
  beta: number;
  k: number;
  constructor(size: number, alpha?: number | LocalResponseNormOptions, beta?: number, k?: number) {
    super();
    checkSize(size, 'LocalResponseNorm', 'size');
    let o: LocalResponseNormOptions = {};
    if (typeof alpha === 'object' && alpha !== null) {
      checkOptions(alpha, 'LocalResponseNorm', LRN_KEYS);
      o = alpha;
      alpha = undefined;
    }
    this.size = size;
    this.alpha = alpha ?? o.alpha ?? 1e-4;
    this.beta = beta ?? o.beta ?? 0.75;
    this.k = k ?? o.k ?? 1.0;
    checkNumber(this.alpha, 'LocalResponseNorm', 'alpha');
    checkNumber(this.beta, 'LocalResponseNorm', 'beta');
    checkNumber(this.k, 'LocalResponseNorm', 'k');
  }
  override forward(input: Tensor): Tensor {
    return localResponseNorm(input, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
