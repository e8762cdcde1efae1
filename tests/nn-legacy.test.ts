/**
 * The nn names PyTorch 1.13 scripts still use, against PyTorch 1.13
 * (tests/fixtures/nn-legacy.json, written by scripts/make_nn_legacy_fixtures.py):
 * the hook-based nn.utils.spectralNorm / removeSpectralNorm (seeded u and v, training steps,
 * gradients, eval, state dicts, loading PyTorch's), nn.utils.stateless.functionalCall,
 * nn.DataParallel, nn.CrossMapLRN2d (its own forward and backward) and nn.NLLLoss2d.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import { nn } from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- fixture records and module fields by name */
const FIX = JSON.parse(readFileSync(new URL('./fixtures/nn-legacy.json', import.meta.url), 'utf8'));
type Err = { type: string; message: string };
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const field = (m: unknown, name: string): Tensor => (m as Record<string, Tensor>)[name];
const outWeight = (y: Tensor): Tensor => torch.linspace(-1, 1, y.numel(), { dtype: y.dtype }).reshape(y.shape);
const loadWeights = (m: nn.Module<any>, init: Record<string, FixtureTensor>): void =>
  torch.noGrad(() => {
    for (const [n, p] of m.namedParameters()) p.copy_(fromFixture(init[n]));
  });
const tol = (t: FixtureTensor) => (t.dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : { rtol: 1e-4, atol: 2e-5 });
const close = (a: Tensor, e: FixtureTensor, label: string): void => expectClose(a, e, { ...tol(e), label });

afterEach(() => vi.restoreAllMocks());

describe('nn.utils.spectralNorm (the hook form)', () => {
  const builders: Record<string, () => nn.Module<any>> = {
    linear: () => new nn.Linear(5, 4),
    conv: () => new nn.Conv2d(3, 4, 3),
    convT: () => new nn.ConvTranspose2d(4, 3, 2),
    dim1: () => new nn.Linear(6, 3),
    float64: () => new nn.Linear(4, 3, { dtype: torch.float64 }),
    wide: () => new nn.Linear(24, 20),
  };
  for (const [kind, make] of Object.entries(builders)) {
    it(`${kind}: PyTorch's u, v, outputs, gradients, eval, state dict and removal`, () => {
      const S = FIX.spectral[kind];
      const m = make();
      loadWeights(m, S.init);
      const original = field(m, 'weight');
      const opts = Object.fromEntries(Object.entries(S.kwargs).map(([k, v]) => [camel(k), v]));
      torch.manualSeed(S.seed);
      expect(nn.utils.spectralNorm(m, opts)).toBe(m);
      expect(field(m, 'weight_orig')).toBe(original);
      close(field(m, 'weight_u'), S.u0, 'u0');
      close(field(m, 'weight_v'), S.v0, 'v0');
      close(field(m, 'weight'), S.weight_attr0, 'weight before any forward');
      expect(m.namedParameters().map(([n]) => n)).toEqual(S.params);
      expect(m.namedBuffers().map(([n]) => n)).toEqual(S.buffers);
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(S.keys);
      expect((sd as unknown as { _metadata: unknown })._metadata).toEqual(S.metadata);
      const inputs = (S.inputs as FixtureTensor[]).map((x) => fromFixture(x));
      S.steps.forEach((step: any, i: number) => {
        const y = m(inputs[i % inputs.length]);
        close(y, step.y, `step ${i} y`);
        y.mul(outWeight(y)).sum().backward();
        close(field(m, 'weight_u'), step.u, `step ${i} u`);
        close(field(m, 'weight_v'), step.v, `step ${i} v`);
        close(field(m, 'weight'), step.weight, `step ${i} weight`);
        for (const [n, p] of m.namedParameters()) close(p.grad!, step.grads[n], `step ${i} grad ${n}`);
        torch.noGrad(() => {
          for (const p of m.parameters()) p.sub_(p.grad!.mul(0.1));
        });
        m.zeroGrad();
      });
      if (S.gan) {
        // Two forwards before one backward: the clones of u and v keep the first graph valid.
        const loss = m(inputs[0]).sum().sub(m(inputs[inputs.length - 1]).pow(2).sum());
        expect(loss.item()).toBeCloseTo(S.gan.loss, kind === 'float64' ? 10 : 3);
        loss.backward();
        close(field(m, 'weight_u'), S.gan.u, 'gan u');
        for (const [n, p] of m.namedParameters()) close(p.grad!, S.gan.grads[n], `gan grad ${n}`);
        m.zeroGrad();
      }
      m.eval();
      inputs.forEach((x, i) => close(m(x), S.eval[i], `eval ${i}`));
      close(field(m, 'weight_u'), S.eval_u, 'eval leaves u as it was');
      for (const [k, v] of Object.entries(m.stateDict())) close(v, S.state[k], `state ${k}`);
      m.train();
      nn.utils.removeSpectralNorm(m);
      expect(Object.keys(m.stateDict())).toEqual(S.removed_keys);
      expect(m.namedParameters().map(([n]) => n)).toEqual(S.removed_params);
      close(field(m, 'weight'), S.removed_weight, 'removed weight');
      expect(field(m, 'weight')).toBeInstanceOf(nn.Parameter);
      expect('weight_u' in m || 'weight_orig' in m).toBe(false);
    });
  }

  it('loads a trained PyTorch state dict by name and gives its eval and training outputs', () => {
    const L = FIX.load;
    torch.manualSeed(999);
    const net = new nn.Sequential(nn.utils.spectralNorm(new nn.Linear(4, 6)), new nn.Tanh(), nn.utils.spectralNorm(new nn.Linear(6, 2)));
    const state = Object.fromEntries(Object.entries(L.state).map(([k, v]) => [k, fromFixture(v as FixtureTensor)]));
    expect(net.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(L.keys);
    expect((sd as unknown as { _metadata: unknown })._metadata).toEqual(L.metadata);
    const x = fromFixture(L.x);
    net.eval();
    close(net(x), L.y_eval, 'eval after load');
    net.train();
    close(net(x), L.y_train, 'training forward after load');
    for (const [k, v] of Object.entries(net.stateDict())) if (k.endsWith('_u') || k.endsWith('_v')) close(v, L.u_after[k], k);
  });

  it('gradients w.r.t. weight_orig match finite differences (float64, eval mode)', () => {
    torch.manualSeed(4);
    const m = nn.utils.spectralNorm(new nn.Linear(4, 3, { dtype: torch.float64 })).eval();
    const x = torch.randn([2, 4], { dtype: torch.float64 });
    const w = field(m, 'weight_orig').detach().clone().requiresGrad_();
    x.requiresGrad_();
    gradcheck((wo: Tensor, input: Tensor) => nn.utils.stateless.functionalCall(m, { weight_orig: wo }, [input]), [w, x]);
  });

  it("keeps an optimizer made before it working, and raises PyTorch's errors", () => {
    const E = FIX.spectral_errors as Record<string, Err>;
    const lin = new nn.Linear(3, 2);
    const opt = new torch.optim.SGD(lin.parameters(), { lr: 1 });
    nn.utils.spectralNorm(lin, 'weight');
    const before = field(lin, 'weight_orig').clone();
    lin(torch.ones(1, 3)).sum().backward();
    opt.step();
    expect(torch.equal(before, field(lin, 'weight_orig'))).toBe(false);
    expect(() => nn.utils.spectralNorm(lin)).toThrow(E.twice.message);
    expect(() => nn.utils.spectralNorm(lin, { name: 'weight' })).toThrow(E.twice.message);
    expect(() => nn.utils.removeSpectralNorm(new nn.Linear(3, 2))).toThrow(E.remove_absent.message);
    expect(() => nn.utils.removeSpectralNorm(lin, 'bias')).toThrow(E.remove_other_name.message);
    nn.utils.removeSpectralNorm(lin);
    expect(() => nn.utils.removeSpectralNorm(lin)).toThrow(E.remove_twice.message);
    expect(() => nn.utils.spectralNorm(new nn.Linear(3, 2), { nPowerIterations: 0 })).toThrow(E.iterations.message);
    expect(() => nn.utils.spectralNorm(new nn.Linear(3, 2, { bias: false }), 'bias')).toThrow(E.none.message);
    expect(() => nn.utils.spectralNorm(new nn.Linear(3, 2), 'nope')).toThrow("Module 'Linear' has no parameter with name 'nope'");
    expect(() => nn.utils.spectralNorm(new nn.Linear(3, 2), { nIterations: 2 } as never)).toThrow("unexpected option 'nIterations'");
  });
});

describe('nn.utils.stateless.functionalCall', () => {
  const T = FIX.stateless;
  const mlp = (): nn.Sequential => {
    const m = new nn.Sequential(new nn.Linear(3, 4, { dtype: torch.float64 }), new nn.Tanh(), new nn.Linear(4, 2, { dtype: torch.float64 }));
    loadWeights(m, T.mlp.init);
    return m;
  };

  it('runs with the given tensors, sends their gradients there, and restores the originals', () => {
    const M = T.mlp;
    const m = mlp();
    const params = m.namedParameters();
    const x = fromFixture(M.x);
    const repl = Object.fromEntries(Object.entries(M.repl).map(([k, v]) => [k, fromFixture(v as FixtureTensor, { requiresGrad: true })]));
    const y = nn.utils.stateless.functionalCall(m, repl, [x]);
    close(y, M.y, 'y');
    y.mul(outWeight(y)).sum().backward();
    for (const [k, t] of Object.entries(repl)) close(t.grad!, M.repl_grads[k], `grad ${k}`);
    for (const [n, p] of m.namedParameters()) {
      if (M.own_grads[n] === null) expect(p.grad, n).toBeNull();
      else close(p.grad!, M.own_grads[n], `own grad ${n}`);
    }
    expect(m.namedParameters().map(([n]) => n)).toEqual(params.map(([n]) => n));
    m.namedParameters().forEach(([, p], i) => expect(p).toBe(params[i][1]));
    close(m(x), M.y_own, 'after the call');
    const asMap = nn.utils.stateless.functionalCall(m, new Map(Object.entries(repl)), [x]);
    close(asMap, M.y, 'with a Map');
  });

  it('takes a MAML step: second-order gradients reach the module through the fast weights', () => {
    const M = T.maml;
    const m = mlp();
    loadWeights(m, M.init);
    const [xTr, yTr, xTe, yTe] = [M.x_tr, M.y_tr, M.x_te, M.y_te].map((t) => fromFixture(t));
    const params = Object.fromEntries(m.namedParameters());
    const inner = nn.functional.mseLoss(nn.utils.stateless.functionalCall(m, params, [xTr]), yTr);
    expect(inner.item()).toBeCloseTo(M.inner, 12);
    const grads = torch.autograd.grad(inner, Object.values(params), { createGraph: true });
    const fast = Object.fromEntries(Object.entries(params).map(([n, p], i) => [n, p.sub(grads[i]!.mul(0.1))]));
    const outer = nn.functional.mseLoss(nn.utils.stateless.functionalCall(m, fast, [xTe]), yTe);
    expect(outer.item()).toBeCloseTo(M.outer, 12);
    outer.backward();
    for (const [n, p] of m.namedParameters()) close(p.grad!, M.grads[n], `meta grad ${n}`);
  });

  it("updates the given buffers in place (BatchNorm's running stats), not the module's", () => {
    const B = T.batchnorm;
    const bn = new nn.BatchNorm1d(3, { dtype: torch.float64 });
    loadWeights(bn, B.init);
    const bufs = {
      running_mean: torch.zeros(3, { dtype: torch.float64 }),
      running_var: torch.full([3], 2, { dtype: torch.float64 }),
      num_batches_tracked: torch.tensor(5, { dtype: torch.int64 }),
    };
    close(nn.utils.stateless.functionalCall(bn, bufs, [fromFixture(B.x)]), B.y, 'y');
    for (const [k, v] of Object.entries(bufs)) expectClose(v, B.buffers_after[k], { label: k });
    for (const [k, v] of bn.namedBuffers()) expectClose(v, B.own_after[k], { label: `own ${k}` });
  });

  it('passes kwargs as the trailing options object, and a non-array args as the one argument', () => {
    const K = T.kwargs;
    class Scaled extends nn.Module {
      w = new nn.Parameter(torch.ones([3, 2], { dtype: torch.float64 }));
      override forward(x: Tensor, options: { scale?: number } = {}): Tensor {
        return x.matmul(this.w).mul(options.scale ?? 1);
      }
    }
    const W = fromFixture(K.w);
    const x = fromFixture(K.x);
    close(nn.utils.stateless.functionalCall(new Scaled(), { w: W }, [x], { scale: 2.5 }), K.y, 'kwargs');
    close(nn.utils.stateless.functionalCall(new Scaled(), { w: W }, x), K.y_single_arg, 'single arg');
  });

  it('routes assignments to a swapped name into the given object, and removes names it added', () => {
    class Counter extends nn.Module {
      declare foo: Tensor;
      constructor() {
        super();
        this.registerBuffer('foo', torch.zeros([], { dtype: torch.float64 }));
      }
      override forward(x: Tensor): Tensor {
        this.foo = this.foo.add(1);
        return x.add(this.foo);
      }
    }
    const counter = new Counter();
    const given = { foo: torch.zeros([], { dtype: torch.float64 }) };
    expectClose(nn.utils.stateless.functionalCall(counter, given, torch.ones([], { dtype: torch.float64 })), T.assign.y);
    expectClose(counter.foo, T.assign.own);
    expectClose(given.foo, T.assign.given);
    expect(counter.namedBuffers().map(([n]) => n)).toEqual(['foo']);
    const seq = new nn.Sequential(new nn.Linear(2, 2));
    nn.utils.stateless.functionalCall(seq, { '0.extra': torch.zeros(2, 2) }, [torch.zeros(1, 2)]);
    expect('extra' in (seq as any)['0']).toBe(T.extra_after);
  });

  it("replaces a parametrized tensor by its plain name (bypassing the parametrization) and puts the parametrization back", () => {
    const lin = nn.utils.parametrizations.weightNorm(new nn.Linear(3, 2, { dtype: torch.float64 }));
    const x = torch.randn([4, 3], { dtype: torch.float64 });
    const W = torch.randn([2, 3], { dtype: torch.float64 });
    const before = lin(x);
    expectClose(nn.utils.stateless.functionalCall(lin, { weight: W }, [x]), nn.functional.linear(x, W, lin.bias), { label: 'plain name' });
    expectClose(lin(x), before, { label: 'parametrized again' });
    const g = torch.full([2, 1], 2, { dtype: torch.float64 });
    const viaOriginal = nn.utils.stateless.functionalCall(lin, { 'parametrizations.weight.original0': g }, [x]);
    const v = (lin as any).parametrizations.weight.original1 as Tensor;
    expectClose(viaOriginal, nn.functional.linear(x, v.div(v.norm(2, 1, true)).mul(2), lin.bias), { label: 'through the parametrization' });
  });

  it('restores the originals when forward throws, and gives PyTorch\'s error and warning', () => {
    class Bad extends nn.Module {
      w = new nn.Parameter(torch.ones(2));
      override forward(): Tensor {
        throw new Error('boom');
      }
    }
    const bad = new Bad();
    const w = bad.w;
    expect(() => nn.utils.stateless.functionalCall(bad, { w: torch.zeros(2) }, [])).toThrow('boom');
    expect(bad.w).toBe(w);
    expect(Object.getOwnPropertyDescriptor(bad, 'w')?.value).toBe(w);
    const seq = new nn.Sequential(new nn.Linear(2, 2));
    expect(() => nn.utils.stateless.functionalCall(seq, { 'foo.weight': torch.zeros(2, 2) }, [torch.zeros(1, 2)])).toThrow(T.errors.missing_path.message);
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    b.weight = a.weight;
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    nn.utils.stateless.functionalCall(new nn.Sequential(a, b), { '0.weight': torch.ones(2, 2), '1.weight': torch.zeros(2, 2) }, [torch.ones(1, 2)]);
    expect(warn).toHaveBeenCalledWith(T.tied_warning, 'UserWarning');
  });
});

describe('nn.DataParallel', () => {
  const D = FIX.data_parallel;
  const hasCuda = torch.cuda.isAvailable();

  it.skipIf(hasCuda)("without CUDA wraps and calls the module, as PyTorch's CPU path", () => {
    const lin = new nn.Linear(3, 2);
    const dp = new nn.DataParallel(lin, { deviceIds: [0, 1], outputDevice: 3, dim: 1 });
    expect(String(dp)).toBe(D.repr);
    expect(Object.keys(dp.stateDict())).toEqual(D.keys);
    expect(dp.deviceIds).toEqual(D.device_ids);
    expect('dim' in dp).toBe(D.has_dim);
    expect('outputDevice' in dp).toBe(D.has_output_device);
    expect(dp.namedModules().map(([n]) => n)).toEqual(D.modules);
    expect(dp.module).toBe(lin);
    const x = torch.randn(4, 3);
    expect(torch.equal(dp(x), lin(x))).toBe(true);
    dp(x).sum().backward();
    expectClose(lin.weight.grad!, x.sum(0).expand(2, 3));
    expect(nn.parallel.DataParallel).toBe(nn.DataParallel);
  });

  it.skipIf(!hasCuda)('with CUDA moves the module and the inputs to deviceIds[0] and runs it there', () => {
    const lin = new nn.Linear(3, 2);
    const cpu = new nn.Linear(3, 2);
    cpu.loadStateDict(lin.stateDict());
    const dp = new nn.DataParallel(lin);
    expect([dp.deviceIds, dp.outputDevice, dp.dim]).toEqual([[0], 0, 0]);
    expect(String(lin.weight.device)).toBe('cuda:0');
    const x = torch.randn(4, 3).requiresGrad_();
    const y = dp(x);
    expect(String(y.device)).toBe('cuda:0');
    expectClose(y.cpu(), cpu(x).detach(), { rtol: 1e-5, atol: 1e-6 });
    y.sum().backward();
    expect(String(x.grad!.device)).toBe('cpu');
    expect(() => new nn.DataParallel(new nn.Linear(3, 2), { deviceIds: [0, 1] })).toThrow('deviceIds may name one device');
    lin.cpu();
    expect(() => dp(x)).toThrow('module must have its parameters and buffers on device cuda:0 (device_ids[0]) but found one of them on device: cpu');
  });
});

describe('nn.CrossMapLRN2d', () => {
  const C = FIX.cross_map;
  C.cases.forEach((c: any, i: number) => {
    it(`${i}: size ${c.size}, ${c.x.shape[1]} channels, ${c.x.dtype}: PyTorch's forward and backward`, () => {
      const x = fromFixture(c.x, { requiresGrad: true });
      const y = new nn.CrossMapLRN2d(c.size, c.alpha, c.beta, c.k)(x);
      close(y, c.y, 'forward');
      expect(y.gradFn?.name).toBe(c.gradFn);
      y.mul(outWeight(y)).sum().backward();
      close(x.grad!, c.grad, 'backward');
      // Where PyTorch's legacy window differs from LocalResponseNorm's, flint's does too.
      const lrn = new nn.LocalResponseNorm(c.size, c.alpha, c.beta, c.k)(x.detach());
      expect(torch.allclose(y.detach(), lrn)).toBe(c.matches_lrn);
    });
  });

  it('has the derivative as its backward where the window covers every channel (finite differences)', () => {
    torch.manualSeed(8);
    for (const [channels, size] of [[1, 3], [2, 6], [3, 6]]) {
      const x = torch.randn([2, channels, 2, 3], { dtype: torch.float64 }).requiresGrad_();
      gradcheck((t: Tensor) => new nn.CrossMapLRN2d(size, 0.3, 0.75, 1)(t), [x]);
    }
  });

  it("size 1: PyTorch's forward, and its backward's error", () => {
    const x = fromFixture(C.size1.x, { requiresGrad: true });
    const y = new nn.CrossMapLRN2d(1, 0.5)(x);
    close(y, C.size1.y, 'forward');
    expect(() => y.sum().backward()).toThrow(C.size1.backward_error.message);
  });

  it('prints as PyTorch and takes only 4-D input', () => {
    expect(String(new nn.CrossMapLRN2d(3))).toBe(C.reprs[0]);
    expect(String(new nn.CrossMapLRN2d(5, 1e-3, 0.5, 2.5))).toBe(C.reprs[1]);
    expect(() => new nn.CrossMapLRN2d(3)(torch.ones(2, 3, 4))).toThrow('CrossMapLRN2d: expected a 4-D input (N, C, H, W), but got a 3-D input');
  });
});

describe('nn.NLLLoss2d', () => {
  const N = FIX.nll2d;
  it("warns once as PyTorch, prints as PyTorch, and gives NLLLoss's values and gradients", () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const first = new nn.NLLLoss2d();
    new nn.NLLLoss2d();
    expect(warn.mock.calls.filter((call) => call[0] === N.warning)).toHaveLength(1);
    expect(String(first)).toBe(N.repr);
    expect(first).toBeInstanceOf(nn.NLLLoss);
    for (const c of N.cases) {
      const kw = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [camel(k), typeof v === 'object' ? fromFixture(v as FixtureTensor) : v]));
      const input = fromFixture(N.input, { requiresGrad: true });
      const out = new nn.NLLLoss2d(kw)(input, fromFixture(c.target));
      close(out, c.out, `${JSON.stringify(Object.keys(c.kw))} out`);
      out.mul(outWeight(out)).sum().backward();
      close(input.grad!, c.grad, `${JSON.stringify(Object.keys(c.kw))} grad`);
    }
  });
});
