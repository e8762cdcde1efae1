/**
 * Elementwise math and activations against PyTorch 1.13 (tests/fixtures/elementwise_math.json,
 * written by scripts/make_elementwise_math_fixtures.py): float64 values (infinities, NaN,
 * -0.0, domain edges and kinks included), grad_fn names and gradients; float32; integer
 * promotion; isclose; module reprs and state dicts; finite differences.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { storagesAfterCollection } from './helpers/memory.js';

const { nn } = torch;
const F = torch.nn.functional;

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Ser {
  shape: number[];
  dtype: string;
  data: Value[];
}
interface Case {
  name: string;
  inputs: Ser[];
  output: Ser;
  gradFn: string | null;
  grads: (Ser | null)[];
}
const FIXTURE: {
  cases: Case[];
  float32: { name: string; input: number[]; output: Ser; grad: Ser }[];
  ints: Record<string, Ser | string | number[]>;
  isclose: { a: Value[]; b: Value[]; default: Ser; loose_nan: Ser };
  modules: { name: string; repr: string; stateDict: Record<string, number[]> }[];
} = JSON.parse(readFileSync(new URL('./fixtures/elementwise_math.json', import.meta.url), 'utf8'));

const decode = (v: Value): number | boolean => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const fromSer = (s: Ser, dtype = torch.float64): Tensor => torch.tensor(s.data.map(decode) as number[], { dtype }).reshape(s.shape);
const data = (t: Tensor): (number | boolean)[] => Array.from(t.dataSync() as ArrayLike<number | boolean>, (v) => v);

/** Equal within `rtol` relatively; NaN matches NaN, infinities match exactly, zeros match in sign when `signs`. */
function expectClose(actual: Tensor, expected: Ser, rtol: number, what: string, signs = false): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const got = data(actual);
  expected.data.forEach((e, i) => {
    const want = decode(e);
    const v = got[i];
    const where = `${what}[${i}]: got ${String(v)}, want ${String(want)}`;
    if (typeof want === 'boolean') return expect(Boolean(v), where).toBe(want);
    const n = Number(v);
    if (Number.isNaN(want)) return expect(Number.isNaN(n), where).toBe(true);
    if (!Number.isFinite(want)) return expect(n, where).toBe(want);
    expect(Math.abs(n - want) <= rtol * Math.max(1, Math.abs(want)), where).toBe(true);
    if (signs && want === 0) expect(Object.is(n, -0), `${where} (sign of zero)`).toBe(Object.is(want, -0));
  });
}

/** Each fixture case's flint call. */
const CALLS: Record<string, (...t: Tensor[]) => Tensor> = {
  tan: (x) => torch.tan(x),
  asin: (x) => x.asin(),
  acos: (x) => torch.acos(x),
  atan: (x) => x.atan(),
  sinh: (x) => torch.sinh(x),
  cosh: (x) => x.cosh(),
  asinh: (x) => torch.asinh(x),
  acosh: (x) => x.acosh(),
  atanh: (x) => torch.atanh(x),
  log2: (x) => x.log2(),
  log10: (x) => torch.log10(x),
  exp2: (x) => x.exp2(),
  frac: (x) => x.frac(),
  nanToNum: (x) => torch.nanToNum(x),
  nanToNum_args: (x) => x.nanToNum({ nan: 1.5, posinf: 100, neginf: -100 }),
  isnan: (x) => x.isnan(),
  isinf: (x) => torch.isinf(x),
  isposinf: (x) => x.isposinf(),
  isneginf: (x) => torch.isneginf(x),
  isfinite: (x) => x.isfinite(),
  hypot: (a, b) => torch.hypot(a, b),
  logaddexp: (a, b) => a.logaddexp(b),
  logaddexp2: (a, b) => torch.logaddexp2(a, b),
  logaddexp_big: (a, b) => torch.logaddexp(a, b),
  xlogy: (a, b) => torch.xlogy(a, b),
  xlogy_scalar_other: (x) => x.xlogy(3),
  xlogy_scalar_self: (y) => torch.xlogy(2, y),
  fmod: (a, b) => torch.fmod(a, b),
  fmod_scalar: (x) => x.fmod(1.5),
  copysign: (a, b) => a.copysign(b),
  copysign_scalar: (x) => torch.copysign(x, -0),
  atan2: (a, b) => torch.atan2(a, b),
  lerp_scalar: (a, b) => torch.lerp(a, b, 0.3),
  lerp_scalar_high: (a, b) => a.lerp(b, 0.75),
  lerp_tensor: (a, b, w) => torch.lerp(a, b, w),
  addcmul: (x, a, b) => torch.addcmul(x, a, b, { value: 0.5 }),
  addcdiv: (x, a, b) => x.addcdiv(a, b, { value: -2 }),
  clampMin: (x) => x.clampMin(0.5),
  clampMax: (x) => torch.clampMax(x, -0.5),
  clampMin_tensor: (x, m) => torch.clampMin(x, m),
  clampMax_tensor: (x, m) => x.clampMax(m),
  softplus: (x) => F.softplus(x),
  softplus_beta: (x) => F.softplus(x, 2, 5),
  elu: (x) => F.elu(x),
  elu_alpha: (x) => F.elu(x, { alpha: 0.5 }),
  selu: (x) => F.selu(x),
  celu: (x) => F.celu(x, 2),
  hardtanh: (x) => F.hardtanh(x),
  hardtanh_bounds: (x) => F.hardtanh(x, { minVal: -2.5, maxVal: 3 }),
  relu6: (x) => F.relu6(x),
  hardsigmoid: (x) => F.hardsigmoid(x),
  hardswish: (x) => F.hardswish(x),
  mish: (x) => F.mish(x),
  logsigmoid: (x) => F.logsigmoid(x),
  softsign: (x) => F.softsign(x),
  tanhshrink: (x) => F.tanhshrink(x),
  hardshrink: (x) => F.hardshrink(x),
  softshrink: (x) => F.softshrink(x, 1),
  threshold: (x) => F.threshold(x, 0.25, 20),
  glu: (x) => F.glu(x),
  glu_dim0: (x) => F.glu(x, 0),
  prelu: (x, w) => F.prelu(x, w),
  prelu_single: (x, w) => F.prelu(x, w),
};

describe('elementwise math and activations vs PyTorch 1.13 (float64)', () => {
  it('every fixture case has a flint call', () => {
    expect(FIXTURE.cases.map((c) => c.name).filter((n) => !(n in CALLS))).toEqual([]);
  });
  for (const c of FIXTURE.cases) {
    it(`${c.name}: values, grad_fn and gradients`, () => {
      const inputs = c.inputs.map((s, i) => {
        const t = fromSer(s);
        return c.grads[i] !== null || c.gradFn !== null ? t.requiresGrad_(c.grads[i] !== null) : t;
      });
      const out = CALLS[c.name](...inputs);
      expectClose(out, c.output, 1e-12, 'value', true);
      if (c.gradFn === null) {
        expect(out.gradFn).toBeNull();
        return;
      }
      expect(out.gradFn!.name).toBe(c.gradFn);
      out.backward(torch.linspace(0.5, 1.5, out.numel(), { dtype: torch.float64 }).reshape(out.shape));
      c.grads.forEach((g, i) => {
        if (g !== null) expectClose(inputs[i].grad!, g, 1e-10, `grad ${i}`);
      });
    });
  }
});

describe('float32 and integer inputs', () => {
  for (const c of FIXTURE.float32) {
    it(`${c.name} computes in float32`, () => {
      const x = torch.tensor(c.input).requiresGrad_();
      const call: Record<string, (t: Tensor) => Tensor> = {
        tan: (t) => t.tan(), atan: (t) => t.atan(), sinh: (t) => t.sinh(), log2: (t) => t.abs().log2(), exp2: (t) => t.exp2(),
        softplus: (t) => F.softplus(t), mish: (t) => F.mish(t), logsigmoid: (t) => F.logsigmoid(t), elu: (t) => F.elu(t),
        hardswish: (t) => F.hardswish(t),
      };
      const y = call[c.name](x);
      expect(y.dtype).toBe(torch.float32);
      expectClose(y, c.output, 2e-6, 'value');
      y.backward(torch.onesLike(y));
      expectClose(x.grad!, c.grad, 2e-6, 'grad');
    });
  }

  it('integer inputs of float functions give float32; fmod keeps integers; isfinite of ints is true', () => {
    const ints = torch.tensor(FIXTURE.ints.input as number[]);
    for (const name of ['tan', 'exp2', 'atan'] as const) {
      const y = (ints as unknown as Record<string, () => Tensor>)[name]();
      expect(y.dtype).toBe(torch.float32);
      expectClose(y, FIXTURE.ints[name] as Ser, 1e-6, name);
    }
    const fm = torch.fmod(torch.tensor([-7, 7, 5, -5]), torch.tensor([3, -3, 5, 2]));
    expect(fm.dtype).toBe(torch.int64);
    expect(data(fm).map(Number)).toEqual((FIXTURE.ints.fmod_int as Ser).data);
    const cs = torch.copysign(torch.tensor([1, -2, 3]), -1);
    expect(cs.dtype).toBe(torch.float32);
    expectClose(cs, FIXTURE.ints.copysign_int as Ser, 0, 'copysign');
    expect(data(torch.tensor([1, 2]).isfinite()).map(Boolean)).toEqual([true, true]);
    expect(torch.tensor([1, 2]).isfinite().dtype).toBe(torch.bool);
    expect(torch.hypot(torch.tensor([3]), torch.tensor([4], { dtype: torch.float64 })).dtype.name).toBe(FIXTURE.ints.hypot_dtype);
    expect(() => torch.fmod(torch.tensor([1]), torch.tensor([0]))).toThrow('ZeroDivisionError');
    expect(() => torch.tensor([1, 2]).frac()).toThrow("not implemented for 'Long'");
  });
});

describe('isclose, allclose, equal', () => {
  const a = torch.tensor(FIXTURE.isclose.a.map(decode) as number[], { dtype: torch.float64 });
  const b = torch.tensor(FIXTURE.isclose.b.map(decode) as number[], { dtype: torch.float64 });
  it('isclose with the default and with loose tolerances and equalNan', () => {
    expectClose(torch.isclose(a, b), FIXTURE.isclose.default, 0, 'default');
    expectClose(a.isclose(b, 0.2, 0, true), FIXTURE.isclose.loose_nan, 0, 'positional');
    expectClose(a.isclose(b, { rtol: 0.2, atol: 0, equalNan: true }), FIXTURE.isclose.loose_nan, 0, 'options');
  });
  it('allclose and equal give booleans', () => {
    const x = torch.tensor([1, 2, 3.5]);
    expect(torch.allclose(x, x.add(1e-7))).toBe(true);
    expect(torch.allclose(x, x.add(1e-3))).toBe(false);
    expect(torch.allclose(torch.tensor([NaN]), torch.tensor([NaN]))).toBe(false);
    expect(torch.allclose(torch.tensor([NaN]), torch.tensor([NaN]), { equalNan: true })).toBe(true);
    expect(torch.equal(x, x.clone())).toBe(true);
    expect(torch.equal(x, x.add(1e-7))).toBe(false);
    expect(torch.equal(x, x.reshape([3, 1]))).toBe(false);
    expect(torch.equal(torch.tensor([NaN]), torch.tensor([NaN]))).toBe(false);
  });
  it('refuses mismatched dtypes and negative tolerances, as PyTorch', () => {
    expect(() => torch.isclose(torch.tensor([1]), torch.tensor([1], { dtype: torch.float32 }))).toThrow('Long did not match Float');
    expect(() => torch.isclose(a, b, -1)).toThrow('rtol must be greater than or equal to zero');
    expect(() => torch.lerp(torch.zeros([2]), torch.zeros([2], { dtype: torch.float64 }), 0.5)).toThrow(
      'expected dtype float for `end` but got dtype double',
    );
  });
});

describe('in-place forms', () => {
  it('unary in-place ops write into the tensor and bump its version', () => {
    const x = torch.tensor([0.5, -1, 2], { dtype: torch.float64 });
    const expected = x.sigmoid();
    const same = x.sigmoid_();
    expect(same).toBe(x);
    expect(data(x)).toEqual(data(expected));
    for (const [name, ref] of [['tan_', 'tan'], ['exp_', 'exp'], ['atan_', 'atan'], ['tanh_', 'tanh'], ['log2_', 'log2'], ['frac_', 'frac']] as const) {
      const t = torch.tensor([0.25, 0.5, 0.75], { dtype: torch.float64 });
      const want = data((t as unknown as Record<string, () => Tensor>)[ref]());
      (t as unknown as Record<string, () => Tensor>)[name]();
      expect(data(t), name).toEqual(want);
    }
  });
  it('refuses a float result into an integer tensor, with PyTorch message', () => {
    expect(() => torch.tensor([1, 2]).sin_()).toThrow("result type Float can't be cast to the desired output type Long");
    expect(() => torch.tensor([1, 2]).sqrt_()).toThrow("can't be cast");
  });
  it('binary and ternary in-place ops match the out-of-place results', () => {
    const a = torch.tensor([1, -2, 3], { dtype: torch.float64 });
    const b = torch.tensor([0.5, 4, -1], { dtype: torch.float64 });
    const checks: [string, () => Tensor, () => Tensor][] = [
      ['hypot_', () => a.clone().hypot_(b), () => a.hypot(b)],
      ['atan2_', () => a.clone().atan2_(b), () => a.atan2(b)],
      ['fmod_', () => a.clone().fmod_(1.5), () => a.fmod(1.5)],
      ['copysign_', () => a.clone().copysign_(b), () => a.copysign(b)],
      ['lerp_', () => a.clone().lerp_(b, 0.25), () => a.lerp(b, 0.25)],
      ['addcmul_', () => a.clone().addcmul_(a, b, { value: 2 }), () => a.addcmul(a, b, { value: 2 })],
      ['addcdiv_', () => a.clone().addcdiv_(a, b, { value: 2 }), () => a.addcdiv(a, b, { value: 2 })],
      ['clampMin_', () => a.clone().clampMin_(0), () => a.clampMin(0)],
      ['clampMax_', () => a.clone().clampMax_(b), () => a.clampMax(b)],
      ['nanToNum_', () => torch.tensor([NaN, Infinity]).nanToNum_(0, 5), () => torch.tensor([NaN, Infinity]).nanToNum(0, 5)],
    ];
    for (const [name, inplace, ref] of checks) expect(data(inplace()), name).toEqual(data(ref()));
  });
  it('in-place on a tensor with history records the op and backpropagates', () => {
    const x = torch.tensor([0.5, -1, 2], { dtype: torch.float64, requiresGrad: true });
    const y = x.mul(2);
    y.tanh_();
    expect(y.gradFn!.name).toBe('TanhBackward0');
    y.sum().backward();
    const ref = x.detach().mul(2).tanh();
    const want = data(ref.mul(ref).rsub(1).mul(2));
    data(x.grad!).forEach((g, i) => expect(g as number).toBeCloseTo(want[i] as number, 12));
  });
  it('activations with inplace write into their input', () => {
    const x = torch.tensor([-1, 0.5, 7], { dtype: torch.float64 });
    expect(F.elu(x, 1.0, true)).toBe(x);
    expect(data(F.relu6(x, true))).toEqual([0, 0.5, 6]);
    const h = torch.tensor([-2, 0.5, 2]);
    F.hardtanh_(h);
    expect(data(h)).toEqual([-1, 0.5, 1]);
    const m = new nn.ELU(1.0, true);
    const z = torch.tensor([-1, 2], { dtype: torch.float64 });
    m(z);
    expect(data(z)[0]).toBeCloseTo(Math.expm1(-1), 14);
  });
});

describe('activation modules', () => {
  const build: Record<string, () => torch.nn.Module> = {
    'Softplus()': () => new nn.Softplus(),
    'Softplus(2, 10)': () => new nn.Softplus(2, 10),
    'ELU()': () => new nn.ELU(),
    'ELU(1.0, true)': () => new nn.ELU(1.0, true),
    'SELU()': () => new nn.SELU(),
    'SELU(true)': () => new nn.SELU(true),
    'CELU(2.0)': () => new nn.CELU(2.0),
    'Hardtanh()': () => new nn.Hardtanh(),
    'Hardtanh(-2, 2, true)': () => new nn.Hardtanh(-2, 2, true),
    'ReLU6()': () => new nn.ReLU6(),
    'ReLU6(true)': () => new nn.ReLU6(true),
    'Hardsigmoid()': () => new nn.Hardsigmoid(),
    'Hardswish(true)': () => new nn.Hardswish(true),
    'Mish()': () => new nn.Mish(),
    'LogSigmoid()': () => new nn.LogSigmoid(),
    'Softsign()': () => new nn.Softsign(),
    'Tanhshrink()': () => new nn.Tanhshrink(),
    'GLU()': () => new nn.GLU(),
    'GLU(1)': () => new nn.GLU(1),
    'PReLU()': () => new nn.PReLU(),
    'PReLU(3, 0.1)': () => new nn.PReLU(3, 0.1),
    'Hardshrink()': () => new nn.Hardshrink(),
    'Softshrink(0.25)': () => new nn.Softshrink(0.25),
    'Threshold(0.1, 20)': () => new nn.Threshold(0.1, 20),
    'Threshold(0.1, 20, true)': () => new nn.Threshold(0.1, 20, true),
    'ReLU(true)': () => new nn.ReLU(true),
  };
  for (const m of FIXTURE.modules) {
    it(`${m.name} prints and saves as PyTorch's`, () => {
      const mod = build[m.name]();
      expect(String(mod)).toBe(m.repr);
      const sd = mod.stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(m.stateDict));
      for (const [k, v] of Object.entries(m.stateDict)) {
        data(sd[k]).forEach((x, i) => expect(x as number).toBeCloseTo(v[i], 6));
      }
    });
  }
  it('PReLU learns a weight per channel', () => {
    const p = new nn.PReLU(2, 0.25, { dtype: torch.float64 });
    const x = torch.tensor([[[-1, 2], [-3, 4]]], { dtype: torch.float64 });
    p(x).sum().backward();
    expect(data(p.weight.grad!)).toEqual([-1, -3]);
    expect(() => p(torch.zeros([1, 3, 2], { dtype: torch.float64 }))).toThrow('Mismatch of parameter numbers and input channel size');
  });
  it('integer inputs: threshold and hardtanh keep the dtype, the others refuse it as PyTorch', () => {
    const t = torch.tensor([1, 5, -3]);
    const th = F.threshold(t, 1, 0);
    expect(th.dtype).toBe(torch.int64);
    expect(data(th).map(Number)).toEqual([0, 5, 0]);
    expect(data(F.hardtanh(t)).map(Number)).toEqual([1, 1, -1]);
    expect(data(F.relu6(t)).map(Number)).toEqual([1, 5, 0]);
    expect(F.threshold(torch.tensor([1, 2, 3], { dtype: torch.int32 }), 1.5, 0).dtype).toBe(torch.int32);
    expect(() => F.elu(t)).toThrow(`"elu_cpu" not implemented for 'Long'`);
    expect(() => F.selu(t)).toThrow(`"elu_cpu" not implemented for 'Long'`);
    expect(() => F.logsigmoid(t)).toThrow(`"log_sigmoid_cpu" not implemented for 'Long'`);
    expect(() => F.mish(t)).toThrow(`"mish_cpu" not implemented for 'Long'`);
    expect(() => F.glu(torch.tensor([1, 2]))).toThrow(`"glu_cpu" not implemented for 'Long'`);
    expect(() => F.prelu(torch.tensor([1, -2]), torch.tensor([1]))).toThrow(`"prelu_cpu" not implemented for 'Long'`);
  });
  it('non-contiguous and float16 inputs', () => {
    const base = torch.tensor([[-2, 0.5, 3], [1, -0.25, -4]], { dtype: torch.float64 });
    const a = base.clone().requiresGrad_();
    const b = base.t().contiguous().requiresGrad_();
    F.elu(a.t(), 0.5).mul(torch.tensor([[1, 2], [3, 4], [5, 6]], { dtype: torch.float64 })).sum().backward();
    F.elu(b, 0.5).mul(torch.tensor([[1, 2], [3, 4], [5, 6]], { dtype: torch.float64 })).sum().backward();
    expect(data(a.grad!.t().contiguous())).toEqual(data(b.grad!));
    const empty = torch.zeros([0, 3], { dtype: torch.float64, requiresGrad: true });
    F.mish(empty).sum().backward();
    expect(empty.grad!.shape).toEqual([0, 3]);
    const h = torch.tensor([-1, 0.5, 2], { dtype: torch.float16, requiresGrad: true });
    const y = F.softplus(h);
    expect(y.dtype).toBe(torch.float16);
    y.sum().backward();
    expect(h.grad!.dtype).toBe(torch.float16);
    data(h.grad!).forEach((g, i) => expect(g as number).toBeCloseTo(1 / (1 + Math.exp(-[-1, 0.5, 2][i])), 2));
  });
  it('in-place and top-level forms, as torch.selu_ / torch.celu_ / x.hardshrink', () => {
    const x = torch.tensor([-1, 2], { dtype: torch.float64 });
    const ref = F.selu(x);
    expect(torch.selu_(x)).toBe(x);
    expect(data(x)).toEqual(data(ref));
    const c = torch.tensor([-1, 2], { dtype: torch.float64 });
    F.celu_(c, 2);
    expect(data(c)[0]).toBeCloseTo(2 * Math.expm1(-0.5), 14);
    expect(data(torch.tensor([0.3, -0.7]).hardshrink(0.5))).toEqual(data(torch.tensor([0, -0.7])));
    expect(data(torch.tensor([[-1, 2.5]]).prelu(torch.tensor([0.5])))).toEqual([-0.5, 2.5]);
    expect(() => torch.lerp(torch.tensor([1, 2]), torch.tensor([3, 4]), 0.5)).toThrow(`"lerp_kernel_scalar" not implemented for 'Long'`);
    const a = torch.tensor([1, -2], { dtype: torch.float64 });
    const sign = torch.tensor([-1, 1], { dtype: torch.float64, requiresGrad: true });
    const cs = a.copysign(sign);
    expect(cs.gradFn!.name).toBe('CopysignBackward0');
    cs.sum().backward();
    expect(data(sign.grad!)).toEqual([0, 0]);
  });
  it('argument errors', () => {
    expect(() => F.glu(torch.zeros([2, 3]))).toThrow('Halving dimension must be even, but dimension 1 is size 3');
    expect(() => F.softshrink(torch.zeros([2]), -1)).toThrow('lambda must be greater or equal to 0');
    expect(() => F.elu(torch.zeros([2]), 'a' as unknown as number)).toThrow(TypeError);
    expect(() => new nn.Hardtanh(1, -1)).toThrow('must be greater than');
  });
});

describe('finite differences (float64)', () => {
  const fns: [string, (t: Tensor) => Tensor, number[]][] = [
    ['tan', (t) => t.tan(), [0.3, -1.1, 0.7]],
    ['asin', (t) => t.asin(), [0.3, -0.8, 0.1]],
    ['acosh', (t) => t.acosh(), [1.3, 2, 5]],
    ['atanh', (t) => t.atanh(), [0.3, -0.8, 0.1]],
    ['softplus', (t) => F.softplus(t, 2, 20), [0.3, -1.1, 4]],
    ['elu', (t) => F.elu(t, 0.7), [0.3, -1.1, 4]],
    ['selu', (t) => F.selu(t), [0.3, -1.1, 4]],
    ['celu', (t) => F.celu(t, 1.5), [0.3, -1.1, 4]],
    ['mish', (t) => F.mish(t), [0.3, -1.1, 4]],
    ['logsigmoid', (t) => F.logsigmoid(t), [0.3, -1.1, 4]],
    ['hardswish', (t) => F.hardswish(t), [0.3, -1.1, 4, -3.5]],
    ['hardsigmoid', (t) => F.hardsigmoid(t), [0.3, -1.1, 4]],
    ['logaddexp', (t) => t.logaddexp(t.mul(-2)), [0.3, -1.1, 4]],
    ['hypot', (t) => t.hypot(t.add(1)), [0.3, -1.1, 4]],
  ];
  for (const [name, fn, xs] of fns) {
    it(name, () => {
      const x = torch.tensor(xs, { dtype: torch.float64, requiresGrad: true });
      fn(x).sum().backward();
      const analytic = data(x.grad!) as number[];
      xs.forEach((v, i) => {
        const h = 1e-6;
        const at = (d: number) => (data(fn(torch.tensor(xs.map((u, j) => (j === i ? u + d : u)), { dtype: torch.float64 })).sum())[0] as number);
        expect(analytic[i], `${name} at ${v}`).toBeCloseTo((at(h) - at(-h)) / (2 * h), 6);
      });
    });
  }
  it('createGraph: the activations are differentiable twice (second derivative by finite differences)', () => {
    const second: [string, (t: Tensor) => Tensor][] = [
      ['softplus', (t) => F.softplus(t, 2, 20)], ['elu', (t) => F.elu(t, 0.7)], ['selu', (t) => F.selu(t)],
      ['celu', (t) => F.celu(t, 1.5)], ['mish', (t) => F.mish(t)], ['logsigmoid', (t) => F.logsigmoid(t)],
      ['hardswish', (t) => F.hardswish(t)],
    ];
    const xs = [0.3, -1.1, 2.5];
    for (const [name, fn] of second) {
      const x = torch.tensor(xs, { dtype: torch.float64, requiresGrad: true });
      const [g] = torch.autograd.grad([fn(x).sum()], [x], { createGraph: true });
      // the first derivative, from the kernel and from the composition, agree
      const first = torch.tensor(xs, { dtype: torch.float64, requiresGrad: true });
      fn(first).sum().backward();
      data(g!).forEach((v, i) => expect(v as number, `${name} first derivative`).toBeCloseTo(data(first.grad!)[i] as number, 12));
      const [gg] = torch.autograd.grad([g!.sum()], [x]);
      const d1 = (u: number[]) => {
        const t = torch.tensor(u, { dtype: torch.float64, requiresGrad: true });
        fn(t).sum().backward();
        return data(t.grad!) as number[];
      };
      const h = 1e-6;
      xs.forEach((v, i) => {
        const fd = (d1(xs.map((u, j) => (j === i ? u + h : u)))[i] - d1(xs.map((u, j) => (j === i ? u - h : u)))[i]) / (2 * h);
        expect(data(gg!)[i] as number, `${name}'' at ${v}`).toBeCloseTo(fd, 5);
      });
    }
  });
});

describe('temporaries', () => {
  const storages = () => torch.memoryStats().cpu.storages;
  it('composed forwards leave only their output alive (no grad)', () => {
    const x = torch.tensor([NaN, Infinity, -1, 2, 0.5, -Infinity], { dtype: torch.float64 });
    const y = torch.tensor([1, 2, 3, 4, 5, 6], { dtype: torch.float64 });
    const w = torch.tensor([0.25, 0.75, 0.5, 0.1, 0.9, 0.3], { dtype: torch.float64 });
    const slopes = torch.tensor([0.1, 0.2, 0.3], { dtype: torch.float64 });
    const ops: [string, () => unknown][] = [
      ['nanToNum', () => x.nanToNum()],
      ['isinf', () => x.isinf()],
      ['isfinite', () => x.isfinite()],
      ['lerp', () => y.lerp(x, w)],
      ['addcmul', () => y.addcmul(x, w)],
      ['addcdiv', () => y.addcdiv(x, w)],
      ['clampMin tensor', () => y.clampMin(w)],
      ['glu', () => F.glu(y)],
      ['prelu', () => F.prelu(y.reshape([2, 3]), slopes)],
      ['isclose', () => x.isclose(y)],
    ];
    for (const [name, op] of ops) {
      const before = storagesAfterCollection();
      const out = op() as Tensor;
      expect(storages(), name).toBe(before + 1);
      out.dispose();
      expect(storages(), name).toBe(before);
    }
    const before = storagesAfterCollection();
    expect(torch.allclose(x, y)).toBe(false);
    expect(torch.equal(y, y)).toBe(true);
    expect(storages()).toBe(before);
  });
});
