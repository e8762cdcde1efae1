/**
 * split, chunk and unbind record ONE backward node with an output per piece, as PyTorch's
 * SplitBackward0 / SplitWithSizesBackward0: the pieces share it, its backward concatenates
 * their gradients (zeros for pieces that got none), and it stays differentiable.
 */
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

describe('split backward', () => {
  it('the pieces share one node, output by output, as in PyTorch', () => {
    const x = torch.arange(12, { dtype: torch.float64 }).reshape([3, 4]).requiresGrad_();
    const [a, b, c] = x.chunk(3, 0);
    expect(a.gradFn!.name).toBe('SplitBackward0');
    expect(b.gradFn).toBe(a.gradFn);
    expect(c.gradFn).toBe(a.gradFn);
    const [p, q] = x.split([1, 2], 0);
    expect(p.gradFn!.name).toBe('SplitWithSizesBackward0');
    expect(q.gradFn).toBe(p.gradFn);
    expect(a.gradFn!.nextFunctions[0][0]!.name).toBe('AccumulateGrad');
  });

  it('concatenates the gradients, with zeros where a piece got none', () => {
    const x = torch.arange(12, { dtype: torch.float64 }).reshape([3, 4]).requiresGrad_();
    const [a, , c] = x.split([1, 2, 1], 1);
    a.mul(2).sum().add(c.pow(2).sum()).backward();
    expect(x.grad!.tolist()).toEqual([[2, 0, 0, 6], [2, 0, 0, 14], [2, 0, 0, 22]]);
    const y = torch.ones([4, 2], { requiresGrad: true });
    const pieces = y.split(1);
    pieces[2].sum().backward();
    expect(y.grad!.tolist()).toEqual([[0, 0], [0, 0], [1, 1], [0, 0]]);
  });

  it('feeds retained and hooked pieces, and differentiates twice (createGraph)', () => {
    const x = torch.tensor([1, 2, 3, 4], { dtype: torch.float64, requiresGrad: true });
    const [a, b] = x.chunk(2);
    b.retainGrad();
    const seen: number[][] = [];
    a.registerHook((g) => void seen.push(g.tolist() as number[]));
    const loss = a.pow(3).sum().add(b.pow(2).sum());
    const [g] = torch.autograd.grad([loss], [x], { createGraph: true });
    expect(g!.tolist()).toEqual([3, 12, 6, 8]);
    expect(seen).toEqual([[3, 12]]);
    g!.sum().backward();
    expect(x.grad!.tolist()).toEqual([6, 12, 2, 2]);
    // PyTorch 1.13: b's retained grad collects 2b from the first pass and 2 from the second.
    expect(b.grad!.tolist()).toEqual([8, 10]);
  });

  it('refuses a second backward through a freed graph', () => {
    const x = torch.ones([4], { requiresGrad: true });
    const [a, b] = x.chunk(2);
    const loss = a.sum().add(b.sum());
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
  });
});

// unbind is one UnbindBackward0 node with an output per slice (PyTorch: `a.grad_fn is
// b.grad_fn`), whose backward stacks the slices' gradients.
describe('unbind backward', () => {
  it('the slices share one node, and their gradients stack, with zeros where a slice got none', () => {
    const x = torch.arange(12, { dtype: torch.float64 }).reshape([3, 4]).requiresGrad_();
    const [a, b, c] = x.unbind(1).slice(0, 3);
    expect(a.gradFn!.name).toBe('UnbindBackward0');
    expect(b.gradFn).toBe(a.gradFn);
    expect(a.gradFn!.nextFunctions[0][0]!.name).toBe('AccumulateGrad');
    a.mul(2).sum().add(c.pow(2).sum()).backward();
    expect(x.grad!.tolist()).toEqual([[2, 0, 4, 0], [2, 0, 12, 0], [2, 0, 20, 0]]);
    expect(b.requiresGrad).toBe(true);
  });

  it('feeds hooked slices, and differentiates twice (createGraph)', () => {
    const x = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64, requiresGrad: true });
    const [r0, r1] = x.unbind(0);
    const seen: number[][] = [];
    r1.registerHook((g) => void seen.push(g.tolist() as number[]));
    const loss = r0.pow(3).sum().add(r1.pow(2).sum());
    const [g] = torch.autograd.grad([loss], [x], { createGraph: true });
    expect(g!.tolist()).toEqual([[3, 12], [6, 8]]);
    expect(seen).toEqual([[6, 8]]);
    g!.sum().backward();
    expect(x.grad!.tolist()).toEqual([[6, 12], [2, 2]]);
  });
});
