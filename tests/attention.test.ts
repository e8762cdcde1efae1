/**
 * F.scaledDotProductAttention and nn.MultiheadAttention against PyTorch
 * (tests/fixtures/transformer.json, scripts/make_transformer_fixtures.py): SDPA values and
 * gradients with bool/float masks, causal and scale (reference: PyTorch 2.x's documented
 * math, run in 1.13), float64 finite differences; MultiheadAttention outputs, weights and
 * gradients of inputs and parameters with both masks, kdim/vdim, bias_kv, zero attention,
 * batchFirst, unbatched input; its default init after manualSeed, reprs and errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { FIXTURES, TOL64, checkModuleCase } from './helpers/transformer-fixtures.js';

const { nn } = torch;
const F = nn.functional;

describe('F.scaledDotProductAttention', () => {
  for (const [name, c] of Object.entries(FIXTURES.sdpa)) {
    it(`${name}: values and gradients as PyTorch's`, () => {
      const [q, k, v] = [c.q, c.k, c.v].map((t) => fromFixture(t, { requiresGrad: true }));
      const mask = c.mask === null ? null : fromFixture(c.mask, { requiresGrad: c.mask.dtype === 'float64' });
      const out = F.scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.causal, scale: c.scale });
      expectClose(out, c.out, TOL64);
      out.mul(fromFixture(c.gradOutput)).sum().backward();
      [q, k, v].forEach((t, i) => expectClose(t.grad!, c.grads[i], { ...TOL64, label: `grad ${i}` }));
      if (c.maskGrad !== null) expectClose(mask!.grad!, c.maskGrad, { ...TOL64, label: 'mask grad' });
    });
  }

  it('float32 gives the float64 values to float32 precision', () => {
    const c = FIXTURES.sdpa.bool_mask_batch;
    const [q, k, v] = [c.q, c.k, c.v].map((t) => fromFixture(t, { dtype: 'float32' }));
    const out = F.scaledDotProductAttention(q, k, v, fromFixture(c.mask!));
    expect(out.dtype).toBe(torch.float32);
    expectClose(out.double(), c.out, { rtol: 1e-5, atol: 1e-5 });
  });

  it('takes attnMask, dropoutP and isCausal positionally, as PyTorch does', () => {
    const c = FIXTURES.sdpa.causal_square;
    const [q, k, v] = [c.q, c.k, c.v].map((t) => fromFixture(t));
    expectClose(F.scaledDotProductAttention(q, k, v, null, 0, true), c.out, TOL64);
    expectClose(F.scaledDotProductAttention(q, k, v, null, 0, { isCausal: true }), c.out, TOL64);
    const m = FIXTURES.sdpa.float_mask;
    const [q2, k2, v2] = [m.q, m.k, m.v].map((t) => fromFixture(t));
    expectClose(F.scaledDotProductAttention(q2, k2, v2, fromFixture(m.mask!)), m.out, TOL64);
  });

  it('passes float64 finite differences with a float mask and causal', () => {
    torch.manualSeed(1);
    const q = torch.randn([2, 3, 4], { dtype: torch.float64, requiresGrad: true });
    const k = torch.randn([2, 5, 4], { dtype: torch.float64, requiresGrad: true });
    const v = torch.randn([2, 5, 3], { dtype: torch.float64, requiresGrad: true });
    const mask = torch.randn([3, 5], { dtype: torch.float64, requiresGrad: true });
    gradcheck((a, b, c, m) => F.scaledDotProductAttention(a, b, c, { attnMask: m, scale: 0.7 }), [q, k, v, mask]);
    gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, null, 0, true), [q, k, v]);
  });

  it('dropout: p = 1 drops every weight, p > 0 is random and unbiased', () => {
    torch.manualSeed(0);
    const q = torch.randn(2, 4, 8);
    const v = torch.ones(2, 4, 8);
    expect(F.scaledDotProductAttention(q, q, v, { dropoutP: 1 }).abs().sum().item()).toBe(0);
    const a = F.scaledDotProductAttention(q, q, v, { dropoutP: 0.5 });
    const b = F.scaledDotProductAttention(q, q, v, { dropoutP: 0.5 });
    expect(a.sub(b).abs().sum().item()).toBeGreaterThan(0);
    // Surviving weights are scaled by 1/(1-p): rows of ones give a mean of 1 over many draws.
    const big = F.scaledDotProductAttention(torch.zeros(1, 64, 8), torch.zeros(1, 64, 8), torch.ones(1, 64, 8), { dropoutP: 0.5 });
    expect(Math.abs((big.mean().item() as number) - 1)).toBeLessThan(0.05);
  });

  it("refuses a mask with isCausal and bad arguments, with PyTorch's messages", () => {
    const q = torch.randn(2, 3, 4);
    expect(() => F.scaledDotProductAttention(q, q, q, torch.ones([3, 3], { dtype: torch.bool }), 0, true)).toThrow(
      '_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True',
    );
    expect(() => F.scaledDotProductAttention(q, q, q.double())).toThrow('Expected query, key, and value to have the same dtype');
    expect(() => F.scaledDotProductAttention(q, q, q, { bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => F.scaledDotProductAttention(q, torch.randn(2, 3, 5), q)).toThrow(/key's last dim/);
    expect(() => F.scaledDotProductAttention(q, q, q, torch.ones([3, 3], { dtype: torch.int64 }))).toThrow(/attn_mask dtype/);
  });
});

describe('softmax over contiguous rows (the attention path)', () => {
  it("keeps PyTorch's NaN and infinity semantics and the strided path's values", () => {
    const rows = torch.tensor([[1, NaN, 2, 0, 1], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [1, Infinity, 0, 0, 0], [-Infinity, 0, -Infinity, 0, 1]]);
    const got = Array.from(rows.softmax(-1).dataSync() as Float32Array);
    for (let i = 0; i < 15; i++) expect(Number.isNaN(got[i])).toBe(true);
    const e = Math.E;
    [0, 1 / (2 + e), 0, 1 / (2 + e), e / (2 + e)].forEach((v, i) => expect(got[15 + i]).toBeCloseTo(v, 6));
    torch.manualSeed(2);
    const x = torch.randn(37, 131).mul(5);
    expectClose(x.softmax(-1), x.t().contiguous().softmax(0).t(), { rtol: 1e-6, atol: 1e-7 });
  });
});

type MhaCall = (m: torch.nn.MultiheadAttention, ...xs: (Tensor | null)[]) => [Tensor, Tensor | null];
const MHA_CASES: Record<string, [() => torch.nn.MultiheadAttention, MhaCall]> = {
  self_basic: [() => new nn.MultiheadAttention(8, 2), (m, x) => m(x!, x!, x!)],
  masks_bool: [() => new nn.MultiheadAttention(8, 2), (m, q, k, _v, kpm, am) => m(q!, k!, k!, { keyPaddingMask: kpm, attnMask: am })],
  masks_float: [() => new nn.MultiheadAttention(8, 2), (m, q, k, v, kpm, am) => m(q!, k!, v!, kpm, true, am)],
  kdim_vdim: [() => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5 }), (m, q, k, v) => m(q!, k!, v!, { averageAttnWeights: false })],
  bias_kv_zero_attn: [
    () => new nn.MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true }),
    (m, q, k, v, kpm, am) => m(q!, k!, v!, { keyPaddingMask: kpm, attnMask: am }),
  ],
  batch_first_no_weights: [
    () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
    (m, q, k, v, kpm) => m(q!, k!, v!, { keyPaddingMask: kpm, needWeights: false }),
  ],
  batch_first_weights: [() => new nn.MultiheadAttention(8, 2, { batchFirst: true }), (m, q, k, v) => m(q!, k!, v!, { averageAttnWeights: false })],
  unbatched: [() => new nn.MultiheadAttention(8, 2), (m, q, k, v, kpm, am) => m(q!, k!, v!, { keyPaddingMask: kpm, attnMask: am })],
  no_bias: [() => new nn.MultiheadAttention(8, 2, { bias: false }), (m, q, k, v) => m(q!, k!, v!)],
  causal_float_mask: [() => new nn.MultiheadAttention(8, 2), (m, x, _k, _v, am) => m(x!, x!, x!, { attnMask: am, needWeights: false })],
};

describe('nn.MultiheadAttention', () => {
  for (const [name, [make, call]] of Object.entries(MHA_CASES)) {
    it(`${name}: PyTorch's state dict loads by name and gives its outputs and gradients`, () => {
      checkModuleCase(make(), FIXTURES.mha[name], call as never);
    });
  }

  it('the isCausal hint with a causal mask and needWeights false gives the masked result', () => {
    const c = FIXTURES.mha.causal_float_mask;
    const m = new nn.MultiheadAttention(8, 2).double().eval();
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(v)])));
    const x = fromFixture(c.inputs[0]!);
    const [out] = m(x, x, x, { attnMask: fromFixture(c.inputs[3]!), needWeights: false, isCausal: true });
    expectClose(out, c.out, TOL64);
    expect(() => m(x, x, x, { isCausal: true })).toThrow('Need attn_mask if specifying the is_causal hint');
  });

  for (const [name, make] of [
    ['mha', () => new nn.MultiheadAttention(8, 2)],
    ['mha_kdim_bias_kv', () => new nn.MultiheadAttention(8, 2, { addBiasKv: true, kdim: 6, vdim: 5 })],
  ] as const) {
    it(`${name}: default init after manualSeed is PyTorch's, bit for bit, in its key order`, () => {
      const ref = FIXTURES.init[name];
      torch.manualSeed(7);
      const state = make().stateDict();
      expect(Object.keys(state)).toEqual(ref.keys);
      for (const key of ref.keys) expectClose(state[key], fromFixture(ref.state[key]), { rtol: 0, atol: 0, label: key });
    });
  }

  it("prints as PyTorch's", () => {
    expect(String(new nn.MultiheadAttention(8, 2))).toBe(FIXTURES.reprs.mha);
    expect(String(new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 5, bias: false }))).toBe(FIXTURES.reprs.mha_kdim);
  });

  it("raises PyTorch's errors", () => {
    const E = FIXTURES.errors;
    const m = new nn.MultiheadAttention(8, 2);
    const q = torch.randn(5, 2, 8);
    expect(() => m(q, q, q, { attnMask: torch.zeros(4, 5) })).toThrow(E.mha_attn_mask_2d);
    expect(() => m(q, q, q, { attnMask: torch.zeros(3, 5, 5) })).toThrow(E.mha_attn_mask_3d);
    expect(() => m(q, q, q, { keyPaddingMask: torch.zeros([2, 4], { dtype: torch.bool }) })).toThrow(E.mha_kpm_shape);
    expect(() => m(torch.randn(1, 5, 2, 8), q, q)).toThrow(E.mha_query_4d);
    expect(() => m(q, torch.randn(5, 8), q)).toThrow(E.mha_key_2d);
    expect(() => m(torch.randn(5, 2, 6), torch.randn(5, 2, 6), torch.randn(5, 2, 6))).toThrow(E.mha_embed_dim);
    expect(() => m(q, torch.randn(4, 2, 8), torch.randn(3, 2, 8))).toThrow(E.mha_kv_shape);
    expect(() => new nn.MultiheadAttention(8, 3)).toThrow(E.mha_divisible);
    expect(() => m(q, q, q, { keyPaddingMask: torch.zeros([2, 5, 1], { dtype: torch.bool }) })).toThrow(E.mha_kpm_dim);
    expect(() => m(q, q, q, { needWeight: false } as never)).toThrow(/needWeight/);
  });

  it('F.multiHeadAttentionForward is the functional form of the module', () => {
    const c = FIXTURES.mha.masks_float;
    const m = new nn.MultiheadAttention(8, 2).double().eval();
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(v)])));
    const [q, k, v, kpm, am] = c.inputs.map((t) => fromFixture(t!));
    const [out, w] = F.multiHeadAttentionForward(q, k, v, 8, 2, m.in_proj_weight, m.in_proj_bias, null, null, false, 0,
      m.out_proj.weight, m.out_proj.bias, { keyPaddingMask: kpm, attnMask: am, training: false });
    expectClose(out, c.out, TOL64);
    expectClose(w!, c.weights!, TOL64);
  });
});
