/**
 * Small questions and one op PyTorch has on tensors and on `torch`: `sgn` / `sgn_` (the sign;
 * for real dtypes it equals `sign`, with PyTorch's grad_fn SgnBackward0; complex in src/complex/),
 * `torch.typename`, `torch.getDevice`, `torch.isInference` and `isSetTo`.
 *
 * PyTorch's `data_ptr()` has no counterpart: the native storage's address never crosses into
 * JS, and none could stay stable here, since `resize_` moves a storage to a larger block.
 */
import { UnaryOp } from '../native/enums.generated.js';
import { renameGradFn } from '../autograd/function.js';
import { sign } from '../ops/elementwise.js';
import { unaryInplace } from '../ops/inplace-math.js';
import { Tensor } from './tensor.js';
import { DType, legacyTypeName } from './dtype.js';
import { Size } from './size.js';
import { checkTensor } from './args.js';
import { complexSgn } from '../complex/math.js';

/**
 * The sign of each element (-1, 0 or 1; 0 at NaN), `torch.sgn`: the same as `sign` for the
 * real dtypes (its gradient is zero), and `z / |z|` (0 at 0) for complex ones.
 * @example torch.sgn(torch.tensor([-2, 0, 3])) // tensor([-1, 0, 1])
 */
export function sgn(input: Tensor): Tensor {
  checkTensor(input, 'sgn', 'input');
  if (input._dtype.isComplex) return complexSgn(input);
  return renameGradFn(sign(input), 'SgnBackward0');
}

/**
 * In-place `sgn`.
 * @example x.sgn_()
 */
export function sgn_(self: Tensor): Tensor {
  checkTensor(self, 'sgn_', 'input');
  return unaryInplace(self, 'sgn_', UnaryOp.Sign, sgn, false);
}

/**
 * The type's name, `torch.typename`: a tensor's legacy type ('torch.FloatTensor',
 * 'torch.cuda.LongTensor', ...); for anything else its class's name, or its JS type.
 * @example torch.typename(torch.zeros(1, { dtype: torch.float64 })) // 'torch.DoubleTensor'
 */
export function typename(obj: unknown): string {
  if (obj instanceof Tensor) return legacyTypeName(obj._dtype, obj.device.type === 'cuda');
  if (obj instanceof DType) return 'torch.dtype';
  if (obj instanceof Size) return 'torch.Size';
  if (obj === null) return 'null';
  if (typeof obj === 'object' || typeof obj === 'function') {
    const name = typeof obj === 'function' ? 'Function' : (obj as object).constructor?.name;
    return name ?? 'Object';
  }
  return typeof obj;
}

/**
 * The CUDA device index of `input`'s storage, or -1 on the CPU (`torch.get_device`).
 * @example torch.getDevice(torch.zeros(1)) // -1
 */
export function getDevice(input: Tensor): number {
  checkTensor(input, 'get_device', 'input');
  return input.device.type === 'cpu' ? -1 : (input.device.index ?? 0);
}

/**
 * Whether `input` was made in inference mode (`torch.is_inference`).
 * @example torch.isInference(torch.inferenceMode(() => torch.ones(1))) // true
 */
export function isInference(input: Tensor): boolean {
  checkTensor(input, 'is_inference', 'input');
  return input.isInference();
}

/**
 * Whether `self` and `tensor` are the same view of the same storage: one storage, one
 * offset, the same sizes and strides (`Tensor.is_set_to`; the dtype is not compared, as in
 * PyTorch).
 * @example const x = torch.zeros(4); x.isSetTo(x.view(4)) // true; x.isSetTo(x.view(2, 2)) // false
 */
export function isSetTo(self: Tensor, tensor: Tensor): boolean {
  checkTensor(self, 'is_set_to', 'self');
  checkTensor(tensor, 'is_set_to', 'tensor');
  if (self._storage !== tensor._storage || self._offset !== tensor._offset || self._shape.length !== tensor._shape.length) return false;
  for (let d = 0; d < self._shape.length; d++) {
    if (self._shape[d] !== tensor._shape[d] || self._strides[d] !== tensor._strides[d]) return false;
  }
  return true;
}
