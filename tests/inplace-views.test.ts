// In-place ops on views of tensors that record history (PyTorch's CopySlices). Expected
// values were printed by PyTorch 1.13 for the same program:
//   a = tensor([[1,2,3],[4,5,6.]], requires_grad=True); w = tensor([.5,-1,2.], requires_grad=True)
//   h = a * 2; h[:, 0] *= 3; v = h[1]; v.add_(w)
//   loss = (h * tensor([[1,2,3],[4,5,6.]])).sum() + (v * v).sum(); loss.backward()
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

describe('in-place ops on views (CopySlices)', () => {
  it('rebase the base history and give PyTorch gradients', () => {
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32, requiresGrad: true });
    const w = torch.tensor([0.5, -1, 2], { requiresGrad: true });
    const h = a.mul(2);
    h.index(':', 0).mul_(3);
    const v = h.index(1);
    v.add_(w);
    expect(h.gradFn?.name).toBe('CopySlices');
    expect(v.gradFn?.name).toBe('AsStridedBackward0');
    const weights = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32 });
    const loss = h.mul(weights).sum().add(v.mul(v).sum());
    loss.backward();
    expect(h.tolist()).toEqual([[6, 4, 6], [24.5, 9, 14]]);
    expect(a.grad!.tolist()).toEqual([[6, 4, 6], [318, 46, 68]]);
    expect(w.grad!.tolist()).toEqual([53, 23, 34]);
  });

  it('fill_ and copy_ on views (PyTorch values)', () => {
    // h = a * 2; h[0].fill_(1.5); h[1].copy_(w * 2); (h * weights).sum().backward()
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32, requiresGrad: true });
    const w = torch.tensor([7, 8, 9], { dtype: torch.float32, requiresGrad: true });
    const h = a.mul(2);
    h.index(0).fill_(1.5);
    h.index(1).copy_(w.mul(2));
    h.mul(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32 })).sum().backward();
    expect(h.tolist()).toEqual([[1.5, 1.5, 1.5], [14, 16, 18]]);
    expect(a.grad!.tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(w.grad!.tolist()).toEqual([8, 10, 12]);
  });

  it('a view of a leaf that requires grad is an error, as in PyTorch', () => {
    const a = torch.ones(2, 3, { requiresGrad: true });
    expect(() => a.index(0).mul_(2)).toThrow('a view of a leaf Variable that requires grad is being used in an in-place operation.');
    expect(() => torch.noGrad(() => a.index(0).mul_(2))).not.toThrow();
  });
});

describe('prod backward with zeros (PyTorch values)', () => {
  it('handles no, one and several zeros per slice', () => {
    const x = torch.tensor([[2, 0, 3], [0, 0, 5], [1, 2, 4]], { dtype: torch.float32, requiresGrad: true });
    x.prod(1).mul(torch.tensor([1, 2, 3], { dtype: torch.float32 })).sum().backward();
    expect(x.grad!.tolist()).toEqual([[0, 6, 0], [0, 0, 0], [24, 12, 6]]);
    x.grad = null;
    x.prod().backward();
    expect(x.grad!.tolist()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    const y = torch.tensor([2, 0, 3], { dtype: torch.float32, requiresGrad: true });
    y.prod().backward();
    expect(y.grad!.tolist()).toEqual([0, 6, 0]);
  });
});
