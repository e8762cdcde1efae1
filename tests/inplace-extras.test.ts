/**
 * The in-place linear-algebra updates, cumsum_/cumprod_, scatterAdd_, fillDiagonal_, the in-place
 * view ops (squeeze_, unsqueeze_, t_, transpose_, swapaxes_, swapdims_), addmm/outer as methods,
 * indexPut, sumToSize, splitWithSizes and geometric_ against PyTorch 1.13
 * (tests/fixtures/inplace-extras.json, written by scripts/make_inplace_extras_fixtures.py):
 * values, that in-place methods return self, the gradients through a non-leaf self and the
 * other operands, grad_fn names (those of nodes PyTorch names after the op), PyTorch's seeded
 * geometric_ draws, apply_/map_, and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';

type Arg = FixtureTensor | number | boolean | 'inf' | '-inf' | 'nan' | Arg[];
interface Case {
  fn: string;
  self: FixtureTensor;
  args: Arg[];
  kw: Record<string, Arg>;
  out: FixtureTensor[];
  isSelf: boolean;
  gradFn?: string | null;
  gradSelf?: FixtureTensor;
  gradOthers?: FixtureTensor[];
  others?: number[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/inplace-extras.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  geometric: { seed: number; p: number; out: FixtureTensor }[];
  errors: { key: string; message: string }[];
};
const camel = (s: string): string => {
  const trailing = s.endsWith('_') ? '_' : '';
  return s.replace(/_$/, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) + trailing;
};
const isTensorArg = (a: Arg): a is FixtureTensor => typeof a === 'object' && !Array.isArray(a);
const toArg = (a: Arg, leaves: Map<Arg, Tensor>): unknown =>
  isTensorArg(a) ? (leaves.get(a) ?? fromFixture(a)) : Array.isArray(a) ? a.map((v) => toArg(v, leaves)) : a;

// Nodes PyTorch names after the op (fill_diagonal_ is CopySlices there, sum_to_size a composite).
const NAMED = /^(Addmm|Addmv|Addr|Addbmm|Baddbmm|Cumsum|Cumprod|ScatterAdd|Squeeze|Unsqueeze|T|Transpose|IndexPut|SplitWithSizes)Backward\d$/;

describe('in-place extras as PyTorch 1.13', () => {
  FIXTURE.cases.forEach((c, i) => {
    it(`${i} x.${camel(c.fn)}(${c.args.map((a) => (isTensorArg(a) ? `[${a.shape}]` : JSON.stringify(a))).join(', ')})`, () => {
      const floating = c.self.dtype.startsWith('float');
      const leaf = fromFixture(c.self, { requiresGrad: floating });
      const self = floating ? leaf.mul(1) : leaf;
      const leaves = new Map<Arg, Tensor>();
      for (const k of c.others ?? []) leaves.set(c.args[k]!, fromFixture(c.args[k] as FixtureTensor, { requiresGrad: true }));
      const kw = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [camel(k), v]));
      const args = c.args.map((a) => toArg(a, leaves));
      const method = (self as unknown as Record<string, (...a: unknown[]) => unknown>)[camel(c.fn)]!;
      const out = method.call(self, ...args, ...(Object.keys(kw).length ? [kw] : []));
      const outs = Array.isArray(out) ? (out as Tensor[]) : [out as Tensor];
      outs.forEach((o, k) => expectClose(o, c.out[k]!, { rtol: 1e-12, atol: 1e-12, label: `out ${k}` }));
      expect(out === self).toBe(c.isSelf);
      if (!floating) return;
      if (c.gradFn && NAMED.test(c.gradFn)) expect(outs[0]!.gradFn?.name).toBe(c.gradFn);
      let total: Tensor | null = null;
      for (const o of outs) {
        const term = o.mul(torch.linspace(-1, 1, o.numel(), { dtype: o.dtype }).reshape(o.shape)).sum();
        total = total === null ? term : total.add(term);
      }
      total!.backward();
      expectClose(leaf.grad!, c.gradSelf!, { rtol: 1e-12, atol: 1e-12, label: 'grad self' });
      (c.others ?? []).forEach((k, j) => expectClose(leaves.get(c.args[k]!)!.grad!, c.gradOthers![j]!, { rtol: 1e-12, atol: 1e-12, label: `grad arg ${k}` }));
    });
  });
});

describe('geometric_', () => {
  it("draws PyTorch's values from a seed", () => {
    for (const g of FIXTURE.geometric) {
      torch.manualSeed(g.seed);
      const out = torch.empty(g.out.shape, { dtype: torch[g.out.dtype as 'float64'] }).geometric_(g.p);
      expectClose(out, g.out, { rtol: 0, atol: 0 });
    }
  });
});

describe('apply_ and map_', () => {
  it('call the function per element, in place, on the CPU', () => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    expect(x.apply_((v) => v * 10)).toBe(x);
    expect(x.tolist()).toEqual([[10, 20], [30, 40]]);
    const y = torch.tensor([0.5, 1.5]);
    y.map_(torch.tensor([2, 4]), (a, b) => a * b);
    expect(y.tolist()).toEqual([1, 6]);
    const z = torch.tensor([[1.0, 2.0], [3.0, 4.0]]);
    z.map_(torch.tensor([10.0, 20.0]), (a, b) => a + b);
    expect(z.tolist()).toEqual([[11, 22], [13, 24]]);
  });
});

describe('errors are PyTorch 1.13 messages', () => {
  const e = Object.fromEntries(FIXTURE.errors.map((x) => [x.key, x.message]));
  it('fillDiagonal_, t_ on a leaf, geometric_, sumToSize', () => {
    expect(() => torch.zeros(3).fillDiagonal_(1)).toThrow(e.fill_diagonal_1d);
    expect(() => torch.zeros(2, 3, 3).fillDiagonal_(1)).toThrow(e.fill_diagonal_unequal);
    expect(() => torch.zeros(2, 3).requiresGrad_().t_()).toThrow(e.t_leaf);
    expect(() => torch.zeros(3).geometric_(1.5)).toThrow(e.geometric_p);
    expect(() => torch.zeros(2, 3).sumToSize(4)).toThrow(e.sum_to_size);
  });
  it('a view op in place bumps the version, as PyTorch does', () => {
    const x = torch.zeros(2, 3);
    const v = x._version.value;
    x.t_();
    expect(x._version.value).toBe(v + 1);
    expect(x.shape).toEqual([3, 2]);
  });
});
