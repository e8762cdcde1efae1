/**
 * The shape, index and structured-creation ops release their temporaries: forward and
 * backward inside tidy leave the storage count where it was. (A file of its own, so that
 * no earlier test's garbage is collected while it counts.)
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { storagesAfterCollection } from './helpers/memory.js';

const long = (data: number[] | number[][]) => torch.tensor(data, { dtype: torch.int64 });

describe('memory', () => {
  it('forward and backward of the new ops leave no storage behind once their results are disposed', () => {
    const storages = () => torch.memoryStats().cpu.storages;
    const x = torch.randn(3, 4, { requiresGrad: true });
    const s = torch.randn(2, 4, { requiresGrad: true });
    const idx = long([[0, 1, 2, 0], [0, 2, 2, 1]]);
    const step = () => {
      torch.tidy(() => {
        const parts = [
          x.repeat(2, 1), x.flip(1), x.roll(1, 0), x.rot90(), x.unfold(1, 2, 1).sum(-1), x.take(long([1, -1])),
          x.split(3, 1)[0], x.tril(), torch.diag(x), x.maskedScatter(x.gt(0), s.reshape(-1).repeat(2)),
          x.indexAdd(0, long([1, 1]), s), x.scatterReduce(0, idx, s, 'prod'), x.scatterReduce(0, idx, s, 'mean'),
          x.scatterReduce(0, idx, s, 'amax', { includeSelf: false }), x.repeatInterleave(2, 0), x.index([0, 2], [1, 3]),
        ];
        parts.map((p) => p.sum()).reduce((a, b) => a.add(b)).backward();
      });
      // A .grad outlives tidy; drop the two so that only the ops' own storages are counted.
      x.grad?.dispose();
      s.grad?.dispose();
      x.grad = null;
      s.grad = null;
    };
    step();
    const before = storagesAfterCollection();
    step();
    step();
    expect(storages()).toBe(before);
  });
});
