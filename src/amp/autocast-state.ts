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
let hookOn = false;
let bypassNext = false;
export const autocastHook = {
  get active(): boolean {
    if (bypassNext) {
      bypassNext = false;
      return false;
    }
    return hookOn;
  },
  set active(on: boolean) {
    hookOn = on;
  },
};

/**
 * Lets the next hooked op run as written while the ops it calls stay hooked: an op on no
 * list of this device is a composite in PyTorch, whose inner ops autocast still sees.
 * `clearBypass` disarms it if that op never reached its check. @internal
 */
export function bypassNextHook(): void {
  bypassNext = true;
}
/** @internal */
export function clearBypass(): void {
  bypassNext = false;
}

/** Recomputes `autocastHook.active` from the states. @internal */
export function refreshAutocastHook(): void {
  autocastHook.active = autocastStates.cpu.enabled || autocastStates.cuda.enabled;
}
