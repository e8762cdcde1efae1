/**
 * Forward paths that read nothing back from the device. On a GPU a read (item, dataSync,
 * a count) waits for every queued kernel, so an op that needs one stalls the stream; the
 * index checks of embedding and advanced indexing are left to the index kernels instead
 * (on the CPU they throw at once, on a GPU the CUDA backend reports a bad index at the
 * next synchronization). A bool mask is the exception: its result's size is the number of
 * true elements, which only the device knows (PyTorch synchronizes there too).
 *
 * The reads are counted by wrapping the addon's entry points that copy to the host or
 * wait for the device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { native } from '../src/native/addon.js';

const F = torch.nn.functional;
const READS = ['toBuffer', 'readAsync', 'synchronize', 'nonzero'] as const;
type Read = (typeof READS)[number];
const calls: Record<Read, number> = { toBuffer: 0, readAsync: 0, synchronize: 0, nonzero: 0 };
const originals = new Map<Read, unknown>();
const table = native as unknown as Record<Read, (...args: unknown[]) => unknown>;

beforeAll(() => {
  for (const name of READS) {
    const original = table[name];
    originals.set(name, original);
    table[name] = (...args: unknown[]) => {
      calls[name]++;
      return original.apply(native, args);
    };
  }
});
afterAll(() => {
  for (const name of READS) table[name] = originals.get(name) as (...args: unknown[]) => unknown;
});

/** The reads `fn` makes, by entry point (only those it made). */
function readsOf(fn: () => unknown): Partial<Record<Read, number>> {
  for (const name of READS) calls[name] = 0;
  fn();
  const made: Partial<Record<Read, number>> = {};
  for (const name of READS) if (calls[name] > 0) made[name] = calls[name];
  return made;
}

describe('forward paths that read nothing back', () => {
  const w = torch.randn(10, 4).requiresGrad_(true);
  const x = torch.randn(5, 6, 7);

  it('embedding, with every option', () => {
    const ids = torch.tensor([[1, 2, 9], [0, 0, 3]]);
    expect(readsOf(() => F.embedding(ids, w))).toEqual({});
    expect(readsOf(() => F.embedding(ids.int(), w, { paddingIdx: -1, scaleGradByFreq: true }))).toEqual({});
    expect(readsOf(() => F.embedding(ids, w.detach().clone(), { maxNorm: 1, normType: 1 }))).toEqual({});
    expect(readsOf(() => new torch.nn.Embedding(10, 4)(ids))).toEqual({});
  });

  it('embedding backward', () => {
    const out = F.embedding(torch.tensor([[1, 2, 9], [0, 0, 3]]), w, { scaleGradByFreq: true, paddingIdx: 0 }).sum();
    expect(readsOf(() => out.backward())).toEqual({});
    w.grad = null;
  });

  it('advanced indexing with integer tensors: negative, several, broadcast, with slices', () => {
    expect(readsOf(() => x.index(torch.tensor([4, -1, 0])))).toEqual({});
    expect(readsOf(() => x.index(':', torch.tensor([[0], [-6]]), torch.tensor([1, 6, -7])))).toEqual({});
    expect(readsOf(() => x.index(torch.tensor([0, 1]), '...', torch.tensor([2, -2]).int()))).toEqual({});
    expect(readsOf(() => x.index('1:3', null, torch.tensor([5])))).toEqual({});
  });

  it('indexSelect, gather, scatter, crossEntropy', () => {
    const idx = torch.tensor([[0, 1], [2, 0]]);
    expect(readsOf(() => x.indexSelect(1, torch.tensor([5, 0, 5])))).toEqual({});
    expect(readsOf(() => torch.gather(x.index(0), 1, torch.tensor([[0, 6], [1, 1]])))).toEqual({});
    expect(readsOf(() => torch.zeros(3, 3).scatter(1, idx, torch.ones(2, 2)))).toEqual({});
    expect(readsOf(() => F.crossEntropy(torch.randn(4, 5), torch.tensor([0, 4, 1, 2]), { ignoreIndex: 1 }))).toEqual({});
  });

  it('a bool mask reads exactly its count of true elements', () => {
    const mask = x.gt(0);
    expect(readsOf(() => x.index(mask))).toEqual({ nonzero: 1 });
    expect(readsOf(() => x.index(0, mask.index(0)))).toEqual({ nonzero: 1 });
    expect(readsOf(() => x.maskedSelect(mask))).toEqual({ nonzero: 1 });
  });
});

describe('the index kernels check the bounds (PyTorch errors on the CPU)', () => {
  const x = torch.arange(12, { dtype: torch.float32 }).reshape(3, 4);

  it('negative indices wrap, alone and combined', () => {
    expect(x.index(torch.tensor([-1, 0])).tolist()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(x.index(torch.tensor([-1, 0]), torch.tensor([-4, 3])).tolist()).toEqual([8, 3]);
    expect(x.index(':', torch.tensor([-1])).tolist()).toEqual([[3], [7], [11]]);
  });

  it('an out-of-range part of a combined index is caught, even where the linear position would exist', () => {
    // [0, 5] would be element 5 of the 12, and [1, -5] element 3, if the parts were not checked each
    expect(() => x.index(torch.tensor([0]), torch.tensor([5]))).toThrow('index 5 is out of bounds for dimension 1 with size 4');
    expect(() => x.index(torch.tensor([1]), torch.tensor([-5]))).toThrow('index -5 is out of bounds for dimension 1 with size 4');
    expect(() => x.index(torch.tensor([-4]), torch.tensor([1]))).toThrow('index -4 is out of bounds for dimension 0 with size 3');
    expect(() => x.index(torch.tensor([3, 0]))).toThrow(RangeError);
  });

  it('a failing index assignment on the CPU writes nothing', () => {
    const y = x.clone();
    expect(() => y.indexPut_([torch.tensor([0, 7])], 5)).toThrow('index 7 is out of bounds for dimension 0 with size 3');
    expect(() => y.indexPut_([torch.tensor([1]), torch.tensor([4])], 5, true)).toThrow('index 4 is out of bounds for dimension 1 with size 4');
    expect(y.tolist()).toEqual(x.tolist());
  });

  it('embedding refuses negative and too-large indices, as PyTorch (no wrapping)', () => {
    const w = torch.randn(5, 2);
    expect(() => F.embedding(torch.tensor([0, -1]), w)).toThrow('index out of range in self');
    expect(() => F.embedding(torch.tensor([5]), w)).toThrow('index out of range in self');
  });
});
