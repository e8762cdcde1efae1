/**
 * The transforms of `torch.distributions.transforms` that act on whole vectors or matrices
 * (event dims above 0): Independent, Reshape, Softmax, StickBreaking, LowerCholesky,
 * PositiveDefinite and CorrCholesky (the piecewise ones are in transforms-piecewise.ts).
 */
import { Tensor } from '../tensor/tensor.js';
import { arange, eye, tensor } from '../tensor/creation.js';
import { int64 } from '../tensor/dtype.js';
import { cholesky } from '../linalg/decompositions.js';
import { pad } from '../nn/functional/padding.js';
import { logsigmoid, softplus } from './ops.js';
import { type Constraint, corrCholesky, independent, lowerCholesky, positiveDefinite, real, realVector, simplex } from './constraints.js';
import { Transform } from './transforms.js';
import { finfo, sumRightmost } from './utils.js';

function tooFewDims(shape: readonly number[], needed: number): void {
  if (shape.length < needed) throw new Error('Too few dimensions on input');
}

/**
 * `base` with its `reinterpretedBatchNdims` rightmost batch dims taken as event dims: the
 * log-determinant sums over them.
 * @example new IndependentTransform(new ExpTransform(), 1).logAbsDetJacobian(x, y) // one value per row
 */
export class IndependentTransform extends Transform {
  constructor(readonly baseTransform: Transform, readonly reinterpretedBatchNdims: number) {
    super();
    if (!(baseTransform instanceof Transform)) throw new TypeError('IndependentTransform(): base_transform must be a Transform');
    if (!Number.isInteger(reinterpretedBatchNdims) || reinterpretedBatchNdims < 0) {
      throw new TypeError(`IndependentTransform(): reinterpreted_batch_ndims must be a nonnegative integer, but got ${String(reinterpretedBatchNdims)}`);
    }
  }
  get domain(): Constraint {
    return independent(this.baseTransform.domain, this.reinterpretedBatchNdims);
  }
  get codomain(): Constraint {
    return independent(this.baseTransform.codomain, this.reinterpretedBatchNdims);
  }
  override get bijective(): boolean {
    return this.baseTransform.bijective;
  }
  override get sign(): number | Tensor {
    return this.baseTransform.sign;
  }
  protected forward(x: Tensor): Tensor {
    if (x.dim() < this.domain.eventDim) throw new Error('Too few dimensions on input');
    return this.baseTransform.call(x);
  }
  inverse(y: Tensor): Tensor {
    if (y.dim() < this.codomain.eventDim) throw new Error('Too few dimensions on input');
    return this.baseTransform.inverse(y);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return sumRightmost(this.baseTransform.logAbsDetJacobian(x, y), this.reinterpretedBatchNdims);
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.baseTransform.forwardShape(shape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.baseTransform.inverseShape(shape);
  }
  toString(): string {
    return `IndependentTransform(${this.baseTransform.toString()}, ${this.reinterpretedBatchNdims})`;
  }
}

/**
 * Reshapes the rightmost dims from `inShape` to `outShape` (same number of elements).
 * @example new ReshapeTransform([2, 3], [6]).call(torch.zeros(4, 2, 3)).shape // [4, 6]
 */
export class ReshapeTransform extends Transform {
  readonly inShape: number[];
  readonly outShape: number[];
  constructor(inShape: readonly number[], outShape: readonly number[]) {
    super();
    for (const [name, s] of [['in_shape', inShape], ['out_shape', outShape]] as const) {
      if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0)) throw new TypeError(`ReshapeTransform(): ${name} must be a list of sizes`);
    }
    const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
    if (numel(inShape) !== numel(outShape)) throw new Error('in_shape, out_shape have different numbers of elements');
    this.inShape = [...inShape];
    this.outShape = [...outShape];
  }
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return independent(real, this.inShape.length);
  }
  get codomain(): Constraint {
    return independent(real, this.outShape.length);
  }
  protected forward(x: Tensor): Tensor {
    return x.reshape([...x.shape.slice(0, x.dim() - this.inShape.length), ...this.outShape]);
  }
  inverse(y: Tensor): Tensor {
    return y.reshape([...y.shape.slice(0, y.dim() - this.outShape.length), ...this.inShape]);
  }
  logAbsDetJacobian(x: Tensor, _y?: Tensor): Tensor {
    return x.newZeros(x.shape.slice(0, x.dim() - this.inShape.length));
  }
  override forwardShape(shape: readonly number[]): number[] {
    return swapTail(shape, this.inShape, this.outShape);
  }
  override inverseShape(shape: readonly number[]): number[] {
    return swapTail(shape, this.outShape, this.inShape);
  }
  toString(): string {
    return 'ReshapeTransform()';
  }
}

function swapTail(shape: readonly number[], from: number[], to: number[]): number[] {
  tooFewDims(shape, from.length);
  const cut = shape.length - from.length;
  const tail = shape.slice(cut);
  if (tail.join() !== from.join()) throw new Error(`Shape mismatch: expected torch.Size([${tail.join(', ')}]) but got torch.Size([${from.join(', ')}])`);
  return [...shape.slice(0, cut), ...to];
}

/**
 * x ↦ softmax(x) on the last dim. Not a bijection (adding a constant changes nothing), so
 * it has no log-determinant; its inverse is the log.
 * @example new SoftmaxTransform().call(torch.zeros(3)) // [1/3, 1/3, 1/3]
 */
export class SoftmaxTransform extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof SoftmaxTransform;
  }
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return simplex;
  }
  protected forward(x: Tensor): Tensor {
    const probs = x.sub(x.max(-1, true).values).exp();
    return probs.div(probs.sum(-1, true));
  }
  inverse(y: Tensor): Tensor {
    return y.log();
  }
  logAbsDetJacobian(_x?: Tensor, _y?: Tensor): Tensor {
    throw new Error('SoftmaxTransform is not bijective: it has no log-determinant of its Jacobian');
  }
  override forwardShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 1);
    return [...shape];
  }
  override inverseShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 1);
    return [...shape];
  }
  toString(): string {
    return 'SoftmaxTransform()';
  }
}

/** sigmoid(x) clamped into [tiny, 1 - eps], as PyTorch's `_clipped_sigmoid`. */
function clippedSigmoid(x: Tensor): Tensor {
  const { tiny, eps } = finfo(x.dtype);
  return x.sigmoid().clamp(tiny, 1 - eps);
}

/** log(K - k) for k = 0..K-1: the offsets that make x = 0 map to the uniform simplex point. */
function stickOffsetLog(like: Tensor, k: number): Tensor {
  return arange(k, 0, -1, { dtype: like.dtype, device: like.device }).log();
}

/**
 * Maps R^(K-1) onto the K-simplex by breaking a stick: each coordinate takes a sigmoid
 * fraction of what is left. Bijective, unlike softmax; LogisticNormal uses it.
 * @example new StickBreakingTransform().call(torch.zeros(2)) // [1/3, 1/3, 1/3]
 */
export class StickBreakingTransform extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof StickBreakingTransform;
  }
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return simplex;
  }
  protected forward(x: Tensor): Tensor {
    const z = clippedSigmoid(x.sub(stickOffsetLog(x, x.shape[x.dim() - 1])));
    const zCumprod = z.neg().add(1).cumprod(-1);
    return pad(z, [0, 1], 'constant', 1).mul(pad(zCumprod, [1, 0], 'constant', 1));
  }
  inverse(y: Tensor): Tensor {
    const k = y.shape[y.dim() - 1];
    const yCrop = y.narrow(-1, 0, k - 1);
    const sf = yCrop.cumsum(-1).neg().add(1).clamp(finfo(y.dtype).tiny);
    return yCrop.log().sub(sf.log()).add(stickOffsetLog(y, k - 1));
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const shifted = x.sub(stickOffsetLog(x, x.shape[x.dim() - 1]));
    const k = y.shape[y.dim() - 1];
    return shifted.neg().add(logsigmoid(shifted)).add(y.narrow(-1, 0, k - 1).log()).sum(-1);
  }
  override forwardShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 1);
    return [...shape.slice(0, -1), shape[shape.length - 1] + 1];
  }
  override inverseShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 1);
    return [...shape.slice(0, -1), shape[shape.length - 1] - 1];
  }
  toString(): string {
    return 'StickBreakingTransform()';
  }
}

/**
 * A square matrix to a lower Cholesky factor: the strict lower triangle kept, the diagonal
 * exponentiated. PyTorch gives it no log-determinant.
 * @example new LowerCholeskyTransform().call(torch.zeros(2, 2)) // the identity
 */
export class LowerCholeskyTransform extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof LowerCholeskyTransform;
  }
  get domain(): Constraint {
    return independent(real, 2);
  }
  get codomain(): Constraint {
    return lowerCholesky;
  }
  protected forward(x: Tensor): Tensor {
    return x.tril(-1).add(x.diagonal(0, -2, -1).exp().diagEmbed());
  }
  inverse(y: Tensor): Tensor {
    return y.tril(-1).add(y.diagonal(0, -2, -1).log().diagEmbed());
  }
  logAbsDetJacobian(_x?: Tensor, _y?: Tensor): Tensor {
    throw new Error('LowerCholeskyTransform does not implement log_abs_det_jacobian');
  }
  toString(): string {
    return 'LowerCholeskyTransform()';
  }
}

/**
 * A square matrix to a positive-definite one, L Lᵀ of its LowerCholeskyTransform (PyTorch
 * 2.x adds it).
 * @example new PositiveDefiniteTransform().call(torch.zeros(2, 2)) // the identity
 */
export class PositiveDefiniteTransform extends Transform {
  override equals(other: Transform): boolean {
    return other instanceof PositiveDefiniteTransform;
  }
  get domain(): Constraint {
    return independent(real, 2);
  }
  get codomain(): Constraint {
    return positiveDefinite;
  }
  protected forward(x: Tensor): Tensor {
    const L = new LowerCholeskyTransform().call(x);
    return L.matmul(L.mT);
  }
  inverse(y: Tensor): Tensor {
    return new LowerCholeskyTransform().inverse(cholesky(y));
  }
  logAbsDetJacobian(_x?: Tensor, _y?: Tensor): Tensor {
    throw new Error('PositiveDefiniteTransform does not implement log_abs_det_jacobian');
  }
  toString(): string {
    return 'PositiveDefiniteTransform()';
  }
}

/** The flat indices, in row order, of the lower triangle of an n×n matrix (diagonal `diag` and below). */
function trilIndices(n: number, diag: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (j < i + diag + 1) out.push(i * n + j);
  return out;
}

/** PyTorch's `tril_matrix_to_vec`: the lower triangle of the last two dims, row by row. */
export function trilMatrixToVec(mat: Tensor, diag = 0): Tensor {
  const n = mat.shape[mat.dim() - 1];
  if (diag < -n || diag >= n) throw new Error(`diag (${diag}) provided is outside [${-n}, ${n - 1}].`);
  const index = tensor(trilIndices(n, diag), { dtype: int64, device: mat.device });
  return mat.reshape([...mat.shape.slice(0, -2), n * n]).indexSelect(-1, index);
}

/** PyTorch's `vec_to_tril_matrix`: a vector filling the lower triangle row by row, zeros elsewhere. */
export function vecToTrilMatrix(vec: Tensor, diag = 0): Tensor {
  const m = vec.shape[vec.dim() - 1];
  const root = (-(1 + 2 * diag) + Math.sqrt((1 + 2 * diag) ** 2 + 8 * m + 4 * Math.abs(diag) * (diag + 1))) / 2;
  if (Math.round(root) - root > finfo(vec.dtype).eps || Math.abs(Math.round(root) - root) > 1e-6) {
    throw new Error(`The size of last dimension is ${m} which cannot be expressed as the lower triangular part of a square D x D matrix.`);
  }
  const n = Math.round(root);
  // Gather from [0, vec...]: index 0 is the zero of the upper triangle.
  const source = new Array<number>(n * n).fill(0);
  trilIndices(n, diag).forEach((flat, k) => (source[flat] = k + 1));
  const padded = pad(vec, [1, 0], 'constant', 0);
  const index = tensor(source, { dtype: int64, device: vec.device });
  return padded.indexSelect(-1, index).reshape([...vec.shape.slice(0, -1), n, n]);
}

/**
 * R^(D(D-1)/2) to the Cholesky factors of D×D correlation matrices: tanh into (-1, 1), then
 * stick-breaking along each row so that rows have unit length.
 * @example new CorrCholeskyTransform().call(torch.zeros(3)) // the 3×3 identity
 */
export class CorrCholeskyTransform extends Transform {
  override get bijective(): boolean {
    return true;
  }
  get domain(): Constraint {
    return realVector;
  }
  get codomain(): Constraint {
    return corrCholesky;
  }
  protected forward(x: Tensor): Tensor {
    const { eps } = finfo(x.dtype);
    const t = x.tanh().clamp(-1 + eps, 1 - eps);
    const r = vecToTrilMatrix(t, -1);
    const z1mCumprodSqrt = r.pow(2).neg().add(1).sqrt().cumprod(-1);
    const n = r.shape[r.dim() - 1];
    const withDiag = r.add(eye(n, { dtype: r.dtype, device: r.device }));
    return withDiag.mul(pad(z1mCumprodSqrt.narrow(-1, 0, n - 1), [1, 0], 'constant', 1));
  }
  inverse(y: Tensor): Tensor {
    const n = y.shape[y.dim() - 1];
    const yCumsum = y.mul(y).cumsum(-1).neg().add(1);
    const shifted = pad(yCumsum.narrow(-1, 0, n - 1), [1, 0], 'constant', 1);
    const t = trilMatrixToVec(y, -1).div(trilMatrixToVec(shifted, -1).sqrt());
    return t.add(1).div(t.neg().add(1)).log().div(2);
  }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    const y1mCumsum = y.mul(y).cumsum(-1).neg().add(1);
    const stickBreaking = trilMatrixToVec(y1mCumsum, -2).log().sum(-1).mul(0.5);
    const tanh = x.add(softplus(x.mul(-2))).sub(Math.LN2).sum(-1).mul(-2);
    return stickBreaking.add(tanh);
  }
  override forwardShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 1);
    const N = shape[shape.length - 1];
    const D = Math.round(Math.sqrt(0.25 + 2 * N) + 0.5);
    if ((D * (D - 1)) / 2 !== N) throw new Error('Input is not a flattend lower-diagonal number');
    return [...shape.slice(0, -1), D, D];
  }
  override inverseShape(shape: readonly number[]): number[] {
    tooFewDims(shape, 2);
    if (shape[shape.length - 2] !== shape[shape.length - 1]) throw new Error('Input is not square');
    const D = shape[shape.length - 1];
    return [...shape.slice(0, -2), (D * (D - 1)) / 2];
  }
  toString(): string {
    return 'CorrCholeskyTransform()';
  }
}
