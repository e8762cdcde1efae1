/**
 * The lazy modules against PyTorch 1.13 (tests/fixtures/lazy-modules.json, written by
 * scripts/make_lazy_fixtures.py): each seeded, its repr and state dict before the first call
 * (uninitialized entries print as `<UninitializedParameter>`), its output and the initialized
 * values after it (the same random draws as PyTorch), the class it becomes, and what loading
 * the initialized state dict into a fresh lazy module gives (materialized, still lazy until its
 * call, and then PyTorch's quirk: in_features stays 0). Also: the same Parameter object before
 * and after, optimizers made before the first call, dtype conversion before it, and PyTorch's
 * errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';

const { nn } = torch;
type State = Record<string, FixtureTensor | string>;
interface Case {
  name: string;
  args: unknown[];
  kw: Record<string, unknown>;
  seed: number;
  input: FixtureTensor;
  out: FixtureTensor;
  before: { repr: string; state: State; params: string[]; buffers: string[] };
  after: { repr: string; class: string; state: State; params: string[] };
  loaded: { repr: string; class: string; state: State; out: FixtureTensor; repr_after_call: string };
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/lazy-modules.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  errors: Record<string, { type: string; message: string }>;
};

type AnyModule = torch.nn.Module & ((x: Tensor) => Tensor);
function build(c: Case): AnyModule {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => AnyModule>)[c.name]!;
  return Object.keys(c.kw).length > 0 ? new Ctor(...c.args, c.kw) : new Ctor(...c.args);
}

function expectState(got: Record<string, Tensor>, want: State, label: string): void {
  expect(Object.keys(got), `${label} keys`).toEqual(Object.keys(want));
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'string') expect(String(got[k]), `${label} ${k}`).toBe(v);
    else expectClose(got[k]!, v, { label: `${label} ${k}`, rtol: 1e-5, atol: 1e-6 });
  }
}

describe('lazy modules as PyTorch 1.13', () => {
  FIXTURE.cases.forEach((c, i) => {
    it(`${i} ${c.name}(${JSON.stringify(c.args)}, ${JSON.stringify(c.kw)}) on ${c.input.shape}`, () => {
      torch.manualSeed(c.seed);
      const m = build(c);
      expect(String(m)).toBe(c.before.repr);
      expect(m.namedParameters().map(([n]) => n)).toEqual(c.before.params);
      expect(m.namedBuffers().map(([n]) => n)).toEqual(c.before.buffers);
      expectState(m.stateDict(), c.before.state, 'before');
      const y = m(fromFixture(c.input));
      expectClose(y, c.out, { rtol: 1e-4, atol: 1e-5 });
      expect(String(m)).toBe(c.after.repr);
      expect(m.constructor.name).toBe(c.after.class);
      expectState(m.stateDict(), c.after.state, 'after');

      const fresh = build(c);
      fresh.loadStateDict(m.stateDict());
      expect(String(fresh)).toBe(c.loaded.repr);
      expect(fresh.constructor.name).toBe(c.loaded.class);
      expectState(fresh.stateDict(), c.loaded.state, 'loaded');
      expectClose(fresh(fromFixture(c.input)), c.loaded.out, { rtol: 1e-4, atol: 1e-5 });
      expect(String(fresh)).toBe(c.loaded.repr_after_call);
    });
  });
});

describe('lazy parameters', () => {
  it('stay the same objects, so an optimizer made before the first call trains them', () => {
    torch.manualSeed(0);
    const fc = new nn.LazyLinear(2);
    const w = fc.weight;
    expect(nn.isLazy(w)).toBe(true);
    expect(w instanceof nn.Parameter).toBe(true);
    const opt = new torch.optim.SGD(fc.parameters(), { lr: 0.1 });
    const x = torch.ones(3, 4);
    fc(x).sum().backward();
    expect(fc.weight).toBe(w);
    expect(nn.isLazy(w)).toBe(false);
    expect(w instanceof nn.UninitializedParameter).toBe(false);
    expect(fc instanceof nn.Linear && !(fc instanceof nn.LazyLinear)).toBe(true);
    const before = w.clone();
    opt.step();
    expectClose(w, before.sub(torch.full([2, 4], 0.3)), { rtol: 1e-6, atol: 1e-6 });
  });

  it('follow a dtype conversion made before the first call', () => {
    const bn = new nn.LazyBatchNorm1d().double();
    bn(torch.randn(4, 3, { dtype: torch.float64 }));
    expect(bn.weight!.dtype).toBe(torch.float64);
    expect(bn.running_mean!.dtype).toBe(torch.float64);
    expect(bn.running_mean!.shape).toEqual([3]);
  });

  it('materialize directly, keeping the dtype they were made with', () => {
    const p = new nn.UninitializedParameter(true, { dtype: torch.float64 });
    expect(String(p)).toBe('<UninitializedParameter>');
    p.materialize([2, 3]);
    expect([p.shape, p.dtype, p.requiresGrad]).toEqual([torch.Size ? p.shape : [2, 3], torch.float64, true]);
    expect([...p.shape]).toEqual([2, 3]);
    const b = new nn.UninitializedBuffer();
    expect(String(b)).toBe('<UninitializedBuffer>');
    b.materialize([4], { dtype: torch.int64 });
    expect([...b.shape, b.dtype.name]).toEqual([4, 'int64']);
  });

  it("errors are PyTorch's", () => {
    const e = FIXTURE.errors;
    expect(() => new nn.LazyConv2d(4, 3, { groups: 2 })(torch.randn(1, 3, 5, 5))).toThrow(e.conv_groups!.message);
    expect(() => new nn.LazyConv2d(4, 3)(torch.randn(3, 5, 5, 5, 5))).toThrow(e.conv_rank!.message);
    expect(() => new nn.LazyLinear(3).weight.shape).toThrow(e.shape!.message);
    expect(() => new nn.LazyInstanceNorm1d()(torch.randn(3, 5))).toThrow(e.instance_unbatched!.message);
  });
});
