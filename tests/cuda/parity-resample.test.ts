/**
 * Resampling and layout on the device under test: F.interpolate's kernels (every mode,
 * forward and backward, float32 and float64) against the CPU, and against PyTorch 1.13's
 * values (tests/fixtures/resample.json, written by scripts/make_resample_fixtures.py);
 * pixel shuffle and channel dropout on the device. The CUDA backwards add with atomics, so
 * their float sums may round in another order than the CPU's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, TOL_F32, TOL_F64, cudaGate, expectMatch, toDev } from './helpers.js';

const run = cudaGate(torch.cuda.isAvailable());
const F = torch.nn.functional;

interface Serialized { shape: number[]; dtype: string; data: (number | string)[] }
interface Case { name: string; input: Serialized; options: Record<string, unknown>; output: Serialized; gradOutput: Serialized | null; grad: Serialized | null }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/resample.json', import.meta.url), 'utf8')) as { interpolate: Case[] };

const DTYPES: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64, uint8: torch.uint8 };
const cpuTensor = (s: Serialized): Tensor => torch.tensor(s.data.map(Number), { dtype: DTYPES[s.dtype] }).reshape(s.shape);
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const optionsOf = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
const tolOf = (dtype: torch.DType) => (dtype === torch.float64 ? TOL_F64 : dtype === torch.float32 ? TOL_F32 : null);

describe.runIf(run)(`F.interpolate on ${DEV}: PyTorch's values, and the CPU's`, () => {
  for (const c of fixture.interpolate) {
    it(c.name, () => {
      const options = optionsOf(c.options);
      const cpu = cpuTensor(c.input);
      const dev = toDev(cpu);
      const floating = c.grad !== null;
      if (floating) {
        cpu.requiresGrad_();
        dev.requiresGrad_();
      }
      const y = F.interpolate(dev, options);
      expect(y.device.type).toBe(DEV);
      const expected = F.interpolate(cpu, options);
      expectMatch(y, expected.detach(), tolOf(expected.dtype), 'output vs CPU');
      expectMatch(y, cpuTensor(c.output), floating ? { rtol: 1e-5, atol: 1e-6 } : null, 'output vs PyTorch');
      if (!floating) return;
      const g = cpuTensor(c.gradOutput!);
      y.backward(toDev(g));
      expected.backward(g);
      expectMatch(dev.grad!, cpu.grad!, c.input.dtype === 'float64' ? { rtol: 1e-9, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-5 }, 'grad vs CPU');
      expectMatch(dev.grad!, cpuTensor(c.grad!), { rtol: 1e-5, atol: 1e-5 }, 'grad vs PyTorch');
    });
  }

  it('larger planes, every family (many threads adding into one input)', () => {
    const x = torch.randn(2, 3, 9, 13);
    for (const [mode, alignCorners] of [['nearest', null], ['nearest-exact', null], ['bilinear', false], ['bilinear', true], ['bicubic', false], ['bicubic', true]] as const) {
      const options = { size: [31, 7], mode, alignCorners };
      const a = toDev(x).requiresGrad_();
      const b = x.clone().requiresGrad_();
      const ya = F.interpolate(a, options);
      const yb = F.interpolate(b, options);
      expectMatch(ya, yb.detach(), TOL_F32, `${mode} forward`);
      const g = torch.randn(yb.shape);
      ya.backward(toDev(g));
      yb.backward(g);
      expectMatch(a.grad!, b.grad!, { rtol: 1e-4, atol: 1e-5 }, `${mode} backward`);
    }
    const v = torch.randn(1, 2, 3, 4, 5, { dtype: torch.float64 });
    expectMatch(F.interpolate(toDev(v), { scaleFactor: [1.5, 0.5, 2.2], mode: 'trilinear' }), F.interpolate(v, { scaleFactor: [1.5, 0.5, 2.2], mode: 'trilinear' }), TOL_F64);
  });

  it('pixel shuffle, channel shuffle and channel dropout on the device', () => {
    const x = torch.randn(2, 8, 3, 3);
    expectMatch(F.pixelShuffle(toDev(x), 2), F.pixelShuffle(x, 2), null);
    expectMatch(F.pixelUnshuffle(toDev(x), 3), F.pixelUnshuffle(x, 3), null);
    expectMatch(F.channelShuffle(toDev(x), 4), F.channelShuffle(x, 4), null);
    const y = F.dropout2d(toDev(x), 0.5);
    expect(y.device.type).toBe(DEV);
    // Whole channels: every (n, c) plane is all zero or x * 2.
    const planes = y.cpu().reshape(16, 9);
    const scaled = x.mul(2).reshape(16, 9);
    for (let i = 0; i < 16; i++) {
      const row = planes.select(0, i);
      const zero = row.abs().sum().item() === 0;
      if (!zero) expectMatch(row, scaled.select(0, i), TOL_F32);
    }
  });
});
