/**
 * `torch.cuda.amp`: PyTorch's older, CUDA-only spellings of `torch.amp`.
 * @example const scaler = new torch.cuda.amp.GradScaler({ initScale: 1024 });
 */
import { GradScaler as AmpGradScaler, type GradScalerOptions } from './grad-scaler.js';

/**
 * `torch.cuda.amp.GradScaler(init_scale=..., ...)`: `torch.amp.GradScaler('cuda', ...)`.
 * @example const scaler = new torch.cuda.amp.GradScaler();
 */
export class GradScaler extends AmpGradScaler {
  constructor(options: GradScalerOptions = {}) {
    super('cuda', options);
  }
}
