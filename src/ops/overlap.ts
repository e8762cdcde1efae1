/**
 * PyTorch's memory-overlap rules for ops that write into an existing tensor: refuse a
 * written-to tensor whose elements share memory (an expanded view), and refuse an input
 * that partly overlaps the output. What these rules call "too hard" to decide is left to
 * the native boundary, which reads any input that shares bytes with the output from a
 * copy (native/napi/views.h, ScratchCopies), so the result is always exact.
 */
import { Tensor } from '../tensor/tensor.js';

const INTERNAL_OVERLAP =
  'unsupported operation: more than one element of the written-to tensor refers to a single memory location. ' +
  'Please clone() the tensor before performing the operation.';
const PARTIAL_OVERLAP =
  'unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory ' +
  'location. Please clone() the tensor before performing the operation.';

/** PyTorch's is_non_overlapping_and_dense: some permutation of the dims is contiguous. */
function nonOverlappingAndDense(t: Tensor): boolean {
  const shape = t._shape;
  const strides = t._strides;
  const n = shape.length;
  if (n === 1) return shape[0] < 2 || strides[0] === 1;
  const order: number[] = [];
  for (let d = 0; d < n; d++) if (shape[d] >= 2) order.push(d);
  order.sort((a, b) => strides[a] - strides[b]);
  let required = 1;
  for (const d of order) {
    if (strides[d] !== required) return false;
    required *= shape[d];
  }
  return true;
}

/**
 * Throws PyTorch's error when `t` has elements that share memory (a stride of 0 over a
 * dim of size > 1), before an op writes into it.
 * @example assertNoInternalOverlap(torch.ones(3, 1).expand(3, 3)) // throws
 */
export function assertNoInternalOverlap(t: Tensor): void {
  // PyTorch raises when the layout is not dense and some dim of size > 1 has stride 0; a
  // dim like that is never dense, so that dim alone decides (and this runs on every
  // in-place op, the optimizer's included, without allocating).
  for (let d = 0; d < t._shape.length; d++) {
    if (t._strides[d] === 0 && t._shape[d] > 1) throw new Error(INTERNAL_OVERLAP);
  }
}

/**
 * Throws PyTorch's error when `input` and `out` share some but not all of their memory
 * (PyTorch's get_overlap_status gives Partial): `a.add_(a.t())`, `x.narrow(0, 1, 4).copy_(x.narrow(0, 0, 4))`.
 * @example assertNoPartialOverlap(a, a.t()) // throws
 */
export function assertNoPartialOverlap(out: Tensor, input: Tensor): void {
  if (out === input || out._storage !== input._storage) return;
  if (out.numel() === 0 || input.numel() === 0) return;
  if (!nonOverlappingAndDense(out) || !nonOverlappingAndDense(input)) return;
  const outBegin = out._offset * out._dtype.itemsize;
  const outEnd = outBegin + out.numel() * out._dtype.itemsize;
  const inBegin = input._offset * input._dtype.itemsize;
  const inEnd = inBegin + input.numel() * input._dtype.itemsize;
  if (outBegin === inBegin && outEnd === inEnd) {
    for (let d = 0; d < out._strides.length; d++) {
      if (out._strides[d] !== input._strides[d]) throw new Error(PARTIAL_OVERLAP);
    }
    if (out._strides.length !== input._strides.length) throw new Error(PARTIAL_OVERLAP);
    return;
  }
  if (outBegin < inEnd && inBegin < outEnd) throw new Error(PARTIAL_OVERLAP);
}

/**
 * The checks PyTorch's TensorIterator makes before an op writes into `out`: no internal
 * overlap in `out`, and no partial overlap with any tensor input.
 * @example checkWriteOverlap(self, other)
 */
export function checkWriteOverlap(out: Tensor, ...inputs: unknown[]): void {
  assertNoInternalOverlap(out);
  for (const input of inputs) if (input instanceof Tensor) assertNoPartialOverlap(out, input);
}
