/**
 * The losses beyond the common five, distances, nn.Bilinear, Softmin, Softmax2d and the
 * parameter-vector utils against PyTorch 1.13: values, gradients (float64) and grad_fn
 * names from tests/fixtures/losses.json (written by scripts/make_loss_fixtures.py), the
 * modules against the functional forms, error messages, warnings and reprs.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';
import { settledStorages } from './helpers/memory.js';

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
 * grad_fn names that differ from PyTorch 1.13's: flint follows torch 2.x, where the
 * reshape of a batched bilinear is a view (1.13: ReshapeAliasBackward0).
 */
const COMPOSED_NAMES: Record<string, string | null> = {
  bilinear_batched_no_bias: 'ViewBackward0',
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

describe('errors are PyTorch\'s', () => {
  const o23 = () => torch.ones(2, 3);
  const o3 = () => torch.ones(3);
  const tg = () => torch.tensor([[1, 2], [3, 3]]);
  const lp5 = () => torch.randn(5, 2, 4).logSoftmax(2);
  const lin = new torch.nn.Linear(2, 3);
  const calls: Record<string, () => unknown> = {
    huber_delta: () => F.huberLoss(o3(), o3(), { delta: 0 }),
    smooth_l1_beta: () => F.smoothL1Loss(o3(), o3(), { beta: -1 }),
    bce_range: () => F.binaryCrossEntropy(torch.tensor([1.5]), torch.tensor([1.0])),
    bce_size: () => F.binaryCrossEntropy(torch.tensor([0.5, 0.2]), torch.tensor([1.0])),
    multi_margin_range: () => F.multiMarginLoss(o23(), torch.tensor([0, 3])),
    multi_margin_size: () => F.multiMarginLoss(o23(), torch.tensor([0, 1, 1])),
    multi_margin_p: () => F.multiMarginLoss(o23(), torch.tensor([0, 1]), { p: 3 }),
    triplet_dims: () => F.tripletMarginLoss(o23(), o3(), o23()),
    margin_ranking_dims: () => F.marginRankingLoss(o23(), o3(), o23()),
    cosine_embedding_target_dim: () => F.cosineEmbeddingLoss(o23(), o23(), torch.ones(2, 1)),
    cosine_embedding_0d: () => F.cosineEmbeddingLoss(o23(), o23(), torch.ones([])),
    gaussian_var_size: () => F.gaussianNllLoss(o23(), o23(), torch.ones(3, 2)),
    gaussian_var_negative: () => F.gaussianNllLoss(o23(), o23(), torch.ones(2, 3).neg()),
    gaussian_reduction: () => F.gaussianNllLoss(o23(), o23(), o23(), { reduction: 'x' }),
    multilabel_reduction: () => F.multilabelSoftMarginLoss(o23(), o23(), { reduction: 'x' }),
    poisson_reduction: () => F.poissonNllLoss(o23(), o23(), { reduction: 'x' }),
    ctc_blank: () => F.ctcLoss(lp5(), tg(), torch.tensor([5, 4]), torch.tensor([2, 2]), { blank: 4 }),
    ctc_input_length: () => F.ctcLoss(lp5(), tg(), torch.tensor([6, 4]), torch.tensor([2, 2])),
    ctc_input_lengths_size: () => F.ctcLoss(lp5(), tg(), torch.tensor([5]), torch.tensor([2, 2])),
    ctc_target_lengths_size: () => F.ctcLoss(lp5(), tg(), torch.tensor([5, 4]), torch.tensor([2])),
    ctc_padded_width: () => F.ctcLoss(lp5(), tg(), torch.tensor([5, 4]), torch.tensor([2, 3])),
    softmax2d_dims: () => new torch.nn.Softmax2d()(o23()),
    vector_to_parameters: () => torch.nn.utils.vectorToParameters([1.0] as unknown as Tensor, lin.parameters()),
  };
  // Python names the type it got ('list'); JS describes the value instead
  const jsTail: Record<string, [string, string]> = { vector_to_parameters: ['list', 'an array of length 1'] };
  for (const [key, message] of Object.entries(FIX.errors)) {
    it(key, () => {
      expect(calls[key], `no call for ${key}`).toBeTypeOf('function');
      const [py, js] = jsTail[key] ?? ['', ''];
      expect(calls[key]).toThrow(py === '' ? message : message.replace(py, js));
    });
  }

  it('the modules check their options where they are made', () => {
    expect(() => new torch.nn.HuberLoss({ reduction: 'avg' as 'sum' })).toThrow('avg is not a valid value for reduction');
    expect(() => new torch.nn.MultiMarginLoss({ p: 3 })).toThrow('only p == 1 and p == 2 supported');
    expect(() => new torch.nn.MultiMarginLoss({ weight: torch.ones(2, 2) })).toThrow('weight must be one-dimensional');
    expect(() => new torch.nn.CTCLoss({ blnk: 0 } as never)).toThrow(/blnk/);
    expect(() => new torch.nn.KLDivLoss({ logTarget: 1 as unknown as boolean })).toThrow(TypeError);
  });
});

describe('warnings', () => {
  const messages = (fn: () => unknown): string[] => {
    const spy = warningSpy();
    fn();
    return spy.mock.calls.map((call) => String(call[0]));
  };
  it('regression losses warn when target and input sizes differ, as PyTorch', () => {
    expect(messages(() => F.mseLoss(torch.ones(3, 1), torch.ones(3)))).toEqual(FIX.warnings.mse);
    expect(messages(() => F.l1Loss(torch.ones(3, 1), torch.ones(3)))).toEqual(FIX.warnings.l1);
    expect(messages(() => F.smoothL1Loss(torch.ones(2, 3), torch.ones(3)))).toEqual(FIX.warnings.smooth_l1);
    expect(messages(() => F.huberLoss(torch.ones(4), torch.ones(2, 4)))).toEqual(FIX.warnings.huber);
    expect(messages(() => F.mseLoss(torch.ones(2, 3), torch.ones(2, 3)))).toEqual(FIX.warnings.same_size);
    expect(FIX.warnings.mse).toHaveLength(1);
  });
  it("klDiv's 'mean' warns that it is not 'batchmean'", () => {
    expect(messages(() => F.klDiv(torch.ones(2, 3), torch.ones(2, 3)))).toEqual(FIX.warnings.kl_mean);
    expect(messages(() => F.klDiv(torch.ones(2, 3), torch.ones(2, 3), { reduction: 'batchmean' }))).toEqual([]);
  });
});

describe('finite differences (float64)', () => {
  const F64 = { dtype: torch.float64 };
  it('agree with the composed losses away from their kinks', () => {
    torch.manualSeed(3);
    const a = torch.randn([3, 4], F64).requiresGrad_();
    const b = torch.randn([3, 4], F64).requiresGrad_();
    const v = torch.rand([3, 4], F64).add(0.1).detach().requiresGrad_();
    expect(gradcheck((x, y) => F.huberLoss(x, y, { delta: 0.7, reduction: 'none' }), [a, b]).ok).toBe(true);
    expect(gradcheck((x, y) => F.smoothL1Loss(x, y, { beta: 0.3, reduction: 'none' }), [a, b]).ok).toBe(true);
    expect(gradcheck((x, y, s) => F.gaussianNllLoss(x, y, s, { reduction: 'none' }), [a, b, v]).ok).toBe(true);
    expect(gradcheck((x, y) => F.cosineSimilarity(x, y), [a, b]).ok).toBe(true);
    expect(gradcheck((x) => F.normalize(x, 3, 0), [a]).ok).toBe(true);
    expect(gradcheck((x, y) => F.binaryCrossEntropy(torch.sigmoid(x), torch.sigmoid(y), { reduction: 'none' }), [a, b]).ok).toBe(true);
    expect(gradcheck((x) => F.softMarginLoss(x, b.detach().sign(), { reduction: 'none' }), [a]).ok).toBe(true);
    expect(gradcheck((x) => F.multilabelSoftMarginLoss(x, b.detach().gt(0).double(), { reduction: 'none' }), [a]).ok).toBe(true);
    expect(gradcheck((x, y, w) => F.bilinear(x, y, w), [a, b, torch.randn([2, 4, 4], F64).requiresGrad_()]).ok).toBe(true);
  });

  it('through log_softmax, the CTC gradient is the true gradient of the loss', () => {
    torch.manualSeed(4);
    const logits = torch.randn([5, 2, 4], F64).requiresGrad_();
    const targets = torch.tensor([[1, 2], [3, 0]]);
    expect(gradcheck((x) => F.ctcLoss(torch.logSoftmax(x, 2), targets, [5, 4], [2, 1], { reduction: 'none' }), [logits]).ok).toBe(true);
  });
});

describe('small nn pieces', () => {
  it('nn.Bilinear draws PyTorch\'s parameters after manualSeed, with its state-dict keys and repr', () => {
    torch.manualSeed(FIX.bilinear.seed);
    const layer = new torch.nn.Bilinear(3, 4, 2);
    expect(Object.keys(layer.stateDict())).toEqual(FIX.bilinear.keys);
    expect(layer.weight.shape).toEqual(FIX.bilinear.weight.shape);
    expect(Array.from(layer.weight.dataSync() as Float32Array)).toEqual(FIX.bilinear.weight.data.map((x) => Math.fround(num(x))));
    expect(Array.from(layer.bias!.dataSync() as Float32Array)).toEqual(FIX.bilinear.bias.data.map((x) => Math.fround(num(x))));
    torch.manualSeed(FIX.bilinear.noBias.seed);
    const noBias = new torch.nn.Bilinear(2, 2, 3, { bias: false });
    expect(Object.keys(noBias.stateDict())).toEqual(FIX.bilinear.noBias.keys);
    expect(Array.from(noBias.weight.dataSync() as Float32Array)).toEqual(FIX.bilinear.noBias.weight.data.map((x) => Math.fround(num(x))));
    expect(String(new torch.nn.Bilinear(3, 4, 5))).toBe(FIX.reprs.Bilinear);
    expect(String(new torch.nn.Bilinear(3, 4, 5, { bias: false }))).toBe(FIX.reprs.BilinearNoBias);
    expect(layer(torch.randn(7, 3), torch.randn(7, 4)).shape).toEqual([7, 2]);
    expect(() => layer(torch.randn(7, 4), torch.randn(7, 4))).toThrow('bilinear(): input1 size does not match weight size: got 4 but expected 3');
  });

  it('nn.Identity accepts and ignores arguments', () => {
    const id = new torch.nn.Identity(54, { unused: 'argument' });
    const x = torch.randn(2, 3);
    expect(id(x)).toBe(x);
    expect(String(id)).toBe(FIX.reprs.Identity);
  });

  it('Softmin and Softmax2d', () => {
    const input = fromFixture(FIX.nets.input);
    const row = input.index(0, ':', 0) as Tensor;
    expectClose(new torch.nn.Softmin(1)(row), FIX.nets.softmin1, 'Softmin(1)');
    expectClose(new torch.nn.Softmin()(row), FIX.nets.softmin_implicit, 'Softmin()');
    expectClose(new torch.nn.Softmax2d()(input), FIX.nets.softmax2d, 'Softmax2d 4-D');
    expectClose(new torch.nn.Softmax2d()(input.index(0) as Tensor), FIX.nets.softmax2d_3d, 'Softmax2d 3-D');
    expect(String(new torch.nn.Softmax2d())).toBe(FIX.reprs.Softmax2d);
    expect(String(new torch.nn.Softmin(1))).toBe(FIX.reprs.Softmin);
    expect(String(new torch.nn.Softmin())).toBe(FIX.reprs.SoftminNone);
  });

  it('parametersToVector and vectorToParameters', () => {
    const ref = FIX.nets.paramsToVector;
    const lin = new torch.nn.Linear(2, 3);
    lin.weight.data = fromFixture(ref.weight).float();
    lin.bias!.data = fromFixture(ref.bias).float();
    const vec = torch.nn.utils.parametersToVector(lin.parameters());
    expectClose(vec, ref.vector, 'vector', 1e-6);
    expect(vec.requiresGrad).toBe(true);
    vec.sum().backward();
    expect(values(lin.weight.grad!)).toEqual([1, 1, 1, 1, 1, 1]);
    const next = torch.arange(9).float();
    torch.nn.utils.vectorToParameters(next, lin.parameters());
    expect(values(lin.weight)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lin.weight.shape).toEqual([3, 2]);
    expect(values(lin.bias!)).toEqual([6, 7, 8]);
    expect(lin.weight.isLeaf && lin.weight.requiresGrad).toBe(true);
  });
});

describe('memory', () => {
  it('CTC without autograd frees what it makes', async () => {
    const lp = torch.randn(6, 2, 5).logSoftmax(2);
    const targets = torch.tensor([[1, 2], [3, 3]]);
    F.ctcLoss(lp, targets, [6, 6], [2, 2]).dispose();
    // Earlier tests' garbage is collected first: a collection between the two counts would
    // otherwise move them by what it frees (it did under ASan, by 946 storages).
    const before = await settledStorages();
    const beforeBytes = torch.memoryStats().cpu.allocatedBytes;
    F.ctcLoss(lp, targets, [6, 6], [2, 2]).dispose();
    const after = torch.memoryStats().cpu;
    expect([after.storages, after.allocatedBytes]).toEqual([before, beforeBytes]);
  });
});
