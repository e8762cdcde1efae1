/**
 * The options objects of `nn.Module`'s methods, each with the key list that
 * `checkOptions` enforces, and the argument forms of `Module.to`.
 */
import { DType, toDTypeOrNull } from '../tensor/dtype.js';
import { Device, type DeviceLike } from '../tensor/device.js';
import { argumentError, checkOptions, keysOf, toDeviceArg, toDTypeArg } from '../tensor/args.js';

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
  if (target instanceof DType) dtype = target;
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
