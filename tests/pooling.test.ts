/**
 * Pooling against PyTorch 1.13 (tests/fixtures/pooling.json, written by
 * scripts/make_pooling_fixtures.py): values, int64 indices, gradients and grad_fn names of
 * max, average, adaptive, unpooling and power pooling in 1-3 dims; module reprs; PyTorch's
 * error messages. Then float64 finite differences for every backward (and the double
 * backward), argument forms, and the native kernels' edges.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import * as call from '../src/native/calls.generated.js';
import { fresh } from '../src/native/meta.js';
import { fromHandle } from '../src/tensor/tensor.js';
import { expectClose, fromFixture, valuesOf, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { storagesAfterCollection } from './helpers/memory.js';

const { nn } = torch;
const F = nn.functional;

interface PoolCase {
  name: string;
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  input: FixtureTensor;
  indices?: FixtureTensor;
  outputs: FixtureTensor[];
  gradFn: string | null;
  grad: FixtureTensor | null;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/pooling.json', import.meta.url), 'utf8')) as {
  cases: PoolCase[];
  reprs: Record<string, string>;
  errors: Record<string, string>;
  doubleBackward: Record<string, string>;
};

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const FUNCTIONS = F as unknown as Record<string, (...args: unknown[]) => Tensor | [Tensor, Tensor]>;

/** The flint call of a case: F.<camelName>(input, [indices], ...args, { camelCased kwargs }). */
function runCase(c: PoolCase, x: Tensor): Tensor[] {
  const fn = FUNCTIONS[camel(c.fn)];
  expect(fn, `F.${camel(c.fn)}`).toBeTypeOf('function');
  const options = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [camel(k), v]));
  const lead = c.indices ? [x, fromFixture(c.indices)] : [x];
  const result = fn(...lead, ...c.args, ...(Object.keys(options).length ? [options] : []));
  return Array.isArray(result) ? result : [result];
}

describe('pooling matches PyTorch 1.13 (values, indices, gradients, grad_fn)', () => {
  for (const c of FIXTURE.cases) {
    it(c.name, () => {
      const x = fromFixture(c.input, { requiresGrad: c.grad !== null });
      const outs = runCase(c, x);
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectClose(o, c.outputs[i], { label: `output ${i}`, rtol: 1e-5, atol: 1e-5 }));
      if (c.grad === null) return;
      expect(outs[0].gradFn?.name).toBe(c.gradFn);
      const g = torch.linspace(-1, 2, outs[0].numel(), { dtype: outs[0].dtype }).reshape(outs[0].shape);
      outs[0].backward(g);
      expectClose(x.grad!, c.grad, { label: 'grad', rtol: 1e-5, atol: 1e-5 });
    });
  }
});

describe('max pooling without gradient (the values-only kernel) gives PyTorch 1.13 values', () => {
  // The cases above run with inputs that require grad, so they reach the kernel that
  // tracks indices; the same cases without grad reach the values-only kernel.
  const maxCases = FIXTURE.cases.filter((c) => /^max_pool/.test(c.fn) && !c.indices);
  it('covers the max-pooling cases', () => expect(maxCases.length).toBeGreaterThan(10));
  for (const c of maxCases) {
    it(c.name, () => {
      const x = fromFixture(c.input);
      const outs = runCase(c, x);
      expectClose(outs[0], c.outputs[0], { label: 'output', rtol: 1e-5, atol: 1e-5 });
    });
  }
  it('agrees with the indices kernel on random data with NaNs, padding, dilation and ceilMode, 1-d to 3-d', () => {
    torch.manualSeed(3);
    const settings: [number[], Record<string, unknown>][] = [
      [[2, 3, 17], { kernelSize: 3, stride: 2, padding: 1 }],
      [[2, 3, 13, 11], { kernelSize: [3, 2], stride: [2, 3], padding: [1, 1], dilation: [1, 2], ceilMode: true }],
      [[1, 2, 9, 10], { kernelSize: 3, stride: 1, padding: 1 }],
      [[1, 2, 5, 6, 7], { kernelSize: 2, stride: 2, ceilMode: true }],
      [[2, 2, 7, 8, 9], { kernelSize: 3, stride: [1, 2, 3], padding: 1, dilation: [2, 1, 1] }],
    ];
    for (const [shape, options] of settings) {
      const x = torch.randn(shape, { dtype: torch.float64 });
      x.view(-1).narrow(0, 3, 1).fill_(NaN);
      const fn = [F.maxPool1d, F.maxPool2d, F.maxPool3d][shape.length - 3] as (...a: unknown[]) => Tensor | [Tensor, Tensor];
      const values = fn(x, options) as Tensor;
      const [withIndices] = fn(x, { ...options, returnIndices: true }) as [Tensor, Tensor];
      expect(values.shape).toEqual(withIndices.shape);
      expect(values.isnan().tolist()).toEqual(withIndices.isnan().tolist());
      expect(values.nanToNum().tolist()).toEqual(withIndices.nanToNum().tolist());
    }
  });
});

describe('module reprs are PyTorch’s', () => {
  const build: Record<string, () => torch.nn.Module<unknown>> = {
    'MaxPool1d(2)': () => new nn.MaxPool1d(2),
    'MaxPool2d(3, 2, 1)': () => new nn.MaxPool2d(3, 2, 1),
    'MaxPool2d([3, 2], [1, 2])': () => new nn.MaxPool2d([3, 2], [1, 2]),
    'MaxPool2d(2, { ceilMode: true, returnIndices: true })': () => new nn.MaxPool2d(2, { ceilMode: true, returnIndices: true }),
    'MaxPool3d(2, { dilation: 2 })': () => new nn.MaxPool3d(2, { dilation: 2 }),
    'AvgPool1d(3)': () => new nn.AvgPool1d(3),
    'AvgPool1d(3, 2, 1, true, false)': () => new nn.AvgPool1d(3, 2, 1, true, false),
    'AvgPool2d(3, 2, 1)': () => new nn.AvgPool2d(3, 2, 1),
    'AvgPool2d([2, 3], { divisorOverride: 2 })': () => new nn.AvgPool2d([2, 3], { divisorOverride: 2 }),
    'AvgPool3d(2)': () => new nn.AvgPool3d(2),
    'AdaptiveAvgPool1d(3)': () => new nn.AdaptiveAvgPool1d(3),
    'AdaptiveAvgPool2d([1, 1])': () => new nn.AdaptiveAvgPool2d([1, 1]),
    'AdaptiveAvgPool2d(1)': () => new nn.AdaptiveAvgPool2d(1),
    'AdaptiveAvgPool2d([null, 3])': () => new nn.AdaptiveAvgPool2d([null, 3]),
    'AdaptiveAvgPool3d(2)': () => new nn.AdaptiveAvgPool3d(2),
    'AdaptiveMaxPool1d(2)': () => new nn.AdaptiveMaxPool1d(2),
    'AdaptiveMaxPool2d([2, null], true)': () => new nn.AdaptiveMaxPool2d([2, null], true),
    'MaxUnpool1d(2)': () => new nn.MaxUnpool1d(2),
    'MaxUnpool2d(2)': () => new nn.MaxUnpool2d(2),
    'MaxUnpool2d([2, 3], 1, 1)': () => new nn.MaxUnpool2d([2, 3], 1, 1),
    'LPPool1d(2, 3)': () => new nn.LPPool1d(2, 3),
    'LPPool2d(2, 3, 2, true)': () => new nn.LPPool2d(2, 3, 2, true),
    'LPPool2d(1.5, [2, 3])': () => new nn.LPPool2d(1.5, [2, 3]),
    Sequential: () => new nn.Sequential(new nn.MaxPool2d(3, 2, 1), new nn.AdaptiveAvgPool2d([1, 1])),
  };
  it('covers every fixture repr', () => expect(Object.keys(build).sort()).toEqual(Object.keys(FIXTURE.reprs).sort()));
  for (const [key, make] of Object.entries(build)) {
    it(key, () => expect(String(make())).toBe(FIXTURE.reprs[key]));
  }
  it('attributes keep PyTorch’s names and values', () => {
    const m = new nn.MaxPool2d(3, 2, 1);
    expect([m.kernelSize, m.stride, m.padding, m.dilation, m.returnIndices, m.ceilMode]).toEqual([3, 2, 1, 1, false, false]);
    const a = new nn.AvgPool2d(2, { countIncludePad: false });
    expect([a.kernelSize, a.stride, a.padding, a.ceilMode, a.countIncludePad, a.divisorOverride]).toEqual([2, 2, 0, false, false, null]);
    expect(new nn.AvgPool1d(3).kernelSize).toEqual([3]);
    expect(new nn.MaxUnpool2d(2).stride).toEqual([2, 2]);
    expect(new nn.LPPool2d(2, 3).stride).toBeNull();
  });
});

describe('errors are PyTorch’s', () => {
  const x = () => torch.randn([2, 3, 8, 8]);
  const pooled = () => F.maxPool2d(x(), 2, { returnIndices: true });
  const calls: Record<string, () => unknown> = {
    max2d_pad: () => F.maxPool2d(x(), 2, { padding: 2 }),
    max2d_pad_dilated: () => F.maxPool2d(x(), 3, { padding: 2, dilation: 2 }),
    max1d_pad: () => F.maxPool1d(x().select(0, 0), 2, { padding: 2 }),
    avg2d_pad: () => F.avgPool2d(x(), 2, { padding: 2 }),
    max2d_too_small: () => F.maxPool2d(x(), 10),
    max3d_too_small: () => F.maxPool3d(torch.randn([1, 2, 4, 4, 4]), 10),
    avg2d_too_small: () => F.avgPool2d(x(), 10),
    max2d_ndim: () => F.maxPool2d(torch.randn(8), 2),
    max1d_ndim: () => F.maxPool1d(torch.randn(8), 2),
    avg1d_ndim: () => F.avgPool1d(torch.randn(8), 2),
    max2d_stride0: () => F.maxPool2d(x(), 2, 0),
    max2d_dilation0: () => F.maxPool2d(x(), 2, { dilation: 0 }),
    max2d_kernel_len: () => F.maxPool2d(x(), [2, 2, 2]),
    avg2d_divisor0: () => F.avgPool2d(x(), 2, { divisorOverride: 0 }),
    max2d_empty_spatial: () => F.maxPool2d(torch.randn([2, 3, 0, 8]), 2),
    aavg2d_empty_spatial: () => F.adaptiveAvgPool2d(torch.randn([2, 3, 0, 8]), 2),
    aavg2d_ndim: () => F.adaptiveAvgPool2d(torch.randn(8), 2),
    aavg2d_size_len: () => F.adaptiveAvgPool2d(x(), [2, 2, 2]),
    aavg1d_ndim: () => F.adaptiveAvgPool1d(x(), 2),
    amax2d_ndim: () => F.adaptiveMaxPool2d(torch.randn(8), 2),
    aavg2d_negative: () => F.adaptiveAvgPool2d(x(), -1),
    max2d_long: () => F.maxPool2d(x().long(), 2),
    aavg2d_long: () => F.adaptiveAvgPool2d(x().long(), 2),
    unpool2d_output_size: () => {
      const [o, i] = pooled();
      return F.maxUnpool2d(o, i, 2, { outputSize: [3, 3] });
    },
    unpool2d_invalid_index: () => {
      const [o] = pooled();
      const bad = Array(2 * 3 * 4 * 4).fill(0);
      bad[70] = 70;
      return F.maxUnpool2d(o, torch.tensor(bad, { dtype: torch.int64 }).reshape([2, 3, 4, 4]), 2);
    },
    unpool2d_float_indices: () => {
      const [o, i] = pooled();
      return F.maxUnpool2d(o, i.float(), 2);
    },
    unpool2d_indices_shape: () => {
      const [o, i] = pooled();
      return F.maxUnpool2d(o, i.narrow(2, 0, 2), 2);
    },
    unpool2d_ndim: () => {
      const [o, i] = pooled();
      return F.maxUnpool2d(o.select(0, 0).select(0, 0), i.select(0, 0).select(0, 0), 2);
    },
  };
  it('covers every fixture error', () => expect(Object.keys(calls).sort()).toEqual(Object.keys(FIXTURE.errors).sort()));
  for (const [key, run] of Object.entries(calls)) {
    it(key, () => expect(run).toThrow(FIXTURE.errors[key]));
  }
  it('argument forms: a keyword given twice, an unknown option, a missing kernel size', () => {
    expect(() => F.maxPool2d(x(), 2, 2, { stride: 1 })).toThrow("max_pool2d() got multiple values for argument 'stride'");
    expect(() => F.maxPool2d(x(), 2, { strides: 1 } as never)).toThrow("max_pool2d() got an unexpected option 'strides'");
    expect(() => F.avgPool2d(x(), {})).toThrow("avg_pool2d() missing required argument 'kernelSize'");
    expect(() => F.maxPool2d(x(), 2.5)).toThrow(TypeError);
  });
});

describe('argument forms', () => {
  const x = torch.randn([2, 3, 9, 7]);
  it('positional and options forms agree', () => {
    const a = F.maxPool2d(x, 3, 2, 1, 1, true);
    const b = F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
    const c = F.maxPool2d(x, 3, { stride: [2, 2], padding: [1, 1], dilation: 1, ceilMode: true });
    expect(valuesOf(a)).toEqual(valuesOf(b));
    expect(valuesOf(a)).toEqual(valuesOf(c));
    const [y, idx] = F.maxPool2dWithIndices(x, 3, 2, 1);
    const [y2, idx2] = F.maxPool2d(x, 3, 2, 1, 1, false, true);
    expect(valuesOf(y)).toEqual(valuesOf(y2));
    expect(valuesOf(idx)).toEqual(valuesOf(idx2));
    expect(valuesOf(F.avgPool2d(x, 3, 2, 1, false, false))).toEqual(valuesOf(F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })));
  });
  it('torch.* forms: torch.adaptiveMaxPool1d returns indices, as PyTorch’s', () => {
    const v = torch.randn([2, 3, 10]);
    const [vals, idx] = torch.adaptiveMaxPool1d(v, 4);
    expect(vals.shape).toEqual([2, 3, 4]);
    expect(idx.dtype).toBe(torch.int64);
    expect(valuesOf(torch.maxPool1d(v, 2))).toEqual(valuesOf(F.maxPool1d(v, 2)));
    expect(valuesOf(torch.avgPool1d(v, 3))).toEqual(valuesOf(F.avgPool1d(v, 3)));
    expect(valuesOf(torch.adaptiveAvgPool1d(v, 3))).toEqual(valuesOf(F.adaptiveAvgPool1d(v, 3)));
    expect(torch.maxPool3d(torch.randn([1, 2, 4, 4, 4]), 2).shape).toEqual([1, 2, 2, 2, 2]);
  });
  it('strided, offset and float16 inputs', () => {
    const base = torch.randn([3, 2, 10, 9]);
    const view = base.transpose(2, 3).narrow(0, 1, 2);
    expectClose(F.maxPool2d(view, 2), F.maxPool2d(view.contiguous(), 2));
    expectClose(F.avgPool2d(view, 3, 1, 1), F.avgPool2d(view.contiguous(), 3, 1, 1));
    expectClose(F.adaptiveAvgPool2d(view, [3, 4]), F.adaptiveAvgPool2d(view.contiguous(), [3, 4]));
    const half = F.maxPool2d(base.half(), 2);
    expect(half.dtype).toBe(torch.float16);
    expectClose(half.float(), F.maxPool2d(base.half().float(), 2));
  });
  it('modules: MaxPool2d with indices feeds MaxUnpool2d; Sequential of pools', () => {
    const pool = new nn.MaxPool2d(2, { returnIndices: true });
    const unpool = new nn.MaxUnpool2d(2);
    const input = torch.randn([1, 2, 6, 8]);
    // Typed from returnIndices: a Tensor here would not compile.
    const [y, idx]: [Tensor, Tensor] = pool(input);
    const plain: Tensor = new nn.MaxPool2d(2)(input);
    const [, amaxIdx]: [Tensor, Tensor] = new nn.AdaptiveMaxPool2d(2, true)(input);
    expect(plain.shape).toEqual(y.shape);
    expect(amaxIdx.dtype).toBe(torch.int64);
    const back = unpool(y, idx);
    expect(back.shape).toEqual([1, 2, 6, 8]);
    // Every pooled max lands back where it came from; everything else is zero.
    expectClose(F.maxPool2d(back, 2), y);
    expect(valuesOf(back.ne(0).sum())).toEqual([y.numel()]);
    const net = new nn.Sequential(new nn.MaxPool2d(3, 2, 1), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d([1, 1]), new nn.Flatten());
    expect(net(torch.randn([4, 3, 16, 16])).shape).toEqual([4, 3]);
  });
});

describe('gradients by finite differences (float64)', () => {
  // Distinct values, so that no max window holds a tie a difference step could flip.
  const distinct = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return torch.randperm(n).to(torch.float64).div(n).add(torch.randn([n], { dtype: torch.float64 }).mul(1e-3)).reshape(shape);
  };
  const checks: Record<string, [(x: Tensor) => Tensor, number[]]> = {
    maxPool2d: [(x) => F.maxPool2d(x, 3, 2, 1), [1, 2, 5, 6]],
    maxPool2d_dilated_ceil: [(x) => F.maxPool2d(x, 2, { stride: 2, dilation: 2, ceilMode: true }), [1, 1, 7, 6]],
    maxPool1d: [(x) => F.maxPool1d(x, 3, 2, 1), [2, 2, 7]],
    maxPool3d: [(x) => F.maxPool3d(x, 2, { stride: 1 }), [1, 1, 3, 3, 4]],
    avgPool2d: [(x) => F.avgPool2d(x, 3, 2, 1, true, false), [1, 2, 5, 6]],
    avgPool2d_divisor: [(x) => F.avgPool2d(x, [2, 3], { padding: 1, divisorOverride: 4 }), [1, 1, 5, 6]],
    avgPool3d: [(x) => F.avgPool3d(x, 2, 1, 1), [1, 1, 3, 3, 4]],
    avgPool1d: [(x) => F.avgPool1d(x, 3, 2, 1, true), [2, 1, 8]],
    adaptiveAvgPool2d: [(x) => F.adaptiveAvgPool2d(x, [3, 4]), [1, 2, 5, 7]],
    adaptiveAvgPool3d: [(x) => F.adaptiveAvgPool3d(x, [2, 3, 2]), [1, 1, 3, 4, 5]],
    adaptiveMaxPool2d: [(x) => F.adaptiveMaxPool2d(x, [3, 2]), [1, 2, 5, 7]],
    adaptiveMaxPool1d: [(x) => F.adaptiveMaxPool1d(x, 3), [2, 2, 7]],
    lpPool2d: [(x) => F.lpPool2d(x.abs().add(0.5), 2, 2), [1, 2, 4, 6]],
    maxUnpool2d: [(x) => F.maxUnpool2d(x, torch.tensor([[[[0, 3], [9, 14]]]]), 2, { outputSize: [4, 4] }), [1, 1, 2, 2]],
  };
  for (const [name, [fn, shape]] of Object.entries(checks)) {
    it(name, () => {
      gradcheck(fn, [distinct(shape).requiresGrad_()], { eps: 1e-6, atol: 1e-5, rtol: 1e-4 });
    });
  }
  it('double backward: the gradient is differentiable in grad_output (max, average, adaptive)', () => {
    for (const pool of [(x: Tensor) => F.maxPool2d(x, 3, 2, 1), (x: Tensor) => F.avgPool2d(x, 3, 2, 1), (x: Tensor) => F.adaptiveAvgPool2d(x, [2, 3])]) {
      const x = distinct([1, 2, 5, 6]).requiresGrad_();
      const y = pool(x);
      // The gradient is linear in g: d/dg <grad(g), w> = pool's adjoint applied to w, i.e. pool(w) read at y's shape.
      gradcheck((g: Tensor) => torch.autograd.grad([y], [x], [g], { createGraph: true, retainGraph: true })[0]!, [distinct(y.shape).requiresGrad_()], {
        eps: 1e-6,
        atol: 1e-5,
        rtol: 1e-4,
      });
    }
  });
});

describe('the gradient’s own grad_fn (createGraph) is PyTorch’s', () => {
  const pools: Record<string, (t: Tensor) => Tensor> = {
    max_pool2d: (t) => F.maxPool2d(t, 2),
    avg_pool2d: (t) => F.avgPool2d(t, 2),
    adaptive_avg_pool2d: (t) => F.adaptiveAvgPool2d(t, 3),
    adaptive_max_pool2d: (t) => F.adaptiveMaxPool2d(t, 3),
    max_pool3d: (t) => F.maxPool3d(t, 2),
    avg_pool3d: (t) => F.avgPool3d(t, 2),
  };
  it('covers every fixture entry', () => expect(Object.keys(pools).sort()).toEqual(Object.keys(FIXTURE.doubleBackward).sort()));
  for (const [key, pool] of Object.entries(pools)) {
    it(key, () => {
      const x = torch.randn([1, 2, 6, 6]).requiresGrad_();
      const y = pool(x);
      const [gx] = torch.autograd.grad([y], [x], [torch.randn(y.shape).requiresGrad_()], { createGraph: true });
      expect(gx!.gradFn?.name).toBe(FIXTURE.doubleBackward[key]);
    });
  }
});

describe('the native kernels at their edges', () => {
  it('maxPoolBackward skips indices outside the plane instead of writing past it', () => {
    const g = torch.ones([1, 1, 1, 3]);
    const idx = torch.tensor([[[[-1, 2, 99]]]]);
    const handle = call.maxPoolBackward(fresh(torch.float32, [1, 1, 2, 2]), g, idx);
    expect(valuesOf(fromHandle(handle, [1, 1, 2, 2], torch.float32, torch.device('cpu')))).toEqual([0, 0, 1, 0]);
  });
  it('an empty batch pools to an empty result with an empty gradient', () => {
    const x = torch.randn([0, 3, 6, 6]).requiresGrad_();
    const y = F.maxPool2d(x, 2);
    expect(y.shape).toEqual([0, 3, 3, 3]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([0, 3, 6, 6]);
  });
  it('an adaptive size of 0 gives an empty output, as PyTorch', () => {
    expect(F.adaptiveAvgPool2d(torch.randn([2, 3, 4, 4]), 0).shape).toEqual([2, 3, 0, 0]);
  });
  it('float64 large planes: the ResNet stem and an overlapping average match a plain loop', () => {
    const [N, C, H, W] = [2, 4, 33, 31];
    const x = torch.randn([N, C, H, W], { dtype: torch.float64 });
    const v = valuesOf(x);
    const oh = Math.floor((H + 2 - 3) / 2) + 1;
    const ow = Math.floor((W + 2 - 3) / 2) + 1;
    const maxRef: number[] = [];
    const avgRef: number[] = [];
    for (let p = 0; p < N * C; p++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let m = -Infinity;
          let s = 0;
          for (let a = i * 2 - 1; a < i * 2 + 2; a++) {
            for (let b = j * 2 - 1; b < j * 2 + 2; b++) {
              if (a < 0 || b < 0 || a >= H || b >= W) continue;
              m = Math.max(m, v[p * H * W + a * W + b]);
              s += v[p * H * W + a * W + b];
            }
          }
          maxRef.push(m);
          avgRef.push(s / 9);
        }
      }
    }
    expectClose(F.maxPool2d(x, 3, 2, 1), torch.tensor(maxRef, { dtype: torch.float64 }).reshape([N, C, oh, ow]));
    expectClose(F.avgPool2d(x, 3, 2, 1), torch.tensor(avgRef, { dtype: torch.float64 }).reshape([N, C, oh, ow]));
  });
});

describe('memory: the pooling ops free what they allocate inside', () => {
  const storages = () => torch.memoryStats().cpu.storages;
  it('forwards leave only their outputs (copies of strided and half inputs, unreturned indices freed)', () => {
    const x = torch.randn([2, 3, 8, 9]);
    const strided = x.transpose(2, 3);
    const half = x.half();
    const ops: [string, number, () => Tensor | Tensor[]][] = [
      ['maxPool2d', 1, () => F.maxPool2d(x, 3, 2, 1)],
      ['maxPool2d strided', 1, () => F.maxPool2d(strided, 2)],
      ['maxPool2d half', 1, () => F.maxPool2d(half, 2)],
      ['maxPool2d returnIndices', 2, () => F.maxPool2d(x, 2, { returnIndices: true })],
      ['maxPool1d', 1, () => F.maxPool1d(x.select(0, 0), 2)],
      ['avgPool2d strided', 1, () => F.avgPool2d(strided, 3, 1, 1)],
      ['avgPool1d', 1, () => F.avgPool1d(x.select(0, 0), 2)],
      ['adaptiveAvgPool2d', 1, () => F.adaptiveAvgPool2d(strided, [3, 2])],
      ['adaptiveMaxPool2d', 1, () => F.adaptiveMaxPool2d(half, [3, 2])],
      ['maxPool3d', 1, () => F.maxPool3d(x, 2)],
    ];
    for (const [name, count, op] of ops) {
      const before = storagesAfterCollection();
      const out = op();
      expect(storages(), name).toBe(before + count);
      torch.dispose(out);
      expect(storages(), name).toBe(before);
    }
  });
  it('forward and backward: the saved indices go with the graph', () => {
    for (const pool of [(t: Tensor) => F.maxPool2d(t, 3, 2, 1), (t: Tensor) => F.avgPool2d(t, 2), (t: Tensor) => F.adaptiveMaxPool2d(t, 3), (t: Tensor) => F.adaptiveAvgPool2d(t, [2, 3])]) {
      const x = torch.randn([2, 3, 8, 9]).requiresGrad_();
      const before = storagesAfterCollection();
      const y = pool(x);
      const g = torch.onesLike(y);
      const [gx] = torch.autograd.grad([y], [x], [g]);
      expect(gx!.shape).toEqual([2, 3, 8, 9]);
      torch.dispose([y, g, gx]);
      expect(storages()).toBe(before);
    }
  });
});
