/**
 * nn.Bilinear: `y = x1ᵀ A x2 + b`, initialised as PyTorch's (U(±1/√in1_features) for
 * weight and bias, drawn in PyTorch's order, so that seeds give PyTorch's values).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import { bilinear } from '../functional/bilinear.js';
import { checkBoolean, checkOptions, checkSize } from '../../tensor/args.js';
import { factoryOf } from './factory.js';
import { LINEAR_KEYS, type LinearOptions } from './linear.js';

/**
 * Bilinear layer with weight (out, in1, in2) and bias (out).
 * @example
 * const layer = new nn.Bilinear(20, 30, 40);
 * layer(torch.randn(128, 20), torch.randn(128, 30)).shape // [128, 40]
 */
export class Bilinear extends Module {
  static override _holdsNoActivations = true;
  in1Features: number;
  in2Features: number;
  outFeatures: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkSize(in1Features, 'Bilinear', 'in1Features');
    checkSize(in2Features, 'Bilinear', 'in2Features');
    checkSize(outFeatures, 'Bilinear', 'outFeatures');
    checkOptions(options, 'Bilinear', LINEAR_KEYS);
    const bias = options?.bias ?? true;
    checkBoolean(bias, 'Bilinear', 'bias');
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    const factory = factoryOf(options ?? {}, 'Bilinear');
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], factory));
    if (bias) this.bias = new Parameter(empty([outFeatures], factory));
    else this.registerParameter('bias', null);
    this.resetParameters();
  }

  /** Re-draws weight and bias from U(±1/√in1Features). @example layer.resetParameters() */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias !== null) init.uniform_(this.bias, -bound, bound);
  }

  override forward(input1: Tensor, input2: Tensor): Tensor {
    return bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyRepr(this.bias !== null)}`;
  }
}
