/**
 * Activation layers: ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax
 * and Dropout, each printing as PyTorch's.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { sigmoid, tanh } from '../../ops/elementwise.js';
import { Module } from '../module.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as A from '../functional/activation.js';
import { GELU_KEYS, inplaceOf, type GeluOptions, type InplaceOptions } from '../functional/activation.js';
import { dropout } from '../functional/layers.js';
import { checkChoice, checkInteger, checkNumber, checkOptions } from '../../tensor/args.js';

/**
 * `max(x, 0)`.
 * @example new nn.ReLU()(x)
 */
export class ReLU extends Module {
  static override _holdsNoActivations = true;
  inplace: boolean;
  constructor(options: InplaceOptions | boolean = {}) {
    super();
    this.inplace = inplaceOf(options, 'ReLU');
  }
  override forward(input: Tensor): Tensor {
    return A.relu(input, this.inplace);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/**
 * LeakyReLU with slope `negativeSlope` below zero.
 * @example new nn.LeakyReLU(0.2)
 */
export class LeakyReLU extends Module {
  static override _holdsNoActivations = true;
  negativeSlope: number;
  inplace: boolean;
  constructor(negativeSlope = 0.01, options: InplaceOptions | boolean = {}) {
    super();
    checkNumber(negativeSlope, 'LeakyReLU', 'negativeSlope');
    this.negativeSlope = negativeSlope;
    this.inplace = inplaceOf(options, 'LeakyReLU');
  }
  override forward(input: Tensor): Tensor {
    return A.leakyRelu(input, this.negativeSlope, this.inplace);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/**
 * GELU (exact, or `{ approximate: 'tanh' }`).
 * @example new nn.GELU()
 */
export class GELU extends Module {
  static override _holdsNoActivations = true;
  approximate: 'none' | 'tanh';
  constructor(options: GeluOptions = {}) {
    super();
    checkOptions(options, 'GELU', GELU_KEYS);
    const approximate = options?.approximate ?? 'none';
    checkChoice(approximate, 'GELU', 'approximate', ['none', 'tanh'] as const);
    this.approximate = approximate;
  }
  override forward(input: Tensor): Tensor {
    return A.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/**
 * SiLU: `x * sigmoid(x)`.
 * @example new nn.SiLU()
 */
export class SiLU extends Module {
  static override _holdsNoActivations = true;
  inplace: boolean;
  constructor(options: InplaceOptions | boolean = {}) {
    super();
    this.inplace = inplaceOf(options, 'SiLU');
  }
  override forward(input: Tensor): Tensor {
    return A.silu(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** Logistic sigmoid. @example new nn.Sigmoid() */
export class Sigmoid extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** Hyperbolic tangent. @example new nn.Tanh() */
export class Tanh extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/**
 * PyTorch's legacy choice of dim when none is given (0 for 0-, 1- and 3-D inputs, else 1). @internal
 * @example implicitDim(torch.rand(2, 3)) // 1
 */
export function implicitDim(input: Tensor): number {
  const ndim = input.dim();
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** The keyword form of a `dim` argument: `nn.Softmax(dim=1)` ports as `new nn.Softmax({ dim: 1 })`. */
export interface DimOption {
  dim?: number | null;
}

/**
 * A module's `dim` given positionally or as `{ dim }`, checked. @internal
 * @example dimArgument({ dim: 1 }, 'Softmax') // 1
 */
export function dimArgument(dim: number | null | DimOption | undefined, fn: string): number | null {
  const value = dim !== null && typeof dim === 'object' ? (dim.dim ?? null) : (dim ?? null);
  if (value !== null) checkInteger(value, fn, 'dim');
  return value;
}

/** Softmax and LogSoftmax: one module shape, two kernels. */
abstract class SoftmaxLike extends Module {
  static override _holdsNoActivations = true;
  dim: number | null;
  protected abstract readonly log: boolean;
  constructor(dim: number | null | DimOption = null) {
    super();
    this.dim = dimArgument(dim, new.target.name);
  }
  override forward(input: Tensor): Tensor {
    const dim = this.dim ?? implicitDim(input);
    return this.log ? A.logSoftmax(input, dim) : A.softmax(input, dim);
  }
  override extraRepr(): string {
    return `dim=${pyRepr(this.dim)}`;
  }
}

/**
 * Softmax along `dim`.
 * @example new nn.Softmax(1); new nn.Softmax({ dim: 1 })
 */
export class Softmax extends SoftmaxLike {
  protected readonly log = false;
}

/**
 * Log-softmax along `dim`.
 * @example new nn.LogSoftmax(1); new nn.LogSoftmax({ dim: 1 })
 */
export class LogSoftmax extends SoftmaxLike {
  protected readonly log = true;
}

/**
 * Dropout: active in `train()` mode, the identity in `eval()` mode.
 * @example const drop = new nn.Dropout(0.5); net.eval(); // now drop(x) === x
 */
export class Dropout extends Module {
  static override _holdsNoActivations = true;
  p: number;
  inplace: boolean;
  constructor(p = 0.5, options: InplaceOptions | boolean = {}) {
    super();
    checkNumber(p, 'Dropout', 'p');
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = inplaceOf(options, 'Dropout');
  }
  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, this.inplace);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyRepr(this.inplace)}`;
  }
}
