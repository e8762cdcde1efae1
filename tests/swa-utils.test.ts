/**
 * optim.swaUtils against PyTorch (tests/fixtures/swa-utils.json, written by
 * scripts/make_swa_fixtures.py with PyTorch 1.13, plus 2.x's copy of unaveraged buffers):
 * AveragedModel's parameters and buffers after each updateParameters for SWA, an EMA avgFn,
 * the list forms getSwaMultiAvgFn / getEmaMultiAvgFn, and useBuffers; its state-dict keys and
 * forward; updateBn's recomputed statistics and what it restores; SWALR's rates (cos and
 * linear, annealEpochs 0, one swaLr per group) and its errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';

const { nn, optim } = torch;
const S = optim.swaUtils;

interface Ser {
  shape: number[];
  dtype: string;
  data: number[];
}
interface Run {
  stateDictKeys: string[];
  steps: { nAveraged: number; tensors: Record<string, Ser> }[];
}
const FIXTURE: {
  averaged: { swa: Run; ema: Run; swaBuffers: Run; forward: { x: Ser; train: Ser; eval: Ser } };
  updateBn: { batches: Ser[]; runningMean: Ser; runningVar: Ser; numBatchesTracked: number; momentum: number; training: boolean };
  swalr: { swaLr: number | number[]; annealEpochs: number; strategy: 'cos' | 'linear'; lrs: number[][]; lastLr: number[]; annealEpochsSaved: number; groupSwaLr: number[] }[];
  errors: Record<'strategy' | 'epochs' | 'lengths', string>;
} = JSON.parse(readFileSync(new URL('./fixtures/swa-utils.json', import.meta.url), 'utf8'));

const fromSer = (s: Ser): Tensor => torch.tensor(s.data, { dtype: torch.float64 }).reshape(s.shape);
const data = (t: Tensor): number[] => Array.from(t.detach().contiguous().dataSync() as ArrayLike<number | bigint>, Number);

function expectClose(actual: Tensor, expected: Ser, what: string, rtol = 1e-12): void {
  expect([...actual.shape], `${what} shape`).toEqual(expected.shape);
  const got = data(actual);
  expected.data.forEach((want, i) => {
    expect(Math.abs(got[i] - want) <= rtol * Math.max(1, Math.abs(want)), `${what}[${i}]: got ${got[i]}, want ${want}`).toBe(true);
  });
}

/** The fixture's MLP: every float parameter and buffer set from the same linspace formula. */
function model(): torch.nn.Sequential {
  return new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 2)).to(torch.float64);
}
function states(): torch.nn.Sequential[] {
  return [0, 1, 2].map((k) => {
    const m = model();
    torch.noGrad(() => {
      const floats = [...m.parameters(), ...[...m.buffers()].filter((b) => b.dtype.isFloatingPoint)];
      floats.forEach((t, i) => {
        const values = torch.linspace(-1 + 0.3 * k + 0.1 * i, 1.5 - 0.2 * k + 0.05 * i, t.numel(), { dtype: torch.float64 });
        t.copy_(values.reshape([...t.shape]));
      });
      (m.at(1) as unknown as { num_batches_tracked: Tensor }).num_batches_tracked.fill_(5 + k);
    });
    return m;
  });
}

function checkRun(run: Run, options: torch.optim.swaUtils.AveragedModelOptions): void {
  const ms = states();
  const swa = new S.AveragedModel(ms[0], options);
  expect(Object.keys(swa.stateDict())).toEqual(run.stateDictKeys);
  ms.forEach((m, step) => {
    swa.updateParameters(m);
    const want = run.steps[step];
    expect(Number(swa.n_averaged.item()), `n_averaged after update ${step}`).toBe(want.nAveraged);
    const mine = new Map<string, Tensor>([...swa.module.namedParameters(), ...swa.module.namedBuffers()]);
    for (const [name, ser] of Object.entries(want.tensors)) {
      const t = mine.get(name);
      expect(t, name).toBeDefined();
      if (ser.dtype === 'int64') expect(data(t!), `${name} after update ${step}`).toEqual(ser.data);
      else expectClose(t!, ser, `${name} after update ${step}`);
    }
  });
}

describe('AveragedModel', () => {
  const A = FIXTURE.averaged;
  it('SWA (the default average): parameters averaged, buffers copied from the model, as PyTorch 2.x', () => checkRun(A.swa, {}));
  it('getSwaAvgFn() is the default', () => checkRun(A.swa, { avgFn: S.getSwaAvgFn() }));
  it('getSwaMultiAvgFn() gives the same average in place', () => checkRun(A.swa, { multiAvgFn: S.getSwaMultiAvgFn() }));
  it('an EMA (getEmaAvgFn(0.9)) matches PyTorch with avg_fn = 0.9 avg + 0.1 cur', () => checkRun(A.ema, { avgFn: S.getEmaAvgFn(0.9) }));
  it('getEmaMultiAvgFn(0.9), the in-place list form, agrees to rounding', () => {
    const ms = states();
    const [a, b] = [new S.AveragedModel(ms[0], { avgFn: S.getEmaAvgFn(0.9) }), new S.AveragedModel(ms[0], { multiAvgFn: S.getEmaMultiAvgFn(0.9) })];
    for (const m of ms) [a, b].forEach((s) => s.updateParameters(m));
    const pb = [...b.parameters()];
    [...a.parameters()].forEach((p, i) => expectClose(pb[i], { shape: [...p.shape], dtype: 'float64', data: data(p) }, `param ${i}`, 1e-14));
  });
  it('useBuffers averages the BatchNorm statistics too', () => checkRun(A.swaBuffers, { useBuffers: true }));
  it('calling it runs the averaged copy, in train and eval mode', () => {
    const ms = states();
    const swa = new S.AveragedModel(ms[0]);
    for (const m of ms) swa.updateParameters(m);
    const x = fromSer(A.forward.x);
    expectClose(swa(x), A.forward.train, 'train forward');
    expectClose(swa.eval()(x), A.forward.eval, 'eval forward');
  });
  it('the copy is independent of the model it was made from', () => {
    const m = model();
    const swa = new S.AveragedModel(m);
    torch.noGrad(() => [...m.parameters()][0].fill_(7));
    expect(data([...swa.parameters()][0]).some((v) => v === 7)).toBe(false);
  });
  it('rejects what is not a module or options it does not know', () => {
    expect(() => new S.AveragedModel({} as never)).toThrow('AveragedModel(): expected model to be a Module');
    expect(() => new S.AveragedModel(model(), { decay: 0.9 } as never)).toThrow(/decay/);
    expect(() => new S.AveragedModel(model(), { avgFn: 3 as never })).toThrow('avgFn must be a function');
    expect(() => new S.AveragedModel(model()).updateParameters(new nn.Linear(3, 4) as never)).toThrow(/tensors to average/);
  });
});

describe('updateBn', () => {
  const U = FIXTURE.updateBn;
  const batches = U.batches.map((b) => [fromSer(b), torch.zeros(5)] as const);
  const check = (m: torch.nn.Sequential): void => {
    const bn = m.at(1) as unknown as { running_mean: Tensor; running_var: Tensor; num_batches_tracked: Tensor; momentum: number };
    expectClose(bn.running_mean, U.runningMean, 'running_mean');
    expectClose(bn.running_var, U.runningVar, 'running_var');
    expect(Number(bn.num_batches_tracked.item())).toBe(U.numBatchesTracked);
    expect(bn.momentum).toBe(U.momentum);
    expect(m.training).toBe(U.training);
  };
  it('recomputes the statistics as a cumulative average over one pass, and restores momentum and mode', () => {
    const m = states()[1];
    m.eval();
    S.updateBn(batches, m);
    check(m);
  });
  it('takes an async iterable and returns a promise', async () => {
    const m = states()[1];
    m.eval();
    async function* gen(): AsyncGenerator<readonly [Tensor, Tensor]> {
      for (const b of batches) yield b;
    }
    const done = S.updateBn(gen(), m);
    expect(done).toBeInstanceOf(Promise);
    await done;
    check(m);
  });
  it('does nothing to a model without batch norm, and rejects a loader that is not iterable', () => {
    const lin = new nn.Linear(3, 2);
    expect(S.updateBn([torch.zeros(2, 3)], lin)).toBeUndefined();
    expect(() => S.updateBn(5 as never, states()[0])).toThrow('expected loader to be an iterable');
  });
});

describe('SWALR', () => {
  for (const c of FIXTURE.swalr) {
    it(`swaLr ${JSON.stringify(c.swaLr)}, ${c.strategy}, annealEpochs ${c.annealEpochs}: the rates of 14 steps`, () => {
      const groups = [0, 1].map((i) => ({ params: [new nn.Parameter(torch.zeros(1))], lr: 0.5 * (i + 1) }));
      const opt = new optim.SGD(groups, { lr: 0.5 });
      const sched = new S.SWALR(opt, c.swaLr, { annealEpochs: c.annealEpochs, annealStrategy: c.strategy });
      const seq = [opt.paramGroups.map((g) => g.lr)];
      for (let i = 0; i < 14; i++) {
        opt.step();
        sched.step();
        seq.push(opt.paramGroups.map((g) => g.lr));
      }
      seq.forEach((row, i) => row.forEach((lr, j) => expect(Math.abs(lr - c.lrs[i][j]), `step ${i} group ${j}: ${lr} vs ${c.lrs[i][j]}`).toBeLessThan(1e-15)));
      expect(sched.getLastLr()).toEqual(seq[seq.length - 1]);
      expect(sched.stateDict().anneal_epochs).toBe(c.annealEpochsSaved);
      expect(opt.paramGroups.map((g) => (g as unknown as { swaLr: number }).swaLr)).toEqual(c.groupSwaLr);
    });
  }
  it('positional arguments as PyTorch orders them', () => {
    const opt = new optim.SGD([new nn.Parameter(torch.zeros(1))], { lr: 0.5 });
    const sched = new S.SWALR(opt, 0.05, 3, 'linear');
    sched.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.5 + (0.05 - 0.5) / 3, 15);
  });
  it("PyTorch's errors", () => {
    const opt = new optim.SGD([new nn.Parameter(torch.zeros(1))], { lr: 0.1 });
    expect(() => new S.SWALR(opt, 0.05, { annealStrategy: 'exp' as never })).toThrow(FIXTURE.errors.strategy);
    expect(() => new S.SWALR(opt, 0.05, { annealEpochs: -1 })).toThrow(FIXTURE.errors.epochs);
    expect(() => new S.SWALR(opt, [0.1, 0.2])).toThrow(FIXTURE.errors.lengths);
    expect(() => new S.SWALR(opt, { annealEpochs: 2 } as never)).toThrow(/swaLr/);
  });
});
