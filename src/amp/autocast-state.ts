/**
 * Autocast's per-device state, with no imports, so that every hooked op can read
 * `autocastHook.active` (one property load) without import cycles.
 */

/** One device type's autocast settings. @internal */
export interface AutocastDeviceState {
  enabled: boolean;
  /** The low-precision dtype's name: 'float16' or 'bfloat16'. */
  dtype: 'float16' | 'bfloat16';
  cacheEnabled: boolean;
}

/** @internal */
export const autocastStates: Record<'cpu' | 'cuda', AutocastDeviceState> = {
  cpu: { enabled: false, dtype: 'bfloat16', cacheEnabled: true },
  cuda: { enabled: false, dtype: 'float16', cacheEnabled: true },
};

/**
 * `active` is true while some device's autocast is on and no hooked op is running (the
 * ops a listed op calls internally run as written, as PyTorch excludes its autocast keys
 * inside an op). Ops test it first and pay nothing more when it is false.
 * @internal
 */
export const autocastHook = { active: false };

/** Recomputes `autocastHook.active` from the states. @internal */
export function refreshAutocastHook(): void {
  autocastHook.active = autocastStates.cpu.enabled || autocastStates.cuda.enabled;
}
