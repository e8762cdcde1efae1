/**
 * `torch.distributions.ContinuousBernoulli(probs | { logits }, { lims })`: the normalized
 * density on [0, 1] proportional to p^x (1 - p)^(1 - x), for VAEs of pixel intensities.
 * Near p = 0.5 the closed forms cancel catastrophically, so inside `lims` the moments and the
 * log-normalizer are Taylor expansions, as PyTorch computes them.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { rand } from '../tensor/creation.js';
import { binaryCrossEntropyWithLogits, where } from './ops.js';
import { type Constraint, real, unitInterval } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import type { DistributionOptions, Param } from './distribution.js';
import { broadcastAll, clampProbs, logitsToProbs, probsToLogits } from './utils.js';
import { probsOrLogits, type ProbsLogitsOptions } from './probs-logits.js';

/** The options: `lims`, the (low, high) range of probs treated by Taylor expansion. */
export interface ContinuousBernoulliOptions extends DistributionOptions {
  lims?: [number, number];
}

const isOptions = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !(v instanceof Tensor);

/** Takes `lims` out of whichever argument is the options object, so the rest parse as Bernoulli's. */
function takeLims(args: unknown[]): { args: unknown[]; lims: [number, number] } {
  let lims: [number, number] = [0.499, 0.501];
  const rest = args.map((a) => {
    if (!isOptions(a) || !('lims' in a)) return a;
    const { lims: l, ...others } = a;
    if (l !== undefined) {
      if (!Array.isArray(l) || l.length !== 2 || !l.every((v) => typeof v === 'number')) throw new TypeError('ContinuousBernoulli(): lims must be a pair of numbers');
      lims = [l[0], l[1]];
    }
    return others;
  });
  return { args: rest, lims };
}

/**
 * The continuous Bernoulli distribution.
 * @example new torch.distributions.ContinuousBernoulli(torch.tensor([0.2, 0.8])).rsample()
 * @example new torch.distributions.ContinuousBernoulli({ logits: torch.zeros(3) }).mean // 0.5
 */
export class ContinuousBernoulli extends ExponentialFamily {
  private readonly param: Tensor;
  readonly lims: [number, number];

  constructor(
    probs?: Param | (ProbsLogitsOptions & ContinuousBernoulliOptions) | null,
    logitsOrOptions?: Param | null | ContinuousBernoulliOptions,
    options?: ContinuousBernoulliOptions,
  ) {
    const { args, lims } = takeLims([probs, logitsOrOptions, options]);
    const given = probsOrLogits('ContinuousBernoulli', ...(args as Parameters<typeof probsOrLogits> extends [string, ...infer R] ? R : never));
    const isScalar = typeof given.value === 'number';
    let [param] = broadcastAll('ContinuousBernoulli', { [given.name]: given.value });
    if (given.name === 'probs') {
      // PyTorch checks probs here only when validateArgs is given: clamping below would hide it.
      if (given.validateArgs !== undefined && !noGrad(() => unitInterval.check(param).all().item())) {
        throw new Error('The parameter probs has invalid values');
      }
      param = clampProbs(param);
    }
    super(isScalar ? [] : param.shape, [], given.validateArgs);
    this.param = param;
    this.lazy[given.name] = param;
    this.lims = lims;
    this.validateArgs_();
  }

  protected override get lazyParams(): readonly string[] {
    return ['probs', 'logits'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { probs: unitInterval, logits: real };
  }
  override get support(): Constraint {
    return unitInterval;
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** The shape parameter in [0, 1] (clamped away from 0 and 1). @example d.probs */
  get probs(): Tensor {
    return (this.lazy.probs ??= clampProbs(logitsToProbs(this.lazy.logits!, true)));
  }
  /** The log-odds of `probs`. @example d.logits */
  get logits(): Tensor {
    return (this.lazy.logits ??= probsToLogits(this.lazy.probs!, true));
  }
  /** The shape of the parameter given. @example d.paramShape */
  get paramShape(): number[] {
    return [...this.param.shape];
  }

  /** True where probs lies outside `lims`, where the closed forms are stable. */
  private outsideUnstableRegion(): Tensor {
    return this.probs.le(this.lims[0]).logicalOr(this.probs.gt(this.lims[1]));
  }
  /** probs, with the unstable ones replaced by lims[0] so that the unused branch stays finite. */
  private cutProbs(): Tensor {
    return where(this.outsideUnstableRegion(), this.probs, this.lims[0]);
  }
  /** The log normalizing constant, as a function of probs (the KL pairs use it too). @internal */
  contBernLogNorm(): Tensor {
    const cut = this.cutProbs();
    const belowHalf = where(cut.le(0.5), cut, 0);
    const aboveHalf = where(cut.ge(0.5), cut, 1);
    const logNorm = cut.neg().log1p().sub(cut.log()).abs().log()
      .sub(where(cut.le(0.5), belowHalf.mul(-2).log1p(), aboveHalf.mul(2).sub(1).log()));
    const x = this.probs.sub(0.5).pow(2);
    const taylor = x.mul(104 / 45).add(4 / 3).mul(x).add(Math.LN2);
    return where(this.outsideUnstableRegion(), logNorm, taylor);
  }

  override get mean(): Tensor {
    const cut = this.cutProbs();
    const mus = cut.div(cut.mul(2).sub(1)).add(cut.neg().log1p().sub(cut.log()).reciprocal());
    const x = this.probs.sub(0.5);
    const taylor = x.pow(2).mul(16 / 45).add(1 / 3).mul(x).add(0.5);
    return where(this.outsideUnstableRegion(), mus, taylor);
  }
  override get variance(): Tensor {
    const cut = this.cutProbs();
    const vars = cut.mul(cut.sub(1)).div(cut.mul(-2).add(1).pow(2)).add(cut.neg().log1p().sub(cut.log()).pow(2).reciprocal());
    const x = this.probs.sub(0.5).pow(2);
    const taylor = x.mul(128 / 945).rsub(1 / 15).mul(x).rsub(1 / 12);
    return where(this.outsideUnstableRegion(), vars, taylor);
  }

  override expand(batchShape: readonly number[]): ContinuousBernoulli {
    const shape = [...batchShape];
    const options = { lims: this.lims, validateArgs: false };
    const expanded = this.param === this.lazy.probs
      ? new ContinuousBernoulli(this.probs.expand(shape), null, options)
      : new ContinuousBernoulli({ logits: this.logits.expand(shape), ...options });
    return this.keepValidation(expanded);
  }

  override sample(sampleShape: readonly number[] = []): Tensor {
    const u = rand(this.extendedShape(sampleShape), { dtype: this.probs.dtype, device: this.probs.device });
    return noGrad(() => this.icdf(u));
  }
  override rsample(sampleShape: readonly number[] = []): Tensor {
    const u = rand(this.extendedShape(sampleShape), { dtype: this.probs.dtype, device: this.probs.device });
    return this.icdf(u);
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const [logits, v] = broadcastAll('ContinuousBernoulli.logProb', { logits: this.logits, value });
    return binaryCrossEntropyWithLogits(logits, v, { reduction: 'none' }).neg().add(this.contBernLogNorm());
  }
  override cdf(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const cut = this.cutProbs();
    const cdfs = cut.pow(value).mul(cut.neg().add(1).pow(value.neg().add(1))).add(cut).sub(1).div(cut.mul(2).sub(1));
    const unbounded = where(this.outsideUnstableRegion(), cdfs, value);
    return where(value.le(0), 0, where(value.ge(1), 1, unbounded));
  }
  override icdf(value: Tensor): Tensor {
    const cut = this.cutProbs();
    const inverted = cut.neg().add(value.mul(cut.mul(2).sub(1))).log1p().sub(cut.neg().log1p()).div(cut.log().sub(cut.neg().log1p()));
    return where(this.outsideUnstableRegion(), inverted, value);
  }
  override entropy(): Tensor {
    const logProbs0 = this.probs.neg().log1p();
    const logProbs1 = this.probs.log();
    return this.mean.mul(logProbs0.sub(logProbs1)).sub(this.contBernLogNorm()).sub(logProbs0);
  }

  override get naturalParams(): Tensor[] {
    return [this.logits];
  }
  override logNormalizer(x: Tensor): Tensor {
    const [lo, hi] = [this.lims[0] - 0.5, this.lims[1] - 0.5];
    const outside = x.le(lo).logicalOr(x.gt(hi));
    const cut = where(outside, x, lo);
    const logNorm = cut.exp().sub(1).abs().log().sub(cut.abs().log());
    const taylor = x.mul(0.5).add(x.pow(2).div(24)).sub(x.pow(4).div(2880));
    return where(outside, logNorm, taylor);
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }
}
