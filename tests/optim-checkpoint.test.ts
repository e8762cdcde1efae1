/**
 * Optimizer checkpoints across PyTorch and flint: PyTorch keys `optimizer.state_dict()
 * ['state']` by int parameter index. A file PyTorch wrote must resume in flint with every
 * state entry attached (the next steps equal PyTorch's own next steps), and a file flint
 * wrote must resume in PyTorch the same way. The PyTorch side's files are committed
 * fixtures (scripts/make_optim_resume_fixtures.py); the flint -> PyTorch direction runs
 * real PyTorch when /usr/bin/python3 has it, and is skipped visibly otherwise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { PYTHON, hasTorch } from './helpers/python.js';

const { nn, optim } = torch;
const F = nn.functional;
const FIXTURES = new URL('./fixtures/pytorch/torch-1.13/', import.meta.url).pathname;

interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: torch.optim.OptimizerStateDict;
  X: Tensor;
  Y: Tensor;
  next: { weight: Tensor; bias: Tensor }[];
}

/** The optimizers of the fixture cases, made with hyperparameters the state dict must replace. */
const CASES: [string, (params: Tensor[]) => torch.optim.Optimizer, Record<string, unknown>][] = [
  ['optim_adam.pt', (p) => new optim.Adam(p, { lr: 123, betas: [0.5, 0.5] }), { lr: 0.05, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.01 }],
  ['optim_adam_amsgrad.pt', (p) => new optim.Adam(p, { lr: 123, amsgrad: true }), { lr: 0.05, amsgrad: true }],
  ['optim_sgd_momentum.pt', (p) => new optim.SGD(p, { lr: 123, momentum: 0.5 }), { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.001 }],
];

function maxDiff(a: Tensor, b: Tensor): number {
  return a.detach().sub(b).abs().max().item() as number;
}

/** The weight's rows, then the bias, as PyTorch's side prints them. */
function values(net: torch.nn.Linear): number[][] {
  return [...(net.weight.tolist() as number[][]), net.bias!.tolist() as number[]];
}

function step(net: torch.nn.Linear, opt: torch.optim.Optimizer, X: Tensor, Y: Tensor): void {
  opt.zeroGrad();
  F.mseLoss(net.forward(X), Y).backward();
  opt.step();
}

describe('PyTorch 1.13 optimizer checkpoints resume in flint', () => {
  it.each(CASES)('%s: every state entry attaches and the next steps equal PyTorch\'s', (file, make, hyper) => {
    const ck = torch.loadSync(join(FIXTURES, file)) as Checkpoint;
    // PyTorch's int keys load as a Map with number keys.
    expect(ck.optimizer.state).toBeInstanceOf(Map);
    expect([...ck.optimizer.state.keys()]).toEqual([0, 1]);

    const net = new nn.Linear(4, 3);
    net.loadStateDict(ck.model);
    const opt = make(net.parameters());
    opt.loadStateDict(ck.optimizer);
    expect(opt.state.size).toBe(2);
    expect(opt.paramGroups[0]).toMatchObject(hyper);
    const state = opt.state.get(net.weight)!;
    expect(Object.keys(state).length).toBeGreaterThan(0);
    if (file.startsWith('optim_adam')) expect(state.step).toBe(3);

    for (const [i, expected] of ck.next.entries()) {
      step(net, opt, ck.X, ck.Y);
      expect(maxDiff(net.weight, expected.weight), `weight after step ${4 + i}`).toBeLessThan(1e-6);
      expect(maxDiff(net.bias!, expected.bias), `bias after step ${4 + i}`).toBeLessThan(1e-6);
    }
  });

  it.each(CASES)('%s: without the state the next step differs (the comparison above can fail)', (file, make) => {
    const ck = torch.loadSync(join(FIXTURES, file)) as Checkpoint;
    const net = new nn.Linear(4, 3);
    net.loadStateDict(ck.model);
    const opt = make(net.parameters());
    // The hyperparameters alone, as a loader that dropped the 2 state entries would leave it.
    opt.loadStateDict({ state: new Map(), param_groups: ck.optimizer.param_groups });
    step(net, opt, ck.X, ck.Y);
    expect(maxDiff(net.weight, ck.next[0].weight)).toBeGreaterThan(1e-4);
  });
});

describe('flint optimizer checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-optim-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Trains 3 steps, saves, takes 2 more; returns the file and the weights after each of the 2. */
  function trainAndSave(name: string, make: (p: Tensor[]) => torch.optim.Optimizer): { file: string; next: number[][][] } {
    const ck = torch.loadSync(join(FIXTURES, 'optim_adam.pt')) as Checkpoint;
    torch.manualSeed(3);
    const net = new nn.Linear(4, 3);
    const opt = make(net.parameters());
    for (let i = 0; i < 3; i++) step(net, opt, ck.X, ck.Y);
    const file = join(dir, `${name}.pt`);
    torch.saveSync({ model: net.stateDict(), optimizer: opt.stateDict(), X: ck.X, Y: ck.Y }, file);
    const next: number[][][] = [];
    for (let i = 0; i < 2; i++) {
      step(net, opt, ck.X, ck.Y);
      next.push(values(net));
    }
    return { file, next };
  }

  const MAKERS: [string, (p: Tensor[]) => torch.optim.Optimizer, string][] = [
    ['adam', (p) => new optim.Adam(p, { lr: 0.05, betas: [0.8, 0.95], weightDecay: 0.01 }), 'torch.optim.Adam(net.parameters(), lr=123)'],
    ['sgd', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1 }), 'torch.optim.SGD(net.parameters(), lr=123, momentum=0.5)'],
  ];

  it.each(MAKERS)('%s: writes int state keys, and resumes in flint from the file', (name, make) => {
    const { file, next } = trainAndSave(`${name}-flint`, make);
    const loaded = torch.loadSync(file) as Checkpoint;
    // Pickle ints, not strings: flint's own loader gives a Map only for non-string keys.
    expect(loaded.optimizer.state).toBeInstanceOf(Map);
    expect([...loaded.optimizer.state.keys()]).toEqual([0, 1]);
    const net = new nn.Linear(4, 3);
    net.loadStateDict(loaded.model);
    const opt = make(net.parameters());
    opt.loadStateDict(loaded.optimizer);
    for (const expected of next) {
      step(net, opt, loaded.X, loaded.Y);
      expect(values(net)).toEqual(expected);
    }
  });

  if (!hasTorch) console.warn(`NOTICE: ${PYTHON} cannot import torch; the flint -> PyTorch optimizer resume tests are skipped`);

  it.skipIf(!hasTorch).each(MAKERS)('%s: PyTorch attaches every state entry and its next steps equal flint\'s', (name, make, construct) => {
    const { file, next } = trainAndSave(`${name}-torch`, make);
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        `
import json, sys, torch
old = int(torch.__version__.split('.')[0]) < 2
# PyTorch 1.13's weights_only loader has no BINFLOAT, which the learning rates need.
ck = torch.load(sys.argv[1], weights_only=not old)
assert isinstance(next(iter(ck['optimizer']['state'])), int), 'state keys are ints'
net = torch.nn.Linear(4, 3)
net.load_state_dict(ck['model'])
opt = ${construct}
opt.load_state_dict(ck['optimizer'])
assert len(opt.state) == 2 and all(p in opt.state for p in net.parameters()), 'state attached to both parameters'
out = []
for _ in range(2):
    opt.zero_grad()
    torch.nn.functional.mse_loss(net(ck['X']), ck['Y']).backward()
    opt.step()
    out.append(net.weight.tolist() + [net.bias.tolist()])
print(json.dumps(out))
`,
        file,
      ],
      { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
    );
    const theirs = JSON.parse(out) as number[][][];
    expect(theirs.length).toBe(2);
    theirs.forEach((weights, s) =>
      weights.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - next[s][r][c]), `step ${4 + s} [${r}][${c}]`).toBeLessThan(1e-6))),
    );
  }, 60_000);
});
