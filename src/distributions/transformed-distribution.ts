/**
 * `torch.distributions.TransformedDistribution(base, transforms)`: a base distribution
 * pushed through invertible transforms, with the change-of-variables log-density; and
 * `LogNormal`, which is a Normal through exp.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { type Constraint, independent, positive, real } from './constraints.js';
import { Distribution, type DistributionOptions, type Param } from './distribution.js';
import { Normal } from './normal.js';
import { ComposeTransform, ExpTransform, Transform } from './transforms.js';
import { sumRightmost } from './utils.js';
import { Independent } from './independent.js';
import { Size } from '../tensor/size.js';
import { optionsOf } from './options.js';

/**
 * `base` pushed through `transforms` (one, or a list applied in order). Transforms that
 * change shapes or read whole vectors (StickBreaking, Reshape, ...) reshape the base as
 * PyTorch does: the base is expanded to what they take, its batch dims that they read as
 * events are reinterpreted, and the event dims follow their codomain.
 * @example new torch.distributions.TransformedDistribution(new Normal(0, 1), [new SigmoidTransform()]).sample([3])
 */
export class TransformedDistribution extends Distribution {
  readonly baseDist: Distribution;
  readonly transforms: Transform[];

  constructor(baseDistribution: Distribution, transforms: Transform | Transform[], options?: DistributionOptions) {
    const { validateArgs } = optionsOf('TransformedDistribution', options);
    if (!(baseDistribution instanceof Distribution)) throw new TypeError('TransformedDistribution(): base_distribution must be a Distribution');
    let list: Transform[];
    if (transforms instanceof Transform) list = [transforms];
    else if (Array.isArray(transforms)) {
      if (!transforms.every((t) => t instanceof Transform)) throw new Error('transforms must be a Transform or a list of Transforms');
      list = [...transforms];
    } else throw new Error(`transforms must be a Transform or list, but was ${String(transforms)}`);
    // The base reshaped to what the transforms take: expanded to the broadcast shape, and
    // its batch dims that the first transform reads as event dims reinterpreted.
    let base = baseDistribution;
    const baseShape = [...base.batchShape, ...base.eventShape];
    const baseEventDim = base.eventShape.length;
    const composed = new ComposeTransform(list);
    const domainEventDim = composed.domain.eventDim;
    if (baseShape.length < domainEventDim) {
      throw new Error(`base_distribution needs to have shape with size at least ${domainEventDim}, but got ${new Size(baseShape)}.`);
    }
    const shape = composed.forwardShape(baseShape);
    const expandedBaseShape = composed.inverseShape(shape);
    if (baseShape.join() !== expandedBaseShape.join()) base = base.expand(expandedBaseShape.slice(0, expandedBaseShape.length - baseEventDim));
    if (domainEventDim - baseEventDim > 0) base = new Independent(base, domainEventDim - baseEventDim);
    const eventDim = composed.codomain.eventDim + Math.max(baseEventDim - domainEventDim, 0);
    const cut = shape.length - eventDim;
    super(shape.slice(0, cut), shape.slice(cut), validateArgs);
    this.baseDist = base;
    this.transforms = list;
  }

  override get support(): Constraint {
    if (this.transforms.length === 0) return this.baseDist.support;
    const support = this.transforms[this.transforms.length - 1].codomain;
    return this._eventShape.length > support.eventDim ? independent(support, this._eventShape.length - support.eventDim) : support;
  }
  override get hasRsample(): boolean {
    return this.baseDist.hasRsample;
  }

  override expand(batchShape: readonly number[]): TransformedDistribution {
    const shape = this.transforms.reduceRight((s, t) => t.inverseShape(s), [...batchShape, ...this._eventShape]);
    const baseBatch = shape.slice(0, shape.length - this.baseDist.eventShape.length);
    return this.keepValidation(new TransformedDistribution(this.baseDist.expand(baseBatch), this.transforms, { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => this.transforms.reduce((x, t) => t.call(x), this.baseDist.sample(sampleShape)));
  }
  override rsample(sampleShape: readonly number[] = []): Tensor {
    return this.transforms.reduce((x, t) => t.call(x), this.baseDist.rsample(sampleShape));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    let eventDim = this._eventShape.length;
    let logProb: Tensor | null = null;
    let y = value;
    for (const t of [...this.transforms].reverse()) {
      const x = t.inverse(y);
      eventDim += t.domain.eventDim - t.codomain.eventDim;
      const term = sumRightmost(t.logAbsDetJacobian(x, y), eventDim - t.domain.eventDim);
      logProb = logProb === null ? term.rsub(0) : logProb.sub(term);
      y = x;
    }
    const base = sumRightmost(this.baseDist.logProb(y), eventDim - this.baseDist.eventShape.length);
    return logProb === null ? base.add(0) : logProb.add(base);
  }
  /** The CDF flipped where the composed transform decreases (PyTorch multiplies the parts' signs). */
  private monotonizeCdf(value: Tensor): Tensor {
    const sign = new ComposeTransform(this.transforms).sign;
    if (typeof sign === 'number' && sign === 1) return value;
    return value.sub(0.5).mul(sign).add(0.5);
  }
  override cdf(value: Tensor): Tensor {
    let v = value;
    for (const t of [...this.transforms].reverse()) v = t.inverse(v);
    if (this._validateArgs) this.baseDist.validateSample(v);
    return this.monotonizeCdf(this.baseDist.cdf(v));
  }
  override icdf(value: Tensor): Tensor {
    return this.transforms.reduce((x, t) => t.call(x), this.baseDist.icdf(this.monotonizeCdf(value)));
  }
}

/**
 * exp(X) for X ~ Normal(loc, scale).
 * @example new torch.distributions.LogNormal(0, 0.5).mean // exp(0.125)
 */
export class LogNormal extends TransformedDistribution {
  constructor(loc: Param, scale: Param, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('LogNormal', options);
    super(new Normal(loc, scale, { validateArgs }), new ExpTransform(), { validateArgs });
  }

  override get argConstraints(): Record<string, Constraint> {
    return { loc: real, scale: positive };
  }
  override get support(): Constraint {
    return positive;
  }
  /** The underlying Normal's mean. @example d.loc */
  get loc(): Tensor {
    return (this.baseDist as Normal).loc;
  }
  /** The underlying Normal's standard deviation. @example d.scale */
  get scale(): Tensor {
    return (this.baseDist as Normal).scale;
  }
  override get mean(): Tensor {
    return this.loc.add(this.scale.pow(2).div(2)).exp();
  }
  override get mode(): Tensor {
    return this.loc.sub(this.scale.square()).exp();
  }
  override get variance(): Tensor {
    const scaleSq = this.scale.pow(2);
    return scaleSq.expm1().mul(this.loc.mul(2).add(scaleSq).exp());
  }

  override expand(batchShape: readonly number[]): LogNormal {
    const shape = [...batchShape];
    return this.keepValidation(new LogNormal(this.loc.expand(shape), this.scale.expand(shape), { validateArgs: false }));
  }

  override entropy(): Tensor {
    return this.baseDist.entropy().add(this.loc);
  }
}
