/**
 * `torch.distributions.MultivariateNormal(loc, { covarianceMatrix | precisionMatrix |
 * scaleTril })`: the Gaussian over vectors, parameterized internally by the Cholesky
 * factor of its covariance, as PyTorch's.
 */
import { Tensor } from '../tensor/tensor.js';
import { cholesky } from '../linalg/decompositions.js';
import { solveTriangular } from '../linalg/extras.js';
import { broadcastShapes } from '../ops/shape.js';
import { eye, matmul } from './ops.js';
import { type Constraint, independent, lowerCholesky, positiveDefinite, real } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { standardNormal } from './utils.js';
import { optionsOf } from './options.js';

const realVector = independent(real, 1);

/** Exactly one of the three, with `validateArgs`. */
export interface MultivariateNormalOptions extends DistributionOptions {
  covarianceMatrix?: Tensor;
  precisionMatrix?: Tensor;
  scaleTril?: Tensor;
}

/**
 * |L⁻¹ x|² over the last dim. The dims that x has in front of L's batch dims (samples) go
 * into the columns of one triangular solve per L, as PyTorch's _batch_mahalanobis does,
 * rather than into a copy of L per sample.
 */
export function batchMahalanobis(L: Tensor, x: Tensor): Tensor {
  const n = x.shape[x.dim() - 1];
  const batch = [...broadcastShapes(L.shape.slice(0, -2), x.shape.slice(0, -1))];
  const tailLength = L.dim() - 2;
  const lead = batch.slice(0, batch.length - tailLength);
  const tail = batch.slice(batch.length - tailLength);
  const columns = lead.reduce((a, b) => a * b, 1);
  const tailDims = tail.map((_, i) => i + 1);
  // [columns, ...tail, n] -> [...tail, n, columns]
  const rhs = x.expand([...batch, n]).reshape([columns, ...tail, n]).permute([...tailDims, tail.length + 1, 0]);
  const solved = solveTriangular(L.expand([...tail, n, n]), rhs, { upper: false });
  const m = solved.pow(2).sum(-2); // [...tail, columns]
  return m.permute([tail.length, ...tail.map((_, i) => i)]).reshape(batch);
}

/** The lower Cholesky factor of the covariance whose inverse is P (PyTorch's flip trick keeps it lower). */
export function precisionToScaleTril(P: Tensor): Tensor {
  const Lf = cholesky(P.flip([-2, -1]));
  const LInv = Lf.flip([-2, -1]).transpose(-2, -1);
  const n = P.shape[P.dim() - 1];
  return solveTriangular(LInv, eye(n, { dtype: P.dtype, device: P.device }), { upper: false });
}

/**
 * The multivariate normal with mean `loc` (shape [..., n]) and a covariance given as one of
 * `covarianceMatrix`, `precisionMatrix` or its lower Cholesky factor `scaleTril`.
 * @example const d = new torch.distributions.MultivariateNormal(torch.zeros(2), { covarianceMatrix: torch.eye(2) });
 */
export class MultivariateNormal extends Distribution {
  readonly loc: Tensor;
  private readonly unbroadcastedScaleTril: Tensor;

  constructor(loc: Tensor, options: MultivariateNormalOptions) {
    if (!(loc instanceof Tensor)) throw new TypeError('MultivariateNormal(): argument \'loc\' must be a Tensor');
    if (loc.dim() < 1) throw new Error('loc must be at least one-dimensional.');
    if (options instanceof Tensor || Array.isArray(options)) {
      throw new TypeError('MultivariateNormal(): expected an options object with one of covarianceMatrix, precisionMatrix or scaleTril as the second argument');
    }
    const { covarianceMatrix, precisionMatrix, scaleTril, ...rest } = options ?? {};
    const { validateArgs } = optionsOf('MultivariateNormal', rest);
    const given = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).filter((k) => options?.[k] !== undefined && options?.[k] !== null);
    if (given.length !== 1) throw new Error('Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.');
    const matrix = (covarianceMatrix ?? precisionMatrix ?? scaleTril)!;
    if (!(matrix instanceof Tensor)) throw new TypeError(`MultivariateNormal(): argument '${given[0]}' must be a Tensor`);
    if (matrix.dim() < 2) {
      throw new Error(`${given[0] === 'scaleTril' ? 'scaleTril matrix' : given[0]} must be at least two-dimensional, with optional leading batch dimensions`);
    }
    const batchShape = [...broadcastShapes(matrix.shape.slice(0, -2), loc.shape.slice(0, -1))];
    const expandedLoc = loc.expand([...batchShape, -1]);
    super(batchShape, expandedLoc.shape.slice(-1), validateArgs);
    this.loc = expandedLoc;
    this.lazy[given[0]] = matrix.expand([...batchShape, -1, -1]);
    this.validateArgs_();
    this.unbroadcastedScaleTril =
      given[0] === 'scaleTril' ? matrix : given[0] === 'covarianceMatrix' ? cholesky(matrix) : precisionToScaleTril(matrix);
  }

  protected override get lazyParams(): readonly string[] {
    return ['covarianceMatrix', 'precisionMatrix', 'scaleTril'];
  }
  override get argConstraints(): Record<string, Constraint> {
    return { loc: realVector, covarianceMatrix: positiveDefinite, precisionMatrix: positiveDefinite, scaleTril: lowerCholesky };
  }
  override get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
    return true;
  }
  private get matrixShape(): number[] {
    return [...this._batchShape, ...this._eventShape, ...this._eventShape];
  }
  /** The lower Cholesky factor of the covariance. @example d.scaleTril */
  get scaleTril(): Tensor {
    return (this.lazy.scaleTril ??= this.unbroadcastedScaleTril.expand(this.matrixShape));
  }
  /** @example d.covarianceMatrix */
  get covarianceMatrix(): Tensor {
    const L = this.unbroadcastedScaleTril;
    return (this.lazy.covarianceMatrix ??= matmul(L, L.mT).expand(this.matrixShape));
  }
  /** The inverse of the covariance, from the inverse of its Cholesky factor. @example d.precisionMatrix */
  get precisionMatrix(): Tensor {
    if (this.lazy.precisionMatrix === undefined) {
      const L = this.unbroadcastedScaleTril;
      const n = this._eventShape[0];
      const LInv = solveTriangular(L, eye(n, { dtype: L.dtype, device: L.device }), { upper: false });
      this.lazy.precisionMatrix = matmul(LInv.mT, LInv).expand(this.matrixShape);
    }
    return this.lazy.precisionMatrix;
  }
  /** The Cholesky factor as given or computed, before broadcasting to the batch shape. @internal */
  unbroadcastedScaleTrilOf(): Tensor {
    return this.unbroadcastedScaleTril;
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return this.unbroadcastedScaleTril.pow(2).sum(-1).expand([...this._batchShape, ...this._eventShape]);
  }

  override expand(batchShape: readonly number[]): MultivariateNormal {
    const loc = this.loc.expand([...batchShape, ...this._eventShape]);
    return this.keepValidation(new MultivariateNormal(loc, { scaleTril: this.unbroadcastedScaleTril, validateArgs: false }));
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const eps = standardNormal(this.extendedShape(sampleShape), this.loc);
    return this.loc.add(matmul(this.unbroadcastedScaleTril, eps.unsqueeze(-1)).squeeze(-1));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const diff = value.sub(this.loc);
    const L = this.unbroadcastedScaleTril;
    const M = batchMahalanobis(L, diff);
    const halfLogDet = L.diagonal(0, -2, -1).log().sum(-1);
    return M.add(this._eventShape[0] * Math.log(2 * Math.PI)).mul(-0.5).sub(halfLogDet);
  }
  override entropy(): Tensor {
    const halfLogDet = this.unbroadcastedScaleTril.diagonal(0, -2, -1).log().sum(-1);
    const H = halfLogDet.add(0.5 * this._eventShape[0] * (1 + Math.log(2 * Math.PI)));
    return this._batchShape.length === 0 ? H : H.expand(this._batchShape);
  }
}
