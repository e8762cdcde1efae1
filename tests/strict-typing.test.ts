/**
 * Typical training code under `tsc --strict` (this file is typechecked by
 * `npm run typecheck`, which includes tests/): no casts for item(), the free max/min
 * overloads, loading a checkpoint into a module, tuple-returning modules and typed
 * DataLoader batches. The assertions check that the values are right as well.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { nn, optim } from 'flint-torch';
import { DataLoader, TensorDataset } from '../src/utils/data.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class TwoHeads extends nn.Module<[torch.Tensor, torch.Tensor]> {
  body = new nn.Linear(3, 4);
  headA = new nn.Linear(4, 1);
  headB = new nn.Linear(4, 2);
  override forward(x: torch.Tensor): [torch.Tensor, torch.Tensor] {
    const h = torch.relu(this.body(x));
    return [this.headA(h), this.headB(h)];
  }
}

describe('strict TypeScript training code needs no casts', () => {
  it('trains, reports numbers, and reloads a checkpoint', async () => {
    torch.manualSeed(0);
    const X = torch.randn(16, 3);
    const y = torch.randint(0, 2, [16]);
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 8, shuffle: true });
    const net = new TwoHeads();
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    let total = 0;
    for (const [xb, yb] of loader) {
      const [score, logits] = net(xb);
      const loss = nn.functional.crossEntropy(logits, yb).add(score.pow(2).mean());
      opt.zeroGrad();
      loss.backward();
      opt.step();
      total += loss.item() * xb.shape[0]; // item() is a number
    }
    expect(Number.isFinite(total / 16)).toBe(true);

    const [, logits] = net(X);
    const best = torch.max(logits, 1); // ValuesIndices
    const correct: number = best.indices.eq(y).sum().item();
    expect(correct).toBeGreaterThanOrEqual(0);
    const [values] = torch.max(logits, 1);
    expect(values.shape).toEqual([16]);
    const elementwise: torch.Tensor = torch.max(logits, torch.zeros(16, 2));
    expect(elementwise.ge(0).all().itemBool()).toBe(true);

    const file = join(dir, 'net.pt');
    await torch.save(net.stateDict(), file);
    const clone = new TwoHeads();
    clone.loadStateDict(await torch.load(file)); // unknown in, checked at run time
    const typed = await torch.load<Record<string, torch.Tensor>>(file);
    expect(typed['body.weight'].shape).toEqual([4, 3]);
    expect(clone(X)[1].sub(logits).abs().max().item()).toBe(0);
    for (const row of X) expect(row.shape).toEqual([3]);
  });
});
