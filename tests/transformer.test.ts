/**
 * The Transformer layers, stacks and nn.Transformer against PyTorch 1.13
 * (tests/fixtures/transformer.json, scripts/make_transformer_fixtures.py): PyTorch's state
 * dicts load by name and give its outputs and gradients (post- and pre-norm, relu and
 * gelu, masks, batchFirst); default init after manualSeed bit for bit; reprs; the clones
 * of a stack; generateSquareSubsequentMask; bias: false structure; errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { collectGarbage } from './helpers/memory.js';
import type { Tensor } from 'flint-torch';
import { expectClose, fromFixture } from './helpers/reference.js';
import { FIXTURES, checkModuleCase } from './helpers/transformer-fixtures.js';

const { nn } = torch;
type Call = (m: any, ...xs: (Tensor | null)[]) => Tensor; // eslint-disable-line @typescript-eslint/no-explicit-any

const CASES: Record<string, [() => torch.nn.Module, Call]> = {
  enc_post_relu: [() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), (m, s, am, kpm) => m(s, { srcMask: am, srcKeyPaddingMask: kpm })],
  enc_pre_gelu: [
    () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', normFirst: true, batchFirst: true }),
    (m, s, kpm) => m(s, null, kpm),
  ],
  dec_post_relu: [
    () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }),
    (m, t, s, tm, mkpm) => m(t, s, { tgtMask: tm, memoryKeyPaddingMask: mkpm }),
  ],
  dec_pre_gelu: [
    () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu', normFirst: true }),
    (m, t, s, tkpm) => m(t, s, { tgtKeyPaddingMask: tkpm }),
  ],
  encoder_stack: [
    () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, { norm: new nn.LayerNorm(8) }),
    (m, s, am) => m(s, { mask: am }),
  ],
  decoder_stack: [
    () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, normFirst: true }), 2, { norm: new nn.LayerNorm(8) }),
    (m, t, s) => m(t, s),
  ],
  transformer: [
    () => new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 16 }),
    (m, s, t, tm, skpm) => m(s, t, { tgtMask: tm, srcKeyPaddingMask: skpm, memoryKeyPaddingMask: skpm }),
  ],
  transformer_batch_first: [
    () => new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, batchFirst: true, activation: 'gelu' }),
    (m, s, t) => m(s, t),
  ],
};

describe('Transformer layers, stacks and nn.Transformer', () => {
  for (const [name, [make, call]] of Object.entries(CASES)) {
    it(`${name}: PyTorch's state dict loads by name and gives its outputs and gradients`, () => {
      checkModuleCase(make(), FIXTURES.layers[name], call);
    });
  }

  for (const [name, make] of [
    ['encoder_layer', () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 })],
    ['encoder', () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2)],
    ['transformer', () => new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 })],
  ] as const) {
    it(`${name}: default init after manualSeed is PyTorch's, bit for bit, in its key order`, () => {
      const ref = FIXTURES.init[name];
      torch.manualSeed(7);
      const state = make().stateDict();
      expect(Object.keys(state)).toEqual(ref.keys);
      for (const key of ref.keys) expectClose(state[key], fromFixture(ref.state[key]), { rtol: 0, atol: 0, label: key });
    });
  }

  it('the stack holds deep copies: equal at init, then independent', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const encoder = new nn.TransformerEncoder(layer, 3);
    const [a, b] = encoder.layers.children() as torch.nn.TransformerEncoderLayer[];
    expect(a).not.toBe(layer);
    expect(a.linear1.weight).not.toBe(b.linear1.weight);
    expectClose(a.linear1.weight, b.linear1.weight, { rtol: 0, atol: 0 });
    expectClose(a.self_attn.in_proj_weight!, layer.self_attn.in_proj_weight!, { rtol: 0, atol: 0 });
    expect(a.linear1.weight.requiresGrad).toBe(true);
    torch.noGrad(() => a.linear1.weight.add_(1));
    expect(b.linear1.weight.sub(a.linear1.weight).abs().max().item()).toBeCloseTo(1, 6);
    expect(encoder.parameters().length).toBe(3 * layer.parameters().length);
    expect(String(a)).toBe(String(layer));
  });

  it("prints as PyTorch's", () => {
    const R = FIXTURES.reprs;
    expect(String(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }))).toBe(R.encoder_layer);
    expect(String(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.2, layerNormEps: 1e-6 }))).toBe(R.decoder_layer);
    expect(String(new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 }))).toBe(R.transformer);
  });

  it('generateSquareSubsequentMask is -inf above the diagonal', () => {
    expectClose(nn.Transformer.generateSquareSubsequentMask(4), FIXTURES.reprs.square_mask);
    expect(nn.Transformer.generateSquareSubsequentMask(2, { dtype: torch.float64 }).dtype).toBe(torch.float64);
  });

  it('a causal mask given to an encoder or decoder stack is detected as PyTorch 2 does, and then skipped keys stay out', () => {
    torch.manualSeed(0);
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 32, dropout: 0, batchFirst: true }), 2);
    const x = torch.rand(2, 5, 16);
    // A key position holding NaN: an added -inf mask still gives NaN + -inf = NaN in every
    // row, while the causal attention PyTorch 2 switches to never reads keys past a query.
    x.select(1, 4).fill_(NaN);
    for (const mask of [nn.Transformer.generateSquareSubsequentMask(5), nn.Transformer.generateSquareSubsequentMask(5, { dtype: torch.bool })]) {
      const detected = enc.forward(x, { mask });
      expect(detected.select(1, 3).isnan().any().item()).toBeFalsy();
      expect(detected.select(1, 4).isnan().all().item()).toBeTruthy();
      expect(torch.equal(detected.narrow(1, 0, 4), enc.forward(x, { mask, isCausal: true }).narrow(1, 0, 4))).toBe(true);
      // An explicit isCausal: false keeps the mask as given.
      expect(enc.forward(x, { mask, isCausal: false }).select(1, 0).isnan().all().item()).toBeTruthy();
    }
    // A mask that is not the causal one is added as it is.
    const other = nn.Transformer.generateSquareSubsequentMask(5).transpose(0, 1).contiguous();
    expect(enc.forward(x, { mask: other }).select(1, 0).isnan().all().item()).toBeTruthy();
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(16, 4, { dimFeedforward: 32, dropout: 0 }), 1);
    const tgt = torch.rand(5, 1, 16);
    tgt.select(0, 4).fill_(NaN);
    const out = dec.forward(tgt, torch.rand(3, 1, 16), { tgtMask: nn.Transformer.generateSquareSubsequentMask(5) });
    expect(out.select(0, 0).isnan().any().item()).toBeFalsy();
  });

  it('bias: false (PyTorch >= 2.1) drops the biases of every Linear, LayerNorm and attention', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, bias: false });
    expect(Object.keys(layer.stateDict())).toEqual([
      'self_attn.in_proj_weight', 'self_attn.out_proj.weight', 'linear1.weight', 'linear2.weight', 'norm1.weight', 'norm2.weight',
    ]);
    expect(layer.linear1.bias).toBeNull();
    expect(layer.norm1.bias).toBeNull();
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, bias: false });
    expect(model.namedParameters().filter(([n]) => n.includes('bias'))).toEqual([]);
    const out = model(torch.randn(5, 2, 8), torch.randn(4, 2, 8));
    expect(out.shape).toEqual([4, 2, 8]);
  });

  it('activations: a function and a module are accepted; a module is registered', () => {
    const x = torch.randn(5, 2, 8);
    const byName = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: 'gelu' }).eval();
    const byFn = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: (t: Tensor) => nn.functional.gelu(t) }).eval();
    const byModule = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: new nn.GELU() }).eval();
    byFn.loadStateDict(byName.stateDict());
    byModule.loadStateDict(byName.stateDict());
    expectClose(byFn(x), byName(x));
    expectClose(byModule(x), byName(x));
    expect(byModule.namedChildren().map(([n]) => n).at(-1)).toBe('activation');
  });

  it('dropout is applied in training and not in eval', () => {
    torch.manualSeed(0);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5 });
    const x = torch.randn(5, 2, 8);
    const a = layer(x);
    const b = layer(x);
    expect(a.sub(b).abs().max().item()).toBeGreaterThan(0);
    layer.eval();
    expectClose(layer(x), layer(x), { rtol: 0, atol: 0 });
  });

  it("raises PyTorch's errors", () => {
    const E = FIXTURES.errors;
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never })).toThrow(E.activation);
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expect(() => model(torch.randn(5, 2, 8), torch.randn(4, 3, 8))).toThrow(E.transformer_batch);
    expect(() => model(torch.randn(5, 2, 6), torch.randn(4, 2, 6))).toThrow(E.transformer_d_model);
    expect(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 2, { nrom: null } as never)).toThrow(/nrom/);
    expect(() => new nn.TransformerEncoder({} as never, 2)).toThrow(/encoderLayer/);
  });
});

describe('an inference forward frees its intermediates (private-intermediates.ts)', () => {
  const encoder = () => {
    torch.manualSeed(0);
    const layer = new torch.nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, batchFirst: true });
    return new torch.nn.TransformerEncoder(layer, 2).eval();
  };
  const liveStorages = () => torch.memoryStats().cpu.storages;

  it('leaves only its output alive, with the values of a forward that keeps them', () => {
    const net = encoder();
    const x = torch.randn([2, 5, 16]);
    const kept = torch.enableGrad(() => net.forward(x)).detach();
    // The graph above is garbage now: collect it first, or a collection during the forward
    // below would count its storages as freed there.
    collectGarbage();
    const before = liveStorages();
    const out = torch.noGrad(() => net.forward(x));
    expect(liveStorages() - before).toBe(1);
    expect(Array.from(out.dataSync() as Float32Array)).toEqual(Array.from(kept.dataSync() as Float32Array));
    const mha = net.layers.at(0) as torch.nn.TransformerEncoderLayer;
    collectGarbage();
    const before2 = liveStorages();
    const [attended, weights] = torch.noGrad(() => mha.self_attn(x, x, x));
    expect(liveStorages() - before2).toBe(2);
    expect(weights!.shape).toEqual([2, 5, 5]);
    expect(attended.shape).toEqual([2, 5, 16]);
  });

  it('frees nothing that a hook, a user activation or a gradient can see', () => {
    const net = encoder();
    const x = torch.randn([2, 5, 16]);
    const seen: Tensor[] = [];
    const layer0 = net.layers.at(0) as torch.nn.TransformerEncoderLayer;
    const handle = layer0.norm1.registerForwardHook((_m: unknown, _i: unknown, out: unknown) => void seen.push(out as Tensor));
    torch.noGrad(() => net.forward(x));
    handle.remove();
    expect(seen[0].sum().item()).toBeTypeOf('number'); // still alive: not disposed under the hook
    const layer1 = net.layers.at(1) as torch.nn.TransformerEncoderLayer;
    layer1.activation = (t: Tensor) => {
      seen.push(t);
      return t.relu();
    };
    torch.noGrad(() => net.forward(x));
    expect(seen[1].sum().item()).toBeTypeOf('number');
    const y = net.train().forward(x.clone().requiresGrad_());
    y.sum().backward();
    expect(layer0.linear1.weight.grad).not.toBeNull();
  });
});
