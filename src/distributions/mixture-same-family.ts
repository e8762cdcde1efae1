/**
 * `torch.distributions.MixtureSameFamily(mixture, components)`: a mixture whose components
 * are one batched distribution, selected by a Categorical (a Gaussian mixture model is a
 * Categorical over k weights and a Normal with batch shape [..., k]).
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { type Constraint } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { Categorical } from './categorical.js';
import { optionsOf } from './options.js';

const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A mixture of `componentDistribution`'s rightmost batch entries, weighted by
 * `mixtureDistribution`.
 * @example
 * const mix = new D.Categorical(torch.ones(5));
 * const comp = new D.Independent(new D.Normal(torch.randn(5, 2), torch.rand(5, 2)), 1);
 * const gmm = new D.MixtureSameFamily(mix, comp);
 */
export class MixtureSameFamily extends Distribution {
  readonly mixtureDistribution: Categorical;
  readonly componentDistribution: Distribution;
  private readonly eventNdims: number;

  constructor(mixtureDistribution: Categorical, componentDistribution: Distribution, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('MixtureSameFamily', options);
    if (!(mixtureDistribution instanceof Categorical)) {
      throw new Error(' The Mixture distribution needs to be an  instance of torch.distribtutions.Categorical');
    }
    if (!(componentDistribution instanceof Distribution)) {
      throw new Error('The Component distribution need to be an instance of torch.distributions.Distribution');
    }
    const mdbs = [...mixtureDistribution.batchShape];
    const cdbs = [...componentDistribution.batchShape].slice(0, -1);
    for (let i = 1; i <= Math.min(mdbs.length, cdbs.length); i++) {
      const [a, b] = [mdbs[mdbs.length - i], cdbs[cdbs.length - i]];
      if (a !== 1 && b !== 1 && a !== b) {
        throw new Error(`\`mixture_distribution.batch_shape\` (${mixtureDistribution.batchShape}) is not compatible with \`component_distribution.batch_shape\`(${componentDistribution.batchShape.slice(0, -1).length ? `torch.Size([${cdbs.join(', ')}])` : 'torch.Size([])'})`);
      }
    }
    const km = mixtureDistribution.logits.shape[mixtureDistribution.logits.dim() - 1];
    const kc = componentDistribution.batchShape[componentDistribution.batchShape.length - 1];
    if (km !== kc) throw new Error(`\`mixture_distribution component\` (${km}) does not equal \`component_distribution.batch_shape[-1]\` (${kc})`);
    super(cdbs, componentDistribution.eventShape, validateArgs);
    this.mixtureDistribution = mixtureDistribution;
    this.componentDistribution = componentDistribution;
    this.eventNdims = componentDistribution.eventShape.length;
  }

  override get support(): Constraint {
    return this.componentDistribution.support;
  }
  override get mean(): Tensor {
    const probs = this.padMixtureDimensions(this.mixtureDistribution.probs);
    return probs.mul(this.componentDistribution.mean).sum(-1 - this.eventNdims);
  }
  override get variance(): Tensor {
    const probs = this.padMixtureDimensions(this.mixtureDistribution.probs);
    const meanCondVar = probs.mul(this.componentDistribution.variance).sum(-1 - this.eventNdims);
    const varCondMean = probs.mul(this.componentDistribution.mean.sub(this.pad(this.mean)).pow(2.0)).sum(-1 - this.eventNdims);
    return meanCondVar.add(varCondMean);
  }

  override expand(batchShape: readonly number[]): MixtureSameFamily {
    const k = this.mixtureDistribution.logits.shape[this.mixtureDistribution.logits.dim() - 1];
    return new MixtureSameFamily(this.mixtureDistribution.expand(batchShape), this.componentDistribution.expand([...batchShape, k]), {
      validateArgs: this._validateArgs,
    });
  }

  override cdf(x: Tensor): Tensor {
    const cdfX = this.componentDistribution.cdf(this.pad(x));
    return cdfX.mul(this.mixtureDistribution.probs).sum(-1);
  }
  override logProb(x: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(x);
    const logProbX = this.componentDistribution.logProb(this.pad(x)); // [S, B, k]
    const logMixProb = this.mixtureDistribution.logits.logSoftmax(-1); // [B, k]
    return logProbX.add(logMixProb).logsumexp(-1); // [S, B]
  }
  override sample(sampleShape: readonly number[] = []): Tensor {
    return noGrad(() => {
      const gatherDim = sampleShape.length + this._batchShape.length;
      const es = this._eventShape;
      const mixSample = this.mixtureDistribution.sample(sampleShape);
      const mixShape = [...mixSample.shape];
      const compSamples = this.componentDistribution.sample(sampleShape);
      const index = mixSample.reshape([...mixShape, ...new Array(es.length + 1).fill(1)]).repeat([...mixShape.map(() => 1), 1, ...es]);
      return compSamples.gather(gatherDim, index).squeeze(gatherDim);
    });
  }

  private pad(x: Tensor): Tensor {
    return x.unsqueeze(-1 - this.eventNdims);
  }
  // As PyTorch's _pad_mixture_dimensions, which counts the batch shapes' elements (numel)
  // where dims are meant; kept so that results match it.
  private padMixtureDimensions(x: Tensor): Tensor {
    const distBatchNdims = numelOf(this._batchShape);
    const catBatchNdims = numelOf(this.mixtureDistribution.batchShape);
    // A negative count pads nothing, as Python's [1] * n does.
    const padNdims = catBatchNdims === 1 ? 0 : Math.max(0, distBatchNdims - catBatchNdims);
    const xs = [...x.shape];
    return x.reshape([...xs.slice(0, -1), ...new Array(padNdims).fill(1), ...xs.slice(-1), ...new Array(this.eventNdims).fill(1)]);
  }

  override toString(): string {
    return `MixtureSameFamily(\n  ${this.mixtureDistribution.toString()},\n  ${this.componentDistribution.toString()})`;
  }
}
