// torch.optim.LBFGS against PyTorch 1.13 on a Rosenbrock function of two parameters, with a
// fixed step and with the strong-Wolfe line search, in float32 and float64: the loss each
// step(closure) returns, the parameters, func_evals / n_iter / closure calls, the state
// dict, and resuming from PyTorch's checkpoint and PyTorch resuming from flint's.
// Fixtures: tests/fixtures/optimizers.json ('lbfgs') and
// tests/fixtures/optimizers/lbfgs_history_f64.pt, written by
// scripts/make_optimizers_fixtures.py.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import * as optim from '../src/optim/index.js';
import type { Tensor } from 'flint-torch';
import { PYTHON, hasTorch } from './helpers/python.js';

interface JsonTensor {
  dtype: string;
  shape: number[];
  values: number[];
}
type JsonState = JsonTensor | number | null | JsonState[];
interface Step {
  loss: number;
  a: number[];
  B: number[];
  funcEvals: number;
  nIter: number;
  closureCalls: number;
}
interface LbfgsCase {
  dtype: 'float32' | 'float64';
  options: Record<string, unknown>;
  trajectory: Step[];
  layout: { paramGroupKeys: string[]; stateKeys: string[] };
  state: Record<string, Record<string, JsonState>>;
  resume: string | null;
}
interface Fixture {
  steps: number;
  init: Record<'a' | 'B', number[]>;
  shapes: Record<'a' | 'B', number[]>;
  lbfgs: Record<string, LbfgsCase>;
  defaults: Record<string, Record<string, unknown>>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8'));
const CHECKPOINTS = new URL('./fixtures/optimizers/', import.meta.url).pathname;
const TOLERANCE = 1e-5;
const RESUME_AT = 3;

const camel = (options: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));

interface Run {
  opt: optim.LBFGS;
  a: Tensor;
  B: Tensor;
  calls: { n: number };
  closure: () => Tensor;
  c: LbfgsCase;
}

/** The fixture's Rosenbrock: z = cat([a, B.flatten()]), sum(100 (z[1:] - z[:-1]²)² + (1 - z[:-1])²). */
function start(name: string, overrides: Record<string, unknown> = {}): Run {
  const c = fixture.lbfgs[name];
  const dtype = c.dtype === 'float32' ? torch.float32 : torch.float64;
  const a = torch.tensor(fixture.init.a, { dtype }).reshape(fixture.shapes.a).requiresGrad_();
  const B = torch.tensor(fixture.init.B, { dtype }).reshape(fixture.shapes.B).requiresGrad_();
  const opt = new optim.LBFGS([a, B], { ...camel(c.options), ...overrides } as optim.LBFGSOptions);
  const calls = { n: 0 };
  const closure = (): Tensor => {
    calls.n++;
    opt.zeroGrad();
    const z = torch.cat([a, B.reshape(-1)]);
    const head = z.narrow(0, 0, z.shape[0] - 1);
    const tail = z.narrow(0, 1, z.shape[0] - 1);
    const loss = tail.sub(head.pow(2)).pow(2).mul(100).add(torch.tensor(1, { dtype }).sub(head).pow(2)).sum();
    loss.backward();
    return loss;
  };
  return { opt, a, B, calls, closure, c };
}

function expectClose(actual: number[], expected: number[], what: string, relative = TOLERANCE): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((v, i) => {
    const tolerance = relative * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(v - expected[i]) <= tolerance)) throw new Error(`${what}[${i}]: flint ${v}, PyTorch ${expected[i]} (tolerance ${tolerance})`);
  });
}

const flat = (t: Tensor): number[] => t.detach().reshape(-1).tolist() as number[];

function runSteps(run: Run, from: number, to: number, expected: { a: number[]; B: number[] }[] = run.c.trajectory): void {
  for (let s = from; s < to; s++) {
    const loss = run.opt.step(run.closure) as Tensor;
    expectClose(flat(run.a), expected[s].a, `a after step ${s + 1}`);
    expectClose(flat(run.B), expected[s].B, `B after step ${s + 1}`);
    const e = expected[s] as Partial<Step>;
    if (e.loss !== undefined) {
      expectClose([Number(loss.item())], [e.loss], `loss returned by step ${s + 1}`);
      const state = run.opt.state.get(run.a)!;
      expect([state.funcEvals, state.nIter, run.calls.n], `func_evals, n_iter, closure calls after step ${s + 1}`).toEqual([e.funcEvals, e.nIter, e.closureCalls]);
    }
  }
}

/**
 * A flint state entry against PyTorch's: the same kind (tensor, number, list), dtype, shape
 * and values. `relative` is looser for float32 history: after 50 iterations the curvature
 * pairs carry float32 rounding (1 ulp of each reduction) amplified by the ill-conditioning.
 */
function expectState(actual: unknown, expected: JsonState, what: string, relative: number): void {
  if (expected === null) return expect(actual ?? null, what).toBeNull();
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${what} is a list`).toBe(true);
    expect((actual as unknown[]).length, what).toBe(expected.length);
    return expected.forEach((e, i) => expectState((actual as unknown[])[i], e, `${what}[${i}]`, relative));
  }
  if (typeof expected === 'number') {
    expect(typeof actual, `${what} is a number, as in PyTorch`).toBe('number');
    return expectClose([actual as number], [expected], what, relative);
  }
  expect(actual, `${what} is a tensor, as in PyTorch`).toBeInstanceOf(torch.Tensor);
  const t = actual as Tensor;
  expect(t.dtype.name, `${what} dtype`).toBe(expected.dtype);
  expect(t.shape, `${what} shape`).toEqual(expected.shape);
  expectClose(flat(t), expected.values, what, relative);
}

describe('LBFGS matches PyTorch 1.13 on a Rosenbrock closure', () => {
  it.each(Object.keys(fixture.lbfgs))('%s: 10 steps, then the state dict', (name) => {
    const run = start(name);
    runSteps(run, 0, fixture.steps);
    const sd = run.opt.stateDict();
    expect(Object.keys(sd.param_groups[0]).sort()).toEqual(run.c.layout.paramGroupKeys);
    expect([...sd.state.keys()].map(String)).toEqual(Object.keys(run.c.state));
    const expected = run.c.state['0'];
    const actual = sd.state.get(0)!;
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    const relative = run.c.dtype === 'float32' ? 1e-4 : TOLERANCE;
    for (const [key, value] of Object.entries(expected)) expectState(actual[key], value, `state.${key}`, relative);
  });

  it('the line search matters: without it the strong-Wolfe trajectory is not reproduced', () => {
    const run = start('lbfgs_strong_wolfe_f64', { lineSearchFn: null });
    expect(() => runSteps(run, 0, 2)).toThrow(/after step/);
  });

  it('defaults are PyTorch\'s', () => {
    const opt = new optim.LBFGS([torch.zeros(1).requiresGrad_()]);
    expect(opt.defaults).toEqual(camel(fixture.defaults.LBFGS));
    expect(new optim.LBFGS([torch.zeros(1).requiresGrad_()], { maxIter: 10 }).defaults.maxEval).toBe(12);
  });
});

describe('LBFGS state dicts', () => {
  it('resumes from PyTorch\'s checkpoint: history, H_diag and t attach and the next steps equal PyTorch\'s', () => {
    const name = 'lbfgs_history_f64';
    const ck = torch.loadSync(join(CHECKPOINTS, `${name}.pt`)) as { optimizer: optim.OptimizerStateDict; a: Tensor; B: Tensor; next: { a: Tensor; B: Tensor }[] };
    const run = start(name, { lr: 123 });
    run.a.detach().copy_(ck.a);
    run.B.detach().copy_(ck.B);
    run.opt.loadStateDict(ck.optimizer);
    expect(run.opt.paramGroups[0].lr).toBe(0.8);
    const state = run.opt.state.get(run.a)!;
    expect((state.oldDirs as Tensor[]).length).toBe(3);
    expect(state.HDiag).toBeInstanceOf(torch.Tensor);
    const next = ck.next.map((s) => ({ a: flat(s.a), B: flat(s.B) }));
    runSteps(run, 0, next.length, next);
    expectClose(flat(run.a), run.c.trajectory[fixture.steps - 1].a, 'a after resuming');
  });

  it('flint -> file -> flint continues the identical trajectory', () => {
    const first = start('lbfgs_history_f64');
    runSteps(first, 0, RESUME_AT);
    const dir = mkdtempSync(join(tmpdir(), 'flint-lbfgs-'));
    try {
      torch.saveSync({ optimizer: first.opt.stateDict() }, join(dir, 'opt.pt'));
      const loaded = torch.loadSync(join(dir, 'opt.pt')) as { optimizer: optim.OptimizerStateDict };
      const second = start('lbfgs_history_f64', { historySize: 50 });
      second.a.detach().copy_(first.a);
      second.B.detach().copy_(first.B);
      second.opt.loadStateDict(loaded.optimizer);
      for (let i = RESUME_AT; i < fixture.steps; i++) {
        first.opt.step(first.closure);
        second.opt.step(second.closure);
        expect(flat(second.a)).toEqual(flat(first.a));
        expect(flat(second.B)).toEqual(flat(first.B));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasTorch)('PyTorch loads flint\'s state dict and continues its own trajectory', () => {
    const name = 'lbfgs_history_f64';
    const run = start(name);
    runSteps(run, 0, RESUME_AT);
    const dir = mkdtempSync(join(tmpdir(), 'flint-lbfgs-torch-'));
    try {
      const file = join(dir, 'opt.pt');
      torch.saveSync({ optimizer: run.opt.stateDict(), a: run.a.detach(), B: run.B.detach() }, file);
      const out = execFileSync(
        PYTHON,
        [
          '-c',
          `
import json, sys, torch
ck = torch.load(sys.argv[1])
a = ck['a'].clone().requires_grad_()
B = ck['B'].clone().requires_grad_()
opt = torch.optim.LBFGS([a, B], lr=123)
opt.load_state_dict(ck['optimizer'])
assert len(opt.state[a]['old_dirs']) == 3
def closure():
    opt.zero_grad()
    z = torch.cat([a, B.reshape(-1)])
    loss = (100 * (z[1:] - z[:-1] ** 2) ** 2 + (1 - z[:-1]) ** 2).sum()
    loss.backward()
    return loss
out = []
for _ in range(int(sys.argv[2])):
    opt.step(closure)
    out.append({'a': a.detach().reshape(-1).tolist(), 'B': B.detach().reshape(-1).tolist(), 'nIter': opt.state[a]['n_iter']})
print(json.dumps(out))
`,
          file,
          String(fixture.steps - RESUME_AT),
        ],
        { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      );
      const theirs = JSON.parse(out) as { a: number[]; B: number[]; nIter: number }[];
      theirs.forEach((s, i) => {
        const expected = run.c.trajectory[RESUME_AT + i];
        expectClose(s.a, expected.a, `PyTorch's a after step ${RESUME_AT + i + 1}`);
        expectClose(s.B, expected.B, `PyTorch's B after step ${RESUME_AT + i + 1}`);
        expect(s.nIter).toBe(expected.nIter);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('LBFGS arguments and memory', () => {
  it('rejects what PyTorch rejects, with its words, and bad options where they enter', () => {
    const w = (): Tensor => torch.zeros(2).requiresGrad_();
    expect(() => new optim.LBFGS([{ params: [w()] }, { params: [w()] }])).toThrow("LBFGS doesn't support per-parameter options (parameter groups)");
    expect(() => new optim.LBFGS([w()], { lineSearchFn: 'backtracking' as never })).toThrow("only 'strong_wolfe' is supported");
    expect(() => new optim.LBFGS([w()], { historySize: 0 })).toThrow(/historySize to be a positive integer, but found 0/);
    expect(() => new optim.LBFGS([w()], { max_iter: 3 } as never)).toThrow(/did you mean 'maxIter'/);
    const opt = new optim.LBFGS([w()]);
    expect(() => opt.addParamGroup({ params: [w()] })).toThrow(/parameter groups/);
    expect(() => opt.step()).toThrow(/missing 1 required argument: 'closure'/);
    expect(() => opt.step(() => 'loss')).toThrow(/closure to return the loss/);
  });

  it('returns at once, after one closure call, when the gradient is already under toleranceGrad', () => {
    const x = torch.tensor([1, 1], { dtype: torch.float64 }).requiresGrad_();
    const opt = new optim.LBFGS([x]);
    let calls = 0;
    const loss = opt.step(() => {
      calls++;
      opt.zeroGrad();
      const l = x.sub(1).pow(2).sum();
      l.backward();
      return l;
    });
    expect(calls).toBe(1);
    expect((loss as Tensor).item()).toBe(0);
    expect(x.tolist()).toEqual([1, 1]);
  });

  it('a closure that throws mid-step leaves a state that still steps and saves', () => {
    const run = start('lbfgs_history_f64');
    runSteps(run, 0, 2);
    let calls = 0;
    expect(() =>
      run.opt.step(() => {
        if (++calls === 4) throw new Error('closure failed');
        return run.closure();
      }),
    ).toThrow('closure failed');
    const state = run.opt.state.get(run.a)!;
    for (const t of [state.d, state.prevFlatGrad, ...(state.oldDirs as Tensor[]), ...(state.oldStps as Tensor[])] as Tensor[]) {
      expect(t.isDisposed).toBe(false);
    }
    const dir = mkdtempSync(join(tmpdir(), 'flint-lbfgs-throw-'));
    try {
      torch.saveSync({ optimizer: run.opt.stateDict() }, join(dir, 'opt.pt'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const loss = run.opt.step(run.closure) as Tensor;
    expect(Number.isFinite(loss.item())).toBe(true);
  });

  it.each(['lbfgs_history_fixed_f64', 'lbfgs_history_f64'])('%s: once the history is full, a step leaves no temporaries', (name) => {
    const run = start(name);
    // A closure that frees its own graph (tidy) and whose losses the test frees, so that
    // only what the step itself allocates remains to be counted.
    const losses: Tensor[] = [];
    const tidyClosure = (): Tensor => {
      for (const p of [run.a, run.B]) {
        p.grad?.dispose(); // zeroGrad would leave the old gradients to the garbage collector
        p.grad = null;
      }
      const loss = torch.tidy(run.closure);
      losses.push(loss);
      return loss;
    };
    const step = (): number => {
      run.opt.step(tidyClosure);
      for (const l of losses.splice(0)) l.dispose();
      return torch.memoryStats().cpu.storages;
    };
    for (let i = 0; i < 4; i++) step();
    const after = step();
    // The garbage collector may free earlier garbage meanwhile (counts only fall); a step
    // that leaked would add at least one storage each time.
    for (let i = 0; i < 3; i++) expect(step()).toBeLessThanOrEqual(after);
  });
});
