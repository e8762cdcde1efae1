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
import { DEV, cudaGate, toDev } from './helpers.js';

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
  // The kernel entries take float32 and float64 (their generated checks refuse other dtypes),
  // so half-precision attention runs the matmul-softmax path on every device.
  it('half-precision calls are left to the matmul-softmax path', () => {
    const x = toDev(torch.randn([1, 2, 3, 4])).to(torch.float16);
    expect(fusedAttentionApplies(x, x, x, { isCausal: false, scale: 0.5, dropoutP: 0 })).toBe(false);
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
