/**
 * The fused attention kernels on the device under test: PyTorch 1.13's values and gradients
 * (tests/fixtures/fused-attention.json, written by scripts/make_fused_attention_fixtures.py)
 * with the tensors moved to the device, and the device's kernels against the CPU's on shapes
 * that span many query and key tiles with ragged tails, causal and masked.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { fusedAttention, fusedAttentionApplies, type FusedAttentionOptions } from '../../src/nn/functional/fused-attention.js';
import { attentionMath } from '../../src/nn/functional/attention.js';
import { DEV, SELF_TEST, cudaGate, toDev } from './helpers.js';

const F = torch.nn.functional;

const run = cudaGate(torch.cuda.isAvailable());

type Value = number | boolean | 'nan' | 'inf' | '-inf';
interface Serialized { shape: number[]; dtype: string; data: Value[] }
interface Case {
  name: string;
  isCausal: boolean;
  scale: number;
  q: Serialized;
  k: Serialized;
  v: Serialized;
  mask: Serialized | null;
  out: Serialized;
  gradOut: Serialized;
  dq: Serialized;
  dk: Serialized;
  dv: Serialized;
}
const CASES: Case[] = JSON.parse(readFileSync(new URL('../fixtures/fused-attention.json', import.meta.url), 'utf8')).cases;

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const onDevice = (s: Serialized, dtype: torch.DType): Tensor =>
  s.dtype === 'bool'
    ? toDev(torch.tensor(s.data.map((v) => v === true), { dtype: torch.bool }).reshape(s.shape))
    : toDev(torch.tensor(s.data.map(num), { dtype }).reshape(s.shape));

function expectClose(actual: Tensor, expected: Serialized | number[], shape: number[], what: string, tol: number): void {
  expect(actual.device.type, `${what}: device`).toBe(DEV);
  expect(actual.shape, `${what}: shape`).toEqual(shape);
  const got = Array.from(actual.cpu().dataSync() as ArrayLike<number>, Number);
  const want = Array.isArray(expected) ? expected : expected.data.map(num);
  want.forEach((e, i) => {
    if (Number.isNaN(e)) expect(got[i], `${what}[${i}] should be NaN`).toBeNaN();
    else expect(Math.abs(got[i] - e), `${what}[${i}]: ${got[i]} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e)));
  });
}

/** Each element of `actual` within tol · max|expected| of `expected`'s (NaN where it is NaN). */
function expectNear(actual: Tensor, expected: Tensor, what: string, tol: number): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.detach().float().cpu().dataSync() as Float32Array, Number);
  const want = Array.from(expected.detach().float().cpu().dataSync() as Float32Array, Number);
  const scale = Math.max(1e-6, ...want.filter((e) => !Number.isNaN(e)).map(Math.abs));
  want.forEach((e, i) => {
    if (Number.isNaN(e)) expect(got[i], `${what}[${i}] should be NaN`).toBeNaN();
    else expect(Math.abs(got[i] - e), `${what}[${i}]: ${got[i]} vs ${e} (largest ${scale})`).toBeLessThanOrEqual(tol * scale);
  });
}

describe.skipIf(!run)(`fused attention: ${DEV} vs PyTorch`, () => {
  for (const c of CASES) {
    for (const dtype of [torch.float32, torch.float64]) {
      it(`${c.name} (${dtype.name})`, () => {
        const [q, k, v] = [c.q, c.k, c.v].map((s) => onDevice(s, dtype).requiresGrad_());
        const mask = c.mask === null ? undefined : onDevice(c.mask, dtype);
        const options: FusedAttentionOptions = { isCausal: c.isCausal, scale: c.scale, dropoutP: 0, mask };
        expect(fusedAttentionApplies(q, k, v, options)).toBe(true);
        const out = fusedAttention(q, k, v, options);
        const tol = dtype === torch.float32 ? 1e-4 : 1e-9;
        expectClose(out, c.out, c.out.shape, 'out', tol);
        out.backward(onDevice(c.gradOut, dtype));
        expectClose(q.grad!, c.dq, c.dq.shape, 'dq', tol * 3);
        expectClose(k.grad!, c.dk, c.dk.shape, 'dk', tol * 3);
        expectClose(v.grad!, c.dv, c.dv.shape, 'dv', tol * 3);
      });
    }
  }
});

/**
 * float16 and bfloat16: fused on CUDA (narrow loads and stores, float32 arithmetic and
 * logsumexp, as PyTorch's flash attention computes them), the composition on the CPU (as
 * in PyTorch 1.13). Both are held to the CPU's float32 kernel on the same rounded inputs,
 * within the narrow dtype's rounding, relative to the largest reference value. The row
 * kernels (head dims 16, 32, 64) and the tile kernels (128) each run.
 */
describe.skipIf(!run)(`fused attention in float16 and bfloat16: ${DEV} vs float32`, () => {
  type Shapes = [string, number[], number[], number[], (dtype: torch.DType) => { attnMask?: Tensor; isCausal?: boolean }];
  const shapes: Shapes[] = [
    ['head 16, causal', [3, 2, 37, 16], [3, 2, 37, 16], [3, 2, 37, 16], () => ({ isCausal: true })],
    ['head 32, key padding (bool)', [2, 4, 70, 32], [2, 4, 90, 32], [2, 4, 90, 32], () => ({
      attnMask: torch.arange(90).reshape([1, 1, 1, 90]).lt(torch.tensor([90, 41]).reshape([2, 1, 1, 1])),
    })],
    ['head 64, additive [L, S] mask', [1, 2, 150, 64], [1, 2, 150, 64], [1, 2, 150, 64], (dtype) => ({
      attnMask: torch.randn([150, 150]).mul(2).to(dtype),
    })],
    ['heads 128 and 96 (tile kernels), causal', [2, 2, 45, 128], [2, 2, 45, 128], [2, 2, 45, 96], () => ({ isCausal: true })],
  ];
  const tolerances: [torch.DType, number][] = [[torch.float16, 1e-2], [torch.bfloat16, 6e-2]];
  // With the CPU standing in, float16 cannot run: the CPU has no float16 matrix product, as
  // PyTorch 1.13's has none.
  const cpuLacks = (dtype: torch.DType) => SELF_TEST && dtype === torch.float16;
  for (const [dtype, tol] of tolerances) {
    for (const [name, qs, ks, vs, opts] of shapes) {
      it.skipIf(cpuLacks(dtype))(`${name} (${dtype.name})`, () => {
        torch.manualSeed(23);
        // Rounded once to the narrow dtype, so that both sides see the same inputs.
        const host = [torch.randn(qs), torch.randn(ks), torch.randn(vs)].map((t) => t.to(dtype).float());
        const g = torch.randn([...qs.slice(0, -1), vs[vs.length - 1]]).to(dtype).float();
        const { attnMask, isCausal = false } = opts(dtype);
        const hostMask = attnMask === undefined || attnMask.dtype === torch.bool ? attnMask : attnMask.float();
        const ref = host.map((t) => t.clone().requiresGrad_());
        const refOut = F.scaledDotProductAttention(ref[0], ref[1], ref[2], { attnMask: hostMask, isCausal });
        refOut.backward(g);
        const dev = host.map((t) => toDev(t.to(dtype)).requiresGrad_());
        const devMask = attnMask === undefined ? undefined : toDev(attnMask);
        const out = F.scaledDotProductAttention(dev[0], dev[1], dev[2], { attnMask: devMask, isCausal });
        expect(out.dtype).toBe(dtype);
        expect(fusedAttentionApplies(dev[0], dev[1], dev[2], { isCausal, scale: 0.125, dropoutP: 0 })).toBe(!SELF_TEST);
        if (!SELF_TEST) expect(out.gradFn?.name).toBe('ScaledDotProductFlashAttentionBackward0');
        out.backward(toDev(g.to(dtype)));
        expectNear(out, refOut, 'out', tol);
        for (let i = 0; i < 3; i++) {
          expect(dev[i].grad!.dtype).toBe(dtype);
          expectNear(dev[i].grad!, ref[i].grad!, `grad ${i}`, tol);
        }
      });
    }
  }

  // The fused kernel draws dropout's factors as the composition's dropout draws its mask (in
  // the weights' dtype, from the device's generator), so the two agree under one seed.
  it.skipIf(cpuLacks(torch.float16))('dropout 0.2 in float16: the fused kernel against the composition on the same device', () => {
    torch.manualSeed(8);
    const [q, k, v] = [[2, 2, 60, 32], [2, 2, 60, 32], [2, 2, 60, 32]].map((s) => toDev(torch.randn(s)).half().requiresGrad_());
    const g = toDev(torch.randn([2, 2, 60, 32])).half();
    torch.manualSeed(9);
    const fused = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.2 });
    const fusedGrads = torch.autograd.grad([fused], [q, k, v], [g]);
    torch.manualSeed(9);
    const plain = attentionMath(q, k, v, null, false, 0.2, 1 / Math.sqrt(32)).output;
    const plainGrads = torch.autograd.grad([plain], [q, k, v], [g]);
    expectNear(fused, plain, 'out', 1e-2);
    for (let i = 0; i < 3; i++) expectNear(fusedGrads[i]!, plainGrads[i]!, `grad ${i}`, 1e-2);
  });
});

describe.skipIf(!run)(`fused attention: ${DEV} kernels vs the CPU's`, () => {
  const shapes: [string, number[], number[], number[], (cpu: boolean) => Partial<FusedAttentionOptions>][] = [
    ['causal, 8 heads, L 200', [2, 8, 200, 32], [2, 8, 200, 32], [2, 8, 200, 32], () => ({ isCausal: true })],
    ['cross, head dims 128 and 64, ragged', [1, 3, 77, 128], [1, 3, 301, 128], [1, 3, 301, 64], () => ({})],
    ['key padding mask', [3, 2, 50, 16], [3, 2, 70, 16], [3, 2, 70, 16], () => ({
      mask: torch.arange(70).reshape([1, 1, 1, 70]).lt(torch.tensor([70, 9, 33]).reshape([3, 1, 1, 1])),
    })],
  ];
  for (const [name, qs, ks, vs, opts] of shapes) {
    it(name, () => {
      torch.manualSeed(11);
      const host = [torch.randn(qs), torch.randn(ks), torch.randn(vs)];
      const g = torch.randn([...qs.slice(0, -1), vs[vs.length - 1]]);
      const options = (mask?: Tensor): FusedAttentionOptions => ({ isCausal: false, scale: 0.2, dropoutP: 0, ...opts(true), ...(mask ? { mask } : {}) });
      const hostMask = opts(true).mask;
      const cpuIn = host.map((t) => t.clone().requiresGrad_());
      const cpuOut = fusedAttention(cpuIn[0], cpuIn[1], cpuIn[2], options(hostMask));
      cpuOut.backward(g);
      const devIn = host.map((t) => toDev(t).requiresGrad_());
      const devOut = fusedAttention(devIn[0], devIn[1], devIn[2], options(hostMask ? toDev(hostMask) : undefined));
      devOut.backward(toDev(g));
      const values = (t: Tensor) => Array.from(t.dataSync() as Float32Array, Number);
      expectClose(devOut, values(cpuOut), cpuOut.shape, 'out', 1e-4);
      for (let i = 0; i < 3; i++) expectClose(devIn[i].grad!, values(cpuIn[i].grad!), cpuIn[i].shape, `grad ${i}`, 2e-4);
    });
  }

  // Dropout's factors come from the device's own generator, so the device's kernel is held to
  // the device's matmul-softmax composition under the same seed (the CPU draws other numbers).
  it('dropout 0.25, causal: the fused kernel against the composition on the same device', () => {
    torch.manualSeed(5);
    const [q, k, v] = [[2, 4, 90, 16], [2, 4, 90, 16], [2, 4, 90, 24]].map((s) => toDev(torch.randn(s)).requiresGrad_());
    const g = toDev(torch.randn([2, 4, 90, 24]));
    torch.manualSeed(6);
    const fused = fusedAttention(q, k, v, { isCausal: true, scale: 0.25, dropoutP: 0.25 });
    const fusedGrads = torch.autograd.grad([fused], [q, k, v], [g]);
    torch.manualSeed(6);
    const plain = attentionMath(q, k, v, null, true, 0.25, 0.25).output;
    const plainGrads = torch.autograd.grad([plain], [q, k, v], [g]);
    const values = (t: Tensor) => Array.from(t.cpu().dataSync() as Float32Array, Number);
    expectClose(fused, values(plain), plain.shape, 'out', 1e-4);
    for (let i = 0; i < 3; i++) expectClose(fusedGrads[i]!, values(plainGrads[i]!), plainGrads[i]!.shape, `grad ${i}`, 2e-4);
  });
});
