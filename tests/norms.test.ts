// norm (every p torch.norm takes, with dim and keepdim), std and var: values and gradients
// against PyTorch 1.13 (tests/fixtures/grads.json, scripts/make_grad_fixtures.py), at
// smooth points (with float64 gradchecks) and at the edges: zero input, zero rows, ties of
// the inf norms, NaN, inf, empty input, constant input for std/var.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { casesIn, runCases, valuesOf, type Op } from './helpers/reference.js';

const ORDERS: [string, number][] = [
  ['2', 2],
  ['1', 1],
  ['3', 3],
  ['1p5', 1.5],
  ['0p5', 0.5],
  ['0', 0],
  ['inf', Infinity],
  ['ninf', -Infinity],
  ['neg1', -1],
  ['neg2', -2],
  ['neg0p5', -0.5],
];

const norms: Record<string, Op> = {
  norm_fro: ([a]) => a.norm('fro'),
  norm_fro_dim: ([a]) => a.norm('fro', 1),
  norm_default_dim_keyword: ([a]) => a.norm({ dim: 1 }),
  norm_p_none: ([a]) => a.norm(null),
  norm_3d_dims: ([a]) => a.norm(3, [0, 2], true),
  norm_zeros_issue: ([a]) => a.norm(),
  norm_pinf_ties: ([a]) => a.norm(Infinity),
  norm_pninf_ties: ([a]) => a.norm(-Infinity),
  norm_pinf_ties_dim_keepdim: ([a]) => a.norm(Infinity, 1, true),
  norm_pninf_ties_dim: ([a]) => a.norm(-Infinity, 0),
  norm_p2_nan: ([a]) => a.norm(),
  norm_p3_nan: ([a]) => a.norm(3),
  norm_pinf_nan: ([a]) => a.norm(Infinity),
  norm_pninf_nan: ([a]) => a.norm(-Infinity),
  norm_p0_nan: ([a]) => a.norm(0),
  norm_p2_inf: ([a]) => a.norm(),
  norm_pinf_inf: ([a]) => a.norm(Infinity),
  norm_p1_inf: ([a]) => a.norm(1),
  norm_pinf_empty_dim: ([a]) => a.norm(Infinity, 0),
  norm_p2_float64_zeros_dim: ([a]) => a.norm(2, 0),
};
for (const [tag, p] of ORDERS) {
  norms[`norm_p${tag}_all`] = ([a]) => a.norm(p);
  norms[`norm_p${tag}_dim1`] = ([a]) => a.norm(p, 1);
  norms[`norm_p${tag}_dim0_keepdim`] = ([a]) => a.norm(p, 0, true);
  norms[`norm_p${tag}_dims_float64`] = ([a]) => torch.norm(a, p, [0, 1]);
  norms[`norm_p${tag}_zeros`] = ([a]) => a.norm(p);
  norms[`norm_p${tag}_with_zero`] = ([a]) => a.norm(p);
  norms[`norm_p${tag}_rows_with_zero_row`] = ([a]) => a.norm(p, 1);
  norms[`norm_p${tag}_empty`] = ([a]) => a.norm(p);
}

/** Cases at points where the norm is not differentiable (finite differences mean nothing there). */
const atEdge = (name: string): boolean =>
  /_(zeros|with_zero|rows_with_zero_row|empty|empty_dim|issue|nan|inf|ties.*|zeros_dim)$/.test(name);

describe('norm vs PyTorch (values, gradients, grad_fn)', () => {
  runCases('norms', norms, {
    file: 'grads.json',
    gradFnNames: true,
    skipGradcheck: casesIn('norms', 'grads.json').map((c) => c.name).filter(atEdge),
  });

});

describe('norm: the issue cases', () => {
  it('zeros(3).norm().backward() gives 0 gradients, not NaN', () => {
    const x = torch.zeros(3, { dtype: torch.float32, requiresGrad: true });
    x.norm().backward();
    expect(valuesOf(x.grad!)).toEqual([0, 0, 0]);
  });

  it('norm(Infinity) is differentiable and shares the gradient among ties with their sign', () => {
    const x = torch.tensor([0, 1, -2, 2], { dtype: torch.float32, requiresGrad: true });
    const n = x.norm(Infinity);
    expect(n.gradFn?.name).toBe('NormBackward1');
    n.backward();
    expect(valuesOf(x.grad!)).toEqual([0, 0, -0.5, 0.5]);
  });

  it('norm(0) counts nonzeros and leaves .grad null, as PyTorch leaves it None', () => {
    const x = torch.tensor([0, 1, -2, 2], { dtype: torch.float32, requiresGrad: true });
    const n = x.norm(0);
    expect(n.item()).toBe(3);
    expect(n.requiresGrad).toBe(true);
    n.backward();
    expect(x.grad).toBeNull();
    // Used with another term, only that term reaches .grad.
    x.norm(0).add(x.sum()).backward();
    expect(valuesOf(x.grad!)).toEqual([1, 1, 1, 1]);
  });

  it('norm(-Infinity) is the smallest |x|', () => {
    expect(torch.tensor([3, -1, 2], { dtype: torch.float32 }).norm(-Infinity).item()).toBe(1);
  });

  it('rejects integer input with PyTorch\'s message, and a bad p', () => {
    expect(() => torch.tensor([1, 2]).norm()).toThrow(
      'norm(): input dtype should be either floating point or complex. Got Long instead.',
    );
    expect(() => torch.ones(2).norm('nuc' as unknown as number)).toThrow("norm(): p='nuc' (the nuclear norm) is not supported");
    expect(() => torch.ones(2).norm('max' as unknown as number)).toThrow(/expected p to be a number/);
  });

  it('the dtype option computes in that dtype (NormBackward3, as PyTorch names it)', () => {
    const x = torch.tensor([3, 4], { dtype: torch.float32, requiresGrad: true });
    const n = x.norm({ p: 2, dtype: torch.float64 });
    expect(n.dtype).toBe(torch.float64);
    expect(n.gradFn?.name).toBe('NormBackward3');
    n.backward();
    expect(x.grad!.dtype).toBe(torch.float32);
    expect(valuesOf(x.grad!)).toEqual([0.6000000238418579, 0.800000011920929]);
  });
});

const moments: Record<string, Op> = {
  std_constant: ([a]) => a.std(),
  std_zeros_issue: ([a]) => a.std(),
  std_constant_unbiased_false: ([a]) => a.std({ unbiased: false }),
  std_constant_row: ([a]) => a.std(1),
  std_constant_row_keepdim: ([a]) => a.std(1, { keepdim: true }),
  std_constant_column: ([a]) => a.std(0, false),
  std_constant_float64: ([a]) => a.std(1),
  var_constant: ([a]) => a.var(),
  var_constant_row: ([a]) => a.var(1),
  var_constant_row_keepdim_biased: ([a]) => a.var(1, { unbiased: false, keepdim: true }),
  std_one_element_biased: ([a]) => a.std({ unbiased: false }),
  var_one_element_biased: ([a]) => a.var({ unbiased: false }),
  std_correction_0_dims: ([a]) => torch.std(a, [0, 1], { correction: 0 }),
  std_correction_2: ([a]) => a.std({ correction: 2 }),
  var_correction_2_dim: ([a]) => a.var(1, { correction: 2, keepdim: true }),
  var_correction_over_n: ([a]) => a.var({ correction: 4 }),
  std_nan: ([a]) => a.std(),
  std_inf: ([a]) => a.std(),
  var_empty: ([a]) => a.var(),
  std_dims_3d: ([a]) => a.std([0, 2], { keepdim: true }),
  var_3d_neg_dim: ([a]) => a.var(-2),
};

describe('std and var vs PyTorch (constant input, corrections, dims)', () => {
  runCases('moments', moments, {
    file: 'grads.json',
    gradFnNames: true,
    // std is not differentiable where it is 0 (constant input: PyTorch's 0 is a
    // convention); var_correction_over_n follows 1.13's backward, which is not the
    // derivative of its (infinite) forward; NaN/inf/empty inputs have no finite differences.
    skipGradcheck: [
      'std_constant', 'std_zeros_issue', 'std_constant_unbiased_false', 'std_constant_row',
      'std_constant_row_keepdim', 'std_constant_column', 'std_constant_float64',
      'std_one_element_biased', 'var_correction_over_n', 'std_nan', 'std_inf', 'var_empty',
    ],
  });

  it('std of one element with Bessel\'s correction is NaN, and so is its gradient', () => {
    // PyTorch 1.13 raises inside StdBackward0 here (a shape bug); 2 / (N - 1) = inf
    // times 0 is NaN, which is what later versions return.
    const x = torch.tensor([3], { dtype: torch.float32, requiresGrad: true });
    const s = x.std();
    expect(Number.isNaN(s.item() as number)).toBe(true);
    s.backward();
    expect(Number.isNaN(valuesOf(x.grad!)[0])).toBe(true);
  });

  it('integer input is rejected', () => {
    expect(() => torch.tensor([1, 2]).std()).toThrow(/std and var only support floating point/);
  });
});
