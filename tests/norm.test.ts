/**
 * Batch, instance, group and local response normalisation against PyTorch 1.13
 * (tests/fixtures/norm.json, written by scripts/make_norm_fixtures.py): forward values,
 * input/weight/bias gradients, running statistics over training steps (momentum 0.1 and
 * None), eval outputs, state-dict keys, reprs and error messages; then float64
 * finite-difference gradchecks of the native kernels' backward.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

const { nn } = torch;
const F = nn.functional;

interface NormCase {
  x: FixtureTensor;
  weight: FixtureTensor | null;
  bias: FixtureTensor | null;
  out: FixtureTensor;
  gradOutput: FixtureTensor;
  grads: (FixtureTensor | null)[];
  gradFn: string;
  running_mean?: FixtureTensor;
  running_var?: FixtureTensor;
  groups?: number;
  size?: number;
  alpha?: number;
  beta?: number;
  k?: number;
}
interface ModuleCase {
  shape: number[];
  steps: FixtureTensor[];
  train_out: FixtureTensor[];
  state: Record<string, FixtureTensor>;
  state_keys: string[];
  x_eval: FixtureTensor;
  eval_out: FixtureTensor;
  repr: string;
}
const PYTORCH = JSON.parse(readFileSync(new URL('./fixtures/norm.json', import.meta.url), 'utf8')) as {
  cases: Record<string, NormCase & { eval_out?: FixtureTensor }>;
  modules: Record<string, ModuleCase>;
  errors: Record<string, string>;
  reprs: Record<string, string>;
  stateKeys: Record<string, string[] | string>;
};
const C = PYTORCH.cases;

type Dt = 'float32' | 'float64';
const TOL: Record<Dt, { rtol: number; atol: number }> = { float64: { rtol: 1e-10, atol: 1e-10 }, float32: { rtol: 1e-4, atol: 1e-4 } };

type Fn = (x: Tensor, w: Tensor | null, b: Tensor | null, c: NormCase, dtype: Dt) => Tensor;

/** Runs `fn` on the case's inputs in `dtype`, and checks its output, grad_fn and gradients. */
function checkCase(name: string, fn: Fn, dtype: Dt): void {
  const c = C[name];
  const x = fromFixture(c.x, { requiresGrad: true, dtype });
  const w = c.weight === null ? null : fromFixture(c.weight, { requiresGrad: true, dtype });
  const b = c.bias === null ? null : fromFixture(c.bias, { requiresGrad: true, dtype });
  const out = fn(x, w, b, c, dtype);
  expect(out.gradFn?.name).toBe(c.gradFn);
  expectClose(out, { ...c.out, dtype }, { ...TOL[dtype], label: `${name} out` });
  out.mul(fromFixture(c.gradOutput, { dtype })).sum().backward();
  [x, w, b].forEach((t, i) => {
    const expected = c.grads[i];
    if (t === null || expected === null) return;
    // float32 gradients of a normalisation lose digits to cancellation: a looser bound.
    const tol = dtype === 'float32' ? { rtol: 1e-3, atol: 1e-3 } : TOL[dtype];
    expectClose(t.grad!, { ...expected, dtype }, { ...tol, label: `${name} grad ${i}` });
  });
}

const batchNormTraining: Fn = (x, w, b, c, dtype) => {
  const channels = x.shape[1];
  const rm = torch.zeros([channels], { dtype: torch[dtype] });
  const rv = torch.ones([channels], { dtype: torch[dtype] });
  const out = F.batchNorm(x, rm, rv, w, b, true, 0.3, 1e-4);
  expectClose(rm, { ...c.running_mean!, dtype }, { ...TOL[dtype], label: 'running_mean' });
  expectClose(rv, { ...c.running_var!, dtype }, { ...TOL[dtype], label: 'running_var' });
  return out;
};

const TABLE: Record<string, Fn> = {
  bn_2d_input: batchNormTraining,
  bn_3d_input: batchNormTraining,
  bn_4d_input: batchNormTraining,
  bn_5d_input: batchNormTraining,
  bn_4d_noaffine: batchNormTraining,
  bn_eval: (x, w, b, c, dtype) =>
    F.batchNorm(x, fromFixture(c.running_mean!, { dtype }), fromFixture(c.running_var!, { dtype }), { weight: w, bias: b, training: false, eps: 1e-3 }),
  gn: (x, w, b, c) => F.groupNorm(x, c.groups!, w, b, 1e-4),
  gn_3d_groups3: (x, w, b, c) => F.groupNorm(x, c.groups!, w, b),
  gn_noaffine: (x, _w, _b, c) => F.groupNorm(x, c.groups!),
  in: (x, w, b) => F.instanceNorm(x, null, null, w, b, true, 0.1, 1e-4),
  in_noaffine: (x) => F.instanceNorm(x),
  lrn_3d: (x, _w, _b, c) => F.localResponseNorm(x, c.size!, c.alpha, c.beta, c.k),
  lrn_4d: (x, _w, _b, c) => F.localResponseNorm(x, c.size!, c.alpha, c.beta, c.k),
  lrn_5d: (x, _w, _b, c) => F.localResponseNorm(x, c.size!, c.alpha, c.beta, c.k),
};

describe('functional normalisations against PyTorch', () => {
  for (const [name, fn] of Object.entries(TABLE)) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${name} (${dtype})`, () => checkCase(name, fn, dtype));
    }
  }

  it('instanceNorm updates running statistics with the mean over the samples, and uses them', () => {
    const c = C.in_running;
    const x = fromFixture(c.x);
    const rm = torch.zeros([2], { dtype: torch.float64 });
    const rv = torch.ones([2], { dtype: torch.float64 });
    expectClose(F.instanceNorm(x, rm, rv, null, null, true, 0.2), c.out, { rtol: 1e-10, atol: 1e-10 });
    expectClose(rm, c.running_mean!, { rtol: 1e-10, atol: 1e-12 });
    expectClose(rv, c.running_var!, { rtol: 1e-10, atol: 1e-12 });
    expectClose(F.instanceNorm(x, rm, rv, null, null, false), c.eval_out!, { rtol: 1e-10, atol: 1e-10 });
  });

  it('batchNorm keeps the options form, with numBatchesTracked and momentum null', () => {
    const x = torch.tensor([[1, 2], [3, 6], [5, 1]], { dtype: torch.float32 });
    const rm = torch.zeros([2]);
    const rv = torch.ones([2]);
    const count = torch.tensor(0, { dtype: torch.int64 });
    F.batchNorm(x, rm, rv, { training: true, momentum: null, numBatchesTracked: count });
    // The cumulative average after one batch is the batch statistic itself.
    expect(Number(count.item())).toBe(1);
    expect(rm.tolist()).toEqual([3, 3]);
    expectClose(rv, torch.tensor([4, 7], { dtype: torch.float32 }), { rtol: 1e-6, atol: 1e-6 });
  });
});

describe('strided input', () => {
  it('a transposed input gives what its contiguous copy gives, gradients included', () => {
    torch.manualSeed(3);
    const base = torch.randn([3, 4, 5, 2], { dtype: torch.float64 });
    const run = (contiguous: boolean) => {
      const leaf = base.clone().requiresGrad_();
      const x = contiguous ? leaf.transpose(1, 2).contiguous() : leaf.transpose(1, 2);
      const w = torch.linspace(0.5, 2, 5, { dtype: torch.float64 }).requiresGrad_();
      const out = F.batchNorm(x, null, null, w, null, true);
      const gn = F.groupNorm(x, 5, w);
      out.mul(out).sum().add(gn.pow(3).sum()).backward();
      return [out, gn, leaf.grad!, w.grad!];
    };
    const strided = run(false);
    const dense = run(true);
    strided.forEach((t, i) => expectClose(t, dense[i], { rtol: 1e-12, atol: 1e-12, label: `result ${i}` }));
  });
});

describe('bfloat16 input', () => {
  it('BatchNorm2d runs it in float32 and answers in bfloat16, as PyTorch', () => {
    const c = C.bf16 as unknown as { x: FixtureTensor; out: FixtureTensor; gradOutput: FixtureTensor; grads: FixtureTensor[]; out_dtype: string; grad_dtype: string; running_mean: FixtureTensor; running_var: FixtureTensor };
    const bn = new nn.BatchNorm2d(3);
    const x = fromFixture(c.x).to(torch.bfloat16).requiresGrad_();
    const out = bn(x);
    expect(`torch.${out.dtype.name}`).toBe(c.out_dtype);
    expect(out.gradFn?.name).toBe('NativeBatchNormBackward0');
    // One bfloat16 rounding apart at most (8 bits of mantissa).
    expectClose(out.float(), c.out, { rtol: 8e-3, atol: 8e-3, label: 'out' });
    out.float().mul(fromFixture(c.gradOutput)).sum().backward();
    expect(`torch.${x.grad!.dtype.name}`).toBe(c.grad_dtype);
    expectClose(x.grad!.float(), c.grads[0], { rtol: 8e-3, atol: 8e-3, label: 'grad input' });
    expectClose(bn.weight!.grad!, c.grads[1], { rtol: 1e-5, atol: 1e-5, label: 'grad weight' });
    expectClose(bn.bias!.grad!, c.grads[2], { rtol: 1e-5, atol: 1e-5, label: 'grad bias' });
    expectClose(bn.running_mean!, c.running_mean, { rtol: 1e-6, atol: 1e-6 });
    expectClose(bn.running_var!, c.running_var, { rtol: 1e-6, atol: 1e-6 });
  });
});

function makeModule(name: string): torch.nn.Module {
  const f64 = { dtype: torch.float64 };
  const ctors: Record<string, () => torch.nn.Module> = {
    BatchNorm1d_2d: () => new nn.BatchNorm1d(3, f64),
    BatchNorm1d_3d: () => new nn.BatchNorm1d(3, f64),
    BatchNorm2d: () => new nn.BatchNorm2d(3, f64),
    BatchNorm2d_momentum_none: () => new nn.BatchNorm2d(3, { momentum: null, ...f64 }),
    BatchNorm3d: () => new nn.BatchNorm3d(2, 1e-3, 0.5, true, true, f64),
    BatchNorm2d_untracked: () => new nn.BatchNorm2d(3, { trackRunningStats: false, ...f64 }),
    InstanceNorm1d_tracked: () => new nn.InstanceNorm1d(3, { trackRunningStats: true, ...f64 }),
    InstanceNorm2d_affine: () => new nn.InstanceNorm2d(3, { affine: true, ...f64 }),
    InstanceNorm2d_unbatched: () => new nn.InstanceNorm2d(3, f64),
    InstanceNorm3d: () => new nn.InstanceNorm3d(2, f64),
    GroupNorm: () => new nn.GroupNorm(2, 4, f64),
  };
  return ctors[name]();
}

describe('normalisation modules against PyTorch', () => {
  for (const [name, m] of Object.entries(PYTORCH.modules)) {
    it(`${name}: training steps, running statistics, eval and repr`, () => {
      const module = makeModule(name);
      m.steps.forEach((step, i) => expectClose(module(fromFixture(step)), m.train_out[i], { rtol: 1e-9, atol: 1e-9, label: `step ${i}` }));
      const state = module.stateDict();
      expect(Object.keys(state)).toEqual(m.state_keys);
      for (const key of m.state_keys) expectClose(state[key], m.state[key], { rtol: 1e-10, atol: 1e-12, label: key });
      module.eval();
      expectClose(module(fromFixture(m.x_eval)), m.eval_out, { rtol: 1e-9, atol: 1e-9, label: 'eval' });
      expect(String(module)).toBe(m.repr);
    });
  }

  it('reprs and state-dict keys', () => {
    const R = PYTORCH.reprs;
    expect(String(new nn.BatchNorm2d(64))).toBe(R['BatchNorm2d(64)']);
    expect(String(new nn.BatchNorm3d(4, { momentum: null }))).toBe(R['BatchNorm3d(4, momentum=None)']);
    expect(String(new nn.BatchNorm1d(5, { eps: 1e-3, affine: false }))).toBe(R['BatchNorm1d(5, eps=1e-3, affine=False)']);
    expect(String(new nn.InstanceNorm1d(3))).toBe(R['InstanceNorm1d(3)']);
    expect(String(new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true }))).toBe(R['InstanceNorm2d(3, affine=True, track_running_stats=True)']);
    expect(String(new nn.GroupNorm(2, 4))).toBe(R['GroupNorm(2, 4)']);
    expect(String(new nn.GroupNorm(1, 3, 1e-6, false))).toBe(R['GroupNorm(1, 3, eps=1e-6, affine=False)']);
    expect(String(new nn.LocalResponseNorm(2))).toBe(R['LocalResponseNorm(2)']);
    const K = PYTORCH.stateKeys;
    expect(Object.keys(new nn.BatchNorm2d(2).stateDict())).toEqual(K.BatchNorm2d);
    expect(Object.keys(new nn.BatchNorm2d(2, { affine: false, trackRunningStats: false }).stateDict())).toEqual(K.BatchNorm2d_noaffine_untracked);
    expect(Object.keys(new nn.InstanceNorm2d(2).stateDict())).toEqual(K.InstanceNorm2d);
    expect(Object.keys(new nn.InstanceNorm2d(2, { trackRunningStats: true }).stateDict())).toEqual(K.InstanceNorm2d_tracked);
    expect(Object.keys(new nn.GroupNorm(1, 2).stateDict())).toEqual(K.GroupNorm);
    expect(`torch.${new nn.BatchNorm2d(2).num_batches_tracked!.dtype.name}`).toBe(K.num_batches_tracked_dtype);
  });

  it("PyTorch's error messages", () => {
    const E = PYTORCH.errors;
    const r = (...shape: number[]) => torch.randn(shape);
    expect(() => new nn.BatchNorm2d(3)(r(2, 3, 4))).toThrow(E.bn2d_3d_input);
    expect(() => new nn.BatchNorm3d(3)(r(2, 3, 4, 4))).toThrow(E.bn3d_4d_input);
    expect(() => new nn.BatchNorm1d(3)(r(2, 3, 4, 4))).toThrow(E.bn1d_4d_input);
    expect(() => new nn.BatchNorm2d(3)(r(1, 3, 1, 1))).toThrow(E.bn_one_value);
    expect(() => F.batchNorm(r(2, 3), null, null, torch.ones([4]), null, true)).toThrow(E.bn_weight_size);
    expect(() => F.batchNorm(r(2, 3), torch.zeros([4]), torch.ones([4]))).toThrow(E.bn_running_size);
    expect(() => F.groupNorm(r(2, 5, 3), 2)).toThrow(E.gn_divisible);
    expect(() => F.groupNorm(r(2, 4, 3), 2, torch.ones([3]))).toThrow(E.gn_weight);
    expect(() => F.groupNorm(r(1, 2, 1), 2)).toThrow(E.gn_one_value);
    expect(() => new nn.GroupNorm(2, 5)).toThrow(E.gn_module_divisible);
    expect(() => F.instanceNorm(r(2, 3, 1))).toThrow(E.in_spatial);
    expect(() => F.instanceNorm(r(2, 3, 4), null, null, null, null, false)).toThrow(E.in_no_running);
    expect(() => new nn.InstanceNorm2d(3)(r(4))).toThrow(E.in2d_1d_input);
    expect(() => F.localResponseNorm(r(2, 3), 2)).toThrow(E.lrn_2d_input);
    expect(() => F.batchNorm(torch.tensor([[1, 2], [3, 4]], { dtype: torch.int64 }), null, null, null, null, true)).toThrow('batch_norm: expected a floating-point input, got int64');
  });
});

describe('double backward through batchNorm and groupNorm (a gradient penalty) against PyTorch', () => {
  interface Double { x: FixtureTensor; weight: FixtureTensor; bias: FixtureTensor; running_mean: FixtureTensor; running_var: FixtureTensor; G: FixtureTensor; gx: FixtureTensor; gw: FixtureTensor; penalty: number; grads: (FixtureTensor | null)[] }
  const D = (C as unknown as Record<string, Record<string, Double>>).double_backward;
  for (const [name, training] of [['training', true], ['eval', false], ['group', true]] as const) {
    it(name, () => {
      const d = D[name];
      const x = fromFixture(d.x, { requiresGrad: true });
      const w = fromFixture(d.weight, { requiresGrad: true });
      const b = fromFixture(d.bias, { requiresGrad: true });
      const out = name === 'group' ? F.groupNorm(x, 2, w, b) : F.batchNorm(x, fromFixture(d.running_mean), fromFixture(d.running_var), w, b, training);
      const [gx, gw] = torch.autograd.grad(out.mul(fromFixture(d.G)).sum(), [x, w], null, { createGraph: true });
      expectClose(gx!, d.gx, { rtol: 1e-10, atol: 1e-10, label: 'gx' });
      expectClose(gw!, d.gw, { rtol: 1e-10, atol: 1e-10, label: 'gw' });
      const penalty = gx!.pow(2).sum().add(gw!.pow(2).sum());
      expect(Number(penalty.item())).toBeCloseTo(d.penalty, 9);
      penalty.backward();
      [x, w, b].forEach((t, i) => {
        if (d.grads[i] === null) expect(t.grad, `grad ${i}`).toBeNull();
        else expectClose(t.grad!, d.grads[i]!, { rtol: 1e-9, atol: 1e-9, label: `grad ${i}` });
      });
    });
  }
});

describe('float64 finite-difference gradchecks of the native backward', () => {
  const f64 = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64 }).requiresGrad_();
  it('batchNorm, training and eval, with the affine', () => {
    torch.manualSeed(1);
    const rm = torch.randn([3], { dtype: torch.float64 });
    const rv = torch.rand([3], { dtype: torch.float64 }).add(0.5);
    gradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, true), [f64(4, 3, 2, 2), f64(3), f64(3)], { atol: 1e-6 });
    gradcheck((x, w, b) => F.batchNorm(x, rm, rv, w, b, false), [f64(2, 3, 5), f64(3), f64(3)], { atol: 1e-6 });
    gradcheck((x) => F.batchNorm(x, null, null, null, null, true), [f64(5, 2)], { atol: 1e-6 });
  });
  it('groupNorm, instanceNorm and localResponseNorm', () => {
    torch.manualSeed(2);
    gradcheck((x, w, b) => F.groupNorm(x, 2, w, b), [f64(2, 4, 3), f64(4), f64(4)], { atol: 1e-6 });
    gradcheck((x) => F.groupNorm(x, 3), [f64(2, 6, 2, 2)], { atol: 1e-6 });
    gradcheck((x, w, b) => F.instanceNorm(x, null, null, w, b), [f64(2, 3, 4), f64(3), f64(3)], { atol: 1e-6 });
    gradcheck((x) => F.localResponseNorm(x, 3, 0.5, 0.75, 1), [f64(2, 4, 3)], { atol: 1e-6 });
  });
});

describe('memory', () => {
  // Storages counted without a collection in between: whatever an iteration leaves to the
  // garbage collector would add up across iterations.
  it('training and eval steps of BatchNorm2d and GroupNorm leave nothing behind', async () => {
    const { storagesAfterCollection } = await import('./helpers/memory.js');
    const bn = new nn.BatchNorm2d(3);
    const gn = new nn.GroupNorm(3, 6);
    const x = torch.randn([4, 3, 5, 5]).requiresGrad_();
    const xg = torch.randn([2, 6, 4]).requiresGrad_();
    const step = () => {
      for (const [m, input] of [[bn, x], [gn, xg]] as const) {
        const out = m(input);
        const g = torch.onesLike(out);
        out.backward(g);
        for (const t of [g, out, input.grad!, m.weight!.grad!, m.bias!.grad!]) t.dispose();
        input.grad = null;
        m.weight!.grad = null;
        m.bias!.grad = null;
      }
      bn.eval();
      torch.noGrad(() => bn(x).dispose());
      bn.train();
    };
    step();
    const before = storagesAfterCollection();
    for (let i = 0; i < 5; i++) step();
    expect(torch.memoryStats().cpu.storages - before).toBeLessThanOrEqual(0);
  });
});
