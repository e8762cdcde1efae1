/** GradScaler's options and state dict, and the one place its options are checked. */
import { argumentError } from '../tensor/args.js';

/**
 * Options of `new GradScaler(device, options)`, PyTorch's keyword arguments camelCased.
 * @example new torch.amp.GradScaler('cuda', { initScale: 1024, growthInterval: 100 })
 */
export interface GradScalerOptions {
  /** The scale before the first update (PyTorch's `init_scale`, 2**16). */
  initScale?: number;
  /** Multiplies the scale after `growthInterval` clean steps (2). */
  growthFactor?: number;
  /** Multiplies the scale after a step with inf/NaN gradients (0.5). */
  backoffFactor?: number;
  /** Clean steps between growths (2000). */
  growthInterval?: number;
  /** When false, every method is a pass-through (true). */
  enabled?: boolean;
}

/**
 * `scaler.stateDict()`, with PyTorch's keys, so it loads on either side.
 * @example const { scale, _growth_tracker } = scaler.stateDict() as GradScalerStateDict;
 */
export interface GradScalerStateDict {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

const KNOWN = new Set(['initScale', 'growthFactor', 'backoffFactor', 'growthInterval', 'enabled']);

/** The options with their defaults, each checked. @internal */
export function checkScalerOptions(options: GradScalerOptions): Required<GradScalerOptions> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw argumentError('GradScaler', 'options', 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`GradScaler(): unexpected option '${key}'; expected one of ${[...KNOWN].join(', ')}`);
  }
  const { initScale = 2 ** 16, growthFactor = 2.0, backoffFactor = 0.5, growthInterval = 2000, enabled = true } = options;
  for (const [name, v] of [['initScale', initScale], ['growthFactor', growthFactor], ['backoffFactor', backoffFactor]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw argumentError('GradScaler', name, 'a number', v);
  }
  if (typeof growthInterval !== 'number' || !Number.isInteger(growthInterval) || growthInterval < 1) {
    throw argumentError('GradScaler', 'growthInterval', 'a positive integer', growthInterval);
  }
  if (typeof enabled !== 'boolean') throw argumentError('GradScaler', 'enabled', 'a boolean', enabled);
  return { initScale, growthFactor, backoffFactor, growthInterval, enabled };
}
