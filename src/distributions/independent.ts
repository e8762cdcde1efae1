/**
 * `torch.distributions.Independent(base, reinterpretedBatchNdims)`: some of a
 * distribution's batch dims read as event dims, so that logProb sums over them.
 */
import { Tensor } from '../tensor/tensor.js';
import { type Constraint, independent } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { sumRightmost } from './utils.js';
import { optionsOf } from './options.js';

/**
 * `base` with its `reinterpretedBatchNdims` rightmost batch dims made event dims: a
 * diagonal Normal over vectors is `new Independent(new Normal(loc, scale), 1)`.
 * @example new torch.distributions.Independent(new torch.distributions.Normal(torch.zeros(3), 1), 1).eventShape // [3]
 */
export class Independent extends Distribution {
  readonly baseDist: Distribution;
  readonly reinterpretedBatchNdims: number;

  constructor(baseDistribution: Distribution, reinterpretedBatchNdims: number, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('Independent', options);
    if (!(baseDistribution instanceof Distribution)) throw new TypeError('Independent(): base_distribution must be a Distribution');
    const n = reinterpretedBatchNdims;
    const baseBatch = [...baseDistribution.batchShape];
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`Independent(): reinterpreted_batch_ndims must be a non-negative integer, but got ${n}`);
    if (n > baseBatch.length) {
      throw new Error(`Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual ${n} vs ${baseBatch.length}`);
    }
    const shape = [...baseBatch, ...baseDistribution.eventShape];
    const eventDim = n + baseDistribution.eventShape.length;
    super(shape.slice(0, shape.length - eventDim), shape.slice(shape.length - eventDim), validateArgs);
    this.baseDist = baseDistribution;
    this.reinterpretedBatchNdims = n;
  }

  override get support(): Constraint {
    const base = this.baseDist.support;
    return this.reinterpretedBatchNdims === 0 ? base : independent(base, this.reinterpretedBatchNdims);
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }
  override get hasEnumerateSupport(): boolean {
    return this.reinterpretedBatchNdims > 0 ? false : this.baseDist.hasEnumerateSupport;
  }
  override get mean(): Tensor {
    return this.baseDist.mean;
  }
  override get mode(): Tensor {
    return this.baseDist.mode;
  }
  override get variance(): Tensor {
    return this.baseDist.variance;
  }

  override expand(batchShape: readonly number[]): Independent {
    const base = this.baseDist.expand([...batchShape, ...this._eventShape.slice(0, this.reinterpretedBatchNdims)]);
    return this.keepValidation(new Independent(base, this.reinterpretedBatchNdims, { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    return this.baseDist.sample(sampleShape);
  }
  override rsample(sampleShape: readonly number[] = []): Tensor {
    return this.baseDist.rsample(sampleShape);
  }
  override logProb(value: Tensor): Tensor {
    return sumRightmost(this.baseDist.logProb(value), this.reinterpretedBatchNdims);
  }
  override entropy(): Tensor {
    return sumRightmost(this.baseDist.entropy(), this.reinterpretedBatchNdims);
  }
  override enumerateSupport(expand = true): Tensor {
    if (this.reinterpretedBatchNdims > 0) throw new Error('Enumeration over cartesian product is not implemented');
    return this.baseDist.enumerateSupport(expand);
  }

  override toString(): string {
    return `Independent(${this.baseDist.toString()}, ${this.reinterpretedBatchNdims})`;
  }
}
