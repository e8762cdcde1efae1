// optim.lrScheduler against real PyTorch: 100-step schedules (rates and cycled momentum),
// state dicts with PyTorch's keys and values, resuming from flint's and from PyTorch's own
// state, and PyTorch's error messages. Fixture: tests/fixtures/lr_scheduler.json, written
// by scripts/make_lr_scheduler_fixtures.py (PyTorch 1.13); BUILDERS mirror its CASES.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as torch from 'flint-torch';
import * as optim from '../src/optim/index.js';
import { hasTorch, python } from './helpers/python.js';

const S = optim.lrScheduler;
type AnyScheduler = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;

interface OptimizerSpec {
  class: 'SGD' | 'Adam';
  groups: Record<string, unknown>[];
  options?: Record<string, unknown>;
}
interface Case {
  optimizer: OptimizerSpec;
  driver: 'plain' | 'fractional' | 'plateau' | 'plateau_rising';
  lrs: number[][];
  momenta: number[][];
  stateAt: number;
  state: Record<string, unknown>[];
  optGroups: Record<string, unknown>[];
}
interface Fixture {
  torch: string;
  steps: number;
  nonJson: string;
  plateauMetrics: number[];
  plateauRising: number[];
  cases: Record<string, Case>;
  jumpEpochs: number[];
  jumps: Record<string, number[][]>;
  verboseGroups: number[];
  verbose: Record<'step_lr' | 'warm_restarts' | 'plateau', string>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/lr_scheduler.json', import.meta.url), 'utf8'));

const cycScale = (x: number): number => 0.5 * (1 + Math.sin((x * Math.PI) / 2));

/** The schedulers of each fixture case, built as the Python script builds them. */
const BUILDERS: Record<string, (o: optim.Optimizer) => AnyScheduler[]> = {
  lambda_lr_list: (o) => [new S.LambdaLR(o, [(e) => 0.95 ** e, (e) => 1 / (1 + Math.floor(e / 10))])],
  lambda_lr_one: (o) => [new S.LambdaLR(o, (e) => (e < 20 ? (e + 1) / 20 : 0.99 ** (e - 20)))],
  multiplicative_lr: (o) => [new S.MultiplicativeLR(o, [() => 0.97, (e) => (e % 10 === 0 ? 0.9 : 1.0)])],
  multi_step_lr: (o) => [new S.MultiStepLR(o, [10, 30, 30, 60], { gamma: 0.5 })],
  exponential_lr: (o) => [new S.ExponentialLR(o, 0.96)],
  constant_lr: (o) => [new S.ConstantLR(o, { factor: 0.5, totalIters: 7 })],
  linear_lr: (o) => [new S.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 20 })],
  linear_lr_default: (o) => [new S.LinearLR(o)],
  polynomial_lr: (o) => [new S.PolynomialLR(o, { totalIters: 40, power: 2.0 })],
  sequential_lr: (o) => [new S.SequentialLR(o, [new S.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new S.ExponentialLR(o, 0.95)], [5])],
  sequential_lr_three: (o) => [
    new S.SequentialLR(o, {
      schedulers: [
        new S.ConstantLR(o, { factor: 0.5, totalIters: 4 }),
        new S.CosineAnnealingLR(o, { TMax: 20, etaMin: 0.001 }),
        new S.StepLR(o, { stepSize: 7, gamma: 0.7 }),
      ],
      milestones: [10, 40],
    }),
  ],
  chained_scheduler: (o) => [new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.1, totalIters: 10 }), new S.ExponentialLR(o, { gamma: 0.97 })])],
  chained_scheduler_three: (o) => [
    new S.ChainedScheduler([
      new S.LinearLR(o, { startFactor: 0.2, totalIters: 15 }),
      new S.MultiStepLR(o, [25, 50], { gamma: 0.3 }),
      new S.CosineAnnealingLR(o, { TMax: 30 }),
    ]),
  ],
  two_schedulers: (o) => [new S.StepLR(o, { stepSize: 9, gamma: 0.8 }), new S.CosineAnnealingLR(o, { TMax: 25, etaMin: 0.0 })],
  cyclic_triangular: (o) => [new S.CyclicLR(o, [0.01, 0.005, 0.001], 0.1, { stepSizeUp: 7, stepSizeDown: 5 })],
  cyclic_triangular2: (o) => [
    new S.CyclicLR(o, 0.001, [0.1, 0.05, 0.02], { stepSizeUp: 6, mode: 'triangular2', baseMomentum: [0.8, 0.7, 0.85], maxMomentum: 0.95 }),
  ],
  cyclic_exp_range: (o) => [new S.CyclicLR(o, { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 10, mode: 'exp_range', gamma: 0.98 })],
  cyclic_scale_fn_cycle: (o) => [new S.CyclicLR(o, 0.002, 0.08, { stepSizeUp: 4, stepSizeDown: 9, scaleFn: cycScale })],
  cyclic_scale_fn_iterations: (o) => [new S.CyclicLR(o, 0.002, 0.08, { stepSizeUp: 8, scaleFn: (x) => 1 / (1 + x / 50), scaleMode: 'iterations' })],
  cyclic_no_momentum_adam: (o) => [new S.CyclicLR(o, 0.0001, 0.003, { stepSizeUp: 11, cycleMomentum: false })],
  one_cycle_cos: (o) => [new S.OneCycleLR(o, [0.5, 0.2, 0.1], { totalSteps: 100 })],
  one_cycle_linear_three_phase_adam: (o) => [
    new S.OneCycleLR(o, 0.01, {
      epochs: 10, stepsPerEpoch: 10, pctStart: 0.25, annealStrategy: 'linear', threePhase: true,
      divFactor: 10.0, finalDivFactor: 100.0, baseMomentum: [0.8, 0.7], maxMomentum: 0.9,
    }),
  ],
  one_cycle_no_momentum: (o) => [new S.OneCycleLR(o, { maxLr: 0.3, totalSteps: 120, pctStart: 0.4, cycleMomentum: false, threePhase: true })],
  warm_restarts_mult2: (o) => [new S.CosineAnnealingWarmRestarts(o, 10, { TMult: 2, etaMin: 0.001 })],
  warm_restarts_mult1: (o) => [new S.CosineAnnealingWarmRestarts(o, { T0: 7 })],
  warm_restarts_fractional: (o) => [new S.CosineAnnealingWarmRestarts(o, 3, { TMult: 2, etaMin: 0.0005 })],
  warm_restarts_fractional_mult1: (o) => [new S.CosineAnnealingWarmRestarts(o, 4)],
  plateau_min_rel: (o) => [new S.ReduceLROnPlateau(o, { patience: 3, factor: 0.5 })],
  plateau_min_abs_cooldown: (o) => [
    new S.ReduceLROnPlateau(o, { factor: 0.3, patience: 2, threshold: 0.05, thresholdMode: 'abs', cooldown: 4, minLr: [0.001, 0.004, 0.0] }),
  ],
  plateau_max_rel_eps: (o) => [new S.ReduceLROnPlateau(o, { mode: 'max', factor: 0.5, patience: 4, threshold: 0.01, minLr: 0.004, eps: 0.002 })],
  plateau_max_abs: (o) => [new S.ReduceLROnPlateau(o, { mode: 'max', threshold: 0.5, thresholdMode: 'abs', patience: 1, cooldown: 1 })],
};

function makeOptimizer(spec: OptimizerSpec): optim.Optimizer {
  const groups = spec.groups.map((g) => ({ ...g, params: [torch.zeros(1, { requiresGrad: true })] }));
  const Cls = (spec.class === 'SGD' ? optim.SGD : optim.Adam) as unknown as new (p: unknown, o: unknown) => optim.Optimizer;
  return new Cls(groups, spec.options ?? {});
}

function drive(c: Case, sched: AnyScheduler, i: number): void {
  if (c.driver === 'plain') (sched as optim.lrScheduler.LRScheduler).step();
  else if (c.driver === 'fractional') (sched as optim.lrScheduler.LRScheduler).step(Math.floor(i / 5) + (i % 5) / 5);
  else if (c.driver === 'plateau') (sched as optim.lrScheduler.ReduceLROnPlateau).step(fixture.plateauMetrics[i]);
  else (sched as optim.lrScheduler.ReduceLROnPlateau).step(torch.tensor(fixture.plateauRising[i]));
}

const momenta = (o: optim.Optimizer): number[] =>
  o.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas as number[])[0] : (g.momentum as number)));

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-12 * Math.max(Math.abs(expected), 1e-6);
}

function expectRow(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((v, i) => expect(close(v, expected[i]), `${what}[${i}]: flint ${v}, PyTorch ${expected[i]}`).toBe(true));
}

/** Steps `scheds` from step `from` + 1 to the end, checking rates (and momenta) against the case. */
function runFrom(c: Case, o: optim.Optimizer, scheds: AnyScheduler[], from: number, what: string): void {
  const last = scheds[scheds.length - 1];
  for (let i = from + 1; i < c.lrs.length; i++) {
    o.step();
    for (const s of scheds) drive(c, s, i);
    expectRow(last.getLastLr(), c.lrs[i], `${what} step ${i}`);
    expectRow(o.paramGroups.map((g) => g.lr), c.lrs[i], `${what} group lr at step ${i}`);
    expectRow(momenta(o), c.momenta[i], `${what} momentum at step ${i}`);
  }
}

/** flint's state as JSON would carry it, in the fixture's conventions (Map keys as strings, inf as text). */
function asFixtureJson(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), asFixtureJson(v)]));
  if (Array.isArray(value)) return value.map(asFixtureJson);
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asFixtureJson(v)]));
  }
  return value;
}

/** Same keys and values (numbers within tolerance), less PyTorch's functions, which flint leaves out. */
function expectState(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(close(actual as number, expected), `${path}: flint ${String(actual)}, PyTorch ${expected}`).toBe(true);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, path).toBe(expected.length);
    expected.forEach((e, i) => expectState((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    const json = Object.entries(expected).filter(([, e]) => e !== fixture.nonJson);
    expect(Object.keys(actual as object).sort(), `keys of ${path}`).toEqual(json.map(([k]) => k).sort());
    for (const [k, e] of json) expectState((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

const names = Object.keys(fixture.cases);

describe('LR schedulers match PyTorch 1.13 over 100 steps', () => {
  it('every fixture case has a builder, and every builder a case', () => {
    expect(Object.keys(BUILDERS).sort()).toEqual(names.slice().sort());
    expect(fixture.torch.startsWith('1.13')).toBe(true);
  });

  it.each(names)('%s: rates and momentum at every step', (name) => {
    const c = fixture.cases[name];
    const o = makeOptimizer(c.optimizer);
    const scheds = BUILDERS[name](o);
    expectRow(scheds[scheds.length - 1].getLastLr(), c.lrs[0], 'after construction');
    expectRow(momenta(o), c.momenta[0], 'momentum after construction');
    runFrom(c, o, scheds, 0, name);
  });

  it.each(names)("%s: stateDict has PyTorch's keys and values", (name) => {
    const c = fixture.cases[name];
    const o = makeOptimizer(c.optimizer);
    const scheds = BUILDERS[name](o);
    for (let i = 1; i <= c.stateAt; i++) {
      o.step();
      for (const s of scheds) drive(c, s, i);
    }
    scheds.forEach((s, k) => expectState(asFixtureJson(s.stateDict()), c.state[k], `${name}.state[${k}]`));
    const groups = o.stateDict().param_groups.map(({ params, ...rest }) => (void params, rest));
    groups.forEach((g, k) => {
      for (const [key, value] of Object.entries(c.optGroups[k])) {
        if (key === 'foreach' || key === 'differentiable' || key === 'capturable' || key === 'fused') continue;
        expectState(asFixtureJson(g[key]), value, `${name}.param_groups[${k}].${key}`);
      }
    });
  });

  it.each(names)('%s: resumes from its own stateDict (through JSON) and from PyTorch’s', (name) => {
    const c = fixture.cases[name];
    const o = makeOptimizer(c.optimizer);
    const scheds = BUILDERS[name](o);
    for (let i = 1; i <= c.stateAt; i++) {
      o.step();
      for (const s of scheds) drive(c, s, i);
    }
    // Through JSON, as a checkpoint would carry it (MultiStepLR's Map becomes an object).
    const saved = scheds.map((s) => JSON.parse(JSON.stringify(asFixtureJson(s.stateDict()))) as Record<string, unknown>);
    const savedGroups = o.stateDict().param_groups;

    const o2 = makeOptimizer(c.optimizer);
    const resumed = BUILDERS[name](o2);
    o2.loadStateDict({ state: new Map(), param_groups: savedGroups });
    resumed.forEach((s, k) => s.loadStateDict(saved[k]));
    runFrom(c, o2, resumed, c.stateAt, `${name} resumed`);

    const o3 = makeOptimizer(c.optimizer);
    const fromTorch = BUILDERS[name](o3);
    o3.loadStateDict({ state: new Map(), param_groups: c.optGroups.map((g, k) => ({ ...g, params: [k] })) });
    fromTorch.forEach((s, k) => s.loadStateDict(structuredClone(c.state[k])));
    runFrom(c, o3, fromTorch, c.stateAt, `${name} from PyTorch's state`);
  });
});

/**
 * Loads each case's flint checkpoint into the same PyTorch optimizer and schedulers (the
 * fixture script's CASES), steps on to the end and prints the rates PyTorch then sets.
 */
const RESUME_IN_TORCH = `
import json, os, sys, torch
sys.path.insert(0, sys.argv[1])
import make_lr_scheduler_fixtures as F
out = {}
for name, (spec, driver, build) in F.CASES.items():
    ck = torch.load(os.path.join(sys.argv[2], name + '.pt'))
    opt = F.make_optimizer(spec)
    scheds = build(opt)
    opt.load_state_dict(ck['optimizer'])
    for s, saved in zip(scheds, ck['schedulers']):
        s.load_state_dict(saved)
    lrs = []
    for i in range(ck['at'] + 1, F.STEPS + 1):
        opt.step()
        for s in scheds:
            F.drive(driver, s, i)
        lrs.append([g['lr'] for g in opt.param_groups])
    out[name] = lrs
print(json.dumps(out))
`;

describe.skipIf(!hasTorch)('PyTorch resumes from the scheduler state flint saved (torch.save)', () => {
  it('every case continues in PyTorch exactly as PyTorch would have', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-lr-'));
    try {
      for (const name of names) {
        const c = fixture.cases[name];
        const o = makeOptimizer(c.optimizer);
        const scheds = BUILDERS[name](o);
        for (let i = 1; i <= c.stateAt; i++) {
          o.step();
          for (const s of scheds) drive(c, s, i);
        }
        torch.saveSync({ optimizer: o.stateDict(), schedulers: scheds.map((s) => s.stateDict()), at: c.stateAt }, join(dir, `${name}.pt`));
      }
      const resumed = JSON.parse(python(RESUME_IN_TORCH, new URL('../scripts/', import.meta.url).pathname, dir)) as Record<string, number[][]>;
      expect(Object.keys(resumed).sort()).toEqual(names.slice().sort());
      for (const name of names) {
        const c = fixture.cases[name];
        resumed[name].forEach((row, k) => expectRow(row, c.lrs[c.stateAt + 1 + k], `${name}: PyTorch after flint's state, step ${c.stateAt + 1 + k}`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('step(epoch) jumps as PyTorch (closed forms where PyTorch has them)', () => {
  const JUMPS: Record<string, (o: optim.Optimizer) => optim.lrScheduler.LRScheduler> = {
    multi_step_lr: (o) => new S.MultiStepLR(o, [10, 30, 30, 60], 0.5),
    constant_lr: (o) => new S.ConstantLR(o, { factor: 0.5, totalIters: 7 }),
    linear_lr: (o) => new S.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 20 }),
    exponential_lr: (o) => new S.ExponentialLR(o, 0.96),
    polynomial_lr: (o) => new S.PolynomialLR(o, { totalIters: 40, power: 2.0 }),
    step_lr: (o) => new S.StepLR(o, 3, 0.5),
    cosine_annealing_lr: (o) => new S.CosineAnnealingLR(o, 20, 0.001),
    lambda_lr: (o) => new S.LambdaLR(o, (e) => 0.95 ** e),
    multiplicative_lr: (o) => new S.MultiplicativeLR(o, () => 0.9),
    cyclic_lr: (o) => new S.CyclicLR(o, 0.01, 0.1, { stepSizeUp: 7 }),
    one_cycle_lr: (o) => new S.OneCycleLR(o, 0.5, { totalSteps: 100 }),
  };

  it('every fixture case has a builder', () => {
    expect(Object.keys(JUMPS).sort()).toEqual(Object.keys(fixture.jumps).sort());
  });

  it.each(Object.keys(JUMPS))('%s', (name) => {
    const o = makeOptimizer(fixture.cases.sequential_lr.optimizer);
    const sched = JUMPS[name](o);
    fixture.jumpEpochs.forEach((epoch, k) => {
      sched.step(epoch);
      expect(sched.lastEpoch).toBe(epoch);
      expectRow(sched.getLastLr(), fixture.jumps[name][k], `${name} step(${epoch})`);
    });
  });
});

describe('verbose prints what PyTorch prints', () => {
  const RUNS: Record<keyof Fixture['verbose'], (o: optim.Optimizer) => void> = {
    step_lr: (o) => {
      const s = new S.StepLR(o, 2, { gamma: 0.5, verbose: true });
      for (let i = 0; i < 4; i++) s.step();
      s.step(7);
    },
    warm_restarts: (o) => {
      const s = new S.CosineAnnealingWarmRestarts(o, 3, { verbose: true });
      for (let i = 0; i < 3; i++) s.step();
      s.step(4.5);
    },
    plateau: (o) => {
      const s = new S.ReduceLROnPlateau(o, { patience: 0, factor: 0.5, verbose: true });
      for (const m of [1.0, 2.0, 3.0, 0.5, 0.6]) s.step(m);
    },
  };

  it.each(Object.keys(RUNS) as (keyof Fixture['verbose'])[])('%s', (name) => {
    const o = makeOptimizer({ class: 'SGD', groups: fixture.verboseGroups.map((lr) => ({ lr })) });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      RUNS[name](o);
      expect(log.mock.calls.map((args) => `${args.join(' ')}\n`).join('')).toBe(fixture.verbose[name]);
    } finally {
      log.mockRestore();
    }
  });

  it('is saved in the state dict and silent by default', () => {
    const o = makeOptimizer({ class: 'SGD', groups: [{ lr: 0.1 }] });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const s = new S.ExponentialLR(o, 0.5);
      s.step();
      expect(log).not.toHaveBeenCalled();
      expect(s.stateDict().verbose).toBe(false);
      expect(new S.ExponentialLR(o, 0.5, { verbose: true }).stateDict().verbose).toBe(true);
      expect(() => new S.ExponentialLR(o, 0.5, { verbose: 1 as never })).toThrow('ExponentialLR: expected verbose to be true or false, but found 1');
    } finally {
      log.mockRestore();
    }
  });
});

describe('CyclicLR cycles Adam’s betas[0] as it cycles SGD’s momentum (PyTorch ≥ 2.0)', () => {
  it('same rates, beta1 follows the momentum PyTorch computed, beta2 is kept', () => {
    const c = fixture.cases.cyclic_triangular2;
    const o = new optim.Adam(c.optimizer.groups.map((g) => ({ params: [torch.zeros(1, { requiresGrad: true })], lr: g.lr as number })), { betas: [0.9, 0.995] });
    const sched = BUILDERS.cyclic_triangular2(o);
    expectRow(momenta(o), c.momenta[0], 'beta1 after construction');
    runFrom(c, o, sched, 0, 'Adam CyclicLR');
    for (const g of o.paramGroups) expect((g.betas as number[])[1]).toBe(0.995);
  });
});

describe('scheduler arguments bind like a Python call and are checked', () => {
  const opt = (groups = 1): optim.Optimizer =>
    new optim.SGD(Array.from({ length: groups }, () => ({ params: [torch.zeros(1, { requiresGrad: true })] })), { lr: 0.1, momentum: 0.9 });

  it('positional and named forms give the same schedule', () => {
    const a = opt();
    const b = opt();
    const sa = new S.MultiStepLR(a, [2, 4], { gamma: 0.5 });
    const sb = new S.MultiStepLR(b, { milestones: [2, 4], gamma: 0.5 });
    for (let i = 0; i < 6; i++) {
      sa.step();
      sb.step();
    }
    expect(sa.getLastLr()).toEqual(sb.getLastLr());
    expect(sa.getLastLr()[0]).toBeCloseTo(0.025, 15);
  });

  it('StepLR and CosineAnnealingLR also take PyTorch\'s positional form', () => {
    const pairs: [optim.lrScheduler.LRScheduler, optim.lrScheduler.LRScheduler][] = [];
    const a = opt();
    const b = opt();
    pairs.push([new S.StepLR(a, 2, 0.5), new S.StepLR(b, { stepSize: 2, gamma: 0.5 })]);
    const c = opt();
    const d = opt();
    pairs.push([new S.CosineAnnealingLR(c, 5, 0.01), new S.CosineAnnealingLR(d, { TMax: 5, etaMin: 0.01 })]);
    for (const [x, y] of pairs) {
      for (let i = 0; i < 7; i++) {
        x.step();
        y.step();
        expect(x.getLastLr()).toEqual(y.getLastLr());
      }
    }
    expect(pairs[0][0].getLastLr()[0]).toBeCloseTo(0.0125, 15);
    expect(() => new S.StepLR(opt(), 2, 0.5, { gamma: 0.1 } as never)).toThrow("StepLR() got multiple values for argument 'gamma'");
  });

  it.each([
    ['missing required', () => new (S.ExponentialLR as unknown as new (o: optim.Optimizer) => unknown)(opt()), "ExponentialLR() missing required argument 'gamma'"],
    ['given twice', () => new (S.ExponentialLR as unknown as new (o: optim.Optimizer, g: number, x: object) => unknown)(opt(), 0.5, { gamma: 0.5 }), "ExponentialLR() got multiple values for argument 'gamma'"],
    ['unknown option', () => new S.ConstantLR(opt(), { total_iters: 3 } as never), "ConstantLR() got an unexpected option 'total_iters' (did you mean 'totalIters'?"],
    ['LambdaLR count', () => new S.LambdaLR(opt(2), [() => 1]), 'Expected 2 lr_lambdas, but got 1'],
    ['LambdaLR not a function', () => new S.LambdaLR(opt(), 0.5 as never), 'LambdaLR: expected lrLambda to be a function, but found 0.5'],
    ['ConstantLR factor', () => new S.ConstantLR(opt(), { factor: 1.5 }), 'Constant multiplicative factor expected to be between 0 and 1.'],
    ['LinearLR endFactor', () => new S.LinearLR(opt(), { endFactor: -0.1 }), 'Ending multiplicative factor expected to be between 0 and 1.'],
    ['MultiStepLR milestone', () => new S.MultiStepLR(opt(), [3, 1.5]), 'MultiStepLR: expected each milestone to be a non-negative integer, but found 1.5'],
    ['SequentialLR milestones', () => { const o = opt(); return new S.SequentialLR(o, [new S.ExponentialLR(o, 0.9)], [3]); }, 'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1'],
    ['SequentialLR other optimizer', () => new S.SequentialLR(opt(), [new S.ExponentialLR(opt(), 0.9)], []), 'got schedulers at index 0 to be different than the optimizer passed in.'],
    ['ChainedScheduler optimizers', () => new S.ChainedScheduler([new S.ExponentialLR(opt(), 0.9), new S.ExponentialLR(opt(), 0.9)]), 'got schedulers at index 0 and 1 to be different'],
    ['CyclicLR mode', () => new S.CyclicLR(opt(), 0.01, 0.1, { mode: 'sine' as never }), 'mode is invalid and scale_fn is None'],
    ['CyclicLR maxLr count', () => new S.CyclicLR(opt(2), 0.01, [0.1, 0.2, 0.3]), 'expected 2 values for max_lr, got 3'],
    ['OneCycleLR steps', () => new S.OneCycleLR(opt(), 0.1), 'You must define either total_steps OR (epochs AND steps_per_epoch)'],
    ['OneCycleLR totalSteps', () => new S.OneCycleLR(opt(), 0.1, { totalSteps: 2.5 }), 'Expected positive integer total_steps, but got 2.5'],
    ['OneCycleLR anneal', () => new S.OneCycleLR(opt(), 0.1, { totalSteps: 5, annealStrategy: 'exp' as never }), "anneal_strategy must by one of 'cos' or 'linear'"],
    ['CAWR T0', () => new S.CosineAnnealingWarmRestarts(opt(), 0), 'Expected positive integer T_0, but got 0'],
    ['CAWR TMult', () => new S.CosineAnnealingWarmRestarts(opt(), 5, { TMult: 1.5 }), 'Expected integer T_mult >= 1, but got 1.5'],
    ['LambdaLR not an optimizer', () => new S.LambdaLR({} as never, () => 1), 'Object is not an Optimizer'],
    ['SequentialLR not an optimizer', () => new S.SequentialLR(null as never, [], []), 'object is not an Optimizer'],
    ['CyclicLR not an optimizer', () => new S.CyclicLR([] as never, 0.1, 0.2), 'Array is not an Optimizer'],
    ['Plateau not an optimizer', () => new S.ReduceLROnPlateau(5 as never), 'Number is not an Optimizer'],
    ['Plateau factor', () => new S.ReduceLROnPlateau(opt(), { factor: 1 }), 'Factor should be < 1.0.'],
    ['Plateau mode', () => new S.ReduceLROnPlateau(opt(), { mode: 'up' as never }), 'mode up is unknown!'],
    ['Plateau threshold mode', () => new S.ReduceLROnPlateau(opt(), { thresholdMode: 'pct' as never }), 'threshold mode pct is unknown!'],
    ['Plateau minLr count', () => new S.ReduceLROnPlateau(opt(2), { minLr: [0.1] }), 'expected 2 min_lrs, got 1'],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('an optimizer without momentum or betas cannot cycle momentum', () => {
    class Plain extends optim.Optimizer {
      constructor(params: torch.Tensor[]) {
        super(params, { lr: 0.1 });
      }
      protected updateGroup(): void {}
    }
    const o = new Plain([torch.zeros(1, { requiresGrad: true })]);
    expect(() => new S.CyclicLR(o, 0.01, 0.1)).toThrow('optimizer must support momentum with `cycle_momentum` option enabled');
    expect(() => new S.OneCycleLR(o, 0.1, { totalSteps: 10 })).toThrow('optimizer must support momentum');
    expect(new S.OneCycleLR(o, 0.1, { totalSteps: 10, cycleMomentum: false }).getLastLr()[0]).toBeCloseTo(0.004, 15);
  });

  it('a refused CyclicLR or OneCycleLR leaves the param groups as they were', () => {
    const o = opt();
    expect(() => new S.CyclicLR(o, 0.01, 0.1, { lastEpoch: -3 })).toThrow('CyclicLR: expected lastEpoch to be an integer >= -1, but found -3');
    expect(() => new S.OneCycleLR(o, 0.5, { totalSteps: 10, verbose: 'yes' as never })).toThrow('OneCycleLR: expected verbose to be true or false');
    expect(o.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9 });
    expect(Object.keys(o.paramGroups[0]).sort()).toEqual(['dampening', 'lr', 'maximize', 'momentum', 'nesterov', 'params', 'weightDecay']);
  });

  it('OneCycleLR refuses to step past totalSteps, as PyTorch', () => {
    const sched = new S.OneCycleLR(opt(), 0.1, { totalSteps: 3 });
    for (let i = 0; i < 3; i++) sched.step();
    expect(() => sched.step()).toThrow('Tried to step 5 times. The specified number of total steps is 3');
  });

  it('CosineAnnealingWarmRestarts.step refuses a negative epoch', () => {
    expect(() => new S.CosineAnnealingWarmRestarts(opt(), 5).step(-1)).toThrow('Expected non-negative epoch, but got -1');
  });

  it('ReduceLROnPlateau takes a one-element tensor metric and refuses other values', () => {
    const sched = new S.ReduceLROnPlateau(opt(), { patience: 0 });
    sched.step(torch.tensor([2.0]));
    expect(sched.best).toBe(2);
    expect(() => sched.step('1' as never)).toThrow("expected the metric to be a number or a one-element Tensor, but found the string '1'");
  });
});
