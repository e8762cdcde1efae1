/**
 * PyTorch 1.13's torch-level names that scripts use beside torch.nn.functional (the dropout
 * family, the normalizations and their native_* forms, embedding/embedding_bag, the
 * int-reduction losses, convolution, conv_tbc, constant_pad_nd, the grid samplers, the norms),
 * the *_copy view ops and unsafe splits, fill, range, svd/pca_lowrank and frombuffer/asarray/asTensor,
 * against tests/fixtures/torch-names.json (scripts/make_torch_names_fixtures.py):
 * values, strides, which results are their input, grad_fn names, the gradients of
 * sum(out * linspace(-1, 1)), and float64 gradchecks of the backward formulas. The switches and
 * the errors are in torch-names-errors.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { expectClose, fromFixture, type FixtureTensor } from './helpers/reference.js';
import { gradcheck } from './helpers/gradcheck.js';

type Input = FixtureTensor | number;
interface Case {
  name: string;
  inputs: Input[];
  grad: number[];
  seed: number | null;
  outs: FixtureTensor[];
  strides: number[][];
  isInput: boolean[];
  gradFn: string | null;
  grads?: (FixtureTensor | null)[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/torch-names.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  ranges: { args: number[]; dtype: string | null; out: FixtureTensor }[];
  frombuffer: { kw: { dtype: string; offset?: number; count?: number }; out: FixtureTensor }[];
  aliasing: Record<string, boolean | string>;
  settings: Record<string, (boolean | number | string)[]>;
  errors: { key: string; type: string; message: string }[];
};

type Fn = (x: Tensor[]) => Tensor | Tensor[];
const ints = (t: Tensor): number[] => (t.tolist() as number[]).map(Number);

/** Each fixture case as flint calls it (the Python lambda's twin, camelCased). */
const CASES: Record<string, Fn> = {
  dropout_eval: ([x]) => torch.dropout(x, 0.5, false),
  dropout_train: ([x]) => torch.dropout(x, 0.3, true),
  dropout_inplace: ([x]) => torch.dropout_(x.mul(1), 0.3, true),
  alpha_dropout_inplace: ([x]) => torch.alphaDropout_(x.mul(1), 0.2, true),
  feature_dropout: ([x]) => torch.featureDropout(x, 0.5, true),
  feature_dropout_inplace: ([x]) => torch.featureDropout_(x.mul(1), 0.5, true),
  feature_dropout_p1: ([x]) => torch.featureDropout(x, 1, true),
  feature_alpha_dropout_inplace: ([x]) => torch.featureAlphaDropout_(x.mul(1), 0.25, true),
  native_dropout_train: ([x]) => torch.nativeDropout(x, 0.3, true),
  native_dropout_eval: ([x]) => torch.nativeDropout(x, 0.3, false),
  native_dropout_none: ([x]) => torch.nativeDropout(x, 0.4, null),
  native_dropout_p1: ([x]) => torch.nativeDropout(x, 1, true),
  rrelu_eval: ([x]) => torch.rrelu(x, 0.1, 0.3, false),
  rrelu_train: ([x]) => torch.rrelu(x, 0.1, 0.3, true),
  rrelu_default: ([x]) => torch.rrelu(x),
  rrelu_inplace: ([x]) => torch.rrelu_(x.mul(1), 0.2, 0.4, true),
  batch_norm_train: ([x, w, b, rm, rv]) => [torch.batchNorm(x, w, b, rm, rv, true, 0.2, 1e-5, true), rm, rv],
  batch_norm_eval: ([x, w, b, rm, rv]) => torch.batchNorm(x, w, b, rm, rv, false, 0.1, 1e-3, false),
  batch_norm_no_stats: ([x]) => torch.batchNorm(x, null, null, null, null, true, 0.1, 1e-5, false),
  native_batch_norm_train: ([x, w, b, rm, rv]) => [...torch.nativeBatchNorm(x, w, b, rm, rv, true, 0.1, 1e-5), rm, rv],
  native_batch_norm_eval: ([x, rm, rv]) => torch.nativeBatchNorm(x, null, null, rm, rv, false, 0.1, 1e-5),
  native_batch_norm_f32: ([x]) => torch.nativeBatchNorm(x, null, null, null, null, true, 0.1, 1e-5),
  layer_norm_affine: ([x, w, b]) => torch.layerNorm(x, [4], w, b, 1e-5, true),
  layer_norm_default: ([x]) => torch.layerNorm(x, [3, 4]),
  native_layer_norm: ([x, w, b]) => torch.nativeLayerNorm(x, [4], w, b, 1e-5),
  native_layer_norm_f32: ([x]) => torch.nativeLayerNorm(x, [3, 4], null, null, 1e-3),
  group_norm: ([x, w, b]) => torch.groupNorm(x, 3, w, b, 1e-5, true),
  group_norm_default: ([x]) => torch.groupNorm(x, 2),
  native_group_norm: ([x, w, b]) => torch.nativeGroupNorm(x, w, b, 2, 6, 5, 3, 1e-5),
  instance_norm_stats: ([x, rm, rv]) => [torch.instanceNorm(x, null, null, rm, rv, true, 0.1, 1e-5, false), rm, rv],
  instance_norm_eval: ([x, w, b, rm, rv]) => torch.instanceNorm(x, w, b, rm, rv, false, 0.1, 1e-5, false),
  frobenius_norm: ([x]) => torch.frobeniusNorm(x),
  frobenius_norm_dim1: ([x]) => torch.frobeniusNorm(x, [1]),
  frobenius_norm_dim2: ([x]) => torch.frobeniusNorm(x, [2, 0], true),
  nuclear_norm: ([x]) => torch.nuclearNorm(x),
  nuclear_norm_keepdim: ([x]) => torch.nuclearNorm(x, true),
  nuclear_norm_dim: ([x]) => torch.nuclearNorm(x, [2, 1]),
  norm_except_dim0: ([x]) => torch.normExceptDim(x, 2, 0),
  norm_except_dim1: ([x]) => torch.normExceptDim(x, 3, 1),
  norm_except_dim_last: ([x]) => torch.normExceptDim(x, 2, 2),
  norm_except_dim_all: ([x]) => torch.normExceptDim(x, 2, -1),
  embedding: ([w, i]) => torch.embedding(w, i),
  embedding_padding_freq: ([w, i]) => torch.embedding(w, i, 1, true),
  embedding_padding_outside: ([w, i]) => torch.embedding(w, i, 5),
  embedding_renorm: ([w, i]) => torch.embeddingRenorm_(w, i, 1, 2),
  embedding_renorm_p1: ([w, i]) => torch.embeddingRenorm_(w, i, 0.5, 1),
  embedding_bag_sum: ([w, i, o]) => torch.embeddingBag(w, i, o),
  embedding_bag_mean: ([w, i, o]) => torch.embeddingBag(w, i, o, false, 1),
  embedding_bag_max: ([w, i, o]) => torch.embeddingBag(w, i, o, false, 2),
  embedding_bag_sum_pad: ([w, i, o]) => torch.embeddingBag(w, i, o, false, 0, false, null, false, 2),
  embedding_bag_mean_pad: ([w, i, o]) => torch.embeddingBag(w, i, o, false, 1, false, null, false, 4),
  embedding_bag_max_last: ([w, i, o]) => torch.embeddingBag(w, i, o, false, 2, false, null, true),
  embedding_bag_psw: ([w, i, o, p]) => torch.embeddingBag(w, i, o, false, 0, false, p),
  embedding_bag_sum_f32: ([w, i, o]) => torch.embeddingBag(w, i, o),
  embedding_bag_psw_f32: ([w, i, o, p]) => torch.embeddingBag(w, i, o, false, 0, false, p),
  bilinear: ([a, b, w, c]) => torch.bilinear(a, b, w, c),
  cosine_similarity: ([a, b]) => torch.cosineSimilarity(a, b, 0, 1e-6),
  pairwise_distance: ([a, b]) => torch.pairwiseDistance(a, b, 1.5, 1e-4, true),
  kl_div_default: ([a, b]) => torch.klDiv(a, b),
  kl_div_mean: ([a, b]) => torch.klDiv(a, b, 1),
  kl_div_sum_log_target: ([a, b]) => torch.klDiv(a, b, 2, { logTarget: true }),
  kl_div_other: ([a, b]) => torch.klDiv(a, b, 5),
  cosine_embedding_loss: ([a, b, t]) => torch.cosineEmbeddingLoss(a, b, t, 0.2, 1),
  cosine_embedding_loss_default: ([a, b, t]) => torch.cosineEmbeddingLoss(a, b, t),
  hinge_embedding_loss: ([a, t]) => torch.hingeEmbeddingLoss(a, t, 0.5, 2),
  margin_ranking_loss: ([a, b, t]) => torch.marginRankingLoss(a, b, t, 0.1, 1),
  margin_ranking_loss_default: ([a, b, t]) => torch.marginRankingLoss(a, b, t),
  triplet_margin_loss: ([a, p, n]) => torch.tripletMarginLoss(a, p, n, 0.5, 1, 1e-6, true, 2),
  triplet_margin_loss_default: ([a, p, n]) => torch.tripletMarginLoss(a, p, n),
  poisson_nll_loss: ([a, t]) => torch.poissonNllLoss(a, t, false, true, 1e-8, 1),
  poisson_nll_loss_log: ([a, t]) => torch.poissonNllLoss(a, t, true, false, 1e-8, 0),
  bce_with_logits: ([a, t, w, pw]) => torch.binaryCrossEntropyWithLogits(a, t, w, pw, 1),
  bce_with_logits_default: ([a, t]) => torch.binaryCrossEntropyWithLogits(a, t),
  ctc_loss_default: ([l, t]) => torch.ctcLoss(l, t, [6, 5], [2, 2]),
  ctc_loss_mean: ([l, t, il, tl]) => torch.ctcLoss(l, t, il, tl, 0, 1, false),
  convolution_2d: ([x, w, b]) => torch.convolution(x, w, b, [2, 1], [1, 0], [1, 2], false, [0, 0], 1),
  convolution_transposed: ([x, w]) => torch.convolution(x, w, null, [2, 2], [1, 1], [1, 1], true, [1, 0], 2),
  convolution_1d_ints: ([x, w, b]) => torch.convolution(x, w, b, [1], [2], [1], false, [0], 1),
  conv_tbc: ([x, w, b]) => torch.convTbc(x, w, b, 1),
  conv_tbc_nopad: ([x, w, b]) => torch.convTbc(x, w, b),
  constant_pad_nd: ([x]) => torch.constantPadNd(x, [1, 2, 0, 1], -0.5),
  constant_pad_nd_crop: ([x]) => torch.constantPadNd(x, [-1, 2]),
  constant_pad_nd_long: ([x]) => torch.constantPadNd(x, [1, 1], 2.7),
  grid_sampler_bilinear: ([x, g]) => torch.gridSampler(x, g, 0, 0, false),
  grid_sampler_nearest_border: ([x, g]) => torch.gridSampler2d(x, g, 1, 1, true),
  grid_sampler_bicubic_reflection: ([x, g]) => torch.gridSampler(x, g, 2, 2, false),
  grid_sampler_3d: ([x, g]) => torch.gridSampler3d(x, g, 0, 1, true),
  affine_grid_generator: ([t]) => torch.affineGridGenerator(t, [2, 3, 4, 5], false),
  affine_grid_generator_3d: ([t]) => torch.affineGridGenerator(t, [1, 1, 2, 3, 2], true),
  native_channel_shuffle: ([x]) => torch.nativeChannelShuffle(x, 3),
  view_copy: ([x]) => torch.viewCopy(x, [4, -1]),
  view_copy_reshape: ([x]) => torch.viewCopy(x.transpose(0, 1), [-1]),
  view_copy_dtype_same: ([x]) => torch.viewCopy(x, torch.int64),
  view_copy_dtype_down: ([x]) => torch.viewCopy(x, torch.int32),
  view_copy_dtype_up: ([x]) => torch.viewCopy(x, torch.float64),
  permute_copy: ([x]) => torch.permuteCopy(x, [2, 0, 1]),
  permute_copy_strided: ([x]) => torch.permuteCopy(x.index(':', ':', '::2'), [2, 0, 1]),
  expand_copy: ([x]) => torch.expandCopy(x.narrow(1, 0, 1), [2, 5, 4]),
  transpose_copy: ([x]) => torch.transposeCopy(x, 0, 2),
  t_copy: ([x]) => torch.tCopy(x.select(0, 0)),
  t_copy_1d: ([x]) => torch.tCopy(x.select(0, 0).select(0, 0)),
  squeeze_copy: ([x]) => torch.squeezeCopy(x.narrow(1, 0, 1)),
  squeeze_copy_dim: ([x]) => torch.squeezeCopy(x.narrow(1, 0, 1), 1),
  unsqueeze_copy: ([x]) => torch.unsqueezeCopy(x, 1),
  select_copy: ([x]) => torch.selectCopy(x, 1, -1),
  slice_copy: ([x]) => torch.sliceCopy(x, 2, 1, 3, 1),
  slice_copy_step: ([x]) => torch.sliceCopy(x, 2, -3, 100, 2),
  slice_copy_open: ([x]) => torch.sliceCopy(x, 1, null, null, 2),
  diagonal_copy: ([x]) => torch.diagonalCopy(x, 1, 1, 2),
  diagonal_copy_transposed: ([x]) => torch.diagonalCopy(x.transpose(0, 2), 0, 0, 1),
  alias_copy: ([x]) => torch.aliasCopy(x.transpose(0, 2)),
  detach_copy: ([x]) => torch.detachCopy(x.transpose(0, 2)),
  unbind_copy: ([x]) => torch.unbindCopy(x, 1),
  split_copy: ([x]) => torch.splitCopy(x, 2, 1),
  split_with_sizes_copy: ([x]) => torch.splitWithSizesCopy(x, [1, 3], 2),
  unfold_copy: ([x]) => torch.unfoldCopy(x, 2, 2, 1),
  unsafe_chunk: ([x]) => torch.unsafeChunk(x, 2, 1),
  unsafe_split: ([x]) => torch.unsafeSplit(x, 3, 2),
  unsafe_split_with_sizes: ([x]) => torch.unsafeSplitWithSizes(x, [1, 2], 1),
  split_with_sizes: ([x]) => torch.splitWithSizes(x, [3, 1], 2),
  method_unsafe_chunk: ([x]) => x.unsafeChunk(3, -1),
  fill_scalar: ([x]) => torch.fill(x, 2.5),
  fill_tensor: ([x, v]) => torch.fill(x, v),
  fill_tensor_other_dtype: ([x, v]) => torch.fill(x, v),
  fill_long: ([x]) => torch.fill(x, 2.7),
  fill_transposed: ([x]) => torch.fill(x.t(), 1),
  fill_: ([x]) => torch.fill_(x.mul(1), 3),
  zero_: ([x]) => torch.zero_(x.mul(1)),
  floor_divide_: ([x]) => x.clone().floorDivide_(0.7),
  floor_divide_long: ([x, y]) => x.clone().floorDivide_(y),
  where_method: ([x, y]) => x.where(x.gt(0), y),
  where_method_0d: ([x, y]) => x.where(x.gt(0), y),
  clip_: ([x]) => x.mul(1).clip_(-0.5, 0.5),
  resolve_neg: ([x]) => torch.resolveNeg(x),
  svd_lowrank: ([a]) => torch.svdLowrank(a, 3),
  svd_lowrank_wide: ([a]) => torch.svdLowrank(a, { q: 3, niter: 1 }),
  svd_lowrank_tall: ([a]) => torch.svdLowrank(a, 4),
  svd_lowrank_M: ([a, m]) => torch.svdLowrank(a, 3, 2, m),
  pca_lowrank: ([a]) => torch.pcaLowrank(a),
  pca_lowrank_no_center: ([a]) => torch.pcaLowrank(a, { q: 2, center: false, niter: 3 }),
  pca_lowrank_batched: ([a]) => torch.pcaLowrank(a, 2),
};

// Outputs compared in float32 to a float32 tolerance though their values are float64 sums
// in a different order (conv_tbc is a loop of products in PyTorch, a convolution here).
const TOLERANCE: Record<string, { rtol: number; atol: number }> = {
  conv_tbc: { rtol: 1e-12, atol: 1e-12 },
  native_layer_norm_f32: { rtol: 1e-5, atol: 1e-6 },
  native_batch_norm_f32: { rtol: 1e-5, atol: 1e-6 },
};

// Cases whose layout PyTorch's own rules decide (clone's preserve_format), checked stride for stride.
const LAYOUT = /_copy|unsafe|split_with_sizes|^fill/;

// grad_fn names flint gives differently: linalg.matrixNorm keeps a dim by unsqueeze (PyTorch's
// svdvals path ends in a permute).
const OWN_GRAD_FN = new Set<string>(['nuclear_norm_keepdim']);

describe('torch-level names as PyTorch 1.13', () => {
  for (const c of FIXTURE.cases) {
    it(c.name, () => {
      const fn = CASES[c.name];
      expect(fn, `no flint call for ${c.name}`).toBeDefined();
      const inputs = c.inputs.map((x, i) => (typeof x === 'number' ? x : fromFixture(x, { requiresGrad: c.grad.includes(i) })));
      if (c.seed !== null) torch.manualSeed(c.seed);
      const result = fn!(inputs as Tensor[]);
      const outs = Array.isArray(result) ? result : [result];
      expect(outs.length).toBe(c.outs.length);
      const tol = TOLERANCE[c.name] ?? {};
      outs.forEach((o, k) => {
        expectClose(o, c.outs[k]!, { ...tol, label: `out ${k}` });
        expect(inputs.some((x) => x === o), `out ${k} is an input`).toBe(c.isInput[k]);
        if (LAYOUT.test(c.name)) expect(o.stride(), `out ${k} strides`).toEqual(c.strides[k]);
      });
      if (c.gradFn !== null && !OWN_GRAD_FN.has(c.name)) expect(outs[0]!.gradFn?.name).toBe(c.gradFn);
      if (c.grads === undefined) return;
      const diff = outs.filter((o) => o.requiresGrad && o.gradFn !== null && o.dtype.isFloatingPoint);
      let total: Tensor | null = null;
      for (const o of diff) {
        const term = o.mul(torch.linspace(-1, 1, o.numel(), { dtype: o.dtype }).reshape(o.shape)).sum();
        total = total === null ? term : total.add(term);
      }
      total!.backward();
      c.grad.forEach((i, k) => {
        const expected = c.grads![k];
        const got = (inputs[i] as Tensor).grad;
        if (expected === null) expect(got, `grad of input ${i}`).toBeNull();
        else expectClose(got!, expected, { ...tol, label: `grad of input ${i}` });
      });
    });
  }
});

describe('torch.range', () => {
  // The first calls of torch.range in this file's module instance: PyTorch's deprecation warning, once.
  const warned: string[] = [];
  const original = process.emitWarning;
  beforeAll(() => {
    process.emitWarning = ((w: string | Error) => void warned.push(String(w))) as typeof process.emitWarning;
  });
  afterAll(() => {
    process.emitWarning = original;
  });
  for (const c of FIXTURE.ranges) {
    it(`range(${c.args.join(', ')}${c.dtype ? `, ${c.dtype}` : ''})`, () => {
      const [start, end, step] = c.args;
      const options = c.dtype === null ? {} : { dtype: c.dtype };
      const out = step === undefined ? torch.range(start!, end!, options) : torch.range(start!, end!, step, options);
      expectClose(out, c.out, { rtol: 0, atol: 0 });
    });
  }
  it('takes requiresGrad, and warned once that it is deprecated', () => {
    expect(torch.range(0, 1, 0.5, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(warned.filter((w) => w.startsWith('torch.range is deprecated'))).toHaveLength(1);
  });
});

describe('torch.frombuffer', () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i);
  for (const c of FIXTURE.frombuffer) {
    it(JSON.stringify(c.kw), () => {
      const out = torch.frombuffer(bytes, c.kw);
      expectClose(out, c.out, { rtol: 0, atol: 0 });
    });
  }
  it('reads an ArrayBuffer, a DataView and a view at an offset into a larger buffer alike', () => {
    const big = new Uint8Array(24);
    big.set(bytes, 8);
    const expected = torch.frombuffer(bytes, { dtype: torch.int32 }).tolist();
    expect(torch.frombuffer(bytes.buffer, { dtype: torch.int32 }).tolist()).toEqual(expected);
    expect(torch.frombuffer(new DataView(big.buffer, 8, 16), { dtype: 'int32' }).tolist()).toEqual(expected);
    expect(torch.frombuffer(big.subarray(8), { dtype: torch.int32 }).tolist()).toEqual(expected);
    expect(torch.frombuffer(Buffer.from(bytes), { dtype: torch.int32 }).tolist()).toEqual(expected);
    expect(torch.frombuffer(new Float32Array([1.5, -2]), { dtype: torch.float32, requiresGrad: true }).requiresGrad).toBe(true);
  });
  it('copies: the tensor does not follow later writes to the buffer, nor the buffer the tensor', () => {
    const source = new Int32Array([1, 2, 3]);
    const t = torch.frombuffer(source, { dtype: torch.int32 });
    source[0] = 99;
    expect(ints(t)).toEqual([1, 2, 3]);
    t.fill_(7);
    expect(Array.from(source)).toEqual([99, 2, 3]);
  });
});

describe('asarray and asTensor', () => {
  const a = FIXTURE.aliasing;
  const f32 = (v: number[], requiresGrad = false) => torch.tensor(v, { dtype: torch.float32, requiresGrad });
  it("return a tensor as it is where PyTorch's do, and set requiresGrad on it as PyTorch 1.13 does", () => {
    const t = f32([1, 2]);
    expect(torch.asarray(t) === t).toBe(a.same_is_input);
    expect(torch.asarray(t, { copy: true }) === t).toBe(a.copy_true_is_input);
    const leaf = f32([1, 2], true);
    expect(torch.asarray(leaf) === leaf).toBe(a.leaf_default_is_input);
    expect(leaf.requiresGrad).toBe(a.leaf_default_input_requires_grad);
    const plain = f32([1, 2]);
    expect(torch.asarray(plain, { requiresGrad: true }) === plain).toBe(a.plain_rg_is_input);
    expect(plain.requiresGrad).toBe(a.plain_rg_input_requires_grad);
    const nonleaf = f32([1, 2], true).mul(2);
    const detached = torch.asarray(nonleaf);
    expect(detached === nonleaf).toBe(a.nonleaf_default_is_input);
    expect(detached.requiresGrad).toBe(a.nonleaf_default_requires_grad);
    detached.fill_(5);
    expect(nonleaf.tolist()).toEqual(a.nonleaf_default_shares ? [5, 5] : [2, 4]);
    const other = f32([1, 2], true).mul(2);
    expect(torch.asarray(other, { requiresGrad: true }) === other).toBe(a.nonleaf_rg_is_input);
    expect(torch.asarray(other, { dtype: torch.float64, requiresGrad: true }).gradFn?.name).toBe(a.nonleaf_cast_grad_fn);
    expect(torch.asarray(other, { copy: true, requiresGrad: true }).gradFn?.name).toBe(a.nonleaf_copy_grad_fn);
    expect(torch.asTensor(t) === t).toBe(a.as_tensor_same_is_input);
    expect(torch.asTensor(f32([1], true), { dtype: torch.float64 }).gradFn?.name).toBe(a.as_tensor_cast_grad_fn);
  });
  it('infer dtypes as torch.tensor, keep a typed array\'s, and read raw bytes as frombuffer in the default dtype', () => {
    expect(torch.asarray([1, 2, 3]).dtype).toBe(torch.int64);
    expect(torch.asarray([1.5, 2]).dtype).toBe(torch.float32);
    expect(torch.asarray([[1, 2], [3, 4]], { dtype: torch.float16 }).dtype).toBe(torch.float16);
    expect(torch.asarray(new Int32Array([1, 2])).dtype).toBe(torch.int32);
    expect(torch.asarray(3.5, { requiresGrad: true }).requiresGrad).toBe(true);
    const raw = new Float32Array([1.5, -2]).buffer;
    expect(torch.asarray(raw).tolist()).toEqual([1.5, -2]);
    expect(torch.asarray(raw, { dtype: torch.int32 }).tolist()).toEqual(ints(torch.frombuffer(raw, { dtype: torch.int32 })));
    expect(torch.asTensor(new Float64Array([0.25])).dtype).toBe(torch.float64);
    expect(torch.asTensor([1, 2], { dtype: torch.float64 }).tolist()).toEqual([1, 2]);
  });
  it("refuse copy: false where nothing can be shared, with PyTorch's messages", () => {
    const e = Object.fromEntries(FIXTURE.errors.map((x) => [x.key, x.message]));
    expect(() => torch.asarray(f32([1]), { dtype: torch.float64, copy: false })).toThrow(e.asarray_alias_dtype);
    expect(() => torch.asarray([1, 2], { copy: false })).toThrow(e.asarray_alias_sequence);
    expect(() => torch.asarray(new Float32Array(2), { copy: false })).toThrow("can't alias JS memory into a tensor");
    expect(torch.asarray(f32([1]), { dtype: torch.float32, copy: false }).tolist()).toEqual([1]);
  });
});

describe('gradients by finite differences (float64)', () => {
  const x = (...shape: number[]) => torch.randn(shape, { dtype: torch.float64 });
  it('the _copy ops and fill', () => {
    torch.manualSeed(0);
    gradcheck((t) => torch.permuteCopy(t, [2, 0, 1]), [x(2, 3, 2).requiresGrad_()]);
    gradcheck((t) => torch.expandCopy(t, [3, 2, 4]), [x(2, 1).requiresGrad_()]);
    gradcheck((t) => torch.sliceCopy(t, 1, -3, null, 2), [x(2, 5).requiresGrad_()]);
    gradcheck((t) => torch.diagonalCopy(t, -1), [x(3, 4).requiresGrad_()]);
    gradcheck((t) => torch.unfoldCopy(t, 1, 3, 1), [x(2, 5).requiresGrad_()]);
    gradcheck((t) => torch.selectCopy(t, 0, 1), [x(3, 2).requiresGrad_()]);
    gradcheck((t) => torch.viewCopy(t.t(), [-1]), [x(2, 3).requiresGrad_()]);
    gradcheck((t) => torch.splitCopy(t, 2, 0)[1]!, [x(3, 2).requiresGrad_()]);
    gradcheck((t, v) => torch.fill(t, v), [x(2, 3).requiresGrad_(), x().requiresGrad_()]);
  });
  it('the norms, native dropout and the native normalizations', () => {
    torch.manualSeed(1);
    gradcheck((t) => torch.normExceptDim(t, 3, 1), [x(2, 3, 2).requiresGrad_()]);
    gradcheck((t) => torch.frobeniusNorm(t, [0, 2]), [x(2, 3, 2).requiresGrad_()]);
    gradcheck((t) => torch.nuclearNorm(t), [x(3, 2).requiresGrad_()]);
    gradcheck((t) => {
      torch.manualSeed(4);
      return torch.nativeDropout(t, 0.4, true)[0];
    }, [x(3, 4).requiresGrad_()]);
    gradcheck((t) => {
      const [out, mean, rstd] = torch.nativeGroupNorm(t, null, null, 2, 4, 3, 2, 1e-5);
      return out.sum([1, 2]).add(mean.sum(1)).add(rstd.sum(1));
    }, [x(2, 4, 3).requiresGrad_()]);
    gradcheck((t) => torch.nativeBatchNorm(t, null, null, null, null, true, 0.1, 1e-5)[0], [x(3, 2, 2).requiresGrad_()]);
  });
  it('conv_tbc, constant_pad_nd, embedding_bag, kl_div', () => {
    torch.manualSeed(2);
    gradcheck((i, w, b) => torch.convTbc(i, w, b, 1), [x(4, 2, 3).requiresGrad_(), x(2, 3, 2).requiresGrad_(), x(2).requiresGrad_()]);
    gradcheck((t) => torch.constantPadNd(t, [1, -1, 0, 2], 0.5), [x(2, 3).requiresGrad_()]);
    const ids = torch.tensor([0, 2, 2, 4, 1]);
    const offsets = torch.tensor([0, 2]);
    gradcheck((w) => torch.embeddingBag(w, ids, offsets, false, 1)[0], [x(5, 2).requiresGrad_()]);
    gradcheck((a, b) => torch.klDiv(a, b, 1), [x(2, 3).requiresGrad_(), torch.rand([2, 3], { dtype: torch.float64 }).add(0.1).requiresGrad_()]);
  });
});
