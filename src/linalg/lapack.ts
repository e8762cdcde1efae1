/**
 * The LAPACK kernels (native/cpu/linalg.cc) behind torch.linalg, without autograd: batch
 * dims folded into one, operands made contiguous, results unfolded, and LAPACK's `info`
 * codes turned into PyTorch's errors. The ops in this folder add the gradients.
 */
import * as call from '../native/calls.generated.js';
import type { Handle } from '../native/addon.js';
import { fresh, layoutOf } from '../native/meta.js';
import type { DType } from '../tensor/dtype.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { Tensor, fromHandle } from '../tensor/tensor.js';
import { shapeNumel } from '../tensor/shape.js';
import { copyKernel, emptyKernel } from '../ops/tensor-kernels.js';

/** Checks what every torch.linalg function taking matrices checks, with PyTorch's words. @internal */
export function checkMatrices(x: Tensor, fn: string, square = false, arg = 'A'): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}(): argument '${arg}' must be Tensor, not ${typeof x}`);
  if (x._shape.length < 2) throw new Error(`${fn}: The input tensor ${arg} must have at least 2 dimensions.`);
  checkFloat(x, fn);
  const [m, n] = x._shape.slice(-2);
  if (square && m !== n) throw new Error(`${fn}: ${arg} must be batches of square matrices, but they are ${m} by ${n} matrices`);
}

/** float32/float64 on the CPU, as the LAPACK kernels need. @internal */
export function checkFloat(x: Tensor, fn: string): void {
  const dtype = x._dtype.name;
  if (dtype === 'float16' || dtype === 'bfloat16') throw new Error(`${fn}: Low precision dtypes not supported. Got ${scalarTypeName(x._dtype)}`);
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`${fn}: Expected a floating point or complex tensor as input. Got ${scalarTypeName(x._dtype)}`);
  }
  if (x.device.type === 'cuda') throw new Error(`torch.${fn} is not implemented on CUDA yet`);
}

/** `x` as a contiguous [batch, rows, cols] view (a copy when it is not contiguous). */
function asBatch(x: Tensor): { view: ReturnType<typeof layoutOf>; copy: Tensor | null } {
  const rows = x._shape[x._shape.length - 2];
  const cols = x._shape[x._shape.length - 1];
  const batch = shapeNumel(x._shape.slice(0, -2));
  let copy: Tensor | null = null;
  let src = x;
  if (!x.isContiguous()) {
    copy = emptyKernel(x._shape.slice(), x._dtype, x.device);
    copyKernel(copy, x);
    src = copy;
  }
  return { view: layoutOf(src, x._dtype, src._offset, [batch, rows, cols], [rows * cols, cols, 1]), copy };
}

/** Runs `fn` with `x` as a contiguous batch, freeing any copy after. */
function withBatch<T>(xs: Tensor[], fn: (...views: ReturnType<typeof layoutOf>[]) => T): T {
  const batches = xs.map(asBatch);
  try {
    return fn(...batches.map((b) => b.view));
  } finally {
    for (const b of batches) b.copy?.dispose();
  }
}

/** LAPACK's per-matrix info codes, read and released. */
function readInfo(handle: Handle, batch: number, dtype: DType, x: Tensor): number[] {
  const t = fromHandle(handle, [batch], dtype, x.device);
  const codes = Array.from(t.dataSync() as Float32Array | Float64Array);
  t.dispose();
  return codes;
}

/**
 * The error torch.linalg raises when a matrix defeats the factorization (singular, not
 * positive-definite, no convergence), as `torch.linalg.LinAlgError`: catch it by class.
 * @example try { torch.linalg.cholesky(A) } catch (e) { if (e instanceof torch.linalg.LinAlgError) jitter(A) }
 */
export class LinAlgError extends Error {
  /** @internal */
  constructor(message: string) {
    super(message);
    this.name = 'LinAlgError';
  }
}

/** Throws PyTorch's error (a LinAlgError) for the first failed matrix of a batch, prefixed as PyTorch does when batched. @internal */
export function raise(codes: number[], batched: boolean, message: (info: number) => string): void {
  const at = codes.findIndex((c) => c !== 0);
  if (at < 0) return;
  const [prefix, rest] = message(codes[at]).split(/: (.*)/s);
  throw new LinAlgError(batched ? `${prefix}: (Batch element ${at}): ${rest}` : `${prefix}: ${rest}`);
}

const batchShape = (x: Tensor) => x._shape.slice(0, -2);
const batchOf = (x: Tensor) => shapeNumel(batchShape(x));

/** The singular-matrix error of the LU-based functions (inv, solve). @internal */
export type SingularMessage = (info: number) => string;

/**
 * LU with partial pivoting: the packed factors, the 1-based pivots (as x's dtype) and LAPACK's info codes.
 * @internal
 */
export function luRaw(x: Tensor): { lu: Tensor; pivots: Tensor; info: number[] } {
  const n = x._shape[x._shape.length - 1];
  const b = batchOf(x);
  const [lu, pivots, info] = withBatch([x], (v) => call.linalgLu(fresh(x._dtype, [b, n, n]), fresh(x._dtype, [b, n]), fresh(x._dtype, [b]), v));
  return {
    lu: fromHandle(lu, x._shape.slice(), x._dtype, x.device),
    pivots: fromHandle(pivots, [...batchShape(x), n], x._dtype, x.device),
    info: readInfo(info, b, x._dtype, x),
  };
}

/** A X = B for a batch (a [..., n, n], b [..., n, k], batch dims equal), raising `message` for a singular A. @internal */
export function solveRaw(a: Tensor, b: Tensor, message: SingularMessage): Tensor {
  const [result, codes] = solveCodes(a, b);
  try {
    raise(codes, a._shape.length > 2, message);
  } catch (e) {
    result.dispose();
    throw e;
  }
  return result;
}

/**
 * gesv's solution and each matrix's info code (0, or the 1-based index of U's first zero
 * pivot, where the solution is B unchanged). @internal
 */
export function solveCodes(a: Tensor, b: Tensor): [Tensor, number[]] {
  const n = a._shape[a._shape.length - 1];
  const k = b._shape[b._shape.length - 1];
  const count = batchOf(a);
  const [out, info] = withBatch([a, b], (va, vb) =>
    call.linalgSolve(fresh(a._dtype, [count, n, k]), fresh(a._dtype, [count]), va, vb),
  );
  return [fromHandle(out, b._shape.slice(), a._dtype, a.device), readInfo(info, count, a._dtype, a)];
}

/** The lower Cholesky factor and each matrix's LAPACK info code (0: positive-definite). @internal */
export function choleskyCodes(x: Tensor): [Tensor, number[]] {
  const n = x._shape[x._shape.length - 1];
  const count = batchOf(x);
  const [out, info] = withBatch([x], (v) => call.linalgCholesky(fresh(x._dtype, [count, n, n]), fresh(x._dtype, [count]), v));
  return [fromHandle(out, x._shape.slice(), x._dtype, x.device), readInfo(info, count, x._dtype, x)];
}

/** Throws PyTorch's not-positive-definite error for the first failed matrix. @internal */
export function raiseNotPositiveDefinite(codes: number[], batched: boolean, fn: string): void {
  raise(codes, batched, (i) =>
    `${fn}: The factorization could not be completed because the input is not positive-definite (the leading minor of order ${i} is not positive-definite).`);
}

/** The lower Cholesky factor, raising PyTorch's not-positive-definite error. @internal */
export function choleskyRaw(x: Tensor, fn: string): Tensor {
  const [result, codes] = choleskyCodes(x);
  try {
    raiseNotPositiveDefinite(codes, x._shape.length > 2, fn);
  } catch (e) {
    result.dispose();
    throw e;
  }
  return result;
}

/** Q and R, Q with min(m, n) or m (complete) columns. @internal */
export function qrRaw(x: Tensor, complete: boolean): [Tensor, Tensor] {
  const [m, n] = x._shape.slice(-2);
  const c = complete ? m : Math.min(m, n);
  const count = batchOf(x);
  const [q, r] = withBatch([x], (v) => call.linalgQr(fresh(x._dtype, [count, m, c]), fresh(x._dtype, [count, c, n]), v));
  return [fromHandle(q, [...batchShape(x), m, c], x._dtype, x.device), fromHandle(r, [...batchShape(x), c, n], x._dtype, x.device)];
}

/** LAPACK's packed QR (geqrf): the reflectors below R in `a`, and their scalars. @internal */
export function geqrfRaw(x: Tensor): [Tensor, Tensor] {
  const [m, n] = x._shape.slice(-2);
  const k = Math.min(m, n);
  const count = batchOf(x);
  const [a, tau] = withBatch([x], (v) => call.linalgGeqrf(fresh(x._dtype, [count, m, n]), fresh(x._dtype, [count, k]), v));
  return [fromHandle(a, x._shape.slice(), x._dtype, x.device), fromHandle(tau, [...batchShape(x), k], x._dtype, x.device)];
}

/**
 * op(Q)·C (`left`) or C·op(Q) for Q the product of geqrf's reflectors (LAPACK's ormqr).
 * The batch dims of `a`, `tau` and `c` agree (checked by the caller). @internal
 */
export function ormqrRaw(a: Tensor, tau: Tensor, c: Tensor, left: boolean, transpose: boolean): Tensor {
  const [m, n] = c._shape.slice(-2);
  const count = batchOf(c);
  const k = tau._shape[tau._shape.length - 1];
  // tau as one [count, k] row per matrix, through the same contiguous-batch path.
  const rows = tau.reshape([count, 1, k]);
  try {
    const out = withBatch([a, rows, c], (av, tv, cv) =>
      call.linalgOrmqr(fresh(c._dtype, [count, m, n]), av, layoutOf(tv as { _handle(): Handle }, c._dtype, tv._offset, [count, k], [k, 1]), cv, left, transpose),
    );
    return fromHandle(out, c._shape.slice(), c._dtype, c.device);
  } finally {
    if (rows !== tau) rows.dispose();
  }
}

/**
 * op(A) X = B (`left`) or X op(A) = B by BLAS trsm, reading A's `upper` or lower triangle (its
 * diagonal as ones when `unitriangular`); batch dims already agree. A whose transpose is
 * contiguous is read in place as that transpose, with the triangle and `transpose` flipped,
 * as PyTorch passes a column-major A to trsm: the same call, so the same rounding. @internal
 */
export function trsmRaw(A: Tensor, B: Tensor, left: boolean, upper: boolean, transpose: boolean, unitriangular: boolean): Tensor {
  const [m, n] = B._shape.slice(-2);
  const count = batchOf(B);
  const At = A._shape.length >= 2 && !A.isContiguous() ? A.mT : null;
  const byTranspose = At !== null && At.isContiguous();
  const a = byTranspose ? At : A;
  const out = withBatch([a, B], (av, bv) =>
    call.linalgTrsm(fresh(B._dtype, [count, m, n]), av, bv, left, byTranspose ? !upper : upper, byTranspose ? !transpose : transpose, unitriangular),
  );
  return fromHandle(out, B._shape.slice(), B._dtype, B.device);
}

/** Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading one triangle. @internal */
export function eighRaw(x: Tensor, upper: boolean, fn: string): [Tensor, Tensor] {
  const n = x._shape[x._shape.length - 1];
  const count = batchOf(x);
  const [w, v, info] = withBatch([x], (view) =>
    call.linalgEigh(fresh(x._dtype, [count, n]), fresh(x._dtype, [count, n, n]), fresh(x._dtype, [count]), view, upper),
  );
  const values = fromHandle(w, [...batchShape(x), n], x._dtype, x.device);
  const vectors = fromHandle(v, x._shape.slice(), x._dtype, x.device);
  try {
    raise(readInfo(info, count, x._dtype, x), x._shape.length > 2, (i) =>
      `${fn}: The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated eigenvalues (error code: ${i}).`);
  } catch (e) {
    values.dispose();
    vectors.dispose();
    throw e;
  }
  return [values, vectors];
}

/** U, S, Vh (reduced, or full with square U and Vh). @internal */
export function svdRaw(x: Tensor, full: boolean, fn: string): [Tensor, Tensor, Tensor] {
  const [m, n] = x._shape.slice(-2);
  const k = Math.min(m, n);
  const p = full ? m : k;
  const q = full ? n : k;
  const count = batchOf(x);
  const [u, s, vh, info] = withBatch([x], (view) =>
    call.linalgSvd(fresh(x._dtype, [count, m, p]), fresh(x._dtype, [count, k]), fresh(x._dtype, [count, q, n]), fresh(x._dtype, [count]), view),
  );
  const outs: [Tensor, Tensor, Tensor] = [
    fromHandle(u, [...batchShape(x), m, p], x._dtype, x.device),
    fromHandle(s, [...batchShape(x), k], x._dtype, x.device),
    fromHandle(vh, [...batchShape(x), q, n], x._dtype, x.device),
  ];
  try {
    raise(readInfo(info, count, x._dtype, x), x._shape.length > 2, (i) =>
      `${fn}: The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values (error code: ${i}).`);
  } catch (e) {
    for (const t of outs) t.dispose();
    throw e;
  }
  return outs;
}

/** gelsy's least-squares solution [..., n, k] and each matrix's effective rank. @internal */
export function lstsqRaw(a: Tensor, b: Tensor, rcond: number): [Tensor, number[]] {
  const [, n] = a._shape.slice(-2);
  const k = b._shape[b._shape.length - 1];
  const count = batchOf(a);
  const [sol, rank] = withBatch([a, b], (va, vb) =>
    call.linalgLstsq(fresh(a._dtype, [count, n, k]), fresh(a._dtype, [count]), va, vb, rcond),
  );
  return [fromHandle(sol, [...batchShape(a), n, k], a._dtype, a.device), readInfo(rank, count, a._dtype, a)];
}
