import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';

describe('bad input is a clear Error, never a crash', () => {
  it('shapes', () => {
    expect(() => torch.ones(2, 3).add(torch.ones(2, 4))).toThrow(
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
    expect(() => torch.mm(torch.ones(2, 3), torch.ones(4, 5))).toThrow(
      'mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)',
    );
    expect(() => torch.ones(6).view(4, -1)).toThrow("shape '[4, -1]' is invalid for input of size 6");
    expect(() => torch.ones(2, 3).t().view(6)).toThrow(/view size is not compatible/);
    expect(() => torch.ones(2, 3).sum(2)).toThrow('Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => torch.zeros(-1)).toThrow(/negative dimension/);
    expect(() => torch.cat([torch.ones(2, 3), torch.ones(2, 4)], 0)).toThrow(/Sizes of tensors must match/);
  });

  it('indices', () => {
    const x = torch.arange(6).reshape(2, 3);
    expect(() => x.index(2)).toThrow('index 2 is out of bounds for dimension 0 with size 2');
    expect(() => x.index(torch.tensor([0, 5]))).toThrow(/out of bounds/);
    expect(() => x.index(0, 0, 0)).toThrow('too many indices for tensor of dimension 2');
    expect(() => torch.gather(x, 1, torch.tensor([[0, 9]]))).toThrow(/out of bounds/);
    expect(() => x.index('::0')).toThrow('step must be greater than zero');
  });

  it('dtypes and autograd', () => {
    expect(() => torch.ones(2, { dtype: torch.int64, requiresGrad: true })).toThrow(
      'only Tensors of floating point dtype can require gradients',
    );
    const w = torch.ones(2, { requiresGrad: true });
    expect(() => w.add_(1)).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    expect(() => w.mul(2).backward()).toThrow('grad can be implicitly created only for scalar outputs');
    expect(() => torch.ones(2).sum().backward()).toThrow(/does not require grad/);
    expect(() => torch.ones(2, { dtype: torch.int64 }).add_(0.5)).toThrow(/can't be cast to the desired output type Long/);
    expect(() => torch.mm(torch.ones(2, 2), torch.ones(2, 2, { dtype: torch.float64 }))).toThrow(/same dtype/);
  });

  it('integer division by zero throws instead of trapping', () => {
    const a = torch.tensor([1, 2]);
    expect(() => torch.div(a, torch.tensor([1, 0]), { roundingMode: 'floor' })).toThrow(/ZeroDivisionError/);
    // true division promotes to float, where 1/0 is inf, as in PyTorch
    expect(torch.div(a, torch.tensor([1, 0])).tolist()).toEqual([1, Infinity]);
  });

  it.skipIf(torch.cuda.isAvailable())('devices (without a GPU)', () => {
    expect(() => torch.zeros(2, { device: 'cuda' })).toThrow(/^CUDA is not available: /);
    expect(() => torch.ones(2).to('cuda:0')).toThrow(/^CUDA is not available: /);
    expect(() => torch.device('tpu')).toThrow(/Expected one of cpu, cuda/);
    expect(torch.cuda.isAvailable()).toBe(false);
  });

  it('malformed native calls are rejected at the boundary', async () => {
    const { native, META } = await import('../src/native/addon.js');
    const x = torch.ones(4);
    // a view that reaches past its storage
    META.set([0, 2, 1, 100, 1]);
    expect(() => native.fill(x._handle(), 1)).toThrow(/storage holds/);
    // an unknown dtype code
    META.set([42, 0, 1, 4, 1]);
    expect(() => native.fill(x._handle(), 1)).toThrow(/unknown dtype/);
    expect(() => native.release({} as never)).toThrow(/storage handle/);
    expect(x.sum().item()).toBe(4);
  });
});
