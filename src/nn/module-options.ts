/**
 * The options objects of `nn.Module`'s methods, each with the key list that
 * `checkOptions` enforces, and the argument forms of `Module.to`.
 */
import { DType, toDTypeOrNull } from '../tensor/dtype.js';
import { Device, type DeviceLike } from '../tensor/device.js';
import { Tensor } from '../tensor/tensor.js';
import { argumentError, checkBoolean, checkOptions, isThenable, keysOf, toDeviceArg, toDTypeArg } from '../tensor/args.js';

/**
 * The options of `Module.stateDict`, as PyTorch's keywords.
 * @example net.stateDict({ prefix: 'encoder.', keepVars: true })
 */
export interface StateDictOptions {
  prefix?: string;
  keepVars?: boolean;
}
/**
 * @internal
 * @example checkOptions(options, 'stateDict', STATE_DICT_KEYS)
 */
export const STATE_DICT_KEYS = keysOf<StateDictOptions>()('prefix', 'keepVars');
/**
 * The options of `Module.loadStateDict`.
 * @example net.loadStateDict(sd, { strict: false })
 */
export interface LoadStateDictOptions {
  strict?: boolean;
}
/**
 * @internal
 * @example checkOptions(options, 'loadStateDict', LOAD_STATE_DICT_KEYS)
 */
export const LOAD_STATE_DICT_KEYS = keysOf<LoadStateDictOptions>()('strict');
/**
 * The options of `Module.registerBuffer`.
 * @example this.registerBuffer('cache', torch.zeros(3), { persistent: false })
 */
export interface RegisterBufferOptions {
  persistent?: boolean;
}
/**
 * @internal
 * @example checkOptions(options, 'registerBuffer', REGISTER_BUFFER_KEYS)
 */
export const REGISTER_BUFFER_KEYS = keysOf<RegisterBufferOptions>()('persistent');
/**
 * The options of `Module.zeroGrad`.
 * @example net.zeroGrad({ setToNone: false })
 */
export interface ZeroGradOptions {
  setToNone?: boolean;
}
/**
 * @internal
 * @example checkOptions(options, 'zeroGrad', ZERO_GRAD_KEYS)
 */
export const ZERO_GRAD_KEYS = keysOf<ZeroGradOptions>()('setToNone');
/**
 * The options form of `Module.to`.
 * @example net.to({ dtype: torch.float64, device: 'cpu' })
 */
export interface ModuleToOptions {
  dtype?: DType | string;
  device?: DeviceLike;
}
const MODULE_TO_KEYS = keysOf<ModuleToOptions>()('dtype', 'device');

/**
 * The dtype and/or device that `Module.to(target)` asks for: a dtype, a device, a
 * dtype or device name, or `{ dtype, device }`. @internal
 * @example moduleTarget('float64') // { dtype: torch.float64, device: undefined }
 */
export function moduleTarget(target: unknown): { dtype: DType | undefined; device: DeviceLike | undefined } {
  let dtype: DType | undefined;
  let device: DeviceLike | undefined;
  if (target instanceof DType) dtype = toDTypeArg(target, 'Module.to');
  else if (target instanceof Device) device = target;
  else if (typeof target === 'string') {
    const named = toDTypeOrNull(target);
    if (named !== null) dtype = named;
    else device = toDeviceArg(target, 'Module.to');
  } else if (typeof target === 'object' && target !== null) {
    checkOptions(target, 'Module.to', MODULE_TO_KEYS);
    const o = target as ModuleToOptions;
    if (o.dtype !== undefined) dtype = toDTypeArg(o.dtype, 'Module.to');
    if (o.device !== undefined) device = toDeviceArg(o.device, 'Module.to');
  } else throw argumentError('Module.to', 'target', 'a torch.dtype, a torch.device, a device string or { dtype, device }', target);
  return { dtype, device };
}

/**
 * The one boolean option of an options object (persistent, strict, setToNone), after
 * checking the object's keys and the value's type. @internal
 * @example flagOption({ strict: false }, 'loadStateDict', LOAD_STATE_DICT_KEYS, 'strict', true) // false
 */
export function flagOption(options: object | undefined, fn: string, keys: readonly string[], name: string, fallback: boolean): boolean {
  checkOptions(options, fn, keys);
  const value = (options as Record<string, unknown> | undefined)?.[name] ?? fallback;
  checkBoolean(value, fn, name);
  return value;
}

/**
 * `stateDict`'s options, checked. @internal
 * @example stateDictArgs({ prefix: 'net.' }) // { prefix: 'net.', keepVars: false }
 */
export function stateDictArgs(options: StateDictOptions | undefined): { prefix: string; keepVars: boolean } {
  checkOptions(options, 'stateDict', STATE_DICT_KEYS);
  const prefix = options?.prefix ?? '';
  const keepVars = options?.keepVars ?? false;
  if (typeof prefix !== 'string') throw argumentError('stateDict', 'prefix', 'a string', prefix);
  checkBoolean(keepVars, 'stateDict', 'keepVars');
  return { prefix, keepVars };
}

/**
 * Throws unless `loadStateDict`'s first argument is dict-like, as PyTorch requires. @internal
 * @example checkStateDictArg([]) // TypeError: loadStateDict(): argument 'stateDict' must be dict-like ...
 */
export function checkStateDictArg(stateDict: unknown): asserts stateDict is Record<string, Tensor> | Map<string, Tensor> {
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict) || stateDict instanceof Tensor || isThenable(stateDict)) {
    throw argumentError('loadStateDict', 'stateDict', 'dict-like (an object or a Map of tensors)', stateDict);
  }
}
