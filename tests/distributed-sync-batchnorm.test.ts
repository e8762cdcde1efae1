/**
 * nn.SyncBatchNorm and nn.SyncBatchNorm.convertSyncBatchnorm against PyTorch 1.13
 * (tests/fixtures/sync-batchnorm.json, written by scripts/make_sync_batchnorm_fixtures.py):
 * repr, state dicts and version, convertSyncBatchnorm on a small CNN, the input checks, and
 * 1.13's own forward where it needs no synchronization (eval; training with no process group
 * throws). The synchronized function is checked against 1.13's batch norm over the global
 * batch with each peer's part computed here (the rows its all-gather would bring and the sums
 * its all-reduce would add), and by finite differences. Over gloo: a world of one in this
 * process (plain batch norm, bit for bit), and worlds of 2 and 4 processes started by
 * flint-run (tests/distributed/sync-batchnorm.mts) against one process's BatchNorm, bare and
 * under DistributedDataParallel.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { glooStatus } from '../src/native/addon.js';
import { isBatchNorm, NormBase } from '../src/nn/layers/batch-norm.js';
import { backwardSums, gatherStatsWithCounts, statsRow, syncBatchNorm, type StatsExchange } from '../src/nn/functional/sync-batch-norm.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';
import { flintRun } from './helpers/flint-run.js';

const { nn } = torch;
const dist = torch.distributed;
const glooMissing = glooStatus();
if (glooMissing) console.warn(`tests/distributed-sync-batchnorm.test.ts: the gloo tests skip: ${glooMissing}`);

interface Described {
  repr: string;
  keys: string[];
  state: Record<string, FixtureTensor>;
  version: number;
}
interface Step {
  out: FixtureTensor;
  runningMean: FixtureTensor;
  runningVar: FixtureTensor;
  numBatchesTracked: number;
  gradInput: FixtureTensor;
  gradWeight: FixtureTensor;
  gradBias: FixtureTensor;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/sync-batchnorm.json', import.meta.url), 'utf8')) as {
  modules: (Described & { kw: { eps?: number; momentum?: number | null; affine?: boolean; track_running_stats?: boolean } })[];
  convert: Described & {
    sameRoot: boolean;
    sameParameters: string[];
    sameBuffers: string[];
    training: Record<string, boolean>;
    classes: Record<string, string>;
    qconfig: string;
  };
  convertBare: { repr: string; sameWeight: boolean; sameMean: boolean };
  fallback: {
    X: FixtureTensor;
    G: FixtureTensor;
    weight: FixtureTensor;
    bias: FixtureTensor;
    noGroupTraining: { message: string };
    noGroupCounter: number;
    noGroupEval: FixtureTensor;
    noGroupUntrackedEval: FixtureTensor;
    worldOfOne: { momentum: number | null; steps: Step[]; eval: FixtureTensor }[];
  };
  errors: Record<'oneD' | 'zeroChannels' | 'cpu', { message: string }>;
};
const { fallback } = FIXTURE;
const X = fromFixture(fallback.X);
const G = fromFixture(fallback.G);
const TIGHT = { rtol: 0, atol: 1e-12 };

function expectState(module: torch.nn.Module, expected: Described): void {
  const state = module.stateDict();
  expect(Object.keys(state)).toEqual(expected.keys);
  for (const key of expected.keys) expectClose(state[key], expected.state[key], { rtol: 0, atol: 0, label: key });
}

/** A SyncBatchNorm(3) in float64 holding the fixture's weight and bias. */
function fixtureLayer(momentum: number | null): torch.nn.SyncBatchNorm {
  const layer = new nn.SyncBatchNorm(3, { momentum, dtype: torch.float64 });
  torch.noGrad(() => {
    layer.weight!.copy_(fromFixture(fallback.weight));
    layer.bias!.copy_(fromFixture(fallback.bias));
  });
  return layer;
}

describe('nn.SyncBatchNorm against PyTorch 1.13', () => {
  it('repr, state dict keys, values and version', () => {
    for (const m of FIXTURE.modules) {
      torch.manualSeed(0);
      const { eps, momentum, affine, track_running_stats: trackRunningStats } = m.kw;
      const layer = new nn.SyncBatchNorm(4, { eps, momentum, affine, trackRunningStats });
      expect(String(layer)).toBe(m.repr);
      expectState(layer, m);
      expect((layer.constructor as typeof torch.nn.Module)._version).toBe(m.version);
    }
    // PyTorch's positional form, the group included.
    const positional = new nn.SyncBatchNorm(4, 1e-3, null, true, true, null);
    expect(String(positional)).toBe(FIXTURE.modules[1].repr);
    expect(positional.processGroup).toBeNull();
    const layer = new nn.SyncBatchNorm(2);
    expect(isBatchNorm(layer) && layer instanceof NormBase).toBe(true);
    expect(() => new nn.SyncBatchNorm(2, { group: null } as never)).toThrow("SyncBatchNorm() got an unexpected option 'group'");
    expect(() => new nn.SyncBatchNorm(2, { processGroup: 3 } as never)).toThrow("argument 'processGroup' must be a ProcessGroup");
  });

  it('the input checks, and training with no process group throws as 1.13 does', () => {
    const layer = new nn.SyncBatchNorm(3, { dtype: torch.float64 });
    expect(() => layer(torch.randn(3))).toThrow(FIXTURE.errors.oneD.message);
    expect(() => layer(torch.randn(2, 0, 3))).toThrow(FIXTURE.errors.zeroChannels.message);
    expect(FIXTURE.errors.cpu.message).toBe('SyncBatchNorm expected input tensor to be on GPU'); // the difference flint makes on purpose
    expect(dist.isInitialized()).toBe(false);
    // 1.13's get_world_size raises once the counter has been advanced.
    const message = fallback.noGroupTraining.message.replace('init_process_group', 'initProcessGroup');
    expect(() => layer(X.select(0, 0))).toThrow(message);
    expect(layer.num_batches_tracked!.item()).toBe(fallback.noGroupCounter);
  });

  it('eval needs no process group: the running statistics, or the batch statistics untracked', () => {
    const layer = new nn.SyncBatchNorm(3, { dtype: torch.float64 }).eval();
    const x = X.select(0, 0);
    const out = layer(x);
    expectClose(out, fallback.noGroupEval, TIGHT);
    const plain = new nn.BatchNorm2d(3, { dtype: torch.float64 }).eval();
    expect(out.sub(plain(x)).abs().max().item()).toBe(0);
    const untracked = new nn.SyncBatchNorm(3, { trackRunningStats: false, dtype: torch.float64 }).eval();
    expectClose(untracked(x), fallback.noGroupUntrackedEval, TIGHT);
  });

  it('convertSyncBatchnorm on a small CNN: repr, state, the same Parameter and buffer objects, qconfig', () => {
    const c = FIXTURE.convert;
    torch.manualSeed(0);
    const net = new nn.Sequential(
      new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(),
      new nn.Sequential(new nn.Conv2d(4, 4, 1), new nn.BatchNorm2d(4, { momentum: null, eps: 1e-3 })),
      new nn.InstanceNorm2d(4, { affine: true }), new nn.Flatten(), new nn.Linear(64, 5), new nn.BatchNorm1d(5, { affine: false }),
    );
    const norms = net.modules().filter(isBatchNorm);
    torch.noGrad(() =>
      norms.forEach((m, i) => {
        const n = m.running_mean!.numel();
        m.running_mean!.copy_(torch.arange(n).mul(0.25).add(i));
        m.running_var!.copy_(torch.arange(n).mul(0.5).add(1 + i));
        m.num_batches_tracked!.fill_(3 + i);
      }),
    );
    const inner = net.at<torch.nn.Sequential>(3);
    inner.at(1).eval();
    (inner.at(1) as unknown as { qconfig: string }).qconfig = 'qconfig-of-bn';
    const parameters = new Map(net.namedParameters());
    const buffers = new Map(net.namedBuffers());
    const converted = nn.SyncBatchNorm.convertSyncBatchnorm(net);
    expect(converted === net).toBe(c.sameRoot);
    expect(String(converted)).toBe(c.repr);
    expectState(converted, c);
    expect(converted.namedParameters().filter(([k, p]) => parameters.get(k) === p).map(([k]) => k).sort()).toEqual(c.sameParameters);
    expect(converted.namedBuffers().filter(([k, b]) => buffers.get(k) === b).map(([k]) => k).sort()).toEqual(c.sameBuffers);
    const modules = converted.namedModules();
    expect(Object.fromEntries(modules.map(([k, m]) => [k || '.', m.training]))).toEqual(c.training);
    expect(Object.fromEntries(modules.map(([k, m]) => [k || '.', m.constructor.name]))).toEqual(c.classes);
    expect((net.at<torch.nn.Sequential>(3).at(1) as unknown as { qconfig: string }).qconfig).toBe(c.qconfig);

    const bare = new nn.BatchNorm1d(3, { momentum: 0.2 });
    const sync = nn.SyncBatchNorm.convertSyncBatchnorm(bare) as torch.nn.SyncBatchNorm;
    expect(String(sync)).toBe(FIXTURE.convertBare.repr);
    expect([sync.weight === bare.weight, sync.running_mean === bare.running_mean]).toEqual([FIXTURE.convertBare.sameWeight, FIXTURE.convertBare.sameMean]);
    expect(sync).toBeInstanceOf(nn.SyncBatchNorm);
    // A SyncBatchNorm is a batch norm too: converted again, onto another group.
    expect(nn.SyncBatchNorm.convertSyncBatchnorm(sync)).not.toBe(sync);
  });
});

describe('the synchronized function', () => {
  // Each rank's slice of the fixture's global batch of 9; the peers' rows and sums are what
  // they would send, computed here from their slices. The result must be 1.13's batch norm
  // over the global batch (its SyncBatchNorm in a world of one).
  for (const sizes of [[3, 0, 5, 1], [4, 5], [9]]) {
    for (const run of fallback.worldOfOne) {
      it(`ranks holding ${sizes.join(', ')} of the batch, momentum ${run.momentum}: 1.13's values over the global batch`, () => {
        const starts = sizes.map((_, r) => sizes.slice(0, r).reduce((a, b) => a + b, 0));
        const layers = sizes.map(() => fixtureLayer(run.momentum));
        run.steps.forEach((expected, k) => {
          const slice = (t: Tensor, r: number) => t.select(0, k).narrow(0, starts[r], sizes[r]);
          const rows = sizes.map((_, r) => statsRow(slice(X, r).contiguous(), 1e-5));
          const { mean } = gatherStatsWithCounts(rows, 3, null, null, 0, 1e-5);
          const outs: Tensor[] = [];
          const grads: (Tensor | null)[] = [];
          layers.forEach((layer, r) => {
            layer.zeroGrad();
            torch.noGrad(() => layer.num_batches_tracked!.add_(1));
            const factor = run.momentum ?? 1 / Number(layer.num_batches_tracked!.item());
            const exchange: StatsExchange = {
              gather: (row) => rows.map((other, q) => (q === r ? (row.tolist() as number[]) : other)),
              sum: (t) => {
                sizes.forEach((n, q) => {
                  if (q === r || n === 0) return;
                  const peer = backwardSums(slice(G, q).contiguous(), slice(X, q).contiguous(), mean);
                  t.add_(torch.tensor([...peer.sumDy, ...peer.sumDyXmu], { dtype: t.dtype }));
                });
              },
            };
            const x = slice(X, r).clone().requiresGrad_();
            const out = syncBatchNorm(x, layer.weight, layer.bias, layer.running_mean, layer.running_var, layer.eps, factor, exchange);
            expect(out.gradFn?.name).toBe('SyncBatchNormBackward');
            out.mul(slice(G, r)).sum().backward();
            outs.push(out);
            grads.push(x.grad);
            expectClose(layer.running_mean!, expected.runningMean, TIGHT);
            expectClose(layer.running_var!, expected.runningVar, TIGHT);
            expect(layer.num_batches_tracked!.item()).toBe(expected.numBatchesTracked);
          });
          expectClose(torch.cat(outs), expected.out, TIGHT);
          // 1.13 gives a rank with an empty batch no gradients at all.
          sizes.forEach((n, r) => expect(grads[r] === null && layers[r].weight!.grad === null).toBe(n === 0));
          expectClose(torch.cat(grads.filter((g): g is Tensor => g !== null)), expected.gradInput, TIGHT);
          const total = (pick: (l: torch.nn.SyncBatchNorm) => Tensor | null) =>
            layers.map(pick).filter((g): g is Tensor => g !== null).reduce((a, b) => a.add(b));
          expectClose(total((l) => l.weight!.grad), expected.gradWeight, TIGHT);
          expectClose(total((l) => l.bias!.grad), expected.gradBias, TIGHT);
        });
      });
    }
  }

  it('gradients by finite differences (float64, a group of one)', () => {
    const one: StatsExchange = { gather: (row) => [row.tolist() as number[]], sum: () => {} };
    torch.manualSeed(3);
    const x = torch.randn(4, 3, 5, { dtype: torch.float64 }).mul(2).add(1).requiresGrad_();
    const w = torch.rand(3, { dtype: torch.float64 }).add(0.5).requiresGrad_();
    const b = torch.randn(3, { dtype: torch.float64 }).requiresGrad_();
    const result = gradcheck((xi, wi, bi) => syncBatchNorm(xi, wi, bi, null, null, 1e-5, 0.1, one), [x, w, b]);
    expect(result.checked).toBeGreaterThan(60);
    // The same numbers as batch norm's own backward.
    const out = syncBatchNorm(x, w, b, null, null, 1e-5, 0.1, one);
    out.mul(out).sum().backward();
    const grads = [x.grad!.clone(), w.grad!.clone(), b.grad!.clone()];
    [x, w, b].forEach((t) => (t.grad = null));
    const plain = nn.functional.batchNorm(x, null, null, w, b, true, 0.1, 1e-5);
    plain.mul(plain).sum().backward();
    [x.grad!, w.grad!, b.grad!].forEach((g, i) => expectClose(grads[i], g, { rtol: 1e-12, atol: 1e-12 }));
    expect(() => syncBatchNorm(x, w, b, null, null, 1e-5, 0.1, one).sum().backward({ createGraph: true })).toThrow();
  });
});

describe.skipIf(glooMissing !== '')('a world of one in this process', () => {
  afterAll(() => dist.destroyProcessGroup());

  it('plain batch norm, bit for bit: values, running statistics and gradients, in training and eval', async () => {
    await dist.initProcessGroup({ backend: 'gloo', rank: 0, worldSize: 1, store: new dist.HashStore() });
    const groupOfOne = await dist.newGroup([0]);
    for (const processGroup of [null, groupOfOne]) {
      for (const run of fallback.worldOfOne) {
        const sync = fixtureLayer(run.momentum);
        sync.processGroup = processGroup as torch.distributed.ProcessGroup | null;
        const plain = new nn.BatchNorm2d(3, { momentum: run.momentum, dtype: torch.float64 });
        plain.loadStateDict(sync.stateDict());
        run.steps.forEach((expected, k) => {
          const [xs, xp] = [X.select(0, k).clone().requiresGrad_(), X.select(0, k).clone().requiresGrad_()];
          const [ys, yp] = [sync(xs), plain(xp)];
          ys.mul(G.select(0, k)).sum().backward();
          yp.mul(G.select(0, k)).sum().backward();
          const pairs = [[ys, yp], [xs.grad!, xp.grad!], [sync.weight!.grad!, plain.weight!.grad!], [sync.bias!.grad!, plain.bias!.grad!], [sync.running_mean!, plain.running_mean!], [sync.running_var!, plain.running_var!]];
          for (const [a, e] of pairs) expect(a.sub(e).abs().max().item()).toBe(0);
          expectClose(ys, expected.out, TIGHT);
          expectClose(sync.running_var!, expected.runningVar, TIGHT);
          expect(sync.num_batches_tracked!.item()).toBe(expected.numBatchesTracked);
          sync.zeroGrad();
          plain.zeroGrad();
        });
        expectClose(sync.eval()(X.select(0, 0)), run.eval, TIGHT);
      }
    }
  });
});

describe.skipIf(glooMissing !== '')('worlds of 2 and 4 processes started by flint-run', () => {
  for (const nproc of [2, 4]) {
    it(`SyncBatchNorm and DDP with it against one process, ${nproc} ranks`, async () => {
      const result = await flintRun(nproc, 'tests/distributed/sync-batchnorm.mts');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      expect(result.stdout.match(/syncbn ok 121/g)?.length).toBe(nproc);
    }, 180_000);
  }
});
