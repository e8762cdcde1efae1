/**
 * linalg.matrixExp: PyTorch's algorithm (Bader, Blanes and Casas, "Computing the matrix
 * exponential with an optimized Taylor polynomial approximation", 2019), ported from
 * LinearAlgebra.cpp's mexp so that values match PyTorch's to rounding: each matrix's
 * 1-norm picks a Taylor polynomial of degree 1, 2, 4, 8, 12 or 18 (evaluated with PyTorch's
 * products and coefficients), and past degree 18's threshold the matrix is scaled by 2⁻ˢ
 * and the result squared s times. The backward is PyTorch's: exp of the block matrix
 * [[Aᵀ, G], [0, Aᵀ]], whose upper-right block is the gradient.
 */
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { int64 } from '../tensor/dtype.js';
import { type Backward, record } from '../autograd/function.js';
import type { Node } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, div, exp, mul } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { indexSelect } from '../ops/indexing.js';
import { cat, contiguous, narrow, reshape } from '../ops/shape.js';
import { zerosOf } from '../ops/internal-tensors.js';
import { tidy } from '../memory/storage.js';
import { checkFloat } from './lapack.js';
import { eyeLike, mT } from './matrix-helpers.js';

/** The largest 1-norm each degree (1, 2, 4, 8, 12, 18) is accurate to, per precision. */
const THETAS = {
  float32: [1.192092800768788e-7, 5.978858893805233e-4, 5.116619363445086e-2, 5.800524627688768e-1, 1.461661507209034, 3.010066362817634],
  float64: [2.220446049250313e-16, 2.580956802971767e-8, 3.397168839976962e-4, 4.991228871115323e-2, 2.99615891381158e-1, 1.090863719290036],
};

const T12_COEFFS = [
  [9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.0462394613406307174],
  [5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989],
  [0.18188869982170434744, 0.0550279843992539907, 0.09351590770535414968, 0.0061070052889805823],
  [-2.086132e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359],
];

const T18_COEFFS = [
  [0, -1.00365581030144618291e-1, -8.02924648241156932449e-3, -8.92138498045729985177e-4, 0],
  [0, 3.97849749499645077844e-1, 1.36783778460411720168, 4.98289622525382669416e-1, -6.3789819459472328015e-4],
  [-1.09676396052962061844e1, 1.68015813878906206114, 5.71779846478865511061e-2, -6.98210122488052056106e-3, 3.34975017086070470649e-5],
  [-9.04316832390810593223e-2, -6.76404519071381882256e-2, 6.75961301770459654925e-2, 2.95552570429315521194e-2, -1.39180257516060693404e-5],
  [0, 0, -9.2336461936711855536e-2, -1.69364939002081722752e-2, -1.40086798182036094347e-5],
];

/** A constant as PyTorch's scalar_t holds it: rounded to float for float32. */
type Round = (v: number) => number;

/** Σ cⱼ Aⱼ, accumulated in order as PyTorch's _compute_linear_combination. */
function combine(As: Tensor[], coeffs: number[], round: Round): Tensor {
  let acc = mul(As[0], round(coeffs[0]));
  for (let j = 1; j < coeffs.length; j++) acc = add(acc, mul(As[j], round(coeffs[j])));
  return acc;
}

/** [I, A, A², A³, A⁶], the first `count`, as PyTorch's _fill_matrix_powers. */
function powers(A: Tensor, count: number): Tensor[] {
  const n = A._shape[A._shape.length - 1];
  const As = [eyeLike(A, n), A];
  if (count > 2) As.push(matmul(A, A));
  if (count > 3) As.push(matmul(A, As[2]));
  if (count > 4) As.push(matmul(As[3], As[3]));
  return As;
}

function taylor(degree: number, A: Tensor, round: Round): Tensor {
  if (degree === 1) return add(A, eyeLike(A, A._shape[A._shape.length - 1]));
  if (degree === 2) {
    const [I, a, a2] = powers(A, 3);
    return add(add(I, a), div(a2, 2));
  }
  if (degree === 4) {
    const As = powers(A, 3);
    As.push(matmul(As[2], combine(As, [1 / 2, 1 / 6, 1 / 24], round)));
    return combine(As, [1, 1, 0, 1], round);
  }
  if (degree === 8) {
    const sqrt177 = round(0.1330413469565007072504e2);
    const x3 = round(2 / 3);
    const [x1, x2] = [round(x3 * ((1 + sqrt177) / 88)), round(x3 * ((1 + sqrt177) / 352))];
    const x4 = round((-271 + 29 * sqrt177) / (315 * x3));
    const x5 = round((-11 + 11 * sqrt177) / (1260 * x3));
    const x6 = round((-99 + 11 * sqrt177) / (5040 * x3));
    const x7 = round((89 - sqrt177) / (5040 * x3));
    const y2 = round((857 - 58 * sqrt177) / 630);
    const As = powers(A, 3);
    As.push(matmul(As[2], combine([As[1], As[2]], [x1, x2], round)));
    As.push(matmul(combine([As[2], As[3]], [x3, 1], round), combine(As, [x4, x5, x6, x7], round)));
    return combine(As, [1, 1, y2, 0, 1], round);
  }
  if (degree === 12) {
    const As = powers(A, 4);
    const Bs = T12_COEFFS.map((row) => combine(As, row, round));
    const a6 = add(Bs[2], matmul(Bs[3], Bs[3]));
    return add(Bs[0], matmul(add(Bs[1], a6), a6));
  }
  const As = powers(A, 5);
  const Bs = T18_COEFFS.map((row) => combine(As, row, round));
  const a9 = add(Bs[3], matmul(Bs[0], Bs[4]));
  return add(Bs[1], matmul(add(Bs[2], a9), a9));
}

/** exp of a [count, n, n] batch (n >= 2), each matrix by the degree its 1-norm selects. */
function mexp(A: Tensor): Tensor {
  const [count, n] = A._shape;
  const float32 = A._dtype.name === 'float32';
  const thetas = float32 ? THETAS.float32.map(Math.fround) : THETAS.float64;
  const round: Round = float32 ? Math.fround : (v) => v;
  const values = A.dataSync() as Float32Array | Float64Array;
  // Group the matrices by what they need: a degree, or degree 18 with s squarings.
  const groups = new Map<string, number[]>();
  for (let b = 0; b < count; b++) {
    let norm = 0;
    for (let j = 0; j < n; j++) {
      let column = 0;
      for (let i = 0; i < n; i++) column += Math.abs(values[b * n * n + i * n + j]);
      norm = Number.isNaN(column) ? NaN : Math.max(norm, column);
    }
    let key: string;
    const d = thetas.findIndex((t) => norm <= t);
    if (d >= 0 && d < 5 && !(norm >= thetas[4])) key = String([1, 2, 4, 8, 12][d]);
    else {
      const s = Number.isNaN(norm) ? 0 : Math.max(0, Math.ceil(Math.log2(round(norm / thetas[5]))));
      key = `18:${s}`;
    }
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(b);
  }
  const parts: Tensor[] = [];
  const order: number[] = [];
  for (const [key, members] of groups) {
    const sub = members.length === count ? A : indexSelect(A, 0, tensor(members, { dtype: int64 }));
    let result: Tensor;
    if (key.startsWith('18:')) {
      const s = Number(key.slice(3));
      result = taylor(18, s > 0 ? div(sub, 2 ** s) : sub, round);
      for (let i = 0; i < s; i++) result = matmul(result, result);
    } else {
      result = taylor(Number(key), sub, round);
    }
    parts.push(result);
    order.push(...members);
  }
  if (parts.length === 1) return parts[0];
  const inverse = new Array<number>(count);
  order.forEach((b, i) => (inverse[b] = i));
  return indexSelect(cat(parts, 0), 0, tensor(inverse, { dtype: int64 }));
}

/**
 * The matrix exponential e^A = Σ Aᵏ/k! of a square matrix (or of each in a batch), with
 * PyTorch's algorithm and gradient.
 * @example torch.linalg.matrixExp(torch.tensor([[0, 1], [-1, 0]], { dtype: torch.float64 })) // a rotation by 1 rad
 */
export function matrixExp(A: Tensor): Tensor {
  if (!(A instanceof Tensor)) throw new TypeError(`linalg_matrix_exp(): argument 'input' (position 1) must be Tensor, not ${typeof A}`);
  if (A._shape.length < 2) throw new Error('linalg.matrix_exp: The input tensor A must have at least 2 dimensions.');
  const [rows, n] = A._shape.slice(-2);
  if (rows !== n) throw new Error(`linalg.matrix_exp: A must be batches of square matrices, but they are ${rows} by ${n} matrices`);
  checkFloat(A, 'matrix_exp');
  const count = A._shape.slice(0, -2).reduce((p, s) => p * s, 1);
  const out = noGrad(() => tidy(() => {
    const a = A.detach();
    if (n === 0 || count === 0) return a.clone();
    if (n === 1) return exp(a);
    return contiguous(reshape(mexp(contiguous(reshape(a, [count, n, n]))), A._shape.slice()));
  }));
  return record(out, 'LinalgMatrixExpBackward0', [A], matrixExpBackward(A, n));
}

/** PyTorch's linalg_matrix_exp_differential (adjoint), built here so that its closure holds only A. */
function matrixExpBackward(A: Tensor, n: number): (node: Node) => Backward {
  return (node) => {
    const sA = node.save(A);
    return (g) => {
      const At = mT(sA());
      const meta = cat([cat([At, g], -1), cat([zerosOf(At._shape.slice(), At), At], -1)], -2);
      return [narrow(narrow(matrixExp(meta), -2, 0, n), -1, n, n)];
    };
  };
}
