/**
 * Dropout's mask is the op's own tensor: the graph that saved it frees it when released
 * (after backward), and without a graph it is freed at once, so a training loop does not
 * leave a mask per dropout per step for V8's collector.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { storagesAfterCollection } from './helpers/memory.js';

const F = torch.nn.functional;

describe('dropout mask memory', () => {
  it('is freed when the graph is released by backward', () => {
    const x = torch.rand([64, 64], { requiresGrad: true });
    x.grad = torch.zeros([64, 64]);
    // What a step leaves until the collector runs (the engine's gradient temporaries), for
    // a plain multiplication and for dropout: the same, so the mask is not among it.
    const leftBy = (f: (t: torch.Tensor) => torch.Tensor): number => {
      const before = storagesAfterCollection();
      const y = f(x);
      const loss = y.sum();
      loss.backward();
      torch.dispose([y, loss]);
      return torch.memoryStats().cpu.storages - before;
    };
    const scale = torch.rand([64, 64]).add(1);
    leftBy((t) => t.mul(scale)); // a first backward sets up what later ones reuse
    const plain = leftBy((t) => t.mul(scale));
    expect(leftBy((t) => F.dropout(t, 0.5))).toBe(plain);
    expect(leftBy((t) => F.dropout(t, 0.5))).toBe(plain);
  });

  it('is freed at once when no graph records the op', () => {
    const x = torch.rand([64, 64]);
    const before = storagesAfterCollection();
    const y = F.dropout(x, 0.5);
    expect(torch.memoryStats().cpu.storages).toBe(before + 1);
    const z = torch.noGrad(() => F.dropout(x.requiresGrad_(), 0.3));
    expect(torch.memoryStats().cpu.storages).toBe(before + 2);
    expect(y.eq(0).sum().item()).toBeGreaterThan(1000);
    expect(z.eq(0).sum().item()).toBeGreaterThan(500);
  });
});
