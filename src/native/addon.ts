/**
 * Loads the native addon. Its type, and the functions that call each entry point with its
 * views packed into the shared meta buffer, are generated from native/napi/entries.mjs
 * (calls.generated.ts); `ops/` and `memory/` call through those.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from './package-root.js';

import type { NativeAddon } from './calls.generated.js';

/** An opaque native storage handle (an N-API External). */
export type Handle = { readonly __storage: unique symbol };
/** A native process group (torch.distributed): a type-tagged object, never a storage handle. */
export type DistGroup = { readonly __distGroup: unique symbol };
/** A collective in flight on a process group's thread: a type-tagged object. */
export type DistWork = { readonly __distWork: unique symbol };
/**
 * The rendezvous store as the native side asks it, from the process group's thread: set
 * a key, get one (waiting for it), or wait for keys. It answers with a promise.
 */
export type DistStore = (
  op: 'set' | 'get' | 'wait',
  keys: string[],
  value: Uint8Array | null,
  timeoutMs: number,
) => Promise<Uint8Array | null>;

/**
 * flint splits each matrix product across its own pool (native/cpu/matmul.cc) and calls
 * OpenBLAS single-threaded, so OpenBLAS's own worker threads would only sit beside the
 * pool's. OpenBLAS starts them when the addon loads, from OPENBLAS_NUM_THREADS (else one per
 * core), so the variable is 1 while the addon loads: no idle OpenBLAS threads exist. A value
 * the user set is kept (the addon still calls OpenBLAS single-threaded), and ours is removed
 * again afterwards, so that child processes get the environment they were given.
 */
function withSingleThreadedOpenBlas<T>(fn: () => T): T {
  if (process.env.OPENBLAS_NUM_THREADS !== undefined) return fn();
  process.env.OPENBLAS_NUM_THREADS = '1';
  try {
    return fn();
  } finally {
    delete process.env.OPENBLAS_NUM_THREADS;
  }
}

function load(): NativeAddon {
  return withSingleThreadedOpenBlas(loadAddon);
}

function loadAddon(): NativeAddon {
  // FLINT_ADDON_PATH picks one build, e.g. the sanitizer build that `npm run test:asan` makes.
  const chosen = process.env.FLINT_ADDON_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`flint: FLINT_ADDON_PATH names ${chosen}, which does not exist`);
    return createRequire(chosen)(chosen) as NativeAddon;
  }
  const root = packageRoot();
  const require = createRequire(join(root, 'package.json'));
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

/** The optional package that carries the CUDA backend for this platform. */
const CUDA_PACKAGE = `flint-torch-${process.platform}-${process.arch}-cuda`;

/**
 * Where the CUDA backend's library may be: FLINT_CUDA_LIB, then the local CMake build
 * (`npm run build:cuda`), then the optional package flint-torch-<platform>-<arch>-cuda
 * installed beside flint-torch, then a prebuild beside the addon's (older layouts).
 */
function cudaLibraryCandidates(): string[] {
  const root = packageRoot();
  const candidates = [join(root, 'build-cuda', 'flint_cuda.so')];
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve(`${CUDA_PACKAGE}/package.json`);
    candidates.push(join(dirname(manifest), 'flint_cuda.so'));
  } catch {
    // not installed: a CPU-only install
  }
  candidates.push(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'flint_cuda.so'));
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
        ? {
            deviceCount: 0,
            reason:
              `flint was installed without its CUDA library: install ${CUDA_PACKAGE} beside flint-torch ` +
              `(npm i ${CUDA_PACKAGE}), or build it with \`npm run build:cuda\` (needs nvcc)`,
          }
        : native.cudaLoad(path);
  }
  return cudaState;
}

let glooState: string | null = null;

/**
 * Loads torch.distributed's gloo communicator on first use (FLINT_GLOO_LIB, then the
 * local build of scripts/build-gloo.cjs, then a prebuild). Returns '' when it is loaded,
 * or why it cannot be. @internal
 */
export function glooStatus(): string {
  if (glooState === null) {
    const root = packageRoot();
    const candidates = [
      join(root, 'build-gloo', 'flint_gloo.so'),
      join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'flint_gloo.so'),
    ];
    if (process.env.FLINT_GLOO_LIB) candidates.unshift(process.env.FLINT_GLOO_LIB);
    const path = candidates.find((candidate) => existsSync(candidate));
    glooState =
      path === undefined
        ? 'flint was installed without its gloo communicator: install gloo (Debian: apt-get install libgloo-dev) ' +
          'and cmake, then run `node scripts/build-gloo.cjs` in the flint package'
        : native.distLoad(path);
    if (/libgloo\.so/.test(glooState)) {
      glooState += '; install gloo (Debian and Ubuntu: apt-get install libgloo0, or libgloo-dev to build)';
    }
  }
  return glooState;
}
