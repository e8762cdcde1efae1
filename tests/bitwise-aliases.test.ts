/**
 * The bit operations, logical xor, the in-place comparisons and logical ops, PyTorch's
 * alternative names and the dtype predicates, against PyTorch 1.13
 * (tests/fixtures/bitwise.json, written by scripts/make_bitwise_fixtures.py).
 *
 * Each case is one call, torch.<camelCased name>(...args, options) or the Tensor method: its
 * values, shape and dtype, and for in-place methods that the result is `self`. The bitwise ops
 * run on every integer dtype and bool, with numbers on either side and mixed dtypes; the shifts
 * stay inside the type's width (beyond it PyTorch 1.13 is undefined and flint follows 2.x, checked
 * separately below). The aliases' grad_fn names and gradients are the canonical ops'.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';

type Arg = FixtureTensor | number | boolean | Arg[];
interface Call {
  fn: string;
  method: boolean;
  args: Arg[];
  kw: Record<string, string | number>;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/bitwise.json', import.meta.url), 'utf8')) as {
  cases: (Call & { out: FixtureTensor })[];
  grad_fns: Record<string, { name: string; inputs: FixtureTensor[]; grad: FixtureTensor }>;
  errors: (Call & { type: string; message: string })[];
  predicates: Record<string, boolean[]>;
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isTensorArg = (a: Arg): a is FixtureTensor => typeof a === 'object' && !Array.isArray(a);
const toArg = (a: Arg): unknown => (isTensorArg(a) ? fromFixture(a) : Array.isArray(a) ? a.map(toArg) : a);

function run(c: Call): { out: unknown; self?: Tensor } {
  const args = c.args.map(toArg);
  const kw = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [camel(k), v]));
  const extra = Object.keys(kw).length > 0 ? [kw] : [];
  const name = camel(c.fn.replace(/_$/, '')) + (c.fn.endsWith('_') ? '_' : '');
  if (c.method) {
    const self = args[0] as Tensor;
    const method = (self as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    if (typeof method !== 'function') throw new Error(`no Tensor method ${name}`);
    return { out: method.call(self, ...args.slice(1), ...extra), self };
  }
  const fn = (torch as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`no torch.${name}`);
  return { out: fn(...args, ...extra) };
}

const label = (c: Call, i: number): string => `${i} ${c.method ? 'x.' : 'torch.'}${c.fn}(${c.args.map((a) => (isTensorArg(a) ? `${a.dtype}[${a.shape}]` : JSON.stringify(a))).join(', ')}${Object.keys(c.kw).length ? ', ' + JSON.stringify(c.kw) : ''})`;

describe('bitwise ops, in-place comparisons and aliases give PyTorch 1.13 values', () => {
  FIXTURE.cases.forEach((c, i) => {
    it(label(c, i), () => {
      const { out, self } = run(c);
      expectClose(out as Tensor, c.out, { rtol: 1e-12, atol: 1e-14 });
      if (c.method && c.fn.endsWith('_')) expect(out).toBe(self);
    });
  });
});

describe('the aliases record the canonical op', () => {
  for (const [fn, want] of Object.entries(FIXTURE.grad_fns)) {
    it(`${fn}: ${want.name}`, () => {
      const leaf = fromFixture(want.inputs[0]!, { requiresGrad: true });
      const rest = want.inputs.slice(1).map((t) => fromFixture(t));
      const out = (torch as unknown as Record<string, (...a: unknown[]) => Tensor>)[camel(fn)]!(leaf, ...rest);
      expect(out.gradFn?.name).toBe(want.name);
      out.sum().backward();
      expectClose(leaf.grad!, want.grad, { rtol: 1e-12, atol: 1e-14 });
    });
  }
});

describe('errors are PyTorch 1.13 messages', () => {
  FIXTURE.errors.forEach((c, i) => {
    it(label(c, i), () => {
      expect(() => run(c)).toThrow(c.message);
    });
  });
});

describe('predicates', () => {
  const dt = [torch.float32, torch.float64, torch.float16, torch.int64, torch.uint8, torch.bool, torch.int8];
  it('isFloatingPoint, isSigned and isNonzero', () => {
    expect(dt.slice(0, 6).map((d) => torch.isFloatingPoint(torch.zeros(1, { dtype: d })))).toEqual(FIXTURE.predicates.is_floating_point);
    expect(dt.map((d) => torch.zeros(1, { dtype: d }).isSigned())).toEqual(FIXTURE.predicates.is_signed);
    const xs = [torch.tensor([0.0]), torch.tensor(0.5), torch.tensor([[NaN]]), torch.tensor([false]), torch.tensor([3])];
    expect(xs.map((x) => torch.isNonzero(x))).toEqual(FIXTURE.predicates.is_nonzero);
  });
  it('isTensor, isComplex, numel, isSameSize, nelement, ndimension, getDevice, isCpu, isCuda', () => {
    const x = torch.zeros(2, 3);
    expect([torch.isTensor(x), torch.isTensor([1]), torch.isTensor(null), torch.isComplex(x)]).toEqual([true, false, false, false]);
    expect([torch.numel(x), x.nelement(), x.ndimension(), x.getDevice()]).toEqual([6, 6, 2, -1]);
    expect([x.isSameSize(torch.ones(2, 3)), x.isSameSize(torch.ones(3, 2)), x.isCpu, x.isCuda]).toEqual([true, false, true, false]);
    expect(x.typeAs(torch.zeros(1, { dtype: torch.int32 })).dtype).toBe(torch.int32);
  });
  it('H, mH and adjoint transpose as PyTorch does for real dtypes, with its errors', () => {
    const m = torch.arange(6).reshape(2, 3);
    expect(m.H.tolist()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(torch.zeros(4, 2, 3).mH.shape).toEqual([4, 3, 2]);
    expect(torch.zeros(4, 2, 3).adjoint().shape).toEqual([4, 3, 2]);
    expect(() => torch.zeros(3).H).toThrow('tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor.');
    expect(() => torch.zeros(2, 3, 4).H).toThrow('Got 3-D tensor. For batches of matrices, consider using tensor.mH');
    expect(() => torch.zeros(3).mH).toThrow('tensor.mH is only supported on matrices or batches of matrices. Got 1-D tensor.');
    expect(() => torch.zeros(3).adjoint()).toThrow('tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.');
  });
});

describe('shifts outside the type width (undefined in PyTorch 1.13): PyTorch 2.x values', () => {
  it('left gives 0, right gives the sign fill', () => {
    const a = torch.tensor([5, -7, 1, -1, 100]);
    const by = torch.tensor([64, 65, -1, 200, -3]);
    expect(torch.bitwiseLeftShift(a, by).tolist()).toEqual([0, 0, 0, 0, 0]);
    expect(torch.bitwiseRightShift(a, by).tolist()).toEqual([0, -1, 0, -1, 0]);
    const b8 = torch.tensor([-128, 127], { dtype: torch.int8 });
    expect(torch.bitwiseRightShift(b8, torch.tensor([8, 9], { dtype: torch.int8 })).tolist()).toEqual([-1, 0]);
    expect(torch.bitwiseLeftShift(torch.tensor([200], { dtype: torch.uint8 }), 8).tolist()).toEqual([0]);
  });
});
