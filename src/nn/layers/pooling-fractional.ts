/**
 * `nn.FractionalMaxPool2d` / `nn.FractionalMaxPool3d`: PyTorch's constructors (kernel size,
 * then `outputSize` or `outputRatio`, `returnIndices`, `_randomSamples`), attributes, checks
 * and repr; `_random_samples` is a buffer, in the state dict when given.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../../tensor/args.js';
import { Module } from '../module.js';
import { pyRepr } from '../repr.js';
import * as P from '../functional/pooling-fractional.js';
import { bindArgs, expandSize, flag, type PoolSize } from '../functional/pooling-args.js';
import type { PoolResult } from './pooling.js';

/**
 * The keywords of `nn.FractionalMaxPool2d/3d`; R is inferred from `returnIndices`.
 * @example new nn.FractionalMaxPool2d(3, { outputRatio: 0.5, returnIndices: true })
 */
export interface FractionalMaxPoolLayerOptions<R extends boolean = boolean> {
  outputSize?: PoolSize | null;
  outputRatio?: number | readonly number[] | null;
  returnIndices?: R;
  _randomSamples?: Tensor | null;
}

type Arg<R extends boolean> = PoolSize | number | readonly number[] | boolean | Tensor | null | undefined | FractionalMaxPoolLayerOptions<R>;

abstract class FractionalMaxPoolNd<R extends boolean> extends Module<PoolResult<R>> {
  static override _holdsNoActivations = true;
  kernelSize: number[];
  returnIndices: R;
  outputSize: number[] | null;
  outputRatio: number[] | null;
  declare _random_samples: Tensor | null;

  constructor(name: string, nd: number, args: unknown[]) {
    super();
    const a = bindArgs(name, args, ['kernelSize', 'outputSize', 'outputRatio', 'returnIndices', '_randomSamples']);
    if (a.kernelSize === undefined) throw new TypeError(`${name}() missing required argument 'kernelSize'`);
    this.kernelSize = expandSize(name, 'kernel_size', a.kernelSize, nd);
    this.returnIndices = flag(name, 'returnIndices', a.returnIndices, false) as R;
    const samples = (a._randomSamples as Tensor | null | undefined) ?? null;
    if (samples !== null) checkTensor(samples, name, '_randomSamples');
    this.registerBuffer('_random_samples', samples);
    const size = a.outputSize ?? null;
    const ratio = a.outputRatio ?? null;
    this.outputSize = size === null ? null : expandSize(name, 'output_size', size, nd);
    this.outputRatio = ratio === null ? null : typeof ratio === 'number' ? Array<number>(nd).fill(ratio) : (ratio as number[]).slice();
    if (size === null && ratio === null) throw new Error(`${name} requires specifying either an output size, or a pooling ratio`);
    if (size !== null && ratio !== null) throw new Error('only one of output_size and output_ratio may be specified');
    if (this.outputRatio !== null && !this.outputRatio.every((r) => typeof r === 'number' && r > 0 && r < 1)) {
      throw new Error(`output_ratio must be between 0 and 1 (got ${pyRepr(ratio, true)})`);
    }
  }

  protected abstract pool(input: Tensor, options: P.FractionalMaxPoolOptions): Tensor | [Tensor, Tensor];

  override forward(input: Tensor): PoolResult<R> {
    return this.pool(input, {
      outputSize: this.outputSize,
      outputRatio: this.outputRatio,
      returnIndices: this.returnIndices,
      _randomSamples: this._random_samples,
    }) as PoolResult<R>;
  }
}

/**
 * 2-d fractional max pooling; `new nn.FractionalMaxPool2d(kernelSize, outputSize, outputRatio, returnIndices, _randomSamples)`.
 * @example new nn.FractionalMaxPool2d(3, { outputRatio: [0.5, 0.5] }); new nn.FractionalMaxPool2d(2, 4, null, true)
 */
export class FractionalMaxPool2d<R extends boolean = false> extends FractionalMaxPoolNd<R> {
  constructor(kernelSize: PoolSize | FractionalMaxPoolLayerOptions<R>, ...rest: Arg<R>[]) {
    super('FractionalMaxPool2d', 2, [kernelSize, ...rest]);
  }
  protected pool(input: Tensor, options: P.FractionalMaxPoolOptions): Tensor | [Tensor, Tensor] {
    return P.fractionalMaxPool2d(input, this.kernelSize, options);
  }
}

/**
 * 3-d fractional max pooling over `[C, T, H, W]` or `[N, C, T, H, W]`.
 * @example new nn.FractionalMaxPool3d(2, { outputSize: [3, 3, 3] })
 */
export class FractionalMaxPool3d<R extends boolean = false> extends FractionalMaxPoolNd<R> {
  constructor(kernelSize: PoolSize | FractionalMaxPoolLayerOptions<R>, ...rest: Arg<R>[]) {
    super('FractionalMaxPool3d', 3, [kernelSize, ...rest]);
  }
  protected pool(input: Tensor, options: P.FractionalMaxPoolOptions): Tensor | [Tensor, Tensor] {
    return P.fractionalMaxPool3d(input, this.kernelSize, options);
  }
}
