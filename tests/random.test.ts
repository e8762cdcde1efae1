/**
 * Random streams against PyTorch 1.13 (tests/fixtures/random.json, written by
 * scripts/make_random_fixtures.py): randperm, random_() over each dtype's range,
 * Generator objects and PyTorch-format states, multinomial, bernoulli, normal,
 * exponential_, and the draws DataLoader, the samplers and randomSplit make.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { BatchSampler, DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset, WeightedRandomSampler, randomSplit } from '../src/utils/data.js';

type Values = number[];
const F = JSON.parse(readFileSync(new URL('./fixtures/random.json', import.meta.url), 'utf8'));

const close = (actual: Values | number[][], expected: Values | number[][], tol = 1e-6): void => {
  const a = (actual as unknown[]).flat(2) as number[];
  const e = (expected as unknown[]).flat(2) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e[i]))));
};
const rand2 = (): Values => torch.rand(2).tolist() as Values;

describe('randperm', () => {
  it.each(F.randperm as { seed: number; n: number; dtype: string; values: Values; after: Values }[])(
    'n=$n $dtype after manualSeed($seed) is PyTorch\'s permutation',
    ({ seed, n, dtype, values, after }) => {
      torch.manualSeed(seed);
      expect(torch.randperm(n, { dtype }).tolist()).toEqual(values);
      close(torch.rand(3).tolist() as Values, after);
    },
  );

  it('checks n and the dtype', () => {
    expect(() => torch.randperm(-1)).toThrow('n must be non-negative, got-1');
    expect(() => torch.randperm(3000, { dtype: 'float16' })).toThrow('n cannot be greater than 2049 for Half type.');
    expect(() => torch.randperm(1.5)).toThrow(TypeError);
  });
});

describe('random_() with no bounds', () => {
  it.each(F.random_full as { dtype: string; values: string[]; after: Values }[])('$dtype covers PyTorch\'s range, value for value', ({ dtype, values, after }) => {
    torch.manualSeed(11);
    const t = torch.empty([6], { dtype }).random_();
    const got = dtype === 'int64' ? Array.from(t.dataSync() as BigInt64Array, String) : (t.tolist() as (number | boolean)[]).map((v) => String(v === true ? 'True' : v === false ? 'False' : Number(v)));
    const want = values.map((v) => (v.endsWith('.0') ? v.slice(0, -2) : v));
    expect(got).toEqual(want);
    close(rand2(), after);
  });
});

describe('Generator', () => {
  it('a private stream gives PyTorch\'s values and leaves the global stream alone', () => {
    const G = F.generator;
    const g = new torch.Generator().manualSeed(42);
    torch.manualSeed(0);
    close(torch.rand(3, { generator: g }).tolist() as Values, G.rand);
    close(rand2(), G.global_rand);
    close(torch.randn(20, { generator: g }).tolist() as Values, G.randn);
    expect(torch.randint(0, 100, [5], { generator: g }).tolist()).toEqual(G.randint);
    close(torch.empty(4).uniform_(-1, 1, { generator: g }).tolist() as Values, G.uniform_);
    close(torch.empty(3).normal_(2, 0.5, { generator: g }).tolist() as Values, G.normal_);
    expect(torch.randperm(7, { generator: g }).tolist()).toEqual(G.randperm);
    expect(g.initialSeed()).toBe(G.initial_seed);
  });

  it('seeds span [-2^63, 2^64 - 1], as PyTorch unpacks them; beyond is an overflow error', () => {
    // PyTorch 1.13: manual_seed(2**64 - 1) and manual_seed(-2**63) work (initial_seed()
    // 18446744073709551615 and 9223372036854775808); 2**64 and -2**63 - 1 raise
    // "Overflow when unpacking long".
    expect(new torch.Generator().manualSeed(2n ** 64n - 1n).initialSeed()).toBe(18446744073709551615n);
    expect(new torch.Generator().manualSeed(-(2n ** 63n)).initialSeed()).toBe(9223372036854775808n);
    for (const seed of [2n ** 64n, -(2n ** 63n) - 1n, 2n ** 70n]) {
      expect(() => torch.manualSeed(seed)).toThrow(/Overflow when unpacking long/);
      expect(() => new torch.Generator().manualSeed(seed)).toThrow(/Overflow when unpacking long/);
    }
  });

  it('getRngState/setRngState use PyTorch\'s bytes, cached normal included', () => {
    const S = F.state;
    torch.manualSeed(3);
    torch.randn(3, { dtype: 'float64' });
    const mine = torch.getRngState();
    expect(mine.dtype).toBe(torch.uint8);
    expect(Array.from(mine.dataSync() as Uint8Array)).toEqual(S.bytes);
    torch.manualSeed(99);
    torch.setRngState(torch.tensor(Uint8Array.from(S.bytes)));
    close(torch.randn(3, { dtype: 'float64' }).tolist() as Values, S.next_randn, 1e-12);
    close(torch.rand(4).tolist() as Values, S.next_rand);
    torch.manualSeed(123);
    expect(Array.from(torch.getRngState().dataSync() as Uint8Array).slice(0, 40)).toEqual(F.state_seeded_123_first_words);
    expect(torch.initialSeed()).toBe(123);
  });

  it('a generator state round-trips, and bad states are refused without harm', () => {
    const g = new torch.Generator().manualSeed(7);
    const saved = g.getState();
    const first = torch.rand(5, { generator: g }).tolist();
    g.setState(saved);
    expect(torch.rand(5, { generator: g }).tolist()).toEqual(first);
    expect(() => g.setState(torch.zeros([10], { dtype: torch.uint8 }))).toThrow(
      'Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10',
    );
    const broken = new Uint8Array(saved.dataSync() as Uint8Array);
    broken[8] = 0; // left = 0 would index before the state array
    broken[9] = 0;
    expect(() => torch.setRngState(torch.tensor(broken))).toThrow('Invalid mt19937 state');
    expect(() => torch.setRngState(torch.zeros([5056]))).toThrow('RNG state must be a torch.ByteTensor');
    g.setState(saved);
    expect(torch.rand(5, { generator: g }).tolist()).toEqual(first);
  });

  it('checks the generator argument', () => {
    expect(() => torch.rand(2, { generator: 3 as never })).toThrow("rand(): argument 'generator' must be torch.Generator");
    expect(() => torch.rand(2, { generator: new torch.Generator(), foo: 1 } as never)).toThrow(/foo/);
  });

  it('seed() draws a fresh seed that initialSeed reports', () => {
    const g = new torch.Generator();
    const s = g.seed();
    expect(g.initialSeed()).toBe(s);
    expect(new torch.Generator().initialSeed()).toBe(67280421310721);
  });
});

describe('sampling functions', () => {
  it.each(F.multinomial as { seed: number; weights: Values; n: number; replacement: boolean; dtype: string; values: Values; after: Values }[])(
    'multinomial seed=$seed n=$n replacement=$replacement $dtype',
    ({ seed, weights, n, replacement, dtype, values, after }) => {
      torch.manualSeed(seed);
      expect(torch.multinomial(torch.tensor(weights, { dtype }), n, replacement).tolist()).toEqual(values);
      close(rand2(), after);
    },
  );

  it('multinomial refuses what PyTorch refuses', () => {
    expect(() => torch.multinomial(torch.tensor([0.5, -1]), 1)).toThrow('probability tensor contains either `inf`, `nan` or element < 0');
    expect(() => torch.multinomial(torch.tensor([0, 0], { dtype: 'float32' }), 1)).toThrow('invalid multinomial distribution (sum of probabilities <= 0)');
    expect(() => torch.multinomial(torch.tensor([0.5, 0.5]), 3)).toThrow('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  });

  it('bernoulli with per-element and scalar probabilities', () => {
    const B = F.bernoulli;
    torch.manualSeed(9);
    const p32 = torch.tensor(B.p32, { dtype: 'float32' });
    const p64 = torch.tensor(B.p64, { dtype: 'float64' });
    expect(torch.bernoulli(p32).tolist()).toEqual(B.b32);
    expect(p64.bernoulli().tolist()).toEqual(B.b64);
    expect(torch.bernoulli(torch.zeros(6), 0.3).tolist()).toEqual(B.scalar);
    close(rand2(), B.after);
  });

  it('normal, every overload', () => {
    const N = F.normal;
    torch.manualSeed(10);
    const mean = torch.arange(4, { dtype: 'float32' });
    const std = torch.tensor([0.5, 1.0, 2.0, 0.1]);
    close(torch.normal(mean, std).tolist() as Values, N.tt, 1e-5);
    close(torch.normal(mean, 2.0).tolist() as Values, N.tf, 1e-5);
    close(torch.normal(1.0, std).tolist() as Values, N.ft, 1e-5);
    close(torch.normal(3.0, 0.5, [2, 3]).tolist() as number[][], N.ffs, 1e-5);
    close(rand2(), N.after);
  });

  it('poisson, below and above the rate where PyTorch switches sampler', () => {
    const P = F.poisson;
    torch.manualSeed(13);
    expect(torch.poisson(torch.tensor(P.rates32, { dtype: 'float32' })).tolist()).toEqual(P.p32);
    const p64 = torch.poisson(torch.tensor(P.rates64, { dtype: 'float64' }));
    expect(p64.dtype).toBe(torch.float64);
    expect(p64.tolist()).toEqual(P.p64);
    close(rand2(), P.after);
    expect(() => torch.poisson(torch.tensor([-1.0, 2.5]))).toThrow('invalid Poisson rate, expected rate to be non-negative');
  });

  it('exponential_', () => {
    const E = F.exponential;
    torch.manualSeed(12);
    close(torch.empty([5], { dtype: 'float64' }).exponential_().tolist() as Values, E.f64, 1e-12);
    close(torch.empty(5).exponential_(2.5).tolist() as Values, E.f32);
    close(rand2(), E.after);
  });
});

describe('DataLoader, samplers and randomSplit draw as PyTorch does', () => {
  const X = torch.arange(20, { dtype: 'float32' }).reshape(10, 2);
  const y = torch.arange(10);
  const ds = new TensorDataset(X, y);
  const labels = (loader: Iterable<torch.Tensor[]>): Values[] => [...loader].map((b) => b[1].tolist() as Values);

  it('without shuffle, an epoch still draws the base seed', () => {
    torch.manualSeed(0);
    expect(labels(new DataLoader(ds, { batchSize: 4 }))).toEqual(F.loader_plain.batches);
    close(rand2(), F.loader_plain.after);
  });

  it('shuffled epochs are PyTorch\'s permutations, and the stream after them matches', () => {
    torch.manualSeed(0);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
    expect(labels(loader)).toEqual(F.loader_shuffle.epoch1);
    expect(labels(loader)).toEqual(F.loader_shuffle.epoch2);
    close(rand2(), F.loader_shuffle.after);
  });

  it('a loader generator drives the shuffle and the base seed', () => {
    torch.manualSeed(0);
    const loader = new DataLoader(ds, 3, { shuffle: true, dropLast: true, generator: new torch.Generator().manualSeed(5) });
    expect(labels(loader)).toEqual(F.loader_generator.epoch1);
    expect(labels(loader)).toEqual(F.loader_generator.epoch2);
    close(rand2(), F.loader_generator.after);
  });

  it('the order is drawn at the first batch, the base seed when the iterator starts', () => {
    torch.manualSeed(5);
    const it = new DataLoader(ds, { batchSize: 10, shuffle: true })[Symbol.iterator]();
    torch.rand(100);
    expect((it.next().value as torch.Tensor[])[1].tolist()).toEqual(F.loader_lazy.first);
    close(rand2(), F.loader_lazy.after);
  });

  it('samplers', () => {
    torch.manualSeed(1);
    expect([...new RandomSampler({ length: 10 }, { replacement: true, numSamples: 40 })]).toEqual(F.random_sampler_replacement.values);
    close(rand2(), F.random_sampler_replacement.after);
    torch.manualSeed(1);
    expect([...new RandomSampler({ length: 7 }, { numSamples: 16 })]).toEqual(F.random_sampler_num_samples.values);
    close(rand2(), F.random_sampler_num_samples.after);
    torch.manualSeed(2);
    expect([...new SubsetRandomSampler([10, 20, 30, 40, 50])]).toEqual(F.subset_random.values);
    close(rand2(), F.subset_random.after);
    torch.manualSeed(3);
    expect([...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 12)]).toEqual(F.weighted.values);
    expect([...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.6], 3, false)]).toEqual(F.weighted.no_replacement);
    close(rand2(), F.weighted.after);
    torch.manualSeed(4);
    expect([...new BatchSampler(new RandomSampler({ length: 10 }), 4, false)]).toEqual(F.batch_sampler.values);
    close(rand2(), F.batch_sampler.after);
  });

  it('a DataLoader takes a sampler or a batch sampler', () => {
    torch.manualSeed(4);
    const loader = new DataLoader(ds, { batchSampler: new BatchSampler(new RandomSampler(ds), 4, false) });
    // The loader's own base-seed draw comes first, so compare with a sampler run after one draw.
    const batches = labels(loader);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => new DataLoader(ds, { sampler: new RandomSampler(ds), shuffle: true })).toThrow('sampler option is mutually exclusive with shuffle');
    expect(() => new DataLoader(ds, { batchSampler: new BatchSampler(new RandomSampler(ds), 4, false), batchSize: 2 })).toThrow(
      'batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last',
    );
    const seq = new DataLoader(ds, { sampler: [9, 8, 7], batchSize: 2 });
    expect(labels(seq)).toEqual([[9, 8], [7]]);
    expect(seq.length).toBe(2);
  });

  it('randomSplit', () => {
    torch.manualSeed(6);
    expect(randomSplit([...Array(10).keys()], [3, 7]).map((s) => s.indices)).toEqual(F.random_split.indices);
    close(rand2(), F.random_split.after);
    expect(randomSplit([...Array(10).keys()], [0.5, 0.5], new torch.Generator().manualSeed(42)).map((s) => s.indices)).toEqual(F.random_split_generator);
  });

  it('for await yields the same batches, a turn of the event loop apart', async () => {
    torch.manualSeed(0);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
    const seen: Values[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    for await (const [, yb] of loader) seen.push(yb.tolist() as Values);
    clearInterval(timer);
    expect(seen).toEqual(F.loader_shuffle.epoch1);
  });
});

// Contiguous float fills (bernoulli_, uniform_) draw a block of generator words at a time;
// strided ones draw element by element. Both must give the same numbers and leave the
// generator in the same state, across the 624-word twists and at ragged block ends.
describe('block-drawn fills equal element-by-element draws', () => {
  const sizes = [1, 311, 312, 313, 511, 512, 513, 624, 1249, 5000];
  const strided = (n: number, dtype: torch.DType) => torch.zeros([n, 2], { dtype }).select(1, 0);
  const fills: [string, (t: Tensor) => void][] = [
    ['bernoulli_(0.3)', (t) => t.bernoulli_(0.3)],
    ['bernoulli_(1)', (t) => t.bernoulli_(1)],
    ['bernoulli_(0)', (t) => t.bernoulli_(0)],
    ['uniform_(-2, 3)', (t) => t.uniform_(-2, 3)],
    ['uniform_()', (t) => t.uniform_()],
  ];
  for (const dtype of [torch.float32, torch.float64]) {
    for (const [name, fill] of fills) {
      it(`${name} (${dtype.name})`, () => {
        for (const n of sizes) {
          torch.manualSeed(1000 + n);
          torch.rand(7); // start mid-state
          const block = torch.empty([n], { dtype });
          fill(block);
          const after = torch.rand(3).tolist();
          torch.manualSeed(1000 + n);
          torch.rand(7);
          const serial = strided(n, dtype);
          expect(serial.isContiguous()).toBe(n === 1);
          fill(serial);
          expect(block.tolist(), `${name}, n = ${n}`).toEqual(serial.tolist());
          expect(torch.rand(3).tolist(), `the state after ${name}, n = ${n}`).toEqual(after);
        }
      });
    }
  }
});

describe('fills bit for bit as PyTorch (fused multiply-add, memory order for permuted tensors)', () => {
  type Case = { name: string; seed: number; dtype: 'float32' | 'float64'; shape: number[]; permute: number[] | null; values: string[] };
  const hex = (s: string): number => {
    // Python's float.hex: [-]0x1.<hex>p<exp>, or 0x0.0p+0
    const m = /^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/.exec(s)!;
    const mantissa = parseInt(m[2] + m[3], 16) / 16 ** m[3].length;
    return (m[1] ? -1 : 1) * mantissa * 2 ** Number(m[4]);
  };
  for (const c of F.exact_fills as Case[]) {
    it(`${c.name} ${c.dtype} [${c.shape}]${c.permute ? ` permuted (${c.permute})` : ''}`, () => {
      torch.manualSeed(c.seed);
      let t: Tensor = torch.empty(c.shape, { dtype: c.dtype });
      if (c.permute) t = t.permute(c.permute);
      const fill = t as unknown as Record<string, (...a: number[]) => Tensor>;
      const args: Record<string, [string, number[]]> = {
        normal_: ['normal_', c.seed === 5 ? [-1.0, 0.7] : [0.3, 2.5]],
        uniform_: ['uniform_', [-2.0, 3.0]],
        bernoulli_: ['bernoulli_', [0.3]],
        exponential_: ['exponential_', [1.5]],
        cauchy_: ['cauchy_', [0.5, 2.0]],
        log_normal_: ['logNormal_', [0.2, 0.6]],
      };
      const [method, values] = args[c.name];
      fill[method](...values);
      expect(t.reshape(-1).tolist()).toEqual(c.values.map(hex));
    });
  }
});
