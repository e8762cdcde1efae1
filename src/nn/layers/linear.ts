/**
 * Linear, Identity, Flatten, Unflatten and Embedding.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import type { DeviceLike } from '../../tensor/device.js';
import { empty } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { flatten, reshape } from '../../ops/shape.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import * as F from '../functional/layers.js';

/** dtype/device keywords that layer constructors accept, as PyTorch's factory kwargs. */
export interface FactoryOptions {
  dtype?: DType;
  device?: DeviceLike;
}

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

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } & FactoryOptions = {}) {
    super();
    for (const [name, v] of [['in_features', inFeatures], ['out_features', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const factory = { dtype: options.dtype, device: options.device };
    this.weight = new Parameter(empty([outFeatures, inFeatures], factory));
    if (options.bias ?? true) this.bias = new Parameter(empty([outFeatures], factory));
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
 * Returns its input unchanged (a placeholder that keeps a model's structure).
 * @example new nn.Identity()(x) === x
 */
export class Identity extends Module {
  static override _holdsNoActivations = true;
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
    this.dim = dim;
    this.unflattenedSize = unflattenedSize;
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

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1)
 * with the padding row zeroed.
 * @example new nn.Embedding(10, 3)(torch.tensor([[1, 2, 4]])).shape // [1, 3, 3]
 */
export class Embedding extends Module {
  static override _holdsNoActivations = true;
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  declare weight: Parameter;
  constructor(numEmbeddings: number, embeddingDim: number, options: { paddingIdx?: number | null } & FactoryOptions = {}) {
    super();
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let pad = options.paddingIdx ?? null;
    if (pad !== null) {
      if (pad >= numEmbeddings || pad < -numEmbeddings) throw new Error('Padding_idx must be within num_embeddings');
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype, device: options.device }));
    this.resetParameters();
  }
  /** N(0, 1), then zeroes the padding row. @example emb.resetParameters() */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      const pad = this.paddingIdx;
      noGrad(() => (this.weight as Tensor & { index(i: number): Tensor }).index(pad).fill_(0));
    }
  }
  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx);
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}
