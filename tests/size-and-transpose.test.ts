/**
 * torch.Size: `shape` and `size()` print as PyTorch's `torch.Size([3, 4])` (the ports in
 * tests/ports/ compare that against PyTorch's own output) while staying plain number arrays;
 * and the `x.T` / `x.mT` properties. Both were found missing by the ports.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

describe('torch.Size', () => {
  it('shape and size() print as PyTorch does', () => {
    const t = torch.zeros(3, 4);
    expect(`${t.shape}`).toBe('torch.Size([3, 4])');
    expect(String(t.size())).toBe('torch.Size([3, 4])');
    expect(String(torch.tensor(1.5).shape)).toBe('torch.Size([])');
    expect(String(torch.zeros(5).shape)).toBe('torch.Size([5])');
    expect(inspect(t.shape)).toBe('torch.Size([3, 4])');
    expect(t.size(1)).toBe(4);
  });

  it('is an array of numbers everywhere a shape goes', () => {
    const s = torch.zeros(2, 3, 4).shape;
    expect(s).toBeInstanceOf(torch.Size);
    expect(Array.isArray(s)).toBe(true);
    expect(s).toEqual([2, 3, 4]);
    expect([...s]).toEqual([2, 3, 4]);
    expect(s.length).toBe(3);
    expect(s[2]).toBe(4);
    expect(JSON.stringify(s)).toBe('[2,3,4]');
    expect(torch.ones(s).shape).toEqual([2, 3, 4]);
    expect(torch.zeros(12).reshape(s.slice(1)).shape).toEqual([3, 4]);
    expect(torch.zeros(24).view(s).shape).toEqual([2, 3, 4]);
    // A derived list is not a shape: it prints as an ordinary array.
    expect(s.map((d) => d * 2)).not.toBeInstanceOf(torch.Size);
    expect(String(s.slice(1))).toBe('3,4');
    expect(s.numel()).toBe(24);
  });

  it('each call is a fresh copy, and the constructor checks its sizes', () => {
    const t = torch.zeros(2, 2);
    const s = t.shape;
    s[0] = 7;
    expect(t.shape).toEqual([2, 2]);
    expect(String(new torch.Size([2, 5]))).toBe('torch.Size([2, 5])');
    expect(new torch.Size().length).toBe(0);
    expect(() => new torch.Size([1.5])).toThrow("torch.Size() takes an iterable of 'int'");
  });
});

// Facts printed by PyTorch 1.13: x.T.grad_fn PermuteBackward0 (also for 1-D), x.mT
// TransposeBackward0, (2,3,4).T -> (4,3,2), .mT -> (2,4,3), 1-D .mT an error.
describe('x.T and x.mT', () => {
  it('reverse all dimensions / swap the last two, as views with PyTorch grad_fns', () => {
    const x = torch.rand([2, 3], { requiresGrad: true });
    expect(x.T.shape).toEqual([3, 2]);
    expect(x.T.gradFn!.name).toBe('PermuteBackward0');
    expect(x.mT.gradFn!.name).toBe('TransposeBackward0');
    expect(torch.equal(x.T, x.t())).toBe(true);
    const y = torch.rand([3], { requiresGrad: true });
    expect(y.T.gradFn!.name).toBe('PermuteBackward0');
    const z = torch.arange(24).reshape(2, 3, 4);
    expect(z.T.shape).toEqual([4, 3, 2]);
    expect(z.mT.shape).toEqual([2, 4, 3]);
    expect(z.T.index(3, 2, 1).item()).toBe(z.index(1, 2, 3).item());
    expect(torch.tensor(1.5).T.shape).toEqual([]);
    expect(() => torch.zeros(3).mT).toThrow('tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.');
    const w = torch.zeros(2, 2);
    w.T.index(0).fill_(1); // a view: writes reach w
    expect(w.tolist()).toEqual([[1, 0], [1, 0]]);
  });
});
