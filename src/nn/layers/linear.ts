/**
 * Linear, Identity, Flatten and Unflatten (Embedding is in `embedding.ts`).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { flatten, reshape } from '../../ops/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import * as F from '../functional/layers.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, checkSize, keysOf } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';

export type { FactoryOptions } from './factory.js';

/**
 * The options of `new nn.Linear(...)`.
 * @example new nn.Linear(4, 2, { bias: false })
 */
export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}
/** @internal @example checkOptions(options, 'Bilinear', LINEAR_KEYS) */
export const LINEAR_KEYS = keysOf<LinearOptions>()('bias', ...FACTORY_KEYS);

/**
 * `y = x @ W.T + b`, with PyTorch's default init: kaiming-uniform(a=√5) weights and
 * U(±1/√in_features) bias, drawn in PyTorch's order so that seeds give PyTorch's values.
 *
 * @example
 * const layer = new nn.Linear(20, 256);
 * const noBias = new nn.Linear(1, 1, { bias: false });
 */
export class Linear extends Module {
  static override _holdsNoActivations = true;
  inFeatures: number;
  outFeatures: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkSize(inFeatures, 'Linear', 'inFeatures');
    checkSize(outFeatures, 'Linear', 'outFeatures');
    checkOptions(options, 'Linear', LINEAR_KEYS);
    const bias = options?.bias ?? true;
    checkBoolean(bias, 'Linear', 'bias');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const factory = factoryOf(options ?? {}, 'Linear');
    this.weight = new Parameter(empty([outFeatures, inFeatures], factory));
    if (bias) this.bias = new Parameter(empty([outFeatures], factory));
    else this.registerParameter('bias', null);
    this.resetParameters();
  }

  /** Re-draws the weights with the default init. @example layer.resetParameters() */
  resetParameters(): void {
    // Setting a=sqrt(5) in kaiming_uniform is the same as U(-1/sqrt(in), 1/sqrt(in)).
    init.kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyRepr(this.bias !== null)}`;
  }
}

/**
 * Returns its input unchanged (a placeholder that keeps a model's structure); like
 * PyTorch's, it accepts and ignores any constructor arguments.
 * @example new nn.Identity()(x) === x; new nn.Identity(54, { unused: 'argument' })
 */
export class Identity extends Module {
  static override _holdsNoActivations = true;
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * Flattens dims `startDim..endDim` (by default all but the batch dim).
 * @example new nn.Flatten()(torch.rand(2, 1, 28, 28)).shape // [2, 784]
 */
export class Flatten extends Module {
  static override _holdsNoActivations = true;
  startDim: number;
  endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    checkInteger(startDim, 'Flatten', 'startDim');
    checkInteger(endDim, 'Flatten', 'endDim');
    this.startDim = startDim;
    this.endDim = endDim;
  }
  override forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize`.
 * @example new nn.Unflatten(1, [1, 28, 28])(torch.rand(2, 784)).shape // [2, 1, 28, 28]
 */
export class Unflatten extends Module {
  static override _holdsNoActivations = true;
  dim: number;
  unflattenedSize: number[];
  constructor(dim: number, unflattenedSize: number[]) {
    super();
    checkInteger(dim, 'Unflatten', 'dim');
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every(Number.isInteger)) {
      throw argumentError('Unflatten', 'unflattenedSize', 'an array of integers', unflattenedSize);
    }
    this.dim = dim;
    this.unflattenedSize = unflattenedSize.slice();
  }
  override forward(input: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + input.dim() : this.dim;
    const shape = input.shape;
    return reshape(input, [...shape.slice(0, d), ...this.unflattenedSize, ...shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyRepr(this.unflattenedSize)}`;
  }
}
