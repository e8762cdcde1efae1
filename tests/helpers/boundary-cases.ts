/**
 * Calls that break the declared native contract on purpose, run by
 * tests/native-boundary.test.ts in a child process (helpers/isolated.ts): each must end in
 * an Error, and a crash fails its test instead of killing the runner.
 */
import * as torch from '../../src/index.js';
import * as call from '../../src/native/calls.generated.js';
import { BinaryOp, RandomKind, UnaryOp } from '../../src/native/enums.generated.js';
import { fresh, layoutOf } from '../../src/native/meta.js';
import { native } from '../../src/native/addon.js';

const z = (n: number) => torch.zeros(n);

const x = () => torch.zeros([2, 3]);

// A cuDNN convolution's trailing arguments: stride, padding, dilation (D, H, W each), groups
// and the math flags, for a 3x3 kernel with padding 1 in H and W.
const convTail = (groups: number) => [1, 1, 1, 0, 1, 1, 1, 1, 1, groups, true, false, false] as const;

export const cases: Record<string, () => unknown> = {
  // Kernel entries: the checks generated from `input: in [R, C]` run before any device code.
  kernel_strided_input: () => call.logsumexp(fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [2, 3], [1, 2])),
  kernel_rows_disagree: () => call.logsumexp(fresh(torch.float32, [5]), x()),
  kernel_wrong_rank: () => call.logsumexp(fresh(torch.float32, [2, 1]), x()),
  kernel_int_input: () => call.logsumexp(fresh(torch.int64, [2]), torch.zeros([2, 3], { dtype: torch.int64 })),
  // (a [2, 3] float32 storage holds 64 bytes: the allocator rounds up, and the check uses what it holds)
  kernel_view_past_storage: () => call.logsumexp(fresh(torch.float32, [40]), layoutOf(x(), torch.float32, 0, [40, 3], [3, 1])),
  backward_result_short: () => {
    const t = x();
    return call.logsumexpBackward(fresh(torch.float32, [2, 3]), torch.ones(2), t, torch.ones(1));
  },
  // Every entry: views are bounds-checked (and their offsets overflow-checked) as they are read.
  unary_offset_past_storage: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [3]), layoutOf(x(), torch.float32, 100, [3], [1]), NaN, NaN),
  unary_huge_stride: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [2], [2 ** 52]), NaN, NaN),
  unary_negative_size: () => call.unary(UnaryOp.Exp, fresh(torch.float32, [2]), layoutOf(x(), torch.float32, 0, [-2], [1]), NaN, NaN),
  // The flat unary entry (no meta buffer) checks its range against the storage itself.
  unary_flat_past_storage: () => call.unaryFlat(UnaryOp.Exp, null, x()._handle(), 20, 10, torch.float32.code, NaN, NaN),
  unary_flat_negative_count: () => call.unaryFlat(UnaryOp.Exp, null, x()._handle(), 0, -1, torch.float32.code, NaN, NaN),
  // gemm's bias (addmm's input): a view past its storage, a negative stride, a batch of two.
  gemm_bias_past_storage: () => call.gemm(null, x()._handle()!, x()._handle()!, torch.float32.code, 2, 3, 3, 1, false, true, 0, 3, 0, 0, 3, 0, 0, 3, 6, 1, 1, z(3)._handle(), 0, 100, 1),
  gemm_bias_negative_stride: () => call.gemm(null, x()._handle()!, x()._handle()!, torch.float32.code, 2, 3, 3, 1, false, true, 0, 3, 0, 0, 3, 0, 0, 3, 6, 1, 1, z(3)._handle(), 2, 0, -1),
  gemm_bias_batched: () => call.gemm(null, x()._handle()!, x()._handle()!, torch.float32.code, 1, 3, 3, 2, false, true, 0, 3, 3, 0, 3, 3, 0, 3, 3, 1, 1, z(3)._handle(), 0, 0, 1),
  // Entries added with issue 13: random state, permutations, poisson, activation
  // gradients, scatterReduce and LAPACK.
  permutation_2d: () => call.fillRandom(RandomKind.Permutation, torch.zeros([2, 3], { dtype: torch.int64 }), 0, 0),
  permutation_past_storage: () =>
    call.fillRandom(RandomKind.Permutation, layoutOf(torch.zeros([2], { dtype: torch.int64 }), torch.int64, 0, [40], [1]), 0, 0),
  storage_device_not_a_handle: () => call.storageDevice({} as never),
  storage_device_released: () => {
    const handle = torch.ones(2)._handle()!;
    call.release(handle);
    return call.storageDevice(handle);
  },
  rng_state_short: () => call.setRngState(0, new Uint8Array(10)),
  rng_state_invalid: () => {
    const bytes = new Uint8Array(call.getRngState(0));
    bytes.fill(0, 8, 12); // left = 0: the next draw would read before the state array
    return call.setRngState(0, bytes);
  },
  poisson_rates_disagree: () => call.poisson(fresh(torch.float32, [5]), torch.ones(3)),
  poisson_int_rates: () => call.poisson(fresh(torch.int64, [3]), torch.ones([3], { dtype: torch.int64 })),
  poisson_past_storage: () => call.poisson(fresh(torch.float32, [40]), layoutOf(torch.ones(2), torch.float32, 0, [40], [1])),
  // Entries added with torch.distributions: Gamma sampling and its gradients.
  gamma_alpha_disagree: () => call.standardGamma(fresh(torch.float32, [5]), torch.ones(3)),
  gamma_int_alpha: () => call.standardGamma(fresh(torch.int64, [3]), torch.ones([3], { dtype: torch.int64 })),
  gamma_negative_alpha: () => call.standardGamma(fresh(torch.float32, [2]), torch.tensor([1, -1], { dtype: torch.float32 })),
  gamma_past_storage: () => call.standardGamma(fresh(torch.float32, [40]), layoutOf(torch.ones(2), torch.float32, 0, [40], [1])),
  gamma_grad_short: () => call.standardGammaGrad(fresh(torch.float64, [4]), torch.ones(4).double(), torch.ones(3).double()),
  binomial_prob_short: () => call.binomial(fresh(torch.float32, [3]), torch.ones(3), torch.ones(2)),
  binomial_past_storage: () => call.binomial(fresh(torch.float32, [40]), layoutOf(torch.ones(2), torch.float32, 0, [40], [1]), torch.ones(40)),
  dirichlet_grad_mixed_dtypes: () => call.dirichletGrad(fresh(torch.float32, [2]), torch.ones(2), torch.ones(2).double(), torch.ones(2)),
  activation_backward_short: () => call.activationBackward(fresh(torch.float32, [6]), torch.ones(6), torch.ones(4), UnaryOp.Elu, 1, 0),
  scatter_reduce_index_out_of_range: () =>
    call.scatterReduce(BinaryOp.Mul, torch.ones(3), 0, torch.tensor([0, 7]), torch.ones(2)),
  lapack_lu_not_square: () => call.linalgLu(fresh(torch.float32, [1, 2, 2]), fresh(torch.float32, [1, 2]), fresh(torch.float32, [1]), torch.zeros([1, 2, 3])),
  lapack_solve_past_storage: () =>
    call.linalgSolve(fresh(torch.float32, [1, 40, 1]), fresh(torch.float32, [1]), layoutOf(x(), torch.float32, 0, [1, 40, 40], [1600, 40, 1]), torch.zeros([1, 40, 1])),
  // geqrf and ormqr (torch.geqrf / torch.ormqr): tau's length and the reflectors' rows are the kernel's own checks.
  lapack_geqrf_tau_short: () => call.linalgGeqrf(fresh(torch.float32, [1, 3, 2]), fresh(torch.float32, [1, 1]), torch.zeros([1, 3, 2])),
  lapack_ormqr_reflector_rows: () =>
    call.linalgOrmqr(fresh(torch.float32, [1, 3, 2]), torch.zeros([1, 4, 2]), torch.zeros([1, 2]), torch.zeros([1, 3, 2]), true, false),
  lapack_ormqr_tau_long: () =>
    call.linalgOrmqr(fresh(torch.float32, [1, 3, 2]), torch.zeros([1, 3, 1]), torch.zeros([1, 2]), torch.zeros([1, 3, 2]), true, false),
  lapack_ormqr_past_storage: () =>
    call.linalgOrmqr(fresh(torch.float32, [1, 40, 2]), layoutOf(x(), torch.float32, 0, [1, 40, 40], [1600, 40, 1]), torch.zeros([1, 2]), torch.zeros([1, 40, 2]), true, false),
  // trsm (linalg.solveTriangular): A's width against B's rows or columns is the kernel's own check.
  lapack_trsm_width: () =>
    call.linalgTrsm(fresh(torch.float32, [1, 3, 2]), torch.zeros([1, 2, 2]), torch.zeros([1, 3, 2]), true, true, false, false),
  lapack_trsm_past_storage: () =>
    call.linalgTrsm(fresh(torch.float32, [1, 40, 2]), layoutOf(x(), torch.float32, 0, [1, 40, 40], [1600, 40, 1]), torch.zeros([1, 40, 2]), true, false, false, false),
  // Entries added with issue 11: F.interpolate's kernels.
  upsample_empty_input: () =>
    call.upsampleNearest(fresh(torch.float32, [1, 1, 2, 2]), layoutOf(x(), torch.float32, 0, [1, 1, 0, 2], [0, 0, 2, 1]), 0, 0, 0, false),
  upsample_backward_empty_grad_input: () =>
    call.upsampleLinearBackward(fresh(torch.float32, [1, 1, 1, 0]), torch.ones([1, 1, 1, 3]), false, 0, 0, 0),
  upsample_planes_disagree: () => call.upsampleLinearBackward(fresh(torch.float32, [2, 1, 2, 2]), torch.ones([3, 1, 4, 4]), true, 0, 0, 0),
  upsample_past_storage: () =>
    call.upsampleLinear(fresh(torch.float32, [1, 1, 8, 8]), layoutOf(x(), torch.float32, 0, [1, 1, 5, 5], [25, 25, 5, 1]), false, 0, 0, 0),
  upsample_bicubic_rank: () => call.upsampleBicubic(fresh(torch.float32, [1, 1, 4, 4]), torch.ones([1, 1, 2, 2]), false, 0, 0),
  upsample_int_input: () => call.upsampleNearest(fresh(torch.int64, [1, 1, 2, 2]), torch.ones([1, 1, 1, 1], { dtype: torch.int64 }), 0, 0, 0, false),
  // Pooling (issue 11): int64 index views, and window numbers checked before any device code.
  pool_float_indices: () => call.maxPool(fresh(torch.float32, [1, 1, 1, 2]), fresh(torch.float32, [1, 1, 1, 2]), torch.zeros([1, 1, 2, 4]), 1, 2, 2, 1, 2, 2, 0, 0, 0, 1, 1, 1),
  pool_kernel_zero: () => call.maxPool(fresh(torch.float32, [1, 1, 1, 2]), fresh(torch.int64, [1, 1, 1, 2]), torch.zeros([1, 1, 2, 4]), 1, 0, 2, 1, 2, 2, 0, 0, 0, 1, 1, 1),
  pool_huge_stride: () => call.maxPool(fresh(torch.float32, [1, 1, 1, 2]), fresh(torch.int64, [1, 1, 1, 2]), torch.zeros([1, 1, 2, 4]), 1, 2, 2, 1, 2 ** 40, 2, 0, 0, 0, 1, 1, 1),
  pool_negative_padding: () => call.avgPool(fresh(torch.float32, [1, 1, 1, 2]), torch.zeros([1, 1, 2, 4]), 1, 2, 2, 1, 2, 2, 0, -1, 0, true, 0),
  pool_values_planes_disagree: () => call.maxPoolValues(fresh(torch.float32, [2, 1, 1, 2]), torch.zeros([1, 1, 4, 4]), 1, 2, 2, 1, 2, 2, 0, 0, 0, 1, 1, 1),
  pool_values_zero_stride: () => call.maxPoolValues(fresh(torch.float32, [1, 1, 1, 2]), torch.zeros([1, 1, 4, 4]), 1, 2, 2, 1, 0, 2, 0, 0, 0, 1, 1, 1),
  pool_negative_divisor: () => call.avgPoolBackward(fresh(torch.float32, [1, 1, 2, 4]), torch.zeros([1, 1, 1, 2]), 1, 2, 2, 1, 2, 2, 0, 0, 0, true, -3),
  pool_backward_indices_disagree: () =>
    call.maxPoolBackward(fresh(torch.float32, [1, 1, 2, 4]), torch.zeros([1, 1, 1, 2]), torch.zeros([1, 1, 1, 3], { dtype: torch.int64 })),
  pool_input_past_storage: () =>
    call.adaptiveAvgPool(fresh(torch.float32, [1, 1, 1, 1]), layoutOf(x(), torch.float32, 0, [1, 1, 8, 8], [64, 64, 8, 1])),
  // Convolution's im2col / col2im (issue 11): the columns' shape must be the geometry's,
  // the geometry's numbers in range, views contiguous and inside their storages.
  // The convolution entries (cuDNN on a GPU, oneDNN on the CPU for float32).
  conv_output_size: () => call.convolution(fresh(torch.float32, [1, 6, 1, 4, 4]), torch.zeros([1, 4, 1, 5, 5]), torch.zeros([6, 2, 1, 3, 3]), null, ...convTail(2)),
  conv_groups_mismatch: () => call.convolution(fresh(torch.float32, [1, 6, 1, 5, 5]), torch.zeros([1, 4, 1, 5, 5]), torch.zeros([6, 2, 1, 3, 3]), null, ...convTail(1)),
  conv_huge_stride: () =>
    call.convolution(fresh(torch.float32, [1, 6, 1, 1, 1]), torch.zeros([1, 4, 1, 5, 5]), torch.zeros([6, 2, 1, 3, 3]), null, 1, 2 ** 40, 1, 0, 1, 1, 1, 1, 1, 2, true, false, false),
  conv_weight_past_storage: () =>
    call.convolution(fresh(torch.float32, [1, 6, 1, 5, 5]), torch.zeros([1, 4, 1, 5, 5]), layoutOf(x(), torch.float32, 0, [6, 2, 1, 3, 3], [18, 9, 9, 3, 1]), null, ...convTail(2)),
  conv_backward_input_strided: () =>
    call.convolutionBackwardInput(fresh(torch.float32, [1, 4, 1, 5, 5]), layoutOf(torch.zeros(300), torch.float32, 0, [1, 6, 1, 5, 5], [300, 1, 25, 5, 1]), torch.zeros([6, 2, 1, 3, 3]), ...convTail(2)),
  conv_backward_weight_channels: () =>
    call.convolutionBackwardWeight(fresh(torch.float32, [5, 2, 1, 3, 3]), torch.zeros([1, 6, 1, 5, 5]), torch.zeros([1, 4, 1, 5, 5]), ...convTail(2)),
  conv_int_input: () =>
    call.convolution(fresh(torch.int64, [1, 6, 1, 5, 5]), torch.zeros([1, 4, 1, 5, 5]).long(), torch.zeros([6, 2, 1, 3, 3]).long(), null, ...convTail(2)),
  conv_cpu_float64: () =>
    call.convolution(fresh(torch.float64, [1, 6, 1, 5, 5]), torch.zeros([1, 4, 1, 5, 5]).double(), torch.zeros([6, 2, 1, 3, 3]).double(), null, ...convTail(2)),
  conv_cpu_backward_half: () =>
    call.convolutionBackwardInput(fresh(torch.float16, [1, 4, 1, 5, 5]), torch.zeros([1, 6, 1, 5, 5]).half(), torch.zeros([6, 2, 1, 3, 3]).half(), ...convTail(2)),
  im2col_columns_short: () => call.im2col(fresh(torch.float32, [1, 18, 3]), torch.zeros([1, 2, 1, 4, 4]), 1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  im2col_huge_padding: () => call.im2col(fresh(torch.float32, [1, 2, 1]), torch.zeros([1, 2, 1, 1, 1]), 1, 1, 1, 1, 1, 1, 0, 2 ** 40, 0, 1, 1, 1),
  im2col_zero_dilation: () => call.im2col(fresh(torch.float32, [1, 18, 4]), torch.zeros([1, 2, 1, 4, 4]), 1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 0, 1),
  im2col_kernel_too_big: () => call.im2col(fresh(torch.float32, [1, 50, 1]), torch.zeros([1, 2, 1, 4, 4]), 1, 5, 5, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  im2col_strided_image: () =>
    call.im2col(fresh(torch.float32, [1, 2, 16]), layoutOf(torch.zeros([2, 16]), torch.float32, 0, [1, 2, 1, 4, 4], [32, 1, 16, 8, 2]), 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  im2col_image_past_storage: () =>
    call.im2col(fresh(torch.float32, [1, 2, 1600]), layoutOf(x(), torch.float32, 0, [1, 2, 1, 40, 40], [3200, 1600, 1600, 40, 1]), 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  col2im_columns_past_storage: () =>
    call.col2im(fresh(torch.float32, [1, 2, 1, 4, 4]), layoutOf(x(), torch.float32, 0, [1, 18, 4], [72, 4, 1]), 1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  col2im_image_mismatch: () => call.col2im(fresh(torch.float32, [1, 3, 1, 4, 4]), torch.zeros([1, 18, 4]), 1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  col2im_half: () => call.col2im(fresh(torch.float16, [1, 2, 1, 4, 4]), torch.zeros([1, 18, 4], { dtype: torch.float16 }), 1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1),
  disposed_input: () => {
    const t = x();
    t.dispose();
    return call.logsumexp(fresh(torch.float32, [2]), t);
  },
  // The batch-norm kernels (issue 11): per-channel views must agree with the input's C.
  batch_norm_weight_channels: () =>
    call.batchNorm(fresh(torch.float32, [2, 3, 4]), fresh(torch.float32, [3]), fresh(torch.float32, [3]), torch.zeros([2, 3, 4]), torch.ones(5), null, 1e-5),
  batch_norm_past_storage: () =>
    call.batchNorm(fresh(torch.float32, [2, 3, 40]), fresh(torch.float32, [3]), fresh(torch.float32, [3]), layoutOf(x(), torch.float32, 0, [2, 3, 40], [120, 40, 1]), null, null, 1e-5),
  batch_norm_eval_mean_short: () =>
    call.batchNormEval(fresh(torch.float32, [2, 3, 1]), torch.zeros([2, 3, 1]), torch.ones(2), torch.ones(3), null, null, 1e-5),
  batch_norm_backward_dtype: () =>
    call.batchNormBackward(null, null, null, torch.zeros([2, 3, 1]), torch.zeros([2, 3, 1], { dtype: torch.float64 }), torch.ones(3), torch.ones(3), null, true),
  batch_norm_backward_grad_input_shape: () =>
    call.batchNormBackward(fresh(torch.float32, [2, 3, 5]), null, null, torch.zeros([2, 3, 1]), torch.zeros([2, 3, 1]), torch.ones(3), torch.ones(3), null, true),
  // The recurrent layers' fused steps (native/cpu/rnn.cc): gate widths, dtypes, strides
  // and views past their storage are refused before a kernel runs.
  lstm_cell_gate_width: () => {
    const v = (shape: number[]) => torch.zeros(shape);
    return call.lstmCell(v([2, 3]), v([2, 3]), v([2, 4, 3]), v([2, 4, 3]), v([2, 4, 5]), v([2, 3]));
  },
  // The dynamic int8 product (quantizedLinearDynamic): an int8 [K, N] weight, 1 or N scales.
  qlinear_float_weight: () => call.quantizedLinearDynamic(fresh(torch.float32, [2, 4]), x(), torch.zeros([3, 4]), torch.ones(1), null, true),
  qlinear_inner_mismatch: () => call.quantizedLinearDynamic(fresh(torch.float32, [2, 4]), x(), torch.zeros([5, 4], { dtype: torch.int8 }), torch.ones(1), null, true),
  qlinear_scales_count: () => call.quantizedLinearDynamic(fresh(torch.float32, [2, 4]), x(), torch.zeros([3, 4], { dtype: torch.int8 }), torch.ones(3), null, true),
  qlinear_weight_past_storage: () =>
    call.quantizedLinearDynamic(fresh(torch.float32, [2, 40]), x(), layoutOf(torch.zeros([3, 4], { dtype: torch.int8 }), torch.int8, 0, [3, 40], [40, 1]), torch.ones(1), null, true),
  qlinear_bias_short: () => call.quantizedLinearDynamic(fresh(torch.float32, [2, 4]), x(), torch.zeros([3, 4], { dtype: torch.int8 }), torch.ones(1), torch.ones(3), true),
  lstm_cell_out_past_storage: () => {
    const v = (shape: number[]) => torch.zeros(shape);
    return call.lstmCell(layoutOf(x(), torch.float32, 0, [40, 3], [3, 1]), v([40, 3]), v([40, 4, 3]), v([40, 4, 3]), v([40, 4, 3]), v([40, 3]));
  },
  lstm_backward_dtype: () => {
    const v = (shape: number[]) => torch.zeros(shape);
    return call.lstmCellBackward(v([2, 4, 3]), v([2, 3]), torch.zeros([2, 3], { dtype: torch.float64 }), null, v([2, 3]), v([2, 4, 3]), v([2, 3]), v([2, 3]));
  },
  gru_cell_bias_gates: () => {
    const v = (shape: number[]) => torch.zeros(shape);
    return call.gruCell(v([2, 3]), v([2, 4, 3]), v([2, 3, 3]), v([2, 3, 3]), v([2, 3]), v([2, 3]));
  },
  gru_backward_gates_past_storage: () => {
    const v = (shape: number[]) => torch.zeros(shape);
    return call.gruCellBackward(v([8, 3, 3]), v([8, 3, 3]), v([8, 3]), v([8, 3]), null, layoutOf(x(), torch.float32, 0, [8, 4, 3], [12, 3, 1]), v([8, 3]));
  },
  rnn_cell_strided: () => call.rnnCell(torch.zeros([3, 2]), layoutOf(x(), torch.float32, 0, [3, 2], [1, 3]), torch.zeros([3, 2]), false),
  rnn_backward_rows_disagree: () => call.rnnCellBackward(torch.zeros([2, 3]), torch.zeros([2, 3]), torch.zeros([5, 3]), torch.zeros([2, 3]), true),
  // The fused attention kernels (issue 12): [B, H, rows, width] views, q/k/v/out with
  // strided rows (each row contiguous); mask dims broadcast or match.
  attention_rows_not_contiguous: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), layoutOf(x(), torch.float32, 0, [2, 2, 3, 2], [0, 0, 1, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), null, null, 1, false),
  attention_rows_past_storage: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), layoutOf(torch.zeros(8), torch.float32, 0, [2, 2, 3, 2], [12, 2, 4, 1]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), null, null, 1, false),
  attention_out_rows_past_storage: () =>
    call.attentionForward(layoutOf(torch.zeros(8), torch.float32, 0, [2, 2, 3, 2], [12, 2, 4, 1]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), null, null, 1, false),
  attention_mask_keys: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([1, 1, 1, 4]), null, 1, false),
  attention_mask_batch: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([4, 1, 1, 5]), null, 1, false),
  attention_mask_past_storage: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), layoutOf(torch.zeros(5), torch.float32, 0, [2, 2, 3, 5], [30, 15, 5, 1]), null, 1, false),
  attention_keys_short: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 6, 2]), null, null, 1, false),
  attention_backward_lse_short: () =>
    call.attentionBackward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 5, 2]), fresh(torch.float32, [2, 2, 5, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 2]), null, null, 1, false),
  attention_dropout_shape: () =>
    call.attentionForward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 3]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), null, torch.zeros([2, 2, 3, 4]), 1, false),
  attention_dropout_past_storage: () =>
    call.attentionBackward(fresh(torch.float32, [2, 2, 3, 2]), fresh(torch.float32, [2, 2, 5, 2]), fresh(torch.float32, [2, 2, 5, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 5, 2]), torch.zeros([2, 2, 3, 2]), torch.zeros([2, 2, 3]), null, layoutOf(torch.zeros(8), torch.float32, 0, [2, 2, 3, 5], [30, 15, 5, 1]), 1, false),
  attention_int_query: () =>
    call.attentionForward(fresh(torch.int64, [1, 1, 1, 1]), fresh(torch.int64, [1, 1, 1]), torch.zeros([1, 1, 1, 1], { dtype: torch.int64 }), torch.zeros([1, 1, 1, 1], { dtype: torch.int64 }), torch.zeros([1, 1, 1, 1], { dtype: torch.int64 }), null, null, 1, false),
  // Half floats are fused on CUDA only; lse is kept in the accumulation dtype.
  attention_half_on_cpu: () =>
    call.attentionForward(fresh(torch.float16, [1, 1, 2, 2]), fresh(torch.float32, [1, 1, 2]), torch.zeros([1, 1, 2, 2], { dtype: torch.float16 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float16 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float16 }), null, null, 1, false),
  attention_lse_narrow: () =>
    call.attentionForward(fresh(torch.float32, [1, 1, 2, 2]), fresh(torch.float16, [1, 1, 2]), torch.zeros([1, 1, 2, 2]), torch.zeros([1, 1, 2, 2]), torch.zeros([1, 1, 2, 2]), null, null, 1, false),
  attention_backward_lse_float32_for_float64: () =>
    call.attentionBackward(fresh(torch.float64, [1, 1, 2, 2]), fresh(torch.float64, [1, 1, 2, 2]), fresh(torch.float64, [1, 1, 2, 2]), torch.zeros([1, 1, 2, 2], { dtype: torch.float64 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float64 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float64 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float64 }), torch.zeros([1, 1, 2, 2], { dtype: torch.float64 }), torch.zeros([1, 1, 2]), null, null, 1, false),
  // cuDNN's RNN API: CUDA only; its config an Int32Array of the stack and its lengths.
  cudnn_rnn_plan_on_cpu: () => call.cudnnRnnPlan(0, Int32Array.from([2, 4, 5, 5, 1, 0, 1, 0, 0, 1, 3]), 0),
  cudnn_rnn_config_short: () =>
    call.cudnnRnnForward(fresh(torch.float32, [3, 5]), fresh(torch.float32, [1, 1, 5]), null, null, torch.zeros([3, 4]), torch.zeros([1, 1, 5]), null, torch.zeros([10]), new Int32Array(3), 0),
  cudnn_rnn_config_not_int32: () =>
    call.cudnnRnnBackwardWeights(fresh(torch.float32, [10]), torch.zeros([3, 4]), torch.zeros([1, 1, 5]), torch.zeros([3, 5]), torch.zeros([4], { dtype: torch.uint8 }), new Float64Array(12), 0),
  // The optimizers' fused group steps (issue 13): lists of one length, every element of one
  // dtype and length with its row, inside its storage; an optional list empty or full.
  adam_step_dtypes: () => call.adamStep([z(4)], [z(4)], [z(4)], [torch.zeros(4, { dtype: torch.float64 })], [], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  adam_step_lengths: () => call.adamStep([z(4)], [z(3)], [z(4)], [z(4)], [], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  adam_step_past_storage: () =>
    call.adamStep([layoutOf(z(4), torch.float32, 0, [100], [1])], [z(100)], [z(100)], [z(100)], [], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  adam_step_list_lengths: () => call.adamStep([z(4), z(2)], [z(4), z(2)], [z(4)], [z(4), z(2)], [], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  adam_step_optional_list_short: () =>
    call.adamStep([z(4), z(2)], [z(4), z(2)], [z(4), z(2)], [z(4), z(2)], [z(4)], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  adam_step_second_row: () =>
    call.adamStep([z(4), z(2)], [z(4), z(2)], [z(4), z(2)], [z(4), layoutOf(z(6), torch.float32, 0, [2], [3])], [], 1e-3, 0.9, 0.999, 1e-8, 0, true, false, 1, 1),
  sgd_step_empty: () => call.sgdStep([], [], [], 0.1, 0, 0, 0, false, false, false),
  sgd_step_dtype_mix: () => call.sgdStep([z(3), torch.zeros(3, { dtype: torch.float64 })], [z(3), torch.zeros(3, { dtype: torch.float64 })], [], 0.1, 0, 0, 0, false, false, false),
  sgd_step_int: () => call.sgdStep([torch.zeros(3, { dtype: torch.int64 })], [torch.zeros(3, { dtype: torch.int64 })], [], 0.1, 0, 0, 0, false, false, false),
  sgd_step_not_array: () => native.sgdStep(null as never, [], [], 0.1, 0, 0, 0, false, false, false),
  sgd_step_disposed_element: () => {
    const gone = z(3);
    gone.dispose();
    return call.sgdStep([z(3), gone], [z(3), z(3)], [], 0.1, 0, 0, 0, false, false, false);
  },
};
