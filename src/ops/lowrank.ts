/**
 * `torch.svdLowrank` and `torch.pcaLowrank`: Halko et al.'s randomized range finder and SVD,
 * step for step as PyTorch 1.13's torch/_lowrank.py (its random (n, q) Gaussian drawn with
 * `torch.randn` from the global generator, then QR power iterations and one small SVD, all on
 * LAPACK), so that after `torch.manualSeed` the factors are PyTorch's, signs included.
 */
import type { Tensor } from '../tensor/tensor.js';
import { getDefaultDtype } from '../tensor/dtype.js';
import { randn } from '../tensor/creation.js';
import { argumentError, checkInteger, checkOptionalTensor, checkTensor } from '../tensor/args.js';
import { qr, svd } from '../linalg/decompositions.js';
import { mean } from './reduce.js';

const size = (t: Tensor): string => `torch.Size([${t.shape.join(', ')}])`;

function assertShape(ok: boolean, shape: Tensor, expected?: number): void {
  // PyTorch asserts these, with the tuple (shape, expected) as the message.
  if (!ok) throw new Error(expected === undefined ? size(shape) : `(${size(shape)}, ${expected})`);
}

const transpose = (t: Tensor): Tensor => t.transpose(-2, -1);
const minus = (a: Tensor, m: Tensor | null, f: (x: Tensor) => Tensor): Tensor => (m === null ? f(a) : f(a).sub(f(m)));

/** `get_approximate_basis(A, q, niter, M)`: an orthonormal basis of A's (or A - M's) range, q columns. */
function approximateBasis(A: Tensor, q: number, niter: number, M: Tensor | null): Tensor {
  const n = A.shape[A.dim() - 1];
  const dtype = A.dtype.isFloatingPoint ? A.dtype : getDefaultDtype();
  const R = randn([n, q], { dtype, device: A.device });
  const AH = transpose(A);
  const MH = M === null ? null : transpose(M);
  let Q = qr(minus(A, M, (x) => x.matmul(R))).Q;
  for (let i = 0; i < niter; i++) {
    Q = qr(minus(AH, MH, (x) => x.matmul(Q))).Q;
    Q = qr(minus(A, M, (x) => x.matmul(Q))).Q;
  }
  return Q;
}

/** `_svd_lowrank`: the transpose trick for m < n or n > q, as PyTorch's. */
function svdLowrankImpl(A: Tensor, q: number, niter: number, M: Tensor | null): [Tensor, Tensor, Tensor] {
  const [m, n] = A.shape.slice(-2);
  const At = transpose(A);
  const Mt = M === null ? null : transpose(M);
  if (m < n || n > q) {
    const Q = approximateBasis(At, q, niter, Mt);
    const Bt = minus(A, M, (x) => x.matmul(Q));
    assertShape(Bt.shape[Bt.dim() - 2] === m, Bt, m);
    assertShape(Bt.shape[Bt.dim() - 1] === q, Bt, q);
    assertShape(Bt.shape[Bt.dim() - 1] <= Bt.shape[Bt.dim() - 2], Bt);
    const { U, S, Vh } = svd(Bt, { fullMatrices: false });
    return [U, S, Q.matmul(transpose(Vh))];
  }
  const Q = approximateBasis(A, q, niter, M);
  const B = minus(At, Mt, (x) => x.matmul(Q));
  const Bt = transpose(B);
  assertShape(Bt.shape[Bt.dim() - 2] === q, Bt, q);
  assertShape(Bt.shape[Bt.dim() - 1] === n, Bt, n);
  assertShape(Bt.shape[Bt.dim() - 1] <= Bt.shape[Bt.dim() - 2], Bt);
  const { U, S, Vh } = svd(Bt, { fullMatrices: false });
  return [Q.matmul(U), S, transpose(Vh)];
}

/**
 * The options of `svdLowrank`: PyTorch's keywords.
 * @example torch.svdLowrank(A, { q: 4, niter: 3 })
 */
export interface SvdLowrankOptions {
  /** The rank of the approximation (default 6; at most min(m, n)). */
  q?: number | null;
  /** Power iterations (default 2). */
  niter?: number;
  /** A matrix subtracted from A first (A - M is factored), broadcast as A's shape. */
  M?: Tensor | null;
}

/**
 * `torch.svd_lowrank(A, q=6, niter=2, M=None)`: `[U, S, V]` with `A ≈ U diag(S) Vᵀ`, U (m, q),
 * S (q), V (n, q), by a randomized range finder: draws an (n, q) Gaussian from the global
 * generator, so seed with `torch.manualSeed` for PyTorch's result.
 * Positional as PyTorch's, or with one options object.
 * @example
 * torch.manualSeed(0);
 * const [U, S, V] = torch.svdLowrank(A, { q: 3 }); // or torch.svdLowrank(A, 3)
 */
export function svdLowrank(A: Tensor, q?: number | null | SvdLowrankOptions, niter?: number, M?: Tensor | null): [Tensor, Tensor, Tensor] {
  checkTensor(A, 'svd_lowrank', 'A');
  const options: SvdLowrankOptions = q !== null && typeof q === 'object' ? q : { q, niter, M };
  const rank = options.q ?? 6;
  const iterations = options.niter ?? 2;
  const shift = options.M ?? null;
  checkInteger(rank, 'svd_lowrank', 'q');
  checkInteger(iterations, 'svd_lowrank', 'niter');
  checkOptionalTensor(shift, 'svd_lowrank', 'M');
  if (A.dim() < 2) throw argumentError('svd_lowrank', 'A', 'a matrix or a batch of matrices', A);
  return svdLowrankImpl(A, rank, iterations, shift === null ? null : shift.expand(A.shape));
}

/**
 * The options of `pcaLowrank`: PyTorch's keywords.
 * @example torch.pcaLowrank(A, { q: 2, center: false })
 */
export interface PcaLowrankOptions {
  /** The number of components (default min(6, m, n)). */
  q?: number | null;
  /** Subtract the column means first (default true). */
  center?: boolean;
  niter?: number;
}

/**
 * `torch.pca_lowrank(A, q=None, center=True, niter=2)`: the principal directions of the rows
 * of A, as `svdLowrank` of the centered A: `[U, S, V]`, V's columns the directions.
 * @example
 * torch.manualSeed(0);
 * const [U, S, V] = torch.pcaLowrank(data);
 * const projected = data.matmul(V.narrow(1, 0, 2));
 */
export function pcaLowrank(A: Tensor, q?: number | null | PcaLowrankOptions, center?: boolean, niter?: number): [Tensor, Tensor, Tensor] {
  checkTensor(A, 'pca_lowrank', 'A');
  const options: PcaLowrankOptions = q !== null && typeof q === 'object' ? q : { q, center, niter };
  if (A.dim() < 2) throw argumentError('pca_lowrank', 'A', 'a matrix or a batch of matrices', A);
  const [m, n] = A.shape.slice(-2);
  const limit = Math.min(m, n);
  const rank = options.q ?? Math.min(6, limit);
  const iterations = options.niter ?? 2;
  const centered = options.center ?? true;
  checkInteger(rank, 'pca_lowrank', 'q');
  checkInteger(iterations, 'pca_lowrank', 'niter');
  if (!(rank >= 0 && rank <= limit)) throw new Error(`q(=${rank}) must be non-negative integer and not greater than min(m, n)=${limit}`);
  if (!(iterations >= 0)) throw new Error(`niter(=${iterations}) must be non-negative integer`);
  if (typeof centered !== 'boolean') throw argumentError('pca_lowrank', 'center', 'a boolean', centered);
  if (!centered) return svdLowrankImpl(A, rank, iterations, null);
  return svdLowrankImpl(A.sub(mean(A, -2, true)), rank, iterations, null);
}
