/**
 * The JS/native boundary is declared once (native/napi/entries.mjs) and generated into both
 * languages. These tests catch what generation alone cannot: an addon or a CUDA library
 * built from other sources than the TypeScript that drives it, and calls that break the
 * declared contract.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from 'flint-torch';
import { native, nativeInfo } from '../src/native/addon.js';
import { ENUM_TABLE } from '../src/native/enums.generated.js';
import { runIsolated } from './helpers/isolated.js';

const root = new URL('..', import.meta.url).pathname;
// Whether this machine's CPU convolves through oneDNN (the convolution entries' outcome).
const ONEDNN = torch.backends.mkldnn.isAvailable();
const sourceAbi = spawnSync(process.execPath, ['scripts/generate-bindings.mjs', '--abi'], { cwd: root, encoding: 'utf8' }).stdout.trim();

describe('the addon agrees with the TypeScript that drives it', () => {
  it('every enum has the same names and codes on both sides', () => {
    expect(Object.keys(ENUM_TABLE).length).toBeGreaterThanOrEqual(9);
    expect(nativeInfo.enums).toEqual(ENUM_TABLE);
  });

  it('the loaded addon was built from the interface in this tree (its ABI hash)', () => {
    expect(sourceAbi).toMatch(/^[0-9a-f]{16}$/);
    expect(nativeInfo.abi).toBe(sourceAbi);
  });

  it('every declared entry point is exported, and nothing else', () => {
    const declared = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./native/napi/entries.mjs'); console.log(JSON.stringify(Object.keys(m.entries)))"],
      { cwd: root, encoding: 'utf8' },
    );
    expect(Object.keys(native).sort()).toEqual((JSON.parse(declared.stdout) as string[]).sort());
  });
});

describe('calls that break the declared contract get an Error, never a crash', () => {
  const loose = native as unknown as Record<string, (...args: unknown[]) => unknown>;

  it('a wrong argument count', () => {
    expect(() => loose.unary(0, null)).toThrow('internal: unary takes 5 arguments, got 2');
  });

  it('an enum code outside its enum', () => {
    const t = torch.zeros(2);
    expect(() => loose.fillRandom(7, t._handle(), 0, 1)).toThrow('fillRandom: kind: unknown RandomKind code 7');
    expect(() => loose.binaryFlat(99, null, null, 0, null, 0, 0, 0, 0)).toThrow('unknown BinaryOp code 99');
  });

  it('a scalar of the wrong kind', () => {
    expect(() => loose.getNumThreads()).not.toThrow();
    expect(() => loose.setNumThreads('2')).toThrow('setNumThreads: threads must be an integer');
    expect(() => loose.manualSeed(0, 5)).toThrow('manualSeed: seed must be a bigint');
    expect(() => loose.setAsyncCpu('yes')).toThrow('setAsyncCpu: enabled must be a boolean');
    expect(() => loose.asyncCpuPending(1)).toThrow('internal: asyncCpuPending takes 0 arguments, got 1');
    expect(loose.asyncCpuPending()).toBe(0);
  });
});

describe('bad views given to native entry points end in an Error (each in a child process)', () => {
  const CASES = new URL('./helpers/boundary-cases.ts', import.meta.url);
  const expected: Record<string, string> = {
    kernel_strided_input: 'logsumexp: input must be contiguous',
    kernel_rows_disagree: "logsumexp: input's dim 0 is 2, but another view has 5 there",
    kernel_wrong_rank: 'logsumexp: out must have 1 dims, got 2',
    kernel_int_input: 'logsumexp: input must be float32 or float64, got int64',
    kernel_view_past_storage: 'view needs 480 bytes but its storage holds 64',
    backward_result_short: "logsumexpBackward: result's dim 0 is 1, but another view has 2 there",
    unary_offset_past_storage: 'view needs 412 bytes but its storage holds 64',
    unary_huge_stride: 'view needs 18014398509481988 bytes but its storage holds 64',
    unary_negative_size: 'numel: integer multiplication overflow',
    unary_flat_past_storage: 'view needs 120 bytes but its storage holds 64',
    unary_flat_negative_count: 'numel: integer multiplication overflow',
    permutation_2d: 'randperm: expected a 1-D output, but found 2 dimensions',
    permutation_past_storage: 'view needs 320 bytes but its storage holds 64',
    storage_device_not_a_handle: 'expected a storage handle',
    storage_device_released: 'tensor has been disposed',
    rng_state_short: 'Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10',
    rng_state_invalid: 'Invalid mt19937 state',
    poisson_rates_disagree: "poisson: rates's dim 0 is 3, but another view has 5 there",
    poisson_int_rates: 'poisson: rates must be float32 or float64, got int64',
    poisson_past_storage: 'view needs 160 bytes but its storage holds 64',
    gamma_alpha_disagree: "standardGamma: alpha's dim 0 is 3, but another view has 5 there",
    gamma_int_alpha: 'standardGamma: alpha must be float32 or float64, got int64',
    gamma_negative_alpha: 'torch._standard_gamma: expected every concentration to be non-negative',
    gamma_past_storage: 'view needs 160 bytes but its storage holds 64',
    gamma_grad_short: "standardGammaGrad: sample's dim 0 is 3, but another view has 4 there",
    binomial_prob_short: "binomial: prob's dim 0 is 2, but another view has 3 there",
    binomial_past_storage: 'view needs 160 bytes but its storage holds 64',
    dirichlet_grad_mixed_dtypes: 'dirichletGrad',
    activation_backward_short: "activationBackward: input's dim 0 is 4, but another view has 6 there",
    scatter_reduce_index_out_of_range: 'index 7 is out of bounds for dimension 0 with size 3',
    lapack_lu_not_square: "linalgLu: input's dim 2 is 3, but another view has 2 there",
    lapack_solve_past_storage: 'but its storage holds 64',
    lapack_geqrf_tau_short: 'linalgGeqrf: tau must have min(M, N) values',
    lapack_ormqr_reflector_rows: 'linalgOrmqr: the reflectors must have as many rows as op(Q) has',
    lapack_ormqr_tau_long: 'linalgOrmqr: tau has more values than there are reflectors',
    lapack_ormqr_past_storage: 'but its storage holds 64',
    lapack_trsm_width: "linalgTrsm: A must be as wide as B's rows (left) or columns (right)",
    lapack_trsm_past_storage: 'but its storage holds 64',
    upsample_empty_input: 'upsampleNearest: out has elements but input has none',
    upsample_backward_empty_grad_input: 'upsampleLinearBackward: gradOutput has elements but gradInput has none',
    upsample_planes_disagree: "upsampleLinearBackward: gradOutput's dim 0 is 3, but another view has 2 there",
    upsample_past_storage: 'view needs 100 bytes but its storage holds 64',
    upsample_bicubic_rank: 'upsampleBicubic: out must have 3 dims, got 4',
    upsample_int_input: 'upsampleNearest: input must be float32 or float64, got int64',
    pool_float_indices: 'maxPool: indices must be int64, got float32',
    pool_kernel_zero: 'maxPool: kernel size must be in [1, 2^31), got 0',
    pool_huge_stride: 'maxPool: stride must be in [1, 2^31), got 1099511627776',
    pool_negative_padding: 'avgPool: padding must be in [0, 2^31), got -1',
    pool_values_planes_disagree: "maxPoolValues: input's dim 0 is 1, but another view has 2 there",
    pool_values_zero_stride: 'maxPoolValues: stride must be in [1, 2^31), got 0',
    pool_negative_divisor: 'avgPoolBackward: divisorOverride must be in [0, 2^31), got -3',
    pool_backward_indices_disagree: "maxPoolBackward: indices's dim 3 is 3, but another view has 2 there",
    pool_input_past_storage: 'view needs 256 bytes but its storage holds 64',
    conv_output_size: 'convolution: spatial dim 1 of the output is 4, but an image of 5 with this kernel, stride, padding and dilation gives 5',
    conv_groups_mismatch: 'convolution: the weight takes 2 channels per group over 1 groups, but the image has 4',
    conv_huge_stride: 'convolution: stride must be in [1, 2^31), got 1099511627776',
    conv_weight_past_storage: 'view needs 432 bytes but its storage holds',
    conv_backward_input_strided: 'convolutionBackwardInput: gradOutput must be contiguous',
    conv_backward_weight_channels: "convolutionBackwardWeight: gradOutput's dim 1 is 6, but another view has 5 there",
    conv_int_input: 'convolution: input must be a floating dtype, got int64',
    // With oneDNN installed (CI installs libdnnl2); without, the entries say it was not found.
    conv_cpu_float64: ONEDNN ? 'convolution: oneDNN convolves contiguous float32 tensors on the CPU, got float64' : 'oneDNN was not found',
    conv_cpu_backward_half: ONEDNN
      ? 'convolutionBackwardInput: oneDNN convolves contiguous float32 tensors on the CPU, got float16'
      : 'oneDNN was not found',
    im2col_columns_short: 'im2col: expected columns of shape [1, 18, 4], got [1, 18, 3]',
    im2col_huge_padding: 'im2col: padding must be in [0, 2^30], got 1099511627776',
    im2col_zero_dilation: 'im2col: dilation must be in [1, 2^30], got 0',
    im2col_kernel_too_big: 'im2col: the dilated kernel is larger than the padded image',
    im2col_strided_image: 'im2col: expected a contiguous [N, C, D, H, W] image',
    im2col_image_past_storage: 'but its storage holds 64',
    col2im_columns_past_storage: 'but its storage holds 64',
    col2im_image_mismatch: 'col2im: expected columns of shape [1, 27, 4], got [1, 18, 4]',
    col2im_half: 'col2im: expected a float32 or float64 image, got float16',
    disposed_input: 'Tensor has been disposed',
    batch_norm_weight_channels: "batchNorm: weight's dim 0 is 5, but another view has 3 there",
    batch_norm_past_storage: 'but its storage holds 64',
    batch_norm_eval_mean_short: "batchNormEval: mean's dim 0 is 2, but another view has 3 there",
    batch_norm_backward_dtype: 'batchNormBackward: input must be float32, got float64',
    batch_norm_backward_grad_input_shape: "batchNormBackward: gradOutput's dim 2 is 1, but another view has 5 there",
    qlinear_float_weight: 'quantizedLinearDynamic: weight must be int8, got float32',
    qlinear_inner_mismatch: "quantizedLinearDynamic: weight's dim 0 is 5, but another view has 3 there",
    qlinear_scales_count: 'quantizedLinearDynamic: expected 1 weight scale or one per output feature (4), got 3',
    qlinear_weight_past_storage: 'view needs 120 bytes but its storage holds 64',
    qlinear_bias_short: "quantizedLinearDynamic: bias's dim 0 is 3, but another view has 4 there",
    lstm_cell_gate_width: "lstmCell: hproj's dim 2 is 5, but another view has 3 there",
    lstm_cell_out_past_storage: 'view needs 480 bytes but its storage holds',
    lstm_backward_dtype: 'lstmCellBackward: dPre must be float64, got float32',
    gru_cell_bias_gates: 'gruCell: bhh has size 2 in dim 0',
    gru_backward_gates_past_storage: 'view needs 384 bytes but its storage holds',
    rnn_cell_strided: 'rnnCell: xproj must be contiguous',
    rnn_backward_rows_disagree: "rnnCellBackward: dhOut's dim 0 is 5, but another view has 2 there",
    attention_rows_not_contiguous: "attentionForward: q's rows must be contiguous (last stride 1), got stride 2",
    attention_rows_past_storage: 'but its storage holds',
    attention_out_rows_past_storage: 'but its storage holds',
    attention_mask_keys: "attentionForward: the mask's dim 3 (S) must be 1 or 5, got 4",
    attention_mask_batch: "attentionForward: the mask's dim 0 (batch) must be 1 or 2, got 4",
    attention_mask_past_storage: 'but its storage holds',
    attention_keys_short: "attentionForward: v's dim 2 is 6, but another view has 5 there",
    attention_backward_lse_short: "attentionBackward: lse's dim 2 is 2, but another view has 3 there",
    attention_dropout_shape: "attentionForward: dropout's dim 3 is 4, but another view has 5 there",
    attention_dropout_past_storage: 'but its storage holds',
    attention_int_query: 'attentionForward: q must be float32 or float64, got int64',
    attention_half_on_cpu: 'attentionForward: q must be float32 or float64, got float16',
    attention_lse_narrow: 'attentionForward: lse must be float32, got float16',
    attention_backward_lse_float32_for_float64: 'attentionBackward: lse must be float64, got float32',
    cudnn_rnn_plan_on_cpu: 'cuDNN RNNs need a CUDA device',
    cudnn_rnn_config_short: 'cudnnRnnForward: config must be an Int32Array of at least 11 numbers',
    cudnn_rnn_config_not_int32: 'cudnnRnnBackwardWeights: config must be an Int32Array of at least 11 numbers',
    adam_step_dtypes: 'adamStep: expAvgSqs[0] must be float32, got float64',
    adam_step_lengths: "adamStep: grads[0]'s dim 0 is 3, but another view has 4 there",
    adam_step_past_storage: 'view needs 400 bytes but its storage holds',
    adam_step_list_lengths: 'adamStep: expAvgs has 1 tensors, but the first list has 2',
    adam_step_optional_list_short: 'adamStep: maxExpAvgSqs has 1 tensors, but the first list has 2',
    adam_step_second_row: 'adamStep: expAvgSqs[1] must be contiguous',
    sgd_step_empty: 'sgdStep: params: expected at least one tensor',
    sgd_step_dtype_mix: 'sgdStep: params[1] must be float32, got float64',
    sgd_step_int: 'sgdStep: params[0] must be float32 or float64, got int64',
    sgd_step_not_array: 'sgdStep: params: expected an array of tensors',
    sgd_step_disposed_element: 'has been disposed',
    gemm_bias_past_storage: 'view needs 412 bytes but its storage holds 64',
    gemm_bias_negative_stride: 'gemm: negative bias stride or offset',
    gemm_bias_batched: 'gemm: a bias needs a batch of one',
  };
  const outcomes = runIsolated(CASES, Object.keys(expected));
  for (const [name, message] of Object.entries(expected)) {
    it(name, () => {
      const outcome = outcomes.get(name)!;
      expect(outcome.crash, `${name} crashed the process`).toBeUndefined();
      expect(outcome.error, `${name} returned ${JSON.stringify(outcome.value)}`).toBeDefined();
      expect(outcome.error).toContain(message);
    });
  }
});

// A CUDA library whose ABI hash is not the addon's must be refused before its table is
// touched: a stale build-cuda/ after a change of backend.h would otherwise call the wrong
// virtual method. Stand-in libraries, compiled here, play the stale build.
describe.runIf(spawnSync('g++', ['--version']).status === 0)('a CUDA library built from another interface is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-abi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function library(name: string, source: string): string {
    const file = join(dir, `${name}.cc`);
    writeFileSync(file, source);
    const out = join(dir, `${name}.so`);
    const built = spawnSync('g++', ['-shared', '-fPIC', '-o', out, file], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    return out;
  }

  function reasonWith(path: string): string {
    const script = "import * as torch from './src/index.ts'; console.log(JSON.stringify([torch.cuda.isAvailable(), torch.cuda.unavailableReason()]))";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FLINT_CUDA_LIB: path },
    });
    const [available, reason] = JSON.parse(child.stdout.trim().split('\n').pop()!) as [boolean, string];
    expect(available).toBe(false);
    return reason;
  }

  // flint_cuda_api would crash the process if called: the check must come first.
  const crashingTable = 'extern "C" const void* flint_cuda_api() { __builtin_trap(); }\n';

  it('another hash: the error names both builds and says to rebuild', () => {
    const path = library('stale', `extern "C" const char* flint_cuda_abi() { return "0123456789abcdef"; }\n${crashingTable}`);
    const reason = reasonWith(path);
    expect(reason).toContain(`flint's CUDA library at ${path} was built from another version of flint's native interface`);
    expect(reason).toContain(`(ABI 0123456789abcdef, this addon's is ${sourceAbi})`);
    expect(reason).toContain('rebuild it with `npm run build:cuda`');
  });

  it('no hash at all (a library from before the check)', () => {
    const reason = reasonWith(library('ancient', crashingTable));
    expect(reason).toContain('ABI none (a build older than the ABI check)');
  });
});
