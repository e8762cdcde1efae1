/**
 * Shared helpers of the CUDA suites (tests/cuda): the skip/require gate, moving inputs to
 * the device under test, and CPU-vs-device comparisons.
 *
 * Without a GPU the suites skip with a visible NOTICE. `npm run test:cuda` sets
 * FLINT_REQUIRE_CUDA=1, and then a missing GPU fails the run instead of skipping it.
 *
 * FLINT_CUDA_SELFTEST=1 runs the parity suites with the CPU standing in for the GPU (the
 * "device" copy is a CPU clone), so that the tests' own logic can be checked on a machine
 * without a GPU; tests that only make sense on a real GPU (memory statistics, device
 * strings, out-of-memory, ...) skip in that mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { mulberry32 } from '../helpers/random.js';

export { mulberry32 };

/** Set by `npm run test:cuda`: CUDA must be there. */
export const REQUIRE_CUDA = process.env.FLINT_REQUIRE_CUDA === '1';
/** The CPU stands in for the GPU (checks the tests themselves). */
export const SELF_TEST = process.env.FLINT_CUDA_SELFTEST === '1';
/** The device under test. */
export const DEV = SELF_TEST ? 'cpu' : 'cuda';
/** How tensors on the device under test print their device. */
export const DEV_NAME = SELF_TEST ? 'cpu' : 'cuda:0';

let announced = false;

/**
 * Prints the NOTICE once when CUDA is missing, and registers the test that fails a
 * FLINT_REQUIRE_CUDA=1 run without CUDA. Returns whether the parity suites should run.
 * Call at a test file's top level with `torch.cuda.isAvailable()`.
 */
export function cudaGate(hasCuda: boolean): boolean {
  if (!hasCuda && !announced) {
    announced = true;
    console.warn(
      SELF_TEST
        ? `NOTICE: FLINT_CUDA_SELFTEST=1: the CPU stands in for CUDA; GPU-only tests skipped: ${torch.cuda.unavailableReason()}`
        : `NOTICE: CUDA tests skipped: ${torch.cuda.unavailableReason()}`,
    );
  }
  describe.runIf(REQUIRE_CUDA)('FLINT_REQUIRE_CUDA', () => {
    it('CUDA is available when FLINT_REQUIRE_CUDA=1', () => {
      expect(hasCuda, `CUDA is required (FLINT_REQUIRE_CUDA=1) but unavailable: ${torch.cuda.unavailableReason()}`).toBe(true);
    });
  });
  return hasCuda || SELF_TEST;
}

/** A copy of `x` on the device under test (a CPU clone in self-test mode). */
export function toDev(x: Tensor): Tensor {
  return SELF_TEST ? x.detach().clone() : x.to('cuda');
}

// ------------------------------------------------------------------ comparisons

export interface Tol {
  rtol: number;
  atol: number;
}

export const TOL_F32: Tol = { rtol: 1e-5, atol: 1e-6 };
export const TOL_F64: Tol = { rtol: 1e-10, atol: 1e-12 };
export const TOL_F16: Tol = { rtol: 2e-3, atol: 1e-3 };
export const TOL_BF16: Tol = { rtol: 1.6e-2, atol: 1e-2 };

/** The default tolerance of a floating dtype (exact for integers and bool). */
export function tolFor(dtype: torch.DType): Tol | null {
  switch (dtype) {
    case torch.float32: return TOL_F32;
    case torch.float64: return TOL_F64;
    case torch.float16: return TOL_F16;
    case torch.bfloat16: return TOL_BF16;
    default: return null;
  }
}

/** Elements as JS numbers; int64 as bigint (compared exactly). */
function elements(t: Tensor): ArrayLike<number | bigint> {
  return t.dataSync() as ArrayLike<number | bigint>;
}

/**
 * Compares `actual` (any device) with `expected` (CPU): same shape and dtype, and
 * elementwise |a - e| <= atol + rtol * |e| for floats (NaN equals NaN, infinities must
 * match), exact for integers and bool. Returns null when they agree, else a description
 * of the first mismatches.
 */
export function mismatch(actual: Tensor, expected: Tensor, tol?: Tol | null): string | null {
  const a = actual.device.type === 'cpu' ? actual : actual.cpu();
  if (a.shape.join(',') !== expected.shape.join(',')) return `shape [${a.shape}] vs expected [${expected.shape}]`;
  if (a.dtype !== expected.dtype) return `dtype ${a.dtype.name} vs expected ${expected.dtype.name}`;
  const t = tol === undefined ? tolFor(expected.dtype) : tol;
  const av = elements(a);
  const ev = elements(expected);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < ev.length; i++) {
    const x = av[i];
    const y = ev[i];
    let ok: boolean;
    if (typeof y === 'bigint' || t === null) ok = x === y || (Number.isNaN(x) && Number.isNaN(y));
    else {
      const xn = Number(x);
      const yn = Number(y);
      if (Number.isNaN(yn)) ok = Number.isNaN(xn);
      else if (!Number.isFinite(yn)) ok = xn === yn;
      else ok = Math.abs(xn - yn) <= t.atol + t.rtol * Math.abs(yn);
    }
    if (!ok) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] ${String(x)} vs ${String(y)}`);
    }
  }
  return count === 0 ? null : `${count}/${ev.length} elements differ (${t ? `rtol ${t.rtol}, atol ${t.atol}` : 'exact'}): ${bad.join(', ')}`;
}

/** Asserts `actual` matches `expected` (see `mismatch`). */
export function expectMatch(actual: Tensor, expected: Tensor, tol?: Tol | null, label = ''): void {
  const m = mismatch(actual, expected, tol);
  expect(m, `${label}${label ? ': ' : ''}${m}`).toBeNull();
}

type Output = Tensor | Tensor[] | readonly Tensor[];

function outputs(value: Output): Tensor[] {
  return Array.isArray(value) ? [...value] : [value as Tensor];
}

export interface ParityOptions {
  /** Tolerance for all outputs (default: by dtype). */
  tol?: Tol | null;
  /** When the CPU throws, require the device to throw as well and pass (dtype sweeps). */
  allowErrors?: boolean;
}

/**
 * Runs `fn` on CPU tensors and on device copies of them (views are made inside `fn`, so
 * they are views on either device) and compares every output. Returns null when they
 * agree, else a description; `'cpu-error'` when the CPU threw and `allowErrors` is set
 * (the device threw too).
 */
export function parity(label: string, inputs: Tensor[], fn: (...xs: Tensor[]) => Output, options: ParityOptions = {}): string | null {
  return torch.tidy(() => {
    let expected: Tensor[] | null = null;
    let cpuError: unknown = null;
    try {
      expected = outputs(fn(...inputs));
    } catch (error) {
      cpuError = error;
    }
    const devInputs = inputs.map(toDev);
    let actual: Tensor[] | null = null;
    let devError: unknown = null;
    try {
      actual = outputs(fn(...devInputs));
    } catch (error) {
      devError = error;
    }
    if (cpuError !== null) {
      if (!options.allowErrors) return `${label}: the CPU threw ${(cpuError as Error).message}`;
      if (devError === null) {
        // Data-dependent errors (negative integer powers, ...) surface on the GPU at the
        // next synchronization: read the outputs so that they are raised here.
        try {
          for (const t of actual!) t.cpu();
          if (!SELF_TEST) torch.cuda.synchronize();
        } catch (error) {
          devError = error;
        }
      }
      return devError === null ? `${label}: the CPU threw (${(cpuError as Error).message}) but ${DEV} did not` : 'cpu-error';
    }
    if (devError !== null) return `${label}: ${DEV} threw ${(devError as Error).message}`;
    if (actual!.length !== expected!.length) return `${label}: ${actual!.length} outputs vs ${expected!.length}`;
    for (let i = 0; i < expected!.length; i++) {
      if (String(actual![i].device) !== DEV_NAME) return `${label}: output ${i} is on ${actual![i].device}, not ${DEV_NAME}`;
      let m: string | null;
      try {
        m = mismatch(actual![i], expected![i], options.tol);
      } catch (error) {
        // A kernel error deferred to the read-back (the GPU reports those at synchronization).
        return `${label}: reading ${DEV} output ${i} threw ${(error as Error).message}`;
      }
      if (m !== null) return `${label}${expected!.length > 1 ? ` (output ${i})` : ''}: ${m}`;
    }
    return null;
  });
}

/** Asserts `parity(...)` found no difference (and that the CPU did not throw). */
export function expectParity(label: string, inputs: Tensor[], fn: (...xs: Tensor[]) => Output, tol?: Tol | null): void {
  const m = parity(label, inputs, fn, { tol });
  expect(m, m ?? '').toBeNull();
}

/** Collects failures over a sweep, so that one run reports every mismatching case. */
export class Failures {
  readonly list: string[] = [];
  /** Records parity's result; returns whether the case ran on the CPU without error. */
  add(result: string | null): boolean {
    if (result === 'cpu-error') return false;
    if (result !== null) this.list.push(result);
    return true;
  }
  check(): void {
    expect(this.list, this.list.join('\n')).toEqual([]);
  }
}

// ------------------------------------------------------------------ inputs

export const DTYPE_NAMES = ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'] as const;
export type DTypeName = (typeof DTYPE_NAMES)[number];

export const DTYPES: Record<DTypeName, torch.DType> = {
  float32: torch.float32,
  float64: torch.float64,
  int64: torch.int64,
  int32: torch.int32,
  uint8: torch.uint8,
  bool: torch.bool,
};

export interface RandomOptions {
  /** floats: [lo, hi); integers: [lo, hi] (clipped to the dtype's range) */
  lo?: number;
  hi?: number;
  /** integers: no zeros (divisors) */
  nonzero?: boolean;
  /** floats: put 0, -0, ±inf, NaN and halves (for rounding) at a few positions */
  specials?: boolean;
}

const SPECIALS = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, Infinity, -Infinity, NaN];

/**
 * A seeded random CPU tensor: floats uniform in [lo, hi), integers in [lo, hi], bool
 * half true.
 */
export function randomTensor(rng: () => number, shape: number[], dtype: torch.DType, options: RandomOptions = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  if (dtype === torch.bool) {
    for (let i = 0; i < n; i++) values[i] = rng() < 0.5 ? 1 : 0;
  } else if (dtype.isFloatingPoint) {
    const lo = options.lo ?? -3;
    const hi = options.hi ?? 3;
    for (let i = 0; i < n; i++) values[i] = lo + (hi - lo) * rng();
    if (options.specials) for (let i = 0; i < Math.min(n, SPECIALS.length); i++) values[(i * 7) % n] = SPECIALS[i];
  } else {
    let lo = options.lo ?? (dtype === torch.uint8 ? 0 : -20);
    let hi = options.hi ?? 20;
    if (dtype === torch.uint8) {
      lo = Math.max(0, lo);
      hi = Math.min(255, hi);
    }
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
    for (let i = 0; i < n; i++) {
      let v = lo + Math.floor((hi - lo + 1) * rng());
      if (options.nonzero && v === 0) v = hi > 0 ? 1 : -1;
      values[i] = v;
    }
  }
  const t = torch.tensor(values, { dtype: torch.float64 }).to(dtype);
  return shape.length === 1 ? t : t.reshape(shape);
}

/**
 * Input layouts for a base tensor of shape [6, 5] (or 0-d / empty bases): each makes a
 * view (or the tensor itself) from the base, so that applying it on either device gives
 * the same logical values.
 */
export interface Layout {
  name: string;
  baseShape: number[];
  make(x: Tensor): Tensor;
}

export const LAYOUTS: Layout[] = [
  { name: 'contiguous [6,5]', baseShape: [6, 5], make: (x) => x },
  { name: 'transposed .t()', baseShape: [6, 5], make: (x) => x.t() },
  { name: 'narrow(1,1,3)', baseShape: [6, 5], make: (x) => x.narrow(1, 1, 3) },
  { name: 'select(0,2)', baseShape: [6, 5], make: (x) => x.select(0, 2) },
  { name: 'expand [4,6,5]', baseShape: [6, 5], make: (x) => x.narrow(0, 0, 1).expand(4, 6, 5) },
  { name: 'strided ::2', baseShape: [6, 5], make: (x) => x.index('::2', '1::2') },
  { name: 'empty [0,3]', baseShape: [0, 3], make: (x) => x },
  { name: '0-d', baseShape: [], make: (x) => x },
];

/** The error `fn` throws; throws itself when `fn` does not. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

/**
 * Full float32 matrix products for the enclosing describe (TF32 off), restored after it:
 * comparisons with the CPU need them. Call inside a describe block.
 */
export function withoutTF32(): void {
  let tf32 = false;
  beforeAll(() => {
    tf32 = torch.backends.cuda.matmul.allowTF32;
    torch.backends.cuda.matmul.allowTF32 = false;
  });
  afterAll(() => {
    torch.backends.cuda.matmul.allowTF32 = tf32;
  });
}
