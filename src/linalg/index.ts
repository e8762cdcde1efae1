/**
 * `torch.linalg`: factorizations over LAPACK (CPU; CUDA refuses them until cuSOLVER),
 * solvers, determinants, norms and the cross product, with PyTorch's gradients.
 * @example
 * const { Q, R } = torch.linalg.qr(A);
 * const x = torch.linalg.solve(A, b);
 */
export { inv, solve, cholesky, choleskyEx, qr, eigh, eigvalsh, svd, svdvals } from './decompositions.js';
export type { SolveOptions, CholeskyOptions, CholeskyExOptions, CholeskyExResult, QrOptions, QrResult, EighResult, SvdOptions, SvdResult } from './decompositions.js';
export { det, slogdet } from './determinants.js';
export type { SlogdetResult } from './determinants.js';
export { pinv, lstsq, matrixRank } from './least-squares.js';
export type { RankOptions, LstsqOptions, LstsqResult } from './least-squares.js';
export { norm, vectorNorm, matrixNorm } from './norms.js';
export type { VectorNormOptions, MatrixNormOrder } from './norms.js';
export { matrixPower, multiDot, vecdot, cond, solveTriangular } from './extras.js';
export type { SolveTriangularOptions } from './extras.js';
export { linalgCross as cross } from '../ops/linalg-products.js';
export type { CrossOptions } from '../ops/linalg-products.js';
export { matmul } from '../ops/linalg.js';
export { luFactor, luFactorEx, lu } from './lu.js';
export type { LuOptions, LuFactorExOptions, LuFactorResult, LuFactorExResult, LuResult } from './lu.js';
export { luSolve } from './lu-solve.js';
export type { LuSolveOptions } from './lu-solve.js';
export { matrixExp } from './matrix-exp.js';
export { householderProduct, diagonal, vander } from './structure.js';
export type { LinalgDiagonalOptions, LinalgVanderOptions } from './structure.js';
export { invEx, solveEx, tensorinv, tensorsolve } from './solvers-ex.js';
export { LinAlgError } from './lapack.js';
export type { InvExOptions, InvExResult, SolveExOptions, SolveExResult, TensorinvOptions, TensorsolveOptions } from './solvers-ex.js';
