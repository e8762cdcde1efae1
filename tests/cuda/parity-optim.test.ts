/**
 * The fused optimizer steps on CUDA vs the CPU (native/cuda/optim.cu vs native/cpu/optim.cc:
 * one rule per optimizer in flint/rules/, every operation rounded on its own): three steps
 * from the same parameter and gradients, float32 and float64, for every optimizer with its
 * options on; then one group of parameters of many sizes (more rows than one launch's table
 * holds). Parameters and state must agree to the last bit (zero tolerance).
 */
import { describe, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DEV, Failures, cudaGate, mulberry32, parity, randomTensor } from './helpers.js';

const hasCuda = torch.cuda.isAvailable();
const run = cudaGate(hasCuda);
const { optim } = torch;

type Ctor = new (params: Tensor[], options: Record<string, unknown>) => torch.optim.Optimizer;
const CASES: { name: string; ctor: Ctor; options: Record<string, unknown> }[] = [
  { name: 'Adam', ctor: optim.Adam as Ctor, options: {} },
  { name: 'Adam weightDecay maximize amsgrad', ctor: optim.Adam as Ctor, options: { weightDecay: 0.1, maximize: true, amsgrad: true } },
  { name: 'AdamW', ctor: optim.AdamW as Ctor, options: { lr: 3e-3, betas: [0.8, 0.95] } },
  { name: 'SGD', ctor: optim.SGD as Ctor, options: { weightDecay: 0.01 } },
  { name: 'SGD Nesterov', ctor: optim.SGD as Ctor, options: { momentum: 0.9, nesterov: true } },
  { name: 'SGD momentum dampening maximize', ctor: optim.SGD as Ctor, options: { momentum: 0.8, dampening: 0.3, maximize: true } },
  { name: 'Adagrad', ctor: optim.Adagrad as Ctor, options: { lrDecay: 0.1, weightDecay: 0.05 } },
  { name: 'RMSprop centered momentum', ctor: optim.RMSprop as Ctor, options: { centered: true, momentum: 0.9, weightDecay: 0.01 } },
  { name: 'RMSprop', ctor: optim.RMSprop as Ctor, options: { maximize: true } },
  { name: 'Adadelta', ctor: optim.Adadelta as Ctor, options: { rho: 0.8, weightDecay: 0.1 } },
  { name: 'Adamax', ctor: optim.Adamax as Ctor, options: { weightDecay: 0.1, maximize: true } },
  { name: 'NAdam', ctor: optim.NAdam as Ctor, options: { weightDecay: 0.1, momentumDecay: 0.01 } },
  { name: 'RAdam rectified', ctor: optim.RAdam as Ctor, options: { weightDecay: 0.1, betas: [0.9, 0.5] } },
  { name: 'ASGD', ctor: optim.ASGD as Ctor, options: { t0: 1, lambd: 0.01 } },
  { name: 'Rprop', ctor: optim.Rprop as Ctor, options: { etas: [0.3, 1.5], stepSizes: [1e-3, 2e-2] } },
];

/** The parameters and every state tensor after stepping `opt` through `grads`. */
function stepped(ctor: Ctor, options: Record<string, unknown>, params: Tensor[], gradsPerStep: Tensor[][]): Tensor[] {
  const ps = params.map((p) => p.detach().clone().requiresGrad_());
  const opt = new ctor(ps, { lr: 1e-2, ...options });
  for (const grads of gradsPerStep) {
    ps.forEach((p, i) => (p.grad = grads[i].clone()));
    opt.step();
  }
  const device = ps[0].device;
  const state = [...opt.stateDict().state.values()].flatMap((s) =>
    Object.entries(s)
      .filter((e): e is [string, Tensor] => e[1] instanceof torch.Tensor)
      .map(([key, v]) => {
        // Step counts (and ASGD's eta and mu) are 0-dim CPU tensors whatever the
        // parameter's device, as in PyTorch 1.13 without capturable/fused.
        if (v.dim() > 0) return v;
        if (v.device.type !== 'cpu') throw new Error(`state ${key} is on ${v.device}, not cpu`);
        return v.to(device);
      }),
  );
  return [...ps.map((p) => p.detach()), ...state];
}

describe.skipIf(!run)(`fused optimizer steps: ${DEV} vs cpu`, () => {
  it('three steps of every optimizer: parameter and state bit for bit, float32 and float64', () => {
    const rng = mulberry32(1301);
    const failures = new Failures();
    for (const dtype of [torch.float32, torch.float64]) {
      for (const c of CASES) {
        const r = () => randomTensor(rng, [33, 17], dtype, { lo: -2, hi: 2 });
        const inputs = [r(), r(), r(), r()];
        failures.add(
          parity(`${c.name} ${dtype.name}`, inputs, (p: Tensor, ...grads: Tensor[]) => stepped(c.ctor, c.options, [p], grads.map((g) => [g])), {
            tol: { rtol: 0, atol: 0 },
          }),
        );
      }
    }
    failures.check();
  });

  it('a group of 70 parameters of many sizes (two launches of rows) gives the CPU bits', () => {
    const rng = mulberry32(77);
    const failures = new Failures();
    const sizes = Array.from({ length: 70 }, (_, i) => (i === 3 ? 0 : ((i * 37) % 500) + 1));
    const params = sizes.map((n) => randomTensor(rng, [n], torch.float32, { lo: -2, hi: 2 }));
    const grads = [0, 1].flatMap(() => sizes.map((n) => randomTensor(rng, [n], torch.float32, { lo: -2, hi: 2 })));
    for (const c of CASES.filter((c) => ['Adam weightDecay maximize amsgrad', 'SGD Nesterov', 'RMSprop centered momentum', 'Rprop'].includes(c.name))) {
      failures.add(
        parity(`${c.name} group`, [...params, ...grads], (...xs: Tensor[]) => {
          const n = sizes.length;
          return stepped(c.ctor, c.options, xs.slice(0, n), [xs.slice(n, 2 * n), xs.slice(2 * n)]);
        }, { tol: { rtol: 0, atol: 0 } }),
      );
    }
    failures.check();
  });
});
