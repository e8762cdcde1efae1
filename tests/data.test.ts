// torch.utils.data: Dataset/TensorDataset/Subset, DataLoader batching, shuffling and
// collation, randomSplit, and PyTorch's error messages.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import type { Tensor } from 'flint-torch';
import { DataLoader, Dataset, Subset, TensorDataset, defaultCollate, defaultConvert, randomSplit } from '../src/utils/data.js';

/** 10 rows: X[i] = [i, 10 + i] (float32), y[i] = i (int64). */
function rows(n = 10): { X: Tensor; y: Tensor; ds: TensorDataset } {
  const y = torch.arange(n);
  const X = torch.stack([y, y.add(10)], 1).float();
  return { X, y, ds: new TensorDataset(X, y) };
}

const labels = (t: Tensor): number[] => Array.from(t.dataSync() as BigInt64Array, Number);

function epochOrder(loader: DataLoader<Tensor[]>): number[] {
  const out: number[] = [];
  for (const [, yb] of loader) out.push(...labels(yb));
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

class Squares extends Dataset<number> {
  at(i: number): number {
    return i * i;
  }
  get length(): number {
    return 5;
  }
}

describe('TensorDataset', () => {
  it('indexes rows of every tensor, negatives from the end', () => {
    const { X, ds } = rows();
    expect(ds.length).toBe(10);
    expect(ds.tensors[0]).toBe(X);
    const [x, y] = ds.at(3);
    expect(x.shape).toEqual([2]);
    expect(x.tolist()).toEqual([3, 13]);
    expect(y.item()).toBe(3);
    expect(ds.at(-1)[1].item()).toBe(9);
    expect([...ds].length).toBe(10);
  });

  it('rejects tensors of different first sizes', () => {
    expect(() => new TensorDataset(torch.zeros(10, 2), torch.zeros(9))).toThrow('Size mismatch between tensors');
  });
});

describe('DataLoader batching', () => {
  it('10 rows, batch 4: batches of 4, 4, 2, or 4, 4 with dropLast', () => {
    const { ds } = rows();
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const shapes = [...loader].map(([xb, yb]) => [xb.shape, yb.shape]);
    expect(shapes).toEqual([
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ]);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map(([xb]) => xb.shape[0])).toEqual([4, 4]);
    expect(new DataLoader(ds).length).toBe(10);
    expect(new DataLoader(ds, { batchSize: 5, dropLast: true }).length).toBe(2);
  });

  it('batches hold the source rows with the source dtypes', () => {
    const { X, y, ds } = rows();
    const batches = [...new DataLoader(ds, { batchSize: 4 })];
    const [xb, yb] = batches[2];
    expect(xb.dtype).toBe(torch.float32);
    expect(yb.dtype).toBe(torch.int64);
    expect(xb.tolist()).toEqual([[8, 18], [9, 19]]);
    expect(torch.cat(batches.map((b) => b[0]), 0).tolist()).toEqual(X.tolist());
    expect(torch.cat(batches.map((b) => b[1]), 0).tolist()).toEqual(y.tolist());
  });

  it('the TensorDataset fast path matches collating samples one by one', () => {
    const { ds } = rows();
    const fast = [...new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new torch.Generator().manualSeed(7) })];
    const slow = [...new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new torch.Generator().manualSeed(7), collateFn: defaultCollate })];
    expect(fast.map((b) => b.map((t) => t.tolist()))).toEqual(slow.map((b) => b.map((t) => t.tolist())));
  });

  it('batches of a Subset of a TensorDataset are the subset rows', () => {
    const { ds } = rows();
    const sub = new Subset(ds, [7, 2, 5]);
    const [[xb, yb]] = [...new DataLoader(sub, { batchSize: 3 })];
    expect(labels(yb)).toEqual([7, 2, 5]);
    expect(xb.tolist()).toEqual([[7, 17], [2, 12], [5, 15]]);
    expect(sub.at(-1)[1].item()).toBe(5);
  });

  it('a subclass overriding at() is not bypassed', () => {
    class Doubled extends TensorDataset {
      override at(i: number): Tensor[] {
        return super.at(i).map((t) => t.mul(2));
      }
    }
    const { X, y } = rows(4);
    const [[, yb]] = [...new DataLoader(new Doubled(X, y), { batchSize: 4 })];
    expect(labels(yb)).toEqual([0, 2, 4, 6]);
  });

  it('gradients flow back to the dataset tensors', () => {
    const X = torch.rand(6, 2, { requiresGrad: true });
    const [xb] = [...new DataLoader(new TensorDataset(X), { batchSize: 6 })][0];
    xb.sum().backward();
    expect(X.grad!.tolist()).toEqual(torch.ones(6, 2).tolist());
  });

  it('batchSize null yields samples, any { at, length } is a dataset', () => {
    const loader = new DataLoader(new Squares(), { batchSize: null });
    expect(loader.length).toBe(5);
    expect([...loader]).toEqual([0, 1, 4, 9, 16]);
    const fromArray = new DataLoader([1, 2, 3], { batchSize: 2 });
    expect([...fromArray].map((b) => b.tolist())).toEqual([[1, 2], [3]]);
  });

  it('custom collateFn receives the samples', () => {
    const loader = new DataLoader(new Squares(), { batchSize: 2, collateFn: (b: number[]) => b.join('+') });
    expect([...loader]).toEqual(['0+1', '4+9', '16']);
  });
});

describe('shuffling', () => {
  it('covers every index exactly once per epoch', () => {
    const { ds } = rows(50);
    const loader = new DataLoader(ds, { batchSize: 8, shuffle: true });
    for (let epoch = 0; epoch < 3; epoch++) {
      const order = epochOrder(loader);
      expect(order).toHaveLength(50);
      expect([...order].sort((a, b) => a - b)).toEqual(range(50));
      expect(order).not.toEqual(range(50));
    }
  });

  it('rows stay paired with their labels', () => {
    const { ds } = rows(20);
    for (const [xb, yb] of new DataLoader(ds, { batchSize: 6, shuffle: true })) {
      expect(xb.select(1, 0).long().tolist()).toEqual(yb.tolist());
    }
  });

  it('torch.manualSeed before the epoch fixes the order', () => {
    const { ds } = rows(30);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
    torch.manualSeed(123);
    const a = epochOrder(loader);
    torch.manualSeed(123);
    const b = epochOrder(new DataLoader(ds, { batchSize: 7, shuffle: true }));
    expect(b).toEqual(a);
    torch.manualSeed(124);
    expect(epochOrder(loader)).not.toEqual(a);
  });

  it('different epochs give different orders', () => {
    const { ds } = rows(30);
    torch.manualSeed(0);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
    const epochs = [epochOrder(loader), epochOrder(loader), epochOrder(loader)];
    expect(epochs[1]).not.toEqual(epochs[0]);
    expect(epochs[2]).not.toEqual(epochs[1]);
  });

  it('an explicit generator repeats its sequence of epochs and ignores the global seed', () => {
    const { ds } = rows(30);
    const make = (seed: number) => new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new torch.Generator().manualSeed(seed) });
    const a = make(42);
    torch.manualSeed(1);
    const a1 = epochOrder(a);
    const a2 = epochOrder(a);
    expect(a2).not.toEqual(a1);
    const b = make(42);
    torch.manualSeed(2);
    expect([epochOrder(b), epochOrder(b)]).toEqual([a1, a2]);
    expect(epochOrder(make(43))).not.toEqual(a1);
  });

  it('without shuffle, order is sequential', () => {
    expect(epochOrder(new DataLoader(rows().ds, { batchSize: 3 }))).toEqual(range(10));
  });
});

describe('defaultCollate', () => {
  it('numbers: whole numbers give int64, fractions float64, booleans bool', () => {
    const ints = defaultCollate([1, 2, 3]);
    expect(ints.dtype).toBe(torch.int64);
    expect(ints.tolist()).toEqual([1, 2, 3]);
    const floats = defaultCollate([1, 2.5]);
    expect(floats.dtype).toBe(torch.float64);
    expect(floats.tolist()).toEqual([1, 2.5]);
    expect(defaultCollate([true, false]).dtype).toBe(torch.bool);
    expect(defaultCollate(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('objects per key, arrays per position, tensors stacked', () => {
    const batch = defaultCollate([
      { x: torch.tensor([1, 2]), label: 0, meta: [0.5, 'a'] as [number, string] },
      { x: torch.tensor([3, 4]), label: 1, meta: [1.5, 'b'] as [number, string] },
    ]);
    expect(batch.x.shape).toEqual([2, 2]);
    expect(batch.x.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(batch.label.dtype).toBe(torch.int64);
    expect(batch.label.tolist()).toEqual([0, 1]);
    expect(batch.meta[0].tolist()).toEqual([0.5, 1.5]);
    expect(batch.meta[1]).toEqual(['a', 'b']);
  });

  it('a DataLoader over a dataset of objects collates per key', () => {
    const data = [{ a: 1, b: 0.5 }, { a: 2, b: 1.5 }, { a: 3, b: 2.5 }];
    const [first] = [...new DataLoader(data, { batchSize: 2 })];
    expect(first.a.tolist()).toEqual([1, 2]);
    expect(first.b.dtype).toBe(torch.float64);
  });

  it('typed arrays (JS\'s NumPy arrays) become tensors of their element type, stacked', () => {
    // default_collate([np.float32([1, 2]), np.float32([3, 4])]) -> tensor([[1., 2.], [3., 4.]]) (float32)
    const batch = defaultCollate([{ x: new Float32Array([1, 2]), y: new Int32Array([7]) }, { x: new Float32Array([3, 4]), y: new Int32Array([8]) }]);
    expect(batch.x.dtype).toBe(torch.float32);
    expect(batch.x.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(batch.y.dtype).toBe(torch.int32);
    expect(batch.y.tolist()).toEqual([[7], [8]]);
    const [first] = [...new DataLoader([new Float64Array([1, 2]), new Float64Array([3, 4])], { batchSize: 2 })];
    expect(first!.dtype).toBe(torch.float64);
  });

  it('defaultConvert turns typed arrays into tensors and keeps the rest', () => {
    // default_convert({'x': np.float32([1, 2]), 'label': 3}) -> {'x': tensor([1., 2.]), 'label': 3}
    const out = defaultConvert({ x: new Float32Array([1, 2]), label: 3, parts: [new BigInt64Array([5n]), 'a'] }) as {
      x: torch.Tensor; label: number; parts: [torch.Tensor, string];
    };
    expect(out.x.dtype).toBe(torch.float32);
    expect(out.x.tolist()).toEqual([1, 2]);
    expect(out.label).toBe(3);
    expect(out.parts[0].dtype).toBe(torch.int64);
    expect(out.parts[1]).toBe('a');
    const t = torch.ones(2);
    expect(defaultConvert(t)).toBe(t);
  });

  it('errors as PyTorch words them', () => {
    expect(() => defaultCollate([[1, 2], [3]])).toThrow('each element in list of batch should be of equal size');
    expect(() => defaultCollate([null])).toThrow(/default_collate: batch must contain tensors/);
  });
});

describe('randomSplit', () => {
  it('integer lengths: sizes, disjoint, covering', () => {
    const { ds } = rows(10);
    torch.manualSeed(0);
    const [train, val] = randomSplit(ds, [7, 3]);
    expect(train).toBeInstanceOf(Subset);
    expect([train.length, val.length]).toEqual([7, 3]);
    expect(train.dataset).toBe(ds);
    expect([...train.indices, ...val.indices].sort((a, b) => a - b)).toEqual(range(10));
    expect(labels(train.at(0)[1].reshape(1))).toEqual([train.indices[0]]);
  });

  it('fractions: floors, then the remainder round-robin from the first split', () => {
    const splits = randomSplit(range(10), [0.33, 0.33, 0.34], new torch.Generator().manualSeed(1));
    expect(splits.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(new Set(splits.flatMap((s) => s.indices)).size).toBe(10);
    expect(splits[0].at(0)).toBe(splits[0].indices[0]);
  });

  it('is reproducible from a generator seed or torch.manualSeed', () => {
    const data = range(20);
    const g = (): torch.Generator => new torch.Generator().manualSeed(3);
    expect(randomSplit(data, [0.5, 0.5], g())[0].indices).toEqual(randomSplit(data, [10, 10], g())[0].indices);
    torch.manualSeed(9);
    const a = randomSplit(data, [15, 5])[1].indices;
    torch.manualSeed(9);
    expect(randomSplit(data, [15, 5])[1].indices).toEqual(a);
  });

  it('rejects lengths that do not add up', () => {
    expect(() => randomSplit(range(10), [5, 4])).toThrow('Sum of input lengths does not equal the length of the input dataset!');
    expect(() => randomSplit(range(10), [1.5, -0.5])).toThrow('Fraction at index 0 is not between 0 and 1');
  });
});

describe('DataLoader validation', () => {
  it('batchSize must be a positive integer', () => {
    const ds = rows().ds;
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      'batch_size should be a positive integer value, but got batch_size=0',
    );
    expect(() => new DataLoader(ds, { batchSize: -2 })).toThrow('but got batch_size=-2');
    expect(() => new DataLoader(ds, { batchSize: 1.5 })).toThrow('but got batch_size=1.5');
  });

  it('other options', () => {
    const ds = rows().ds;
    expect(() => new DataLoader(ds, { batchSize: null, dropLast: true })).toThrow(
      'batch_size=None option disables auto-batching and is mutually exclusive with drop_last',
    );
    expect(() => new DataLoader([], { shuffle: true })).toThrow(
      'num_samples should be a positive integer value, but got num_samples=0',
    );
    expect(() => new DataLoader(ds, { generator: 0.5 as never })).toThrow("DataLoader(): argument 'generator' must be torch.Generator, not the number 0.5");
  });
});
