// Elementwise ops, broadcasting, in-place ops, type promotion, comparisons and where,
// against PyTorch values in tests/fixtures/ops.json (scripts/make_fixtures.py).
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { runCases, valuesOf, type Op } from './helpers/reference.js';

const table: Record<string, Op> = {
  add: ([a, b]) => a.add(b),
  add_broadcast_3x1_4: ([a, b]) => torch.add(a, b),
  add_broadcast_2x1x3_4x1: ([a, b]) => a.add(b),
  add_broadcast_0d_2x3: ([a, b]) => a.add(b),
  add_scalar: ([a]) => a.add(2.5),
  sub: ([a, b]) => a.sub(b),
  sub_broadcast_2x1x3_4x1: ([a, b]) => torch.sub(a, b),
  sub_scalar: ([a]) => a.sub(1.5),
  rsub_scalar: ([a]) => a.rsub(1),
  mul: ([a, b]) => a.mul(b),
  mul_broadcast_3x1_4: ([a, b]) => torch.mul(a, b),
  mul_broadcast_0d_2x3: ([a, b]) => b.mul(a),
  mul_scalar: ([a]) => a.mul(3),
  div: ([a, b]) => a.div(b),
  div_broadcast_2x3_3: ([a, b]) => torch.div(a, b),
  div_scalar: ([a]) => a.div(4),
  pow_tensor: ([a, b]) => a.pow(b),
  pow_tensor_broadcast: ([a, b]) => torch.pow(a, b),
  pow_scalar_2: ([a]) => a.pow(2),
  pow_scalar_3: ([a]) => a.pow(3),
  pow_scalar_half: ([a]) => a.pow(0.5),
  pow_scalar_neg1: ([a]) => a.pow(-1),
  pow_scalar_base: ([a]) => torch.pow(2, a),
  neg: ([a]) => a.neg(),
  abs: ([a]) => a.abs(),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  sqrt: ([a]) => a.sqrt(),
  sin: ([a]) => a.sin(),
  cos: ([a]) => a.cos(),
  relu: ([a]) => a.relu(),
  sigmoid: ([a]) => a.sigmoid(),
  tanh: ([a]) => a.tanh(),
  clamp_min: ([a]) => a.clamp(-0.5),
  clamp_max: ([a]) => a.clamp(null, 0.5),
  clamp_both: ([a]) => a.clamp(-0.5, 0.5),
  clamp_float64: ([a]) => torch.clamp(a, -0.5, 0.5),
  maximum: ([a, b]) => torch.maximum(a, b),
  minimum: ([a, b]) => torch.minimum(a, b),
  maximum_broadcast_3x1_4: ([a, b]) => a.maximum(b),
  add_float64: ([a, b]) => a.add(b),
  mul_float64: ([a, b]) => a.mul(b),
  div_float64: ([a, b]) => a.div(b),
  exp_float64: ([a]) => torch.exp(a),
  log_float64: ([a]) => torch.log(a),
  tanh_float64: ([a]) => torch.tanh(a),
  sigmoid_float64: ([a]) => torch.sigmoid(a),
  pow_tensor_float64: ([a, b]) => a.pow(b),

  // special values
  exp_special: ([a]) => a.exp(),
  log_special: ([a]) => a.log(),
  sqrt_special: ([a]) => a.sqrt(),
  div_by_zero: ([a, b]) => a.div(b),
  maximum_nan: ([a, b]) => torch.maximum(a, b),
  minimum_nan: ([a, b]) => torch.minimum(a, b),
  clamp_nan: ([a]) => a.clamp(-1, 1),
  sigmoid_extreme: ([a]) => a.sigmoid(),
  tanh_extreme: ([a]) => a.tanh(),
  relu_special: ([a]) => a.relu(),

  // in-place, on a clone so gradients reach the leaves
  add_inplace: ([a, b]) => a.clone().add_(b),
  add_inplace_broadcast: ([a, b]) => a.clone().add_(b),
  add_inplace_scalar: ([a]) => a.clone().add_(2),
  sub_inplace: ([a, b]) => a.clone().sub_(b),
  mul_inplace: ([a, b]) => a.clone().mul_(b),
  mul_inplace_scalar: ([a]) => a.clone().mul_(2.5),
  div_inplace: ([a, b]) => a.clone().div_(b),
  div_inplace_scalar: ([a]) => a.clone().div_(4),
  clamp_inplace: ([a]) => a.clone().clamp_(-0.5, 0.5),
  add_inplace_int64: ([a, b]) => a.clone().add_(b),

  // type promotion (the expected dtype is part of every comparison)
  promote_int64_add_float32: ([a, b]) => a.add(b),
  promote_int32_add_int64: ([a, b]) => a.add(b),
  promote_bool_mul_float32: ([a, b]) => a.mul(b),
  promote_int64_div_int64: ([a, b]) => a.div(b),
  promote_int64_div_by_zero: ([a, b]) => a.div(b),
  promote_float32_add_float64: ([a, b]) => a.add(b),
  promote_float64_add_scalar: ([a]) => a.add(1.5),
  promote_int64_add_scalar_float: ([a]) => a.add(2.5),
  promote_int64_mul_scalar_int: ([a]) => a.mul(3),
  promote_int32_add_scalar_float: ([a]) => a.add(0.5),
  promote_bool_add_scalar_int: ([a]) => a.add(1),
  promote_uint8_add_int64: ([a, b]) => a.add(b),
  promote_uint8_add_scalar: ([a]) => a.add(3),
  promote_0d_float64_add_float32: ([a, b]) => a.add(b),
  promote_0d_float32_add_int64: ([a, b]) => a.add(b),
  promote_0d_int64_add_int32: ([a, b]) => a.add(b),
  sub_int64: ([a, b]) => a.sub(b),
  mul_int32: ([a, b]) => a.mul(b),
  neg_int64: ([a]) => a.neg(),
  abs_int32: ([a]) => a.abs(),
  pow_int64_scalar: ([a]) => a.pow(2),
  exp_int64: ([a]) => a.exp(),
  maximum_int64: ([a, b]) => torch.maximum(a, b),

  // comparisons -> bool
  eq_tensor: ([a, b]) => a.eq(b),
  eq_scalar: ([a]) => a.eq(0.5),
  ne_tensor: ([a, b]) => a.ne(b),
  ne_scalar: ([a]) => a.ne(0.5),
  gt_tensor: ([a, b]) => a.gt(b),
  gt_scalar: ([a]) => a.gt(0.5),
  ge_tensor: ([a, b]) => a.ge(b),
  ge_scalar: ([a]) => a.ge(0.5),
  lt_tensor: ([a, b]) => a.lt(b),
  lt_scalar: ([a]) => a.lt(0.5),
  le_tensor: ([a, b]) => a.le(b),
  le_scalar: ([a]) => a.le(0.5),
  gt_broadcast_3x1_4: ([a, b]) => a.gt(b),
  eq_int64_float32: ([a, b]) => a.eq(b),
  lt_int64_scalar: ([a]) => a.lt(2),
  eq_bool: ([a, b]) => a.eq(b),
  le_float64_scalar: ([a]) => a.le(0),

  // where
  where: ([c, a, b]) => torch.where(c, a, b),
  where_broadcast: ([c, a, b]) => torch.where(c, a, b),
  where_scalar: ([c, a]) => torch.where(c, a, 0),
  where_from_comparison: ([a, b]) => torch.where(a.gt(0), a, b),
};

describe('elementwise ops vs PyTorch', () => {
  runCases('elementwise', table, {
    // float32 sigmoid/tanh of large |x| saturate; PyTorch flushes sigmoid(-100) to 0
    tol: { sigmoid_extreme: { atol: 1e-7 }, tanh_extreme: { atol: 1e-7 } },
  });
});

describe('in-place semantics', () => {
  it('in-place ops return the tensor itself and change its values', () => {
    const x = torch.tensor([1, 2, 3], { dtype: torch.float32 });
    const r = x.add_(1);
    expect(r).toBe(x);
    expect(valuesOf(x)).toEqual([2, 3, 4]);
    x.mul_(torch.tensor([2, 0.5, -1], { dtype: torch.float32 })).div_(2).sub_(1);
    expect(valuesOf(x)).toEqual([1, -0.25, -3]);
    x.clamp_(-1, 0.5);
    expect(valuesOf(x)).toEqual([0.5, -0.25, -1]);
    x.zero_().fill_(7);
    expect(valuesOf(x)).toEqual([7, 7, 7]);
    x.copy_(torch.tensor([4, 5, 6], { dtype: torch.float32 }));
    expect(valuesOf(x)).toEqual([4, 5, 6]);
    expect(x.dtype.name).toBe('float32');
  });

  it('an in-place op keeps the dtype of the tensor it writes into', () => {
    const x = torch.tensor([1, 2, 3], { dtype: torch.float64 });
    x.add_(torch.tensor([1, 1, 1], { dtype: torch.int64 }));
    expect(x.dtype.name).toBe('float64');
    expect(valuesOf(x)).toEqual([2, 3, 4]);
  });
});
