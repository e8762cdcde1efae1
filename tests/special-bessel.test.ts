/**
 * torch.i0 and torch.special's i0e, i1, i1e, erfcx, logNdtr and ndtr against PyTorch 1.13
 * (tests/fixtures/special-bessel.json, written by scripts/make_special_bessel_fixtures.py):
 * values on a grid that crosses every branch (|x| <= 8 and above, the erfcx tails, logNdtr
 * below -1, ±inf and NaN) in float64 and float32 and from an int64 input (promoted to
 * float32), gradients of the sum (with PyTorch's 0.5 at x = 0 for i1/i1e), grad_fn names,
 * float64 gradchecks, the in-place i0_.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

type Value = number | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
type Name = 'i0' | 'i0e' | 'i1' | 'i1e' | 'erfcx' | 'logNdtr' | 'ndtr';
const FIXTURE: {
  grid: Value[];
  values: Record<Name, { float64: Ser; float32: Ser }>;
  ints: Record<Name, Ser>;
  grads: Record<Name, { x: Ser; grad: Ser }>;
  gradFn: Record<Name, string>;
} = JSON.parse(readFileSync(new URL('./fixtures/special-bessel.json', import.meta.url), 'utf8'));

const S = torch.special;
const FUNCS: Record<Name, (x: Tensor) => Tensor> = {
  i0: torch.i0, i0e: S.i0e, i1: S.i1, i1e: S.i1e, erfcx: S.erfcx, logNdtr: S.logNdtr, ndtr: S.ndtr,
};
const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const DTYPES: Record<string, torch.DType> = { float64: torch.float64, float32: torch.float32 };
const fromSer = (s: Ser, requiresGrad = false): Tensor => torch.tensor(s.data.map(decode), { dtype: DTYPES[s.dtype], requiresGrad });

function expectClose(actual: Tensor, expected: Ser, what: string, rtol: number): void {
  expect([...actual.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${what} dtype`).toBe(expected.dtype);
  const got = Array.from(actual.detach().dataSync() as ArrayLike<number>);
  expected.data.forEach((e, i) => {
    const want = decode(e);
    const v = got[i];
    const where = `${what}[${i}] at x = ${FIXTURE.grid[i]}: got ${v}, want ${want}`;
    if (Number.isNaN(want)) return expect(Number.isNaN(v), where).toBe(true);
    if (!Number.isFinite(want)) return expect(v, where).toBe(want);
    // relative, and absolute near zero (float32 results that underflow to subnormals)
    const atol = expected.dtype === 'float32' ? 1e-37 : 1e-300;
    expect(Math.abs(v - want) <= rtol * Math.abs(want) + atol, where).toBe(true);
  });
}

describe('Bessel functions and the normal tails against PyTorch 1.13', () => {
  const grid64 = torch.tensor(FIXTURE.grid.map(decode), { dtype: torch.float64 });
  for (const name of Object.keys(FUNCS) as Name[]) {
    const f = FUNCS[name];
    it(`${name}: float64 values across its branches (within 1e-13)`, () => {
      expectClose(f(grid64), FIXTURE.values[name].float64, name, 1e-13);
    });
    it(`${name}: float32 values (computed in double, rounded once; within 2e-6 of PyTorch's float kernels)`, () => {
      expectClose(f(grid64.float()), FIXTURE.values[name].float32, `${name} float32`, 2e-6);
    });
    it(`${name}: an int64 input is promoted to float32`, () => {
      // 1e-5: at 9, PyTorch's float log_ndtr goes through float erfc in its far tail (2.4e-6 off)
      expectClose(f(torch.tensor([-3, 0, 2, 9])), FIXTURE.ints[name], `${name} int64`, 1e-5);
    });
    it(`${name}: gradient of the sum and grad_fn ${FIXTURE.gradFn[name]}`, () => {
      const x = fromSer(FIXTURE.grads[name].x, true);
      const y = f(x);
      if (name !== 'ndtr') expect(y.gradFn!.name).toBe(FIXTURE.gradFn[name]);
      y.sum().backward();
      expectClose(x.grad!, FIXTURE.grads[name].grad, `${name} grad`, 1e-11);
    });
    it(`${name}: float64 gradcheck`, () => {
      const x = torch.tensor([-9.5, -2.3, -0.7, 0.4, 1.9, 8.6, 12], { dtype: torch.float64, requiresGrad: true });
      expect(torch.autograd.gradcheck((a: Tensor) => f(a), [x])).toBe(true);
    });
  }
  it('x.i0() and x.i0_() agree with torch.i0', () => {
    const x = torch.tensor([-2, 0.5, 9], { dtype: torch.float64 });
    const want = torch.i0(x);
    expect(x.i0().equal(want)).toBe(true);
    expect(x.i0_()).toBe(x);
    expect(x.equal(want)).toBe(true);
  });
});
