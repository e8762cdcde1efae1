/**
 * The global switches (deterministic algorithms, float32 matmul precision, warn-always,
 * flush-denormal, inter-op threads), the real-tensor questions, the unsafe splits' and the
 * _copy ops' memory, and the errors of the torch-level names of tests/torch-names.test.ts,
 * against tests/fixtures/torch-names.json (scripts/make_torch_names_fixtures.py): what each
 * getter reads back after each call in PyTorch 1.13, and PyTorch's messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/torch-names.json', import.meta.url), 'utf8')) as {
  settings: Record<string, (boolean | number | string)[]>;
  errors: { key: string; type: string; message: string }[];
};

describe('the switches', () => {
  const s = FIXTURE.settings;
  const state = () => [torch.areDeterministicAlgorithmsEnabled(), torch.isDeterministicAlgorithmsWarnOnlyEnabled(), torch.getDeterministicDebugMode()];
  it('deterministic algorithms read back as in PyTorch', () => {
    expect(state()).toEqual([false, false, 0]);
    torch.useDeterministicAlgorithms(true, { warnOnly: true });
    expect(state()).toEqual(s.warn_only);
    torch.useDeterministicAlgorithms(true);
    expect(state()).toEqual(s.on);
    torch.setDeterministicDebugMode('warn');
    expect(state()).toEqual(s.mode_warn);
    torch.setDeterministicDebugMode(0);
    expect(state()).toEqual(s.mode_0);
    torch.useDeterministicAlgorithms(false, { warnOnly: true });
    expect(state()).toEqual(s.off_warn_only);
    torch.useDeterministicAlgorithms(false);
    expect(() => torch.useDeterministicAlgorithms(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => torch.setDeterministicDebugMode(1.5 as 1)).toThrow('debug_mode must be str or int');
  });
  it('the float32 matmul precision is one state with backends.cuda.matmul.allowTF32', () => {
    const seen: (string | boolean)[] = [torch.getFloat32MatmulPrecision()];
    torch.setFloat32MatmulPrecision('medium');
    seen.push(torch.getFloat32MatmulPrecision(), torch.backends.cuda.matmul.allowTF32);
    torch.backends.cuda.matmul.allowTF32 = true;
    seen.push(torch.getFloat32MatmulPrecision());
    torch.backends.cuda.matmul.allowTF32 = false;
    seen.push(torch.getFloat32MatmulPrecision());
    const warned: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((w: string | Error) => void warned.push(String(w))) as typeof process.emitWarning;
    try {
      torch.setFloat32MatmulPrecision('low' as 'high');
    } finally {
      process.emitWarning = original;
    }
    seen.push(torch.getFloat32MatmulPrecision());
    expect(seen).toEqual(s.precision);
    expect(warned[0]).toContain("low is not one of 'highest', 'high', or 'medium'");
    torch.setFloat32MatmulPrecision('highest');
    expect(torch.backends.cuda.matmul.allowTF32).toBe(false);
  });
  it('warn-always, flush-denormal, inter-op threads and the ABI question', () => {
    const seen = [torch.isWarnAlwaysEnabled()];
    torch.setWarnAlways(true);
    seen.push(torch.isWarnAlwaysEnabled());
    torch.setWarnAlways(false);
    expect(seen).toEqual(s.warn_always);
    // flint cannot set the FPU's denormal flags: false, PyTorch's answer where that is unsupported.
    expect(torch.setFlushDenormal(true)).toBe(false);
    expect(torch.tensor([1e-40]).item()).not.toBe(0);
    expect(() => torch.setFlushDenormal(1 as unknown as boolean)).toThrow(TypeError);
    expect(torch.compiledWithCxx11Abi()).toBe(process.platform === 'linux');
    expect(torch.getNumInteropThreads()).toBe(1);
    expect(() => torch.setNumInteropThreads(0)).toThrow(FIXTURE.errors.find((x) => x.key === 'interop_positive')!.message);
    torch.setNumInteropThreads(3);
    expect(torch.getNumInteropThreads()).toBe(3);
    expect(() => torch.setNumInteropThreads(2)).toThrow('cannot set number of interop threads after parallel work has started or set_num_interop_threads called');
  });
  it('real tensors are never negated or conjugated, nor distributed', () => {
    const t = torch.tensor([1.0, 2.0]);
    expect([
      torch.isNeg(t), torch.isConj(t), torch.isDistributed(t), t.isNeg(), t.isConj(), t.isDistributed(),
      torch.resolveNeg(t) === t, torch.resolveConj(t) === t, t.resolveConj() === t,
    ]).toEqual(s.real);
  });
});

describe('unsafe splits and copies', () => {
  it('unsafe pieces share the memory but are not views to autograd; _copy results own theirs', () => {
    const x = torch.arange(12, { dtype: torch.float64 }).reshape(3, 4);
    const [a] = torch.unsafeSplit(x, 2, 1);
    const [b] = torch.split(x, 2, 1);
    expect(b!._base).not.toBeNull();
    expect(a!._base).toBeNull();
    a!.fill_(-1);
    expect(x.select(1, 0).tolist()).toEqual([-1, -1, -1]);
    const c = torch.permuteCopy(x, [1, 0]);
    c.fill_(5);
    expect(x.select(1, 3).tolist()).toEqual([3, 7, 11]);
    expect(c._base).toBeNull();
  });
  it('torch.detach_ takes a tensor out of the graph in place', () => {
    const h = torch.tensor([1.0], { requiresGrad: true }).mul(2);
    expect(torch.detach_(h)).toBe(h);
    expect(h.requiresGrad).toBe(false);
    expect(h.gradFn).toBeNull();
  });
  // Values from PyTorch 1.13: b = a * 2; b.fill_(v); (b * [1, 2, 3]).sum().backward()
  // gives a.grad = [0, 0, 0], v.grad = 6 and b.grad_fn FillBackward3.
  it('fill_ with a 0-d tensor sends the gradient\'s sum to the value, and zeros to what it overwrote', () => {
    const a = torch.randn([3], { requiresGrad: true });
    const v = torch.tensor(2.0, { dtype: torch.float64, requiresGrad: true });
    const b = a.mul(2);
    b.fill_(v);
    expect(b.gradFn!.name).toBe('FillBackward3');
    b.mul(torch.tensor([1, 2, 3])).sum().backward();
    expect(a.grad!.tolist()).toEqual([0, 0, 0]);
    expect(v.grad!.item()).toBe(6);
    expect(v.grad!.dtype).toBe(torch.float64);
  });
  it('detach_ refuses a view with PyTorch\'s message, and a detached view takes no history', () => {
    const a = torch.randn([3], { requiresGrad: true });
    const b = a.mul(2);
    expect(() => b.narrow(0, 1, 2).detach_()).toThrow(/^Can't detach views in-place\. Use detach\(\) instead\./);
    expect(() => torch.zeros(3).view([3]).detach_()).toThrow(/^Can't detach views in-place/);
    const y = b.narrow(0, 0, 2).detach();
    y.fill_(1);
    y.mul_(3);
    expect(y.requiresGrad).toBe(false);
    expect(b.gradFn!.name).toBe('MulBackward0');
    b.sum().backward();
    expect(a.grad!.tolist()).toEqual([2, 2, 2]);
  });
});

/** Each recorded error, raised by the flint call that mirrors the Python one. */
const ERRORS: Record<string, () => unknown> = {
  dropout_p: () => torch.dropout(torch.zeros(2), 1.5, true),
  feature_dropout_1d: () => torch.featureDropout(torch.zeros(3), 0.5, true),
  layer_norm_shape: () => torch.layerNorm(torch.zeros(2, 3, 4), [5]),
  layer_norm_weight: () => torch.layerNorm(torch.zeros(2, 3, 4), [4], torch.zeros(3)),
  layer_norm_bias: () => torch.layerNorm(torch.zeros(2, 3, 4), [4], null, torch.zeros(2, 2)),
  group_norm_divisible: () => torch.groupNorm(torch.zeros(1, 2, 3, 4), 3),
  batch_norm_eval: () => torch.batchNorm(torch.zeros(2, 3, 4), null, null, null, null, false, 0.1, 1e-5, true),
  instance_norm_eval: () => torch.instanceNorm(torch.zeros(2, 3, 4), null, null, null, null, false, 0.1, 1e-5, true),
  frobenius_dims: () => torch.frobeniusNorm(torch.zeros(2, 3, 4), [0, 1, 2]),
  frobenius_same_dims: () => torch.frobeniusNorm(torch.zeros(2, 3, 4), [1, 1]),
  nuclear_rank: () => torch.nuclearNorm(torch.zeros(2, 3, 4)),
  nuclear_dim: () => torch.nuclearNorm(torch.zeros(2, 3, 4), [1]),
  constant_pad_odd: () => torch.constantPadNd(torch.zeros(2, 3, 4), [1]),
  constant_pad_long: () => torch.constantPadNd(torch.zeros(2, 3, 4), [1, 1, 1, 1, 1, 1, 1, 1]),
  convolution_stride: () => torch.convolution(torch.zeros(2, 3, 5, 5), torch.zeros(4, 3, 3, 3), null, [1, 1, 1], [0, 0], [1, 1], false, [0, 0], 1),
  convolution_rank: () => torch.convolution(torch.zeros(3, 5, 5), torch.zeros(4, 3, 3, 3), null, [1, 1], [0, 0], [1, 1], false, [0, 0], 1),
  conv_tbc_input: () => torch.convTbc(torch.zeros(7, 2), torch.zeros(3, 4, 5), torch.zeros(5)),
  conv_tbc_channels: () => torch.convTbc(torch.zeros(7, 2, 3), torch.zeros(3, 4, 5), torch.zeros(5)),
  conv_tbc_bias: () => torch.convTbc(torch.zeros(7, 2, 4), torch.zeros(3, 4, 5), torch.zeros(4)),
  grid_sampler_batch: () => torch.gridSampler(torch.zeros(1, 2, 3, 4), torch.zeros(2, 3, 3, 2), 0, 0, false),
  grid_sampler_3d_rank: () => torch.gridSampler3d(torch.zeros(1, 2, 3, 4), torch.zeros(1, 3, 3, 2), 0, 0, false),
  grid_sampler_bicubic_3d: () => torch.gridSampler3d(torch.zeros(1, 2, 3, 3, 3), torch.zeros(1, 2, 2, 2, 3), 2, 0, false),
  affine_grid_rank: () => torch.affineGridGenerator(torch.zeros(2, 2, 3), [2, 3, 4], false),
  rrelu_bounds: () => torch.rrelu(torch.zeros(2), 0.3, 0.1, true),
  embedding_weight: () => torch.embedding(torch.zeros(5), torch.tensor([1])),
  embedding_renorm_dim: () => torch.embeddingRenorm_(torch.zeros(5), torch.tensor([1]), 1, 2),
  embedding_renorm_type: () => torch.embeddingRenorm_(torch.zeros(5, 3), torch.tensor([1.5]), 1, 2),
  embedding_bag_psw: () => torch.embeddingBag(torch.zeros(10, 3), torch.tensor([1, 2]), torch.tensor([0]), false, 1, false, torch.zeros(2)),
  view_copy_shape: () => torch.viewCopy(torch.zeros(2, 3, 4), [5, -1]),
  view_copy_dtype_0d: () => torch.viewCopy(torch.tensor(1.5), torch.float64),
  view_copy_dtype_stride: () => torch.viewCopy(torch.zeros(4, 2).t(), torch.float64),
  view_copy_dtype_size: () => torch.viewCopy(torch.zeros(3), torch.float64),
  slice_copy_0d: () => torch.sliceCopy(torch.tensor(1.5), 0, 0, 1, 1),
  slice_copy_step: () => torch.sliceCopy(torch.zeros(2, 3, 4), 0, 0, 1, 0),
  unsafe_split_with_sizes_sum: () => torch.unsafeSplitWithSizes(torch.zeros(2, 3, 4), [1, 2], 2),
  unsafe_chunk_zero: () => torch.unsafeChunk(torch.zeros(2, 3, 4), 0, 1),
  unsafe_split_negative: () => torch.unsafeSplit(torch.zeros(2, 3, 4), -1, 1),
  fill_dim: () => torch.fill(torch.zeros(2), torch.tensor([1.5])),
  range_step: () => torch.range(0, 1, 0),
  range_sign: () => torch.range(0, 1, -1),
  range_inf: () => torch.range(0, Infinity),
  range_half: () => torch.range(1, 4, { dtype: torch.float16 }),
  range_int_step: () => torch.range(-0.5, 0.7, 0.3, { dtype: torch.int64 }),
  frombuffer_offset: () => torch.frombuffer(new Uint8Array(16), { dtype: torch.int32, offset: 16 }),
  frombuffer_negative_offset: () => torch.frombuffer(new Uint8Array(16), { dtype: torch.int32, offset: -1 }),
  frombuffer_multiple: () => torch.frombuffer(new Uint8Array(16), { dtype: torch.int32, offset: 2 }),
  frombuffer_count: () => torch.frombuffer(new Uint8Array(16), { dtype: torch.int32, count: 5 }),
  frombuffer_zero: () => torch.frombuffer(new Uint8Array(16), { dtype: torch.int32, count: 0 }),
  frombuffer_empty: () => torch.frombuffer(new ArrayBuffer(0), { dtype: torch.int32 }),
  frombuffer_dtype: () => torch.frombuffer(new Uint8Array(16), undefined as unknown as torch.FrombufferOptions),
  asarray_alias_dtype: () => torch.asarray(torch.tensor([1.5]), { dtype: torch.float64, copy: false }),
  asarray_alias_sequence: () => torch.asarray([1, 2], { copy: false }),
  debug_mode_name: () => torch.setDeterministicDebugMode('x' as 'warn'),
  debug_mode_int: () => torch.setDeterministicDebugMode(3 as 2),
  interop_positive: () => torch.setNumInteropThreads(0),
  detach_copy_backward: () => torch.detachCopy(torch.zeros(3, { requiresGrad: true })).sum().backward(),
  channel_shuffle_backward: () => torch.nativeChannelShuffle(torch.zeros(2, 4, 2, { requiresGrad: true }), 2).sum().backward(),
  floor_divide_cast: () => torch.tensor([5, 7]).floorDivide_(2.5),
  native_dropout_long: () => torch.nativeDropout(torch.tensor([1, 2, 3]), 0.5, true),
  feature_dropout_long: () => torch.featureDropout(torch.tensor([[1, 2, 3]]), 0.5, true),
  pca_lowrank_q: () => torch.pcaLowrank(torch.zeros(4, 3), 4),
  pca_lowrank_niter: () => torch.pcaLowrank(torch.zeros(4, 3), 2, true, -1),
  svd_lowrank_q: () => torch.svdLowrank(torch.randn(4, 3), 6),
};

describe("errors are PyTorch 1.13's messages", () => {
  for (const e of FIXTURE.errors) {
    it(e.key, () => {
      const call = ERRORS[e.key];
      expect(call, `no flint call for error ${e.key}`).toBeDefined();
      expect(call!).toThrow(e.message);
    });
  }
  it('a left-out required flag is a TypeError naming it', () => {
    expect(() => torch.dropout(torch.zeros(2), 0.5, undefined as unknown as boolean)).toThrow("dropout(): argument 'train' must be a boolean");
    expect(() => torch.klDiv(torch.zeros(2), torch.zeros(2), 'mean' as unknown as number)).toThrow("kl_div(): argument 'reduction' must be an integer");
  });
});
