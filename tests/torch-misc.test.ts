/**
 * varMean, stdMean, renorm, fmax, fmin, inner, ger, vdot, chainMatmul, diff, dist, the window
 * functions, selectScatter, sliceScatter, diagonalScatter, scalarTensor, resultType, canCast, histogram, gradient and frexp
 * against PyTorch 1.13 (tests/fixtures/torch-misc.json, written by
 * scripts/make_torch_misc_fixtures.py): values, the gradients of (out * W).sum() for a fixed W,
 * the grad_fn names of the ops that have their own node in PyTorch, float64 gradchecks, and errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

type Arg = FixtureTensor | number | boolean | null | 'inf' | '-inf' | 'nan' | { dtype: string } | Arg[];
interface Call {
  fn: string;
  method: boolean;
  args: Arg[];
  kw: Record<string, Arg>;
}
interface Case extends Call {
  out: FixtureTensor[];
  grad?: number[];
  grads?: (FixtureTensor | null)[];
  gradFn?: string;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/torch-misc.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  errors: (Call & { message: string })[];
  result_type: string[];
  can_cast: boolean[];
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isTensorArg = (a: Arg): a is FixtureTensor => typeof a === 'object' && a !== null && !Array.isArray(a) && 'shape' in a;
const isDtypeArg = (a: Arg): a is { dtype: string } => typeof a === 'object' && a !== null && !Array.isArray(a) && !('shape' in a);
function toArg(a: Arg, leaves?: Map<Arg, Tensor>): unknown {
  if (isTensorArg(a)) return leaves?.get(a) ?? fromFixture(a);
  if (isDtypeArg(a)) return (torch as unknown as Record<string, torch.DType>)[a.dtype];
  if (a === 'inf') return Infinity;
  if (a === '-inf') return -Infinity;
  if (a === 'nan') return NaN;
  return Array.isArray(a) ? a.map((v) => toArg(v, leaves)) : a;
}

/** Runs a fixture call; `grad` marks the positional tensor args to make leaves. */
function run(c: Call, grad: number[] = []): { outs: Tensor[]; leaves: Tensor[] } {
  const leaves = new Map<Arg, Tensor>();
  for (const i of grad) leaves.set(c.args[i]!, fromFixture(c.args[i] as FixtureTensor, { requiresGrad: true }));
  const args = c.args.map((a) => toArg(a, leaves));
  const kw = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [camel(k), toArg(v)]));
  const extra = Object.keys(kw).length > 0 ? [kw] : [];
  const name = camel(c.fn);
  let out: unknown;
  if (c.method) {
    const self = args[0] as unknown as Record<string, (...a: unknown[]) => unknown>;
    out = self[name]!.call(self, ...args.slice(1), ...extra);
  } else {
    out = (torch as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args, ...extra);
  }
  return { outs: Array.isArray(out) ? (out as Tensor[]) : [out as Tensor], leaves: grad.map((i) => leaves.get(c.args[i]!)!) };
}

// The ops whose node PyTorch names after the op itself (the rest are compositions there too).
const OWN_NODE = /^(VarMean|StdMean|Renorm|Fmax|Fmin|Vdot|Dist|Frexp|SelectScatter|SliceScatter|DiagonalScatter|Sub)Backward0$/;

describe('torch functions against PyTorch 1.13', () => {
  FIXTURE.cases.forEach((c, i) => {
    const label = `${i} ${c.method ? 'x.' : 'torch.'}${camel(c.fn)}(${c.args.map((a) => (isTensorArg(a) ? `${a.dtype}[${a.shape}]` : JSON.stringify(a))).join(', ')}${Object.keys(c.kw).length ? ', ' + JSON.stringify(c.kw) : ''})`;
    it(label, () => {
      const { outs, leaves } = run(c, c.grad ?? []);
      expect(outs.length).toBe(c.out.length);
      outs.forEach((o, k) => expectClose(o, c.out[k]!, { rtol: 1e-6, atol: 1e-7, label: `out ${k}` }));
      if (!c.grad) return;
      if (OWN_NODE.test(c.gradFn!)) expect(outs[0]!.gradFn?.name).toBe(c.gradFn);
      let total: Tensor | null = null;
      for (const o of outs) {
        const w = torch.linspace(-1, 1, o.numel(), { dtype: o.dtype }).reshape(o.shape);
        const term = o.mul(w).sum();
        total = total === null ? term : total.add(term);
      }
      total!.backward();
      leaves.forEach((leaf, k) => {
        const want = c.grads![k];
        if (want === null) expect(leaf.grad).toBeNull();
        else expectClose(leaf.grad!, want!, { rtol: 1e-9, atol: 1e-12, label: `grad ${k}` });
      });
    });
  });
});

describe('errors are PyTorch 1.13 messages', () => {
  FIXTURE.errors.forEach((c, i) => {
    it(`${i} ${c.fn}`, () => expect(() => run(c)).toThrow(c.message));
  });
  it('a negative diff order is refused (PyTorch 2.x; 1.13 returns the input)', () => {
    expect(() => torch.diff(torch.ones(3), -1)).toThrow('order must be non-negative but got -1');
  });
});

describe('resultType and canCast', () => {
  it('promote as PyTorch does', () => {
    const t = torch.tensor;
    const pairs: [Tensor | number | boolean, Tensor | number | boolean][] = [
      [t([1, 2]), 1.5], [t([1, 2], { dtype: torch.int8 }), 3], [t(1.5), t([1], { dtype: torch.int32 })],
      [t([1.0], { dtype: torch.float16 }), t([1.5])], [t([true]), 2], [2, t([1], { dtype: torch.uint8 })],
      [t([1], { dtype: torch.uint8 }), t([1], { dtype: torch.int8 })], [t([true]), true],
    ];
    expect(pairs.map(([a, b]) => torch.resultType(a, b).name)).toEqual(FIXTURE.result_type);
    const casts: [torch.DType, torch.DType][] = [
      [torch.float64, torch.int32], [torch.int64, torch.int8], [torch.int32, torch.float16], [torch.bool, torch.int64],
      [torch.int64, torch.bool], [torch.float32, torch.bool], [torch.bool, torch.bool], [torch.float16, torch.float64],
    ];
    expect(casts.map(([a, b]) => torch.canCast(a, b))).toEqual(FIXTURE.can_cast);
  });
});

describe('float64 gradchecks', () => {
  const r = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64 }).requiresGrad_();
  it('renorm, fmax, dist, scatters, diff, varMean', () => {
    torch.manualSeed(11);
    expect(gradcheck((x) => torch.renorm(x, 2, 0, 0.8), [r(3, 4).mul(2).detach().requiresGrad_()]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.fmax(a, b), [r(5), r(5)]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.dist(a, b, 3), [r(4), r(4)]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.sliceScatter(a, b, 1, 0, 4, 2), [r(3, 4), r(3, 2)]).ok).toBe(true);
    expect(gradcheck((a, b) => torch.diagonalScatter(a, b, 1), [r(3, 4), r(3)]).ok).toBe(true);
    expect(gradcheck((a) => torch.diff(a, 2, 0), [r(4, 3)]).ok).toBe(true);
    expect(gradcheck((a) => torch.varMean(a, 1)[0].add(torch.varMean(a, 1)[1]), [r(3, 4)]).ok).toBe(true);
  });
});
