// The timing rule shared by every flint benchmark. It is a line-for-line port of
// `timeit` in /work/shared/reference/torch_bench.py, so that flint's numbers and
// PyTorch's are measured the same way and can be put side by side.

import { performance } from 'node:perf_hooks';

/** Options for {@link timeit}. Defaults match torch_bench.py. */
export interface TimeitOptions {
  /**
   * Total time, in seconds, that the measured batches should take together. One batch is
   * calibrated to take a little more than `minTime / repeats`. Default 0.5.
   */
  minTime?: number;
  /** Number of measured batches; the result is their median. Default 7. */
  repeats?: number;
  /** Number of un-timed warm-up calls before calibration. Default 3. */
  warmup?: number;
  /** Upper bound on the calibrated batch size (calls per batch). Default 2^20. */
  maxBatch?: number;
  /**
   * Waits for queued device work to finish (e.g. `torch.cuda.synchronize`). Called after
   * the warm-up and at the end of every batch, before its clock stops, exactly where
   * torch_bench.py calls `sync(device)`. Leave it out on CPU, where ops run when called.
   */
  sync?: () => void;
}

/** The median of a non-empty list (mean of the two middle values for an even length). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: empty list');
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median wall-clock seconds of ONE call of `fn`, with the rule of torch_bench.py:
 *
 * 1. call `fn` 3 times to warm up (then `sync`);
 * 2. calibrate a batch size `n`: starting at 1, time a batch of `n` calls and double `n`
 *    until one batch takes more than `minTime / repeats` seconds or `n >= 2^20`;
 * 3. time `repeats` batches of `n` calls and return the median of `batchTime / n`.
 *
 * The clock is `performance.now()` (monotonic, sub-millisecond). `fn` is called in a
 * plain loop, so whatever it allocates must be freed inside it if the benchmark is to
 * measure the op and not the garbage collector: call `.dispose()` on results, which is
 * what PyTorch's reference counting does for free in the Python version.
 *
 * @param fn the work for one iteration; its return value is ignored.
 * @param options see {@link TimeitOptions}; all optional.
 * @returns median seconds per call.
 *
 * @example
 * ```ts
 * import * as torch from 'flint-torch';
 * import { timeit } from './timing.js';
 *
 * const a = torch.rand(1024, 1024);
 * const b = torch.rand(1024, 1024);
 * const t = timeit(() => torch.matmul(a, b).dispose());
 * console.log(`${((2 * 1024 ** 3) / t / 1e9).toFixed(1)} GFLOP/s`);
 *
 * // shorter run, with a device sync at the end of each batch:
 * const tc = timeit(() => x.add(y).dispose(), { minTime: 0.2, sync: () => torch.cuda.synchronize() });
 * ```
 */
export function timeit(fn: () => unknown, options: TimeitOptions = {}): number {
  const { minTime = 0.5, repeats = 7, warmup = 3, maxBatch = 1 << 20, sync } = options;
  if (!(minTime > 0)) throw new RangeError(`timeit: minTime must be > 0, got ${minTime}`);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`timeit: repeats must be a positive integer, got ${repeats}`);
  }

  for (let i = 0; i < warmup; i++) fn();
  sync?.();

  // Calibrate how many calls make one batch of about minTime / repeats.
  const target = minTime / repeats;
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    sync?.();
    const dt = (performance.now() - t0) / 1e3;
    if (dt > target || n >= maxBatch) break;
    n *= 2;
  }

  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    sync?.();
    samples.push((performance.now() - t0) / 1e3 / n);
  }
  return median(samples);
}
