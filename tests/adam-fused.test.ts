/**
 * Adam and AdamW update contiguous float32/float64 parameters in one native pass
 * (`adamStep`, flint/rules/adam.h). That pass must give the bits of the composite update
 * (the separate ops of PyTorch's single-tensor Adam), which strided parameters still take:
 * the two are run side by side here on the same values, for every option.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';

const { optim } = torch;

function bits(t: Tensor): string {
  const data = t.contiguous().dataSync();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

describe('the fused Adam step gives the composite update bit for bit', () => {
  const cases = [
    { name: 'Adam', ctor: optim.Adam, options: {} },
    { name: 'Adam weightDecay maximize', ctor: optim.Adam, options: { weightDecay: 0.1, maximize: true, betas: [0.8, 0.95] as [number, number] } },
    { name: 'AdamW', ctor: optim.AdamW, options: { lr: 3e-3 } },
    { name: 'AdamW no decay, eps 1e-3', ctor: optim.AdamW, options: { weightDecay: 0, eps: 1e-3 } },
  ];
  for (const dtype of [torch.float32, torch.float64]) {
    for (const c of cases) {
      it(`${c.name} (${dtype.name})`, () => {
        torch.manualSeed(11);
        const init = torch.randn([37, 29], { dtype });
        // The same values twice: contiguous (the fused pass) and transposed (the composite ops).
        const fused = init.clone().requiresGrad_();
        const strided = init.t().contiguous().t().requiresGrad_();
        expect(strided.isContiguous()).toBe(false);
        const a = new c.ctor([fused], { lr: 1e-2, ...c.options });
        const b = new c.ctor([strided], { lr: 1e-2, ...c.options });
        for (let step = 0; step < 6; step++) {
          const g = torch.randn([37, 29], { dtype }).mul(step + 1);
          fused.grad = g.clone();
          strided.grad = g.t().contiguous().t();
          a.step();
          b.step();
          expect(bits(fused.detach())).toBe(bits(strided.detach()));
        }
        const sa = a.stateDict().state.get(0)!, sb = b.stateDict().state.get(0)!;
        expect(bits(sa.exp_avg as Tensor)).toBe(bits(sb.exp_avg as Tensor));
        expect(bits(sa.exp_avg_sq as Tensor)).toBe(bits(sb.exp_avg_sq as Tensor));
        expect(fused.detach().sub(init).abs().max().item()).toBeGreaterThan(0);
      });
    }
  }

  it('bumps the parameter version, so that a graph that saved it refuses to backward', () => {
    const p = torch.ones([4], { requiresGrad: true });
    const y = p.mul(p).sum();
    p.grad = torch.ones([4]);
    new optim.AdamW([p]).step();
    expect(() => y.backward()).toThrow(/modified by an inplace operation/);
  });
});
