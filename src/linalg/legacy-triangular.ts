/**
 * PyTorch 1.13's torch.triangular_solve(b, A): op(A) X = b for a triangular A, reading only
 * the triangle `upper` names (its diagonal taken as ones with `unitriangular`), with batch
 * dims broadcast, the solution and a copy of the broadcast A, and PyTorch's backward for
 * both (TriangularSolveBackward0), by BLAS trsm as PyTorch's CPU path: a zero on the diagonal
 * gives inf and NaN.
 */
import { checkBoolean, checkTensor } from '../tensor/args.js';
import type { Tensor } from '../tensor/tensor.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, shapeNumel } from '../tensor/shape.js';
import { record } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { neg } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { sumTo } from '../ops/reduce.js';
import { parseCall } from '../ops/rows.js';
import { clone, contiguous, expand } from '../ops/shape.js';
import { tril, triu } from '../ops/structured.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { tidy } from '../memory/storage.js';
import { trsmRaw } from './lapack.js';
import { checkLapackDtype, warnOnce } from './legacy.js';
import { mT, namedTuple } from './matrix-helpers.js';

const WARNING =
  'torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).';

/**
 * The options of torch.triangular_solve: `upper` (true) reads A's upper triangle, false its
 * lower one; `transpose` (false) solves Aᵀ X = b; `unitriangular` (false) takes A's diagonal
 * as ones without reading it.
 * @example torch.triangularSolve(b, A, { upper: false, transpose: true })
 */
export interface TriangularSolveOptions {
  upper?: boolean;
  transpose?: boolean;
  unitriangular?: boolean;
}

/**
 * torch.triangular_solve's result: `[solution, clonedCoefficient]`, or by name.
 * @example const { solution } = torch.triangularSolve(b, A);
 */
export type TriangularSolveResult = [Tensor, Tensor] & { readonly solution: Tensor; readonly clonedCoefficient: Tensor };

/**
 * `torch.triangular_solve(b, A, upper = true, transpose = false, unitriangular = false)`
 * (deprecated in 1.13, which warns once): the solution X of op(A) X = b (op(A) = Aᵀ with
 * `transpose`) for a triangular A given by its `upper` or lower triangle, and
 * `clonedCoefficient`, a copy of A broadcast to the batch. Batch dims broadcast; a zero on
 * A's diagonal gives inf and NaN as in PyTorch, not an error.
 * @example const { solution, clonedCoefficient } = torch.triangularSolve(b, A, false); // A lower triangular
 */
export function triangularSolve(
  b: Tensor,
  A: Tensor,
  upper?: boolean | TriangularSolveOptions,
  transpose?: boolean | TriangularSolveOptions,
  unitriangular?: boolean | TriangularSolveOptions,
  options?: TriangularSolveOptions,
): TriangularSolveResult {
  checkTensor(b, 'triangular_solve', 'input');
  checkTensor(A, 'triangular_solve', 'A');
  warnOnce('triangular_solve', WARNING);
  const a = parseCall<Required<TriangularSolveOptions>>(
    'triangular_solve', ['upper', 'transpose', 'unitriangular'], [],
    { upper: true, transpose: false, unitriangular: false }, [upper, transpose, unitriangular, options],
  );
  checkBoolean(a.upper, 'triangular_solve', 'upper');
  checkBoolean(a.transpose, 'triangular_solve', 'transpose');
  checkBoolean(a.unitriangular, 'triangular_solve', 'unitriangular');
  const shape = checkInputs(b, A);
  const [solution, cloned] = noGrad(() => tidy(() => forward(b, A, shape, a)));
  const [shapeB, shapeA] = [b._shape.slice(), A._shape.slice()];
  record(solution, 'TriangularSolveBackward0', [b, A], (node) => {
    const savedA = node.save(A);
    const savedX = node.save(solution);
    const [wantB, wantA] = [node.next[0] !== null, node.next[1] !== null];
    return (g) => {
      const other = triangularSolve(g, savedA(), a.upper, !a.transpose, a.unitriangular);
      const gB = other.solution;
      other.clonedCoefficient.dispose();
      let gA: Tensor | null = null;
      if (wantA) {
        const X = savedX();
        const full = a.transpose ? neg(matmul(X, mT(gB))) : neg(matmul(gB, mT(X)));
        gA = sumTo(a.upper ? triu(full, a.unitriangular ? 1 : 0) : tril(full, a.unitriangular ? -1 : 0), shapeA);
      }
      return [wantB ? sumTo(gB, shapeB) : null, gA];
    };
  });
  // The copy's gradient goes to A unmasked, as PyTorch adds grad_m to A's.
  record(cloned, 'TriangularSolveBackward0', [b, A], () => (g) => [null, sumTo(g, shapeA)]);
  return namedTuple({ solution, clonedCoefficient: cloned }) as unknown as TriangularSolveResult;
}

/** PyTorch's checks, in its order; returns the broadcast batch shape. */
function checkInputs(b: Tensor, A: Tensor): number[] {
  const fn = 'torch.triangular_solve';
  if (b._shape.length < 2) throw new Error(`${fn}: Expected b to have at least 2 dimensions, but it has ${b._shape.length} dimensions instead`);
  if (A._shape.length < 2) throw new Error(`${fn}: Expected A to have at least 2 dimensions, but it has ${A._shape.length} dimensions instead`);
  if (b._dtype !== A._dtype) {
    throw new Error(`Expected b and A to have the same dtype, but found b of type ${scalarTypeName(b._dtype)} and A of type ${scalarTypeName(A._dtype)} instead.`);
  }
  const [rows, n] = A._shape.slice(-2);
  if (rows !== n) throw new Error(`A must be batches of square matrices, but they are ${rows} by ${n} matrices`);
  const [bRows, bCols] = b._shape.slice(-2);
  if (bRows !== n) {
    throw new Error(`Incompatible matrix sizes for triangular_solve: each A matrix is ${n} by ${n} but each b matrix is ${bRows} by ${bCols}`);
  }
  const batch = broadcastShapes(b._shape.slice(0, -2), A._shape.slice(0, -2));
  checkLapackDtype(A, 'triangular_solve_cpu', 'triangular_solve');
  return batch;
}

/**
 * The solution and the broadcast copy of A, without a graph. PyTorch 1.13 copies A and b into
 * column-major buffers and calls trsm on them; the row-major kernel given those buffers as Aᵀ
 * and bᵀ, solving Y op(Aᵀ) = bᵀ, makes the same call. So the solution is Yᵀ, column-major as
 * PyTorch's is.
 */
function forward(b: Tensor, A: Tensor, batch: number[], o: Required<TriangularSolveOptions>): [Tensor, Tensor] {
  const n = A._shape[A._shape.length - 1];
  const k = b._shape[b._shape.length - 1];
  const cloned = clone(expand(A, [...batch, n, n]));
  if (n === 0 || k === 0 || shapeNumel(batch) === 0) return [emptyKernel([...batch, n, k], b._dtype, b.device), cloned];
  const columnsA = contiguous(mT(cloned));
  const columnsB = contiguous(mT(expand(b, [...batch, n, k])));
  const Y = trsmRaw(columnsA, columnsB, false, !o.upper, o.transpose, o.unitriangular);
  return [mT(Y), cloned];
}
