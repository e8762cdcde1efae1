// torch.optim: optimizer trajectories and LR schedules against real PyTorch
// (tests/fixtures/optim.json, written by scripts/make_optim_fixtures.py), state dicts,
// zeroGrad and PyTorch's error messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import * as optim from '../src/optim/index.js';
import type { Tensor } from 'flint-torch';

interface Trajectory {
  W: number[];
  b: number[];
}
interface OptimCase {
  class: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups: { params: ('W' | 'b')[]; options: Record<string, unknown> }[] | null;
  trajectory: Trajectory[];
  stateDictLayout: { paramGroupKeys: string[]; stateKeys: string[] };
}
interface ScheduleCase {
  options: Record<string, number>;
  baseLrs: number[];
  epochs: number;
  lrs: number[][];
}
interface Fixture {
  torch: string;
  steps: number;
  init: Record<'W' | 'b' | 'x' | 'y', number[]>;
  shapes: Record<'W' | 'b' | 'x' | 'y', number[]>;
  optimizers: Record<string, OptimCase>;
  schedulers: Record<'step_lr' | 'cosine_annealing_lr', ScheduleCase>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8'));
const RTOL = 1e-5;
const ATOL = 1e-6;

const leaf = (name: 'W' | 'b' | 'x' | 'y', requiresGrad = false): Tensor =>
  torch.tensor(fixture.init[name], { dtype: torch.float32 }).reshape(fixture.shapes[name]).requiresGrad_(requiresGrad);

const X = leaf('x');
const Y = leaf('y');

/** The fixture's loss, ((x @ W + b - y) ** 2).sum() + W.abs().sum(), with backward. */
function backward(W: Tensor, b: Tensor): void {
  const loss = X.matmul(W).add(b).sub(Y).pow(2).sum().add(W.abs().sum());
  loss.backward();
}

/** PyTorch's option names (weight_decay) as flint's (weightDecay). */
function camel(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()), v]));
}

const CLASSES = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW } as const;

function makeOptimizer(c: OptimCase, W: Tensor, b: Tensor): optim.Optimizer {
  const Cls = CLASSES[c.class] as unknown as new (params: unknown, options: unknown) => optim.Optimizer;
  const named = { W, b };
  const params = c.groups === null ? [W, b] : c.groups.map((g) => ({ params: g.params.map((n) => named[n]), ...camel(g.options) }));
  return new Cls(params, camel(c.options));
}

function expectClose(actual: Tensor, expected: number[], what: string): void {
  const values = Array.from(actual.dataSync() as Float32Array);
  expect(values.length, what).toBe(expected.length);
  values.forEach((v, i) => {
    const tolerance = ATOL + RTOL * Math.abs(expected[i]);
    if (!(Math.abs(v - expected[i]) <= tolerance)) {
      throw new Error(`${what}[${i}]: flint ${v}, PyTorch ${expected[i]} (tolerance ${tolerance})`);
    }
  });
}

function runSteps(opt: optim.Optimizer, W: Tensor, b: Tensor, c: OptimCase, from: number, to: number): void {
  for (let step = from; step < to; step++) {
    opt.zeroGrad();
    backward(W, b);
    opt.step();
    expectClose(W, c.trajectory[step].W, `W after step ${step + 1}`);
    expectClose(b, c.trajectory[step].b, `b after step ${step + 1}`);
  }
}

describe('optimizer trajectories match PyTorch', () => {
  it('fixture is complete', () => {
    expect(Object.keys(fixture.optimizers).sort()).toEqual([
      'adam',
      'adam_amsgrad_weight_decay',
      'adam_maximize',
      'adam_two_groups',
      'adamw',
      'adamw_amsgrad',
      'sgd_maximize',
      'sgd_momentum_dampening',
      'sgd_nesterov_weight_decay',
      'sgd_plain',
      'sgd_two_groups',
    ]);
  });

  it.each(Object.keys(fixture.optimizers))('%s', (name) => {
    const c = fixture.optimizers[name];
    const W = leaf('W', true);
    const b = leaf('b', true);
    runSteps(makeOptimizer(c, W, b), W, b, c, 0, fixture.steps);
  });

  it('stateDict round trip: a fresh optimizer continues the identical trajectory', () => {
    for (const name of ['adam_amsgrad_weight_decay', 'sgd_nesterov_weight_decay', 'adam_two_groups', 'adamw']) {
      const c = fixture.optimizers[name];
      const W = leaf('W', true);
      const b = leaf('b', true);
      const first = makeOptimizer(c, W, b);
      runSteps(first, W, b, c, 0, 5);
      const saved = first.stateDict();
      const W2 = W.detach().clone().requiresGrad_();
      const b2 = b.detach().clone().requiresGrad_();
      const second = makeOptimizer({ ...c, options: { ...c.options, lr: 123 } }, W2, b2);
      second.loadStateDict(saved);
      expect(second.paramGroups.map((g) => g.lr)).toEqual(first.paramGroups.map((g) => g.lr));
      for (const [p, q] of [[W, W2], [b, b2]] as const) {
        const s1 = first.state.get(p)!;
        const s2 = second.state.get(q)!;
        expect(Object.keys(s2).sort()).toEqual(Object.keys(s1).sort());
        for (const key of Object.keys(s1)) {
          if (typeof s1[key] === 'number') expect(s2[key]).toBe(s1[key]);
          else {
            expect(s2[key]).not.toBe(s1[key]); // copied, not shared
            expect((s2[key] as Tensor).tolist()).toEqual((s1[key] as Tensor).tolist());
          }
        }
      }
      runSteps(second, W2, b2, c, 5, fixture.steps);
      runSteps(first, W, b, c, 5, fixture.steps);
    }
  });
});

describe('stateDict layout', () => {
  it('uses PyTorch keys, parameter indices and a float32 step tensor', () => {
    for (const name of ['adam', 'adam_amsgrad_weight_decay', 'adamw', 'sgd_momentum_dampening']) {
      const c = fixture.optimizers[name];
      const W = leaf('W', true);
      const b = leaf('b', true);
      const opt = makeOptimizer(c, W, b);
      opt.zeroGrad();
      backward(W, b);
      opt.step();
      const sd = opt.stateDict();
      const groupKeys = Object.keys(sd.param_groups[0]);
      for (const key of c.stateDictLayout.paramGroupKeys) expect(groupKeys, `${name} group key ${key}`).toContain(key);
      expect(sd.param_groups[0].params).toEqual([0, 1]);
      // PyTorch keys state by int: a Map with number keys, which torch.save pickles as ints.
      expect(sd.state).toBeInstanceOf(Map);
      expect([...sd.state.keys()]).toEqual([0, 1]);
      expect(Object.keys(sd.state.get(0)!).sort()).toEqual(c.stateDictLayout.stateKeys);
      expect(sd.state.get(0)!.exp_avg ?? sd.state.get(0)!.momentum_buffer).toBe(
        opt.state.get(W)!.expAvg ?? opt.state.get(W)!.momentumBuffer,
      );
      if (c.class !== 'SGD') {
        const step = sd.state.get(1)!.step as Tensor;
        expect(step.dtype).toBe(torch.float32);
        expect(step.shape).toEqual([]);
        expect(step.item()).toBe(1);
      }
    }
  });

  it('numbers parameters in order across groups; plain SGD keeps no state', () => {
    const W = leaf('W', true);
    const b = leaf('b', true);
    const opt = new optim.SGD([{ params: [W] }, { params: [b], lr: 0.5, weightDecay: 0.1 }], { lr: 0.1 });
    backward(W, b);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0], [1]]);
    expect(sd.param_groups[1]).toMatchObject({ lr: 0.5, weight_decay: 0.1, momentum: 0, nesterov: false, foreach: null });
    expect(sd.state).toEqual(new Map());
    expect(opt.state.size).toBe(0);
  });

  it('loadStateDict checks the group layout', () => {
    const [W, b] = [leaf('W', true), leaf('b', true)];
    const saved = new optim.Adam([W, b]).stateDict();
    expect(() => new optim.Adam([{ params: [W] }, { params: [b] }]).loadStateDict(saved)).toThrow(
      'loaded state dict has a different number of parameter groups',
    );
    expect(() => new optim.Adam([W]).loadStateDict(saved)).toThrow(
      "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
    );
  });
});

describe('param groups, zeroGrad, step', () => {
  it('fills group defaults with camelCase keys and per-group overrides', () => {
    const [W, b] = [leaf('W', true), leaf('b', true)];
    const opt = new optim.Adam([{ params: [W] }, { params: [b], lr: 0.1, betas: [0.5, 0.6] }], { weightDecay: 0.01 });
    // Tensors iterate their rows, so toEqual would compare W row by row: check it by identity.
    const { params, ...defaults } = opt.paramGroups[0];
    expect(params).toHaveLength(1);
    expect(params[0]).toBe(W);
    expect(defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false });
    expect(opt.paramGroups[1].params[0]).toBe(b);
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.1, betas: [0.5, 0.6], weightDecay: 0.01 });
    expect(new optim.AdamW([W]).paramGroups[0].weightDecay).toBe(1e-2);
    expect(new optim.SGD([W]).paramGroups[0]).toMatchObject({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false });
    const sgd = new optim.SGD([W], { lr: 0.1 });
    sgd.addParamGroup({ params: b, momentum: 0.9 });
    expect(sgd.paramGroups[1].params[0]).toBe(b);
    expect(sgd.paramGroups[1]).toMatchObject({ lr: 0.1, momentum: 0.9 });
  });

  it('zeroGrad sets grads to null, or zeroes them in place', () => {
    const [W, b] = [leaf('W', true), leaf('b', true)];
    const opt = new optim.SGD([W, b], { lr: 0.1 });
    backward(W, b);
    const grad = W.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(W.grad).toBe(grad);
    expect(grad.tolist()).toEqual(leaf('W').zerosLike().tolist());
    opt.zeroGrad();
    expect(W.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  it('step skips parameters without a gradient and returns the closure loss', () => {
    const [W, b] = [leaf('W', true), leaf('b', true)];
    const opt = new optim.Adam([W, b], { lr: 0.1 });
    W.sum().backward();
    const loss = opt.step(() => b.sum());
    expect((loss as Tensor).item()).toBeCloseTo(fixture.init.b.reduce((s, v) => s + v, 0), 5);
    expect(b.tolist()).toEqual(leaf('b').tolist());
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(W)!.step).toBe(1);
    expect(W.isLeaf && W.requiresGrad && torch.isGradEnabled()).toBe(true);
  });

  it('optimizer state outlives tidy scopes', () => {
    const [W, b] = [leaf('W', true), leaf('b', true)];
    const opt = new optim.Adam([W, b], { amsgrad: true });
    const sgd = new optim.SGD([leaf('W', true)], { momentum: 0.9 });
    for (let i = 0; i < 2; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        backward(W, b);
        opt.step();
        const p = sgd.paramGroups[0].params[0];
        p.sum().backward();
        sgd.step();
      });
    }
    for (const s of [...opt.state.values(), ...sgd.state.values()]) {
      for (const v of Object.values(s)) if (typeof v !== 'number' && !Array.isArray(v)) expect(v.isDisposed).toBe(false);
    }
  });
});

describe('errors as PyTorch', () => {
  const W = leaf('W', true);
  it.each([
    ['negative lr (SGD)', () => new optim.SGD([W], { lr: -1 }), 'Invalid learning rate: -1'],
    ['negative lr (Adam)', () => new optim.Adam([W], { lr: -1 }), 'Invalid learning rate: -1'],
    ['negative momentum', () => new optim.SGD([W], { momentum: -0.5 }), 'Invalid momentum value: -0.5'],
    ['negative weight decay', () => new optim.SGD([W], { weightDecay: -1 }), 'Invalid weight_decay value: -1'],
    ['nesterov without momentum', () => new optim.SGD([W], { nesterov: true }), 'Nesterov momentum requires a momentum and zero dampening'],
    ['nesterov with dampening', () => new optim.SGD([W], { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'Nesterov momentum requires a momentum and zero dampening'],
    ['bad beta', () => new optim.Adam([W], { betas: [1, 0.9] }), 'Invalid beta parameter at index 0: 1'],
    ['bad beta 2', () => new optim.AdamW([W], { betas: [0.9, -0.1] }), 'Invalid beta parameter at index 1: -0.1'],
    ['bad eps', () => new optim.Adam([W], { eps: -1 }), 'Invalid epsilon value: -1'],
    ['empty list', () => new optim.SGD([]), 'optimizer got an empty parameter list'],
    ['single tensor', () => new optim.SGD(W as unknown as Tensor[]), 'params argument given to the optimizer should be an iterable of Tensors or dicts'],
    ['not a tensor', () => new optim.SGD([W, 3 as unknown as Tensor]), 'optimizer can only optimize Tensors, but one of the params is number'],
    ['non-leaf', () => new optim.SGD([W.mul(2)]), "can't optimize a non-leaf Tensor"],
    ['shared between groups', () => new optim.SGD([{ params: [W] }, { params: [W] }]), 'some parameters appear in more than one parameter group'],
    ['a set of params', () => new optim.SGD([{ params: new Set([W]) }]), 'optimizer parameters need to be organized in ordered collections'],
    // Beyond PyTorch: each option is checked where it enters, naming the value found.
    ['NaN lr (SGD; PyTorch 1.13 lets it through)', () => new optim.SGD([W], { lr: NaN }), 'Invalid learning rate: NaN'],
    ['NaN lr (Adam)', () => new optim.Adam([W], { lr: NaN }), 'Invalid learning rate: NaN'],
    ['a string lr', () => new optim.SGD([W], { lr: '0.1' as unknown as number }), "Invalid learning rate: expected a non-negative number, but found the string '0.1'"],
    ['negative weight decay (AdamW)', () => new optim.AdamW([W], { weightDecay: -1 }), 'Invalid weight_decay value: -1'],
    ['negative lr in a param group', () => new optim.Adam([{ params: [W], lr: -0.5 }]), 'Invalid learning rate: -0.5'],
    ['one beta', () => new optim.Adam([W], { betas: [0.9] as unknown as [number, number] }), 'Adam: expected betas to be a pair [beta1, beta2], but found an array of length 1'],
    ['a beta that is not a number', () => new optim.AdamW([W], { betas: [0.9, null] as unknown as [number, number] }), 'Invalid beta parameter at index 1: expected a number in [0, 1), but found null'],
    ['amsgrad not a boolean', () => new optim.Adam([W], { amsgrad: 1 as unknown as boolean }), 'Adam: expected amsgrad to be true or false, but found 1'],
    ['NaN dampening', () => new optim.SGD([W], { dampening: NaN }), 'SGD: expected dampening to be a finite number, but found NaN'],
    ['an unknown SGD option', () => new optim.SGD([W], { lr: 0.1, foo: 1 } as optim.SGDOptions), "SGD() got an unexpected option 'foo'; expected one of lr, momentum, dampening, weightDecay, nesterov, maximize"],
    ['a snake_case Adam option', () => new optim.Adam([W], { weight_decay: 0.1 } as optim.AdamOptions), "Adam() got an unexpected option 'weight_decay' (did you mean 'weightDecay'? flint spells options in camelCase); expected one of lr, betas, eps, weightDecay, amsgrad, maximize"],
    ['an unknown AdamW option', () => new optim.AdamW([W], { momentum: 0.9 } as optim.AdamOptions), "AdamW() got an unexpected option 'momentum'"],
    ['options that are not an object', () => new optim.SGD([W], 0.1 as unknown as optim.SGDOptions), 'SGD: expected an options object with keys lr, momentum, dampening, weightDecay, nesterov, maximize, but found 0.1'],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('loadStateDict says what it expected and what it found', () => {
    const opt = new optim.Adam([W]);
    // PyTorch: KeyError: 'param_groups'.
    expect(() => opt.loadStateDict({} as optim.OptimizerStateDict)).toThrow(
      "loadStateDict: expected a state dict with 'state' and 'param_groups' (as Optimizer.stateDict() returns), but 'param_groups' is missing (found keys: none)",
    );
    expect(() => opt.loadStateDict({ param_groups: [] } as unknown as optim.OptimizerStateDict)).toThrow(
      "but 'state' is missing (found keys: 'param_groups')",
    );
    expect(() => opt.loadStateDict(null as unknown as optim.OptimizerStateDict)).toThrow(
      "loadStateDict: expected a state dict with 'state' and 'param_groups' (as Optimizer.stateDict() returns), but found null",
    );
    expect(() => opt.loadStateDict({ state: {}, param_groups: {} } as unknown as optim.OptimizerStateDict)).toThrow(
      "loadStateDict: expected 'param_groups' to be an array of param groups, but found an object",
    );
    expect(() => opt.loadStateDict({ state: new Map([['w', {}]]), param_groups: [{ params: [0] }] } as unknown as optim.OptimizerStateDict)).toThrow(
      "loadStateDict: expected the keys of 'state' to be parameter indices (non-negative integers), but found the string 'w'",
    );
    expect(() => opt.loadStateDict({ state: {}, param_groups: [{ params: 0 }] } as unknown as optim.OptimizerStateDict)).toThrow(
      'loadStateDict: expected param_groups[0].params to be an array of parameter indices, but found 0',
    );
    // The optimizer is untouched by a refused dict.
    expect(opt.paramGroups[0].lr).toBe(1e-3);
  });

  it('loadStateDict reads int keys (a Map) and numeric-string keys (an object) alike', () => {
    const [p, q] = [leaf('W', true), leaf('W', true)];
    const source = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    p.sum().backward();
    source.step();
    const saved = source.stateDict();
    const asObject = { state: Object.fromEntries(saved.state), param_groups: saved.param_groups } as unknown as optim.OptimizerStateDict;
    for (const form of [saved, asObject]) {
      const target = new optim.SGD([q], { lr: 0.1, momentum: 0.9 });
      target.loadStateDict(form);
      expect(target.state.size).toBe(1);
      expect((target.state.get(q)!.momentumBuffer as Tensor).tolist()).toEqual((source.state.get(p)!.momentumBuffer as Tensor).tolist());
    }
  });
});

describe('scheduler arguments are checked where they enter', () => {
  const opt = (): optim.Optimizer => new optim.SGD([torch.zeros(1, { requiresGrad: true })], { lr: 0.1 });
  it.each([
    // PyTorch 1.13 accepts step_size=0 and T_max=0, then raises ZeroDivisionError on step().
    ['StepLR stepSize 0', () => new optim.lrScheduler.StepLR(opt(), { stepSize: 0 }), 'StepLR: expected stepSize (step_size) to be a positive integer number of epochs, but found 0'],
    ['StepLR stepSize -2', () => new optim.lrScheduler.StepLR(opt(), { stepSize: -2 }), 'but found -2'],
    ['StepLR stepSize 1.5', () => new optim.lrScheduler.StepLR(opt(), { stepSize: 1.5 }), 'but found 1.5'],
    ['StepLR without options', () => new (optim.lrScheduler.StepLR as unknown as new (o: optim.Optimizer) => unknown)(opt()), "StepLR() missing required argument 'stepSize'"],
    ['StepLR NaN gamma', () => new optim.lrScheduler.StepLR(opt(), { stepSize: 2, gamma: NaN }), 'StepLR: expected gamma to be a finite number, but found NaN'],
    ['StepLR snake_case option', () => new optim.lrScheduler.StepLR(opt(), { step_size: 2 } as unknown as { stepSize: number }), "StepLR() got an unexpected option 'step_size' (did you mean 'stepSize'?"],
    ['CosineAnnealingLR TMax 0', () => new optim.lrScheduler.CosineAnnealingLR(opt(), { TMax: 0 }), 'CosineAnnealingLR: expected TMax (T_max) to be a positive number of epochs, but found 0'],
    ['CosineAnnealingLR TMax -1', () => new optim.lrScheduler.CosineAnnealingLR(opt(), { TMax: -1 }), 'but found -1'],
    ['CosineAnnealingLR etaMin string', () => new optim.lrScheduler.CosineAnnealingLR(opt(), { TMax: 3, etaMin: '0' as unknown as number }), "CosineAnnealingLR: expected etaMin to be a finite number, but found the string '0'"],
    ['CosineAnnealingLR unknown option', () => new optim.lrScheduler.CosineAnnealingLR(opt(), { TMax: 3, T_max: 3 } as unknown as { TMax: number }), "CosineAnnealingLR() got an unexpected option 'T_max'"],
    ['lastEpoch -2', () => new optim.lrScheduler.StepLR(opt(), { stepSize: 2, lastEpoch: -2 }), 'StepLR: expected lastEpoch to be -1 (start) or the index of the last epoch run, but found -2'],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('a refused scheduler leaves the learning rate as it was (no NaN)', () => {
    const o = opt();
    expect(() => new optim.lrScheduler.CosineAnnealingLR(o, { TMax: 0 })).toThrow();
    expect(o.paramGroups[0].lr).toBe(0.1);
    expect(o.paramGroups[0].initialLr).toBeUndefined();
  });
});

describe('LR schedulers match PyTorch', () => {
  function makeOptimizer(baseLrs: number[]): optim.Optimizer {
    return new optim.SGD(baseLrs.map((lr) => ({ params: [torch.zeros(1, { requiresGrad: true })], lr })), { lr: baseLrs[0] });
  }

  function run(sched: optim.lrScheduler.LRScheduler, opt: optim.Optimizer, expected: number[][]): void {
    expectLrs(sched.getLastLr(), expected[0], 'epoch 0');
    for (let epoch = 1; epoch < expected.length; epoch++) {
      opt.step();
      sched.step();
      expectLrs(sched.getLastLr(), expected[epoch], `epoch ${epoch}`);
      expectLrs(opt.paramGroups.map((g) => g.lr), expected[epoch], `group lr at epoch ${epoch}`);
    }
  }

  function expectLrs(actual: number[], expected: number[], what: string): void {
    expect(actual.length, what).toBe(expected.length);
    actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `${what}[${i}]: ${v} vs ${expected[i]}`).toBeLessThan(1e-14));
  }

  it('StepLR (stepSize 3, gamma 0.5)', () => {
    const c = fixture.schedulers.step_lr;
    const opt = makeOptimizer(c.baseLrs);
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 });
    expect(sched.baseLrs).toEqual(c.baseLrs);
    expect(sched.lastEpoch).toBe(0);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual(c.baseLrs);
    run(sched, opt, c.lrs);
    expect(sched.lastEpoch).toBe(c.epochs);
  });

  it('CosineAnnealingLR (TMax 5, etaMin 0.01) through a full period and beyond', () => {
    const c = fixture.schedulers.cosine_annealing_lr;
    const opt = makeOptimizer(c.baseLrs);
    run(new optim.lrScheduler.CosineAnnealingLR(opt, { TMax: 5, etaMin: 0.01 }), opt, c.lrs);
  });

  it('stateDict / loadStateDict resume the schedule', () => {
    const c = fixture.schedulers.cosine_annealing_lr;
    const opt = makeOptimizer(c.baseLrs);
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { TMax: 5, etaMin: 0.01 });
    for (let i = 0; i < 4; i++) sched.step();
    const saved = sched.stateDict();
    expect(saved).toMatchObject({ T_max: 5, eta_min: 0.01, last_epoch: 4, _step_count: 5, base_lrs: c.baseLrs });

    const opt2 = makeOptimizer(c.baseLrs);
    opt2.loadStateDict(opt.stateDict());
    expect(opt2.paramGroups.map((g) => g.initialLr)).toEqual(c.baseLrs);
    const resumed = new optim.lrScheduler.CosineAnnealingLR(opt2, { TMax: 1, lastEpoch: 4 });
    resumed.loadStateDict(saved);
    expect(resumed.TMax).toBe(5);
    for (let epoch = 5; epoch < c.lrs.length; epoch++) {
      resumed.step();
      expectLrs(resumed.getLastLr(), c.lrs[epoch], `resumed epoch ${epoch}`);
    }
  });

  it('resuming needs initialLr; step(epoch) uses the closed form', () => {
    const opt = makeOptimizer([0.1]);
    expect(() => new optim.lrScheduler.StepLR(opt, { stepSize: 2, lastEpoch: 3 })).toThrow(
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    sched.step(5);
    expect(sched.getLastLr()).toEqual([0.025]);
  });
});
