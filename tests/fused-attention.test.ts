/**
 * The fused attention kernel (src/nn/functional/fused-attention.ts over
 * native/cpu/attention.cc) against PyTorch 1.13: values and gradients of
 * softmax(q·kᵀ·scale + mask)·v from tests/fixtures/fused-attention.json
 * (scripts/make_fused_attention_fixtures.py), in float64 and float32; float64 finite
 * differences of the fused backward; agreement with flint's own matmul-softmax composition
 * over many tiles; which calls the kernel covers; and its memory.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { fusedAttention, fusedAttentionApplies, type FusedAttentionOptions } from '../src/nn/functional/fused-attention.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { settledStorages } from './helpers/memory.js';
import { native } from '../src/native/addon.js';

interface AttentionCase {
  name: string;
  isCausal: boolean;
  scale: number;
  q: FixtureTensor;
  k: FixtureTensor;
  v: FixtureTensor;
  mask: FixtureTensor | null;
  out: FixtureTensor;
  gradOut: FixtureTensor;
  dq: FixtureTensor;
  dk: FixtureTensor;
  dv: FixtureTensor;
}

const CASES: AttentionCase[] = JSON.parse(readFileSync(new URL('./fixtures/fused-attention.json', import.meta.url), 'utf8')).cases;

type DTypeName = 'float32' | 'float64';

function inputs(c: AttentionCase, dtype: DTypeName) {
  const q = fromFixture(c.q, { dtype, requiresGrad: true });
  const k = fromFixture(c.k, { dtype, requiresGrad: true });
  const v = fromFixture(c.v, { dtype, requiresGrad: true });
  const mask = c.mask === null ? undefined : fromFixture(c.mask, { dtype });
  const options: FusedAttentionOptions = { isCausal: c.isCausal, scale: c.scale, dropoutP: 0, mask };
  return { q, k, v, options };
}

/** The reference as a fixture of the wanted dtype (the fixture holds float64). */
function as(t: FixtureTensor, dtype: DTypeName): FixtureTensor {
  return { ...t, dtype };
}

/** softmax(q·kᵀ·scale + mask)·v from flint's plain ops: the path the kernel replaces. */
function composed(q: Tensor, k: Tensor, v: Tensor, options: FusedAttentionOptions): Tensor {
  let scores = torch.matmul(q, k.transpose(-2, -1)).mul(options.scale);
  const [l, s] = [q.shape[q.shape.length - 2], k.shape[k.shape.length - 2]];
  if (options.isCausal) scores = scores.maskedFill(torch.ones([l, s], { dtype: torch.bool }).triu(1), -Infinity);
  if (options.mask !== undefined) {
    const m = options.mask;
    scores = m.dtype === torch.bool ? scores.maskedFill(m.logicalNot(), -Infinity) : scores.add(m);
  }
  const weights = torch.softmax(scores, -1);
  return torch.matmul(options.dropoutP > 0 ? torch.nn.functional.dropout(weights, options.dropoutP) : weights, v);
}

describe('fused attention vs PyTorch', () => {
  for (const c of CASES) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype}): values and gradients`, () => {
        const { q, k, v, options } = inputs(c, dtype);
        expect(fusedAttentionApplies(q, k, v, options)).toBe(true);
        const out = fusedAttention(q, k, v, options);
        expect(out.gradFn!.name).toBe('ScaledDotProductFlashAttentionForCpuBackward0');
        const tol = dtype === 'float64' ? { rtol: 1e-9, atol: 1e-11 } : { rtol: 1e-4, atol: 2e-5 };
        expectClose(out, as(c.out, dtype), { ...tol, label: 'out' });
        out.backward(fromFixture(c.gradOut, { dtype }));
        const gtol = dtype === 'float64' ? tol : { rtol: 2e-4, atol: 1e-4 };
        expectClose(q.grad!, as(c.dq, dtype), { ...gtol, label: 'dq' });
        expectClose(k.grad!, as(c.dk, dtype), { ...gtol, label: 'dk' });
        expectClose(v.grad!, as(c.dv, dtype), { ...gtol, label: 'dv' });
      });
    }
  }

  it('a fully masked row is NaN, and only there', () => {
    const c = CASES.find((x) => x.name === 'fully_masked_row')!;
    const { q, k, v, options } = inputs(c, 'float32');
    const out = fusedAttention(q, k, v, options);
    const values = Array.from(out.dataSync() as Float32Array);
    const nanRows = new Set<number>();
    values.forEach((x, i) => {
      if (Number.isNaN(x)) nanRows.add(Math.floor(i / 4) % 4);
    });
    expect([...nanRows]).toEqual([2]);
    expect(values.filter(Number.isNaN).length).toBe(2 * 4);
  });
});

describe("the float32 kernel's vectorized exp", () => {
  // One query, one head: scores = the key values themselves (q = 1, scale 1), and v the
  // identity, so the output row is the softmax itself. 61 keys: seven eight-lane vectors
  // plus a scalar tail, in one key tile (a second tile would rescale by its own rounded max). The scores run from -120 (exp underflows to 0) to +30,
  // with two masked keys; the reference is float64 softmax.
  it('gives softmax weights within float32 rounding over the whole exponent range', () => {
    const S = 61;
    const scores = Array.from({ length: S }, (_, j) => -120 + (150 * j) / (S - 1) + Math.sin(j) * 0.37);
    const q = torch.ones([1, 1, 1]);
    const k = torch.tensor(scores).reshape(1, S, 1);
    const v = torch.eye(S).reshape(1, S, S);
    const maskValues = scores.map((_, j) => (j === 5 || j === 58 ? -Infinity : 0));
    const mask = torch.tensor(maskValues).reshape(1, S);
    const out = fusedAttention(q, k, v, { isCausal: false, scale: 1, dropoutP: 0, mask: mask.reshape(1, 1, S) });
    const got = Array.from(out.dataSync() as Float32Array);
    const live = scores.map((x, j) => (maskValues[j] === 0 ? x : -Infinity));
    const top = Math.max(...live);
    // The kernel subtracts the row's max in float32, as the reference does here: that
    // rounding (up to 4e-6 relative at x - max = -82) is the input's, not the exp's.
    const exps = live.map((x) => Math.exp(Math.fround(Math.fround(x) - Math.fround(top))));
    const total = exps.reduce((a, b) => a + b, 0);
    got.forEach((p, j) => {
      const want = exps[j] / total;
      // Below about 1e-36 the weights are float32 denormals (or 0), with fewer bits.
      if (want < 1e-36) expect(p).toBeLessThan(2e-36);
      else expect(Math.abs(p - want)).toBeLessThanOrEqual(want * 4e-7);
    });
    expect(got[5]).toBe(0);
    expect(got[58]).toBe(0);
  });
});

describe('fused attention: finite differences (float64)', () => {
  const rand = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64 });
  const check = (name: string, qs: number[], ks: number[], vs: number[], opts: Partial<FusedAttentionOptions>) => {
    it(name, () => {
      torch.manualSeed(3);
      const [q, k, v] = [rand(...qs), rand(...ks), rand(...vs)].map((t) => t.requiresGrad_());
      const options: FusedAttentionOptions = { isCausal: false, scale: 0.4, dropoutP: 0, ...opts };
      const r = gradcheck((a, b, c) => fusedAttention(a, b, c, options), [q, k, v], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
      expect(r.ok).toBe(true);
      expect(r.checked).toBeGreaterThan(0);
    });
  };
  check('plain, L != S, E != Ev', [2, 3, 4], [2, 5, 4], [2, 5, 3], {});
  check('causal over two query blocks and key tiles', [1, 70, 2], [1, 70, 2], [1, 70, 2], { isCausal: true });
  check('float [L, S] mask', [2, 2, 3, 2], [2, 2, 4, 2], [2, 2, 4, 2], { mask: torch.randn([3, 4], { dtype: torch.float64 }) });
  check('N = 64 (one backward pass per n), causal', [64, 5, 2], [64, 5, 2], [64, 5, 2], { isCausal: true });
  check('key-padding bool mask', [2, 2, 3, 2], [2, 2, 5, 2], [2, 2, 5, 2], {
    mask: torch.tensor([true, true, false, true, false, true, true, true, true, false]).reshape([2, 1, 1, 5]),
  });
  // Dropout: the factors are drawn afresh per call, so every evaluation reseeds first.
  it('dropout 0.3, causal, float mask, over two key tiles', () => {
    torch.manualSeed(3);
    const [q, k, v] = [rand(2, 70, 3), rand(2, 70, 3), rand(2, 70, 2)].map((t) => t.requiresGrad_());
    const options: FusedAttentionOptions = { isCausal: true, scale: 0.4, dropoutP: 0.3, mask: rand(70, 70) };
    const seeded = (a: Tensor, b: Tensor, c: Tensor) => {
      torch.manualSeed(9);
      return fusedAttention(a, b, c, options);
    };
    const r = gradcheck(seeded, [q, k, v], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
    expect(r.ok).toBe(true);
    expect(r.checked).toBeGreaterThan(0);
  });
});

describe('fused attention vs the matmul-softmax composition', () => {
  const cases: [string, number[], number[], number[], Partial<FusedAttentionOptions>][] = [
    ['many tiles, ragged', [2, 3, 97, 16], [2, 3, 133, 16], [2, 3, 133, 24], {}],
    ['causal, many tiles', [1, 4, 161, 32], [1, 4, 161, 32], [1, 4, 161, 32], { isCausal: true }],
    ['key padding over tiles', [3, 2, 70, 8], [3, 2, 129, 8], [3, 2, 129, 8], {
      mask: torch.arange(129).reshape([1, 1, 1, 129]).lt(torch.tensor([129, 64, 65]).reshape([3, 1, 1, 1])),
    }],
    ['float [L, S] mask over tiles', [2, 2, 65, 8], [2, 2, 80, 8], [2, 2, 80, 8], { mask: torch.randn([65, 80]) }],
    // N = 64: enough n for the backward's one-pass-per-n path (the others take its two passes).
    ['N = 64, causal, float mask', [4, 16, 70, 8], [4, 16, 70, 8], [4, 16, 70, 12], { isCausal: true, mask: torch.randn([70, 70]) }],
    // Dropout: the same seed gives the composition's dropout mask (F.dropout of the weights).
    ['dropout 0.1, many tiles, ragged', [2, 3, 97, 16], [2, 3, 133, 16], [2, 3, 133, 24], { dropoutP: 0.1 }],
    ['dropout 0.5, key padding', [3, 2, 70, 8], [3, 2, 129, 8], [3, 2, 129, 8], {
      dropoutP: 0.5,
      mask: torch.arange(129).reshape([1, 1, 1, 129]).lt(torch.tensor([129, 64, 65]).reshape([3, 1, 1, 1])),
    }],
    ['dropout 0.2, N = 64, causal', [4, 16, 70, 8], [4, 16, 70, 8], [4, 16, 70, 12], { isCausal: true, dropoutP: 0.2 }],
  ];
  for (const [name, qs, ks, vs, opts] of cases) {
    it(`${name}: values and gradients (float32)`, () => {
      torch.manualSeed(7);
      const [q, k, v] = [torch.randn(qs), torch.randn(ks), torch.randn(vs)].map((t) => t.requiresGrad_());
      const options: FusedAttentionOptions = { isCausal: false, scale: 1 / Math.sqrt(qs[qs.length - 1]), dropoutP: 0, ...opts };
      const g = torch.randn([...qs.slice(0, -1), vs[vs.length - 1]]);
      torch.manualSeed(8);
      const fused = fusedAttention(q, k, v, options);
      const [dq, dk, dv] = torch.autograd.grad([fused], [q, k, v], [g]);
      torch.manualSeed(8);
      const plain = composed(q, k, v, options);
      const [pq, pk, pv] = torch.autograd.grad([plain], [q, k, v], [g]);
      expectClose(fused, plain, { rtol: 1e-4, atol: 2e-5, label: 'out' });
      expectClose(dq!, pq!, { rtol: 1e-3, atol: 1e-4, label: 'dq' });
      expectClose(dk!, pk!, { rtol: 1e-3, atol: 1e-4, label: 'dk' });
      expectClose(dv!, pv!, { rtol: 1e-3, atol: 1e-4, label: 'dv' });
    });
  }
});

describe('which calls the fused kernel covers', () => {
  const q = torch.randn([2, 2, 3, 4]);
  const k = torch.randn([2, 2, 5, 4]);
  const v = torch.randn([2, 2, 5, 4]);
  const base: FusedAttentionOptions = { isCausal: false, scale: 0.5, dropoutP: 0 };
  it('covers masks that broadcast over batch or heads', () => {
    expect(fusedAttentionApplies(q, k, v, base)).toBe(true);
    for (const shape of [[2, 1, 1, 5], [3, 5], [1, 2, 3, 5], [2, 2, 3, 5], [5], [3, 1], [2, 1, 3, 5]]) {
      expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.ones(shape, { dtype: torch.bool }) }), String(shape)).toBe(true);
      expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros(shape) }), String(shape)).toBe(true);
    }
  });
  it('leaves the rest to the matmul-softmax path', () => {
    expect(fusedAttentionApplies(q, k, v, { ...base, dropoutP: 1 })).toBe(false);
    expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros([3, 5]).requiresGrad_() })).toBe(false);
    expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros([3, 5], { dtype: torch.float64 }) })).toBe(false);
    expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros([3, 5], { dtype: torch.int64 }) })).toBe(false);
    expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros([3, 4]) })).toBe(false);
    expect(fusedAttentionApplies(q, k, v, { ...base, mask: torch.zeros([1, 2, 2, 3, 5]) })).toBe(false);
    expect(fusedAttentionApplies(q, torch.randn([1, 2, 5, 4]), torch.randn([1, 2, 5, 4]), base)).toBe(false);
    expect(fusedAttentionApplies(q, k.to(torch.float64), v, base)).toBe(false);
    expect(fusedAttentionApplies(q, torch.randn([2, 2, 0, 4]), torch.randn([2, 2, 0, 4]), base)).toBe(false);
    expect(fusedAttentionApplies(q.to(torch.int64), k.to(torch.int64), v.to(torch.int64), base)).toBe(false);
    expect(() => fusedAttention(q, k, v, { ...base, dropoutP: 1 })).toThrow(/not one the fused attention kernel covers/);
  });
  it('a 5-d mask whose batch dims are part broadcast is left to the composition', () => {
    const q5 = torch.randn([2, 3, 2, 3, 4]);
    const k5 = torch.randn([2, 3, 2, 5, 4]);
    expect(fusedAttentionApplies(q5, k5, k5, { ...base, mask: torch.zeros([2, 1, 1, 3, 5]) })).toBe(false);
    expect(fusedAttentionApplies(q5, k5, k5, { ...base, mask: torch.zeros([2, 3, 1, 3, 5]) })).toBe(true);
  });
});

describe('fused attention: autograd and memory', () => {
  it('refuses createGraph through its native backward', () => {
    const q = torch.randn([1, 3, 2]).requiresGrad_();
    const out = fusedAttention(q, q, q, { isCausal: false, scale: 1, dropoutP: 0 });
    expect(() => out.sum().backward({ createGraph: true })).toThrow();
  });
  // The CPU kernel reads strided rows in place (the heads of a packed in-projection) and
  // writes its output in the [B, L, H, EV] layout; its arithmetic does not depend on the
  // layout, so the results equal those of contiguous copies exactly.
  // L = 70 spans two key tiles, the second ragged, which the kernel packs per head-batch.
  it.each([5, 70])('reads q, k, v and the gradient where they lie, with the results of contiguous copies (L = %i)', (L) => {
    torch.manualSeed(3);
    const [B, H, E] = [2, 3, 4];
    for (const [name, make] of [
      ['packed [B, L, 3, H, E] heads', () => torch.randn([B, L, 3 * H * E]).reshape(B, L, 3, H, E).permute(2, 0, 3, 1, 4).unbind(0)],
      ['two batch dims that merge, heads and rows interleaved', () => [0, 1, 2].map(() => torch.randn([2, 2, L, H, E]).transpose(2, 3))],
      ['two batch dims that do not merge (copied)', () => [0, 1, 2].map(() => torch.randn([2, 2, L, H, E]).permute(1, 0, 3, 2, 4))],
    ] as const) {
      const [q, k, v] = (make() as Tensor[]).map((t) => t.detach().requiresGrad_());
      const options: FusedAttentionOptions = { isCausal: name.startsWith('two'), scale: 0.4, dropoutP: 0 };
      const out = fusedAttention(q, k, v, options);
      const g = torch.randn([...out.shape.slice(0, -3), L, H, E]).transpose(-3, -2);
      out.backward(g);
      const [q2, k2, v2] = [q, k, v].map((t) => t.detach().contiguous().requiresGrad_());
      const ref = fusedAttention(q2, k2, v2, options);
      ref.backward(g.contiguous());
      expect(Array.from(out.dataSync() as Float32Array), name).toEqual(Array.from(ref.dataSync() as Float32Array));
      for (const [a, b] of [[q, q2], [k, k2], [v, v2]]) {
        expect(Array.from(a.grad!.dataSync() as Float32Array), name).toEqual(Array.from(b.grad!.dataSync() as Float32Array));
      }
    }
  });

  it('copies nothing for the heads of a packed in-projection: the peak is the output and lse', () => {
    const [B, L, H, E] = [2, 64, 4, 16];
    const packed = torch.randn([B, L, 3 * H * E]);
    const [q, k, v] = packed.reshape(B, L, 3, H, E).permute(2, 0, 3, 1, 4).unbind(0);
    native.resetPeakMemory(0);
    const before = torch.memoryStats().cpu.allocatedBytes;
    const out = torch.noGrad(() => fusedAttention(q, k, v, { isCausal: false, scale: 0.25, dropoutP: 0 }));
    const peak = torch.memoryStats().cpu.peakAllocatedBytes - before;
    // The output, [B, L, H, E] floats, and lse, [B, H, L]: a copy of q alone would add 32 KiB.
    expect(peak).toBe(B * L * H * E * 4 + B * H * L * 4);
    out.dispose();
  });

  it('gives 4-D inputs an output whose heads merge without a copy on the CPU, as PyTorch 2 does', () => {
    const [q, k, v] = [0, 1, 2].map(() => torch.randn([2, 3, 5, 4]));
    const out = fusedAttention(q, k, v, { isCausal: false, scale: 0.5, dropoutP: 0 });
    expect(out.shape).toEqual([2, 3, 5, 4]);
    expect(out.transpose(1, 2).isContiguous()).toBe(true);
    // Other ranks go to PyTorch's math path, whose output is contiguous: so is ours.
    const [q3, k3, v3] = [0, 1, 2].map(() => torch.randn([3, 5, 4]));
    expect(fusedAttention(q3, k3, v3, { isCausal: false, scale: 0.5, dropoutP: 0 }).isContiguous()).toBe(true);
  });

  it('non-contiguous inputs and gradients give the contiguous results', () => {
    torch.manualSeed(1);
    const base = torch.randn([2, 6, 3, 4]);
    const q = base.transpose(1, 2).requiresGrad_();
    const k = torch.randn([2, 3, 6, 4]).requiresGrad_();
    const options: FusedAttentionOptions = { isCausal: true, scale: 0.5, dropoutP: 0 };
    const out = fusedAttention(q, k, k, options);
    const g = torch.randn([2, 3, 4, 6]).transpose(-2, -1);
    out.backward(g);
    const q2 = q.detach().contiguous().requiresGrad_();
    const k2 = k.detach().clone().requiresGrad_();
    const ref = composed(q2, k2, k2, options);
    ref.backward(g.contiguous());
    expectClose(out, ref, { rtol: 1e-4, atol: 1e-5 });
    expectClose(q.grad!, q2.grad!, { rtol: 1e-3, atol: 1e-4 });
    expectClose(k.grad!, k2.grad!, { rtol: 1e-3, atol: 1e-4 });
  });
  it('leaves no storages behind', async () => {
    const q = torch.randn([2, 2, 40, 8]);
    const mask = torch.randn([40, 40]).gt(-1);
    const run = () => {
      const a = q.clone().requiresGrad_();
      const out = fusedAttention(a, a, a, { isCausal: false, scale: 0.3, dropoutP: 0, mask });
      const total = out.sum();
      total.backward();
      total.dispose();
      a.grad!.dispose();
      out.dispose();
      a.dispose();
      torch.noGrad(() => fusedAttention(q, q, q, { isCausal: true, scale: 0.3, dropoutP: 0, mask }).dispose());
    };
    run();
    // An upper bound: a late finalizer of earlier tests' garbage can lower the count; a leak raises it.
    const before = await settledStorages();
    for (let i = 0; i < 3; i++) run();
    expect(await settledStorages()).toBeLessThanOrEqual(before);
  });
});
