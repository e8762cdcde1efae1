/**
 * `torch.distributions.Wishart(df, { covarianceMatrix | precisionMatrix | scaleTril })`:
 * the distribution of sample scatter matrices, over positive-definite matrices, sampled by
 * the Bartlett decomposition (reparameterized through Chi2).
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { broadcastShapes, cat } from '../ops/shape.js';
import { cholesky } from '../linalg/decompositions.js';
import { slogdet } from '../linalg/determinants.js';
import { choleskySolve, choleskyInverse } from '../linalg/extras.js';
import { mvlgamma } from '../ops/special.js';
import { arange, digamma, matmul, where } from './ops.js';
import { type Constraint, greaterThan, lowerCholesky, positiveDefinite } from './constraints.js';
import { ExponentialFamily } from './exp-family.js';
import { Chi2 } from './gamma.js';
import { precisionToScaleTril, type MultivariateNormalOptions } from './multivariate-normal.js';
import { vecToTrilMatrix } from './transforms-structured.js';
import { finfo, standardNormal } from './utils.js';
import { optionsOf } from './options.js';

const LOG_2 = Math.LN2;

/** Set while expand() builds a copy: PyTorch's expand does not repeat the low-df warning. */
let expanding = false;

/** sum_{i<p} digamma(x - i/2), the derivative of mvlgamma. */
function mvdigamma(x: Tensor, p: number): Tensor {
  const offsets = arange(p, { dtype: x.dtype, device: x.device }).div(2);
  return digamma(x.unsqueeze(-1).sub(offsets)).sum(-1);
}

/**
 * The Wishart distribution with `df` degrees of freedom and scale matrix given as its
 * covariance, precision or lower Cholesky factor.
 * @example new torch.distributions.Wishart(4, { covarianceMatrix: torch.eye(3) }).rsample() // a 3×3 PD matrix
 */
export class Wishart extends ExponentialFamily {
  readonly df: Tensor;
  private readonly unbroadcastedScaleTril: Tensor;
  private readonly chi2: Chi2;
  /** Which matrix the constructor was given (expand keeps it). */
  private readonly given: 'covarianceMatrix' | 'precisionMatrix' | 'scaleTril';

  constructor(df: Tensor | number, options: MultivariateNormalOptions) {
    if (options === null || typeof options !== 'object' || options instanceof Tensor || Array.isArray(options)) {
      throw new TypeError('Wishart(): expected an options object with one of covarianceMatrix, precisionMatrix or scaleTril as the second argument');
    }
    const { covarianceMatrix, precisionMatrix, scaleTril, ...rest } = options;
    const { validateArgs } = optionsOf('Wishart', rest);
    const given = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).filter((k) => options?.[k] !== undefined && options?.[k] !== null);
    if (given.length !== 1) throw new Error('Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.');
    const param = (covarianceMatrix ?? precisionMatrix ?? scaleTril)!;
    if (!(param instanceof Tensor)) throw new TypeError(`Wishart(): argument '${given[0]}' must be a Tensor`);
    if (!(df instanceof Tensor) && typeof df !== 'number') throw new TypeError("Wishart(): argument 'df' must be a Tensor or a number");
    if (param.dim() < 2) throw new Error('scale_tril must be at least two-dimensional, with optional leading batch dimensions');
    const batchShape = df instanceof Tensor ? [...broadcastShapes(param.shape.slice(0, -2), df.shape)] : param.shape.slice(0, -2);
    const dfT = df instanceof Tensor ? df.expand(batchShape) : tensor(df, { dtype: param.dtype, device: param.device });
    const p = param.shape[param.dim() - 1];
    if (dfT.le(p - 1).any().item()) throw new Error(`Value of df=${df.toString()} expected to be greater than ndim - 1 = ${p - 1}.`);
    if (!expanding && dfT.lt(p).any().item()) {
      process.emitWarning('Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < ndim.');
    }
    super(batchShape, param.shape.slice(-2), validateArgs);
    this.df = dfT;
    this.given = given[0];
    this.lazy[given[0]] = param.expand([...batchShape, -1, -1]);
    this.validateArgs_();
    this.unbroadcastedScaleTril = given[0] === 'scaleTril' ? param : given[0] === 'covarianceMatrix' ? cholesky(param) : precisionToScaleTril(param);
    this.chi2 = this.bartlettChi2(this.df, batchShape);
  }

  /** The Chi2 of the Bartlett factor's squared diagonal: df - i for row i. */
  private bartlettChi2(df: Tensor, batchShape: number[]): Chi2 {
    const p = this._eventShape[1];
    const L = this.unbroadcastedScaleTril;
    return new Chi2(df.unsqueeze(-1).sub(arange(p, { dtype: L.dtype, device: L.device }).expand([...batchShape, -1])));
  }

  protected override get lazyParams(): readonly string[] {
    return ['covarianceMatrix', 'precisionMatrix', 'scaleTril'];
  }
  /** df must exceed p - 1 (PyTorch sets this bound on the class when it builds one). */
  override get argConstraints(): Record<string, Constraint> {
    return { covarianceMatrix: positiveDefinite, precisionMatrix: positiveDefinite, scaleTril: lowerCholesky, df: greaterThan(this._eventShape[1] - 1) };
  }
  override get support(): Constraint {
    return positiveDefinite;
  }
  override get hasRsample(): boolean {
    return true;
  }
  private get matrixShape(): number[] {
    return [...this._batchShape, ...this._eventShape];
  }
  /** @example d.scaleTril */
  get scaleTril(): Tensor {
    return (this.lazy.scaleTril ??= this.unbroadcastedScaleTril.expand(this.matrixShape));
  }
  /** @example d.covarianceMatrix */
  get covarianceMatrix(): Tensor {
    const L = this.unbroadcastedScaleTril;
    return (this.lazy.covarianceMatrix ??= matmul(L, L.mT).expand(this.matrixShape));
  }
  /** @example d.precisionMatrix */
  get precisionMatrix(): Tensor {
    return (this.lazy.precisionMatrix ??= choleskyInverse(this.unbroadcastedScaleTril).expand(this.matrixShape));
  }
  /** df with two trailing dims, broadcast over the batch (a number df stays 0-d). */
  private get dfMatrix(): Tensor {
    return this.df.expand(this._batchShape).reshape([...this._batchShape, 1, 1]);
  }
  override get mean(): Tensor {
    return this.dfMatrix.mul(this.covarianceMatrix);
  }
  /** NaN where df ≤ p + 1. */
  override get mode(): Tensor {
    const factor = this.df.sub(this._eventShape[1] + 1);
    return where(factor.le(0), NaN, factor).expand(this._batchShape).reshape([...this._batchShape, 1, 1]).mul(this.covarianceMatrix);
  }
  override get variance(): Tensor {
    const V = this.covarianceMatrix;
    const diagV = V.diagonal(0, -2, -1);
    return this.dfMatrix.mul(V.pow(2).add(diagV.unsqueeze(-1).mul(diagV.unsqueeze(-2))));
  }

  override expand(batchShape: readonly number[]): Wishart {
    const shape = [...batchShape];
    const matrix = this.lazy[this.given]!.expand([...shape, ...this._eventShape]);
    const df = this.df.dim() === 0 ? this.df : this.df.expand(shape);
    expanding = true;
    try {
      return this.keepValidation(new Wishart(df, { [this.given]: matrix, validateArgs: false }));
    } finally {
      expanding = false;
    }
  }

  /** One Bartlett draw: L A Aᵀ Lᵀ with A lower-triangular, chi draws on its diagonal. */
  private bartlettSampling(sampleShape: readonly number[]): Tensor {
    const p = this._eventShape[1];
    const diagonal = this.chi2.rsample(sampleShape).sqrt();
    const noise = diagonal.clamp(finfo(diagonal.dtype).eps).diagEmbed();
    const below = standardNormal([...sampleShape, ...this._batchShape, (p * (p - 1)) / 2], noise);
    const chol = matmul(this.unbroadcastedScaleTril, noise.add(vecToTrilMatrix(below, -1)));
    return matmul(chol, chol.mT);
  }

  /**
   * Reparameterized draws. Draws that come out singular (possible for df near p - 1) are
   * redrawn up to `maxTryCorrection` times, with a warning, as PyTorch 2.x does (1.13's
   * check lacks its negation and redraws every sample).
   */
  override rsample(sampleShape: readonly number[] = [], maxTryCorrection = 10): Tensor {
    let sample = this.bartlettSampling(sampleShape);
    const batchDims = this._batchShape.map((_, i) => -(i + 1));
    const singular = (s: Tensor): Tensor => {
      const bad = this.support.check(s).logicalNot();
      return batchDims.length ? bad.amax(batchDims) : bad;
    };
    let isSingular = singular(sample);
    if (!isSingular.any().item()) return sample;
    process.emitWarning('Singular sample detected.');
    const flatShape = [-1, ...this._batchShape, ...this._eventShape];
    for (let attempt = 0; attempt < maxTryCorrection && isSingular.any().item(); attempt++) {
      const flags = Array.from(isSingular.reshape([-1]).dataSync() as ArrayLike<number | boolean>, Boolean);
      const redo = flags.flatMap((f, i) => (f ? [i] : []));
      const fresh = this.bartlettSampling([redo.length]);
      const freshBad = Array.from(singular(fresh).dataSync() as ArrayLike<number | boolean>, Boolean);
      const rows = sample.reshape(flatShape).unbind(0);
      redo.forEach((i, k) => (rows[i] = fresh.select(0, k)));
      sample = cat(rows.map((r) => r.unsqueeze(0))).reshape([...sampleShape, ...this._batchShape, ...this._eventShape]);
      redo.forEach((i, k) => (flags[i] = freshBad[k]));
      isSingular = tensor(flags).reshape([...isSingular.shape]);
    }
    return sample;
  }

  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const nu = this.df;
    const p = this._eventShape[1];
    const L = this.unbroadcastedScaleTril;
    const halfLogDetTerm = L.diagonal(0, -2, -1).log().sum(-1).add((p * LOG_2) / 2);
    return nu.mul(halfLogDetTerm).neg()
      .sub(mvlgamma(nu.div(2), p))
      .add(nu.sub(p + 1).div(2).mul(slogdet(value).logabsdet))
      .sub(choleskySolve(value, L).diagonal(0, -2, -1).sum(-1).div(2));
  }
  override entropy(): Tensor {
    const nu = this.df;
    const p = this._eventShape[1];
    const L = this.unbroadcastedScaleTril;
    return L.diagonal(0, -2, -1).log().sum(-1).add((p * LOG_2) / 2).mul(p + 1)
      .add(mvlgamma(nu.div(2), p))
      .sub(nu.sub(p + 1).div(2).mul(mvdigamma(nu.div(2), p)))
      .add(nu.mul(p / 2));
  }

  override get naturalParams(): Tensor[] {
    return [this.precisionMatrix.div(-2), this.df.sub(this._eventShape[1] + 1).div(2)];
  }
  override logNormalizer(x: Tensor, y: Tensor): Tensor {
    const p = this._eventShape[1];
    return y.add((p + 1) / 2).mul(slogdet(x.mul(-2)).logabsdet.neg().add(LOG_2 * p)).add(mvlgamma(y.add((p + 1) / 2), p));
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }
}
