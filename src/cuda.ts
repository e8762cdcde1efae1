/**
 * `torch.cuda` and `torch.backends.cuda`: device queries, synchronization, seeding and
 * the caching allocator's statistics, as PyTorch names them (camelCased).
 */
import { cudaStatus, native } from './native/addon.js';
import { BackendOption, BackendQuery } from './native/enums.generated.js';
import { CPU, cudaDevice, currentCudaIndex, setCurrentCudaIndex, type Device, type DeviceLike } from './tensor/device.js';
import { checkInteger, toDeviceArg } from './tensor/args.js';
import { runThenRestore } from './scoped.js';
import { seedBits } from './tensor/creation.js';
import { areDeterministicAlgorithmsEnabled, followAllowTF32 } from './settings.js';

/** The native code of a device argument (an index, a device or a device string), checked. @internal */
export function codeOf(device: DeviceLike | number | undefined, fn: string): number {
  if (device === undefined) return cudaDevice(currentCudaIndex()).code;
  if (typeof device === 'number') {
    checkInteger(device, fn, 'device');
    return cudaDevice(device).code;
  }
  return toDeviceArg(device, fn).code;
}

/**
 * Whether a CUDA GPU can be used: the CUDA library is installed, a driver loads and at
 * least one device is visible. Never throws.
 * @example if (torch.cuda.isAvailable()) net.to('cuda');
 */
export function isAvailable(): boolean {
  return cudaStatus().deviceCount > 0;
}

/**
 * Why `isAvailable()` is false (empty when it is true): flint's own addition, because
 * "no GPU" has several causes.
 * @example if (!torch.cuda.isAvailable()) console.log(torch.cuda.unavailableReason());
 */
export function unavailableReason(): string {
  const { deviceCount, reason } = cudaStatus();
  return deviceCount > 0 ? '' : reason;
}

/** Number of visible CUDA devices (0 without CUDA). @example torch.cuda.deviceCount() */
export function deviceCount(): number {
  return cudaStatus().deviceCount;
}

/** Index of the current device, where `'cuda'` places tensors. @example torch.cuda.currentDevice() */
export function currentDevice(): number {
  return currentCudaIndex();
}

/** Makes `device` the current one. @example torch.cuda.setDevice(0) */
export function setDevice(device: number | DeviceLike): void {
  if (typeof device === 'number') checkInteger(device, 'setDevice', 'device');
  setCurrentCudaIndex(typeof device === 'number' ? device : (toDeviceArg(device, 'setDevice').index ?? 0));
}

/**
 * `with torch.cuda.device(d):` as a function: runs `fn` with `d` as the current device
 * and restores the previous one, returning what `fn` returns (also after an await). A
 * negative index or null runs `fn` as it is, as PyTorch's does.
 * @example torch.cuda.device(1, () => torch.zeros(3, { device: 'cuda' })) // on cuda:1
 */
export function device<T>(d: number | DeviceLike | null, fn: () => T): T {
  if (d === null || (typeof d === 'number' && d < 0)) return fn();
  if (typeof d === 'number') checkInteger(d, 'device', 'device');
  const index = typeof d === 'number' ? d : (toDeviceArg(d, 'device').index ?? currentCudaIndex());
  const previous = currentCudaIndex();
  setCurrentCudaIndex(index);
  return runThenRestore(fn, () => setCurrentCudaIndex(previous));
}

/** The device's marketing name. @example torch.cuda.getDeviceName(0) // 'NVIDIA H100 80GB HBM3' */
export function getDeviceName(device?: number | DeviceLike): string {
  return native.deviceName(codeOf(device, 'getDeviceName'));
}

/**
 * `torch.cuda.get_device_properties(device)`'s answer, PyTorch's fields camelCased; it
 * prints as PyTorch 1.13's does.
 * @example torch.cuda.getDeviceProperties(0).totalMemory
 */
export class CudaDeviceProperties {
  constructor(
    readonly name: string,
    readonly major: number,
    readonly minor: number,
    /** Bytes. */
    readonly totalMemory: number,
    readonly multiProcessorCount: number,
  ) {}

  toString(): string {
    return `_CudaDeviceProperties(name='${this.name}', major=${this.major}, minor=${this.minor}, total_memory=${Math.floor(this.totalMemory / (1024 * 1024))}MB, multi_processor_count=${this.multiProcessorCount})`;
  }
}

/**
 * `torch.cuda.get_device_properties(device)`: name, compute capability, memory and
 * multiprocessor count.
 * @example torch.cuda.getDeviceProperties(0).multiProcessorCount // 132 on an H100
 */
export function getDeviceProperties(device?: number | DeviceLike): CudaDeviceProperties {
  const code = codeOf(device, 'getDeviceProperties');
  return new CudaDeviceProperties(
    native.deviceName(code),
    native.backendQuery(code, BackendQuery.CapabilityMajor),
    native.backendQuery(code, BackendQuery.CapabilityMinor),
    native.backendQuery(code, BackendQuery.TotalMemory),
    native.backendQuery(code, BackendQuery.MultiProcessorCount),
  );
}

/**
 * `torch.cuda.get_device_capability(device)`: `[major, minor]`.
 * @example torch.cuda.getDeviceCapability() // [9, 0] on Hopper
 */
export function getDeviceCapability(device?: number | DeviceLike): [number, number] {
  const code = codeOf(device, 'getDeviceCapability');
  return [native.backendQuery(code, BackendQuery.CapabilityMajor), native.backendQuery(code, BackendQuery.CapabilityMinor)];
}

/**
 * `torch.cuda.mem_get_info(device)`: `[free, total]` bytes, as the driver reports them
 * (other processes' memory and flint's cached blocks count as used).
 * @example const [free, total] = torch.cuda.memGetInfo();
 */
export function memGetInfo(device?: number | DeviceLike): [number, number] {
  const code = codeOf(device, 'memGetInfo');
  return [native.backendQuery(code, BackendQuery.FreeMemory), native.backendQuery(code, BackendQuery.TotalMemory)];
}

/**
 * `torch.cuda.is_bf16_supported()`: whether the current device computes in bfloat16
 * natively (compute capability 8.0 or later); false without CUDA.
 * @example const dtype = torch.cuda.isBf16Supported() ? torch.bfloat16 : torch.float16;
 */
export function isBf16Supported(): boolean {
  return isAvailable() && getDeviceCapability()[0] >= 8;
}

/**
 * Waits for all work queued on the device; errors from kernels (such as an index out
 * of range) are raised here.
 * @example torch.cuda.synchronize()
 */
export function synchronize(device?: number | DeviceLike): void {
  native.synchronize(codeOf(device, 'synchronize'));
}

/** Seeds the current device's generator. @example torch.cuda.manualSeed(0) */
export function manualSeed(seed: number | bigint): void {
  const bits = seedBits(seed, 'cuda.manualSeed');
  native.manualSeed(codeOf(undefined, 'cuda.manualSeed'), bits);
}

/** Seeds every device's generator. @example torch.cuda.manualSeedAll(0) */
export function manualSeedAll(seed: number | bigint): void {
  const bits = seedBits(seed, 'cuda.manualSeedAll');
  for (let i = 0; i < deviceCount(); i++) native.manualSeed(cudaDevice(i).code, bits);
}

/** Bytes held by live tensors on the device. @example torch.cuda.memoryAllocated() */
export function memoryAllocated(device?: number | DeviceLike): number {
  return native.stats(codeOf(device, 'memoryAllocated')).allocatedBytes;
}

/** The peak of `memoryAllocated` since the start or the last reset. @example torch.cuda.maxMemoryAllocated() */
export function maxMemoryAllocated(device?: number | DeviceLike): number {
  return native.stats(codeOf(device, 'maxMemoryAllocated')).peakAllocatedBytes;
}

/** Bytes the caching allocator holds from the driver, in use or cached. @example torch.cuda.memoryReserved() */
export function memoryReserved(device?: number | DeviceLike): number {
  return native.stats(codeOf(device, 'memoryReserved')).reservedBytes;
}

/** Restarts `maxMemoryAllocated` from the current value. @example torch.cuda.resetPeakMemoryStats() */
export function resetPeakMemoryStats(device?: number | DeviceLike): void {
  native.resetPeakMemory(codeOf(device, 'resetPeakMemoryStats'));
}

/**
 * Returns the allocator's cached, unused blocks to the driver (live tensors keep
 * theirs). Does nothing without CUDA.
 * @example torch.cuda.emptyCache()
 */
export function emptyCache(): void {
  for (let i = 0; i < deviceCount(); i++) native.emptyCache(cudaDevice(i).code);
}

let allowTF32 = false;
let convolutionAllowTF32 = true;

function setTF32(value: boolean): void {
  for (let i = 0; i < deviceCount(); i++) native.setBackendOption(cudaDevice(i).code, BackendOption.MatmulAllowTF32, value ? 1 : 0);
}

/**
 * Runs a convolution's products under `torch.backends.cudnn.allowTF32` rather than the
 * matmul flag, as PyTorch's convolutions follow the cuDNN flag. @internal
 * @example const y = withConvolutionMath(x.device, () => forwardRaw(x, w, b, spec));
 */
export function withConvolutionMath<T>(device: Device, fn: () => T): T {
  if (device.type !== 'cuda' || convolutionAllowTF32 === allowTF32) return fn();
  // Only the convolution's own device: this runs on every convolution call.
  const code = device.code;
  native.setBackendOption(code, BackendOption.MatmulAllowTF32, convolutionAllowTF32 ? 1 : 0);
  try {
    return fn();
  } finally {
    native.setBackendOption(code, BackendOption.MatmulAllowTF32, allowTF32 ? 1 : 0);
  }
}

/**
 * `torch.backends.cuda.matmul.allowTF32`: false by default, so float32 matrix products
 * keep full precision, as in PyTorch; true trades precision for tensor-core speed.
 * `torch.backends.cudnn.allowTF32`: true by default, as in PyTorch, so float32
 * convolutions on the GPU multiply in TF32 (10-bit mantissas, float32 sums); set it to
 * false for full float32 products.
 * @example torch.backends.cuda.matmul.allowTF32 = true; torch.backends.cudnn.allowTF32 = false;
 */
export const backends = {
  cuda: {
    matmul: {
      get allowTF32(): boolean {
        return allowTF32;
      },
      set allowTF32(value: boolean) {
        allowTF32 = Boolean(value);
        setTF32(allowTF32);
        followAllowTF32(allowTF32);
      },
    },
  },
  cudnn: {
    get allowTF32(): boolean {
      return convolutionAllowTF32;
    },
    set allowTF32(value: boolean) {
      convolutionAllowTF32 = Boolean(value);
    },
    /** Whether GPU convolutions may use cuDNN (true, as PyTorch); false uses flint's own kernels. */
    enabled: true,
    /** Times cuDNN's algorithms once per convolution shape and keeps the fastest (false: its heuristic's pick). */
    benchmark: false,
    /** Keeps cuDNN to algorithms that give the same bits run after run. */
    deterministic: false,
    /**
     * Whether cuDNN loads on the current CUDA device (false without CUDA). Loads it on first call.
     * @example if (torch.backends.cudnn.isAvailable()) console.log(torch.backends.cudnn.version());
     */
    isAvailable(): boolean {
      return isAvailable() && cudnnVersionOn(cudaDevice(currentCudaIndex())) > 0;
    },
    /**
     * cuDNN's version number (91002 for 9.10.2), or null when it is not available.
     * @example torch.backends.cudnn.version() // 91002
     */
    version(): number | null {
      if (!isAvailable()) return null;
      const version = cudnnVersionOn(cudaDevice(currentCudaIndex()));
      return version > 0 ? version : null;
    },
  },
  /**
   * `torch.backends.mkldnn`: whether float32 CPU convolutions run through oneDNN (formerly
   * MKL-DNN), as PyTorch's do. flint loads the system's libdnnl.so.2 at run time (Debian's
   * `libdnnl2`, the one its python3-torch links); without it, or with `enabled` false,
   * they run by im2col and OpenBLAS.
   * @example torch.backends.mkldnn.enabled = false; // convolve by im2col and OpenBLAS
   */
  mkldnn: {
    /** Whether CPU convolutions may use oneDNN (true, as PyTorch). */
    enabled: true,
    /**
     * Whether oneDNN loads in this process (loads it on first call).
     * @example if (torch.backends.mkldnn.isAvailable()) console.log('oneDNN convolutions');
     */
    isAvailable(): boolean {
      return onednnVersion() > 0;
    },
  },
};

let onednnVersionCache: number | undefined;

/** The oneDNN version CPU convolutions run on (20603 for 2.6.3), 0 without; asked once. @internal */
export function onednnVersion(): number {
  onednnVersionCache ??= native.backendQuery(CPU.code, BackendQuery.OnednnVersion);
  return onednnVersionCache;
}

const cudnnVersions = new Map<number, number>();

/** The cuDNN version a device convolves with, 0 without; asked once per device. */
function cudnnVersionOn(device: Device): number {
  let version = cudnnVersions.get(device.code);
  if (version === undefined) {
    version = native.backendQuery(device.code, BackendQuery.CudnnVersion);
    cudnnVersions.set(device.code, version);
  }
  return version;
}

/**
 * The cuDNN options of a convolution on `device`, or null when it convolves with flint's
 * own kernels (a CPU tensor, cuDNN disabled or missing). @internal
 * @example const math = cudnnMath(x.device); if (math) ...
 */
export function cudnnMath(device: Device): { allowTF32: boolean; benchmark: boolean; deterministic: boolean } | null {
  if (device.type !== 'cuda' || !backends.cudnn.enabled || cudnnVersionOn(device) === 0) return null;
  return { allowTF32: convolutionAllowTF32, benchmark: backends.cudnn.benchmark, deterministic: backends.cudnn.deterministic || areDeterministicAlgorithmsEnabled() };
}

export {
  CUDAGraph,
  GraphPool,
  graph,
  graphPoolHandle,
  isCurrentStreamCapturing,
  makeGraphedCallables,
  type CaptureOptions,
  type MakeGraphedOptions,
} from './cuda-graphs.js';

export { getRngState, getRngStateAll, initialSeed, seed, seedAll, setRngState, setRngStateAll } from './cuda-random.js';
export { Event, Stream, currentStream, defaultStream, setStream, stream, type EventOptions } from './cuda-streams.js';

/**
 * `torch.cuda.amp`: `GradScaler` fixed to CUDA, as PyTorch's older spelling.
 * @example const scaler = new torch.cuda.amp.GradScaler();
 */
export * as amp from './amp/cuda-amp.js';
