// View / shape ops (view reshape transpose permute t expand squeeze unsqueeze flatten
// contiguous cat stack clone detach) against PyTorch values in tests/fixtures/ops.json
// (scripts/make_fixtures.py), with gradients through them and float64 gradchecks.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { runCases, valuesOf, type Op } from './helpers/reference.js';

const table: Record<string, Op> = {
  view_flat: ([a]) => a.view(24),
  view_2d: ([a]) => a.view(6, 4),
  view_neg1: ([a]) => a.view(-1, 4),
  reshape: ([a]) => a.reshape(4, 6),
  reshape_neg1: ([a]) => a.reshape(4, -1),
  reshape_flat_neg1: ([a]) => a.reshape(-1),
  reshape_after_transpose: ([a]) => a.transpose(0, 1).reshape(-1),
  transpose_01: ([a]) => a.transpose(0, 1),
  transpose_neg: ([a]) => a.transpose(-1, 0),
  permute: ([a]) => a.permute(2, 0, 1),
  permute_array: ([a]) => a.permute([1, 2, 0]),
  t: ([a]) => a.t(),
  expand: ([a]) => a.expand(3, 4),
  expand_neg1: ([a]) => a.expand(-1, 4),
  expand_new_leading: ([a]) => a.expand(2, 3, 4),
  expand_neg1_leading: ([a]) => a.expand(2, -1, -1),
  expand_0d: ([a]) => a.expand(2, 3),
  squeeze_all: ([a]) => a.squeeze(),
  squeeze_dim: ([a]) => a.squeeze(2),
  squeeze_dim_noop: ([a]) => a.squeeze(1),
  squeeze_dim_neg: ([a]) => a.squeeze(-2),
  unsqueeze_0: ([a]) => a.unsqueeze(0),
  unsqueeze_1: ([a]) => a.unsqueeze(1),
  unsqueeze_neg1: ([a]) => a.unsqueeze(-1),
  unsqueeze_neg2: ([a]) => a.unsqueeze(-2),
  flatten_default: ([a]) => a.flatten(),
  flatten_start1: ([a]) => a.flatten(1),
  flatten_0_1: ([a]) => a.flatten(0, 1),
  flatten_neg: ([a]) => a.flatten(-2, -1),
  contiguous_after_transpose: ([a]) => a.transpose(0, 2).contiguous(),
  cat_dim0: ([a, b]) => torch.cat([a, b], 0),
  cat_default_dim: ([a, b]) => torch.cat([a, b]),
  cat_dim1: ([a, b]) => torch.cat([a, b], 1),
  cat_dim_neg: ([a, b]) => torch.cat([a, b], -1),
  cat_three: ([a, b, c]) => torch.cat([a, b, c], 0),
  cat_transposed: ([a, b]) => torch.cat([a.t(), b], 0),
  stack_dim0: ([a, b]) => torch.stack([a, b], 0),
  stack_default_dim: ([a, b]) => torch.stack([a, b]),
  stack_dim1: ([a, b]) => torch.stack([a, b], 1),
  stack_dim_neg1: ([a, b, c]) => torch.stack([a, b, c], -1),
  clone: ([a]) => a.clone(),
  detach: ([a]) => a.detach(),
  view_chain: ([a]) => a.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).expand(2, -1, -1),
  int64_reshape_transpose: ([a]) => a.reshape(3, 2).t(),
  bool_unsqueeze_expand: ([a]) => a.unsqueeze(0).expand(2, 3),
};

describe('views and shape ops vs PyTorch', () => {
  runCases('views', table);
});

describe('shape bookkeeping', () => {
  const x = () => torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], { dtype: torch.float32 }).reshape(2, 3, 2);

  it('dim, numel, size', () => {
    const t = x();
    expect(t.shape).toEqual([2, 3, 2]);
    expect(t.dim()).toBe(3);
    expect(t.numel()).toBe(12);
    expect(t.size(1)).toBe(3);
    expect(t.size(-1)).toBe(2);
  });

  it('transpose then contiguous materialises the permuted order', () => {
    const t = x().transpose(0, 1).contiguous();
    expect(t.shape).toEqual([3, 2, 2]);
    expect(valuesOf(t)).toEqual([0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
  });

  it('permute accepts varargs and one array alike', () => {
    expect(valuesOf(x().permute(2, 1, 0))).toEqual(valuesOf(x().permute([2, 1, 0])));
    expect(x().permute(2, 1, 0).shape).toEqual([2, 3, 2]);
  });

  it('expand with -1 keeps sizes and adds leading dims', () => {
    const t = torch.tensor([[1], [2]], { dtype: torch.float32 }).expand(3, -1, 4);
    expect(t.shape).toEqual([3, 2, 4]);
    expect(valuesOf(t.sum(0))).toEqual([3, 3, 3, 3, 6, 6, 6, 6]);
  });

  it('expand gradient sums over the broadcast dimensions', () => {
    const a = torch.tensor([[1], [2]], { dtype: torch.float32, requiresGrad: true });
    a.expand(3, 2, 4).sum().backward();
    if (!a.grad) throw new Error('no grad');
    expect(a.grad.shape).toEqual([2, 1]);
    expect(valuesOf(a.grad)).toEqual([12, 12]);
  });

  it('cat and stack gradients split back to their inputs', () => {
    const a = torch.tensor([1, 2], { dtype: torch.float64, requiresGrad: true });
    const b = torch.tensor([3, 4, 5], { dtype: torch.float64, requiresGrad: true });
    const w = torch.tensor([1, 2, 3, 4, 5], { dtype: torch.float64 });
    torch.cat([a, b]).mul(w).sum().backward();
    if (!a.grad || !b.grad) throw new Error('no grad');
    expect(valuesOf(a.grad)).toEqual([1, 2]);
    expect(valuesOf(b.grad)).toEqual([3, 4, 5]);
  });

  it('detach and clone copy values; only clone stays in the graph', () => {
    const a = torch.tensor([1, 2, 3], { dtype: torch.float32, requiresGrad: true });
    const d = a.detach();
    const c = a.clone();
    expect(valuesOf(d)).toEqual([1, 2, 3]);
    expect(valuesOf(c)).toEqual([1, 2, 3]);
    expect(d.requiresGrad).toBe(false);
    expect(c.requiresGrad).toBe(true);
    expect(c.isLeaf).toBe(false);
  });
});
