/**
 * PyTorch reference fixtures (tests/fixtures/ops.json, written by scripts/make_fixtures.py;
 * tests/fixtures/grads.json, written by scripts/make_grad_fixtures.py) and the comparison
 * helpers the op tests share.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { gradcheck } from './gradcheck.js';

export type DTypeName = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool' | 'complex64' | 'complex128';
export type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

export interface FixtureTensor {
  shape: number[];
  dtype: DTypeName;
  /** flat, row-major */
  data: FixtureValue[];
}

export interface FixtureCase {
  name: string;
  /** which test file owns the case */
  area: string;
  /** the PyTorch expression (inputs are a, b, c, d) */
  expr: string;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  /** inputs[i].grad after out.backward(gradOutput); null where inputs[i] does not require grad */
  grads: (FixtureTensor | null)[];
  gradOutput: FixtureTensor | null;
  /** grad_fn name PyTorch 1.13 gave the output (informational: flint follows torch 2.11's names) */
  gradFn: string | null;
  note?: string;
  extras?: Record<string, FixtureTensor>;
  /**
   * Whether each input required grad (grads.json only). A null grads[i] for an input that
   * required grad means PyTorch left its .grad None.
   */
  requiresGrad?: boolean[];
}

export interface GradFnEntry {
  key: string;
  expr: string;
  torch_1_13: string;
  torch_2_11: string;
}

export interface Fixtures {
  torchVersion: string;
  seed: number;
  cases: FixtureCase[];
  gradFns: GradFnEntry[];
  errors: { key: string; message: string }[];
}

/** A fixture file under tests/fixtures. */
export type FixtureFile = 'ops.json' | 'grads.json';

const cached = new Map<FixtureFile, Fixtures>();

export function fixtures(file: FixtureFile = 'ops.json'): Fixtures {
  let doc = cached.get(file);
  if (!doc) {
    doc = JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as Fixtures;
    cached.set(file, doc);
  }
  return doc;
}

export function getCase(name: string, file: FixtureFile = 'ops.json'): FixtureCase {
  const c = fixtures(file).cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case named ${name} in ${file}; rerun its scripts/make_*fixtures.py`);
  return c;
}

export function casesIn(area: string, file: FixtureFile = 'ops.json'): FixtureCase[] {
  return fixtures(file).cases.filter((c) => c.area === area);
}

export function errorMessage(key: string): string {
  const e = fixtures().errors.find((x) => x.key === key);
  if (!e) throw new Error(`no recorded error ${key}`);
  return e.message;
}

// ------------------------------------------------------------------ tensors

export const DTYPES = {
  float32: torch.float32,
  float64: torch.float64,
  float16: torch.float16,
  int64: torch.int64,
  int32: torch.int32,
  int16: torch.int16,
  int8: torch.int8,
  uint8: torch.uint8,
  bool: torch.bool,
  complex64: torch.complex64,
  complex128: torch.complex128,
};

export function isFloating(name: string): boolean {
  return name === 'float32' || name === 'float64' || name === 'float16' || name === 'complex64' || name === 'complex128';
}

export function decodeValue(v: FixtureValue): number | boolean {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

function numbersOf(t: FixtureTensor): number[] {
  return t.data.map((v) => Number(decodeValue(v)));
}

/**
 * Fixture tensor -> flint tensor: torch.tensor(flat, {dtype}).reshape(...shape), then
 * requiresGrad_() when asked (the tensor is then a leaf). `dtype` converts floating data
 * (e.g. to float64 for gradcheck); other dtypes are kept.
 */
export function fromFixture(
  t: FixtureTensor,
  opts: { requiresGrad?: boolean; dtype?: DTypeName } = {},
): Tensor {
  const name: DTypeName = opts.dtype && isFloating(t.dtype) && !t.dtype.startsWith('complex') ? opts.dtype : t.dtype;
  const dtype = DTYPES[name];
  let x: Tensor;
  if (name === 'complex64' || name === 'complex128') {
    // The (real, imag) pairs, as scripts write a complex tensor's view_as_real.
    const pairs = torch.tensor(numbersOf(t), { dtype: name === 'complex64' ? torch.float32 : torch.float64 });
    x = torch.viewAsComplex(pairs.reshape(...t.shape, 2)).clone();
  } else if (name === 'bool') {
    const flat = t.data.map((v) => v === true || v === 1);
    x = t.shape.length === 0 ? torch.tensor(flat[0] ?? false, { dtype }) : torch.tensor(flat, { dtype });
  } else {
    const flat = numbersOf(t);
    x = t.shape.length === 0 ? torch.tensor(flat[0] ?? 0, { dtype }) : torch.tensor(flat, { dtype });
  }
  if (t.shape.length > 1) x = x.reshape(...t.shape);
  if (opts.requiresGrad) x.requiresGrad_();
  return x;
}

/** Typed-array values of a tensor as JS numbers (int64 via Number, bool as 0/1). */
export function valuesOf(t: Tensor): number[] {
  const data = t.dataSync() as ArrayLike<number | bigint>;
  return Array.from(data, (v) => Number(v));
}

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

export const DEFAULT_TOL: Record<string, Required<Tolerance>> = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  float64: { rtol: 1e-9, atol: 1e-12 },
  complex64: { rtol: 1e-4, atol: 1e-5 },
  complex128: { rtol: 1e-9, atol: 1e-12 },
};

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(9);
}

function isFlintTensor(x: FixtureTensor | Tensor): x is Tensor {
  return typeof (x as { dataSync?: unknown }).dataSync === 'function';
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] ?? 1;
    idx[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return idx;
}

/**
 * For results of OpenBLAS's LAPACK and trsm, compared with PyTorch's (which links the same
 * OpenBLAS): bit for bit when both ran the same kernels, but OpenBLAS picks its kernels by
 * CPU (AVX2, AVX-512), and the fixtures were written on one machine, so on another CPU the
 * last bits differ. A few float64 ulps, or a few float32 ones.
 * @example expectClose(x, c.X, BLAS_KERNEL_TOL.float64)
 */
export const BLAS_KERNEL_TOL = { float64: { rtol: 1e-13, atol: 1e-300 }, float32: { rtol: 1e-5, atol: 1e-30 } } as const;

/**
 * Asserts `actual` equals the reference: same shape, same dtype name, and values within
 * |a - e| <= atol + rtol * |e| (floating), exactly equal otherwise. nan matches nan, an
 * infinity matches the same infinity. `expected` may be a fixture tensor or a flint tensor.
 */
export function expectClose(
  actual: Tensor,
  expected: FixtureTensor | Tensor,
  opts: Tolerance & { label?: string } = {},
): void {
  const label = opts.label ? `${opts.label}: ` : '';
  const exp: { shape: number[]; dtype: string; values: number[] } = isFlintTensor(expected)
    ? { shape: [...expected.shape], dtype: expected.dtype.name, values: valuesOf(expected) }
    : { shape: expected.shape, dtype: expected.dtype, values: numbersOf(expected) };
  expect([...actual.shape], `${label}shape`).toEqual(exp.shape);
  expect(actual.dtype.name, `${label}dtype`).toBe(exp.dtype);
  const got = valuesOf(actual);
  expect(got.length, `${label}number of elements`).toBe(exp.values.length);
  const floating = isFloating(exp.dtype);
  const def = DEFAULT_TOL[exp.dtype] ?? { rtol: 0, atol: 0 };
  const rtol = floating ? (opts.rtol ?? def.rtol) : 0;
  const atol = floating ? (opts.atol ?? def.atol) : 0;
  const bad: string[] = [];
  let nBad = 0;
  for (let i = 0; i < got.length; i++) {
    const a = got[i] ?? NaN;
    const e = exp.values[i] ?? NaN;
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else ok = Number.isFinite(a) && Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      nBad++;
      if (bad.length < 5) bad.push(`[${unravel(i, exp.shape).join(', ')}] got ${fmt(a)} expected ${fmt(e)}`);
    }
  }
  if (nBad > 0) {
    throw new Error(
      `${label}${nBad} of ${got.length} values differ (rtol ${rtol}, atol ${atol}): ${bad.join('; ')}`,
    );
  }
}

// ------------------------------------------------------------------ table-driven case runner

/** Inputs in fixture order; a tuple type so `([a, b]) => ...` destructures to Tensors. */
export type Inputs = [Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
export type Op = (x: Inputs) => Tensor;

export interface RunOptions {
  /** per-case tolerance overrides (values and gradients) */
  tol?: Record<string, Tolerance>;
  /** cases to leave out of the float64 gradcheck (the reason should be in a comment) */
  skipGradcheck?: string[];
  /** false: no gradcheck at all (cases at kinks, infinities and NaNs, where it is meaningless) */
  gradcheck?: boolean;
  /** the fixture file holding the area (default ops.json) */
  file?: FixtureFile;
  /** also check that the output's grad_fn has the name PyTorch gave it */
  gradFnNames?: boolean;
}

/** 2 forward passes per input element: allow more than vitest's default 5 s. */
export const GRADCHECK_TIMEOUT_MS = 60_000;

/** The two results of max(dim)/min(dim), checked to be a JS array of two tensors. */
export function pair(r: unknown): [Tensor, Tensor] {
  if (!Array.isArray(r) || r.length !== 2) throw new Error('expected [values, indices]');
  return r as [Tensor, Tensor];
}

export function runOp(fn: Op, xs: Tensor[]): Tensor {
  return fn(xs as unknown as Inputs);
}

/** Inputs of a case as flint tensors; floating ones that have a reference grad require grad. */
export function caseInputs(c: FixtureCase, opts: { grad?: boolean; dtype?: DTypeName } = {}): Tensor[] {
  return c.inputs.map((t, i) =>
    fromFixture(t, {
      requiresGrad: Boolean(opts.grad) && (c.requiresGrad?.[i] ?? c.grads[i] != null),
      ...(opts.dtype ? { dtype: opts.dtype } : {}),
    }),
  );
}

/**
 * For every case of `area`: forward values; for differentiable cases, the gradients after
 * out.backward(gradOutput) and a float64 gradcheck. Also checks that `table` and the fixture
 * cases of the area name the same cases.
 */
export function runCases(area: string, table: Record<string, Op>, opts: RunOptions = {}): void {
  const cases = casesIn(area, opts.file);
  it(`the ${area} table covers exactly the ${area} fixture cases`, () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(Object.keys(table).sort()).toEqual(cases.map((c) => c.name).sort());
  });
  for (const c of cases) {
    const fn = table[c.name];
    if (!fn) continue; // reported by the coverage test above
    const tol = opts.tol?.[c.name] ?? {};
    describe(c.name, () => {
      it(`forward matches PyTorch: ${c.expr}`, () => {
        expectClose(runOp(fn, caseInputs(c)), c.output, { ...tol, label: 'output' });
      });
      const gradOutput = c.gradOutput;
      if (!gradOutput) return;
      it('gradients match PyTorch', () => {
        const xs = caseInputs(c, { grad: true });
        const out = runOp(fn, xs);
        expectClose(out, c.output, { ...tol, label: 'output (grad mode)' });
        expect(out.requiresGrad).toBe(true);
        if (opts.gradFnNames) expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        out.backward(fromFixture(gradOutput));
        c.grads.forEach((g, i) => {
          const x = xs[i];
          if (!x) return;
          if (!g) {
            if (c.requiresGrad?.[i]) expect(x.grad, `input ${i}: PyTorch left .grad None`).toBeNull();
            return;
          }
          expect(x.grad, `input ${i} has a gradient`).not.toBeNull();
          if (x.grad) expectClose(x.grad, g, { ...tol, label: `grad of input ${i}` });
        });
      });
      if (opts.gradcheck === false || opts.skipGradcheck?.includes(c.name)) return;
      it(
        'gradcheck (float64, finite differences)',
        () => {
          const xs = caseInputs(c, { grad: true, dtype: 'float64' });
          gradcheck((...ys) => runOp(fn, ys), xs);
        },
        GRADCHECK_TIMEOUT_MS,
      );
    });
  }
}
