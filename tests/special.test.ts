/**
 * lgamma, digamma, polygamma, erfc, erfinv and logit against PyTorch 1.13
 * (tests/fixtures/special.json, written by scripts/make_special_fixtures.py): float64 values
 * at poles, negative non-integers and domain edges, grad_fn names and gradients; float32
 * values; finite differences; in-place forms and torch.special's names.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { gradcheck } from './helpers/gradcheck.js';

type Value = number | 'nan' | 'inf' | '-inf';
interface Case {
  input: Value[];
  output: Value[];
  grad_fn: string;
  grad: Value[];
  smooth: number;
}
const FIXTURE: { cases: Record<string, Case>; float32: Record<string, { input: Value[]; output: Value[] }> } = JSON.parse(
  readFileSync(new URL('./fixtures/special.json', import.meta.url), 'utf8'),
);
const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

const CALLS: Record<string, (x: Tensor) => Tensor> = {
  lgamma: (x) => torch.lgamma(x),
  digamma: (x) => x.digamma(),
  polygamma0: (x) => torch.polygamma(0, x),
  polygamma1: (x) => torch.polygamma(1, x),
  polygamma2: (x) => x.polygamma(2),
  polygamma3: (x) => torch.polygamma(3, x),
  erfc: (x) => torch.erfc(x),
  erfinv: (x) => x.erfinv(),
  logit: (x) => torch.logit(x),
  logit_eps: (x) => x.logit(0.01),
};

function expectValues(got: Tensor, want: Value[], rtol: number, what: string): void {
  const values = Array.from(got.dataSync() as Float64Array);
  want.forEach((w, i) => {
    const e = decode(w);
    const v = values[i];
    const msg = `${what}[${i}]: got ${v}, want ${e}`;
    if (Number.isNaN(e)) expect(Number.isNaN(v), msg).toBe(true);
    else if (!Number.isFinite(e)) expect(v, msg).toBe(e);
    else expect(Math.abs(v - e) <= rtol * Math.max(1, Math.abs(e)), msg).toBe(true);
  });
}

describe('special functions against PyTorch 1.13 (float64)', () => {
  for (const [name, c] of Object.entries(FIXTURE.cases)) {
    it(`${name}: values, ${c.grad_fn} and gradient`, () => {
      const x = torch.tensor(c.input.map(decode), { dtype: torch.float64, requiresGrad: true });
      const y = CALLS[name](x);
      expect(y.gradFn!.name).toBe(c.grad_fn);
      expectValues(y, c.output, 1e-13, `${name}`);
      y.backward(torch.linspace(0.5, 1.5, c.input.length, { dtype: torch.float64 }));
      expectValues(x.grad!, c.grad, 1e-12, `${name} grad`);
    });
  }
});

describe('special functions against PyTorch 1.13 (float32)', () => {
  for (const [name, c] of Object.entries(FIXTURE.float32)) {
    it(name, () => {
      const y = CALLS[name](torch.tensor(c.input.map(decode), { dtype: torch.float32 }));
      expect(y.dtype).toBe(torch.float32);
      expectValues(y.double(), c.output, 2e-6, name);
    });
  }
});

describe('gradients by finite differences (float64)', () => {
  const at = (values: number[]): Tensor => torch.tensor(values, { dtype: torch.float64, requiresGrad: true });
  it('lgamma, digamma and polygamma, through second order', () => {
    const x = at([-2.5, -0.3, 0.4, 1.7, 6.2, 14.5]);
    expect(gradcheck((t: Tensor) => torch.lgamma(t), [x])).toMatchObject({ ok: true });
    expect(gradcheck((t: Tensor) => torch.digamma(t), [x])).toMatchObject({ ok: true });
    expect(gradcheck((t: Tensor) => torch.polygamma(1, t), [x])).toMatchObject({ ok: true });
    const pos = at([0.4, 1.7, 6.2, 14.5]);
    expect(gradcheck((t: Tensor) => torch.polygamma(2, t), [pos])).toMatchObject({ ok: true });
    // The second derivative goes through the first's backward (digamma -> polygamma(1) -> polygamma(2)).
    const d1 = torch.autograd.grad(torch.lgamma(pos).sum(), [pos], { createGraph: true })[0]!;
    const d2 = torch.autograd.grad(d1.sum(), [pos])[0]!;
    expectValues(d2, Array.from(torch.polygamma(1, pos.detach()).dataSync() as Float64Array), 1e-14, 'lgamma second derivative');
  });
  it('erfc, erfinv and logit', () => {
    expect(gradcheck((t: Tensor) => torch.erfc(t), [at([-2, -0.4, 0, 0.9, 3])])).toMatchObject({ ok: true });
    expect(gradcheck((t: Tensor) => torch.erfinv(t), [at([-0.95, -0.4, 0, 0.69, 0.71, 0.9])])).toMatchObject({ ok: true });
    expect(gradcheck((t: Tensor) => torch.logit(t), [at([0.05, 0.3, 0.5, 0.8])])).toMatchObject({ ok: true });
    expect(gradcheck((t: Tensor) => torch.logit(t, 0.1), [at([0.05, 0.3, 0.5, 0.95])])).toMatchObject({ ok: true });
  });
});

describe('in-place forms, integer inputs, torch.special and errors', () => {
  it('in-place forms match the out-of-place ones', () => {
    const x = () => torch.tensor([0.3, 1.5, 4.2], { dtype: torch.float64 });
    const same = (a: Tensor, b: Tensor) => expect(Array.from(a.dataSync() as Float64Array)).toEqual(Array.from(b.dataSync() as Float64Array));
    same(x().lgamma_(), torch.lgamma(x()));
    same(x().digamma_(), torch.digamma(x()));
    same(x().polygamma_(2), torch.polygamma(2, x()));
    same(x().mul(0.2).erfinv_(), torch.erfinv(x().mul(0.2)));
    same(x().erfc_(), torch.erfc(x()));
    same(x().mul(0.2).logit_(), torch.logit(x().mul(0.2)));
  });
  it('integer inputs promote to the default float', () => {
    const y = torch.lgamma(torch.tensor([1, 2, 5]));
    expect(y.dtype).toBe(torch.float32);
    expect(Array.from(y.dataSync() as Float32Array)).toEqual([0, 0, Math.fround(Math.log(24))]);
    expect(() => torch.tensor([1, 2]).lgamma_()).toThrow("result type Float can't be cast to the desired output type Long");
  });
  it('torch.special names them as PyTorch does', () => {
    const x = torch.tensor([0.5, 4], { dtype: torch.float64 });
    expect(torch.special.gammaln(x).tolist()).toEqual(torch.lgamma(x).tolist());
    expect(torch.special.psi(x).tolist()).toEqual(torch.digamma(x).tolist());
    expect(torch.special.expit(x).tolist()).toEqual(torch.sigmoid(x).tolist());
    expect((torch.special.gammaln(x).tolist() as number[])[0]).toBeCloseTo(0.5723649429247001, 14);
  });
  it('polygamma refuses a negative or fractional order', () => {
    const x = torch.tensor([1.5]);
    expect(() => torch.polygamma(-1, x)).toThrow('polygamma(n, x) does not support negative n.');
    expect(() => torch.polygamma(1.5, x)).toThrow(/polygamma.*n/);
    expect(() => torch.lgamma([1, 2] as never)).toThrow(/lgamma.*Tensor/);
  });
});

describe('broadcastShapes, broadcastTensors and broadcastTo', () => {
  it('give PyTorch shapes and views', () => {
    expect([...torch.broadcastShapes([2, 1], [3], [1, 1, 1])]).toEqual([1, 2, 3]);
    expect([...torch.broadcastShapes(4, [2, 1])]).toEqual([2, 4]);
    const a = torch.tensor([[1], [2]]);
    const b = torch.tensor([10, 20, 30]);
    const [a2, b2] = torch.broadcastTensors(a, b);
    expect(a2.tolist()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(b2.tolist()).toEqual([[10, 20, 30], [10, 20, 30]]);
    expect(b.broadcastTo([2, 3]).stride()).toEqual([0, 1]);
    expect(() => torch.broadcastShapes([2], [3])).toThrow('The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0');
  });
  it('carry gradients back to the unexpanded tensors', () => {
    const a = torch.tensor([[1], [2]], { dtype: torch.float64, requiresGrad: true });
    const [a2] = torch.broadcastTensors(a, torch.zeros(3));
    a2.sum().backward();
    expect(a.grad!.tolist()).toEqual([[3], [3]]);
  });
});
