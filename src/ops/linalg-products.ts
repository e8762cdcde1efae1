/**
 * The rest of PyTorch's products: baddbmm, addbmm, addmv, addr (beta/alpha), trace, kron,
 * tensordot, cross and cdist. The fused forms compute under noGrad and record PyTorch's
 * node with its formula; the others compose differentiable ops.
 */
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { checkNumber, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { record, renameGradFn } from '../autograd/function.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { add, mul, sub } from './elementwise.js';
import { bmm, dot, mm, mv, outer } from './linalg.js';
import { multiDot } from '../linalg/extras.js';
import { norm } from './norms.js';
import { sum, sumTo } from './reduce.js';
import { cat, clone, expand, narrow, permute, reshape, transpose, unsqueeze } from './shape.js';
import { diagonal, eyeLike, mT, scoped } from '../linalg/matrix-helpers.js';
import { tidy } from '../memory/storage.js';

/**
 * The `beta` and `alpha` keywords of the add-products: `beta * input + alpha * product`.
 * @example torch.baddbmm(input, b1, b2, { beta: 0.5, alpha: 2 })
 */
export interface BetaAlpha {
  beta?: number;
  alpha?: number;
}
const BETA_ALPHA = keysOf<BetaAlpha>()('beta', 'alpha');

function betaAlpha(fn: string, options: BetaAlpha | undefined): [number, number] {
  checkOptions(options, fn, BETA_ALPHA);
  const beta = options?.beta ?? 1;
  const alpha = options?.alpha ?? 1;
  checkNumber(beta, fn, 'beta');
  checkNumber(alpha, fn, 'alpha');
  return [beta, alpha];
}

/** beta * input + alpha * product, where beta = 0 ignores input (its NaNs too), as PyTorch. */
function combine(input: Tensor, product: Tensor, beta: number, alpha: number): Tensor {
  const shape = broadcastShapes(input._shape, product._shape);
  if (shape.length !== product._shape.length || shape.some((s, i) => s !== product._shape[i])) {
    throw new Error(`The expanded size of the tensor (${product._shape.join(', ')}) must match the existing size (${input._shape.join(', ')})`);
  }
  const scaled = scale(product, alpha);
  if (beta === 0) return scaled;
  return add(beta === 1 ? input : mul(input, beta), scaled);
}

/** Records an add-product: input's gradient is beta·g summed to its shape, the factors' from `factors`. */
function recordAddProduct(out: Tensor, name: string, input: Tensor, a: Tensor, b: Tensor, beta: number, factors: (g: Tensor, a: () => Tensor, b: () => Tensor) => [Tensor | null, Tensor | null]): Tensor {
  return record(out, name, [input, a, b], (node) => {
    const shape = input._shape.slice();
    const wantInput = node.next[0] !== null;
    const sa = node.next[2] !== null ? node.save(a) : () => a;
    const sb = node.next[1] !== null ? node.save(b) : () => b;
    return (g) => [wantInput ? sumTo(beta === 1 ? g : mul(g, beta), shape) : null, ...factors(g, sa, sb)];
  });
}

/**
 * beta * input + alpha * (batch1 @ batch2), batch by batch.
 * @example torch.baddbmm(torch.zeros(2, 3, 5), torch.randn(2, 3, 4), torch.randn(2, 4, 5))
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: BetaAlpha): Tensor {
  if (autocastHook.active) return autocastOp('baddbmm', baddbmm, arguments);
  checkTensor(input, 'baddbmm', 'input');
  checkTensor(batch1, 'baddbmm', 'batch1');
  checkTensor(batch2, 'baddbmm', 'batch2');
  const [beta, alpha] = betaAlpha('baddbmm', options);
  const out = noGrad(() => tidy(() => combine(input, bmm(batch1, batch2), beta, alpha)));
  return recordAddProduct(out, 'BaddbmmBackward0', input, batch1, batch2, beta, (g, a, b) => [
    scale(bmm(g, transpose(b(), 1, 2)), alpha),
    scale(bmm(transpose(a(), 1, 2), g), alpha),
  ]);
}

function scale(x: Tensor, alpha: number): Tensor {
  return alpha === 1 ? x : mul(x, alpha);
}

/**
 * beta * input + alpha * Σ_b batch1[b] @ batch2[b].
 * @example torch.addbmm(torch.zeros(3, 5), torch.randn(2, 3, 4), torch.randn(2, 4, 5))
 */
export function addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: BetaAlpha): Tensor {
  if (autocastHook.active) return autocastOp('addbmm', addbmm, arguments);
  checkTensor(input, 'addbmm', 'input');
  checkTensor(batch1, 'addbmm', 'batch1');
  checkTensor(batch2, 'addbmm', 'batch2');
  const [beta, alpha] = betaAlpha('addbmm', options);
  if (batch1._shape.length !== 3 || batch2._shape.length !== 3) throw new Error('batch1 must be a 3D tensor');
  const [count, n, k] = batch1._shape;
  const p = batch2._shape[2];
  if (batch2._shape[0] !== count || batch2._shape[1] !== k) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${count}, ${k}] but got: [${batch2._shape[0]}, ${batch2._shape[1]}].`);
  }
  // Σ_b A_b B_b is one matrix product of [n, count·k] and [count·k, p].
  const out = noGrad(() =>
    tidy(() => {
      const left = reshape(permute(batch1, [1, 0, 2]), [n, count * k]);
      const right = reshape(batch2, [count * k, p]);
      return combine(input, mm(left, right), beta, alpha);
    }),
  );
  return recordAddProduct(out, 'AddbmmBackward0', input, batch1, batch2, beta, (g, a, b) => {
    const ge = expand(unsqueeze(g, 0), [count, n, p]);
    return [scale(bmm(ge, transpose(b(), 1, 2)), alpha), scale(bmm(transpose(a(), 1, 2), ge), alpha)];
  });
}

/**
 * beta * input + alpha * (mat @ vec).
 * @example torch.addmv(torch.zeros(3), torch.randn(3, 4), torch.randn(4))
 */
export function addmv(input: Tensor, mat: Tensor, vec: Tensor, options?: BetaAlpha): Tensor {
  if (autocastHook.active) return autocastOp('addmv', addmv, arguments);
  checkTensor(input, 'addmv', 'input');
  checkTensor(mat, 'addmv', 'mat');
  checkTensor(vec, 'addmv', 'vec');
  const [beta, alpha] = betaAlpha('addmv', options);
  const out = noGrad(() => tidy(() => combine(input, mv(mat, vec), beta, alpha)));
  return recordAddProduct(out, 'AddmvBackward0', input, mat, vec, beta, (g, m, v) => [
    scale(outer(g, v()), alpha),
    scale(mv(mT(m()), g), alpha),
  ]);
}

/**
 * beta * input + alpha * outer(vec1, vec2).
 * @example torch.addr(torch.zeros(3, 2), torch.randn(3), torch.randn(2))
 */
export function addr(input: Tensor, vec1: Tensor, vec2: Tensor, options?: BetaAlpha): Tensor {
  if (autocastHook.active) return autocastOp('addr', addr, arguments);
  checkTensor(input, 'addr', 'input');
  checkTensor(vec1, 'addr', 'vec1');
  checkTensor(vec2, 'addr', 'vec2');
  const [beta, alpha] = betaAlpha('addr', options);
  if (vec1._shape.length !== 1 || vec2._shape.length !== 1) {
    throw new Error(`addr: Expected 1-D argument vec1, but got ${vec1._shape.length}-D`);
  }
  const out = noGrad(() => tidy(() => combine(input, outer(vec1, vec2), beta, alpha)));
  return recordAddProduct(out, 'AddrBackward0', input, vec1, vec2, beta, (g, v1, v2) => [
    scale(mv(g, v2()), alpha),
    scale(mv(mT(g), v1()), alpha),
  ]);
}

/**
 * The sum of the main diagonal of a 2-D tensor.
 * @example torch.trace(torch.eye(3)) // 3
 */
export function trace(x: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('trace', trace, arguments);
  checkTensor(x, 'trace', 'input');
  if (x._shape.length !== 2) throw new Error(`trace: expected a matrix, but got tensor with dim ${x._shape.length}`);
  const out = noGrad(() => tidy(() => sum(diagonal(x))));
  return record(out, 'TraceBackward0', [x], () => {
    const [rows, cols] = x._shape;
    return (g) => [mul(eyeLike(g, rows, cols), g)];
  });
}

/**
 * The Kronecker product: blocks a[i] * b over every element of a.
 * @example torch.kron(torch.eye(2), torch.ones(2, 2))
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'kron', 'input');
  checkTensor(b, 'kron', 'other');
  const nd = Math.max(a._shape.length, b._shape.length);
  const sa = [...Array(nd - a._shape.length).fill(1), ...a._shape];
  const sb = [...Array(nd - b._shape.length).fill(1), ...b._shape];
  // a as [a0, 1, a1, 1, ...] times b as [1, b0, 1, b1, ...], then each pair of dims merged.
  const out = scoped([a, b], () => {
    const ai = reshape(a, sa.flatMap((s) => [s, 1]));
    const bi = reshape(b, sb.flatMap((s) => [1, s]));
    return reshape(mul(ai, bi), sa.map((s, i) => s * sb[i]));
  });
  if (out._gradFn) (out._gradFn as { name: string }).name = 'UnsafeViewBackward0';
  return out;
}

/**
 * Contracts dims of a with dims of b: the last `dims` of a with the first of b, or the listed pairs.
 * @example torch.tensordot(a, b, 2); torch.tensordot(a, b, [[1, 0], [0, 1]])
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | [number[], number[]] = 2): Tensor {
  checkTensor(a, 'tensordot', 'a');
  checkTensor(b, 'tensordot', 'b');
  let da: number[];
  let db: number[];
  if (typeof dims === 'number') {
    if (!Number.isInteger(dims) || dims < 0) throw new Error(`tensordot expects dims >= 0, but got dims=${dims}`);
    if (dims > a._shape.length || dims > b._shape.length) {
      throw new Error(`tensordot expects dims < ndim_a or ndim_b, but got dims=${dims}`);
    }
    da = [...Array(dims).keys()].map((i) => a._shape.length - dims + i);
    db = [...Array(dims).keys()];
  } else {
    [da, db] = dims.map((d) => (typeof d === 'number' ? [d] : d)) as [number[], number[]];
    if (da.length !== db.length) throw new Error('both dimension lists should have same length');
  }
  const wrap = (d: number, n: number) => (d < 0 ? d + n : d);
  da = da.map((d) => wrap(d, a._shape.length));
  db = db.map((d) => wrap(d, b._shape.length));
  da.forEach((d, i) => {
    if (a._shape[d] !== b._shape[db[i]]) {
      throw new Error(`contracted dimensions need to match, but first has size ${a._shape[d]} in dim ${d} and second has size ${b._shape[db[i]]} in dim ${db[i]}`);
    }
  });
  const freeA = a._shape.map((_, d) => d).filter((d) => !da.includes(d));
  const freeB = b._shape.map((_, d) => d).filter((d) => !db.includes(d));
  const contracted = da.reduce((p, d) => p * a._shape[d], 1);
  const rows = freeA.reduce((p, d) => p * a._shape[d], 1);
  const cols = freeB.reduce((p, d) => p * b._shape[d], 1);
  return scoped([a, b], () => {
    const left = reshape(permute(a, [...freeA, ...da]), [rows, contracted]);
    const right = reshape(permute(b, [...db, ...freeB]), [contracted, cols]);
    return reshape(mm(left, right), [...freeA.map((d) => a._shape[d]), ...freeB.map((d) => b._shape[d])]);
  });
}

function crossRaw(a: Tensor, b: Tensor, dim: number): Tensor {
  const pick = (t: Tensor, i: number) => narrow(t, dim, i, 1);
  const [a0, a1, a2] = [0, 1, 2].map((i) => pick(a, i));
  const [b0, b1, b2] = [0, 1, 2].map((i) => pick(b, i));
  return cat([sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2)), sub(mul(a0, b1), mul(a1, b0))], dim);
}

/**
 * linalg.cross's keyword: the dim holding the 3-vectors (default -1).
 * @example torch.linalg.cross(a, b, { dim: 0 })
 */
export interface CrossOptions {
  dim?: number;
}
const CROSS_KEYS = keysOf<CrossOptions>()('dim');

/**
 * The cross product of 3-vectors along `dim` (default -1), broadcasting the other dims.
 * @example torch.linalg.cross(torch.tensor([1, 0, 0]), torch.tensor([0, 1, 0])) // [0, 0, 1]
 */
export function linalgCross(a: Tensor, b: Tensor, options?: CrossOptions | number): Tensor {
  checkTensor(a, 'linalg.cross', 'input');
  checkTensor(b, 'linalg.cross', 'other');
  if (typeof options !== 'number') checkOptions(options, 'linalg.cross', CROSS_KEYS);
  const dim = typeof options === 'number' ? options : options?.dim ?? -1;
  checkNumber(dim, 'linalg.cross', 'dim');
  if (a._shape.length !== b._shape.length) {
    throw new Error(`linalg.cross: inputs must have the same number of dimensions.`);
  }
  const n = a._shape.length;
  const d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= n) throw new Error(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  if (a._shape[d] !== 3 || b._shape[d] !== 3) throw new Error(`linalg.cross: inputs dimension ${dim} must have length 3. Got ${a._shape[d]} and ${b._shape[d]}`);
  const shape = broadcastShapes(a._shape, b._shape);
  const ae = expand(a, shape);
  const be = expand(b, shape);
  const out = noGrad(() => tidy(() => crossRaw(ae, be, d)));
  return record(out, 'LinalgCrossBackward0', [a, b], (node) => {
    const sa = node.next[1] !== null ? node.save(a) : null;
    const sb = node.next[0] !== null ? node.save(b) : null;
    const [shapeA, shapeB] = [a._shape.slice(), b._shape.slice()];
    // d(a × b) = da × b + a × db: ga = b × g, gb = g × a.
    return (g) => [
      sb === null ? null : sumTo(linalgCross(expand(sb(), shape), g, d), shapeA),
      sa === null ? null : sumTo(linalgCross(g, expand(sa(), shape), d), shapeB),
    ];
  });
}

/**
 * torch.cross: linalg.cross over `dim`, which defaults to the first dim of size 3 (PyTorch's deprecated default).
 * @example torch.cross(a, b, 1)
 */
export function cross(a: Tensor, b: Tensor, dim?: number | null): Tensor {
  checkTensor(a, 'cross', 'input');
  checkTensor(b, 'cross', 'other');
  if (dim === undefined || dim === null) {
    const shape = broadcastShapes(a._shape, b._shape);
    const found = shape.findIndex((s) => s === 3);
    if (found < 0) throw new Error('no dimension of size 3 in input');
    return linalgCross(a, b, found);
  }
  return linalgCross(a, b, dim);
}

/**
 * The p-norm distance between each row of x1 and each row of x2, batched: [*, P, M] and [*, R, M] give [*, P, R].
 * @example torch.cdist(torch.randn(4, 3), torch.randn(5, 3))
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  if (autocastHook.active) return autocastOp('cdist', cdist, arguments);
  checkTensor(x1, 'cdist', 'x1');
  checkTensor(x2, 'cdist', 'x2');
  checkNumber(p, 'cdist', 'p');
  if (x1._shape.length < 2) throw new Error(`cdist only supports at least 2D tensors, X1 got: ${x1._shape.length}D`);
  if (x2._shape.length < 2) throw new Error(`cdist only supports at least 2D tensors, X2 got: ${x2._shape.length}D`);
  if (p < 0) throw new Error('cdist only supports non-negative p values');
  const m1 = x1._shape[x1._shape.length - 1];
  const m2 = x2._shape[x2._shape.length - 1];
  if (m1 !== m2) throw new Error(`X1 and X2 must have the same number of columns. X1: ${m1} X2: ${m2}`);
  if (!x1._dtype.isFloatingPoint) throw new Error(`cdist only supports floating-point dtypes, X1 got: ${x1._dtype.name === 'int64' ? 'Long' : x1._dtype.name}`);
  const out = scoped([x1, x2], () => norm(sub(unsqueeze(x1, -2), unsqueeze(x2, -3)), p, -1));
  if (out._gradFn) (out._gradFn as { name: string }).name = 'CdistBackward0';
  return out;
}


/**
 * The inner product over the last dims (`torch.inner`): `tensordot` of the last dim of each,
 * or a product where either is 0-d.
 * @example torch.inner(torch.tensor([1, 2, 3]), torch.tensor([0, 1, 0])) // tensor(2)
 */
export function inner(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'inner', 'input');
  checkTensor(b, 'inner', 'other');
  if (a._shape.length === 0 || b._shape.length === 0) return mul(a, b);
  const last = (t: Tensor) => t._shape[t._shape.length - 1];
  if (last(a) !== last(b)) {
    throw new Error(`inner() the last dimension must match on both input tensors but got shapes [${a._shape.join(', ')}] and [${b._shape.join(', ')}]`);
  }
  return tensordot(a, b, [[a._shape.length - 1], [b._shape.length - 1]]);
}

/**
 * `torch.ger`, the older name of `torch.outer`.
 * @example torch.ger(torch.tensor([1, 2]), torch.tensor([3, 4])) // [[3, 4], [6, 8]]
 */
export function ger(a: Tensor, b: Tensor): Tensor {
  return outer(a, b);
}

/**
 * The dot product of two 1-D tensors, conjugating the first (`torch.vdot`; for real dtypes, `dot`).
 * @example torch.vdot(torch.tensor([1, 2]), torch.tensor([3, 4])) // tensor(11)
 */
export function vdot(a: Tensor, b: Tensor): Tensor {
  return renameGradFn(dot(a, b), 'VdotBackward0');
}

/**
 * The product of matrices in the cheapest order (`torch.chain_matmul`, older than
 * `torch.linalg.multi_dot`); one matrix is returned as a copy.
 * @example torch.chainMatmul(a, b, c)
 */
export function chainMatmul(...matrices: Tensor[]): Tensor {
  if (matrices.length === 0) throw new Error('chain_matmul(): Expected one or more matrices');
  for (const [i, m] of matrices.entries()) checkTensor(m, 'chain_matmul', `matrices[${i}]`);
  if (matrices.length === 1) return clone(matrices[0]!);
  if (matrices.length === 2) return mm(matrices[0]!, matrices[1]!);
  return multiDot(matrices);
}
