/**
 * Conv1d/2d/3d and ConvTranspose1d/2d/3d: PyTorch's constructors (positional, or an
 * options object last), attributes, default init, repr and state-dict keys.
 */
import { empty } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyRepr } from '../repr.js';
import * as init from '../init.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, checkSize, keysOf } from '../../tensor/args.js';
import { FACTORY_KEYS, factoryOf, type FactoryOptions } from './factory.js';
import * as Fc from '../functional/conv.js';
import { convolution } from '../functional/conv.js';
import { autocastHook } from '../../amp/autocast-policy.js';
import { expandParam, type ConvSpec, type IntOrTuple } from '../functional/conv-args.js';
import { pad as fpad } from '../functional/padding.js';
import { squeeze, unsqueeze } from '../../ops/shape.js';

/** How a convolution module pads its input. @example new nn.Conv2d(3, 8, 3, { padding: 1, paddingMode: 'reflect' }) */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/**
 * The options of `new nn.Conv1d/2d/3d(...)` after the three required arguments.
 * @example new nn.Conv2d(1, 32, 3, { stride: 2, bias: false })
 */
export interface ConvModuleOptions extends FactoryOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple | 'same' | 'valid';
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/**
 * The options of `new nn.ConvTranspose1d/2d/3d(...)` after the three required arguments.
 * @example new nn.ConvTranspose2d(16, 8, 3, { stride: 2, outputPadding: 1 })
 */
export interface ConvTransposeModuleOptions extends FactoryOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrTuple;
  paddingMode?: PaddingMode;
}

const CONV_KEYS = keysOf<ConvModuleOptions>()('stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', ...FACTORY_KEYS);
const CONV_T_KEYS = keysOf<ConvTransposeModuleOptions>()('stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode', ...FACTORY_KEYS);
const CONV_NAMES = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'];
const CONV_T_NAMES = ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode'];

function collect(name: string, rest: unknown[], transposed: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let positional = rest;
  const last = rest[rest.length - 1];
  if (last !== null && typeof last === 'object' && !Array.isArray(last)) {
    checkOptions(last, name, transposed ? CONV_T_KEYS : CONV_KEYS);
    positional = rest.slice(0, -1);
    Object.assign(out, last);
  }
  const names = transposed ? CONV_T_NAMES : CONV_NAMES;
  if (positional.length > names.length) throw new TypeError(`${name}() takes at most ${names.length + 3} positional arguments`);
  positional.forEach((v, i) => {
    if (v !== undefined) out[names[i]] = v;
  });
  return out;
}

/**
 * The shared base of the convolution modules (PyTorch's `_ConvNd`).
 * @example new nn.Conv2d(1, 32, 3) instanceof ConvNd // true
 */
export abstract class ConvNd extends Module {
  inChannels: number;
  outChannels: number;
  kernelSize: number[];
  stride: number[];
  padding: number[] | 'same' | 'valid';
  dilation: number[];
  transposed: boolean;
  outputPadding: number[];
  groups: number;
  paddingMode: PaddingMode;
  declare weight: Parameter;
  declare bias: Parameter | null;
  /** F.pad's list for a non-zeros paddingMode: (left, right) from the last dim back. */
  protected reversedPaddingRepeatedTwice: number[];

  constructor(dims: number, transposed: boolean, inChannels: number, outChannels: number, kernelSize: IntOrTuple, rest: unknown[]) {
    super();
    const name = `${transposed ? 'ConvTranspose' : 'Conv'}${dims}d`;
    checkSize(inChannels, name, 'inChannels');
    checkSize(outChannels, name, 'outChannels');
    const args = collect(name, rest, transposed);
    const groups = (args.groups ?? 1) as number;
    checkInteger(groups, name, 'groups');
    if (groups <= 0) throw new Error('groups must be a positive integer');
    if (inChannels % groups !== 0) throw new Error('in_channels must be divisible by groups');
    if (outChannels % groups !== 0) throw new Error('out_channels must be divisible by groups');
    const bias = (args.bias ?? true) as boolean;
    checkBoolean(bias, name, 'bias');
    const paddingMode = (args.paddingMode ?? 'zeros') as PaddingMode;
    if (!PADDING_MODES.includes(paddingMode)) {
      throw new Error(`padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${String(paddingMode)}'`);
    }
    if (transposed && paddingMode !== 'zeros') throw new Error(`Only "zeros" padding mode is supported for ${name}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = expandParam(kernelSize, 'kernel_size', dims, name);
    this.stride = expandParam(args.stride ?? 1, 'stride', dims, name);
    this.dilation = expandParam(args.dilation ?? 1, 'dilation', dims, name);
    const padding = args.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new Error(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
      if (transposed) throw argumentError(name, 'padding', 'an int or an array of ints', padding);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      this.padding = padding;
    } else this.padding = expandParam(padding, 'padding', dims, name);
    this.transposed = transposed;
    this.outputPadding = transposed ? expandParam(args.outputPadding ?? 0, 'output_padding', dims, name) : Array<number>(dims).fill(0);
    this.groups = groups;
    this.paddingMode = paddingMode;
    this.reversedPaddingRepeatedTwice = this.reversedPadding();
    const factory = factoryOf(args as FactoryOptions, name);
    const wShape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(empty(wShape, factory));
    if (bias) this.bias = new Parameter(empty([outChannels], factory));
    else this.registerParameter('bias', null);
    this.resetParameters();
  }

  private reversedPadding(): number[] {
    const out: number[] = [];
    for (let i = this.kernelSize.length - 1; i >= 0; i--) {
      if (this.padding === 'valid') out.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        out.push(left, total - left);
      } else out.push(this.padding[i], this.padding[i]);
    }
    return out;
  }

  /** Re-draws the weights with PyTorch's default init. @example conv.resetParameters() */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  /** The call's resolved arguments (padding symmetric; 'same' is split as F.conv does). */
  protected spec(zeroPadding: boolean): ConvSpec {
    const dims = this.kernelSize.length;
    let padding: number[];
    let extraRight: number[] | null = null;
    if (zeroPadding || this.padding === 'valid') padding = Array<number>(dims).fill(0);
    else if (this.padding === 'same') {
      const total = this.kernelSize.map((k, i) => this.dilation[i] * (k - 1));
      padding = total.map((t) => Math.floor(t / 2));
      if (total.some((t) => t % 2 !== 0)) extraRight = total.map((t) => t % 2);
    } else padding = this.padding.slice();
    return { dims, stride: this.stride, padding, extraRight, dilation: this.dilation, outputPadding: this.outputPadding, groups: this.groups, transposed: this.transposed };
  }

  /** Runs the convolution on batched or unbatched input. */
  protected run(input: Tensor, outputPadding: number[] | null = null): Tensor {
    const dims = this.kernelSize.length;
    const name = `${this.transposed ? 'conv_transpose' : 'conv'}${dims}d`;
    if (input.dim() !== dims + 1 && input.dim() !== dims + 2) {
      throw new Error(`Expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input to ${name}, but got input of size: [${input.shape.join(', ')}]`);
    }
    const batched = input.dim() === dims + 2;
    // PyTorch pads the input as given, so circular padding needs a batched input there too.
    const padded = this.paddingMode !== 'zeros';
    const source = padded ? fpad(input, this.reversedPaddingRepeatedTwice, this.paddingMode as 'reflect' | 'replicate' | 'circular') : input;
    const x = batched ? source : unsqueeze(source, 0);
    const spec = this.spec(padded);
    if (outputPadding !== null) spec.outputPadding = outputPadding;
    const out = autocastHook.active ? this.autocastRun(x, spec) : convolution(x, this.weight, this.bias, spec);
    return batched ? out : squeeze(out, 0);
  }

  /** Under autocast, the call goes through F.conv* so that its policy casts the operands. */
  private autocastRun(x: Tensor, spec: ConvSpec): Tensor {
    const dims = this.kernelSize.length;
    const padding = spec.extraRight === null ? spec.padding : 'same';
    if (this.transposed) {
      const fn = [Fc.convTranspose1d, Fc.convTranspose2d, Fc.convTranspose3d][dims - 1];
      return fn(x, this.weight, this.bias, spec.stride, spec.padding, spec.outputPadding, spec.groups, spec.dilation);
    }
    const fn = [Fc.conv1d, Fc.conv2d, Fc.conv3d][dims - 1];
    // Positional, so that autocast sees (and casts) the bias too.
    return fn(x, this.weight, this.bias, spec.stride, padding, spec.dilation, spec.groups);
  }

  override extraRepr(): string {
    const dims = this.kernelSize.length;
    const zeros = (v: number[], z: number) => v.every((n) => n === z);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (!zeros(this.padding, 0)) s += `, padding=${pyRepr(this.padding)}`;
    if (!zeros(this.dilation, 1)) s += `, dilation=${pyRepr(this.dilation)}`;
    if (!zeros(this.outputPadding, 0)) s += `, output_padding=${pyRepr(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    void dims;
    return s;
  }
}

/** The arguments after kernelSize of the convolutions: positional, then an options object. */
export type ConvRest = (IntOrTuple | string | boolean | ConvModuleOptions | undefined)[];
/** The arguments after kernelSize of the transposed convolutions. */
export type ConvTRest = (IntOrTuple | boolean | string | ConvTransposeModuleOptions | undefined)[];

/**
 * 1-D convolution over [N, C, L] (or [C, L]) input.
 * @example new nn.Conv1d(16, 33, 3, 2); new nn.Conv1d(4, 4, 3, { padding: 'same', groups: 4 })
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(1, false, inChannels, outChannels, kernelSize, rest);
  }
  override forward(input: Tensor): Tensor {
    return this.run(input);
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or [C, H, W]) input:
 * `(inChannels, outChannels, kernelSize, stride=1, padding=0, dilation=1, groups=1, bias=true, paddingMode='zeros')`.
 * @example new nn.Conv2d(1, 32, 3, 1); new nn.Conv2d(64, 64, 3, { padding: 1, bias: false })
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(2, false, inChannels, outChannels, kernelSize, rest);
  }
  override forward(input: Tensor): Tensor {
    return this.run(input);
  }
}

/**
 * 3-D convolution over [N, C, D, H, W] (or [C, D, H, W]) input.
 * @example new nn.Conv3d(16, 33, [3, 5, 2], { stride: [2, 1, 1], padding: [4, 2, 0] })
 */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvRest) {
    super(3, false, inChannels, outChannels, kernelSize, rest);
  }
  override forward(input: Tensor): Tensor {
    return this.run(input);
  }
}

/** The base of the transposed modules: `forward(input, outputSize?)` as PyTorch's. */
abstract class ConvTransposeNd extends ConvNd {
  override forward(input: Tensor, outputSize?: readonly number[] | null): Tensor {
    return this.run(input, outputSize == null ? null : this.outputPaddingFor(input, outputSize));
  }

  /** PyTorch's `_output_padding`: the output padding that gives `outputSize`. */
  private outputPaddingFor(input: Tensor, outputSize: readonly number[]): number[] {
    const dims = this.kernelSize.length;
    let size = outputSize.slice();
    if (size.length === dims + 2 || size.length === dims + 1) size = size.slice(size.length - dims);
    if (size.length !== dims) {
      throw new Error(`ConvTranspose${dims}D: for ${input.dim()}D input, output_size must have ${dims} or ${dims + 2} elements (got ${outputSize.length})`);
    }
    const spatial = input.shape.slice(input.dim() - dims);
    const padding = this.padding as number[];
    return size.map((want, d) => {
      const min = (spatial[d] - 1) * this.stride[d] - 2 * padding[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1;
      const max = min + this.stride[d] - 1;
      if (want < min || want > max) {
        throw new Error(`requested an output size of [${size.join(', ')}], but valid sizes range from [${min}] to [${max}] (for an input of [${spatial.join(', ')}])`);
      }
      return want - min;
    });
  }
}

/**
 * 1-D transposed convolution:
 * `(inChannels, outChannels, kernelSize, stride=1, padding=0, outputPadding=0, groups=1, bias=true, dilation=1)`.
 * @example new nn.ConvTranspose1d(16, 8, 3, 2)
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(1, true, inChannels, outChannels, kernelSize, rest);
  }
}

/**
 * 2-D transposed convolution (DCGAN's generator layers).
 * @example new nn.ConvTranspose2d(100, 512, 4, 1, 0, { bias: false })
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(2, true, inChannels, outChannels, kernelSize, rest);
  }
}

/**
 * 3-D transposed convolution.
 * @example new nn.ConvTranspose3d(16, 33, 3, { stride: 2 })
 */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, ...rest: ConvTRest) {
    super(3, true, inChannels, outChannels, kernelSize, rest);
  }
}
