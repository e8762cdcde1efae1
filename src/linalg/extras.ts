/**
 * The smaller torch.linalg functions, composed from the factorizations and products (so
 * their gradients come from those): matrixPower, multiDot, vecdot, cond; and
 * solveTriangular (BLAS trsm), choleskySolve and choleskyInverse, which carry PyTorch's own backward.
 */
import { checkInteger, checkOptions, keysOf } from '../tensor/args.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, mul, neg } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { amax, amin, sum, sumTo } from '../ops/reduce.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/function.js';
import { checkMatrices, trsmRaw } from './lapack.js';
import { broadcastShapes } from '../tensor/shape.js';
import { contiguous, expand, toDtype } from '../ops/shape.js';
import { inv, svdvals } from './decompositions.js';
import { eyeLike, scoped, tril, triu } from './matrix-helpers.js';
import { type MatrixNormOrder, matrixNorm } from './norms.js';

/**
 * A square matrix to an integer power (n < 0 inverts first; n = 0 gives the identity).
 * @example torch.linalg.matrixPower(A, 3); torch.linalg.matrixPower(A, -1)
 */
export function matrixPower(A: Tensor, n: number): Tensor {
  checkInteger(n, 'linalg.matrix_power', 'n');
  if (!(A instanceof Tensor)) throw new TypeError(`linalg_matrix_power(): argument 'input' (position 1) must be Tensor, not ${typeof A}`);
  if (A._shape.length < 2) throw new Error('linalg.matrix_power: The input tensor A must have at least 2 dimensions.');
  const [rows, cols] = A._shape.slice(-2);
  if (rows !== cols) throw new Error(`linalg.matrix_power: A must be batches of square matrices, but they are ${rows} by ${cols} matrices`);
  // A⁰ is I, connected to A (with a zero gradient) as PyTorch's copy is.
  if (n === 0) return add(mul(A, 0), eyeLike(A, rows));
  let base = n < 0 ? inv(A) : A;
  let k = Math.abs(n);
  if (k === 1) return n < 0 ? base : A.clone();
  // Square-and-multiply, as PyTorch's.
  let result: Tensor | null = null;
  for (;;) {
    if (k & 1) result = result === null ? base : matmul(result, base);
    k >>= 1;
    if (k === 0) break;
    base = matmul(base, base);
  }
  return result!;
}

/**
 * The product of a chain of matrices (the first may be a vector, as may the last).
 * @example torch.linalg.multiDot([a, b, c])
 */
export function multiDot(tensors: Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length < 2) {
    throw new Error(`multi_dot(): expected at least 2 tensors but got ${Array.isArray(tensors) ? tensors.length : 0}`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`multi_dot(): argument 'tensors' must be a list of Tensors, not ${typeof t} at ${i}`);
    const last = i === 0 || i === tensors.length - 1;
    const ok = t._shape.length === 2 || (last && t._shape.length === 1);
    if (!ok) {
      throw new Error(i === 0 || i === tensors.length - 1
        ? `multi_dot(): the ${i === 0 ? 'first' : 'last'} tensor must be 1D or 2D but got ${t._shape.length}D`
        : `multi_dot(): tensor ${i} must be 2D but got ${t._shape.length}D`);
    }
  });
  return tensors.slice(1).reduce((acc, t) => matmul(acc, t), tensors[0]);
}

/**
 * The dot product of vectors along `dim` (default -1), broadcasting the rest.
 * @example torch.linalg.vecdot(x, y); torch.linalg.vecdot(x, y, { dim: 0 })
 */
export function vecdot(x: Tensor, y: Tensor, options?: { dim?: number }): Tensor {
  checkOptions(options, 'linalg.vecdot', keysOf<{ dim?: number }>()('dim'));
  const dim = options?.dim ?? -1;
  checkInteger(dim, 'linalg.vecdot', 'dim');
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new TypeError('linalg.vecdot(): arguments must be Tensors');
  return sum(mul(x, y), dim);
}

/**
 * The condition number in the `p` norm: σ_max/σ_min for p = null or 2 (σ_min/σ_max for -2), else ‖A‖ ‖A⁻¹‖.
 * @example torch.linalg.cond(A); torch.linalg.cond(A, 'fro')
 */
export function cond(A: Tensor, p: MatrixNormOrder | null = null): Tensor {
  checkMatrices(A, 'linalg.cond');
  if (p === null || p === 2 || p === -2) {
    return scoped([A], () => {
      const s = svdvals(A);
      const ratio = div(amax(s, -1), amin(s, -1));
      return p === -2 ? div(1, ratio) : ratio;
    });
  }
  checkMatrices(A, 'linalg.cond', true);
  return scoped([A], () => mul(matrixNorm(A, p), matrixNorm(inv(A), p)));
}

/**
 * The keywords of solveTriangular (`upper` is required, as in PyTorch).
 * @example torch.linalg.solveTriangular(A, B, { upper: true })
 */
export interface SolveTriangularOptions {
  upper: boolean;
  left?: boolean;
  unitriangular?: boolean;
}
const TRIANGULAR_KEYS = keysOf<SolveTriangularOptions>()('upper', 'left', 'unitriangular');

/**
 * Solves A X = B (or X A = B) for a triangular A, reading only its `upper` or lower triangle
 * (and taking its diagonal as ones with `unitriangular`), by BLAS trsm as PyTorch does. Batch
 * dims broadcast. A zero on the diagonal gives inf and NaN, as in PyTorch, not an error.
 * @example torch.linalg.solveTriangular(torch.tensor([[2, 1], [0, 4]], { dtype: torch.float64 }), b, { upper: true })
 */
export function solveTriangular(A: Tensor, B: Tensor, options: SolveTriangularOptions): Tensor {
  checkMatrices(A, 'linalg.solve_triangular', true);
  checkMatrices(B, 'linalg.solve_triangular', false, 'B');
  if (options === undefined || options === null || typeof options.upper !== 'boolean') {
    throw new TypeError("linalg_solve_triangular() missing required argument 'upper'");
  }
  checkOptions(options, 'linalg.solve_triangular', TRIANGULAR_KEYS);
  const { upper, left = true, unitriangular = false } = options;
  const n = A._shape[A._shape.length - 1];
  const [rows, cols] = B._shape.slice(-2);
  if ((left ? rows : cols) !== n) {
    throw new Error(`linalg.solve_triangular: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${A._shape.slice(-2).join('x')} and ${rows}x${cols})`);
  }
  const batch = broadcastShapes(A._shape.slice(0, -2), B._shape.slice(0, -2));
  // PyTorch copies B into a column-major out of A's dtype and solves there. The row-major
  // kernel solving the transposed equation on Bᵀ makes the same trsm call, and its result
  // transposed back is that column-major solution.
  const X = noGrad(() => {
    const columns = contiguous(expand(toDtype(B, A._dtype), [...batch, rows, cols]).mT);
    const Y = trsmRaw(expand(A, [...batch, n, n]), columns, !left, upper, true, unitriangular);
    if (columns._storage !== B._storage) columns.dispose();
    return Y.mT;
  });
  const [shapeA, shapeB, dtypeB] = [A._shape.slice(), B._shape.slice(), B._dtype];
  return record(X, 'LinalgSolveTriangularBackward0', [A, B], (node) => {
    const savedA = node.save(A);
    const savedX = node.save(X);
    const wantA = node.next[0] !== null;
    // PyTorch's linalg_solve_triangular_backward: gB = A⁻ᴴ gX (solved the same way), and
    // gA = -gB Xᴴ (or -Xᴴ gB) kept to A's triangle, without the diagonal when unitriangular.
    return (g) => {
      const a = savedA();
      const gB = solveTriangular(a.mT, g, { upper: !upper, left, unitriangular });
      let gA: Tensor | null = null;
      if (wantA) {
        const X = savedX();
        const full = neg(left ? matmul(gB, X.mT) : matmul(X.mT, gB));
        gA = sumTo(upper ? triu(full, unitriangular ? 1 : 0) : tril(full, unitriangular ? -1 : 0), shapeA);
      }
      return [gA, toDtype(sumTo(gB, shapeB), dtypeB)];
    };
  });
}

/**
 * Solves A X = B given the Cholesky factor of A (`L`, lower unless `upper`), by two
 * triangular solves: `torch.cholesky_solve(B, L, upper)`. Its gradient is PyTorch's, which
 * is a full matrix for L (not masked to its triangle).
 * @example torch.choleskySolve(b, torch.linalg.cholesky(A)) // A⁻¹ b
 */
export function choleskySolve(B: Tensor, L: Tensor, upper = false): Tensor {
  if (!(B instanceof Tensor)) throw new TypeError(`cholesky_solve(): argument 'input' must be Tensor, not ${typeof B}`);
  if (!(L instanceof Tensor)) throw new TypeError(`cholesky_solve(): argument 'input2' must be Tensor, not ${typeof L}`);
  if (typeof upper !== 'boolean') throw new TypeError(`cholesky_solve(): argument 'upper' must be a boolean, but got ${typeof upper}`);
  // PyTorch's messages, which call the factor A and the right-hand side b.
  if (B._shape.length < 2) throw new Error(`b should have at least 2 dimensions, but has ${B._shape.length} dimensions instead`);
  if (L._shape.length < 2) throw new Error(`u should have at least 2 dimensions, but has ${L._shape.length} dimensions instead`);
  const [n, m] = L._shape.slice(-2);
  if (n !== m) throw new Error(`A must be batches of square matrices, but they are ${n} by ${m} matrices`);
  if (B._shape[B._shape.length - 2] !== n) {
    throw new Error(`Incompatible matrix sizes for cholesky_solve: each A matrix is ${n} by ${n} but each b matrix is ${B._shape.slice(-2).join(' by ')}`);
  }
  checkMatrices(L, 'cholesky_solve', true, 'input2');
  checkMatrices(B, 'cholesky_solve', false, 'input');
  const X = noGrad(() => {
    // A = L Lᵀ (or Uᵀ U): solve with the lower factor, then with its transpose.
    const lower = upper ? L.mT : L;
    return solveTriangular(lower.mT, solveTriangular(lower, B, { upper: false }), { upper: true });
  });
  return record(X, 'CholeskySolveBackward0', [B, L], (node) => {
    const savedL = node.save(L);
    const savedX = node.save(X);
    const [shapeB, shapeL] = [B._shape.slice(), L._shape.slice()];
    return (g) => {
      const factor = savedL();
      const gB = choleskySolve(g, factor, upper);
      const common = matmul(gB, savedX().mT);
      const sym = add(common, common.mT);
      const gL = (upper ? matmul(factor, sym) : matmul(sym, factor)).neg();
      return [sumTo(gB, shapeB), sumTo(gL, shapeL)];
    };
  });
}
/**
 * The inverse of A given its Cholesky factor: `torch.cholesky_inverse(L, upper)`, with
 * PyTorch's backward.
 * @example torch.choleskyInverse(torch.linalg.cholesky(A)) // A⁻¹
 */
export function choleskyInverse(L: Tensor, upper = false): Tensor {
  checkMatrices(L, 'cholesky_inverse', true);
  if (typeof upper !== 'boolean') throw new TypeError(`cholesky_inverse(): argument 'upper' must be a boolean, but got ${typeof upper}`);
  const n = L._shape[L._shape.length - 1];
  const inverse = noGrad(() => choleskySolve(eyeLike(L, n), L, upper));
  return record(inverse, 'CholeskyInverseBackward0', [L], (node) => {
    const savedL = node.save(L);
    const savedInverse = node.save(inverse);
    return (g) => {
      const inv = savedInverse();
      const common = matmul(inv, matmul(add(g, g.mT), inv));
      return [(upper ? matmul(savedL(), common) : matmul(common, savedL())).neg()];
    };
  });
}
