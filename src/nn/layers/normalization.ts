/**
 * LayerNorm (the batch and instance norms are in batch-norm.ts, GroupNorm and
 * LocalResponseNorm in group-norm.ts).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as init from '../init.js';
import * as F from '../functional/layers.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { argumentError, checkBoolean, checkNumber, checkOptions, keysOf } from '../../tensor/args.js';

/**
 * The options of `new nn.LayerNorm(...)`, as PyTorch's keywords.
 * @example new nn.LayerNorm(8, { eps: 1e-6, elementwiseAffine: false })
 */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  bias?: boolean;
}
const LAYER_NORM_KEYS = keysOf<LayerNormOptions>()('eps', 'elementwiseAffine', 'bias', ...FACTORY_KEYS);

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with a learnable
 * elementwise affine (ones and zeros at init).
 * @example new nn.LayerNorm(256)
 */
export class LayerNorm extends Module {
  static override _holdsNoActivations = true;
  static override _version = 2;
  normalizedShape: number[];
  eps: number;
  elementwiseAffine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw argumentError('LayerNorm', 'normalizedShape', 'a non-negative integer or an array of them', normalizedShape);
    }
    checkOptions(options, 'LayerNorm', LAYER_NORM_KEYS);
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = options ?? {};
    checkNumber(eps, 'LayerNorm', 'eps');
    checkBoolean(elementwiseAffine, 'LayerNorm', 'elementwiseAffine');
    checkBoolean(bias, 'LayerNorm', 'bias');
    this.normalizedShape = shape.slice();
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    const factory = factoryOf(options ?? {}, 'LayerNorm');
    if (this.elementwiseAffine) {
      this.weight = new Parameter(empty(this.normalizedShape, factory));
      if (bias) this.bias = new Parameter(empty(this.normalizedShape, factory));
      else this.registerParameter('bias', null);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    this.resetParameters();
  }
  /** Ones for the weight, zeros for the bias. @example ln.resetParameters() */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  override forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyRepr(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyRepr(this.elementwiseAffine)}`;
  }
}

// BatchNorm1d moved to batch-norm.ts with the other batch and instance norms.
export { BatchNorm1d } from './batch-norm.js';
export type { BatchNormOptions } from './batch-norm.js';
