/** Devices: the CPU, and CUDA GPUs when the CUDA backend finds one. */
import { DeviceCode, cudaStatus } from '../native/addon.js';
import { argumentError } from './args.js';

/**
 * A device, as `torch.device('cpu')` or `torch.device('cuda:0')`.
 *
 * @example
 * const d = torch.device('cuda:0');
 * String(d); // 'cuda:0'
 */
export class Device {
  /** @internal */
  constructor(
    readonly type: 'cpu' | 'cuda',
    readonly index: number | null = null,
  ) {}

  /** @internal The native device code: 0 for the CPU, 1 + index for cuda:index. */
  get code(): number {
    return this.type === 'cpu' ? DeviceCode.CPU : DeviceCode.CUDA0 + (this.index ?? 0);
  }

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.index === null ? `device(type='${this.type}')` : `device(type='${this.type}', index=${this.index})`;
  }
}

export const CPU = new Device('cpu');

/** Anything a user may pass as a device. */
export type DeviceLike = Device | string;

/**
 * Parses a device, as `torch.device(...)`. `'cuda'` keeps no index, as in PyTorch; a
 * tensor placed there lands on the current device.
 *
 * @example
 * torch.device('cuda:1').index; // 1
 */
export function device(spec: DeviceLike): Device {
  if (spec instanceof Device) return spec;
  if (typeof spec !== 'string') throw argumentError('device', 'type', "a torch.device or a device string such as 'cpu' or 'cuda:0'", spec);
  const match = /^(cpu|cuda)(?::(\d+))?$/.exec(spec);
  if (!match) throw new Error(`Expected one of cpu, cuda device type at start of device string: ${spec}`);
  if (match[1] === 'cpu') return CPU;
  return new Device('cuda', match[2] === undefined ? null : Number(match[2]));
}

const cudaDevices: Device[] = [];
let current = 0;

/** The index `torch.cuda.currentDevice()` reports. @internal */
export function currentCudaIndex(): number {
  return current;
}

/** Sets the current CUDA device, after checking it exists. @internal */
export function setCurrentCudaIndex(index: number): void {
  cudaDevice(index);
  current = index;
}

/** Throws PyTorch-like errors when CUDA cannot be used. @internal */
export function requireCuda(): number {
  const { deviceCount, reason } = cudaStatus();
  if (deviceCount === 0) throw new Error(`CUDA is not available: ${reason}`);
  return deviceCount;
}

/** The one Device object for cuda:index (tensors compare devices by identity). @internal */
export function cudaDevice(index: number): Device {
  const count = requireCuda();
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`CUDA error: invalid device ordinal (cuda:${index}; ${count} device(s) visible)`);
  }
  return (cudaDevices[index] ??= new Device('cuda', index));
}

/**
 * The device a tensor is placed on: `'cuda'` means the current CUDA device, and the
 * result is always the canonical object for that device.
 * @internal
 */
export function placement(spec: DeviceLike): Device {
  const d = device(spec);
  if (d.type === 'cpu') return CPU;
  return cudaDevice(d.index ?? current);
}
