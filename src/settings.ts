/**
 * PyTorch's process-wide switches, kept as this flint instance's state (each worker thread
 * loads its own copy of this module, so a worker's settings are its own): deterministic
 * algorithms, the float32 matmul precision (one state with
 * `torch.backends.cuda.matmul.allowTF32`, as in PyTorch), warn-always, flush-denormal,
 * inter-op threads, and the build question `compiledWithCxx11Abi`. Each says in its TSDoc
 * what flint does with it.
 */
import { backends } from './cuda.js';
import { argumentError, checkBoolean, checkInteger, checkOptions, describeValue, keysOf } from './tensor/args.js';

let deterministic = false;
let deterministicWarnOnly = false;

/**
 * The options of `useDeterministicAlgorithms`, PyTorch's keyword.
 * @example torch.useDeterministicAlgorithms(true, { warnOnly: true })
 */
export interface DeterministicOptions {
  warnOnly?: boolean;
}
const DETERMINISTIC_KEYS = keysOf<DeterministicOptions>()('warnOnly');

/**
 * `torch.use_deterministic_algorithms(mode, warn_only=False)`. The mode is recorded and read
 * back by `areDeterministicAlgorithmsEnabled` and `getDeterministicDebugMode`, and GPU
 * convolutions keep to deterministic cuDNN algorithms while it is on (as PyTorch's do, the
 * same as `torch.backends.cudnn.deterministic`). flint's CPU kernels accumulate in a fixed
 * order (no atomics), so CPU results are the same run after run, with or without it. On CUDA,
 * the ops PyTorch refuses in this mode (index_add / indexPut with accumulate, the backward of
 * max pooling and of upsampling, which add with atomics) still run in flint, nondeterministically,
 * without the error or warning PyTorch raises.
 * @example torch.useDeterministicAlgorithms(true)
 */
export function useDeterministicAlgorithms(mode: boolean, options: DeterministicOptions = {}): void {
  checkBoolean(mode, 'useDeterministicAlgorithms', 'mode');
  checkOptions(options, 'useDeterministicAlgorithms', DETERMINISTIC_KEYS);
  const warnOnly = options?.warnOnly ?? false;
  checkBoolean(warnOnly, 'useDeterministicAlgorithms', 'warnOnly');
  deterministic = mode;
  deterministicWarnOnly = warnOnly;
}

/** `torch.are_deterministic_algorithms_enabled()`. @example torch.areDeterministicAlgorithmsEnabled() // false */
export function areDeterministicAlgorithmsEnabled(): boolean {
  return deterministic;
}

/**
 * `torch.is_deterministic_algorithms_warn_only_enabled()`: whether the mode was set with
 * `warnOnly` (kept even when the mode is off, as in PyTorch).
 * @example torch.isDeterministicAlgorithmsWarnOnlyEnabled() // false
 */
export function isDeterministicAlgorithmsWarnOnlyEnabled(): boolean {
  return deterministicWarnOnly;
}

/**
 * `torch.get_deterministic_debug_mode()`: 0 (off), 1 (warn only) or 2 (error).
 * @example torch.getDeterministicDebugMode() // 0
 */
export function getDeterministicDebugMode(): 0 | 1 | 2 {
  if (!deterministic) return 0;
  return deterministicWarnOnly ? 1 : 2;
}

/**
 * `torch.set_deterministic_debug_mode(debug_mode)`: `'default'` or 0, `'warn'` or 1,
 * `'error'` or 2, the other spelling of `useDeterministicAlgorithms`.
 * @example torch.setDeterministicDebugMode('warn')
 */
export function setDeterministicDebugMode(debugMode: 'default' | 'warn' | 'error' | 0 | 1 | 2): void {
  let mode: unknown = debugMode;
  if (typeof mode === 'string') {
    const named: Record<string, number> = { default: 0, warn: 1, error: 2 };
    if (!(mode in named)) throw new Error(`invalid value of debug_mode, expected one of \`default\`, \`warn\`, \`error\`, but got ${mode}`);
    mode = named[mode];
  } else if (typeof mode !== 'number' || !Number.isInteger(mode)) {
    throw new TypeError(`debug_mode must be str or int, but got ${describeValue(mode)}`);
  }
  if (mode === 0) useDeterministicAlgorithms(false);
  else if (mode === 1) useDeterministicAlgorithms(true, { warnOnly: true });
  else if (mode === 2) useDeterministicAlgorithms(true);
  else throw new Error(`invalid value of debug_mode, expected 0, 1, or 2, but got ${mode}`);
}

/** The float32 matmul precisions PyTorch names. @example const p: Float32MatmulPrecision = 'high' */
export type Float32MatmulPrecision = 'highest' | 'high' | 'medium';
let matmulPrecision: Float32MatmulPrecision = 'highest';

/**
 * Keeps the precision in step with `torch.backends.cuda.matmul.allowTF32`, whose setter sets
 * it to 'high' or 'highest' in PyTorch. @internal
 * @example followAllowTF32(true)
 */
export function followAllowTF32(allow: boolean): void {
  matmulPrecision = allow ? 'high' : 'highest';
}

/**
 * `torch.set_float32_matmul_precision(precision)`: 'highest' keeps float32 matrix products in
 * full float32; 'high' and 'medium' let CUDA products use TF32 tensor cores, by setting
 * `torch.backends.cuda.matmul.allowTF32` (the same state, as in PyTorch). flint has no
 * bfloat16 path for 'medium', which therefore computes as 'high'; CPU products are always
 * full float32. Another string is ignored with PyTorch's warning.
 * @example torch.setFloat32MatmulPrecision('high')
 */
export function setFloat32MatmulPrecision(precision: Float32MatmulPrecision): void {
  if (typeof precision !== 'string') throw argumentError('setFloat32MatmulPrecision', 'precision', "'highest', 'high' or 'medium'", precision);
  if (precision !== 'highest' && precision !== 'high' && precision !== 'medium') {
    process.emitWarning(
      `${precision} is not one of 'highest', 'high', or 'medium'; the currentsetFloat32MatmulPrecision call has no effect.`,
      'UserWarning',
    );
    return;
  }
  backends.cuda.matmul.allowTF32 = precision !== 'highest';
  matmulPrecision = precision;
}

/**
 * `torch.get_float32_matmul_precision()`: 'highest' (the default), 'high' or 'medium'.
 * @example torch.getFloat32MatmulPrecision() // 'highest'
 */
export function getFloat32MatmulPrecision(): Float32MatmulPrecision {
  return backends.cuda.matmul.allowTF32 ? (matmulPrecision === 'highest' ? 'high' : matmulPrecision) : 'highest';
}

let warnAlways = false;

/**
 * `torch.set_warn_always(b)`: in PyTorch, whether warnings its C++ code gives once per process
 * (TORCH_WARN_ONCE) are given every time. flint has no such once-per-process warnings: its
 * warnings follow Python's default filter for the ones PyTorch gives from Python, which this
 * flag does not change in PyTorch either. So the flag is recorded and read back, and changes
 * nothing.
 * @example torch.setWarnAlways(true)
 */
export function setWarnAlways(b: boolean): void {
  checkBoolean(b, 'setWarnAlways', 'b');
  warnAlways = b;
}

/** `torch.is_warn_always_enabled()`. @example torch.isWarnAlwaysEnabled() // false */
export function isWarnAlwaysEnabled(): boolean {
  return warnAlways;
}

/**
 * `torch.set_flush_denormal(mode)`: PyTorch sets the CPU's flush-to-zero and
 * denormals-are-zero flags and returns true where the CPU supports them. flint's native code
 * has no call to set those flags, so, as PyTorch does on a CPU without that support, it
 * changes nothing and returns false: subnormal float32 and float64 values stay as they are.
 * @example torch.setFlushDenormal(true) // false
 */
export function setFlushDenormal(mode: boolean): boolean {
  checkBoolean(mode, 'setFlushDenormal', 'mode');
  return false;
}

let interopThreads = 1;
let interopThreadsSet = false;

/**
 * `torch.get_num_interop_threads()`: PyTorch's pool for running independent ops at the same
 * time (TorchScript forks). flint runs the ops of a JS thread one after another, so the value
 * is 1 unless `setNumInteropThreads` recorded another, which nothing uses.
 * @example torch.getNumInteropThreads() // 1
 */
export function getNumInteropThreads(): number {
  return interopThreads;
}

/**
 * `torch.set_num_interop_threads(n)`: recorded for `getNumInteropThreads` (flint has no
 * inter-op pool to size). As in PyTorch, it may be called once.
 * @example torch.setNumInteropThreads(2)
 */
export function setNumInteropThreads(n: number): void {
  checkInteger(n, 'setNumInteropThreads', 'n');
  if (n <= 0) throw new Error('set_num_interop_threads expects a positive integer');
  if (interopThreadsSet) {
    throw new Error('Error: cannot set number of interop threads after parallel work has started or set_num_interop_threads called');
  }
  interopThreads = n;
  interopThreadsSet = true;
}

/**
 * `torch.compiled_with_cxx11_abi()`: whether the native code uses libstdc++'s C++11 ABI. flint's
 * Linux builds compile with the host g++ and its default, the C++11 ABI; macOS and Windows
 * builds do not use libstdc++ (PyTorch's wheels there say false too).
 * @example torch.compiledWithCxx11Abi() // true on Linux
 */
export function compiledWithCxx11Abi(): boolean {
  return process.platform === 'linux';
}
