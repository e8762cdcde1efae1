/**
 * The pseudo-inverse, least squares (LAPACK's gelsy, PyTorch's CPU default driver) and the
 * numerical rank, with PyTorch's tolerances and gradients.
 */
import { autocastOp } from '../amp/autocast-policy.js';
import { autocastHook } from '../amp/autocast-state.js';
import { checkOptions, keysOf } from '../tensor/args.js';
import { fromArray } from '../tensor/creation.js';
import { float64, int64 } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, shapeNumel } from '../tensor/shape.js';
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { sum } from '../ops/reduce.js';
import { add, mul, neg, square, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { expand, squeeze, unsqueeze } from '../ops/shape.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { checkMatrices, eighRaw, lstsqRaw, svdRaw } from './lapack.js';
import { tidy } from '../memory/storage.js';
import { mT, namedTuple } from './matrix-helpers.js';

const EPS: Record<string, number> = { float32: 1.1920928955078125e-7, float64: 2.220446049250313e-16 };

/**
 * Tolerances of pinv and matrixRank: singular values at or below max(atol, rtol · σ_max) count as zero.
 * @example torch.linalg.pinv(A, { rtol: 1e-6 })
 */
export interface RankOptions {
  atol?: number;
  rtol?: number;
  hermitian?: boolean;
}
const RANK_KEYS = keysOf<RankOptions>()('atol', 'rtol', 'hermitian');

/** PyTorch's defaults: rtol = eps · max(m, n) unless only atol is given (then 0). */
function tolerances(A: Tensor, options: RankOptions | undefined): { atol: number; rtol: number } {
  const [m, n] = A._shape.slice(-2);
  const atol = options?.atol ?? 0;
  const rtol = options?.rtol ?? (options?.atol !== undefined && options.atol > 0 ? 0 : EPS[A._dtype.name] * Math.max(m, n));
  return { atol, rtol };
}

/**
 * The singular values (or |eigenvalues| when hermitian) of each matrix, and its factors, raw.
 */
function spectrum(A: Tensor, hermitian: boolean, fn: string): { S: Float64Array; k: number; factors: () => [Tensor, Tensor, Tensor] } {
  if (hermitian) {
    const [L, V] = eighRaw(A, false, fn);
    const k = L._shape[L._shape.length - 1];
    const S = Float64Array.from(L.dataSync() as Float64Array, (x) => Math.abs(Number(x)));
    return { S, k, factors: () => [V, L, mT(V)] };
  }
  const [U, S, Vh] = svdRaw(A, false, fn);
  const k = S._shape[S._shape.length - 1];
  return { S: Float64Array.from(S.dataSync() as Float64Array, Number), k, factors: () => [U, S, Vh] };
}

/**
 * The Moore-Penrose pseudo-inverse, from the SVD (or eigh with `hermitian`).
 * @example torch.linalg.pinv(torch.tensor([[1, 2], [2, 4]], { dtype: torch.float64 }))
 */
export function pinv(A: Tensor, options?: RankOptions): Tensor {
  if (autocastHook.active) return autocastOp('linalgPinv', pinv, arguments);
  checkMatrices(A, 'linalg.pinv');
  checkOptions(options, 'linalg.pinv', RANK_KEYS);
  const hermitian = options?.hermitian ?? false;
  if (hermitian && A._shape.at(-1) !== A._shape.at(-2)) checkMatrices(A, 'linalg.pinv', true);
  const { atol, rtol } = tolerances(A, options);
  const { S, k, factors } = spectrum(A, hermitian, 'linalg.pinv');
  const [U, D, Vh] = factors();
  // 1/d where |d| is above the tolerance, else 0 (d is S, or the signed eigenvalue).
  const d = D.dataSync();
  const recip = new Float64Array(d.length);
  for (let b = 0; b < d.length / Math.max(k, 1); b++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, S[b * k + i]);
    const threshold = Math.max(atol, rtol * max);
    for (let i = 0; i < k; i++) recip[b * k + i] = S[b * k + i] > threshold ? 1 / Number(d[b * k + i]) : 0;
  }
  const scale = fromArray(recip, float64, D._shape.slice(), A._dtype, A.device);
  const out = tidy(() => matmul(mul(mT(Vh), unsqueeze(scale, -2)), mT(U)));
  for (const t of [U, D, Vh, scale]) t.dispose();
  return record(out, 'LinalgPinvBackward0', [A], (node) => {
    const sA = node.save(A);
    const sOut = node.save(out);
    return (g) => [pinvBackward(g, sOut(), sA())];
  });
}

/** PyTorch's pinv_backward, arranged so that the products stay small. */
function pinvBackward(grad: Tensor, pinvA: Tensor, A: Tensor): Tensor {
  const [m, n] = A._shape.slice(-2);
  const pinvAh = mT(pinvA);
  const gradh = mT(grad);
  if (m <= n) {
    const K = matmul(gradh, pinvA);
    const KpinvAh = matmul(K, pinvAh);
    return add(
      sub(add(neg(mT(matmul(pinvA, K))), KpinvAh), matmul(matmul(A, pinvA), KpinvAh)),
      matmul(matmul(pinvAh, pinvA), sub(gradh, matmul(K, A))),
    );
  }
  const K = matmul(pinvA, gradh);
  const pinvAhK = matmul(pinvAh, K);
  return sub(
    add(add(neg(mT(matmul(K, pinvA))), matmul(matmul(sub(gradh, matmul(A, K)), pinvA), pinvAh)), pinvAhK),
    matmul(matmul(pinvAhK, pinvA), A),
  );
}

/**
 * The options of linalg.lstsq: `rcond` (default eps · max(m, n)) and `driver`: 'gelsy' (the
 * default), 'gelsd' and 'gelss' (by SVD: singular values and, for a tall full-rank A,
 * residuals) or 'gels' (QR, for a full-rank A: residuals for a tall one).
 * @example torch.linalg.lstsq(A, B, { rcond: 1e-10, driver: 'gelsd' })
 */
export interface LstsqOptions {
  rcond?: number | null;
  driver?: 'gels' | 'gelsy' | 'gelsd' | 'gelss' | null;
}
const LSTSQ_KEYS = keysOf<LstsqOptions>()('rcond', 'driver');
const DRIVERS = ['gels', 'gelsy', 'gelsd', 'gelss'];

/**
 * linalg.lstsq's result, as PyTorch's CPU drivers return it: gelsy leaves residuals and
 * singularValues empty, gels the rank and singularValues.
 * @example const { solution, rank } = torch.linalg.lstsq(A, B);
 */
export type LstsqResult = [Tensor, Tensor, Tensor, Tensor] & {
  readonly solution: Tensor;
  readonly residuals: Tensor;
  readonly rank: Tensor;
  readonly singularValues: Tensor;
};

/** gelsd/gelss: the minimum-norm solution through the SVD, singular values at or below rcond · σ_max dropped. */
function svdSolve(A: Tensor, B: Tensor, rcond: number): [Tensor, number[], Tensor] {
  const [U, S, Vh] = svdRaw(A, false, 'linalg.lstsq');
  const k = S._shape[S._shape.length - 1];
  const s = S.dataSync();
  const recip = new Float64Array(s.length);
  const ranks: number[] = [];
  const count = shapeNumel(S._shape.slice(0, -1));
  for (let b = 0; b < count; b++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, Number(s[b * k + i]));
    let rank = 0;
    for (let i = 0; i < k; i++) {
      const v = Number(s[b * k + i]);
      if (v > rcond * max) {
        recip[b * k + i] = 1 / v;
        rank++;
      }
    }
    ranks.push(rank);
  }
  const scale = fromArray(recip, float64, S._shape.slice(), A._dtype, A.device);
  const X = noGrad(() => tidy(() => matmul(mul(mT(Vh), unsqueeze(scale, -2)), matmul(mT(U), B))));
  for (const t of [U, Vh, scale]) t.dispose();
  return [X, ranks, S];
}

/**
 * The least-squares solution of A X = B (minimum norm where A is rank-deficient), by LAPACK's
 * complete orthogonal factorization (gelsy) or through the SVD (gelsd, gelss).
 * @example const { solution } = torch.linalg.lstsq(A, B); torch.linalg.lstsq(A, B, 1e-10, { driver: 'gelsd' })
 */
export function lstsq(A: Tensor, B: Tensor, rcondOrOptions?: number | null | LstsqOptions, maybeOptions?: LstsqOptions): LstsqResult {
  // rcond is positional in PyTorch (lstsq(A, B, rcond=None, *, driver=None)).
  const options: LstsqOptions | undefined =
    typeof rcondOrOptions === 'number' || rcondOrOptions === null ? { ...maybeOptions, rcond: rcondOrOptions } : rcondOrOptions;
  checkMatrices(A, 'linalg.lstsq', false, 'input');
  if (!(B instanceof Tensor)) throw new TypeError(`linalg_lstsq(): argument 'b' (position 2) must be Tensor, not ${typeof B}`);
  checkOptions(options, 'linalg.lstsq', LSTSQ_KEYS);
  const driver = options?.driver ?? 'gelsy';
  if (!DRIVERS.includes(driver)) throw new Error('torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)');
  if (A._dtype !== B._dtype) {
    throw new Error(`torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype ${scalarTypeName(A._dtype)} and other's dtype ${scalarTypeName(B._dtype)}`);
  }
  const [m, n] = A._shape.slice(-2);
  const vector = B._shape.length === A._shape.length - 1;
  const Bm = vector ? unsqueeze(B, -1) : B;
  if (Bm._shape.length < 2) throw new Error('torch.linalg.lstsq: other must have at least 1 dimension.');
  if (Bm._shape[Bm._shape.length - 2] !== m) {
    throw new Error(vector ? 'torch.linalg.lstsq: input.size(-2) should match other.size(-1)' : 'torch.linalg.lstsq: input.size(-2) should match other.size(-2)');
  }
  const k = Bm._shape[Bm._shape.length - 1];
  const batch = broadcastShapes(A._shape.slice(0, -2), Bm._shape.slice(0, -2));
  const Ab = expand(A, [...batch, m, n]);
  const Bb = expand(Bm, [...batch, m, k]);
  const rcond = options?.rcond ?? EPS[A._dtype.name] * Math.max(m, n);
  const bySvd = driver === 'gelsd' || driver === 'gelss';
  const [X, ranks, S] = bySvd ? svdSolve(Ab, Bb, rcond) : [...lstsqRaw(Ab, Bb, rcond), null];
  // PyTorch 1.13's residuals carry no gradient: |A X - B|² per column, for a tall A of full rank.
  const fullRank = driver === 'gels' || (driver !== 'gelsy' && ranks.every((r) => r === n));
  const residuals =
    m > n && driver !== 'gelsy' && fullRank
      ? noGrad(() => tidy(() => sum(square(sub(matmul(Ab, X), Bb)), -2)))
      : emptyKernel([0], A._dtype, A.device);
  const solution = vector ? squeeze(X, -1) : X;
  record(solution, 'LinalgLstsqBackward0', [Ab, Bb], (node) => {
    const sA = node.save(Ab);
    const sB = node.save(Bb);
    const wantA = node.next[0] !== null;
    return (g) => {
      const gX = vector ? unsqueeze(g, -1) : g;
      const pinvA = pinv(sA());
      return [wantA ? pinvBackward(matmul(gX, mT(sB())), pinvA, sA()) : null, matmul(mT(pinvA), gX)];
    };
  });
  const rank = driver === 'gels' ? emptyKernel([0], int64, A.device) : fromArray(Float64Array.from(ranks), float64, batch, int64, A.device);
  return namedTuple({
    solution,
    residuals,
    rank,
    singularValues: S ?? emptyKernel([0], A._dtype, A.device),
  }) as unknown as LstsqResult;
}

/**
 * The numerical rank: singular values (|eigenvalues| with `hermitian`) above max(atol, rtol · σ_max).
 * @example torch.linalg.matrixRank(torch.ones(3, 3)) // 1
 */
export function matrixRank(A: Tensor, options?: RankOptions): Tensor {
  checkMatrices(A, 'linalg.matrix_rank');
  checkOptions(options, 'linalg.matrix_rank', RANK_KEYS);
  const hermitian = options?.hermitian ?? false;
  if (hermitian) checkMatrices(A, 'linalg.matrix_rank', true);
  const { atol, rtol } = tolerances(A, options);
  const { S, k, factors } = spectrum(A, hermitian, 'linalg.matrix_rank');
  for (const t of new Set(factors())) t.dispose();
  const batch = A._shape.slice(0, -2);
  const count = batch.reduce((p, s) => p * s, 1);
  const ranks = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, S[b * k + i]);
    const threshold = Math.max(atol, rtol * max);
    for (let i = 0; i < k; i++) if (S[b * k + i] > threshold) ranks[b]++;
  }
  return fromArray(ranks, float64, batch, int64, A.device);
}


/**
 * torch.pinverse: the pseudo-inverse with singular values at or below rcond · σ_max taken as zero.
 * @example torch.pinverse(A, 1e-10)
 */
export function pinverse(A: Tensor, rcond = 1e-15): Tensor {
  if (autocastHook.active) return autocastOp('linalgPinv', pinverse, arguments);
  if (typeof rcond !== 'number') throw new TypeError(`pinverse(): argument 'rcond' (position 2) must be float, not ${typeof rcond}`);
  return pinv(A, { rtol: rcond });
}
