/**
 * The pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
 * AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d and LPPool1d/2d, with PyTorch's positional
 * constructors (plus one options object for its keywords), attributes and reprs.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import * as P from '../functional/pooling.js';
import * as A from '../functional/pooling-adaptive.js';
import { bindArgs, expandSize, flag, type AdaptiveSize, type PoolSize } from '../functional/pooling-args.js';
import type { AvgPoolOptions, MaxPoolOptions } from '../functional/pooling.js';
import type { LPPoolOptions, MaxUnpoolOptions } from '../functional/pooling-adaptive.js';

type Arg = PoolSize | boolean | number | null | undefined;
/** What a pooling layer with `returnIndices` R returns. */
export type PoolResult<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

const MAX_NAMES = ['kernelSize', 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'];
const sizeOf = (v: unknown, fallback: PoolSize): PoolSize => (v === undefined ? fallback : (v as PoolSize));
const copy = <T>(v: T): T => (Array.isArray(v) ? (v.slice() as T) : v);

/** MaxPool1d/2d/3d: kernelSize, stride (= kernelSize), padding, dilation, returnIndices, ceilMode. */
abstract class MaxPoolNd<R extends boolean> extends Module<PoolResult<R>> {
  static override _holdsNoActivations = true;
  kernelSize: PoolSize;
  stride: PoolSize;
  padding: PoolSize;
  dilation: PoolSize;
  returnIndices: R;
  ceilMode: boolean;
  constructor(name: string, args: unknown[]) {
    super();
    const bound = bindArgs(name, args, MAX_NAMES);
    if (bound.kernelSize === undefined) throw new TypeError(`${name}() missing required argument 'kernelSize'`);
    this.kernelSize = copy(bound.kernelSize as PoolSize);
    this.stride = copy(bound.stride === undefined || bound.stride === null ? this.kernelSize : (bound.stride as PoolSize));
    this.padding = copy(sizeOf(bound.padding, 0));
    this.dilation = copy(sizeOf(bound.dilation, 1));
    this.returnIndices = flag(name, 'returnIndices', bound.returnIndices, false) as R;
    this.ceilMode = flag(name, 'ceilMode', bound.ceilMode, false);
  }
  protected abstract pool(input: Tensor, options: MaxPoolOptions): Tensor | [Tensor, Tensor];
  override forward(input: Tensor): PoolResult<R> {
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices };
    return this.pool(input, { kernelSize: this.kernelSize, ...options }) as PoolResult<R>;
  }
  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}, dilation=${pyRepr(this.dilation)}, ceil_mode=${pyRepr(this.ceilMode)}`;
  }
}

// R is inferred from `returnIndices` (an option or the fifth argument), so that
// `new nn.MaxPool2d(2, { returnIndices: true })` is typed to return `[out, indices]`.
type MO<R extends boolean> = MaxPoolOptions<R>;

/**
 * 1-d max pooling; `new nn.MaxPool1d(kernelSize, stride, padding, dilation, returnIndices, ceilMode)`.
 * @example new nn.MaxPool1d(2); new nn.MaxPool1d(3, { stride: 2, returnIndices: true })
 */
export class MaxPool1d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(
    kernelSize: PoolSize | MO<R>,
    stride?: PoolSize | null | MO<R>,
    padding?: PoolSize | MO<R>,
    dilation?: PoolSize | MO<R>,
    returnIndices?: R | MO<R>,
    ceilMode?: boolean | MO<R>,
    options?: MO<R>,
  ) {
    super('MaxPool1d', [kernelSize, stride, padding, dilation, returnIndices, ceilMode, options]);
  }
  protected pool(input: Tensor, options: MaxPoolOptions): Tensor | [Tensor, Tensor] {
    return P.maxPool1d(input, options);
  }
}
/**
 * 2-d max pooling, e.g. ResNet's stem `new nn.MaxPool2d(3, 2, 1)`.
 * @example new nn.MaxPool2d(2); new nn.MaxPool2d(2, { ceilMode: true })
 */
export class MaxPool2d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(
    kernelSize: PoolSize | MO<R>,
    stride?: PoolSize | null | MO<R>,
    padding?: PoolSize | MO<R>,
    dilation?: PoolSize | MO<R>,
    returnIndices?: R | MO<R>,
    ceilMode?: boolean | MO<R>,
    options?: MO<R>,
  ) {
    super('MaxPool2d', [kernelSize, stride, padding, dilation, returnIndices, ceilMode, options]);
  }
  protected pool(input: Tensor, options: MaxPoolOptions): Tensor | [Tensor, Tensor] {
    return P.maxPool2d(input, options);
  }
}
/**
 * 3-d max pooling.
 * @example new nn.MaxPool3d(2, { dilation: 2 })
 */
export class MaxPool3d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(
    kernelSize: PoolSize | MO<R>,
    stride?: PoolSize | null | MO<R>,
    padding?: PoolSize | MO<R>,
    dilation?: PoolSize | MO<R>,
    returnIndices?: R | MO<R>,
    ceilMode?: boolean | MO<R>,
    options?: MO<R>,
  ) {
    super('MaxPool3d', [kernelSize, stride, padding, dilation, returnIndices, ceilMode, options]);
  }
  protected pool(input: Tensor, options: MaxPoolOptions): Tensor | [Tensor, Tensor] {
    return P.maxPool3d(input, options);
  }
}

/** AvgPool1d/2d/3d. 1-d stores its sizes as 1-tuples, as PyTorch's `_single` does. */
abstract class AvgPoolNd extends Module {
  static override _holdsNoActivations = true;
  kernelSize: PoolSize;
  stride: PoolSize;
  padding: PoolSize;
  ceilMode: boolean;
  countIncludePad: boolean;
  constructor(name: string, args: unknown[], oneD: boolean) {
    super();
    const names = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', ...(oneD ? [] : ['divisorOverride'])];
    const bound = bindArgs(name, args, names);
    if (bound.kernelSize === undefined) throw new TypeError(`${name}() missing required argument 'kernelSize'`);
    const single = (v: unknown) => (oneD ? expandSize(name, 'kernel_size', v, 1) : copy(v as PoolSize));
    this.kernelSize = single(bound.kernelSize);
    this.stride = single(bound.stride === undefined || bound.stride === null ? bound.kernelSize : bound.stride);
    this.padding = single(sizeOf(bound.padding, 0));
    this.ceilMode = flag(name, 'ceilMode', bound.ceilMode, false);
    this.countIncludePad = flag(name, 'countIncludePad', bound.countIncludePad, true);
    if (!oneD) (this as unknown as { divisorOverride: number | null }).divisorOverride = (bound.divisorOverride as number | null | undefined) ?? null;
  }
  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}

type AvgPoolArgs = [kernelSize: PoolSize | AvgPoolOptions, ...rest: (Arg | AvgPoolOptions)[]];

/**
 * 1-d average pooling; `new nn.AvgPool1d(kernelSize, stride, padding, ceilMode, countIncludePad)`.
 * @example new nn.AvgPool1d(3, 2)
 */
export class AvgPool1d extends AvgPoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: [kernelSize: PoolSize | Omit<AvgPoolOptions, 'divisorOverride'>, ...rest: (Arg | Omit<AvgPoolOptions, 'divisorOverride'>)[]]) {
    super('AvgPool1d', args, true);
  }
  override forward(input: Tensor): Tensor {
    return P.avgPool1d(input, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad);
  }
}
/**
 * 2-d average pooling; `divisorOverride` replaces the window size as divisor.
 * @example new nn.AvgPool2d(3, 2, 1); new nn.AvgPool2d(2, { countIncludePad: false })
 */
export class AvgPool2d extends AvgPoolNd {
  static override _holdsNoActivations = true;
  declare divisorOverride: number | null;
  constructor(...args: AvgPoolArgs) {
    super('AvgPool2d', args, false);
  }
  override forward(input: Tensor): Tensor {
    return P.avgPool2d(input, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad, this.divisorOverride);
  }
}
/**
 * 3-d average pooling.
 * @example new nn.AvgPool3d(2)
 */
export class AvgPool3d extends AvgPoolNd {
  static override _holdsNoActivations = true;
  declare divisorOverride: number | null;
  constructor(...args: AvgPoolArgs) {
    super('AvgPool3d', args, false);
  }
  override forward(input: Tensor): Tensor {
    return P.avgPool3d(input, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad, this.divisorOverride);
  }
}

/** The adaptive layers' `outputSize`, as given (an int, or a tuple with `null` for "keep"). */
function outputSizeOf(name: string, value: unknown): AdaptiveSize {
  if (value === undefined) throw new TypeError(`${name}() missing required argument 'outputSize'`);
  return copy(value as AdaptiveSize);
}

/**
 * Adaptive average pooling over `[C, L]` or `[N, C, L]` to `outputSize`.
 * @example new nn.AdaptiveAvgPool1d(4)
 */
export class AdaptiveAvgPool1d extends Module {
  static override _holdsNoActivations = true;
  outputSize: number | [number];
  constructor(outputSize: number | [number] | { outputSize: number | [number] }) {
    super();
    const bound = bindArgs('AdaptiveAvgPool1d', [outputSize], ['outputSize']);
    this.outputSize = outputSizeOf('AdaptiveAvgPool1d', bound.outputSize) as number | [number];
  }
  override forward(input: Tensor): Tensor {
    return A.adaptiveAvgPool1d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}
/**
 * Adaptive average pooling to `outputSize` (`[1, 1]` is ResNet's global pool).
 * @example new nn.AdaptiveAvgPool2d([1, 1]); new nn.AdaptiveAvgPool2d([null, 7])
 */
export class AdaptiveAvgPool2d extends Module {
  static override _holdsNoActivations = true;
  outputSize: AdaptiveSize;
  constructor(outputSize: AdaptiveSize | { outputSize: AdaptiveSize }) {
    super();
    const bound = bindArgs('AdaptiveAvgPool2d', [outputSize], ['outputSize']);
    this.outputSize = outputSizeOf('AdaptiveAvgPool2d', bound.outputSize);
  }
  override forward(input: Tensor): Tensor {
    return A.adaptiveAvgPool2d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}
/**
 * Adaptive average pooling over the last three dims.
 * @example new nn.AdaptiveAvgPool3d(2)
 */
export class AdaptiveAvgPool3d extends Module {
  static override _holdsNoActivations = true;
  outputSize: AdaptiveSize;
  constructor(outputSize: AdaptiveSize | { outputSize: AdaptiveSize }) {
    super();
    const bound = bindArgs('AdaptiveAvgPool3d', [outputSize], ['outputSize']);
    this.outputSize = outputSizeOf('AdaptiveAvgPool3d', bound.outputSize);
  }
  override forward(input: Tensor): Tensor {
    return A.adaptiveAvgPool3d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}

/** The keywords of `nn.AdaptiveMaxPool*d`; R is inferred from `returnIndices`. */
type AMO<R extends boolean> = { outputSize?: AdaptiveSize; returnIndices?: R };

abstract class AdaptiveMaxPoolNd<R extends boolean> extends Module<PoolResult<R>> {
  static override _holdsNoActivations = true;
  outputSize: AdaptiveSize;
  returnIndices: R;
  constructor(name: string, args: unknown[]) {
    super();
    const bound = bindArgs(name, args, ['outputSize', 'returnIndices']);
    this.outputSize = outputSizeOf(name, bound.outputSize);
    this.returnIndices = flag(name, 'returnIndices', bound.returnIndices, false) as R;
  }
  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}
/**
 * Adaptive max pooling over `[C, L]` or `[N, C, L]`.
 * @example new nn.AdaptiveMaxPool1d(2); new nn.AdaptiveMaxPool1d(2, true)
 */
export class AdaptiveMaxPool1d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  static override _holdsNoActivations = true;
  constructor(outputSize: AdaptiveSize | AMO<R>, returnIndices?: R | AMO<R>, options?: AMO<R>) {
    super('AdaptiveMaxPool1d', [outputSize, returnIndices, options]);
  }
  override forward(input: Tensor): PoolResult<R> {
    return A.adaptiveMaxPool1d(input, this.outputSize as number, { returnIndices: this.returnIndices }) as PoolResult<R>;
  }
}
/**
 * Adaptive max pooling over the last two dims.
 * @example new nn.AdaptiveMaxPool2d([2, null], true)
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  static override _holdsNoActivations = true;
  constructor(outputSize: AdaptiveSize | AMO<R>, returnIndices?: R | AMO<R>, options?: AMO<R>) {
    super('AdaptiveMaxPool2d', [outputSize, returnIndices, options]);
  }
  override forward(input: Tensor): PoolResult<R> {
    return A.adaptiveMaxPool2d(input, this.outputSize, { returnIndices: this.returnIndices }) as PoolResult<R>;
  }
}
/**
 * Adaptive max pooling over the last three dims.
 * @example new nn.AdaptiveMaxPool3d(2)
 */
export class AdaptiveMaxPool3d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  static override _holdsNoActivations = true;
  constructor(outputSize: AdaptiveSize | AMO<R>, returnIndices?: R | AMO<R>, options?: AMO<R>) {
    super('AdaptiveMaxPool3d', [outputSize, returnIndices, options]);
  }
  override forward(input: Tensor): PoolResult<R> {
    return A.adaptiveMaxPool3d(input, this.outputSize, { returnIndices: this.returnIndices }) as PoolResult<R>;
  }
}

type UnpoolArgs = [kernelSize: PoolSize | MaxUnpoolOptions, ...rest: (Arg | MaxUnpoolOptions)[]];

abstract class MaxUnpoolNd extends Module {
  static override _holdsNoActivations = true;
  kernelSize: number[];
  stride: number[];
  padding: number[];
  constructor(name: string, args: unknown[], nd: number) {
    super();
    const bound = bindArgs(name, args, ['kernelSize', 'stride', 'padding']);
    if (bound.kernelSize === undefined) throw new TypeError(`${name}() missing required argument 'kernelSize'`);
    this.kernelSize = expandSize(name, 'kernel_size', bound.kernelSize, nd);
    this.stride = expandSize(name, 'stride', bound.stride === undefined || bound.stride === null ? bound.kernelSize : bound.stride, nd);
    this.padding = expandSize(name, 'padding', sizeOf(bound.padding, 0), nd);
  }
  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}
/**
 * The partial inverse of MaxPool1d; `forward(input, indices, outputSize?)`.
 * @example const unpool = new nn.MaxUnpool1d(2); unpool(y, idx)
 */
export class MaxUnpool1d extends MaxUnpoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: UnpoolArgs) {
    super('MaxUnpool1d', args, 1);
  }
  override forward(input: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    return A.maxUnpool1d(input, indices, this.kernelSize, this.stride, this.padding, { outputSize });
  }
}
/**
 * The partial inverse of MaxPool2d; `forward(input, indices, outputSize?)`.
 * @example const unpool = new nn.MaxUnpool2d(2); unpool(y, idx, [7, 9])
 */
export class MaxUnpool2d extends MaxUnpoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: UnpoolArgs) {
    super('MaxUnpool2d', args, 2);
  }
  override forward(input: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    return A.maxUnpool2d(input, indices, this.kernelSize, this.stride, this.padding, { outputSize });
  }
}

/**
 * The partial inverse of MaxPool3d; `forward(input, indices, outputSize?)`.
 * @example const unpool = new nn.MaxUnpool3d(2); unpool(y, idx)
 */
export class MaxUnpool3d extends MaxUnpoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: UnpoolArgs) {
    super('MaxUnpool3d', args, 3);
  }
  override forward(input: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    return A.maxUnpool3d(input, indices, this.kernelSize, this.stride, this.padding, { outputSize });
  }
}

type LPArgs = [normType: number | LPPoolOptions, ...rest: (Arg | LPPoolOptions)[]];

abstract class LPPoolNd extends Module {
  static override _holdsNoActivations = true;
  normType: number;
  kernelSize: PoolSize;
  stride: PoolSize | null;
  ceilMode: boolean;
  constructor(name: string, args: unknown[]) {
    super();
    const bound = bindArgs(name, args, ['normType', 'kernelSize', 'stride', 'ceilMode']);
    if (typeof bound.normType !== 'number') throw new TypeError(`${name}(): normType must be a number, but got ${String(bound.normType)}`);
    if (bound.kernelSize === undefined) throw new TypeError(`${name}() missing required argument 'kernelSize'`);
    this.normType = bound.normType;
    this.kernelSize = copy(bound.kernelSize as PoolSize);
    this.stride = copy((bound.stride as PoolSize | null | undefined) ?? null);
    this.ceilMode = flag(name, 'ceilMode', bound.ceilMode, false);
  }
  override extraRepr(): string {
    return `norm_type=${pyRepr(this.normType)}, kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, ceil_mode=${pyRepr(this.ceilMode)}`;
  }
}
/**
 * Power-average pooling over `[C, L]` or `[N, C, L]`.
 * @example new nn.LPPool1d(2, 3)
 */
export class LPPool1d extends LPPoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: LPArgs) {
    super('LPPool1d', args);
  }
  override forward(input: Tensor): Tensor {
    return A.lpPool1d(input, this.normType, this.kernelSize, this.stride, this.ceilMode);
  }
}
/**
 * Power-average pooling over the last two dims.
 * @example new nn.LPPool2d(2, 3, 2, true)
 */
export class LPPool2d extends LPPoolNd {
  static override _holdsNoActivations = true;
  constructor(...args: LPArgs) {
    super('LPPool2d', args);
  }
  override forward(input: Tensor): Tensor {
    return A.lpPool2d(input, this.normType, this.kernelSize, this.stride, this.ceilMode);
  }
}
