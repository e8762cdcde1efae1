/**
 * torch.utils.data.distributed.DistributedSampler against PyTorch 1.13
 * (tests/fixtures/distributed_sampler.json, written by
 * scripts/make_distributed_sampler_fixtures.py): every rank's indices and length, shuffled
 * and not, padded and truncated, over seeds and epochs; a DataLoader drawing through it;
 * and PyTorch's errors, including those for a missing default process group.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { DataLoader, DistributedSampler, TensorDataset } from '../src/utils/data.js';
import { registerDistributedDefaults } from '../src/utils/distributed-sampler.js';

interface Case {
  n: number;
  numReplicas: number;
  rank: number;
  shuffle: boolean;
  seed: number | string;
  epoch: number;
  dropLast: boolean;
  indices: number[];
  length: number;
  numSamples: number;
  totalSize: number;
}
interface LoaderRun {
  rank: number;
  length: number;
  epochs: [number[], number[]][][];
}
const F = JSON.parse(readFileSync(new URL('./fixtures/distributed_sampler.json', import.meta.url), 'utf8')) as { cases: Case[]; loader: LoaderRun[] };

const name = (c: Case): string =>
  `n=${c.n} numReplicas=${c.numReplicas} rank=${c.rank} shuffle=${c.shuffle} seed=${c.seed} epoch=${c.epoch} dropLast=${c.dropLast}`;

describe('DistributedSampler against PyTorch', () => {
  it('has the fixture cases', () => {
    expect(F.cases.length).toBeGreaterThan(500);
  });

  it.each(F.cases.map((c) => [name(c), c] as const))('%s', (_, c) => {
    const seed = typeof c.seed === 'string' ? BigInt(c.seed) : c.seed;
    const sampler = new DistributedSampler({ length: c.n }, { numReplicas: c.numReplicas, rank: c.rank, shuffle: c.shuffle, seed, dropLast: c.dropLast });
    sampler.setEpoch(c.epoch);
    expect(sampler.epoch).toBe(c.epoch);
    expect(sampler.numSamples).toBe(c.numSamples);
    expect(sampler.totalSize).toBe(c.totalSize);
    expect(sampler.length).toBe(c.length);
    expect(Object.is(sampler.length, c.length)).toBe(true); // never -0
    expect([...sampler]).toEqual(c.indices);
    expect([...sampler]).toEqual(c.indices); // iterating again gives the same epoch
  });

  it('partitions the padded epoch across ranks', () => {
    const shares = [0, 1, 2].map((rank) => [...new DistributedSampler({ length: 10 }, { numReplicas: 3, rank, seed: 4 })]);
    expect(shares.map((s) => s.length)).toEqual([4, 4, 4]);
    // 12 slots for 10 samples: every sample once, and two of them (the padding) twice.
    const counts = new Map<number, number>();
    for (const i of shares.flat()) counts.set(i, (counts.get(i) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...counts.values()].filter((k) => k === 2).length).toBe(2);
  });

  it('leaves the global generator alone', () => {
    torch.manualSeed(0);
    const before = torch.rand(3).tolist();
    torch.manualSeed(0);
    [...new DistributedSampler({ length: 10 }, { numReplicas: 2, rank: 0 })];
    expect(torch.rand(3).tolist()).toEqual(before);
  });

  it('takes the defaults of PyTorch: shuffle, seed 0, no dropLast', () => {
    const c = F.cases.find((k) => k.n === 11 && k.numReplicas === 3 && k.rank === 1 && k.shuffle && k.seed === 0 && k.epoch === 0 && !k.dropLast)!;
    const sampler = new DistributedSampler([...Array(11).keys()], { numReplicas: 3, rank: 1 });
    expect(sampler.shuffle).toBe(true);
    expect(sampler.seed).toBe(0);
    expect(sampler.dropLast).toBe(false);
    expect(sampler.epoch).toBe(0);
    expect([...sampler]).toEqual(c.indices);
  });

  it('is torch.utils.data.distributed.DistributedSampler and torch.utils.data.DistributedSampler', () => {
    expect(torch.utils.data.distributed.DistributedSampler).toBe(DistributedSampler);
    expect(torch.utils.data.DistributedSampler).toBe(DistributedSampler);
    expect(new DistributedSampler([1, 2, 3], { numReplicas: 1, rank: 0 })).toBeInstanceOf(torch.utils.data.Sampler);
  });
});

describe('DistributedSampler with DataLoader', () => {
  it.each(F.loader.map((run) => [run.rank, run] as const))('rank %i: the batches of PyTorch over three epochs', (rank, run) => {
    const ds = new TensorDataset(torch.arange(11), torch.arange(11).pow(2));
    const sampler = new DistributedSampler(ds, { numReplicas: 2, rank, seed: 5 });
    const loader = new DataLoader(ds, { batchSize: 3, sampler });
    expect(loader.sampler).toBe(sampler);
    expect(loader.length).toBe(run.length);
    for (let epoch = 0; epoch < 3; epoch++) {
      sampler.setEpoch(epoch);
      const batches = [...loader].map(([x, y]) => [x.tolist(), y.tolist()]);
      expect(batches).toEqual(run.epochs[epoch]);
    }
  });

  it('covers every sample once per epoch across ranks when the length divides evenly', () => {
    const ds = [...Array(12).keys()].map((i) => i * 10);
    const seen: number[] = [];
    for (let rank = 0; rank < 4; rank++) {
      const loader = new DataLoader(ds, { batchSize: 2, sampler: new DistributedSampler(ds, { numReplicas: 4, rank, shuffle: false }) });
      for (const batch of loader) seen.push(...(batch.tolist() as number[]));
    }
    expect(seen).toEqual([0, 40, 80, 10, 50, 90, 20, 60, 100, 30, 70, 110]);
  });

  it('refuses shuffle with a sampler, as PyTorch does', () => {
    const ds = [1, 2, 3, 4];
    expect(() => new DataLoader(ds, { sampler: new DistributedSampler(ds, { numReplicas: 2, rank: 0 }), shuffle: true })).toThrow(
      'sampler option is mutually exclusive with shuffle',
    );
  });
});

describe('DistributedSampler errors', () => {
  // These run in order: the first needs the registry empty, the rest register into it.
  it('without numReplicas or rank, and no default group, throws as PyTorch does', () => {
    // torch.distributed registers itself on import, so the message is the uninitialized group's.
    const message = 'Default process group has not been initialized, please make sure to call initProcessGroup.';
    expect(() => new DistributedSampler([1, 2, 3])).toThrow(message);
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: 2 })).toThrow(message);
    expect(() => new DistributedSampler([1, 2, 3], { rank: 0 })).toThrow(message);
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: null, rank: null })).toThrow(message);
  });

  it('asks the registered default group, and throws when it is not initialized', () => {
    let initialized = false;
    registerDistributedDefaults(() => 4, () => 3, () => initialized);
    expect(() => new DistributedSampler([1, 2, 3])).toThrow(
      'Default process group has not been initialized, please make sure to call initProcessGroup.',
    );
    expect(() => new DistributedSampler([1, 2, 3], { rank: 0 })).toThrow('Default process group has not been initialized');
    initialized = true;
    const s = new DistributedSampler({ length: 10 }, { shuffle: false });
    expect([s.numReplicas, s.rank, [...s]]).toEqual([4, 3, [3, 7, 1]]);
    // Only the omitted one comes from the group.
    expect(() => new DistributedSampler({ length: 10 }, { numReplicas: 2 })).toThrow('Invalid rank 3, rank should be in the interval [0, 1]');
    const mixed = new DistributedSampler({ length: 10 }, { rank: 1, shuffle: false });
    expect([mixed.numReplicas, mixed.rank, [...mixed]]).toEqual([4, 1, [1, 5, 9]]);
    expect(() => registerDistributedDefaults(() => 1, 5 as never, () => true)).toThrow(TypeError);
  });

  it('checks the rank as PyTorch does', () => {
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: 2, rank: 2 })).toThrow(RangeError);
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: 2, rank: 2 })).toThrow('Invalid rank 2, rank should be in the interval [0, 1]');
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: 2, rank: -1 })).toThrow('Invalid rank -1, rank should be in the interval [0, 1]');
    expect(() => new DistributedSampler([1, 2, 3], { numReplicas: 0, rank: 0 })).toThrow('Invalid rank 0, rank should be in the interval [0, -1]');
  });

  it('checks argument types and option names', () => {
    expect(() => new DistributedSampler(5 as never, { numReplicas: 1, rank: 0 })).toThrow("DistributedSampler(): argument 'dataset' must be");
    expect(() => new DistributedSampler([1], { numReplicas: 1.5, rank: 0 })).toThrow("DistributedSampler(): argument 'numReplicas' must be an integer");
    expect(() => new DistributedSampler([1], { numReplicas: 2, rank: 0.5 })).toThrow("DistributedSampler(): argument 'rank' must be an integer");
    expect(() => new DistributedSampler([1], { numReplicas: 2, rank: 0, seed: 0.5 })).toThrow("DistributedSampler(): argument 'seed' must be an integer");
    expect(() => new DistributedSampler([1], { numReplicas: 2, rank: 0, shuffle: 1 as never })).toThrow("argument 'shuffle' must be a boolean");
    expect(() => new DistributedSampler([1], { numReplicas: 2, rank: 0, dropLast: 'yes' as never })).toThrow("argument 'dropLast' must be a boolean");
    expect(() => new DistributedSampler([1], { numReplicas: 2, rank: 0, drop_last: true } as never)).toThrow(
      "DistributedSampler() got an unexpected option 'drop_last' (expected one of: numReplicas, rank, shuffle, seed, dropLast)",
    );
    const s = new DistributedSampler([1], { numReplicas: 2, rank: 0 });
    expect(() => s.setEpoch(1.5)).toThrow("setEpoch(): argument 'epoch' must be an integer");
  });

  it('throws, as PyTorch asserts, when the dataset changed length', () => {
    const grown = [0, 1, 2, 3, 4, 5];
    const s = new DistributedSampler(grown, { numReplicas: 2, rank: 0 });
    grown.push(6, 7);
    expect(() => [...s]).toThrow("DistributedSampler: the dataset's length is 8 but the sampler was built for 6 indices");
    const shrunk = [0, 1, 2, 3, 4, 5];
    const t = new DistributedSampler(shrunk, { numReplicas: 2, rank: 0, dropLast: true });
    shrunk.length = 4;
    expect(() => [...t]).toThrow("DistributedSampler: the dataset's length is 4");
    const emptied = [0, 1, 2];
    const u = new DistributedSampler(emptied, { numReplicas: 2, rank: 0 });
    emptied.length = 0;
    expect(() => [...u]).toThrow("DistributedSampler: the dataset's length is 0");
  });
});
