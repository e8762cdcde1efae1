/**
 * `torch.amp`: mixed precision. `GradScaler` scales losses so that float16 gradients do
 * not underflow; `autocast` runs listed ops in a lower precision.
 * @example const scaler = new torch.amp.GradScaler('cuda');
 */
export { GradScaler } from './grad-scaler.js';
export type { GradScalerOptions, GradScalerStateDict, ScalableOptimizer, Scalable } from './grad-scaler.js';
export { autocast, isAutocastEnabled, getAutocastDtype, isAutocastAvailable } from './autocast-mode.js';
export type { AutocastOptions } from './autocast-mode.js';
