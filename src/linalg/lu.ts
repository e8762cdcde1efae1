/**
 * The LU factorization with partial pivoting over LAPACK's getrf (lapack.ts's luRaw), with
 * PyTorch's gradients: linalg.luFactor / luFactorEx (packed LU and int32 pivots), linalg.lu
 * (P, L, U) and torch.luUnpack. getrf's kernel takes square matrices; a wide matrix is its
 * leading square block's factorization plus one triangular solve for the rest of U, a tall
 * one the factorization of it padded with zero columns (whose trailing steps pivot nothing).
 */
import { checkBoolean, checkOptions, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray, tensor } from '../tensor/creation.js';
import { float64, int32, scalarTypeName } from '../tensor/dtype.js';
import { type Backward, record } from '../autograd/function.js';
import type { Node } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, neg, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { cat, contiguous, narrow, toDtype } from '../ops/shape.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { zerosOf } from '../ops/internal-tensors.js';
import { tidy } from '../memory/storage.js';
import { luRaw, solveRaw } from './lapack.js';
import { solveTriangular } from './extras.js';
import { eyeLike, mT, namedTuple, tril, triu } from './matrix-helpers.js';

/**
 * The options of linalg.lu and linalg.lu_factor: `pivot` (default true; false, LU without
 * pivoting, is CUDA-only in PyTorch and refused here as on PyTorch's CPU).
 * @example torch.linalg.luFactor(A, { pivot: true })
 */
export interface LuOptions {
  pivot?: boolean;
}
const LU_KEYS = keysOf<LuOptions>()('pivot');

/**
 * The options of linalg.lu_factor_ex: `pivot`, and `checkErrors`, which raises as
 * linalg.lu_factor does for a singular matrix instead of only reporting it in `info`.
 * @example torch.linalg.luFactorEx(A, { checkErrors: true })
 */
export interface LuFactorExOptions extends LuOptions {
  checkErrors?: boolean;
}
const LU_EX_KEYS = keysOf<LuFactorExOptions>()('pivot', 'checkErrors');

/** linalg.lu_factor's result: `[LU, pivots]`, or by name. @example const { LU, pivots } = torch.linalg.luFactor(A); */
export type LuFactorResult = [Tensor, Tensor] & { readonly LU: Tensor; readonly pivots: Tensor };

/** linalg.lu_factor_ex's result: `[LU, pivots, info]`, or by name. @example const { LU, pivots, info } = torch.linalg.luFactorEx(A); */
export type LuFactorExResult = [Tensor, Tensor, Tensor] & { readonly LU: Tensor; readonly pivots: Tensor; readonly info: Tensor };

/** linalg.lu's and lu_unpack's result: `[P, L, U]`, or by name. @example const { P, L, U } = torch.linalg.lu(A); */
export type LuResult = [Tensor, Tensor, Tensor] & { readonly P: Tensor; readonly L: Tensor; readonly U: Tensor };

/** What every LU entry point checks of A, with PyTorch's words. */
function checkLuInput(A: Tensor, fn: string, pivot: unknown): void {
  if (!(A instanceof Tensor)) throw new TypeError(`${fn}(): argument 'A' (position 1) must be Tensor, not ${typeof A}`);
  // PyTorch names lu_factor in this message for every entry point but linalg.lu.
  const prefix = fn === 'linalg.lu' ? fn : 'torch.lu_factor';
  if (A._shape.length < 2) throw new Error(`${prefix}: Expected tensor with 2 or more dimensions. Got size: [${A._shape.join(', ')}] instead`);
  const dtype = A._dtype.name;
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`"lu_cpu" not implemented for '${scalarTypeName(A._dtype)}'`);
  if (A.device.type === 'cuda') throw new Error(`torch.${fn} is not implemented on CUDA yet`);
  checkBoolean(pivot, fn, 'pivot');
  if (!pivot) throw new Error('linalg.lu_factor: LU without pivoting is not implemented on the CPU');
}

/**
 * getrf's packed factors of each matrix of A [..., m, n]: LU [..., m, n] (L below the
 * diagonal, its unit diagonal implied; U on and above), the 1-based int32 pivots
 * [..., min(m, n)] and each matrix's info code (0, or the 1-based index of U's first zero
 * pivot). No graph.
 * @internal
 */
export function luPacked(A: Tensor): { LU: Tensor; pivots: Tensor; codes: number[] } {
  const [m, n] = A._shape.slice(-2);
  const k = Math.min(m, n);
  const batch = A._shape.slice(0, -2);
  const count = batch.reduce((p, s) => p * s, 1);
  if (k === 0 || count === 0) {
    return { LU: contiguous(A.detach()).clone(), pivots: emptyKernel([...batch, k], int32, A.device), codes: new Array<number>(count).fill(0) };
  }
  return noGrad(() => tidy(() => {
    if (m === n) {
      const { lu, pivots, info } = luRaw(A);
      return { LU: lu, pivots: toDtype(pivots, int32), codes: info };
    }
    if (m > n) {
      // Zero columns change nothing in the first n steps, and leave nothing to pivot after.
      const padded = cat([A.detach(), zerosOf([...batch, m, m - n], A)], -1);
      const { lu, pivots, info } = luRaw(padded);
      return {
        LU: contiguous(narrow(lu, -1, 0, n)),
        pivots: contiguous(toDtype(narrow(pivots, -1, 0, n), int32)),
        codes: info.map((c) => (c > n ? 0 : c)),
      };
    }
    // Wide: the pivots come from the leading m columns alone, and U₂ = L⁻¹ Pᵀ A₂.
    const { lu, pivots, info } = luRaw(narrow(A.detach(), -1, 0, m));
    const piv = toDtype(pivots, int32);
    const L = add(tril(lu, -1), eyeLike(lu, m));
    const U2 = solveRaw(L, matmul(mT(permutationOf(piv, m, A)), narrow(A.detach(), -1, m, n - m)), () => 'unreachable: L is unit triangular');
    return { LU: cat([lu, U2], -1), pivots: piv, codes: info };
  }));
}

/**
 * getrf's row swaps as orders: getrf swaps row i with row pivots[i] in turn, so row i of
 * Pᵀ A is row order[i] of A. `pivots` is [count, k] (1-based), the result [count, m];
 * `message` words the error for a pivot outside 1..m. @internal
 */
export function pivotOrders(piv: Int32Array, count: number, k: number, m: number, message: string): Int32Array {
  const orders = new Int32Array(count * m);
  for (let b = 0; b < count; b++) {
    const perm = orders.subarray(b * m, (b + 1) * m);
    for (let i = 0; i < m; i++) perm[i] = i;
    for (let i = 0; i < k; i++) {
      const j = piv[b * k + i] - 1;
      if (j < 0 || j >= m) throw new Error(message);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
  }
  return orders;
}

/** The m×m permutation matrices P with A = P L U, from 1-based getrf pivots [..., k]. No graph. @internal */
export function permutationOf(pivots: Tensor, m: number, like: Tensor): Tensor {
  const k = pivots._shape[pivots._shape.length - 1];
  const batch = pivots._shape.slice(0, -1);
  const count = batch.reduce((p, s) => p * s, 1);
  const orders = pivotOrders(
    pivots.dataSync() as Int32Array, count, k, m,
    'pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you properly pass the result of lu_factor?',
  );
  const values = new Float64Array(count * m * m);
  for (let b = 0; b < count; b++) for (let i = 0; i < m; i++) values[b * m * m + orders[b * m + i] * m + i] = 1;
  return fromArray(values, float64, [...batch, m, m], like._dtype, like.device);
}

/** L [..., m, k] (unit lower) and U [..., k, n] from packed factors. No graph. @internal */
export function unpackFactors(LU: Tensor): [Tensor, Tensor] {
  const [m, n] = LU._shape.slice(-2);
  const k = Math.min(m, n);
  return noGrad(() => tidy(() => {
    const L = add(narrow(tril(LU, -1), -1, 0, k), eyeLike(LU, m, k));
    const U = contiguous(narrow(triu(LU), -2, 0, k));
    return [L, U] as [Tensor, Tensor];
  }));
}

function singularMessage(fn: string, codes: number[], batched: boolean): string | null {
  const at = codes.findIndex((c) => c !== 0);
  if (at < 0) return null;
  const i = codes[at];
  const where = batched ? `(Batch element ${at}): ` : '';
  return `${fn}: ${where}U[${i},${i}] is zero and using it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)`;
}

/** The packed LU recorded with lu_factor_ex's backward. */
function recordLuFactor(A: Tensor, LU: Tensor, pivots: Tensor): Tensor {
  return record(LU, 'LinalgLuFactorExBackward0', [A], (node) => {
    const sLU = node.save(LU);
    const sPiv = node.save(pivots);
    return (g) => {
      // The packed matrix is L - I + U: its gradient splits into L's (strictly lower, first
      // k columns) and U's (upper, first k rows), which linalgLuBackward masks.
      const lu = sLU();
      const [m, n] = lu._shape.slice(-2);
      const k = Math.min(m, n);
      const { P, L, U } = luUnpack(lu, sPiv());
      return [linalgLuBackward(narrow(g, -1, 0, k), narrow(g, -2, 0, k), P, L, U)];
    };
  });
}

/**
 * The LU factorization with partial pivoting, packed as LAPACK's getrf leaves it: `LU`
 * holds L below the diagonal (its unit diagonal implied) and U on and above it; `pivots`
 * (int32, 1-based) says which row was swapped with row i at step i. Rectangular and batched
 * inputs work; a singular matrix (a zero on U's diagonal) raises, as in PyTorch: use
 * luFactorEx or lu for those.
 * @example const { LU, pivots } = torch.linalg.luFactor(A); const x = torch.linalg.luSolve(LU, pivots, b);
 */
export function luFactor(A: Tensor, options?: LuOptions): LuFactorResult {
  checkOptions(options, 'linalg.lu_factor', LU_KEYS);
  checkLuInput(A, 'linalg.lu_factor', options?.pivot ?? true);
  const { LU, pivots, codes } = luPacked(A);
  const message = singularMessage('torch.linalg.lu_factor', codes, A._shape.length > 2);
  if (message !== null) throw new Error(message);
  return namedTuple({ LU: recordLuFactor(A, LU, pivots), pivots }) as unknown as LuFactorResult;
}

/**
 * luFactor without raising for a singular matrix: `info` (int32, one per matrix) is 0, or
 * the 1-based index of the first zero on U's diagonal. `checkErrors: true` raises instead.
 * @example const { LU, pivots, info } = torch.linalg.luFactorEx(A);
 */
export function luFactorEx(A: Tensor, options?: LuFactorExOptions): LuFactorExResult {
  checkOptions(options, 'linalg.lu_factor_ex', LU_EX_KEYS);
  checkLuInput(A, 'linalg.lu_factor_ex', options?.pivot ?? true);
  const { LU, pivots, codes } = luPacked(A);
  if (options?.checkErrors) {
    const message = singularMessage('torch.linalg.lu_factor_ex', codes, A._shape.length > 2);
    if (message !== null) throw new Error(message);
  }
  const info = tensor(codes, { dtype: int32, device: A.device }).reshape(A._shape.slice(0, -2));
  return namedTuple({ LU: recordLuFactor(A, LU, pivots), pivots, info }) as unknown as LuFactorExResult;
}

/**
 * The LU factorization A = P L U with partial pivoting: P a permutation matrix [..., m, m],
 * L unit lower triangular [..., m, k], U upper triangular [..., k, n] (k = min(m, n)).
 * Singular matrices factor too. L and U carry PyTorch's gradient; P has none.
 * @example const { P, L, U } = torch.linalg.lu(A); // P.matmul(L).matmul(U) equals A
 */
export function lu(A: Tensor, options?: LuOptions): LuResult {
  checkOptions(options, 'linalg.lu', LU_KEYS);
  checkLuInput(A, 'linalg.lu', options?.pivot ?? true);
  const { LU, pivots } = luPacked(A);
  const [m] = A._shape.slice(-2);
  const P = permutationOf(pivots, m, A);
  const [L, U] = unpackFactors(LU);
  LU.dispose();
  pivots.dispose();
  record(L, 'LinalgLuBackward0', [A], luBackward('L', P, L, U));
  record(U, 'LinalgLuBackward0', [A], luBackward('U', P, L, U));
  return namedTuple({ P, L, U }) as unknown as LuResult;
}

/** linalg.lu's backward for L or U (the gradient is linear in both: the two nodes sum to PyTorch's one). */
function luBackward(which: 'L' | 'U', P: Tensor, L: Tensor, U: Tensor): (node: Node) => Backward {
  return (node) => {
    const sP = node.save(P);
    const sL = node.save(L);
    const sU = node.save(U);
    return (g) => [linalgLuBackward(which === 'L' ? g : null, which === 'U' ? g : null, sP(), sL(), sU())];
  };
}

/**
 * PyTorch's linalg_lu_backward: the gradient of A = P L U given those of L and U (either
 * may be absent), for square, wide and tall A. Only L's strictly lower and U's upper part
 * vary, so only those parts of gL and gU count.
 */
function linalgLuBackward(gL: Tensor | null, gU: Tensor | null, P: Tensor, L: Tensor, U: Tensor): Tensor {
  const m = L._shape[L._shape.length - 2];
  const n = U._shape[U._shape.length - 1];
  const k = Math.min(m, n);
  const lowerInvT = (X: Tensor, Lk: Tensor) => solveTriangular(mT(Lk), X, { upper: true, unitriangular: true });
  const upperInvTRight = (X: Tensor, Uk: Tensor) => solveTriangular(mT(Uk), X, { upper: false, left: false });
  let gA: Tensor;
  if (m === n) {
    // gA = P L⁻ᵀ [tril₋₁(Lᵀ gL) + triu(gU Uᵀ)] U⁻ᵀ
    let X: Tensor | null = gL ? tril(matmul(mT(L), gL), -1) : null;
    if (gU) X = X ? add(X, triu(matmul(gU, mT(U)))) : triu(matmul(gU, mT(U)));
    gA = lowerInvT(upperInvTRight(X!, U), L);
  } else if (m < n) {
    // Wide: gA₁ = P L⁻ᵀ [tril₋₁(Lᵀ gL - triu(gU) Uᵀ) U₁⁻ᵀ + triu(gU₁)], gA₂ = P L⁻ᵀ gU₂.
    const U1 = narrow(U, -1, 0, k);
    let X: Tensor | null = gL ? matmul(mT(L), gL) : null;
    if (gU) {
      const t = matmul(triu(gU), mT(U));
      X = X ? sub(X, t) : neg(t);
    }
    X = upperInvTRight(tril(X!, -1), U1);
    if (gU) X = cat([add(X, triu(narrow(gU, -1, 0, k))), narrow(gU, -1, k, n - k)], -1);
    gA = lowerInvT(X, L);
    if (!gU) gA = cat([gA, zerosOf([...gA._shape.slice(0, -1), n - k], gA)], -1);
  } else {
    // Tall: gA₁ = P [L₁⁻ᵀ triu(gU Uᵀ - Lᵀ tril₋₁(gL)) + tril₋₁(gL₁)] U⁻ᵀ, gA₂ = P gL₂ U⁻ᵀ.
    const L1 = narrow(L, -2, 0, k);
    let X: Tensor | null = gU ? matmul(gU, mT(U)) : null;
    if (gL) {
      const t = matmul(mT(L), tril(gL, -1));
      X = X ? sub(X, t) : neg(t);
    }
    X = lowerInvT(triu(X!), L1);
    if (gL) X = cat([add(X, tril(narrow(gL, -2, 0, k), -1)), narrow(gL, -2, k, m - k)], -2);
    gA = upperInvTRight(X, U);
    if (!gL) gA = cat([gA, zerosOf([...gA._shape.slice(0, -2), m - k, n], gA)], -2);
  }
  return matmul(P, gA);
}

/**
 * Unpacks luFactor's packed `LU` and `pivots` into P, L and U (A = P L U).
 * `unpackData: false` leaves L and U empty, `unpackPivots: false` leaves P empty (as PyTorch).
 * L and U carry the gradient to LU; P has none.
 * @example const [P, L, U] = torch.luUnpack(...torch.linalg.luFactor(A));
 */
export function luUnpack(LU: Tensor, pivots: Tensor, unpackData = true, unpackPivots = true): LuResult {
  if (!(LU instanceof Tensor)) throw new TypeError(`lu_unpack(): argument 'LU_data' (position 1) must be Tensor, not ${typeof LU}`);
  if (!(pivots instanceof Tensor)) throw new TypeError(`lu_unpack(): argument 'LU_pivots' (position 2) must be Tensor, not ${typeof pivots}`);
  checkBoolean(unpackData, 'lu_unpack', 'unpack_data');
  checkBoolean(unpackPivots, 'lu_unpack', 'unpack_pivots');
  if (LU._shape.length < 2) throw new Error(`torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: [${LU._shape.join(', ')}] instead`);
  const [m, n] = LU._shape.slice(-2);
  const k = Math.min(m, n);
  const empty = () => emptyKernel([0], LU._dtype, LU.device);
  let P = empty();
  if (unpackPivots) {
    if (pivots._dtype !== int32) {
      throw new Error('torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\nNote: this function is intended to be used with the output produced by torch.linalg.lu_factor');
    }
    // PyTorch 1.13 reads pivots of another shape out of bounds; they are an error here.
    const want = [...LU._shape.slice(0, -2), k];
    if (pivots._shape.length !== want.length || pivots._shape.some((s, i) => s !== want[i])) {
      throw new Error(`torch.lu_unpack: Expected LU_pivots of shape [${want.join(', ')}] (LU.shape[:-2] + [min(m, n)]), but got [${pivots._shape.join(', ')}]`);
    }
    P = permutationOf(pivots, m, LU);
  }
  if (!unpackData) return namedTuple({ P, L: empty(), U: empty() }) as unknown as LuResult;
  const [L, U] = unpackFactors(LU);
  record(L, 'LuUnpackBackward0', [LU], unpackBackward('L', m, n));
  record(U, 'LuUnpackBackward0', [LU], unpackBackward('U', m, n));
  return namedTuple({ P, L, U }) as unknown as LuResult;
}

/** lu_unpack's backward for L or U, built here so that the closure holds no tensor. */
function unpackBackward(which: 'L' | 'U', m: number, n: number): (node: Node) => Backward {
  return () => (g) => [which === 'L' ? luUnpackBackward(g, null, m, n) : luUnpackBackward(null, g, m, n)];
}

/** PyTorch's lu_unpack_backward: L's strictly lower and U's upper part, placed back where LU holds them. */
function luUnpackBackward(gL: Tensor | null, gU: Tensor | null, m: number, n: number): Tensor {
  if (gL) {
    const lower = tril(gL, -1);
    return m >= n ? lower : cat([lower, zerosOf([...gL._shape.slice(0, -1), n - m], gL)], -1);
  }
  const upper = triu(gU!);
  return n >= m ? upper : cat([upper, zerosOf([...gU!._shape.slice(0, -2), m - n, n], gU!)], -2);
}
