// Every op's backward at the points where PyTorch has a convention: zeros, ties, infinities,
// NaNs, saturation, empty input. Forward values, gradients and grad_fn names against what
// PyTorch 1.13 computed (tests/fixtures/grads.json, scripts/make_grad_fixtures.py). Finite
// differences mean nothing at most of these points, so the float64 gradchecks of the same
// ops at smooth points live in the ops' own test files; the few smooth cases here are checked.
import { describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { gradcheck } from './helpers/gradcheck.js';
import { pair, runCases, valuesOf, type Op } from './helpers/reference.js';

const F = torch.nn.functional;

const powEdges: Record<string, Op> = {
  pow_base0_tensor_exponents: ([a, b]) => torch.pow(a, b),
  pow_base0_negative_exponents: ([a, b]) => torch.pow(a, b),
  pow_exponent0_base0: ([a, b]) => torch.pow(a, b),
  pow_negative_base: ([a, b]) => torch.pow(a, b),
  pow_nan: ([a, b]) => torch.pow(a, b),
  pow_inf: ([a, b]) => torch.pow(a, b),
  pow_broadcast_base0: ([a, b]) => torch.pow(a, b),
  pow_exponent_only_grad: ([a, b]) => torch.pow(a, b),
  pow_scalar_0: ([a]) => a.pow(0),
  pow_scalar_0_inf_grad: ([a]) => a.pow(0),
  pow_scalar_half_at_0: ([a]) => a.pow(0.5),
  pow_scalar_2_at_0: ([a]) => a.pow(2),
  pow_scalar_neg1_at_0: ([a]) => a.pow(-1),
  pow_scalar_1_at_0: ([a]) => a.pow(1),
  pow_scalar_3_negative: ([a]) => a.pow(3),
  pow_scalar_base_0: ([a]) => torch.pow(0, a),
  pow_scalar_base_0_float: ([a]) => torch.pow(0.0, a),
  pow_scalar_base_2: ([a]) => torch.pow(2, a),
  pow_scalar_base_negative: ([a]) => torch.pow(-2, a),
  pow_scalar_base_1: ([a]) => torch.pow(1, a),
  pow_scalar_base_float64: ([a]) => torch.pow(2.5, a),
};

describe('pow at zeros, infinities and NaNs vs PyTorch', () => {
  runCases('pow_edges', powEdges, { file: 'grads.json', gradFnNames: true, gradcheck: false });

  it('the exponent gradient of pow(0, e) is 0 for e >= 0 (the issue case)', () => {
    const base = torch.tensor([0, 0], { dtype: torch.float32 });
    const e = torch.tensor([1, 2], { dtype: torch.float32, requiresGrad: true });
    torch.pow(base, e).sum().backward();
    expect(valuesOf(e.grad!)).toEqual([0, 0]);
  });
});

const elementwise: Record<string, Op> = {
  maximum_ties: ([a, b]) => torch.maximum(a, b),
  minimum_ties: ([a, b]) => torch.minimum(a, b),
  maximum_nan: ([a, b]) => torch.maximum(a, b),
  minimum_nan: ([a, b]) => torch.minimum(a, b),
  maximum_broadcast_ties: ([a, b]) => torch.maximum(a, b),
  abs_at_zero: ([a]) => a.abs(),
  abs_nan_inf: ([a]) => a.abs(),
  sqrt_at_zero: ([a]) => a.sqrt(),
  sqrt_negative: ([a]) => a.sqrt(),
  rsqrt_at_zero: ([a]) => a.rsqrt(),
  reciprocal_at_zero: ([a]) => a.reciprocal(),
  log_at_zero: ([a]) => a.log(),
  log1p_at_minus1: ([a]) => a.log1p(),
  exp_inf: ([a]) => a.exp(),
  clamp_at_bounds: ([a]) => a.clamp(-1, 1),
  clamp_min_at_bound: ([a]) => a.clamp({ min: 0 }),
  clamp_max_at_bound: ([a]) => a.clamp(null, 0),
  clamp_nan: ([a]) => a.clamp(-1, 1),
  clamp_inf_grad: ([a]) => a.clamp(-1, 1),
  clamp_tensor_bounds_ties: ([a, b, c]) => a.clamp(b, c),
  clamp_tensor_min_only: ([a, b]) => torch.clamp(a, { min: b }),
  clamp_tensor_max_only: ([a, b]) => torch.clamp(a, { max: b }),
  clamp_tensor_min_over_max: ([a, b, c]) => a.clamp(b, c),
  relu_at_zero: ([a]) => a.relu(),
  sign_grad: ([a]) => a.sign(),
  floor_grad_inf: ([a]) => a.floor(),
  round_grad: ([a]) => a.round(),
  div_by_zero: ([a, b]) => a.div(b),
  div_scalar_zero: ([a]) => a.div(0),
  mul_by_zero_inf: ([a, b]) => a.mul(b),
  atan2_origin: ([a, b]) => torch.atan2(a, b),
  remainder_by_zero: ([a, b]) => torch.remainder(a, b),
  remainder_negative: ([a, b]) => torch.remainder(a, b),
  sigmoid_saturation: ([a]) => a.sigmoid(),
  tanh_saturation: ([a]) => a.tanh(),
  erf_far: ([a]) => a.erf(),
  where_inf_grad: ([a, b]) => torch.where(a.gt(0), a, b),
  where_nan_unselected: ([a, b]) => torch.where(a.gt(0), a, b),
  add_nan: ([a, b]) => a.add(b),
  mul_nan: ([a, b]) => a.mul(b),
  exp_nan_grad: ([a]) => a.exp(),
};

describe('elementwise backward at the edges vs PyTorch', () => {
  runCases('edges_elementwise', elementwise, { file: 'grads.json', gradFnNames: true, gradcheck: false });
});

const reductions: Record<string, Op> = {
  max_all_ties: ([a]) => a.max(),
  min_all_ties: ([a]) => a.min(),
  max_all_nan: ([a]) => a.max(),
  min_all_nan: ([a]) => a.min(),
  max_all_inf_grad: ([a]) => a.max(),
  max_all_float64_ties: ([a]) => a.max(),
  max_dim_ties: ([a]) => pair(a.max(1))[0],
  max_dim_ties_indices: ([a]) => pair(a.max(1))[1],
  max_dim_keepdim_ties: ([a]) => pair(a.max(0, true))[0],
  min_dim_ties: ([a]) => pair(a.min(0))[0],
  max_dim_nan: ([a]) => pair(a.max(1))[0],
  max_dim_nan_indices: ([a]) => pair(a.max(1))[1],
  amax_ties: ([a]) => a.amax(),
  amax_dim_ties: ([a]) => a.amax(1),
  amax_dims_keepdim: ([a]) => a.amax([0, 2], true),
  amin_ties: ([a]) => torch.amin(a, 0),
  amax_nan: ([a]) => a.amax(1),
  prod_one_zero: ([a]) => a.prod(),
  prod_two_zeros: ([a]) => a.prod(),
  prod_dim_zeros: ([a]) => a.prod(1),
  prod_dim_keepdim_zero: ([a]) => a.prod(0, true),
  prod_inf: ([a]) => a.prod(),
  prod_all_zero: ([a]) => a.prod(),
  prod_0d: ([a]) => a.prod(),
  sum_inf: ([a]) => a.sum(),
  mean_empty: ([a]) => a.mean(),
  mean_empty_dim: ([a]) => a.mean(0),
  mean_nan: ([a]) => a.mean(1),
};

describe('reduction backward at ties, zeros, NaNs and empty input vs PyTorch', () => {
  runCases('edges_reductions', reductions, { file: 'grads.json', gradFnNames: true, gradcheck: false });

  it('amax/amin of an empty slice is an error, as in PyTorch', () => {
    expect(() => torch.zeros(0, 3).amax(0)).toThrow('amax(): Expected reduction dim 0 to have non-zero size.');
    expect(() => torch.zeros(0, 3).amin()).toThrow('amin(): Expected reduction dim 0 to have non-zero size.');
  });
});

const nn: Record<string, Op> = {
  softmax_neg_inf: ([a]) => a.softmax(1),
  softmax_all_neg_inf: ([a]) => a.softmax(0),
  log_softmax_neg_inf: ([a]) => a.logSoftmax(1),
  softmax_saturated: ([a]) => a.softmax(0),
  leaky_relu_at_zero: ([a]) => F.leakyRelu(a, 0.2),
  gelu_extremes: ([a]) => F.gelu(a),
  gelu_tanh_extremes: ([a]) => F.gelu(a, { approximate: 'tanh' }),
  gelu_nan: ([a]) => F.gelu(a),
  silu_extremes: ([a]) => F.silu(a),
  silu_inf: ([a]) => F.silu(a),
  bce_logits_at_zero: ([a, b]) => F.binaryCrossEntropyWithLogits(a, b),
  bce_logits_extremes: ([a, b]) => F.binaryCrossEntropyWithLogits(a, b, { reduction: 'none' }),
  bce_logits_pos_weight_at_zero: ([a, b, c]) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: c }),
  bce_logits_weight_sum: ([a, b, c]) => F.binaryCrossEntropyWithLogits(a, b, { weight: c, reduction: 'sum' }),
  l1_loss_at_zero: ([a, b]) => F.l1Loss(a, b),
  mse_loss_at_zero: ([a, b]) => F.mseLoss(a, b),
  cross_entropy_neg_inf_logit: ([a, b]) => F.crossEntropy(a, b),
  layer_norm_constant: ([a]) => F.layerNorm(a, [3]),
  batch_norm_constant_channel: ([a]) => F.batchNorm(a, null, null, { training: true }),
};

describe('softmax and nn.functional backward at the edges vs PyTorch', () => {
  runCases('edges_nn', nn, { file: 'grads.json', gradFnNames: true, gradcheck: false });
});

describe('the rewritten backwards at smooth points: float64 gradchecks', () => {
  const f64 = (values: number[], shape?: number[]) => {
    const t = torch.tensor(values, { dtype: torch.float64 });
    return (shape ? t.reshape(...shape) : t).requiresGrad_();
  };
  const x = () => f64([0.3, -1.7, 2.2, -0.4, 1.1, -2.9], [2, 3]);

  it('amax / amin over dims (no ties)', () => {
    gradcheck((a) => a.amax(), [x()]);
    gradcheck((a) => a.amax(1, true), [x()]);
    gradcheck((a) => torch.amin(a, [0, 1]), [x()]);
    gradcheck((a) => a.max(), [x()]);
  });

  it('maximum, minimum and clamp with tensor bounds (away from ties and bounds)', () => {
    const lo = () => f64([0.1, -1.0, 1.5, 0.0, 0.2, -3.5], [2, 3]);
    const hi = () => f64([1.0], [1]);
    gradcheck((a, b) => torch.maximum(a, b), [x(), lo()]);
    gradcheck((a, b) => torch.minimum(a, b), [x(), lo()]);
    gradcheck((a, b, c) => a.clamp(b, c), [x(), lo(), hi()]);
    gradcheck((a, b) => a.clamp({ min: b }), [x(), lo()]);
    gradcheck((a) => a.clamp(-1, 1).relu(), [x()]);
  });

  it('pow with tensor and scalar bases, where, div', () => {
    const e = () => f64([0.5, -1.5, 2.0, 1.0, -0.5, 3.0], [2, 3]);
    gradcheck((a, b) => torch.pow(a.abs(), b), [x(), e()]);
    gradcheck((b) => torch.pow(2.5, b), [e()]);
    gradcheck((a, b) => torch.where(a.gt(0), a, b), [x(), e()]);
    gradcheck((a, b) => a.div(b), [x(), e()]);
  });

  it('binaryCrossEntropyWithLogits: input and target, with weight and posWeight', () => {
    const y = () => f64([0.0, 1.0, 0.3, 0.7, 1.0, 0.0], [2, 3]);
    const w = torch.tensor([0.5, 2.0, 1.0], { dtype: torch.float64 });
    const pw = torch.tensor([2.0, 0.5, 1.5], { dtype: torch.float64 });
    gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b), [x(), y()]);
    gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { weight: w, reduction: 'sum' }), [x(), y()]);
    gradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: pw, reduction: 'none' }), [x(), y()]);
  });
});

describe('max/min-like reductions over an empty dim: PyTorch\'s errors', () => {
  it('name the op and the dim', () => {
    const e = () => torch.zeros(0, 3);
    expect(() => e().max(0)).toThrow('max(): Expected reduction dim 0 to have non-zero size.');
    expect(() => e().min(0)).toThrow('min(): Expected reduction dim 0 to have non-zero size.');
    expect(() => e().argmax(0)).toThrow('argmax(): Expected reduction dim 0 to have non-zero size.');
    expect(() => e().argmin()).toThrow('argmin(): Expected reduction dim to be specified for input.numel() == 0.');
    expect(() => e().max()).toThrow(/^max\(\): Expected reduction dim to be specified for input.numel\(\) == 0/);
    expect(pair(e().max(1))[0].shape).toEqual([0]);
  });
});
