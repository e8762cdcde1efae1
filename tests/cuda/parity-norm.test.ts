/**
 * Batch, group, instance and local response norm on the device under test: PyTorch 1.13's
 * values and gradients (tests/fixtures/norm.json, written by scripts/make_norm_fixtures.py)
 * with the tensors moved to the device, and the device's batch-norm kernels against the
 * CPU's on inputs large enough that a channel spans many blocks' worth of threads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, cudaGate, expectMatch, toDev } from './helpers.js';

const run = cudaGate(torch.cuda.isAvailable());
const F = torch.nn.functional;

type Value = number | 'nan' | 'inf' | '-inf';
interface Serialized { shape: number[]; dtype: string; data: Value[] }
interface Case {
  x: Serialized;
  weight: Serialized | null;
  bias: Serialized | null;
  out: Serialized;
  gradOutput: Serialized;
  grads: (Serialized | null)[];
  running_mean?: Serialized;
  running_var?: Serialized;
  groups?: number;
  size?: number;
  alpha?: number;
  beta?: number;
  k?: number;
}
const CASES: Record<string, Case> = JSON.parse(readFileSync(new URL('../fixtures/norm.json', import.meta.url), 'utf8')).cases;

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const onDevice = (s: Serialized, dtype: torch.DType): Tensor => toDev(torch.tensor(s.data.map(num), { dtype }).reshape(s.shape));

function expectClose(actual: Tensor, expected: Serialized, what: string, tol: number): void {
  expect(actual.device.type, `${what}: device`).toBe(DEV);
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.cpu().dataSync() as ArrayLike<number>, Number);
  expected.data.map(num).forEach((e, i) => {
    expect(Math.abs(got[i] - e), `${what}[${i}]: ${got[i]} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
  });
}

type Fn = (x: Tensor, w: Tensor | null, b: Tensor | null, c: Case, dtype: torch.DType) => Tensor;
const training: Fn = (x, w, b, c, dtype) => {
  const rm = toDev(torch.zeros([x.shape[1]], { dtype }));
  const rv = toDev(torch.ones([x.shape[1]], { dtype }));
  const out = F.batchNorm(x, rm, rv, w, b, true, 0.3, 1e-4);
  const tol = dtype === torch.float32 ? 1e-5 : 1e-10;
  expectClose(rm, c.running_mean!, 'running_mean', tol);
  expectClose(rv, c.running_var!, 'running_var', tol);
  return out;
};
const TABLE: Record<string, Fn> = {
  bn_3d_input: training,
  bn_4d_input: training,
  bn_4d_noaffine: training,
  bn_eval: (x, w, b, c, dtype) => F.batchNorm(x, onDevice(c.running_mean!, dtype), onDevice(c.running_var!, dtype), w, b, false, 0.1, 1e-3),
  gn: (x, w, b, c) => F.groupNorm(x, c.groups!, w, b, 1e-4),
  gn_noaffine: (x, _w, _b, c) => F.groupNorm(x, c.groups!),
  in: (x, w, b) => F.instanceNorm(x, null, null, w, b, true, 0.1, 1e-4),
  lrn_4d: (x, _w, _b, c) => F.localResponseNorm(x, c.size!, c.alpha, c.beta, c.k),
};

describe.runIf(run)(`normalisations on ${DEV} vs PyTorch 1.13`, () => {
  for (const [name, fn] of Object.entries(TABLE)) {
    for (const dtype of [torch.float64, torch.float32]) {
      it(`${name} (${dtype.name})`, () => {
        const c = CASES[name];
        const x = onDevice(c.x, dtype).requiresGrad_();
        const w = c.weight === null ? null : onDevice(c.weight, dtype).requiresGrad_();
        const b = c.bias === null ? null : onDevice(c.bias, dtype).requiresGrad_();
        const out = fn(x, w, b, c, dtype);
        const f32 = dtype === torch.float32;
        expectClose(out, c.out, 'output', f32 ? 1e-5 : 1e-10);
        out.backward(onDevice(c.gradOutput, dtype));
        [x, w, b].forEach((t, i) => {
          if (t !== null && c.grads[i] !== null) expectClose(t.grad!, c.grads[i]!, `grad ${i}`, f32 ? 1e-4 : 1e-9);
        });
      });
    }
  }
});

describe.runIf(run)(`batch-norm kernels on ${DEV} vs the CPU`, () => {
  // 6 * 13 * 11 = 858 values per channel (several per thread of a 256-thread block), and
  // an offset of 50 that a one-pass variance would lose in float32.
  it('BatchNorm2d training steps, running statistics, gradients and eval (float32)', () => {
    torch.manualSeed(5);
    const cpu = new torch.nn.BatchNorm2d(7);
    const dev = new torch.nn.BatchNorm2d(7).to(DEV);
    dev.loadStateDict(cpu.stateDict());
    for (let step = 0; step < 3; step++) {
      const x = torch.randn([6, 7, 13, 11]).mul(3).add(50).requiresGrad_();
      const xd = toDev(x.detach()).requiresGrad_();
      const g = torch.randn([6, 7, 13, 11]);
      const out = cpu(x);
      const outDev = dev(xd);
      expectMatch(outDev, out, { rtol: 1e-4, atol: 1e-4 }, `step ${step} output`);
      out.backward(g);
      outDev.backward(toDev(g));
      expectMatch(xd.grad!, x.grad!, { rtol: 1e-3, atol: 1e-4 }, 'grad input');
    }
    expectMatch(dev.weight!.grad!, cpu.weight!.grad!, { rtol: 1e-4, atol: 1e-3 }, 'grad weight');
    expectMatch(dev.bias!.grad!, cpu.bias!.grad!, { rtol: 1e-4, atol: 1e-3 }, 'grad bias');
    expectMatch(dev.running_mean!, cpu.running_mean!, { rtol: 1e-5, atol: 1e-5 }, 'running_mean');
    expectMatch(dev.running_var!, cpu.running_var!, { rtol: 1e-4, atol: 1e-5 }, 'running_var');
    cpu.eval();
    dev.eval();
    const x = torch.randn([3, 7, 5, 9]).add(50).requiresGrad_();
    const xd = toDev(x.detach()).requiresGrad_();
    const out = cpu(x);
    const outDev = dev(xd);
    expectMatch(outDev, out, { rtol: 1e-4, atol: 1e-4 }, 'eval output');
    out.sum().backward();
    outDev.sum().backward();
    expectMatch(xd.grad!, x.grad!, { rtol: 1e-5, atol: 1e-6 }, 'eval grad input');
  });

  it('GroupNorm forward and backward (float64)', () => {
    torch.manualSeed(6);
    const x = torch.randn([4, 12, 17, 5], { dtype: torch.float64 }).requiresGrad_();
    const w = torch.randn([12], { dtype: torch.float64 }).requiresGrad_();
    const b = torch.randn([12], { dtype: torch.float64 }).requiresGrad_();
    const [xd, wd, bd] = [x, w, b].map((t) => toDev(t.detach()).requiresGrad_());
    const g = torch.randn([4, 12, 17, 5], { dtype: torch.float64 });
    const out = F.groupNorm(x, 3, w, b);
    const outDev = F.groupNorm(xd, 3, wd, bd);
    expectMatch(outDev, out, { rtol: 1e-10, atol: 1e-10 }, 'output');
    out.backward(g);
    outDev.backward(toDev(g));
    expectMatch(xd.grad!, x.grad!, { rtol: 1e-9, atol: 1e-9 }, 'grad input');
    expectMatch(wd.grad!, w.grad!, { rtol: 1e-9, atol: 1e-9 }, 'grad weight');
    expectMatch(bd.grad!, b.grad!, { rtol: 1e-9, atol: 1e-9 }, 'grad bias');
  });
});
