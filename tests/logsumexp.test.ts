/**
 * torch.logsumexp against PyTorch 1.13: values and gradients (float64, from
 * tests/fixtures/porting.json, which scripts/make_porting_fixtures.py writes), special values, dtypes, errors,
 * finite differences, double backward, and the CUDA kernels against the CPU's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';
import * as call from '../src/native/calls.generated.js';
import { fresh, layoutOf } from '../src/native/meta.js';

const REFERENCE: {
  x: number[];
  cases: Record<string, { dim: number | number[]; keepdim: boolean; shape: number[]; values: number[]; grad: number[] }>;
} = JSON.parse(readFileSync(new URL('./fixtures/porting.json', import.meta.url), 'utf8')).logsumexp;

const values = (t: torch.Tensor) => Array.from(t.dataSync() as Float64Array | Float32Array, Number);
const closeTo = (actual: number[], expected: number[], digits: number) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(expected[i], digits));
};

describe('logsumexp vs PyTorch', () => {
  for (const [name, c] of Object.entries(REFERENCE.cases)) {
    it(`${name}: values and gradients (float64)`, () => {
      const x = torch.tensor(REFERENCE.x, { dtype: torch.float64 }).reshape([3, 4, 5]).requiresGrad_();
      const y = torch.logsumexp(x, c.dim, c.keepdim);
      expect(y.shape).toEqual(c.shape);
      expect(y.gradFn!.name).toBe('LogsumexpBackward0');
      closeTo(values(y), c.values, 12);
      y.backward(torch.linspace(-1, 2, y.numel(), { dtype: torch.float64 }).reshape(c.shape));
      closeTo(values(x.grad!), c.grad, 12);
    });
  }

  it('float32 gives the float64 values to float32 precision, as a method too', () => {
    const x = torch.tensor(REFERENCE.x).reshape([3, 4, 5]);
    const c = REFERENCE.cases.dim0;
    closeTo(values(x.logsumexp(0)), c.values, 5);
    expect(x.logsumexp(0).dtype).toBe(torch.float32);
  });

  it('an infinite max shifts by 0, NaN propagates, empty rows give -inf', () => {
    const x = torch.tensor([[1, 2, Infinity], [-Infinity, -Infinity, -Infinity], [NaN, 1, 2]]);
    expect(values(torch.logsumexp(x, 1))).toEqual([Infinity, -Infinity, NaN]);
    expect(values(torch.logsumexp(torch.zeros([2, 0]), 1))).toEqual([-Infinity, -Infinity]);
    expect(torch.logsumexp(torch.zeros([0, 3]), 1).shape).toEqual([0]);
    expect(values(torch.logsumexp(torch.tensor(3), 0))).toEqual([3]);
  });

  it('integer and bool inputs give the default float dtype', () => {
    const y = torch.logsumexp(torch.tensor([1, 2, 3]), 0);
    expect(y.dtype).toBe(torch.float32);
    expect(y.item()).toBeCloseTo(3.4076059644443806, 6); // log(e + e^2 + e^3)
    expect(torch.logsumexp(torch.tensor([true, false]), 0).item()).toBeCloseTo(1.3132616875182228, 6);
  });

  it('at an infinite input the gradient is NaN, as PyTorch\'s exp(inf - inf)', () => {
    const x = torch.tensor([[1, Infinity], [-Infinity, -Infinity]], { requiresGrad: true });
    torch.logsumexp(x, 1).sum().backward();
    expect(values(x.grad!)).toEqual([0, NaN, NaN, NaN]);
  });

  it('matches finite differences, over one dim and over several', () => {
    const x = torch.tensor(REFERENCE.x.slice(0, 24), { dtype: torch.float64 }).reshape([2, 3, 4]).requiresGrad_();
    expect(gradcheck((t) => torch.logsumexp(t, 1), [x]).ok).toBe(true);
    expect(gradcheck((t) => torch.logsumexp(t, [0, 2], true), [x]).ok).toBe(true);
  });

  it('its gradient is differentiable (createGraph): the second derivative is diag(p) - p p^T', () => {
    const x = torch.tensor([0.3, -1.2, 2.0], { dtype: torch.float64, requiresGrad: true });
    const [g] = torch.autograd.grad([torch.logsumexp(x, 0)], [x], { createGraph: true });
    const p = values(torch.softmax(x.detach(), 0));
    closeTo(values(g!), p, 12);
    const w = [1, 2, 3];
    g!.mul(torch.tensor(w, { dtype: torch.float64 })).sum().backward();
    const pw = p.reduce((acc, pi, i) => acc + pi * w[i], 0);
    closeTo(values(x.grad!), p.map((pi, i) => pi * w[i] - pi * pw), 12);
  });

  it("PyTorch's errors", () => {
    const x = torch.zeros([2, 3]);
    expect(() => torch.logsumexp(x, 5)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 5)');
    expect(() => torch.logsumexp(x, [0, 0])).toThrow('dim 0 appears multiple times in the list of dims');
    // @ts-expect-error dim is required, as in PyTorch
    expect(() => torch.logsumexp(x)).toThrow('logsumexp() received an invalid combination of arguments - got (Tensor)');
  });
});

describe('the kernel entries refuse views that break their declared shapes', () => {
  // Declared as logsumexp(out: new [R], input: in [R, C]): the generated checks run before
  // any device reads a byte, so a wrong layout is an Error, never a read past a row.
  const x = torch.zeros([2, 3]);
  it('non-contiguous, mismatched sizes, other dtypes', () => {
    expect(() => call.logsumexp(fresh(torch.float32, [2]), layoutOf(x, torch.float32, 0, [2, 3], [1, 2]))).toThrow(
      'logsumexp: input must be contiguous',
    );
    expect(() => call.logsumexp(fresh(torch.float32, [3]), x)).toThrow("logsumexp: input's dim 0 is 2, but another view has 3 there");
    expect(() => call.logsumexp(fresh(torch.float64, [2]), x)).toThrow('logsumexp: out must be float32, got float64');
    expect(() => call.logsumexp(fresh(torch.int64, [2]), torch.zeros([2, 3], { dtype: torch.int64 }))).toThrow(
      'logsumexp: input must be float32 or float64, got int64',
    );
  });
});

describe.runIf(torch.cuda.isAvailable())('logsumexp on CUDA matches the CPU', () => {
  it('values and gradients, float32 and float64, contiguous and permuted', () => {
    for (const dtype of [torch.float32, torch.float64]) {
      for (const [dim, keepdim] of [[2, false], [0, true], [[0, 2], false]] as const) {
        const cpu = torch.tensor(REFERENCE.x, { dtype }).reshape([3, 4, 5]).requiresGrad_();
        const dev = cpu.detach().cuda().requiresGrad_();
        const yc = torch.logsumexp(cpu, dim as number | number[], keepdim);
        const yd = torch.logsumexp(dev, dim as number | number[], keepdim);
        closeTo(values(yd.cpu()), values(yc), dtype === torch.float64 ? 12 : 5);
        yc.sum().backward();
        yd.sum().backward();
        closeTo(values(dev.grad!.cpu()), values(cpu.grad!), dtype === torch.float64 ? 12 : 5);
      }
    }
  });
});
