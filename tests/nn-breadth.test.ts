/**
 * The torch.nn / torch.nn.functional breadth pieces against PyTorch 1.13
 * (tests/fixtures/nn-breadth.json, written by scripts/make_nn_breadth_fixtures.py):
 * F.softmin, F.gumbelSoftmax, F.rrelu / F.rrelu_, F.pdist, F.multilabelMarginLoss,
 * F.tripletMarginWithDistanceLoss, F.adaptiveMaxPool1d/2d/3dWithIndices, and the modules
 * nn.CosineSimilarity, nn.PairwiseDistance, nn.RReLU, nn.Softmin, nn.MultiLabelMarginLoss and
 * nn.TripletMarginWithDistanceLoss.
 *
 * Each functional case is one F.<fn> call replayed with the same positional arguments and the
 * keywords as one trailing options object: PyTorch's values, d((out * W).sum()) / d input for
 * a fixed W, the grad_fn name, and flint's float64 gradcheck where PyTorch's passes. Seeded
 * cases (gumbelSoftmax, rrelu in training) seed the global generator as the script did, so the
 * random draws must be PyTorch's too. Each module case also checks the module's repr. The
 * error cases check PyTorch's message. The statistical tests at the end check the sampling
 * itself: the Gumbel-max frequencies and the spread of rrelu's slopes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { camel, functional, weights } from './helpers/replay.js';
import { gradcheck } from './helpers/gradcheck.js';

const { nn } = torch;
const F = nn.functional;

type Callable = { callable: 'cosine' | 'l1' };
type Arg = FixtureTensor | number | string | boolean | null | Callable | Arg[];
interface Call {
  id: string;
  args: Arg[];
  kw?: Record<string, Arg>;
  seed?: number;
  clone?: boolean;
  rg?: number[];
}
interface FunctionalCase extends Call {
  fn: string;
  out: FixtureTensor | FixtureTensor[];
  grads?: FixtureTensor[];
  gradFn?: string;
  gradcheck?: boolean;
}
interface ModuleCase extends Call {
  cls: string;
  kw: Record<string, Arg>;
  train: boolean;
  inputs: FixtureTensor[];
  repr: string;
  out: FixtureTensor;
  grads?: FixtureTensor[];
  gradFn?: string;
}
interface ErrorCase extends Call {
  fn: string;
  type: string;
  message: string;
}

const FIXTURE: { torch: string; functional: FunctionalCase[]; modules: ModuleCase[]; errors: ErrorCase[] } = JSON.parse(
  readFileSync(new URL('./fixtures/nn-breadth.json', import.meta.url), 'utf8'),
);

const isTensor = (a: Arg): a is FixtureTensor => typeof a === 'object' && a !== null && !Array.isArray(a) && 'shape' in a;
const CALLABLES = {
  cosine: () => (a: Tensor, b: Tensor) => F.cosineSimilarity(a, b).neg().add(1),
  l1: () => new nn.PairwiseDistance(1),
};
const NUMBERS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
const DTYPES: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64 };

function decode(a: Arg): unknown {
  if (Array.isArray(a)) return a.map(decode);
  if (isTensor(a)) return fromFixture(a);
  if (typeof a === 'object' && a !== null) return CALLABLES[a.callable]();
  if (typeof a === 'string' && a in NUMBERS) return NUMBERS[a];
  return a;
}

function decodeKw(kw: Record<string, Arg> | undefined): Record<string, unknown> | undefined {
  if (kw === undefined || Object.keys(kw).length === 0) return undefined;
  return Object.fromEntries(Object.entries(kw).map(([k, v]) => [k, k === 'dtype' ? DTYPES[v as string] : decode(v)]));
}


/** Runs `call` on the arguments as the script did: the first cloned where asked, the generator seeded where asked. */
function replay<T>(c: Call, args: unknown[], call: (args: unknown[]) => T): { result: T; first: unknown } {
  const a = [...args];
  if (c.clone) a[0] = (a[0] as Tensor).clone();
  if (c.seed !== undefined) torch.manualSeed(c.seed);
  return { result: call(a), first: a[0] };
}

const firstOf = (o: Tensor | Tensor[]): Tensor => (Array.isArray(o) ? o[0] : o);

function expectOut(actual: Tensor | Tensor[], expected: FixtureTensor | FixtureTensor[], label: string): void {
  if (!Array.isArray(expected)) return expectClose(actual as Tensor, expected, { label });
  expect(Array.isArray(actual), `${label} is a list`).toBe(true);
  expect((actual as Tensor[]).length).toBe(expected.length);
  expected.forEach((e, i) => expectClose((actual as Tensor[])[i], e, { label: `${label}[${i}]` }));
}

/** Arguments with the `rg` positions as fresh leaves that require grad. */
function withLeaves(c: Call, args: unknown[]): { args: unknown[]; leaves: Tensor[] } {
  const a = [...args];
  const leaves = (c.rg ?? []).map((i) => {
    const leaf = (a[i] as Tensor).clone().requiresGrad_();
    a[i] = leaf;
    return leaf;
  });
  return { args: a, leaves };
}

describe(`nn.functional breadth against PyTorch ${FIXTURE.torch}`, () => {
  for (const c of FIXTURE.functional) {
    const kw = (): Record<string, unknown> | undefined => decodeKw(c.kw);
    const call = (a: unknown[]): Tensor | Tensor[] => {
      const options = kw();
      return functional(c.fn)(...a, ...(options === undefined ? [] : [options]));
    };

    it(`${c.id}: F.${camel(c.fn)} gives PyTorch's values`, () => {
      const { result, first } = replay(c, c.args.map(decode), call);
      expectOut(result, c.out, c.id);
      if (c.clone) expect(result, 'an in-place call returns its input').toBe(first);
    });

    if (c.grads) {
      it(`${c.id}: gradients and grad_fn ${c.gradFn}`, () => {
        const { args, leaves } = withLeaves(c, c.args.map(decode));
        const out = firstOf(replay(c, args, call).result);
        expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        out.mul(weights(out)).sum().backward();
        leaves.forEach((leaf, i) => {
          expect(leaf.grad, `grad of argument ${c.rg![i]}`).not.toBeNull();
          expectClose(leaf.grad!, c.grads![i], { label: `${c.id} grad ${c.rg![i]}` });
        });
      });
    }

    if (c.gradcheck) {
      it(`${c.id}: float64 gradcheck (PyTorch's passes)`, () => {
        const { args, leaves } = withLeaves(c, c.args.map(decode));
        const fn = (...ls: Tensor[]): Tensor => {
          const a = [...args];
          c.rg!.forEach((i, k) => (a[i] = ls[k]));
          return firstOf(replay(c, a, call).result);
        };
        expect(gradcheck(fn, leaves).ok).toBe(true);
      });
    }
  }
});

describe(`nn modules against PyTorch ${FIXTURE.torch}`, () => {
  for (const c of FIXTURE.modules) {
    const build = (): torch.nn.Module => {
      const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => torch.nn.Module>)[c.cls];
      const options = decodeKw(c.kw);
      const m = new Cls(...c.args.map(decode), ...(options === undefined ? [] : [options]));
      return c.train ? m.train() : m.eval();
    };
    const call = (a: unknown[]): Tensor => {
      const m = build() as unknown as (...xs: unknown[]) => Tensor;
      return m(...a);
    };

    it(`${c.id}: nn.${c.cls} prints and computes as PyTorch's`, () => {
      expect(String(build())).toBe(c.repr);
      const { result, first } = replay(c, c.inputs.map(decode), call);
      expectClose(result, c.out, { label: c.id });
      if (c.clone) expect(result, 'an in-place module returns its input').toBe(first);
    });

    if (c.grads) {
      it(`${c.id}: gradients and grad_fn ${c.gradFn}`, () => {
        const { args, leaves } = withLeaves(c, c.inputs.map(decode));
        const out = replay(c, args, call).result;
        expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        out.mul(weights(out)).sum().backward();
        leaves.forEach((leaf, i) => expectClose(leaf.grad!, c.grads![i], { label: `${c.id} grad ${c.rg![i]}` }));
      });
    }
  }
});

describe(`nn breadth errors: PyTorch ${FIXTURE.torch}'s messages`, () => {
  for (const c of FIXTURE.errors) {
    it(`${c.id}: F.${camel(c.fn)} throws ${c.type}: ${c.message}`, () => {
      const { args } = withLeaves(c, c.args.map(decode));
      const options = decodeKw(c.kw);
      let thrown: unknown;
      try {
        functional(c.fn)(...args, ...(options === undefined ? [] : [options]));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, 'throws').toBeInstanceOf(Error);
      expect((thrown as Error).message).toBe(c.message);
      expect(thrown instanceof TypeError, 'TypeError exactly where PyTorch raises one').toBe(c.type === 'TypeError');
    });
  }
});

describe('sampling: gumbelSoftmax and rrelu in training', () => {
  it('gumbelSoftmax hard samples are one-hot, with the argmax frequencies of softmax(logits) (Gumbel-max)', () => {
    const logits = torch.tensor([1, 2, 0.5, -1]);
    const rows = 20000;
    torch.manualSeed(123);
    const hard = F.gumbelSoftmax(logits.expand([rows, 4]), { hard: true, tau: 0.7 });
    const values = valuesOf(hard);
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    expect(valuesOf(hard.sum(1)).every((v) => v === 1)).toBe(true);
    const frequencies = valuesOf(hard.mean(0));
    const expected = valuesOf(F.softmax(logits, 0));
    // 4 standard errors of a frequency near 0.5 over 20000 rows: 0.014.
    frequencies.forEach((f, i) => expect(Math.abs(f - expected[i])).toBeLessThan(0.014));
  });

  it('gumbelSoftmax soft samples sum to one; hard samples take the soft sample\'s gradient (straight-through)', () => {
    const logits = torch.randn([6, 5], { dtype: torch.float64 });
    const w = torch.randn([6, 5], { dtype: torch.float64 });
    const gradOf = (hard: boolean): { out: Tensor; grad: Tensor } => {
      const x = logits.clone().requiresGrad_();
      torch.manualSeed(7);
      const out = F.gumbelSoftmax(x, 0.5, hard, 1e-10, -1);
      out.mul(w).sum().backward();
      return { out, grad: x.grad! };
    };
    const soft = gradOf(false);
    const hard = gradOf(true);
    valuesOf(soft.out.sum(1)).forEach((v) => expect(v).toBeCloseTo(1, 12));
    expectClose(hard.grad, soft.grad);
    // The one-hot sits at the soft sample's argmax.
    expect(valuesOf(hard.out.argmax(1))).toEqual(valuesOf(soft.out.argmax(1)));
  });

  it('rrelu in training: slopes of non-positive elements are U(lower, upper), positive elements pass unchanged', () => {
    const [lower, upper] = [0.1, 0.4];
    const n = 20000;
    const x = torch.cat([torch.full([n], -2, { dtype: torch.float64 }), torch.full([100], 3, { dtype: torch.float64 })]).requiresGrad_();
    torch.manualSeed(99);
    const out = F.rrelu(x, lower, upper, true);
    out.sum().backward();
    const slopes = valuesOf(x.grad!).slice(0, n);
    expect(slopes.every((s) => s >= lower && s < upper)).toBe(true);
    const mean = slopes.reduce((s, v) => s + v, 0) / n;
    const variance = slopes.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    // U(0.1, 0.4): mean 0.25, variance 0.3^2 / 12 = 0.0075; the mean's standard error is 0.0006.
    expect(Math.abs(mean - 0.25)).toBeLessThan(0.003);
    expect(Math.abs(variance - 0.0075)).toBeLessThan(0.0005);
    expect(valuesOf(out.narrow(0, 0, n)).map((v, i) => v / -2 - slopes[i]).every((d) => Math.abs(d) < 1e-15)).toBe(true);
    expect(valuesOf(out.narrow(0, n, 100)).every((v) => v === 3)).toBe(true);
    expect(valuesOf(x.grad!.narrow(0, n, 100)).every((v) => v === 1)).toBe(true);
  });

  it('nn.RReLU draws new slopes each call in train(), and is leakyRelu with the mean slope in eval()', () => {
    const x = torch.linspace(-3, 3, 13);
    const m = new nn.RReLU(0.1, 0.3);
    const a = m(x);
    const b = m(x);
    expect(valuesOf(a)).not.toEqual(valuesOf(b));
    m.eval();
    expectClose(m(x), F.leakyRelu(x, 0.2));
    expectClose(m(x), F.rrelu(x, 0.1, 0.3));
  });
});

describe('module structure and argument checks', () => {
  it('TripletMarginWithDistanceLoss holds a distance module as the child distance_function, a plain function as an attribute', () => {
    const byDefault = new nn.TripletMarginWithDistanceLoss();
    expect([...byDefault.namedChildren()].map(([name]) => name)).toEqual(['distance_function']);
    expect(byDefault.distance_function).toBeInstanceOf(nn.PairwiseDistance);
    const plain = new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a, b) => a.sub(b).abs().sum(-1) });
    expect([...plain.namedChildren()]).toEqual([]);
    expect(Object.keys(plain.stateDict())).toEqual([]);
    const [a, p, n] = [[[0, 0]], [[1, 1]], [[3, 0]]].map((v) => torch.tensor(v, { dtype: torch.float32 }));
    // L1: d(a, p) = 2, d(a, n) = 3, so max(0, 2 - 3 + 1) = 0; with margin 2, 1.
    expect(plain(a, p, n).item()).toBe(0);
    expect(new nn.TripletMarginWithDistanceLoss({ distanceFunction: plain.distance_function, margin: 2 })(a, p, n).item()).toBe(1);
  });

  it('the modules keep PyTorch\'s attributes (PairwiseDistance\'s p as norm)', () => {
    const d = new nn.PairwiseDistance(1, { keepdim: true });
    expect([d.norm, d.eps, d.keepdim]).toEqual([1, 1e-6, true]);
    const c = new nn.CosineSimilarity({ dim: 0 });
    expect([c.dim, c.eps]).toEqual([0, 1e-8]);
    const r = new nn.RReLU({ upper: 0.5, inplace: true });
    expect([r.lower, r.upper, r.inplace]).toEqual([0.125, 0.5, true]);
    expect(new nn.TripletMarginWithDistanceLoss({ swap: true }).swap).toBe(true);
    expect(new nn.MultiLabelMarginLoss({ reduction: 'sum' }).reduction).toBe('sum');
  });

  it('unknown options and wrongly typed arguments are TypeErrors naming them', () => {
    const x = torch.randn([2, 3]);
    expect(() => F.gumbelSoftmax(x, { taus: 1 } as never)).toThrow(/unexpected option 'taus'/);
    expect(() => F.rrelu(x, 'low' as never)).toThrow(TypeError);
    expect(() => F.softmin(x, 1, { dim: 0 } as never)).toThrow(/unexpected option 'dim'/);
    expect(() => F.pdist(x, { q: 1 } as never)).toThrow(/unexpected option 'q'/);
    expect(() => new nn.RReLU({ training: true } as never)).toThrow(/unexpected option 'training'/);
    expect(() => new nn.PairwiseDistance('l2' as never)).toThrow(TypeError);
    expect(() => F.multilabelMarginLoss(x, torch.zeros([2, 3], { dtype: torch.int64 }), { weight: null } as never)).toThrow(TypeError);
    expect(() => F.tripletMarginWithDistanceLoss(x, x, x, { distanceFunction: 2 } as never)).toThrow(TypeError);
  });

  it('softmin without a dim takes PyTorch\'s legacy choice (dim 0 of a 1-D input)', () => {
    const x = torch.tensor([1, 2, 3], { dtype: torch.float32 });
    expectClose(F.softmin(x), F.softmax(x.neg(), 0));
  });
});

describe('autocast', () => {
  it("multilabelMarginLoss runs in float32 under CPU autocast, as it is on PyTorch's fp32 list", () => {
    const x = torch.randn([3, 4]).to(torch.bfloat16);
    const target = torch.tensor([[3, 0, -1, 1], [1, 2, -1, 0], [0, 1, 2, 3]], { dtype: torch.int64 });
    const out = torch.autocast('cpu', { dtype: torch.bfloat16 }, () => F.multilabelMarginLoss(x, target));
    expect(out.dtype).toBe(torch.float32);
    expectClose(out, F.multilabelMarginLoss(x.float(), target));
  });
});
