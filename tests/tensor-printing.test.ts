// End-to-end printing of real tensors; expected strings are what PyTorch 1.13 printed
// for the same construction.
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as torch from 'flint-torch';

describe('String(tensor) is PyTorch repr', () => {
  it('basic forms', () => {
    expect(String(torch.tensor([1.0, 2.0]).float())).toBe('tensor([1., 2.])');
    expect(String(torch.tensor(3.5))).toBe('tensor(3.5000)');
    expect(String(torch.tensor([NaN, Infinity, -1]))).toBe('tensor([nan, inf, -1.])');
    expect(String(torch.tensor([[1, 2], [3, 4]]))).toBe('tensor([[1, 2],\n        [3, 4]])');
    expect(String(torch.tensor([true, false]))).toBe('tensor([ True, False])');
    expect(String(torch.zeros(0, 3))).toBe('tensor([], size=(0, 3))');
    expect(String(torch.tensor([1, 2], { dtype: torch.float64 }))).toBe('tensor([1., 2.], dtype=torch.float64)');
    expect(String(torch.tensor([1, 2], { dtype: torch.int32 }))).toBe('tensor([1, 2], dtype=torch.int32)');
    expect(inspect(torch.tensor([0.5]))).toBe('tensor([0.5000])');
  });

  it('scientific mode with requires_grad', () => {
    const t = torch.tensor([[0.0055, 1.5], [-2, 300]], { requiresGrad: true });
    expect(String(t)).toBe('tensor([[ 5.5000e-03,  1.5000e+00],\n        [-2.0000e+00,  3.0000e+02]], requires_grad=True)');
  });

  it('grad_fn suffix', () => {
    const x = torch.tensor([1.0, 2.5], { requiresGrad: true });
    expect(String(x.add(1))).toBe('tensor([2.0000, 3.5000], grad_fn=<AddBackward0>)');
    expect(String(x.sum())).toBe('tensor(3.5000, grad_fn=<SumBackward0>)');
  });

  it('the seed: X = torch.rand(2, 20) after manual_seed(42)', () => {
    torch.manualSeed(42);
    expect(String(torch.rand(2, 20))).toBe(
      'tensor([[0.8823, 0.9150, 0.3829, 0.9593, 0.3904, 0.6009, 0.2566, 0.7936, 0.9408,\n' +
        '         0.1332, 0.9346, 0.5936, 0.8694, 0.5677, 0.7411, 0.4294, 0.8854, 0.5739,\n' +
        '         0.2666, 0.6274],\n' +
        '        [0.2696, 0.4414, 0.2969, 0.8317, 0.1053, 0.2695, 0.3588, 0.1994, 0.5472,\n' +
        '         0.0062, 0.9516, 0.0753, 0.8860, 0.5832, 0.3376, 0.8090, 0.5779, 0.9040,\n' +
        '         0.5547, 0.3423]])',
    );
  });

  it('summarises above 1000 elements', () => {
    const s = String(torch.arange(2000));
    expect(s).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999])');
  });
});
