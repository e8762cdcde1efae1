/**
 * `torch.autocast`: a region in which the ops of autocast's lists (autocast-policy.ts)
 * run in a lower precision or in float32. PyTorch's context manager becomes a callback:
 * the settings hold while `fn` runs and are restored when it returns or throws.
 */
import { argumentError } from '../tensor/args.js';
import { DType, bfloat16, float16 } from '../tensor/dtype.js';
import * as cuda from '../cuda.js';
import { autocastStates, refreshAutocastHook, type AutocastDeviceState } from './autocast-state.js';
import { clearAutocastCache } from './autocast-policy.js';

/**
 * `torch.autocast`'s keyword arguments.
 * @example torch.autocast('cuda', { dtype: torch.bfloat16 }, () => net(x))
 */
export interface AutocastOptions {
  /** The low-precision dtype: float16 by default on CUDA, bfloat16 on the CPU. */
  dtype?: DType;
  /** False makes the region a no-autocast region (true). */
  enabled?: boolean;
  /** Whether casts of weights are reused within the region (true). */
  cacheEnabled?: boolean;
}

let nesting = 0;

function checkDeviceType(deviceType: unknown, fn: string): 'cpu' | 'cuda' {
  if (deviceType !== 'cpu' && deviceType !== 'cuda') {
    if (typeof deviceType === 'string') {
      throw new Error(`User specified an unsupported autocast device_type '${deviceType}'`);
    }
    throw argumentError(fn, 'deviceType', "'cuda' or 'cpu'", deviceType);
  }
  return deviceType;
}

/** The settings a region asks for, with PyTorch's warnings when it must disable itself. */
function settingsFor(deviceType: 'cpu' | 'cuda', options: AutocastOptions): AutocastDeviceState {
  if (options === null || typeof options !== 'object') throw argumentError('autocast', 'options', 'an options object', options);
  for (const key of Object.keys(options)) {
    if (key !== 'dtype' && key !== 'enabled' && key !== 'cacheEnabled') {
      throw new TypeError(`autocast(): unexpected option '${key}'; expected one of dtype, enabled, cacheEnabled`);
    }
  }
  const { dtype, enabled = true, cacheEnabled = true } = options;
  if (typeof enabled !== 'boolean') throw argumentError('autocast', 'enabled', 'a boolean', enabled);
  if (typeof cacheEnabled !== 'boolean') throw argumentError('autocast', 'cacheEnabled', 'a boolean', cacheEnabled);
  if (dtype !== undefined && !(dtype instanceof DType)) throw argumentError('autocast', 'dtype', 'a torch dtype', dtype);
  const chosen = dtype ?? (deviceType === 'cuda' ? float16 : bfloat16);
  let on = enabled;
  if (on && deviceType === 'cuda' && !cuda.isAvailable()) {
    process.emitWarning("User provided device_type of 'cuda', but CUDA is not available. Disabling", 'UserWarning');
    on = false;
  }
  if (on && deviceType === 'cpu' && chosen !== bfloat16) {
    // flint's CPU has no float16 matrix product, as PyTorch 1.13's CPU autocast.
    process.emitWarning(
      'In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only supports dtype of torch.bfloat16 currently.',
      'UserWarning',
    );
    on = false;
  }
  if (on && deviceType === 'cuda' && chosen !== float16 && chosen !== bfloat16) {
    process.emitWarning(
      'In CUDA autocast, but the target dtype is not supported. Disabling autocast.\nCUDA Autocast only supports dtypes of torch.float16 and torch.bfloat16 currently.',
      'UserWarning',
    );
    on = false;
  }
  const current = autocastStates[deviceType];
  // A disabled region keeps the enclosing dtype, as PyTorch only sets the dtype when enabled.
  return { enabled: on, dtype: on ? (chosen.name as 'float16' | 'bfloat16') : current.dtype, cacheEnabled };
}

/**
 * Runs `fn` with autocast on (or, with `enabled: false`, off) for one device type, as
 * `with torch.autocast(device_type, ...):`, and returns its result. Regions nest; the
 * enclosing settings come back when `fn` returns or throws. `fn` must be synchronous:
 * the settings are global, as PyTorch's are per thread, so an awaited continuation would
 * run outside the region.
 *
 * @example
 * const out = torch.autocast('cpu', () => net(x)); // Linear runs in bfloat16
 * const loss = torch.autocast('cuda', { dtype: torch.float16 }, () => F.crossEntropy(net(x), y));
 */
export function autocast<R>(deviceType: 'cpu' | 'cuda' | string, fn: () => R): R;
export function autocast<R>(deviceType: 'cpu' | 'cuda' | string, options: AutocastOptions, fn: () => R): R;
export function autocast<R>(deviceType: string, optionsOrFn: AutocastOptions | (() => R), maybeFn?: () => R): R {
  const dev = checkDeviceType(deviceType, 'autocast');
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  if (typeof fn !== 'function') throw argumentError('autocast', 'fn', 'a function', fn);
  const next = settingsFor(dev, options ?? {});
  const previous = { ...autocastStates[dev] };
  autocastStates[dev] = next;
  refreshAutocastHook();
  nesting++;
  try {
    const result = fn();
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      process.emitWarning(
        'autocast(): the callback returned a Promise; the region ends when the callback returns, so work after its first await runs without this autocast setting',
        'UserWarning',
      );
    }
    return result;
  } finally {
    nesting--;
    if (nesting === 0) clearAutocastCache();
    autocastStates[dev] = previous;
    refreshAutocastHook();
  }
}

/**
 * Whether autocast is on for a device type (`'cuda'` when omitted, as PyTorch).
 * @example torch.autocast('cpu', () => torch.isAutocastEnabled('cpu')) // true
 */
export function isAutocastEnabled(deviceType: 'cpu' | 'cuda' | string = 'cuda'): boolean {
  return autocastStates[checkDeviceType(deviceType, 'isAutocastEnabled')].enabled;
}

/**
 * The dtype autocast lowers to on a device type (float16 on CUDA, bfloat16 on the CPU,
 * unless a region chose another).
 * @example torch.getAutocastDtype('cpu') // torch.bfloat16
 */
export function getAutocastDtype(deviceType: 'cpu' | 'cuda' | string): DType {
  return autocastStates[checkDeviceType(deviceType, 'getAutocastDtype')].dtype === 'float16' ? float16 : bfloat16;
}

/**
 * Whether autocast supports a device type (`torch.amp.is_autocast_available`): true for
 * `'cpu'` and `'cuda'`, whether or not a GPU is present.
 * @example torch.amp.isAutocastAvailable('cuda') // true
 */
export function isAutocastAvailable(deviceType: string): boolean {
  if (typeof deviceType !== 'string') throw argumentError('isAutocastAvailable', 'deviceType', 'a device type string', deviceType);
  return deviceType === 'cpu' || deviceType === 'cuda';
}

// torch._C's autocast switches, which torch.autocast's __enter__/__exit__ are made of. Code
// that drives autocast by hand (or ports a custom context manager) calls these.

function checkEnabled(enabled: unknown): boolean {
  if (typeof enabled !== 'boolean') throw new TypeError(`enabled must be a bool (got ${enabled === null ? 'null' : typeof enabled})`);
  return enabled;
}

function setEnabled(device: 'cpu' | 'cuda', enabled: unknown): void {
  autocastStates[device] = { ...autocastStates[device], enabled: checkEnabled(enabled) };
  refreshAutocastHook();
}

function checkDtypeArg(dtype: unknown): DType {
  if (!(dtype instanceof DType)) throw new TypeError(`dtype must be a torch.dtype (got ${typeof dtype})`);
  return dtype;
}

/**
 * `torch.set_autocast_enabled(enabled)`: turns CUDA autocast on or off until changed, as
 * entering `torch.autocast('cuda')` does.
 * @example torch.setAutocastEnabled(true); try { net(x) } finally { torch.setAutocastEnabled(false) }
 */
export function setAutocastEnabled(enabled: boolean): void {
  setEnabled('cuda', enabled);
}

/**
 * `torch.is_autocast_cpu_enabled()`.
 * @example torch.autocast('cpu', () => torch.isAutocastCpuEnabled()) // true
 */
export function isAutocastCpuEnabled(): boolean {
  return autocastStates.cpu.enabled;
}

/**
 * `torch.set_autocast_cpu_enabled(enabled)`: turns CPU autocast on or off until changed.
 * @example torch.setAutocastCpuEnabled(true)
 */
export function setAutocastCpuEnabled(enabled: boolean): void {
  setEnabled('cpu', enabled);
}

/**
 * `torch.get_autocast_cpu_dtype()`: bfloat16 unless changed.
 * @example torch.getAutocastCpuDtype() // torch.bfloat16
 */
export function getAutocastCpuDtype(): DType {
  return getAutocastDtype('cpu');
}

/**
 * `torch.get_autocast_gpu_dtype()`: float16 unless changed.
 * @example torch.getAutocastGpuDtype() // torch.float16
 */
export function getAutocastGpuDtype(): DType {
  return getAutocastDtype('cuda');
}

/**
 * `torch.set_autocast_cpu_dtype(dtype)`: CPU autocast's dtype, which PyTorch 1.13 allows to
 * be bfloat16 only.
 * @example torch.setAutocastCpuDtype(torch.bfloat16)
 */
export function setAutocastCpuDtype(dtype: DType): void {
  if (checkDtypeArg(dtype) !== bfloat16) throw new Error('Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype');
  autocastStates.cpu = { ...autocastStates.cpu, dtype: 'bfloat16' };
}

/**
 * `torch.set_autocast_gpu_dtype(dtype)`: CUDA autocast's dtype, float16 or bfloat16 (the two
 * CUDA autocast runs in; PyTorch stores any dtype and refuses it on entering a region).
 * @example torch.setAutocastGpuDtype(torch.bfloat16)
 */
export function setAutocastGpuDtype(dtype: DType): void {
  const d = checkDtypeArg(dtype);
  if (d !== float16 && d !== bfloat16) throw new Error(`CUDA autocast lowers to torch.float16 or torch.bfloat16, got ${d}`);
  autocastStates.cuda = { ...autocastStates.cuda, dtype: d.name as 'float16' | 'bfloat16' };
}

/**
 * `torch.autocast_increment_nesting()`: counts one more open autocast region and returns the
 * count.
 * @example torch.autocastIncrementNesting() // 1
 */
export function autocastIncrementNesting(): number {
  return ++nesting;
}

/**
 * `torch.autocast_decrement_nesting()`: counts one region fewer and returns the count; at 0
 * the caller clears the cast cache (`torch.clearAutocastCache()`), as torch.autocast's exit does.
 * @example if (torch.autocastDecrementNesting() === 0) torch.clearAutocastCache();
 */
export function autocastDecrementNesting(): number {
  return --nesting;
}

/**
 * `torch.is_autocast_cache_enabled()`: whether casts of weights are reused within a region.
 * @example torch.isAutocastCacheEnabled() // true
 */
export function isAutocastCacheEnabled(): boolean {
  return autocastStates.cpu.cacheEnabled && autocastStates.cuda.cacheEnabled;
}

/**
 * `torch.set_autocast_cache_enabled(enabled)`: whether casts of weights are reused within a
 * region, for both device types, as PyTorch's one switch.
 * @example torch.setAutocastCacheEnabled(false)
 */
export function setAutocastCacheEnabled(enabled: boolean): void {
  const on = checkEnabled(enabled);
  autocastStates.cpu = { ...autocastStates.cpu, cacheEnabled: on };
  autocastStates.cuda = { ...autocastStates.cuda, cacheEnabled: on };
}
