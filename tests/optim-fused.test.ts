/**
 * The optimizers update a param group's contiguous float32/float64 parameters in one native
 * call (src/optim/fused.ts; the rules in native/include/flint/rules/). That call must give
 * the bits of the composite update (the separate ops of PyTorch's single-tensor path), which
 * strided parameters still take: the two run side by side here on the same values, for
 * every option, and then inside one group that mixes both paths, dtypes and sizes.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const { optim } = torch;

function bits(t: Tensor): string {
  const data = t.contiguous().dataSync();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

type Ctor = new (params: Tensor[], options: Record<string, unknown>) => torch.optim.Optimizer;
interface Case {
  name: string;
  ctor: Ctor;
  options: Record<string, unknown>;
  /** The state tensors to compare, by their PyTorch names. */
  state: string[];
}

const CASES: Case[] = [
  { name: 'Adam', ctor: optim.Adam as Ctor, options: {}, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'Adam weightDecay maximize', ctor: optim.Adam as Ctor, options: { weightDecay: 0.1, maximize: true, betas: [0.8, 0.95] }, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'Adam amsgrad', ctor: optim.Adam as Ctor, options: { amsgrad: true }, state: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] },
  { name: 'AdamW', ctor: optim.AdamW as Ctor, options: { lr: 3e-3 }, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'AdamW amsgrad, no decay, eps 1e-3', ctor: optim.AdamW as Ctor, options: { weightDecay: 0, eps: 1e-3, amsgrad: true }, state: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] },
  { name: 'SGD', ctor: optim.SGD as Ctor, options: {}, state: [] },
  { name: 'SGD lr -1 (alpha exactly 1)', ctor: optim.SGD as Ctor, options: { lr: 0, maximize: true }, state: [] },
  { name: 'SGD weightDecay maximize', ctor: optim.SGD as Ctor, options: { weightDecay: 0.05, maximize: true }, state: [] },
  { name: 'SGD momentum', ctor: optim.SGD as Ctor, options: { momentum: 0.9 }, state: ['momentum_buffer'] },
  { name: 'SGD momentum dampening decay', ctor: optim.SGD as Ctor, options: { momentum: 0.8, dampening: 0.3, weightDecay: 1e-2 }, state: ['momentum_buffer'] },
  { name: 'SGD Nesterov maximize', ctor: optim.SGD as Ctor, options: { momentum: 0.9, nesterov: true, maximize: true, weightDecay: 1e-3 }, state: ['momentum_buffer'] },
  { name: 'Adagrad', ctor: optim.Adagrad as Ctor, options: {}, state: ['sum'] },
  { name: 'Adagrad lrDecay weightDecay maximize', ctor: optim.Adagrad as Ctor, options: { lrDecay: 0.1, weightDecay: 0.05, maximize: true, initialAccumulatorValue: 0.1 }, state: ['sum'] },
  { name: 'RMSprop', ctor: optim.RMSprop as Ctor, options: {}, state: ['square_avg'] },
  { name: 'RMSprop centered momentum', ctor: optim.RMSprop as Ctor, options: { centered: true, momentum: 0.9, weightDecay: 0.01 }, state: ['square_avg', 'momentum_buffer', 'grad_avg'] },
  { name: 'RMSprop momentum maximize', ctor: optim.RMSprop as Ctor, options: { momentum: 0.5, maximize: true, alpha: 0.9 }, state: ['square_avg', 'momentum_buffer'] },
  { name: 'Adadelta', ctor: optim.Adadelta as Ctor, options: { lr: 1 }, state: ['square_avg', 'acc_delta'] },
  { name: 'Adadelta weightDecay maximize', ctor: optim.Adadelta as Ctor, options: { rho: 0.8, weightDecay: 0.1, maximize: true }, state: ['square_avg', 'acc_delta'] },
  { name: 'Adamax', ctor: optim.Adamax as Ctor, options: {}, state: ['exp_avg', 'exp_inf'] },
  { name: 'Adamax weightDecay maximize', ctor: optim.Adamax as Ctor, options: { weightDecay: 0.1, maximize: true, betas: [0.8, 0.9] }, state: ['exp_avg', 'exp_inf'] },
  { name: 'NAdam', ctor: optim.NAdam as Ctor, options: {}, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'NAdam weightDecay momentumDecay', ctor: optim.NAdam as Ctor, options: { weightDecay: 0.1, momentumDecay: 0.01 }, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'RAdam', ctor: optim.RAdam as Ctor, options: {}, state: ['exp_avg', 'exp_avg_sq'] },
  // beta2 0.5: rho_t passes 5 at the sixth step, so both branches run.
  { name: 'RAdam weightDecay, rectified early', ctor: optim.RAdam as Ctor, options: { weightDecay: 0.1, betas: [0.9, 0.5] }, state: ['exp_avg', 'exp_avg_sq'] },
  { name: 'ASGD', ctor: optim.ASGD as Ctor, options: {}, state: ['ax'] },
  { name: 'ASGD averaging from step 2', ctor: optim.ASGD as Ctor, options: { t0: 2, lambd: 0.01, weightDecay: 0.05, maximize: true }, state: ['ax'] },
  { name: 'Rprop', ctor: optim.Rprop as Ctor, options: {}, state: ['prev', 'step_size'] },
  { name: 'Rprop tight steps maximize', ctor: optim.Rprop as Ctor, options: { etas: [0.3, 1.5], stepSizes: [1e-3, 2e-2], maximize: true }, state: ['prev', 'step_size'] },
];

describe('the fused optimizer steps give the composite update bit for bit', () => {
  for (const dtype of [torch.float32, torch.float64]) {
    for (const c of CASES) {
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
        for (const name of c.state) expect(bits(sa[name] as Tensor), name).toBe(bits(sb[name] as Tensor));
        if (c.options.lr !== 0) expect(fused.detach().sub(init).abs().max().item()).toBeGreaterThan(0);
      });
    }
  }

  // One group of 300 parameters (more than one native call holds), of both dtypes and many
  // sizes, one of them empty and one strided, some without a gradient in some steps (so that
  // their step counts differ): each must end as it would alone, on the composite path.
  const MIXED = ['Adam amsgrad', 'AdamW', 'SGD Nesterov maximize', 'SGD', 'Adagrad lrDecay weightDecay maximize', 'RMSprop centered momentum', 'Adadelta', 'Adamax', 'NAdam', 'RAdam weightDecay, rectified early', 'ASGD averaging from step 2', 'Rprop'];
  for (const c of CASES.filter((c) => MIXED.includes(c.name))) {
    it(`${c.name}: a mixed group of 300 parameters`, () => {
      torch.manualSeed(5);
      const shapes = Array.from({ length: 300 }, (_, i) => (i === 7 ? [0] : i % 3 === 0 ? [i % 11 + 1, 3] : [i % 17 + 1]));
      const dtypes = shapes.map((_, i) => (i % 5 === 0 ? torch.float64 : torch.float32));
      const inits = shapes.map((s, i) => torch.randn(s, { dtype: dtypes[i] }));
      const group = inits.map((t, i) => (i === 12 ? t.t().contiguous().t() : t.clone()).requiresGrad_());
      if (shapes[12].length === 2) expect(group[12].isContiguous()).toBe(false);
      // The reference: every parameter stepped on its own, through the composite ops (transposed copies).
      const alone = inits.map((t) => (t.dim() === 2 ? t.t().contiguous().t() : torch.stack([t, t], 1).select(1, 0)).requiresGrad_());
      expect(alone.filter((t) => !t.isContiguous()).length).toBeGreaterThan(250);
      const a = new c.ctor(group, { lr: 1e-2, ...c.options });
      const singles = alone.map((p) => new c.ctor([p], { lr: 1e-2, ...c.options }));
      for (let step = 0; step < 4; step++) {
        for (let i = 0; i < group.length; i++) {
          const skip = (i + step) % 7 === 0;
          const g = torch.randn(shapes[i], { dtype: dtypes[i] });
          group[i].grad = skip ? null : g.clone();
          alone[i].grad = skip ? null : g.clone();
          if (!skip) singles[i].step();
        }
        a.step();
      }
      for (let i = 0; i < group.length; i++) expect(bits(group[i].detach()), `parameter ${i}`).toBe(bits(alone[i].detach()));
    });
  }

  it('bumps the parameter version, so that a graph that saved it refuses to backward', () => {
    for (const ctor of [optim.AdamW, optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adamax, optim.NAdam, optim.RAdam, optim.ASGD, optim.Rprop] as Ctor[]) {
      const p = torch.ones([4], { requiresGrad: true });
      const y = p.mul(p).sum();
      p.grad = torch.ones([4]);
      new ctor([p], { lr: 0.1 }).step();
      expect(() => y.backward()).toThrow(/modified by an inplace operation/);
    }
  });
});
