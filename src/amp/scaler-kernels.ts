/**
 * GradScaler's two device-side kernels, PyTorch's `_amp_foreach_non_finite_check_and_unscale_`
 * and `_amp_update_scale_`, composed from tensor ops so that no value is read back to
 * the host: the skip decision and the scale's new value stay tensors.
 */
import '../tensor/methods.js';
import { noGrad } from '../autograd/grad-mode.js';
import { keep, tidy } from '../memory/storage.js';
import { float32 } from '../tensor/dtype.js';
import { where } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Multiplies each gradient (all on one device) by `invScale` in place and returns a new
 * float32 scalar on that device: 1 when any of them held inf or NaN before unscaling, else
 * 0. As in PyTorch, the gradients are unscaled even when the flag is set.
 * @example const found = nonFiniteCheckAndUnscale_([w.grad!, b.grad!], inv);
 */
export function nonFiniteCheckAndUnscale_(grads: Tensor[], invScale: Tensor): Tensor {
  return noGrad(() =>
    tidy(() => {
      let finite: Tensor | null = null;
      for (const g of grads) {
        const all = g.isfinite().all();
        finite = finite === null ? all : finite.logicalAnd(all);
        g.mul_(invScale);
      }
      return keep((finite as Tensor).logicalNot().to(float32));
    }),
  );
}

/**
 * Updates `scale` (float32 scalar) and `growthTracker` (int32 scalar) in place from
 * `foundInf`, as PyTorch's kernel: on inf, scale *= backoff and the tracker restarts;
 * otherwise the tracker counts, and on reaching `growthInterval` the scale grows (if the
 * grown scale is finite) and the tracker restarts.
 * @example updateScale_(scale, tracker, found, 2, 0.5, 2000);
 */
export function updateScale_(
  scale: Tensor,
  growthTracker: Tensor,
  foundInf: Tensor,
  growthFactor: number,
  backoffFactor: number,
  growthInterval: number,
): void {
  noGrad(() =>
    tidy(() => {
      const found = foundInf.ne(0);
      const successful = growthTracker.add(1);
      const reached = successful.eq(growthInterval);
      const grown = scale.mul(growthFactor);
      const grow = reached.logicalAnd(grown.isfinite());
      scale.copy_(where(found, scale.mul(backoffFactor), where(grow, grown, scale)));
      growthTracker.copy_(where(found.logicalOr(reached), 0, successful));
    }),
  );
}
