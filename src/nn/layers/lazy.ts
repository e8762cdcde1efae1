/**
 * The lazy modules, as PyTorch's `LazyModuleMixin`: `nn.LazyLinear`, `nn.LazyConv1d/2d/3d`,
 * `nn.LazyConvTranspose1d/2d/3d`, `nn.LazyBatchNorm1d/2d/3d` and `nn.LazyInstanceNorm1d/2d/3d`.
 * Each holds `UninitializedParameter`s (and `UninitializedBuffer`s) until its first call, which
 * infers the input size from the input, materializes them, initializes them with the layer's
 * default init, and turns the module into the plain layer (`LazyLinear` becomes `Linear`), the
 * same object. Loading a state dict into a lazy module materializes its tensors with the
 * checkpoint's shapes first (nn/state-dict.ts).
 *
 * The random draws happen at the first call, so a seed gives the values that the plain layer
 * constructed at that moment would get, as in PyTorch.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- TypeScript mixins take `any[]` constructors */
import type { Tensor } from '../../tensor/tensor.js';
import type { Module, RemovableHandle } from '../module.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { UninitializedBuffer, UninitializedParameter, isLazy, type MaterializeOptions } from '../parameter.js';
import { Linear, type LinearOptions } from './linear.js';
import {
  Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, ConvNd, type ConvRest, type ConvTRest,
} from './conv.js';
import type { IntOrTuple } from '../functional/conv-args.js';
import {
  BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, type BatchNormOptions,
  NormBase,
} from './batch-norm.js';

type Ctor<T> = abstract new (...args: any[]) => T;

let warned = false;
/** PyTorch's UserWarning, once per process (Python's default filter shows it once per call site). */
function warnExperimental(): void {
  if (warned) return;
  warned = true;
  process.emitWarning('Lazy modules are a new feature under heavy development so changes to the API or functionality can happen at any moment.', 'UserWarning');
}

/** Whether any of the module's own parameters or buffers is still uninitialized. */
function hasUninitialized(module: Module<any>): boolean {
  for (const p of module._parameters.values()) if (isLazy(p)) return true;
  for (const b of module._buffers.values()) if (isLazy(b)) return true;
  return false;
}

/** The factory options that the layer's placeholder tensors were made with. */
function factoryLike(t: Tensor | null): MaterializeOptions {
  return t === null ? {} : { dtype: t.dtype, device: t.device };
}

interface LazyModule extends Module<any> {
  initializeParameters(...inputs: unknown[]): void;
  hasUninitializedParams(): boolean;
}

/**
 * PyTorch's `_infer_parameters`, as the module's first forward pre-hook: initialize from the
 * inputs, check that nothing is left uninitialized, remove the hook and become `becomes`.
 */
function installLazyHook(module: LazyModule, becomes: Ctor<Module<any>>): void {
  warnExperimental();
  const handle: RemovableHandle = module.registerForwardPreHook((m, inputs) => {
    const lazy = m as LazyModule;
    lazy.initializeParameters(...inputs);
    if (lazy.hasUninitializedParams()) throw new Error(`module ${lazy._getName()} has not been fully initialized`);
    handle.remove();
    Object.setPrototypeOf(m, becomes.prototype);
  });
}

// ---- Linear ------------------------------------------------------------------------------

/**
 * A Linear layer whose `inFeatures` is the last dim of its first input
 * (`nn.LazyLinear(outFeatures, { bias, device, dtype })`); it becomes an `nn.Linear`.
 * @example
 * const fc = new nn.LazyLinear(10);
 * fc(torch.ones(2, 7));
 * String(fc); // 'Linear(in_features=7, out_features=10, bias=True)'
 */
export class LazyLinear extends Linear implements LazyModule {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;

  constructor(outFeatures: number, options: LinearOptions = {}) {
    super(0, 0, options);
    const factory = factoryLike(this.weight);
    const bias = this.bias !== null;
    this.weight = new UninitializedParameter(true, factory);
    this.outFeatures = outFeatures;
    if (bias) this.bias = new UninitializedParameter(true, factory);
    installLazyHook(this, Linear);
  }

  /** Whether a parameter is still uninitialized. @example fc.hasUninitializedParams() // true before the first call */
  hasUninitializedParams(): boolean {
    return hasUninitialized(this);
  }

  /** Materializes and initializes the parameters for `input` (the first call does this). @example fc.initializeParameters(x) */
  initializeParameters(input: Tensor): void {
    if (!this.hasUninitializedParams()) return;
    noGrad(() => {
      this.inFeatures = input.shape[input.dim() - 1]!;
      this.weight.materialize([this.outFeatures, this.inFeatures]);
      if (this.bias !== null) this.bias.materialize([this.outFeatures]);
      this.resetParameters();
    });
  }

  override resetParameters(): void {
    if (!this.hasUninitializedParams() && this.inFeatures !== 0) super.resetParameters();
  }
}

// ---- convolutions ------------------------------------------------------------------------

/** The members the lazy convolutions and norms gain over their base layer (installed below). */
interface LazyMembers {
  /** Whether a parameter or buffer is still uninitialized. @example conv.hasUninitializedParams() // true before the first call */
  hasUninitializedParams(): boolean;
  /** Materializes and initializes the parameters (and buffers) for `input`; the first call does this. @example conv.initializeParameters(x) */
  initializeParameters(input: Tensor): void;
}

/**
 * Installs `members` on each lazy class's prototype: TypeScript mixins cannot be exported with
 * the layers' private members, and these methods must be on the prototype before the base
 * constructor calls `resetParameters`.
 */
function install(classes: Ctor<Module<any>>[], members: Record<string, (this: any, ...args: any[]) => unknown>): void {
  for (const cls of classes) {
    for (const [name, value] of Object.entries(members)) {
      Object.defineProperty(cls.prototype, name, { value, writable: true, configurable: true, enumerable: false });
    }
  }
}

/** PyTorch's `_LazyConvXdMixin`. */
const lazyConvMembers = {
  hasUninitializedParams(this: ConvNd): boolean {
    return hasUninitialized(this);
  },
  initializeParameters(this: ConvNd & LazyMembers, input: Tensor): void {
    if (!this.hasUninitializedParams()) return;
    const batched = this.kernelSize.length + 2;
    if (input.dim() !== batched - 1 && input.dim() !== batched) {
      throw new Error(
        `Expected ${batched - 1}D (unbatched) or ${batched}D (batched) input to ${this._getName()}, but got input of size: torch.Size([${input.shape.join(', ')}])`,
      );
    }
    this.inChannels = input.dim() === batched ? input.shape[1]! : input.shape[0]!;
    if (this.inChannels % this.groups !== 0) throw new Error('in_channels must be divisible by groups');
    const k = this.kernelSize;
    const weight = this.weight as UninitializedParameter;
    noGrad(() => {
      if (this.transposed) weight.materialize([this.inChannels, Math.floor(this.outChannels / this.groups), ...k]);
      else weight.materialize([this.outChannels, Math.floor(this.inChannels / this.groups), ...k]);
      if (this.bias !== null) (this.bias as UninitializedParameter).materialize([this.outChannels]);
      this.resetParameters();
    });
  },
  resetParameters(this: ConvNd & LazyMembers): void {
    if (!this.hasUninitializedParams() && this.inChannels !== 0) ConvNd.prototype.resetParameters.call(this);
  },
};

/** Replaces the placeholder tensors of the convolution's constructor by uninitialized ones. */
function makeLazyConv(conv: ConvNd & LazyMembers, outChannels: number, becomes: Ctor<Module<any>>): void {
  const factory = factoryLike(conv.weight);
  const bias = conv.bias !== null;
  conv.weight = new UninitializedParameter(true, factory);
  conv.outChannels = outChannels;
  if (bias) conv.bias = new UninitializedParameter(true, factory);
  installLazyHook(conv, becomes);
}

/**
 * A Conv1d whose `inChannels` comes from its first input:
 * `(outChannels, kernelSize, stride=1, padding=0, dilation=1, groups=1, bias=true, paddingMode='zeros')`.
 * @example new nn.LazyConv1d(16, 3)(torch.randn(2, 4, 10)).shape // [2, 16, 8]
 */
export class LazyConv1d extends Conv1d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, Conv1d);
  }
}

/**
 * A Conv2d whose `inChannels` comes from its first input; it becomes an `nn.Conv2d`.
 * @example const conv = new nn.LazyConv2d(32, 3, { padding: 1 }); conv(torch.randn(1, 3, 8, 8));
 */
export class LazyConv2d extends Conv2d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, Conv2d);
  }
}

/**
 * A Conv3d whose `inChannels` comes from its first input.
 * @example new nn.LazyConv3d(8, 3)(torch.randn(1, 2, 5, 5, 5))
 */
export class LazyConv3d extends Conv3d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, Conv3d);
  }
}

/**
 * A ConvTranspose1d whose `inChannels` comes from its first input:
 * `(outChannels, kernelSize, stride=1, padding=0, outputPadding=0, groups=1, bias=true, dilation=1)`.
 * @example new nn.LazyConvTranspose1d(8, 3, 2)(torch.randn(1, 4, 5))
 */
export class LazyConvTranspose1d extends ConvTranspose1d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, ConvTranspose1d);
  }
}

/**
 * A ConvTranspose2d whose `inChannels` comes from its first input.
 * @example new nn.LazyConvTranspose2d(3, 4, 2, 1)(torch.randn(1, 64, 8, 8))
 */
export class LazyConvTranspose2d extends ConvTranspose2d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, ConvTranspose2d);
  }
}

/**
 * A ConvTranspose3d whose `inChannels` comes from its first input.
 * @example new nn.LazyConvTranspose3d(4, 3)(torch.randn(1, 2, 3, 3, 3))
 */
export class LazyConvTranspose3d extends ConvTranspose3d {
  declare weight: UninitializedParameter;
  declare bias: UninitializedParameter | null;
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(0, 0, kernelSize, ...rest);
    makeLazyConv(this, outChannels, ConvTranspose3d);
  }
}

install([LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d], lazyConvMembers);

// ---- normalization -----------------------------------------------------------------------

/** PyTorch's `_LazyNormBase`. */
const lazyNormMembers = {
  hasUninitializedParams(this: NormBase): boolean {
    return hasUninitialized(this);
  },
  initializeParameters(this: NormBase & LazyMembers, input: Tensor): void {
    if (!this.hasUninitializedParams()) return;
    // PyTorch 1.13 reads dim 1 for every input, unbatched instance-norm input included.
    this.numFeatures = input.shape[1]!;
    const shape = [this.numFeatures];
    noGrad(() => {
      if (this.affine) {
        (this.weight as UninitializedParameter).materialize(shape);
        (this.bias as UninitializedParameter).materialize(shape);
      }
      if (this.trackRunningStats) {
        (this.running_mean as UninitializedBuffer).materialize(shape);
        (this.running_var as UninitializedBuffer).materialize(shape);
      }
      this.resetParameters();
    });
  },
  resetParameters(this: NormBase & LazyMembers): void {
    if (!this.hasUninitializedParams() && this.numFeatures !== 0) NormBase.prototype.resetParameters.call(this);
  },
};

/** Replaces the placeholder tensors of the norm's constructor by uninitialized ones. */
function makeLazyNorm(norm: NormBase & LazyMembers, becomes: Ctor<Module<any>>): void {
  const factory = factoryLike(norm.weight ?? norm.running_mean);
  if (norm.affine) {
    norm.weight = new UninitializedParameter(true, factory);
    norm.bias = new UninitializedParameter(true, factory);
  }
  if (norm.trackRunningStats) {
    norm.running_mean = new UninitializedBuffer(false, factory);
    norm.running_var = new UninitializedBuffer(false, factory);
  }
  installLazyHook(norm, becomes);
}

/** `(eps, momentum, affine, trackRunningStats, options)` with PyTorch's lazy defaults (affine and tracking). */
function normArgs(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}): [number | BatchNormOptions | undefined, number | null | undefined, boolean, boolean, BatchNormOptions] {
  const o = typeof eps === 'object' && eps !== null ? eps : options;
  return [typeof eps === 'object' ? undefined : eps, momentum, affine ?? o.affine ?? true, trackRunningStats ?? o.trackRunningStats ?? true, o];
}

/**
 * A BatchNorm1d whose `numFeatures` is dim 1 of its first input:
 * `(eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true, { device, dtype })`.
 * @example new nn.LazyBatchNorm1d()(torch.randn(4, 6))
 */
export class LazyBatchNorm1d extends BatchNorm1d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, BatchNorm1d);
  }
}

/**
 * A BatchNorm2d whose `numFeatures` is the channels of its first input.
 * @example new nn.LazyBatchNorm2d()(torch.randn(2, 3, 4, 4))
 */
export class LazyBatchNorm2d extends BatchNorm2d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, BatchNorm2d);
  }
}

/**
 * A BatchNorm3d whose `numFeatures` is the channels of its first input.
 * @example new nn.LazyBatchNorm3d()(torch.randn(2, 3, 2, 2, 2))
 */
export class LazyBatchNorm3d extends BatchNorm3d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, BatchNorm3d);
  }
}

/**
 * An InstanceNorm1d whose `numFeatures` is dim 1 of its first input; affine and tracking by
 * default, as PyTorch's lazy norms are.
 * @example new nn.LazyInstanceNorm1d()(torch.randn(2, 4, 10))
 */
export class LazyInstanceNorm1d extends InstanceNorm1d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, InstanceNorm1d);
  }
}

/**
 * An InstanceNorm2d whose `numFeatures` is dim 1 of its first input.
 * @example new nn.LazyInstanceNorm2d()(torch.randn(2, 3, 8, 8))
 */
export class LazyInstanceNorm2d extends InstanceNorm2d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, InstanceNorm2d);
  }
}

/**
 * An InstanceNorm3d whose `numFeatures` is dim 1 of its first input.
 * @example new nn.LazyInstanceNorm3d()(torch.randn(2, 3, 4, 4, 4))
 */
export class LazyInstanceNorm3d extends InstanceNorm3d {
  declare hasUninitializedParams: LazyMembers['hasUninitializedParams'];
  declare initializeParameters: LazyMembers['initializeParameters'];
  constructor(eps?: number | BatchNormOptions, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, options: BatchNormOptions = {}) {
    super(0, ...normArgs(eps, momentum, affine, trackRunningStats, options));
    makeLazyNorm(this, InstanceNorm3d);
  }
}

install([LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d], lazyNormMembers);
