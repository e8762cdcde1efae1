/**
 * Differentiable matrix building blocks the linalg gradients are written in: mT, tril,
 * triu, diagonal, diagEmbed, and PyTorch's named-tuple results. Masks and identities are
 * constants, so these compose from mul/sum and their gradients come for free.
 */
import { fromArray } from '../tensor/creation.js';
import { float64 } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { narrow, transpose, unsqueeze } from '../ops/shape.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { tidy } from '../memory/storage.js';

/** The matrix transpose of the last two dims (PyTorch's `x.mT`). @internal */
export function mT(x: Tensor): Tensor {
  return transpose(x, -2, -1);
}

/** A constant [rows, cols] matrix of `value(i, j)`, in x's dtype and on its device. @internal */
export function constantMatrix(x: Tensor, rows: number, cols: number, value: (i: number, j: number) => number): Tensor {
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values[i * cols + j] = value(i, j);
  return fromArray(values, float64, [rows, cols], x._dtype, x.device);
}

/** The identity matrix of size n, like x. @internal */
export function eyeLike(x: Tensor, n: number, m = n): Tensor {
  return constantMatrix(x, n, m, (i, j) => (i === j ? 1 : 0));
}

// The triangles are torch.tril/triu (a select, not a product with a mask: inf and NaN outside
// the triangle still give zeros there, and -x gives +0 as in PyTorch).
export { tril, triu } from '../ops/structured.js';

/** The main diagonals of a batch of matrices, [..., min(m, n)]. @internal */
export function diagonal(x: Tensor): Tensor {
  const [rows, cols] = x._shape.slice(-2);
  const k = Math.min(rows, cols);
  const square = rows === k && cols === k ? x : narrow(narrow(x, -2, 0, k), -1, 0, k);
  const eye = eyeLike(x, k);
  const out = sum(mul(square, eye), -1);
  if (!out._requiresGrad) eye.dispose();
  return out;
}

/** A batch of diagonal matrices from a batch of vectors, [..., n] -> [..., n, n]. @internal */
export function diagEmbed(v: Tensor): Tensor {
  const n = v._shape[v._shape.length - 1];
  const eye = eyeLike(v, n);
  const out = mul(unsqueeze(v, -1), eye);
  if (!out._requiresGrad) eye.dispose();
  return out;
}

/**
 * A PyTorch named tuple: an array to destructure, with its fields also readable by name.
 * @internal
 */
export function namedTuple<T extends Record<string, unknown>>(fields: T): T & unknown[] {
  const values = Object.values(fields);
  const tuple = [...values];
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(tuple, key, { value, enumerable: false });
  return tuple as unknown as T & unknown[];
}

/**
 * Runs a composite op's body in a `tidy` scope when it records no graph, so that its
 * intermediates are freed at once; with a graph they are the saved tensors and stay.
 * @internal
 */
export function scoped<T>(inputs: readonly Tensor[], fn: () => T): T {
  const graph = isGradEnabled() && inputs.some((t) => t._requiresGrad);
  return graph ? fn() : tidy(fn);
}
