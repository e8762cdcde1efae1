/**
 * Activation layers beyond ReLU/GELU/SiLU: Softplus, ELU, SELU, CELU, Hardtanh, ReLU6,
 * Hardsigmoid, Hardswish, Mish, LogSigmoid, Softsign, Tanhshrink, GLU, PReLU, Hardshrink,
 * Softshrink and Threshold, with PyTorch's defaults, positional arguments and reprs.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyFloat, pyRepr } from '../repr.js';
import * as A from '../functional/activations-more.js';
import { inplaceOf, type InplaceOptions } from '../functional/activation.js';
import { checkInteger, checkNumber, checkSize } from '../../tensor/args.js';
import { fill_ } from '../../ops/fill.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import { checkOptions } from '../../tensor/args.js';

const inplaceSuffix = (inplace: boolean): string => (inplace ? ', inplace=True' : '');

/**
 * `log(1 + exp(beta * x)) / beta`, linear above `threshold`.
 * @example new nn.Softplus(); new nn.Softplus(2, 10)
 */
export class Softplus extends Module {
  static override _holdsNoActivations = true;
  beta: number;
  threshold: number;
  constructor(beta = 1, threshold = 20) {
    super();
    checkNumber(beta, 'Softplus', 'beta');
    checkNumber(threshold, 'Softplus', 'threshold');
    this.beta = beta;
    this.threshold = threshold;
  }
  override forward(input: Tensor): Tensor {
    return A.softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${pyRepr(this.beta)}, threshold=${pyRepr(this.threshold)}`;
  }
}

/** ELU and CELU: `alpha` and `inplace`. */
abstract class AlphaActivation extends Module {
  static override _holdsNoActivations = true;
  alpha: number;
  inplace: boolean;
  constructor(alpha = 1.0, inplace: boolean | InplaceOptions = false) {
    super();
    checkNumber(alpha, new.target.name, 'alpha');
    this.alpha = alpha;
    this.inplace = inplaceOf(inplace, new.target.name);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceSuffix(this.inplace)}`;
  }
}

/**
 * ELU with `alpha` (1.0).
 * @example new nn.ELU(); new nn.ELU(1.0, true)
 */
export class ELU extends AlphaActivation {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.elu(input, this.alpha, this.inplace);
  }
}

/**
 * CELU with `alpha` (1.0).
 * @example new nn.CELU(2.0)
 */
export class CELU extends AlphaActivation {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.celu(input, this.alpha, this.inplace);
  }
}

/** Activations whose only option is `inplace`. */
abstract class InplaceActivation extends Module {
  static override _holdsNoActivations = true;
  inplace: boolean;
  /** Whether PyTorch's repr shows `inplace=True` (SELU and ReLU6 do; the hard ones and Mish do not). */
  protected readonly showsInplace: boolean = true;
  constructor(inplace: boolean | InplaceOptions = false) {
    super();
    this.inplace = inplaceOf(inplace, new.target.name);
  }
  override extraRepr(): string {
    return this.showsInplace && this.inplace ? 'inplace=True' : '';
  }
}

/**
 * SELU.
 * @example new nn.SELU(); new nn.SELU(true)
 */
export class SELU extends InplaceActivation {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.selu(input, this.inplace);
  }
}

/**
 * `hardtanh(x, 0, 6)`.
 * @example new nn.ReLU6()
 */
export class ReLU6 extends InplaceActivation {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.relu6(input, this.inplace);
  }
}

/**
 * `relu6(x + 3) / 6`.
 * @example new nn.Hardsigmoid()
 */
export class Hardsigmoid extends InplaceActivation {
  static override _holdsNoActivations = true;
  protected override readonly showsInplace = false;
  override forward(input: Tensor): Tensor {
    return A.hardsigmoid(input, this.inplace);
  }
}

/**
 * `x * relu6(x + 3) / 6`.
 * @example new nn.Hardswish()
 */
export class Hardswish extends InplaceActivation {
  static override _holdsNoActivations = true;
  protected override readonly showsInplace = false;
  override forward(input: Tensor): Tensor {
    return A.hardswish(input, this.inplace);
  }
}

/**
 * `x * tanh(softplus(x))`.
 * @example new nn.Mish()
 */
export class Mish extends InplaceActivation {
  static override _holdsNoActivations = true;
  protected override readonly showsInplace = false;
  override forward(input: Tensor): Tensor {
    return A.mish(input, this.inplace);
  }
}

/**
 * Clamps to [minVal, maxVal].
 * @example new nn.Hardtanh(); new nn.Hardtanh(-2, 2, true)
 */
export class Hardtanh extends Module {
  static override _holdsNoActivations = true;
  minVal: number;
  maxVal: number;
  inplace: boolean;
  constructor(minVal = -1.0, maxVal = 1.0, inplace: boolean | InplaceOptions = false) {
    super();
    checkNumber(minVal, 'Hardtanh', 'minVal');
    checkNumber(maxVal, 'Hardtanh', 'maxVal');
    if (!(maxVal > minVal)) throw new Error(`Hardtanh: maxVal (${maxVal}) must be greater than minVal (${minVal})`);
    this.minVal = minVal;
    this.maxVal = maxVal;
    this.inplace = inplaceOf(inplace, 'Hardtanh');
  }
  override forward(input: Tensor): Tensor {
    return A.hardtanh(input, this.minVal, this.maxVal, this.inplace);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceSuffix(this.inplace)}`;
  }
}

/** `log(sigmoid(x))`. @example new nn.LogSigmoid() */
export class LogSigmoid extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.logsigmoid(input);
  }
}

/** `x / (1 + |x|)`. @example new nn.Softsign() */
export class Softsign extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.softsign(input);
  }
}

/** `x - tanh(x)`. @example new nn.Tanhshrink() */
export class Tanhshrink extends Module {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.tanhshrink(input);
  }
}

/**
 * Gated linear unit along `dim` (-1).
 * @example new nn.GLU(); new nn.GLU(1)
 */
export class GLU extends Module {
  static override _holdsNoActivations = true;
  dim: number;
  constructor(dim = -1) {
    super();
    checkInteger(dim, 'GLU', 'dim');
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor {
    return A.glu(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Hardshrink and Softshrink: `lambd` (0.5), printed bare. */
abstract class Shrink extends Module {
  static override _holdsNoActivations = true;
  lambd: number;
  constructor(lambd = 0.5) {
    super();
    checkNumber(lambd, new.target.name, 'lambd');
    this.lambd = lambd;
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/**
 * `x` where `|x| > lambd`, else 0.
 * @example new nn.Hardshrink(0.5)
 */
export class Hardshrink extends Shrink {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.hardshrink(input, this.lambd);
  }
}

/**
 * Shrinks toward 0 by `lambd`.
 * @example new nn.Softshrink(0.5)
 */
export class Softshrink extends Shrink {
  static override _holdsNoActivations = true;
  override forward(input: Tensor): Tensor {
    return A.softshrink(input, this.lambd);
  }
}

/**
 * `value` where `x <= threshold`, else `x`.
 * @example new nn.Threshold(0.1, 20)
 */
export class Threshold extends Module {
  static override _holdsNoActivations = true;
  threshold: number;
  value: number;
  inplace: boolean;
  constructor(threshold: number, value: number, inplace: boolean | InplaceOptions = false) {
    super();
    checkNumber(threshold, 'Threshold', 'threshold');
    checkNumber(value, 'Threshold', 'value');
    this.threshold = threshold;
    this.value = value;
    this.inplace = inplaceOf(inplace, 'Threshold');
  }
  override forward(input: Tensor): Tensor {
    return A.threshold(input, this.threshold, this.value, this.inplace);
  }
  override extraRepr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${inplaceSuffix(this.inplace)}`;
  }
}

/**
 * The options of `new nn.PReLU(...)` besides its two positional arguments.
 * @example new nn.PReLU(3, 0.25, { dtype: torch.float64 })
 */
export type PReLUOptions = FactoryOptions;

/**
 * PReLU with a learnt slope per channel (`numParameters`, 1 or the channel count),
 * initialised to `init` (0.25). State-dict key: `weight`.
 * @example new nn.PReLU(); new nn.PReLU(64, 0.1)
 */
export class PReLU extends Module {
  static override _holdsNoActivations = true;
  numParameters: number;
  init: number;
  declare weight: Parameter;
  constructor(numParameters = 1, init = 0.25, options: PReLUOptions = {}) {
    super();
    checkSize(numParameters, 'PReLU', 'numParameters');
    checkNumber(init, 'PReLU', 'init');
    checkOptions(options, 'PReLU', FACTORY_KEYS);
    this.numParameters = numParameters;
    this.init = init;
    this.weight = new Parameter(empty([numParameters], factoryOf(options ?? {}, 'PReLU')));
    this.resetParameters();
  }
  /** Fills the weight with `init` again. @example prelu.resetParameters() */
  resetParameters(): void {
    noGrad(() => fill_(this.weight, this.init));
  }
  override forward(input: Tensor): Tensor {
    return A.prelu(input, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}
