/**
 * The losses beyond the common five, distances, nn.Bilinear, Softmin, Softmax2d and the
 * parameter-vector utils against PyTorch 1.13: values, gradients (float64) and grad_fn
 * names from tests/fixtures/losses.json (written by scripts/make_loss_fixtures.py), the
 * modules against the functional forms, error messages, warnings and reprs.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Serialized { shape: number[]; dtype: string; data: Value[] }
type Arg = { tensor: Serialized; requiresGrad: boolean } | { value: unknown };
interface Case {
  name: string;
  fn: string;
  args: Arg[];
  kwargs: Record<string, unknown>;
  out: Serialized;
  grads: (Serialized | null)[];
  gradFn: string | null;
  module?: { name: string; kwargs: Record<string, unknown> };
}
interface Fixture {
  cases: Case[];
  errors: Record<string, string>;
  warnings: Record<string, string[]>;
  bilinear: { seed: number; keys: string[]; weight: Serialized; bias: Serialized; noBias: { seed: number; keys: string[]; weight: Serialized } };
  nets: Record<string, Serialized> & { paramsToVector: { weight: Serialized; bias: Serialized; vector: Serialized } };
  reprs: Record<string, string>;
  buffers: Record<string, string[]>;
}
const FIX: Fixture = JSON.parse(readFileSync(new URL('./fixtures/losses.json', import.meta.url), 'utf8'));

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const DTYPES: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64, int64: torch.int64, bool: torch.bool };
function fromFixture(s: Serialized): Tensor {
  return torch.tensor(s.data.map(num), { dtype: DTYPES[s.dtype] }).reshape(s.shape);
}
const values = (t: Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number | bigint | boolean>, Number);

/** Element-wise comparison with a relative tolerance; infinities and NaNs must match exactly. */
function expectClose(actual: Tensor, expected: Serialized, what: string, rtol = 1e-9): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = values(actual);
  expected.data.map(num).forEach((e, i) => {
    const a = got[i];
    if (!Number.isFinite(e)) expect(a, `${what}[${i}]`).toBe(e);
    else expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(rtol * (1 + Math.abs(e)));
  });
}

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
function optionsOf(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'tensor' in v ? fromFixture((v as { tensor: Serialized }).tensor) : v]));
}
function inputsOf(c: Case): unknown[] {
  return c.args.map((a) => ('tensor' in a ? (a.requiresGrad ? fromFixture(a.tensor).requiresGrad_() : fromFixture(a.tensor)) : a.value));
}
const F = torch.nn.functional as unknown as Record<string, (...args: unknown[]) => Tensor>;
const NN = torch.nn as unknown as Record<string, new (options?: unknown) => torch.nn.Module & ((...args: unknown[]) => Tensor)>;
function callFunctional(c: Case, inputs: unknown[]): Tensor {
  const fn = F[camel(c.fn)];
  expect(fn, `F.${camel(c.fn)}`).toBeTypeOf('function');
  return Object.keys(c.kwargs).length === 0 ? fn(...inputs) : fn(...inputs, optionsOf(c.kwargs));
}

/**
 * grad_fn names that differ from PyTorch 1.13's because the loss is composed of other ops
 * here (PyTorch's own composite losses name their last op, which the reduction often is).
 */
const COMPOSED_NAMES: Record<string, string | null> = {
  poisson_none: null,
  gaussian_none: null,
  cosine_embedding_none: null,
  margin_ranking_none: null,
  hinge_embedding_none: null,
  triplet_none: null,
  multilabel_soft_margin_none: null,
  nll_3d_weight_none: null,
  pairwise_distance: null,
  pairwise_distance_p1_keepdim: null,
  pairwise_distance_broadcast: null,
  bilinear: null,
  bilinear_batched_no_bias: null,
};

const warningSpy = () => vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
afterEach(() => vi.restoreAllMocks());

describe('losses vs PyTorch 1.13 (float64 values and gradients)', () => {
  for (const c of FIX.cases) {
    it(`${c.name}: F.${camel(c.fn)}`, () => {
      warningSpy();
      const inputs = inputsOf(c);
      const out = callFunctional(c, inputs);
      const rtol = out.dtype === torch.float32 ? 2e-6 : 1e-9;
      expectClose(out, c.out, 'output', rtol);
      if (c.name in COMPOSED_NAMES) {
        if (COMPOSED_NAMES[c.name] !== null) expect(out.gradFn?.name).toBe(COMPOSED_NAMES[c.name]);
      } else if (c.grads.some((g) => g !== null)) expect(out.gradFn?.name).toBe(c.gradFn);
      if (!c.grads.some((g) => g !== null)) return;
      const numel = out.numel();
      out.backward(torch.linspace(-1, 2, numel, { dtype: out.dtype }).reshape(out.shape));
      c.grads.forEach((g, i) => {
        if (g === null) return;
        const input = inputs[i] as Tensor;
        expect(input.grad, `grad of argument ${i}`).not.toBeNull();
        expectClose(input.grad!, g, `grad of argument ${i}`, out.dtype === torch.float32 ? 1e-5 : 1e-8);
      });
    });
  }
});

describe('loss modules give their functional forms', () => {
  for (const c of FIX.cases.filter((x) => x.module !== undefined)) {
    it(`${c.name}: nn.${c.module!.name}`, () => {
      warningSpy();
      const Module = NN[c.module!.name];
      expect(Module, `nn.${c.module!.name}`).toBeTypeOf('function');
      const m = new Module(optionsOf(c.module!.kwargs));
      const inputs = inputsOf(c).map((x) => (x instanceof torch.Tensor ? x.detach() : x));
      expectClose(m(...inputs), c.out, `nn.${c.module!.name}`, c.out.dtype === 'float32' ? 2e-6 : 1e-9);
    });
  }

  it('keep class weights as buffers, with PyTorch repr', () => {
    for (const [name, buffers] of Object.entries(FIX.buffers)) {
      expect([...new NN[name]()._buffers.keys()], name).toEqual(buffers);
    }
    expect(String(new torch.nn.BCELoss())).toBe(FIX.reprs.BCELoss);
    expect(String(new torch.nn.SmoothL1Loss({ beta: 0.5 }))).toBe(FIX.reprs.SmoothL1Loss);
    expect(String(new torch.nn.CTCLoss())).toBe(FIX.reprs.CTCLoss);
    expect(String(new torch.nn.TripletMarginLoss())).toBe(FIX.reprs.TripletMarginLoss);
    expect(String(new torch.nn.MultiMarginLoss())).toBe(FIX.reprs.MultiMarginLoss);
    const weighted = new torch.nn.BCELoss({ weight: torch.tensor([1, 2]) });
    expect(Object.keys(weighted.stateDict())).toEqual(['weight']);
  });
});
