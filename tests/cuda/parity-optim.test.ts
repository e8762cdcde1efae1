/**
 * The fused Adam/AdamW step on CUDA vs the CPU (native/cuda/optim.cu vs native/cpu/optim.cc,
 * one rule in flint/rules/adam.h with every operation rounded on its own): three steps from
 * the same parameter and gradients, float32 and float64, every option; the parameter and
 * both moments must agree to the last bit (zero tolerance).
 */
import { describe, it } from 'vitest';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { DEV, Failures, cudaGate, mulberry32, parity, randomTensor } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const { optim } = torch;

const CASES = [
  { name: 'Adam', ctor: optim.Adam, options: {} },
  { name: 'Adam weightDecay maximize', ctor: optim.Adam, options: { weightDecay: 0.1, maximize: true } },
  { name: 'AdamW', ctor: optim.AdamW, options: { lr: 3e-3, betas: [0.8, 0.95] as [number, number] } },
];

describe.skipIf(!run)(`fused Adam step: ${DEV} vs cpu`, () => {
  it('three steps of Adam and AdamW: parameter and moments bit for bit, float32 and float64', () => {
    const rng = mulberry32(1301);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      for (const c of CASES) {
        const r = () => randomTensor(rng, [33, 17], dtype, { lo: -2, hi: 2 });
        const inputs = [r(), r(), r(), r()];
        failures.add(parity(`${c.name} ${dtype.name}`, inputs, (p0: Tensor, ...grads: Tensor[]) => {
          const p = p0.detach().clone().requiresGrad_();
          const opt = new c.ctor([p], { lr: 1e-2, ...c.options });
          for (const g of grads) {
            p.grad = g.clone();
            opt.step();
          }
          const state = opt.stateDict().state.get(0)!;
          return [p.detach(), state.exp_avg as Tensor, state.exp_avg_sq as Tensor];
        }, { tol: { rtol: 0, atol: 0 } }));
      }
    }
    failures.check();
  });
});
