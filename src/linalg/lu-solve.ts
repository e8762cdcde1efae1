/**
 * Solving with packed LU factors: linalg.luSolve (A X = B, X A = B, with Aᴴ too), with
 * PyTorch's gradients for LU and B; the older torch.lu and torch.luSolve; and getrs's
 * substitutions in JS, which give PyTorch's inf and NaN where U has a zero pivot (LAPACK's
 * gesv, which the solves otherwise use, declines those matrices).
 */
import { checkBoolean, checkOptions, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { float64, int32, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { type Backward, record } from '../autograd/function.js';
import type { Node } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, neg } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { sumTo } from '../ops/reduce.js';
import { contiguous, expand } from '../ops/shape.js';
import { tidy } from '../memory/storage.js';
import { checkFloat, solveCodes } from './lapack.js';
import { solveTriangular } from './extras.js';
import { mT, tril, triu } from './matrix-helpers.js';
import { type LuFactorExResult, luFactorEx, luUnpack, permutationOf, unpackFactors } from './lu.js';

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
  const [L, U] = unpackFactors(LU).map((t) => expand(t, [...batch, n, n]));
  const P = expand(permutationOf(pivots, n, LU), [...batch, n, n]);
  const Bb = expand(B, [...batch, n, k]);
  // gesv on a triangular matrix pivots nothing (a unit L from getrf has |l| <= 1), so these
  // are getrs's substitutions; a zero on U's diagonal is left to the JS substitution.
  let singular = false;
  const tri = (T: Tensor, R: Tensor): Tensor => {
    const [out, codes] = solveCodes(T, R);
    if (codes.some((c) => c !== 0)) singular = true;
    return out;
  };
  const X = adjoint ? matmul(P, tri(mT(L), tri(mT(U), Bb))) : tri(U, tri(L, matmul(mT(P), Bb)));
  if (!singular) return X;
  const values = substitute(
    contiguous(expand(LU, [...batch, n, n])).dataSync() as Float32Array | Float64Array,
    contiguous(expand(pivots, [...batch, n])).dataSync() as Int32Array,
    contiguous(Bb).dataSync() as Float32Array | Float64Array,
    n,
    k,
    adjoint,
  );
  return fromArray(values, float64, [...batch, n, k], LU._dtype, LU.device);
}

/**
 * LAPACK's getrs in JS for a batch of packed factors (row-major [count, n, n]), pivots
 * [count, n] and right-hand sides [count, n, k]: the reference BLAS trsm loops, so that a
 * zero pivot gives the same inf and NaN as PyTorch's solve. @internal
 */
export function substitute(lu: ArrayLike<number>, piv: Int32Array, b: ArrayLike<number>, n: number, k: number, adjoint: boolean): Float64Array {
  const count = n === 0 ? 0 : piv.length / n;
  const out = Float64Array.from(b as ArrayLike<number>);
  const swap = (x: Float64Array, base: number, i: number, j: number) => {
    if (i === j) return;
    for (let c = 0; c < k; c++) {
      const t = x[base + i * k + c];
      x[base + i * k + c] = x[base + j * k + c];
      x[base + j * k + c] = t;
    }
  };
  for (let m = 0; m < count; m++) {
    const a = (i: number, j: number) => lu[m * n * n + i * n + j];
    const base = m * n * k;
    const x = (i: number, c: number) => base + i * k + c;
    if (!adjoint) {
      for (let i = 0; i < n; i++) swap(out, base, i, piv[m * n + i] - 1);
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < n; j++) {
          const v = out[x(j, c)];
          if (v !== 0) for (let i = j + 1; i < n; i++) out[x(i, c)] -= v * a(i, j);
        }
        for (let j = n - 1; j >= 0; j--) {
          if (out[x(j, c)] === 0) continue;
          out[x(j, c)] /= a(j, j);
          const v = out[x(j, c)];
          for (let i = 0; i < j; i++) out[x(i, c)] -= v * a(i, j);
        }
      }
    } else {
      for (let c = 0; c < k; c++) {
        for (let i = 0; i < n; i++) {
          let t = out[x(i, c)];
          for (let j = 0; j < i; j++) t -= a(j, i) * out[x(j, c)];
          out[x(i, c)] = t / a(i, i);
        }
        for (let i = n - 1; i >= 0; i--) {
          let t = out[x(i, c)];
          for (let j = i + 1; j < n; j++) t -= a(j, i) * out[x(j, c)];
          out[x(i, c)] = t;
        }
      }
      for (let i = n - 1; i >= 0; i--) swap(out, base, i, piv[m * n + i] - 1);
    }
  }
  return out;
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
