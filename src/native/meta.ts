/**
 * Packing of view descriptions into the meta buffer: [dtype, offset, ndim, shape...,
 * strides...] per view, in the order each native entry point documents.
 */
import { META } from './addon.js';

let cursor = 0;

/** Starts a new call's description. */
export function metaBegin(): void {
  cursor = 0;
}

/** Appends one view. */
export function metaView(dtypeCode: number, offset: number, shape: readonly number[], strides: readonly number[]): void {
  const n = shape.length;
  if (cursor + 3 + 2 * n > META.length) throw new Error('internal: meta buffer too small');
  META[cursor++] = dtypeCode;
  META[cursor++] = offset;
  META[cursor++] = n;
  for (let i = 0; i < n; i++) META[cursor + i] = shape[i];
  cursor += n;
  for (let i = 0; i < n; i++) META[cursor + i] = strides[i];
  cursor += n;
}

/** Appends a contiguous view of `shape` at offset 0 (a new output). */
export function metaContiguous(dtypeCode: number, shape: readonly number[]): void {
  const n = shape.length;
  META[cursor++] = dtypeCode;
  META[cursor++] = 0;
  META[cursor++] = n;
  for (let i = 0; i < n; i++) META[cursor + i] = shape[i];
  cursor += n;
  let stride = 1;
  for (let i = n - 1; i >= 0; i--) {
    META[cursor + i] = stride;
    stride *= shape[i] > 1 ? shape[i] : 1;
  }
  cursor += n;
}

/** Appends a contiguous output view whose strides the caller already computed. */
export function metaOutput(dtypeCode: number, shape: readonly number[], strides: readonly number[]): void {
  metaView(dtypeCode, 0, shape, strides);
}

/** Appends raw numbers. */
export function metaNumbers(...values: number[]): void {
  for (const v of values) META[cursor++] = v;
}
