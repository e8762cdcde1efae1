/**
 * `torch.cuda.amp`: PyTorch's older, CUDA-only spellings of `torch.amp`.
 * @example const scaler = new torch.cuda.amp.GradScaler({ initScale: 1024 });
 */
import { GradScaler as AmpGradScaler, type GradScalerOptions } from './grad-scaler.js';
import { autocast as autocastOn, type AutocastOptions } from './autocast-mode.js';

/**
 * `torch.cuda.amp.GradScaler(init_scale=..., ...)`: `torch.amp.GradScaler('cuda', ...)`.
 * @example const scaler = new torch.cuda.amp.GradScaler();
 */
export class GradScaler extends AmpGradScaler {
  constructor(options: GradScalerOptions = {}) {
    super('cuda', options);
  }
}

/**
 * `torch.cuda.amp.autocast(...)`: `torch.autocast('cuda', ...)`.
 * @example const out = torch.cuda.amp.autocast(() => net(x));
 */
export function autocast<R>(fn: () => R): R;
export function autocast<R>(options: AutocastOptions, fn: () => R): R;
export function autocast<R>(optionsOrFn: AutocastOptions | (() => R), fn?: () => R): R {
  return typeof optionsOrFn === 'function' ? autocastOn('cuda', optionsOrFn) : autocastOn('cuda', optionsOrFn, fn as () => R);
}
