/*
 * Row-block views and in-place products over the recurrent layers' preallocated buffers.
 * A layer keeps every per-step quantity in one [rows, width] buffer whose step t is the
 * row block [offsets[t], offsets[t] + batchSizes[t]); the native step kernels and the
 * GEMMs read and write those blocks in place, so a step allocates nothing.
 * Internal to flint.
 */
import * as call from '../../native/calls.generated.js';
import { layoutOf, type ViewArg } from '../../native/meta.js';
import type { Tensor } from '../../tensor/tensor.js';
import { emptyKernel } from '../../ops/tensor-kernels.js';

/**
 * Rows [start, start + count) of the contiguous 2-D buffer `t`, seen as [count, ...inner]
 * (inner multiplies to t's row width).
 * @example rows(gates, off, bs, [4, hidden])
 */
export function rows(t: Tensor, start: number, count: number, inner: readonly number[] = [t._shape[1]]): ViewArg {
  const shape = [count, ...inner];
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return layoutOf(t, t._dtype, t._offset + start * t._shape[1], shape, strides);
}

/**
 * A new uninitialised contiguous [r, c] buffer like `like` (dtype and device).
 * @example const gates = buffer(x, n, 4 * hidden)
 */
export function buffer(like: Tensor, r: number, c: number): Tensor {
  return emptyKernel([r, c], like._dtype, like.device);
}

/** `dst = src` for two same-shape views. @example copyRows(rows(a, 0, 2), rows(b, 4, 2)) */
export function copyRows(dst: ViewArg, src: ViewArg): void {
  call.cast(dst, src);
}

/**
 * `C[m, n] = beta * C + op(A)[m, k] · op(B)[k, n]` on row blocks of contiguous 2-D
 * buffers, in place: `a` rows start at row `aRow` (op(A) = Aᵀ when `transA`, A then
 * being [k, m]), likewise `b`, and C's rows start at row `cRow` of `out`.
 * @example mm(hproj, 0, h, 0, false, wHh, 0, true, bs, 4 * hidden, proj, 0)
 */
export function mm(
  out: Tensor, cRow: number,
  a: Tensor, aRow: number, transA: boolean,
  b: Tensor, bRow: number, transB: boolean,
  m: number, n: number, k: number, beta: number,
): void {
  if (m === 0 || n === 0) return;
  const lda = a._shape[1];
  const ldb = b._shape[1];
  const ldc = out._shape[1];
  call.gemm(
    out._handle(), a._handle(), b._handle(), out._dtype.code, m, n, k, 1, transA, transB,
    a._offset + aRow * lda, lda, 0, b._offset + bRow * ldb, ldb, 0, out._offset + cRow * ldc, ldc, 0, 1, beta,
    null, 0, 0, 0,
  );
}

/** Prefix sums of the batch sizes: where each step's rows start. @example offsetsOf([2, 2, 1]) // [0, 2, 4] */
export function offsetsOf(batchSizes: readonly number[]): number[] {
  const offsets = new Array<number>(batchSizes.length);
  let at = 0;
  for (let t = 0; t < batchSizes.length; t++) {
    offsets[t] = at;
    at += batchSizes[t];
  }
  return offsets;
}
