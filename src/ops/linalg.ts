/**
 * Matrix products over OpenBLAS: mm, bmm, matmul (1-D, 2-D, batched with broadcasting,
 * as PyTorch), addmm (what Linear uses), dot, mv, outer. Transposed operands are passed
 * to BLAS as flags, never copied.
 */
import { checkNumber, checkOptions, checkTensor, keysOf } from '../tensor/args.js';
import { type Backward, record } from '../autograd/function.js';
import { Tensor } from '../tensor/tensor.js';
import { scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, shapeNumel } from '../tensor/shape.js';
import { checkSameDevice, gemmKernel } from './tensor-kernels.js';
import { expandedLayout, makeView, reshape, t as transpose2d, transpose, expand, squeeze, unsqueeze } from './shape.js';
import { mul } from './elementwise.js';
import { sumTo } from './reduce.js';
import { autocastHook, autocastOp } from '../amp/autocast-policy.js';
import { complexMatmul } from '../complex/math.js';

const TYPE_NAME: Record<string, string> = {
  float32: 'float', float64: 'double', int64: 'long int', int32: 'int', uint8: 'unsigned char', bool: 'bool', float16: 'c10::Half', bfloat16: 'c10::BFloat16',
};

function checkDtypes(a: Tensor, b: Tensor): void {
  checkSameDevice(a, b);
  if (a._dtype !== b._dtype) {
    throw new Error(`expected m1 and m2 to have the same dtype, but got: ${TYPE_NAME[a._dtype.name] ?? a._dtype.name} != ${TYPE_NAME[b._dtype.name] ?? b._dtype.name}`);
  }
  // cuBLAS multiplies float16 and bfloat16 directly (accumulating in float32); on the CPU,
  // as in PyTorch 1.13, bfloat16 works (gemmKernel accumulates in float32) and float16
  // does not.
  const halfOnGpu = a._storage.device.type === 'cuda' && (a._dtype.name === 'float16' || a._dtype.name === 'bfloat16');
  if (a._dtype === b._dtype && !a._dtype.isCompute && !halfOnGpu && a._dtype.name !== 'bfloat16') {
    throw new Error(`"addmm_impl_cpu_" not implemented for '${a._dtype.name === 'float16' ? 'Half' : a._dtype.name}'`);
  }
}

/** The raw product of two 2-D tensors. */
function mmRaw(a: Tensor, b: Tensor): Tensor {
  return gemmKernel(a, b);
}

/**
 * Matrix product of two 2-D tensors.
 * @example torch.mm(a, b)
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('mm', mm, arguments);
  checkTensor(a, 'mm', 'input');
  checkTensor(b, 'mm', 'mat2');
  if (a._shape.length !== 2) throw new Error('self must be a matrix');
  if (b._shape.length !== 2) throw new Error('mat2 must be a matrix');
  if (a._shape[1] !== b._shape[0]) {
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${a._shape[0]}x${a._shape[1]} and ${b._shape[0]}x${b._shape[1]})`);
  }
  checkDtypes(a, b);
  if (a._dtype.isComplex) return complexMatmul(a, b, 'MmBackward0');
  const out = mmRaw(a, b);
  // Each operand is saved only when the other one needs a gradient, as PyTorch's
  // MmBackward0; the backward closures below keep only getters and metadata.
  return record(out, 'MmBackward0', [a, b], (node) =>
    mmBackward(b._requiresGrad ? node.save(a) : null, a._requiresGrad ? node.save(b) : null, isTransposed(b), 1),
  );
}

/** mm's and addmm's operand gradients: g @ mat2ᵀ for mat1 and mat1ᵀ @ g for mat2 (each when its getter's partner was saved). */
function mmBackward(s1: (() => Tensor) | null, s2: (() => Tensor) | null, mat2Transposed: boolean, alpha: number): (g: Tensor) => [Tensor | null, Tensor | null] {
  return (g) => [
    s2 === null ? null : scaled(mm(g, transpose2d(s2())), alpha),
    s1 === null ? null : scaled(mat2Grad(s1(), g, mat2Transposed), alpha),
  ];
}

/**
 * The options of addmm: PyTorch's `beta` and `alpha` keywords.
 * @example torch.addmm(bias, x, w, { beta: 0.5, alpha: 2 })
 */
export interface AddmmOptions {
  beta?: number;
  alpha?: number;
}
const ADDMM_KEYS = keysOf<AddmmOptions>()('beta', 'alpha');

/**
 * `beta * input + alpha * (mat1 @ mat2)` in one BLAS call (PyTorch's addmm, used by Linear).
 * @example torch.addmm(bias, x, weight.t())
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: AddmmOptions): Tensor {
  if (autocastHook.active) return autocastOp('addmm', addmm, arguments);
  checkTensor(input, 'addmm', 'input');
  checkTensor(mat1, 'addmm', 'mat1');
  checkTensor(mat2, 'addmm', 'mat2');
  checkOptions(options, 'addmm', ADDMM_KEYS);
  const beta = options?.beta ?? 1;
  const alpha = options?.alpha ?? 1;
  checkNumber(beta, 'addmm', 'beta');
  checkNumber(alpha, 'addmm', 'alpha');
  if (mat1._shape.length !== 2 || mat2._shape.length !== 2) throw new Error('mat1 and mat2 must be matrices');
  if (mat1._shape[1] !== mat2._shape[0]) {
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${mat1._shape[0]}x${mat1._shape[1]} and ${mat2._shape[0]}x${mat2._shape[1]})`);
  }
  checkDtypes(mat1, mat2);
  checkDtypes(mat1, input);
  expandedLayout(input, [mat1._shape[0], mat2._shape[1]]);
  const out = gemmKernel(mat1, mat2, null, beta, alpha, input);
  return record(out, 'AddmmBackward0', [input, mat1, mat2], (node) =>
    addmmBackward(
      node.next[0] === null ? null : input._shape,
      mmBackward(mat2._requiresGrad ? node.save(mat1) : null, mat1._requiresGrad ? node.save(mat2) : null, isTransposed(mat2), alpha),
      beta,
    ),
  );
}

function addmmBackward(inputShape: number[] | null, products: (g: Tensor) => [Tensor | null, Tensor | null], beta: number): Backward {
  return (g) => [inputShape === null ? null : sumTo(beta === 1 ? g : mul(g, beta), inputShape), ...products(g)];
}

/** Whether a matrix is a transposed view (Linear's `weight.t()`), for mat2Grad. */
function isTransposed(mat2: Tensor): boolean {
  return mat2._strides[0] === 1 && mat2._strides[1] !== 1 && mat2._shape[0] > 1;
}

/**
 * mat1ᵀ @ grad, laid out like mat2: when mat2 is a transposed view (Linear's `weight.t()`),
 * the product is computed as (gradᵀ @ mat1)ᵀ, so that the weight's gradient arrives
 * contiguous and AccumulateGrad need not copy it (PyTorch's mm_mat2_backward does the same).
 */
function mat2Grad(mat1: Tensor, grad: Tensor, transposed: boolean): Tensor {
  return transposed ? transpose2d(mm(transpose2d(grad), mat1)) : mm(transpose2d(mat1), grad);
}

function scaled(x: Tensor, alpha: number): Tensor {
  return alpha === 1 ? x : mul(x, alpha);
}

/**
 * Batched matrix product of two 3-D tensors with equal batch sizes.
 * @example torch.bmm(a, b)
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('bmm', bmm, arguments);
  checkTensor(a, 'bmm', 'input');
  checkTensor(b, 'bmm', 'mat2');
  if (a._shape.length !== 3) throw new Error('batch1 must be a 3D tensor');
  if (b._shape.length !== 3) throw new Error('batch2 must be a 3D tensor');
  if (a._shape[0] !== b._shape[0]) throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a._shape[0]}, ${a._shape[2]}] but got: [${b._shape[0]}, ${b._shape[1]}].`);
  if (a._shape[2] !== b._shape[1]) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a._shape[0]}, ${a._shape[2]}] but got: [${b._shape[0]}, ${b._shape[1]}].`);
  }
  checkDtypes(a, b);
  if (a._dtype.isComplex) return complexMatmul(a, b, 'BmmBackward0');
  const out = gemmKernel(a, b);
  return record(out, 'BmmBackward0', [a, b], (node) => bmmBackward(b._requiresGrad ? node.save(a) : null, a._requiresGrad ? node.save(b) : null));
}

function bmmBackward(sa: (() => Tensor) | null, sb: (() => Tensor) | null): Backward {
  return (g) => [sb === null ? null : bmm(g, transpose(sb(), 1, 2)), sa === null ? null : bmm(transpose(sa(), 1, 2), g)];
}

/**
 * Dot product of two 1-D tensors (a 0-d result).
 * @example torch.dot(x, y)
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('dot', dot, arguments);
  checkTensor(a, 'dot', 'input');
  checkTensor(b, 'dot', 'other');
  if (a._shape.length !== 1 || b._shape.length !== 1) {
    throw new Error(`1D tensors expected, but got ${a._shape.length}D and ${b._shape.length}D tensors`);
  }
  if (a._shape[0] !== b._shape[0]) {
    throw new Error(`inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
  }
  if (a._dtype !== b._dtype) {
    throw new Error(`dot : expected both vectors to have same dtype, but found ${scalarTypeName(a._dtype)} and ${scalarTypeName(b._dtype)}`);
  }
  checkDtypes(a, b);
  // Complex: the product of a row and a column, through mm (no conjugate, as PyTorch's dot).
  if (a._dtype.isComplex) return reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  const row = makeView(a, [1, a._shape[0]], [0, a._strides[0]], a._offset);
  const col = makeView(b, [b._shape[0], 1], [b._strides[0], 0], b._offset);
  const m = mmRaw(row, col);
  row.dispose();
  col.dispose();
  const out = new Tensor(m._storage, [], [], 0, a._dtype);
  m.dispose();
  return record(out, 'DotBackward0', [a, b], (node) => dotBackward(b._requiresGrad ? node.save(a) : null, a._requiresGrad ? node.save(b) : null));
}

function dotBackward(sa: (() => Tensor) | null, sb: (() => Tensor) | null): Backward {
  return (g) => [sb === null ? null : mul(sb(), g), sa === null ? null : mul(sa(), g)];
}

/**
 * Matrix-vector product.
 * @example torch.mv(m, v)
 */
export function mv(m: Tensor, v: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('mv', mv, arguments);
  checkTensor(m, 'mv', 'input');
  checkTensor(v, 'mv', 'vec');
  if (m._shape.length !== 2 || v._shape.length !== 1) {
    throw new Error(`vector + matrix @ vector expected, got 1, ${m._shape.length}, ${v._shape.length}`);
  }
  if (m._shape[1] !== v._shape[0]) {
    throw new Error(`size mismatch, got input (${m._shape[0]}), mat (${m._shape[0]}x${m._shape[1]}), vec (${v._shape[0]})`);
  }
  checkDtypes(m, v);
  if (m._dtype.isComplex) return squeeze(mm(m, unsqueeze(v, 1)), 1);
  const col = makeView(v, [v._shape[0], 1], [v._strides[0], 0], v._offset);
  const r = mmRaw(m, col);
  col.dispose();
  const out = new Tensor(r._storage, [m._shape[0]], [1], 0, m._dtype);
  r.dispose();
  return record(out, 'MvBackward0', [m, v], (node) => mvBackward(v._requiresGrad ? node.save(m) : null, m._requiresGrad ? node.save(v) : null));
}

function mvBackward(sm: (() => Tensor) | null, sv: (() => Tensor) | null): Backward {
  return (g) => [sv === null ? null : mm(unsqueeze(g, 1), unsqueeze(sv(), 0)), sm === null ? null : mv(transpose2d(sm()), g)];
}

/**
 * Outer product of two vectors.
 * @example torch.outer(a, b)
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'outer', 'input');
  checkTensor(b, 'outer', 'vec2');
  return mul(unsqueeze(a, 1), unsqueeze(b, 0));
}

/**
 * PyTorch's matmul: dot, mv, mm, or batched with broadcast batch dims.
 * @example torch.matmul(a, b); a.matmul(b)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (autocastHook.active) return autocastOp('matmul', matmul, arguments);
  checkTensor(a, 'matmul', 'input');
  checkTensor(b, 'matmul', 'other');
  const da = a._shape.length;
  const db = b._shape.length;
  if (da === 0 || db === 0) {
    throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  }
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) return squeeze(mm(unsqueeze(a, 0), b), 0);
  if (da === 2 && db === 2) return mm(a, b);
  if (da === 3 && db === 3 && a._shape[0] === b._shape[0]) return bmm(a, b);
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  const left = da === 1 ? unsqueeze(a, 0) : a;
  const right = db === 1 ? unsqueeze(b, 1) : b;
  const m = left._shape[left._shape.length - 2];
  const k = left._shape[left._shape.length - 1];
  const k2 = right._shape[right._shape.length - 2];
  const n = right._shape[right._shape.length - 1];
  if (k !== k2) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${shapeNumel(left._shape.slice(0, -2))}, ${k}] but got: [${shapeNumel(right._shape.slice(0, -2))}, ${k2}].`);
  }
  const batch = broadcastShapes(left._shape.slice(0, -2), right._shape.slice(0, -2));
  const batchSize = shapeNumel(batch);
  const l3 = reshape(expand(left, [...batch, m, k]), [batchSize, m, k]);
  const r3 = reshape(expand(right, [...batch, k, n]), [batchSize, k, n]);
  let out = reshape(bmm(l3, r3), [...batch, m, n]);
  if (da === 1) out = squeeze(out, -2);
  if (db === 1) out = squeeze(out, -1);
  if (out._gradFn) (out._gradFn as { name: string }).name = 'UnsafeViewBackward0';
  return out;
}

