// torch.nn.init: values against PyTorch (tests/fixtures/init.json, written by
// scripts/make_init_fixtures.py with the same seeds), distributions on large tensors,
// PyTorch's error messages, and the options-object form.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import * as init from '../src/nn/init.js';

interface InitCase {
  name: string;
  seed: number;
  shape: number[];
  dtype: 'float32' | 'float64';
  data: number[];
}
interface InitFixtures {
  torch: string;
  cases: InitCase[];
  gains: { args: [init.Nonlinearity, number?]; gain: number }[];
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
}

const fixtures: InitFixtures = JSON.parse(readFileSync(new URL('./fixtures/init.json', import.meta.url), 'utf8'));

// tol 0: bit for bit (flint's generator is PyTorch's, including the FMA that PyTorch's
// build uses in float32 uniform_).
// trunc_normal's erfinv and orthogonal's QR run in JS float64, PyTorch's in the
// tensor's dtype (PyTorch's float64 erfinv is itself only ~1e-9 accurate near ±1).
const table: Record<string, { fn: (w: Tensor) => Tensor; tol: number }> = {
  uniform_default: { fn: (w) => init.uniform_(w), tol: 0 },
  uniform_ab: { fn: (w) => init.uniform_(w, -3, 2), tol: 0 },
  uniform_float64: { fn: (w) => init.uniform_(w, -0.5, 0.5), tol: 0 },
  normal_default: { fn: (w) => init.normal_(w), tol: 0 },
  normal_small_serial: { fn: (w) => init.normal_(w, 1, 0.5), tol: 0 },
  normal_large_tail: { fn: (w) => init.normal_(w, 0, 0.01), tol: 0 },
  normal_float64: { fn: (w) => init.normal_(w, -1, 2), tol: 0 },
  constant: { fn: (w) => init.constant_(w, 0.3), tol: 0 },
  ones: { fn: (w) => init.ones_(w), tol: 0 },
  zeros: { fn: (w) => init.zeros_(w), tol: 0 },
  eye_wide: { fn: (w) => init.eye_(w), tol: 0 },
  eye_tall: { fn: (w) => init.eye_(w), tol: 0 },
  dirac_3d: { fn: (w) => init.dirac_(w), tol: 0 },
  dirac_4d: { fn: (w) => init.dirac_(w), tol: 0 },
  dirac_5d: { fn: (w) => init.dirac_(w), tol: 0 },
  dirac_groups: { fn: (w) => init.dirac_(w, 3), tol: 0 },
  xavier_uniform: { fn: (w) => init.xavierUniform_(w), tol: 0 },
  xavier_uniform_conv_gain: { fn: (w) => init.xavierUniform_(w, 2.0), tol: 0 },
  xavier_normal: { fn: (w) => init.xavierNormal_(w), tol: 0 },
  xavier_normal_conv_relu: { fn: (w) => init.xavierNormal_(w, init.calculateGain('relu')), tol: 0 },
  kaiming_uniform_default: { fn: (w) => init.kaimingUniform_(w), tol: 0 },
  kaiming_uniform_linear: { fn: (w) => init.kaimingUniform_(w, Math.sqrt(5)), tol: 0 },
  kaiming_uniform_conv_sqrt5: { fn: (w) => init.kaimingUniform_(w, Math.sqrt(5)), tol: 0 },
  kaiming_uniform_fan_out_relu: { fn: (w) => init.kaimingUniform_(w, 0, 'fan_out', 'relu'), tol: 0 },
  kaiming_normal_default: { fn: (w) => init.kaimingNormal_(w), tol: 0 },
  kaiming_normal_fan_out_relu: { fn: (w) => init.kaimingNormal_(w, 0, 'fan_out', 'relu'), tol: 0 },
  kaiming_normal_leaky: { fn: (w) => init.kaimingNormal_(w, 0.2, 'fan_in', 'leaky_relu'), tol: 0 },
  trunc_normal_default: { fn: (w) => init.truncNormal_(w), tol: 1e-5 },
  trunc_normal_bounds: { fn: (w) => init.truncNormal_(w, 0.5, 0.3, 0, 1), tol: 1e-5 },
  trunc_normal_std002: { fn: (w) => init.truncNormal_(w, 0, 0.02), tol: 1e-6 },
  trunc_normal_float64_wide: { fn: (w) => init.truncNormal_(w, 0, 1, -6, 6), tol: 1e-12 },
  orthogonal_tall: { fn: (w) => init.orthogonal_(w), tol: 1e-5 },
  orthogonal_wide: { fn: (w) => init.orthogonal_(w), tol: 1e-5 },
  orthogonal_3d: { fn: (w) => init.orthogonal_(w), tol: 1e-5 },
  orthogonal_square_gain: { fn: (w) => init.orthogonal_(w, 2.0), tol: 1e-5 },
  orthogonal_float64_tall: { fn: (w) => init.orthogonal_(w), tol: 1e-12 },
  orthogonal_float64_wide: { fn: (w) => init.orthogonal_(w), tol: 1e-12 },
  sparse: { fn: (w) => init.sparse_(w, 0.3), tol: 0 },
  sparse_std: { fn: (w) => init.sparse_(w, 0.5, 0.1), tol: 0 },
  sparse_one_row: { fn: (w) => init.sparse_(w, 0.5), tol: 0 },
  sparse_large: { fn: (w) => init.sparse_(w, 0.25, 1.0), tol: 0 },
  sparse_zero_consumes_draws: { fn: (w) => (init.sparse_(torch.empty(6, 3), 0), init.uniform_(w)), tol: 0 },
};

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array | Float64Array);

function expectClose(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  if (tol === 0) {
    expect(actual).toEqual(expected);
    return;
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

function seeded(seed: number, shape: number[], fn: (w: Tensor) => Tensor, dtype = torch.float32): Tensor {
  torch.manualSeed(seed);
  return fn(torch.empty(shape, { dtype }));
}

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = values(t);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)), min, max };
}

describe('nn.init against PyTorch', () => {
  it('has a flint call for every fixture case and a fixture for every call', () => {
    expect(fixtures.cases.map((c) => c.name).sort()).toEqual(Object.keys(table).sort());
  });

  for (const c of fixtures.cases) {
    it(c.name, () => {
      const entry = table[c.name];
      torch.manualSeed(c.seed);
      const w = torch.empty(c.shape, { dtype: c.dtype });
      const out = entry.fn(w);
      expect(out).toBe(w);
      expect(w.shape).toEqual(c.shape);
      expect(w.dtype.name).toBe(c.dtype);
      expectClose(values(w), c.data, entry.tol);
    });
  }

  it('calculateGain for every nonlinearity', () => {
    for (const { args, gain } of fixtures.gains) {
      expect(init.calculateGain(args[0], args[1]), args.join(',')).toBe(gain);
    }
  });

  it('calculateFanInAndFanOut', () => {
    for (const { shape, fanIn, fanOut } of fixtures.fans) {
      expect(init.calculateFanInAndFanOut(torch.empty(shape))).toEqual([fanIn, fanOut]);
    }
  });

  it('works on a parameter (a leaf that requires grad) without recording history', () => {
    const fixture = fixtures.cases.find((c) => c.name === 'kaiming_uniform_linear')!;
    torch.manualSeed(fixture.seed);
    const w = torch.empty(fixture.shape, { requiresGrad: true });
    init.kaimingUniform_(w, Math.sqrt(5));
    expectClose(values(w), fixture.data, 0);
    const all: ((p: Tensor) => Tensor)[] = [
      (p) => init.uniform_(p), (p) => init.normal_(p), (p) => init.constant_(p, 2), init.ones_, init.zeros_,
      init.eye_, init.xavierUniform_, init.xavierNormal_, init.kaimingUniform_, init.kaimingNormal_,
      init.truncNormal_, init.orthogonal_, (p) => init.sparse_(p, 0.5),
    ];
    for (const fn of all) {
      const p = torch.empty(4, 3, { requiresGrad: true });
      fn(p);
      expect(p.requiresGrad).toBe(true);
      expect(p.gradFn).toBeNull();
      expect(p.isLeaf).toBe(true);
    }
    const d = torch.empty(2, 2, 3, { requiresGrad: true });
    init.dirac_(d);
    expect(d.gradFn).toBeNull();
    expect(torch.isGradEnabled()).toBe(true);
  });
});

describe('nn.init distributions', () => {
  const N = 512;

  it('uniform_ and normal_', () => {
    const u = stats(seeded(1, [N, N], (w) => init.uniform_(w, -2, 3)));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(u.min).toBeLessThan(-1.99);
    expect(u.max).toBeGreaterThan(2.99);
    expect(u.mean).toBeCloseTo(0.5, 2);
    expect(u.std / (5 / Math.sqrt(12))).toBeCloseTo(1, 2);
    const n = stats(seeded(2, [N, N], (w) => init.normal_(w, 1, 0.5)));
    expect(n.mean).toBeCloseTo(1, 2);
    expect(n.std / 0.5).toBeCloseTo(1, 2);
  });

  it('xavierUniform_ and xavierNormal_', () => {
    const bound = 1.5 * Math.sqrt(6 / (N + 256));
    const u = stats(seeded(3, [N, 256], (w) => init.xavierUniform_(w, 1.5)));
    expect(Math.max(-u.min, u.max)).toBeLessThanOrEqual(bound);
    expect(Math.max(-u.min, u.max)).toBeGreaterThan(0.999 * bound);
    expect(u.mean / bound).toBeCloseTo(0, 2);
    expect(u.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 2);
    // conv weight: fan_in = 32·9, fan_out = 64·9
    const n = stats(seeded(4, [64, 32, 3, 3], (w) => init.xavierNormal_(w)));
    const std = Math.sqrt(2 / (288 + 576));
    expect(n.mean / std).toBeCloseTo(0, 1);
    expect(n.std / std).toBeCloseTo(1, 2);
  });

  for (const mode of ['fan_in', 'fan_out'] as const) {
    for (const [a, nonlinearity] of [[0, 'relu'], [Math.sqrt(5), 'leaky_relu']] as const) {
      it(`kaimingUniform_ and kaimingNormal_ (${mode}, ${nonlinearity})`, () => {
        const shape = [256, 128, 3, 3];
        const fan = mode === 'fan_in' ? 128 * 9 : 256 * 9;
        const std = Math.sqrt(2 / (1 + (nonlinearity === 'relu' ? 0 : a * a))) / Math.sqrt(fan);
        const bound = Math.sqrt(3) * std;
        const u = stats(seeded(5, shape, (w) => init.kaimingUniform_(w, a, mode, nonlinearity)));
        expect(Math.max(-u.min, u.max)).toBeLessThanOrEqual(bound);
        expect(Math.max(-u.min, u.max)).toBeGreaterThan(0.999 * bound);
        expect(u.std / std).toBeCloseTo(1, 2);
        const n = stats(seeded(6, shape, (w) => init.kaimingNormal_(w, a, mode, nonlinearity)));
        expect(n.mean / std).toBeCloseTo(0, 1);
        expect(n.std / std).toBeCloseTo(1, 2);
      });
    }
  }

  it('kaiming with a = √5 is nn.Linear\'s U(±1/√fan_in)', () => {
    const u = stats(seeded(7, [N, 100], (w) => init.kaimingUniform_(w, Math.sqrt(5))));
    expect(Math.max(-u.min, u.max)).toBeLessThanOrEqual(1 / Math.sqrt(100) + 1e-7);
    expect(Math.max(-u.min, u.max)).toBeGreaterThan(0.999 / Math.sqrt(100));
  });

  it('truncNormal_ stays in [a, b] with the truncated distribution\'s std', () => {
    // N(0, 1) cut at ±2: variance 1 - 2·2·φ(2)/(2Φ(2) - 1)
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const truncStd = Math.sqrt(1 - (4 * phi2) / 0.9544997361036416);
    const t = stats(seeded(8, [N, N], (w) => init.truncNormal_(w)));
    expect(t.min).toBeGreaterThanOrEqual(-2);
    expect(t.max).toBeLessThanOrEqual(2);
    expect(t.min).toBeLessThan(-1.99);
    expect(t.mean).toBeCloseTo(0, 2);
    expect(t.std / truncStd).toBeCloseTo(1, 2);
    const s = stats(seeded(9, [N, N], (w) => init.truncNormal_(w, { std: 0.02, a: -0.04, b: 0.04 })));
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(0.04 + 1e-9);
    expect(s.std / (0.02 * truncStd)).toBeCloseTo(1, 2);
    const b = stats(seeded(10, [N, N], (w) => init.truncNormal_(w, 0.5, 0.3, 0, 1)));
    expect(b.min).toBeGreaterThanOrEqual(0);
    expect(b.max).toBeLessThanOrEqual(1);
    expect(b.mean).toBeCloseTo(0.5, 2);
  });

  it('truncNormal_ is accurate far in the tail (float64, erfinv near 1)', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    // N(0, 1) restricted to [5, 6]: mean 5.183147090477173, std 0.17161710511625308 (mpmath)
    const t = stats(seeded(11, [N, N], (w) => init.truncNormal_(w, 0, 1, 5, 6), torch.float64));
    expect(spy).toHaveBeenCalledWith(
      'mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.',
    );
    spy.mockRestore();
    expect(t.min).toBeGreaterThanOrEqual(5);
    expect(t.max).toBeLessThanOrEqual(6);
    expect(Math.abs(t.mean - 5.183147090477173)).toBeLessThan((4 * 0.1716) / N); // 4 standard errors
    expect(t.std / 0.17161710511625308).toBeCloseTo(1, 2);
  });

  it('orthogonal_ gives orthonormal rows or columns, times gain', () => {
    const eyeClose = (m: Tensor, scale: number) => {
      const n = m.shape[0];
      const d = values(m.sub(torch.eye(n).mul(scale)).abs().max());
      expect(d[0]).toBeLessThan(1e-4);
    };
    const tall = seeded(11, [64, 32], (w) => init.orthogonal_(w, 2));
    eyeClose(tall.t().matmul(tall), 4);
    const wide = seeded(12, [32, 64], (w) => init.orthogonal_(w));
    eyeClose(wide.matmul(wide.t()), 1);
    const conv = seeded(13, [16, 4, 3, 3], (w) => init.orthogonal_(w)).view(16, 36);
    eyeClose(conv.matmul(conv.t()), 1);
    // a transposed view is written through its strides
    const base = torch.empty(20, 30);
    const view = base.t();
    init.orthogonal_(view);
    eyeClose(view.t().matmul(view), 1);
    eyeClose(base.matmul(base.t()), 1);
  });

  it('sparse_ zeroes exactly ceil(sparsity·rows) entries of each column', () => {
    const rows = 100;
    const cols = 64;
    const w = seeded(14, [rows, cols], (t) => init.sparse_(t, 0.15, 0.5));
    const v = values(w);
    const nonzero: number[] = [];
    for (let c = 0; c < cols; c++) {
      let zeros = 0;
      for (let r = 0; r < rows; r++) {
        if (v[r * cols + c] === 0) zeros++;
        else nonzero.push(v[r * cols + c]);
      }
      expect(zeros).toBe(15);
    }
    const std = Math.sqrt(nonzero.reduce((s, x) => s + x * x, 0) / nonzero.length);
    expect(std / 0.5).toBeCloseTo(1, 1);
    const all = values(seeded(15, [10, 3], (t) => init.sparse_(t, 1)));
    expect(all.every((x) => x === 0)).toBe(true);
  });

  it('the custom init of the seed chapter: |w| ≥ 5 or 0', () => {
    torch.manualSeed(16);
    const w = torch.empty([N, 16], { requiresGrad: true });
    init.uniform_(w, -10, 10);
    w.data.mul_(w.data.abs().ge(5));
    const v = values(w);
    expect(v.every((x) => x === 0 || Math.abs(x) >= 5)).toBe(true);
    const zeros = v.filter((x) => x === 0).length / v.length;
    expect(zeros).toBeGreaterThan(0.45);
    expect(zeros).toBeLessThan(0.55);
    expect(w.gradFn).toBeNull();
  });
});

describe('nn.init errors', () => {
  it('uses PyTorch\'s messages', () => {
    const fans = 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions';
    expect(() => init.calculateFanInAndFanOut(torch.empty(3))).toThrow(fans);
    expect(() => init.xavierUniform_(torch.empty(3))).toThrow(fans);
    expect(() => init.kaimingNormal_(torch.empty(3))).toThrow(fans);
    expect(() => init.calculateGain('foo' as init.Nonlinearity)).toThrow('Unsupported nonlinearity foo');
    expect(() => init.calculateGain('leaky_relu', 'x' as unknown as number)).toThrow('negative_slope x not a valid number');
    expect(() => init.kaimingUniform_(torch.empty(3, 4), 0, 'fan_avg' as init.FanMode)).toThrow(
      "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']",
    );
    expect(() => init.kaimingNormal_(torch.empty(3, 4), { mode: 'fan_avg' as init.FanMode })).toThrow(/^Mode fan_avg not supported/);
    expect(() => init.eye_(torch.empty(2, 3, 4))).toThrow('Only tensors with 2 dimensions are supported');
    expect(() => init.dirac_(torch.empty(3, 3))).toThrow('Only tensors with 3, 4, or 5 dimensions are supported');
    expect(() => init.dirac_(torch.empty(3, 3, 3, 3, 3, 3))).toThrow('Only tensors with 3, 4, or 5 dimensions are supported');
    expect(() => init.dirac_(torch.empty(5, 2, 3), 2)).toThrow('dim 0 must be divisible by groups');
    expect(() => init.orthogonal_(torch.empty(4))).toThrow('Only tensors with 2 or more dimensions are supported');
    expect(() => init.sparse_(torch.empty(2, 3, 4), 0.1)).toThrow('Only tensors with 2 dimensions are supported');
  });

  it('rejects unknown option names as Python rejects unknown keywords', () => {
    expect(() => init.normal_(torch.empty(2, 2), { sd: 1 } as never)).toThrow(TypeError);
    expect(() => init.normal_(torch.empty(2, 2), { sd: 1 } as never)).toThrow("normal_() got an unexpected option 'sd' (expected one of: mean, std)");
  });

  it('mode is case-insensitive and a zero-element tensor is a no-op for kaiming, as in PyTorch', () => {
    const upper = values(seeded(1, [6, 5], (w) => init.kaimingUniform_(w, 0, 'FAN_OUT' as init.FanMode)));
    const lower = values(seeded(1, [6, 5], (w) => init.kaimingUniform_(w, 0, 'fan_out')));
    expect(upper).toEqual(lower);
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const empty = torch.empty(0, 3);
    expect(init.kaimingNormal_(empty)).toBe(empty);
    expect(spy).toHaveBeenCalledWith('Initializing zero-element tensors is a no-op');
    spy.mockRestore();
  });
});

describe('nn.init options objects', () => {
  const same = (shape: number[], positional: (w: Tensor) => Tensor, options: (w: Tensor) => Tensor) => {
    expect(values(seeded(21, shape, options))).toEqual(values(seeded(21, shape, positional)));
  };

  it('give the same values as positional arguments', () => {
    same([5, 4], (w) => init.uniform_(w, -1, 2), (w) => init.uniform_(w, { a: -1, b: 2 }));
    same([5, 4], (w) => init.uniform_(w, 0, 2), (w) => init.uniform_(w, { b: 2 }));
    same([5, 4], (w) => init.normal_(w, 0, 0.01), (w) => init.normal_(w, { mean: 0, std: 0.01 }));
    same([5, 4], (w) => init.normal_(w, 0, 0.01), (w) => init.normal_(w, { std: 0.01 }));
    same([5, 4], (w) => init.constant_(w, 0.3), (w) => init.constant_(w, { val: 0.3 }));
    same([6, 2, 3], (w) => init.dirac_(w, 3), (w) => init.dirac_(w, { groups: 3 }));
    same([5, 4], (w) => init.xavierUniform_(w, 2), (w) => init.xavierUniform_(w, { gain: 2 }));
    same([5, 4], (w) => init.xavierNormal_(w, 2), (w) => init.xavierNormal_(w, { gain: 2 }));
    same(
      [16, 8, 3],
      (w) => init.kaimingUniform_(w, Math.sqrt(5), 'fan_in', 'leaky_relu'),
      (w) => init.kaimingUniform_(w, { a: Math.sqrt(5), mode: 'fan_in', nonlinearity: 'leaky_relu' }),
    );
    same([16, 8], (w) => init.kaimingUniform_(w, 0, 'fan_out', 'relu'), (w) => init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' }));
    same([16, 8], (w) => init.kaimingNormal_(w, 0, 'fan_out', 'relu'), (w) => init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' }));
    same([16, 8], (w) => init.kaimingNormal_(w), (w) => init.kaimingNormal_(w, {}));
    same([9, 9], (w) => init.truncNormal_(w, 0.1, 0.02, -0.05, 0.2), (w) => init.truncNormal_(w, { mean: 0.1, std: 0.02, a: -0.05, b: 0.2 }));
    same([9, 9], (w) => init.truncNormal_(w, 0, 0.02), (w) => init.truncNormal_(w, { std: 0.02 }));
    same([6, 4], (w) => init.orthogonal_(w, 3), (w) => init.orthogonal_(w, { gain: 3 }));
    same([10, 4], (w) => init.sparse_(w, 0.3, 0.2), (w) => init.sparse_(w, 0.3, { std: 0.2 }));
    same([10, 4], (w) => init.sparse_(w, 0.3, 0.2), (w) => init.sparse_(w, { sparsity: 0.3, std: 0.2 }));
    expect(init.calculateGain('leaky_relu', { param: 0.2 })).toBe(init.calculateGain('leaky_relu', 0.2));
  });
});
