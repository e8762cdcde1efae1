/**
 * torch.linalg's factorizations over LAPACK (lapack.ts) with PyTorch's gradients: inv,
 * solve, cholesky, qr, eigh/eigvalsh, svd/svdvals. An op with several differentiable outputs
 * gives each its own node (named as PyTorch's one node): the gradient formulas are linear
 * in the outputs' gradients, so the nodes' sum is PyTorch's joint gradient, and an unused
 * output contributes nothing.
 */
import { autocastOp } from '../amp/autocast-policy.js';
import { autocastHook } from '../amp/autocast-state.js';
import { checkOptions, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { record } from '../autograd/function.js';
import type { Node } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { sumTo } from '../ops/reduce.js';
import { add, div, mul, sub, neg } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { cat, expand, narrow, squeeze, unsqueeze } from '../ops/shape.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { zerosOf } from '../ops/internal-tensors.js';
import { checkMatrices, choleskyCodes, choleskyRaw, eighRaw, raiseNotPositiveDefinite, qrRaw, solveRaw, svdRaw } from './lapack.js';
import { diagEmbed, diagonal, eyeLike, mT, namedTuple, tril, triu } from './matrix-helpers.js';
import { int32, scalarTypeName } from '../tensor/dtype.js';
import { tensor } from '../tensor/creation.js';

const INV_SINGULAR = (i: number) =>
  `linalg.inv: The diagonal element ${i} is zero, the inversion could not be completed because the input matrix is singular.`;

/**
 * The inverse of a square matrix (or of each in a batch).
 * @example torch.linalg.inv(torch.tensor([[2, 0], [0, 4]], { dtype: torch.float64 }))
 */
export function inv(A: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('linalgInv', inv, arguments);
  checkMatrices(A, 'linalg.inv', true);
  const n = A._shape[A._shape.length - 1];
  const eye = eyeLike(A, n);
  const identity = expand(eye, A._shape);
  const out = solveRaw(A, identity, INV_SINGULAR);
  identity.dispose();
  eye.dispose();
  return recordInverse(A, out);
}

/** `out` (A⁻¹) recorded with the inverse's backward, as LinalgInvExBackward0. @internal */
export function recordInverse(A: Tensor, out: Tensor): Tensor {
  return record(out, 'LinalgInvExBackward0', [A], (node) => {
    const saved = node.save(out);
    // d(A^-1) = -A^-1 dA A^-1, so gA = -A^-T g A^-T.
    return (g) => {
      const invT = mT(saved());
      return [neg(matmul(invT, matmul(g, invT)))];
    };
  });
}

/**
 * `torch.inverse`, the same as `torch.linalg.inv`.
 * @example torch.inverse(A)
 */
export function inverse(A: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('linalgInv', inverse, arguments);
  return inv(A);
}

/**
 * The options of linalg.solve: `left: false` solves X A = B.
 * @example torch.linalg.solve(A, B, { left: false })
 */
export interface SolveOptions {
  left?: boolean;
}
const SOLVE_KEYS = keysOf<SolveOptions>()('left');

/**
 * The solution X of A X = B (or X A = B with `left: false`), batched and broadcast; B may be a vector.
 * @example torch.linalg.solve(A, torch.tensor([1, 2], { dtype: torch.float64 }))
 */
export function solve(A: Tensor, B: Tensor, options?: SolveOptions): Tensor {
  if (autocastHook.active) return autocastOp('linalgSolve', solve, arguments);
  return solveWith(A, B, options, SOLVE_RAW);
}

/** A batched solver of A X = B for square A [..., n, n] and B [..., n, k] with equal batch dims. @internal */
export type RawSolve = (A: Tensor, B: Tensor) => Tensor;
const SOLVE_RAW: RawSolve = (a, b) => solveRaw(a, b, () => 'torch.linalg.solve: The solver failed because the input matrix is singular.');

/** linalg.solve with its checks, shapes and gradient, over the raw solver `raw` (linalg.solve_ex's reports singular matrices). @internal */
export function solveWith(A: Tensor, B: Tensor, options: SolveOptions | undefined, raw: RawSolve): Tensor {
  checkMatrices(A, 'linalg.solve', true);
  if (!(B instanceof Tensor)) throw new TypeError(`linalg_solve(): argument 'B' (position 2) must be Tensor, not ${typeof B}`);
  checkOptions(options, 'linalg.solve', SOLVE_KEYS);
  if (A._dtype !== B._dtype) {
    throw new Error(`linalg.solve: Expected A and B to have the same dtype, but found A of type ${scalarTypeName(A._dtype)} and B of type ${scalarTypeName(B._dtype)} instead`);
  }
  const left = options?.left ?? true;
  const n = A._shape[A._shape.length - 1];
  const vector = B._shape.length === 1 || (B._shape.length === A._shape.length - 1 && B._shape.every((s, i) => s === A._shape[i]));
  if (!left) {
    if (vector) throw new Error('linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)');
    return solveRight(A, B, raw);
  }
  const Bm = vector ? unsqueeze(B, -1) : B;
  if (Bm._shape.length < 2 || Bm._shape[Bm._shape.length - 2] !== n) {
    const rows = Bm._shape.length >= 2 ? Bm._shape[Bm._shape.length - 2] : Bm._shape[0];
    const cols = Bm._shape.length >= 2 ? Bm._shape[Bm._shape.length - 1] : 1;
    throw new Error(`linalg.solve: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${rows}x${cols})`);
  }
  const batch = broadcastShapes(A._shape.slice(0, -2), Bm._shape.slice(0, -2));
  const k = Bm._shape[Bm._shape.length - 1];
  const Ab = expand(A, [...batch, n, n]);
  const Bb = expand(Bm, [...batch, n, k]);
  const X = raw(Ab, Bb);
  const out = vector ? squeeze(X, -1) : X;
  return record(out, 'LinalgSolveExBackward0', [Ab, Bb], (node) => {
    const savedA = node.save(Ab);
    const savedX = node.save(X);
    const wantA = node.next[0] !== null;
    // gB = A^-T g, gA = -gB X^T (PyTorch's linalg_solve_backward).
    return (g) => {
      const gm = vector ? unsqueeze(g, -1) : g;
      const gB = solve(mT(savedA()), gm);
      return [wantA ? neg(matmul(gB, mT(savedX()))) : null, gB];
    };
  });
}

/** X A = B, solved as Aᵀ Xᵀ = Bᵀ and recorded as one node: X = B A⁻¹, so gB = g A⁻ᵀ and gA = -Xᵀ gB. */
function solveRight(A: Tensor, B: Tensor, raw: RawSolve): Tensor {
  const n = A._shape[A._shape.length - 1];
  if (B._shape.length < 2 || B._shape[B._shape.length - 1] !== n) {
    throw new Error(`linalg.solve: Incompatible shapes of A and B for the equation XA = B (${n}x${n} and ${B._shape.slice(-2).join('x')})`);
  }
  const out = noGrad(() => mT(solveWith(mT(A), mT(B), undefined, raw)));
  return record(out, 'LinalgSolveExBackward0', [A, B], (node) => {
    const savedA = node.save(A);
    const savedX = node.save(out);
    const wantA = node.next[0] !== null;
    const [shapeA, shapeB] = [A._shape.slice(), B._shape.slice()];
    return (g) => {
      const gB = mT(solve(savedA(), mT(g)));
      return [wantA ? sumTo(neg(matmul(mT(savedX()), gB)), shapeA) : null, sumTo(gB, shapeB)];
    };
  });
}

/**
 * The options of linalg.cholesky: `upper` returns U with A = Uᵀ U.
 * @example torch.linalg.cholesky(A, { upper: true })
 */
export interface CholeskyOptions {
  upper?: boolean;
}
const CHOLESKY_KEYS = keysOf<CholeskyOptions>()('upper');

/**
 * The Cholesky factor L (A = L Lᵀ) of a symmetric positive-definite matrix, read from its lower triangle.
 * @example torch.linalg.cholesky(torch.tensor([[4, 2], [2, 3]], { dtype: torch.float64 }))
 */
export function cholesky(A: Tensor, options?: CholeskyOptions): Tensor {
  if (autocastHook.active) return autocastOp('linalgCholesky', cholesky, arguments);
  checkMatrices(A, 'linalg.cholesky', true);
  checkOptions(options, 'linalg.cholesky', CHOLESKY_KEYS);
  return recordCholesky(A, choleskyRaw(A, 'linalg.cholesky'), options?.upper ?? false);
}

/** L (or its transpose) recorded with the Cholesky backward, as LinalgCholeskyExBackward0. */
function recordCholesky(A: Tensor, L: Tensor, upper: boolean): Tensor {
  const out = upper ? mT(L) : L;
  // The upper factor is a view of L: the view alone keeps the storage.
  if (upper) L.dispose();
  return record(out, 'LinalgCholeskyExBackward0', [A], (node) => {
    const saved = node.save(out);
    return (g) => {
      const l = upper ? mT(saved()) : saved();
      const gL = upper ? mT(g) : g;
      let gA = tril(matmul(mT(l), gL));
      gA = mul(add(gA, mT(tril(gA, -1))), 0.5);
      const lInv = inv(l);
      return [matmul(mT(lInv), matmul(gA, lInv))];
    };
  });
}

/**
 * The options of linalg.cholesky_ex: `upper`, and `checkErrors`, which raises as
 * linalg.cholesky does instead of reporting through `info`.
 * @example torch.linalg.choleskyEx(A, { checkErrors: true })
 */
export interface CholeskyExOptions extends CholeskyOptions {
  checkErrors?: boolean;
}
const CHOLESKY_EX_KEYS = keysOf<CholeskyExOptions>()('upper', 'checkErrors');

/** linalg.cholesky_ex's result: `[L, info]`, or `.L` and `.info`. @example const { L, info } = torch.linalg.choleskyEx(A); */
export type CholeskyExResult = [Tensor, Tensor] & { readonly L: Tensor; readonly info: Tensor };

/**
 * The Cholesky factor without raising: `info` (int32, one per matrix) is 0 where the matrix
 * is positive-definite, else the order of the first leading minor that is not.
 * @example const { L, info } = torch.linalg.choleskyEx(A); if (info.item() !== 0) ...
 */
export function choleskyEx(A: Tensor, options?: CholeskyExOptions): CholeskyExResult {
  checkMatrices(A, 'linalg.cholesky_ex', true);
  checkOptions(options, 'linalg.cholesky_ex', CHOLESKY_EX_KEYS);
  const [L, codes] = choleskyCodes(A);
  if (options?.checkErrors) {
    try {
      raiseNotPositiveDefinite(codes, A._shape.length > 2, 'linalg.cholesky_ex');
    } catch (e) {
      L.dispose();
      throw e;
    }
  }
  const info = tensor(codes, { dtype: int32, device: A.device }).reshape(A._shape.slice(0, -2));
  const out = recordCholesky(A, L, options?.upper ?? false);
  return Object.assign([out, info] as [Tensor, Tensor], { L: out, info });
}

/**
 * The options of linalg.qr: `mode` is 'reduced' (default), 'complete' or 'r'.
 * @example torch.linalg.qr(A, { mode: 'complete' })
 */
export interface QrOptions {
  mode?: 'reduced' | 'complete' | 'r';
}
const QR_KEYS = keysOf<QrOptions>()('mode');

/** linalg.qr's result: `[Q, R]`, or `.Q` and `.R`. @example const [Q, R] = torch.linalg.qr(A); */
export type QrResult = [Tensor, Tensor] & { readonly Q: Tensor; readonly R: Tensor };

/**
 * The QR factorization A = Q R (Q with orthonormal columns, R upper triangular).
 * @example const { Q, R } = torch.linalg.qr(A);
 */
export function qr(A: Tensor, options?: QrOptions | QrOptions['mode']): QrResult {
  if (autocastHook.active) return autocastOp('linalgQr', qr, arguments);
  const opts = typeof options === 'string' ? { mode: options } : options;
  checkMatrices(A, 'linalg.qr');
  checkOptions(opts, 'linalg.qr', QR_KEYS);
  const mode = opts?.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new Error(`qr received unrecognized mode '${String(mode)}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  }
  const [m, n] = A._shape.slice(-2);
  const [Qfull, R] = qrRaw(A, mode === 'complete');
  let Q = Qfull;
  if (mode === 'r') {
    Qfull.dispose();
    Q = emptyKernel([0], A._dtype, A.device);
  }
  const build = (which: 0 | 1) => (node: Node) => {
    const sQ = mode === 'r' ? null : node.save(Q);
    const sR = node.save(R);
    return (g: Tensor) => {
      if (mode === 'r') {
        throw new Error("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
      }
      if (mode === 'complete' && m > n) throw new Error("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
      return [qrBackward(which === 0 ? g : null, which === 1 ? g : null, sQ!(), sR(), m, n)];
    };
  };
  if (mode !== 'r') record(Q, 'LinalgQrBackward0', [A], build(0));
  record(R, 'LinalgQrBackward0', [A], build(1));
  return namedTuple({ Q, R }) as unknown as QrResult;
}

function qrBackward(gQ: Tensor | null, gR: Tensor | null, Q: Tensor, R: Tensor, m: number, n: number): Tensor {
  let gA = gQ === null ? matmul(gR!, mT(R)) : gR === null ? neg(matmul(mT(Q), gQ)) : sub(matmul(gR, mT(R)), matmul(mT(Q), gQ));
  if (m >= n) {
    let sym = triu(gA);
    sym = add(sym, mT(sym));
    sym = sub(sym, diagEmbed(mul(diagonal(sym), 0.5)));
    gA = matmul(Q, sym);
    if (gQ !== null) gA = add(gA, gQ);
    // X Rᵀ = gA.
    return matmul(gA, mT(inv(R)));
  }
  const X = neg(gA);
  gA = matmul(Q, tril(sub(X, mT(X))));
  gA = matmul(gA, mT(inv(narrow(R, -1, 0, m))));
  const rest = zerosOf([...R._shape.slice(0, -1), n - m], R);
  gA = cat([gA, rest], -1);
  if (gR !== null) gA = add(gA, matmul(Q, gR));
  return gA;
}

/** linalg.eigh's result: `[eigenvalues, eigenvectors]`, or by name. @example const [w, V] = torch.linalg.eigh(A); */
export type EighResult = [Tensor, Tensor] & { readonly eigenvalues: Tensor; readonly eigenvectors: Tensor };

function checkUplo(UPLO: string): boolean {
  if (UPLO !== 'L' && UPLO !== 'U') throw new Error(`Expected UPLO argument to be 'L' or 'U', but got ${UPLO}`);
  return UPLO === 'U';
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, read from its `UPLO` triangle.
 * @example const { eigenvalues, eigenvectors } = torch.linalg.eigh(A);
 */
export function eigh(A: Tensor, UPLO: 'L' | 'U' = 'L'): EighResult {
  if (autocastHook.active) return autocastOp('linalgEigh', eigh, arguments);
  checkMatrices(A, 'linalg.eigh', true);
  const [L, V] = eighRaw(A, checkUplo(UPLO), 'linalg.eigh');
  record(L, 'LinalgEighBackward0', [A], (node) => {
    const sV = node.save(V);
    return (gL) => [matmul(mul(sV(), unsqueeze(gL, -2)), mT(sV()))];
  });
  record(V, 'LinalgEighBackward0', [A], (node) => {
    const sL = node.save(L);
    const sV = node.save(V);
    return (gV) => {
      const v = sV();
      const l = sL();
      let VhgV = matmul(mT(v), gV);
      VhgV = mul(sub(VhgV, mT(VhgV)), 0.5);
      const E = add(sub(unsqueeze(l, -2), unsqueeze(l, -1)), eyeLike(l, l._shape[l._shape.length - 1]));
      return [matmul(v, matmul(div(VhgV, E), mT(v)))];
    };
  });
  return namedTuple({ eigenvalues: L, eigenvectors: V }) as unknown as EighResult;
}

/**
 * The eigenvalues of a symmetric matrix, ascending.
 * @example torch.linalg.eigvalsh(A)
 */
export function eigvalsh(A: Tensor, UPLO: 'L' | 'U' = 'L'): Tensor {
  checkMatrices(A, 'linalg.eigvalsh', true);
  const upper = checkUplo(UPLO);
  // With a graph, the eigenvectors are eigh's own differentiable output, so that the
  // gradient has a gradient too (as PyTorch's _linalg_eigh).
  if (A._requiresGrad && isGradEnabled()) return eigh(A, UPLO).eigenvalues;
  const [L, V] = eighRaw(A, upper, 'linalg.eigvalsh');
  V.dispose();
  return L;
}

/**
 * The options of linalg.svd: `fullMatrices` (default true) gives square U and Vh.
 * @example torch.linalg.svd(A, { fullMatrices: false })
 */
export interface SvdOptions {
  fullMatrices?: boolean;
}
const SVD_KEYS = keysOf<SvdOptions>()('fullMatrices');

/** linalg.svd's result: `[U, S, Vh]`, or by name. @example const [U, S, Vh] = torch.linalg.svd(A); */
export type SvdResult = [Tensor, Tensor, Tensor] & { readonly U: Tensor; readonly S: Tensor; readonly Vh: Tensor };

/**
 * The singular value decomposition A = U diag(S) Vh, singular values descending.
 * @example const { U, S, Vh } = torch.linalg.svd(A, { fullMatrices: false });
 */
export function svd(A: Tensor, options?: SvdOptions | boolean): SvdResult {
  if (autocastHook.active) return autocastOp('linalgSvd', svd, arguments);
  const opts = typeof options === 'boolean' ? { fullMatrices: options } : options;
  checkMatrices(A, 'linalg.svd');
  checkOptions(opts, 'linalg.svd', SVD_KEYS);
  const full = opts?.fullMatrices ?? true;
  const [m, n] = A._shape.slice(-2);
  const k = Math.min(m, n);
  const [U, S, Vh] = svdRaw(A, full, 'linalg.svd');
  const build = (which: 0 | 1 | 2) => (node: Node) => {
    const sU = node.save(U);
    const sS = node.save(S);
    const sVh = node.save(Vh);
    return (g: Tensor) => {
      let u = sU();
      let vh = sVh();
      let grad = g;
      if (full) {
        u = narrow(u, -1, 0, k);
        vh = narrow(vh, -2, 0, k);
        if (which === 0) grad = narrow(g, -1, 0, k);
        if (which === 2) grad = narrow(g, -2, 0, k);
      }
      return [svdBackward(which, grad, u, sS(), vh, m, n)];
    };
  };
  record(U, 'LinalgSvdBackward0', [A], build(0));
  record(S, 'LinalgSvdBackward0', [A], build(1));
  record(Vh, 'LinalgSvdBackward0', [A], build(2));
  return namedTuple({ U, S, Vh }) as unknown as SvdResult;
}

/** PyTorch's svd_backward with one of gU, gS, gVh given. */
function svdBackward(which: 0 | 1 | 2, g: Tensor, U: Tensor, S: Tensor, Vh: Tensor, m: number, n: number): Tensor {
  if (which === 1) return matmul(mul(U, unsqueeze(g, -2)), Vh);
  const k = S._shape[S._shape.length - 1];
  const S2 = mul(S, S);
  const E = add(sub(unsqueeze(S2, -2), unsqueeze(S2, -1)), eyeLike(S, k));
  if (which === 0) {
    const UhgU = matmul(mT(U), g);
    let gA = mul(div(sub(UhgU, mT(UhgU)), E), unsqueeze(S, -2));
    if (m > n) {
      gA = matmul(U, gA);
      const gUSinv = div(g, unsqueeze(S, -2));
      gA = sub(add(gA, gUSinv), matmul(U, matmul(mT(U), gUSinv)));
      return matmul(gA, Vh);
    }
    return matmul(matmul(U, gA), Vh);
  }
  const VhgV = matmul(Vh, mT(g));
  let gA = mul(unsqueeze(S, -1), div(sub(VhgV, mT(VhgV)), E));
  if (m < n) {
    gA = matmul(gA, Vh);
    const SinvgVh = div(g, unsqueeze(S, -1));
    gA = sub(add(gA, SinvgVh), matmul(matmul(SinvgVh, mT(Vh)), Vh));
    return matmul(U, gA);
  }
  return matmul(U, matmul(gA, Vh));
}

/**
 * The singular values of A, descending.
 * @example torch.linalg.svdvals(A)
 */
export function svdvals(A: Tensor): Tensor {
  checkMatrices(A, 'linalg.svdvals');
  // With a graph, S comes from svd itself (U and Vh differentiable), as PyTorch's _linalg_svd.
  if (A._requiresGrad && isGradEnabled()) return svd(A, { fullMatrices: false }).S;
  const [U, S, Vh] = svdRaw(A, false, 'linalg.svdvals');
  U.dispose();
  Vh.dispose();
  return S;
}
