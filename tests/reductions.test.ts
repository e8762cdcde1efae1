// Reductions (sum mean max min argmax argmin prod std var norm) against PyTorch values in
// tests/fixtures/ops.json (scripts/make_fixtures.py), with gradients and float64 gradchecks.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { pair, runCases, valuesOf, type Op } from './helpers/reference.js';

const table: Record<string, Op> = {
  sum_all: ([a]) => a.sum(),
  sum_dim: ([a]) => a.sum(1),
  sum_dim_neg: ([a]) => a.sum(-1),
  sum_dims: ([a]) => a.sum([0, 2]),
  sum_keepdim: ([a]) => a.sum(1, true),
  sum_dims_keepdim: ([a]) => a.sum([0, -1], true),
  sum_options: ([a]) => a.sum({ dim: 2, keepdim: true }),
  sum_float64: ([a]) => torch.sum(a, 0),
  sum_int64: ([a]) => a.sum(),
  sum_int64_dim: ([a]) => a.sum(1),
  sum_int32: ([a]) => a.sum(),
  sum_bool: ([a]) => a.sum(),
  sum_bool_dim: ([a]) => a.sum(0),

  mean_all: ([a]) => a.mean(),
  mean_dim: ([a]) => a.mean(1),
  mean_dim_neg: ([a]) => a.mean(-1),
  mean_dims: ([a]) => a.mean([0, 2]),
  mean_keepdim: ([a]) => a.mean(0, true),
  mean_float64: ([a]) => torch.mean(a, 1),

  max_all: ([a]) => a.max(),
  max_dim_values: ([a]) => pair(a.max(1))[0],
  max_dim_indices: ([a]) => pair(a.max(1))[1],
  max_dim_neg_values: ([a]) => pair(a.max(-1))[0],
  max_dim_keepdim_values: ([a]) => pair(a.max(2, true))[0],
  max_dim_keepdim_indices: ([a]) => pair(a.max(2, true))[1],
  min_all: ([a]) => a.min(),
  min_dim_values: ([a]) => pair(a.min(0))[0],
  min_dim_indices: ([a]) => pair(a.min(0))[1],
  min_dim_keepdim_values: ([a]) => pair(a.min(1, true))[0],
  min_dim_keepdim_indices: ([a]) => pair(a.min(1, true))[1],
  max_all_float64: ([a]) => a.max(),
  max_int64: ([a]) => a.max(),
  max_dim_int64_values: ([a]) => pair(a.max(1))[0],

  argmax_all: ([a]) => a.argmax(),
  argmax_dim: ([a]) => a.argmax(1),
  argmax_dim_neg: ([a]) => a.argmax(-1),
  argmax_keepdim: ([a]) => a.argmax(1, true),
  argmin_all: ([a]) => a.argmin(),
  argmin_dim: ([a]) => a.argmin(0),
  argmin_keepdim: ([a]) => a.argmin(2, true),

  prod_all: ([a]) => a.prod(),
  prod_dim: ([a]) => a.prod(1),
  prod_dim_keepdim: ([a]) => a.prod(0, true),
  prod_int64: ([a]) => a.prod(),

  std_all: ([a]) => a.std(),
  std_dim: ([a]) => a.std(1),
  std_dims: ([a]) => a.std([0, 2]),
  std_unbiased_false: ([a]) => a.std({ unbiased: false }),
  std_dim_unbiased_false_keepdim: ([a]) => a.std(1, { unbiased: false, keepdim: true }),
  std_float64: ([a]) => a.std(0),
  var_all: ([a]) => a.var(),
  var_dim: ([a]) => a.var(1),
  var_dim_neg: ([a]) => a.var(-1),
  var_unbiased_false: ([a]) => a.var({ unbiased: false }),
  var_dim_unbiased_false_keepdim: ([a]) => a.var(2, { unbiased: false, keepdim: true }),

  norm_all: ([a]) => a.norm(),
  norm_p1: ([a]) => a.norm(1),
  norm_dim: ([a]) => a.norm(2, 1),
  norm_p1_dim_keepdim: ([a]) => a.norm(1, 0, true),
  norm_dims: ([a]) => a.norm(2, [0, 2]),
  norm_float64: ([a]) => a.norm(),
};

describe('reductions vs PyTorch', () => {
  runCases('reductions', table);
});

describe('reduction details', () => {
  const x = () =>
    torch.tensor(
      [
        [1, 5, 3],
        [4, 2, 6],
      ],
      { dtype: torch.float32 },
    );

  it('whole-tensor reductions are 0-d', () => {
    for (const r of [x().sum(), x().mean(), x().max(), x().min(), x().prod(), x().std(), x().norm()]) {
      expect(r.shape).toEqual([]);
      expect(r.dim()).toBe(0);
    }
    expect(Number(x().sum().item())).toBe(21);
    expect(Number(x().max().item())).toBe(6);
    expect(Number(x().argmax().item())).toBe(5);
  });

  it('max(dim) / min(dim) return [values, indices] with int64 indices', () => {
    const [v, i] = pair(x().max(1));
    expect(valuesOf(v)).toEqual([5, 6]);
    expect(i.dtype.name).toBe('int64');
    expect(valuesOf(i)).toEqual([1, 2]);
    const [mv, mi] = pair(x().min(0, true));
    expect(mv.shape).toEqual([1, 3]);
    expect(valuesOf(mv)).toEqual([1, 2, 3]);
    expect(valuesOf(mi)).toEqual([0, 1, 0]);
  });

  it('var is unbiased (correction 1) by default', () => {
    const t = torch.tensor([1, 2, 3, 4], { dtype: torch.float64 });
    expect(Number(t.var().item())).toBeCloseTo(5 / 3, 12);
    expect(Number(t.var({ unbiased: false }).item())).toBeCloseTo(1.25, 12);
    expect(Number(t.std().item())).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('max() routes the gradient to the unique maximum only', () => {
    const t = torch.tensor([0.5, 3, -1, 2], { dtype: torch.float32, requiresGrad: true });
    t.max().backward();
    expect(t.grad).not.toBeNull();
    if (t.grad) expect(valuesOf(t.grad)).toEqual([0, 1, 0, 0]);
  });

  it('mean gradient is 1/n for every element', () => {
    const t = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64, requiresGrad: true });
    t.mean().backward();
    if (!t.grad) throw new Error('no grad');
    expect(valuesOf(t.grad)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});
