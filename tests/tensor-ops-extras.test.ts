/**
 * The construction, statistics, shape and composed elementwise ops against PyTorch 1.13
 * (tests/fixtures/tensor-ops-extras.json, written by scripts/make_tensor_ops_extras_fixtures.py).
 *
 * Each fixture case is one PyTorch call, replayed here as torch.<camelCased name>(...args,
 * options) (or the Tensor method): its result's values, shape and dtype; for the cases with
 * inputs to differentiate, d((out * W).sum()) / d input for a fixed W, PyTorch's grad_fn name
 * where flint records its own node, and flint's float64 gradcheck where PyTorch's passes.
 *
 * construct: trilIndices / triuIndices (offsets, empty sizes, int32), combinations (r = 0 to 3,
 * r > n, withReplacement, empty, bool), cartesianProd, blockDiag (0/1/2-D and empty blocks,
 * dtype promotion, no arguments), vander (N, increasing, int / bool / float, N = 0, empty),
 * diagflat; gradients for blockDiag, combinations, cartesianProd and vander (PyTorch 1.13's
 * vander cannot backpropagate: its gradient comes from the same cumprod, computed by PyTorch).
 * quantile: quantile / nanquantile on float64 and float32 with q a number, a 0-d or 1-D tensor,
 * dim / keepdim positionally or as options, each interpolation mode at ranks with a .5 fraction
 * (nearest rounds half to even), 0-d and transposed input, NaN rows (NaN from quantile, skipped by
 * nanquantile, an all-NaN row NaN), gradients for each mode.
 * stats: cov (correction, fweights, aweights, int64 and 1-D inputs, too few observations),
 * corrcoef (a constant row gives NaN); gradients for cov with weights (aweights too) and corrcoef.
 * trapezoid: trapezoid / trapz / cumulativeTrapezoid with dx, x (positional or { x }, 1-D
 * against 2-D y, broadcast 2-D), int64 inputs, empty and single samples; gradients for y and x.
 * isin: promotion, numbers on either side, empty tensors, NaN, invert, assumeUnique.
 * shape: atleast1d/2d/3d (one tensor or several), rowStack, hsplit / vsplit / dsplit (sections
 * or indices, methods), ravel of a transposed view, unflatten (-1, size-0 dim), argwhere.
 * elementwise: rad2deg / deg2rad (int64 and bool promote to float32), signbit (-0, NaN, int,
 * bool), floatPower (float64 always), ldexp, heaviside (NaN, -0), sinc (at 0), special.entr (0,
 * negatives, NaN, inf), special.xlog1py (x == 0, y <= -1, NaN, a number on either side); their
 * gradients and grad_fn names (SincBackward0, SpecialEntrBackward0, SpecialXlog1PyBackward0/1/2,
 * Rad2DegBackward0, Deg2RadBackward0).
 * errors: PyTorch's message for each bad input (quantile's checks, cov's weight checks,
 * h/v/dsplit's, unflatten's, heaviside's dtype mismatch and missing derivative, combinations,
 * cartesianProd and vander on non-1-D input, blockDiag on 3-D input, tril/triuIndices' row, col
 * and dtype, trapezoid's), compared whole, or by its distinctive last line.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
type Arg = Ser | number | string | null | Arg[];
interface Call {
  id: string;
  fn: string;
  args: Arg[];
  kw?: Record<string, Arg>;
  method?: boolean;
  transpose?: boolean;
}
interface Case extends Call {
  out: Ser | Ser[];
  rg?: (number | string)[];
  grads?: Ser[];
  gradFn?: string;
  gradcheck?: boolean;
  gradVia?: string;
}
interface ErrorCase extends Call {
  type: string;
  message: string;
  match?: string;
  backward?: number;
}
const GROUPS = {
  construct: 'trilIndices, triuIndices, combinations, cartesianProd, blockDiag, vander, diagflat',
  quantile: 'quantile and nanquantile',
  stats: 'cov and corrcoef',
  trapezoid: 'trapezoid, trapz and cumulativeTrapezoid',
  isin: 'isin',
  shape: 'atleast1d/2d/3d, rowStack, hsplit/vsplit/dsplit, ravel, unflatten, argwhere',
  elementwise: 'rad2deg, deg2rad, signbit, floatPower, ldexp, heaviside, sinc, special.entr, special.xlog1py',
} as const;
type Group = keyof typeof GROUPS;

const FIXTURE: Record<Group, Case[]> & { torch: string; errors: ErrorCase[] } = JSON.parse(
  readFileSync(new URL('./fixtures/tensor-ops-extras.json', import.meta.url), 'utf8'),
);

const DTYPES: Record<string, torch.DType> = { float64: torch.float64, float32: torch.float32, int64: torch.int64, int32: torch.int32, bool: torch.bool };
const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const fromSer = (s: Ser, requiresGrad = false): Tensor => {
  const dtype = DTYPES[s.dtype];
  const flat = s.data.map((v) => (dtype === torch.bool ? Boolean(v) : decode(v)));
  const t = s.shape.length === 0 ? torch.tensor(flat[0], { dtype }) : torch.tensor(flat, { dtype }).reshape(s.shape);
  return requiresGrad ? t.requiresGrad_() : t;
};
const data = (t: Tensor): number[] => Array.from(t.detach().contiguous().dataSync() as ArrayLike<number | bigint | boolean>, (v) => Number(v));
const isSer = (a: Arg): a is Ser => typeof a === 'object' && a !== null && !Array.isArray(a);

/** float64 to 1e-12 and float32 to 1e-5 (relative, absolute below 1); integers and bools exactly. */
const RTOL: Record<string, number> = { float64: 1e-12, float32: 1e-5 };

/** Same shape and dtype, and equal within the dtype's tolerance; NaN matches NaN, infinities exactly. */
function expectClose(actual: Tensor, expected: Ser, what: string): void {
  expect(actual, `${what} is a tensor`).toBeInstanceOf(torch.Tensor);
  expect([...actual.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype.name, `${what} dtype`).toBe(expected.dtype);
  const rtol = RTOL[expected.dtype] ?? 0;
  const got = data(actual);
  expected.data.forEach((e, i) => {
    const want = decode(e);
    const v = got[i];
    const where = `${what}[${i}]: got ${v}, want ${want}`;
    if (Number.isNaN(want)) return expect(Number.isNaN(v), where).toBe(true);
    if (!Number.isFinite(want)) return expect(v, where).toBe(want);
    expect(Math.abs(v - want) <= rtol * Math.max(1, Math.abs(want)), where).toBe(true);
  });
}

/** One tensor, or a list of them (splits, atleast with several inputs), as PyTorch's. */
function expectOut(actual: Tensor | Tensor[], expected: Ser | Ser[], what: string): void {
  if (!Array.isArray(expected)) return expectClose(actual as Tensor, expected, what);
  expect(Array.isArray(actual), `${what} is a list`).toBe(true);
  expect((actual as Tensor[]).length, `${what} length`).toBe(expected.length);
  expected.forEach((e, i) => expectClose((actual as Tensor[])[i], e, `${what}[${i}]`));
}

/** The fixed grad_output of the script: 0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0, ... repeating. */
const BASE_W = [0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -2.0];
const weights = (out: Tensor): Tensor =>
  torch.tensor(Array.from({ length: out.numel() }, (_, i) => BASE_W[i % BASE_W.length]), { dtype: out.dtype }).reshape([...out.shape]);

type Fn = (...a: unknown[]) => Tensor | Tensor[];
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** torch.<camelCased fn> (torch.special.<...> for 'special.*'), or the Tensor method of that name. */
function lookup(c: Call, self?: Tensor): Fn {
  const special = c.fn.startsWith('special.');
  const name = camel(special ? c.fn.slice('special.'.length) : c.fn);
  const owner = (c.method ? self : special ? torch.special : torch) as unknown as Record<string, unknown>;
  const f = owner[name];
  expect(typeof f, `${c.method ? 'Tensor.prototype' : special ? 'torch.special' : 'torch'}.${name}`).toBe('function');
  return c.method ? (f as Fn).bind(self) : (f as Fn);
}

/** The call as the script made it: positional args, then the options object when there is one. */
function invoke(c: Call, args: unknown[], kw: Record<string, unknown> | undefined): Tensor | Tensor[] {
  const a = [...args];
  if (c.transpose) a[0] = (a[0] as Tensor).t();
  const tail = kw === undefined ? [] : [kw];
  if (c.method) {
    const [self, ...rest] = a;
    return lookup(c, self as Tensor)(...rest, ...tail);
  }
  return lookup(c)(...a, ...tail);
}

const decodeArg = (a: Arg, requiresGrad = false): unknown => (Array.isArray(a) ? a.map((v) => decodeArg(v)) : isSer(a) ? fromSer(a, requiresGrad) : a);

/** Fresh inputs for a case; with `grad`, the ones named in rg require grad and are returned as leaves. */
function build(c: Call & { rg?: (number | string)[] }, grad = false): { args: unknown[]; kw?: Record<string, unknown>; leaves: Tensor[] } {
  const rg = grad ? (c.rg ?? []) : [];
  const args = c.args.map((a, i) => decodeArg(a, rg.includes(i)));
  const kw = c.kw && Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [k, k === 'dtype' ? DTYPES[v as string] : decodeArg(v, rg.includes(k))]));
  const leaves = rg.map((key) => (typeof key === 'number' ? args[key] : kw![key]) as Tensor);
  return { args, kw, leaves };
}

const describeArg = (a: Arg): string =>
  Array.isArray(a) ? `[${a.map(describeArg).join(', ')}]` : isSer(a) ? `${a.dtype}${JSON.stringify(a.shape)}` : JSON.stringify(a);
const describeCall = (c: Call): string => {
  const args = c.args.map(describeArg);
  const self = c.method ? `${args.shift()}${c.transpose ? '.t()' : ''}.` : 'torch.';
  if (!c.method && c.transpose) args[0] += '.t()';
  const kw = c.kw ? [`{ ${Object.entries(c.kw).map(([k, v]) => `${k}: ${describeArg(v)}`).join(', ')} }`] : [];
  return `${self}${c.fn.replace(/[a-z0-9_]+$/, camel)}(${[...args, ...kw].join(', ')})`;
};
const describeOut = (o: Ser | Ser[]): string => (Array.isArray(o) ? `${o.length} tensors` : `${o.dtype}${JSON.stringify(o.shape)}`);

for (const [group, title] of Object.entries(GROUPS) as [Group, string][]) {
  describe(`${title} against PyTorch 1.13`, () => {
    for (const c of FIXTURE[group]) {
      it(`${c.id}: ${describeCall(c)} gives PyTorch's ${describeOut(c.out)}`, () => {
        const { args, kw } = build(c);
        expectOut(invoke(c, args, kw), c.out, c.id);
      });

      if (c.grads) {
        const via = c.gradVia ? ` (PyTorch's gradient of ${c.gradVia.split(',')[0]})` : '';
        it(`${c.id}: gradients for ${c.rg!.join(', ')}${c.gradFn ? ` and grad_fn ${c.gradFn}` : ''}${via}`, () => {
          const { args, kw, leaves } = build(c, true);
          const out = invoke(c, args, kw) as Tensor;
          out.mul(weights(out)).sum().backward();
          leaves.forEach((leaf, i) => {
            expect(leaf.grad, `grad ${c.rg![i]}`).not.toBeNull();
            expectClose(leaf.grad!, c.grads![i], `${c.id} grad ${c.rg![i]}`);
          });
          if (c.gradFn) expect(out.gradFn?.name, 'grad_fn').toBe(c.gradFn);
        });
      }

      if (c.gradcheck) {
        it(`${c.id}: float64 gradcheck for ${c.rg!.join(', ')} (PyTorch's passes)`, () => {
          const { args, kw, leaves } = build(c, true);
          const fn = (...ls: Tensor[]): Tensor => {
            const [a, k] = [[...args], { ...kw }];
            c.rg!.forEach((key, i) => {
              if (typeof key === 'number') a[key] = ls[i];
              else k[key] = ls[i];
            });
            return invoke(c, a, kw === undefined ? undefined : k) as Tensor;
          };
          expect(torch.autograd.gradcheck(fn, leaves)).toBe(true);
        });
      }
    }
  });
}

// ------------------------------------------------------------------------- a few cross-checks

describe('forms that must agree with each other (values from PyTorch)', () => {
  const byId = (group: Group, id: string): Case => {
    const c = FIXTURE[group].find((x) => x.id === id);
    expect(c, id).toBeDefined();
    return c!;
  };

  it("quantile's options object and positional dim / keepdim give PyTorch's same result", () => {
    const c = byId('quantile', 'q 1-D tensor dim=1 keepdim (positional)');
    const [x, q] = [fromSer(c.args[0] as Ser), fromSer(c.args[1] as Ser)];
    expectClose(torch.quantile(x, q, { dim: 1, keepdim: true }), c.out as Ser, 'options');
    expectClose(torch.quantile(x, q, 1, true, { interpolation: 'linear' }), c.out as Ser, 'positional + options');
    expectClose(x.quantile(q, 1, true), c.out as Ser, 'method');
  });

  it('nanquantile equals quantile where there is no NaN (PyTorch: the same values)', () => {
    const c = byId('quantile', 'nanquantile without NaN equals quantile');
    expectClose(torch.quantile(fromSer(c.args[0] as Ser), 0.6, 0), c.out as Ser, 'quantile');
  });

  it("trapezoid's x positionally and as { x }, and trapz, give PyTorch's same integral", () => {
    const c = byId('trapezoid', 'x positional');
    const [y, x] = [fromSer(c.args[0] as Ser), fromSer(c.args[1] as Ser)];
    expectClose(torch.trapezoid(y, { x }), c.out as Ser, '{ x }');
    expectClose(torch.trapz(y, x), c.out as Ser, 'trapz');
    expectClose(torch.trapezoid(y, x, { dim: 1 }), c.out as Ser, 'x, { dim: 1 }');
  });

  it('special.sinc is torch.sinc (PyTorch: the same values)', () => {
    const c = byId('elementwise', 'sinc float64');
    expectClose(torch.special.sinc(fromSer(c.args[0] as Ser)), c.out as Ser, 'special.sinc');
  });

  it("atleast1d given one list returns a list, as PyTorch's atleast_1d((a, b))", () => {
    const c = byId('shape', 'atleast_1d several');
    const out = torch.atleast1d([fromSer(c.args[0] as Ser), fromSer(c.args[1] as Ser)]);
    expectOut(out, c.out, 'atleast1d([a, b])');
  });
});

// ----------------------------------------------------------------------------------- errors

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe("PyTorch 1.13's error messages", () => {
  for (const e of FIXTURE.errors) {
    const what = e.match === undefined ? e.message : `...${e.match}`;
    it(`${e.id}: ${describeCall(e)}${e.backward === undefined ? '' : '.sum().backward()'} raises ${e.type}: ${what}`, () => {
      const { args, kw } = build(e);
      const run = (): void => {
        if (e.backward === undefined) {
          invoke(e, args, kw);
          return;
        }
        args[e.backward] = (args[e.backward] as Tensor).requiresGrad_();
        (invoke(e, args, kw) as Tensor).sum().backward();
      };
      // The whole message (anchored, so a longer one does not pass), or its last line.
      expect(run).toThrow(e.match === undefined ? new RegExp(`^${escapeRe(e.message)}$`) : e.match);
    });
  }
});
