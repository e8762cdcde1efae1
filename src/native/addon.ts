/**
 * The typed face of the native addon. This is the only module that loads it; `ops/`
 * and `memory/` call through `native` and describe views in the shared meta buffer.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque native storage handle (an N-API External). */
export type Handle = { readonly __storage: unique symbol };

/** The native entry points; see native/napi/ops.h for what each expects in `meta`. */
export interface NativeAddon {
  init(meta: Float64Array, threads: number): { threads: number };
  alloc(deviceType: number, nbytes: number, recycle?: Handle | null): Handle;
  release(handle: Handle): void;
  storageBytes(handle: Handle): number;
  fromBuffer(out: Handle, source: ArrayBufferView, sourceDtype: number): void;
  toBuffer(handle: Handle): ArrayBuffer;
  fill(out: Handle, value: number): void;
  fillRandom(kind: number, out: Handle, p0: number, p1: number): void;
  manualSeed(deviceType: number, seed: bigint): void;
  stats(deviceCode: number): {
    storages: number;
    allocatedBytes: number;
    peakAllocatedBytes: number;
    cachedBytes: number;
    reservedBytes: number;
    externalBytes: number;
  };
  emptyCache(deviceCode: number): void;
  resetPeakMemory(deviceCode: number): void;
  cudaLoad(libraryPath: string): { deviceCount: number; reason: string };
  deviceName(deviceCode: number): string;
  synchronize(deviceCode: number): void;
  copyAcross(dst: Handle, dstOffsetBytes: number, src: Handle, srcOffsetBytes: number, nbytes: number): void;
  readAsync(handle: Handle, byteOffset: number, nbytes: number): Promise<ArrayBuffer>;
  setBackendOption(deviceCode: number, option: number, value: number): void;
  layerNorm(
    out: Handle | null,
    mean: Handle | null,
    rstd: Handle | null,
    input: Handle,
    weight: Handle | null,
    bias: Handle | null,
    eps: number,
  ): [Handle, Handle, Handle];
  layerNormBackward(
    gradOutput: Handle,
    input: Handle,
    mean: Handle,
    rstd: Handle,
    weight: Handle | null,
    wantInput: boolean,
    wantWeight: boolean,
    wantBias: boolean,
  ): [Handle | null, Handle | null, Handle | null];
  biasActivation(out: Handle | null, input: Handle, bias: Handle, activation: number): Handle | undefined;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  cast(out: Handle | null, input: Handle): Handle | undefined;
  unary(op: number, out: Handle | null, input: Handle, p0: number, p1: number): Handle | undefined;
  binary(op: number, out: Handle | null, a: Handle, b: Handle): Handle | undefined;
  binaryScalar(op: number, out: Handle | null, a: Handle, scalar: number, scalarFirst: boolean): Handle | undefined;
  binaryFlat(op: number, recycle: Handle | null, a: Handle, aOffset: number, b: Handle, bOffset: number, numel: number, dtype: number, outDtype: number): Handle;
  binaryScalarFlat(op: number, recycle: Handle | null, a: Handle, aOffset: number, numel: number, dtype: number, outDtype: number, scalar: number, scalarFirst: boolean): Handle;
  where(out: Handle | null, cond: Handle, a: Handle, b: Handle): Handle | undefined;
  reduce(op: number, out: Handle | null, input: Handle, reduceDims: number): Handle | undefined;
  gemm(out: Handle | null, a: Handle, b: Handle): Handle | undefined;
  indexSelect(out: Handle | null, input: Handle, dim: number, index: Handle): Handle | undefined;
  indexPut(out: Handle, dim: number, index: Handle, src: Handle, accumulate: boolean): void;
  gather(out: Handle | null, input: Handle, dim: number, index: Handle): Handle | undefined;
  scatter(out: Handle, dim: number, index: Handle, src: Handle, accumulate: boolean): void;
  nonzero(input: Handle): [Handle, number];
  axpy(out: Handle, x: Handle, alpha: number): void;
  softmax(out: Handle | null, input: Handle, log: boolean): Handle | undefined;
  softmaxBackward(gradInput: Handle | null, gradOutput: Handle, output: Handle, log: boolean): Handle | undefined;
  crossEntropy(
    loss: Handle | null,
    logProbs: Handle | null,
    input: Handle,
    target: Handle,
    weight: Handle | null,
    ignoreIndex: number,
    labelSmoothing: number,
    fromLogits: boolean,
    reduction: number,
    totalWeight: Handle | null,
  ): [Handle, Handle | null, Handle];
  crossEntropyBackward(
    gradInput: Handle | null,
    gradLoss: Handle,
    logProbs: Handle,
    target: Handle,
    weight: Handle | null,
    ignoreIndex: number,
    labelSmoothing: number,
    fromLogits: boolean,
    reduction: number,
    totalWeight: Handle,
  ): Handle | undefined;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'flint') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('flint: cannot find the package root to load the native addon');
    dir = parent;
  }
}

function load(): NativeAddon {
  const require = createRequire(import.meta.url);
  // FLINT_ADDON_PATH picks one build, e.g. the sanitizer build that `npm run test:asan` makes.
  const chosen = process.env.FLINT_ADDON_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`flint: FLINT_ADDON_PATH names ${chosen}, which does not exist`);
    return require(chosen) as NativeAddon;
  }
  const root = packageRoot();
  try {
    // node-gyp-build prefers prebuilds/<platform>-<arch>/ and falls back to build/Release.
    return require('node-gyp-build')(root) as NativeAddon;
  } catch (error) {
    throw new Error(
      `flint: the native addon could not be loaded from ${root} (${(error as Error).message}).\n` +
        'Build it with `npm install` (needs `apt-get install -y libopenblas-dev`), or install a package with a prebuild.',
    );
  }
}

/** The loaded addon for this JS environment (each worker loads its own instance). */
export const native: NativeAddon = load();

/** Scratch buffer carrying shapes/strides/offsets to native code for each call. */
export const META = new Float64Array(8192);

const threadsFromEnv = Number(process.env.FLINT_NUM_THREADS ?? 0);
/** @internal */
export const nativeInfo = native.init(META, Number.isFinite(threadsFromEnv) ? threadsFromEnv : 0);

/** Device codes shared with native code: 0 is the CPU, 1 + i is cuda:i. */
export const enum DeviceCode {
  CPU = 0,
  CUDA0 = 1,
}

/**
 * Where the CUDA backend's library may be: FLINT_CUDA_LIB, then the local CMake build
 * (`npm run build:cuda`), then a prebuild beside the addon's.
 */
function cudaLibraryCandidates(): string[] {
  const root = packageRoot();
  const candidates = [
    join(root, 'build-cuda', 'flint_cuda.so'),
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'flint_cuda.so'),
  ];
  const fromEnv = process.env.FLINT_CUDA_LIB;
  return fromEnv ? [fromEnv, ...candidates] : candidates;
}

let cudaState: { deviceCount: number; reason: string } | null = null;

/**
 * Loads the CUDA backend on first use and says how many devices it sees. Never throws:
 * without the library, a driver or a GPU, the count is 0 and `reason` says why.
 * @internal
 */
export function cudaStatus(): { deviceCount: number; reason: string } {
  if (cudaState === null) {
    const path = cudaLibraryCandidates().find((candidate) => existsSync(candidate));
    cudaState =
      path === undefined
        ? { deviceCount: 0, reason: 'flint was installed without its CUDA library (build it with `npm run build:cuda`, which needs nvcc)' }
        : native.cudaLoad(path);
  }
  return cudaState;
}
