/**
 * The losses, distances and Bilinear on the device under test against PyTorch 1.13's
 * values and gradients (tests/fixtures/losses.json, written by
 * scripts/make_loss_fixtures.py): they are composed of device ops (CTC's recursions
 * included), so each fixture case runs with its tensors moved to the device.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, cudaGate, toDev } from './helpers.js';

const run = cudaGate(torch.cuda.isAvailable());

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Serialized { shape: number[]; dtype: string; data: Value[] }
type Arg = { tensor: Serialized; requiresGrad: boolean } | { value: unknown };
interface Case { name: string; fn: string; args: Arg[]; kwargs: Record<string, unknown>; out: Serialized; grads: (Serialized | null)[] }
const CASES: Case[] = JSON.parse(readFileSync(new URL('../fixtures/losses.json', import.meta.url), 'utf8')).cases;

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const DTYPES: Record<string, torch.DType> = { float32: torch.float32, float64: torch.float64, int64: torch.int64 };
const onDevice = (s: Serialized): Tensor => toDev(torch.tensor(s.data.map(num), { dtype: DTYPES[s.dtype] }).reshape(s.shape));
const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const F = torch.nn.functional as unknown as Record<string, (...args: unknown[]) => Tensor>;

function expectClose(actual: Tensor, expected: Serialized, what: string, rtol: number): void {
  expect(actual.device.type, `${what}: device`).toBe(DEV);
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.cpu().dataSync() as ArrayLike<number>, Number);
  expected.data.map(num).forEach((e, i) => {
    if (!Number.isFinite(e)) expect(got[i], `${what}[${i}]`).toBe(e);
    else expect(Math.abs(got[i] - e), `${what}[${i}]: ${got[i]} vs ${e}`).toBeLessThanOrEqual(rtol * (1 + Math.abs(e)));
  });
}

describe.runIf(run)(`losses on ${DEV} vs PyTorch 1.13`, () => {
  for (const c of CASES) {
    it(c.name, () => {
      const inputs = c.args.map((a) => ('tensor' in a ? (a.requiresGrad ? onDevice(a.tensor).requiresGrad_() : onDevice(a.tensor)) : a.value));
      const options = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'tensor' in v ? onDevice((v as { tensor: Serialized }).tensor) : v]));
      const quiet = process.emitWarning;
      process.emitWarning = () => undefined;
      let out: Tensor;
      try {
        out = Object.keys(options).length === 0 ? F[camel(c.fn)](...inputs) : F[camel(c.fn)](...inputs, options);
      } finally {
        process.emitWarning = quiet;
      }
      const f32 = out.dtype === torch.float32;
      expectClose(out, c.out, 'output', f32 ? 2e-6 : 1e-9);
      if (!c.grads.some((g) => g !== null)) return;
      out.backward(toDev(torch.linspace(-1, 2, out.numel(), { dtype: out.dtype }).reshape(out.shape)));
      c.grads.forEach((g, i) => {
        if (g !== null) expectClose((inputs[i] as Tensor).grad!, g, `grad of argument ${i}`, f32 ? 1e-5 : 1e-8);
      });
    });
  }
});
