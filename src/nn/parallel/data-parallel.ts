/**
 * `nn.DataParallel`: PyTorch's single-process data parallelism. A flint process drives at
 * most one GPU, so this is PyTorch's one-device path: the module moves to that GPU, tensor
 * inputs are moved there (differentiably), and the module runs once. Without CUDA it is
 * PyTorch's CPU path: the wrapped module is called as it is. Across GPUs, use
 * DistributedDataParallel with one process per GPU.
 */
import { isAvailable as cudaAvailable, deviceCount } from '../../cuda.js';
import { Device, device as parseDevice } from '../../tensor/device.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkInteger, checkOptions, keysOf } from '../../tensor/args.js';
import { Module } from '../module.js';

/** Options of DataParallel, as PyTorch's keyword arguments. */
export interface DataParallelOptions {
  /** The GPUs to use (default: every visible one); an index, `'cuda:0'` or a Device each. Ignored without CUDA. */
  deviceIds?: (number | string | Device)[] | null;
  /** Where outputs are gathered (default `deviceIds[0]`); one device gathers nothing. Ignored without CUDA. */
  outputDevice?: number | string | Device | null;
  /** The dim inputs are split along (default 0). Ignored without CUDA. */
  dim?: number;
}
const OPTION_KEYS = keysOf<DataParallelOptions>()('deviceIds', 'outputDevice', 'dim');

/** `torch._utils._get_device_index(device, optional=True)`: a CUDA index. */
function deviceIndex(d: number | string | Device): number {
  if (typeof d === 'number') {
    checkInteger(d, 'DataParallel', 'device');
    return d;
  }
  const parsed = parseDevice(d);
  if (parsed.type === 'cpu') throw new Error(`Expected a non cpu device, but got: ${String(parsed)}`);
  // A device without an index means the current one, as with optional=True.
  return parsed.index ?? 0;
}

/** PyTorch's `scatter` for one device: every tensor, also inside arrays and plain objects, moved there. */
function scatterTo(value: unknown, target: Device, dim: number): unknown {
  if (value instanceof Tensor) return value.chunk(1, dim)[0].to(target);
  if (Array.isArray(value)) return value.map((v) => scatterTo(v, target, dim));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scatterTo(v, target, dim)]));
  }
  return value;
}

/**
 * PyTorch's `nn.DataParallel`. The wrapped model is `dp.module`, registered under that
 * name, so `dp.stateDict()` keys start with `module.` exactly as PyTorch's do. With CUDA,
 * the module is moved to `deviceIds[0]` and each forward moves the tensor inputs there
 * first (so outputs are on that GPU); without CUDA, `deviceIds` is `[]` and the forward is
 * the module's own. More than one device id needs a process per GPU: see
 * DistributedDataParallel.
 * @example
 * const dp = new nn.DataParallel(net);
 * const y = dp(X);                    // net(X), on the GPU when there is one
 * torch.save(dp.module.stateDict(), 'net.pt');
 */
export class DataParallel<Out = Tensor> extends Module<Out> {
  declare module: Module<Out>;
  /** The GPU indices used: `[]` without CUDA. */
  deviceIds: number[];
  /** Set only with CUDA, as PyTorch sets it. */
  declare outputDevice?: number;
  /** Set only with CUDA, as PyTorch sets it. */
  declare dim?: number;
  declare private srcDevice: Device | null;

  constructor(module: Module<Out>, options: DataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DataParallel: module must be an nn.Module');
    checkOptions(options, 'DataParallel', OPTION_KEYS);
    options ??= {};
    Object.defineProperty(this, 'srcDevice', { value: null, writable: true });
    if (!cudaAvailable()) {
      this.module = module;
      this.deviceIds = [];
      return;
    }
    const ids = (options.deviceIds ?? Array.from({ length: deviceCount() }, (_, i) => i)).map(deviceIndex);
    if (ids.length === 0) throw new Error('DataParallel: deviceIds is empty; name the GPU to use, or leave it out for every visible one');
    const dim = options.dim ?? 0;
    checkInteger(dim, 'DataParallel', 'dim');
    this.dim = dim;
    this.module = module;
    this.deviceIds = ids;
    this.outputDevice = deviceIndex(options.outputDevice ?? ids[0]);
    if (ids.length > 1) {
      throw new Error(
        `DataParallel: flint drives one GPU per process, so deviceIds may name one device, but got [${ids.join(', ')}]; ` +
          'for several GPUs, run one process per GPU with nn.parallel.DistributedDataParallel',
      );
    }
    for (const id of [...ids, this.outputDevice]) {
      if (id < 0 || id >= deviceCount()) throw new Error(`Invalid device id ${id} (${deviceCount()} CUDA device(s) visible)`);
    }
    this.srcDevice = parseDevice(`cuda:${ids[0]}`);
    module.to(this.srcDevice);
  }

  override forward(...inputs: unknown[]): Out {
    const call = (args: unknown[]): Out => (this.module as unknown as (...a: unknown[]) => Out)(...args);
    if (this.srcDevice === null) return call(inputs);
    const src = this.srcDevice;
    for (const t of [...this.module.parameters(), ...this.module.buffers()]) {
      if (String(t.device) !== String(src)) {
        throw new Error(
          `module must have its parameters and buffers on device ${String(src)} (device_ids[0]) but found one of them on device: ${String(t.device)}`,
        );
      }
    }
    return call(inputs.map((x) => scatterTo(x, src, this.dim ?? 0)));
  }
}
