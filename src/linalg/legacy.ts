/**
 * The torch-level linear algebra of PyTorch 1.13 that predates torch.linalg: torch.svd (U, S,
 * V, over linalg.svd), torch.qr (over linalg.qr), torch.cholesky and torch.symeig (each
 * reading one triangle, with their own grad_fn names), and the names 1.13 keeps only to
 * raise (eig, lstsq, solve, matrix_rank). torch.triangular_solve is in legacy-triangular.ts,
 * geqrf and ormqr in legacy-householder.ts. The deprecated ones warn once, as 1.13's
 * TORCH_WARN_ONCE does.
 */
import { checkBoolean, checkTensor } from '../tensor/args.js';
import type { Tensor } from '../tensor/tensor.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { record, renameGradFn } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, mul, sub } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { emptyKernel } from '../ops/tensor-kernels.js';
import { zerosOf } from '../ops/internal-tensors.js';
import { parseCall } from '../ops/rows.js';
import { contiguous } from '../ops/shape.js';
import { checkFloat, choleskyCodes, eighRaw, raiseNotPositiveDefinite } from './lapack.js';
import { eigh, inv, qr as linalgQr, svd as linalgSvd, svdvals, type QrResult } from './decompositions.js';
import { diagEmbed, diagonal, mT, namedTuple, tril } from './matrix-helpers.js';

import { warnOnce } from '../utils/warn-once.js';
export { warnOnce };

/** The message of ATen's dtype dispatch for a kernel that has no such dtype. @internal */
export function notImplementedFor(kernel: string, x: Tensor): string {
  return `"${kernel}" not implemented for '${scalarTypeName(x._dtype)}'`;
}

/** float32/float64, else the dispatch error of `kernel`; CUDA is refused as torch.linalg refuses it. @internal */
export function checkLapackDtype(x: Tensor, kernel: string, fn: string): void {
  const name = x._dtype.name;
  if (name !== 'float32' && name !== 'float64') throw new Error(notImplementedFor(kernel, x));
  checkFloat(x, fn);
}

/**
 * The options of torch.svd: `some` (true) gives the reduced factors, `computeUv` (true)
 * computes U and V (false leaves them zero).
 * @example torch.svd(A, { some: false })
 */
export interface SvdLegacyOptions {
  some?: boolean;
  computeUv?: boolean;
}

/** torch.svd's result: `[U, S, V]`, or `.U`, `.S`, `.V`. @example const { U, S, V } = torch.svd(A); */
export type SvdLegacyResult = [Tensor, Tensor, Tensor] & { readonly U: Tensor; readonly S: Tensor; readonly V: Tensor };

/**
 * `torch.svd(input, some = true, computeUv = true)`: A = U diag(S) Vᵀ, with V (not Vh, a
 * transposed view of linalg.svd's) and singular values descending. `some: false` gives the
 * square U and V; `computeUv: false` returns U ([..., m, m]) and V ([..., n, n]) filled with
 * zeros. The gradient is linalg.svd's.
 * @example const [U, S, V] = torch.svd(A); const { S: s } = torch.svd(A, true, false);
 */
export function torchSvd(
  input: Tensor,
  some?: boolean | SvdLegacyOptions,
  computeUv?: boolean | SvdLegacyOptions,
  options?: SvdLegacyOptions,
): SvdLegacyResult {
  checkTensor(input, 'svd', 'input');
  const a = parseCall<Required<SvdLegacyOptions>>('svd', ['some', 'computeUv'], [], { some: true, computeUv: true }, [some, computeUv, options]);
  checkBoolean(a.some, 'svd', 'some');
  checkBoolean(a.computeUv, 'svd', 'computeUv');
  const dims = input._shape.length;
  if (dims < 2) throw new Error(`linalg.svd: input should have at least 2 dimensions, but has ${dims} dimensions instead`);
  if (input._dtype.name === 'float16' || input._dtype.name === 'bfloat16') throw new Error(notImplementedFor('linalg_svd_cpu', input));
  // Before svdvals, which would name itself: 1.13's torch.svd reports linalg.svd either way.
  if (!input._dtype.isFloatingPoint) throw new Error(`linalg.svd: Expected a floating point or complex tensor as input. Got ${scalarTypeName(input._dtype)}`);
  if (a.computeUv) {
    const { U, S, Vh } = linalgSvd(input, { fullMatrices: !a.some });
    return namedTuple({ U, S, V: mT(Vh) }) as unknown as SvdLegacyResult;
  }
  const S = svdvals(input);
  const [m, n] = input._shape.slice(-2);
  const batch = input._shape.slice(0, -2);
  return namedTuple({ U: zerosOf([...batch, m, m], input), S, V: zerosOf([...batch, n, n], input) }) as unknown as SvdLegacyResult;
}

const QR_WARNING =
  "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')";

/**
 * The options of torch.qr: `some` (true) gives the reduced factors, false the complete ones.
 * @example torch.qr(A, { some: false })
 */
export interface QrLegacyOptions {
  some?: boolean;
}

/**
 * `torch.qr(input, some = true)` (deprecated in 1.13, which warns once): linalg.qr in mode
 * 'reduced', or 'complete' with `some: false`, and its gradient.
 * @example const { Q, R } = torch.qr(A); const [Qc, Rc] = torch.qr(A, false);
 */
export function torchQr(input: Tensor, some?: boolean | QrLegacyOptions, options?: QrLegacyOptions): QrResult {
  checkTensor(input, 'qr', 'input');
  warnOnce('qr', QR_WARNING);
  const a = parseCall<Required<QrLegacyOptions>>('qr', ['some'], [], { some: true }, [some, options]);
  checkBoolean(a.some, 'qr', 'some');
  if (input._shape.length >= 2 && (input._dtype.name === 'float16' || input._dtype.name === 'bfloat16')) {
    throw new Error(notImplementedFor('geqrf_cpu', input));
  }
  return linalgQr(input, a.some ? 'reduced' : 'complete');
}

const CHOLESKY_WARNING =
  'torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH().\nThis transform will produce equivalent results for all valid (symmetric positive definite) inputs.';

/** squareCheckInputs's messages, under the name `fn`. @internal */
export function checkSquare(x: Tensor, fn: string): void {
  if (x._shape.length < 2) throw new Error(`${fn}: The input tensor A must have at least 2 dimensions.`);
  const [m, n] = x._shape.slice(-2);
  if (m !== n) throw new Error(`${fn}: A must be batches of square matrices, but they are ${m} by ${n} matrices`);
}

/**
 * The options of torch.cholesky: `upper` returns U (A = Uᵀ U) read from A's upper triangle.
 * @example torch.cholesky(A, { upper: true })
 */
export interface CholeskyLegacyOptions {
  upper?: boolean;
}

/**
 * `torch.cholesky(input, upper = false)` (deprecated in 1.13, which warns once): the lower
 * factor L (A = L Lᵀ) from A's lower triangle, or with `upper` the upper factor U (A = Uᵀ U)
 * from its upper triangle. An empty input is returned as an empty tensor of any dtype and
 * shape, as in PyTorch. Its gradient is PyTorch's symmetrized one (CholeskyBackward0).
 * @example const L = torch.cholesky(A); const U = torch.cholesky(A, true);
 */
export function torchCholesky(input: Tensor, upper?: boolean | CholeskyLegacyOptions, options?: CholeskyLegacyOptions): Tensor {
  checkTensor(input, 'cholesky', 'input');
  warnOnce('cholesky', CHOLESKY_WARNING);
  const a = parseCall<Required<CholeskyLegacyOptions>>('cholesky', ['upper'], [], { upper: false }, [upper, options]);
  checkBoolean(a.upper, 'cholesky', 'upper');
  const up = a.upper;
  if (input.numel() === 0) {
    const empty = emptyKernel(input._shape.slice(), input._dtype, input.device);
    const shape = input._shape.slice();
    return record(empty, 'CholeskyBackward0', [input], () => (g) => [zerosOf(shape, g)]);
  }
  checkSquare(input, 'cholesky');
  checkLapackDtype(input, 'cholesky_cpu', 'cholesky');
  // The upper factor of A's upper triangle is the transposed lower factor of Aᵀ's lower one.
  const source = up ? noGrad(() => contiguous(mT(input))) : input;
  const [L, codes] = choleskyCodes(source);
  if (source !== input) source.dispose();
  try {
    raiseNotPositiveDefinite(codes, input._shape.length > 2, 'cholesky');
  } catch (e) {
    L.dispose();
    throw e;
  }
  const out = up ? contiguous(mT(L)) : L;
  if (up) L.dispose();
  return record(out, 'CholeskyBackward0', [input], (node) => {
    const saved = node.save(out);
    return (g) => [choleskyBackward(g, saved(), up)];
  });
}

/** PyTorch 1.13's cholesky_backward (Murray 2016), symmetrized. */
function choleskyBackward(g: Tensor, factor: Tensor, upper: boolean): Tensor {
  const L = upper ? mT(factor) : factor;
  const gL = upper ? mT(g) : g;
  const Linv = inv(L);
  let phi = tril(matmul(mT(L), gL));
  phi = sub(phi, diagEmbed(mul(diagonal(phi), 0.5)));
  const gA = matmul(matmul(mT(Linv), phi), Linv);
  return mul(add(gA, mT(gA)), 0.5);
}

const SYMEIG_WARNING =
  "torch.symeig is deprecated in favor of torch.linalg.eigh and will be removed in a future PyTorch release.\nThe default behavior has changed from using the upper triangular portion of the matrix by default to using the lower triangular portion.\nL, _ = torch.symeig(A, upper=upper)\nshould be replaced with\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\nand\nL, V = torch.symeig(A, eigenvectors=True)\nshould be replaced with\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')";

const SYMEIG_NO_VECTORS = 'linalg_eig_backward: torch.symeig(A, eigenvectors=False) is not differentiable. Use torch.linalg.eigvalsh(A) instead.';

/**
 * The options of torch.symeig: `eigenvectors` (false) computes them too; `upper` (true)
 * reads A's upper triangle, false its lower one.
 * @example torch.symeig(A, { eigenvectors: true, upper: false })
 */
export interface SymeigOptions {
  eigenvectors?: boolean;
  upper?: boolean;
}

/** torch.symeig's result: `[eigenvalues, eigenvectors]`, or by name. @example const { eigenvalues } = torch.symeig(A); */
export type SymeigResult = [Tensor, Tensor] & { readonly eigenvalues: Tensor; readonly eigenvectors: Tensor };

/**
 * `torch.symeig(input, eigenvectors = false, upper = true)` (deprecated in 1.13, which warns
 * once): the eigenvalues (ascending) of a symmetric matrix read from its upper triangle by
 * default (torch.linalg.eigh reads the lower one), and with `eigenvectors` its orthonormal
 * eigenvectors; without them `eigenvectors` is an empty tensor and the result has no
 * gradient (backward raises, as in PyTorch). An empty input gives empty results of its dtype.
 * @example const [w, V] = torch.symeig(A, true); const { eigenvalues } = torch.symeig(A, { upper: false });
 */
export function symeig(
  input: Tensor,
  eigenvectors?: boolean | SymeigOptions,
  upper?: boolean | SymeigOptions,
  options?: SymeigOptions,
): SymeigResult {
  checkTensor(input, 'symeig', 'input');
  warnOnce('symeig', SYMEIG_WARNING);
  const a = parseCall<Required<SymeigOptions>>('symeig', ['eigenvectors', 'upper'], [], { eigenvectors: false, upper: true }, [eigenvectors, upper, options]);
  checkBoolean(a.eigenvectors, 'symeig', 'eigenvectors');
  checkBoolean(a.upper, 'symeig', 'upper');
  checkSquare(input, 'linalg.symeig');
  const shape = input._shape.slice();
  const noGradient = (out: Tensor) => record(out, 'SymeigBackward0', [input], () => () => {
    throw new Error(SYMEIG_NO_VECTORS);
  });
  if (input.numel() === 0) {
    const values = emptyKernel(shape.slice(0, -1), input._dtype, input.device);
    const vectors = emptyKernel(shape, input._dtype, input.device);
    const zeroGradient = (out: Tensor) => record(out, 'SymeigBackward0', [input], () => (g) => [zerosOf(shape, g)]);
    return namedTuple({ eigenvalues: zeroGradient(values), eigenvectors: zeroGradient(vectors) }) as unknown as SymeigResult;
  }
  checkLapackDtype(input, 'symeig_cpu', 'symeig');
  if (a.eigenvectors) {
    const { eigenvalues: values, eigenvectors: vectors } = eigh(input, a.upper ? 'U' : 'L');
    return namedTuple({ eigenvalues: renameGradFn(values, 'SymeigBackward0'), eigenvectors: renameGradFn(vectors, 'SymeigBackward0') }) as unknown as SymeigResult;
  }
  const [values, vectors] = eighRaw(input, a.upper, 'symeig');
  vectors.dispose();
  const empty = emptyKernel([0], input._dtype, input.device);
  return namedTuple({ eigenvalues: noGradient(values), eigenvectors: noGradient(empty) }) as unknown as SymeigResult;
}

const removed = (name: string) =>
  `This function was deprecated since version 1.9 and is now removed. Please use the \`torch.linalg.${name}\` function instead.`;
// 1.13 raises these two with two arguments, so that the message is the tuple's repr.
const removedTuple = (name: string) =>
  `('This function was deprecated since version 1.9 and is now removed.', 'Please use the \`torch.linalg.${name}\` function instead.')`;

/**
 * `torch.eig`, removed in PyTorch 1.9: it raises 1.13's error pointing at torch.linalg.eig,
 * whatever its arguments.
 * @example torch.eig(A) // Error: This function was deprecated since version 1.9 and is now removed. ...
 */
export function eig(input: Tensor, ...rest: unknown[]): never {
  void input;
  void rest;
  throw new Error(removed('eig'));
}

/**
 * `torch.lstsq`, removed in PyTorch 1.9: it raises 1.13's error (the repr of its two-part
 * message) pointing at torch.linalg.lstsq.
 * @example torch.lstsq(B, A) // Error: ('This function was deprecated since version 1.9 and is now removed.', ...)
 */
export function lstsq(input: Tensor, ...rest: unknown[]): never {
  void input;
  void rest;
  throw new Error(removedTuple('lstsq'));
}

/**
 * `torch.solve`, removed in PyTorch 1.9: it raises 1.13's error pointing at torch.linalg.solve.
 * @example torch.solve(B, A) // Error: This function was deprecated since version 1.9 and is now removed. ...
 */
export function solve(input: Tensor, ...rest: unknown[]): never {
  void input;
  void rest;
  throw new Error(removed('solve'));
}

/**
 * `torch.matrix_rank`, removed in PyTorch 1.9: it raises 1.13's error (the repr of its
 * two-part message) pointing at torch.linalg.matrix_rank. Tensors have no such method.
 * @example torch.matrixRank(A) // Error: ('This function was deprecated since version 1.9 and is now removed.', ...)
 */
export function matrixRank(input: Tensor, ...rest: unknown[]): never {
  void input;
  void rest;
  throw new Error(removedTuple('matrix_rank'));
}
