/**
 * `torch.distributions.Geometric(probs | { logits })`: the number of failures before the
 * first success.
 */
import { Tensor } from '../tensor/tensor.js';
import { empty, zerosLike } from '../tensor/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { uniform_ } from '../ops/fill.js';
import { binaryCrossEntropyWithLogits, where } from './ops.js';
import { type Constraint, nonnegativeInteger, real, unitInterval } from './constraints.js';
import { Distribution, type DistributionOptions, type Param, tupleString } from './distribution.js';
import { broadcastAll, finfo } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

/**
 * The geometric distribution on {0, 1, 2, ...} with success probability `probs`.
 * @example new torch.distributions.Geometric(torch.tensor([0.3, 0.9])).sample([5])
 */
export class Geometric extends Distribution {
  private readonly param: Tensor;

  constructor(probs?: Param | ProbsLogitsOptions | null, logitsOrOptions?: Param | null | DistributionOptions, options?: DistributionOptions) {
    const given = probsOrLogits('Geometric', probs, logitsOrOptions, options);
    const [param] = broadcastAll('Geometric', { [given.name]: given.value });
    super(typeof given.value === 'number' ? [] : param.shape, [], given.validateArgs);
    this.param = param;
    this.lazy[given.name] = param;
    this.validateArgs_();
    // PyTorch also refuses a zero probability, which the unit interval admits.
    if (this._validateArgs && given.name === 'probs' && !param.gt(0).all().item()) {
      throw new Error(
        `Expected parameter probs (Tensor of shape ${tupleString(param.shape)}) of distribution ${this.toString()} ` +
          `to be positive but found invalid values:\n${param.maskedSelect(param.gt(0).logicalNot()).toString()}`,
      );
    }
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: unitInterval, logits: real };
  }
  override get support(): Constraint {
    return nonnegativeInteger;
  }
  /** @example d.probs */
  get probs(): Tensor {
    return this.lazyProbs(true);
  }
  /** @example d.logits */
  get logits(): Tensor {
    return this.lazyLogits(true);
  }
  override get mean(): Tensor {
    return this.probs.reciprocal().sub(1);
  }
  override get mode(): Tensor {
    return zerosLike(this.probs);
  }
  override get variance(): Tensor {
    return this.probs.reciprocal().sub(1).div(this.probs);
  }

  override expand(batchShape: readonly number[]): Geometric {
    const shape = [...batchShape];
    if (this.param === this.lazy.probs) return this.keepValidation(new Geometric(this.probs.expand(shape), null, { validateArgs: false }));
    return this.keepValidation(new Geometric(null, this.logits.expand(shape), { validateArgs: false }));
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    const { tiny } = finfo(this.probs.dtype);
    return noGrad(() => {
      const u = uniform_(empty(shape, { dtype: this.probs.dtype, device: this.probs.device }), tiny, 1);
      return u.log().div(this.probs.neg().log1p()).floor();
    });
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [v, p] = broadcastAll('Geometric.logProb', { value, probs: this.probs });
    // A certain success at 0 failures: log(1 - 1) * 0 is NaN, PyTorch takes it as 0.
    const probs = where(p.eq(1).logicalAnd(v.eq(0)), 0, p);
    return v.mul(probs.neg().log1p()).add(this.probs.log());
  }
  override entropy(): Tensor {
    return binaryCrossEntropyWithLogits(this.logits, this.probs, { reduction: 'none' }).div(this.probs);
  }
}
