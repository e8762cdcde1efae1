/** The in-place form of an op that has only an out-of-place kernel path. */
import { checkInplace } from '../autograd/function.js';
import { gradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { copyKernel } from './tensor-kernels.js';
import { rebase } from './inplace.js';
import { assertNoInternalOverlap } from './overlap.js';

/**
 * Runs an in-place op as its out-of-place form written back into `self`: through `rebase`
 * (which records the history) when autograd must see it, else straight into `self`.
 * @internal
 * @example inplaceVia(x, [mask], (current) => maskedFill(current, mask, 0))
 */
export function inplaceVia(self: Tensor, others: unknown[], compute: (current: Tensor) => Tensor): Tensor {
  assertNoInternalOverlap(self);
  const tracked = gradEnabled() && (self._requiresGrad || (self._base !== null && self._base._requiresGrad) || others.some((t) => t instanceof Tensor && t._requiresGrad));
  if (tracked) return rebase(self, compute);
  checkInplace(self);
  const result = compute(self);
  if (!sameShape(result._shape, self._shape)) {
    throw new Error(`output with shape [${self._shape.join(', ')}] doesn't match the broadcast shape [${result._shape.join(', ')}]`);
  }
  copyKernel(self, result);
  result.dispose();
  self._version.value++;
  return self;
}

