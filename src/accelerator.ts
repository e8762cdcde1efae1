/**
 * `torch.accelerator` (PyTorch 2.6+): device-agnostic queries over the one accelerator
 * flint has, CUDA, so that a script can ask "is there a GPU, and which one" without
 * naming CUDA.
 */
import * as cuda from './cuda.js';
import { device as toDevice, type Device, type DeviceLike } from './tensor/device.js';
import { argumentError, checkInteger } from './tensor/args.js';

/** PyTorch's message when an accelerator-only call runs without one. */
const NONE_AVAILABLE = 'Cannot access accelerator device when none is available.';

/** Options of {@link currentAccelerator}. */
export interface CurrentAcceleratorOptions {
  /** Ignored beyond its type: flint only reports an accelerator that can be used. */
  checkAvailable?: boolean;
}

/**
 * Whether an accelerator (a CUDA GPU) can be used. Never throws.
 * @example const dev = torch.accelerator.isAvailable() ? torch.accelerator.currentAccelerator() : 'cpu';
 */
export function isAvailable(): boolean {
  return cuda.isAvailable();
}

/**
 * The accelerator's device type, `device(type='cuda')`, or `undefined` when there is none.
 * PyTorch reports the accelerator its build was compiled for even when no device is
 * visible (unless `checkAvailable`); flint's CUDA support is a library found at run time,
 * so it reports CUDA only when CUDA can be used, whatever `checkAvailable` says.
 * @example torch.accelerator.currentAccelerator()?.type // 'cuda' on a GPU machine
 */
export function currentAccelerator(options: CurrentAcceleratorOptions = {}): Device | undefined {
  if (options === null || typeof options !== 'object') throw argumentError('currentAccelerator', 'options', 'an options object', options);
  if (options.checkAvailable !== undefined && typeof options.checkAvailable !== 'boolean') {
    throw argumentError('currentAccelerator', 'checkAvailable', 'a boolean', options.checkAvailable);
  }
  return isAvailable() ? toDevice('cuda') : undefined;
}

/** Number of accelerator devices (0 without one). @example torch.accelerator.deviceCount() */
export function deviceCount(): number {
  return isAvailable() ? cuda.deviceCount() : 0;
}

function requireAccelerator(): void {
  if (!isAvailable()) throw new Error(NONE_AVAILABLE);
}

/** The index `device`, an accelerator device or an index, names (`fn` for errors). */
function indexOf(device: DeviceLike | number, fn: string): number {
  if (typeof device === 'number') {
    checkInteger(device, fn, 'device');
    return device;
  }
  const d = toDevice(device);
  if (d.type !== 'cuda') throw new Error(`${d.type} is not an accelerator device; expected a cuda device or an index`);
  return d.index ?? cuda.currentDevice();
}

/**
 * Index of the current accelerator device. Throws when there is no accelerator.
 * @example torch.accelerator.currentDeviceIndex() // 0
 */
export function currentDeviceIndex(): number {
  requireAccelerator();
  return cuda.currentDevice();
}

/**
 * Makes a device (an index, `'cuda:1'` or a device) the current accelerator device.
 * @example torch.accelerator.setDeviceIndex(0)
 */
export function setDeviceIndex(device: DeviceLike | number): void {
  requireAccelerator();
  cuda.setDevice(indexOf(device, 'setDeviceIndex'));
}

/** PyTorch 2.6's name for {@link currentDeviceIndex}. @example torch.accelerator.currentDeviceIdx() */
export const currentDeviceIdx = currentDeviceIndex;
/** PyTorch 2.6's name for {@link setDeviceIndex}. @example torch.accelerator.setDeviceIdx(0) */
export const setDeviceIdx = setDeviceIndex;

/**
 * Waits for the work queued on an accelerator device (the current one by default).
 * @example torch.accelerator.synchronize()
 */
export function synchronize(device?: DeviceLike | number): void {
  requireAccelerator();
  cuda.synchronize(device === undefined ? undefined : indexOf(device, 'synchronize'));
}
