/**
 * Solving with packed LU factors: linalg.luSolve (A X = B, X A = B, with Aᴴ too), with
 * PyTorch's gradients for LU and B; the older torch.lu and torch.luSolve; and getrs over
 * the native trsm, which gives PyTorch's inf and NaN where U has a zero pivot.
 */
import { autocastOp } from '../amp/autocast-policy.js';
import { autocastHook } from '../amp/autocast-state.js';
import { checkBoolean, checkOptions, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { float64, int32, int64, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { type Backward, record } from '../autograd/function.js';
import type { Node } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, neg } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { sumTo } from '../ops/reduce.js';
import { contiguous, expand } from '../ops/shape.js';
import { tidy } from '../memory/storage.js';
import { checkFloat, trsmRaw } from './lapack.js';
import { gather, scatter } from '../ops/indexing.js';
import { zerosLike } from '../tensor/creation.js';
import { solveTriangular } from './extras.js';
import { mT, tril, triu } from './matrix-helpers.js';
import { type LuFactorExResult, luFactorEx, luUnpack, pivotOrders } from './lu.js';

/**
 * The options of linalg.lu_solve: `left: false` solves X A = B, `adjoint: true` uses Aᴴ
 * (Aᵀ for real A) in place of A.
 * @example torch.linalg.luSolve(LU, pivots, B, { left: false, adjoint: true })
 */
export interface LuSolveOptions {
  left?: boolean;
  adjoint?: boolean;
}
const LU_SOLVE_KEYS = keysOf<LuSolveOptions>()('left', 'adjoint');

function checkLuSolve(LU: Tensor, pivots: Tensor, B: Tensor, left: boolean): void {
  const fn = 'linalg.lu_solve';
  if (!(LU instanceof Tensor)) throw new TypeError(`linalg_lu_solve(): argument 'LU' (position 1) must be Tensor, not ${typeof LU}`);
  if (!(pivots instanceof Tensor)) throw new TypeError(`linalg_lu_solve(): argument 'pivots' (position 2) must be Tensor, not ${typeof pivots}`);
  if (!(B instanceof Tensor)) throw new TypeError(`linalg_lu_solve(): argument 'B' (position 3) must be Tensor, not ${typeof B}`);
  if (LU._shape.length < 2) throw new Error(`torch.${fn}: The input tensor A must have at least 2 dimensions.`);
  const [rows, n] = LU._shape.slice(-2);
  if (rows !== n) throw new Error(`torch.${fn}: A must be batches of square matrices, but they are ${rows} by ${n} matrices`);
  if (B._shape.length < 2) throw new Error(`${fn}: The input tensor B must have at least 2 dimensions.`);
  if (LU._dtype !== B._dtype) {
    throw new Error(`${fn}: Expected LU and B to have the same dtype, but found LU of type ${scalarTypeName(LU._dtype)} and B of type ${scalarTypeName(B._dtype)} instead`);
  }
  if (LU._dtype.name !== 'float32' && LU._dtype.name !== 'float64') {
    throw new Error(`torch.${fn}: Expected a floating point or complex tensor as input. Got ${scalarTypeName(LU._dtype)}`);
  }
  checkFloat(LU, fn);
  if (pivots._dtype !== int32) throw new Error(`${fn}: pivots should be a Tensor of scalar type torch.int32`);
  if (pivots._shape[pivots._shape.length - 1] !== n) throw new Error(`${fn}: Number of pivots per batch should be same as the dimension of the matrix`);
  const batch = LU._shape.slice(0, -2);
  if (pivots._shape.length !== batch.length + 1 || batch.some((s, i) => s !== pivots._shape[i])) {
    throw new Error(`${fn}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape [${pivots._shape.join(', ')}] instead`);
  }
  const [bRows, bCols] = B._shape.slice(-2);
  if ((left ? bRows : bCols) !== n) {
    throw new Error(`${fn}: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${bRows}x${bCols})`);
  }
}

/**
 * Solves A X = B given A's packed LU factorization (luFactor's `LU` and `pivots`):
 * `left: false` solves X A = B, `adjoint: true` uses Aᴴ. Batch dims of LU and B broadcast.
 * Its gradient is PyTorch's, for LU (read as L's strictly lower and U's upper part) and B.
 * @example const { LU, pivots } = torch.linalg.luFactor(A); const X = torch.linalg.luSolve(LU, pivots, B);
 */
export function luSolve(LU: Tensor, pivots: Tensor, B: Tensor, options?: LuSolveOptions): Tensor {
  if (autocastHook.active) return autocastOp('linalgLuSolve', luSolve, arguments);
  checkOptions(options, 'linalg.lu_solve', LU_SOLVE_KEYS);
  const left = options?.left ?? true;
  const adjoint = options?.adjoint ?? false;
  checkBoolean(left, 'linalg.lu_solve', 'left');
  checkBoolean(adjoint, 'linalg.lu_solve', 'adjoint');
  checkLuSolve(LU, pivots, B, left);
  const X = noGrad(() => tidy(() => (left ? solveLeft(LU, pivots, B, adjoint) : contiguous(mT(solveLeft(LU, pivots, mT(B), !adjoint))))));
  return record(X, 'LinalgLuSolveBackward0', [LU, B], luSolveBackward(LU, pivots, X, B._shape.slice(), left, adjoint));
}

/** op(A) X = B for A = P L U (op: Aᵀ with `adjoint`), B [..., n, k]; no graph. */
function solveLeft(LU: Tensor, pivots: Tensor, B: Tensor, adjoint: boolean): Tensor {
  const n = LU._shape[LU._shape.length - 1];
  const k = B._shape[B._shape.length - 1];
  const batch = broadcastShapes(LU._shape.slice(0, -2), B._shape.slice(0, -2));
  return getrs(expand(LU, [...batch, n, n]), expand(pivots, [...batch, n]), expand(B, [...batch, n, k]), adjoint);
}

/**
 * LAPACK's getrs for a batch of packed factors LU [..., n, n], 1-based pivots [..., n] and
 * right-hand sides B [..., n, k] of one batch shape: the row swaps, then two trsm calls, in
 * column-major arithmetic as PyTorch's getrs makes them (so the same bits, and inf and NaN
 * where U has a zero pivot). The solution is column-major, as PyTorch's. No graph. @internal
 */
export function getrs(LU: Tensor, pivots: Tensor, B: Tensor, adjoint: boolean): Tensor {
  const [n, k] = B._shape.slice(-2);
  if (n === 0 || k === 0 || B.numel() === 0) return contiguous(mT(B)).mT;
  return noGrad(() => tidy(() => {
    // Column-major LU is row-major LUᵀ, and column-major B row-major Bᵀ: the row-major kernel
    // solves Yᵀ op(LUᵀ) = Bᵀ, which is getrs's column-major op(LU) Y = B.
    const columns = contiguous(mT(LU));
    const trsm = (y: Tensor, upper: boolean) => trsmRaw(columns, y, false, !upper, adjoint, !upper);
    const order = swapOrder(pivots, n, B);
    // Row i of Pᵀ B is row order[i] of B; in Bᵀ those rows are columns.
    const Bt = contiguous(mT(B));
    if (!adjoint) return mT(trsm(trsm(gather(Bt, -1, order), false), true));
    const Y = trsm(trsm(Bt, true), false);
    return mT(contiguous(scatter(zerosLike(Y), -1, order, Y)));
  }));
}

/** getrf's row swaps as a gather index over Bᵀ's last dim, [..., k, n] (int64). */
function swapOrder(pivots: Tensor, n: number, B: Tensor): Tensor {
  const batch = pivots._shape.slice(0, -1);
  const count = batch.reduce((p, s) => p * s, 1);
  const orders = pivotOrders(
    contiguous(pivots).dataSync() as Int32Array, count, n, n,
    'linalg.lu_solve: pivots must be between 1 and LU.size(-1) inclusive. Did you properly pass the result of lu_factor?',
  );
  const k = B._shape[B._shape.length - 1];
  return expand(fromArray(Float64Array.from(orders), float64, [...batch, 1, n], int64, B.device), [...batch, k, n]);
}

/** lu_solve's backward, built here so that its closure holds only what it saves. */
function luSolveBackward(LU: Tensor, pivots: Tensor, X: Tensor, shapeB: number[], left: boolean, adjoint: boolean): (node: Node) => Backward {
  const shapeLU = LU._shape.slice();
  return (node) => {
    const sLU = node.save(LU);
    const sPiv = node.save(pivots);
    const sX = node.save(X);
    const wantLU = node.next[0] !== null;
    const wantB = node.next[1] !== null;
    return (g) => [
      wantLU ? sumTo(luSolveGradLU(g, sLU(), sPiv(), sX(), left, adjoint), shapeLU) : null,
      wantB ? sumTo(luSolve(sLU(), sPiv(), g, { left, adjoint: !adjoint }), shapeB) : null,
    ];
  };
}

/** PyTorch's linalg_lu_solve_LU: the gradient for the packed factors. */
function luSolveGradLU(gX: Tensor, LU: Tensor, pivots: Tensor, X: Tensor, left: boolean, adjoint: boolean): Tensor {
  const { P, L, U } = luUnpack(LU, pivots);
  if (left !== adjoint) {
    // gR = U⁻ᵀ op(-gX) op(X)ᵀ, gL = tril₋₁(L⁻ᵀ gR Uᵀ), gLU = gL + triu(gR).
    const gR = solveTriangular(mT(U), neg(matmul(left ? gX : mT(gX), left ? mT(X) : X)), { upper: false });
    const gL = tril(solveTriangular(mT(L), matmul(gR, mT(U)), { upper: true, unitriangular: true }), -1);
    return add(gL, triu(gR));
  }
  // gR = -Pᵀ op(X) op(gX)ᵀ P L⁻ᵀ, gU = triu(Lᵀ gR U⁻ᵀ), gLU = tril₋₁(gR) + gU.
  let gR = neg(matmul(matmul(matmul(mT(P), left ? X : mT(X)), left ? mT(gX) : gX), P));
  gR = solveTriangular(mT(L), gR, { upper: true, left: false, unitriangular: true });
  const gU = triu(solveTriangular(mT(U), matmul(mT(L), gR), { upper: false, left: false }));
  return add(tril(gR, -1), gU);
}

/**
 * The options of the older torch.lu: `pivot` (true; false is refused on the CPU, as in
 * PyTorch) and `getInfos`, which adds the info codes to the result.
 * @example torch.lu(A, { getInfos: true })
 */
export interface TorchLuOptions {
  pivot?: boolean;
  getInfos?: boolean;
}
const TORCH_LU_KEYS = keysOf<TorchLuOptions>()('pivot', 'getInfos');

/**
 * The older `torch.lu(A)`: `[LU, pivots]` as linalg.luFactor gives them, or `[LU, pivots,
 * info]` with `getInfos` (as linalg.luFactorEx). It never raises for a singular matrix.
 * @example const [LU, pivots] = torch.lu(A); const [LU2, pivots2, info] = torch.lu(A, { getInfos: true });
 */
export function torchLu(A: Tensor, options?: TorchLuOptions & { getInfos?: false }): [Tensor, Tensor];
export function torchLu(A: Tensor, options: TorchLuOptions & { getInfos: true }): [Tensor, Tensor, Tensor];
export function torchLu(A: Tensor, options?: TorchLuOptions): [Tensor, Tensor] | [Tensor, Tensor, Tensor];
export function torchLu(A: Tensor, options?: TorchLuOptions): [Tensor, Tensor] | [Tensor, Tensor, Tensor] {
  checkOptions(options, 'lu', TORCH_LU_KEYS);
  const getInfos = options?.getInfos ?? false;
  checkBoolean(getInfos, 'lu', 'get_infos');
  const { LU, pivots, info } = luFactorEx(A, { pivot: options?.pivot ?? true }) as LuFactorExResult;
  if (getInfos) return [LU, pivots, info];
  info.dispose();
  return [LU, pivots];
}

/**
 * The older `torch.lu_solve(b, LU_data, LU_pivots)`: A X = b given A's LU factors (note the
 * order: b first). The same as `torch.linalg.luSolve(LU_data, LU_pivots, b)`.
 * @example const [LU, pivots] = torch.lu(A); const x = torch.luSolve(b, LU, pivots);
 */
export function torchLuSolve(b: Tensor, LU: Tensor, pivots: Tensor): Tensor {
  return luSolve(LU, pivots, b);
}
