// torch.optim's other optimizers (Adadelta, Adagrad, RMSprop, Adamax, NAdam, RAdam, ASGD,
// Rprop) against PyTorch 1.13: 10-step trajectories in float32 and float64, the state
// dict after them (keys, tensors vs numbers, values), resuming from PyTorch-written
// checkpoints and PyTorch resuming from flint's, defaults and PyTorch's error messages.
// Fixtures: tests/fixtures/optimizers.json and tests/fixtures/optimizers/*.pt,
// written by scripts/make_optimizers_fixtures.py.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import * as optim from '../src/optim/index.js';
import type { Tensor } from 'flint-torch';
import { PYTHON, hasTorch } from './helpers/python.js';

type Name = 'W' | 'b' | 'x' | 'y';
interface JsonTensor {
  dtype: string;
  shape: number[];
  values: number[];
}
type JsonState = JsonTensor | number | null | JsonState[];
interface OptimCase {
  class: string;
  dtype: 'float32' | 'float64';
  options: Record<string, unknown>;
  groups: { params: ('W' | 'b')[]; options: Record<string, unknown> }[] | null;
  trajectory: { W: number[]; b: number[] }[];
  layout: { paramGroupKeys: string[]; stateKeys: string[] };
  state: Record<string, Record<string, JsonState>>;
  resume: string | null;
}
interface Fixture {
  steps: number;
  resumeAt: number;
  init: Record<Name, number[]>;
  shapes: Record<Name, number[]>;
  optimizers: Record<string, OptimCase>;
  errors: { class: string; options: Record<string, unknown>; message: string }[];
  defaults: Record<string, Record<string, unknown>>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8'));
const CHECKPOINTS = new URL('./fixtures/optimizers/', import.meta.url).pathname;
const TOLERANCE = 1e-5;

const CLASSES: Record<string, new (params: unknown, options?: unknown) => optim.Optimizer> = {
  Adadelta: optim.Adadelta,
  Adagrad: optim.Adagrad,
  RMSprop: optim.RMSprop,
  Adamax: optim.Adamax,
  NAdam: optim.NAdam,
  RAdam: optim.RAdam,
  ASGD: optim.ASGD,
  Rprop: optim.Rprop,
} as never;

const DTYPES = { float32: torch.float32, float64: torch.float64 } as const;

const leaf = (name: Name, dtype: 'float32' | 'float64', requiresGrad = false): Tensor =>
  torch.tensor(fixture.init[name], { dtype: DTYPES[dtype] }).reshape(fixture.shapes[name]).requiresGrad_(requiresGrad);

/** PyTorch's option names (weight_decay) as flint's (weightDecay). */
function camel(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

interface Run {
  opt: optim.Optimizer;
  W: Tensor;
  b: Tensor;
  c: OptimCase;
}

function start(name: string, optionOverrides: Record<string, unknown> = {}): Run {
  const c = fixture.optimizers[name];
  const W = leaf('W', c.dtype, true);
  const b = leaf('b', c.dtype, true);
  const named = { W, b };
  const params = c.groups === null ? [W, b] : c.groups.map((g) => ({ params: g.params.map((n) => named[n]), ...camel(g.options) }));
  return { opt: new CLASSES[c.class](params, { ...camel(c.options), ...optionOverrides }), W, b, c };
}

function expectClose(actual: Tensor, expected: number[], what: string): void {
  const values = actual.detach().reshape(-1).tolist() as number[];
  expect(values.length, what).toBe(expected.length);
  values.forEach((v, i) => {
    const tolerance = TOLERANCE * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(v - expected[i]) <= tolerance)) throw new Error(`${what}[${i}]: flint ${v}, PyTorch ${expected[i]} (tolerance ${tolerance})`);
  });
}

/** Steps `from` .. `to - 1` (0-based), each checked against PyTorch's parameters after it. */
function runSteps({ opt, W, b, c }: Run, from: number, to: number, expected = c.trajectory): void {
  const X = leaf('x', c.dtype);
  const Y = leaf('y', c.dtype);
  for (let step = from; step < to; step++) {
    opt.zeroGrad();
    X.matmul(W).add(b).sub(Y).pow(2).sum().add(W.abs().sum()).backward();
    opt.step();
    expectClose(W, expected[step].W, `W after step ${step + 1}`);
    expectClose(b, expected[step].b, `b after step ${step + 1}`);
  }
}

/** A flint state value against PyTorch's JSON one: the same kind (tensor, number, list), dtype, shape and values. */
function expectState(actual: unknown, expected: JsonState, what: string): void {
  if (expected === null) return expect(actual ?? null, what).toBeNull();
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${what} is a list`).toBe(true);
    expect((actual as unknown[]).length, what).toBe(expected.length);
    return expected.forEach((e, i) => expectState((actual as unknown[])[i], e, `${what}[${i}]`));
  }
  if (typeof expected === 'number') {
    expect(typeof actual, `${what} is a number, as in PyTorch`).toBe('number');
    return expect(Math.abs((actual as number) - expected), what).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(expected)));
  }
  expect(actual, `${what} is a tensor, as in PyTorch`).toBeInstanceOf(torch.Tensor);
  const t = actual as Tensor;
  expect(t.dtype.name ?? String(t.dtype), `${what} dtype`).toBe(expected.dtype);
  expect(t.shape, `${what} shape`).toEqual(expected.shape);
  expectClose(t, expected.values, what);
}

describe('trajectories and state dicts match PyTorch 1.13', () => {
  it('the fixture covers every class in float32 and float64, with groups, weight decay and maximize', () => {
    const cases = Object.values(fixture.optimizers);
    for (const cls of Object.keys(CLASSES)) {
      const own = cases.filter((c) => c.class === cls);
      expect(own.some((c) => c.dtype === 'float64'), cls).toBe(true);
      expect(own.some((c) => c.groups !== null), cls).toBe(true);
      expect(own.filter((c) => c.resume !== null).length, cls).toBe(1);
    }
    expect(cases.length).toBe(35);
  });

  it.each(Object.keys(fixture.optimizers))('%s: 10 steps', (name) => {
    const run = start(name);
    runSteps(run, 0, fixture.steps);
    const sd = run.opt.stateDict();
    expect(Object.keys(sd.param_groups[0]).sort()).toEqual(run.c.layout.paramGroupKeys);
    expect([...sd.state.keys()].map(String)).toEqual(Object.keys(run.c.state));
    for (const [index, expected] of Object.entries(run.c.state)) {
      const actual = sd.state.get(Number(index))!;
      expect(Object.keys(actual).sort(), `state ${index} keys`).toEqual(Object.keys(expected).sort());
      for (const [key, value] of Object.entries(expected)) expectState(actual[key], value, `state[${index}].${key}`);
    }
  });

  it('a wrong update rule fails the comparison (the checks above can fail)', () => {
    const run = start('rmsprop_centered_momentum_f64', { centered: false });
    expect(() => runSteps(run, 0, 2)).toThrow(/after step/);
  });
});

describe('state dicts resume', () => {
  const resumable = Object.keys(fixture.optimizers).filter((n) => fixture.optimizers[n].resume !== null);

  it.each(resumable)('%s: from PyTorch\'s checkpoint, every entry attaches and the next steps equal PyTorch\'s', (name) => {
    const c = fixture.optimizers[name];
    const ck = torch.loadSync(join(CHECKPOINTS, c.resume!)) as {
      optimizer: optim.OptimizerStateDict;
      W: Tensor;
      b: Tensor;
      next: { W: Tensor; b: Tensor }[];
    };
    const run = start(name, { lr: 123 });
    run.W.detach().copy_(ck.W);
    run.b.detach().copy_(ck.b);
    run.opt.loadStateDict(ck.optimizer);
    expect(run.opt.paramGroups[0].lr).toBe(c.options.lr);
    expect(run.opt.state.size).toBe(2);
    const next = ck.next.map((s) => ({ W: s.W.reshape(-1).tolist() as number[], b: s.b.tolist() as number[] }));
    runSteps(run, 0, next.length, next);
    expectClose(run.W, c.trajectory[fixture.steps - 1].W, 'W after resuming');
  });

  it.each(resumable)('%s: flint -> file -> flint continues the identical trajectory', (name) => {
    const first = start(name);
    runSteps(first, 0, fixture.resumeAt);
    const dir = mkdtempSync(join(tmpdir(), 'flint-optimizers-'));
    try {
      torch.saveSync({ optimizer: first.opt.stateDict() }, join(dir, 'opt.pt'));
      const loaded = torch.loadSync(join(dir, 'opt.pt')) as { optimizer: optim.OptimizerStateDict };
      const second = start(name, { lr: 123 });
      second.W.detach().copy_(first.W);
      second.b.detach().copy_(first.b);
      second.opt.loadStateDict(loaded.optimizer);
      runSteps(first, fixture.resumeAt, fixture.steps);
      runSteps(second, fixture.resumeAt, fixture.steps);
      expect(second.W.tolist()).toEqual(first.W.tolist());
      expect(second.b.tolist()).toEqual(first.b.tolist());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('flint -> PyTorch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-optimizers-torch-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the flint -> PyTorch optimizer resume test is skipped`);

    it.skipIf(!hasTorch)('PyTorch loads each flint state dict, attaches every entry, and its next steps equal its own trajectory', () => {
      const jobs = resumable.map((name) => {
        const run = start(name);
        runSteps(run, 0, fixture.resumeAt);
        const file = join(dir, `${name}.pt`);
        torch.saveSync({ optimizer: run.opt.stateDict(), W: run.W.detach(), b: run.b.detach() }, file);
        return { name, file, class: run.c.class, groups: run.c.groups };
      });
      const out = execFileSync(
        PYTHON,
        [
          '-c',
          `
import json, sys, torch
jobs = json.loads(sys.argv[1])
result = {}
for job in jobs:
    ck = torch.load(job['file'])
    W = ck['W'].clone().requires_grad_()
    b = ck['b'].clone().requires_grad_()
    x = torch.tensor(job['x'], dtype=W.dtype).reshape(5, 4)
    y = torch.tensor(job['y'], dtype=W.dtype).reshape(5, 3)
    opt = getattr(torch.optim, job['class'])([W, b], lr=123)
    opt.load_state_dict(ck['optimizer'])
    assert len(opt.state) == 2 and W in opt.state and b in opt.state, 'state attached to both parameters'
    steps = []
    for _ in range(job['steps']):
        opt.zero_grad()
        (((x @ W + b - y) ** 2).sum() + W.abs().sum()).backward()
        opt.step()
        steps.append({'W': W.detach().reshape(-1).tolist(), 'b': b.detach().tolist()})
    result[job['name']] = steps
print(json.dumps(result))
`,
          JSON.stringify(
            jobs.map((j) => ({ ...j, x: fixture.init.x, y: fixture.init.y, steps: fixture.steps - fixture.resumeAt })),
          ),
        ],
        { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      );
      const theirs = JSON.parse(out) as Record<string, { W: number[]; b: number[] }[]>;
      for (const { name } of jobs) {
        const expected = fixture.optimizers[name].trajectory.slice(fixture.resumeAt);
        expect(theirs[name].length, name).toBe(expected.length);
        theirs[name].forEach((s, i) => {
          s.W.forEach((v, j) => expect(Math.abs(v - expected[i].W[j]), `${name} W[${j}] at step ${fixture.resumeAt + i + 1}`).toBeLessThan(TOLERANCE));
          s.b.forEach((v, j) => expect(Math.abs(v - expected[i].b[j]), `${name} b[${j}]`).toBeLessThan(TOLERANCE));
        });
      }
    }, 120_000);
  });
});

describe('options', () => {
  it.each(Object.keys(CLASSES))('%s: defaults are PyTorch\'s', (cls) => {
    const opt = new CLASSES[cls]([torch.zeros(1).requiresGrad_()]);
    const expected = Object.fromEntries(Object.entries(fixture.defaults[cls]).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]));
    expect(opt.defaults).toEqual(expected);
  });

  it.each(fixture.errors.map((e) => [e.class, e.options, e.message] as const))('%s %o: PyTorch\'s message', (cls, options, message) => {
    expect(() => new CLASSES[cls]([torch.zeros(1).requiresGrad_()], camel(options))).toThrow(message);
  });

  it('rejects unknown and snake_case options, and bad types, naming what was found', () => {
    expect(() => new optim.Adagrad([torch.zeros(1).requiresGrad_()], { lr_decay: 0.1 } as never)).toThrow(/did you mean 'lrDecay'/);
    expect(() => new optim.NAdam([torch.zeros(1).requiresGrad_()], { maximize: true } as never)).toThrow(/unexpected option 'maximize'/);
    expect(() => new optim.Rprop([torch.zeros(1).requiresGrad_()], { stepSizes: [1e-6] as never })).toThrow(/stepSizes to be a pair of numbers/);
    expect(() => new optim.RMSprop([torch.zeros(1).requiresGrad_()], { centered: 1 as never })).toThrow(/centered to be true or false, but found 1/);
    expect(() => new optim.Adamax([torch.zeros(1).requiresGrad_()], { betas: '0.9' as never })).toThrow(/betas to be a pair/);
  });

  it('a param group\'s betas and etas are its own copies', () => {
    const betas: [number, number] = [0.9, 0.99];
    const opt = new optim.Adamax([{ params: [torch.zeros(1).requiresGrad_()] }, { params: [torch.zeros(1).requiresGrad_()] }], { betas });
    (opt.paramGroups[0].betas as number[])[0] = 0.5;
    expect(opt.paramGroups[1].betas).toEqual([0.9, 0.99]);
    expect(betas).toEqual([0.9, 0.99]);
  });

  it('Adagrad has every parameter\'s state from construction on, as PyTorch', () => {
    const w = torch.zeros(2).requiresGrad_();
    const opt = new optim.Adagrad([w], { initialAccumulatorValue: 0.25 });
    expect(opt.state.get(w)!.step).toBe(0);
    expect((opt.state.get(w)!.sum as Tensor).tolist()).toEqual([0.25, 0.25]);
  });
});

describe('memory', () => {
  it.each(Object.keys(fixture.optimizers).filter((n) => fixture.optimizers[n].groups === null))('%s: a step leaves no temporaries', (name) => {
    const run = start(name);
    runSteps(run, 0, 2);
    const X = leaf('x', run.c.dtype);
    const Y = leaf('y', run.c.dtype);
    run.opt.zeroGrad();
    X.matmul(run.W).add(run.b).sub(Y).pow(2).sum().add(run.W.abs().sum()).backward();
    const before = torch.memoryStats().cpu.storages;
    // Counts only fall meanwhile (the garbage collector); a leaking step adds storages.
    for (let i = 0; i < 3; i++) {
      run.opt.step();
      expect(torch.memoryStats().cpu.storages).toBeLessThanOrEqual(before);
    }
  });
});
