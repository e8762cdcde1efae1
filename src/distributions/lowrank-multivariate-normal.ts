/**
 * `torch.distributions.LowRankMultivariateNormal(loc, covFactor, covDiag)`: a Gaussian whose
 * covariance is W Wᵀ + diag(D), with W of rank m ≪ n. Densities and samples go through the
 * m×m capacitance matrix I + Wᵀ D⁻¹ W (Woodbury), never the n×n covariance.
 */
import { Tensor } from '../tensor/tensor.js';
import { cholesky } from '../linalg/decompositions.js';
import { solveTriangular } from '../linalg/extras.js';
import { broadcastTensors } from '../ops/shape.js';
import { eye, matmul } from './ops.js';
import { type Constraint, independent, positive, real, realVector } from './constraints.js';
import { Distribution, type DistributionOptions } from './distribution.js';
import { batchMahalanobis } from './multivariate-normal.js';
import { standardNormal } from './utils.js';
import { optionsOf } from './options.js';

/** A batch of matrix-vector products. */
export const batchMv = (m: Tensor, v: Tensor): Tensor => matmul(m, v.unsqueeze(-1)).squeeze(-1);

/** The Cholesky factor of the capacitance matrix I + Wᵀ D⁻¹ W. */
export function capacitanceTril(W: Tensor, D: Tensor): Tensor {
  const m = W.shape[W.dim() - 1];
  const K = matmul(W.mT.div(D.unsqueeze(-2)), W);
  return cholesky(K.add(eye(m, { dtype: K.dtype, device: K.device })));
}

/** log det(W Wᵀ + D), by the matrix determinant lemma. */
export function lowrankLogdet(D: Tensor, capTril: Tensor): Tensor {
  return capTril.diagonal(0, -2, -1).log().sum(-1).mul(2).add(D.log().sum(-1));
}

/** xᵀ (W Wᵀ + D)⁻¹ x, by Woodbury. */
export function lowrankMahalanobis(W: Tensor, D: Tensor, x: Tensor, capTril: Tensor): Tensor {
  const WtDinvX = batchMv(W.mT.div(D.unsqueeze(-2)), x);
  return x.pow(2).div(D).sum(-1).sub(batchMahalanobis(capTril, WtDinvX));
}

/**
 * The multivariate normal with covariance `covFactor @ covFactor.mT + diag(covDiag)`.
 * @example new torch.distributions.LowRankMultivariateNormal(torch.zeros(3), torch.ones(3, 1), torch.ones(3)).sample()
 */
export class LowRankMultivariateNormal extends Distribution {
  readonly loc: Tensor;
  readonly covFactor: Tensor;
  readonly covDiag: Tensor;
  private readonly unbroadcastedCovFactor: Tensor;
  private readonly unbroadcastedCovDiag: Tensor;
  private readonly capacitanceTril: Tensor;

  constructor(loc: Tensor, covFactor: Tensor, covDiag: Tensor, options?: DistributionOptions) {
    const { validateArgs } = optionsOf('LowRankMultivariateNormal', options);
    for (const [name, v] of [['loc', loc], ['cov_factor', covFactor], ['cov_diag', covDiag]] as const) {
      if (!(v instanceof Tensor)) throw new TypeError(`LowRankMultivariateNormal(): argument '${name}' must be a Tensor`);
    }
    if (loc.dim() < 1) throw new Error('loc must be at least one-dimensional.');
    const n = loc.shape[loc.dim() - 1];
    if (covFactor.dim() < 2) throw new Error('cov_factor must be at least two-dimensional, with optional leading batch dimensions');
    if (covFactor.shape[covFactor.dim() - 2] !== n) throw new Error(`cov_factor must be a batch of matrices with shape ${n} x m`);
    if (covDiag.dim() < 1 || covDiag.shape[covDiag.dim() - 1] !== n) throw new Error(`cov_diag must be a batch of vectors with shape torch.Size([${n}])`);
    let parts: Tensor[];
    try {
      parts = broadcastTensors(loc.unsqueeze(-1), covFactor, covDiag.unsqueeze(-1));
    } catch {
      throw new Error(`Incompatible batch shapes: loc ${loc.shape}, cov_factor ${covFactor.shape}, cov_diag ${covDiag.shape}`);
    }
    const capTril = capacitanceTril(covFactor, covDiag);
    const expandedLoc = parts[0].select(-1, 0);
    super(expandedLoc.shape.slice(0, -1), [n], validateArgs);
    this.loc = expandedLoc;
    this.covFactor = parts[1];
    this.covDiag = parts[2].select(-1, 0);
    this.unbroadcastedCovFactor = covFactor;
    this.unbroadcastedCovDiag = covDiag;
    this.capacitanceTril = capTril;
    this.validateArgs_();
  }

  override get argConstraints(): Record<string, Constraint> {
    return { loc: realVector, covFactor: independent(real, 2), covDiag: independent(positive, 1) };
  }
  override get support(): Constraint {
    return realVector;
  }
  override get hasRsample(): boolean {
    return true;
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return (this.lazy.variance ??= this.unbroadcastedCovFactor.pow(2).sum(-1).add(this.unbroadcastedCovDiag).expand(this.vectorShape));
  }
  private get vectorShape(): number[] {
    return [...this._batchShape, ...this._eventShape];
  }
  private get matrixShape(): number[] {
    return [...this._batchShape, ...this._eventShape, ...this._eventShape];
  }
  /** The lower Cholesky factor of the covariance. @example d.scaleTril */
  get scaleTril(): Tensor {
    if (this.lazy.scaleTril === undefined) {
      const n = this._eventShape[0];
      const diagSqrt = this.unbroadcastedCovDiag.sqrt().unsqueeze(-1);
      const DinvsqrtW = this.unbroadcastedCovFactor.div(diagSqrt);
      const K = matmul(DinvsqrtW, DinvsqrtW.mT).add(eye(n, { dtype: DinvsqrtW.dtype, device: DinvsqrtW.device }));
      this.lazy.scaleTril = diagSqrt.mul(cholesky(K)).expand(this.matrixShape);
    }
    return this.lazy.scaleTril;
  }
  /** W Wᵀ + diag(D). @example d.covarianceMatrix */
  get covarianceMatrix(): Tensor {
    const W = this.unbroadcastedCovFactor;
    return (this.lazy.covarianceMatrix ??= matmul(W, W.mT).add(this.unbroadcastedCovDiag.diagEmbed()).expand(this.matrixShape));
  }
  /** The inverse covariance, by Woodbury. @example d.precisionMatrix */
  get precisionMatrix(): Tensor {
    if (this.lazy.precisionMatrix === undefined) {
      const D = this.unbroadcastedCovDiag;
      const WtDinv = this.unbroadcastedCovFactor.mT.div(D.unsqueeze(-2));
      const A = solveTriangular(this.capacitanceTril, WtDinv, { upper: false });
      this.lazy.precisionMatrix = D.reciprocal().diagEmbed().sub(matmul(A.mT, A)).expand(this.matrixShape);
    }
    return this.lazy.precisionMatrix;
  }
  /** The parameters as given, before broadcasting, and the capacitance factor (for the KL pairs). @internal */
  lowRankParts(): { W: Tensor; D: Tensor; capacitanceTril: Tensor } {
    return { W: this.unbroadcastedCovFactor, D: this.unbroadcastedCovDiag, capacitanceTril: this.capacitanceTril };
  }

  override expand(batchShape: readonly number[]): LowRankMultivariateNormal {
    const locShape = [...batchShape, ...this._eventShape];
    const m = this.covFactor.shape[this.covFactor.dim() - 1];
    return this.keepValidation(
      new LowRankMultivariateNormal(this.loc.expand(locShape), this.covFactor.expand([...locShape, m]), this.covDiag.expand(locShape), { validateArgs: false }),
    );
  }

  override rsample(sampleShape: readonly number[] = []): Tensor {
    const shape = this.extendedShape(sampleShape);
    const m = this.covFactor.shape[this.covFactor.dim() - 1];
    const epsW = standardNormal([...shape.slice(0, -1), m], this.loc);
    const epsD = standardNormal(shape, this.loc);
    return this.loc.add(batchMv(this.unbroadcastedCovFactor, epsW)).add(this.unbroadcastedCovDiag.sqrt().mul(epsD));
  }
  override logProb(value: Tensor): Tensor {
    if (this._validateArgs) this.validateSample(value);
    const diff = value.sub(this.loc);
    const { W, D, capacitanceTril: capTril } = this.lowRankParts();
    const M = lowrankMahalanobis(W, D, diff, capTril);
    const logDet = lowrankLogdet(D, capTril);
    return logDet.add(this._eventShape[0] * Math.log(2 * Math.PI)).add(M).mul(-0.5);
  }
  override entropy(): Tensor {
    const logDet = lowrankLogdet(this.unbroadcastedCovDiag, this.capacitanceTril);
    const H = logDet.add(this._eventShape[0] * (1 + Math.log(2 * Math.PI))).mul(0.5);
    return this._batchShape.length === 0 ? H : H.expand(this._batchShape);
  }
}
