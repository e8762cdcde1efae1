/**
 * The `dtype` / `device` keywords every layer constructor takes (PyTorch's
 * `factory_kwargs`), checked in the layer's name.
 */
import type { DType } from '../../tensor/dtype.js';
import type { Device, DeviceLike } from '../../tensor/device.js';
import { keysOf, toDeviceArg, toDTypeArg } from '../../tensor/args.js';

/**
 * dtype/device keywords that layer constructors accept, as PyTorch's factory kwargs.
 * @example new nn.Linear(4, 2, { dtype: torch.float64, device: 'cpu' })
 */
export interface FactoryOptions {
  dtype?: DType | string | null;
  device?: DeviceLike | null;
}

/**
 * The keys of FactoryOptions, for the layers' option lists.
 * @example const KEYS = keysOf<LinearOptions>()('bias', ...FACTORY_KEYS);
 */
export const FACTORY_KEYS = keysOf<FactoryOptions>()('dtype', 'device');

/**
 * Checked factory options to pass to the creation functions, naming the layer `fn`
 * in the messages rather than `empty`.
 * @example empty([3, 2], factoryOf(options, 'Linear'))
 */
export function factoryOf(options: FactoryOptions, fn: string): { dtype?: DType; device?: Device } {
  const out: { dtype?: DType; device?: Device } = {};
  if (options.dtype !== undefined && options.dtype !== null) out.dtype = toDTypeArg(options.dtype, fn);
  if (options.device !== undefined && options.device !== null) out.device = toDeviceArg(options.device, fn);
  return out;
}
