/** Devices: `'cpu'` now; `'cuda:N'` is parsed so that the error says what is missing. */
import { DeviceCode, native } from '../native/addon.js';

/**
 * A device, as `torch.device('cpu')`.
 *
 * @example
 * const d = torch.device('cpu');
 * String(d); // 'cpu'
 */
export class Device {
  /** @internal */
  constructor(
    readonly type: 'cpu' | 'cuda',
    readonly index: number | null = null,
  ) {}

  /** @internal */
  get code(): number {
    return this.type === 'cpu' ? DeviceCode.CPU : DeviceCode.CUDA;
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
 * Parses a device, as `torch.device(...)`; CUDA devices throw a clear error in this build.
 *
 * @example
 * torch.device('cpu').type; // 'cpu'
 */
export function device(spec: DeviceLike): Device {
  if (spec instanceof Device) return checkAvailable(spec);
  const match = /^(cpu|cuda)(?::(\d+))?$/.exec(String(spec));
  if (!match) throw new Error(`Expected one of cpu, cuda device type at start of device string: ${spec}`);
  if (match[1] === 'cpu') return CPU;
  return checkAvailable(new Device('cuda', match[2] === undefined ? null : Number(match[2])));
}

function checkAvailable(d: Device): Device {
  if (d.type === 'cuda' && !native.cudaCompiled) throw new Error('flint was built without CUDA support');
  return d;
}
